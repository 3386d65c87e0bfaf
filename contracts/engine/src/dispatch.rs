//! The engine's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs), built from `gavel_common::abi`, which describes the checks it makes as the SDK's
//! router does. `tests::dispatch` runs calls through both.

use super::*;
use gavel_common::abi::{call, words};

gavel_common::functions! {
    pub constructor(Address, Address);
    Liquidate = "liquidate"(Address, U256, U256, Address, Address);
    Sync = "sync"(U256);
    FallbackToDutch = "fallbackToDutch"(U256, Address);
    Finalize = "finalize"(U256, Address);
    Skim = "skim"(Address, Address);
    SetProtocol = "setProtocol"(Address, bool);
    SetCollateral = "setCollateral"(Address, Address, Address, U256, U256, U256, U256, bool);
    SetHole = "setHole"(U256);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
    Solvency = "solvency"();
    Hole = "hole"();
    Dirt = "dirt"();
    Protocols = "protocols"(Address);
    CollateralConfig = "collateralConfig"(Address);
    Liquidations = "liquidations"(U256);
}

impl LiquidationEngine {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, exactly as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        let (function, [a0, a1, a2, a3, a4, a5, a6, a7]) =
            call(self.vm().msg_value(), input, FUNCTIONS)?;
        let none = Vec::new();
        let data = match function {
            Function::Constructor => {
                gavel_common::construct_once!(self);
                self.constructor(address_of(&a0), address_of(&a1))?;
                none
            }
            Function::Liquidate => words(&self.liquidate_words(
                address_of(&a0),
                a1,
                a2,
                address_of(&a3),
                address_of(&a4),
            )?),
            Function::Sync => {
                self.sync(a0)?;
                none
            }
            Function::FallbackToDutch => words(&[self.fallback_to_dutch(a0, address_of(&a1))?]),
            Function::Finalize => {
                self.finalize(a0, address_of(&a1))?;
                none
            }
            Function::Skim => {
                self.skim(address_of(&a0), address_of(&a1))?;
                none
            }
            Function::SetProtocol => {
                self.set_protocol(address_of(&a0), !a1.is_zero())?;
                none
            }
            Function::SetCollateral => {
                self.set_collateral(
                    address_of(&a0),
                    address_of(&a1),
                    address_of(&a2),
                    a3,
                    a4,
                    a5,
                    a6,
                    !a7.is_zero(),
                )?;
                none
            }
            Function::SetHole => {
                self.set_hole(a0)?;
                none
            }
            Function::Owner => words(&[address_word(self.owner())]),
            Function::PendingOwner => words(&[address_word(self.pending_owner())]),
            Function::TransferOwnership => {
                self.transfer_ownership(address_of(&a0))?;
                none
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                none
            }
            Function::Solvency => words(&[address_word(self.solvency())]),
            Function::Hole => words(&[self.hole()]),
            Function::Dirt => words(&[self.dirt()]),
            Function::Protocols => words(&[U256::from(u8::from(self.protocols(address_of(&a0))))]),
            Function::CollateralConfig => words(&self.collateral_words(address_of(&a0))),
            Function::Liquidations => words(&self.liquidation_words(a0)?),
        };
        Ok(data)
    }
}

gavel_common::entrypoint!(LiquidationEngine);

//! The module's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs), built from `gavel_common::abi`, which describes the checks it makes as the SDK's
//! router does. `tests::dispatch` runs calls through both.

use super::*;
use gavel_common::abi::{call, words};

gavel_common::functions! {
    pub(crate) constructor(Address, Address, U256, U256, U256, U256);
    Open = "open"(Address, U256, U256);
    Attach = "attach"(U256, Address, U256);
    OnProceeds = "onProceeds"(U256, U256);
    OnAuctionEnd = "onAuctionEnd"(U256, U256, U256, U256);
    Finalize = "finalize"(U256);
    PayKeeper = "payKeeper"(U256, Address, U256);
    Heal = "heal"(U256);
    Socialize = "socialize"(U256);
    Deposit = "deposit"(U256);
    Withdraw = "withdraw"(U256, Address);
    Skim = "skim"(Address);
    Release = "release"(U256);
    SetKicker = "setKicker"(Address, bool);
    SetHouse = "setHouse"(Address, bool);
    SetGuardian = "setGuardian"(Address, bool);
    Pause = "pause"();
    Unpause = "unpause"();
    SetParams = "setParams"(U256, U256, U256, U256);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
    Token = "token"();
    Books = "books"();
    Liquidation = "liquidation"(U256);
    BeneficiaryTotals = "beneficiaryTotals"(Address);
    Params = "params"();
    Paused = "paused"();
    Roles = "roles"(Address);
    NextLiquidationId = "nextLiquidationId"();
}

impl SolvencyModule {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, exactly as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        let (function, [a0, a1, a2, a3, a4, a5]) = call(self.vm().msg_value(), input, FUNCTIONS)?;
        let data = match function {
            Function::Constructor => {
                gavel_common::construct_once!(self);
                self.constructor(address_of(&a0), address_of(&a1), a2, a3, a4, a5)?;
                Vec::new()
            }
            Function::Open => words(&[self.open(address_of(&a0), a1, a2)?]),
            Function::Attach => {
                self.attach(a0, address_of(&a1), a2)?;
                Vec::new()
            }
            Function::OnProceeds => {
                self.on_proceeds(a0, a1)?;
                Vec::new()
            }
            Function::OnAuctionEnd => {
                self.on_auction_end(a0, a1, a2, a3)?;
                Vec::new()
            }
            Function::Finalize => {
                self.finalize(a0)?;
                Vec::new()
            }
            Function::PayKeeper => words(&[self.pay_keeper(a0, address_of(&a1), a2)?]),
            Function::Heal => {
                self.heal(a0)?;
                Vec::new()
            }
            Function::Socialize => {
                self.socialize(a0)?;
                Vec::new()
            }
            Function::Deposit => {
                self.deposit(a0)?;
                Vec::new()
            }
            Function::Withdraw => {
                self.withdraw(a0, address_of(&a1))?;
                Vec::new()
            }
            Function::Skim => {
                self.skim(address_of(&a0))?;
                Vec::new()
            }
            Function::Release => {
                self.release(a0)?;
                Vec::new()
            }
            Function::SetKicker => {
                self.set_kicker(address_of(&a0), !a1.is_zero())?;
                Vec::new()
            }
            Function::SetHouse => {
                self.set_house(address_of(&a0), !a1.is_zero())?;
                Vec::new()
            }
            Function::SetGuardian => {
                self.set_guardian(address_of(&a0), !a1.is_zero())?;
                Vec::new()
            }
            Function::Pause => {
                self.pause()?;
                Vec::new()
            }
            Function::Unpause => {
                self.unpause()?;
                Vec::new()
            }
            Function::SetParams => {
                self.set_params(a0, a1, a2, a3)?;
                Vec::new()
            }
            Function::Owner => words(&[address_word(self.owner())]),
            Function::PendingOwner => words(&[address_word(self.pending_owner())]),
            Function::TransferOwnership => {
                self.transfer_ownership(address_of(&a0))?;
                Vec::new()
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                Vec::new()
            }
            Function::Token => words(&[address_word(self.token())]),
            Function::Books => words(&self.books_words()),
            Function::Liquidation => words(&self.liquidation_words(a0)),
            Function::BeneficiaryTotals => words(&self.beneficiary_words(address_of(&a0))),
            Function::Params => words(&self.params_words()),
            Function::Paused => words(&[U256::from(u8::from(self.paused()))]),
            Function::Roles => words(&self.roles_words(address_of(&a0))),
            Function::NextLiquidationId => words(&[self.next_liquidation_id()]),
        };
        Ok(data)
    }
}

gavel_common::entrypoint!(SolvencyModule);

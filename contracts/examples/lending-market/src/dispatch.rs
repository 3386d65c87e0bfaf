//! The market's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs), built from `gavel_common::abi`, which describes the checks it makes as the SDK's
//! router does. `tests::dispatch` runs calls through both.

use super::*;
use gavel_common::abi::{call, words};

gavel_common::functions! {
    pub(crate) constructor(Address, Address, Address, Address, Address, Address, U256, U256);
    Supply = "supply"(U256);
    Withdraw = "withdraw"(U256, Address);
    DepositCollateral = "depositCollateral"(U256);
    WithdrawCollateral = "withdrawCollateral"(U256, Address);
    Borrow = "borrow"(U256, Address);
    Repay = "repay"(U256, Address);
    Liquidate = "liquidate"(Address);
    Settle = "settle"();
    AbsorbLoss = "absorbLoss"(U256);
    Skim = "skim"(Address);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
    HealthFactor = "healthFactor"(Address);
    Position = "position"(Address);
    Totals = "totals"();
    Price = "price"();
    Lltv = "lltv"();
    MaxOracleAge = "maxOracleAge"();
    CollateralToken = "collateralToken"();
    DebtToken = "debtToken"();
    Oracle = "oracle"();
    Engine = "engine"();
    Solvency = "solvency"();
}

/// One address as return data.
fn address_data(account: Address) -> Vec<u8> {
    words(&[address_word(account)])
}

impl LendingMarket {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, exactly as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        let (function, [a0, a1, a2, a3, a4, a5, a6, a7]) =
            call(self.vm().msg_value(), input, FUNCTIONS)?;
        let data = match function {
            Function::Constructor => {
                gavel_common::construct_once!(self);
                self.constructor(
                    address_of(&a0),
                    address_of(&a1),
                    address_of(&a2),
                    address_of(&a3),
                    address_of(&a4),
                    address_of(&a5),
                    a6,
                    a7,
                )?;
                Vec::new()
            }
            Function::Supply => words(&[self.supply(a0)?]),
            Function::Withdraw => words(&[self.withdraw(a0, address_of(&a1))?]),
            Function::DepositCollateral => {
                self.deposit_collateral(a0)?;
                Vec::new()
            }
            Function::WithdrawCollateral => {
                self.withdraw_collateral(a0, address_of(&a1))?;
                Vec::new()
            }
            Function::Borrow => {
                self.borrow(a0, address_of(&a1))?;
                Vec::new()
            }
            Function::Repay => words(&[self.repay(a0, address_of(&a1))?]),
            Function::Liquidate => words(&[self.liquidate(address_of(&a0))?]),
            Function::Settle => words(&[self.settle()?]),
            Function::AbsorbLoss => {
                self.absorb_loss(a0)?;
                Vec::new()
            }
            Function::Skim => {
                self.skim(address_of(&a0))?;
                Vec::new()
            }
            Function::Owner => address_data(self.owner()),
            Function::PendingOwner => address_data(self.pending_owner()),
            Function::TransferOwnership => {
                self.transfer_ownership(address_of(&a0))?;
                Vec::new()
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                Vec::new()
            }
            Function::HealthFactor => words(&[self.health_factor(address_of(&a0))?]),
            Function::Position => words(&self.position_words(address_of(&a0))),
            Function::Totals => words(&self.totals_words()),
            Function::Price => words(&[self.price()?]),
            Function::Lltv => words(&[self.lltv()]),
            Function::MaxOracleAge => words(&[self.max_oracle_age()]),
            Function::CollateralToken => address_data(self.collateral_token()),
            Function::DebtToken => address_data(self.debt_token()),
            Function::Oracle => address_data(self.oracle()),
            Function::Engine => address_data(self.engine()),
            Function::Solvency => address_data(self.solvency()),
        };
        Ok(data)
    }
}

gavel_common::entrypoint!(LendingMarket);

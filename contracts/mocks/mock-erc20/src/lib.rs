//! # MockERC20
//!
//! A test ERC-20 for gavel's native (motsu) and Foundry tests. The token logic is
//! OpenZeppelin Stylus's [`Erc20`]; this contract adds metadata chosen at construction (name,
//! symbol and decimals, so tests can model 6- and 8-decimal collateral) and an open `mint`.
//!
//! **Never deploy it to a chain that holds value: anyone can mint.**
//!
//! Shape (every gavel contract follows it): parameters and their validation, storage, `sol!`
//! events and custom errors, the public interface, internal functions, tests.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{Address, U256, U8};
use openzeppelin_stylus::token::erc20::{
    self,
    extensions::{Erc20Metadata, IErc20Metadata},
    Erc20, IErc20,
};
use stylus_sdk::{prelude::*, storage::StorageU8};

pub use sol::*;

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    // OpenZeppelin's `Erc20` logs these; they are declared here too so that the generated
    // interface lists them (a test checks both declarations have the same topic).
    gavel_common::events! {
        /// `value` tokens moved from `from` to `to` (mint: `from` is zero).
        event Transfer(address indexed from, address indexed to, uint256 value);
        /// `owner` let `spender` move up to `value` of its tokens.
        event Approval(address indexed owner, address indexed spender, uint256 value);
    }

    sol! {
        /// Minting `value` would push the total supply past `type(uint256).max`.
        #[derive(Debug)]
        error MockERC20SupplyOverflow(uint256 totalSupply, uint256 value);
    }
}

/// Every way a call to [`MockERC20`] can fail: OpenZeppelin's ERC-6093 errors plus the mint
/// overflow. Each is a Solidity custom error.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)`.
    InsufficientBalance(erc20::ERC20InsufficientBalance),
    /// `ERC20InvalidSender(address sender)`.
    InvalidSender(erc20::ERC20InvalidSender),
    /// `ERC20InvalidReceiver(address receiver)`.
    InvalidReceiver(erc20::ERC20InvalidReceiver),
    /// `ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)`.
    InsufficientAllowance(erc20::ERC20InsufficientAllowance),
    /// `ERC20InvalidSpender(address spender)`.
    InvalidSpender(erc20::ERC20InvalidSpender),
    /// `ERC20InvalidApprover(address approver)`.
    InvalidApprover(erc20::ERC20InvalidApprover),
    /// `MockERC20SupplyOverflow(uint256 totalSupply, uint256 value)`.
    SupplyOverflow(MockERC20SupplyOverflow),
}

impl From<erc20::Error> for Error {
    fn from(error: erc20::Error) -> Self {
        match error {
            erc20::Error::InsufficientBalance(e) => Error::InsufficientBalance(e),
            erc20::Error::InvalidSender(e) => Error::InvalidSender(e),
            erc20::Error::InvalidReceiver(e) => Error::InvalidReceiver(e),
            erc20::Error::InsufficientAllowance(e) => Error::InsufficientAllowance(e),
            erc20::Error::InvalidSpender(e) => Error::InvalidSpender(e),
            erc20::Error::InvalidApprover(e) => Error::InvalidApprover(e),
        }
    }
}

/// Storage of the mock token.
#[storage]
#[entrypoint]
pub struct MockERC20 {
    /// Balances, allowances and total supply (OpenZeppelin).
    erc20: Erc20,
    /// Name and symbol (OpenZeppelin).
    metadata: Erc20Metadata,
    /// Decimals chosen at construction.
    decimals: StorageU8,
}

#[public]
impl MockERC20 {
    /// Sets the token's name, symbol and decimals. The supply starts at zero.
    #[constructor]
    pub fn constructor(&mut self, name: String, symbol: String, decimals: u8) {
        self.metadata.constructor(name, symbol);
        self.decimals.set(U8::from(decimals));
    }

    /// The token's name.
    pub fn name(&self) -> String {
        self.metadata.name()
    }

    /// The token's symbol.
    pub fn symbol(&self) -> String {
        self.metadata.symbol()
    }

    /// The number of decimals chosen at construction.
    pub fn decimals(&self) -> u8 {
        self.decimals.get().to::<u8>()
    }

    /// Total tokens in existence.
    #[selector(name = "totalSupply")]
    pub fn total_supply(&self) -> U256 {
        self.erc20.total_supply()
    }

    /// Balance of `account`.
    #[selector(name = "balanceOf")]
    pub fn balance_of(&self, account: Address) -> U256 {
        self.erc20.balance_of(account)
    }

    /// Moves `value` tokens from the caller to `to`; emits `Transfer`.
    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, Error> {
        Ok(self.erc20.transfer(to, value)?)
    }

    /// What `spender` may still move on behalf of `owner`.
    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.erc20.allowance(owner, spender)
    }

    /// Lets `spender` move up to `value` of the caller's tokens; emits `Approval`.
    pub fn approve(&mut self, spender: Address, value: U256) -> Result<bool, Error> {
        Ok(self.erc20.approve(spender, value)?)
    }

    /// Moves `value` tokens from `from` to `to` against the caller's allowance; emits
    /// `Transfer`. An allowance of `type(uint256).max` is never decreased.
    #[selector(name = "transferFrom")]
    pub fn transfer_from(&mut self, from: Address, to: Address, value: U256) -> Result<bool, Error> {
        Ok(self.erc20.transfer_from(from, to, value)?)
    }

    /// Creates `value` tokens for `to`; anyone may call it (test token). Emits `Transfer` from
    /// the zero address.
    pub fn mint(&mut self, to: Address, value: U256) -> Result<(), Error> {
        let total_supply = self.erc20.total_supply();
        if total_supply.checked_add(value).is_none() {
            return Err(Error::SupplyOverflow(MockERC20SupplyOverflow {
                totalSupply: total_supply,
                value,
            }));
        }
        Ok(self.erc20._mint(to, value)?)
    }
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<MockERC20>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

//! # MockERC20
//!
//! A test ERC-20 for gavel's native (motsu) and Foundry tests, with metadata chosen at
//! construction (name, symbol and decimals, so tests can model 6- and 8-decimal collateral)
//! and an open `mint`. It behaves as OpenZeppelin's ERC-20 does: ERC-6093 errors, `Transfer`
//! on every move (mint included), `Approval` on `approve` only, and an allowance of
//! `type(uint256).max` that `transferFrom` never decreases (tests compare its errors and event
//! topics with OpenZeppelin Stylus's). It is written here rather than wrapping OpenZeppelin's
//! `Erc20` so that it logs through [`gavel_common::log`], like every gavel contract: the
//! simulator turns log recording off natively, and token transfers are half of its logs.
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
use stylus_sdk::{
    prelude::*,
    storage::{StorageMap, StorageString, StorageU256, StorageU8},
};

pub use sol::*;

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// `value` tokens moved from `from` to `to` (mint: `from` is zero).
        event Transfer(address indexed from, address indexed to, uint256 value);
        /// `owner` let `spender` move up to `value` of its tokens.
        event Approval(address indexed owner, address indexed spender, uint256 value);
    }

    sol! {
        /// ERC-6093: `sender` holds `balance`, less than the `needed` amount.
        #[derive(Debug)]
        error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed);
        /// ERC-6093: tokens cannot come from `sender` (the zero address).
        #[derive(Debug)]
        error ERC20InvalidSender(address sender);
        /// ERC-6093: tokens cannot go to `receiver` (the zero address).
        #[derive(Debug)]
        error ERC20InvalidReceiver(address receiver);
        /// ERC-6093: `spender` may move `allowance`, less than the `needed` amount.
        #[derive(Debug)]
        error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
        /// ERC-6093: `spender` (the zero address) cannot be approved.
        #[derive(Debug)]
        error ERC20InvalidSpender(address spender);
        /// ERC-6093: `approver` (the zero address) cannot approve.
        #[derive(Debug)]
        error ERC20InvalidApprover(address approver);
        /// Minting `value` would push the total supply past `type(uint256).max`.
        #[derive(Debug)]
        error MockERC20SupplyOverflow(uint256 totalSupply, uint256 value);
    }
}

/// Every way a call to [`MockERC20`] can fail: the ERC-6093 errors plus the mint overflow.
/// Each is a Solidity custom error.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)`.
    InsufficientBalance(ERC20InsufficientBalance),
    /// `ERC20InvalidSender(address sender)`.
    InvalidSender(ERC20InvalidSender),
    /// `ERC20InvalidReceiver(address receiver)`.
    InvalidReceiver(ERC20InvalidReceiver),
    /// `ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)`.
    InsufficientAllowance(ERC20InsufficientAllowance),
    /// `ERC20InvalidSpender(address spender)`.
    InvalidSpender(ERC20InvalidSpender),
    /// `ERC20InvalidApprover(address approver)`.
    InvalidApprover(ERC20InvalidApprover),
    /// `MockERC20SupplyOverflow(uint256 totalSupply, uint256 value)`.
    SupplyOverflow(MockERC20SupplyOverflow),
}

/// Storage of the mock token.
#[storage]
#[entrypoint]
pub struct MockERC20 {
    /// Balance per account.
    balances: StorageMap<Address, StorageU256>,
    /// Allowance per owner, per spender.
    allowances: StorageMap<Address, StorageMap<Address, StorageU256>>,
    /// Tokens in existence: the sum of all balances.
    total_supply: StorageU256,
    /// Name chosen at construction.
    name: StorageString,
    /// Symbol chosen at construction.
    symbol: StorageString,
    /// Decimals chosen at construction.
    decimals: StorageU8,
}

#[public]
impl MockERC20 {
    /// Sets the token's name, symbol and decimals. The supply starts at zero.
    #[constructor]
    pub fn constructor(&mut self, name: String, symbol: String, decimals: u8) {
        self.name.set_str(name);
        self.symbol.set_str(symbol);
        self.decimals.set(U8::from(decimals));
    }

    /// The token's name.
    pub fn name(&self) -> String {
        self.name.get_string()
    }

    /// The token's symbol.
    pub fn symbol(&self) -> String {
        self.symbol.get_string()
    }

    /// The number of decimals chosen at construction.
    pub fn decimals(&self) -> u8 {
        self.decimals.get().to::<u8>()
    }

    /// Total tokens in existence.
    #[selector(name = "totalSupply")]
    pub fn total_supply(&self) -> U256 {
        self.total_supply.get()
    }

    /// Balance of `account`.
    #[selector(name = "balanceOf")]
    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(account)
    }

    /// Moves `value` tokens from the caller to `to`; emits `Transfer`.
    pub fn transfer(&mut self, to: Address, value: U256) -> Result<bool, Error> {
        let from = self.vm().msg_sender();
        self.move_tokens(from, to, value)?;
        Ok(true)
    }

    /// What `spender` may still move on behalf of `owner`.
    pub fn allowance(&self, owner: Address, spender: Address) -> U256 {
        self.allowances.getter(owner).get(spender)
    }

    /// Lets `spender` move up to `value` of the caller's tokens; emits `Approval`.
    pub fn approve(&mut self, spender: Address, value: U256) -> Result<bool, Error> {
        let owner = self.vm().msg_sender();
        if owner.is_zero() {
            return Err(Error::InvalidApprover(ERC20InvalidApprover {
                approver: owner,
            }));
        }
        if spender.is_zero() {
            return Err(Error::InvalidSpender(ERC20InvalidSpender { spender }));
        }
        self.allowances.setter(owner).setter(spender).set(value);
        gavel_common::log::emit_event(
            self.vm(),
            &Approval {
                owner,
                spender,
                value,
            },
        );
        Ok(true)
    }

    /// Moves `value` tokens from `from` to `to` against the caller's allowance; emits
    /// `Transfer`. An allowance of `type(uint256).max` is never decreased.
    #[selector(name = "transferFrom")]
    pub fn transfer_from(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<bool, Error> {
        let spender = self.vm().msg_sender();
        let allowance = self.allowances.getter(from).get(spender);
        if allowance != U256::MAX {
            let Some(left) = allowance.checked_sub(value) else {
                return Err(Error::InsufficientAllowance(ERC20InsufficientAllowance {
                    spender,
                    allowance,
                    needed: value,
                }));
            };
            // As OpenZeppelin's ERC-20: spending an allowance logs no `Approval`.
            self.allowances.setter(from).setter(spender).set(left);
        }
        self.move_tokens(from, to, value)?;
        Ok(true)
    }

    /// Creates `value` tokens for `to`; anyone may call it (test token). Emits `Transfer` from
    /// the zero address.
    pub fn mint(&mut self, to: Address, value: U256) -> Result<(), Error> {
        if to.is_zero() {
            return Err(Error::InvalidReceiver(ERC20InvalidReceiver {
                receiver: to,
            }));
        }
        let total_supply = self.total_supply.get();
        let Some(new_supply) = total_supply.checked_add(value) else {
            return Err(Error::SupplyOverflow(MockERC20SupplyOverflow {
                totalSupply: total_supply,
                value,
            }));
        };
        self.total_supply.set(new_supply);
        // No overflow: a balance is part of the total supply, which did not overflow.
        let balance = self.balances.get(to);
        self.balances.setter(to).set(balance.wrapping_add(value));
        gavel_common::log::emit_event(
            self.vm(),
            &Transfer {
                from: Address::ZERO,
                to,
                value,
            },
        );
        Ok(())
    }
}

impl MockERC20 {
    /// Moves `value` from `from` to `to` (either may be the other) and logs `Transfer`.
    fn move_tokens(&mut self, from: Address, to: Address, value: U256) -> Result<(), Error> {
        if from.is_zero() {
            return Err(Error::InvalidSender(ERC20InvalidSender { sender: from }));
        }
        if to.is_zero() {
            return Err(Error::InvalidReceiver(ERC20InvalidReceiver {
                receiver: to,
            }));
        }
        let balance = self.balances.get(from);
        let Some(left) = balance.checked_sub(value) else {
            return Err(Error::InsufficientBalance(ERC20InsufficientBalance {
                sender: from,
                balance,
                needed: value,
            }));
        };
        self.balances.setter(from).set(left);
        // Read after the debit so that a transfer to oneself nets to zero. No overflow: both
        // balances are parts of the total supply.
        let received = self.balances.get(to);
        self.balances.setter(to).set(received.wrapping_add(value));
        gavel_common::log::emit_event(self.vm(), &Transfer { from, to, value });
        Ok(())
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

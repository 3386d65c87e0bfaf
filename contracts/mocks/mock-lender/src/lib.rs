//! # MockLender
//!
//! A test double of a lending protocol, as the solvency module sees it: it implements
//! `ILossAbsorber.absorbLoss(uint256)` (see `interfaces/ILossAbsorber.sol`), the call through
//! which the module makes a remaining deficit final and the protocol writes the loss down across
//! its lenders. Repayments reach it as plain ERC-20 transfers, so tests read them from the
//! token's `balanceOf`.
//!
//! Its behaviour is switchable (by anyone: it is a test double) so tests can exercise every way
//! a real protocol may answer:
//! - [`MODE_ABSORB`]: records the loss (`absorbed` grows) and returns;
//! - [`MODE_REFUSE`]: reverts with `LossRefused(amount)`;
//! - [`MODE_REENTER_HEAL`] / [`MODE_REENTER_SOCIALIZE`]: before absorbing, calls back into the
//!   caller's `heal(entryId)` / `socialize(entryId)`, records the first four bytes of that
//!   call's revert data (`lastReentryError`, zero if the call succeeded) and then absorbs, so a
//!   test can see the caller's re-entrancy lock reject the nested call.
//!
//! If constructed with a non-zero `solvencyModule`, only that address may call `absorbLoss`
//! (`NotSolvencyModule(caller)` otherwise), as a real protocol must check.
//!
//! **A test double: never deploy it where value is at stake.**
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, FixedBytes, U256, U8};
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageFixedBytes, StorageU256, StorageU8},
};

pub use sol::*;

/// `absorbLoss` records the loss and returns.
pub const MODE_ABSORB: u8 = 0;
/// `absorbLoss` reverts with `LossRefused(amount)`.
pub const MODE_REFUSE: u8 = 1;
/// `absorbLoss` first calls `heal(entryId)` on its caller.
pub const MODE_REENTER_HEAL: u8 = 2;
/// `absorbLoss` first calls `socialize(entryId)` on its caller.
pub const MODE_REENTER_SOCIALIZE: u8 = 3;

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// `amount` of loss was written down at the request of `module`; `totalAbsorbed` is
        /// the running sum.
        event LossAbsorbed(address indexed module, uint256 amount, uint256 totalAbsorbed);
        /// The behaviour of `absorbLoss` changed.
        event ModeSet(uint8 mode, uint256 entryId);
    }

    sol! {
        /// The lender refuses to absorb `amount` (mode `MODE_REFUSE`).
        #[derive(Debug)]
        error LossRefused(uint256 amount);
        /// `absorbLoss` was called by an address other than the configured solvency module.
        #[derive(Debug)]
        error NotSolvencyModule(address caller);
    }
}

/// Every way a call to [`MockLender`] can fail, each a Solidity custom error.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `LossRefused(uint256 amount)`.
    LossRefused(LossRefused),
    /// `NotSolvencyModule(address caller)`.
    NotSolvencyModule(NotSolvencyModule),
}

sol_interface! {
    /// The solvency module's permissionless entry points the re-entering modes call back into.
    interface ISolvencyReentry {
        function heal(uint256 entry_id) external;
        function socialize(uint256 entry_id) external;
    }
}

/// Storage of the mock lender.
#[storage]
#[entrypoint]
pub struct MockLender {
    /// The only address allowed to call `absorbLoss`, or zero for anyone.
    solvency_module: StorageAddress,
    /// One of the `MODE_*` constants.
    mode: StorageU8,
    /// Entry id passed to the re-entrant call.
    reenter_entry: StorageU256,
    /// Sum of every loss absorbed.
    absorbed: StorageU256,
    /// Number of successful `absorbLoss` calls.
    absorb_calls: StorageU256,
    /// First four bytes of the last re-entrant call's revert data (zero if it succeeded).
    last_reentry_error: StorageFixedBytes<4>,
}

#[public]
impl MockLender {
    /// Sets the solvency module allowed to call `absorbLoss` (zero: anyone).
    #[constructor]
    pub fn constructor(&mut self, solvency_module: Address) {
        self.solvency_module.set(solvency_module);
    }

    /// Writes `amount` of loss down (see the crate docs for the modes).
    #[selector(name = "absorbLoss")]
    pub fn absorb_loss(&mut self, amount: U256) -> Result<(), Error> {
        let caller = self.vm().msg_sender();
        let module = self.solvency_module.get();
        if !module.is_zero() && caller != module {
            return Err(Error::NotSolvencyModule(NotSolvencyModule { caller }));
        }
        let mode = self.mode.get().to::<u8>();
        if mode == MODE_REFUSE {
            return Err(Error::LossRefused(LossRefused { amount }));
        }
        if mode == MODE_REENTER_HEAL || mode == MODE_REENTER_SOCIALIZE {
            let entry = self.reenter_entry.get();
            let target = ISolvencyReentry::new(caller);
            let result = if mode == MODE_REENTER_HEAL {
                target.heal(&mut *self, entry)
            } else {
                target.socialize(&mut *self, entry)
            };
            #[allow(deprecated)] // stylus-sdk 0.9's `call::Error` is what sol_interface! returns.
            let selector = match result {
                Ok(()) => FixedBytes::<4>::ZERO,
                Err(stylus_sdk::call::Error::Revert(data)) => data
                    .get(..4)
                    .and_then(|head| FixedBytes::<4>::try_from(head).ok())
                    .unwrap_or(FixedBytes::<4>::repeat_byte(0xff)),
                Err(_) => FixedBytes::<4>::repeat_byte(0xff),
            };
            self.last_reentry_error.set(selector);
        }
        // Test double: sums of test amounts stay far below 2^256; saturate to stay total.
        let total = self.absorbed.get().saturating_add(amount);
        self.absorbed.set(total);
        let calls = self.absorb_calls.get().saturating_add(U256::from(1));
        self.absorb_calls.set(calls);
        log(
            self.vm(),
            LossAbsorbed {
                module: caller,
                amount,
                totalAbsorbed: total,
            },
        );
        Ok(())
    }

    /// Sets the behaviour of `absorbLoss` and the entry id re-entering modes use (anyone).
    #[selector(name = "setMode")]
    pub fn set_mode(&mut self, mode: u8, entry_id: U256) {
        self.mode.set(U8::from(mode));
        self.reenter_entry.set(entry_id);
        log(
            self.vm(),
            ModeSet {
                mode,
                entryId: entry_id,
            },
        );
    }

    /// The solvency module allowed to call `absorbLoss` (zero: anyone).
    #[selector(name = "solvencyModule")]
    pub fn solvency_module(&self) -> Address {
        self.solvency_module.get()
    }

    /// Current mode.
    pub fn mode(&self) -> u8 {
        self.mode.get().to::<u8>()
    }

    /// Sum of every loss absorbed.
    pub fn absorbed(&self) -> U256 {
        self.absorbed.get()
    }

    /// Number of successful `absorbLoss` calls.
    #[selector(name = "absorbCalls")]
    pub fn absorb_calls(&self) -> U256 {
        self.absorb_calls.get()
    }

    /// First four bytes of the last re-entrant call's revert data (zero if it succeeded).
    #[selector(name = "lastReentryError")]
    pub fn last_reentry_error(&self) -> FixedBytes<4> {
        self.last_reentry_error.get()
    }
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<MockLender>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

//! # MockOracle
//!
//! A price feed with Chainlink's `AggregatorV3Interface` ABI (`decimals`, `description`,
//! `version`, `getRoundData`, `latestRoundData`) whose answer and `updatedAt` are set by its
//! owner, so tests can move prices, make a feed stale, or make it report zero or a negative
//! answer. gavel's contracts read prices through this ABI because it is what lending protocols
//! on Arbitrum use.
//!
//! Ownership moves in two steps (OpenZeppelin's `Ownable2Step`).
//!
//! **A test double: never use it as a real price source.**
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{aliases::U80, Address, I256, U256, U8};
use openzeppelin_stylus::access::{
    ownable,
    ownable_two_step::{IOwnable2Step, Ownable2Step},
};
use stylus_sdk::{
    prelude::*,
    storage::{StorageI256, StorageMap, StorageString, StorageU256, StorageU8},
};

pub use sol::*;

/// Version reported by `version()`, as Chainlink's current aggregators do.
pub const AGGREGATOR_VERSION: u64 = 4;

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// A new answer was set; the same event Chainlink aggregators emit.
        event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
        /// Ownership transfer proposed (logged by OpenZeppelin's `Ownable2Step`).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Ownership moved (logged by OpenZeppelin's `Ownable`).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// `getRoundData` was asked for a round that does not exist (0 or after the latest).
        #[derive(Debug)]
        error NoDataPresent(uint80 roundId);
    }
}

/// Every way a call to [`MockOracle`] can fail, each a Solidity custom error.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `OwnableUnauthorizedAccount(address account)`: the caller is not the owner.
    UnauthorizedAccount(ownable::OwnableUnauthorizedAccount),
    /// `OwnableInvalidOwner(address owner)`: the zero address cannot own the feed.
    InvalidOwner(ownable::OwnableInvalidOwner),
    /// `NoDataPresent(uint80 roundId)`.
    NoDataPresent(NoDataPresent),
}

impl From<ownable::Error> for Error {
    fn from(error: ownable::Error) -> Self {
        match error {
            ownable::Error::UnauthorizedAccount(e) => Error::UnauthorizedAccount(e),
            ownable::Error::InvalidOwner(e) => Error::InvalidOwner(e),
        }
    }
}

/// Storage of the mock feed. Round ids start at 1; round `n` is kept so that `getRoundData`
/// answers for every past round, as a real aggregator does.
#[storage]
#[entrypoint]
pub struct MockOracle {
    /// Owner and pending owner (OpenZeppelin).
    ownable: Ownable2Step,
    /// Decimals of the answer.
    decimals: StorageU8,
    /// Human-readable description, e.g. "ETH / USD".
    description: StorageString,
    /// The latest round id.
    latest_round: StorageU256,
    /// Answer of each round.
    answers: StorageMap<U256, StorageI256>,
    /// `updatedAt` of each round (also reported as `startedAt`).
    updated_at: StorageMap<U256, StorageU256>,
}

/// `(roundId, answer, startedAt, updatedAt, answeredInRound)`, as `latestRoundData` returns.
pub type RoundData = (U80, I256, U256, U256, U80);

#[public]
impl MockOracle {
    /// Sets the owner, the answer's decimals and description, and round 1 with
    /// `initial_answer` updated at the current block time.
    #[constructor]
    pub fn constructor(
        &mut self,
        initial_owner: Address,
        decimals: u8,
        description: String,
        initial_answer: I256,
    ) -> Result<(), Error> {
        self.ownable.constructor(initial_owner)?;
        self.decimals.set(U8::from(decimals));
        self.description.set_str(description);
        let now = U256::from(gavel_common::clock::now(self.vm().block_timestamp()));
        self.record_round(initial_answer, now);
        Ok(())
    }

    /// Decimals of the answer.
    pub fn decimals(&self) -> u8 {
        self.decimals.get().to::<u8>()
    }

    /// Description of the feed.
    pub fn description(&self) -> String {
        self.description.get_string()
    }

    /// Aggregator version ([`AGGREGATOR_VERSION`]).
    pub fn version(&self) -> U256 {
        U256::from(AGGREGATOR_VERSION)
    }

    /// Data of round `round_id`; reverts with `NoDataPresent` for a round that does not exist.
    #[selector(name = "getRoundData")]
    pub fn get_round_data(&self, round_id: U80) -> Result<RoundData, Error> {
        let round = U256::from(round_id);
        if round.is_zero() || round > self.latest_round.get() {
            return Err(Error::NoDataPresent(NoDataPresent { roundId: round_id }));
        }
        Ok(self.round_data(round))
    }

    /// Data of the latest round.
    #[selector(name = "latestRoundData")]
    pub fn latest_round_data(&self) -> RoundData {
        self.round_data(self.latest_round.get())
    }

    /// Starts a new round with `answer` and `updated_at` (owner only). Any value is accepted
    /// (zero, negative, a time in the past or future) so tests can model broken feeds.
    #[selector(name = "setAnswer")]
    pub fn set_answer(&mut self, answer: I256, updated_at: U256) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        self.record_round(answer, updated_at);
        Ok(())
    }

    /// Current owner.
    pub fn owner(&self) -> Address {
        self.ownable.owner()
    }

    /// Account that may accept ownership, or zero.
    #[selector(name = "pendingOwner")]
    pub fn pending_owner(&self) -> Address {
        self.ownable.pending_owner()
    }

    /// Proposes `new_owner` (owner only); it takes effect when `new_owner` accepts.
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        Ok(self.ownable.transfer_ownership(new_owner)?)
    }

    /// The pending owner becomes the owner.
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        Ok(self.ownable.accept_ownership()?)
    }

    /// Leaves the feed without an owner (owner only); no answer can be set afterwards.
    #[selector(name = "renounceOwnership")]
    pub fn renounce_ownership(&mut self) -> Result<(), Error> {
        Ok(self.ownable.renounce_ownership()?)
    }
}

impl MockOracle {
    /// Appends a round and logs `AnswerUpdated`.
    fn record_round(&mut self, answer: I256, updated_at: U256) {
        // Round ids grow by one per owner call: a U256 counter cannot overflow in practice,
        // and saturating keeps the function total.
        let round = self.latest_round.get().saturating_add(U256::from(1));
        self.latest_round.set(round);
        self.answers.setter(round).set(answer);
        self.updated_at.setter(round).set(updated_at);
        gavel_common::log::emit_event(
            self.vm(),
            &AnswerUpdated {
                current: answer,
                roundId: round,
                updatedAt: updated_at,
            },
        );
    }

    /// The tuple `latestRoundData`/`getRoundData` return for an existing round.
    fn round_data(&self, round: U256) -> RoundData {
        let updated_at = self.updated_at.get(round);
        // Round ids stay far below 2^80: one per owner transaction.
        let id = U80::saturating_from(round);
        (id, self.answers.get(round), updated_at, updated_at, id)
    }
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<MockOracle>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

//! # LiquidationEngine
//!
//! The one call a lending protocol makes to liquidate a position through gavel, in the family of
//! Maker's `Dog`: the engine decides how much of the position goes to auction now (limits on
//! debt in auctions, `hole` per collateral and `Hole` overall, and Dog's no-dust rule), pulls
//! that collateral from the protocol, opens the liquidation in the solvency module with the
//! protocol as beneficiary, and kicks the auction house chosen by the routing rule. One engine
//! serves one solvency module (so one debt token) and any number of collaterals.
//!
//! Deployed with `constructor(admin, solvency)`. Then, by the deployer:
//! - solvency: `setKicker(engine, true)`, `setHouse(house, true)` for each house;
//! - each house: `setKicker(engine, true)`;
//! - engine: `setCollateral(...)` per collateral, `setHole(...)`, `setProtocol(protocol, true)`;
//! - each protocol: `collateral.approve(engine, ...)` before calling `liquidate`.
//!
//! ## Roles
//! - **admin**: two-step ownership with OpenZeppelin `Ownable2Step`'s ABI, errors, events and
//!   slots 0 and 1 (written in this crate, for size). Sets collaterals, `Hole`, protocols, and
//!   `finalize`s liquidations whose collateral came back to the engine.
//! - **protocols** (`setProtocol`): lending protocols allowed to call `liquidate`.
//! - anyone: `sync` (releases debt counted in auctions) and `fallbackToDutch`.
//!
//! There is no pause: `setHole(0)` (or a collateral's `hole` of 0) stops new liquidations
//! (`NoRoom`) while running auctions, syncs, fallbacks and finalizations go on; the houses and
//! the module have their own circuit breakers.
//!
//! ## Units
//! Debt amounts (`debtAmount`, `tab`, `hole`, `Hole`, `dirt`, `Dirt`, `dust`,
//! `batchThreshold`) are debt-token base units; collateral amounts are collateral base units;
//! `penalty` is a WAD (`1e18` = no penalty). Every amount is below `2^128`
//! (`AmountTooLarge` otherwise): the solvency module and the houses store 128-bit amounts.
//!
//! ## Sizing a liquidation (`liquidate`)
//! `room = min(Hole - Dirt, hole - dirt)` (zero if a limit was lowered below what is in
//! auctions) is the tab that may still enter auctions. With `tab(d) = ceil(d * penalty / 1e18)`:
//! - if `tab(debtAmount) <= room`, the whole position is liquidated;
//! - otherwise `debtTaken = floor(room * 1e18 / penalty)` (so `tab(debtTaken) <= room`
//!   exactly: `debtTaken * penalty <= room * 1e18` and `room` is whole); if that leaves a
//!   remainder `0 < debtAmount - debtTaken < dust`, `debtTaken = debtAmount - dust` (Dog's
//!   rule: never leave a dusty remainder); if `debtTaken < dust`, `NoRoom`.
//! - `collateralTaken = ceil(collateralAmount * debtTaken / debtAmount)`: rounded up, so the
//!   auction backs the debt with at least the proportional collateral (in favour of the
//!   lenders). It is at most `collateralAmount` and positive.
//!
//! `tab <= room` is re-checked before anything moves (`ArithmeticError` if ever violated), so
//! no liquidation can make `dirt` exceed `hole` or `Dirt` exceed `Hole`.
//!
//! ## Routing
//! Dutch by default (`Routed` reason 1); the batch house when `debtTaken >= batchThreshold`
//! (reason 2; `batchThreshold == 0` means never by size) or when the collateral is flagged
//! illiquid (reason 3); the Dutch house after a batch that ended with tab left (reason 4,
//! `fallbackToDutch`). Routing to a house that is not set fails with `HouseNotSet(collateral,
//! kind)` (kind 1 Dutch, 2 batch) before anything moves.
//!
//! ## Debt in auctions (`dirt`, `Dirt`)
//! Each liquidation counts `tab` in its collateral's `dirt` and in `Dirt` when kicked. The houses
//! report proceeds to the solvency module, not to the engine, so the count falls through
//! **`sync(liquidationId)`** (anyone): it reads the module's record and lowers the amount counted
//! to `tab - raised`, or to zero once the liquidation is finished; it never raises it.
//! **Keepers and protocols must call `sync`** after takes and settlements (the reference keeper
//! does); otherwise finished auctions keep occupying room and `liquidate` fails with `NoRoom`.
//! One exception: for a liquidation whose Dutch auction was yanked, `sync` leaves the count
//! as it is (it is the engine's checkpoint of that auction, see below) until `finalize`.
//!
//! ## Collateral that comes back to the engine
//! The houses return collateral to their kicker (the engine) in three cases: a batch that
//! settles with tab left and lot left (the record stays open in the module), a yanked batch and
//! a yanked Dutch auction. The engine never holds collateral otherwise (it pulls exactly what it
//! passes to the house in the same call), and it only gives collateral back out for the
//! liquidation it was returned for, computed exactly:
//! - **batch house**: from the house's own views (`batch`, `kickOf`, `result`): a yanked batch
//!   returns each kick's whole lot; a settled batch returns `lot - sold` of the kick, where
//!   `sold` is recomputed by the rule the house used (`gavel_math::clearing::allocate`'s split
//!   of the sale, see [`batch_sold`]; a test checks them against each other) over the batch's
//!   kicks and result.
//! - **Dutch house**: the engine keeps a checkpoint `(raised, lot)` of its running Dutch
//!   auctions: at the kick, and at every `sync` while the auction runs (the module's `raised`
//!   and the house's `sales(id).lot`, read in the same call; `raised` at the checkpoint is the
//!   record's `released`). Every take that moves collateral raises `raised` (a slice `> 0` pays
//!   `owe >= 1`), so when the module's `raised` still equals the checkpoint's, the lot returned
//!   by a yank is the checkpoint's lot. An admin who yanks therefore calls `sync(id)` first (in
//!   the same transaction, or with no take in between). Failing that, the whole collateral
//!   balance of the engine is the liquidation's when it is the only one of its collateral
//!   still counted in `dirt` (no other liquidation can have collateral in the engine; tokens
//!   sent to the engine by mistake go with it). Otherwise `ReturnUnknown`: sync or finish the
//!   other liquidations of that collateral first.
//!
//!   When two or more Dutch auctions of one collateral were yanked, each after takes that no
//!   `sync` recorded, how their returned collateral splits between them cannot be known on
//!   chain, and each `finalize` fails with `ReturnUnknown`. The admin then closes all but one
//!   with `finalize(id, address(0))`: the record and the module's liquidation are closed and no
//!   collateral moves. The last one is then the only one of its collateral left in `dirt`, so
//!   its `finalize(id, to)` sends the whole balance, the others' collateral included, to `to`
//!   (and once nothing of that collateral is in auctions, `skim` sends any rest). This is the
//!   only case in which collateral leaves with another liquidation, and only to a destination
//!   the admin chose; the admin avoids it by syncing before yanking.
//!
//! `fallbackToDutch(id, keeper)` (anyone; a liquidation returned by a **settled** batch)
//! kicks the collateral's Dutch house with `tab = record tab - raised` and the returned lot.
//! `finalize(id, collateralTo)` (admin; any returned liquidation, e.g. after a yank) sends the
//! returned lot to `collateralTo` and calls the module's `finalize`, which runs the waterfall
//! with what was raised. A yanked batch is not fallen back automatically: the admin decides.
//!
//! Tokens sent to the engine by mistake: `skim(token, to)` (admin) sends the whole balance of a
//! token of which nothing is counted in auctions (`dirt == 0`: no open liquidation can own any
//! of it); while liquidations of it are open, they may end up in a yanked Dutch liquidation's
//! `finalize` (the balance rule above).
//!
//! A house's address can change only while nothing of that collateral is in auctions
//! (`dirt == 0`, else `HouseInUse`), so a record's house is always the one configured.
//!
//! ## Storage
//! Admin in slots 0 (owner) and 1 (pending owner). Everything else at
//! `slot(i) = keccak256("gavel.engine") + i`, mappings as Solidity's (`keccak256(key . slot) +
//! k`); fields on 64-bit limb boundaries (limb 0 = low 64 bits; an address is the low 160 bits,
//! "hi32" the 32 bits of limb 2 above it):
//!
//! | slot | contents |
//! |---|---|
//! | 0 `control` | solvency module · hi32 bit 0: re-entrancy lock · limb 3: collaterals configured |
//! | 1 `limits` | `Hole` (low 128) · `Dirt` (high 128) |
//! | 2 `protocols[account]` | 1 if allowed |
//! | 3 `collaterals[c]` + 0 | Dutch house · hi32 bit 0: illiquid, bits 8-31: the collateral's index · limb 3: penalty (WAD, `<= 2e18 < 2^61`; 0 = not configured) |
//! | + 1 | batch house |
//! | + 2 | `hole` (low 128) · `dirt` (high 128) |
//! | + 3 | `dust` (low 128) · `batchThreshold` (high 128) |
//! | 4 `liquidations[id]` + 0 | limb 0: auction id · limb 1: collateral index (low 32 bits), status (bits 32-39: 1 Dutch, 2 batch, 3 closed) · high 128: checkpoint lot |
//! | + 1 | `released`: tab no longer counted (`counted = tab - released`, tab from the module) |
//! | 5 `collateralAt[index]` | collateral address (indices from 1, assigned at the first `setCollateral`) |
//!
//! `liquidate` reads `control`, `limits`, the protocol flag and three collateral words (four
//! when routed to the batch house), writes `limits` and the collateral's `hole`/`dirt` word,
//! and **one** fresh record word: a record counts its whole tab until something is released,
//! so its `released` word starts (and stays, until a `sync`) zero, and the collateral is named
//! by a 24-bit index so that the head also holds the checkpoint lot. Liquidation ids come from
//! the module and auction ids from the houses (both 64-bit).
//!
//! ## Re-entrancy
//! Every state-changing function checks the lock in `control` (`ReentrantCall`) and holds it
//! around its external calls. (On chain Stylus also refuses re-entry, as the crate does not
//! enable the SDK's `reentrant` feature; motsu does not, so the tests exercise the lock.)
//!
//! ## Tokens
//! Collateral must be a plain ERC-20 (no fee on transfer): the houses check that they receive
//! exactly the lot, so a short transfer reverts the liquidation. Approvals to a house are set to
//! exactly the lot just before its `kick`, which pulls all of it: no allowance is left behind
//! (so the allowance is zero before every approval, which tokens like USDT require).
//!
//! ## Errors
//! Bad input reverts with the engine's custom errors before anything moves (listed in
//! `interfaces/ILiquidationEngine.sol`). A token operation that fails is
//! `SafeErc20FailedOperation(token)`; a call to the module or a house that reverts is
//! `ExternalCallFailed(target, revertData)`, with the callee's own error inside (e.g. a Dutch
//! house stopped at level 1 makes `liquidate` fail with `ExternalCallFailed(house,
//! AuctionsStopped(1))`).
//!
//! ## Configuration checks
//! `setCollateral` reads each house that is set: the Dutch house's `collateral()` and
//! `solvency()`, the batch house's `config()` (its first word is the collateral, its fourth the
//! solvency module; the batch house has no `collateral()`). Either differing from the
//! collateral or from the engine's module is `HouseMismatch(house)`.
//!
//! ## Tests
//! `cargo test -p liquidation-engine -- --test-threads=1` runs the unit and end-to-end tests
//! (real module, houses, tokens and oracle), the dispatcher comparison, the check of
//! [`batch_sold`] against `gavel_math::clearing::allocate`, and 200 random sequences checking
//! the invariants (`tests/random.rs`). The long run is one command:
//!
//! ```sh
//! GAVEL_ENGINE_SEQUENCES=10000 cargo test -p liquidation-engine --release random_sequences
//! ```
//!
//! `GAVEL_ENGINE_SEED=<u64>` replays a failing sequence (the failure message prints it).
//!
//! ## WASM size
//! As in the other contracts: a hand-written dispatcher ([`dispatch`]) is the WASM entry point
//! (the `#[public]` impl stays the ABI for motsu and `export-abi`, and a test compares the
//! two), raw storage words, one event encoder, errors as selector + words, calls with hand-built
//! call data through `gavel_common::erc20::call` (selectors checked by a test against the
//! Solidity interfaces).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolError, SolEvent};
use gavel_common::{
    abi::encode,
    erc20,
    ownable::{OWNER, PENDING_OWNER},
};
use gavel_math::{MathError, Rounding, WAD};
use stylus_sdk::{function_selector as selector, keccak_const::Keccak256, prelude::*};

pub use sol::*;

// ---------------------------------------------------------------------------------------------
// 1. Parameters and their validation
// ---------------------------------------------------------------------------------------------

/// Largest penalty: 2e18 (the tab is at most twice the debt).
pub const MAX_PENALTY: U256 = U256::from_limbs([2_000_000_000_000_000_000, 0, 0, 0]);
/// Largest amount the engine stores: `2^128 - 1`.
pub const MAX_AMOUNT: U256 = U256::from_limbs([u64::MAX, u64::MAX, 0, 0]);

/// Record status: never used.
pub const STATUS_NONE: u64 = 0;
/// Record status: kicked into the Dutch house.
pub const STATUS_DUTCH: u64 = 1;
/// Record status: kicked into the batch house.
pub const STATUS_BATCH: u64 = 2;
/// Record status: the engine is done with it (finished and synced, or finalized).
pub const STATUS_CLOSED: u64 = 3;

/// `Routed` reason: the default Dutch house.
pub const ROUTE_DEFAULT: u64 = 1;
/// `Routed` reason: batch house, debt at or above `batchThreshold`.
pub const ROUTE_SIZE: u64 = 2;
/// `Routed` reason: batch house, collateral flagged illiquid.
pub const ROUTE_ILLIQUID: u64 = 3;
/// `Routed` reason: Dutch house after a batch ended with tab left.
pub const ROUTE_FALLBACK: u64 = 4;

/// `HouseNotSet` kind of the Dutch house.
pub const KIND_DUTCH: u64 = 1;
/// `HouseNotSet` kind of the batch house.
pub const KIND_BATCH: u64 = 2;

/// Solvency record status of an open liquidation.
const MODULE_OPEN: u64 = 1;
/// Solvency record status of a finished liquidation.
const MODULE_FINISHED: u64 = 2;
/// Batch phase of a settled batch.
const PHASE_SETTLED: u64 = 4;
/// Batch phase of a yanked batch.
const PHASE_YANKED: u64 = 5;

/// `amount` as stored (below `2^128`), or `AmountTooLarge`.
fn checked_amount(amount: U256) -> Result<u128, Error> {
    if amount > MAX_AMOUNT {
        return Err(fail_word(AmountTooLarge::SELECTOR, &amount));
    }
    Ok(low(amount))
}

// ---------------------------------------------------------------------------------------------
// 2. Storage
// ---------------------------------------------------------------------------------------------

/// Base of the engine's storage: `keccak256("gavel.engine")`.
const NAMESPACE: U256 = U256::from_be_bytes(Keccak256::new().update(b"gavel.engine").finalize());

/// Slot `NAMESPACE + index` (the assertion below rules out a carry).
const fn slot(index: u64) -> U256 {
    let [l0, l1, l2, l3] = *NAMESPACE.as_limbs();
    U256::from_limbs([l0 + index, l1, l2, l3])
}

const _: () = assert!(
    NAMESPACE.as_limbs()[0] < u64::MAX - 16,
    "namespace slots would carry"
);

/// Solvency module · lock.
const CONTROL: U256 = slot(0);
/// `Hole` · `Dirt`.
const LIMITS: U256 = slot(1);
/// Map: account → 1 if a registered protocol.
const PROTOCOLS: U256 = slot(2);
/// Map: collateral → configuration words.
const COLLATERALS: U256 = slot(3);
/// Map: liquidation id → record words.
const LIQUIDATIONS: U256 = slot(4);
/// Map: collateral index (from 1) → collateral address.
const COLLATERAL_AT: U256 = slot(5);

/// Collateral word: Dutch house · illiquid · penalty.
const C_DUTCH: u64 = 0;
/// Collateral word: batch house.
const C_BATCH: u64 = 1;
/// Collateral word: hole · dirt.
const C_ROOM: u64 = 2;
/// Collateral word: dust · batchThreshold.
const C_SIZES: u64 = 3;

/// Record word: auction id · collateral index · status · checkpoint lot.
const R_HEAD: u64 = 0;
/// Record word: tab released from the counts (`counted = tab - released`).
const R_RELEASED: u64 = 1;

/// The lock in `control` (bit 0 of hi32 = bit 32 of limb 2).
const LOCK_FLAG: u64 = 1 << 32;
/// The illiquid flag in the collateral's first word (bit 32 of limb 2).
const ILLIQUID_FLAG: u64 = 1 << 32;

/// Storage of the engine: no SDK storage field; everything is in the raw words above.
#[storage]
pub struct LiquidationEngine {}

// SAFETY: the engine is a whole contract's storage (what `user_entrypoint` and motsu
// instantiate at slot 0), which is what `TopLevelStorage` asserts.
unsafe impl TopLevelStorage for LiquidationEngine {}

// ---------------------------------------------------------------------------------------------
// 3. Events and errors
// ---------------------------------------------------------------------------------------------

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// `protocol` may (`allowed`) or may no longer call `liquidate`.
        event ProtocolSet(address indexed protocol, bool allowed);
        /// The configuration of `collateral` was set (all of it, as stored).
        event CollateralSet(address indexed collateral, address dutchHouse, address batchHouse, uint256 penalty, uint256 hole, uint256 dust, uint256 batchThreshold, bool illiquid);
        /// The global limit on debt in auctions changed.
        event HoleSet(uint256 hole);
        /// A liquidation was started: `debtTaken` of the protocol's debt, `collateralTaken`
        /// pulled from it, `tab` now counted in auctions.
        event Liquidated(uint256 indexed liquidationId, address indexed collateral, address indexed protocol, address borrower, uint256 collateralTaken, uint256 debtTaken, uint256 tab);
        /// The liquidation went to `house` (auction `auctionId`) for `reason`: 1 default Dutch,
        /// 2 size at or above batchThreshold, 3 illiquid collateral, 4 fallback after a batch.
        event Routed(uint256 indexed liquidationId, address indexed house, uint8 reason, uint256 auctionId);
        /// `sync` lowered the amount counted in auctions by `released`; `counted` is left.
        event Synced(uint256 indexed liquidationId, uint256 released, uint256 counted);
        /// A liquidation returned by a settled batch went to the Dutch house with `tab` and
        /// `lot`.
        event FellBack(uint256 indexed liquidationId, uint256 indexed batchId, uint256 auctionId, uint256 tab, uint256 lot);
        /// The admin finalized a returned liquidation: `collateral` sent to `collateralTo`,
        /// `released` no longer counted in auctions.
        event Finalized(uint256 indexed liquidationId, address indexed collateralTo, uint256 collateral, uint256 released);
        /// The admin sent `amount` of `token`, which no liquidation owned, to `to`.
        event Skimmed(address indexed token, address indexed to, uint256 amount);
        /// Admin transfer proposed (as OpenZeppelin's `Ownable2Step` logs it).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Admin changed (as OpenZeppelin's `Ownable` logs it; also at deployment, from zero).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// The caller is not the admin (or, for `acceptOwnership`, the pending admin).
        #[derive(Debug)]
        error OwnableUnauthorizedAccount(address account);
        /// The zero address as the admin.
        #[derive(Debug)]
        error OwnableInvalidOwner(address owner);
        /// A token operation failed (OpenZeppelin Stylus `SafeErc20`'s error).
        #[derive(Debug)]
        error SafeErc20FailedOperation(address token);
        /// A state-changing call arrived while the engine was calling out.
        #[derive(Debug)]
        error ReentrantCall();
        /// The caller is not a registered protocol.
        #[derive(Debug)]
        error NotProtocol(address account);
        /// The collateral is not configured.
        #[derive(Debug)]
        error UnknownCollateral(address collateral);
        /// An amount that must be positive is zero.
        #[derive(Debug)]
        error ZeroAmount();
        /// An amount is `2^128` or more.
        #[derive(Debug)]
        error AmountTooLarge(uint256 amount);
        /// The zero address (or the engine itself) where an account is needed.
        #[derive(Debug)]
        error InvalidAddress(address account);
        /// The debt to liquidate is below the collateral's dust.
        #[derive(Debug)]
        error DebtBelowDust(uint256 debt, uint256 dust);
        /// Not even `dust` fits under `hole`/`Hole`: `room` tab is left, `debtThatFits` debt.
        #[derive(Debug)]
        error NoRoom(uint256 room, uint256 debtThatFits, uint256 dust);
        /// The protocol approved the engine for less collateral than the liquidation takes.
        #[derive(Debug)]
        error InsufficientAllowance(uint256 allowance, uint256 needed);
        /// Routing chose a house the collateral does not have (kind 1 Dutch, 2 batch).
        #[derive(Debug)]
        error HouseNotSet(address collateral, uint8 kind);
        /// `penalty` outside `[1e18, 2e18]`.
        #[derive(Debug)]
        error InvalidPenalty(uint256 penalty);
        /// `dust` must be positive.
        #[derive(Debug)]
        error InvalidDust(uint256 dust);
        /// The house sells another collateral or reports to another solvency module.
        #[derive(Debug)]
        error HouseMismatch(address house);
        /// A house of the collateral cannot change while `dirt` of it is in auctions.
        #[derive(Debug)]
        error HouseInUse(address collateral, uint256 dirt);
        /// `skim` of a token still counted in auctions (`dirt` of it).
        #[derive(Debug)]
        error TokenInUse(address token, uint256 dirt);
        /// No liquidation of the engine has this id.
        #[derive(Debug)]
        error UnknownLiquidation(uint256 liquidationId);
        /// The engine is done with this liquidation.
        #[derive(Debug)]
        error LiquidationClosed(uint256 liquidationId);
        /// The liquidation's collateral has not come back to the engine (its auction runs or
        /// finished), or (fallback) it did not come back from a settled batch.
        #[derive(Debug)]
        error NotReturned(uint256 liquidationId);
        /// The collateral a yanked Dutch auction returned cannot be told apart from another
        /// liquidation's: `sync` or finish the collateral's other liquidations first.
        #[derive(Debug)]
        error ReturnUnknown(uint256 liquidationId);
        /// A call to `target` reverted (its revert data) or returned too little.
        #[derive(Debug)]
        error ExternalCallFailed(address target, bytes reason);
        /// An internal figure would overflow or go negative. Never expected.
        #[derive(Debug)]
        error ArithmeticError();
    }
}

gavel_common::revert_error! {
    /// Why a call failed: the ABI encoding of one of the engine's custom errors (selector and
    /// arguments), which is the revert data. A `Vec`, not an enum of the error types: small WASM.
    pub struct Error;
}

impl From<MathError> for Error {
    fn from(_: MathError) -> Self {
        arithmetic_error()
    }
}

// The errors the interface lists, as `#[derive(SolidityError)]` would list them.
gavel_common::interface_errors!(Error =>
    OwnableUnauthorizedAccount,
    OwnableInvalidOwner,
    SafeErc20FailedOperation,
    ReentrantCall,
    NotProtocol,
    UnknownCollateral,
    ZeroAmount,
    AmountTooLarge,
    InvalidAddress,
    DebtBelowDust,
    NoRoom,
    InsufficientAllowance,
    HouseNotSet,
    InvalidPenalty,
    InvalidDust,
    HouseMismatch,
    HouseInUse,
    TokenInUse,
    UnknownLiquidation,
    LiquidationClosed,
    NotReturned,
    ReturnUnknown,
    ExternalCallFailed,
    ArithmeticError,
);

/// Selectors of the calls the engine makes (checked against the Solidity interfaces by a test).
pub mod selectors {
    use super::*;
    /// ERC-20 `allowance(address,address)`.
    pub const ALLOWANCE: [u8; 4] = selector!("allowance", Address, Address);
    /// Solvency `open(address,uint256,uint256)`.
    pub const OPEN: [u8; 4] = selector!("open", Address, U256, U256);
    /// Solvency `finalize(uint256)`.
    pub const FINALIZE: [u8; 4] = selector!("finalize", U256);
    /// Solvency `liquidation(uint256)`.
    pub const LIQUIDATION: [u8; 4] = selector!("liquidation", U256);
    /// Both houses' `kick(uint256,uint256,uint256,address,address)`.
    pub const KICK: [u8; 4] = selector!("kick", U256, U256, U256, Address, Address);
    /// Dutch `collateral()`.
    pub const COLLATERAL: [u8; 4] = selector!("collateral");
    /// Dutch `solvency()`.
    pub const SOLVENCY: [u8; 4] = selector!("solvency");
    /// Dutch `sales(uint256)`.
    pub const SALES: [u8; 4] = selector!("sales", U256);
    /// Batch `config()`.
    pub const CONFIG: [u8; 4] = selector!("config");
    /// Batch `batch(uint256)`.
    pub const BATCH: [u8; 4] = selector!("batch", U256);
    /// Batch `kickOf(uint256,uint256)`.
    pub const KICK_OF: [u8; 4] = selector!("kickOf", U256, U256);
    /// Batch `result(uint256)`.
    pub const RESULT: [u8; 4] = selector!("result", U256);
}
use selectors::*;

/// `liquidate`'s result: liquidationId, house, auctionId, collateralTaken, debtTaken.
pub type LiquidateResult = (U256, Address, U256, U256, U256);

/// `collateralConfig(c)`: dutchHouse, batchHouse, penalty, hole, dirt, dust, batchThreshold,
/// illiquid.
pub type CollateralView = (Address, Address, U256, U256, U256, U256, U256, bool);

/// `liquidations(id)`: collateral, house, status, auctionId, counted, checkpoint lot.
pub type LiquidationView = (Address, Address, u8, U256, U256, U256);

// ---------------------------------------------------------------------------------------------
// 4. Public interface
// ---------------------------------------------------------------------------------------------

#[public]
impl LiquidationEngine {
    /// Sets the admin and the solvency module (one per debt token).
    #[constructor]
    #[inline(always)]
    pub fn constructor(&mut self, admin: Address, solvency: Address) -> Result<(), Error> {
        if admin.is_zero() {
            return Err(fail_address(OwnableInvalidOwner::SELECTOR, admin));
        }
        self.set_owner(admin);
        if solvency.is_zero() {
            return Err(invalid_address(solvency));
        }
        self.sstore(&CONTROL, &address_word(solvency));
        Ok(())
    }

    // ----- liquidations -----------------------------------------------------------------------

    /// Liquidates (part of) a position (registered protocols only): see "Sizing" and "Routing"
    /// in the crate docs. Pulls `collateralTaken` from the caller (approve the engine first),
    /// opens the liquidation in the solvency module with the caller as beneficiary and kicks
    /// the chosen house with `tab = ceil(debtTaken * penalty / 1e18)`; leftovers of the auction
    /// go to `borrower`, the kick incentive to `keeper`. Returns `(liquidationId, house,
    /// auctionId, collateralTaken, debtTaken)`.
    #[inline(always)]
    pub fn liquidate(
        &mut self,
        collateral: Address,
        collateral_amount: U256,
        debt_amount: U256,
        borrower: Address,
        keeper: Address,
    ) -> Result<LiquidateResult, Error> {
        let [id, house, auction, taken, debt] =
            self.liquidate_words(collateral, collateral_amount, debt_amount, borrower, keeper)?;
        Ok((id, address_of(&house), auction, taken, debt))
    }

    /// Lowers the debt counted in auctions for a liquidation to what is left to raise (zero
    /// once it finished), from the solvency module's record (anyone). Never raises it. Emits
    /// `Synced` with the amount released.
    #[inline(always)]
    pub fn sync(&mut self, liquidation_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let record = self.record(liquidation_id);
        let head = self.rload(&record, R_HEAD);
        let status = status_of(&head);
        self.require_active(&liquidation_id, status)?;
        let released = low(self.rload(&record, R_RELEASED));
        let solvency = address_of(&control);
        let (module_status, holder, tab, raised) = self.module_record(solvency, &liquidation_id)?;
        // raised < tab while open; min() keeps every figure below tab regardless.
        let (new_released, new_head) = if module_status == MODULE_FINISHED {
            (tab, with_status(&head, STATUS_CLOSED, 0))
        } else if status == STATUS_DUTCH && holder.is_zero() {
            // Returned by a yank: keep the checkpoint for `finalize`.
            (released, head)
        } else if status == STATUS_DUTCH {
            // Running: a fresh checkpoint (raised, lot), read in this call. A static call
            // cannot re-enter anything that writes, so it needs no lock.
            let sale = self.view(holder, SALES, &[head_auction(&head)])?;
            let lot = checked_amount(word_of(holder, &sale, 2)?)?;
            (
                released.max(raised.min(tab)),
                with_status(&head, status, lot),
            )
        } else {
            (released.max(raised.min(tab)), head)
        };
        let freed = new_released.saturating_sub(released);
        if new_released != released {
            self.rstore(&record, R_RELEASED, &U256::from(new_released));
        }
        if new_head != head {
            self.rstore(&record, R_HEAD, &new_head);
        }
        let collateral = self.collateral_of(&head);
        self.release(collateral, freed)?;
        self.emit(
            Synced::SIGNATURE_HASH,
            &[liquidation_id],
            &[
                U256::from(freed),
                U256::from(tab.saturating_sub(new_released)),
            ],
        );
        Ok(())
    }

    /// Continues a liquidation whose batch settled with tab left and collateral unsold in the
    /// collateral's Dutch house (anyone): `tab = record tab - raised`, `lot` = the collateral
    /// the batch returned for it; `keeper` gets the Dutch kick incentive.
    #[inline(always)]
    #[selector(name = "fallbackToDutch")]
    pub fn fallback_to_dutch(
        &mut self,
        liquidation_id: U256,
        keeper: Address,
    ) -> Result<U256, Error> {
        let control = self.enter()?;
        let record = self.record(liquidation_id);
        let head = self.rload(&record, R_HEAD);
        let status = status_of(&head);
        self.require_active(&liquidation_id, status)?;
        if status != STATUS_BATCH {
            return Err(not_returned(&liquidation_id));
        }
        let solvency = address_of(&control);
        let (tab, raised) = self.returned_record(solvency, &liquidation_id)?;
        self.lock(&control);
        let result = self.fall_back(&record, &head, &liquidation_id, tab, raised, keeper);
        self.unlock(&control);
        result
    }

    /// Closes a liquidation whose collateral came back to the engine (admin): sends that
    /// collateral to `collateralTo` and calls the solvency module's `finalize`, which runs the
    /// waterfall with what was raised. `collateralTo == address(0)` closes it without moving
    /// any collateral (the way out of `ReturnUnknown`, see the crate docs).
    #[inline(always)]
    pub fn finalize(&mut self, liquidation_id: U256, collateral_to: Address) -> Result<(), Error> {
        let control = self.admin()?;
        if collateral_to == self.vm().contract_address() {
            return Err(invalid_address(collateral_to));
        }
        let record = self.record(liquidation_id);
        let head = self.rload(&record, R_HEAD);
        let status = status_of(&head);
        self.require_active(&liquidation_id, status)?;
        let solvency = address_of(&control);
        let (tab, raised) = self.returned_record(solvency, &liquidation_id)?;
        let released = low(self.rload(&record, R_RELEASED));
        let counted = tab.saturating_sub(released);
        self.lock(&control);
        let result = self.finalize_inner(
            &record,
            &head,
            &liquidation_id,
            collateral_to,
            solvency,
            counted,
            tab,
            raised,
        );
        self.unlock(&control);
        let lot = result?;
        self.emit(
            Finalized::SIGNATURE_HASH,
            &[liquidation_id, address_word(collateral_to)],
            &[lot, U256::from(counted)],
        );
        Ok(())
    }

    /// Sends the engine's whole balance of `token` to `to` (admin), when no liquidation of that
    /// token is counted in auctions (`dirt == 0`, else `TokenInUse`): the engine then owes none
    /// of it to a liquidation, so it can only be tokens sent to it by mistake.
    #[inline(always)]
    pub fn skim(&mut self, token: Address, to: Address) -> Result<(), Error> {
        let control = self.admin()?;
        let this = self.vm().contract_address();
        if to.is_zero() || to == this {
            return Err(invalid_address(to));
        }
        let dirt = high(self.rload(&self.config(token), C_ROOM));
        if dirt != 0 {
            return Err(Error::new(
                TokenInUse::SELECTOR,
                &[address_word(token), U256::from(dirt)],
            ));
        }
        let amount = erc20::balance_of(self.vm(), token, this).map_err(token_failed)?;
        if amount.is_zero() {
            return Err(fail(ZeroAmount::SELECTOR));
        }
        self.emit(
            Skimmed::SIGNATURE_HASH,
            &[address_word(token), address_word(to)],
            &[amount],
        );
        self.lock(&control);
        let result = erc20::safe_transfer(self.vm(), token, to, amount).map_err(token_failed);
        self.unlock(&control);
        result
    }

    // ----- administration ---------------------------------------------------------------------

    /// Allows (`allowed`) or stops `protocol` calling `liquidate` (admin).
    #[inline(always)]
    #[selector(name = "setProtocol")]
    pub fn set_protocol(&mut self, protocol: Address, allowed: bool) -> Result<(), Error> {
        self.admin()?;
        if protocol.is_zero() {
            return Err(invalid_address(protocol));
        }
        let slot = self.entry(&address_word(protocol), &PROTOCOLS);
        let new = U256::from(u8::from(allowed));
        if self.sload(&slot) != new {
            self.sstore(&slot, &new);
            self.emit(
                ProtocolSet::SIGNATURE_HASH,
                &[address_word(protocol)],
                &[new],
            );
        }
        Ok(())
    }

    /// Configures `collateral` (admin): its houses (zero: none; each must sell this collateral
    /// and report to this engine's solvency module; a set house changes only while `dirt` is
    /// 0), the penalty (WAD, `1e18..=2e18`), its limit `hole` on debt in auctions, the `dust`
    /// minimum (`> 0`), the size from which it goes to the batch house (`0`: never by size) and
    /// whether it always goes to the batch house (`illiquid`).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    #[selector(name = "setCollateral")]
    pub fn set_collateral(
        &mut self,
        collateral: Address,
        dutch_house: Address,
        batch_house: Address,
        penalty: U256,
        hole: U256,
        dust: U256,
        batch_threshold: U256,
        illiquid: bool,
    ) -> Result<(), Error> {
        let control = self.admin()?;
        if collateral.is_zero() {
            return Err(invalid_address(collateral));
        }
        if penalty < WAD || penalty > MAX_PENALTY {
            return Err(fail_word(InvalidPenalty::SELECTOR, &penalty));
        }
        let hole_units = checked_amount(hole)?;
        let dust_units = checked_amount(dust)?;
        if dust_units == 0 {
            return Err(fail_word(InvalidDust::SELECTOR, &dust));
        }
        let threshold_units = checked_amount(batch_threshold)?;
        let config = self.config(collateral);
        let room = self.rload(&config, C_ROOM);
        let dirt = high(room);
        let solvency = address_word(address_of(&control));
        for (word, house, collateral_selector, solvency_selector, index) in [
            (C_DUTCH, dutch_house, COLLATERAL, SOLVENCY, 0),
            (C_BATCH, batch_house, CONFIG, CONFIG, 3),
        ] {
            let old = address_of(&self.rload(&config, word));
            if house != old && !old.is_zero() && dirt != 0 {
                return Err(Error::new(
                    HouseInUse::SELECTOR,
                    &[address_word(collateral), U256::from(dirt)],
                ));
            }
            if house.is_zero() {
                continue;
            }
            // A house's views are cheap; read both answers before judging.
            let sells = self.view(house, collateral_selector, &[])?;
            let reports = self.view(house, solvency_selector, &[])?;
            if word_of(house, &sells, 0)? != address_word(collateral)
                || word_of(house, &reports, index)? != solvency
            {
                return Err(fail_address(HouseMismatch::SELECTOR, house));
            }
        }
        // A collateral keeps the index it got when first configured (from 1; 24 bits).
        let mut index = index_from_config(&self.rload(&config, C_DUTCH));
        if index == 0 {
            let [c0, c1, c2, count] = control.into_limbs();
            index = count + 1;
            if index >= 1 << 24 {
                return Err(arithmetic_error());
            }
            self.sstore(&CONTROL, &U256::from_limbs([c0, c1, c2, index]));
            let at = self.entry(&U256::from(index), &COLLATERAL_AT);
            self.sstore(&at, &address_word(collateral));
        }
        let flags = if illiquid { ILLIQUID_FLAG } else { 0 } | (index << 40);
        let [d0, d1, d2, _] = address_word(dutch_house).into_limbs();
        // penalty <= 2e18 < 2^64.
        let head = U256::from_limbs([d0, d1, d2 | flags, low(penalty) as u64]);
        self.rstore(&config, C_DUTCH, &head);
        self.rstore(&config, C_BATCH, &address_word(batch_house));
        self.rstore(&config, C_ROOM, &pair(hole_units, dirt));
        self.rstore(&config, C_SIZES, &pair(dust_units, threshold_units));
        self.emit(
            CollateralSet::SIGNATURE_HASH,
            &[address_word(collateral)],
            &[
                address_word(dutch_house),
                address_word(batch_house),
                penalty,
                hole,
                dust,
                batch_threshold,
                U256::from(u8::from(illiquid)),
            ],
        );
        Ok(())
    }

    /// Sets the global limit `Hole` on debt (tab) in auctions (admin).
    #[inline(always)]
    #[selector(name = "setHole")]
    pub fn set_hole(&mut self, hole: U256) -> Result<(), Error> {
        self.admin()?;
        let units = checked_amount(hole)?;
        let limits = self.sload(&LIMITS);
        self.sstore(&LIMITS, &pair(units, high(limits)));
        self.emit(HoleSet::SIGNATURE_HASH, &[], &[hole]);
        Ok(())
    }

    /// Current admin.
    #[inline(always)]
    pub fn owner(&self) -> Address {
        address_of(&self.sload(&OWNER))
    }

    /// Account that may accept the admin role, or zero.
    #[inline(always)]
    #[selector(name = "pendingOwner")]
    pub fn pending_owner(&self) -> Address {
        address_of(&self.sload(&PENDING_OWNER))
    }

    /// Proposes `newOwner` as admin (admin only); it takes effect when `newOwner` accepts.
    /// Proposing zero cancels a proposal.
    #[inline(always)]
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        self.propose_owner(new_owner)
    }

    /// The pending owner becomes the admin.
    #[inline(always)]
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        self.accept_owner()
    }

    // ----- views --------------------------------------------------------------------------------

    /// The solvency module.
    #[inline(always)]
    pub fn solvency(&self) -> Address {
        address_of(&self.sload(&CONTROL))
    }

    /// The global limit `Hole` on debt (tab) in auctions.
    #[inline(always)]
    pub fn hole(&self) -> U256 {
        U256::from(low(self.sload(&LIMITS)))
    }

    /// `Dirt`: debt (tab) counted in auctions, all collaterals.
    #[inline(always)]
    pub fn dirt(&self) -> U256 {
        U256::from(high(self.sload(&LIMITS)))
    }

    /// Whether `account` may call `liquidate`.
    #[inline(always)]
    pub fn protocols(&self, account: Address) -> bool {
        !self
            .sload(&self.entry(&address_word(account), &PROTOCOLS))
            .is_zero()
    }

    /// `(dutchHouse, batchHouse, penalty, hole, dirt, dust, batchThreshold, illiquid)` of
    /// `collateral` (penalty 0: not configured).
    #[inline(always)]
    #[selector(name = "collateralConfig")]
    pub fn collateral_config(&self, collateral: Address) -> CollateralView {
        let [a, b, c, d, e, f, g, h] = self.collateral_words(collateral);
        (address_of(&a), address_of(&b), c, d, e, f, g, !h.is_zero())
    }

    /// The engine's record of liquidation `id`: `(collateral, house, status, auctionId,
    /// counted, lot)`; status 0 unknown, 1 Dutch, 2 batch, 3 closed; `counted` is the tab still
    /// counted in `dirt`/`Dirt`, `lot` the Dutch checkpoint's lot (the lot kicked, for a batch).
    #[inline(always)]
    pub fn liquidations(&self, liquidation_id: U256) -> Result<LiquidationView, Error> {
        let [a, b, c, d, e, f] = self.liquidation_words(liquidation_id)?;
        Ok((address_of(&a), address_of(&b), low(c) as u8, d, e, f))
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Internal functions
// ---------------------------------------------------------------------------------------------

// Raw storage words and events: `sload`, `sstore`, `emit`.
gavel_common::raw_storage!(LiquidationEngine);

// The lean `Ownable2Step`: `admin`, `set_owner`, `propose_owner`, `accept_owner`.
gavel_common::ownable2step!(LiquidationEngine, OwnableUnauthorizedAccount::SELECTOR);

impl LiquidationEngine {
    /// `liquidate` as ABI words.
    fn liquidate_words(
        &mut self,
        collateral: Address,
        collateral_amount: U256,
        debt_amount: U256,
        borrower: Address,
        keeper: Address,
    ) -> Result<[U256; 5], Error> {
        let control = self.enter()?;
        let protocol = self.vm().msg_sender();
        if !self.protocols(protocol) {
            return Err(fail_address(NotProtocol::SELECTOR, protocol));
        }
        let config = self.config(collateral);
        let head = self.rload(&config, C_DUTCH);
        let [_, _, flags, penalty] = head.into_limbs();
        if penalty == 0 {
            return Err(fail_address(UnknownCollateral::SELECTOR, collateral));
        }
        if collateral_amount.is_zero() || debt_amount.is_zero() {
            return Err(fail(ZeroAmount::SELECTOR));
        }
        let collateral_units = checked_amount(collateral_amount)?;
        let debt_units = checked_amount(debt_amount)?;
        // Leftovers go to the borrower: not to nobody, and not to the engine (where they would
        // belong to no liquidation).
        if borrower.is_zero() || borrower == self.vm().contract_address() {
            return Err(invalid_address(borrower));
        }
        let sizes = self.rload(&config, C_SIZES);
        let dust = low(sizes);
        if debt_units < dust {
            let dust = U256::from(dust);
            return Err(Error::new(DebtBelowDust::SELECTOR, &[debt_amount, dust]));
        }
        let limits = self.sload(&LIMITS);
        let room_word = self.rload(&config, C_ROOM);
        let room = low(limits)
            .saturating_sub(high(limits))
            .min(low(room_word).saturating_sub(high(room_word)));
        let (debt_taken, tab) = size(debt_units, u128::from(penalty), room, dust)?;

        // Routing.
        let threshold = high(sizes);
        let (reason, kind, word) = if flags & ILLIQUID_FLAG != 0 {
            (ROUTE_ILLIQUID, KIND_BATCH, C_BATCH)
        } else if threshold != 0 && debt_taken >= threshold {
            (ROUTE_SIZE, KIND_BATCH, C_BATCH)
        } else {
            (ROUTE_DEFAULT, KIND_DUTCH, C_DUTCH)
        };
        let house = if word == C_DUTCH {
            address_of(&head)
        } else {
            address_of(&self.rload(&config, word))
        };
        if house.is_zero() {
            let kind = U256::from(kind);
            return Err(Error::new(
                HouseNotSet::SELECTOR,
                &[address_word(collateral), kind],
            ));
        }
        // collateral_units * debt_taken < 2^256; the ceiling is at most collateral_units (as
        // debt_taken <= debt_units) and positive (both factors are).
        let taken = gavel_math::mul_div(
            U256::from(collateral_units),
            U256::from(debt_taken),
            U256::from(debt_units),
            Rounding::Up,
        )?;
        let this = self.vm().contract_address();
        let allowance = self.view_word(
            collateral,
            ALLOWANCE,
            &[address_word(protocol), address_word(this)],
        )?;
        if allowance < taken {
            return Err(Error::new(
                InsufficientAllowance::SELECTOR,
                &[allowance, taken],
            ));
        }

        // Effects: tab <= room, so dirt + tab <= hole and Dirt + tab <= Hole (< 2^128).
        self.sstore(&LIMITS, &pair(low(limits), high(limits) + tab));
        self.rstore(
            &config,
            C_ROOM,
            &pair(low(room_word), high(room_word) + tab),
        );

        // Interactions, under the lock.
        self.lock(&control);
        let result = self.open_and_kick(
            &control, collateral, protocol, house, taken, debt_taken, tab, borrower, keeper,
        );
        self.unlock(&control);
        let (id, auction) = result?;

        // One fresh word: the record's `released` word stays zero (nothing released yet).
        let status = if kind == KIND_DUTCH {
            STATUS_DUTCH
        } else {
            STATUS_BATCH
        };
        let record = self.record(id);
        let index = index_from_config(&head);
        self.rstore(
            &record,
            R_HEAD,
            &head_word(index, status, auction, low(taken)),
        );
        let debt_word = U256::from(debt_taken);
        let tab_word = U256::from(tab);
        self.emit(
            Routed::SIGNATURE_HASH,
            &[id, address_word(house)],
            &[U256::from(reason), auction],
        );
        self.emit(
            Liquidated::SIGNATURE_HASH,
            &[id, address_word(collateral), address_word(protocol)],
            &[address_word(borrower), taken, debt_word, tab_word],
        );
        Ok([id, address_word(house), auction, taken, debt_word])
    }

    /// Pulls the collateral, opens the liquidation and kicks `house`: `(id, auctionId)`.
    #[allow(clippy::too_many_arguments)]
    fn open_and_kick(
        &mut self,
        control: &U256,
        collateral: Address,
        protocol: Address,
        house: Address,
        taken: U256,
        debt_taken: u128,
        tab: u128,
        borrower: Address,
        keeper: Address,
    ) -> Result<(U256, U256), Error> {
        let this = self.vm().contract_address();
        erc20::safe_transfer_from(self.vm(), collateral, protocol, this, taken)
            .map_err(token_failed)?;
        let solvency = address_of(control);
        let opened = self.call(
            solvency,
            OPEN,
            &[
                address_word(protocol),
                U256::from(debt_taken),
                U256::from(tab),
            ],
        )?;
        let id = word_of(solvency, &opened, 0)?;
        let auction = self.kick(
            collateral,
            house,
            &id,
            U256::from(tab),
            taken,
            borrower,
            keeper,
        )?;
        Ok((id, auction))
    }

    /// Approves `house` for exactly `lot` and kicks it; returns the auction id (64-bit).
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn kick(
        &mut self,
        collateral: Address,
        house: Address,
        id: &U256,
        tab: U256,
        lot: U256,
        usr: Address,
        keeper: Address,
    ) -> Result<U256, Error> {
        if id.as_limbs()[1..].iter().any(|limb| *limb != 0) {
            return Err(arithmetic_error());
        }
        erc20::safe_approve(self.vm(), collateral, house, lot).map_err(token_failed)?;
        let kicked = self.call(
            house,
            KICK,
            &[*id, tab, lot, address_word(usr), address_word(keeper)],
        )?;
        let auction = word_of(house, &kicked, 0)?;
        if auction.as_limbs()[1..].iter().any(|limb| *limb != 0) {
            return Err(arithmetic_error());
        }
        Ok(auction)
    }

    /// The rest of `fallbackToDutch` (under the lock): the returned lot, the Dutch kick, the
    /// record and the counts.
    fn fall_back(
        &mut self,
        record: &U256,
        head: &U256,
        liquidation_id: &U256,
        tab: u128,
        raised: u128,
        keeper: Address,
    ) -> Result<U256, Error> {
        let collateral = self.collateral_of(head);
        let config = self.config(collateral);
        let batch_id = head_auction(head);
        let batch_house = address_of(&self.rload(&config, C_BATCH));
        let (lot, usr, phase) = self.batch_return(batch_house, liquidation_id, &batch_id)?;
        if phase != PHASE_SETTLED {
            return Err(not_returned(liquidation_id));
        }
        let dutch = address_of(&self.rload(&config, C_DUTCH));
        if dutch.is_zero() {
            let kind = U256::from(KIND_DUTCH);
            return Err(Error::new(
                HouseNotSet::SELECTOR,
                &[address_word(collateral), kind],
            ));
        }
        // An open record has raised < tab (else the house would have finished it).
        let tab_left = remaining(tab, raised);
        let tab_word = U256::from(tab_left);
        let auction = self.kick(
            collateral,
            dutch,
            liquidation_id,
            tab_word,
            lot,
            usr,
            keeper,
        )?;
        let released = low(self.rload(record, R_RELEASED));
        let new_released = released.max(raised.min(tab));
        self.rstore(
            record,
            R_HEAD,
            &head_word(index_of(head), STATUS_DUTCH, auction, low(lot)),
        );
        if new_released != released {
            self.rstore(record, R_RELEASED, &U256::from(new_released));
        }
        self.release(collateral, new_released - released)?;
        self.emit(
            Routed::SIGNATURE_HASH,
            &[*liquidation_id, address_word(dutch)],
            &[U256::from(ROUTE_FALLBACK), auction],
        );
        self.emit(
            FellBack::SIGNATURE_HASH,
            &[*liquidation_id, batch_id],
            &[auction, tab_word, lot],
        );
        Ok(auction)
    }

    /// The rest of `finalize` (under the lock); returns the collateral sent.
    #[allow(clippy::too_many_arguments)]
    fn finalize_inner(
        &mut self,
        record: &U256,
        head: &U256,
        liquidation_id: &U256,
        collateral_to: Address,
        solvency: Address,
        counted: u128,
        tab: u128,
        raised: u128,
    ) -> Result<U256, Error> {
        let collateral = self.collateral_of(head);
        let lot = if collateral_to.is_zero() {
            U256::ZERO
        } else {
            self.returned_lot(head, collateral, liquidation_id, counted, tab, raised)?
        };
        self.rstore(record, R_HEAD, &with_status(head, STATUS_CLOSED, 0));
        self.rstore(record, R_RELEASED, &U256::from(tab));
        self.release(collateral, counted)?;
        if !lot.is_zero() {
            erc20::safe_transfer(self.vm(), collateral, collateral_to, lot)
                .map_err(token_failed)?;
        }
        self.call(solvency, FINALIZE, &[*liquidation_id])?;
        Ok(lot)
    }

    /// The collateral a house returned to the engine for this liquidation (see "Collateral that
    /// comes back to the engine"); `counted` is what the record counts in `dirt`.
    fn returned_lot(
        &self,
        head: &U256,
        collateral: Address,
        liquidation_id: &U256,
        counted: u128,
        tab: u128,
        raised: u128,
    ) -> Result<U256, Error> {
        let config = self.config(collateral);
        if status_of(head) == STATUS_BATCH {
            let house = address_of(&self.rload(&config, C_BATCH));
            let (lot, _, _) = self.batch_return(house, liquidation_id, &head_auction(head))?;
            return Ok(lot);
        }
        // The checkpoint's raised is tab - counted (the count only falls together with a
        // fresh lot while the Dutch auction runs).
        if tab.checked_sub(counted) == Some(raised) {
            return Ok(U256::from(high(*head)));
        }
        if high(self.rload(&config, C_ROOM)) == counted {
            let this = self.vm().contract_address();
            return erc20::balance_of(self.vm(), collateral, this).map_err(token_failed);
        }
        Err(fail_word(ReturnUnknown::SELECTOR, liquidation_id))
    }

    /// `(lot returned, usr, phase)` of this engine's kick for `liquidation_id` in batch
    /// `batch_id` of `house`: the whole lot if the batch was yanked, `lot - sold` (recomputed
    /// with `gavel_math::clearing::allocate`, as the house did) if it settled.
    #[inline(never)]
    fn batch_return(
        &self,
        house: Address,
        liquidation_id: &U256,
        batch_id: &U256,
    ) -> Result<(U256, Address, u64), Error> {
        let batch = self.view(house, BATCH, &[*batch_id])?;
        let phase = low(word_of(house, &batch, 0)?) as u64;
        // At most 16 kicks per batch (the house's bound); more is a broken answer.
        let count = low(word_of(house, &batch, 4)?).min(16) as usize;
        let this = address_word(self.vm().contract_address());
        let mut kicks = [(U256::ZERO, U256::ZERO); 16];
        let mut mine = None;
        for (index, kick) in kicks.iter_mut().enumerate().take(count) {
            let data = self.view(house, KICK_OF, &[*batch_id, U256::from(index)])?;
            *kick = (word_of(house, &data, 1)?, word_of(house, &data, 2)?);
            if word_of(house, &data, 0)? == *liquidation_id && word_of(house, &data, 4)? == this {
                mine = Some((index, address_of(&word_of(house, &data, 3)?)));
            }
        }
        let Some((index, usr)) = mine else {
            return Err(not_returned(liquidation_id));
        };
        let kicks = kicks.get(..count).unwrap_or_default();
        let lot = kicks.get(index).map_or(U256::ZERO, |kick| kick.1);
        match phase {
            PHASE_YANKED => Ok((lot, usr, phase)),
            PHASE_SETTLED => {
                let result = self.view(house, RESULT, &[*batch_id])?;
                let price = word_of(house, &result, 0)?;
                let sold = word_of(house, &result, 1)?;
                let sold = batch_sold(kicks, index, price, sold)?;
                Ok((gavel_math::checked_sub(lot, sold)?, usr, phase))
            }
            _ => Err(not_returned(liquidation_id)),
        }
    }

    /// `(tab, raised)` of an open liquidation that no house holds (its collateral came back),
    /// else `NotReturned`.
    fn returned_record(
        &self,
        solvency: Address,
        liquidation_id: &U256,
    ) -> Result<(u128, u128), Error> {
        let (status, holder, tab, raised) = self.module_record(solvency, liquidation_id)?;
        if status != MODULE_OPEN || !holder.is_zero() {
            return Err(not_returned(liquidation_id));
        }
        Ok((tab, raised))
    }

    /// `(status, holding house, tab, raised)` from the solvency module's `liquidation(id)`.
    #[inline(never)]
    fn module_record(
        &self,
        solvency: Address,
        liquidation_id: &U256,
    ) -> Result<(u64, Address, u128, u128), Error> {
        let data = self.view(solvency, LIQUIDATION, &[*liquidation_id])?;
        let status = low(word_of(solvency, &data, 3)?) as u64;
        let holder = address_of(&word_of(solvency, &data, 2)?);
        // The module stores both below 2^128.
        let tab = low(word_of(solvency, &data, 7)?);
        let raised = low(word_of(solvency, &data, 8)?);
        Ok((status, holder, tab, raised))
    }

    /// Lowers the counts of `collateral`'s `dirt` and `Dirt` by `amount` (no write for zero).
    #[inline(never)]
    fn release(&mut self, collateral: Address, amount: u128) -> Result<(), Error> {
        if amount == 0 {
            return Ok(());
        }
        let slot = at(&self.config(collateral), C_ROOM);
        let room = self.sload(&slot);
        let dirt = high(room)
            .checked_sub(amount)
            .ok_or_else(arithmetic_error)?;
        self.sstore(&slot, &pair(low(room), dirt));
        let limits = self.sload(&LIMITS);
        let total = high(limits)
            .checked_sub(amount)
            .ok_or_else(arithmetic_error)?;
        self.sstore(&LIMITS, &pair(low(limits), total));
        Ok(())
    }

    /// `UnknownLiquidation` / `LiquidationClosed` unless the record is Dutch or batch.
    fn require_active(&self, liquidation_id: &U256, status: u64) -> Result<(), Error> {
        match status {
            STATUS_DUTCH | STATUS_BATCH => Ok(()),
            STATUS_NONE => Err(fail_word(UnknownLiquidation::SELECTOR, liquidation_id)),
            _ => Err(fail_word(LiquidationClosed::SELECTOR, liquidation_id)),
        }
    }

    // ----- storage ----------------------------------------------------------------------------

    /// Word `k` of the entry at `base`.
    #[inline(never)]
    fn rload(&self, base: &U256, k: u64) -> U256 {
        self.sload(&at(base, k))
    }

    /// Writes word `k` of the entry at `base`.
    #[inline(never)]
    fn rstore(&mut self, base: &U256, k: u64, value: &U256) {
        self.sstore(&at(base, k), value);
    }

    /// First slot of entry `key` of the map at `map`: `keccak256(abi.encode(key, map))`.
    #[inline(never)]
    fn entry(&self, key: &U256, map: &U256) -> U256 {
        let preimage = [key.to_be_bytes::<32>(), map.to_be_bytes::<32>()];
        U256::from_be_bytes(self.vm().native_keccak256(preimage.as_flattened()).0)
    }

    /// First slot of `collateral`'s configuration.
    fn config(&self, collateral: Address) -> U256 {
        self.entry(&address_word(collateral), &COLLATERALS)
    }

    /// First slot of liquidation `id`'s record.
    fn record(&self, id: U256) -> U256 {
        self.entry(&id, &LIQUIDATIONS)
    }

    /// The collateral of a record (through its index).
    fn collateral_of(&self, head: &U256) -> Address {
        address_of(&self.sload(&self.entry(&U256::from(index_of(head)), &COLLATERAL_AT)))
    }

    /// Reads `control` and refuses a re-entrant call.
    #[inline(never)]
    fn enter(&self) -> Result<U256, Error> {
        let control = self.sload(&CONTROL);
        if control.as_limbs()[2] & LOCK_FLAG != 0 {
            return Err(fail(ReentrantCall::SELECTOR));
        }
        Ok(control)
    }

    /// Sets the lock (`control` as read by [`Self::enter`]).
    fn lock(&mut self, control: &U256) {
        let [l0, l1, l2, l3] = control.into_limbs();
        self.sstore(&CONTROL, &U256::from_limbs([l0, l1, l2 | LOCK_FLAG, l3]));
    }

    /// Restores `control` (lock cleared).
    fn unlock(&mut self, control: &U256) {
        self.sstore(&CONTROL, control);
    }

    // ----- calls ------------------------------------------------------------------------------

    /// Calls `target` with `selector` and `args`; its return data, or `ExternalCallFailed`.
    #[inline(never)]
    fn call(
        &mut self,
        target: Address,
        selector: [u8; 4],
        args: &[U256],
    ) -> Result<Vec<u8>, Error> {
        erc20::call(self.vm(), target, &encode(selector, args), false)
            .map_err(|reason| call_failed(target, reason))
    }

    /// Static call of `target`; its return data, or `ExternalCallFailed`.
    #[inline(never)]
    fn view(&self, target: Address, selector: [u8; 4], args: &[U256]) -> Result<Vec<u8>, Error> {
        erc20::call(self.vm(), target, &encode(selector, args), true)
            .map_err(|reason| call_failed(target, reason))
    }

    /// The first word a static call of `target` returns.
    fn view_word(&self, target: Address, selector: [u8; 4], args: &[U256]) -> Result<U256, Error> {
        let data = self.view(target, selector, args)?;
        word_of(target, &data, 0)
    }

    // ----- views as ABI words -----------------------------------------------------------------

    fn collateral_words(&self, collateral: Address) -> [U256; 8] {
        let config = self.config(collateral);
        let head = self.rload(&config, C_DUTCH);
        let room = self.rload(&config, C_ROOM);
        let sizes = self.rload(&config, C_SIZES);
        let [_, _, flags, penalty] = head.into_limbs();
        [
            address_word(address_of(&head)),
            self.rload(&config, C_BATCH),
            U256::from(penalty),
            U256::from(low(room)),
            U256::from(high(room)),
            U256::from(low(sizes)),
            U256::from(high(sizes)),
            U256::from(u8::from(flags & ILLIQUID_FLAG != 0)),
        ]
    }

    fn liquidation_words(&self, liquidation_id: U256) -> Result<[U256; 6], Error> {
        let record = self.record(liquidation_id);
        let head = self.rload(&record, R_HEAD);
        let status = status_of(&head);
        if status == STATUS_NONE {
            return Ok([U256::ZERO; 6]);
        }
        let collateral = self.collateral_of(&head);
        let config = self.config(collateral);
        let house = match status {
            STATUS_DUTCH => address_word(address_of(&self.rload(&config, C_DUTCH))),
            STATUS_BATCH => self.rload(&config, C_BATCH),
            _ => U256::ZERO,
        };
        let counted = if status == STATUS_CLOSED {
            0
        } else {
            let tab = self.module_record(self.solvency(), &liquidation_id)?.2;
            tab.saturating_sub(low(self.rload(&record, R_RELEASED)))
        };
        Ok([
            address_word(collateral),
            house,
            U256::from(status),
            head_auction(&head),
            U256::from(counted),
            U256::from(high(head)),
        ])
    }
}

// ----- the WASM entry point and ABI dispatcher ------------------------------------------------

#[cfg(any(test, not(feature = "export-abi")))]
pub mod dispatch;

// ----- sizing -----------------------------------------------------------------------------------

/// `(debtTaken, tab)` for `debt` at `penalty` (WAD) under `room`, with the dust rule (see
/// "Sizing" in the crate docs). Pure, so the property tests can call it.
pub fn size(debt: u128, penalty: u128, room: u128, dust: u128) -> Result<(u128, u128), Error> {
    let wad = low(WAD);
    let full_tab = tab_of(debt, penalty)?;
    let (debt_taken, tab) = if full_tab <= room {
        (debt, full_tab)
    } else {
        // room * WAD < 2^188; the quotient is below debt (full_tab > room).
        let fits = low(gavel_math::mul_div(
            U256::from(room),
            U256::from(wad),
            U256::from(penalty),
            Rounding::Down,
        )?);
        let mut taken = fits;
        // Never leave a dusty remainder.
        let rest = debt.saturating_sub(taken);
        if rest != 0 && rest < dust {
            taken = debt.saturating_sub(dust);
        }
        if taken < dust || taken == 0 {
            return Err(Error::new(
                NoRoom::SELECTOR,
                &[U256::from(room), U256::from(fits), U256::from(dust)],
            ));
        }
        (taken, tab_of(taken, penalty)?)
    };
    // floor(room * WAD / penalty) * penalty <= room * WAD, so tab <= room: checked anyway.
    if tab > room {
        return Err(arithmetic_error());
    }
    Ok((debt_taken, tab))
}

/// `ceil(debt * penalty / WAD)` (debt < 2^128, penalty <= 2e18: the product is below 2^189).
fn tab_of(debt: u128, penalty: u128) -> Result<u128, Error> {
    let tab = gavel_math::mul_div(U256::from(debt), U256::from(penalty), WAD, Rounding::Up)?;
    gavel_math::to_u128(tab).map_err(|_| fail_word(AmountTooLarge::SELECTOR, &tab))
}

/// The collateral kick `index` of a settled batch sold, by the batch house's rule
/// (`gavel_math::clearing::allocate`; a test checks the two agree): with `c_i = min(lot_i,
/// ceil(tab_i * RAY / price))` and `S = Σ c_i`, kick `i` sells `floor(sold * c_i / S)`, and the
/// units lost to flooring go one each to the first kicks (in kick order) whose share was
/// inexact. `kicks` are `(tab, lot)` pairs (below 2^128, the house's bounds, so `sold * c_i <
/// 2^256`). Nothing is sold at price 0. Written here rather than calling `allocate`, which
/// also splits the proceeds: about 1 KB less WASM.
pub fn batch_sold(
    kicks: &[(U256, U256)],
    index: usize,
    price: U256,
    sold: U256,
) -> Result<U256, Error> {
    if price.is_zero() || sold.is_zero() {
        return Ok(U256::ZERO);
    }
    let mut needs = [U256::ZERO; 16];
    let mut total = U256::ZERO;
    for ((tab, lot), need) in kicks.iter().zip(needs.iter_mut()) {
        *need = (*lot).min(gavel_math::mul_div(
            *tab,
            gavel_math::RAY,
            price,
            Rounding::Up,
        )?);
        total = gavel_math::checked_add(total, *need)?;
    }
    let mut floors = U256::ZERO;
    for need in needs.iter().take(kicks.len()) {
        floors = gavel_math::checked_add(floors, share(sold, *need, total)?.0)?;
    }
    let mut extra = gavel_math::checked_sub(sold, floors)?;
    for (i, need) in needs.iter().take(kicks.len()).enumerate() {
        let (mut part, inexact) = share(sold, *need, total)?;
        if inexact && !extra.is_zero() {
            part += U256::from(1u8);
            extra -= U256::from(1u8);
        }
        if i == index {
            return Ok(part);
        }
    }
    Err(arithmetic_error())
}

/// `(floor(amount * weight / whole), inexact)` (through `mul_div`, already in the WASM for
/// the sizing, rather than another 256-bit multiply and divide).
#[inline(never)]
fn share(amount: U256, weight: U256, whole: U256) -> Result<(U256, bool), Error> {
    let down = gavel_math::mul_div(amount, weight, whole, Rounding::Down)?;
    let up = gavel_math::mul_div(amount, weight, whole, Rounding::Up)?;
    Ok((down, up != down))
}

/// `tab - raised`, floored at zero.
fn remaining(tab: u128, raised: u128) -> u128 {
    tab.saturating_sub(raised)
}

// ----- word packing -----------------------------------------------------------------------------

/// Word `k` of the entry starting at `base` (slot arithmetic, as Solidity's: wraps).
#[inline(never)]
fn at(base: &U256, k: u64) -> U256 {
    base.wrapping_add(U256::from(k))
}

/// The low 128 bits of `word`.
fn low(word: U256) -> u128 {
    let [l0, l1, _, _] = word.into_limbs();
    (u128::from(l1) << 64) | u128::from(l0)
}

/// The high 128 bits of `word`.
fn high(word: U256) -> u128 {
    let [_, _, l2, l3] = word.into_limbs();
    (u128::from(l3) << 64) | u128::from(l2)
}

/// `low` in the low and `high` in the high 128 bits (the casts split each into its halves).
fn pair(low: u128, high: u128) -> U256 {
    U256::from_limbs([
        low as u64,
        (low >> 64) as u64,
        high as u64,
        (high >> 64) as u64,
    ])
}

/// The address in the low 160 bits of `word`.
#[inline(never)]
fn address_of(word: &U256) -> Address {
    let bytes = word.to_be_bytes::<32>();
    bytes
        .last_chunk::<20>()
        .map_or(Address::ZERO, |tail| Address::from(*tail))
}

/// `address` in the low 160 bits.
#[inline(never)]
fn address_word(address: Address) -> U256 {
    let mut bytes = [0u8; 32];
    if let Some(tail) = bytes.last_chunk_mut::<20>() {
        *tail = address.0 .0;
    }
    U256::from_be_bytes(bytes)
}

/// A record's head: auction id (limb 0), collateral index (limb 1, low 32 bits), status
/// (limb 1, bits 32-39), checkpoint lot (high 128 bits).
fn head_word(index: u64, status: u64, auction: U256, lot: u128) -> U256 {
    let [_, _, l2, l3] = pair(0, lot).into_limbs();
    U256::from_limbs([auction.as_limbs()[0], index | (status << 32), l2, l3])
}

/// The status in a record's head.
fn status_of(head: &U256) -> u64 {
    (head.as_limbs()[1] >> 32) & 0xff
}

/// The collateral index in a record's head.
fn index_of(head: &U256) -> u64 {
    head.as_limbs()[1] & 0xffff_ffff
}

/// `head` with another status and checkpoint lot.
fn with_status(head: &U256, status: u64, lot: u128) -> U256 {
    head_word(index_of(head), status, head_auction(head), lot)
}

/// The auction id in a record's head.
fn head_auction(head: &U256) -> U256 {
    U256::from(head.as_limbs()[0])
}

/// The collateral index in the collateral's first configuration word (bits 40-63 of limb 2).
fn index_from_config(word: &U256) -> u64 {
    word.as_limbs()[2] >> 40
}

/// Word `index` of `target`'s ABI return data, or `ExternalCallFailed` if it is too short.
fn word_of(target: Address, data: &[u8], index: usize) -> Result<U256, Error> {
    let start = index.saturating_mul(32);
    data.get(start..start.saturating_add(32))
        .and_then(|word| <[u8; 32]>::try_from(word).ok())
        .map(U256::from_be_bytes)
        .ok_or_else(|| call_failed(target, data.to_vec()))
}

// ----- errors -------------------------------------------------------------------------------

/// `ExternalCallFailed(target, reason)`: selector, two head words, the length, the padded data.
#[cold]
#[inline(never)]
fn call_failed(target: Address, reason: Vec<u8>) -> Error {
    let length = reason.len();
    let mut error = Error::new(
        ExternalCallFailed::SELECTOR,
        &[address_word(target), U256::from(64u8), U256::from(length)],
    );
    error.0.extend_from_slice(&reason);
    error.0.resize(error.0.len() + (32 - length % 32) % 32, 0);
    error
}

fn token_failed(token: Address) -> Error {
    fail_address(erc20::FAILED_OPERATION, token)
}

fn invalid_address(account: Address) -> Error {
    fail_address(InvalidAddress::SELECTOR, account)
}

fn not_returned(liquidation_id: &U256) -> Error {
    fail_word(NotReturned::SELECTOR, liquidation_id)
}

fn arithmetic_error() -> Error {
    fail(ArithmeticError::SELECTOR)
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<LiquidationEngine>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

//! # SolvencyModule
//!
//! Collects what gavel's auctions raise for a liquidation, repays the lending protocol that is
//! owed (the *beneficiary*), keeps the liquidation penalty in an insurance **fund**, covers
//! shortfalls from that fund and makes what it cannot cover an explicit **deficit** that is
//! later healed from the fund or **socialized** through the beneficiary's
//! `ILossAbsorber.absorbLoss(uint256)` (`interfaces/ILossAbsorber.sol`). One instance per debt
//! token; every amount is in that token's base units.
//!
//! ## Roles
//! - **admin**: two-step ownership with OpenZeppelin `Ownable2Step`'s interface, errors, events
//!   and storage slots (`owner`, `pendingOwner`, `transferOwnership`, `acceptOwnership`;
//!   `OwnableUnauthorizedAccount`, `OwnableInvalidOwner`; `OwnershipTransferStarted`,
//!   `OwnershipTransferred`; slots 0 and 1), implemented in this crate (see "WASM size").
//!   Renouncing is deliberately not offered; proposing the zero address cancels a proposal.
//!   The admin sets roles and parameters, `withdraw`s from and `skim`s into the fund,
//!   `release`s a liquidation held by a revoked house, pauses and unpauses.
//! - **kickers** (`setKicker`): the liquidation engine, or a protocol that kicks its own
//!   auctions. They `open` liquidations and `finalize` their own.
//! - **houses** (`setHouse`): auction contracts. A house `attach`es to a liquidation when it is
//!   kicked and from then on *holds* it: it reports proceeds (`onProceeds`, `onAuctionEnd`) and
//!   asks for keeper pay (`payKeeper`). Only the holding house may report for a liquidation; a
//!   house whose role is revoked may still report for what it holds (closing the books), but
//!   not be paid keeper incentives.
//! - **guardians** (`setGuardian`): may `pause` but not `unpause`.
//!
//! Every role change logs `RoleSet(account, role, allowed)` (1 kicker, 2 house, 4 guardian).
//!
//! ## Lifecycle (liquidation ids start at 1)
//! `open` (kicker) → `attach` (house, inside its kick) → `onProceeds`* (house, after each
//! partial payment) → `onAuctionEnd` (house). If `tabLeft == 0 || lotLeft == 0` the liquidation
//! finishes; otherwise it is open and unheld again, and its kicker either attaches another house
//! or calls `finalize`. Houses **transfer the debt tokens to the module first, then report**:
//! the module checks with `balanceOf(this)` that its balance covers `fund + held` including the
//! reported amount (`ProceedsNotReceived`). If a house's role is revoked while it holds a
//! liquidation (a broken or compromised house), the admin can `release` it so that the kicker
//! can finalize or re-kick.
//!
//! ## Waterfall (on finish)
//! With `raised` the sum of everything reported and `keeperPaid` what the fund advanced to
//! keepers for this liquidation:
//! 1. `repaid = min(raised, debt)` goes to the beneficiary.
//! 2. `penalty = raised - repaid`. The fund first recovers `keeperPaid` from it ("keeper pay
//!    counts against that liquidation"); of the rest, `penaltyShare` (WAD, rounded **down** so
//!    rounding favours the fund) goes to the beneficiary (`penaltyToBeneficiary`); everything
//!    else (`penaltyToFund`) goes to the fund.
//! 3. `shortfall = debt - repaid` is covered from the fund (`covered`, paid to the beneficiary).
//! 4. What the fund cannot cover becomes a **deficit entry** (`deficit`).
//!
//! `repaid + covered + deficit == debt` and `repaid + penaltyToFund + penaltyToBeneficiary ==
//! raised` for every finished liquidation. The beneficiary receives `repaid +
//! penaltyToBeneficiary + covered` in one transfer. `Finished` logs the whole waterfall, with
//! `ShortfallCovered` and `DeficitRecorded` when they apply.
//!
//! **The buffer** (`fundBuffer`) protects the fund against *discretionary* outflows only:
//! `withdraw` and `payKeeper` can never take the fund below it. Shortfall coverage, `heal` and
//! the heal step of `socialize` may use the whole fund: repaying the lenders is what the fund is
//! for, and the buffer exists so that it is still there when needed. (The issue's "covered from
//! the fund, above a configurable minimum buffer" is read this way, as the lead decided.)
//!
//! ## Deficit entries
//! A liquidation's deficit entry has the **same id as the liquidation** (each liquidation
//! finishes once, so it records at most one entry); `heal(entryId)` and `socialize(entryId)`
//! take that id, and `liquidation(id)` shows the entry (deficit recorded, remaining,
//! socialized; recorded at `finishedAt`). `heal` (anyone, any time, also while paused) pays as
//! much of the entry as the fund holds. `socialize` (anyone, once `finishedAt +
//! socializationDelay` has passed; the current delay applies to old entries too) first heals
//! what the fund can cover, then books the rest as socialized and calls `absorbLoss(rest)` on
//! the beneficiary — after all state is written and under the re-entrancy lock. A beneficiary
//! without code, or one whose `absorbLoss` reverts, makes `socialize` revert with
//! `AbsorbLossFailed` (nothing changes).
//!
//! ## Books
//! The module never infers a figure from `balanceOf`: `fund`, `held` (proceeds of open
//! liquidations), the open deficit and the cumulative totals are kept exactly (`books()`,
//! `beneficiaryTotals(account)`). Tokens sent to the module without a report (donations,
//! mistakes) are **surplus**: they change nothing until the admin calls `skim(to)`, which sends
//! `balanceOf(this) - fund - held` to `to`, or books it into the fund when `to` is the module
//! itself. At every step `balanceOf(this) == fund + held + surplus` with `surplus >= 0`.
//! Fee-on-transfer tokens are refused (`deposit` and the proceeds reports check the balance).
//!
//! ## Parameters
//! `setParams(penaltyShare, fundBuffer, socializationDelay, maxKeeperPay)` (admin) validates
//! all four (`InvalidPenaltyShare` above 1e18, `AmountTooLarge` above 2^128 - 1,
//! `InvalidSocializationDelay` above 365 days) and logs `ParamsSet` with the old and new values
//! if anything changed. The constructor takes the same four.
//!
//! ## Pause
//! `pause` (admin or guardian) stops `open` and makes `payKeeper` pay nothing (it returns 0, as
//! with an empty fund, so a house's kick or redo is never blocked). Everything that closes the
//! books — `attach`, `onProceeds`, `onAuctionEnd`, `finalize`, `heal`, `socialize` — keeps
//! working, as do `deposit`, `withdraw` and `skim`.
//!
//! ## Storage layout and bounds
//! Every stored amount is at most `2^128 - 1` (larger inputs: `AmountTooLarge`); the module
//! supports tokens whose balances stay below `2^128`. Cumulative totals (per beneficiary and
//! global) are full 256-bit words. Timestamps and ids are 64-bit.
//!
//! The admin is in slots 0 (owner) and 1 (pending owner), as OpenZeppelin's `Ownable2Step`
//! keeps them. Everything else lives in words at `slot(i) = keccak256("gavel.solvency") + i`
//! (in the order of the table below, from `control` = 0 to `roles` = 10), and mappings in the
//! Solidity way: entry `key` of map `m`, word `k` is at `keccak256(abi.encode(key, slot(m))) +
//! k`. Fields sit on 64-bit limb boundaries of the `uint256` word (limb 0 = the low 64 bits),
//! so no access needs a 256-bit shift; an address takes the low 160 bits (limbs 0, 1 and the
//! low half of limb 2). Low bits first:
//!
//! | slot | contents |
//! |---|---|
//! | `control` | token (160) · paused (bit 192) · lock (bit 200) · penaltyShare (limb 3; ≤ 1e18 < 2^60) |
//! | `limits` | fundBuffer (128) · maxKeeperPay (128) |
//! | `books` | fund (128) · held (128) |
//! | `counters` | nextLiquidationId (limb 0) · socializationDelay (limb 1; ≤ 365 days) |
//! | `openDeficit`, `recorded`, `healed`, `socialized` | one total each |
//! | `liquidations[id]` + 0 `head` | beneficiary (160) · status (bits 192..200) · finishedAt (limb 3) |
//! | + 1 `kicker` | kicker (160) · openedAt (limb 3) |
//! | + 2 `house` | holding house (160), zero when unheld |
//! | + 3 `amounts` | debt (128) · tab (128) |
//! | + 4 `proceeds` | raised (128) · keeperPaid (128) |
//! | + 5 `shortfall` | covered (128) · deficit recorded (128); written only on a shortfall |
//! | + 6 `deficit` | deficit remaining (128) · socialized (128); written only with a deficit |
//! | `beneficiaries[account]` + 0..4 | Σ repaid, Σ penalty share, Σ covered (incl. heals), open deficit, Σ socialized |
//! | `roles[account]` | bit 0 kicker, bit 1 house, bit 2 guardian |
//!
//! Each function reads each word it needs once and writes only words whose value changed:
//! `open` writes three fresh record words (the minimum for beneficiary, kicker, debt and tab)
//! and the counter; a partial take's `onProceeds` reads four words (lock/token, house,
//! proceeds, books) and writes two.
//!
//! ## Re-entrancy
//! Every state-changing function first checks the lock bit in `control` (`ReentrantCall`), and
//! every function that calls out (token transfers, `absorbLoss`) sets it around the calls, after
//! all of its state is written (checks-effects-interactions). The lock shares the `control`
//! word those functions read anyway, so it costs no extra cold slot. (On-chain, Stylus also
//! rejects re-entry because the crate does not enable the SDK's `reentrant` feature; motsu does
//! not, so the tests exercise the lock itself.)
//!
//! ## WASM size
//! The compressed-WASM budget is 16 KiB; the straightforward version (SDK router, typed
//! storage, `#[derive(SolidityError)]`, typed event logging, OpenZeppelin's `Ownable2Step`)
//! compressed to about 35 KiB. What this crate does instead, each checked by a test:
//! - In WASM the module has its own entry point and dispatcher (`dispatch.rs`): every argument
//!   and result of this ABI is a static 32-byte word, decoded and encoded directly before
//!   calling the same `#[public]` methods, with the SDK's argument checks (exact calldata
//!   length, addresses with 12 zero bytes, bools 0 or 1, no value, one constructor call). The
//!   `#[public]` impl is still what native tests, motsu's cross-contract calls and `export-abi`
//!   use; `tests::dispatch` runs a script of valid and malformed calls through both and
//!   compares results, events and state.
//! - Storage is raw words with fields on limb boundaries (above), read and written once.
//! - [`Error`] is the encoded revert data (a 12-byte `Vec`), not an enum of 64-byte variants.
//! - Events are logged by one encoder, not one alloy encoder per event type.
//! - The penalty share is computed without 128- or 512-bit division (`share_of`).
//! - The two-step admin is implemented here (about 800 bytes compressed less than linking
//!   `Ownable2Step`), with the same interface, errors, events and slots.
//!
//! ## Tests
//! `cargo test -p solvency-module` runs the unit tests, the dispatcher comparison and 200
//! randomized sequences checking the invariants. The large run (10,000 sequences) is one
//! command:
//!
//! ```sh
//! GAVEL_SOLVENCY_SEQUENCES=10000 cargo test -p solvency-module --release invariants
//! ```
//!
//! `GAVEL_SOLVENCY_SEED=<u64>` replays a failing sequence (the failure message prints it).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, U256};
use alloy_sol_types::{SolError, SolEvent};
use gavel_common::ownable::{OWNER, PENDING_OWNER};
use gavel_math::{MathError, WAD};
use openzeppelin_stylus::{
    access::ownable,
    token::erc20::utils::{safe_erc20, ISafeErc20, SafeErc20},
};
use stylus_sdk::{keccak_const::Keccak256, prelude::*};

pub use sol::*;

// ---------------------------------------------------------------------------------------------
// 1. Parameters and their validation
// ---------------------------------------------------------------------------------------------

/// Largest `penaltyShare`: 1e18 (WAD), i.e. the whole net penalty to the beneficiary.
pub const MAX_PENALTY_SHARE: U256 = WAD;
/// Largest `socializationDelay`: 365 days, in seconds.
pub const MAX_SOCIALIZATION_DELAY: u64 = 365 * 24 * 60 * 60;

/// Status of a liquidation id that was never opened.
pub const STATUS_NONE: u8 = 0;
/// Status of an open liquidation (held by a house or not).
pub const STATUS_OPEN: u8 = 1;
/// Status of a finished liquidation (the waterfall ran).
pub const STATUS_FINISHED: u8 = 2;

/// Role bit of kickers.
const ROLE_KICKER: u64 = 1;
/// Role bit of auction houses.
const ROLE_HOUSE: u64 = 2;
/// Role bit of guardians.
const ROLE_GUARDIAN: u64 = 4;

/// `penaltyShare` as stored (at most 1e18 < 2^60), or `InvalidPenaltyShare`.
fn checked_penalty_share(share: U256) -> Result<u64, Error> {
    if share > MAX_PENALTY_SHARE {
        return Err(fail_word(InvalidPenaltyShare::SELECTOR, &share));
    }
    Ok(low_u64(share))
}

/// `socializationDelay` as stored (at most 365 days), or `InvalidSocializationDelay`.
fn checked_delay(delay: U256) -> Result<u64, Error> {
    if delay > U256::from(MAX_SOCIALIZATION_DELAY) {
        return Err(fail_word(InvalidSocializationDelay::SELECTOR, &delay));
    }
    Ok(low_u64(delay))
}

/// An amount as stored (128 bits), or `AmountTooLarge`.
fn checked_amount(amount: U256) -> Result<u128, Error> {
    gavel_math::to_u128(amount).map_err(|_| too_large(amount))
}

// ---------------------------------------------------------------------------------------------
// 2. Storage
// ---------------------------------------------------------------------------------------------

/// Base of the module's storage: `keccak256("gavel.solvency")`.
const NAMESPACE: U256 = U256::from_be_bytes(Keccak256::new().update(b"gavel.solvency").finalize());

/// Slot `NAMESPACE + index` (compile time; the assertion below rules out a carry).
const fn slot(index: u64) -> U256 {
    let [l0, l1, l2, l3] = *NAMESPACE.as_limbs();
    U256::from_limbs([l0 + index, l1, l2, l3])
}

const _: () = assert!(
    NAMESPACE.as_limbs()[0] < u64::MAX - 16,
    "namespace slots would carry"
);

/// token · flags (paused, lock) · penaltyShare.
const CONTROL: U256 = slot(0);
/// fundBuffer · maxKeeperPay.
const LIMITS: U256 = slot(1);
/// fund · held.
const BOOKS: U256 = slot(2);
/// nextLiquidationId · socializationDelay.
const COUNTERS: U256 = slot(3);
/// Open deficit (Σ recorded − Σ healed − Σ socialized).
const OPEN_DEFICIT: U256 = slot(4);
/// Σ deficit ever recorded.
const RECORDED: U256 = slot(5);
/// Σ deficit healed from the fund.
const HEALED: U256 = slot(6);
/// Σ deficit socialized.
const SOCIALIZED: U256 = slot(7);
/// Map: liquidation id → record words.
const LIQUIDATIONS: U256 = slot(8);
/// Map: beneficiary → totals.
const BENEFICIARIES: U256 = slot(9);
/// Map: account → role bits.
const ROLES: U256 = slot(10);

/// Record word: beneficiary · status · finishedAt.
const HEAD: u64 = 0;
/// Record word: kicker · openedAt.
const KICKER: u64 = 1;
/// Record word: holding house or zero.
const HOUSE: u64 = 2;
/// Record word: debt · tab.
const AMOUNTS: u64 = 3;
/// Record word: raised · keeperPaid.
const PROCEEDS: u64 = 4;
/// Record word: covered · deficit recorded.
const SHORTFALL: u64 = 5;
/// Record word: deficit remaining · socialized.
const DEFICIT: u64 = 6;

/// Beneficiary word: Σ repaid from proceeds.
const TOTAL_REPAID: u64 = 0;
/// Beneficiary word: Σ penalty share received.
const TOTAL_PENALTY: u64 = 1;
/// Beneficiary word: Σ covered by the fund (at finish and by heals).
const TOTAL_COVERED: u64 = 2;
/// Beneficiary word: open deficit.
const TOTAL_OPEN_DEFICIT: u64 = 3;
/// Beneficiary word: Σ socialized.
const TOTAL_SOCIALIZED: u64 = 4;

/// `paused` in `control` (bit 32 of limb 2, above the address).
const PAUSED_FLAG: u64 = 1 << 32;
/// The re-entrancy lock in `control` (bit 40 of limb 2).
const LOCK_FLAG: u64 = 1 << 40;

/// Storage of the solvency module: OpenZeppelin's token helper (no slot). The admin is in
/// slots 0 and 1 and everything else in the namespaced words above.
#[storage]
pub struct SolvencyModule {
    /// Token transfers (OpenZeppelin; no storage).
    safe_erc20: SafeErc20,
}

// SAFETY: the module is a whole contract's storage (it is what `user_entrypoint` and motsu
// instantiate at slot 0), which is what `TopLevelStorage` asserts.
unsafe impl TopLevelStorage for SolvencyModule {}

// ---------------------------------------------------------------------------------------------
// 3. Events and errors
// ---------------------------------------------------------------------------------------------

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// A liquidation was opened: `debt` is owed to `beneficiary`, `tab` is the target.
        event Opened(uint256 indexed liquidationId, address indexed beneficiary, address indexed kicker, uint256 debt, uint256 tab);
        /// `house` was kicked for the liquidation with `tab` and now holds it.
        event Attached(uint256 indexed liquidationId, address indexed house, uint256 tab);
        /// `house` delivered `amount`; `raised` is the liquidation's running total.
        event ProceedsReceived(uint256 indexed liquidationId, address indexed house, uint256 amount, uint256 raised);
        /// `house` ended its auction having delivered `raised` with this report; it no longer holds the liquidation.
        event AuctionEnded(uint256 indexed liquidationId, address indexed house, uint256 raised, uint256 tabLeft, uint256 lotLeft);
        /// The waterfall ran (`raised = repaid + penaltyToFund + penaltyToBeneficiary`, `debt = repaid + covered + deficit`).
        event Finished(uint256 indexed liquidationId, address indexed beneficiary, uint256 raised, uint256 repaid, uint256 penaltyToFund, uint256 penaltyToBeneficiary, uint256 covered, uint256 deficit, uint256 keeperPaid);
        /// The fund paid `amount` of the liquidation's shortfall to the beneficiary.
        event ShortfallCovered(uint256 indexed liquidationId, address indexed beneficiary, uint256 amount);
        /// A deficit entry (id = liquidation id) of `amount` was recorded.
        event DeficitRecorded(uint256 indexed entryId, address indexed beneficiary, uint256 amount);
        /// The fund paid `amount` of a deficit entry; `remaining` is left.
        event Healed(uint256 indexed entryId, address indexed beneficiary, uint256 amount, uint256 remaining);
        /// `amount` of a deficit entry was made final and absorbed by the beneficiary.
        event Socialized(uint256 indexed entryId, address indexed beneficiary, uint256 amount);
        /// The fund paid `amount` to `keeper` at the request of `house`.
        event KeeperPaid(uint256 indexed liquidationId, address indexed house, address indexed keeper, uint256 amount);
        /// `from` deposited `amount` into the fund, which now holds `fund`.
        event FundDeposit(address indexed from, uint256 amount, uint256 fund);
        /// The admin withdrew `amount` from the fund to `to`; the fund now holds `fund`.
        event FundWithdraw(address indexed to, uint256 amount, uint256 fund);
        /// The admin skimmed `amount` of surplus to `to` (the module itself: booked into the fund).
        event Skimmed(address indexed to, uint256 amount);
        /// The admin released a liquidation held by the revoked `house`.
        event Released(uint256 indexed liquidationId, address indexed house);
        /// `account` was granted (`allowed`) or lost `role`: 1 kicker, 2 house, 4 guardian.
        event RoleSet(address indexed account, uint8 indexed role, bool allowed);
        /// `account` paused `open` and `payKeeper`.
        event Paused(address account);
        /// `account` lifted the pause.
        event Unpaused(address account);
        /// The parameters changed (constructor or `setParams`): old and new penalty share (WAD),
        /// fund buffer, socialization delay (seconds) and max keeper pay.
        event ParamsSet(uint256 oldPenaltyShare, uint256 oldFundBuffer, uint256 oldSocializationDelay, uint256 oldMaxKeeperPay, uint256 penaltyShare, uint256 fundBuffer, uint256 socializationDelay, uint256 maxKeeperPay);
        /// Admin transfer proposed (as OpenZeppelin's `Ownable2Step` logs it).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Admin changed (as OpenZeppelin's `Ownable` logs it; also at deployment, from zero).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// A state-changing call arrived while the module was calling out.
        #[derive(Debug)]
        error ReentrantCall();
        /// `open` while paused.
        #[derive(Debug)]
        error EnforcedPause();
        /// The caller is not a kicker.
        #[derive(Debug)]
        error NotKicker(address account);
        /// The caller is not an authorized auction house.
        #[derive(Debug)]
        error NotHouse(address account);
        /// The caller is neither the admin nor a guardian.
        #[derive(Debug)]
        error NotGuardian(address account);
        /// The zero address, or the module itself where that makes no sense.
        #[derive(Debug)]
        error InvalidAddress(address account);
        /// An amount that must be positive is zero.
        #[derive(Debug)]
        error ZeroAmount();
        /// An amount (or a total it would produce) exceeds 2^128 - 1.
        #[derive(Debug)]
        error AmountTooLarge(uint256 amount);
        /// `open` with `tab < debt`.
        #[derive(Debug)]
        error TabBelowDebt(uint256 debt, uint256 tab);
        /// No liquidation has this id.
        #[derive(Debug)]
        error UnknownLiquidation(uint256 liquidationId);
        /// The liquidation has already finished.
        #[derive(Debug)]
        error LiquidationFinished(uint256 liquidationId);
        /// The liquidation is held by `house`.
        #[derive(Debug)]
        error LiquidationHeld(uint256 liquidationId, address house);
        /// `release` of a liquidation no house holds.
        #[derive(Debug)]
        error LiquidationNotHeld(uint256 liquidationId);
        /// `account` does not hold the liquidation.
        #[derive(Debug)]
        error NotHolder(uint256 liquidationId, address account);
        /// `account` is not the liquidation's kicker.
        #[derive(Debug)]
        error KickerMismatch(uint256 liquidationId, address account);
        /// `attach` with a tab above what is still to be raised.
        #[derive(Debug)]
        error TabExceedsRemaining(uint256 tab, uint256 remaining);
        /// The module's balance does not cover what it accounts for.
        #[derive(Debug)]
        error ProceedsNotReceived(uint256 expected, uint256 balance);
        /// The deficit entry does not exist or is settled.
        #[derive(Debug)]
        error NoDeficit(uint256 entryId);
        /// `heal` with an empty fund.
        #[derive(Debug)]
        error NothingToHeal(uint256 entryId);
        /// `socialize` before `socializableAt`.
        #[derive(Debug)]
        error SocializationTooEarly(uint256 entryId, uint256 socializableAt);
        /// The beneficiary has no code or its `absorbLoss` reverted.
        #[derive(Debug)]
        error AbsorbLossFailed(address beneficiary);
        /// `withdraw` while a deficit is open.
        #[derive(Debug)]
        error DeficitOpen(uint256 openDeficit);
        /// `withdraw` of more than the fund holds above its buffer.
        #[derive(Debug)]
        error InsufficientFund(uint256 requested, uint256 available);
        /// `skim` with no surplus.
        #[derive(Debug)]
        error NothingToSkim();
        /// `release` of a liquidation whose house is still authorized.
        #[derive(Debug)]
        error HouseStillAuthorized(address house);
        /// `penaltyShare` above 1e18.
        #[derive(Debug)]
        error InvalidPenaltyShare(uint256 share);
        /// `socializationDelay` above 365 days.
        #[derive(Debug)]
        error InvalidSocializationDelay(uint256 delay);
        /// An internal figure would go negative or overflow: the books are inconsistent. Never
        /// expected; the call reverts rather than wrap.
        #[derive(Debug)]
        error ArithmeticError();
    }
}

gavel_common::revert_error! {
    /// Why a call failed: the ABI encoding of one of the module's custom errors (the `sol!`
    /// errors above and OpenZeppelin's `OwnableUnauthorizedAccount`, `OwnableInvalidOwner` and
    /// `SafeErc20FailedOperation`), returned as the revert data.
    ///
    /// Deliberately not an enum of the error types (see `gavel_common::revert_error!`). The
    /// tests compare each error with its `sol!` type's `abi_encode()`; `export-abi` lists the
    /// errors through the `InnerTypes` impl below.
    pub struct Error;
}

impl From<safe_erc20::Error> for Error {
    fn from(error: safe_erc20::Error) -> Self {
        match error {
            safe_erc20::Error::SafeErc20FailedOperation(e) => token_failed(e.token),
            // Only raised by allowance decreases, which the module never makes.
            safe_erc20::Error::SafeErc20FailedDecreaseAllowance(_) => arithmetic_error(),
        }
    }
}

impl From<MathError> for Error {
    fn from(_: MathError) -> Self {
        arithmetic_error()
    }
}

// The errors the interface lists, as `#[derive(SolidityError)]` would list them.
gavel_common::interface_errors!(Error =>
    ownable::OwnableUnauthorizedAccount,
    ownable::OwnableInvalidOwner,
    safe_erc20::SafeErc20FailedOperation,
    ReentrantCall,
    EnforcedPause,
    NotKicker,
    NotHouse,
    NotGuardian,
    InvalidAddress,
    ZeroAmount,
    AmountTooLarge,
    TabBelowDebt,
    UnknownLiquidation,
    LiquidationFinished,
    LiquidationHeld,
    LiquidationNotHeld,
    NotHolder,
    KickerMismatch,
    TabExceedsRemaining,
    ProceedsNotReceived,
    NoDeficit,
    NothingToHeal,
    SocializationTooEarly,
    AbsorbLossFailed,
    DeficitOpen,
    InsufficientFund,
    NothingToSkim,
    HouseStillAuthorized,
    InvalidPenaltyShare,
    InvalidSocializationDelay,
    ArithmeticError,
);

/// `liquidation(id)`: beneficiary, kicker, house, status, openedAt, finishedAt, debt, tab,
/// raised, keeperPaid, covered, deficit, deficitRemaining, socialized.
pub type LiquidationView = (
    Address,
    Address,
    Address,
    u8,
    u64,
    u64,
    U256,
    U256,
    U256,
    U256,
    U256,
    U256,
    U256,
    U256,
);

/// `balanceOf(address)`.
const BALANCE_OF: [u8; 4] = stylus_sdk::function_selector!("balanceOf", Address);
/// `absorbLoss(uint256)` of `ILossAbsorber`.
const ABSORB_LOSS: [u8; 4] = stylus_sdk::function_selector!("absorbLoss", U256);

// ---------------------------------------------------------------------------------------------
// 4. Public interface
// ---------------------------------------------------------------------------------------------

#[public]
impl SolvencyModule {
    /// Sets the admin, the debt token and the four parameters (validated as by `setParams`;
    /// each non-zero one logs its `...Set(0, value)` event). Liquidation ids start at 1.
    #[constructor]
    #[inline(always)]
    pub fn constructor(
        &mut self,
        initial_owner: Address,
        token: Address,
        penalty_share: U256,
        fund_buffer: U256,
        socialization_delay: U256,
        max_keeper_pay: U256,
    ) -> Result<(), Error> {
        if initial_owner.is_zero() {
            return Err(fail_address(
                ownable::OwnableInvalidOwner::SELECTOR,
                initial_owner,
            ));
        }
        self.set_owner(initial_owner);
        if token.is_zero() {
            return Err(invalid_address(token));
        }
        let control = with_address(token, 0, 0);
        self.sstore(&CONTROL, &control);
        self.sstore(&COUNTERS, &U256::from(1));
        self.apply_params(
            &control,
            penalty_share,
            fund_buffer,
            socialization_delay,
            max_keeper_pay,
        )
    }

    // ----- liquidations -----------------------------------------------------------------------

    /// Opens a liquidation (kicker only, not while paused): `debt` is owed to `beneficiary`,
    /// `tab >= debt` is what the auctions try to raise. Returns its id.
    #[inline(always)]
    pub fn open(&mut self, beneficiary: Address, debt: U256, tab: U256) -> Result<U256, Error> {
        let control = self.enter()?;
        let kicker = self.vm().msg_sender();
        self.require_role(kicker, ROLE_KICKER)?;
        if flag(control, PAUSED_FLAG) {
            return Err(fail(EnforcedPause::SELECTOR));
        }
        self.check_recipient(beneficiary)?;
        if debt.is_zero() {
            return Err(zero_amount());
        }
        let tab_units = checked_amount(tab)?;
        let debt_units = match gavel_math::to_u128(debt) {
            Ok(units) if units <= tab_units => units,
            // Below the tab, or above 2^128 and so above any valid tab.
            _ => return Err(fail_words(TabBelowDebt::SELECTOR, &debt, &tab)),
        };
        let [id, delay, _, _] = self.sload(&COUNTERS).into_limbs();
        let next = id.checked_add(1).ok_or_else(arithmetic_error)?;
        self.sstore(&COUNTERS, &U256::from_limbs([next, delay, 0, 0]));
        let id_word = U256::from(id);
        let record = self.record(id_word);
        let now = self.now();
        self.rstore(
            &record,
            HEAD,
            &with_address(beneficiary, u64::from(STATUS_OPEN), 0),
        );
        self.rstore(&record, KICKER, &with_address(kicker, 0, now));
        self.rstore(&record, AMOUNTS, &pair(debt_units, tab_units));
        self.emit(
            Opened::SIGNATURE_HASH,
            &[id_word, address_word(beneficiary), address_word(kicker)],
            &[debt, tab],
        );
        Ok(id_word)
    }

    /// Called by an authorized house inside its kick: `kicker` is the house's own caller and
    /// must be the liquidation's kicker, `tab` the tab it was kicked with (at most the tab not
    /// yet raised). The house holds the liquidation until it calls `onAuctionEnd`.
    #[inline(always)]
    pub fn attach(
        &mut self,
        liquidation_id: U256,
        kicker: Address,
        tab: U256,
    ) -> Result<(), Error> {
        self.enter()?;
        let house = self.vm().msg_sender();
        self.require_role(house, ROLE_HOUSE)?;
        let record = self.record(liquidation_id);
        require_open(&liquidation_id, &self.rload(&record, HEAD))?;
        let holder = address_of(&self.rload(&record, HOUSE));
        if !holder.is_zero() {
            return Err(held_error(liquidation_id, holder));
        }
        if kicker != address_of(&self.rload(&record, KICKER)) {
            return Err(kicker_mismatch(liquidation_id, kicker));
        }
        if tab.is_zero() {
            return Err(zero_amount());
        }
        let target = high(self.rload(&record, AMOUNTS));
        let raised = low(self.rload(&record, PROCEEDS));
        // A house may deliver more than its tab, so raised can exceed tab: nothing is left.
        let remaining = target.saturating_sub(raised);
        if !matches!(gavel_math::to_u128(tab), Ok(units) if units <= remaining) {
            let remaining = U256::from(remaining);
            return Err(fail_words(TabExceedsRemaining::SELECTOR, &tab, &remaining));
        }
        self.rstore(&record, HOUSE, &address_word(house));
        self.emit(
            Attached::SIGNATURE_HASH,
            &[liquidation_id, address_word(house)],
            &[tab],
        );
        Ok(())
    }

    /// The holding house has just transferred `amount` debt tokens to the module (a partial
    /// take) and reports them.
    #[inline(always)]
    #[selector(name = "onProceeds")]
    pub fn on_proceeds(&mut self, liquidation_id: U256, amount: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let house = self.vm().msg_sender();
        let record = self.held_record(liquidation_id, house)?;
        if amount.is_zero() {
            return Err(zero_amount());
        }
        let proceeds = self.rload(&record, PROCEEDS);
        let books = self.sload(&BOOKS);
        let (proceeds, books) = self.book_proceeds(control, proceeds, books, amount)?;
        self.rstore(&record, PROCEEDS, &proceeds);
        self.sstore(&BOOKS, &books);
        self.emit(
            ProceedsReceived::SIGNATURE_HASH,
            &[liquidation_id, address_word(house)],
            &[amount, U256::from(low(proceeds))],
        );
        Ok(())
    }

    /// The holding house's auction ended: `raised` is what it transferred with this final step
    /// and has not reported through `onProceeds` (may be 0). The house no longer holds the
    /// liquidation. `tabLeft == 0 || lotLeft == 0` finishes it (waterfall); otherwise the house
    /// returned the remaining collateral to the kicker and the liquidation stays open.
    #[inline(always)]
    #[selector(name = "onAuctionEnd")]
    pub fn on_auction_end(
        &mut self,
        liquidation_id: U256,
        raised: U256,
        tab_left: U256,
        lot_left: U256,
    ) -> Result<(), Error> {
        let control = self.enter()?;
        let house = self.vm().msg_sender();
        let record = self.held_record(liquidation_id, house)?;
        let proceeds = self.rload(&record, PROCEEDS);
        let books = self.sload(&BOOKS);
        let (new_proceeds, new_books) = if raised.is_zero() {
            (proceeds, books)
        } else {
            self.book_proceeds(control, proceeds, books, raised)?
        };
        self.rstore(&record, HOUSE, &U256::ZERO);
        self.sstore_changed(&at(&record, PROCEEDS), &proceeds, &new_proceeds);
        self.emit(
            AuctionEnded::SIGNATURE_HASH,
            &[liquidation_id, address_word(house)],
            &[raised, tab_left, lot_left],
        );
        if tab_left.is_zero() || lot_left.is_zero() {
            let head = self.rload(&record, HEAD);
            self.finish(
                &liquidation_id,
                &record,
                &control,
                &head,
                &new_proceeds,
                &books,
                &new_books,
            )
        } else {
            self.sstore_changed(&BOOKS, &books, &new_books);
            Ok(())
        }
    }

    /// The liquidation's kicker closes an open, unheld liquidation with what was raised.
    #[inline(always)]
    pub fn finalize(&mut self, liquidation_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let sender = self.vm().msg_sender();
        let record = self.record(liquidation_id);
        let head = self.rload(&record, HEAD);
        require_open(&liquidation_id, &head)?;
        if sender != address_of(&self.rload(&record, KICKER)) {
            return Err(kicker_mismatch(liquidation_id, sender));
        }
        let holder = address_of(&self.rload(&record, HOUSE));
        if !holder.is_zero() {
            return Err(held_error(liquidation_id, holder));
        }
        let proceeds = self.rload(&record, PROCEEDS);
        let books = self.sload(&BOOKS);
        self.finish(
            &liquidation_id,
            &record,
            &control,
            &head,
            &proceeds,
            &books,
            &books,
        )
    }

    /// Pays a keeper incentive from the fund (holding, currently authorized house only):
    /// `paid = min(amount, maxKeeperPay, fund above the buffer)`, 0 while paused. Counts
    /// against the liquidation (`keeperPaid`). Returns what was paid; 0 is not an error.
    #[inline(always)]
    #[selector(name = "payKeeper")]
    pub fn pay_keeper(
        &mut self,
        liquidation_id: U256,
        keeper: Address,
        amount: U256,
    ) -> Result<U256, Error> {
        let control = self.enter()?;
        let house = self.vm().msg_sender();
        let record = self.held_record(liquidation_id, house)?;
        // A revoked house must not drain the fund, even for a liquidation it still holds.
        self.require_role(house, ROLE_HOUSE)?;
        self.check_recipient(keeper)?;
        if flag(control, PAUSED_FLAG) || amount.is_zero() {
            return Ok(U256::ZERO);
        }
        let limits = self.sload(&LIMITS);
        let books = self.sload(&BOOKS);
        let fund = low(books);
        let available = fund.saturating_sub(low(limits));
        // An amount above 2^128 is capped like any other.
        let requested = gavel_math::to_u128(amount).unwrap_or(u128::MAX);
        let paid = requested.min(high(limits)).min(available);
        if paid == 0 {
            return Ok(U256::ZERO);
        }
        let proceeds = self.rload(&record, PROCEEDS);
        let keeper_paid = add(high(proceeds), paid)?;
        self.rstore(&record, PROCEEDS, &pair(low(proceeds), keeper_paid));
        // paid <= available <= fund.
        self.sstore(&BOOKS, &pair(sub(fund, paid)?, high(books)));
        let paid_word = U256::from(paid);
        self.emit(
            KeeperPaid::SIGNATURE_HASH,
            &[liquidation_id, address_word(house), address_word(keeper)],
            &[paid_word],
        );
        self.send(&control, keeper, &paid_word)?;
        Ok(paid_word)
    }

    // ----- deficits ---------------------------------------------------------------------------

    /// Pays as much of deficit entry `entryId` (= its liquidation id) as the fund holds
    /// (anyone; also while paused).
    #[inline(always)]
    pub fn heal(&mut self, entry_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let record = self.record(entry_id);
        let entry = self.rload(&record, DEFICIT);
        let remaining = low(entry);
        if remaining == 0 {
            return Err(no_deficit(entry_id));
        }
        let books = self.sload(&BOOKS);
        let fund = low(books);
        if fund == 0 {
            return Err(fail_word(NothingToHeal::SELECTOR, &entry_id));
        }
        let beneficiary = address_of(&self.rload(&record, HEAD));
        let amount = remaining.min(fund);
        let left = sub(remaining, amount)?;
        self.rstore(&record, DEFICIT, &pair(left, high(entry)));
        self.sstore(&BOOKS, &pair(sub(fund, amount)?, high(books)));
        let amount_word = U256::from(amount);
        self.settle_deficit(beneficiary, amount_word, amount_word, U256::ZERO)?;
        self.emit(
            Healed::SIGNATURE_HASH,
            &[entry_id, address_word(beneficiary)],
            &[amount_word, U256::from(left)],
        );
        self.send(&control, beneficiary, &amount_word)
    }

    /// Makes deficit entry `entryId` final (anyone, from `finishedAt + socializationDelay`):
    /// heals what the fund can pay, then calls `absorbLoss(rest)` on the beneficiary.
    #[inline(always)]
    pub fn socialize(&mut self, entry_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let record = self.record(entry_id);
        let entry = self.rload(&record, DEFICIT);
        let remaining = low(entry);
        if remaining == 0 {
            return Err(no_deficit(entry_id));
        }
        let head = self.rload(&record, HEAD);
        let [_, delay, _, _] = self.sload(&COUNTERS).into_limbs();
        let [_, _, _, finished_at] = head.into_limbs();
        // Block times and a delay of at most a year stay far below 2^64.
        let socializable_at = finished_at.saturating_add(delay);
        if self.now() < socializable_at {
            let at = U256::from(socializable_at);
            return Err(fail_words(SocializationTooEarly::SELECTOR, &entry_id, &at));
        }
        let books = self.sload(&BOOKS);
        let fund = low(books);
        let healed = remaining.min(fund);
        let rest = sub(remaining, healed)?;
        let beneficiary = address_of(&head);
        // remaining + socialized <= recorded deficit < 2^128.
        self.rstore(&record, DEFICIT, &pair(0, add(high(entry), rest)?));
        if healed != 0 {
            self.sstore(&BOOKS, &pair(sub(fund, healed)?, high(books)));
        }
        let healed_word = U256::from(healed);
        let rest_word = U256::from(rest);
        self.settle_deficit(beneficiary, U256::from(remaining), healed_word, rest_word)?;
        let topics = [entry_id, address_word(beneficiary)];
        if healed != 0 {
            self.emit(Healed::SIGNATURE_HASH, &topics, &[healed_word, rest_word]);
        }
        if rest != 0 {
            self.emit(Socialized::SIGNATURE_HASH, &topics, &[rest_word]);
        }
        // Interactions, under the lock, after every write above.
        self.sstore(&CONTROL, &set_flag(control, LOCK_FLAG, true));
        let mut result = self.transfer(&control, beneficiary, &healed_word);
        if result.is_ok() && rest != 0 {
            result = self.absorb_loss(beneficiary, rest_word);
        }
        self.sstore(&CONTROL, &control);
        result
    }

    // ----- fund -------------------------------------------------------------------------------

    /// Pulls `amount` from the caller into the fund (anyone; needs an allowance).
    #[inline(always)]
    pub fn deposit(&mut self, amount: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let from = self.vm().msg_sender();
        if amount.is_zero() {
            return Err(zero_amount());
        }
        let books = self.sload(&BOOKS);
        let fund = add(low(books), checked_amount(amount)?)?;
        let new_books = pair(fund, high(books));
        self.sstore(&BOOKS, &new_books);
        self.emit(
            FundDeposit::SIGNATURE_HASH,
            &[address_word(from)],
            &[amount, U256::from(fund)],
        );
        let token = address_of(&control);
        let this = self.vm().contract_address();
        self.sstore(&CONTROL, &set_flag(control, LOCK_FLAG, true));
        let mut result = self
            .safe_erc20
            .safe_transfer_from(token, from, this, amount)
            .map_err(Error::from);
        if result.is_ok() {
            // A token that delivers less than asked (fee on transfer) is refused.
            result = self.require_balance(token, new_books);
        }
        self.sstore(&CONTROL, &control);
        result
    }

    /// Sends `amount` of the fund to `to` (admin; only from above the buffer and never while a
    /// deficit is open).
    #[inline(always)]
    pub fn withdraw(&mut self, amount: U256, to: Address) -> Result<(), Error> {
        let control = self.admin()?;
        if amount.is_zero() {
            return Err(zero_amount());
        }
        self.check_recipient(to)?;
        let open_deficit = self.sload(&OPEN_DEFICIT);
        if !open_deficit.is_zero() {
            return Err(fail_word(DeficitOpen::SELECTOR, &open_deficit));
        }
        let books = self.sload(&BOOKS);
        let fund = low(books);
        let available = fund.saturating_sub(low(self.sload(&LIMITS)));
        let units = gavel_math::to_u128(amount).unwrap_or(u128::MAX);
        if units > available {
            let available = U256::from(available);
            return Err(fail_words(InsufficientFund::SELECTOR, &amount, &available));
        }
        let fund = sub(fund, units)?;
        self.sstore(&BOOKS, &pair(fund, high(books)));
        self.emit(
            FundWithdraw::SIGNATURE_HASH,
            &[address_word(to)],
            &[amount, U256::from(fund)],
        );
        self.send(&control, to, &amount)
    }

    /// Sends the surplus (`balanceOf(this) - fund - held`) to `to`, or books it into the fund
    /// when `to` is the module itself (admin).
    #[inline(always)]
    pub fn skim(&mut self, to: Address) -> Result<(), Error> {
        let control = self.admin()?;
        if to.is_zero() {
            return Err(invalid_address(to));
        }
        let books = self.sload(&BOOKS);
        let surplus = self.surplus_of(address_of(&control), books)?;
        if surplus.is_zero() {
            return Err(fail(NothingToSkim::SELECTOR));
        }
        self.emit(Skimmed::SIGNATURE_HASH, &[address_word(to)], &[surplus]);
        if to == self.vm().contract_address() {
            let fund = add(low(books), checked_amount(surplus)?)?;
            self.sstore(&BOOKS, &pair(fund, high(books)));
            Ok(())
        } else {
            self.send(&control, to, &surplus)
        }
    }

    // ----- administration ---------------------------------------------------------------------

    /// Clears the hold of a house that has been revoked (admin), so that the liquidation's
    /// kicker can finalize it or kick another house.
    #[inline(always)]
    pub fn release(&mut self, liquidation_id: U256) -> Result<(), Error> {
        self.admin()?;
        let slot = at(&self.record(liquidation_id), HOUSE);
        let house = address_of(&self.sload(&slot));
        if house.is_zero() {
            return Err(fail_word(LiquidationNotHeld::SELECTOR, &liquidation_id));
        }
        if self.has_role(house, ROLE_HOUSE) {
            return Err(fail_address(HouseStillAuthorized::SELECTOR, house));
        }
        self.sstore(&slot, &U256::ZERO);
        self.emit(
            Released::SIGNATURE_HASH,
            &[liquidation_id, address_word(house)],
            &[],
        );
        Ok(())
    }

    /// Grants or revokes the kicker role (admin).
    #[inline(always)]
    #[selector(name = "setKicker")]
    pub fn set_kicker(&mut self, account: Address, allowed: bool) -> Result<(), Error> {
        self.set_role(account, ROLE_KICKER, allowed)
    }

    /// Grants or revokes the house role (admin).
    #[inline(always)]
    #[selector(name = "setHouse")]
    pub fn set_house(&mut self, account: Address, allowed: bool) -> Result<(), Error> {
        self.set_role(account, ROLE_HOUSE, allowed)
    }

    /// Grants or revokes the guardian role (admin).
    #[inline(always)]
    #[selector(name = "setGuardian")]
    pub fn set_guardian(&mut self, account: Address, allowed: bool) -> Result<(), Error> {
        self.set_role(account, ROLE_GUARDIAN, allowed)
    }

    /// Pauses `open` and `payKeeper` (admin or guardian).
    #[inline(always)]
    pub fn pause(&mut self) -> Result<(), Error> {
        let control = self.enter()?;
        let account = self.vm().msg_sender();
        if account != self.owner() && !self.has_role(account, ROLE_GUARDIAN) {
            return Err(fail_address(NotGuardian::SELECTOR, account));
        }
        self.set_paused(control, true, Paused::SIGNATURE_HASH, account);
        Ok(())
    }

    /// Lifts the pause (admin only).
    #[inline(always)]
    pub fn unpause(&mut self) -> Result<(), Error> {
        let control = self.admin()?;
        let account = self.vm().msg_sender();
        self.set_paused(control, false, Unpaused::SIGNATURE_HASH, account);
        Ok(())
    }

    /// Sets the four parameters (admin): the beneficiary's share of the net penalty (WAD, at
    /// most 1e18), the part of the fund `withdraw` and `payKeeper` cannot touch, the time a
    /// deficit entry waits before it may be socialized (at most 365 days; applies to existing
    /// entries too) and the most one `payKeeper` call pays. Each value that changes logs its
    /// `...Set(old, new)` event; nothing changes unless all four are valid.
    #[inline(always)]
    #[selector(name = "setParams")]
    pub fn set_params(
        &mut self,
        penalty_share: U256,
        fund_buffer: U256,
        socialization_delay: U256,
        max_keeper_pay: U256,
    ) -> Result<(), Error> {
        let control = self.admin()?;
        self.apply_params(
            &control,
            penalty_share,
            fund_buffer,
            socialization_delay,
            max_keeper_pay,
        )
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

    // ----- views (each is its word form below, typed for the interface) ----------------------

    /// The debt token.
    #[inline(always)]
    pub fn token(&self) -> Address {
        address_of(&self.sload(&CONTROL))
    }

    /// fund, held (proceeds of liquidations not finished), open deficit, Σ deficit recorded,
    /// Σ healed, Σ socialized (open deficit = recorded − healed − socialized). Tokens beyond
    /// `fund + held` in `balanceOf(module)` are surplus (what `skim` moves).
    #[inline(always)]
    pub fn books(&self) -> (U256, U256, U256, U256, U256, U256) {
        let [fund, held, open, recorded, healed, socialized] = self.books_words();
        (fund, held, open, recorded, healed, socialized)
    }

    /// The record of liquidation `id` (all zero for an unknown id): beneficiary, kicker, house
    /// (zero when unheld), status (0 none, 1 open, 2 finished), openedAt, finishedAt, debt,
    /// tab, raised, keeperPaid, covered, deficit (recorded), deficitRemaining, socialized.
    /// `repaid = min(raised, debt)`. Its deficit entry (same id) was recorded at `finishedAt`,
    /// may be socialized from `finishedAt + socializationDelay` and has had `deficit -
    /// deficitRemaining - socialized` healed.
    #[inline(always)]
    pub fn liquidation(&self, liquidation_id: U256) -> LiquidationView {
        let words = self.liquidation_words(liquidation_id);
        let [b, k, h, status, opened, finished, debt, tab, raised, paid, covered, deficit, ..] =
            words;
        let [.., remaining, socialized] = words;
        let status = u8::try_from(low_u64(status)).unwrap_or(u8::MAX);
        let (b, k, h) = (address_of(&b), address_of(&k), address_of(&h));
        let (opened, finished) = (low_u64(opened), low_u64(finished));
        (
            b, k, h, status, opened, finished, debt, tab, raised, paid, covered, deficit,
            remaining, socialized,
        )
    }

    /// Totals of `beneficiary`: repaid from proceeds, penalty share received, covered by the
    /// fund (at finish and by heals), open deficit, socialized.
    #[inline(always)]
    #[selector(name = "beneficiaryTotals")]
    pub fn beneficiary_totals(&self, beneficiary: Address) -> (U256, U256, U256, U256, U256) {
        let [repaid, penalty, covered, open, socialized] = self.beneficiary_words(beneficiary);
        (repaid, penalty, covered, open, socialized)
    }

    /// penaltyShare (WAD), fundBuffer, socializationDelay (seconds), maxKeeperPay.
    #[inline(always)]
    pub fn params(&self) -> (U256, U256, U256, U256) {
        let [share, buffer, delay, max_pay] = self.params_words();
        (share, buffer, delay, max_pay)
    }

    /// Whether `open` and `payKeeper` are paused.
    #[inline(always)]
    pub fn paused(&self) -> bool {
        flag(self.sload(&CONTROL), PAUSED_FLAG)
    }

    /// Roles of `account`: (kicker, house, guardian).
    #[inline(always)]
    pub fn roles(&self, account: Address) -> (bool, bool, bool) {
        let [kicker, house, guardian] = self.roles_words(account);
        (!kicker.is_zero(), !house.is_zero(), !guardian.is_zero())
    }

    /// The id the next `open` will return (ids so far: 1 to this minus one).
    #[inline(always)]
    #[selector(name = "nextLiquidationId")]
    pub fn next_liquidation_id(&self) -> U256 {
        U256::from(low_u64(self.sload(&COUNTERS)))
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Internal functions
// ---------------------------------------------------------------------------------------------

// Raw storage words and events: `sload`, `sstore`, `emit`.
gavel_common::raw_storage!(SolvencyModule);

// The lean `Ownable2Step`: `admin`, `set_owner`, `propose_owner`, `accept_owner`.
gavel_common::ownable2step!(
    SolvencyModule,
    ownable::OwnableUnauthorizedAccount::SELECTOR
);

impl SolvencyModule {
    /// Word `k` of the entry starting at `base`.
    #[inline(never)]
    fn rload(&self, base: &U256, k: u64) -> U256 {
        self.sload(&at(base, k))
    }

    /// Writes word `k` of the entry starting at `base`.
    #[inline(never)]
    fn rstore(&mut self, base: &U256, k: u64, value: &U256) {
        self.sstore(&at(base, k), value);
    }

    /// Writes `new` at `slot` unless it equals the stored `old`.
    fn sstore_changed(&mut self, slot: &U256, old: &U256, new: &U256) {
        if old != new {
            self.sstore(slot, new);
        }
    }

    /// Adds `amount` to the cumulative total at `slot` (no write for zero).
    #[inline(never)]
    fn bump(&mut self, slot: &U256, amount: &U256) -> Result<(), Error> {
        if !amount.is_zero() {
            let sum = gavel_math::checked_add(self.sload(slot), *amount)?;
            self.sstore(slot, &sum);
        }
        Ok(())
    }

    /// Subtracts `amount` from the total at `slot` (no write for zero).
    fn drop_total(&mut self, slot: &U256, amount: &U256) -> Result<(), Error> {
        if !amount.is_zero() {
            let rest = gavel_math::checked_sub(self.sload(slot), *amount)?;
            self.sstore(slot, &rest);
        }
        Ok(())
    }

    /// First slot of entry `key` of the map at `map`: `keccak256(abi.encode(key, map))`.
    #[inline(never)]
    fn entry(&self, key: &U256, map: &U256) -> U256 {
        let preimage = [key.to_be_bytes::<32>(), map.to_be_bytes::<32>()];
        U256::from_be_bytes(self.vm().native_keccak256(preimage.as_flattened()).0)
    }

    /// First slot of liquidation `id`'s record.
    fn record(&self, id: U256) -> U256 {
        self.entry(&id, &LIQUIDATIONS)
    }

    /// First slot of `beneficiary`'s totals.
    fn totals(&self, beneficiary: Address) -> U256 {
        self.entry(&address_word(beneficiary), &BENEFICIARIES)
    }

    /// Reads `control` and refuses a re-entrant call.
    #[inline(never)]
    fn enter(&self) -> Result<U256, Error> {
        let control = self.sload(&CONTROL);
        if flag(control, LOCK_FLAG) {
            return Err(fail(ReentrantCall::SELECTOR));
        }
        Ok(control)
    }

    /// Block time.
    fn now(&self) -> u64 {
        gavel_common::clock::now(self.vm().block_timestamp())
    }

    #[inline(never)]
    fn has_role(&self, account: Address, role: u64) -> bool {
        low_u64(self.sload(&self.entry(&address_word(account), &ROLES))) & role != 0
    }

    fn require_role(&self, account: Address, role: u64) -> Result<(), Error> {
        if self.has_role(account, role) {
            return Ok(());
        }
        let selector = if role == ROLE_KICKER {
            NotKicker::SELECTOR
        } else {
            NotHouse::SELECTOR
        };
        Err(fail_address(selector, account))
    }

    /// Sets or clears `role` for `account` (admin) and logs `event(account, allowed)` if that
    /// changed anything.
    fn set_role(&mut self, account: Address, role: u64, allowed: bool) -> Result<(), Error> {
        self.admin()?;
        if account.is_zero() {
            return Err(invalid_address(account));
        }
        let slot = self.entry(&address_word(account), &ROLES);
        let old = low_u64(self.sload(&slot));
        let new = if allowed { old | role } else { old & !role };
        if new != old {
            self.sstore(&slot, &U256::from(new));
            let data = [U256::from(u8::from(allowed))];
            self.emit(
                RoleSet::SIGNATURE_HASH,
                &[address_word(account), U256::from(role)],
                &data,
            );
        }
        Ok(())
    }

    /// Sets the pause flag to `paused` and logs `event(account)` if that changed it.
    fn set_paused(&mut self, control: U256, paused: bool, event: B256, account: Address) {
        if flag(control, PAUSED_FLAG) != paused {
            self.sstore(&CONTROL, &set_flag(control, PAUSED_FLAG, paused));
            self.emit(event, &[], &[address_word(account)]);
        }
    }

    /// Validates and stores the four parameters; logs `...Set(old, new)` for each change.
    fn apply_params(
        &mut self,
        control: &U256,
        penalty_share: U256,
        fund_buffer: U256,
        socialization_delay: U256,
        max_keeper_pay: U256,
    ) -> Result<(), Error> {
        let share = checked_penalty_share(penalty_share)?;
        let buffer = checked_amount(fund_buffer)?;
        let delay = checked_delay(socialization_delay)?;
        let max_pay = checked_amount(max_keeper_pay)?;
        let [c0, c1, c2, old_share] = control.into_limbs();
        let [next_id, old_delay, _, _] = self.sload(&COUNTERS).into_limbs();
        let limits = self.sload(&LIMITS);
        let new_control = U256::from_limbs([c0, c1, c2, share]);
        let new_counters = U256::from_limbs([next_id, delay, 0, 0]);
        let new_limits = pair(buffer, max_pay);
        if new_control == *control && new_limits == limits && delay == old_delay {
            return Ok(());
        }
        self.sstore_changed(&CONTROL, control, &new_control);
        self.sstore_changed(
            &COUNTERS,
            &U256::from_limbs([next_id, old_delay, 0, 0]),
            &new_counters,
        );
        self.sstore_changed(&LIMITS, &limits, &new_limits);
        let old = [
            U256::from(old_share),
            U256::from(low(limits)),
            U256::from(old_delay),
            U256::from(high(limits)),
        ];
        let [old_share, old_buffer, old_delay, old_max_pay] = old;
        let data = [
            old_share,
            old_buffer,
            old_delay,
            old_max_pay,
            penalty_share,
            fund_buffer,
            socialization_delay,
            max_keeper_pay,
        ];
        self.emit(ParamsSet::SIGNATURE_HASH, &[], &data);
        Ok(())
    }

    /// Refuses the zero address and the module itself as a recipient.
    fn check_recipient(&self, account: Address) -> Result<(), Error> {
        if account.is_zero() || account == self.vm().contract_address() {
            return Err(invalid_address(account));
        }
        Ok(())
    }

    /// The record of a liquidation `house` holds, or the specific error: unknown, finished, or
    /// held by someone else / nobody (`NotHolder`).
    fn held_record(&self, liquidation_id: U256, house: Address) -> Result<U256, Error> {
        let record = self.record(liquidation_id);
        if address_of(&self.rload(&record, HOUSE)) == house {
            return Ok(record);
        }
        require_open(&liquidation_id, &self.rload(&record, HEAD))?;
        Err(fail_id_address(NotHolder::SELECTOR, &liquidation_id, house))
    }

    /// The module's token balance.
    fn balance(&self, token: Address) -> Result<U256, Error> {
        let mut calldata = BALANCE_OF.to_vec();
        calldata.extend_from_slice(&address_word(self.vm().contract_address()).to_be_bytes::<32>());
        #[allow(deprecated)] // stylus-sdk 0.9's call helpers; a static call needs no lock.
        let returned = stylus_sdk::call::static_call(self, token, &calldata);
        returned
            .ok()
            .and_then(|data| data.get(..32).map(U256::from_be_slice))
            .ok_or_else(|| token_failed(token))
    }

    /// `balanceOf(this) - fund - held`, floored at zero.
    fn surplus_of(&self, token: Address, books: U256) -> Result<U256, Error> {
        Ok(self.balance(token)?.saturating_sub(total(books)))
    }

    /// Fails unless the module holds at least `fund + held` of `books`.
    fn require_balance(&self, token: Address, books: U256) -> Result<(), Error> {
        let balance = self.balance(token)?;
        let expected = total(books);
        if balance < expected {
            return Err(fail_words(
                ProceedsNotReceived::SELECTOR,
                &expected,
                &balance,
            ));
        }
        Ok(())
    }

    /// Adds `amount` of proceeds to a record's `raised` and to `held`, after checking that the
    /// balance covers the new books. Returns the new `proceeds` and `books` words.
    fn book_proceeds(
        &self,
        control: U256,
        proceeds: U256,
        books: U256,
        amount: U256,
    ) -> Result<(U256, U256), Error> {
        let units = checked_amount(amount)?;
        let raised = add(low(proceeds), units)?;
        let held = add(high(books), units)?;
        let new_books = pair(low(books), held);
        self.require_balance(address_of(&control), new_books)?;
        Ok((pair(raised, high(proceeds)), new_books))
    }

    /// Runs the waterfall of an open liquidation whose proceeds are final. `books` is the
    /// stored `books` word, `pending` the value it has after this call's reports.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &mut self,
        liquidation_id: &U256,
        record: &U256,
        control: &U256,
        head: &U256,
        proceeds: &U256,
        books: &U256,
        pending: &U256,
    ) -> Result<(), Error> {
        let beneficiary = address_of(head);
        let debt = low(self.rload(record, AMOUNTS));
        let raised = low(*proceeds);
        let keeper_paid = high(*proceeds);
        let [_, _, _, share] = control.into_limbs();

        let repaid = raised.min(debt);
        let penalty = sub(raised, repaid)?;
        // The fund recovers what it advanced to keepers before the penalty is shared.
        let net_penalty = penalty.saturating_sub(keeper_paid);
        let to_beneficiary = share_of(net_penalty, share);
        let to_fund = sub(penalty, to_beneficiary)?;
        let shortfall = sub(debt, repaid)?;
        let fund = add(low(*pending), to_fund)?;
        let covered = shortfall.min(fund);
        let deficit = sub(shortfall, covered)?;
        let new_books = pair(sub(fund, covered)?, sub(high(*pending), raised)?);
        self.sstore_changed(&BOOKS, books, &new_books);

        let [h0, h1, h2, _] = head.into_limbs();
        let h2 = (h2 & !(0xff << 32)) | (u64::from(STATUS_FINISHED) << 32);
        self.rstore(record, HEAD, &U256::from_limbs([h0, h1, h2, self.now()]));
        if shortfall != 0 {
            self.rstore(record, SHORTFALL, &pair(covered, deficit));
        }
        let repaid_word = U256::from(repaid);
        let to_beneficiary_word = U256::from(to_beneficiary);
        let covered_word = U256::from(covered);
        let deficit_word = U256::from(deficit);
        if deficit != 0 {
            self.rstore(record, DEFICIT, &pair(deficit, 0));
            self.bump(&OPEN_DEFICIT, &deficit_word)?;
            self.bump(&RECORDED, &deficit_word)?;
        }
        let totals = self.totals(beneficiary);
        self.bump(&at(&totals, TOTAL_REPAID), &repaid_word)?;
        self.bump(&at(&totals, TOTAL_PENALTY), &to_beneficiary_word)?;
        self.bump(&at(&totals, TOTAL_COVERED), &covered_word)?;
        self.bump(&at(&totals, TOTAL_OPEN_DEFICIT), &deficit_word)?;

        let topics = [*liquidation_id, address_word(beneficiary)];
        self.emit(
            Finished::SIGNATURE_HASH,
            &topics,
            &[
                U256::from(raised),
                repaid_word,
                U256::from(to_fund),
                to_beneficiary_word,
                covered_word,
                deficit_word,
                U256::from(keeper_paid),
            ],
        );
        if covered != 0 {
            self.emit(ShortfallCovered::SIGNATURE_HASH, &topics, &[covered_word]);
        }
        if deficit != 0 {
            self.emit(DeficitRecorded::SIGNATURE_HASH, &topics, &[deficit_word]);
        }
        // repaid + to_beneficiary <= raised and covered <= fund: below 2^129 in all.
        let payout = U256::from(add(repaid, to_beneficiary)?).saturating_add(covered_word);
        self.send(control, beneficiary, &payout)
    }

    /// Books the end of `cleared` of open deficit owed to `beneficiary`: `healed` paid by the
    /// fund, `socialized` absorbed (`cleared = healed + socialized`).
    fn settle_deficit(
        &mut self,
        beneficiary: Address,
        cleared: U256,
        healed: U256,
        socialized: U256,
    ) -> Result<(), Error> {
        self.drop_total(&OPEN_DEFICIT, &cleared)?;
        self.bump(&HEALED, &healed)?;
        self.bump(&SOCIALIZED, &socialized)?;
        let totals = self.totals(beneficiary);
        self.drop_total(&at(&totals, TOTAL_OPEN_DEFICIT), &cleared)?;
        self.bump(&at(&totals, TOTAL_COVERED), &healed)?;
        self.bump(&at(&totals, TOTAL_SOCIALIZED), &socialized)
    }

    /// Calls `absorbLoss(amount)` on `beneficiary` (the caller holds the lock).
    fn absorb_loss(&mut self, beneficiary: Address, amount: U256) -> Result<(), Error> {
        // A call to an account without code would "succeed" without absorbing anything.
        #[allow(deprecated)] // stylus-sdk 0.9's code-hash check, as SafeErc20 uses it.
        let has_code = stylus_sdk::types::AddressVM::has_code(&beneficiary);
        let mut calldata = ABSORB_LOSS.to_vec();
        calldata.extend_from_slice(&amount.to_be_bytes::<32>());
        #[allow(deprecated)] // stylus-sdk 0.9's call helper; it flushes the storage cache first.
        let absorbed =
            has_code && stylus_sdk::call::call(&mut *self, beneficiary, &calldata).is_ok();
        if absorbed {
            return Ok(());
        }
        Err(fail_address(AbsorbLossFailed::SELECTOR, beneficiary))
    }

    /// Transfers `amount` (if any) to `to` under the re-entrancy lock.
    fn send(&mut self, control: &U256, to: Address, amount: &U256) -> Result<(), Error> {
        self.sstore(&CONTROL, &set_flag(*control, LOCK_FLAG, true));
        let result = self.transfer(control, to, amount);
        self.sstore(&CONTROL, control);
        result
    }

    /// Transfers `amount` (if any) of the token to `to`; the caller holds the lock.
    fn transfer(&mut self, control: &U256, to: Address, amount: &U256) -> Result<(), Error> {
        if amount.is_zero() {
            return Ok(());
        }
        Ok(self
            .safe_erc20
            .safe_transfer(address_of(control), to, *amount)?)
    }

    // ----- views as ABI words (the dispatcher returns these; the typed views wrap them) -------

    fn books_words(&self) -> [U256; 6] {
        let books = self.sload(&BOOKS);
        [
            U256::from(low(books)),
            U256::from(high(books)),
            self.sload(&OPEN_DEFICIT),
            self.sload(&RECORDED),
            self.sload(&HEALED),
            self.sload(&SOCIALIZED),
        ]
    }

    fn liquidation_words(&self, liquidation_id: U256) -> [U256; 14] {
        let record = self.record(liquidation_id);
        let head = self.rload(&record, HEAD);
        let kicker = self.rload(&record, KICKER);
        let [_, _, h2, finished_at] = head.into_limbs();
        let [_, _, _, opened_at] = kicker.into_limbs();
        let amounts = self.rload(&record, AMOUNTS);
        let proceeds = self.rload(&record, PROCEEDS);
        let shortfall = self.rload(&record, SHORTFALL);
        let entry = self.rload(&record, DEFICIT);
        [
            address_word(address_of(&head)),
            address_word(address_of(&kicker)),
            self.rload(&record, HOUSE),
            U256::from((h2 >> 32) & 0xff),
            U256::from(opened_at),
            U256::from(finished_at),
            U256::from(low(amounts)),
            U256::from(high(amounts)),
            U256::from(low(proceeds)),
            U256::from(high(proceeds)),
            U256::from(low(shortfall)),
            U256::from(high(shortfall)),
            U256::from(low(entry)),
            U256::from(high(entry)),
        ]
    }

    fn beneficiary_words(&self, beneficiary: Address) -> [U256; 5] {
        let totals = self.totals(beneficiary);
        [
            self.rload(&totals, TOTAL_REPAID),
            self.rload(&totals, TOTAL_PENALTY),
            self.rload(&totals, TOTAL_COVERED),
            self.rload(&totals, TOTAL_OPEN_DEFICIT),
            self.rload(&totals, TOTAL_SOCIALIZED),
        ]
    }

    fn params_words(&self) -> [U256; 4] {
        let limits = self.sload(&LIMITS);
        let [_, _, _, share] = self.sload(&CONTROL).into_limbs();
        let [_, delay, _, _] = self.sload(&COUNTERS).into_limbs();
        [
            U256::from(share),
            U256::from(low(limits)),
            U256::from(delay),
            U256::from(high(limits)),
        ]
    }

    fn roles_words(&self, account: Address) -> [U256; 3] {
        let bits = low_u64(self.sload(&self.entry(&address_word(account), &ROLES)));
        [
            U256::from(bits & ROLE_KICKER),
            U256::from((bits & ROLE_HOUSE) >> 1),
            U256::from((bits & ROLE_GUARDIAN) >> 2),
        ]
    }
}

// ----- the WASM entry point and ABI dispatcher ------------------------------------------------

#[cfg(any(test, not(feature = "export-abi")))]
mod dispatch;

// ----- word packing ---------------------------------------------------------------------------
//
// Fields sit on 64-bit limb boundaries (limb 0 is the low 64 bits of the word), so reading and
// writing them takes no 256-bit shifts.

/// Word `k` of the entry starting at `base` (slot arithmetic, as Solidity's: wraps).
#[inline(never)]
fn at(base: &U256, k: u64) -> U256 {
    base.wrapping_add(U256::from(k))
}

/// The low 64 bits of `word`.
fn low_u64(word: U256) -> u64 {
    let [l0, _, _, _] = word.into_limbs();
    l0
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

/// `low + high` of a pair word (below 2^129: the carry goes to limb 2).
fn total(word: U256) -> U256 {
    let (sum, carry) = low(word).overflowing_add(high(word));
    U256::from_limbs([sum as u64, (sum >> 64) as u64, u64::from(carry), 0])
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

/// `address` in the low 160 bits, `byte` in bits 32..40 of limb 2 (just above the address)
/// and `top` in limb 3.
fn with_address(address: Address, byte: u64, top: u64) -> U256 {
    let [l0, l1, l2, _] = address_word(address).into_limbs();
    U256::from_limbs([l0, l1, l2 | (byte << 32), top])
}

/// Whether `mask` (bits of limb 2 above the address) is set in `word`.
fn flag(word: U256, mask: u64) -> bool {
    let [_, _, l2, _] = word.into_limbs();
    l2 & mask != 0
}

/// `word` with `mask` (bits of limb 2 above the address) set or cleared.
fn set_flag(word: U256, mask: u64, on: bool) -> U256 {
    let [l0, l1, l2, l3] = word.into_limbs();
    U256::from_limbs([l0, l1, if on { l2 | mask } else { l2 & !mask }, l3])
}

/// `UnknownLiquidation` / `LiquidationFinished` unless the record is open.
fn require_open(liquidation_id: &U256, head: &U256) -> Result<(), Error> {
    let [_, _, l2, _] = head.into_limbs();
    let selector = match (l2 >> 32) & 0xff {
        1 => return Ok(()),
        0 => UnknownLiquidation::SELECTOR,
        _ => LiquidationFinished::SELECTOR,
    };
    Err(fail_word(selector, liquidation_id))
}

/// `floor(amount * share / 1e18)` for `share <= 1e18`, exactly.
///
/// Equal to `gavel_math::mul_div(amount, share, WAD, Rounding::Down)` (a property test checks
/// it), computed without 128- or 512-bit division, whose library routines cost about 1 and 4
/// KiB of WASM: the product (< 2^188) is formed in three 64-bit limbs and divided by 1e18 in
/// 4-bit digits, schoolbook style. Every partial remainder is below 1e18 < 2^60, so
/// `remainder << 4 | digit` fits 64 bits and each quotient digit is below 16. The quotient is
/// at most `amount` (as `share <= 1e18`), so shifting it left never loses bits.
fn share_of(amount: u128, share: u64) -> u128 {
    const WAD_UNITS: u64 = 1_000_000_000_000_000_000;
    let share = u128::from(share);
    // Each partial product is below 2^64 * 2^60 = 2^124.
    let low = u128::from(amount as u64) * share;
    let high = (amount >> 64) * share;
    // below 2^60 + 2^64: no overflow.
    let middle = (low >> 64) + u128::from(high as u64);
    // The product is below 2^188, so its top limb is below 2^60.
    let top = ((high >> 64) + (middle >> 64)) as u64;
    let mut quotient: u128 = 0;
    let mut remainder: u64 = 0;
    for limb in [top, middle as u64, low as u64] {
        for nibble in (0..16).rev() {
            let current = (remainder << 4) | ((limb >> (4 * nibble)) & 0xf);
            quotient = (quotient << 4) | u128::from(current / WAD_UNITS);
            remainder = current % WAD_UNITS;
        }
    }
    quotient
}

/// `a + b` for a stored amount, or `AmountTooLarge(b)` if the total would exceed 2^128 - 1.
fn add(a: u128, b: u128) -> Result<u128, Error> {
    a.checked_add(b).ok_or_else(|| too_large(U256::from(b)))
}

/// `a - b`, or `ArithmeticError` (callers establish `b <= a`).
fn sub(a: u128, b: u128) -> Result<u128, Error> {
    a.checked_sub(b).ok_or_else(arithmetic_error)
}

/// The custom error `selector(uint256, address)`.
#[cold]
#[inline(never)]
fn fail_id_address(selector: [u8; 4], id: &U256, account: Address) -> Error {
    Error::new(selector, &[*id, address_word(account)])
}

/// The custom error `selector(uint256, uint256)`.
#[cold]
#[inline(never)]
fn fail_words(selector: [u8; 4], first: &U256, second: &U256) -> Error {
    Error::new(selector, &[*first, *second])
}

fn arithmetic_error() -> Error {
    fail(ArithmeticError::SELECTOR)
}

fn too_large(amount: U256) -> Error {
    fail_word(AmountTooLarge::SELECTOR, &amount)
}

fn zero_amount() -> Error {
    fail(ZeroAmount::SELECTOR)
}

fn no_deficit(entry_id: U256) -> Error {
    fail_word(NoDeficit::SELECTOR, &entry_id)
}

fn held_error(liquidation_id: U256, house: Address) -> Error {
    fail_id_address(LiquidationHeld::SELECTOR, &liquidation_id, house)
}

fn kicker_mismatch(liquidation_id: U256, account: Address) -> Error {
    fail_id_address(KickerMismatch::SELECTOR, &liquidation_id, account)
}

fn token_failed(token: Address) -> Error {
    fail_address(safe_erc20::SafeErc20FailedOperation::SELECTOR, token)
}

fn invalid_address(account: Address) -> Error {
    fail_address(InvalidAddress::SELECTOR, account)
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<SolvencyModule>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

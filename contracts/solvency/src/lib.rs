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
//! - **admin**: OpenZeppelin `Ownable2Step` (`owner`, `pendingOwner`, `transferOwnership`,
//!   `acceptOwnership`; renouncing is deliberately not exposed). Sets roles and parameters,
//!   `withdraw`s from and `skim`s into the fund, `release`s a liquidation held by a revoked house,
//!   pauses and unpauses.
//! - **kickers** (`setKicker`): the liquidation engine, or a protocol that kicks its own
//!   auctions. They `open` liquidations and `finalize` their own.
//! - **houses** (`setHouse`): auction contracts. A house `attach`es to a liquidation when it is
//!   kicked and from then on *holds* it: it reports proceeds (`onProceeds`, `onAuctionEnd`) and
//!   asks for keeper pay (`payKeeper`). Only the holding house may report for a liquidation.
//! - **guardians** (`setGuardian`): may `pause` but not `unpause`.
//!
//! ## Lifecycle (liquidation ids start at 1)
//! `open` (kicker) → `attach` (house, inside its kick) → `onProceeds`* (house, after each
//! partial payment) → `onAuctionEnd` (house). If `tabLeft == 0 || lotLeft == 0` the liquidation
//! finishes; otherwise it is open and unheld again, and its kicker either attaches another house
//! or calls `finalize`. Houses **transfer the debt tokens to the module first, then report**:
//! the module checks with `balanceOf(this)` that its balance covers `fund + held` including the
//! reported amount (`ProceedsNotReceived`).
//!
//! ## Waterfall (on finish)
//! With `raised` the sum of everything reported and `keeperPaid` what the fund advanced to
//! keepers for this liquidation:
//! 1. `repaid = min(raised, debt)` goes to the beneficiary.
//! 2. `penalty = raised - repaid`. The fund first recovers `keeperPaid` from it ("keeper pay
//!    counts against that liquidation"); of the rest, `penaltyShare` (WAD, rounded **down** so
//!    rounding favours the fund) goes to the beneficiary (`penaltyToBeneficiary`); everything
//!    else (`penaltyToFund`) goes to the fund.
//! 3. `shortfall = debt - repaid` is covered from the fund (`covered`, paid to the beneficiary);
//! 4. what the fund cannot cover becomes a **deficit entry** (`deficit`).
//!
//! `repaid + covered + deficit == debt` and `repaid + penaltyToFund + penaltyToBeneficiary ==
//! raised` for every finished liquidation. The beneficiary receives `repaid +
//! penaltyToBeneficiary + covered` in one transfer. `Finished` logs the whole waterfall.
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
//! take that id. The entry's time is the liquidation's `finishedAt`. `heal` (anyone, any time,
//! also while paused) pays as much of the entry as the fund holds. `socialize` (anyone, once
//! `finishedAt + socializationDelay` has passed) first heals what the fund can cover, then books
//! the rest as socialized and calls `absorbLoss(rest)` on the beneficiary — after all state is
//! written and under the re-entrancy lock. A beneficiary without code, or one whose
//! `absorbLoss` reverts, makes `socialize` revert with `AbsorbLossFailed` (nothing changes).
//!
//! ## Books
//! The module never infers a figure from `balanceOf`: `fund`, `held` (proceeds of open
//! liquidations), the open deficit and the cumulative totals are kept exactly. Tokens sent to
//! the module without a report (donations, mistakes) are **surplus**: they change nothing until
//! the admin calls `skim(to)`, which sends `balanceOf(this) - fund - held` to `to`, or books it
//! into the fund when `to` is the module itself. At every step `balanceOf(this) == fund + held +
//! surplus` with `surplus >= 0`.
//!
//! ## Pause
//! `pause` (admin or guardian) stops `open` and makes `payKeeper` pay nothing (it returns 0, as
//! with an empty fund, so a house's kick or redo is never blocked). Everything that closes the
//! books — `attach`, `onProceeds`, `onAuctionEnd`, `finalize`, `heal`, `socialize` — keeps
//! working, as do `deposit`, `withdraw` and `skim`.
//!
//! ## Storage layout and bounds
//! Every stored amount is at most `2^128 - 1` (larger inputs: `AmountTooLarge`). The module
//! therefore supports tokens whose balances stay below `2^128`; the cumulative per-beneficiary
//! and global totals are full 256-bit words and cannot overflow in practice. Timestamps are
//! stored in 40 bits (valid until the year 36812). Words, low bits first:
//!
//! | word | contents |
//! |---|---|
//! | `control` | token (160) · penaltyShare (64; ≤ 1e18 < 2^60) · paused (8) · lock (8) |
//! | `limits` | fundBuffer (128) · maxKeeperPay (128) |
//! | `books` | fund (128) · held (128) |
//! | `counters` | nextLiquidationId (64) · socializationDelay (32; ≤ 365 days < 2^25) |
//! | `open_deficit`, `total_recorded`, `total_healed`, `total_socialized` | one word each |
//! | per liquidation `head` | beneficiary (160) · status (8) · openedAt (40) · finishedAt (40) |
//! | per liquidation `kicker`, `house` | one address each |
//! | per liquidation `amounts` | debt (128) · tab (128) |
//! | per liquidation `proceeds` | raised (128) · keeperPaid (128) |
//! | per liquidation `shortfall` | covered (128) · deficit recorded (128); written only on a shortfall |
//! | per liquidation `deficit` | deficit remaining (128) · socialized (128); written only with a deficit |
//! | per beneficiary | repaid, penaltyShare received, covered (incl. heals), open deficit, socialized |
//! | per account `roles` | bit 0 kicker, bit 1 house, bit 2 guardian |
//!
//! Each function reads each word it needs once and writes only words whose value changed.
//! `open` writes three fresh record words (the minimum for beneficiary, kicker, debt and tab);
//! a partial take's `onProceeds` reads four words and writes two.
//!
//! ## Re-entrancy
//! Every state-changing function first checks the lock bit in `control` (`ReentrantCall`), and
//! every function that calls out (token transfers, `absorbLoss`) sets it around the calls, after
//! all of its state is written (checks-effects-interactions). The lock shares the `control`
//! word that those functions read anyway, so it costs no extra cold slot.
//!
//! ## Tests
//! `cargo test -p solvency-module` runs the unit tests and a few hundred randomized sequences
//! checking the invariants. The large run (10,000 sequences) is one command:
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

use alloy_primitives::{Address, B256, U256, U8};
use gavel_math::{MathError, Rounding, WAD};
use openzeppelin_stylus::{
    access::{
        ownable,
        ownable_two_step::{IOwnable2Step, Ownable2Step},
    },
    token::erc20::utils::{safe_erc20, ISafeErc20, SafeErc20},
};
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageMap, StorageU256, StorageU8},
};

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
const ROLE_KICKER: u8 = 1;
/// Role bit of auction houses.
const ROLE_HOUSE: u8 = 2;
/// Role bit of guardians.
const ROLE_GUARDIAN: u8 = 4;

/// Largest timestamp a 40-bit field holds.
const MAX_TIME: u64 = (1 << 40) - 1;

/// `penaltyShare` as stored (64 bits), or `InvalidPenaltyShare`.
fn checked_penalty_share(share: U256) -> Result<u64, Error> {
    if share > MAX_PENALTY_SHARE {
        return Err(Error::InvalidPenaltyShare(InvalidPenaltyShare { share }));
    }
    Ok(low_u64(share))
}

/// `socializationDelay` as stored (32 bits), or `InvalidSocializationDelay`.
fn checked_delay(delay: U256) -> Result<u64, Error> {
    if delay > U256::from(MAX_SOCIALIZATION_DELAY) {
        return Err(Error::InvalidSocializationDelay(InvalidSocializationDelay { delay }));
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

/// Storage of one liquidation record (see the layout table in the crate docs).
#[storage]
pub struct Liquidation {
    /// beneficiary · status · openedAt · finishedAt.
    head: StorageU256,
    /// The kicker that opened it.
    kicker: StorageAddress,
    /// The house holding it, or zero.
    house: StorageAddress,
    /// debt · tab.
    amounts: StorageU256,
    /// raised · keeperPaid.
    proceeds: StorageU256,
    /// covered · deficit recorded.
    shortfall: StorageU256,
    /// deficit remaining · socialized.
    deficit: StorageU256,
}

/// Cumulative figures of one beneficiary.
#[storage]
pub struct BeneficiaryTotals {
    /// Σ repaid from auction proceeds.
    repaid: StorageU256,
    /// Σ penalty share received.
    penalty: StorageU256,
    /// Σ paid from the fund for shortfalls (at finish and by heals).
    covered: StorageU256,
    /// Open deficit owed to it.
    open_deficit: StorageU256,
    /// Σ socialized (absorbed by it).
    socialized: StorageU256,
}

/// Storage of the solvency module.
#[storage]
#[entrypoint]
pub struct SolvencyModule {
    /// Admin and pending admin (OpenZeppelin).
    ownable: Ownable2Step,
    /// Token transfers (OpenZeppelin; no storage).
    safe_erc20: SafeErc20,
    /// token · penaltyShare · paused · lock.
    control: StorageU256,
    /// fundBuffer · maxKeeperPay.
    limits: StorageU256,
    /// fund · held.
    books: StorageU256,
    /// nextLiquidationId · socializationDelay.
    counters: StorageU256,
    /// Open deficit: Σ recorded − Σ healed − Σ socialized.
    open_deficit: StorageU256,
    /// Σ deficit ever recorded.
    total_recorded: StorageU256,
    /// Σ deficit healed from the fund.
    total_healed: StorageU256,
    /// Σ deficit socialized.
    total_socialized: StorageU256,
    /// Role bits per account.
    roles: StorageMap<Address, StorageU8>,
    /// Liquidation records by id.
    liquidations: StorageMap<U256, Liquidation>,
    /// Per-beneficiary totals.
    beneficiaries: StorageMap<Address, BeneficiaryTotals>,
}

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
        /// `account` became (`allowed`) or stopped being a kicker.
        event KickerSet(address indexed account, bool allowed);
        /// `account` became (`allowed`) or stopped being an auction house.
        event HouseSet(address indexed account, bool allowed);
        /// `account` became (`allowed`) or stopped being a guardian.
        event GuardianSet(address indexed account, bool allowed);
        /// `account` paused `open` and `payKeeper`.
        event Paused(address account);
        /// `account` lifted the pause.
        event Unpaused(address account);
        /// `penaltyShare` (WAD) changed.
        event PenaltyShareSet(uint256 oldValue, uint256 newValue);
        /// `fundBuffer` changed.
        event FundBufferSet(uint256 oldValue, uint256 newValue);
        /// `socializationDelay` (seconds) changed.
        event SocializationDelaySet(uint256 oldValue, uint256 newValue);
        /// `maxKeeperPay` changed.
        event MaxKeeperPaySet(uint256 oldValue, uint256 newValue);
        /// Admin transfer proposed (logged by OpenZeppelin's `Ownable2Step`).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Admin changed (logged by OpenZeppelin's `Ownable`).
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
        /// The zero address or the module itself where neither makes sense.
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

/// Every way a call to [`SolvencyModule`] can fail, each a Solidity custom error.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `OwnableUnauthorizedAccount(address account)`: the caller is not the admin.
    UnauthorizedAccount(ownable::OwnableUnauthorizedAccount),
    /// `OwnableInvalidOwner(address owner)`: the zero address cannot be the admin.
    InvalidOwner(ownable::OwnableInvalidOwner),
    /// `SafeErc20FailedOperation(address token)`: a token call failed.
    TokenCallFailed(safe_erc20::SafeErc20FailedOperation),
    /// `ReentrantCall()`.
    ReentrantCall(ReentrantCall),
    /// `EnforcedPause()`.
    EnforcedPause(EnforcedPause),
    /// `NotKicker(address)`.
    NotKicker(NotKicker),
    /// `NotHouse(address)`.
    NotHouse(NotHouse),
    /// `NotGuardian(address)`.
    NotGuardian(NotGuardian),
    /// `InvalidAddress(address)`.
    InvalidAddress(InvalidAddress),
    /// `ZeroAmount()`.
    ZeroAmount(ZeroAmount),
    /// `AmountTooLarge(uint256)`.
    AmountTooLarge(AmountTooLarge),
    /// `TabBelowDebt(uint256,uint256)`.
    TabBelowDebt(TabBelowDebt),
    /// `UnknownLiquidation(uint256)`.
    UnknownLiquidation(UnknownLiquidation),
    /// `LiquidationFinished(uint256)`.
    LiquidationFinished(LiquidationFinished),
    /// `LiquidationHeld(uint256,address)`.
    LiquidationHeld(LiquidationHeld),
    /// `LiquidationNotHeld(uint256)`.
    LiquidationNotHeld(LiquidationNotHeld),
    /// `NotHolder(uint256,address)`.
    NotHolder(NotHolder),
    /// `KickerMismatch(uint256,address)`.
    KickerMismatch(KickerMismatch),
    /// `TabExceedsRemaining(uint256,uint256)`.
    TabExceedsRemaining(TabExceedsRemaining),
    /// `ProceedsNotReceived(uint256,uint256)`.
    ProceedsNotReceived(ProceedsNotReceived),
    /// `NoDeficit(uint256)`.
    NoDeficit(NoDeficit),
    /// `NothingToHeal(uint256)`.
    NothingToHeal(NothingToHeal),
    /// `SocializationTooEarly(uint256,uint256)`.
    SocializationTooEarly(SocializationTooEarly),
    /// `AbsorbLossFailed(address)`.
    AbsorbLossFailed(AbsorbLossFailed),
    /// `DeficitOpen(uint256)`.
    DeficitOpen(DeficitOpen),
    /// `InsufficientFund(uint256,uint256)`.
    InsufficientFund(InsufficientFund),
    /// `NothingToSkim()`.
    NothingToSkim(NothingToSkim),
    /// `HouseStillAuthorized(address)`.
    HouseStillAuthorized(HouseStillAuthorized),
    /// `InvalidPenaltyShare(uint256)`.
    InvalidPenaltyShare(InvalidPenaltyShare),
    /// `InvalidSocializationDelay(uint256)`.
    InvalidSocializationDelay(InvalidSocializationDelay),
    /// `ArithmeticError()`.
    ArithmeticError(ArithmeticError),
}

impl From<ownable::Error> for Error {
    fn from(error: ownable::Error) -> Self {
        match error {
            ownable::Error::UnauthorizedAccount(e) => Error::UnauthorizedAccount(e),
            ownable::Error::InvalidOwner(e) => Error::InvalidOwner(e),
        }
    }
}

impl From<safe_erc20::Error> for Error {
    fn from(error: safe_erc20::Error) -> Self {
        match error {
            safe_erc20::Error::SafeErc20FailedOperation(e) => Error::TokenCallFailed(e),
            // Only raised by allowance decreases, which the module never makes.
            safe_erc20::Error::SafeErc20FailedDecreaseAllowance(_) => {
                Error::ArithmeticError(ArithmeticError {})
            }
        }
    }
}

impl From<MathError> for Error {
    fn from(_: MathError) -> Self {
        Error::ArithmeticError(ArithmeticError {})
    }
}

sol_interface! {
    /// The one ERC-20 view the module calls.
    interface IErc20Balance {
        function balanceOf(address account) external view returns (uint256);
    }

    /// The beneficiary's side of socialization (`interfaces/ILossAbsorber.sol`).
    interface ILossAbsorber {
        function absorbLoss(uint256 amount) external;
    }
}

/// `liquidation(id)`: beneficiary, kicker, house, status, openedAt, finishedAt, debt, tab,
/// raised, keeperPaid, covered, deficit.
pub type LiquidationView =
    (Address, Address, Address, u8, u64, u64, U256, U256, U256, U256, U256, U256);

/// `deficitEntry(id)`: beneficiary, recordedAt, amount, remaining, healed, socialized,
/// socializableAt.
pub type DeficitView = (Address, u64, U256, U256, U256, U256, u64);

// ---------------------------------------------------------------------------------------------
// 4. Public interface
// ---------------------------------------------------------------------------------------------

#[public]
impl SolvencyModule {
    /// Sets the admin, the debt token and the four parameters (validated as by their setters;
    /// each logs its `...Set(0, value)` event). Liquidation ids start at 1.
    #[constructor]
    pub fn constructor(
        &mut self,
        initial_owner: Address,
        token: Address,
        penalty_share: U256,
        fund_buffer: U256,
        socialization_delay: U256,
        max_keeper_pay: U256,
    ) -> Result<(), Error> {
        self.ownable.constructor(initial_owner)?;
        if token.is_zero() {
            return Err(invalid_address(token));
        }
        let share = checked_penalty_share(penalty_share)?;
        let buffer = checked_amount(fund_buffer)?;
        let delay = checked_delay(socialization_delay)?;
        let max_pay = checked_amount(max_keeper_pay)?;
        self.control.set(address_word(token) | (U256::from(share) << SHARE_SHIFT));
        self.limits.set(pair(buffer, max_pay));
        self.counters.set(counters_word(1, delay));
        log(self.vm(), PenaltyShareSet { oldValue: U256::ZERO, newValue: penalty_share });
        log(self.vm(), FundBufferSet { oldValue: U256::ZERO, newValue: fund_buffer });
        log(self.vm(), SocializationDelaySet { oldValue: U256::ZERO, newValue: socialization_delay });
        log(self.vm(), MaxKeeperPaySet { oldValue: U256::ZERO, newValue: max_keeper_pay });
        Ok(())
    }

    // ----- liquidations -----------------------------------------------------------------------

    /// Opens a liquidation (kicker only, not while paused): `debt` is owed to `beneficiary`,
    /// `tab >= debt` is what the auctions try to raise. Returns its id.
    pub fn open(&mut self, beneficiary: Address, debt: U256, tab: U256) -> Result<U256, Error> {
        let control = self.enter()?;
        let kicker = self.vm().msg_sender();
        self.require_role(kicker, ROLE_KICKER)?;
        if is_paused(control) {
            return Err(Error::EnforcedPause(EnforcedPause {}));
        }
        self.check_recipient(beneficiary)?;
        if debt.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        if tab < debt {
            return Err(Error::TabBelowDebt(TabBelowDebt { debt, tab }));
        }
        // debt <= tab, so checking tab bounds both.
        let tab_units = checked_amount(tab)?;
        let debt_units = checked_amount(debt)?;
        let counters = self.counters.get();
        let id = low_u64(counters);
        let next = id.checked_add(1).ok_or(Error::ArithmeticError(ArithmeticError {}))?;
        self.counters.set(counters_word(next, delay_of(counters)));
        let id_word = U256::from(id);
        let now = self.now();
        let mut record = self.liquidations.setter(id_word);
        record.head.set(
            address_word(beneficiary)
                | (U256::from(STATUS_OPEN) << STATUS_SHIFT)
                | (U256::from(now) << OPENED_SHIFT),
        );
        record.kicker.set(kicker);
        record.amounts.set(pair(debt_units, tab_units));
        log(self.vm(), Opened { liquidationId: id_word, beneficiary, kicker, debt, tab });
        Ok(id_word)
    }

    /// Called by an authorized house inside its kick: `kicker` is the house's own caller and
    /// must be the liquidation's kicker, `tab` the tab it was kicked with (at most the tab not
    /// yet raised). The house holds the liquidation until it calls `onAuctionEnd`.
    pub fn attach(&mut self, liquidation_id: U256, kicker: Address, tab: U256) -> Result<(), Error> {
        self.enter()?;
        let house = self.vm().msg_sender();
        self.require_role(house, ROLE_HOUSE)?;
        let record = self.liquidations.getter(liquidation_id);
        let head = record.head.get();
        let holder = record.house.get();
        let record_kicker = record.kicker.get();
        let amounts = record.amounts.get();
        let proceeds = record.proceeds.get();
        require_open(liquidation_id, head)?;
        if !holder.is_zero() {
            return Err(Error::LiquidationHeld(LiquidationHeld {
                liquidationId: liquidation_id,
                house: holder,
            }));
        }
        if kicker != record_kicker {
            return Err(Error::KickerMismatch(KickerMismatch {
                liquidationId: liquidation_id,
                account: kicker,
            }));
        }
        if tab.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        // Houses may over-deliver, so raised can exceed tab: nothing is left then.
        let remaining = U256::from(high(amounts).saturating_sub(low(proceeds)));
        if tab > remaining {
            return Err(Error::TabExceedsRemaining(TabExceedsRemaining { tab, remaining }));
        }
        self.liquidations.setter(liquidation_id).house.set(house);
        log(self.vm(), Attached { liquidationId: liquidation_id, house, tab });
        Ok(())
    }

    /// The holding house has just transferred `amount` debt tokens to the module (a partial
    /// take) and reports them.
    #[selector(name = "onProceeds")]
    pub fn on_proceeds(&mut self, liquidation_id: U256, amount: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let house = self.vm().msg_sender();
        let (holder, proceeds) = {
            let record = self.liquidations.getter(liquidation_id);
            (record.house.get(), record.proceeds.get())
        };
        if holder != house {
            return Err(self.holder_error(liquidation_id, house));
        }
        if amount.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        let books = self.books.get();
        let (proceeds, new_books) = self.book_proceeds(control, proceeds, books, amount)?;
        self.liquidations.setter(liquidation_id).proceeds.set(proceeds);
        self.books.set(new_books);
        log(
            self.vm(),
            ProceedsReceived {
                liquidationId: liquidation_id,
                house,
                amount,
                raised: U256::from(low(proceeds)),
            },
        );
        Ok(())
    }

    /// The holding house's auction ended: `raised` is what it transferred with this final step
    /// and has not reported through `onProceeds` (may be 0). The house no longer holds the
    /// liquidation. `tabLeft == 0 || lotLeft == 0` finishes it (waterfall); otherwise the house
    /// returned the remaining collateral to the kicker and the liquidation stays open.
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
        let (holder, proceeds) = {
            let record = self.liquidations.getter(liquidation_id);
            (record.house.get(), record.proceeds.get())
        };
        if holder != house {
            return Err(self.holder_error(liquidation_id, house));
        }
        let books = self.books.get();
        let (new_proceeds, new_books) = if raised.is_zero() {
            (proceeds, books)
        } else {
            self.book_proceeds(control, proceeds, books, raised)?
        };
        let head = {
            let mut record = self.liquidations.setter(liquidation_id);
            record.house.set(Address::ZERO);
            if new_proceeds != proceeds {
                record.proceeds.set(new_proceeds);
            }
            record.head.get()
        };
        log(
            self.vm(),
            AuctionEnded {
                liquidationId: liquidation_id,
                house,
                raised,
                tabLeft: tab_left,
                lotLeft: lot_left,
            },
        );
        if tab_left.is_zero() || lot_left.is_zero() {
            self.finish(liquidation_id, control, head, new_proceeds, books, new_books)
        } else {
            store(&mut self.books, books, new_books);
            Ok(())
        }
    }

    /// The liquidation's kicker closes an open, unheld liquidation with what was raised.
    pub fn finalize(&mut self, liquidation_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let sender = self.vm().msg_sender();
        let record = self.liquidations.getter(liquidation_id);
        let head = record.head.get();
        let kicker = record.kicker.get();
        let holder = record.house.get();
        let proceeds = record.proceeds.get();
        require_open(liquidation_id, head)?;
        if sender != kicker {
            return Err(Error::KickerMismatch(KickerMismatch {
                liquidationId: liquidation_id,
                account: sender,
            }));
        }
        if !holder.is_zero() {
            return Err(Error::LiquidationHeld(LiquidationHeld {
                liquidationId: liquidation_id,
                house: holder,
            }));
        }
        let books = self.books.get();
        self.finish(liquidation_id, control, head, proceeds, books, books)
    }

    /// Pays a keeper incentive from the fund (holding, currently authorized house only):
    /// `paid = min(amount, maxKeeperPay, fund above the buffer)`, 0 while paused. Counts
    /// against the liquidation (`keeperPaid`). Returns what was paid; 0 is not an error.
    #[selector(name = "payKeeper")]
    pub fn pay_keeper(
        &mut self,
        liquidation_id: U256,
        keeper: Address,
        amount: U256,
    ) -> Result<U256, Error> {
        let control = self.enter()?;
        let house = self.vm().msg_sender();
        let (holder, proceeds) = {
            let record = self.liquidations.getter(liquidation_id);
            (record.house.get(), record.proceeds.get())
        };
        if holder != house {
            return Err(self.holder_error(liquidation_id, house));
        }
        // A revoked house must not drain the fund, even for a liquidation it still holds.
        self.require_role(house, ROLE_HOUSE)?;
        self.check_recipient(keeper)?;
        if is_paused(control) || amount.is_zero() {
            return Ok(U256::ZERO);
        }
        let limits = self.limits.get();
        let books = self.books.get();
        let fund = low(books);
        let available = fund.saturating_sub(low(limits));
        // An amount above 2^128 is capped like any other.
        let requested = gavel_math::to_u128(amount).unwrap_or(u128::MAX);
        let paid = requested.min(high(limits)).min(available);
        if paid == 0 {
            return Ok(U256::ZERO);
        }
        let keeper_paid = add(high(proceeds), paid)?;
        self.liquidations.setter(liquidation_id).proceeds.set(pair(low(proceeds), keeper_paid));
        // paid <= available <= fund.
        self.books.set(pair(sub(fund, paid)?, high(books)));
        let paid_word = U256::from(paid);
        log(
            self.vm(),
            KeeperPaid { liquidationId: liquidation_id, house, keeper, amount: paid_word },
        );
        self.send(control, keeper, paid_word)?;
        Ok(paid_word)
    }

    // ----- deficits ---------------------------------------------------------------------------

    /// Pays as much of deficit entry `entryId` (= its liquidation id) as the fund holds
    /// (anyone; also while paused).
    pub fn heal(&mut self, entry_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let (head, entry) = {
            let record = self.liquidations.getter(entry_id);
            (record.head.get(), record.deficit.get())
        };
        let remaining = low(entry);
        if remaining == 0 {
            return Err(Error::NoDeficit(NoDeficit { entryId: entry_id }));
        }
        let books = self.books.get();
        let fund = low(books);
        if fund == 0 {
            return Err(Error::NothingToHeal(NothingToHeal { entryId: entry_id }));
        }
        let amount = remaining.min(fund);
        let left = sub(remaining, amount)?;
        let beneficiary = address_of(head);
        self.liquidations.setter(entry_id).deficit.set(pair(left, high(entry)));
        self.books.set(pair(sub(fund, amount)?, high(books)));
        let amount_word = U256::from(amount);
        self.settle_deficit(beneficiary, amount_word, amount_word, U256::ZERO)?;
        log(
            self.vm(),
            Healed {
                entryId: entry_id,
                beneficiary,
                amount: amount_word,
                remaining: U256::from(left),
            },
        );
        self.send(control, beneficiary, amount_word)
    }

    /// Makes deficit entry `entryId` final (anyone, from `finishedAt + socializationDelay`):
    /// heals what the fund can pay, then calls `absorbLoss(rest)` on the beneficiary.
    pub fn socialize(&mut self, entry_id: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let (head, entry) = {
            let record = self.liquidations.getter(entry_id);
            (record.head.get(), record.deficit.get())
        };
        let remaining = low(entry);
        if remaining == 0 {
            return Err(Error::NoDeficit(NoDeficit { entryId: entry_id }));
        }
        // 40-bit time plus a 32-bit delay: cannot overflow 64 bits.
        let socializable_at = field(head, FINISHED_SHIFT, MASK_40)
            .saturating_add(delay_of(self.counters.get()));
        if self.now() < socializable_at {
            return Err(Error::SocializationTooEarly(SocializationTooEarly {
                entryId: entry_id,
                socializableAt: U256::from(socializable_at),
            }));
        }
        let books = self.books.get();
        let fund = low(books);
        let healed = remaining.min(fund);
        let rest = sub(remaining, healed)?;
        let beneficiary = address_of(head);
        // remaining + socialized <= recorded deficit < 2^128.
        self.liquidations.setter(entry_id).deficit.set(pair(0, add(high(entry), rest)?));
        if healed != 0 {
            self.books.set(pair(sub(fund, healed)?, high(books)));
        }
        let healed_word = U256::from(healed);
        let rest_word = U256::from(rest);
        self.settle_deficit(beneficiary, U256::from(remaining), healed_word, rest_word)?;
        if healed != 0 {
            log(
                self.vm(),
                Healed { entryId: entry_id, beneficiary, amount: healed_word, remaining: rest_word },
            );
        }
        if rest != 0 {
            log(self.vm(), Socialized { entryId: entry_id, beneficiary, amount: rest_word });
        }
        // Interactions, under the lock, after every write above.
        self.control.set(control | LOCK_BIT);
        let mut result = self.transfer(control, beneficiary, healed_word);
        if result.is_ok() && rest != 0 {
            #[allow(deprecated)]
            let has_code = stylus_sdk::types::AddressVM::has_code(&beneficiary);
            result = if has_code {
                ILossAbsorber::new(beneficiary)
                    .absorb_loss(&mut *self, rest_word)
                    .map_err(|_| Error::AbsorbLossFailed(AbsorbLossFailed { beneficiary }))
            } else {
                Err(Error::AbsorbLossFailed(AbsorbLossFailed { beneficiary }))
            };
        }
        self.control.set(control);
        result
    }

    // ----- fund -------------------------------------------------------------------------------

    /// Pulls `amount` from the caller into the fund (anyone; needs an allowance).
    pub fn deposit(&mut self, amount: U256) -> Result<(), Error> {
        let control = self.enter()?;
        let from = self.vm().msg_sender();
        if amount.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        let books = self.books.get();
        let fund = add(low(books), checked_amount(amount)?)?;
        let new_books = pair(fund, high(books));
        self.books.set(new_books);
        log(self.vm(), FundDeposit { from, amount, fund: U256::from(fund) });
        let token = address_of(control);
        let this = self.vm().contract_address();
        self.control.set(control | LOCK_BIT);
        let mut result =
            self.safe_erc20.safe_transfer_from(token, from, this, amount).map_err(Error::from);
        if result.is_ok() {
            // A token that delivers less than asked (fee on transfer) is refused.
            result = self.require_balance(token, total(new_books));
        }
        self.control.set(control);
        result
    }

    /// Sends `amount` of the fund to `to` (admin; only from above the buffer and never while a
    /// deficit is open).
    pub fn withdraw(&mut self, amount: U256, to: Address) -> Result<(), Error> {
        let control = self.admin()?;
        if amount.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        self.check_recipient(to)?;
        let open_deficit = self.open_deficit.get();
        if !open_deficit.is_zero() {
            return Err(Error::DeficitOpen(DeficitOpen { openDeficit: open_deficit }));
        }
        let books = self.books.get();
        let fund = low(books);
        let available = fund.saturating_sub(low(self.limits.get()));
        let units = gavel_math::to_u128(amount).unwrap_or(u128::MAX);
        if units > available {
            return Err(Error::InsufficientFund(InsufficientFund {
                requested: amount,
                available: U256::from(available),
            }));
        }
        let fund = sub(fund, units)?;
        self.books.set(pair(fund, high(books)));
        log(self.vm(), FundWithdraw { to, amount, fund: U256::from(fund) });
        self.send(control, to, amount)
    }

    /// Sends the surplus (`balanceOf(this) - fund - held`) to `to`, or books it into the fund
    /// when `to` is the module itself (admin).
    pub fn skim(&mut self, to: Address) -> Result<(), Error> {
        let control = self.admin()?;
        if to.is_zero() {
            return Err(invalid_address(to));
        }
        let books = self.books.get();
        let balance = self.balance(address_of(control))?;
        let surplus = balance.saturating_sub(total(books));
        if surplus.is_zero() {
            return Err(Error::NothingToSkim(NothingToSkim {}));
        }
        log(self.vm(), Skimmed { to, amount: surplus });
        if to == self.vm().contract_address() {
            let fund = add(low(books), checked_amount(surplus)?)?;
            self.books.set(pair(fund, high(books)));
            Ok(())
        } else {
            self.send(control, to, surplus)
        }
    }

    // ----- administration ---------------------------------------------------------------------

    /// Clears the hold of a house that has been revoked (admin), so that the liquidation's
    /// kicker can finalize it or kick another house.
    pub fn release(&mut self, liquidation_id: U256) -> Result<(), Error> {
        self.admin()?;
        let house = self.liquidations.getter(liquidation_id).house.get();
        if house.is_zero() {
            return Err(Error::LiquidationNotHeld(LiquidationNotHeld {
                liquidationId: liquidation_id,
            }));
        }
        if self.has_role(house, ROLE_HOUSE) {
            return Err(Error::HouseStillAuthorized(HouseStillAuthorized { house }));
        }
        self.liquidations.setter(liquidation_id).house.set(Address::ZERO);
        log(self.vm(), Released { liquidationId: liquidation_id, house });
        Ok(())
    }

    /// Grants or revokes the kicker role (admin).
    #[selector(name = "setKicker")]
    pub fn set_kicker(&mut self, account: Address, allowed: bool) -> Result<(), Error> {
        if self.set_role(account, ROLE_KICKER, allowed)? {
            log(self.vm(), KickerSet { account, allowed });
        }
        Ok(())
    }

    /// Grants or revokes the house role (admin).
    #[selector(name = "setHouse")]
    pub fn set_house(&mut self, account: Address, allowed: bool) -> Result<(), Error> {
        if self.set_role(account, ROLE_HOUSE, allowed)? {
            log(self.vm(), HouseSet { account, allowed });
        }
        Ok(())
    }

    /// Grants or revokes the guardian role (admin).
    #[selector(name = "setGuardian")]
    pub fn set_guardian(&mut self, account: Address, allowed: bool) -> Result<(), Error> {
        if self.set_role(account, ROLE_GUARDIAN, allowed)? {
            log(self.vm(), GuardianSet { account, allowed });
        }
        Ok(())
    }

    /// Pauses `open` and `payKeeper` (admin or guardian).
    pub fn pause(&mut self) -> Result<(), Error> {
        let control = self.enter()?;
        let account = self.vm().msg_sender();
        if account != self.ownable.owner() && !self.has_role(account, ROLE_GUARDIAN) {
            return Err(Error::NotGuardian(NotGuardian { account }));
        }
        if !is_paused(control) {
            self.control.set(control | PAUSED_BIT);
            log(self.vm(), Paused { account });
        }
        Ok(())
    }

    /// Lifts the pause (admin only).
    pub fn unpause(&mut self) -> Result<(), Error> {
        let control = self.admin()?;
        if is_paused(control) {
            self.control.set(control & !PAUSED_BIT);
            log(self.vm(), Unpaused { account: self.vm().msg_sender() });
        }
        Ok(())
    }

    /// Sets the beneficiary's share of the net penalty (WAD, at most 1e18; admin).
    #[selector(name = "setPenaltyShare")]
    pub fn set_penalty_share(&mut self, share: U256) -> Result<(), Error> {
        let control = self.admin()?;
        let new = checked_penalty_share(share)?;
        let old = field(control, SHARE_SHIFT, u64::MAX);
        if new != old {
            let cleared = control & !(U256::from(u64::MAX) << SHARE_SHIFT);
            self.control.set(cleared | (U256::from(new) << SHARE_SHIFT));
            log(self.vm(), PenaltyShareSet { oldValue: U256::from(old), newValue: share });
        }
        Ok(())
    }

    /// Sets the part of the fund that `withdraw` and `payKeeper` cannot touch (admin).
    #[selector(name = "setFundBuffer")]
    pub fn set_fund_buffer(&mut self, buffer: U256) -> Result<(), Error> {
        self.admin()?;
        let new = checked_amount(buffer)?;
        let limits = self.limits.get();
        let old = low(limits);
        if new != old {
            self.limits.set(pair(new, high(limits)));
            log(self.vm(), FundBufferSet { oldValue: U256::from(old), newValue: buffer });
        }
        Ok(())
    }

    /// Sets the time a deficit entry must wait before it may be socialized (at most 365 days;
    /// applies to existing entries too; admin).
    #[selector(name = "setSocializationDelay")]
    pub fn set_socialization_delay(&mut self, delay: U256) -> Result<(), Error> {
        self.admin()?;
        let new = checked_delay(delay)?;
        let counters = self.counters.get();
        let old = delay_of(counters);
        if new != old {
            self.counters.set(counters_word(low_u64(counters), new));
            log(self.vm(), SocializationDelaySet { oldValue: U256::from(old), newValue: delay });
        }
        Ok(())
    }

    /// Sets the most a single `payKeeper` call pays (admin).
    #[selector(name = "setMaxKeeperPay")]
    pub fn set_max_keeper_pay(&mut self, max_pay: U256) -> Result<(), Error> {
        self.admin()?;
        let new = checked_amount(max_pay)?;
        let limits = self.limits.get();
        let old = high(limits);
        if new != old {
            self.limits.set(pair(low(limits), new));
            log(self.vm(), MaxKeeperPaySet { oldValue: U256::from(old), newValue: max_pay });
        }
        Ok(())
    }

    /// Current admin.
    pub fn owner(&self) -> Address {
        self.ownable.owner()
    }

    /// Account that may accept the admin role, or zero.
    #[selector(name = "pendingOwner")]
    pub fn pending_owner(&self) -> Address {
        self.ownable.pending_owner()
    }

    /// Proposes `newOwner` as admin (admin only); it takes effect when `newOwner` accepts.
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        Ok(self.ownable.transfer_ownership(new_owner)?)
    }

    /// The pending owner becomes the admin.
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        Ok(self.ownable.accept_ownership()?)
    }

    // ----- views ------------------------------------------------------------------------------

    /// The debt token.
    pub fn token(&self) -> Address {
        address_of(self.control.get())
    }

    /// The insurance fund.
    pub fn fund(&self) -> U256 {
        U256::from(low(self.books.get()))
    }

    /// Proceeds held for liquidations that have not finished.
    pub fn held(&self) -> U256 {
        U256::from(high(self.books.get()))
    }

    /// Tokens the module holds beyond `fund + held` (what `skim` would move).
    pub fn surplus(&self) -> Result<U256, Error> {
        let balance = self.balance(address_of(self.control.get()))?;
        Ok(balance.saturating_sub(total(self.books.get())))
    }

    /// Open deficit, Σ recorded, Σ healed, Σ socialized (open = recorded − healed − socialized).
    #[selector(name = "deficitTotals")]
    pub fn deficit_totals(&self) -> (U256, U256, U256, U256) {
        (
            self.open_deficit.get(),
            self.total_recorded.get(),
            self.total_healed.get(),
            self.total_socialized.get(),
        )
    }

    /// The record of liquidation `id` (all zero for an unknown id): beneficiary, kicker, house,
    /// status (0 none, 1 open, 2 finished), openedAt, finishedAt, debt, tab, raised,
    /// keeperPaid, covered, deficit recorded. repaid = min(raised, debt).
    pub fn liquidation(&self, liquidation_id: U256) -> LiquidationView {
        let record = self.liquidations.getter(liquidation_id);
        let head = record.head.get();
        let amounts = record.amounts.get();
        let proceeds = record.proceeds.get();
        let shortfall = record.shortfall.get();
        (
            address_of(head),
            record.kicker.get(),
            record.house.get(),
            status_of(head),
            field(head, OPENED_SHIFT, MASK_40),
            field(head, FINISHED_SHIFT, MASK_40),
            U256::from(low(amounts)),
            U256::from(high(amounts)),
            U256::from(low(proceeds)),
            U256::from(high(proceeds)),
            U256::from(low(shortfall)),
            U256::from(high(shortfall)),
        )
    }

    /// Deficit entry `entryId` (= liquidation id; all zero if it recorded none): beneficiary,
    /// recordedAt, amount, remaining, healed, socialized, socializableAt.
    #[selector(name = "deficitEntry")]
    pub fn deficit_entry(&self, entry_id: U256) -> DeficitView {
        let record = self.liquidations.getter(entry_id);
        let head = record.head.get();
        let amount = high(record.shortfall.get());
        let entry = record.deficit.get();
        if amount == 0 {
            return (Address::ZERO, 0, U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO, 0);
        }
        let recorded_at = field(head, FINISHED_SHIFT, MASK_40);
        // remaining + socialized <= amount by construction.
        let healed = amount.saturating_sub(low(entry)).saturating_sub(high(entry));
        (
            address_of(head),
            recorded_at,
            U256::from(amount),
            U256::from(low(entry)),
            U256::from(healed),
            U256::from(high(entry)),
            recorded_at.saturating_add(delay_of(self.counters.get())),
        )
    }

    /// Totals of `beneficiary`: repaid from proceeds, penalty share received, covered by the
    /// fund (at finish and by heals), open deficit, socialized.
    #[selector(name = "beneficiaryTotals")]
    pub fn beneficiary_totals(&self, beneficiary: Address) -> (U256, U256, U256, U256, U256) {
        let totals = self.beneficiaries.getter(beneficiary);
        (
            totals.repaid.get(),
            totals.penalty.get(),
            totals.covered.get(),
            totals.open_deficit.get(),
            totals.socialized.get(),
        )
    }

    /// penaltyShare (WAD), fundBuffer, socializationDelay (seconds), maxKeeperPay.
    pub fn params(&self) -> (U256, U256, U256, U256) {
        let limits = self.limits.get();
        (
            U256::from(field(self.control.get(), SHARE_SHIFT, u64::MAX)),
            U256::from(low(limits)),
            U256::from(delay_of(self.counters.get())),
            U256::from(high(limits)),
        )
    }

    /// Whether `open` and `payKeeper` are paused.
    pub fn paused(&self) -> bool {
        is_paused(self.control.get())
    }

    /// Roles of `account`: (kicker, house, guardian).
    pub fn roles(&self, account: Address) -> (bool, bool, bool) {
        let roles = self.roles.get(account).to::<u8>();
        (roles & ROLE_KICKER != 0, roles & ROLE_HOUSE != 0, roles & ROLE_GUARDIAN != 0)
    }

    /// The id the next `open` will return (ids so far: 1 to this minus one).
    #[selector(name = "nextLiquidationId")]
    pub fn next_liquidation_id(&self) -> U256 {
        U256::from(low_u64(self.counters.get()))
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Internal functions
// ---------------------------------------------------------------------------------------------

impl SolvencyModule {
    /// Reads `control` and refuses a re-entrant call.
    fn enter(&self) -> Result<U256, Error> {
        let control = self.control.get();
        if control & LOCK_BIT != U256::ZERO {
            return Err(Error::ReentrantCall(ReentrantCall {}));
        }
        Ok(control)
    }

    /// [`Self::enter`] for the admin only.
    fn admin(&self) -> Result<U256, Error> {
        self.ownable.ownable.only_owner()?;
        self.enter()
    }

    /// Block time, clamped to the 40 bits it is stored in.
    fn now(&self) -> u64 {
        gavel_common::clock::now(self.vm().block_timestamp()).min(MAX_TIME)
    }

    fn has_role(&self, account: Address, role: u8) -> bool {
        self.roles.get(account).to::<u8>() & role != 0
    }

    fn require_role(&self, account: Address, role: u8) -> Result<(), Error> {
        if self.has_role(account, role) {
            return Ok(());
        }
        Err(if role == ROLE_KICKER {
            Error::NotKicker(NotKicker { account })
        } else {
            Error::NotHouse(NotHouse { account })
        })
    }

    /// Sets or clears `role` for `account` (admin); returns whether anything changed.
    fn set_role(&mut self, account: Address, role: u8, allowed: bool) -> Result<bool, Error> {
        self.admin()?;
        if account.is_zero() {
            return Err(invalid_address(account));
        }
        let old = self.roles.get(account).to::<u8>();
        let new = if allowed { old | role } else { old & !role };
        if new == old {
            return Ok(false);
        }
        self.roles.setter(account).set(U8::from(new));
        Ok(true)
    }

    /// Refuses the zero address and the module itself as a recipient.
    fn check_recipient(&self, account: Address) -> Result<(), Error> {
        if account.is_zero() || account == self.vm().contract_address() {
            return Err(invalid_address(account));
        }
        Ok(())
    }

    /// The specific error for `account` reporting on a liquidation it does not hold.
    fn holder_error(&self, liquidation_id: U256, account: Address) -> Error {
        match require_open(liquidation_id, self.liquidations.getter(liquidation_id).head.get()) {
            Err(error) => error,
            Ok(()) => Error::NotHolder(NotHolder { liquidationId: liquidation_id, account }),
        }
    }

    /// The module's token balance.
    fn balance(&self, token: Address) -> Result<U256, Error> {
        IErc20Balance::new(token).balance_of(self, self.vm().contract_address()).map_err(|_| {
            Error::TokenCallFailed(safe_erc20::SafeErc20FailedOperation { token })
        })
    }

    /// Fails unless the module holds at least `expected`.
    fn require_balance(&self, token: Address, expected: U256) -> Result<(), Error> {
        let balance = self.balance(token)?;
        if balance < expected {
            return Err(Error::ProceedsNotReceived(ProceedsNotReceived { expected, balance }));
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
        self.require_balance(address_of(control), total(new_books))?;
        Ok((pair(raised, high(proceeds)), new_books))
    }

    /// Runs the waterfall of an open liquidation whose proceeds are final. `books` is the
    /// stored `books` word, `pending` the value it has after this call's reports.
    fn finish(
        &mut self,
        liquidation_id: U256,
        control: U256,
        head: U256,
        proceeds: U256,
        books: U256,
        pending: U256,
    ) -> Result<(), Error> {
        let beneficiary = address_of(head);
        let debt = low(self.liquidations.getter(liquidation_id).amounts.get());
        let raised = low(proceeds);
        let keeper_paid = high(proceeds);

        let repaid = raised.min(debt);
        let penalty = sub(raised, repaid)?;
        // The fund recovers what it advanced to keepers before the penalty is shared.
        let net_penalty = penalty.saturating_sub(keeper_paid);
        let share = U256::from(field(control, SHARE_SHIFT, u64::MAX));
        // share <= WAD, so the product over WAD is at most net_penalty < 2^128.
        let to_beneficiary = gavel_math::to_u128(gavel_math::mul_div(
            U256::from(net_penalty),
            share,
            WAD,
            Rounding::Down,
        )?)?;
        let to_fund = sub(penalty, to_beneficiary)?;
        let shortfall = sub(debt, repaid)?;
        let fund = add(low(pending), to_fund)?;
        let covered = shortfall.min(fund);
        let deficit = sub(shortfall, covered)?;
        let new_books = pair(sub(fund, covered)?, sub(high(pending), raised)?);
        store(&mut self.books, books, new_books);

        let now = self.now();
        {
            let mut record = self.liquidations.setter(liquidation_id);
            let cleared = head & !((U256::from(u8::MAX) << STATUS_SHIFT) | (U256::from(MASK_40) << FINISHED_SHIFT));
            record.head.set(
                cleared
                    | (U256::from(STATUS_FINISHED) << STATUS_SHIFT)
                    | (U256::from(now) << FINISHED_SHIFT),
            );
            if shortfall != 0 {
                record.shortfall.set(pair(covered, deficit));
            }
            if deficit != 0 {
                record.deficit.set(pair(deficit, 0));
            }
        }
        let deficit_word = U256::from(deficit);
        if deficit != 0 {
            let open = gavel_math::checked_add(self.open_deficit.get(), deficit_word)?;
            self.open_deficit.set(open);
            let recorded = gavel_math::checked_add(self.total_recorded.get(), deficit_word)?;
            self.total_recorded.set(recorded);
        }
        let repaid_word = U256::from(repaid);
        let to_beneficiary_word = U256::from(to_beneficiary);
        let covered_word = U256::from(covered);
        {
            let mut totals = self.beneficiaries.setter(beneficiary);
            bump(&mut totals.repaid, repaid_word)?;
            bump(&mut totals.penalty, to_beneficiary_word)?;
            bump(&mut totals.covered, covered_word)?;
            bump(&mut totals.open_deficit, deficit_word)?;
        }
        log(
            self.vm(),
            Finished {
                liquidationId: liquidation_id,
                beneficiary,
                raised: U256::from(raised),
                repaid: repaid_word,
                penaltyToFund: U256::from(to_fund),
                penaltyToBeneficiary: to_beneficiary_word,
                covered: covered_word,
                deficit: deficit_word,
                keeperPaid: U256::from(keeper_paid),
            },
        );
        if covered != 0 {
            log(
                self.vm(),
                ShortfallCovered { liquidationId: liquidation_id, beneficiary, amount: covered_word },
            );
        }
        if deficit != 0 {
            log(
                self.vm(),
                DeficitRecorded { entryId: liquidation_id, beneficiary, amount: deficit_word },
            );
        }
        // Three amounts below 2^128 each: no overflow in 256 bits.
        let payout = repaid_word
            .saturating_add(to_beneficiary_word)
            .saturating_add(covered_word);
        self.send(control, beneficiary, payout)
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
        let open = gavel_math::checked_sub(self.open_deficit.get(), cleared)?;
        self.open_deficit.set(open);
        if !healed.is_zero() {
            let total = gavel_math::checked_add(self.total_healed.get(), healed)?;
            self.total_healed.set(total);
        }
        if !socialized.is_zero() {
            let total = gavel_math::checked_add(self.total_socialized.get(), socialized)?;
            self.total_socialized.set(total);
        }
        let mut totals = self.beneficiaries.setter(beneficiary);
        let open = gavel_math::checked_sub(totals.open_deficit.get(), cleared)?;
        totals.open_deficit.set(open);
        bump(&mut totals.covered, healed)?;
        bump(&mut totals.socialized, socialized)
    }

    /// Transfers `amount` (if any) to `to` under the re-entrancy lock.
    fn send(&mut self, control: U256, to: Address, amount: U256) -> Result<(), Error> {
        self.control.set(control | LOCK_BIT);
        let result = self.transfer(control, to, amount);
        self.control.set(control);
        result
    }

    /// Transfers `amount` (if any) of the token to `to`; the caller holds the lock.
    fn transfer(&mut self, control: U256, to: Address, amount: U256) -> Result<(), Error> {
        if amount.is_zero() {
            return Ok(());
        }
        Ok(self.safe_erc20.safe_transfer(address_of(control), to, amount)?)
    }
}

// ----- word packing ---------------------------------------------------------------------------

/// Bit offset of `penaltyShare` in `control`.
const SHARE_SHIFT: usize = 160;
/// `paused` (bit 224 of `control`).
const PAUSED_BIT: U256 = U256::from_limbs([0, 0, 0, 1 << 32]);
/// The re-entrancy lock (bit 232 of `control`).
const LOCK_BIT: U256 = U256::from_limbs([0, 0, 0, 1 << 40]);
/// Bit offset of the status in a record's `head`.
const STATUS_SHIFT: usize = 160;
/// Bit offset of `openedAt` in a record's `head`.
const OPENED_SHIFT: usize = 168;
/// Bit offset of `finishedAt` in a record's `head`.
const FINISHED_SHIFT: usize = 208;
/// Mask of a 40-bit field.
const MASK_40: u64 = MAX_TIME;
/// Bit offset of the delay in `counters`.
const DELAY_SHIFT: usize = 64;

/// The low 64 bits of `word`.
fn low_u64(word: U256) -> u64 {
    let [l0, _, _, _] = word.into_limbs();
    l0
}

/// `(word >> shift) & mask`, for fields of at most 64 bits.
fn field(word: U256, shift: usize, mask: u64) -> u64 {
    low_u64(word >> shift) & mask
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
    U256::from_limbs([low as u64, (low >> 64) as u64, high as u64, (high >> 64) as u64])
}

/// `low + high` of a pair word (below 2^129: cannot overflow).
fn total(word: U256) -> U256 {
    U256::from(low(word)).saturating_add(U256::from(high(word)))
}

/// The address in the low 160 bits of `word`.
fn address_of(word: U256) -> Address {
    Address::from_word(B256::from(word.to_be_bytes::<32>()))
}

/// `address` in the low 160 bits.
fn address_word(address: Address) -> U256 {
    U256::from_be_bytes(address.into_word().0)
}

fn status_of(head: U256) -> u8 {
    // The mask keeps 8 bits.
    field(head, STATUS_SHIFT, 0xff) as u8
}

fn is_paused(control: U256) -> bool {
    control & PAUSED_BIT != U256::ZERO
}

fn delay_of(counters: U256) -> u64 {
    field(counters, DELAY_SHIFT, u64::from(u32::MAX))
}

fn counters_word(next_id: u64, delay: u64) -> U256 {
    U256::from(next_id) | (U256::from(delay) << DELAY_SHIFT)
}

/// `UnknownLiquidation` / `LiquidationFinished` unless the record is open.
fn require_open(liquidation_id: U256, head: U256) -> Result<(), Error> {
    match status_of(head) {
        STATUS_OPEN => Ok(()),
        STATUS_NONE => {
            Err(Error::UnknownLiquidation(UnknownLiquidation { liquidationId: liquidation_id }))
        }
        _ => Err(Error::LiquidationFinished(LiquidationFinished { liquidationId: liquidation_id })),
    }
}

/// Writes `new` unless it equals the stored `old`.
fn store(slot: &mut StorageU256, old: U256, new: U256) {
    if old != new {
        slot.set(new);
    }
}

/// Adds `amount` to a cumulative total (no write for zero).
fn bump(slot: &mut StorageU256, amount: U256) -> Result<(), Error> {
    if !amount.is_zero() {
        let sum = gavel_math::checked_add(slot.get(), amount)?;
        slot.set(sum);
    }
    Ok(())
}

/// `a + b` for a stored amount, or `AmountTooLarge(a + b)`.
fn add(a: u128, b: u128) -> Result<u128, Error> {
    a.checked_add(b).ok_or_else(|| too_large(U256::from(a).saturating_add(U256::from(b))))
}

/// `a - b`, or `ArithmeticError` (callers establish `b <= a`).
fn sub(a: u128, b: u128) -> Result<u128, Error> {
    a.checked_sub(b).ok_or(Error::ArithmeticError(ArithmeticError {}))
}

fn too_large(amount: U256) -> Error {
    Error::AmountTooLarge(AmountTooLarge { amount })
}

fn invalid_address(account: Address) -> Error {
    Error::InvalidAddress(InvalidAddress { account })
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

//! # BatchAuction
//!
//! gavel's sealed-bid batch auction house. Liquidations of one collateral are sold together in
//! a **batch**; bidders commit to hidden bids, reveal them, and every winner pays one uniform
//! clearing price. One instance serves one (collateral, debt token) pair:
//! `constructor(admin, collateral, debt_token, oracle, solvency)`, the oracle with Chainlink's
//! `AggregatorV3Interface` ABI, the solvency module gavel's `ISolvencyModule`.
//!
//! ## Units
//!
//! * `tab`, deposits, payments, `bond`: debt-token base units; `lot`, bid `amount`, `minBid`:
//!   collateral base units.
//! * Bid prices and the clearing price: **RAY**, debt base units per collateral base unit times
//!   `10^27`. A bid price must be a positive multiple of `priceUnit = 10^s` RAY,
//!   `s = max(0, debtDecimals - collateralDecimals)` — a resolution of `10^-27` whole debt
//!   token per whole collateral token — or it cannot be revealed (`PriceOffGrid`). `reserve`
//!   is a RAY fraction (at most 1) of the oracle price.
//!
//! ## Lifecycle of a batch
//!
//! 1. `kick` (authorized kickers; the Dutch house's signature) pulls `lot` and joins the batch
//!    open for kicks, or opens a new one. A batch opened at `t` takes kicks while
//!    `now < kickEnd = t + kickWindow` (at most [`MAX_KICKS`]), commitments while
//!    `now < commitEnd = t + commitWindow`, reveals while `commitEnd <= now < revealEnd =
//!    commitEnd + revealWindow`. The windows, `bond`, `minBid`, `maxBids` and `reserve` are
//!    snapshotted when the batch opens (`setParams` never changes a running batch; `maxAge`
//!    is read at settlement).
//!    `kick` returns the **batch id** and calls the module's `attach`. `kpr` is only logged:
//!    this house pays no kick incentive.
//! 2. `commit(batchId, commitment, deposit)` escrows `deposit` debt tokens (`> 0` and
//!    `>= bond`). `commitment = keccak256(abi.encode(batchId, bidder, amount, price, salt))`
//!    (uint256, address, uint256, uint256, bytes32; see [`commitment`]). At most `maxBids`
//!    commitments per batch; a bidder may commit several times (each is a separate bid).
//! 3. `reveal(batchId, amount, price, salt)` opens the caller's first unrevealed commitment
//!    with that hash; it checks `amount >= max(minBid, 1)`, the price grid, the bounds below and
//!    `deposit >= ceil(amount * price / RAY)`, and stores the bid in **one** slot.
//! 4. `settle(batchId)` (anyone, once `now >= revealEnd`): reserve price
//!    `ceil(oracle price * reserve)` (a stale or non-positive answer blocks settlement), then
//!    [`gavel_math::clearing`] (its module docs give the rule and every rounding). The house
//!    sends the winners' payments (`raised`) to the module, and per kick: leftover collateral to
//!    `usr` if the tab is covered, else back to the **kicker** (for a Dutch auction), then
//!    `onAuctionEnd(liquidationId, raisedOfKick, tabLeft, lotLeft)`. Each unrevealed commitment
//!    forfeits exactly `bond`, paid into the insurance fund with the module's `deposit`.
//! 5. `claim(batchId)`: the caller's collateral won and refund (`deposit - payment` per
//!    revealed bid, `deposit - bond` per unrevealed one), once; it reads only its own bids.
//!
//! `yank(batchId)` (admin) cancels a batch that has not settled: each kick's lot goes back to
//! its kicker, reported as `onAuctionEnd(id, 0, tab, lot)` (a failing report does not block the
//! yank: the module's admin can `release` such a liquidation), and every deposit becomes
//! claimable in full with `claim` (pull: a push would loop over every bidder).
//!
//! ## Exact accounting
//!
//! Winner `j` pays `ceil(fill_j * p / RAY)`; `raised = Σ` of those goes to the module, split
//! among the kicks so that the parts add up exactly ([`gavel_math::clearing::allocate`]).
//! Collateral: `Σ won + Σ returned to usr + Σ returned to kickers = Σ lots`. Debt token: the
//! house holds exactly the deposits not yet refunded, forwarded (`raised`) or slashed.
//!
//! ## Storage
//!
//! The admin and pending admin are in slots 0 and 1, where OpenZeppelin's `Ownable2Step` keeps
//! them; everything else is in raw words whose fields sit on 64-bit limb boundaries (limb 0 is
//! the low 64 bits; "hi32" is the 32 bits of limb 2 above an address):
//!
//! | slot | contents |
//! |---|---|
//! | 2 `CORE` | collateral · hi32: stopped (bits 0-1), lock (2), `s` (3-8), `d` as i8 (9-16) · limb 3: last batch id |
//! | 3 `DEBT` | debt token · hi32: `maxAge` · limb 3: `maxBids` |
//! | 4 `SOLVENCY` | solvency module · hi32: `kickWindow` · limb 3: `commitWindow` (low 32), `revealWindow` (high 32) |
//! | 5 `ORACLE` | oracle · limb 3: `reserve` as a WAD (`<= 10^18`) |
//! | 6 `TERMS` | `bond` 128 · `minBid` 128 |
//! | 7 `GUARDIAN` | guardian |
//! | `keccak(account . 8)` | 1 if `account` is a kicker |
//! | `B = keccak(batchId . 9)` | `B+0` head: kickEnd, commitEnd, revealEnd (limbs 0-2) · limb 3: kicks 8, status 8, commits 16, reveals 16, maxBids 16 |
//! | | `B+1` bond 128 · minBid 128; `B+2` total lot 128 · limb 2: reserve (WAD) · limb 3: marginal cutoff |
//! | | `B+3` clearing price / priceUnit 128 · marginal numerator 128; `B+4` marginal denominator; `B+5` raised 128 · sold 128 |
//! | | `B+8+3i` kick `i`: tab 128 · lot 128; usr · limb 3: liquidationId; kicker |
//! | | `B+64+r` revealed bid `r`: amount 128 · price / priceUnit 128 — **one slot per bid** |
//! | `E = keccak(batchId << 160 \| bidder . 10)` | `E+0` commitments (32) · claimed (bit 32); commitment `n`: `E+1+2n` hash, `E+2+2n` deposit 128 · limb 2: reveal index + 1 (0: unrevealed) |
//!
//! Bounds (`ValueTooLarge` beyond them): `tab`, `lot`, a batch's total lot (a kick that would
//! exceed it opens a new batch), `amount`, `deposit`, `bond`, `minBid`, `raised` below `2^128`;
//! `price / priceUnit` below `2^128` (any collateral worth less than `3.4 * 10^11` debt tokens
//! per whole token) and `amount * price` below `2^256`; `liquidationId < 2^64`; windows and
//! `maxAge` below `2^32` seconds; `maxBids <=` [`MAX_BIDS_LIMIT`]; at most [`MAX_KICKS`] kicks
//! per batch (a full batch makes the next kick open a new one); decimals at most 36. Within
//! these bounds no arithmetic in the clearing can overflow (see the bounds of
//! [`gavel_math::clearing`]).
//!
//! Settlement reads each revealed-bid slot once (its slots are consecutive), clears in memory
//! and writes only the head, one batch word and the three result words. A claim reads the
//! result and the claimer's own commitments and bids.
//!
//! ## Safety
//!
//! * Circuit breaker `stopped`: 1 blocks `kick`; 2 also `commit`; 3 also `settle`. `reveal`,
//!   `claim` and `yank` are never blocked, so the breaker cannot make an honest bidder
//!   forfeit a bond. The admin sets any level, the guardian may only raise it.
//! * An explicit lock (bit in `CORE`) around every state-changing entry point (`Locked`).
//! * Both tokens must be plain ERC-20s: `kick` and `commit` check the exact amount arrived.
//!
//! ## WASM size
//!
//! The compressed-WASM budget is 16 KiB. As in the solvency module, the WASM build has its own
//! entry point and ABI dispatcher ([`dispatch`]) instead of the SDK's generated router, raw
//! storage words instead of typed storage, hand-encoded events and errors, and raw calls.
//! The `#[public]` impl below is the ABI (export-abi prints the interface from it) and what
//! native tests call; a test runs every function through both the dispatcher and the SDK's
//! router and compares the results.
//!
//! Tokens move through `gavel_common::erc20` (no OpenZeppelin code is linked); in WASM it calls
//! through the `hostio` module's token-call subset of the host, so that the SDK host's full
//! vtable is not linked. All 256-bit multiplication and division goes through the clearing's
//! compact loops (`clearing::overflowing_mul`, `clearing::div_rem`; ruint's unrolled versions
//! cost about 1 KB each). Storage words are read and written by base slot and offset (`read`,
//! `write`), the base passed by reference, and events, errors and call data take their words by
//! reference: a 256-bit value copied into an argument costs WASM bytes at every call site.
//! An [`Error`] is one boxed pointer, so that every `?` moves a single word. Which helpers
//! stay out of line (`#[inline(never)]`) was chosen by measuring the compressed size of each
//! choice: brotli rewards repeated code, so outlining a small helper (or merging two similar
//! loops) often makes the module larger, not smaller.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, FixedBytes, B256, U256};
use alloy_sol_types::{SolError, SolEvent};
use gavel_common::erc20;
use gavel_math::{
    clearing::{self, Bid, Clearing, Kick as Lot},
    MathError, RAY,
};
use stylus_sdk::{function_selector as selector, prelude::*};

pub use sol::*;

#[cfg(any(test, not(feature = "export-abi")))]
pub mod dispatch;
#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
mod hostio;

// ------------------------------------------------------------------------------------------
// 1. Parameters and their validation
// ------------------------------------------------------------------------------------------

/// Most kicks one batch takes.
pub const MAX_KICKS: u64 = 16;
/// Largest `maxBids` (commitments per batch), so that settlement fits one transaction.
pub const MAX_BIDS_LIMIT: u64 = 2_000;
/// Largest decimals accepted for either token or the oracle.
pub const MAX_DECIMALS: u8 = 36;

/// `stopped >= 1` blocks `kick`.
pub const LEVEL_KICK: u64 = 1;
/// `stopped >= 2` blocks `commit` (and `kick`).
pub const LEVEL_COMMIT: u64 = 2;
/// `stopped >= 3` blocks `settle` (and `kick`, `commit`).
pub const LEVEL_SETTLE: u64 = 3;
/// Never blocked (`reveal`, `claim`, `yank`).
const LEVEL_NONE: u64 = 4;

/// Phase of an unknown batch.
pub const PHASE_NONE: u64 = 0;
/// Commitments accepted (and kicks, before `kickEnd`).
pub const PHASE_COMMIT: u64 = 1;
/// Reveals accepted.
pub const PHASE_REVEAL: u64 = 2;
/// Reveal window over; waiting for `settle`.
pub const PHASE_SETTLE: u64 = 3;
/// Settled: claims open.
pub const PHASE_SETTLED: u64 = 4;
/// Yanked: claims (full refunds) open.
pub const PHASE_YANKED: u64 = 5;

/// Stored batch status (the phase follows from it and the clock).
const STATUS_OPEN: u64 = 1;
const STATUS_SETTLED: u64 = 2;
const STATUS_YANKED: u64 = 3;

/// Parameter names as `InvalidParameter` reports them (Solidity's `bytes32("...")`).
pub mod names {
    const fn key(name: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut i = 0;
        while i < name.len() {
            out[i] = name[i];
            i += 1;
        }
        out
    }
    /// Seconds after a batch opens during which it takes kicks (`1..commitWindow`).
    pub const KICK_WINDOW: [u8; 32] = key(b"kickWindow");
    /// Seconds after a batch opens during which it takes commitments (`kickWindow+1..2^32`).
    pub const COMMIT_WINDOW: [u8; 32] = key(b"commitWindow");
    /// Seconds of the reveal window (`1..2^32`).
    pub const REVEAL_WINDOW: [u8; 32] = key(b"revealWindow");
    /// Commitments per batch (`1..=2000`).
    pub const MAX_BIDS: [u8; 32] = key(b"maxBids");
    /// Reserve as a RAY fraction of the oracle price (`<= 1e27`).
    pub const RESERVE: [u8; 32] = key(b"reserve");
    /// Debt tokens forfeited per unrevealed commitment (`< 2^128`).
    pub const BOND: [u8; 32] = key(b"bond");
    /// Smallest bid amount in collateral base units (`< 2^128`).
    pub const MIN_BID: [u8; 32] = key(b"minBid");
    /// Maximum oracle age at settlement, seconds (`1..2^32`).
    pub const MAX_AGE: [u8; 32] = key(b"maxAge");
    /// Circuit-breaker level (`setStopped`, 0 to 3).
    pub const STOPPED: [u8; 32] = key(b"stopped");
}

// ------------------------------------------------------------------------------------------
// 2. Storage
// ------------------------------------------------------------------------------------------

/// Storage of the house: no typed fields; everything is in the raw words of the crate docs
/// (the admin in slots 0 and 1, where `Ownable2Step` keeps it).
#[storage]
pub struct BatchAuction {}

// SAFETY: the house is a whole contract's storage (what `user_entrypoint` and motsu
// instantiate at slot 0), which is what `TopLevelStorage` asserts.
unsafe impl TopLevelStorage for BatchAuction {}

const CORE: u64 = 2;
const DEBT: u64 = 3;
const SOLVENCY: u64 = 4;
const ORACLE: u64 = 5;
const TERMS: u64 = 6;
const GUARDIAN: u64 = 7;
const KICKERS: u64 = 8;
const BATCHES: u64 = 9;
const BIDDERS: u64 = 10;

// Batch words (offsets from the batch's base slot).
const B_HEAD: u64 = 0;
const B_TERMS: u64 = 1;
const B_LOTS: u64 = 2;
const B_PRICE: u64 = 3;
const B_DEN: u64 = 4;
const B_TOTALS: u64 = 5;
const B_KICKS: u64 = 8;
const B_BIDS: u64 = 64;

// Every packed word keeps its fields on 64-bit limb boundaries (limb 0 = low 64 bits), or in
// the 32 bits of limb 2 above an address, so that packing takes no 256-bit shifts.
// CORE, limb 2 above the collateral address (bit offsets within the limb).
const C_STOPPED: u32 = 32;
const C_LOCK: u64 = 1 << 34;
const C_SCALE: u32 = 35;
const C_EXP: u32 = 41;
// Batch head, limb 3.
const H_KICKS: u32 = 0;
const H_STATUS: u32 = 8;
const H_COMMITS: u32 = 16;
const H_REVEALS: u32 = 32;
const H_MAX_BIDS: u32 = 48;
// Bidder head, limb 0.
const E_CLAIMED: u64 = 1 << 32;

/// Largest `liquidationId` (64 bits, as the solvency module's ids).
const MAX_LIQUIDATION_ID: u64 = u64::MAX;
/// `2^32 - 1`.
const LOW32: u64 = 0xFFFF_FFFF;
/// `2^128 - 1`.
const MAX128: U256 = U256::from_limbs([u64::MAX, u64::MAX, 0, 0]);

/// Word `k` after `base` (slot arithmetic, as Solidity's: wraps).
#[inline(always)]
fn at(base: &U256, k: u64) -> U256 {
    base.wrapping_add(U256::from(k))
}

/// Limb `i` (0..4) of `word`.
fn limb(word: U256, i: usize) -> u64 {
    let [l0, l1, l2, l3] = word.into_limbs();
    match i {
        0 => l0,
        1 => l1,
        2 => l2,
        _ => l3,
    }
}

/// `width` (1..=63) bits of `value` from bit `offset`.
fn field(value: u64, offset: u32, width: u32) -> u64 {
    (value >> offset) & ((1 << width) - 1)
}

/// `value` with bits `offset..offset + width` replaced by `new` (masked to `width` bits).
fn with_field(value: u64, offset: u32, width: u32, new: u64) -> u64 {
    let mask = ((1u64 << width) - 1) << offset;
    (value & !mask) | ((new << offset) & mask)
}

/// The low 128 bits of `word`.
fn low(word: U256) -> u128 {
    let [l0, l1, _, _] = word.into_limbs();
    u128::from(l0) | (u128::from(l1) << 64)
}

/// The high 128 bits of `word`.
fn high(word: U256) -> u128 {
    let [_, _, l2, l3] = word.into_limbs();
    u128::from(l2) | (u128::from(l3) << 64)
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
fn address_of(word: U256) -> Address {
    // Big-endian: the low 32 bits of limb 2, then limbs 1 and 0 (the casts keep those bits).
    let [l0, l1, l2, _] = word.into_limbs();
    let mut bytes = [0u8; 20];
    for (byte, i) in bytes.iter_mut().zip((0..20u32).rev()) {
        let limb = match i / 8 {
            0 => l0,
            1 => l1,
            _ => l2,
        };
        *byte = (limb >> (8 * (i % 8))) as u8;
    }
    Address::new(bytes)
}

/// `account` in the low 160 bits.
#[inline(never)]
fn address_word(account: Address) -> U256 {
    let mut limbs = [0u64; 4];
    for (i, byte) in (0..20u32).rev().zip(account.0 .0) {
        if let Some(limb) = limbs.get_mut((i / 8) as usize) {
            *limb |= u64::from(byte) << (8 * (i % 8));
        }
    }
    U256::from_limbs(limbs)
}

/// `account` in the low 160 bits, `extra` in the 32 bits above it and `top` in limb 3.
fn with_address(account: Address, extra: u64, top: u64) -> U256 {
    let [l0, l1, l2, _] = address_word(account).into_limbs();
    U256::from_limbs([l0, l1, l2 | (extra << 32), top])
}

/// `word` with limb `i` replaced by `value`.
#[inline(never)]
fn with_limb(word: U256, i: usize, value: u64) -> U256 {
    let mut limbs = word.into_limbs();
    if let Some(slot) = limbs.get_mut(i) {
        *slot = value;
    }
    U256::from_limbs(limbs)
}

/// `10^n` (`n <= 77` fits; callers pass at most 72).
fn pow10(n: u64) -> U256 {
    let mut out = U256::from(1u8);
    for _ in 0..n {
        // 10^n < 2^256 for n <= 77: the product never wraps.
        out = clearing::overflowing_mul(&out, &TEN).0;
    }
    out
}

/// `value` as a u64 if it is in `min..=max`, else `InvalidParameter(what, value)`.
#[inline(always)]
fn parameter(value: &U256, min: u64, max: u64, what: &[u8; 32]) -> Result<u64, Error> {
    in_range(value, min, max).ok_or_else(|| invalid(what, value))
}

/// `value` as a u64 if it is in `min..=max`.
#[inline(never)]
fn in_range(value: &U256, min: u64, max: u64) -> Option<u64> {
    let [low, a, b, c] = value.into_limbs();
    ((a | b | c) == 0 && low >= min && low <= max).then_some(low)
}

/// Price unit `10^s` RAY from `CORE`.
#[inline(always)]
fn scale_unit(core: U256) -> U256 {
    pow10(field(limb(core, 2), C_SCALE, 6))
}

/// A field of limb 3 of a batch head.
fn head_field(head: U256, offset: u32, width: u32) -> u64 {
    field(limb(head, 3), offset, width)
}

/// `head` with a field of its limb 3 replaced.
#[inline(never)]
fn with_head_field(head: U256, offset: u32, width: u32, value: u64) -> U256 {
    with_limb(head, 3, with_field(limb(head, 3), offset, width, value))
}

/// Phase of a batch from its head word at time `now`.
#[inline(never)]
fn phase(head: U256, now: u64) -> u64 {
    match head_field(head, H_STATUS, 8) {
        STATUS_OPEN if now < limb(head, 1) => PHASE_COMMIT,
        STATUS_OPEN if now < limb(head, 2) => PHASE_REVEAL,
        STATUS_OPEN => PHASE_SETTLE,
        STATUS_SETTLED => PHASE_SETTLED,
        STATUS_YANKED => PHASE_YANKED,
        _ => PHASE_NONE,
    }
}

/// Whether a batch with this head takes a kick at `now`.
#[inline(never)]
fn takes_kicks(head: U256, now: u64) -> bool {
    head_field(head, H_STATUS, 8) == STATUS_OPEN
        && now < limb(head, 0)
        && head_field(head, H_KICKS, 8) < MAX_KICKS
}

/// The commitment a bidder posts:
/// `keccak256(abi.encode(batchId, bidder, amount, price, salt))`.
pub fn commitment(batch_id: U256, bidder: Address, amount: U256, price: U256, salt: B256) -> B256 {
    stylus_sdk::crypto::keccak(preimage(batch_id, bidder, amount, price, salt))
}

/// `abi.encode(batchId, bidder, amount, price, salt)`.
fn preimage(batch_id: U256, bidder: Address, amount: U256, price: U256, salt: B256) -> Vec<u8> {
    encode(&[
        &batch_id,
        &address_word(bidder),
        &amount,
        &price,
        &U256::from_be_bytes(salt.0),
    ])
}

/// Static ABI words, concatenated (by reference: no copies of the words at the call sites).
#[inline(never)]
fn encode(values: &[&U256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * values.len());
    for value in values {
        out.extend_from_slice(&value.to_be_bytes::<32>());
    }
    out
}

/// Static ABI words, concatenated (the dispatcher's return data).
#[cfg(any(test, not(feature = "export-abi")))]
#[inline(never)]
fn words(values: &[U256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * values.len());
    for value in values {
        out.extend_from_slice(&value.to_be_bytes::<32>());
    }
    out
}

// ------------------------------------------------------------------------------------------
// 3. Events and errors
// ------------------------------------------------------------------------------------------

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// A batch opened; its deadlines (unix seconds).
        event BatchOpened(uint256 indexed batchId, uint256 kickEnd, uint256 commitEnd, uint256 revealEnd);
        /// Liquidation `liquidationId` joined batch `batchId` as its kick number `index`.
        event Kick(uint256 indexed batchId, uint256 indexed liquidationId, address indexed kpr, uint256 index, uint256 tab, uint256 lot, address usr);
        /// A sealed bid and its escrowed deposit.
        event Commit(uint256 indexed batchId, address indexed bidder, bytes32 commitment, uint256 deposit);
        /// A bid was revealed (price in RAY).
        event Reveal(uint256 indexed batchId, address indexed bidder, bytes32 commitment, uint256 amount, uint256 price);
        /// A batch settled at the uniform `price` (RAY; 0 when nothing sold).
        event Settle(uint256 indexed batchId, uint256 price, uint256 sold, uint256 raised);
        /// `count` unrevealed commitments forfeited `amount` to the insurance fund.
        event Slash(uint256 indexed batchId, uint256 count, uint256 amount);
        /// A bidder took its collateral and refund.
        event Claim(uint256 indexed batchId, address indexed bidder, uint256 won, uint256 paid, uint256 refund);
        /// The admin cancelled a batch.
        event Yank(uint256 indexed batchId);
        /// The parameters for new batches changed (`reserve` in RAY).
        event ParamsSet(uint256 kickWindow, uint256 commitWindow, uint256 revealWindow, uint256 maxBids, uint256 reserve, uint256 bond, uint256 minBid, uint256 maxAge);
        /// The circuit-breaker level changed.
        event StoppedSet(uint256 level);
        /// A kicker was authorised or de-authorised.
        event KickerSet(address indexed kicker, bool allowed);
        /// The guardian changed.
        event GuardianSet(address indexed guardian);
        /// Admin transfer proposed (as OpenZeppelin's `Ownable2Step` logs it).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Admin changed (as OpenZeppelin's `Ownable` logs it).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// The caller is not the admin (OpenZeppelin `Ownable`'s error).
        #[derive(Debug)]
        error OwnableUnauthorizedAccount(address account);
        /// A zero admin (OpenZeppelin `Ownable`'s error).
        #[derive(Debug)]
        error OwnableInvalidOwner(address owner);
        /// A token transfer or approval failed (OpenZeppelin Stylus `SafeErc20`'s error;
        /// selector `gavel_common::erc20::FAILED_OPERATION`).
        #[derive(Debug)]
        error SafeErc20FailedOperation(address token);
        /// A state-changing call re-entered the house.
        #[derive(Debug)]
        error Locked();
        /// The circuit breaker (`stopped`) blocks this operation.
        #[derive(Debug)]
        error AuctionsStopped(uint256 stopped);
        /// The caller may not do this (not a kicker; not the admin or the guardian).
        #[derive(Debug)]
        error Unauthorized(address account);
        /// A zero amount where one is needed.
        #[derive(Debug)]
        error ZeroAmount();
        /// A zero address where one is needed.
        #[derive(Debug)]
        error ZeroAddress();
        /// An amount or id beyond what storage holds (see the storage bounds).
        #[derive(Debug)]
        error ValueTooLarge(uint256 value, uint256 max);
        /// `kick` before the parameters are set (`setParams`).
        #[derive(Debug)]
        error NotConfigured();
        /// `setParams` got a value out of its range (`what` names it), or `setStopped` a level
        /// above 3.
        #[derive(Debug)]
        error InvalidParameter(bytes32 what, uint256 data);
        /// The batch is not in a phase that allows this (0 unknown, 1 commit, 2 reveal,
        /// 3 awaiting settlement, 4 settled, 5 yanked).
        #[derive(Debug)]
        error WrongPhase(uint256 batchId, uint256 phase);
        /// The batch already holds `maxBids` commitments.
        #[derive(Debug)]
        error TooManyBids(uint256 maxBids);
        /// A commitment's deposit is below the batch's bond.
        #[derive(Debug)]
        error DepositBelowBond(uint256 deposit, uint256 bond);
        /// The caller has no commitment with this hash in the batch (wrong salt, amount, price
        /// or bidder: the hash binds all of them).
        #[derive(Debug)]
        error UnknownCommitment(bytes32 commitment);
        /// Every commitment of the caller with this hash is already revealed.
        #[derive(Debug)]
        error AlreadyRevealed(bytes32 commitment);
        /// A revealed amount below the batch's minimum (at least 1).
        #[derive(Debug)]
        error BidTooSmall(uint256 amount, uint256 minimum);
        /// A revealed price that is zero or not a multiple of `priceUnit`.
        #[derive(Debug)]
        error PriceOffGrid(uint256 price, uint256 unit);
        /// The deposit does not cover `ceil(amount * price / RAY)`.
        #[derive(Debug)]
        error DepositTooSmall(uint256 deposit, uint256 required);
        /// The caller has no commitment in this batch.
        #[derive(Debug)]
        error NothingToClaim(uint256 batchId, address bidder);
        /// The caller already claimed in this batch.
        #[derive(Debug)]
        error AlreadyClaimed(uint256 batchId, address bidder);
        /// The oracle answered zero or a negative price.
        #[derive(Debug)]
        error InvalidPrice(int256 answer);
        /// The oracle answer is older than `maxAge` or dated in the future.
        #[derive(Debug)]
        error StalePrice(uint256 updatedAt, uint256 now);
        /// A call to another contract reverted (its revert data in `reason`) or answered
        /// malformed data.
        #[derive(Debug)]
        error ExternalCallFailed(address target, bytes reason);
        /// A token delivered a different amount than transferred.
        #[derive(Debug)]
        error TokenNotReceived(address token, uint256 expected, uint256 received);
        /// Token or oracle decimals beyond 36.
        #[derive(Debug)]
        error UnsupportedDecimals(uint8 collateral, uint8 debt, uint8 oracle);
        /// Collateral and debt token are the same.
        #[derive(Debug)]
        error SameToken(address token);
        /// Arithmetic overflow (cannot happen within the documented bounds).
        #[derive(Debug)]
        error MathOverflow();
    }
}

/// A revert: the ABI encoding of one of the custom errors above, built by
/// hand (see "WASM size").
///
/// One boxed pointer, so that a `Result<(), Error>` fits a register and every `?` moves one
/// word (errors are the cold path: the extra allocation costs nothing on success).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Error(alloc::boxed::Box<Vec<u8>>);

impl Error {
    /// The custom error with `selector` and static arguments `args`.
    #[inline(never)]
    fn new(selector: [u8; 4], args: &[&U256]) -> Self {
        Error(alloc::boxed::Box::new(calldata(selector, args)))
    }

    /// The revert data: selector and arguments.
    pub fn data(&self) -> &[u8] {
        &self.0
    }
}

impl From<Error> for Vec<u8> {
    fn from(error: Error) -> Vec<u8> {
        *error.0
    }
}

/// `SafeErc20FailedOperation(token)` (what `gavel_common::erc20` reports as `Err(token)`).
#[cold]
fn token_failed(token: Address) -> Error {
    Error::new(erc20::FAILED_OPERATION, &[&address_word(token)])
}

impl From<MathError> for Error {
    fn from(_: MathError) -> Self {
        math_overflow()
    }
}

// The errors the interface lists, as `#[derive(SolidityError)]` would list them.
gavel_common::interface_errors!(Error =>
    OwnableUnauthorizedAccount,
    OwnableInvalidOwner,
    SafeErc20FailedOperation,
    Locked,
    AuctionsStopped,
    Unauthorized,
    ZeroAmount,
    ZeroAddress,
    ValueTooLarge,
    NotConfigured,
    InvalidParameter,
    WrongPhase,
    TooManyBids,
    DepositBelowBond,
    UnknownCommitment,
    AlreadyRevealed,
    BidTooSmall,
    PriceOffGrid,
    DepositTooSmall,
    NothingToClaim,
    AlreadyClaimed,
    InvalidPrice,
    StalePrice,
    ExternalCallFailed,
    TokenNotReceived,
    UnsupportedDecimals,
    SameToken,
    MathOverflow,
);

fn math_overflow() -> Error {
    Error::new(MathOverflow::SELECTOR, &[])
}

fn too_large(value: &U256, max: &U256) -> Error {
    Error::new(ValueTooLarge::SELECTOR, &[value, max])
}

fn zero_amount() -> Error {
    Error::new(ZeroAmount::SELECTOR, &[])
}

fn zero_address() -> Error {
    Error::new(ZeroAddress::SELECTOR, &[])
}

#[inline(always)]
fn unauthorized(account: Address) -> Error {
    Error::new(Unauthorized::SELECTOR, &[&address_word(account)])
}

fn wrong_phase(batch_id: &U256, phase: u64) -> Error {
    Error::new(WrongPhase::SELECTOR, &[batch_id, &U256::from(phase)])
}

fn invalid(what: &[u8; 32], data: &U256) -> Error {
    Error::new(
        InvalidParameter::SELECTOR,
        &[&U256::from_be_bytes(*what), data],
    )
}

/// `ExternalCallFailed(target, reason)`: selector, two head words, the length, the padded data.
#[cold]
#[inline(never)]
fn call_failed(target: Address, reason: Vec<u8>) -> Error {
    let length = reason.len();
    let mut error = Error::new(
        ExternalCallFailed::SELECTOR,
        &[
            &address_word(target),
            &U256::from(64u8),
            &U256::from(length),
        ],
    );
    error.0.extend_from_slice(&reason);
    error
        .0
        .extend_from_slice(&[0; 32][..(32 - length % 32) % 32]);
    error
}

/// `value` as a u128, else `ValueTooLarge`.
#[inline(always)]
fn checked128(value: &U256) -> Result<u128, Error> {
    if *value > MAX128 {
        return Err(too_large(value, &MAX128));
    }
    Ok(low(*value))
}

// Selectors of the calls the house makes.
const ATTACH: [u8; 4] = selector!("attach", U256, Address, U256);
const ON_AUCTION_END: [u8; 4] = selector!("onAuctionEnd", U256, U256, U256, U256);
const DEPOSIT: [u8; 4] = selector!("deposit", U256);
const DECIMALS: [u8; 4] = selector!("decimals");
const LATEST_ROUND_DATA: [u8; 4] = selector!("latestRoundData");
const BALANCE_OF: [u8; 4] = selector!("balanceOf", Address);

/// Call data: `selector` followed by static words.
fn calldata(selector: [u8; 4], args: &[&U256]) -> Vec<u8> {
    let mut out = selector.to_vec();
    out.extend_from_slice(&encode(args));
    out
}

/// Word `index` of `target`'s ABI return data, or `ExternalCallFailed` if it is too short.
fn word_of(target: Address, data: &[u8], index: usize) -> Result<U256, Error> {
    let start = index.saturating_mul(32);
    data.get(start..start.saturating_add(32))
        .and_then(|word| <[u8; 32]>::try_from(word).ok())
        .map(U256::from_be_bytes)
        .ok_or_else(|| call_failed(target, data.to_vec()))
}

// ------------------------------------------------------------------------------------------
// 4. Public interface
// ------------------------------------------------------------------------------------------

#[public]
impl BatchAuction {
    /// Sets the admin, the tokens, the oracle and the solvency module, and reads the decimals
    /// of both tokens and the oracle. Parameters start unset: `kick` reverts with
    /// `NotConfigured` until `setParams`.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        collateral: Address,
        debt_token: Address,
        oracle: Address,
        solvency: Address,
    ) -> Result<(), Error> {
        if admin.is_zero() {
            return Err(Error::new(OwnableInvalidOwner::SELECTOR, &[&U256::ZERO]));
        }
        self.set_owner(admin);
        if collateral.is_zero() || debt_token.is_zero() || oracle.is_zero() || solvency.is_zero() {
            return Err(zero_address());
        }
        if collateral == debt_token {
            return Err(Error::new(
                SameToken::SELECTOR,
                &[&address_word(collateral)],
            ));
        }
        let cd = self.decimals(collateral)?;
        let dd = self.decimals(debt_token)?;
        let od = self.decimals(oracle)?;
        let max = u64::from(MAX_DECIMALS);
        if cd > max || dd > max || od > max {
            return Err(Error::new(
                UnsupportedDecimals::SELECTOR,
                &[&U256::from(cd), &U256::from(dd), &U256::from(od)],
            ));
        }
        // s = max(0, dd - cd) in 0..=36; d = cd + od - dd in -36..=72, stored as an i8's byte
        // (all at most 108: no overflow).
        let scale = dd.saturating_sub(cd);
        let d = (cd + od) as i64 - dd as i64;
        let flags = (scale << C_SCALE) | (u64::from(d as i8 as u8) << C_EXP);
        self.write(&GLOBAL, CORE, &with_address(collateral, flags >> 32, 0));
        self.write(&GLOBAL, DEBT, &address_word(debt_token));
        self.write(&GLOBAL, SOLVENCY, &address_word(solvency));
        self.write(&GLOBAL, ORACLE, &address_word(oracle));
        Ok(())
    }

    // ----------------------------------------------------------------- kicker interface

    /// Sells `lot` collateral (pulled from the caller) to raise `tab` debt tokens for
    /// liquidation `liquidation_id` of the solvency module, leftovers to `usr`: joins the batch
    /// open for kicks or opens a new one, and attaches to the module. Kickers only. `kpr` is
    /// only logged. Returns the batch id.
    pub fn kick(
        &mut self,
        liquidation_id: U256,
        tab: U256,
        lot: U256,
        usr: Address,
        kpr: Address,
    ) -> Result<U256, Error> {
        let core = self.enter(LEVEL_KICK)?;
        let result = self.kick_inner(core, liquidation_id, tab, lot, usr, kpr);
        self.leave();
        result
    }

    // ----------------------------------------------------------------- bidder interface

    /// Posts a sealed bid in batch `batch_id` and escrows `deposit` debt tokens (more than
    /// zero and at least the batch's bond). Any deposit covering `amount * price` works; a
    /// larger one hides the bid's size.
    pub fn commit(
        &mut self,
        batch_id: U256,
        commitment: FixedBytes<32>,
        deposit: U256,
    ) -> Result<(), Error> {
        self.enter(LEVEL_COMMIT)?;
        let result = self.commit_inner(batch_id, commitment, deposit);
        self.leave();
        result
    }

    /// Opens the caller's commitment `keccak256(abi.encode(batchId, caller, amount, price,
    /// salt))` during the reveal window (`price` in RAY).
    pub fn reveal(
        &mut self,
        batch_id: U256,
        amount: U256,
        price: U256,
        salt: FixedBytes<32>,
    ) -> Result<(), Error> {
        let core = self.enter(LEVEL_NONE)?;
        let result = self.reveal_inner(core, batch_id, amount, price, salt);
        self.leave();
        result
    }

    /// Clears batch `batch_id` once its reveal window is over (anyone): pays the proceeds to
    /// the solvency module, returns leftover collateral, reports each kick, and pays the bonds
    /// of unrevealed commitments into the insurance fund.
    pub fn settle(&mut self, batch_id: U256) -> Result<(), Error> {
        let core = self.enter(LEVEL_SETTLE)?;
        let result = self.settle_inner(core, batch_id);
        self.leave();
        result
    }

    /// Sends the caller its collateral won and its refund in a settled or yanked batch, once.
    pub fn claim(&mut self, batch_id: U256) -> Result<(), Error> {
        let core = self.enter(LEVEL_NONE)?;
        let result = self.claim_inner(core, batch_id);
        self.leave();
        result
    }

    // ----------------------------------------------------------------- views

    /// `bidder` in batch `batch_id`: `(commitments, claimed, won, paid, refund)`; `won`,
    /// `paid` and `refund` are what `claim` pays (or paid) out, zeros before settlement.
    pub fn preview(
        &self,
        batch_id: U256,
        bidder: Address,
    ) -> Result<(U256, bool, U256, U256, U256), Error> {
        let [count, claimed, won, paid, refund] = self.preview_words(batch_id, bidder)?;
        Ok((count, !claimed.is_zero(), won, paid, refund))
    }

    /// Batch `batch_id`: `(phase, kickEnd, commitEnd, revealEnd, kicks, commits, reveals,
    /// totalLot)`; phase 0 and zeros for an unknown batch.
    pub fn batch(&self, batch_id: U256) -> (U256, U256, U256, U256, U256, U256, U256, U256) {
        let [a, b, c, d, e, f, g, h] = self.batch_words(batch_id);
        (a, b, c, d, e, f, g, h)
    }

    /// What batch `batch_id` snapshotted when it opened: `(bond, minBid, reserve (RAY),
    /// maxBids)`.
    #[selector(name = "batchTerms")]
    pub fn batch_terms(&self, batch_id: U256) -> (U256, U256, U256, U256) {
        let [a, b, c, d] = self.terms_words(batch_id);
        (a, b, c, d)
    }

    /// Clearing result of batch `batch_id`: `(price (RAY), sold, raised, marginNum,
    /// marginDen, cutoff)`. A bid above `price` fills completely; a bid at `price` fills
    /// `floor(amount * marginNum / marginDen)`, plus one unit if that division is inexact and
    /// the bid's reveal index is below `cutoff`.
    pub fn result(&self, batch_id: U256) -> (U256, U256, U256, U256, U256, U256) {
        let [a, b, c, d, e, f] = self.result_words(batch_id);
        (a, b, c, d, e, f)
    }

    /// Kick `index` of batch `batch_id`: `(liquidationId, tab, lot, usr, kicker)`.
    #[selector(name = "kickOf")]
    pub fn kick_of(&self, batch_id: U256, index: U256) -> (U256, U256, U256, Address, Address) {
        let [a, b, c, d, e] = self.kick_words(batch_id, index);
        (a, b, c, address_of(d), address_of(e))
    }

    /// Commitment `n` of `bidder` in batch `batch_id`: `(hash, deposit, revealIndex, amount,
    /// price)`; `revealIndex` is the reveal index plus one (0 while unrevealed, and then
    /// `amount` and `price` are 0); `price` in RAY.
    #[selector(name = "commitmentOf")]
    pub fn commitment_of(
        &self,
        batch_id: U256,
        bidder: Address,
        n: U256,
    ) -> (FixedBytes<32>, U256, U256, U256, U256) {
        let [a, b, c, d, e] = self.commitment_words(batch_id, bidder, n);
        (FixedBytes(a.to_be_bytes::<32>()), b, c, d, e)
    }

    /// `(collateral, debtToken, oracle, solvency, guardian, stopped, priceUnit, lastBatch,
    /// openBatch)`. `openBatch` is the batch a kick now would join (0: it would open a new
    /// one); batches are numbered from 1.
    pub fn config(
        &self,
    ) -> (
        Address,
        Address,
        Address,
        Address,
        Address,
        U256,
        U256,
        U256,
        U256,
    ) {
        let [a, b, c, d, e, f, g, h, i] = self.config_words();
        (
            address_of(a),
            address_of(b),
            address_of(c),
            address_of(d),
            address_of(e),
            f,
            g,
            h,
            i,
        )
    }

    /// Parameters for new batches: `(kickWindow, commitWindow, revealWindow, maxBids,
    /// reserve (RAY), bond, minBid, maxAge)`.
    pub fn params(&self) -> (U256, U256, U256, U256, U256, U256, U256, U256) {
        let [a, b, c, d, e, f, g, h] = self.params_words();
        (a, b, c, d, e, f, g, h)
    }

    /// Whether `account` may kick.
    #[selector(name = "isKicker")]
    pub fn is_kicker(&self, account: Address) -> bool {
        !self.read(&self.kicker_slot(account), 0).is_zero()
    }

    // ----------------------------------------------------------------- admin interface

    /// Cancels batch `batch_id` before settlement (admin): lots back to their kickers, every
    /// deposit claimable in full.
    pub fn yank(&mut self, batch_id: U256) -> Result<(), Error> {
        self.only_owner()?;
        let core = self.enter(LEVEL_NONE)?;
        let result = self.yank_inner(core, batch_id);
        self.leave();
        result
    }

    /// Sets every parameter for new batches at once (admin); running batches keep theirs.
    /// Ranges (else `InvalidParameter(name, value)`): `kickWindow` `1..commitWindow`,
    /// `commitWindow` below 2^32 (seconds), `revealWindow` `1..2^32`, `maxBids` `1..=2000`,
    /// `reserve` (RAY fraction of the oracle price) at most 1e27 and a multiple of 1e9,
    /// `bond` (debt base units; `bond * maxBids` below 2^128) and `minBid` (collateral base
    /// units) below 2^128, `maxAge`
    /// (seconds, read at settlement) `1..2^32`. Emits `ParamsSet`.
    #[selector(name = "setParams")]
    #[allow(clippy::too_many_arguments)]
    pub fn set_params(
        &mut self,
        kick_window: U256,
        commit_window: U256,
        reveal_window: U256,
        max_bids: U256,
        reserve: U256,
        bond: U256,
        min_bid: U256,
        max_age: U256,
    ) -> Result<(), Error> {
        self.only_owner()?;
        let max32 = u64::from(u32::MAX);
        let commit = parameter(&commit_window, 2, max32, &names::COMMIT_WINDOW)?;
        let kick = parameter(&kick_window, 1, commit - 1, &names::KICK_WINDOW)?;
        let reveal = parameter(&reveal_window, 1, max32, &names::REVEAL_WINDOW)?;
        let bids = parameter(&max_bids, 1, MAX_BIDS_LIMIT, &names::MAX_BIDS)?;
        let (wad, rest) = clearing::div_rem(reserve, GWEI)?;
        if !rest.is_zero() || reserve > RAY {
            return Err(invalid(&names::RESERVE, &reserve));
        }
        // Every forfeited bond of a batch must fit the 128 bits the solvency module books:
        // bond * maxBids < 2^128 (bids <= 2000, so the product is exact).
        let bond_units = checked128(&bond)
            .ok()
            .filter(|b| clearing::overflowing_mul(&U256::from(*b), &U256::from(bids)).0 <= MAX128)
            .ok_or_else(|| invalid(&names::BOND, &bond))?;
        let min_units = checked128(&min_bid).map_err(|_| invalid(&names::MIN_BID, &min_bid))?;
        let age = parameter(&max_age, 1, max32, &names::MAX_AGE)?;
        let solvency = self.read(&GLOBAL, SOLVENCY);
        let windows = with_limb(solvency, 2, (limb(solvency, 2) & LOW32) | (kick << 32));
        self.store_changed(
            SOLVENCY,
            &solvency,
            &with_limb(windows, 3, commit | (reveal << 32)),
        );
        let debt = self.read(&GLOBAL, DEBT);
        let limits = with_limb(debt, 2, (limb(debt, 2) & LOW32) | (age << 32));
        self.store_changed(DEBT, &debt, &with_limb(limits, 3, bids));
        let oracle = self.read(&GLOBAL, ORACLE);
        self.store_changed(ORACLE, &oracle, &with_limb(oracle, 3, limb(wad, 0)));
        let terms = self.read(&GLOBAL, TERMS);
        self.store_changed(TERMS, &terms, &pair(bond_units, min_units));
        self.emit(
            &ParamsSet::SIGNATURE_HASH,
            &[],
            &[
                &kick_window,
                &commit_window,
                &reveal_window,
                &max_bids,
                &reserve,
                &bond,
                &min_bid,
                &max_age,
            ],
        );
        Ok(())
    }

    /// Authorises (`allowed`) or de-authorises a kicker (admin). Emits `KickerSet`.
    #[selector(name = "setKicker")]
    pub fn set_kicker(&mut self, kicker: Address, allowed: bool) -> Result<(), Error> {
        self.only_owner()?;
        if kicker.is_zero() {
            return Err(zero_address());
        }
        let flag = U256::from(u8::from(allowed));
        let slot = self.kicker_slot(kicker);
        self.write(&slot, 0, &flag);
        self.emit(
            &KickerSet::SIGNATURE_HASH,
            &[&address_word(kicker)],
            &[&flag],
        );
        Ok(())
    }

    /// Sets the guardian (admin; zero removes it). Emits `GuardianSet`.
    #[selector(name = "setGuardian")]
    pub fn set_guardian(&mut self, guardian: Address) -> Result<(), Error> {
        self.only_owner()?;
        self.write(&GLOBAL, GUARDIAN, &address_word(guardian));
        self.emit(
            &GuardianSet::SIGNATURE_HASH,
            &[&address_word(guardian)],
            &[],
        );
        Ok(())
    }

    /// Sets the circuit breaker (0: none; 1: no kick; 2: no kick or commit; 3: no kick,
    /// commit or settle). The admin may set any level, the guardian only raise it. Emits
    /// `StoppedSet`.
    #[selector(name = "setStopped")]
    pub fn set_stopped(&mut self, level: U256) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let core = self.read(&GLOBAL, CORE);
        let new = parameter(&level, 0, 3, &names::STOPPED)?;
        let is_owner = sender == self.owner();
        let guardian = address_of(self.read(&GLOBAL, GUARDIAN));
        let current = field(limb(core, 2), C_STOPPED, 2);
        if !(is_owner || (!sender.is_zero() && sender == guardian && new >= current)) {
            return Err(unauthorized(sender));
        }
        self.write(
            &GLOBAL,
            CORE,
            &with_limb(core, 2, with_field(limb(core, 2), C_STOPPED, 2, new)),
        );
        self.emit(&StoppedSet::SIGNATURE_HASH, &[], &[&level]);
        Ok(())
    }

    /// Current admin.
    pub fn owner(&self) -> Address {
        address_of(self.read(&GLOBAL, 0))
    }

    /// Account that may accept the admin role, or zero.
    #[selector(name = "pendingOwner")]
    pub fn pending_owner(&self) -> Address {
        address_of(self.read(&GLOBAL, 1))
    }

    /// Proposes `new_owner` as admin (admin only; zero cancels a proposal); it takes effect
    /// when `new_owner` accepts. Emits `OwnershipTransferStarted`.
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        self.only_owner()?;
        self.write(&GLOBAL, 1, &address_word(new_owner));
        let owner = self.read(&GLOBAL, 0);
        self.emit(
            &OwnershipTransferStarted::SIGNATURE_HASH,
            &[&owner, &address_word(new_owner)],
            &[],
        );
        Ok(())
    }

    /// The pending admin becomes the admin. Emits `OwnershipTransferred`.
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        if sender != self.pending_owner() {
            return Err(Error::new(
                OwnableUnauthorizedAccount::SELECTOR,
                &[&address_word(sender)],
            ));
        }
        self.write(&GLOBAL, 1, &U256::ZERO);
        self.set_owner(sender);
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// 5. Internal functions
// ------------------------------------------------------------------------------------------

/// Base of the global slots (`self.read(&GLOBAL, CORE)` is slot `CORE`).
const GLOBAL: U256 = U256::ZERO;

/// Ten.
const TEN: U256 = U256::from_limbs([10, 0, 0, 0]);

/// `10^9`: a WAD times this is a RAY.
const GWEI: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);

/// A revealed bid as the clearing sees it (`word` = amount · price / unit).
fn bid_of(word: U256, unit: &U256, index: u64) -> Bid {
    Bid {
        // Stored price < 2^128 and unit <= 10^36 < 2^120: no overflow.
        price: clearing::overflowing_mul(&U256::from(high(word)), unit).0,
        amount: U256::from(low(word)),
        // Reveal indices stay below 2000.
        index: index as u32,
    }
}

impl BatchAuction {
    // ----- storage, events, time -------------------------------------------------------------

    /// The word `k` slots after `base`.
    #[inline(never)]
    fn read(&self, base: &U256, k: u64) -> U256 {
        U256::from_be_bytes(self.vm().storage_load_bytes32(at(base, k)).0)
    }

    /// Writes `value` `k` slots after `base`.
    #[inline(never)]
    fn write(&mut self, base: &U256, k: u64, value: &U256) {
        // SAFETY: writes go to the host's storage cache, which the entry point flushes at the
        // end of the call and every outgoing call flushes first (`gavel_common::erc20::call`
        // does), so no other contract can observe a stale slot.
        unsafe {
            self.vm()
                .storage_cache_bytes32(at(base, k), B256::from(value.to_be_bytes::<32>()))
        };
    }

    /// `OwnableUnauthorizedAccount(caller)` unless the caller is the admin.
    #[inline(always)]
    fn only_owner(&self) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        if sender != self.owner() {
            return Err(Error::new(
                OwnableUnauthorizedAccount::SELECTOR,
                &[&address_word(sender)],
            ));
        }
        Ok(())
    }

    /// Makes `owner` the admin and logs `OwnershipTransferred`.
    fn set_owner(&mut self, owner: Address) {
        let previous = self.read(&GLOBAL, 0);
        self.write(&GLOBAL, 0, &address_word(owner));
        self.emit(
            &OwnershipTransferred::SIGNATURE_HASH,
            &[&previous, &address_word(owner)],
            &[],
        );
    }

    /// Writes `new` at `slot` unless it equals the stored `old`.
    fn store_changed(&mut self, slot: u64, old: &U256, new: &U256) {
        if old != new {
            self.write(&GLOBAL, slot, new);
        }
    }

    /// `keccak256(key . base)`: the first slot of `key`'s entry in mapping `base`.
    #[inline(never)]
    fn entry(&self, key: &U256, base: u64) -> U256 {
        U256::from_be_bytes(
            self.vm()
                .native_keccak256(&encode(&[key, &U256::from(base)]))
                .0,
        )
    }

    fn kicker_slot(&self, account: Address) -> U256 {
        self.entry(&address_word(account), KICKERS)
    }

    /// First slot of batch `batch_id`.
    #[inline(always)]
    fn batch_slot(&self, batch_id: &U256) -> U256 {
        self.entry(batch_id, BATCHES)
    }

    /// First slot of `bidder`'s entry in batch `batch_id`: the key is `bidder` in the low 160
    /// bits and the batch id above (batch ids stay below 2^64; a larger id cannot have a
    /// batch, and its entries are never written).
    fn bidder_slot(&self, batch_id: &U256, bidder: Address) -> U256 {
        self.entry(&with_address(bidder, 0, limb(*batch_id, 0)), BIDDERS)
    }

    /// Logs an event: `topic0`, the `indexed` topics, then `data` words.
    #[inline(never)]
    fn emit(&self, topic0: &B256, indexed: &[&U256], data: &[&U256]) {
        let mut log = topic0.to_vec();
        log.extend_from_slice(&encode(indexed));
        log.extend_from_slice(&encode(data));
        gavel_common::log::emit(self.vm(), &log, 1 + indexed.len());
    }

    fn now(&self) -> u64 {
        gavel_common::clock::now(self.vm().block_timestamp())
    }

    /// Takes the lock and checks the circuit breaker (`stopped >= level` blocks); returns
    /// `CORE` as read (without the lock bit).
    #[inline(never)]
    fn enter(&mut self, level: u64) -> Result<U256, Error> {
        let core = self.read(&GLOBAL, CORE);
        let flags = limb(core, 2);
        if flags & C_LOCK != 0 {
            return Err(Error::new(Locked::SELECTOR, &[]));
        }
        let stopped = field(flags, C_STOPPED, 2);
        if stopped >= level {
            return Err(Error::new(
                AuctionsStopped::SELECTOR,
                &[&U256::from(stopped)],
            ));
        }
        self.write(&GLOBAL, CORE, &with_limb(core, 2, flags | C_LOCK));
        Ok(core)
    }

    /// Releases the lock (re-reading `CORE`, which the operation may have changed).
    #[inline(never)]
    fn leave(&mut self) {
        let core = self.read(&GLOBAL, CORE);
        self.write(&GLOBAL, CORE, &with_limb(core, 2, limb(core, 2) & !C_LOCK));
    }

    // ----- calls ------------------------------------------------------------------------------

    /// The host `gavel_common::erc20` makes calls through: in WASM the token-call subset of
    /// `hostio` (so that no vtable of the whole SDK host is linked), natively `self.vm()`.
    fn calls(&self) -> &dyn stylus_sdk::stylus_core::Host {
        #[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
        return &hostio::Hostio;
        #[cfg(not(all(target_arch = "wasm32", not(any(test, feature = "export-abi")))))]
        return self.vm();
    }

    /// A state-changing call; the storage cache is flushed first, so the callee (and any
    /// re-entrant call, which the lock refuses) sees this contract's state.
    #[inline(always)]
    fn call(
        &mut self,
        target: Address,
        selector: [u8; 4],
        args: &[&U256],
    ) -> Result<Vec<u8>, Error> {
        self.call_with(target, selector, args, false)
    }

    /// The return data of a static call to `target` (the storage cache is flushed first too:
    /// the writes are due at the end of the call anyway, so this costs no extra slot write).
    #[inline(always)]
    fn view(&self, target: Address, selector: [u8; 4], args: &[&U256]) -> Result<Vec<u8>, Error> {
        self.call_with(target, selector, args, true)
    }

    /// A call to `target` with `selector` and `args` (static if `static_call`); its revert
    /// data becomes `ExternalCallFailed(target, reason)`.
    #[inline(never)]
    fn call_with(
        &self,
        target: Address,
        selector: [u8; 4],
        args: &[&U256],
        static_call: bool,
    ) -> Result<Vec<u8>, Error> {
        erc20::call(self.calls(), target, &calldata(selector, args), static_call)
            .map_err(|reason| call_failed(target, reason))
    }

    /// The first return word of a static call to `target`.
    fn view_word(&self, target: Address, selector: [u8; 4], args: &[&U256]) -> Result<U256, Error> {
        let returned = self.view(target, selector, args)?;
        word_of(target, &returned, 0)
    }

    /// `decimals()` of `target` (a token or the oracle), at most 255.
    fn decimals(&self, target: Address) -> Result<u64, Error> {
        let word = self.view_word(target, DECIMALS, &[])?;
        in_range(&word, 0, 255).ok_or_else(|| call_failed(target, encode(&[&word])))
    }

    /// `token.balanceOf(this)`.
    fn balance(&self, token: Address) -> Result<U256, Error> {
        let this = address_word(self.vm().contract_address());
        self.view_word(token, BALANCE_OF, &[&this])
    }

    /// Pulls exactly `amount` of `token` from `from`, or fails with `TokenNotReceived`.
    #[inline(never)]
    fn pull(&mut self, token: Address, from: Address, amount: u128) -> Result<(), Error> {
        let amount = U256::from(amount);
        let before = self.balance(token)?;
        let house = self.vm().contract_address();
        erc20::safe_transfer_from(self.calls(), token, from, house, amount)
            .map_err(token_failed)?;
        let received = self.balance(token)?.saturating_sub(before);
        if received != amount {
            return Err(Error::new(
                TokenNotReceived::SELECTOR,
                &[&address_word(token), &amount, &received],
            ));
        }
        Ok(())
    }

    /// Sends `amount` of `token` to `to` (nothing for zero).
    #[inline(never)]
    fn push(&mut self, token: Address, to: Address, amount: &U256) -> Result<(), Error> {
        if !amount.is_zero() {
            erc20::safe_transfer(self.calls(), token, to, *amount).map_err(token_failed)?;
        }
        Ok(())
    }

    /// `token.approve(spender, amount)` as OpenZeppelin's `forceApprove`: if the approval
    /// fails, approve zero and then `amount`.
    fn force_approve(
        &mut self,
        token: Address,
        spender: Address,
        amount: U256,
    ) -> Result<(), Error> {
        let host = self.calls();
        erc20::safe_approve(host, token, spender, amount)
            .or_else(|_| {
                erc20::safe_approve(host, token, spender, U256::ZERO)?;
                erc20::safe_approve(host, token, spender, amount)
            })
            .map_err(token_failed)
    }

    // ----- operations -------------------------------------------------------------------------

    fn kick_inner(
        &mut self,
        core: U256,
        liquidation_id: U256,
        tab: U256,
        lot: U256,
        usr: Address,
        kpr: Address,
    ) -> Result<U256, Error> {
        let kicker = self.vm().msg_sender();
        if !self.is_kicker(kicker) {
            return Err(unauthorized(kicker));
        }
        if tab.is_zero() || lot.is_zero() {
            return Err(zero_amount());
        }
        if usr.is_zero() {
            return Err(zero_address());
        }
        let tab_units = checked128(&tab)?;
        let lot_units = checked128(&lot)?;
        let liquidation = in_range(&liquidation_id, 0, MAX_LIQUIDATION_ID)
            .ok_or_else(|| too_large(&liquidation_id, &U256::from(MAX_LIQUIDATION_ID)))?;
        let now = self.now();
        let solvency_word = self.read(&GLOBAL, SOLVENCY);
        let last = limb(core, 3);
        let mut id = last;
        let mut base = self.batch_slot(&U256::from(id));
        let mut head = self.read(&base, B_HEAD);
        let mut lots = self.read(&base, B_LOTS);
        let joined = low(lots).checked_add(lot_units);
        if !takes_kicks(head, now) || joined.is_none() {
            // Open a new batch with the parameters in force.
            let debt_word = self.read(&GLOBAL, DEBT);
            let kick_window = limb(solvency_word, 2) >> 32;
            let windows = limb(solvency_word, 3);
            let max_bids = limb(debt_word, 3);
            if kick_window == 0
                || windows >> 32 == 0
                || max_bids == 0
                || limb(debt_word, 2) >> 32 == 0
            {
                return Err(Error::new(NotConfigured::SELECTOR, &[]));
            }
            // Windows are below 2^32: the sums cannot overflow.
            let commit_end = now.saturating_add(field(windows, 0, 32));
            id = last.checked_add(1).ok_or_else(math_overflow)?;
            base = self.batch_slot(&U256::from(id));
            let meta = (STATUS_OPEN << H_STATUS) | (max_bids << H_MAX_BIDS);
            head = U256::from_limbs([
                now.saturating_add(kick_window),
                commit_end,
                commit_end.saturating_add(windows >> 32),
                meta,
            ]);
            // Total lot 0; the reserve (WAD) in limb 2.
            lots = U256::from_limbs([0, 0, limb(self.read(&GLOBAL, ORACLE), 3), 0]);
            let terms = self.read(&GLOBAL, TERMS);
            self.write(&base, B_TERMS, &terms);
            self.write(
                &GLOBAL,
                CORE,
                &with_limb(with_limb(core, 2, limb(core, 2) | C_LOCK), 3, id),
            );
            self.emit(
                &BatchOpened::SIGNATURE_HASH,
                &[&U256::from(id)],
                &[
                    &U256::from(limb(head, 0)),
                    &U256::from(limb(head, 1)),
                    &U256::from(limb(head, 2)),
                ],
            );
        }
        // Effects. index < MAX_KICKS; the new total fits 128 bits (checked above, or the lot
        // alone in a new batch).
        let index = head_field(head, H_KICKS, 8);
        self.write(&base, B_HEAD, &with_head_field(head, H_KICKS, 8, index + 1));
        let total = low(lots).saturating_add(lot_units);
        self.write(&base, B_LOTS, &pair(total, high(lots)));
        let kick = B_KICKS + 3 * index;
        self.write(&base, kick, &pair(tab_units, lot_units));
        self.write(&base, kick + 1, &with_address(usr, 0, liquidation));
        self.write(&base, kick + 2, &address_word(kicker));

        // Interactions.
        let solvency = address_of(solvency_word);
        self.call(
            solvency,
            ATTACH,
            &[&liquidation_id, &address_word(kicker), &tab],
        )?;
        self.pull(address_of(core), kicker, lot_units)?;
        let id = U256::from(id);
        self.emit(
            &Kick::SIGNATURE_HASH,
            &[&id, &liquidation_id, &address_word(kpr)],
            &[&U256::from(index), &tab, &lot, &address_word(usr)],
        );
        Ok(id)
    }

    fn commit_inner(
        &mut self,
        batch_id: U256,
        commitment: FixedBytes<32>,
        deposit: U256,
    ) -> Result<(), Error> {
        let bidder = self.vm().msg_sender();
        let base = self.batch_slot(&batch_id);
        let head = self.read(&base, B_HEAD);
        let current = phase(head, self.now());
        if current != PHASE_COMMIT {
            return Err(wrong_phase(&batch_id, current));
        }
        if deposit.is_zero() {
            return Err(zero_amount());
        }
        let bond = U256::from(low(self.read(&base, B_TERMS)));
        if deposit < bond {
            return Err(Error::new(DepositBelowBond::SELECTOR, &[&deposit, &bond]));
        }
        let units = checked128(&deposit)?;
        let commits = head_field(head, H_COMMITS, 16);
        let max_bids = head_field(head, H_MAX_BIDS, 16);
        if commits >= max_bids {
            return Err(Error::new(TooManyBids::SELECTOR, &[&U256::from(max_bids)]));
        }
        // Effects (counts stay below maxBids <= 2000).
        self.write(
            &base,
            B_HEAD,
            &with_head_field(head, H_COMMITS, 16, commits + 1),
        );
        let entry = self.bidder_slot(&batch_id, bidder);
        let bidder_head = self.read(&entry, 0);
        let n = field(limb(bidder_head, 0), 0, 32);
        self.write(
            &entry,
            0,
            &with_limb(bidder_head, 0, limb(bidder_head, 0) + 1),
        );
        let hash = U256::from_be_bytes(commitment.0);
        self.write(&entry, 1 + 2 * n, &hash);
        self.write(&entry, 2 + 2 * n, &pair(units, 0));

        // Interactions.
        self.pull(address_of(self.read(&GLOBAL, DEBT)), bidder, units)?;
        self.emit(
            &Commit::SIGNATURE_HASH,
            &[&batch_id, &address_word(bidder)],
            &[&hash, &deposit],
        );
        Ok(())
    }

    fn reveal_inner(
        &mut self,
        core: U256,
        batch_id: U256,
        amount: U256,
        price: U256,
        salt: FixedBytes<32>,
    ) -> Result<(), Error> {
        let bidder = self.vm().msg_sender();
        let base = self.batch_slot(&batch_id);
        let head = self.read(&base, B_HEAD);
        let current = phase(head, self.now());
        if current != PHASE_REVEAL {
            return Err(wrong_phase(&batch_id, current));
        }
        let hash = U256::from_be_bytes(
            self.vm()
                .native_keccak256(&preimage(batch_id, bidder, amount, price, salt))
                .0,
        );
        // The caller's first unrevealed commitment with this hash.
        let entry = self.bidder_slot(&batch_id, bidder);
        let count = field(limb(self.read(&entry, 0), 0), 0, 32);
        let mut found = None;
        let mut revealed = false;
        for n in 0..count {
            if self.read(&entry, 1 + 2 * n) == hash {
                let meta = self.read(&entry, 2 + 2 * n);
                if limb(meta, 2) == 0 {
                    found = Some((n, meta));
                    break;
                }
                revealed = true;
            }
        }
        let Some((n, meta)) = found else {
            let selector = if revealed {
                AlreadyRevealed::SELECTOR
            } else {
                UnknownCommitment::SELECTOR
            };
            return Err(Error::new(selector, &[&hash]));
        };
        let minimum = U256::from(high(self.read(&base, B_TERMS)));
        if amount.is_zero() || amount < minimum {
            return Err(Error::new(BidTooSmall::SELECTOR, &[&amount, &minimum]));
        }
        let amount_units = checked128(&amount)?;
        let unit = scale_unit(core);
        let (units, rest) = clearing::div_rem(price, unit)?;
        if units.is_zero() || !rest.is_zero() {
            return Err(Error::new(PriceOffGrid::SELECTOR, &[&price, &unit]));
        }
        let price_units = checked128(&units)?;
        // ceil(amount * price / RAY), the most this bid can pay. It fails only when
        // amount * price >= 2^256 (the clearing's bound; amount >= 1 here).
        let Ok(required) = clearing::payment(amount, price) else {
            return Err(too_large(&price, &clearing::div_rem(U256::MAX, amount)?.0));
        };
        let deposit = U256::from(low(meta));
        if deposit < required {
            return Err(Error::new(
                DepositTooSmall::SELECTOR,
                &[&deposit, &required],
            ));
        }
        // Effects (reveals <= commits <= 2000).
        let index = head_field(head, H_REVEALS, 16);
        self.write(
            &base,
            B_HEAD,
            &with_head_field(head, H_REVEALS, 16, index + 1),
        );
        self.write(&base, B_BIDS + index, &pair(amount_units, price_units));
        self.write(&entry, 2 + 2 * n, &with_limb(meta, 2, index + 1));
        self.emit(
            &Reveal::SIGNATURE_HASH,
            &[&batch_id, &address_word(bidder)],
            &[&hash, &amount, &price],
        );
        Ok(())
    }

    fn settle_inner(&mut self, core: U256, batch_id: U256) -> Result<(), Error> {
        let now = self.now();
        let base = self.batch_slot(&batch_id);
        let head = self.read(&base, B_HEAD);
        let current = phase(head, now);
        if current != PHASE_SETTLE {
            return Err(wrong_phase(&batch_id, current));
        }
        let lots = self.read(&base, B_LOTS);
        let reserve = self.reserve_price(core, limb(lots, 2), now)?;
        let unit = scale_unit(core);

        // Read every kick and every revealed bid once, and clear.
        let kick_count = head_field(head, H_KICKS, 8);
        let mut kicks = [Lot::default(); MAX_KICKS as usize];
        for (i, kick) in (0..kick_count).zip(kicks.iter_mut()) {
            let amounts = self.read(&base, B_KICKS + 3 * i);
            *kick = Lot::new(U256::from(low(amounts)), U256::from(high(amounts)));
        }
        // kick_count <= MAX_KICKS.
        let kicks = kicks.get_mut(..kick_count as usize).unwrap_or_default();
        let result = self.clear(
            &base,
            head_field(head, H_REVEALS, 16),
            &unit,
            reserve,
            kicks,
        )?;
        let raised = checked128(&result.paid)?;
        // reveals <= commits <= 2000 and bond < 2^128: the product fits.
        let unrevealed =
            head_field(head, H_COMMITS, 16).saturating_sub(head_field(head, H_REVEALS, 16));
        let bond = low(self.read(&base, B_TERMS));
        let slashed = clearing::overflowing_mul(&U256::from(bond), &U256::from(unrevealed)).0;

        // Effects: the result. sold <= total lot < 2^128, the marginal numerator <= sold,
        // p* is a revealed price (a multiple of `unit`, below 2^128 units), cutoff <= 2001.
        self.write(
            &base,
            B_HEAD,
            &with_head_field(head, H_STATUS, 8, STATUS_SETTLED),
        );
        self.write(&base, B_LOTS, &with_limb(lots, 3, result.cutoff));
        let price_units = low(clearing::div_rem(result.price, unit)?.0);
        self.write(&base, B_PRICE, &pair(price_units, low(result.margin_num)));
        self.write(&base, B_DEN, &result.margin_den);
        self.write(&base, B_TOTALS, &pair(raised, low(result.sold)));

        // Interactions.
        let collateral = address_of(core);
        let debt = address_of(self.read(&GLOBAL, DEBT));
        let solvency = address_of(self.read(&GLOBAL, SOLVENCY));
        self.push(debt, solvency, &result.paid)?;
        for (i, kick) in (0..kick_count).zip(kicks.iter()) {
            let slot = B_KICKS + 3 * i;
            let owner = self.read(&base, slot + 1);
            let tab_left = kick.tab.saturating_sub(kick.raised);
            // sold <= needed <= lot.
            let lot_left = kick.lot.saturating_sub(kick.sold);
            let to = if tab_left.is_zero() {
                owner
            } else {
                self.read(&base, slot + 2)
            };
            self.push(collateral, address_of(to), &lot_left)?;
            let liquidation = U256::from(limb(owner, 3));
            self.call(
                solvency,
                ON_AUCTION_END,
                &[&liquidation, &kick.raised, &tab_left, &lot_left],
            )?;
        }
        if !slashed.is_zero() {
            self.force_approve(debt, solvency, slashed)?;
            self.call(solvency, DEPOSIT, &[&slashed])?;
            self.emit(
                &Slash::SIGNATURE_HASH,
                &[&batch_id],
                &[&U256::from(unrevealed), &slashed],
            );
        }
        self.emit(
            &Settle::SIGNATURE_HASH,
            &[&batch_id],
            &[&result.price, &result.sold, &result.paid],
        );
        Ok(())
    }

    /// Reads the revealed bids of the batch at `base` (one slot each), clears them against
    /// `kicks` and splits the sale among the kicks (written into `kicks`).
    #[inline(never)]
    fn clear(
        &self,
        base: &U256,
        reveals: u64,
        unit: &U256,
        reserve: U256,
        kicks: &mut [Lot],
    ) -> Result<Clearing, Error> {
        let mut bids: Vec<Bid> = Vec::with_capacity(reveals as usize);
        for r in 0..reveals {
            bids.push(bid_of(self.read(base, B_BIDS + r), unit, r));
        }
        let result = clearing::clear(&mut bids, kicks, reserve)?;
        clearing::allocate(&result, kicks)?;
        Ok(result)
    }

    fn claim_inner(&mut self, core: U256, batch_id: U256) -> Result<(), Error> {
        let bidder = self.vm().msg_sender();
        let base = self.batch_slot(&batch_id);
        let head = self.read(&base, B_HEAD);
        let status = head_field(head, H_STATUS, 8);
        if status < STATUS_SETTLED {
            return Err(wrong_phase(&batch_id, phase(head, self.now())));
        }
        let entry = self.bidder_slot(&batch_id, bidder);
        let bidder_head = self.read(&entry, 0);
        let flags = limb(bidder_head, 0);
        let bidder_word = address_word(bidder);
        if flags == 0 {
            return Err(Error::new(
                NothingToClaim::SELECTOR,
                &[&batch_id, &bidder_word],
            ));
        }
        if flags & E_CLAIMED != 0 {
            return Err(Error::new(
                AlreadyClaimed::SELECTOR,
                &[&batch_id, &bidder_word],
            ));
        }
        let [won, paid, refund] = self.outcome(&base, &entry, status, &scale_unit(core))?;
        // Effects.
        self.write(&entry, 0, &with_limb(bidder_head, 0, flags | E_CLAIMED));
        // Interactions.
        self.push(address_of(core), bidder, &won)?;
        self.push(address_of(self.read(&GLOBAL, DEBT)), bidder, &refund)?;
        self.emit(
            &Claim::SIGNATURE_HASH,
            &[&batch_id, &bidder_word],
            &[&won, &paid, &refund],
        );
        Ok(())
    }

    /// `[won, paid, refund]` of the bidder at `entry` in the settled or yanked batch at `base`,
    /// from its own bids only.
    #[inline(never)]
    fn outcome(
        &self,
        base: &U256,
        entry: &U256,
        status: u64,
        unit: &U256,
    ) -> Result<[U256; 3], Error> {
        let yanked = status == STATUS_YANKED;
        let clearing = self.load_clearing(base, unit);
        let bond = U256::from(low(self.read(base, B_TERMS)));
        let count = field(limb(self.read(entry, 0), 0), 0, 32);
        let (mut won, mut paid, mut refund) = (U256::ZERO, U256::ZERO, U256::ZERO);
        for n in 0..count {
            let meta = self.read(entry, 2 + 2 * n);
            let index = limb(meta, 2);
            let kept = if yanked {
                U256::ZERO
            } else if index == 0 {
                // An unrevealed commitment forfeits the bond (deposit >= bond at commit).
                bond
            } else {
                let r = index - 1;
                let bid = bid_of(self.read(base, B_BIDS + r), unit, r);
                let fill = clearing::fill(&clearing, &bid)?;
                let pay = clearing::payment(fill, clearing.price)?;
                won = clearing::add(&won, &fill)?;
                paid = clearing::add(&paid, &pay)?;
                pay
            };
            // pay <= ceil(amount * price / RAY) <= deposit, and bond <= deposit.
            refund = clearing::add(&refund, &clearing::sub(&U256::from(low(meta)), &kept)?)?;
        }
        Ok([won, paid, refund])
    }

    /// The stored clearing of the batch at `base` (all zeros before settlement).
    fn load_clearing(&self, base: &U256, unit: &U256) -> Clearing {
        let price = self.read(base, B_PRICE);
        let totals = self.read(base, B_TOTALS);
        Clearing {
            // Stored price < 2^128, unit < 2^120.
            price: clearing::overflowing_mul(&U256::from(low(price)), unit).0,
            sold: U256::from(high(totals)),
            margin_num: U256::from(high(price)),
            margin_den: self.read(base, B_DEN),
            cutoff: limb(self.read(base, B_LOTS), 3),
            paid: U256::from(low(totals)),
        }
    }

    fn yank_inner(&mut self, core: U256, batch_id: U256) -> Result<(), Error> {
        let base = self.batch_slot(&batch_id);
        let head = self.read(&base, B_HEAD);
        if head_field(head, H_STATUS, 8) != STATUS_OPEN {
            return Err(wrong_phase(&batch_id, phase(head, self.now())));
        }
        self.write(
            &base,
            B_HEAD,
            &with_head_field(head, H_STATUS, 8, STATUS_YANKED),
        );
        let solvency = address_of(self.read(&GLOBAL, SOLVENCY));
        for i in 0..head_field(head, H_KICKS, 8) {
            let kick = B_KICKS + 3 * i;
            let amounts = self.read(&base, kick);
            let liquidation = U256::from(limb(self.read(&base, kick + 1), 3));
            let kicker = address_of(self.read(&base, kick + 2));
            let lot = U256::from(high(amounts));
            self.push(address_of(core), kicker, &lot)?;
            // Deliberately not checked: see `yank`.
            let tab = U256::from(low(amounts));
            let _ = self.call(
                solvency,
                ON_AUCTION_END,
                &[&liquidation, &U256::ZERO, &tab, &lot],
            );
        }
        self.emit(&Yank::SIGNATURE_HASH, &[&batch_id], &[]);
        Ok(())
    }

    /// `ceil(oracle price * reserve)` in RAY (`reserve` a WAD), after checking that the answer
    /// is positive and fresh.
    fn reserve_price(&self, core: U256, reserve: u64, now: u64) -> Result<U256, Error> {
        let oracle = address_of(self.read(&GLOBAL, ORACLE));
        let returned = self.view(oracle, LATEST_ROUND_DATA, &[])?;
        let answer = word_of(oracle, &returned, 1)?;
        let updated_at = word_of(oracle, &returned, 3)?;
        if answer.is_zero() || answer.bit(255) {
            return Err(Error::new(InvalidPrice::SELECTOR, &[&answer]));
        }
        let max_age = limb(self.read(&GLOBAL, DEBT), 2) >> 32;
        // Fresh: `updated_at <= now` and `now - updated_at <= maxAge`.
        if in_range(&updated_at, 0, now).is_none_or(|at| now - at > max_age) {
            return Err(Error::new(
                StalePrice::SELECTOR,
                &[&updated_at, &U256::from(now)],
            ));
        }
        // Oracle price (RAY) = answer * 10^(27 - d), d = cd + od - dd in -36..=72, so the
        // reserve price is ceil(answer * 10^(27 - d) * reserveWad * 10^9 / 10^27)
        // = ceil(answer * reserveWad * 10^(9 - d)) = ceil(answer * reserveWad * 10^up / 10^down)
        // with up = max(0, 9 - d) <= 45 and down = max(0, d - 9) <= 63.
        let d = i64::from(field(limb(core, 2), C_EXP, 8) as u8 as i8);
        let up = pow10((9 - d).max(0).unsigned_abs());
        let down = pow10((d - 9).max(0).unsigned_abs());
        let value = clearing::mul(&answer, &U256::from(reserve))?;
        Ok(clearing::mul_div_up(&value, &up, &down)?)
    }

    // ----- views as ABI words (the dispatcher returns these; the typed views wrap them) -------

    fn preview_words(&self, batch_id: U256, bidder: Address) -> Result<[U256; 5], Error> {
        let base = self.batch_slot(&batch_id);
        let entry = self.bidder_slot(&batch_id, bidder);
        let flags = limb(self.read(&entry, 0), 0);
        let status = head_field(self.read(&base, B_HEAD), H_STATUS, 8);
        let [won, paid, refund] = if status < STATUS_SETTLED {
            [U256::ZERO; 3]
        } else {
            self.outcome(&base, &entry, status, &scale_unit(self.read(&GLOBAL, CORE)))?
        };
        Ok([
            U256::from(field(flags, 0, 32)),
            U256::from(flags >> 32),
            won,
            paid,
            refund,
        ])
    }

    fn batch_words(&self, batch_id: U256) -> [U256; 8] {
        let base = self.batch_slot(&batch_id);
        let head = self.read(&base, B_HEAD);
        let meta = |offset, width| U256::from(head_field(head, offset, width));
        [
            U256::from(phase(head, self.now())),
            U256::from(limb(head, 0)),
            U256::from(limb(head, 1)),
            U256::from(limb(head, 2)),
            meta(H_KICKS, 8),
            meta(H_COMMITS, 16),
            meta(H_REVEALS, 16),
            U256::from(low(self.read(&base, B_LOTS))),
        ]
    }

    fn terms_words(&self, batch_id: U256) -> [U256; 4] {
        let base = self.batch_slot(&batch_id);
        let terms = self.read(&base, B_TERMS);
        let reserve = limb(self.read(&base, B_LOTS), 2);
        [
            U256::from(low(terms)),
            U256::from(high(terms)),
            // A WAD times 10^9 is below 2^94.
            clearing::overflowing_mul(&U256::from(reserve), &GWEI).0,
            U256::from(head_field(self.read(&base, B_HEAD), H_MAX_BIDS, 16)),
        ]
    }

    fn result_words(&self, batch_id: U256) -> [U256; 6] {
        let c = self.load_clearing(
            &self.batch_slot(&batch_id),
            &scale_unit(self.read(&GLOBAL, CORE)),
        );
        [
            c.price,
            c.sold,
            c.paid,
            c.margin_num,
            c.margin_den,
            U256::from(c.cutoff),
        ]
    }

    fn kick_words(&self, batch_id: U256, index: U256) -> [U256; 5] {
        // Kick slots lie below the bid slots: an index beyond them reads zeros.
        let Some(i) = in_range(&index, 0, MAX_KICKS - 1) else {
            return [U256::ZERO; 5];
        };
        let base = self.batch_slot(&batch_id);
        let kick = B_KICKS + 3 * i;
        let amounts = self.read(&base, kick);
        let owner = self.read(&base, kick + 1);
        [
            U256::from(limb(owner, 3)),
            U256::from(low(amounts)),
            U256::from(high(amounts)),
            address_word(address_of(owner)),
            self.read(&base, kick + 2),
        ]
    }

    fn commitment_words(&self, batch_id: U256, bidder: Address, n: U256) -> [U256; 5] {
        let entry = self.bidder_slot(&batch_id, bidder);
        let count = field(limb(self.read(&entry, 0), 0), 0, 32);
        let Some(n) = in_range(&n, 0, count.saturating_sub(1)).filter(|_| count > 0) else {
            return [U256::ZERO; 5];
        };
        let meta = self.read(&entry, 2 + 2 * n);
        let index = limb(meta, 2);
        let (amount, price) = if index == 0 {
            (U256::ZERO, U256::ZERO)
        } else {
            let unit = scale_unit(self.read(&GLOBAL, CORE));
            let bid = bid_of(
                self.read(&self.batch_slot(&batch_id), B_BIDS + index - 1),
                &unit,
                0,
            );
            (bid.amount, bid.price)
        };
        [
            self.read(&entry, 1 + 2 * n),
            U256::from(low(meta)),
            U256::from(index),
            amount,
            price,
        ]
    }

    fn config_words(&self) -> [U256; 9] {
        let core = self.read(&GLOBAL, CORE);
        let last = limb(core, 3);
        let head = self.read(&self.batch_slot(&U256::from(last)), B_HEAD);
        let open = if takes_kicks(head, self.now()) {
            last
        } else {
            0
        };
        let address = |slot| address_word(address_of(self.read(&GLOBAL, slot)));
        [
            address_word(address_of(core)),
            address(DEBT),
            address(ORACLE),
            address(SOLVENCY),
            address(GUARDIAN),
            U256::from(field(limb(core, 2), C_STOPPED, 2)),
            scale_unit(core),
            U256::from(last),
            U256::from(open),
        ]
    }

    #[inline(always)]
    fn params_words(&self) -> [U256; 8] {
        let solvency = self.read(&GLOBAL, SOLVENCY);
        let debt = self.read(&GLOBAL, DEBT);
        let terms = self.read(&GLOBAL, TERMS);
        let windows = limb(solvency, 3);
        [
            U256::from(limb(solvency, 2) >> 32),
            U256::from(field(windows, 0, 32)),
            U256::from(windows >> 32),
            U256::from(limb(debt, 3)),
            // A WAD times 10^9 is below 2^94.
            clearing::overflowing_mul(&U256::from(limb(self.read(&GLOBAL, ORACLE), 3)), &GWEI).0,
            U256::from(low(terms)),
            U256::from(high(terms)),
            U256::from(limb(debt, 2) >> 32),
        ]
    }
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<BatchAuction>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

//! # DutchAuction
//!
//! gavel's Dutch auction house: sells seized collateral in descending-price auctions, with the
//! keeper-facing ABI and events of Maker's Liquidations 2.0 `Clipper` (`take`, `redo`,
//! `getStatus`, `list`, `count`, `sales`; `Kick`, `Take`, `Redo`, `Yank`), so keeper bots and
//! indexers written for Clipper work unchanged.
//!
//! One instance serves one (collateral token, debt token) pair. It is deployed with
//! `constructor(admin, collateral, debt_token, oracle, solvency)`: the oracle has Chainlink's
//! `AggregatorV3Interface` ABI, the solvency module is gavel's `ISolvencyModule`
//! (`specs/solvency-interface.md`).
//!
//! ## Units
//!
//! * `tab`, `owe`, `tip`, `dust` (Clipper's `chost`): debt-token base units.
//! * `lot`, `slice`, `amt`: collateral base units.
//! * prices (`top`, `price`, `max`): **RAY**, debt base units per collateral base unit times
//!   `10^27`. The oracle price is `answer * 10^(27 + debtDecimals - collateralDecimals -
//!   oracleDecimals)`; the decimals are read once at construction (each must be at most 36,
//!   otherwise `UnsupportedDecimals`).
//! * `buf`, `cusp`, `floor`, curve `cut`: RAY factors as in Clipper, **stored as WADs**: a
//!   setter rejects a value that is not a multiple of `10^9` (`InvalidParameter`), so the stored
//!   value is exact. `chip`: WAD as in Clipper.
//!
//! ## Rounding (always towards the protocol)
//!
//! * the curve price is rounded up; `owe = ceil(slice * price / RAY)`;
//! * when `owe` is cut down (to the tab, or to leave `dust`), `slice = floor(owe * RAY / price)`,
//!   so `owe >= slice * price / RAY` always: the protocol is never paid less than the price
//!   implies (a buyer may overpay by less than one collateral base unit's worth);
//! * `top` and the floor are rounded up when an auction (re)starts.
//!
//! ## Snapshot per sale
//!
//! `kick` and `redo` copy into the sale everything that decides its course: curve kind, `cut`
//! and period, `tail`, `dust`, and one absolute price threshold `minPrice` that folds the floor
//! and `cusp` together (exactly, see [`Snapshot`]). Changing a parameter therefore never changes
//! a running auction (Trail of Bits' Clipper finding); `redo` takes the parameters in force.
//! `buf` only serves to compute `top` at the (re)start and is not stored again.
//!
//! ## A sale is 4 storage slots
//!
//! | slot | bits |
//! |---|---|
//! | 0 | `tab` u128 \| `lot` u128 |
//! | 1 | `top` u128 \| `minPrice` u128 (both in price units, below) |
//! | 2 | `usr` address \| `tic` u40 \| `pos` u32 \| kicker index u16 \| curve kind u8 |
//! | 3 | `cut` u64 (WAD) \| period u32 \| `tail` u32 \| `dust` u88 \| `liquidationId` u40 |
//!
//! Bounds (rejected with `ValueTooLarge` when exceeded): `tab`, `lot` `< 2^128`;
//! `liquidationId < 2^40`; at most `2^23 - 1` active auctions; at most `2^16 - 1` kickers ever
//! authorised; `tail`, `tau`, `step`, `maxAge < 2^32` seconds; `tip`, `dust < 2^88`; `buf` at
//! most `18.44` (u64 WAD). Prices are stored in *price units* of `10^s` RAY where
//! `s = max(0, debtDecimals - collateralDecimals)`, i.e. with a resolution of `10^-27` of a
//! whole debt token per whole collateral token (or finer): a stored price `< 2^128` covers
//! any collateral worth less than `3.4 * 10^11` debt tokens. `top` is rounded up to a whole
//! price unit; a `top` beyond the bound makes `kick`/`redo` revert with `ValueTooLarge`.
//!
//! `take` reads the two configuration slots and the four sale slots once each, and a partial
//! take writes one sale slot (besides the lock, which shares a configuration slot).
//!
//! ## Safety beyond Clipper
//!
//! * oracle: positive answer, `updatedAt` not in the future and at most `maxAge` old, else
//!   `InvalidPrice`/`StalePrice`; this blocks `kick` and `redo`, never `take` (which does not
//!   read the oracle);
//! * an absolute floor: no take at or below `floor * oracle price` at the last (re)start;
//!   reaching it makes the auction need a `redo`;
//! * circuit breaker `stopped` (1: no kick; 2: no kick or redo; 3: no kick, redo or take), set
//!   by the admin (any level) or the guardian (only upwards);
//! * a lock on `kick`/`take`/`redo`/`yank` (the flash callback cannot re-enter them: `Locked`);
//! * the flash callback is never made to the collateral token, the debt token, the solvency
//!   module or this contract (`ForbiddenCallee`).
//!
//! Collateral must be a plain ERC-20 (no fee on transfer, no rebasing): `kick` checks that the
//! house received exactly `lot`.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{vec, vec::Vec};

use alloy_primitives::{
    aliases::{U192, U96},
    Address, FixedBytes, B256, I256, U256,
};
use alloy_sol_types::SolCall;
use gavel_math::{checked_add, checked_sub, mul_div, MathError, Rounding, RAY, WAD};
use openzeppelin_stylus::{
    access::{
        ownable,
        ownable_two_step::{IOwnable2Step, Ownable2Step},
    },
    token::erc20::utils::safe_erc20::{self, ISafeErc20, SafeErc20},
};
use stylus_sdk::{
    abi::Bytes,
    call::RawCall,
    prelude::*,
    storage::{StorageAddress, StorageMap, StorageU256},
    types::AddressVM,
};

pub mod curve;

pub use sol::*;

// ------------------------------------------------------------------------------------------
// 1. Parameters and their validation
// ------------------------------------------------------------------------------------------

/// Largest decimals accepted for either token or the oracle.
pub const MAX_DECIMALS: u8 = 36;
/// Largest `liquidationId` a sale can carry (40 bits).
pub const MAX_LIQUIDATION_ID: u64 = (1 << 40) - 1;
/// Largest number of simultaneously active auctions (23 bits).
pub const MAX_ACTIVE: u32 = (1 << 23) - 1;
/// Largest `tip` and `dust` (88 bits).
pub const MAX_AMOUNT_88: u128 = (1 << 88) - 1;
/// Circuit-breaker levels: `stopped >= level` blocks the operation.
pub const LEVEL_KICK: u8 = 1;
/// `stopped >= 2` blocks `redo` (and `kick`).
pub const LEVEL_REDO: u8 = 2;
/// `stopped >= 3` blocks `take` (and `kick`, `redo`).
pub const LEVEL_TAKE: u8 = 3;
/// `yank` is never blocked by the circuit breaker.
const LEVEL_NONE: u8 = 4;

/// `bytes32` names accepted by [`DutchAuction::file`], as Solidity's `bytes32("...")`.
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
    /// Starting-price factor over the oracle price (RAY, `>= 1`).
    pub const BUF: [u8; 32] = key(b"buf");
    /// Seconds after which an auction needs a redo (`> 0`).
    pub const TAIL: [u8; 32] = key(b"tail");
    /// Price drop (fraction of `top`, RAY, `< 1`) below which an auction needs a redo.
    pub const CUSP: [u8; 32] = key(b"cusp");
    /// Absolute floor as a fraction of the oracle price at (re)start (RAY, `< 1`).
    pub const FLOOR: [u8; 32] = key(b"floor");
    /// Keeper incentive proportional to the tab (WAD, `<= 1`).
    pub const CHIP: [u8; 32] = key(b"chip");
    /// Flat keeper incentive (debt base units).
    pub const TIP: [u8; 32] = key(b"tip");
    /// Dust threshold for partial takes (debt base units; Clipper's `chost`).
    pub const DUST: [u8; 32] = key(b"dust");
    /// Maximum oracle age in seconds (`> 0`).
    pub const MAX_AGE: [u8; 32] = key(b"maxAge");
    /// Circuit-breaker level (event only: set through `setStopped`).
    pub const STOPPED: [u8; 32] = key(b"stopped");
    /// Curve (error reports only: set through `setCurve`).
    pub const CURVE: [u8; 32] = key(b"curve");
}

/// `10^9`: a WAD times this is a RAY.
const GWEI: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);

/// A RAY factor as the exact WAD it stores, if it is one and fits a u64.
fn ray_to_wad(value: U256) -> Option<u64> {
    let (wad, rest) = value.div_rem(GWEI);
    if !rest.is_zero() {
        return None;
    }
    let [low, a, b, c] = wad.into_limbs();
    ((a | b | c) == 0).then_some(low)
}

/// A WAD stored as a u64, widened to RAY (`< 2^94`: cannot overflow).
fn wad_to_ray(wad: u64) -> U256 {
    U256::from(wad).wrapping_mul(GWEI)
}

/// `value` as a u64 if it is in `1..=max`.
fn in_range(value: U256, min: u64, max: u64) -> Option<u64> {
    let [low, a, b, c] = value.into_limbs();
    ((a | b | c) == 0 && low >= min && low <= max).then_some(low)
}

// ------------------------------------------------------------------------------------------
// 2. Storage
// ------------------------------------------------------------------------------------------

/// The four words of one sale (layout in the crate docs).
#[storage]
pub struct SaleSlots {
    w0: StorageU256,
    w1: StorageU256,
    w2: StorageU256,
    w3: StorageU256,
}

/// Storage of the auction house. Configuration is packed by hand into few words so that each
/// operation reads each slot once:
///
/// * `core0`: collateral token (160) | debt token bits 0..96 (96);
/// * `core1`: debt token bits 96..160 (64) | solvency module (160) | `stopped` (2) | lock (1)
///   | price-unit exponent `s` (6) | active count (23) — read by every operation;
/// * `params0`: `buf` WAD (64) | `cusp` WAD (64) | `floor` WAD (64) | `tail` (32) | `maxAge` (32);
/// * `params1`: curve kind (8) | `cut` WAD (64) | period (32) | `dust` (88) | `chip` WAD (64);
/// * `params2`: oracle (160) | `tip` (88) | oracle exponent `e` as i8 (8);
/// * `params3`: `kicks` (64) | guardian (160) | kickers ever authorised (16).
#[storage]
#[entrypoint]
pub struct DutchAuction {
    /// Admin (owner) and pending admin (OpenZeppelin).
    ownable: Ownable2Step,
    /// ERC-20 calls that accept tokens returning nothing (OpenZeppelin; no storage).
    safe_erc20: SafeErc20,
    core0: StorageU256,
    core1: StorageU256,
    params0: StorageU256,
    params1: StorageU256,
    params2: StorageU256,
    params3: StorageU256,
    /// Kicker → `index << 1 | allowed` (index from 1, assigned on first authorisation).
    kickers: StorageMap<Address, StorageU256>,
    /// Kicker index → address (kept after de-authorisation: `yank` returns collateral to it).
    kicker_addresses: StorageMap<U256, StorageAddress>,
    /// Active sale ids, four u64 per word: position `p` is in word `p / 4`, lane `p % 4`.
    active: StorageMap<U256, StorageU256>,
    /// Sales by id.
    sales: StorageMap<U256, SaleSlots>,
}

// Bit offsets. Sale word 2.
const S2_TIC: usize = 160;
const S2_POS: usize = 200;
const S2_KICKER: usize = 232;
const S2_KIND: usize = 248;
// Sale word 3.
const S3_PERIOD: usize = 64;
const S3_TAIL: usize = 96;
const S3_DUST: usize = 128;
const S3_LIQ: usize = 216;
// core1.
const C1_SOLVENCY: usize = 64;
const C1_STOPPED: usize = 224;
const C1_LOCK: usize = 226;
const C1_SCALE: usize = 227;
const C1_COUNT: usize = 233;
// params0.
const P0_CUSP: usize = 64;
const P0_FLOOR: usize = 128;
const P0_TAIL: usize = 192;
const P0_MAX_AGE: usize = 224;
// params1.
const P1_CUT: usize = 8;
const P1_PERIOD: usize = 72;
const P1_DUST: usize = 104;
const P1_CHIP: usize = 192;
// params2.
const P2_TIP: usize = 160;
const P2_EXP: usize = 248;
// params3.
const P3_GUARDIAN: usize = 64;
const P3_KICKERS: usize = 224;

/// The low 64 bits of `x`.
#[inline]
fn low64(x: U256) -> u64 {
    let [a, _, _, _] = x.into_limbs();
    a
}

/// The low 128 bits of `x`.
#[inline]
fn low128(x: U256) -> u128 {
    let [a, b, _, _] = x.into_limbs();
    u128::from(a) | (u128::from(b) << 64)
}

/// `width` (1..=64) bits of `word` from bit `offset`.
#[inline]
fn bits64(word: U256, offset: usize, width: u32) -> u64 {
    low64(word >> offset) & (u64::MAX >> (64 - width))
}

/// `width` (1..=128) bits of `word` from bit `offset`.
#[inline]
fn bits128(word: U256, offset: usize, width: u32) -> u128 {
    low128(word >> offset) & (u128::MAX >> (128 - width))
}

/// The address in bits `offset..offset + 160` of `word`.
#[inline]
fn address_at(word: U256, offset: usize) -> Address {
    Address::from_word(B256::from(word >> offset))
}

/// An address as a word (in the low 160 bits).
#[inline]
fn address_word(account: Address) -> U256 {
    U256::from_be_bytes(account.into_word().0)
}

/// `word` with bits `offset..offset + width` replaced by the low `width` bits of `value`.
#[inline]
fn with_bits(word: U256, offset: usize, width: usize, value: U256) -> U256 {
    let mask = (U256::MAX >> (256 - width)) << offset;
    (word & !mask) | ((value << offset) & mask)
}

/// `10^n` (`n <= 77` fits; callers pass at most 72).
fn pow10(n: u32) -> U256 {
    let mut out = U256::from(1u8);
    let ten = U256::from(10u8);
    let mut i = 0;
    while i < n {
        out = out.saturating_mul(ten);
        i += 1;
    }
    out
}

/// The configuration every operation needs (`core0`, `core1`).
#[derive(Clone, Copy)]
struct Core {
    collateral: Address,
    debt: Address,
    solvency: Address,
    /// `core1` as read; written back with the changed fields.
    word1: U256,
}

impl Core {
    fn stopped(&self) -> u8 {
        // Two bits: at most 3.
        bits64(self.word1, C1_STOPPED, 2) as u8
    }
    fn locked(&self) -> bool {
        bits64(self.word1, C1_LOCK, 1) == 1
    }
    fn count(&self) -> u32 {
        // 23 bits.
        bits64(self.word1, C1_COUNT, 23) as u32
    }
    fn set_count(&mut self, count: u32) {
        self.word1 = with_bits(self.word1, C1_COUNT, 23, U256::from(count));
    }
}

/// Price unit `10^s` RAY for the exponent `s` stored in `core1`.
fn scale_of(word1: U256) -> U256 {
    // Six bits, at most 36 by construction.
    pow10(bits64(word1, C1_SCALE, 6) as u32)
}

/// The snapshot a sale carries (sale word 3 plus the curve kind of word 2). `min_price` is the
/// lowest price at which the sale may be taken, in price units:
/// `ceil(max(ceil(floor * feed) + 1, ceil(cusp * top)) / unit)`. Clipper's `cusp` test
/// `price * RAY / top < cusp` (floor division) is equivalent to `price < ceil(cusp * top /
/// RAY)` for integers, and `price <= floorPrice` to `price < floorPrice + 1`, so one threshold
/// is exact for both (up to rounding the threshold up to a whole price unit).
#[derive(Clone, Copy, PartialEq, Eq)]
struct Snapshot {
    kind: u8,
    cut: u64,
    period: u32,
    tail: u32,
    dust: u128,
}

/// A sale as decoded from its four words.
#[derive(Clone, Copy)]
struct Sale {
    tab: u128,
    lot: u128,
    /// Price units.
    top: u128,
    /// Price units.
    min_price: u128,
    usr: Address,
    tic: u64,
    pos: u32,
    kicker: u16,
    snap: Snapshot,
    liquidation: u64,
}

impl Sale {
    fn decode(w0: U256, w1: U256, w2: U256, w3: U256) -> Sale {
        Sale {
            tab: low128(w0),
            lot: low128(w0 >> 128),
            top: low128(w1),
            min_price: low128(w1 >> 128),
            usr: address_at(w2, 0),
            tic: bits64(w2, S2_TIC, 40),
            pos: bits64(w2, S2_POS, 32) as u32,
            kicker: bits64(w2, S2_KICKER, 16) as u16,
            liquidation: bits64(w3, S3_LIQ, 40),
            snap: Snapshot {
                kind: bits64(w2, S2_KIND, 8) as u8,
                cut: low64(w3),
                period: bits64(w3, S3_PERIOD, 32) as u32,
                tail: bits64(w3, S3_TAIL, 32) as u32,
                dust: bits128(w3, S3_DUST, 88),
            },
        }
    }
    fn w0(&self) -> U256 {
        U256::from(self.tab) | (U256::from(self.lot) << 128)
    }
    fn w1(&self) -> U256 {
        U256::from(self.top) | (U256::from(self.min_price) << 128)
    }
    fn w2(&self) -> U256 {
        let mut w = address_word(self.usr);
        w = with_bits(w, S2_TIC, 40, U256::from(self.tic));
        w = with_bits(w, S2_POS, 32, U256::from(self.pos));
        w = with_bits(w, S2_KICKER, 16, U256::from(self.kicker));
        with_bits(w, S2_KIND, 8, U256::from(self.snap.kind))
    }
    fn w3(&self) -> U256 {
        let mut w = U256::from(self.snap.cut);
        w = with_bits(w, S3_PERIOD, 32, U256::from(self.snap.period));
        w = with_bits(w, S3_TAIL, 32, U256::from(self.snap.tail));
        w = with_bits(w, S3_DUST, 88, U256::from(self.snap.dust));
        with_bits(w, S3_LIQ, 40, U256::from(self.liquidation))
    }

    /// `(needsRedo, price)` at time `now`, prices in RAY (`unit` = price unit).
    fn status(&self, now: u64, unit: U256) -> Result<(bool, U256), Error> {
        let elapsed = now.saturating_sub(self.tic);
        // Price units are at most 10^36 < 2^120 and stored prices below 2^128: the products
        // stay below 2^248.
        let top = U256::from(self.top).wrapping_mul(unit);
        let min_price = U256::from(self.min_price).wrapping_mul(unit);
        let price = curve::price(self.snap.kind, self.snap.cut, self.snap.period, top, elapsed)?;
        Ok((elapsed > u64::from(self.snap.tail) || price < min_price, price))
    }
}

// ------------------------------------------------------------------------------------------
// 3. Events and errors
// ------------------------------------------------------------------------------------------

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// An auction started (Clipper's event). `top` is the starting price (RAY), `coin` the
        /// keeper incentive actually paid by the solvency module.
        event Kick(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed usr, address indexed kpr, uint256 coin);
        /// A purchase (Clipper's event): `tab` and `lot` are what remains after it (`lot` is the
        /// collateral returned to `usr` when the tab was covered).
        event Take(uint256 indexed id, uint256 max, uint256 price, uint256 owe, uint256 tab, uint256 lot, address indexed usr);
        /// An auction restarted (Clipper's event).
        event Redo(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed usr, address indexed kpr, uint256 coin);
        /// An auction was cancelled by the admin (Clipper's event).
        event Yank(uint256 id);
        /// A parameter changed (Maker's `File`); `stopped` is reported as `File("stopped", level)`.
        event File(bytes32 indexed what, uint256 data);
        /// The price curve for new auctions changed (`cut` in RAY).
        event CurveSet(uint256 kind, uint256 cut, uint256 period);
        /// A kicker was authorised or de-authorised.
        event KickerSet(address indexed kicker, bool allowed);
        /// The guardian changed.
        event GuardianSet(address indexed guardian);
        /// Ownership transfer proposed (logged by OpenZeppelin's `Ownable2Step`).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Ownership moved (logged by OpenZeppelin's `Ownable`).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// `kick`, `take`, `redo` or `yank` was re-entered.
        #[derive(Debug)]
        error Locked();
        /// The circuit breaker (`stopped`) blocks this operation.
        #[derive(Debug)]
        error AuctionsStopped(uint256 stopped);
        /// The caller may not do this (not a kicker; not the admin or the guardian).
        #[derive(Debug)]
        error Unauthorized(address account);
        /// A zero amount (`tab`, `lot`, or a take that buys nothing).
        #[derive(Debug)]
        error ZeroAmount();
        /// A zero address where one is needed.
        #[derive(Debug)]
        error ZeroAddress();
        /// An amount or count beyond what storage holds (see the storage bounds).
        #[derive(Debug)]
        error ValueTooLarge(uint256 value, uint256 max);
        /// `kick` before `buf`, `tail`, `maxAge` and the curve are set.
        #[derive(Debug)]
        error NotConfigured();
        /// A parameter setter got an unknown name or an invalid value.
        #[derive(Debug)]
        error InvalidParameter(bytes32 what, uint256 data);
        /// No running auction has this id.
        #[derive(Debug)]
        error NotRunning(uint256 id);
        /// The auction needs a `redo` before it can be taken.
        #[derive(Debug)]
        error NeedsRedo(uint256 id);
        /// `redo` on an auction that does not need it.
        #[derive(Debug)]
        error CannotReset(uint256 id);
        /// The current price is above the buyer's `max`.
        #[derive(Debug)]
        error TooExpensive(uint256 max, uint256 price);
        /// The tab is at most the dust threshold: only the whole lot can be bought.
        #[derive(Debug)]
        error NoPartialPurchase(uint256 tab, uint256 dust);
        /// The flash callback target (or collateral receiver) is not allowed.
        #[derive(Debug)]
        error ForbiddenCallee(address who);
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
        /// `kick` received a different amount of collateral than `lot`.
        #[derive(Debug)]
        error CollateralNotReceived(uint256 expected, uint256 received);
        /// Token or oracle decimals beyond 36.
        #[derive(Debug)]
        error UnsupportedDecimals(uint8 collateral, uint8 debt, uint8 oracle);
        /// The address has no code.
        #[derive(Debug)]
        error NotAContract(address account);
        /// Collateral and debt token are the same.
        #[derive(Debug)]
        error SameToken(address token);
        /// Arithmetic overflow (cannot happen within the documented bounds).
        #[derive(Debug)]
        error MathOverflow();
    }

    sol! {
        interface ISolvencyModule {
            function attach(uint256 liquidationId, address kicker, uint256 tab) external;
            function onProceeds(uint256 liquidationId, uint256 amount) external;
            function onAuctionEnd(uint256 liquidationId, uint256 raised, uint256 tabLeft, uint256 lotLeft) external;
            function payKeeper(uint256 liquidationId, address keeper, uint256 amount) external returns (uint256 paid);
        }
        interface IClipperCallee {
            function clipperCall(address sender, uint256 owe, uint256 slice, bytes calldata data) external;
        }
        interface IPriceFeed {
            function decimals() external view returns (uint8);
            function latestRoundData() external view returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
        }
        interface IBalance {
            function balanceOf(address account) external view returns (uint256);
        }
    }
}

/// Every way a call to [`DutchAuction`] can fail, each a Solidity custom error.
#[derive(SolidityError, Debug)]
pub enum Error {
    /// `OwnableUnauthorizedAccount(address account)`: the caller is not the admin.
    UnauthorizedAccount(ownable::OwnableUnauthorizedAccount),
    /// `OwnableInvalidOwner(address owner)`.
    InvalidOwner(ownable::OwnableInvalidOwner),
    /// `SafeErc20FailedOperation(address token)`: a token transfer failed.
    TransferFailed(safe_erc20::SafeErc20FailedOperation),
    /// `Locked()`.
    Locked(Locked),
    /// `AuctionsStopped(uint256 stopped)`.
    Stopped(AuctionsStopped),
    /// `Unauthorized(address account)`.
    Unauthorized(Unauthorized),
    /// `ZeroAmount()`.
    ZeroAmount(ZeroAmount),
    /// `ZeroAddress()`.
    ZeroAddress(ZeroAddress),
    /// `ValueTooLarge(uint256 value, uint256 max)`.
    ValueTooLarge(ValueTooLarge),
    /// `NotConfigured()`.
    NotConfigured(NotConfigured),
    /// `InvalidParameter(bytes32 what, uint256 data)`.
    InvalidParameter(InvalidParameter),
    /// `NotRunning(uint256 id)`.
    NotRunning(NotRunning),
    /// `NeedsRedo(uint256 id)`.
    NeedsRedo(NeedsRedo),
    /// `CannotReset(uint256 id)`.
    CannotReset(CannotReset),
    /// `TooExpensive(uint256 max, uint256 price)`.
    TooExpensive(TooExpensive),
    /// `NoPartialPurchase(uint256 tab, uint256 dust)`.
    NoPartialPurchase(NoPartialPurchase),
    /// `ForbiddenCallee(address who)`.
    ForbiddenCallee(ForbiddenCallee),
    /// `InvalidPrice(int256 answer)`.
    InvalidPrice(InvalidPrice),
    /// `StalePrice(uint256 updatedAt, uint256 now)`.
    StalePrice(StalePrice),
    /// `ExternalCallFailed(address target, bytes reason)`.
    ExternalCallFailed(ExternalCallFailed),
    /// `CollateralNotReceived(uint256 expected, uint256 received)`.
    CollateralNotReceived(CollateralNotReceived),
    /// `UnsupportedDecimals(uint8 collateral, uint8 debt, uint8 oracle)`.
    UnsupportedDecimals(UnsupportedDecimals),
    /// `NotAContract(address account)`.
    NotAContract(NotAContract),
    /// `SameToken(address token)`.
    SameToken(SameToken),
    /// `MathOverflow()`.
    MathOverflow(MathOverflow),
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
            safe_erc20::Error::SafeErc20FailedOperation(e) => Error::TransferFailed(e),
            // Only raised by `safe_decrease_allowance`, which this contract never calls.
            safe_erc20::Error::SafeErc20FailedDecreaseAllowance(e) => {
                Error::TransferFailed(safe_erc20::SafeErc20FailedOperation { token: e.spender })
            }
        }
    }
}

impl From<MathError> for Error {
    fn from(_: MathError) -> Self {
        Error::MathOverflow(MathOverflow {})
    }
}

fn too_large(value: U256, max: U256) -> Error {
    Error::ValueTooLarge(ValueTooLarge { value, max })
}

fn not_running(id: U256) -> Error {
    Error::NotRunning(NotRunning { id })
}

fn invalid(what: [u8; 32], data: U256) -> Error {
    Error::InvalidParameter(InvalidParameter { what: FixedBytes(what), data })
}

// ------------------------------------------------------------------------------------------
// 4. Public interface
// ------------------------------------------------------------------------------------------

/// `sales(id)` as Clipper returns it: `(pos, tab, lot, usr, tic, top)`.
pub type SaleView = (U256, U256, U256, Address, U96, U256);

/// `snapshot(id)`: `(liquidationId, kicker, kind, cut (RAY), period, tail, minPrice (RAY), dust)`.
pub type SnapshotView = (U256, Address, U256, U256, U256, U256, U256, U256);

#[public]
impl DutchAuction {
    /// Sets the admin, the tokens, the oracle and the solvency module, and reads the decimals
    /// of both tokens and the oracle. Parameters start unset: `kick` reverts with
    /// `NotConfigured` until `buf`, `tail`, `maxAge` and the curve are set.
    #[constructor]
    pub fn constructor(
        &mut self,
        admin: Address,
        collateral: Address,
        debt_token: Address,
        oracle: Address,
        solvency: Address,
    ) -> Result<(), Error> {
        self.ownable.constructor(admin)?;
        if collateral.is_zero() || debt_token.is_zero() || oracle.is_zero() || solvency.is_zero()
        {
            return Err(Error::ZeroAddress(ZeroAddress {}));
        }
        if collateral == debt_token {
            return Err(Error::SameToken(SameToken { token: collateral }));
        }
        // `AddressVM::has_code` (extcodehash) is what OpenZeppelin's SafeErc20 uses too.
        #[allow(deprecated)]
        let has_code = solvency.has_code();
        if !has_code {
            return Err(Error::NotAContract(NotAContract { account: solvency }));
        }
        let decimals = <IPriceFeed::decimalsCall as SolCall>::SELECTOR;
        let cd = self.read_u8(collateral, decimals)?;
        let dd = self.read_u8(debt_token, decimals)?;
        let od = self.read_u8(oracle, decimals)?;
        if cd > MAX_DECIMALS || dd > MAX_DECIMALS || od > MAX_DECIMALS {
            return Err(Error::UnsupportedDecimals(UnsupportedDecimals {
                collateral: cd,
                debt: dd,
                oracle: od,
            }));
        }
        // Price unit exponent s = max(0, dd - cd) in 0..=36; oracle exponent
        // e = 27 + dd - cd - od in -45..=63 (all small: no overflow in i16).
        let scale = dd.saturating_sub(cd);
        let exp = 27i16 + i16::from(dd) - i16::from(cd) - i16::from(od);
        let debt = address_word(debt_token);
        self.core0.set(address_word(collateral) | (debt << 160));
        let mut word1 = debt >> 96;
        word1 = with_bits(word1, C1_SOLVENCY, 160, address_word(solvency));
        word1 = with_bits(word1, C1_SCALE, 6, U256::from(scale));
        self.core1.set(word1);
        let mut p2 = address_word(oracle);
        // `exp as i8 as u8`: the two's-complement byte, decoded back with `as i8`.
        p2 = with_bits(p2, P2_EXP, 8, U256::from(exp as i8 as u8));
        self.params2.set(p2);
        Ok(())
    }

    // ----------------------------------------------------------------- keeper interface

    /// Buys up to `amt` collateral of auction `id` at the current price, if that price is at
    /// most `max` (RAY). The collateral goes to `who`; if `data` is non-empty,
    /// `who.clipperCall(msg.sender, owe, slice, data)` is called next (flash liquidation), and
    /// only then `owe` debt tokens are pulled from the caller to the solvency module. At most
    /// the tab is collected; a partial purchase leaves at least `dust` of tab (else it is cut
    /// to leave exactly `dust`, and with a tab at most `dust` only the whole lot can be
    /// bought). When the tab is covered, the remaining collateral goes back to `usr`.
    pub fn take(
        &mut self,
        id: U256,
        amt: U256,
        max: U256,
        who: Address,
        data: Bytes,
    ) -> Result<(), Error> {
        let mut core = self.enter(LEVEL_TAKE)?;
        let result = self.take_inner(&mut core, id, amt, max, who, &data);
        self.leave();
        result
    }

    /// Restarts auction `id` if it needs it (older than its `tail`, price below `cusp * top`
    /// or at its floor) from a fresh oracle price times `buf`, with the parameters in force.
    /// Pays `kpr` the keeper incentive (`tip + chip * tab`) through the solvency module when
    /// `tab >= dust` and `lot * price >= dust`.
    pub fn redo(&mut self, id: U256, kpr: Address) -> Result<(), Error> {
        let mut core = self.enter(LEVEL_REDO)?;
        let result = self.redo_inner(&mut core, id, kpr);
        self.leave();
        result
    }

    /// `(needsRedo, price, lot, tab)` of auction `id`; `(false, 0, 0, 0)` if none runs.
    #[selector(name = "getStatus")]
    pub fn get_status(&self, id: U256) -> Result<(bool, U256, U256, U256), Error> {
        let Some(sale) = self.read_sale(id) else {
            return Ok((false, U256::ZERO, U256::ZERO, U256::ZERO));
        };
        let (done, price) = sale.status(self.now(), scale_of(self.core1.get()))?;
        Ok((done, price, U256::from(sale.lot), U256::from(sale.tab)))
    }

    /// Ids of the running auctions.
    pub fn list(&self) -> Vec<U256> {
        let count = self.count_now();
        let mut out = Vec::with_capacity(count as usize);
        let mut word = U256::ZERO;
        let mut pos = 0u32;
        while pos < count {
            if pos % 4 == 0 {
                word = self.active.get(U256::from(pos / 4));
            }
            out.push(U256::from(bits64(word, 64 * (pos % 4) as usize, 64)));
            pos += 1;
        }
        out
    }

    /// Number of running auctions.
    pub fn count(&self) -> U256 {
        U256::from(self.count_now())
    }

    /// Auction `id` as Clipper's `sales(id)`: `(pos, tab, lot, usr, tic, top)`; zeros if none.
    pub fn sales(&self, id: U256) -> SaleView {
        match self.read_sale(id) {
            Some(sale) => (
                U256::from(sale.pos),
                U256::from(sale.tab),
                U256::from(sale.lot),
                sale.usr,
                U96::from(sale.tic),
                U256::from(sale.top).wrapping_mul(scale_of(self.core1.get())),
            ),
            None => (U256::ZERO, U256::ZERO, U256::ZERO, Address::ZERO, U96::ZERO, U256::ZERO),
        }
    }

    /// What auction `id` snapshotted at its last (re)start: `(liquidationId, kicker, kind,
    /// cut (RAY), period, tail, minPrice (RAY), dust)`. A take needs `price >= minPrice`.
    pub fn snapshot(&self, id: U256) -> SnapshotView {
        let Some(sale) = self.read_sale(id) else {
            return Default::default();
        };
        let s = sale.snap;
        (
            U256::from(sale.liquidation),
            self.kicker_addresses.get(U256::from(sale.kicker)),
            U256::from(s.kind),
            wad_to_ray(s.cut),
            U256::from(s.period),
            U256::from(s.tail),
            U256::from(sale.min_price).wrapping_mul(scale_of(self.core1.get())),
            U256::from(s.dust),
        )
    }

    /// Total auctions ever kicked (the last id).
    pub fn kicks(&self) -> U256 {
        U256::from(low64(self.params3.get()))
    }

    /// Circuit-breaker level (0–3).
    pub fn stopped(&self) -> U256 {
        U256::from(bits64(self.core1.get(), C1_STOPPED, 2))
    }

    /// Starting-price factor (RAY).
    pub fn buf(&self) -> U256 {
        wad_to_ray(low64(self.params0.get()))
    }

    /// Seconds after which an auction needs a redo.
    pub fn tail(&self) -> U256 {
        U256::from(bits64(self.params0.get(), P0_TAIL, 32))
    }

    /// Fraction of `top` (RAY) below which an auction needs a redo.
    pub fn cusp(&self) -> U256 {
        wad_to_ray(bits64(self.params0.get(), P0_CUSP, 64))
    }

    /// Floor as a fraction of the oracle price at (re)start (RAY).
    pub fn floor(&self) -> U256 {
        wad_to_ray(bits64(self.params0.get(), P0_FLOOR, 64))
    }

    /// Maximum oracle age (seconds).
    #[selector(name = "maxAge")]
    pub fn max_age(&self) -> U256 {
        U256::from(bits64(self.params0.get(), P0_MAX_AGE, 32))
    }

    /// Keeper incentive proportional to the tab (WAD).
    pub fn chip(&self) -> u64 {
        bits64(self.params1.get(), P1_CHIP, 64)
    }

    /// Flat keeper incentive (debt base units).
    pub fn tip(&self) -> U192 {
        U192::from(bits128(self.params2.get(), P2_TIP, 88))
    }

    /// Dust threshold for new auctions (debt base units); Clipper's name.
    pub fn chost(&self) -> U256 {
        U256::from(bits128(self.params1.get(), P1_DUST, 88))
    }

    /// Curve for new auctions: `(kind, cut (RAY), period)`; kind 0 = not set.
    pub fn curve(&self) -> (U256, U256, U256) {
        let p1 = self.params1.get();
        (
            U256::from(bits64(p1, 0, 8)),
            wad_to_ray(bits64(p1, P1_CUT, 64)),
            U256::from(bits64(p1, P1_PERIOD, 32)),
        )
    }

    /// Collateral token.
    pub fn collateral(&self) -> Address {
        address_at(self.core0.get(), 0)
    }

    /// Debt token.
    #[selector(name = "debtToken")]
    pub fn debt_token(&self) -> Address {
        self.load_core().debt
    }

    /// Price oracle.
    pub fn oracle(&self) -> Address {
        address_at(self.params2.get(), 0)
    }

    /// Solvency module.
    pub fn solvency(&self) -> Address {
        address_at(self.core1.get(), C1_SOLVENCY)
    }

    /// Guardian (may raise `stopped`).
    pub fn guardian(&self) -> Address {
        address_at(self.params3.get(), P3_GUARDIAN)
    }

    /// Whether `account` may kick.
    #[selector(name = "isKicker")]
    pub fn is_kicker(&self, account: Address) -> bool {
        self.kickers.get(account).bit(0)
    }

    // ----------------------------------------------------------------- kicker interface

    /// Starts an auction for liquidation `liquidation_id` of the solvency module: sells `lot`
    /// collateral (pulled from the caller) to raise `tab` debt tokens, leftovers to `usr`.
    /// Starts at the oracle price times `buf`, registers with the solvency module (`attach`)
    /// and pays `kpr` the kick incentive (`tip + chip * tab`, capped by the module). Kickers
    /// only. Returns the auction id.
    pub fn kick(
        &mut self,
        liquidation_id: U256,
        tab: U256,
        lot: U256,
        usr: Address,
        kpr: Address,
    ) -> Result<U256, Error> {
        let mut core = self.enter(LEVEL_KICK)?;
        let result = self.kick_inner(&mut core, liquidation_id, tab, lot, usr, kpr);
        self.leave();
        result
    }

    // ----------------------------------------------------------------- admin interface

    /// Cancels auction `id` (admin): its collateral goes back to the kicker and the solvency
    /// module is told (`onAuctionEnd(liquidationId, 0, tab, lot)`).
    pub fn yank(&mut self, id: U256) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        let mut core = self.enter(LEVEL_NONE)?;
        let result = self.yank_inner(&mut core, id);
        self.leave();
        result
    }

    /// Sets a parameter (admin), Maker style. `what` (bytes32) and units: `buf` (RAY, >= 1),
    /// `cusp` (RAY, < 1), `floor` (RAY, < 1) — these three must be multiples of 10^9 (stored as
    /// WADs); `tail`, `maxAge` (seconds, 1..2^32); `chip` (WAD, <= 1); `tip`, `dust` (debt
    /// base units, < 2^88). Running auctions keep their snapshot. Emits `File`.
    pub fn file(&mut self, what: FixedBytes<32>, data: U256) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        let key = what.0;
        let bad = || invalid(key, data);
        let (slot, offset, width, value) = if key == names::BUF {
            let wad = ray_to_wad(data).filter(|w| *w >= 1_000_000_000_000_000_000).ok_or_else(bad)?;
            (0, 0, 64, U256::from(wad))
        } else if key == names::CUSP || key == names::FLOOR {
            let wad = ray_to_wad(data).filter(|_| data < RAY).ok_or_else(bad)?;
            (0, if key == names::CUSP { P0_CUSP } else { P0_FLOOR }, 64, U256::from(wad))
        } else if key == names::TAIL || key == names::MAX_AGE {
            let secs = in_range(data, 1, u64::from(u32::MAX)).ok_or_else(bad)?;
            (0, if key == names::TAIL { P0_TAIL } else { P0_MAX_AGE }, 32, U256::from(secs))
        } else if key == names::CHIP {
            if data > WAD {
                return Err(bad());
            }
            (1, P1_CHIP, 64, data)
        } else if key == names::DUST || key == names::TIP {
            if data > U256::from(MAX_AMOUNT_88) {
                return Err(bad());
            }
            if key == names::DUST {
                (1, P1_DUST, 88, data)
            } else {
                (2, P2_TIP, 88, data)
            }
        } else {
            return Err(bad());
        };
        self.set_param(slot, offset, width, value);
        log(self.vm(), File { what, data });
        Ok(())
    }

    /// Sets the price curve for new auctions (admin): `kind` 1 = linear (`cut` 0, `period` =
    /// `tau` > 0), 2 = stair-step exponential (`cut` in (0, 1) RAY per `period` = `step` > 0
    /// seconds), 3 = exponential (`cut` in (0, 1) RAY per second, `period` 0). `cut` must be a
    /// multiple of 10^9 (stored as a WAD); periods below 2^32. Emits `CurveSet`.
    #[selector(name = "setCurve")]
    pub fn set_curve(&mut self, kind: U256, cut: U256, period: U256) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        let bad = || invalid(names::CURVE, kind);
        let k = in_range(kind, 1, 3).ok_or_else(bad)?;
        let cut_wad = if k == curve::LINEAR as u64 {
            if !cut.is_zero() {
                return Err(bad());
            }
            0
        } else {
            ray_to_wad(cut).filter(|w| *w > 0 && cut < RAY).ok_or_else(bad)?
        };
        let secs = if k == curve::EXPONENTIAL as u64 {
            if !period.is_zero() {
                return Err(bad());
            }
            0
        } else {
            in_range(period, 1, u64::from(u32::MAX)).ok_or_else(bad)?
        };
        let mut p1 = self.params1.get();
        p1 = with_bits(p1, 0, 8, U256::from(k));
        p1 = with_bits(p1, P1_CUT, 64, U256::from(cut_wad));
        p1 = with_bits(p1, P1_PERIOD, 32, U256::from(secs));
        self.params1.set(p1);
        log(self.vm(), CurveSet { kind, cut, period });
        Ok(())
    }

    /// Authorises (`allowed`) or de-authorises a kicker (admin). Emits `KickerSet`.
    #[selector(name = "setKicker")]
    pub fn set_kicker(&mut self, kicker: Address, allowed: bool) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        if kicker.is_zero() {
            return Err(Error::ZeroAddress(ZeroAddress {}));
        }
        let entry = self.kickers.get(kicker);
        let mut index = entry >> 1usize;
        if index.is_zero() && allowed {
            let p3 = self.params3.get();
            let next = bits64(p3, P3_KICKERS, 16) + 1;
            if next > u64::from(u16::MAX) {
                return Err(too_large(U256::from(next), U256::from(u16::MAX)));
            }
            index = U256::from(next);
            self.params3.set(with_bits(p3, P3_KICKERS, 16, index));
            self.kicker_addresses.setter(index).set(kicker);
        }
        let updated = (index << 1) | U256::from(allowed as u8);
        if updated != entry {
            self.kickers.setter(kicker).set(updated);
        }
        log(self.vm(), KickerSet { kicker, allowed });
        Ok(())
    }

    /// Sets the guardian (admin; zero removes it). Emits `GuardianSet`.
    #[selector(name = "setGuardian")]
    pub fn set_guardian(&mut self, guardian: Address) -> Result<(), Error> {
        self.ownable.ownable.only_owner()?;
        let p3 = self.params3.get();
        self.params3.set(with_bits(p3, P3_GUARDIAN, 160, address_word(guardian)));
        log(self.vm(), GuardianSet { guardian });
        Ok(())
    }

    /// Sets the circuit breaker (0: none; 1: no kick; 2: no kick or redo; 3: no kick, redo or
    /// take). The admin may set any level, the guardian only raise it. Emits
    /// `File("stopped", level)`.
    #[selector(name = "setStopped")]
    pub fn set_stopped(&mut self, level: U256) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        let word1 = self.core1.get();
        let current = bits64(word1, C1_STOPPED, 2);
        let new = in_range(level, 0, 3).ok_or_else(|| invalid(names::STOPPED, level))?;
        let is_owner = sender == self.ownable.owner();
        let is_guardian = !sender.is_zero() && sender == self.guardian();
        if !(is_owner || (is_guardian && new >= current)) {
            return Err(Error::Unauthorized(Unauthorized { account: sender }));
        }
        self.core1.set(with_bits(word1, C1_STOPPED, 2, U256::from(new)));
        log(self.vm(), File { what: FixedBytes(names::STOPPED), data: level });
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

    /// Proposes `new_owner` as admin (admin only); it takes effect when `new_owner` accepts.
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        Ok(self.ownable.transfer_ownership(new_owner)?)
    }

    /// The pending admin becomes the admin.
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        Ok(self.ownable.accept_ownership()?)
    }
}

// ------------------------------------------------------------------------------------------
// 5. Internal functions
// ------------------------------------------------------------------------------------------

impl DutchAuction {
    fn now(&self) -> u64 {
        gavel_common::clock::now(self.vm().block_timestamp())
    }

    fn load_core(&self) -> Core {
        let word0 = self.core0.get();
        let word1 = self.core1.get();
        Core {
            collateral: address_at(word0, 0),
            debt: address_at((word0 >> 160) | (word1 << 96), 0),
            solvency: address_at(word1, C1_SOLVENCY),
            word1,
        }
    }

    fn count_now(&self) -> u32 {
        bits64(self.core1.get(), C1_COUNT, 23) as u32
    }

    /// Takes the lock and checks the circuit breaker (`stopped >= level` blocks).
    fn enter(&mut self, level: u8) -> Result<Core, Error> {
        let mut core = self.load_core();
        if core.locked() {
            return Err(Error::Locked(Locked {}));
        }
        let stopped = core.stopped();
        if stopped >= level {
            return Err(Error::Stopped(AuctionsStopped { stopped: U256::from(stopped) }));
        }
        core.word1 = with_bits(core.word1, C1_LOCK, 1, U256::from(1u8));
        self.core1.set(core.word1);
        Ok(core)
    }

    /// Releases the lock. Re-reads `core1`, which the admin or guardian may have changed
    /// (`stopped`) during an external call.
    fn leave(&mut self) {
        let word1 = self.core1.get();
        self.core1.set(with_bits(word1, C1_LOCK, 1, U256::ZERO));
    }

    fn read_sale(&self, id: U256) -> Option<Sale> {
        let slots = self.sales.getter(id);
        let w2 = slots.w2.get();
        // A running sale has a non-zero `usr` (checked at kick).
        if address_at(w2, 0).is_zero() {
            return None;
        }
        Some(Sale::decode(slots.w0.get(), slots.w1.get(), w2, slots.w3.get()))
    }

    fn write_sale(&mut self, id: U256, sale: &Sale) {
        let mut slots = self.sales.setter(id);
        slots.w0.set(sale.w0());
        slots.w1.set(sale.w1());
        slots.w2.set(sale.w2());
        slots.w3.set(sale.w3());
    }

    /// Deletes sale `id` and removes it from the active list (swap with the last, pop).
    fn remove_sale(&mut self, core: &mut Core, id: U256, sale: &Sale) {
        {
            let mut slots = self.sales.setter(id);
            slots.w0.set(U256::ZERO);
            slots.w1.set(U256::ZERO);
            slots.w2.set(U256::ZERO);
            slots.w3.set(U256::ZERO);
        }
        // The sale is active, so the count is at least one.
        let last = core.count().saturating_sub(1);
        let pos = sale.pos;
        let last_key = U256::from(last / 4);
        let last_lane = 64 * (last % 4) as usize;
        let mut last_word = self.active.get(last_key);
        if pos != last {
            let moved = bits64(last_word, last_lane, 64);
            let pos_key = U256::from(pos / 4);
            let pos_lane = 64 * (pos % 4) as usize;
            if pos_key == last_key {
                last_word = with_bits(last_word, pos_lane, 64, U256::from(moved));
            } else {
                let word = self.active.get(pos_key);
                self.active.setter(pos_key).set(with_bits(word, pos_lane, 64, U256::from(moved)));
            }
            // The moved sale records its new position.
            let mut moved_slots = self.sales.setter(U256::from(moved));
            let w2 = moved_slots.w2.get();
            moved_slots.w2.set(with_bits(w2, S2_POS, 32, U256::from(pos)));
        }
        self.active.setter(last_key).set(with_bits(last_word, last_lane, 64, U256::ZERO));
        core.set_count(last);
        self.core1.set(core.word1);
    }

    fn kicker_index(&self, account: Address) -> Result<u16, Error> {
        let entry = self.kickers.get(account);
        if !entry.bit(0) {
            return Err(Error::Unauthorized(Unauthorized { account }));
        }
        // Indices are assigned below 2^16 (`set_kicker`).
        Ok(low64(entry >> 1usize) as u16)
    }

    fn set_param(&mut self, slot: u8, offset: usize, width: usize, value: U256) {
        let field = match slot {
            0 => &mut self.params0,
            1 => &mut self.params1,
            _ => &mut self.params2,
        };
        let word = field.get();
        let updated = with_bits(word, offset, width, value);
        if updated != word {
            field.set(updated);
        }
    }

    fn kick_inner(
        &mut self,
        core: &mut Core,
        liquidation_id: U256,
        tab: U256,
        lot: U256,
        usr: Address,
        kpr: Address,
    ) -> Result<U256, Error> {
        let kicker = self.vm().msg_sender();
        let kicker_index = self.kicker_index(kicker)?;
        if tab.is_zero() || lot.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        if usr.is_zero() {
            return Err(Error::ZeroAddress(ZeroAddress {}));
        }
        let max128 = U256::from(u128::MAX);
        if tab > max128 {
            return Err(too_large(tab, max128));
        }
        if lot > max128 {
            return Err(too_large(lot, max128));
        }
        let liquidation = in_range(liquidation_id, 0, MAX_LIQUIDATION_ID)
            .ok_or_else(|| too_large(liquidation_id, U256::from(MAX_LIQUIDATION_ID)))?;
        let count = core.count();
        if count >= MAX_ACTIVE {
            return Err(too_large(U256::from(count), U256::from(MAX_ACTIVE)));
        }
        let (p0, p1, p2) = (self.params0.get(), self.params1.get(), self.params2.get());
        if low64(p0) == 0
            || bits64(p0, P0_TAIL, 32) == 0
            || bits64(p0, P0_MAX_AGE, 32) == 0
            || bits64(p1, 0, 8) == 0
        {
            return Err(Error::NotConfigured(NotConfigured {}));
        }
        let now = self.now();
        let feed = self.feed(p0, p2, now)?;
        let p3 = self.params3.get();
        let id = low64(p3).checked_add(1).ok_or(Error::MathOverflow(MathOverflow {}))?;
        let mut sale = Sale {
            tab: low128(tab),
            lot: low128(lot),
            top: 0,
            min_price: 0,
            usr,
            tic: now,
            pos: count,
            kicker: kicker_index,
            snap: Snapshot { kind: 0, cut: 0, period: 0, tail: 0, dust: 0 },
            liquidation,
        };
        let unit = scale_of(core.word1);
        let top = self.start(&mut sale, feed, p0, p1, unit)?;

        // Effects.
        let sale_id = U256::from(id);
        self.write_sale(sale_id, &sale);
        let key = U256::from(count / 4);
        let lane = 64 * (count % 4) as usize;
        let word = self.active.get(key);
        self.active.setter(key).set(with_bits(word, lane, 64, sale_id));
        core.set_count(count + 1);
        self.core1.set(core.word1);
        self.params3.set(with_bits(p3, 0, 64, sale_id));

        // Interactions.
        let solvency = core.solvency;
        self.call(
            solvency,
            encode(
                <ISolvencyModule::attachCall as SolCall>::SELECTOR,
                &[liquidation_id, address_word(kicker), tab],
            ),
        )?;
        let house = self.vm().contract_address();
        let before = self.balance_of(core.collateral, house)?;
        self.safe_erc20.safe_transfer_from(core.collateral, kicker, house, lot)?;
        let after = self.balance_of(core.collateral, house)?;
        let received = after.saturating_sub(before);
        if received != lot {
            return Err(Error::CollateralNotReceived(CollateralNotReceived {
                expected: lot,
                received,
            }));
        }
        let coin = self.incentive(tab, p1, p2)?;
        let paid = self.pay_keeper(solvency, liquidation_id, kpr, coin)?;
        log(self.vm(), Kick { id: sale_id, top, tab, lot, usr, kpr, coin: paid });
        Ok(sale_id)
    }

    fn take_inner(
        &mut self,
        core: &mut Core,
        id: U256,
        amt: U256,
        max: U256,
        who: Address,
        data: &[u8],
    ) -> Result<(), Error> {
        let sale = self.read_sale(id).ok_or_else(|| not_running(id))?;
        let (done, price) = sale.status(self.now(), scale_of(core.word1))?;
        if done {
            return Err(Error::NeedsRedo(NeedsRedo { id }));
        }
        if max < price {
            return Err(Error::TooExpensive(TooExpensive { max, price }));
        }
        let house = self.vm().contract_address();
        if who == house
            || (!data.is_empty()
                && (who == core.collateral || who == core.debt || who == core.solvency))
        {
            return Err(Error::ForbiddenCallee(ForbiddenCallee { who }));
        }

        let tab = U256::from(sale.tab);
        let lot = U256::from(sale.lot);
        // Buy as much as possible, up to `amt`.
        let mut slice = gavel_math::min(lot, amt);
        let mut owe = mul_div(slice, price, RAY, Rounding::Up)?;
        if owe > tab {
            // Collect no more than the tab: owe' = tab < owe, so slice' < slice <= lot.
            owe = tab;
            slice = mul_div(owe, RAY, price, Rounding::Down)?;
        } else if owe < tab && slice < lot {
            // A partial purchase must leave at least `dust` of tab (Clipper's `chost` rule).
            let dust = U256::from(sale.snap.dust);
            if checked_sub(tab, owe)? < dust {
                if tab <= dust {
                    return Err(Error::NoPartialPurchase(NoPartialPurchase { tab, dust }));
                }
                owe = checked_sub(tab, dust)?;
                slice = mul_div(owe, RAY, price, Rounding::Down)?;
            }
        }
        if owe.is_zero() {
            return Err(Error::ZeroAmount(ZeroAmount {}));
        }
        let tab_left = checked_sub(tab, owe)?;
        let lot_left = checked_sub(lot, slice)?;
        let ended = tab_left.is_zero() || lot_left.is_zero();

        // Effects.
        if ended {
            self.remove_sale(core, id, &sale);
        } else {
            self.sales
                .setter(id)
                .w0
                .set(U256::from(low128(tab_left)) | (U256::from(low128(lot_left)) << 128));
        }

        // Interactions: collateral out, flash callback, payment in, leftovers, report.
        if !slice.is_zero() {
            self.safe_erc20.safe_transfer(core.collateral, who, slice)?;
        }
        let sender = self.vm().msg_sender();
        if !data.is_empty() {
            self.call(who, encode_clipper_call(sender, owe, slice, data))?;
        }
        self.safe_erc20.safe_transfer_from(core.debt, sender, core.solvency, owe)?;
        if tab_left.is_zero() && !lot_left.is_zero() {
            self.safe_erc20.safe_transfer(core.collateral, sale.usr, lot_left)?;
        }
        let liquidation = U256::from(sale.liquidation);
        let report = if ended {
            encode(
                <ISolvencyModule::onAuctionEndCall as SolCall>::SELECTOR,
                &[liquidation, owe, tab_left, lot_left],
            )
        } else {
            encode(<ISolvencyModule::onProceedsCall as SolCall>::SELECTOR, &[liquidation, owe])
        };
        self.call(core.solvency, report)?;
        log(
            self.vm(),
            Take { id, max, price, owe, tab: tab_left, lot: lot_left, usr: sale.usr },
        );
        Ok(())
    }

    fn redo_inner(&mut self, core: &mut Core, id: U256, kpr: Address) -> Result<(), Error> {
        let mut sale = self.read_sale(id).ok_or_else(|| not_running(id))?;
        let now = self.now();
        let unit = scale_of(core.word1);
        let (done, _) = sale.status(now, unit)?;
        if !done {
            return Err(Error::CannotReset(CannotReset { id }));
        }
        let (p0, p1, p2) = (self.params0.get(), self.params1.get(), self.params2.get());
        let feed = self.feed(p0, p2, now)?;
        let old = sale;
        sale.tic = now;
        let top = self.start(&mut sale, feed, p0, p1, unit)?;

        // Effects: only the words that changed.
        {
            let mut slots = self.sales.setter(id);
            if sale.w1() != old.w1() {
                slots.w1.set(sale.w1());
            }
            if sale.w2() != old.w2() {
                slots.w2.set(sale.w2());
            }
            if sale.w3() != old.w3() {
                slots.w3.set(sale.w3());
            }
        }

        // Incentive only for auctions worth it (Clipper: tab >= chost and lot * price >= chost).
        let tab = U256::from(sale.tab);
        let lot = U256::from(sale.lot);
        let dust = U256::from(sale.snap.dust);
        let mut paid = U256::ZERO;
        if tab >= dust {
            let (num, den) = feed;
            // `den <= 10^45`, so `den * RAY <= 10^72 < 2^240`.
            let value = mul_div(lot, num, den.wrapping_mul(RAY), Rounding::Down)?;
            if value >= dust {
                let coin = self.incentive(tab, p1, p2)?;
                paid = self.pay_keeper(core.solvency, U256::from(sale.liquidation), kpr, coin)?;
            }
        }
        log(self.vm(), Redo { id, top, tab, lot, usr: sale.usr, kpr, coin: paid });
        Ok(())
    }

    fn yank_inner(&mut self, core: &mut Core, id: U256) -> Result<(), Error> {
        let sale = self.read_sale(id).ok_or_else(|| not_running(id))?;
        self.remove_sale(core, id, &sale);
        let kicker = self.kicker_addresses.get(U256::from(sale.kicker));
        let lot = U256::from(sale.lot);
        self.safe_erc20.safe_transfer(core.collateral, kicker, lot)?;
        self.call(
            core.solvency,
            encode(
                <ISolvencyModule::onAuctionEndCall as SolCall>::SELECTOR,
                &[U256::from(sale.liquidation), U256::ZERO, U256::from(sale.tab), lot],
            ),
        )?;
        log(self.vm(), Yank { id });
        Ok(())
    }

    /// Fills `sale`'s price and snapshot for a (re)start at oracle price `num / den` (RAY)
    /// with the parameters in force; returns `top` in RAY.
    fn start(
        &self,
        sale: &mut Sale,
        (num, den): (U256, U256),
        p0: U256,
        p1: U256,
        unit: U256,
    ) -> Result<U256, Error> {
        // `den <= 10^45`: `den * WAD <= 10^63`, no overflow.
        let wad_den = den.wrapping_mul(WAD);
        let top_exact = mul_div(num, U256::from(low64(p0)), wad_den, Rounding::Up)?;
        let max_stored = U256::from(u128::MAX);
        let top_units = gavel_math::div(top_exact, unit, Rounding::Up)?;
        if top_units > max_stored {
            return Err(too_large(top_exact, max_stored.wrapping_mul(unit)));
        }
        // `top_units < 2^128`, `unit < 2^120`.
        let top = top_units.wrapping_mul(unit);
        let floor_price =
            mul_div(num, U256::from(bits64(p0, P0_FLOOR, 64)), wad_den, Rounding::Up)?;
        let cusp_price =
            mul_div(top, U256::from(bits64(p0, P0_CUSP, 64)), WAD, Rounding::Up)?;
        let min_exact = gavel_math::max(checked_add(floor_price, U256::from(1u8))?, cusp_price);
        let min_units = gavel_math::div(min_exact, unit, Rounding::Up)?;
        if min_units > max_stored {
            return Err(too_large(min_exact, max_stored.wrapping_mul(unit)));
        }
        sale.top = low128(top_units);
        sale.min_price = low128(min_units);
        sale.snap = Snapshot {
            kind: bits64(p1, 0, 8) as u8,
            cut: bits64(p1, P1_CUT, 64),
            period: bits64(p1, P1_PERIOD, 32) as u32,
            tail: bits64(p0, P0_TAIL, 32) as u32,
            dust: bits128(p1, P1_DUST, 88),
        };
        if sale.tic > (1 << 40) - 1 {
            return Err(too_large(U256::from(sale.tic), U256::from((1u64 << 40) - 1)));
        }
        Ok(top)
    }

    /// The oracle price as an exact fraction `num / den` (RAY), checked for a positive answer
    /// and freshness (`updatedAt <= now` and `now - updatedAt <= maxAge`).
    fn feed(&self, p0: U256, p2: U256, now: u64) -> Result<(U256, U256), Error> {
        let oracle = address_at(p2, 0);
        let data = self.static_call(
            oracle,
            encode(<IPriceFeed::latestRoundDataCall as SolCall>::SELECTOR, &[]),
        )?;
        let (Some(answer), Some(updated_at)) = (word_at(&data, 1), word_at(&data, 3)) else {
            return Err(call_failed(oracle, data));
        };
        let answer = I256::from_raw(answer);
        if !answer.is_positive() {
            return Err(Error::InvalidPrice(InvalidPrice { answer }));
        }
        let max_age = bits64(p0, P0_MAX_AGE, 32);
        let now_word = U256::from(now);
        // `saturating_sub` is exact here: `updated_at <= now_word` when it is evaluated.
        if updated_at > now_word || now_word.saturating_sub(updated_at) > U256::from(max_age) {
            return Err(Error::StalePrice(StalePrice { updatedAt: updated_at, now: now_word }));
        }
        let answer = answer.into_raw();
        // The stored exponent is in -45..=63.
        let exp = bits64(p2, P2_EXP, 8) as u8 as i8;
        if exp >= 0 {
            let factor = pow10(exp as u32);
            let num = answer.checked_mul(factor).ok_or(Error::MathOverflow(MathOverflow {}))?;
            Ok((num, U256::from(1u8)))
        } else {
            Ok((answer, pow10(exp.unsigned_abs() as u32)))
        }
    }

    /// `tip + chip * tab / WAD` (floor), Clipper's keeper incentive.
    fn incentive(&self, tab: U256, p1: U256, p2: U256) -> Result<U256, Error> {
        let chip = U256::from(bits64(p1, P1_CHIP, 64));
        let tip = U256::from(bits128(p2, P2_TIP, 88));
        Ok(checked_add(tip, mul_div(tab, chip, WAD, Rounding::Down)?)?)
    }

    /// Asks the solvency module to pay `kpr` up to `coin`; returns what it paid.
    fn pay_keeper(
        &mut self,
        solvency: Address,
        liquidation: U256,
        kpr: Address,
        coin: U256,
    ) -> Result<U256, Error> {
        if coin.is_zero() || kpr.is_zero() {
            return Ok(U256::ZERO);
        }
        let data = self.call(
            solvency,
            encode(
                <ISolvencyModule::payKeeperCall as SolCall>::SELECTOR,
                &[liquidation, address_word(kpr), coin],
            ),
        )?;
        word_at(&data, 0).ok_or_else(|| call_failed(solvency, data))
    }

    fn balance_of(&self, token: Address, account: Address) -> Result<U256, Error> {
        let data = self.static_call(
            token,
            encode(<IBalance::balanceOfCall as SolCall>::SELECTOR, &[address_word(account)]),
        )?;
        word_at(&data, 0).ok_or_else(|| call_failed(token, data))
    }

    /// `decimals()` of `target`, which must fit a uint8.
    fn read_u8(&self, target: Address, selector: [u8; 4]) -> Result<u8, Error> {
        let data = self.static_call(target, encode(selector, &[]))?;
        match word_at(&data, 0) {
            Some(word) if word <= U256::from(u8::MAX) => Ok(low64(word) as u8),
            _ => Err(call_failed(target, data)),
        }
    }

    /// A state-changing call; storage is flushed first, so the callee (and a re-entrant call)
    /// sees this contract's state, lock included.
    fn call(&mut self, target: Address, calldata: Vec<u8>) -> Result<Vec<u8>, Error> {
        // SAFETY: no storage reference is held across the call, and the storage cache is
        // flushed before it.
        unsafe { RawCall::new().flush_storage_cache().call(target, &calldata) }
            .map_err(|reason| call_failed(target, reason))
    }

    fn static_call(&self, target: Address, calldata: Vec<u8>) -> Result<Vec<u8>, Error> {
        // SAFETY: as for `call`; a static call cannot change any state.
        unsafe { RawCall::new_static().call(target, &calldata) }
            .map_err(|reason| call_failed(target, reason))
    }
}

fn call_failed(target: Address, reason: Vec<u8>) -> Error {
    Error::ExternalCallFailed(ExternalCallFailed { target, reason: reason.into() })
}

/// ABI call data: `selector` followed by static words.
fn encode(selector: [u8; 4], words: &[U256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * words.len());
    out.extend_from_slice(&selector);
    for word in words {
        out.extend_from_slice(&word.to_be_bytes::<32>());
    }
    out
}

/// `clipperCall(sender, owe, slice, data)` call data.
fn encode_clipper_call(sender: Address, owe: U256, slice: U256, data: &[u8]) -> Vec<u8> {
    let length = data.len();
    let mut out = encode(
        <IClipperCallee::clipperCallCall as SolCall>::SELECTOR,
        &[address_word(sender), owe, slice, U256::from(128u8), U256::from(length)],
    );
    out.extend_from_slice(data);
    // Pad to a multiple of 32 bytes.
    out.resize(out.len() + (32 - length % 32) % 32, 0);
    out
}

/// Word `index` of ABI return data, if present.
fn word_at(data: &[u8], index: usize) -> Option<U256> {
    let start = index.checked_mul(32)?;
    let bytes = data.get(start..start.checked_add(32)?)?;
    U256::try_from_be_slice(bytes)
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<DutchAuction>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

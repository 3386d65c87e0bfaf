//! # DutchAuction
//!
//! gavel's Dutch auction house: sells seized collateral in descending-price auctions, with the
//! keeper-facing ABI and events of Maker's Liquidations 2.0 `Clipper` (`take`, `redo`,
//! `getStatus`, `list`, `count`, `sales`, `kicks`, `stopped`, `buf`, `tail`, `cusp`, `chip`,
//! `tip`, `chost`; events `Kick`, `Take`, `Redo`, `Yank`), so keeper bots and indexers written
//! for Clipper work unchanged.
//!
//! One instance serves one (collateral token, debt token) pair. It is deployed with
//! `constructor(admin, collateral, debt_token, oracle, solvency)`: the oracle has Chainlink's
//! `AggregatorV3Interface` ABI, the solvency module is gavel's `ISolvencyModule`
//! (`specs/solvency-interface.md`). The house calls `attach` inside `kick`, `payKeeper` for
//! the kick and redo incentives, `onProceeds` after a partial take and `onAuctionEnd` when a
//! sale ends (tab covered, lot sold out, or yank). `take` pulls the payment from the caller
//! straight to the solvency module.
//!
//! ## Units
//!
//! * `tab`, `owe`, `tip`, `dust` (Clipper's `chost`): debt-token base units.
//! * `lot`, `slice`, `amt`: collateral base units.
//! * prices (`top`, `price`, `max`): **RAY**, debt base units per collateral base unit times
//!   `10^27`. The oracle price is `answer * 10^(27 + debtDecimals - collateralDecimals -
//!   oracleDecimals)`; the decimals are read once at construction (each must be at most 36,
//!   otherwise `UnsupportedDecimals`).
//! * `buf`, `cusp`, `floor` and the curve's `cut` are RAY factors as in Clipper, **stored as
//!   WADs**: a setter rejects a value that is not a multiple of `10^9` (`InvalidParameter`), so
//!   what is stored is exactly what was set. `chip` is a WAD, as in Clipper.
//!
//! ## Rounding (always towards the protocol)
//!
//! * the curve price is rounded up, and `owe = ceil(slice * price / RAY)`;
//! * when `owe` is cut down (to the tab, or to leave `dust`), `slice = floor(owe * RAY / price)`,
//!   so `owe >= slice * price / RAY` always: the protocol is never paid less than the price
//!   implies (the buyer may overpay by less than one collateral base unit's worth);
//! * `top` and the floor are rounded up when an auction (re)starts.
//!
//! ## Snapshot per sale
//!
//! `kick` and `redo` copy into the sale everything that decides its course: the curve (kind,
//! `cut`, period), `tail`, `dust`, and one absolute price threshold `minPrice` that folds the
//! floor and `cusp` together:
//! `minPrice = max(ceil(floor * oraclePrice) + 1, ceil(cusp * top / RAY))`, rounded up to a
//! whole price unit. For integer prices, Clipper's test `price * RAY / top < cusp` (floor
//! division) is equivalent to `price < ceil(cusp * top / RAY)`, and `price <= floorPrice` to
//! `price < floorPrice + 1`: one threshold, `price < minPrice`, is exactly both. Changing a
//! parameter never changes a running auction (Trail of Bits' Clipper finding); `redo` takes the
//! parameters in force. `buf` only serves to compute `top` at the (re)start and is implicit in
//! `top`.
//!
//! ## Storage: a sale is 4 slots
//!
//! Storage is laid out by hand (raw slots, big-endian byte fields) so that every operation
//! reads each slot once and writes only what changed:
//!
//! | slot | bytes |
//! |---|---|
//! | sale + 0 | `tab` u128 \| `lot` u128 |
//! | sale + 1 | `top` u128 \| `minPrice` u128 (price units, below) |
//! | sale + 2 | `usr` address \| `tic` u40 \| `pos` u32 \| kicker index u16 \| curve kind u8 |
//! | sale + 3 | `cut` WAD u64 \| period u32 \| `tail` u32 \| `dust` u88 \| `liquidationId` u40 |
//!
//! where `sale = keccak256(id . 11)` (a Solidity `mapping(uint256 => Sale)` at slot 11). Bounds,
//! rejected with `ValueTooLarge`: `tab`, `lot < 2^128`; `liquidationId < 2^40`; at most
//! `2^23 - 1` auctions running at once; at most `2^16 - 1` kickers ever authorised; `tail`,
//! `tau`, `step`, `maxAge < 2^32` seconds; `tip`, `dust < 2^88`; `buf <= 18.44` (u64 WAD).
//!
//! Prices are stored in *price units* of `10^s` RAY with `s = max(0, debtDecimals -
//! collateralDecimals)`, i.e. with a resolution of `10^-27` whole debt token per whole
//! collateral token or finer, so a stored price `< 2^128` covers any collateral worth less than
//! `3.4 * 10^11` debt tokens whatever the decimals. `top` and `minPrice` are rounded up to a
//! whole price unit; a larger `top` makes `kick`/`redo` revert with `ValueTooLarge`.
//!
//! Admin: slot 0 holds the owner and slot 1 the pending owner (each an address in the low 20
//! bytes), where OpenZeppelin's `Ownable2Step` keeps them (`gavel_common::ownable::OWNER` and
//! `PENDING_OWNER`); the two-step transfer is written in this crate (same ABI, errors and
//! events as `gavel_common::ownable2step!`), because that macro builds on
//! `gavel_common::raw_storage!`'s `U256` words and a re-entrancy check, where this house keeps
//! its words as bytes (`sload` returns 32 bytes) and its admin check ignores the lock (which
//! guards only `kick`, `take`, `redo` and `yank`).
//!
//! Configuration (slots 2–7):
//!
//! | slot | bytes |
//! |---|---|
//! | 2, 3 | collateral \| debt token \| solvency module \| flags u32 (`stopped` 2 bits, lock 1 bit, price-unit exponent `s` 6 bits, active count 23 bits) |
//! | 4 | `buf` WAD u64 \| `cusp` WAD u64 \| `floor` WAD u64 \| `tail` u32 \| `maxAge` u32 |
//! | 5 | curve kind u8 \| `cut` WAD u64 \| period u32 \| `dust` u88 \| `chip` WAD u64 |
//! | 6 | oracle \| `tip` u88 \| oracle exponent `e` i8 |
//! | 7 | `kicks` u64 \| guardian \| kickers ever authorised u16 |
//!
//! Mappings: kickers (slot 8: address → allowed, index), kicker addresses (slot 9: index →
//! address, kept after de-authorisation so that `yank` can return collateral), active list
//! (slot 10: word `p / 4` holds positions `p` in four u64 lanes), sales (slot 11).
//!
//! Slots 2 and 3 hold three addresses and the flags in 64 bytes, so the debt token straddles
//! them (bytes 20..40); the flags, the lock and the solvency module are all in slot 3.
//!
//! Reads and writes per operation: a partial `take` reads slots 2, 3 and the four sale slots
//! once each and writes one sale slot plus slot 3 (the lock, set and restored); a full take also
//! clears the sale and moves the last active id (one list word, the moved sale's word 2).
//! `redo` reads slot 3, the four sale slots and slots 4–6, and writes sale words 1 and 2 (and 3
//! only if the snapshot changed). `kick` writes four fresh sale slots, one list word, slots 3
//! and 7.
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
//! * a lock on `kick`/`take`/`redo`/`yank`: the flash callback cannot re-enter them (`Locked`;
//!   on chain the SDK's own re-entrancy guard reverts first);
//! * the flash callback is never made to the collateral token, the debt token, the solvency
//!   module or this contract, and this contract never receives the collateral
//!   (`ForbiddenCallee`).
//!
//! Collateral must be a plain ERC-20 (no fee on transfer, no rebasing): `kick` checks that the
//! house received exactly `lot`, so that the house always holds the sum of the running lots.
//!
//! ## Errors, ABI and WASM size
//!
//! Reverts carry Solidity custom errors (listed in `interfaces/IDutchAuction.sol`); [`Error`]
//! holds their ABI encoding (`gavel_common::abi::encode`) rather than an enum of the error
//! types, as in the solvency module, because that is much smaller in WASM. For the same reason
//! the WASM entry point (`gavel_common::entrypoint!`) decodes calls by hand ([`abi`]) instead
//! of through the SDK's router, which native tests, motsu and `export-abi` still use; a
//! differential test checks the two agree.
//!
//! What comes from `gavel_common` and what does not, for size: the entry point, the encoding
//! of errors and one-word results (`abi::encode`, `abi::words`) and the admin slots are
//! shared. [`Error`] boxes its encoding, unlike `revert_error!`'s `Vec` (measured at opt-level
//! z: 515 compressed bytes larger here); call data is built word by word (`Words`), which
//! measured 322 bytes smaller than `abi::encode` over `U256` arrays; the argument checks and
//! the constructor guard differ from `abi::call` and `construct_once!` (see [`abi`]).
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{boxed::Box, vec, vec::Vec};

use alloy_primitives::{
    aliases::{U192, U96},
    Address, FixedBytes, B256, U256,
};
use alloy_sol_types::{SolCall, SolError, SolEvent};
use gavel_common::erc20;
use gavel_math::{checked_add, mul_div, MathError, Rounding, RAY, WAD};
use stylus_sdk::{abi::Bytes, prelude::*};

pub mod abi;
pub mod curve;

pub use sol::*;

// ------------------------------------------------------------------------------------------
// 1. Parameters and their validation
// ------------------------------------------------------------------------------------------

/// Largest decimals accepted for either token or the oracle.
pub const MAX_DECIMALS: u8 = 36;
/// Largest `liquidationId` a sale can carry (40 bits).
pub const MAX_LIQUIDATION_ID: u64 = (1 << 40) - 1;
/// Largest number of simultaneously running auctions (23 bits).
pub const MAX_ACTIVE: u32 = (1 << 23) - 1;
/// Largest `tip` and `dust` (88 bits).
pub const MAX_AMOUNT_88: u128 = (1 << 88) - 1;
/// Largest block time a sale can record (40 bits: year 36812).
const MAX_TIME: u64 = (1 << 40) - 1;

/// Circuit-breaker level at which `kick` stops (`stopped >= level` blocks).
pub const LEVEL_KICK: u8 = 1;
/// Level at which `redo` stops (and `kick`).
pub const LEVEL_REDO: u8 = 2;
/// Level at which `take` stops (and `kick`, `redo`).
pub const LEVEL_TAKE: u8 = 3;
/// `yank` is never blocked by the circuit breaker.
const LEVEL_NONE: u8 = 4;

/// `bytes32` names of the parameters set through [`DutchAuction::file`], as Solidity's
/// `bytes32("...")`.
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
    /// Fraction of `top` (RAY, `< 1`) below which an auction needs a redo.
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
    /// Circuit-breaker level (set through `setStopped`; name of its `File` event).
    pub const STOPPED: [u8; 32] = key(b"stopped");
    /// The curve (set through `setCurve`; name in its `InvalidParameter` errors).
    pub const CURVE: [u8; 32] = key(b"curve");
}

/// A parameter set through [`DutchAuction::file`]: where it is stored and what it accepts.
struct Parameter {
    name: [u8; 32],
    /// Slot, byte offset and byte length of the stored value.
    slot: u64,
    at: usize,
    len: usize,
    /// Given in RAY, stored as the exact WAD (a multiple of 10^9 is required).
    ray: bool,
    /// Accepted stored values (WAD for `ray`): `min..=max`.
    min: u128,
    max: u128,
}

impl Parameter {
    const fn new(name: [u8; 32], at: (u64, usize, usize), ray: bool, min: u128, max: u128) -> Self {
        Parameter {
            name,
            slot: at.0,
            at: at.1,
            len: at.2,
            ray,
            min,
            max,
        }
    }
}

/// Every parameter `file` sets: name, `(slot, byte offset, byte length)` (layout in the crate
/// docs), given in RAY, accepted range of the stored value.
const PARAMETERS: [Parameter; 8] = [
    // `buf >= 1`.
    Parameter::new(
        names::BUF,
        (slot::PARAMS0, 0, 8),
        true,
        WAD_U64 as u128,
        u64::MAX as u128,
    ),
    // `cusp < 1`, `floor < 1`.
    Parameter::new(
        names::CUSP,
        (slot::PARAMS0, 8, 8),
        true,
        0,
        WAD_U64 as u128 - 1,
    ),
    Parameter::new(
        names::FLOOR,
        (slot::PARAMS0, 16, 8),
        true,
        0,
        WAD_U64 as u128 - 1,
    ),
    // Seconds, `1..2^32`.
    Parameter::new(
        names::TAIL,
        (slot::PARAMS0, 24, 4),
        false,
        1,
        u32::MAX as u128,
    ),
    Parameter::new(
        names::MAX_AGE,
        (slot::PARAMS0, 28, 4),
        false,
        1,
        u32::MAX as u128,
    ),
    // A WAD `<= 1`.
    Parameter::new(
        names::CHIP,
        (slot::PARAMS1, 24, 8),
        false,
        0,
        WAD_U64 as u128,
    ),
    // Debt base units below 2^88.
    Parameter::new(
        names::DUST,
        (slot::PARAMS1, 13, 11),
        false,
        0,
        MAX_AMOUNT_88,
    ),
    Parameter::new(names::TIP, (slot::PARAMS2, 20, 11), false, 0, MAX_AMOUNT_88),
];

/// `10^9`: a WAD times this is a RAY.
const GWEI: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);
/// One as a u64 WAD.
const WAD_U64: u64 = 1_000_000_000_000_000_000;

/// A RAY factor as the exact u64 WAD it is, if it is one.
fn ray_to_wad(value: U256) -> Option<u64> {
    // Division by a non-zero constant cannot fail.
    let wad = mul_div(value, U256::from(1u8), GWEI, Rounding::Down).ok()?;
    if mul(wad, GWEI) != value {
        return None;
    }
    as_u64(wad)
}

/// A u64 WAD widened to RAY (`< 2^94`: cannot overflow).
#[inline(never)]
fn wad_to_ray(wad: u64) -> U256 {
    mul(U256::from(wad), GWEI)
}

/// `value` as a u64, if it fits.
fn as_u64(value: U256) -> Option<u64> {
    let [low, a, b, c] = value.into_limbs();
    ((a | b | c) == 0).then_some(low)
}

/// `value` as a u128, if it fits.
fn as_u128(value: U256) -> Option<u128> {
    let [_, _, high, higher] = value.into_limbs();
    ((high | higher) == 0).then(|| low128(value))
}

/// `value` as a u64 if it is in `min..=max`.
fn in_range(value: U256, min: u64, max: u64) -> Option<u64> {
    as_u64(value).filter(|v| *v >= min && *v <= max)
}

// ------------------------------------------------------------------------------------------
// 2. Storage
// ------------------------------------------------------------------------------------------

/// Storage of the auction house: no SDK storage field; everything lives in raw slots laid out
/// in the crate docs, the admin included (slots 0 and 1, where OpenZeppelin's `Ownable2Step`
/// keeps its owner and pending owner).
#[storage]
pub struct DutchAuction {}

// SAFETY: `DutchAuction` is a whole contract's storage (what the WASM entry point in [`abi`] and
// motsu instantiate at slot 0), which is what `TopLevelStorage` asserts.
unsafe impl TopLevelStorage for DutchAuction {}

/// Raw storage slots.
mod slot {
    use gavel_common::ownable;

    /// Admin: the address in the low 20 bytes (OpenZeppelin `Ownable`'s `owner`; slot 0,
    /// `gavel_common::ownable::OWNER`).
    pub const OWNER: u64 = ownable::OWNER.as_limbs()[0];
    /// Pending admin: the address in the low 20 bytes (`Ownable2Step`'s `pendingOwner`; slot 1,
    /// `gavel_common::ownable::PENDING_OWNER`).
    pub const PENDING_OWNER: u64 = ownable::PENDING_OWNER.as_limbs()[0];
    /// Collateral, debt token, first 12 bytes of the solvency module.
    pub const CORE0: u64 = 2;
    /// Last 8 bytes of the solvency module... see `Core`.
    pub const CORE1: u64 = 3;
    /// `buf`, `cusp`, `floor`, `tail`, `maxAge`.
    pub const PARAMS0: u64 = 4;
    /// Curve kind, `cut`, period, `dust`, `chip`.
    pub const PARAMS1: u64 = 5;
    /// Oracle, `tip`, oracle exponent.
    pub const PARAMS2: u64 = 6;
    /// `kicks`, guardian, kicker count.
    pub const PARAMS3: u64 = 7;
    /// `mapping(address => word)`: byte 31 allowed, bytes 29..31 kicker index.
    pub const KICKERS: u64 = 8;
    /// `mapping(uint256 index => address)`.
    pub const KICKER_ADDRESSES: u64 = 9;
    /// `mapping(uint256 => word)`: four u64 ids per word.
    pub const ACTIVE: u64 = 10;
    /// `mapping(uint256 id => Sale)`, four words per sale.
    pub const SALES: u64 = 11;
}

/// A storage word as 32 big-endian bytes.
type Word = [u8; 32];

/// Big-endian unsigned integer in `bytes[at..at + len]` (`len <= 16`).
#[inline(never)]
fn get(bytes: &[u8], at: usize, len: usize) -> u128 {
    let mut value = 0u128;
    for byte in bytes.iter().skip(at).take(len) {
        value = (value << 8) | u128::from(*byte);
    }
    value
}

/// Writes the low `len` bytes of `value` big-endian into `bytes[at..at + len]`.
#[inline(never)]
fn put(bytes: &mut [u8], at: usize, len: usize, value: u128) {
    let mut rest = value;
    for byte in bytes.iter_mut().skip(at).take(len).rev() {
        // Keeps the low byte (truncation intended).
        *byte = rest as u8;
        rest >>= 8;
    }
}

/// The address in `bytes[at..at + 20]`.
#[inline(never)]
fn get_address(bytes: &[u8], at: usize) -> Address {
    let mut out = [0u8; 20];
    for (dst, src) in out.iter_mut().zip(bytes.iter().skip(at)) {
        *dst = *src;
    }
    Address::from(out)
}

/// Writes `account` into `bytes[at..at + 20]`.
#[inline(never)]
fn put_address(bytes: &mut [u8], at: usize, account: Address) {
    for (dst, src) in bytes.iter_mut().skip(at).zip(account.iter()) {
        *dst = *src;
    }
}

/// An address as an ABI word.
#[inline(never)]
fn address_word(account: Address) -> U256 {
    word_of(&account.into_word().0)
}

/// `x` as 32 big-endian bytes. Not inlined: WASM has no byte swap, and this is the one copy.
#[inline(never)]
fn be(x: &U256) -> Word {
    x.to_be_bytes::<32>()
}

/// 32 big-endian bytes as a number (the one copy, as for [`be`]).
#[inline(never)]
fn word_of(bytes: &Word) -> U256 {
    U256::from_be_bytes(*bytes)
}

/// `a * b`; every caller states why the product cannot overflow (it would saturate).
/// Through `mul_div` so that the WASM carries one multiplication routine.
#[inline(never)]
fn mul(a: U256, b: U256) -> U256 {
    mul_div(a, b, U256::from(1u8), Rounding::Down).unwrap_or(U256::MAX)
}

/// `a * b / denominator` rounded as `rounding`, or `MathOverflow`: the one call site of
/// `gavel_math::mul_div` for checked products (arguments by reference: no copies at the
/// callers).
#[inline(never)]
fn scale(a: &U256, b: &U256, denominator: &U256, rounding: Rounding) -> Result<U256, Error> {
    Ok(mul_div(*a, *b, *denominator, rounding)?)
}

/// Slot of word `index` of the struct at slot `base` (a sale: `index < 4`; a mapping slot is
/// a hash, so the addition wraps only as Solidity's would).
#[inline(never)]
fn word_slot(base: &U256, index: usize) -> U256 {
    base.wrapping_add(U256::from(index))
}

/// A stored price (`units` price units of `unit` RAY) in RAY: `units < 2^128` and
/// `unit <= 10^36 < 2^120`, so the product is below 2^248.
#[inline(never)]
fn in_ray(units: u128, unit: &U256) -> U256 {
    mul(U256::from(units), *unit)
}

/// `10^n` (callers pass at most 72; it would saturate beyond 77).
fn pow10(n: u32) -> U256 {
    let mut out = U256::from(1u8);
    for _ in 0..n {
        out = mul(out, U256::from(10u8));
    }
    out
}

/// Slots 2 and 3: the configuration every operation reads. Bytes 0..20 collateral, 20..40
/// debt token, 40..60 solvency module, 60..64 flags (big-endian u32: bits 0..23 active count,
/// 23..29 price-unit exponent, bit 29 lock, bits 30..32 `stopped`).
#[derive(Clone, Copy)]
struct Core([Word; 2]);

const FLAG_SCALE: u32 = 23;
const FLAG_LOCK: u32 = 29;
const FLAG_STOPPED: u32 = 30;

impl Core {
    /// Both words as one 64-byte string.
    fn bytes(&self) -> &[u8] {
        self.0.as_flattened()
    }
    fn collateral(&self) -> Address {
        get_address(self.bytes(), 0)
    }
    fn debt(&self) -> Address {
        get_address(self.bytes(), 20)
    }
    fn solvency(&self) -> Address {
        get_address(self.bytes(), 40)
    }
    fn flags(&self) -> u32 {
        // Four bytes: fits.
        get(&self.0[1], 28, 4) as u32
    }
    fn set_flags(&mut self, flags: u32) {
        put(&mut self.0[1], 28, 4, u128::from(flags));
    }
    fn count(&self) -> u32 {
        self.flags() & MAX_ACTIVE
    }
    fn set_count(&mut self, count: u32) {
        self.set_flags((self.flags() & !MAX_ACTIVE) | (count & MAX_ACTIVE));
    }
    /// Price unit `10^s` RAY.
    fn unit(&self) -> U256 {
        pow10((self.flags() >> FLAG_SCALE) & 0x3f)
    }
    fn locked(&self) -> bool {
        (self.flags() >> FLAG_LOCK) & 1 == 1
    }
    fn stopped(&self) -> u8 {
        // Two bits.
        (self.flags() >> FLAG_STOPPED) as u8
    }
}

/// Where a field of a sale lives: `(word, byte offset, byte length)` (layout in the crate docs).
type Field = (usize, usize, usize);

const TAB: Field = (0, 0, 16);
const LOT: Field = (0, 16, 16);
/// Starting price, in price units.
const TOP: Field = (1, 0, 16);
/// Lowest price at which the sale may be taken, in price units.
const MIN_PRICE: Field = (1, 16, 16);
/// `usr` is bytes 0..20 of word 2.
const TIC: Field = (2, 20, 5);
const POS: Field = (2, 25, 4);
const KICKER: Field = (2, 29, 2);
/// Snapshot: curve kind.
const KIND: Field = (2, 31, 1);
/// Snapshot: curve `cut` (WAD).
const CUT: Field = (3, 0, 8);
/// Snapshot: curve period (`tau` or `step`).
const PERIOD: Field = (3, 8, 4);
/// Snapshot: `tail`.
const TAIL: Field = (3, 12, 4);
/// Snapshot: `dust`.
const DUST: Field = (3, 16, 11);
const LIQUIDATION: Field = (3, 27, 5);

/// A sale: its four storage words, read and written whole; fields are decoded where used.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Sale([Word; 4]);

impl Sale {
    /// Field `(word, at, len)` (`len <= 16`).
    fn get(&self, (word, at, len): Field) -> u128 {
        self.0.get(word).map_or(0, |w| get(w, at, len))
    }

    /// Sets field `(word, at, len)` to the low `len` bytes of `value`.
    fn set(&mut self, (word, at, len): Field, value: u128) {
        if let Some(w) = self.0.get_mut(word) {
            put(w, at, len, value);
        }
    }

    fn tab(&self) -> u128 {
        self.get(TAB)
    }

    fn lot(&self) -> u128 {
        self.get(LOT)
    }

    fn usr(&self) -> Address {
        get_address(&self.0[2], 0)
    }

    /// `(needsRedo, price)` at time `now`, the price in RAY (`unit`: the price unit).
    fn status(&self, now: u64, unit: U256) -> Result<(bool, U256), Error> {
        // Five bytes: the cast is exact.
        let elapsed = now.saturating_sub(self.get(TIC) as u64);
        // Price units are at most 10^36 < 2^120 and stored prices below 2^128: the products
        // are below 2^248.
        let top = in_ray(self.get(TOP), &unit);
        let min_price = in_ray(self.get(MIN_PRICE), &unit);
        // The casts keep fields of 1, 8 and 4 bytes: exact.
        let (kind, cut, period) = (
            self.get(KIND) as u8,
            self.get(CUT) as u64,
            self.get(PERIOD) as u32,
        );
        let price = curve::price(kind, cut, period, top, elapsed)?;
        Ok((elapsed > self.get(TAIL) as u64 || price < min_price, price))
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
        /// keeper incentive the solvency module actually paid.
        event Kick(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed usr, address indexed kpr, uint256 coin);
        /// A purchase (Clipper's event). `tab` and `lot` are what is left after it; when the tab
        /// is covered, `lot` is the collateral returned to `usr`.
        event Take(uint256 indexed id, uint256 max, uint256 price, uint256 owe, uint256 tab, uint256 lot, address indexed usr);
        /// An auction restarted (Clipper's event); `coin` as in `Kick`.
        event Redo(uint256 indexed id, uint256 top, uint256 tab, uint256 lot, address indexed usr, address indexed kpr, uint256 coin);
        /// An auction was cancelled by the admin (Clipper's event).
        event Yank(uint256 id);
        /// A parameter changed (Maker's `File`); the circuit breaker logs `File("stopped", level)`.
        event File(bytes32 indexed what, uint256 data);
        /// The price curve for new auctions changed (`cut` in RAY).
        event CurveSet(uint256 kind, uint256 cut, uint256 period);
        /// A kicker was authorised or de-authorised.
        event KickerSet(address indexed kicker, bool allowed);
        /// The guardian changed.
        event GuardianSet(address indexed guardian);
        /// Ownership transfer proposed (OpenZeppelin `Ownable2Step`'s event).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Ownership moved (OpenZeppelin `Ownable`'s event).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// The caller is not the admin (or, for `acceptOwnership`, not the pending admin):
        /// OpenZeppelin `Ownable`'s error.
        #[derive(Debug)]
        error OwnableUnauthorizedAccount(address account);
        /// The zero address as the admin (OpenZeppelin `Ownable`'s error).
        #[derive(Debug)]
        error OwnableInvalidOwner(address owner);
        /// A token transfer failed: it reverted, returned something other than `true`, or the
        /// token has no code (OpenZeppelin Stylus `SafeErc20`'s error, raised through
        /// `gavel_common::erc20`).
        #[derive(Debug)]
        error SafeErc20FailedOperation(address token);
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
        /// The flash-callback target or collateral receiver is not allowed.
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

/// Why a call failed: the ABI encoding of one of the contract's custom errors (the `sol!`
/// errors above, among them OpenZeppelin's `OwnableUnauthorizedAccount`, `OwnableInvalidOwner`
/// and `SafeErc20FailedOperation` with their selectors), which is the revert data.
///
/// Deliberately not an enum of the error types (as in the solvency module): one boxed pointer
/// is what every `?` moves (a `Result<(), Error>` fits a register), where an enum of 100-byte
/// variants made error propagation and encoding a large share of the WASM. Boxed, unlike
/// `gavel_common::revert_error!`'s 12-byte `Vec`, which measured 515 compressed bytes larger
/// here (opt-level z). Errors are the cold path: the extra allocation costs nothing on success.
/// The tests compare each error with its `sol!` type's `abi_encode()`; `export-abi` lists the
/// errors through the `InnerTypes` impl below.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Error(Box<Vec<u8>>);

impl Error {
    /// The custom error with `selector` and static arguments `args`.
    #[cold]
    #[inline(never)]
    fn new(selector: [u8; 4], args: &[U256]) -> Self {
        Error::from_data(gavel_common::abi::encode(selector, args))
    }

    /// The error whose revert data is `data`.
    #[cold]
    #[inline(never)]
    fn from_data(data: Vec<u8>) -> Self {
        Error(Box::new(data))
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

impl From<MathError> for Error {
    fn from(_: MathError) -> Self {
        fail(MathOverflow::SELECTOR)
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
    NotRunning,
    NeedsRedo,
    CannotReset,
    TooExpensive,
    NoPartialPurchase,
    ForbiddenCallee,
    InvalidPrice,
    StalePrice,
    ExternalCallFailed,
    CollateralNotReceived,
    UnsupportedDecimals,
    NotAContract,
    SameToken,
    MathOverflow,
);

/// An error without arguments.
#[cold]
#[inline(never)]
fn fail(selector: [u8; 4]) -> Error {
    Error::new(selector, &[])
}

/// An error whose one argument is an address.
#[cold]
#[inline(never)]
fn fail_address(selector: [u8; 4], account: Address) -> Error {
    Error::new(selector, &[address_word(account)])
}

/// `SafeErc20FailedOperation(token)`; its selector is `gavel_common::erc20::FAILED_OPERATION`.
#[cold]
#[inline(never)]
fn transfer_failed(token: Address) -> Error {
    fail_address(erc20::FAILED_OPERATION, token)
}

#[cold]
#[inline(never)]
fn too_large(value: &U256, max: &U256) -> Error {
    Error::new(ValueTooLarge::SELECTOR, &[*value, *max])
}

#[cold]
#[inline(never)]
fn not_running(id: U256) -> Error {
    Error::new(NotRunning::SELECTOR, &[id])
}

#[cold]
#[inline(never)]
fn invalid(what: [u8; 32], data: U256) -> Error {
    Error::new(InvalidParameter::SELECTOR, &[word_of(&what), data])
}

/// `ExternalCallFailed(target, reason)`.
#[cold]
#[inline(never)]
fn call_failed(target: Address, reason: Vec<u8>) -> Error {
    // Address, offset, length, padded reason: word counts of in-memory data, no overflow.
    let mut data = Words::call(ExternalCallFailed::SELECTOR, 3 + reason.len().div_ceil(32));
    data.address(target).bytes(2, &reason);
    Error::from_data(data.0)
}

// ------------------------------------------------------------------------------------------
// 4. Public interface
// ------------------------------------------------------------------------------------------

/// `sales(id)` as Clipper returns it: `(pos, tab, lot, usr, tic, top)`.
pub type SaleView = (U256, U256, U256, Address, U96, U256);

/// `snapshot(id)`: `(liquidationId, kicker, kind, cut (RAY), period, tail, minPrice (RAY),
/// dust)`.
pub type SnapshotView = (U256, Address, U256, U256, U256, U256, U256, U256);

/// The contract's ABI. Native tests, motsu's cross-contract calls and `export-abi` use it
/// through the SDK's router; the WASM entry point decodes calls by hand and calls the same
/// methods ([`abi`]).
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
        if admin.is_zero() {
            return Err(fail_address(OwnableInvalidOwner::SELECTOR, admin));
        }
        self.set_owner(admin);
        if collateral.is_zero() || debt_token.is_zero() || oracle.is_zero() || solvency.is_zero() {
            return Err(fail(ZeroAddress::SELECTOR));
        }
        if collateral == debt_token {
            return Err(fail_address(SameToken::SELECTOR, collateral));
        }
        // A code hash that is neither zero nor that of empty code, as the token helper checks.
        if !erc20::has_code(self.vm(), solvency) {
            return Err(fail_address(NotAContract::SELECTOR, solvency));
        }
        let cd = self.read_decimals(collateral)?;
        let dd = self.read_decimals(debt_token)?;
        let od = self.read_decimals(oracle)?;
        if cd > MAX_DECIMALS || dd > MAX_DECIMALS || od > MAX_DECIMALS {
            return Err(Error::new(
                UnsupportedDecimals::SELECTOR,
                &[U256::from(cd), U256::from(dd), U256::from(od)],
            ));
        }
        // Price-unit exponent s = max(0, dd - cd) in 0..=36; oracle exponent
        // e = 27 + dd - cd - od in -45..=63 (small: no overflow in i16, fits an i8).
        let scale = dd.saturating_sub(cd);
        let exp = 27i16 + i16::from(dd) - i16::from(cd) - i16::from(od);
        let mut core = Core([[0u8; 32]; 2]);
        {
            let bytes = core.0.as_flattened_mut();
            put_address(bytes, 0, collateral);
            put_address(bytes, 20, debt_token);
            put_address(bytes, 40, solvency);
        }
        core.set_flags(u32::from(scale) << FLAG_SCALE);
        self.store_core(&core, true);
        let mut p2 = [0u8; 32];
        put_address(&mut p2, 0, oracle);
        // The exponent's two's-complement byte, read back with `as i8`.
        put(&mut p2, 31, 1, u128::from(exp as i8 as u8));
        self.set_slot_word(slot::PARAMS2, p2);
        Ok(())
    }

    // ----------------------------------------------------------------- keeper interface

    /// Buys up to `amt` collateral of auction `id` at the current price, if that price is at
    /// most `max` (RAY). The collateral goes to `who`; if `data` is non-empty,
    /// `who.clipperCall(msg.sender, owe, slice, data)` is called next (flash liquidation), and
    /// only then `owe` debt tokens are pulled from the caller to the solvency module. At most
    /// the tab is collected; a partial purchase leaves at least `dust` of tab (else it is cut to
    /// leave exactly `dust`; with a tab at most `dust` only the whole lot can be bought). When
    /// the tab is covered, the remaining collateral goes back to `usr`.
    pub fn take(
        &mut self,
        id: U256,
        amt: U256,
        max: U256,
        who: Address,
        data: Bytes,
    ) -> Result<(), Error> {
        self.take_bytes(id, amt, max, who, &data)
    }

    /// Restarts auction `id` if it needs it (older than its `tail`, price below `cusp * top`,
    /// or at its floor) from a fresh oracle price times `buf`, with the parameters in force.
    /// Pays `kpr` the keeper incentive (`tip + chip * tab`, through the solvency module) when
    /// `tab >= dust` and `lot * price >= dust`.
    pub fn redo(&mut self, id: U256, kpr: Address) -> Result<(), Error> {
        let mut core = self.enter(LEVEL_REDO, false)?;
        let result = self.redo_inner(&mut core, id, kpr);
        self.leave();
        result
    }

    /// `(needsRedo, price, lot, tab)` of auction `id`; `(false, 0, 0, 0)` if none runs.
    #[selector(name = "getStatus")]
    pub fn get_status(&self, id: U256) -> Result<(bool, U256, U256, U256), Error> {
        let data = Returned(self.status_data(id)?);
        Ok((
            !data.word(0).is_zero(),
            data.word(1),
            data.word(2),
            data.word(3),
        ))
    }

    /// Ids of the running auctions.
    pub fn list(&self) -> Vec<U256> {
        let data = Returned(self.list_data());
        (2..data.0.len() / 32).map(|i| data.word(i)).collect()
    }

    /// Number of running auctions.
    pub fn count(&self) -> U256 {
        U256::from(self.load_core().count())
    }

    /// Auction `id` as Clipper's `sales(id)`: `(pos, tab, lot, usr, tic, top)`; zeros if none.
    pub fn sales(&self, id: U256) -> SaleView {
        let data = Returned(self.sale_data(id));
        // `tic` is a five-byte field: its low limb holds it.
        let tic = U96::from_limbs([data.word(4).as_limbs()[0], 0]);
        (
            data.word(0),
            data.word(1),
            data.word(2),
            data.address(3),
            tic,
            data.word(5),
        )
    }

    /// What auction `id` snapshotted at its last (re)start: `(liquidationId, kicker, kind,
    /// cut (RAY), period, tail, minPrice (RAY), dust)`. A take needs `price >= minPrice`.
    pub fn snapshot(&self, id: U256) -> SnapshotView {
        let data = Returned(self.snapshot_data(id));
        let w = |i| data.word(i);
        (w(0), data.address(1), w(2), w(3), w(4), w(5), w(6), w(7))
    }

    /// Total auctions ever kicked (the last id).
    pub fn kicks(&self) -> U256 {
        self.param(slot::PARAMS3, 0, 8)
    }

    /// Circuit-breaker level (0–3).
    pub fn stopped(&self) -> U256 {
        U256::from(self.load_core().stopped())
    }

    /// Starting-price factor (RAY).
    pub fn buf(&self) -> U256 {
        wad_to_ray(get(&self.slot_word(slot::PARAMS0), 0, 8) as u64)
    }

    /// Seconds after which an auction needs a redo.
    pub fn tail(&self) -> U256 {
        self.param(slot::PARAMS0, 24, 4)
    }

    /// Fraction of `top` (RAY) below which an auction needs a redo.
    pub fn cusp(&self) -> U256 {
        wad_to_ray(get(&self.slot_word(slot::PARAMS0), 8, 8) as u64)
    }

    /// Floor as a fraction of the oracle price at (re)start (RAY).
    pub fn floor(&self) -> U256 {
        wad_to_ray(get(&self.slot_word(slot::PARAMS0), 16, 8) as u64)
    }

    /// Maximum oracle age (seconds).
    #[selector(name = "maxAge")]
    pub fn max_age(&self) -> U256 {
        self.param(slot::PARAMS0, 28, 4)
    }

    /// Keeper incentive proportional to the tab (WAD).
    pub fn chip(&self) -> u64 {
        // Eight bytes: exact.
        get(&self.slot_word(slot::PARAMS1), 24, 8) as u64
    }

    /// Flat keeper incentive (debt base units).
    pub fn tip(&self) -> U192 {
        let tip = get(&self.slot_word(slot::PARAMS2), 20, 11);
        // Eleven bytes: the limbs hold it exactly.
        U192::from_limbs([tip as u64, (tip >> 64) as u64, 0])
    }

    /// Dust threshold for new auctions (debt base units); Clipper's name.
    pub fn chost(&self) -> U256 {
        self.param(slot::PARAMS1, 13, 11)
    }

    /// Curve for new auctions: `(kind, cut (RAY), period)`; kind 0 = not set.
    pub fn curve(&self) -> (U256, U256, U256) {
        let data = Returned(self.curve_data());
        (data.word(0), data.word(1), data.word(2))
    }

    /// Collateral token.
    pub fn collateral(&self) -> Address {
        self.load_core().collateral()
    }

    /// Debt token.
    #[selector(name = "debtToken")]
    pub fn debt_token(&self) -> Address {
        self.load_core().debt()
    }

    /// Solvency module.
    pub fn solvency(&self) -> Address {
        self.load_core().solvency()
    }

    /// Price oracle.
    pub fn oracle(&self) -> Address {
        get_address(&self.slot_word(slot::PARAMS2), 0)
    }

    /// Guardian (may raise `stopped`); zero if none.
    pub fn guardian(&self) -> Address {
        get_address(&self.slot_word(slot::PARAMS3), 8)
    }

    /// Whether `account` may kick.
    #[selector(name = "isKicker")]
    pub fn is_kicker(&self, account: Address) -> bool {
        get(
            &self.sload(self.map_slot(address_word(account), slot::KICKERS)),
            31,
            1,
        ) == 1
    }

    // ----------------------------------------------------------------- kicker interface

    /// Starts an auction for liquidation `liquidation_id` of the solvency module: sells `lot`
    /// collateral, pulled from the caller, to raise `tab` debt tokens; leftovers go to `usr`.
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
        let mut core = self.enter(LEVEL_KICK, true)?;
        let result = self.kick_inner(&mut core, liquidation_id, tab, lot, usr, kpr);
        self.leave();
        result
    }

    // ----------------------------------------------------------------- admin interface

    /// Cancels auction `id` (admin): its collateral goes back to the kicker and the solvency
    /// module is told (`onAuctionEnd(liquidationId, 0, tab, lot)`). Allowed at every
    /// `stopped` level.
    pub fn yank(&mut self, id: U256) -> Result<(), Error> {
        let mut core = self.enter(LEVEL_NONE, true)?;
        let result = match self.only_owner() {
            Ok(()) => self.yank_inner(&mut core, id),
            Err(e) => Err(e.into()),
        };
        self.leave();
        result
    }

    /// Sets a parameter (admin), Maker style. `what` (bytes32) and units: `buf` (RAY, >= 1),
    /// `cusp` (RAY, < 1), `floor` (RAY, < 1) — these three must be multiples of 10^9 (stored
    /// as WADs); `tail`, `maxAge` (seconds, 1 ..= 2^32 - 1); `chip` (WAD, <= 1); `tip`, `dust`
    /// (debt base units, < 2^88). Running auctions keep their snapshot. Emits `File`.
    pub fn file(&mut self, what: FixedBytes<32>, data: U256) -> Result<(), Error> {
        self.only_owner()?;
        let key = what.0;
        let bad = || invalid(key, data);
        let parameter = PARAMETERS.iter().find(|p| p.name == key).ok_or_else(bad)?;
        let value = if parameter.ray {
            ray_to_wad(data).map(u128::from)
        } else {
            as_u128(data)
        }
        .filter(|v| *v >= parameter.min && *v <= parameter.max)
        .ok_or_else(bad)?;
        let (at_slot, at, len) = (parameter.slot, parameter.at, parameter.len);
        let old = self.slot_word(at_slot);
        let mut word = old;
        put(&mut word, at, len, value);
        if word != old {
            self.set_slot_word(at_slot, word);
        }
        let mut log = Words::event(File::SIGNATURE_HASH, 2);
        log.raw(&key).word(&data);
        self.emit(&log, 2);
        Ok(())
    }

    /// Sets the price curve for new auctions (admin): `kind` 1 = linear (`cut` 0, `period` =
    /// `tau` > 0), 2 = stair-step exponential (`cut` in (0, 1) RAY per `period` = `step` > 0
    /// seconds), 3 = exponential (`cut` in (0, 1) RAY per second, `period` 0). `cut` must be a
    /// multiple of 10^9 (stored as a WAD); periods below 2^32. Emits `CurveSet`.
    #[selector(name = "setCurve")]
    pub fn set_curve(&mut self, kind: U256, cut: U256, period: U256) -> Result<(), Error> {
        self.only_owner()?;
        let bad = || invalid(names::CURVE, kind);
        let k = in_range(kind, 1, 3).ok_or_else(bad)?;
        let cut_wad = if k == u64::from(curve::LINEAR) {
            in_range(cut, 0, 0)
        } else {
            ray_to_wad(cut).filter(|w| *w > 0 && *w < WAD_U64)
        }
        .ok_or_else(bad)?;
        let secs = if k == u64::from(curve::EXPONENTIAL) {
            in_range(period, 0, 0)
        } else {
            in_range(period, 1, u64::from(u32::MAX))
        }
        .ok_or_else(bad)?;
        let mut p1 = self.slot_word(slot::PARAMS1);
        put(&mut p1, 0, 1, u128::from(k));
        put(&mut p1, 1, 8, u128::from(cut_wad));
        put(&mut p1, 9, 4, u128::from(secs));
        self.set_slot_word(slot::PARAMS1, p1);
        let mut log = Words::event(CurveSet::SIGNATURE_HASH, 3);
        log.word(&kind).word(&cut).word(&period);
        self.emit(&log, 1);
        Ok(())
    }

    /// Authorises (`allowed`) or de-authorises a kicker (admin). Emits `KickerSet`.
    #[selector(name = "setKicker")]
    pub fn set_kicker(&mut self, kicker: Address, allowed: bool) -> Result<(), Error> {
        self.only_owner()?;
        if kicker.is_zero() {
            return Err(fail(ZeroAddress::SELECTOR));
        }
        let entry_slot = self.map_slot(address_word(kicker), slot::KICKERS);
        let mut entry = self.sload(entry_slot);
        let mut index = get(&entry, 29, 2);
        if index == 0 && allowed {
            let p3_slot = slot::PARAMS3;
            let mut p3 = self.slot_word(p3_slot);
            index = get(&p3, 28, 2) + 1;
            if index > u128::from(u16::MAX) {
                return Err(too_large(&U256::from(index), &U256::from(u16::MAX)));
            }
            put(&mut p3, 28, 2, index);
            self.set_slot_word(p3_slot, p3);
            let address_slot = self.map_slot(U256::from(index), slot::KICKER_ADDRESSES);
            self.sstore(address_slot, be(&address_word(kicker)));
            put(&mut entry, 29, 2, index);
        }
        put(&mut entry, 31, 1, u128::from(allowed));
        self.sstore(entry_slot, entry);
        let mut log = Words::event(KickerSet::SIGNATURE_HASH, 2);
        log.address(kicker).uint(u128::from(allowed));
        self.emit(&log, 2);
        Ok(())
    }

    /// Sets the guardian (admin; zero removes it). Emits `GuardianSet`.
    #[selector(name = "setGuardian")]
    pub fn set_guardian(&mut self, guardian: Address) -> Result<(), Error> {
        self.only_owner()?;
        let p3_slot = slot::PARAMS3;
        let mut p3 = self.slot_word(p3_slot);
        put_address(&mut p3, 8, guardian);
        self.set_slot_word(p3_slot, p3);
        let mut log = Words::event(GuardianSet::SIGNATURE_HASH, 1);
        log.address(guardian);
        self.emit(&log, 2);
        Ok(())
    }

    /// Sets the circuit breaker (0: none; 1: no kick; 2: no kick or redo; 3: no kick, redo or
    /// take). The admin may set any level, the guardian only raise it. Emits
    /// `File("stopped", level)`.
    #[selector(name = "setStopped")]
    pub fn set_stopped(&mut self, level: U256) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        // Only slot 3 (the flags) is read and written.
        let mut core = Core([[0u8; 32], self.slot_word(slot::CORE1)]);
        let new = in_range(level, 0, 3).ok_or_else(|| invalid(names::STOPPED, level))?;
        let is_owner = sender == self.owner();
        let is_guardian = !sender.is_zero() && sender == self.guardian();
        if !(is_owner || (is_guardian && new >= u64::from(core.stopped()))) {
            return Err(fail_address(Unauthorized::SELECTOR, sender));
        }
        // `new <= 3`: two bits.
        let flags = (core.flags() & !(3 << FLAG_STOPPED)) | ((new as u32) << FLAG_STOPPED);
        core.set_flags(flags);
        self.store_core(&core, false);
        let mut log = Words::event(File::SIGNATURE_HASH, 2);
        log.raw(&names::STOPPED).word(&level);
        self.emit(&log, 2);
        Ok(())
    }

    /// Current admin.
    pub fn owner(&self) -> Address {
        get_address(&self.slot_word(slot::OWNER), 12)
    }

    /// Account that may accept the admin role, or zero.
    #[selector(name = "pendingOwner")]
    pub fn pending_owner(&self) -> Address {
        get_address(&self.slot_word(slot::PENDING_OWNER), 12)
    }

    /// Proposes `new_owner` as admin (admin only); it takes effect when `new_owner` accepts.
    /// Zero cancels a pending proposal. Emits `OwnershipTransferStarted(owner, new_owner)`
    /// (OpenZeppelin `Ownable2Step`'s behavior).
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        self.only_owner()?;
        self.set_slot_word(slot::PENDING_OWNER, be(&address_word(new_owner)));
        let mut log = Words::event(OwnershipTransferStarted::SIGNATURE_HASH, 2);
        log.address(self.owner()).address(new_owner);
        self.emit(&log, 3);
        Ok(())
    }

    /// The pending admin becomes the admin (caller only the pending admin, else
    /// `OwnableUnauthorizedAccount(caller)`); the pending admin is cleared. Emits
    /// `OwnershipTransferred(previous, caller)`.
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        if sender != self.pending_owner() {
            return Err(fail_address(OwnableUnauthorizedAccount::SELECTOR, sender));
        }
        self.set_slot_word(slot::PENDING_OWNER, [0u8; 32]);
        self.set_owner(sender);
        Ok(())
    }
}

// ------------------------------------------------------------------------------------------
// 5. Internal functions
// ------------------------------------------------------------------------------------------

impl DutchAuction {
    /// `OwnableUnauthorizedAccount(caller)` unless the caller is the admin.
    fn only_owner(&self) -> Result<(), Error> {
        let sender = self.vm().msg_sender();
        if sender != self.owner() {
            return Err(fail_address(OwnableUnauthorizedAccount::SELECTOR, sender));
        }
        Ok(())
    }

    /// Makes `owner` the admin and logs `OwnershipTransferred(previous, owner)`.
    fn set_owner(&mut self, owner: Address) {
        let mut log = Words::event(OwnershipTransferred::SIGNATURE_HASH, 2);
        log.address(self.owner()).address(owner);
        self.set_slot_word(slot::OWNER, be(&address_word(owner)));
        self.emit(&log, 3);
    }

    /// `token.transfer(to, amount)` with SafeERC20 semantics (`gavel_common::erc20`).
    fn safe_transfer(&self, token: Address, to: Address, amount: U256) -> Result<(), Error> {
        erc20::safe_transfer(self.vm(), token, to, amount).map_err(transfer_failed)
    }

    /// `token.transferFrom(from, to, amount)` with SafeERC20 semantics.
    fn safe_transfer_from(
        &self,
        token: Address,
        from: Address,
        to: Address,
        amount: U256,
    ) -> Result<(), Error> {
        erc20::safe_transfer_from(self.vm(), token, from, to, amount).map_err(transfer_failed)
    }

    /// `getStatus(id)`'s return data (the views below are what the WASM dispatcher returns;
    /// the `#[public]` methods read their values back for the SDK's router).
    pub(crate) fn status_data(&self, id: U256) -> Result<Vec<u8>, Error> {
        let mut out = Words::new(4);
        match self.read_sale(id) {
            Some(sale) => {
                let (done, price) = sale.status(self.now(), self.load_core().unit())?;
                out.uint(u128::from(done))
                    .word(&price)
                    .uint(sale.lot())
                    .uint(sale.tab());
            }
            None => out.zeros(4),
        }
        Ok(out.0)
    }

    /// `list()`'s return data: offset, length, then the ids.
    pub(crate) fn list_data(&self) -> Vec<u8> {
        let count = self.load_core().count();
        // At most 2^23 - 1 ids: no overflow.
        let mut out = Words::new(2 + count as usize);
        out.uint(32).uint(u128::from(count));
        let mut word = [0u8; 32];
        for pos in 0..count {
            let lane = pos % 4;
            if lane == 0 {
                word = self.sload(self.map_slot(U256::from(pos / 4), slot::ACTIVE));
            }
            out.uint(get(&word, 8 * lane as usize, 8));
        }
        out.0
    }

    /// `sales(id)`'s return data.
    pub(crate) fn sale_data(&self, id: U256) -> Vec<u8> {
        let mut out = Words::new(6);
        match self.read_sale(id) {
            Some(sale) => {
                out.uint(sale.get(POS))
                    .uint(sale.tab())
                    .uint(sale.lot())
                    .address(sale.usr());
                out.uint(sale.get(TIC)).word(&self.stored_price(&sale, TOP));
            }
            None => out.zeros(6),
        }
        out.0
    }

    /// `snapshot(id)`'s return data.
    pub(crate) fn snapshot_data(&self, id: U256) -> Vec<u8> {
        let mut out = Words::new(8);
        match self.read_sale(id) {
            Some(sale) => {
                let kicker_index = U256::from(sale.get(KICKER));
                let kicker = self.sload(self.map_slot(kicker_index, slot::KICKER_ADDRESSES));
                out.uint(sale.get(LIQUIDATION))
                    .address(get_address(&kicker, 12));
                // Eight bytes: exact.
                out.uint(sale.get(KIND))
                    .word(&wad_to_ray(sale.get(CUT) as u64));
                out.uint(sale.get(PERIOD)).uint(sale.get(TAIL));
                out.word(&self.stored_price(&sale, MIN_PRICE))
                    .uint(sale.get(DUST));
            }
            None => out.zeros(8),
        }
        out.0
    }

    /// `curve()`'s return data.
    pub(crate) fn curve_data(&self) -> Vec<u8> {
        let p1 = self.slot_word(slot::PARAMS1);
        let mut out = Words::new(3);
        // Eight bytes: exact.
        out.uint(get(&p1, 0, 1))
            .word(&wad_to_ray(get(&p1, 1, 8) as u64))
            .uint(get(&p1, 9, 4));
        out.0
    }

    /// A price field of `sale` (`TOP` or `MIN_PRICE`, in price units) in RAY. Price units are
    /// at most 10^36 < 2^120 and stored prices below 2^128: no overflow.
    fn stored_price(&self, sale: &Sale, field: Field) -> U256 {
        in_ray(sale.get(field), &self.load_core().unit())
    }

    fn now(&self) -> u64 {
        gavel_common::clock::now(self.vm().block_timestamp())
    }

    fn sload(&self, key: U256) -> Word {
        self.vm().storage_load_bytes32(key).0
    }

    /// Raw slot `slot` (a small constant: the configuration words and the admin).
    #[inline(never)]
    fn slot_word(&self, slot: u64) -> Word {
        self.sload(U256::from(slot))
    }

    /// Writes raw slot `slot`.
    #[inline(never)]
    fn set_slot_word(&mut self, slot: u64, value: Word) {
        self.sstore(U256::from(slot), value)
    }

    fn sstore(&mut self, key: U256, value: Word) {
        // SAFETY: the raw slots are never accessed through SDK storage types, so nothing else
        // aliases them; the SDK flushes the cache before external calls and at the end.
        unsafe { self.vm().storage_cache_bytes32(key, B256::from(value)) }
    }

    /// Slot of `mapping[key]` for a mapping at slot `base` (Solidity's `keccak256(key . base)`).
    fn map_slot(&self, key: U256, base: u64) -> U256 {
        let mut preimage = [0u8; 64];
        for (dst, src) in preimage.iter_mut().zip(be(&key).iter()) {
            *dst = *src;
        }
        put(&mut preimage, 56, 8, u128::from(base));
        word_of(&self.vm().native_keccak256(&preimage).0)
    }

    /// `len` bytes at `at` of parameter slot `at_slot`.
    fn param(&self, at_slot: u64, at: usize, len: usize) -> U256 {
        U256::from(get(&self.sload(U256::from(at_slot)), at, len))
    }

    fn load_core(&self) -> Core {
        Core([self.slot_word(slot::CORE0), self.slot_word(slot::CORE1)])
    }

    /// Writes slot 3 (and slot 2 if `both`).
    fn store_core(&mut self, core: &Core, both: bool) {
        let [w0, w1] = core.0;
        if both {
            self.set_slot_word(slot::CORE0, w0);
        }
        self.set_slot_word(slot::CORE1, w1);
    }

    /// Takes the lock and checks the circuit breaker (`stopped >= level` blocks).
    /// Reads slot 3 (lock, `stopped`, solvency module, price unit, count) and, with
    /// `tokens`, slot 2 (collateral and the first bytes of the debt token): `redo` needs no
    /// token and saves the slot read; its `Core` then has zero token addresses.
    fn enter(&mut self, level: u8, tokens: bool) -> Result<Core, Error> {
        let word0 = if tokens {
            self.slot_word(slot::CORE0)
        } else {
            [0u8; 32]
        };
        let mut core = Core([word0, self.slot_word(slot::CORE1)]);
        if core.locked() {
            return Err(fail(Locked::SELECTOR));
        }
        let stopped = core.stopped();
        if stopped >= level {
            return Err(Error::new(
                AuctionsStopped::SELECTOR,
                &[U256::from(stopped)],
            ));
        }
        core.set_flags(core.flags() | (1 << FLAG_LOCK));
        self.store_core(&core, false);
        Ok(core)
    }

    /// Releases the lock. Re-reads the flags, which the admin or guardian may have changed
    /// (`stopped`) during an external call.
    fn leave(&mut self) {
        let mut core = Core([[0u8; 32], self.slot_word(slot::CORE1)]);
        core.set_flags(core.flags() & !(1 << FLAG_LOCK));
        self.store_core(&core, false);
    }

    fn sale_slot(&self, id: U256) -> U256 {
        self.map_slot(id, slot::SALES)
    }

    fn read_sale(&self, id: U256) -> Option<Sale> {
        let base = self.sale_slot(id);
        let w2 = self.sload(word_slot(&base, 2));
        // A running sale has a non-zero `usr` (checked at kick).
        if get_address(&w2, 0).is_zero() {
            return None;
        }
        let w0 = self.sload(base);
        let w1 = self.sload(word_slot(&base, 1));
        let w3 = self.sload(word_slot(&base, 3));
        Some(Sale([w0, w1, w2, w3]))
    }

    /// Sale `id`, which must be running (`NotRunning`).
    #[inline(never)]
    fn running_sale(&self, id: &U256) -> Result<Sale, Error> {
        self.read_sale(*id).ok_or_else(|| not_running(*id))
    }

    /// Writes the words of `sale` that differ from `old` (all of them if `old` is `None`).
    fn write_sale(&mut self, id: U256, sale: &Sale, old: Option<&Sale>) {
        let base = self.sale_slot(id);
        for (i, word) in sale.0.iter().enumerate() {
            if old.and_then(|o| o.0.get(i)) != Some(word) {
                self.sstore(word_slot(&base, i), *word);
            }
        }
    }

    /// Deletes sale `id` and removes it from the active list (swap with the last, pop).
    fn remove_sale(&mut self, core: &mut Core, id: U256, sale: &Sale) {
        let base = self.sale_slot(id);
        for i in 0..4usize {
            self.sstore(word_slot(&base, i), [0u8; 32]);
        }
        // The sale is running, so the count is at least one.
        let last = core.count().saturating_sub(1);
        // Four bytes: exact.
        let pos = sale.get(POS) as u32;
        let last_slot = self.map_slot(U256::from(last / 4), slot::ACTIVE);
        let last_lane = 8 * (last % 4) as usize;
        let mut last_word = self.sload(last_slot);
        if pos != last {
            let moved = get(&last_word, last_lane, 8);
            let pos_lane = 8 * (pos % 4) as usize;
            if pos / 4 == last / 4 {
                put(&mut last_word, pos_lane, 8, moved);
            } else {
                let pos_slot = self.map_slot(U256::from(pos / 4), slot::ACTIVE);
                let mut word = self.sload(pos_slot);
                put(&mut word, pos_lane, 8, moved);
                self.sstore(pos_slot, word);
            }
            // The moved sale records its new position.
            let moved_slot = word_slot(&self.sale_slot(U256::from(moved)), 2);
            let mut w2 = self.sload(moved_slot);
            put(&mut w2, 25, 4, u128::from(pos));
            self.sstore(moved_slot, w2);
        }
        put(&mut last_word, last_lane, 8, 0);
        self.sstore(last_slot, last_word);
        core.set_count(last);
        self.store_core(core, false);
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
        let entry = self.sload(self.map_slot(address_word(kicker), slot::KICKERS));
        if get(&entry, 31, 1) != 1 {
            return Err(fail_address(Unauthorized::SELECTOR, kicker));
        }
        if tab.is_zero() || lot.is_zero() {
            return Err(fail(ZeroAmount::SELECTOR));
        }
        if usr.is_zero() {
            return Err(fail(ZeroAddress::SELECTOR));
        }
        let max128 = U256::from(u128::MAX);
        for amount in [tab, lot] {
            if amount > max128 {
                return Err(too_large(&amount, &max128));
            }
        }
        let liquidation = in_range(liquidation_id, 0, MAX_LIQUIDATION_ID)
            .ok_or_else(|| too_large(&liquidation_id, &U256::from(MAX_LIQUIDATION_ID)))?;
        let count = core.count();
        if count >= MAX_ACTIVE {
            return Err(too_large(&U256::from(count), &U256::from(MAX_ACTIVE)));
        }
        let p0 = self.slot_word(slot::PARAMS0);
        let p1 = self.slot_word(slot::PARAMS1);
        let p2 = self.slot_word(slot::PARAMS2);
        // buf, tail, maxAge and the curve kind must be set.
        if get(&p0, 0, 8) == 0 || get(&p0, 24, 4) == 0 || get(&p0, 28, 4) == 0 || p1[0] == 0 {
            return Err(fail(NotConfigured::SELECTOR));
        }
        let now = self.now();
        let feed = self.feed(&p0, &p2, now)?;
        let p3_slot = slot::PARAMS3;
        let mut p3 = self.slot_word(p3_slot);
        // Eight bytes: the cast is exact; a u64 id counter cannot be exhausted.
        let id = (get(&p3, 0, 8) as u64).saturating_add(1);
        let mut sale = Sale([[0u8; 32]; 4]);
        sale.set(TAB, low128(tab));
        sale.set(LOT, low128(lot));
        put_address(&mut sale.0[2], 0, usr);
        sale.set(POS, u128::from(count));
        // Indices are assigned below 2^16 (`set_kicker`).
        sale.set(KICKER, get(&entry, 29, 2));
        sale.set(LIQUIDATION, u128::from(liquidation));
        let top = start(&mut sale, now, feed, &p0, &p1, core.unit())?;

        // Effects.
        let sale_id = U256::from(id);
        self.write_sale(sale_id, &sale, None);
        let active_slot = self.map_slot(U256::from(count / 4), slot::ACTIVE);
        let mut word = self.sload(active_slot);
        put(&mut word, 8 * (count % 4) as usize, 8, u128::from(id));
        self.sstore(active_slot, word);
        core.set_count(count + 1);
        self.store_core(core, false);
        put(&mut p3, 0, 8, u128::from(id));
        self.set_slot_word(p3_slot, p3);

        // Interactions.
        let solvency = core.solvency();
        let collateral = core.collateral();
        let mut attach = Words::call(ISolvencyModule::attachCall::SELECTOR, 3);
        attach.word(&liquidation_id).address(kicker).word(&tab);
        self.call(solvency, attach)?;
        let house = self.vm().contract_address();
        let before = self.balance_of(collateral, house)?;
        self.safe_transfer_from(collateral, kicker, house, lot)?;
        let received = self.balance_of(collateral, house)?.saturating_sub(before);
        if received != lot {
            return Err(Error::new(
                CollateralNotReceived::SELECTOR,
                &[lot, received],
            ));
        }
        let coin = incentive(tab, &p1, &p2)?;
        let paid = self.pay_keeper(solvency, u128::from(liquidation), kpr, coin)?;
        let mut log = Words::event(Kick::SIGNATURE_HASH, 7);
        log.word(&sale_id).address(usr).address(kpr);
        log.word(&top).word(&tab).word(&lot).word(&paid);
        self.emit(&log, 4);
        Ok(sale_id)
    }

    /// [`Self::take`] with the callback data borrowed (the dispatcher's entry: no copy).
    pub(crate) fn take_bytes(
        &mut self,
        id: U256,
        amt: U256,
        max: U256,
        who: Address,
        data: &[u8],
    ) -> Result<(), Error> {
        let mut core = self.enter(LEVEL_TAKE, true)?;
        let result = self.take_inner(&mut core, id, amt, max, who, data);
        self.leave();
        result
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
        let sale = self.running_sale(&id)?;
        let (done, price) = sale.status(self.now(), core.unit())?;
        if done {
            return Err(Error::new(NeedsRedo::SELECTOR, &[id]));
        }
        if max < price {
            return Err(Error::new(TooExpensive::SELECTOR, &[max, price]));
        }
        let collateral = core.collateral();
        let debt = core.debt();
        let solvency = core.solvency();
        if who == self.vm().contract_address()
            || (!data.is_empty() && (who == collateral || who == debt || who == solvency))
        {
            return Err(fail_address(ForbiddenCallee::SELECTOR, who));
        }

        let (tab, lot) = (sale.tab(), sale.lot());
        let (owe, slice) = purchase(tab, lot, sale.get(DUST), amt, price)?;
        // `purchase` returns `owe <= tab` and `slice <= lot`: the subtractions are exact.
        let tab_left = tab.saturating_sub(owe);
        let lot_left = lot.saturating_sub(slice);
        let ended = tab_left == 0 || lot_left == 0;

        // Effects.
        if ended {
            self.remove_sale(core, id, &sale);
        } else {
            let mut w0 = [0u8; 32];
            put(&mut w0, 0, 16, tab_left);
            put(&mut w0, 16, 16, lot_left);
            self.sstore(self.sale_slot(id), w0);
        }
        // Interactions: collateral out, flash callback, payment in, leftovers, report.
        if slice != 0 {
            self.safe_transfer(collateral, who, U256::from(slice))?;
        }
        let sender = self.vm().msg_sender();
        if !data.is_empty() {
            // Five head words, then `data` padded: word counts of in-memory data.
            let words = 5 + data.len().div_ceil(32);
            let mut call = Words::call(IClipperCallee::clipperCallCall::SELECTOR, words);
            call.address(sender).uint(owe).uint(slice).bytes(4, data);
            self.call(who, call)?;
        }
        self.safe_transfer_from(debt, sender, solvency, U256::from(owe))?;
        let usr = sale.usr();
        if tab_left == 0 && lot_left != 0 {
            self.safe_transfer(collateral, usr, U256::from(lot_left))?;
        }
        let liquidation = sale.get(LIQUIDATION);
        let report = if ended {
            let mut call = Words::call(ISolvencyModule::onAuctionEndCall::SELECTOR, 4);
            call.uint(liquidation)
                .uint(owe)
                .uint(tab_left)
                .uint(lot_left);
            call
        } else {
            let mut call = Words::call(ISolvencyModule::onProceedsCall::SELECTOR, 2);
            call.uint(liquidation).uint(owe);
            call
        };
        self.call(solvency, report)?;
        let mut log = Words::event(Take::SIGNATURE_HASH, 7);
        log.word(&id).address(usr);
        log.word(&max)
            .word(&price)
            .uint(owe)
            .uint(tab_left)
            .uint(lot_left);
        self.emit(&log, 3);
        Ok(())
    }

    fn redo_inner(&mut self, core: &mut Core, id: U256, kpr: Address) -> Result<(), Error> {
        let old = self.running_sale(&id)?;
        let now = self.now();
        let unit = core.unit();
        if !old.status(now, unit)?.0 {
            return Err(Error::new(CannotReset::SELECTOR, &[id]));
        }
        let p0 = self.slot_word(slot::PARAMS0);
        let p1 = self.slot_word(slot::PARAMS1);
        let p2 = self.slot_word(slot::PARAMS2);
        let feed = self.feed(&p0, &p2, now)?;
        let mut sale = old;
        let top = start(&mut sale, now, feed, &p0, &p1, unit)?;

        // Effects: only the words that changed.
        self.write_sale(id, &sale, Some(&old));

        // Incentive only for auctions worth it (Clipper: tab >= chost and lot * price >= chost).
        let tab = U256::from(sale.tab());
        let lot = U256::from(sale.lot());
        let dust = U256::from(sale.get(DUST));
        let mut paid = U256::ZERO;
        if tab >= dust {
            let (num, den) = feed;
            // `den <= 10^45`, so `den * RAY <= 10^72 < 2^240`.
            let value = scale(&lot, &num, &mul(den, RAY), Rounding::Down)?;
            if value >= dust {
                let coin = incentive(tab, &p1, &p2)?;
                paid = self.pay_keeper(core.solvency(), sale.get(LIQUIDATION), kpr, coin)?;
            }
        }
        let mut log = Words::event(Redo::SIGNATURE_HASH, 7);
        log.word(&id).address(sale.usr()).address(kpr);
        log.word(&top).word(&tab).word(&lot).word(&paid);
        self.emit(&log, 4);
        Ok(())
    }

    fn yank_inner(&mut self, core: &mut Core, id: U256) -> Result<(), Error> {
        let sale = self.running_sale(&id)?;
        self.remove_sale(core, id, &sale);
        let kicker_word =
            self.sload(self.map_slot(U256::from(sale.get(KICKER)), slot::KICKER_ADDRESSES));
        let kicker = get_address(&kicker_word, 12);
        self.safe_transfer(core.collateral(), kicker, U256::from(sale.lot()))?;
        let mut report = Words::call(ISolvencyModule::onAuctionEndCall::SELECTOR, 4);
        report
            .uint(sale.get(LIQUIDATION))
            .uint(0)
            .uint(sale.tab())
            .uint(sale.lot());
        self.call(core.solvency(), report)?;
        let mut log = Words::event(Yank::SIGNATURE_HASH, 1);
        log.word(&id);
        self.emit(&log, 1);
        Ok(())
    }

    /// The oracle price as an exact fraction `num / den` (RAY), checked for a positive answer
    /// and freshness (`updatedAt <= now` and `now - updatedAt <= maxAge`).
    fn feed(&self, p0: &Word, p2: &Word, now: u64) -> Result<(U256, U256), Error> {
        let oracle = get_address(p2, 0);
        let data = self.static_call(
            oracle,
            Words::call(IPriceFeed::latestRoundDataCall::SELECTOR, 0),
        )?;
        let (Some(answer), Some(updated_at)) = (word_at(&data, 1), word_at(&data, 3)) else {
            return Err(call_failed(oracle, data));
        };
        // `int256`: zero or the sign bit set is not a price.
        if answer.is_zero() || answer.bit(255) {
            return Err(Error::new(InvalidPrice::SELECTOR, &[answer]));
        }
        // Fresh: `updatedAt <= now` (so it fits a u64) and `now - updatedAt <= maxAge`, where
        // `saturating_sub` is exact. `maxAge` is a four-byte field: the cast is exact.
        let max_age = get(p0, 28, 4) as u64;
        match as_u64(updated_at) {
            Some(at) if at <= now && now.saturating_sub(at) <= max_age => {}
            _ => {
                return Err(Error::new(
                    StalePrice::SELECTOR,
                    &[updated_at, U256::from(now)],
                ))
            }
        }
        // The stored exponent is in -45..=63 (the byte's two's complement).
        let exp = get(p2, 31, 1) as u8 as i8;
        if exp >= 0 {
            let factor = pow10(exp.unsigned_abs().into());
            let num = scale(&answer, &factor, &U256::from(1u8), Rounding::Down)?;
            Ok((num, U256::from(1u8)))
        } else {
            Ok((answer, pow10(exp.unsigned_abs().into())))
        }
    }

    /// Asks the solvency module to pay `kpr` up to `coin`; returns what it paid.
    fn pay_keeper(
        &mut self,
        solvency: Address,
        liquidation: u128,
        kpr: Address,
        coin: U256,
    ) -> Result<U256, Error> {
        if coin.is_zero() || kpr.is_zero() {
            return Ok(U256::ZERO);
        }
        let mut call = Words::call(ISolvencyModule::payKeeperCall::SELECTOR, 3);
        call.uint(liquidation).address(kpr).word(&coin);
        let data = self.call(solvency, call)?;
        word_at(&data, 0).ok_or_else(|| call_failed(solvency, data))
    }

    fn balance_of(&self, token: Address, account: Address) -> Result<U256, Error> {
        let mut call = Words::call(IBalance::balanceOfCall::SELECTOR, 1);
        call.address(account);
        let data = self.static_call(token, call)?;
        word_at(&data, 0).ok_or_else(|| call_failed(token, data))
    }

    /// `decimals()` of `target`, which must fit a uint8.
    fn read_decimals(&self, target: Address) -> Result<u8, Error> {
        let data = self.static_call(target, Words::call(IPriceFeed::decimalsCall::SELECTOR, 0))?;
        match word_at(&data, 0).and_then(as_u64) {
            // At most 255: the cast is exact.
            Some(value) if value <= u64::from(u8::MAX) => Ok(value as u8),
            _ => Err(call_failed(target, data)),
        }
    }

    /// A state-changing call. The storage cache is flushed first, so the callee (and a
    /// re-entrant call) sees this contract's state, lock included. Through
    /// `gavel_common::erc20::call`, the routine the token transfers use (one copy in the WASM).
    fn call(&mut self, target: Address, calldata: Words) -> Result<Vec<u8>, Error> {
        erc20::call(self.vm(), target, &calldata.0, false)
            .map_err(|reason| call_failed(target, reason))
    }

    /// A static call, without flushing the storage cache (a static callee cannot change state,
    /// and a re-entrant call is refused): the cached writes stay pending, as gas prefers.
    fn static_call(&self, target: Address, calldata: Words) -> Result<Vec<u8>, Error> {
        let calldata = calldata.0;
        let host = self.vm();
        let mut return_len = 0usize;
        // SAFETY: the pointers are valid for the call; no storage reference is held across it.
        let status = unsafe {
            host.static_call_contract(
                target.as_ptr(),
                calldata.as_ptr(),
                calldata.len(),
                u64::MAX,
                &mut return_len,
            )
        };
        let output = host.read_return_data(0, None);
        if status == 0 {
            Ok(output)
        } else {
            Err(call_failed(target, output))
        }
    }

    /// Logs an event: `log` holds topic0, the other topics, then the data words; `topics`
    /// counts the topics (topic0 included).
    fn emit(&self, log: &Words, topics: usize) {
        gavel_common::log::emit(self.vm(), &log.0, topics);
    }
}

/// Fills `sale`'s prices and snapshot for a (re)start at the oracle price `num / den` (RAY)
/// with the parameters in force (`p0`, `p1`); returns `top` in RAY.
fn start(
    sale: &mut Sale,
    now: u64,
    (num, den): (U256, U256),
    p0: &Word,
    p1: &Word,
    unit: U256,
) -> Result<U256, Error> {
    if now > MAX_TIME {
        return Err(too_large(&U256::from(now), &U256::from(MAX_TIME)));
    }
    // `den <= 10^45`: `den * WAD <= 10^63`, no overflow.
    let wad_den = mul(den, WAD);
    let top_exact = scale(&num, &U256::from(get(p0, 0, 8)), &wad_den, Rounding::Up)?;
    let top_units = to_units(&top_exact, &unit)?;
    // `top_units < 2^128` and `unit <= 10^36 < 2^120`.
    let top = in_ray(top_units, &unit);
    let floor_price = scale(&num, &U256::from(get(p0, 16, 8)), &wad_den, Rounding::Up)?;
    let cusp_price = scale(&top, &U256::from(get(p0, 8, 8)), &WAD, Rounding::Up)?;
    let min_exact = gavel_math::max(checked_add(floor_price, U256::from(1u8))?, cusp_price);
    let min_units = to_units(&min_exact, &unit)?;
    sale.set(TIC, u128::from(now));
    sale.set(TOP, top_units);
    sale.set(MIN_PRICE, min_units);
    sale.set(KIND, get(p1, 0, 1));
    sale.set(CUT, get(p1, 1, 8));
    sale.set(PERIOD, get(p1, 9, 4));
    sale.set(TAIL, get(p0, 24, 4));
    sale.set(DUST, get(p1, 13, 11));
    Ok(top)
}

/// `price` (RAY) in whole price units `unit`, rounded up, as stored (`< 2^128`); beyond,
/// `ValueTooLarge(price, (2^128 - 1) * unit)`.
#[inline(never)]
fn to_units(price: &U256, unit: &U256) -> Result<u128, Error> {
    let units = scale(price, &U256::from(1u8), unit, Rounding::Up)?;
    // `unit <= 10^36 < 2^120`: the bound's product does not overflow.
    as_u128(units).ok_or_else(|| too_large(price, &in_ray(u128::MAX, unit)))
}

/// What a take of up to `amt` at `price` (RAY) buys from a sale with `tab`, `lot` and `dust`:
/// `(owe, slice)`, Clipper's rules with rounding towards the protocol.
///
/// * `slice = min(lot, amt)`, `owe = ceil(slice * price / RAY)`;
/// * if `owe > tab`: `owe = tab`, `slice = floor(tab * RAY / price)`. Then `tab <
///   ceil(slice0 * price / RAY)` means `tab < slice0 * price / RAY`, so the new slice is below
///   the old one, hence below `lot`;
/// * else if a partial purchase (`owe < tab`, `slice < lot`) would leave less than `dust`: with
///   `tab <= dust` it is refused (`NoPartialPurchase`, only the whole lot can be bought);
///   otherwise `owe = tab - dust` (less than before) and `slice = floor(owe * RAY / price)`.
///
/// Always `owe <= tab`, `slice <= lot` and `owe * RAY >= slice * price`; a purchase of
/// nothing (`owe == 0`, i.e. `amt == 0`) is refused (`ZeroAmount`). `price > 0`: a running sale
/// is only taken at `price >= minPrice >= 1`.
fn purchase(
    tab: u128,
    lot: u128,
    dust: u128,
    amt: U256,
    price: U256,
) -> Result<(u128, u128), Error> {
    let mut slice = if amt < U256::from(lot) {
        low128(amt)
    } else {
        lot
    };
    let full = scale(&U256::from(slice), &price, &RAY, Rounding::Up)?;
    let mut owe = tab;
    if full > U256::from(tab) {
        slice = gavel_math::to_u128(scale(&U256::from(tab), &RAY, &price, Rounding::Down)?)?;
    } else {
        // `full <= tab < 2^128`: exact.
        owe = low128(full);
        // `owe < tab` here, so `tab - owe` is exact.
        if owe < tab && slice < lot && tab.saturating_sub(owe) < dust {
            if tab <= dust {
                return Err(Error::new(
                    NoPartialPurchase::SELECTOR,
                    &[U256::from(tab), U256::from(dust)],
                ));
            }
            // `tab > dust`: exact.
            owe = tab.saturating_sub(dust);
            slice = gavel_math::to_u128(scale(&U256::from(owe), &RAY, &price, Rounding::Down)?)?;
        }
    }
    if owe == 0 {
        return Err(fail(ZeroAmount::SELECTOR));
    }
    Ok((owe, slice))
}

/// `tip + chip * tab / WAD` (floor), Clipper's keeper incentive.
fn incentive(tab: U256, p1: &Word, p2: &Word) -> Result<U256, Error> {
    let chip = U256::from(get(p1, 24, 8));
    let tip = U256::from(get(p2, 20, 11));
    Ok(checked_add(tip, scale(&tab, &chip, &WAD, Rounding::Down)?)?)
}

/// The low 128 bits of `x`.
fn low128(x: U256) -> u128 {
    let [a, b, _, _] = x.into_limbs();
    u128::from(a) | (u128::from(b) << 64)
}

/// Word `index` of ABI data, if present.
fn word_at(data: &[u8], index: usize) -> Option<U256> {
    word_at_byte(data, index.checked_mul(32)?)
}

/// The 32 bytes of `data` from byte `start` as a word, if present.
#[inline(never)]
fn word_at_byte(data: &[u8], start: usize) -> Option<U256> {
    let bytes: &Word = data.get(start..start.checked_add(32)?)?.try_into().ok()?;
    Some(word_of(bytes))
}

/// ABI data under construction, a word at a time.
pub(crate) struct Words(pub(crate) Vec<u8>);

impl Words {
    /// Room for `words` words.
    pub(crate) fn new(words: usize) -> Self {
        Words(Vec::with_capacity(32 * words))
    }

    /// Call data (or revert data): `selector`, then room for `words` words.
    fn call(selector: [u8; 4], words: usize) -> Self {
        let mut out = Words(Vec::with_capacity(4 + 32 * words));
        out.0.extend_from_slice(&selector);
        out
    }

    /// A log: `topic0`, then room for `words` more words (topics, then data).
    fn event(topic0: B256, words: usize) -> Self {
        let mut out = Words::new(1 + words);
        out.raw(&topic0.0);
        out
    }

    /// Appends a word given as 32 bytes.
    fn raw(&mut self, word: &Word) -> &mut Self {
        self.0.extend_from_slice(word);
        self
    }

    /// Appends the last, dynamic `bytes` argument of call data with `head` static words
    /// (this one's offset included): its offset, its length and `tail` padded to whole words.
    fn bytes(&mut self, head: usize, tail: &[u8]) -> &mut Self {
        // Word counts and lengths of in-memory data: far from overflowing.
        self.uint(32 * head as u128).uint(tail.len() as u128);
        self.0.extend_from_slice(tail);
        // `padding < 32`: the slice always exists.
        let padding = (32 - tail.len() % 32) % 32;
        self.0
            .extend_from_slice([0u8; 32].get(..padding).unwrap_or_default());
        self
    }

    /// Appends `words` zero words.
    fn zeros(&mut self, words: usize) {
        for _ in 0..words {
            self.0.extend_from_slice(&[0u8; 32]);
        }
    }

    /// Appends `value` as a word.
    #[inline(never)]
    pub(crate) fn uint(&mut self, value: u128) -> &mut Self {
        let at = self.0.len();
        self.zeros(1);
        put(&mut self.0, at + 16, 16, value);
        self
    }

    /// Appends `value`.
    #[inline(never)]
    pub(crate) fn word(&mut self, value: &U256) -> &mut Self {
        self.0.extend_from_slice(&be(value));
        self
    }

    /// Appends `account` as a word.
    #[inline(never)]
    pub(crate) fn address(&mut self, account: Address) -> &mut Self {
        let at = self.0.len();
        self.zeros(1);
        put_address(&mut self.0, at + 12, account);
        self
    }
}

/// Return data read back word by word (missing words read as zero), for the `#[public]` views
/// that wrap the dispatcher's encoders.
struct Returned(Vec<u8>);

impl Returned {
    fn word(&self, index: usize) -> U256 {
        word_at(&self.0, index).unwrap_or_default()
    }

    fn address(&self, index: usize) -> Address {
        get_address(&be(&self.word(index)), 12)
    }
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

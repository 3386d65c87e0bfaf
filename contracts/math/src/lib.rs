//! Panic-free fixed-point arithmetic on [`U256`] for gavel's Stylus contracts.
//!
//! # Conventions
//!
//! * **Fixed point.** A WAD is a number with 18 decimals (`1.0 == WAD == 10^18`), a RAY a
//!   number with 27 decimals (`1.0 == RAY == 10^27`). Amounts and prices are usually WADs;
//!   per-second rates and other values compounded many times are RAYs, whose extra
//!   precision keeps compounding error small.
//! * **Rounding is always explicit.** Every operation that can lose precision takes a
//!   [`Rounding`]. Nothing here picks a direction for the caller: the caller chooses the
//!   one that favours the protocol (round what the protocol pays out [`Rounding::Down`],
//!   round what it is owed or what a user must cover [`Rounding::Up`]). `Down` is the floor
//!   and `Up` the ceiling of the exact rational result, unless a function documents
//!   otherwise ([`rpow`] bounds the exact value from below and above).
//! * **No panics, no floats.** Every function returns a [`MathError`] instead of
//!   panicking, overflow is never silent (no wrapping), and the crate uses no floating
//!   point, so the contracts that link it compile to WASM without float instructions.
//!   Every division goes through one compact long division ([`div_rem`]; Knuth's
//!   algorithm D on 32-bit digits, much smaller in WASM than ruint's `U256`/`U512`
//!   division), which reports a zero divisor instead of panicking and reads and writes
//!   digits only through checked accessors rather than indexing.
//! * **Exact intermediates.** [`mul_div`] and everything built on it multiply into a
//!   512-bit product, so it fails with [`MathError::Overflow`] only when the *final*
//!   result does not fit in 256 bits, never because `a * b` alone does.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::float_arithmetic,
        clippy::integer_division
    )
)]

pub use alloy_primitives::U256;

pub mod clearing;
mod division;

pub use division::div_rem;

/// `10^27` as a `u128` (it fits: `u128::MAX ≈ 3.4 * 10^38`), split into limbs for [`RAY`].
const RAY_U128: u128 = 1_000_000_000_000_000_000_000_000_000;

/// One in WAD fixed point (18 decimals): `10^18`.
pub const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// One in RAY fixed point (27 decimals): `10^27`.
///
/// `10^27 > 2^64`, so the value spans the two low 64-bit limbs; the `as u64` casts below
/// deliberately keep the low and the high half of the `u128`.
pub const RAY: U256 = U256::from_limbs([RAY_U128 as u64, (RAY_U128 >> 64) as u64, 0, 0]);

/// Direction in which a result that is not exactly representable is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Towards zero: the floor of the exact (non-negative) result.
    Down,
    /// Away from zero: the ceiling of the exact (non-negative) result.
    Up,
}

/// Why an operation has no representable result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathError {
    /// The result is larger than the target type can hold (`U256::MAX`, `u128::MAX`, …).
    Overflow,
    /// A subtraction would go below zero.
    Underflow,
    /// The divisor (or denominator) is zero.
    DivisionByZero,
}

/// `a + b`, exact (no rounding).
///
/// Fails with [`MathError::Overflow`] if and only if `a + b > U256::MAX`.
#[inline]
pub fn checked_add(a: U256, b: U256) -> Result<U256, MathError> {
    a.checked_add(b).ok_or(MathError::Overflow)
}

/// `a - b`, exact (no rounding).
///
/// Fails with [`MathError::Underflow`] if and only if `b > a`; it cannot overflow.
#[inline]
pub fn checked_sub(a: U256, b: U256) -> Result<U256, MathError> {
    a.checked_sub(b).ok_or(MathError::Underflow)
}

/// `a * b`, exact (no rounding).
///
/// Fails with [`MathError::Overflow`] if and only if `a * b > U256::MAX`. To multiply and
/// then divide, use [`mul_div`], whose intermediate product cannot overflow.
#[inline]
pub fn checked_mul(a: U256, b: U256) -> Result<U256, MathError> {
    a.checked_mul(b).ok_or(MathError::Overflow)
}

/// `a / b`, rounded in the direction given (`Down`: floor, `Up`: ceiling).
///
/// Fails with [`MathError::DivisionByZero`] if `b == 0`. It cannot overflow: the floor is at
/// most `a`, and when the ceiling exceeds the floor the remainder is non-zero, so `b >= 2`
/// and the floor is at most `U256::MAX / 2`, leaving room for the `+ 1`.
pub fn div(a: U256, b: U256, rounding: Rounding) -> Result<U256, MathError> {
    // `div_rem` reports a zero divisor.
    let (quotient, remainder) = div_rem(a, b)?;
    round_quotient(quotient, !remainder.is_zero(), rounding)
}

/// `a * b / denominator` computed exactly with a 512-bit intermediate product, then rounded
/// in the direction given (`Down`: floor, `Up`: ceiling).
///
/// Fails with [`MathError::DivisionByZero`] if `denominator == 0` (checked first, whatever
/// `a` and `b` are), and with [`MathError::Overflow`] if and only if the rounded result
/// exceeds `U256::MAX`. The product itself never overflows: `a * b <= (2^256 - 1)^2 <
/// 2^512`.
pub fn mul_div(a: U256, b: U256, denominator: U256, rounding: Rounding) -> Result<U256, MathError> {
    // `a * b` in 512 bits, divided exactly; `DivisionByZero` before anything else can fail,
    // `Overflow` when the floor exceeds `U256::MAX` (and then the ceiling does too).
    let (quotient, inexact) = division::mul_div_rem(a, b, denominator)?;
    round_quotient(quotient, inexact, rounding)
}

/// Turns a floor quotient, and whether the division left a remainder, into the result
/// rounded as asked: the ceiling is the floor plus one when the remainder is non-zero.
/// Overflow is reported, not wrapped.
#[inline]
fn round_quotient(quotient: U256, inexact: bool, rounding: Rounding) -> Result<U256, MathError> {
    match rounding {
        Rounding::Up if inexact => checked_add(quotient, U256::from(1u8)),
        _ => Ok(quotient),
    }
}

/// `a * b / WAD`: the product of two WADs as a WAD (or of any amount by a WAD factor).
///
/// Rounded as given (floor or ceiling of the exact value). Via [`mul_div`], so it fails with
/// [`MathError::Overflow`] only if the result exceeds `U256::MAX`, which cannot happen while
/// `a * b <= U256::MAX * WAD` (for example when both are below `2^128`, roughly `3.4 * 10^20`
/// whole units each).
#[inline]
pub fn wad_mul(a: U256, b: U256, rounding: Rounding) -> Result<U256, MathError> {
    mul_div(a, b, WAD, rounding)
}

/// `a * WAD / b`: the quotient of two WADs as a WAD (or an amount divided by a WAD factor).
///
/// Rounded as given (floor or ceiling of the exact value). Fails with
/// [`MathError::DivisionByZero`] if `b == 0`, and with [`MathError::Overflow`] only if the
/// result exceeds `U256::MAX`, which cannot happen while `a <= U256::MAX / WAD` (about
/// `1.2 * 10^59`) and `b >= 1`, since then `a * WAD / b <= a * WAD <= U256::MAX`.
#[inline]
pub fn wad_div(a: U256, b: U256, rounding: Rounding) -> Result<U256, MathError> {
    mul_div(a, WAD, b, rounding)
}

/// `a * b / RAY`: the product of two RAYs as a RAY (or of any amount by a RAY factor).
///
/// Rounded as given (floor or ceiling of the exact value). Via [`mul_div`], so it fails with
/// [`MathError::Overflow`] only if the result exceeds `U256::MAX`, which cannot happen while
/// `a * b <= U256::MAX * RAY` (for example when both are below `2^128`).
#[inline]
pub fn ray_mul(a: U256, b: U256, rounding: Rounding) -> Result<U256, MathError> {
    mul_div(a, b, RAY, rounding)
}

/// `a * RAY / b`: the quotient of two RAYs as a RAY (or an amount divided by a RAY factor).
///
/// Rounded as given (floor or ceiling of the exact value). Fails with
/// [`MathError::DivisionByZero`] if `b == 0`, and with [`MathError::Overflow`] only if the
/// result exceeds `U256::MAX`, which cannot happen while `a <= U256::MAX / RAY` (about
/// `1.2 * 10^50`) and `b >= 1`.
#[inline]
pub fn ray_div(a: U256, b: U256, rounding: Rounding) -> Result<U256, MathError> {
    mul_div(a, RAY, b, rounding)
}

/// `base ^ exponent` in RAY fixed point: `RAY * (base / RAY) ^ exponent`, by exponentiation
/// by squaring (at most 64 squarings and 64 multiplications, all through [`ray_mul`]).
///
/// `rpow(x, 0) == RAY` for every `x` (including zero) and `rpow(0, n) == 0` for `n > 0`.
///
/// # Rounding
///
/// Every intermediate product is rounded in the direction given. Rounded multiplication
/// is monotone in both factors and never lands on the wrong side of the exact product, so
/// by induction `rpow(x, n, Down) <= exact <= rpow(x, n, Up)`, where
/// `exact = x^n / RAY^(n-1)` is the exact rational value. The results are not necessarily
/// the floor and ceiling of `exact`: each rounding costs less than one unit (`10^-27`), and
/// squaring doubles the error carried so far. For `base <= RAY` every value stays at most
/// `RAY`, so errors never grow by more than that doubling, and both results are within
/// `exponent` units of `exact` (`exact - Down < exponent`, `Up - exact < exponent`, for
/// `exponent >= 1`). For `base > RAY` the error is relative instead, see below.
///
/// The result is also monotone in `exponent`, in both roundings: non-increasing when
/// `base <= RAY`, non-decreasing when `base >= RAY` (where an `Err` counts as larger than
/// every value). Sketch: the bits of `exponent` are consumed from the lowest, and `n + 1`
/// differs from `n` by replacing the partial product of `x^(2^0) … x^(2^(j-1))` with the
/// single rounded square `x^(2^j)`; for `base <= RAY` each rounded product is at most either
/// factor, so by induction on `j` that square is at most the partial product it replaces,
/// and monotonicity of the later multiplications carries the inequality to the result
/// (mirror image for `base >= RAY`).
///
/// # Overflow
///
/// * `base <= RAY`: never fails, for any exponent. Every intermediate value is at most
///   `RAY` (a rounded product of two values `<= RAY` is at most `RAY`), and the 512-bit
///   product inside [`mul_div`] cannot overflow.
/// * `base > RAY`: all factors are at least one, so every exact intermediate value is at
///   most the exact final one. `Down` rounds each below its exact value, so `Down` is `Ok`
///   whenever `exact <= U256::MAX`. Each `Up` rounding adds at most one unit to a value
///   that is at least `RAY`, a relative error of at most `1 / RAY`; squaring doubles the
///   relative error, so the roundings compound to at most
///   `(1 + 1/RAY)^exponent < 1 + 2 * 10^-8` (as `exponent < 2^64`), and `Up` is `Ok`
///   whenever `exact <= U256::MAX / 2`. For example
///   `base <= 2 * RAY` with `exponent <= 100` (`2^100 * RAY ≈ 1.3 * 10^57`), or a
///   per-second factor of `1.000001` RAY with `exponent <= 10^8` (`e^100 * RAY ≈ 2.7 * 10^70`),
///   is always `Ok` (`U256::MAX / 2 ≈ 5.8 * 10^76`). Otherwise
///   [`MathError::Overflow`] may be returned; it is never wrapped.
pub fn rpow(base: U256, exponent: u64, rounding: Rounding) -> Result<U256, MathError> {
    let mut result = RAY;
    let mut power = base; // base^(2^k) for the bit k of `exponent` being looked at
    let mut remaining = exponent;
    while remaining != 0 {
        if remaining & 1 == 1 {
            // The first time through, `result == RAY` and the product is exactly `power`.
            result = ray_mul(result, power, rounding)?;
        }
        remaining >>= 1;
        // Square only when another bit follows, so that no power larger than needed is
        // computed (for `base > RAY` it could overflow while the result does not).
        if remaining != 0 {
            if power.is_zero() {
                // Some higher bit is set, so the result is multiplied by a power of zero,
                // and every rounded product with zero is zero.
                return Ok(U256::ZERO);
            }
            power = ray_mul(power, power, rounding)?;
        }
    }
    Ok(result)
}

/// `x` as a `u128` (exact, no rounding).
///
/// Fails with [`MathError::Overflow`] if and only if `x > u128::MAX`.
#[inline]
pub fn to_u128(x: U256) -> Result<u128, MathError> {
    let [l0, l1, l2, l3] = x.into_limbs();
    if (l2 | l3) != 0 {
        return Err(MathError::Overflow);
    }
    // Widening casts from `u64`: lossless.
    Ok(((l1 as u128) << 64) | (l0 as u128))
}

/// `x` as a `u64` (exact, no rounding).
///
/// Fails with [`MathError::Overflow`] if and only if `x > u64::MAX`.
#[inline]
pub fn to_u64(x: U256) -> Result<u64, MathError> {
    let [l0, l1, l2, l3] = x.into_limbs();
    if (l1 | l2 | l3) != 0 {
        return Err(MathError::Overflow);
    }
    Ok(l0)
}

/// The smaller of `a` and `b` (exact; cannot fail).
#[inline]
pub fn min(a: U256, b: U256) -> U256 {
    core::cmp::min(a, b)
}

/// The larger of `a` and `b` (exact; cannot fail).
#[inline]
pub fn max(a: U256, b: U256) -> U256 {
    core::cmp::max(a, b)
}

#[cfg(test)]
mod tests;

//! Price curves, evaluated in-contract (no external calculator call).
//!
//! Each curve maps the starting price `top` (RAY price, see the crate docs) and the seconds
//! elapsed since the last (re)start to the current price. They are Maker's three
//! `abaci` calculators:
//!
//! | kind | Maker contract | price after `t` seconds |
//! |---|---|---|
//! | [`LINEAR`] | `LinearDecrease` | `top * (tau - t) / tau`, `0` from `t >= tau` |
//! | [`STAIRSTEP`] | `StairstepExponentialDecrease` | `top * cut ^ floor(t / step)` |
//! | [`EXPONENTIAL`] | `ExponentialDecrease` | `top * cut ^ t` |
//!
//! `cut` is a factor below one, given as a WAD here (the stored precision) and widened to RAY
//! for [`gavel_math::rpow`]; `period` is `tau` (linear) or `step` (stair-step) in seconds.
//!
//! # Rounding
//!
//! Every price is rounded **up** (the protocol never sells cheaper than the exact curve), and
//! is monotone non-increasing in `t`: `mul_div(top, tau - t, tau, Up)` is non-increasing in
//! `t`; `rpow(cut, n, Up)` is non-increasing in `n` for `cut <= RAY` (gavel-math documents
//! it) and `ray_mul(top, ·, Up)` is monotone, and `floor(t / step)` is non-decreasing. Every
//! price is at most `top`.

use alloy_primitives::U256;
use gavel_math::{mul_div, ray_mul, rpow, MathError, Rounding};

/// Linear decrease to zero over `tau` seconds (`period = tau`, `cut` unused and zero).
pub const LINEAR: u8 = 1;
/// Stair-step exponential decrease: times `cut` every `step` seconds (`period = step`).
pub const STAIRSTEP: u8 = 2;
/// Continuous exponential decrease: times `cut` every second (`period` unused and zero).
pub const EXPONENTIAL: u8 = 3;

/// `10^9`: a WAD times this is a RAY.
const WAD_TO_RAY: U256 = U256::from_limbs([1_000_000_000, 0, 0, 0]);

/// Price of an auction that started at `top` after `elapsed` seconds, rounded up.
///
/// `cut` is a WAD (`< 10^18` for the exponential kinds) and `period` a number of seconds
/// (`> 0` for [`LINEAR`] and [`STAIRSTEP`]); parameters are validated when they are set, so
/// an unknown kind or a zero period only occur for a sale that does not exist, whose price is
/// reported as zero.
///
/// Fails only if `top` is so large that `top * RAY` overflows inside `mul_div` — it cannot:
/// prices are at most `2^128 * 10^36 < 2^248` (see the crate docs), and every factor is at
/// most one.
pub fn price(kind: u8, cut: u64, period: u32, top: U256, elapsed: u64) -> Result<U256, MathError> {
    match kind {
        LINEAR => {
            let tau = u64::from(period);
            if elapsed >= tau {
                return Ok(U256::ZERO);
            }
            // `elapsed < tau`, so the subtraction cannot underflow; `tau > 0` here.
            mul_div(
                top,
                U256::from(tau - elapsed),
                U256::from(tau),
                Rounding::Up,
            )
        }
        STAIRSTEP => {
            // `checked_div` is `None` only for `period == 0`, which validation excludes.
            let steps = elapsed.checked_div(u64::from(period)).unwrap_or(0);
            decay(top, cut, steps)
        }
        EXPONENTIAL => decay(top, cut, elapsed),
        _ => Ok(U256::ZERO),
    }
}

/// `top * (cut / WAD) ^ n`, rounded up (`rpow` and the product both round up).
fn decay(top: U256, cut: u64, n: u64) -> Result<U256, MathError> {
    // A WAD below 2^64 times 10^9 is below 2^94: no overflow.
    let cut_ray = U256::from(cut).wrapping_mul(WAD_TO_RAY);
    let factor = rpow(cut_ray, n, Rounding::Up)?;
    ray_mul(top, factor, Rounding::Up)
}

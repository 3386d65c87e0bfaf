//! Fixed-point helpers on U256 with an explicit rounding direction (the houses' units: prices
//! in RAY, `chip` in WAD, basis points for the keeper's margins).
//!
//! Every product goes through a 512-bit intermediate, so a result is `None` only if it does
//! not fit in 256 bits (or the divisor is zero): the decisions turn that into "skip", never a
//! panic.

use alloy::primitives::{U256, U512};

/// 10^27: prices are debt base units per collateral base unit, times RAY.
pub const RAY: U256 = U256::from_limbs([11515845246265065472, 54210108, 0, 0]);
/// 10^18: `chip`.
pub const WAD: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// 10^4: margins are in basis points.
pub const BPS: u64 = 10_000;

/// Rounding direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rounding {
    Down,
    Up,
}

/// `a * b / c` rounded as asked; `None` if `c == 0` or the result exceeds 256 bits.
pub fn mul_div(a: U256, b: U256, c: U256, rounding: Rounding) -> Option<U256> {
    if c.is_zero() {
        return None;
    }
    let product: U512 = a.widening_mul(b);
    let divisor = U512::from(c);
    let (mut quotient, remainder) = product.div_rem(divisor);
    if rounding == Rounding::Up && !remainder.is_zero() {
        // `quotient < 2^512 - 1` because `c >= 1` and the remainder is non-zero: no overflow.
        quotient += U512::from(1u8);
    }
    narrow(quotient)
}

/// `x` as a U256 if it fits.
fn narrow(x: U512) -> Option<U256> {
    let limbs = x.as_limbs();
    if limbs[4..].iter().any(|&l| l != 0) {
        return None;
    }
    Some(U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]]))
}

/// `x * (10_000 - bps) / 10_000`, rounded down (a limit below a reference price).
pub fn less_bps(x: U256, bps: u32) -> Option<U256> {
    let keep = BPS.checked_sub(u64::from(bps))?;
    mul_div(x, U256::from(keep), U256::from(BPS), Rounding::Down)
}

/// `10^n` as a U256, if it fits.
pub fn pow10(n: u32) -> Option<U256> {
    U256::from(10u8).checked_pow(U256::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ray_and_wad_constants() {
        assert_eq!(RAY, U256::from(10u8).pow(U256::from(27u8)));
        assert_eq!(WAD, U256::from(10u8).pow(U256::from(18u8)));
    }

    #[test]
    fn mul_div_rounds_both_ways_and_reports_overflow() {
        let (seven, two, three) = (U256::from(7u8), U256::from(2u8), U256::from(3u8));
        assert_eq!(
            mul_div(seven, two, three, Rounding::Down),
            Some(U256::from(4u8))
        );
        assert_eq!(
            mul_div(seven, two, three, Rounding::Up),
            Some(U256::from(5u8))
        );
        assert_eq!(mul_div(seven, three, three, Rounding::Up), Some(seven));
        assert_eq!(mul_div(seven, two, U256::ZERO, Rounding::Down), None);
        // The intermediate exceeds 256 bits but the result fits.
        assert_eq!(
            mul_div(U256::MAX, U256::MAX, U256::MAX, Rounding::Down),
            Some(U256::MAX)
        );
        assert_eq!(
            mul_div(U256::MAX, two, U256::from(1u8), Rounding::Down),
            None
        );
    }

    #[test]
    fn less_bps_floors_and_rejects_more_than_everything() {
        assert_eq!(less_bps(U256::from(1000u32), 250), Some(U256::from(975u32)));
        assert_eq!(less_bps(U256::from(999u32), 1), Some(U256::from(998u32)));
        assert_eq!(less_bps(U256::from(5u8), 10_000), Some(U256::ZERO));
        assert_eq!(less_bps(U256::from(5u8), 10_001), None);
    }
}

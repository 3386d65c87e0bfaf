//! Compact long division, shared by [`crate::div`], [`crate::mul_div`] (and everything built
//! on it) and the batch clearing ([`crate::clearing`]).
//!
//! Knuth's algorithm D on 32-bit digits (as in Hacker's Delight's `divmnu`), so that every
//! step is a native 64-bit operation. It divides a dividend of up to 512 bits by a divisor of
//! up to 256 bits, and is much smaller in WASM than ruint's reciprocal-based division of
//! `U256` and `U512` (which costs a contract several KiB), while fast enough for contracts:
//! at most 16 x 8 digit steps. [`mul_div_rem`] forms its 512-bit product on the same digits
//! (schoolbook, 8 x 8 steps), which is also smaller than going through ruint's `U512`.
//!
//! Numbers are handled as arrays of base-2^32 digits, least significant first. Digits are
//! read with [`digit`] (zero beyond the end) and written with [`set`] (ignored beyond the
//! end), so no access can panic; every index used is in range anyway.

use crate::{MathError, U256};

/// `2^32 - 1`.
const LOW32: u64 = 0xFFFF_FFFF;

/// `(a / b, a % b)`, exact.
///
/// Fails with [`MathError::DivisionByZero`] if `b == 0`.
pub fn div_rem(a: U256, b: U256) -> Result<(U256, U256), MathError> {
    let [a0, a1, a2, a3, a4, a5, a6, a7] = digits(a);
    // `a / b <= a`, so the quotient fits and `divide` cannot report `Overflow`.
    divide(&[a0, a1, a2, a3, a4, a5, a6, a7, 0, 0, 0, 0, 0, 0, 0, 0], b)
}

/// `(floor(a * b / d), a * b % d != 0)` with the exact 512-bit product `a * b`.
///
/// Fails with [`MathError::DivisionByZero`] if `d == 0` (whatever `a` and `b` are), and with
/// [`MathError::Overflow`] if and only if the floor exceeds `U256::MAX`.
pub(crate) fn mul_div_rem(a: U256, b: U256, d: U256) -> Result<(U256, bool), MathError> {
    // 256 x 256 -> 512 bits: the full product, which always fits. Schoolbook on 32-bit
    // digits: `x * y + p + carry <= (2^32 - 1)^2 + 2 * (2^32 - 1) = 2^64 - 1` never wraps.
    let (x, y) = (digits(a), digits(b));
    let mut u = [0u32; 16];
    for (i, xi) in x.iter().enumerate() {
        let mut carry = 0u64;
        for (j, yj) in y.iter().enumerate() {
            let ij = i.wrapping_add(j);
            let t = u64::from(*xi)
                .wrapping_mul(u64::from(*yj))
                .wrapping_add(digit(&u, ij))
                .wrapping_add(carry);
            set(&mut u, ij, t & LOW32);
            carry = t >> 32;
        }
        set(&mut u, i.wrapping_add(8), carry);
    }
    let (quotient, remainder) = divide(&u, d)?;
    Ok((quotient, !remainder.is_zero()))
}

/// `(u / b, u % b)` for a 512-bit dividend `u` (16 base-2^32 digits, least significant
/// first) and a 256-bit divisor `b`. The remainder is below `b`, so it always fits 256 bits.
///
/// Fails with [`MathError::DivisionByZero`] if `b == 0` (checked first), and with
/// [`MathError::Overflow`] if and only if the quotient exceeds `U256::MAX`.
fn divide(u: &[u32; 16], b: U256) -> Result<(U256, U256), MathError> {
    if b.is_zero() {
        return Err(MathError::DivisionByZero);
    }
    let v = digits(b);
    // Significant digits: 1 <= n <= 8 (b != 0) and m <= 16.
    let n = significant(&v);
    let m = significant(u);
    let mut q = [0u32; 16];
    let remainder = if m < n {
        // u < b, so u has fewer than 8 digits: the quotient is zero and u the remainder.
        undigits_low(u)
    } else if n == 1 {
        let divisor = digit(&v, 0);
        let mut rest = 0u64;
        for i in (0..m).rev() {
            // rest < divisor < 2^32, so `rest << 32 | digit` fits 64 bits.
            let current = (rest << 32) | digit(u, i);
            // `divisor != 0`: neither falls back.
            set(&mut q, i, current.checked_div(divisor).unwrap_or(0));
            rest = current.checked_rem(divisor).unwrap_or(0);
        }
        U256::from(rest)
    } else {
        knuth_d(u, &v, n, m, &mut q)
    };
    if significant(&q) > 8 {
        return Err(MathError::Overflow);
    }
    Ok((undigits_low(&q), remainder))
}

/// Algorithm D proper: writes `u / v` into `q` and returns `u % v`, for a divisor `v` of
/// `n >= 2` significant digits and a dividend `u` of `m >= n` significant digits.
fn knuth_d(u: &[u32; 16], v: &[u32; 8], n: usize, m: usize, q: &mut [u32; 16]) -> U256 {
    // Normalize: shift so that the divisor's top digit has its high bit set; the dividend
    // gets one more digit. `shift < 32`. Digit `i` of a shifted number is the low 32 bits of
    // digit `i` shifted, or'ed with the bits shifted out of digit `i - 1`; writes to `vn`
    // beyond its 8 digits are ignored (and `v` has no digits there).
    let shift = (digit(v, n.wrapping_sub(1)) as u32).leading_zeros();
    let mut vn = [0u32; 8];
    let mut un = [0u32; 17];
    let (mut below_v, mut below_u) = (0u64, 0u64);
    for i in 0..17usize {
        let (current_v, current_u) = (digit(v, i), digit(u, i));
        set(
            &mut vn,
            i,
            ((current_v << shift) | ((below_v << shift) >> 32)) & LOW32,
        );
        set(
            &mut un,
            i,
            ((current_u << shift) | ((below_u << shift) >> 32)) & LOW32,
        );
        (below_v, below_u) = (current_v, current_u);
    }
    let top = digit(&vn, n.wrapping_sub(1));
    let next = digit(&vn, n.wrapping_sub(2));
    // j runs from m - n down to 0 (m >= n).
    for j in (0..=m.wrapping_sub(n)).rev() {
        let jn = j.wrapping_add(n);
        // Estimate the quotient digit from the top two digits; it is at most 2 too large.
        let numerator = (digit(&un, jn) << 32) | digit(&un, jn.wrapping_sub(1));
        // `top >= 2^31` after normalization: neither falls back.
        let mut qhat = numerator.checked_div(top).unwrap_or(0);
        let mut rhat = numerator.checked_rem(top).unwrap_or(0);
        // qhat <= 2^32 and next < 2^32: the product fits; rhat < 2^32 when shifted.
        while qhat > LOW32
            || qhat.wrapping_mul(next) > ((rhat << 32) | digit(&un, jn.wrapping_sub(2)))
        {
            qhat = qhat.wrapping_sub(1);
            rhat = rhat.wrapping_add(top);
            if rhat > LOW32 {
                break;
            }
        }
        // Multiply and subtract: un[j..=j+n] -= qhat * vn[..n]. qhat < 2^32, so each product
        // plus carry stays below 2^64, and each difference between -2^33 and 2^32.
        let mut carry = 0u64;
        let mut borrow = 0i64;
        for i in 0..n {
            let product = qhat.wrapping_mul(digit(&vn, i)).wrapping_add(carry);
            carry = product >> 32;
            let ij = i.wrapping_add(j);
            let difference = (digit(&un, ij) as i64)
                .wrapping_sub(borrow)
                .wrapping_sub((product & LOW32) as i64);
            set(&mut un, ij, difference as u64 & LOW32);
            borrow = i64::from(difference < 0);
        }
        let difference = (digit(&un, jn) as i64)
            .wrapping_sub(borrow)
            .wrapping_sub(carry as i64);
        set(&mut un, jn, difference as u64 & LOW32);
        if difference < 0 {
            // qhat was one too large: add the divisor back.
            qhat = qhat.wrapping_sub(1);
            let mut carry = 0u64;
            for i in 0..n {
                let ij = i.wrapping_add(j);
                let sum = digit(&un, ij)
                    .wrapping_add(digit(&vn, i))
                    .wrapping_add(carry);
                set(&mut un, ij, sum & LOW32);
                carry = sum >> 32;
            }
            let top_digit = digit(&un, jn).wrapping_add(carry) & LOW32;
            set(&mut un, jn, top_digit);
        }
        set(q, j, qhat);
    }
    // The remainder is un[..n] shifted back (`(above << 32) >> shift` brings the low `shift`
    // bits of the next digit down; nothing when `shift == 0`).
    let mut r = [0u32; 8];
    for i in 0..n {
        let above = digit(&un, i.wrapping_add(1));
        set(
            &mut r,
            i,
            ((digit(&un, i) >> shift) | ((above << 32) >> shift)) & LOW32,
        );
    }
    undigits(&r)
}

/// Base-2^32 digits of `x`, least significant first.
fn digits(x: U256) -> [u32; 8] {
    let [l0, l1, l2, l3] = x.into_limbs();
    // Truncating casts keep the low and the high half of each limb.
    [
        l0 as u32,
        (l0 >> 32) as u32,
        l1 as u32,
        (l1 >> 32) as u32,
        l2 as u32,
        (l2 >> 32) as u32,
        l3 as u32,
        (l3 >> 32) as u32,
    ]
}

/// The number from its base-2^32 digits (least significant first).
pub(crate) fn undigits(d: &[u32; 8]) -> U256 {
    let [d0, d1, d2, d3, d4, d5, d6, d7] = d.map(u64::from);
    U256::from_limbs([
        d0 | (d1 << 32),
        d2 | (d3 << 32),
        d4 | (d5 << 32),
        d6 | (d7 << 32),
    ])
}

/// The number from the low 8 of 16 base-2^32 digits (the high 8 are ignored).
fn undigits_low(d: &[u32; 16]) -> U256 {
    let [d0, d1, d2, d3, d4, d5, d6, d7, ..] = *d;
    undigits(&[d0, d1, d2, d3, d4, d5, d6, d7])
}

/// Digit `i` (zero beyond the end).
fn digit(d: &[u32], i: usize) -> u64 {
    d.get(i).copied().map_or(0, u64::from)
}

/// Sets digit `i` to `x` (below 2^32; ignored beyond the end).
fn set(d: &mut [u32], i: usize, x: u64) {
    if let Some(slot) = d.get_mut(i) {
        *slot = x as u32;
    }
}

/// The number of digits up to the most significant non-zero one.
fn significant(d: &[u32]) -> usize {
    d.iter()
        .rposition(|x| *x != 0)
        .map_or(0, |i| i.saturating_add(1))
}

#[cfg(test)]
mod tests {
    //! The 512-by-256-bit division against a `num-bigint` reference (values cross over as
    //! little-endian digits only), on digits that stress the quotient estimate.

    use super::*;
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn big_digits(d: &[u32]) -> BigUint {
        BigUint::from_slice(d)
    }

    fn big(x: U256) -> BigUint {
        BigUint::from_bytes_le(&x.to_le_bytes::<32>())
    }

    /// `x` as `N` digits (it must fit).
    fn to_digits<const N: usize>(x: &BigUint) -> [u32; N] {
        let mut out = [0u32; N];
        let digits = x.to_u32_digits();
        assert!(digits.len() <= N, "{x} does not fit {N} digits");
        for (slot, d) in out.iter_mut().zip(digits) {
            *slot = d;
        }
        out
    }

    /// `N` base-2^32 digits drawn from values that stress the quotient estimate, the top ones
    /// zeroed so that every length from 0 to `N` digits occurs.
    fn stress_digits<const N: usize>() -> impl Strategy<Value = [u32; N]> {
        let digit = prop_oneof![
            Just(0u32),
            Just(1u32),
            Just(0x7FFF_FFFFu32),
            Just(0x8000_0000u32),
            Just(0xFFFF_FFFEu32),
            Just(0xFFFF_FFFFu32),
            any::<u32>(),
        ];
        (prop::collection::vec(digit, N), 0usize..=N).prop_map(|(d, len)| {
            let mut out = [0u32; N];
            for (slot, x) in out.iter_mut().zip(d).take(len) {
                *slot = x;
            }
            out
        })
    }

    fn check_divide(u: [u32; 16], v: [u32; 8]) -> Result<(), TestCaseError> {
        let b = undigits(&v);
        let result = divide(&u, b);
        if b.is_zero() {
            prop_assert_eq!(result, Err(MathError::DivisionByZero));
            return Ok(());
        }
        let (n, d) = (big_digits(&u), big(b));
        let quotient = &n / &d;
        if quotient.bits() > 256 {
            prop_assert_eq!(result, Err(MathError::Overflow), "{} / {}", n, d);
            // The same division with the quotient's bits above 2^256 dropped: a dividend as
            // long, whose quotient and remainder are both observable.
            let reduced = &n % (&d << 256u32);
            return check_divide(to_digits::<16>(&reduced), v);
        }
        let expected = (
            undigits(&to_digits::<8>(&quotient)),
            undigits(&to_digits::<8>(&(&n % &d))),
        );
        prop_assert_eq!(result, Ok(expected), "{} / {}", n, d);
        Ok(())
    }

    #[test]
    fn divide_edge_cases() {
        let max16 = [u32::MAX; 16];
        let max8 = [u32::MAX; 8];
        let mut top_bit = [0u32; 8];
        top_bit[7] = 0x8000_0000;
        let mut one = [0u32; 8];
        one[0] = 1;
        let mut two_digits = [0u32; 8];
        two_digits[0] = 1;
        two_digits[1] = 0xFFFF_FFFF;
        // (2^256 - 1)^2: the largest product mul_div can see.
        let square = to_digits::<16>(&(big(U256::MAX) * big(U256::MAX)));
        for (u, v) in [
            (max16, max8),
            (max16, one),
            (max16, top_bit),
            (max16, two_digits),
            (square, max8),
            (square, top_bit),
            (square, one),
            ([0u32; 16], max8),
        ] {
            check_divide(u, v).unwrap();
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn divide_512_by_256_matches_num_bigint(
            u in stress_digits::<16>(),
            v in stress_digits::<8>(),
        ) {
            check_divide(u, v)?;
        }

        #[test]
        fn mul_div_rem_matches_num_bigint(
            a in stress_digits::<8>(),
            b in stress_digits::<8>(),
            d in stress_digits::<8>(),
        ) {
            let (a, b, d) = (undigits(&a), undigits(&b), undigits(&d));
            let result = mul_div_rem(a, b, d);
            if d.is_zero() {
                prop_assert_eq!(result, Err(MathError::DivisionByZero));
            } else {
                let product = big(a) * big(b);
                let quotient = &product / big(d);
                if quotient.bits() > 256 {
                    prop_assert_eq!(result, Err(MathError::Overflow));
                } else {
                    let exact = (&product % big(d)) == BigUint::ZERO;
                    prop_assert_eq!(
                        result,
                        Ok((undigits(&to_digits::<8>(&quotient)), !exact))
                    );
                }
            }
        }
    }
}

//! Unit tests for edge cases and property tests against a `num-bigint` reference, which
//! shares no arithmetic with ruint (values only cross over as little-endian bytes).

use super::*;
use num_bigint::BigUint;
use proptest::prelude::*;
use Rounding::{Down, Up};

// ---------------------------------------------------------------------------------------
// Reference helpers
// ---------------------------------------------------------------------------------------

type Op = fn(U256, U256, Rounding) -> Result<U256, MathError>;

fn u(x: u128) -> U256 {
    U256::from(x)
}

fn big(x: U256) -> BigUint {
    BigUint::from_bytes_le(&x.to_le_bytes::<32>())
}

fn big_max() -> BigUint {
    (BigUint::from(1u8) << 256u32) - 1u8
}

fn pow10(n: u32) -> BigUint {
    BigUint::from(10u8).pow(n)
}

/// The reference value as this crate should return it: `Overflow` above `U256::MAX`.
fn fit(x: &BigUint) -> Result<U256, MathError> {
    if x > &big_max() {
        return Err(MathError::Overflow);
    }
    let mut bytes = x.to_bytes_le();
    bytes.resize(32, 0);
    Ok(U256::from_le_slice(&bytes))
}

fn floor_div(n: &BigUint, d: &BigUint) -> BigUint {
    n / d
}

fn ceil_div(n: &BigUint, d: &BigUint) -> BigUint {
    (n + d - 1u8) / d
}

fn reference_mul_div(a: U256, b: U256, d: U256, rounding: Rounding) -> Result<U256, MathError> {
    if d.is_zero() {
        return Err(MathError::DivisionByZero);
    }
    let n = big(a) * big(b);
    match rounding {
        Down => fit(&floor_div(&n, &big(d))),
        Up => fit(&ceil_div(&n, &big(d))),
    }
}

/// Orders rpow results for the monotonicity properties: an `Err` (overflow) is above every
/// value.
fn key(r: Result<U256, MathError>) -> Option<U256> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert_eq!(e, MathError::Overflow);
            None
        }
    }
}

fn le_key(a: Option<U256>, b: Option<U256>) -> bool {
    match (a, b) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(x), Some(y)) => x <= y,
    }
}

/// Checks `Down <= base^n / RAY^(n-1) <= Up` exactly, for results that are `Ok`.
fn assert_rpow_brackets(base: U256, n: u64, down: U256, up: U256) {
    let ray = pow10(27);
    if n == 0 {
        assert_eq!((down, up), (RAY, RAY));
        return;
    }
    let numerator = big(base).pow(n as u32);
    let scale = ray.pow((n - 1) as u32);
    assert!(
        big(down) * &scale <= numerator,
        "Down above exact: base {base}, n {n}"
    );
    assert!(
        big(up) * &scale >= numerator,
        "Up below exact: base {base}, n {n}"
    );
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

fn special_u256() -> impl Strategy<Value = U256> {
    prop::sample::select(vec![
        U256::ZERO,
        u(1),
        u(2),
        u(3),
        WAD - u(1),
        WAD,
        RAY - u(1),
        RAY,
        RAY + u(1),
        u(u64::MAX as u128),
        u(u64::MAX as u128) + u(1),
        u(u128::MAX),
        u(u128::MAX) + u(1),
        U256::from(1u8) << 255,
        U256::MAX - u(1),
        U256::MAX,
    ])
}

/// Uniform limbs cut to a uniform bit length, so small and large values are both common,
/// plus the usual edge values.
fn arb_u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        4 => (any::<[u64; 4]>(), 0usize..=256).prop_map(|(limbs, bits)| {
            if bits == 0 {
                U256::ZERO
            } else {
                U256::from_limbs(limbs) >> (256 - bits)
            }
        }),
        1 => special_u256(),
    ]
}

/// RAY bases at most one: anywhere in `[0, RAY]`, and often just below one like real
/// per-second decay factors.
fn base_at_most_ray() -> impl Strategy<Value = U256> {
    prop_oneof![
        (0u128..=RAY_U128).prop_map(u),
        (0u128..=10u128.pow(22)).prop_map(|d| RAY - u(d)),
        (0u128..=1000).prop_map(|d| RAY - u(d)),
    ]
}

/// RAY bases at least one: up to 4.0, and often just above one.
fn base_at_least_ray() -> impl Strategy<Value = U256> {
    prop_oneof![
        (0u128..=3 * RAY_U128).prop_map(|d| RAY + u(d)),
        (0u128..=10u128.pow(22)).prop_map(|d| RAY + u(d)),
        (0u128..=1000).prop_map(|d| RAY + u(d)),
    ]
}

// ---------------------------------------------------------------------------------------
// Unit tests
// ---------------------------------------------------------------------------------------

#[test]
fn constants() {
    assert_eq!(big(WAD), pow10(18));
    assert_eq!(big(RAY), pow10(27));
    assert_eq!(RAY, U256::from(10u8).pow(U256::from(27u8)));
}

#[test]
fn checked_ops_edges() {
    assert_eq!(checked_add(U256::MAX, U256::ZERO), Ok(U256::MAX));
    assert_eq!(checked_add(U256::MAX, u(1)), Err(MathError::Overflow));
    assert_eq!(checked_add(U256::MAX, U256::MAX), Err(MathError::Overflow));
    assert_eq!(checked_sub(U256::ZERO, U256::ZERO), Ok(U256::ZERO));
    assert_eq!(checked_sub(U256::ZERO, u(1)), Err(MathError::Underflow));
    assert_eq!(checked_sub(U256::MAX, U256::MAX), Ok(U256::ZERO));
    assert_eq!(checked_mul(U256::MAX, u(1)), Ok(U256::MAX));
    assert_eq!(checked_mul(U256::MAX, U256::ZERO), Ok(U256::ZERO));
    assert_eq!(checked_mul(U256::MAX, u(2)), Err(MathError::Overflow));
    let half = U256::from(1u8) << 128;
    assert_eq!(checked_mul(half, half), Err(MathError::Overflow));
    assert_eq!(checked_mul(half, half - u(1)), Ok((half - u(1)) << 128));
}

#[test]
fn div_edges() {
    assert_eq!(div(u(7), u(2), Down), Ok(u(3)));
    assert_eq!(div(u(7), u(2), Up), Ok(u(4)));
    assert_eq!(div(u(6), u(2), Down), Ok(u(3)));
    assert_eq!(div(u(6), u(2), Up), Ok(u(3)));
    assert_eq!(div(U256::ZERO, u(5), Up), Ok(U256::ZERO));
    assert_eq!(div(u(1), U256::MAX, Down), Ok(U256::ZERO));
    assert_eq!(div(u(1), U256::MAX, Up), Ok(u(1)));
    assert_eq!(div(U256::MAX, u(1), Up), Ok(U256::MAX));
    assert_eq!(div(U256::MAX, U256::MAX, Up), Ok(u(1)));
    assert_eq!(div(U256::MAX, u(2), Up), Ok(U256::from(1u8) << 255));
    for r in [Down, Up] {
        assert_eq!(div(u(1), U256::ZERO, r), Err(MathError::DivisionByZero));
        assert_eq!(
            div(U256::ZERO, U256::ZERO, r),
            Err(MathError::DivisionByZero)
        );
    }
}

#[test]
fn mul_div_edges() {
    assert_eq!(mul_div(u(10), u(10), u(3), Down), Ok(u(33)));
    assert_eq!(mul_div(u(10), u(10), u(3), Up), Ok(u(34)));
    assert_eq!(mul_div(u(10), u(3), u(5), Down), Ok(u(6)));
    assert_eq!(mul_div(u(10), u(3), u(5), Up), Ok(u(6)));
    // The product overflows 256 bits but the result does not.
    for r in [Down, Up] {
        assert_eq!(mul_div(U256::MAX, U256::MAX, U256::MAX, r), Ok(U256::MAX));
        assert_eq!(mul_div(U256::MAX, u(2), u(2), r), Ok(U256::MAX));
        assert_eq!(
            mul_div(U256::MAX, U256::MAX, U256::MAX - u(1), r),
            Err(MathError::Overflow)
        );
        assert_eq!(
            mul_div(U256::MAX, U256::MAX, u(1), r),
            Err(MathError::Overflow)
        );
        assert_eq!(mul_div(U256::ZERO, U256::MAX, u(1), r), Ok(U256::ZERO));
        // Zero denominator is reported even when the numerator is zero or huge.
        assert_eq!(
            mul_div(U256::ZERO, U256::ZERO, U256::ZERO, r),
            Err(MathError::DivisionByZero)
        );
        assert_eq!(
            mul_div(U256::MAX, U256::MAX, U256::ZERO, r),
            Err(MathError::DivisionByZero)
        );
    }
    assert_eq!(
        mul_div(U256::MAX - u(1), U256::MAX, U256::MAX, Up),
        Ok(U256::MAX - u(1))
    );
    // Exact value strictly between MAX and MAX + 1: the floor fits, the ceiling does not.
    let a = U256::from_str_radix(
        "d555555555555555555555555555555555555555555555555555555555555555",
        16,
    )
    .unwrap();
    assert_eq!(mul_div(a, u(6), u(5), Down), Ok(U256::MAX));
    assert_eq!(mul_div(a, u(6), u(5), Up), Err(MathError::Overflow));
}

#[test]
fn wad_ray_edges() {
    let w = |x: u128| u(x) * WAD;
    assert_eq!(wad_mul(w(3) / u(2), w(2), Down), Ok(w(3)));
    assert_eq!(wad_mul(u(1), u(1), Down), Ok(U256::ZERO));
    assert_eq!(wad_mul(u(1), u(1), Up), Ok(u(1)));
    assert_eq!(wad_div(WAD, w(3), Down), Ok(u(333_333_333_333_333_333)));
    assert_eq!(wad_div(WAD, w(3), Up), Ok(u(333_333_333_333_333_334)));
    assert_eq!(
        wad_div(w(1), U256::ZERO, Up),
        Err(MathError::DivisionByZero)
    );
    assert_eq!(wad_mul(U256::MAX, WAD, Up), Ok(U256::MAX));
    assert_eq!(wad_div(U256::MAX, WAD, Down), Ok(U256::MAX));
    assert_eq!(
        wad_div(U256::MAX, WAD - u(1), Down),
        Err(MathError::Overflow)
    );

    let r = |x: u128| u(x) * RAY;
    assert_eq!(ray_mul(r(3) / u(2), r(2), Up), Ok(r(3)));
    assert_eq!(ray_mul(RAY - u(1), RAY - u(1), Down), Ok(RAY - u(2)));
    assert_eq!(ray_mul(RAY - u(1), RAY - u(1), Up), Ok(RAY - u(1)));
    assert_eq!(
        ray_div(RAY, r(3), Down),
        Ok(u(333_333_333_333_333_333_333_333_333))
    );
    assert_eq!(
        ray_div(RAY, r(3), Up),
        Ok(u(333_333_333_333_333_333_333_333_334))
    );
    assert_eq!(
        ray_div(RAY, U256::ZERO, Down),
        Err(MathError::DivisionByZero)
    );
    assert_eq!(ray_mul(U256::MAX, RAY, Down), Ok(U256::MAX));
    assert_eq!(
        ray_mul(U256::MAX, RAY + u(1), Down),
        Err(MathError::Overflow)
    );
}

#[test]
fn rpow_identities() {
    for r in [Down, Up] {
        for n in [0u64, 1, 2, 3, 4, 1000, 31_536_000, u64::MAX] {
            assert_eq!(rpow(RAY, n, r), Ok(RAY), "rpow(RAY, {n})");
        }
        for x in [U256::ZERO, u(1), RAY - u(1), RAY, U256::MAX] {
            assert_eq!(rpow(x, 0, r), Ok(RAY));
            assert_eq!(rpow(x, 1, r), Ok(x));
        }
        for n in [1u64, 2, 3, 63, 64, 1 << 40, u64::MAX] {
            assert_eq!(rpow(U256::ZERO, n, r), Ok(U256::ZERO));
        }
        assert_eq!(rpow(RAY / u(2), 2, r), Ok(RAY / u(4)));
        assert_eq!(rpow(RAY / u(2), 3, r), Ok(RAY / u(8)));
        assert_eq!(rpow(u(2) * RAY, 10, r), Ok(u(1024) * RAY));
        assert_eq!(
            rpow(u(10) * RAY, 50, r),
            Ok(U256::from(10u8).pow(U256::from(77u8)))
        );
        assert_eq!(rpow(u(10) * RAY, 51, r), Err(MathError::Overflow));
        assert_eq!(rpow(U256::MAX, 2, r), Err(MathError::Overflow));
        assert_eq!(rpow(U256::MAX, u64::MAX, r), Err(MathError::Overflow));
    }
    // 1e-27 squared is 1e-54: 0 rounded down, one unit rounded up.
    assert_eq!(rpow(u(1), 2, Down), Ok(U256::ZERO));
    assert_eq!(rpow(u(1), 2, Up), Ok(u(1)));
    assert_eq!(rpow(u(1), u64::MAX, Up), Ok(u(1)));
}

#[test]
fn rpow_maker_like_hourly_decay() {
    // 0.99999 per second compounded over an hour: exact = 0.99999^3600, whose floor and
    // ceiling in RAY were computed independently with arbitrary-precision integers.
    let base = u(999_990_000_000_000_000_000_000_000);
    let floor = u(964_640_119_846_728_253_427_902_838);
    let down = rpow(base, 3600, Down).unwrap();
    let up = rpow(base, 3600, Up).unwrap();
    assert!(down <= floor && floor + u(1) <= up, "{down} {up}");
    assert_brackets_and_close(base, 3600, down, up);
    // The documented error bound: less than `exponent` units either way.
    assert!(
        floor - down < u(3600) && up - (floor + u(1)) < u(3600),
        "{down} {up}"
    );
    eprintln!(
        "maker-like: floor - down = {}, up - ceil = {}",
        floor - down,
        up - floor - u(1)
    );
}

/// Brackets, and for `base <= RAY` the documented error bound of `exponent` units.
fn assert_brackets_and_close(base: U256, n: u64, down: U256, up: U256) {
    assert_rpow_brackets(base, n, down, up);
    assert!(down <= up);
    if base <= RAY && n >= 1 {
        let numerator = big(base).pow(n as u32);
        let scale = pow10(27).pow((n - 1) as u32);
        let slack = BigUint::from(n) * &scale;
        assert!(
            (big(down) * &scale) + &slack > numerator,
            "Down too low: {base} {n}"
        );
        assert!(
            big(up) * &scale < numerator + &slack,
            "Up too high: {base} {n}"
        );
    }
}

#[test]
fn rpow_long_exponents_stay_ok() {
    // A year of seconds and the largest exponent, just below and just above one.
    for r in [Down, Up] {
        for n in [31_536_000u64, u64::MAX] {
            let below = rpow(RAY - u(1), n, r).unwrap();
            assert!(below < RAY);
            let above = rpow(RAY + u(1), n, r).unwrap();
            assert!(above > RAY);
        }
    }
    // RAY * (1 + 1e-27)^n = RAY + n + n(n-1)/2 / RAY + n(n-1)(n-2)/6 / RAY^2 + (< 1e-5),
    // for n = 2^64 - 1.
    let n = BigUint::from(u64::MAX);
    let ray = pow10(27);
    let n1 = &n - 1u8;
    let n2 = &n - 2u8;
    let terms = &ray * &ray * (&ray + &n) + &ray * &n * &n1 / 2u8 + &n * &n1 * &n2 / 6u8;
    let floor = fit(&(terms / (&ray * &ray))).unwrap();
    let down = rpow(RAY + u(1), u64::MAX, Down).unwrap();
    let up = rpow(RAY + u(1), u64::MAX, Up).unwrap();
    assert!(down <= floor && floor < up, "{down} {floor} {up}");
    eprintln!(
        "RAY+1 ^ u64::MAX: floor - down = {}, up - floor = {}",
        floor - down,
        up - floor
    );
}

#[test]
fn conversions() {
    assert_eq!(to_u128(U256::ZERO), Ok(0));
    assert_eq!(to_u128(u(u128::MAX)), Ok(u128::MAX));
    assert_eq!(to_u128(u(u128::MAX) + u(1)), Err(MathError::Overflow));
    assert_eq!(to_u128(U256::MAX), Err(MathError::Overflow));
    assert_eq!(to_u128(u((7u128 << 64) | 5)), Ok((7u128 << 64) | 5));
    assert_eq!(to_u64(u(u64::MAX as u128)), Ok(u64::MAX));
    assert_eq!(to_u64(u(u64::MAX as u128 + 1)), Err(MathError::Overflow));
    assert_eq!(to_u64(U256::from(1u8) << 255), Err(MathError::Overflow));
}

#[test]
fn min_max() {
    assert_eq!(min(U256::ZERO, U256::MAX), U256::ZERO);
    assert_eq!(max(U256::ZERO, U256::MAX), U256::MAX);
    assert_eq!(min(u(5), u(5)), u(5));
    assert_eq!(max(u(5), u(5)), u(5));
}

// ---------------------------------------------------------------------------------------
// Property tests
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn prop_checked_ops(a in arb_u256(), b in arb_u256()) {
        let (x, y) = (big(a), big(b));
        prop_assert_eq!(checked_add(a, b), fit(&(&x + &y)));
        prop_assert_eq!(checked_mul(a, b), fit(&(&x * &y)));
        let sub = if y > x { Err(MathError::Underflow) } else { fit(&(&x - &y)) };
        prop_assert_eq!(checked_sub(a, b), sub);
        prop_assert_eq!(big(min(a, b)), (&x).min(&y).clone());
        prop_assert_eq!(big(max(a, b)), (&x).max(&y).clone());
    }

    #[test]
    fn prop_div(a in arb_u256(), b in arb_u256()) {
        for r in [Down, Up] {
            let expected = if b.is_zero() {
                Err(MathError::DivisionByZero)
            } else if r == Down {
                fit(&floor_div(&big(a), &big(b)))
            } else {
                fit(&ceil_div(&big(a), &big(b)))
            };
            prop_assert_eq!(div(a, b, r), expected);
        }
    }

    #[test]
    fn prop_mul_div(a in arb_u256(), b in arb_u256(), d in arb_u256()) {
        for r in [Down, Up] {
            prop_assert_eq!(mul_div(a, b, d, r), reference_mul_div(a, b, d, r));
        }
    }

    /// Denominators at least one of the factors, so the result always fits and the
    /// 512-bit path is exercised with products far above `U256::MAX`.
    #[test]
    fn prop_mul_div_fits(a in arb_u256(), b in arb_u256(), extra in arb_u256()) {
        let d = a.saturating_add(extra).max(u(1));
        let down = mul_div(a, b, d, Down);
        let up = mul_div(a, b, d, Up);
        prop_assert!(down.is_ok() && up.is_ok());
        prop_assert_eq!(down, reference_mul_div(a, b, d, Down));
        prop_assert_eq!(up, reference_mul_div(a, b, d, Up));
        if d == a {
            prop_assert_eq!(down, Ok(b));
            prop_assert_eq!(up, Ok(b));
        }
    }

    #[test]
    fn prop_wad_ray(a in arb_u256(), b in arb_u256()) {
        let cases: [(U256, u32, Op, Op); 2] =
            [(WAD, 18, wad_mul, wad_div), (RAY, 27, ray_mul, ray_div)];
        for (scale, digits, mul, div_) in cases {
            let one = pow10(digits);
            prop_assert_eq!(big(scale), one.clone());
            let product = big(a) * big(b);
            let down = mul(a, b, Down);
            let up = mul(a, b, Up);
            prop_assert_eq!(down, fit(&floor_div(&product, &one)));
            prop_assert_eq!(up, fit(&ceil_div(&product, &one)));
            // The named direction, stated directly: Down * ONE <= a * b <= Up * ONE, and
            // each is within one unit of the exact value.
            if let (Ok(dn), Ok(upv)) = (down, up) {
                prop_assert!(big(dn) * &one <= product);
                prop_assert!(big(upv) * &one >= product);
                prop_assert!(upv - dn <= u(1));
            }

            let down = div_(a, b, Down);
            let up = div_(a, b, Up);
            if b.is_zero() {
                prop_assert_eq!(down, Err(MathError::DivisionByZero));
                prop_assert_eq!(up, Err(MathError::DivisionByZero));
            } else {
                let numerator = big(a) * &one;
                prop_assert_eq!(down, fit(&floor_div(&numerator, &big(b))));
                prop_assert_eq!(up, fit(&ceil_div(&numerator, &big(b))));
                if let (Ok(dn), Ok(upv)) = (down, up) {
                    prop_assert!(big(dn) * big(b) <= numerator);
                    prop_assert!(big(upv) * big(b) >= numerator);
                }
            }
        }
    }

    #[test]
    fn prop_conversions(x in arb_u256()) {
        let b = big(x);
        prop_assert_eq!(to_u128(x).ok().map(BigUint::from), (b.bits() <= 128).then(|| b.clone()));
        prop_assert_eq!(to_u64(x).ok().map(BigUint::from), (b.bits() <= 64).then(|| b.clone()));
        prop_assert_eq!(to_u128(x).is_err(), b.bits() > 128);
        prop_assert_eq!(to_u64(x).is_err(), b.bits() > 64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// base <= RAY: always Ok, at most RAY, and brackets the exact value.
    #[test]
    fn prop_rpow_below_one_brackets(base in base_at_most_ray(), n in 0u64..=64) {
        let down = rpow(base, n, Down).unwrap();
        let up = rpow(base, n, Up).unwrap();
        prop_assert!(up <= RAY);
        assert_brackets_and_close(base, n, down, up);
    }

    /// base >= RAY: Ok whenever the exact value is at most U256::MAX / 2 (the documented
    /// bound); Down fails only when the exact value exceeds U256::MAX; Ok results bracket it.
    #[test]
    fn prop_rpow_above_one_brackets(base in base_at_least_ray(), n in 0u64..=64) {
        let ray = pow10(27);
        let numerator = big(base).pow(n as u32);
        // exact = numerator / RAY^(n-1); compare exact against a bound B as
        // numerator vs B * RAY^(n-1), with RAY^(-1) handled for n == 0.
        let exceeds = |bound: &BigUint| {
            if n == 0 { &ray > bound } else { numerator > bound * ray.pow((n - 1) as u32) }
        };
        let down = rpow(base, n, Down);
        let up = rpow(base, n, Up);
        if !exceeds(&(big_max() / 2u8)) {
            prop_assert!(down.is_ok() && up.is_ok(), "base {} n {}", base, n);
        }
        if down.is_err() {
            prop_assert!(exceeds(&big_max()));
        }
        if let (Ok(d), Ok(v)) = (down, up) {
            prop_assert!(d >= RAY);
            assert_brackets_and_close(base, n, d, v);
        }
    }

    /// base <= RAY never overflows, whatever the exponent.
    #[test]
    fn prop_rpow_below_one_never_overflows(base in base_at_most_ray(), n in any::<u64>()) {
        for r in [Down, Up] {
            let v = rpow(base, n, r).unwrap();
            prop_assert!(v <= RAY);
        }
        prop_assert!(rpow(base, n, Down).unwrap() <= rpow(base, n, Up).unwrap());
    }

    /// Non-increasing in the exponent below one, non-decreasing above, in both roundings,
    /// for consecutive exponents and for arbitrary pairs, with exponents up to 100 000.
    #[test]
    fn prop_rpow_monotone(
        below in base_at_most_ray(),
        above in base_at_least_ray(),
        n in 0u64..100_000,
        m in 0u64..100_000,
    ) {
        let (lo, hi) = (n.min(m), n.max(m));
        for r in [Down, Up] {
            let b = |e| key(rpow(below, e, r));
            let a = |e| key(rpow(above, e, r));
            prop_assert!(le_key(b(n + 1), b(n)), "below {} n {} {:?}", below, n, r);
            prop_assert!(le_key(b(hi), b(lo)), "below {} {}..{} {:?}", below, lo, hi, r);
            prop_assert!(le_key(a(n), a(n + 1)), "above {} n {} {:?}", above, n, r);
            prop_assert!(le_key(a(lo), a(hi)), "above {} {}..{} {:?}", above, lo, hi, r);
        }
    }

    /// Monotonicity over the whole u64 range of exponents.
    #[test]
    fn prop_rpow_monotone_any_exponent(
        below in base_at_most_ray(),
        above in base_at_least_ray(),
        n in 0u64..u64::MAX,
    ) {
        for r in [Down, Up] {
            prop_assert!(le_key(key(rpow(below, n + 1, r)), key(rpow(below, n, r))));
            prop_assert!(le_key(key(rpow(above, n, r)), key(rpow(above, n + 1, r))));
        }
    }
}

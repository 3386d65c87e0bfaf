//! The price curves on their own: values at the start, the middle and the end, exactness of
//! the rounding against big-integer references, and monotonicity over random parameters.

use num_bigint::BigUint;
use proptest::prelude::*;

use super::*;
use crate::curve::{price, EXPONENTIAL, LINEAR, STAIRSTEP};

fn big(x: U256) -> BigUint {
    BigUint::from_bytes_be(&x.to_be_bytes::<32>())
}

/// `ceil(top * cut^n / WAD^n)` computed exactly.
fn exact_decay_up(top: U256, cut_wad: u64, n: u64) -> BigUint {
    let num = big(top) * BigUint::from(cut_wad).pow(n as u32);
    let den = BigUint::from(10u64).pow(18 * n as u32);
    (num + &den - 1u32) / den
}

/// `floor(top * cut^n / WAD^n)` computed exactly.
fn exact_decay_down(top: U256, cut_wad: u64, n: u64) -> BigUint {
    let num = big(top) * BigUint::from(cut_wad).pow(n as u32);
    num / BigUint::from(10u64).pow(18 * n as u32)
}

const TOP: U256 = U256::from_limbs([0, 0, 0, 1]); // 2^192, well inside the price range

#[test]
fn linear_at_start_middle_and_end() {
    let top = ray(2_500, 1);
    assert_eq!(price(LINEAR, 0, 1_000, top, 0).unwrap(), top);
    assert_eq!(price(LINEAR, 0, 1_000, top, 500).unwrap(), ray(1_250, 1));
    assert_eq!(price(LINEAR, 0, 1_000, top, 999).unwrap(), ray(25, 10));
    assert_eq!(price(LINEAR, 0, 1_000, top, 1_000).unwrap(), U256::ZERO);
    assert_eq!(price(LINEAR, 0, 1_000, top, u64::MAX).unwrap(), U256::ZERO);
    // Rounded up: 7 * 2 / 3 = 4.67 -> 5.
    assert_eq!(
        price(LINEAR, 0, 3, U256::from(7), 1).unwrap(),
        U256::from(5)
    );
}

#[test]
fn stairstep_at_start_middle_and_end() {
    let top = ray(2_500, 1);
    let cut = 990_000_000_000_000_000; // 0.99 per step
    assert_eq!(price(STAIRSTEP, cut, 90, top, 0).unwrap(), top);
    assert_eq!(price(STAIRSTEP, cut, 90, top, 89).unwrap(), top);
    assert_eq!(price(STAIRSTEP, cut, 90, top, 90).unwrap(), ray(2_475, 1));
    assert_eq!(price(STAIRSTEP, cut, 90, top, 179).unwrap(), ray(2_475, 1));
    // Middle and end of a 1,800 s auction: 10 and 20 steps, within rpow's documented error.
    for steps in [10u64, 20] {
        let got = big(price(STAIRSTEP, cut, 90, top, steps * 90).unwrap());
        assert!(got >= exact_decay_up(top, cut, steps));
        assert!(
            got <= exact_decay_down(top, cut, steps)
                + BigUint::from(top.to::<u128>() / 10u128.pow(27) * steps as u128 + 2)
        );
    }
}

#[test]
fn exponential_at_start_middle_and_end() {
    let top = ray(2_500, 1);
    let cut = 999_000_000_000_000_000; // 0.999 per second
    assert_eq!(price(EXPONENTIAL, cut, 0, top, 0).unwrap(), top);
    assert_eq!(price(EXPONENTIAL, cut, 0, top, 1).unwrap(), ray(24_975, 10));
    for t in [900u64, 1_800] {
        let got = big(price(EXPONENTIAL, cut, 0, top, t).unwrap());
        assert!(got >= exact_decay_up(top, cut, t));
        // rpow's error is below `t` units of 1e-27 relative to one: tiny against the price.
        let slack = BigUint::from(t) * BigUint::from(2_500u32) + 2u32;
        assert!(got <= exact_decay_down(top, cut, t) + slack);
    }
    // Far past any tail the price keeps decreasing; rounded up, it settles at one unit of the
    // decay factor (`ceil(top / RAY)`), which the floor and `cusp` are far above.
    let late = price(EXPONENTIAL, cut, 0, top, 1 << 40).unwrap();
    assert_eq!(late, U256::from(2_500));
}

#[test]
fn unknown_kind_prices_zero() {
    assert_eq!(price(0, 0, 0, TOP, 0).unwrap(), U256::ZERO);
    assert_eq!(price(9, 1, 1, TOP, 5).unwrap(), U256::ZERO);
}

fn any_curve() -> impl Strategy<Value = (u8, u64, u32)> {
    prop_oneof![
        (1u32..=2_000_000).prop_map(|tau| (LINEAR, 0, tau)),
        (1u64..WAD_U64, 1u32..=100_000).prop_map(|(cut, step)| (STAIRSTEP, cut, step)),
        (1u64..WAD_U64).prop_map(|cut| (EXPONENTIAL, cut, 0)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Every curve starts at `top`, never exceeds it, and never increases with time.
    #[test]
    fn monotone_non_increasing(
        (kind, cut, period) in any_curve(),
        top in any::<u128>().prop_map(U256::from),
        scale in 0u32..=36,
        t1 in 0u64..=10_000_000,
        dt in 0u64..=10_000_000,
    ) {
        let top = top * U256::from(10u8).pow(U256::from(scale)) / U256::from(7u8) + U256::from(1u8);
        let p0 = price(kind, cut, period, top, 0).unwrap();
        let p1 = price(kind, cut, period, top, t1).unwrap();
        let p2 = price(kind, cut, period, top, t1 + dt).unwrap();
        prop_assert_eq!(p0, top);
        prop_assert!(p1 <= top);
        prop_assert!(p2 <= p1, "kind {} cut {} period {}: {} then {}", kind, cut, period, p1, p2);
    }

    /// The linear curve is exactly `ceil(top * (tau - t) / tau)`.
    #[test]
    fn linear_is_exact(top in any::<u128>(), tau in 1u32..=1_000_000, t in 0u64..=2_000_000) {
        let expected = if t >= u64::from(tau) {
            BigUint::from(0u32)
        } else {
            let num = BigUint::from(top) * BigUint::from(u64::from(tau) - t);
            (num + BigUint::from(tau) - 1u32) / BigUint::from(tau)
        };
        prop_assert_eq!(big(price(LINEAR, 0, tau, U256::from(top), t).unwrap()), expected);
    }

    /// The exponential curves never price below the exact value (rounded up).
    #[test]
    fn exponential_rounds_up(
        top in 1u128..,
        cut in 1u64..WAD_U64,
        step in 1u32..=10,
        t in 0u64..=60,
    ) {
        let exp = price(EXPONENTIAL, cut, 0, U256::from(top), t).unwrap();
        prop_assert!(big(exp) >= exact_decay_up(U256::from(top), cut, t));
        let stair = price(STAIRSTEP, cut, step, U256::from(top), t).unwrap();
        prop_assert!(big(stair) >= exact_decay_up(U256::from(top), cut, t / u64::from(step)));
    }
}

/// A price for `purchase`: positive, up to 2^200.
fn any_price() -> impl Strategy<Value = U256> {
    (1u128.., 0u32..=72).prop_map(|(mantissa, exp)| {
        let price =
            U256::from(mantissa) * U256::from(10u8).pow(U256::from(exp)) / U256::from(1u128 << 60);
        price.max(U256::from(1u8)).min(U256::from(1u8) << 200)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    /// Clipper's purchase rules with rounding towards the protocol: never more than the tab or
    /// the lot, never less paid than the price of what is sold, never more than the price of
    /// what was asked for, and a partial purchase leaves nothing, at least `dust`, or no lot.
    #[test]
    fn purchases_follow_the_rules(
        tab in 1u128..,
        lot in 1u128..,
        dust in prop_oneof![Just(0u128), 0u128..1_000_000, any::<u128>()],
        amt in prop_oneof![any::<u128>().prop_map(U256::from), Just(U256::MAX)],
        price in any_price(),
    ) {
        match crate::purchase(tab, lot, dust, amt, price) {
            Ok((owe, slice)) => {
                prop_assert!(owe > 0 && owe <= tab);
                prop_assert!(slice <= lot && U256::from(slice) <= amt);
                // Paid at least the price of the collateral sold.
                prop_assert!(U256::from(owe) * RAY >= U256::from(slice) * price);
                // Never more than the price of what was asked for.
                let asked = U256::from(lot).min(amt);
                prop_assert!(U256::from(owe) <= mul_div_up(asked, price, RAY));
                let tab_left = tab - owe;
                prop_assert!(tab_left == 0 || tab_left >= dust || slice == lot,
                    "tab left {} below dust {}", tab_left, dust);
            }
            Err(error) => {
                // Refused: nothing asked for, or a partial purchase of a tab at most dust.
                let asked = U256::from(lot).min(amt);
                if asked.is_zero() {
                    let nothing = is(&error, ZeroAmount {});
                    prop_assert!(nothing);
                } else {
                    let expected = NoPartialPurchase { tab: U256::from(tab), dust: U256::from(dust) };
                    let refused = is(&error, expected);
                    prop_assert!(refused, "{:?}", error);
                    prop_assert!(tab <= dust);
                }
            }
        }
    }
}

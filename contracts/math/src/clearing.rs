//! Uniform-price clearing of a sealed-bid batch auction (gavel's batch auction house).
//!
//! # Model
//!
//! * A **bid** wants `amount` collateral base units at a limit `price` in RAY (debt base units
//!   per collateral base unit, times `10^27`). Each bid carries an `index` that identifies it
//!   (the house uses its reveal index); indices must be distinct within one clearing.
//! * A **kick** (one liquidation in the batch) sells up to `lot` collateral to raise `tab`
//!   debt. At price `p` it needs `c(p) = min(lot, ceil(tab * RAY / p))` collateral, and the
//!   batch's supply is `S(p) = Σ c(p)`. Demand is `D(p) = Σ amount` over valid bids with
//!   `price >= p`. A bid is **valid** when `price >= max(reserve, 1)`.
//!
//! # Clearing rule ([`clear`])
//!
//! The clearing price `p*` is the **highest valid bid price with `D(p*) >= S(p*)`**. Bids above
//! `p*` fill completely; the bids at `p*` share `S(p*) - D(above p*)` pro rata to their
//! amounts. If no valid bid price has `D >= S` (demand cannot absorb the supply), every valid
//! bid fills completely at the **lowest valid bid price**. Without a valid bid (or without
//! supply) nothing is sold and `price == 0`.
//!
//! At the highest price `p'` above `p*` demand was short, `D(p') < S(p')`, and `S` does not
//! increase with the price, so `D(above p*) = D(p') < S(p') <= S(p*)`: the share left for the
//! marginal bids is positive and at most their total amount.
//!
//! # Rounding (exact, never over-allocating)
//!
//! * A marginal bid gets `floor(amount * num / den)` (`num` = collateral left for the margin,
//!   `den` = Σ amounts at `p*`). The units lost to flooring, fewer than the number of marginal
//!   bids with a non-zero remainder, go one each to those bids in increasing `index` order:
//!   a marginal bid gets one more unit when its remainder is non-zero and `index < cutoff`
//!   ([`Clearing::cutoff`]). So `Σ fills == sold` exactly, every fill is at most its amount,
//!   and in the cleared case `sold == S(p*)`: every kick sells exactly `c(p*)`.
//! * A winning bid pays `ceil(fill * p* / RAY)` ([`payment`]), rounded up for the protocol;
//!   `paid` is the exact sum of those payments.
//! * [`allocate`] splits `sold` and `paid` among the kicks so that the parts sum exactly to the
//!   totals. Kick `i` sells `floor(sold * c_i / S)` (`c_i = c_i(p*)`, `S = S(p*)`), and the
//!   units lost to flooring go one each to the first kicks (in kick order) whose share had a
//!   remainder (largest-remainder rounding). In the cleared case `sold == S`, so every kick
//!   sells exactly `c_i`; when demand is short the sale is shared pro rata to `c_i`. Kick `i`
//!   raises `floor(sold_i * p* / RAY)` plus its share of the **premium**
//!   `paid - Σ floor(sold_j * p* / RAY)` (the winners' rounding up and the kicks' rounding
//!   down, fewer units than bids plus kicks), split in proportion to `sold_i` by the same
//!   largest-remainder rule: nothing stays unassigned. A kick whose tab is covered at `p*`
//!   (`c_i = ceil(tab * RAY / p*) <= lot`) therefore raises at least its tab.
//!
//! # Bounds
//!
//! All arithmetic is in 256 bits (products are not widened; quotients come from a compact
//! binary long division, [`div_rem`]), and every sum and product is checked: outside the
//! bounds below a function returns [`MathError::Overflow`], never a wrong result. Within them
//! nothing overflows:
//!
//! * every `tab`, `lot`, `amount` and the sum of the lots below `2^128`;
//! * every price below `2^248`, and `amount * price < 2^256` for every bid;
//! * `paid < 2^128`, at most `2^32` bids and `2^16` kicks.
//!
//! Then `tab * RAY < 2^218`; a marginal `amount * num < 2^256` (`num <= Σ lots`); a payment's
//! `fill * p* <= amount * price`; a kick's `sold_i * p* <= c_i * p* < tab * RAY + p* < 2^249`
//! (`c_i <= ceil(tab * RAY / p*)`); `sold * c_i < 2^256`; the premium split's products are
//! below `2^128 * 2^48`.
//!
//! # Cost
//!
//! [`clear`] heap-sorts the bids in place (no recursion, small code) and then evaluates `S`
//! once per distinct price from the top until it finds `p*`: `O(n log n + d k)` for `n` bids,
//! `d` distinct prices and `k` kicks, plus one 256-bit division per winning bid (two per
//! marginal bid). Its only allocations are two vectors of the marginal bids' amounts and
//! shares; [`allocate`] allocates a few vectors of one word per kick. The rounding rule is one
//! function (`apportion`, largest-remainder) for the margin, the kicks' collateral and their
//! premium, which keeps the WASM small.

// The shares of the margin and of the kicks are built in vectors (`no_std` crate).
extern crate alloc;

use alloc::vec::Vec;

#[cfg(test)]
use crate::division::undigits;
use crate::{MathError, RAY, U256};

/// `(a / b, a % b)`, exact; fails with [`MathError::DivisionByZero`] if `b == 0`.
///
/// Binary long division, one bit of `a` per step from its highest set bit: the smallest code
/// there is (the crate's Knuth division, [`crate::div_rem`], is about 2 KB of WASM), at a few
/// thousand WASM instructions per division (tens of gas on Stylus; the clearing makes one or
/// two per bid). Every division of the clearing and of the batch auction house is this one.
#[inline(never)]
pub fn div_rem(a: U256, b: U256) -> Result<(U256, U256), MathError> {
    if b.is_zero() {
        return Err(MathError::DivisionByZero);
    }
    let mut quotient = U256::ZERO;
    let mut remainder = U256::ZERO;
    let mut bit = a.bit_len();
    while bit > 0 {
        bit = bit.saturating_sub(1);
        // Invariant: `remainder < b`. Doubling it and bringing down the next bit of `a` gives
        // `2 * remainder + 1 < 2 * b`, which may reach 2^256: `carry` is that lost top bit.
        let carry = remainder.bit(255);
        // The top bit shifted out is `carry`, kept above.
        #[allow(clippy::arithmetic_side_effects)]
        {
            remainder <<= 1usize;
        }
        remainder.set_bit(0, a.bit(bit));
        if carry || remainder >= b {
            // The true value is at most `2 * b - 1`, so one subtraction brings it below `b`;
            // with `carry` it wraps back from above 2^256, which is exact modulo 2^256.
            remainder = remainder.wrapping_sub(b);
            quotient.set_bit(bit, true);
        }
    }
    Ok((quotient, remainder))
}

/// One revealed bid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bid {
    /// Limit price in RAY: debt base units per collateral base unit, times `10^27`.
    pub price: U256,
    /// Collateral base units wanted.
    pub amount: U256,
    /// Identity of the bid (distinct within one clearing); breaks ties at the margin.
    pub index: u32,
}

/// One kick (liquidation) of the batch: inputs `tab` and `lot`, outputs `sold` and `raised`
/// (written by [`allocate`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Kick {
    /// Debt to raise.
    pub tab: U256,
    /// Collateral for sale.
    pub lot: U256,
    /// Collateral this kick sells (output of [`allocate`]).
    pub sold: U256,
    /// Debt this kick raises (output of [`allocate`]).
    pub raised: U256,
}

impl Kick {
    /// A kick with `tab` and `lot` and no outputs yet.
    pub const fn new(tab: U256, lot: U256) -> Self {
        Kick {
            tab,
            lot,
            sold: U256::ZERO,
            raised: U256::ZERO,
        }
    }
}

/// The result of a clearing. Everything a bidder's fill depends on is here, so fills can be
/// derived later, one bid at a time ([`fill`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clearing {
    /// The uniform price `p*` in RAY; zero when nothing is sold.
    pub price: U256,
    /// Collateral sold: `Σ fills`.
    pub sold: U256,
    /// Collateral shared by the bids at `p*` (numerator of the marginal fraction).
    pub margin_num: U256,
    /// Σ amounts of the bids at `p*` (denominator of the marginal fraction).
    pub margin_den: U256,
    /// A marginal bid with a non-zero remainder and `index < cutoff` gets one more unit.
    pub cutoff: u64,
    /// Debt paid by the winners: `Σ ceil(fill * p* / RAY)`.
    pub paid: U256,
}

/// Collateral kick `kick` needs at `price` (RAY): `min(lot, ceil(tab * RAY / price))`.
///
/// Fails with [`MathError::DivisionByZero`] if `price == 0`.
pub fn needed(kick: &Kick, price: U256) -> Result<U256, MathError> {
    Ok(crate::min(kick.lot, mul_div_up(&kick.tab, &RAY, &price)?))
}

/// Total supply `S(price) = Σ needed(kick, price)`.
pub fn supply(kicks: &[Kick], price: U256) -> Result<U256, MathError> {
    let mut total = U256::ZERO;
    for kick in kicks {
        total = add(&total, &needed(kick, price)?)?;
    }
    Ok(total)
}

/// What a winning fill pays: `ceil(fill * price / RAY)`.
pub fn payment(fill: U256, price: U256) -> Result<U256, MathError> {
    mul_div_up(&fill, &price, &RAY)
}

/// One, the unit handed out by the rounding rules.
const ONE: U256 = U256::from_limbs([1, 0, 0, 0]);

// The helpers below take their numbers by reference and stay out of line: every inlined
// 256-bit operation, and every copy of a 256-bit argument, costs WASM bytes.

/// `(a * b mod 2^256, whether a * b >= 2^256)`: schoolbook multiplication on 64-bit limbs
/// with the loops kept (ruint's multiplication is unrolled, about 1 KB of WASM per copy). The
/// clearing and the batch auction house multiply only through this.
#[inline(never)]
pub fn overflowing_mul(a: &U256, b: &U256) -> (U256, bool) {
    let (x, y) = (a.as_limbs(), b.as_limbs());
    let mut out = [0u64; 4];
    let mut overflow = false;
    for (i, xi) in x.iter().enumerate() {
        let mut carry = 0u128;
        for (j, yj) in y.iter().enumerate() {
            // `xi * yj + carry + limb <= (2^64 - 1)^2 + 2 * (2^64 - 1) = 2^128 - 1`: no wrap.
            let product = u128::from(*xi)
                .wrapping_mul(u128::from(*yj))
                .wrapping_add(carry);
            // `i + j <= 6`.
            match out.get_mut(i.wrapping_add(j)) {
                Some(limb) => {
                    let sum = product.wrapping_add(u128::from(*limb));
                    // The low and the high 64 bits of `sum`.
                    *limb = sum as u64;
                    carry = sum >> 64;
                }
                None => {
                    // A term at 2^256 or above.
                    overflow |= product != 0;
                    carry = 0;
                }
            }
        }
        overflow |= carry != 0;
    }
    (U256::from_limbs(out), overflow)
}

/// `a * b`, or `Overflow` if it does not fit 256 bits ([`overflowing_mul`]).
pub fn mul(a: &U256, b: &U256) -> Result<U256, MathError> {
    match overflowing_mul(a, b) {
        (product, false) => Ok(product),
        (_, true) => Err(MathError::Overflow),
    }
}

/// `(floor(a * b / d), remainder != 0)`; the product must fit 256 bits (else `Overflow`).
#[inline(never)]
fn mul_div_rem(a: &U256, b: &U256, d: &U256) -> Result<(U256, bool), MathError> {
    let (quotient, remainder) = div_rem(mul(a, b)?, *d)?;
    Ok((quotient, !remainder.is_zero()))
}

/// `a + b`, or `Overflow` (the batch auction house adds through this too).
#[inline(never)]
pub fn add(a: &U256, b: &U256) -> Result<U256, MathError> {
    a.checked_add(*b).ok_or(MathError::Overflow)
}

/// `a - b`, or `Underflow` (the batch auction house subtracts through this too).
#[inline(never)]
pub fn sub(a: &U256, b: &U256) -> Result<U256, MathError> {
    a.checked_sub(*b).ok_or(MathError::Underflow)
}

/// `ceil(a * b / d)`; the product must fit 256 bits (else `Overflow`), `d` must not be zero
/// (else `DivisionByZero`).
#[inline(never)]
pub fn mul_div_up(a: &U256, b: &U256, d: &U256) -> Result<U256, MathError> {
    match mul_div_rem(a, b, d)? {
        (quotient, true) => add(&quotient, &ONE),
        (quotient, false) => Ok(quotient),
    }
}

/// Collateral bid `bid` receives under `clearing` (`0` for a losing or invalid bid).
///
/// Equal to what [`clear`] counted for this bid, so fills can be derived after settlement
/// from the bid alone.
pub fn fill(clearing: &Clearing, bid: &Bid) -> Result<U256, MathError> {
    let price = clearing.price;
    if price.is_zero() || bid.price < price {
        return Ok(U256::ZERO);
    }
    if bid.price > price {
        return Ok(bid.amount);
    }
    let (share, inexact) = mul_div_rem(&bid.amount, &clearing.margin_num, &clearing.margin_den)?;
    if inexact && u64::from(bid.index) < clearing.cutoff {
        return add(&share, &ONE);
    }
    Ok(share)
}

/// Whether `a` sorts after `b`: descending price, then ascending index.
fn after(a: &Bid, b: &Bid) -> bool {
    a.price < b.price || (a.price == b.price && a.index > b.index)
}

/// Heap sort into descending price, then ascending index (in place, no recursion).
#[inline(never)]
fn sort(bids: &mut [Bid]) {
    let len = bids.len();
    let mut start = len >> 1;
    while start > 0 {
        start = start.saturating_sub(1);
        sift_down(bids, start, len);
    }
    let mut end = len;
    while end > 1 {
        end = end.saturating_sub(1);
        // `end < len`.
        bids.swap(0, end);
        sift_down(bids, 0, end);
    }
}

/// Restores the heap property (parents sort after their children) below `root`, within
/// `bids[..end]`.
fn sift_down(bids: &mut [Bid], mut root: usize, end: usize) {
    loop {
        // `root < end <= len <= isize::MAX`: no saturation happens.
        let left = root.saturating_mul(2).saturating_add(1);
        let right = left.saturating_add(1);
        let mut child = left;
        if left >= end {
            return;
        }
        if right < end {
            if let (Some(r), Some(l)) = (bids.get(right), bids.get(left)) {
                if after(r, l) {
                    child = right;
                }
            }
        }
        match (bids.get(child), bids.get(root)) {
            (Some(c), Some(r)) if after(c, r) => {}
            _ => return,
        }
        // `root < child < end`.
        bids.swap(root, child);
        root = child;
    }
}

/// Clears a batch: sorts `bids` in place (descending price, then ascending index) and returns
/// the [`Clearing`] under the rule in the module docs. `reserve` (RAY) is the lowest valid
/// price; bids below it, and bids with price zero, are ignored.
///
/// The result does not depend on the order in which `bids` are given.
pub fn clear(bids: &mut [Bid], kicks: &[Kick], reserve: U256) -> Result<Clearing, MathError> {
    sort(bids);
    let floor = crate::max(reserve, ONE);
    let valid_count = bids.iter().take_while(|bid| bid.price >= floor).count();
    let valid = bids.get(..valid_count).unwrap_or(&[]);

    // Walk the groups of equal price from the top; `above` = D(above the group). The walk
    // stops at the marginal group: the first with D >= S, else the last (lowest) one.
    let mut above = U256::ZERO;
    let mut start = 0usize;
    let (end, price, num, den) = loop {
        let Some(first) = valid.get(start) else {
            // No valid bid.
            return Ok(Clearing::default());
        };
        let price = first.price;
        let mut end = start;
        let mut at = U256::ZERO;
        while let Some(bid) = valid.get(end) {
            if bid.price != price {
                break;
            }
            at = add(&at, &bid.amount)?;
            end = end.saturating_add(1);
        }
        let demand = add(&above, &at)?;
        let needed_here = supply(kicks, price)?;
        if demand >= needed_here {
            // `above < needed_here` (see the module docs), except with no supply at all.
            break (end, price, needed_here.saturating_sub(above), at);
        }
        if end >= valid_count {
            // Demand short everywhere: every valid bid fills at the lowest valid price.
            break (end, price, at, at);
        }
        above = demand;
        start = end;
    };

    // The margin: floors first, then one unit each to the first bids (by index) with a
    // remainder until the floors add up to `num` exactly.
    let group = valid.get(start..end).unwrap_or(&[]);
    let amounts: Vec<U256> = group.iter().map(|bid| bid.amount).collect();
    let (shares, last_extra) = apportion(&num, &den, &amounts)?;
    // `u32 + 1` always fits a `u64`.
    let cutoff = last_extra
        .and_then(|i| group.get(i))
        .map_or(0, |bid| u64::from(bid.index).saturating_add(1));
    // Bids above the margin fill completely; every winner pays for its fill.
    let mut paid = U256::ZERO;
    for bid in valid.get(..start).unwrap_or(&[]) {
        paid = add(&paid, &mul_div_up(&bid.amount, &price, &RAY)?)?;
    }
    for share in &shares {
        paid = add(&paid, &mul_div_up(share, &price, &RAY)?)?;
    }
    let sold = add(&above, &num)?;
    if sold.is_zero() {
        return Ok(Clearing::default());
    }
    Ok(Clearing {
        price,
        sold,
        margin_num: num,
        margin_den: den,
        cutoff,
        paid,
    })
}

/// Splits `clearing.sold` and `clearing.paid` among `kicks` (writes `sold` and `raised` of
/// each), exactly: `Σ sold == clearing.sold`, `Σ raised == clearing.paid`, and every kick
/// sells at most `needed(kick, price) <= lot`. See the module docs for the rule.
pub fn allocate(clearing: &Clearing, kicks: &mut [Kick]) -> Result<(), MathError> {
    let price = clearing.price;
    for kick in kicks.iter_mut() {
        kick.sold = U256::ZERO;
        kick.raised = U256::ZERO;
    }
    if price.is_zero() {
        return if clearing.sold.is_zero() && clearing.paid.is_zero() {
            Ok(())
        } else {
            Err(MathError::DivisionByZero)
        };
    }
    // Collateral, pro rata to what each kick needs at p*.
    let mut needs = Vec::with_capacity(kicks.len());
    let mut total = U256::ZERO;
    for kick in kicks.iter() {
        let need = needed(kick, price)?;
        total = add(&total, &need)?;
        needs.push(need);
    }
    if clearing.sold > total {
        return Err(MathError::Overflow);
    }
    let sold = split(&clearing.sold, &total, &needs)?;
    // Debt: each kick's own proceeds rounded down, then the premium pro rata to `sold`.
    let mut base = U256::ZERO;
    for (kick, part) in kicks.iter_mut().zip(&sold) {
        kick.sold = *part;
        kick.raised = mul_div_rem(part, &price, &RAY)?.0;
        base = add(&base, &kick.raised)?;
    }
    let premium = split(&sub(&clearing.paid, &base)?, &clearing.sold, &sold)?;
    for (kick, extra) in kicks.iter_mut().zip(&premium) {
        kick.raised = add(&kick.raised, extra)?;
    }
    Ok(())
}

/// [`apportion`] among kicks: `amount` in proportion to `weights` (Σ = `whole`). When `whole`
/// is zero there is nothing to hand out (`DivisionByZero` if `amount` is not zero either): no
/// shares are returned, and the kicks keep the zeros [`allocate`] starts them with.
fn split(amount: &U256, whole: &U256, weights: &[U256]) -> Result<Vec<U256>, MathError> {
    if whole.is_zero() {
        return if amount.is_zero() {
            Ok(Vec::new())
        } else {
            Err(MathError::DivisionByZero)
        };
    }
    Ok(apportion(amount, whole, weights)?.0)
}

/// Hands `amount` out in proportion to `weights` (`whole` = Σ weights): `floor(amount *
/// weight_i / whole)` each, plus one unit for the first shares (in order) that had a
/// remainder, until the shares add up to `amount` exactly (largest-remainder rounding).
/// Returns the shares and the position of the last share that got a unit.
///
/// The exact shares add up to `amount`, each floor loses less than one unit and only inexact
/// shares lose anything, so the units to hand out are fewer than the inexact shares and the
/// loop ends with nothing left (anything else would be a bug: `Underflow`, rather than over-
/// or under-allocating). When `amount <= whole`, every share is at most its weight.
#[inline(never)]
fn apportion(
    amount: &U256,
    whole: &U256,
    weights: &[U256],
) -> Result<(Vec<U256>, Option<usize>), MathError> {
    let mut floors = U256::ZERO;
    for weight in weights {
        floors = add(&floors, &mul_div_rem(amount, weight, whole)?.0)?;
    }
    let mut extra = sub(amount, &floors)?;
    let mut shares = Vec::with_capacity(weights.len());
    let mut last = None;
    for (i, weight) in weights.iter().enumerate() {
        let (mut share, inexact) = mul_div_rem(amount, weight, whole)?;
        if inexact && !extra.is_zero() {
            share = add(&share, &ONE)?;
            extra = sub(&extra, &ONE)?;
            last = Some(i);
        }
        shares.push(share);
    }
    if !extra.is_zero() {
        return Err(MathError::Underflow);
    }
    Ok((shares, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{mul_div, Rounding};
    use num_bigint::BigUint;
    use proptest::prelude::*;

    fn u(x: u128) -> U256 {
        U256::from(x)
    }

    fn big(x: U256) -> BigUint {
        BigUint::from_bytes_le(&x.to_le_bytes::<32>())
    }

    fn ray_price(num: u128, den: u128) -> U256 {
        mul_div(RAY, u(num), u(den), Rounding::Down).unwrap()
    }

    fn bid(index: u32, amount: u128, price: U256) -> Bid {
        Bid {
            price,
            amount: u(amount),
            index,
        }
    }

    /// Reference clearing price with big integers: the highest valid price with `D >= S`,
    /// else the lowest valid price; `None` without valid bids.
    fn reference_price(bids: &[Bid], kicks: &[Kick], reserve: U256) -> Option<(U256, bool)> {
        let floor = crate::max(reserve, u(1));
        let mut prices: Vec<U256> = bids
            .iter()
            .filter(|b| b.price >= floor)
            .map(|b| b.price)
            .collect();
        prices.sort();
        prices.dedup();
        prices.reverse();
        let ray = big(RAY);
        for p in &prices {
            let d: BigUint = bids
                .iter()
                .filter(|b| b.price >= *p)
                .map(|b| big(b.amount))
                .sum();
            let s: BigUint = kicks
                .iter()
                .map(|k| {
                    let c = (big(k.tab) * &ray + big(*p) - 1u8) / big(*p);
                    c.min(big(k.lot))
                })
                .sum();
            if d >= s {
                return Some((*p, true));
            }
        }
        prices.last().map(|p| (*p, false))
    }

    /// Checks every property of one clearing; returns the fills by bid index.
    fn check(bids_in: &[Bid], kicks_in: &[Kick], reserve: U256) -> (Clearing, Vec<U256>) {
        check_or_overflow(bids_in, kicks_in, reserve, false).unwrap()
    }

    /// [`check`], except that with `overflow_allowed` an `Overflow` error (and only that) is
    /// accepted instead of a result.
    fn check_or_overflow(
        bids_in: &[Bid],
        kicks_in: &[Kick],
        reserve: U256,
        overflow_allowed: bool,
    ) -> Option<(Clearing, Vec<U256>)> {
        let mut bids = bids_in.to_vec();
        let c = match clear(&mut bids, kicks_in, reserve) {
            Ok(c) => c,
            Err(MathError::Overflow) if overflow_allowed => return None,
            Err(e) => panic!("clear failed: {e:?}"),
        };
        let fills: Vec<U256> = bids_in.iter().map(|b| fill(&c, b).unwrap()).collect();
        let floor = crate::max(reserve, u(1));

        match reference_price(bids_in, kicks_in, reserve) {
            None => {
                assert_eq!(c, Clearing::default());
                assert!(fills.iter().all(|f| f.is_zero()));
            }
            Some((p, cleared)) => {
                assert_eq!(c.price, p, "clearing price");
                // Σ fills == sold <= S(p*) <= Σ lots.
                let total_fill: BigUint = fills.iter().map(|f| big(*f)).sum();
                assert_eq!(total_fill, big(c.sold), "Σ fills == sold");
                let s = supply(kicks_in, p).unwrap();
                assert!(c.sold <= s, "sold <= S(p*)");
                if cleared {
                    assert_eq!(c.sold, s, "cleared: sold == S(p*)");
                } else {
                    let valid: BigUint = bids_in
                        .iter()
                        .filter(|b| b.price >= floor)
                        .map(|b| big(b.amount))
                        .sum();
                    assert_eq!(big(c.sold), valid, "short: every valid bid fills");
                }
            }
        }
        let mut paid = U256::ZERO;
        for (b, f) in bids_in.iter().zip(&fills) {
            // No over-allocation; losers and invalid bids get nothing.
            assert!(*f <= b.amount, "fill <= amount");
            if b.price < floor || b.price < c.price || c.price.is_zero() {
                assert!(f.is_zero(), "bid below p* or reserve fills nothing");
            }
            if !c.price.is_zero() && b.price > c.price {
                assert_eq!(*f, b.amount, "bid above p* fills completely");
            }
            // Uniform price: every winner pays ceil(fill * p* / RAY), at most its own limit.
            let pay = payment(*f, c.price).unwrap();
            let limit = (big(b.amount) * big(b.price) + big(RAY) - 1u8) / big(RAY);
            assert!(big(pay) <= limit, "payment <= ceil(amount * price / RAY)");
            paid += pay;
            // Marginal fills are within one unit of the exact pro-rata share.
            if !c.price.is_zero() && b.price == c.price {
                let exact_num = big(b.amount) * big(c.margin_num);
                let lo = &exact_num / big(c.margin_den);
                assert!(
                    big(*f) == lo || big(*f) == &lo + 1u8,
                    "marginal fill is pro rata"
                );
            }
        }
        assert_eq!(paid, c.paid, "paid == Σ payments");
        // Every winning price >= every losing price.
        for (wb, wf) in bids_in.iter().zip(&fills) {
            if wf.is_zero() {
                continue;
            }
            for (lb, lf) in bids_in.iter().zip(&fills) {
                if lb.price >= floor && *lf < lb.amount {
                    assert!(wb.price >= lb.price, "winner {wb:?} below loser {lb:?}");
                }
            }
        }
        // Exact split among kicks.
        let mut kicks = kicks_in.to_vec();
        match allocate(&c, &mut kicks) {
            Ok(()) => {}
            Err(MathError::Overflow) if overflow_allowed => return None,
            Err(e) => panic!("allocate failed: {e:?}"),
        }
        let sold: BigUint = kicks.iter().map(|k| big(k.sold)).sum();
        let raised: BigUint = kicks.iter().map(|k| big(k.raised)).sum();
        assert_eq!(sold, big(c.sold), "Σ kick sold == sold");
        assert_eq!(raised, big(c.paid), "Σ kick raised == paid");
        for k in &kicks {
            if c.price.is_zero() {
                assert!(k.sold.is_zero() && k.raised.is_zero());
                continue;
            }
            let need = needed(k, c.price).unwrap();
            assert!(
                k.sold <= need && need <= k.lot,
                "kick sells at most c(p*) <= lot"
            );
            if c.sold == supply(kicks_in, c.price).unwrap() {
                assert_eq!(k.sold, need, "cleared: each kick sells c(p*)");
                if mul_div(k.tab, RAY, c.price, Rounding::Up).unwrap() <= k.lot {
                    assert!(k.raised >= k.tab, "a covered tab is raised in full");
                }
            }
            // Each kick raises at least its own proceeds rounded down.
            let own = mul_div(k.sold, c.price, RAY, Rounding::Down).unwrap();
            assert!(
                k.raised >= own,
                "kick raises at least floor(sold * p / RAY)"
            );
        }
        Some((c, fills))
    }

    #[test]
    fn textbook_uniform_price() {
        // One kick: 100 collateral for a tab of 1,000 at any price >= 10 (then it needs
        // ceil(1000 / p) units). Prices are debt per collateral, in RAY.
        let kicks = [Kick::new(u(1_000), u(100))];
        let bids = [
            bid(0, 40, ray_price(20, 1)),
            bid(1, 30, ray_price(15, 1)),
            bid(2, 50, ray_price(12, 1)),
            bid(3, 80, ray_price(11, 1)),
        ];
        // p = 20: D 40, S 50. p = 15: D 70, S 67 -> clears at 15.
        let (c, fills) = check(&bids, &kicks, U256::ZERO);
        assert_eq!(c.price, ray_price(15, 1));
        assert_eq!(c.sold, u(67));
        assert_eq!(fills, vec![u(40), u(27), u(0), u(0)]);
        assert_eq!(c.paid, u(67 * 15));
    }

    #[test]
    fn ties_share_pro_rata_and_exactly() {
        let kicks = [Kick::new(u(10_000), u(10))];
        // Three bids at the same price share 10 units: 10 * 1/3 each, floors 3+3+3, one extra.
        let p = ray_price(5_000, 1);
        let bids = [bid(7, 1, p), bid(2, 1, p), bid(5, 1, p)];
        let (c, fills) = check(&bids, &kicks, U256::ZERO);
        assert_eq!(c.price, p);
        assert_eq!(c.sold, u(2)); // ceil(10000 / 5000) = 2 needed; demand 3
                                  // 2 units among three bids of 1: floors 0, two extras by index: 2 and 5.
        assert_eq!(fills, vec![u(0), u(1), u(1)]);
        assert_eq!(c.cutoff, 6);
    }

    #[test]
    fn demand_short_fills_everyone_at_the_lowest_price() {
        let kicks = [
            Kick::new(u(1_000_000), u(1_000)),
            Kick::new(u(1_000_000), u(3_000)),
        ];
        let bids = [
            bid(0, 100, ray_price(300, 1)),
            bid(1, 50, ray_price(200, 1)),
        ];
        let (c, fills) = check(&bids, &kicks, U256::ZERO);
        assert_eq!(c.price, ray_price(200, 1));
        assert_eq!(fills, vec![u(100), u(50)]);
        let mut k = kicks.to_vec();
        allocate(&c, &mut k).unwrap();
        // Pro rata to c_i(200) = (1000, 3000): 37.5 / 112.5 -> 37 + 1 extra to the first, 112.
        assert_eq!((k[0].sold, k[1].sold), (u(38), u(112)));
        assert_eq!(k[0].raised + k[1].raised, u(150 * 200));
    }

    #[test]
    fn everything_below_reserve_sells_nothing() {
        let kicks = [Kick::new(u(1_000), u(100))];
        let bids = [bid(0, 100, ray_price(9, 1)), bid(1, 100, ray_price(5, 1))];
        let (c, fills) = check(&bids, &kicks, ray_price(10, 1));
        assert_eq!(c, Clearing::default());
        assert!(fills.iter().all(|f| f.is_zero()));
        let mut k = kicks.to_vec();
        allocate(&c, &mut k).unwrap();
        assert_eq!((k[0].sold, k[0].raised), (U256::ZERO, U256::ZERO));
    }

    #[test]
    fn no_bids_and_no_kicks() {
        assert_eq!(
            clear(&mut [], &[Kick::new(u(1), u(1))], U256::ZERO).unwrap(),
            Clearing::default()
        );
        let mut bids = [bid(0, 5, RAY)];
        assert_eq!(
            clear(&mut bids, &[], U256::ZERO).unwrap(),
            Clearing::default()
        );
        // A zero price is never valid, even without a reserve.
        let mut bids = [bid(0, 5, U256::ZERO)];
        assert_eq!(
            clear(&mut bids, &[Kick::new(u(1), u(1))], U256::ZERO).unwrap(),
            Clearing::default()
        );
    }

    #[test]
    fn payment_rounding_premium_is_shared_by_the_kicks() {
        // Price 1/3 debt per unit: payments round up per bid; the kicks share the total.
        let p = ray_price(1, 3);
        let kicks = [Kick::new(u(1), u(5)), Kick::new(u(1), u(5))];
        let bids = [
            bid(0, 1, p),
            bid(1, 1, p),
            bid(2, 1, p),
            bid(3, 1, p),
            bid(4, 1, p),
            bid(5, 1, p),
        ];
        let (c, _) = check(&bids, &kicks, U256::ZERO);
        // Each kick needs ceil(1 / p) = 4 units (p is RAY / 3 rounded down); demand is short.
        assert_eq!(c.sold, u(6));
        assert_eq!(c.paid, u(6)); // each bid pays ceil(1/3) = 1
        let mut k = kicks.to_vec();
        allocate(&c, &mut k).unwrap();
        // floor(3 * p / RAY) = 0 each; the premium is shared in proportion to what was sold.
        assert_eq!((k[0].sold, k[1].sold), (u(3), u(3)));
        assert_eq!((k[0].raised, k[1].raised), (u(3), u(3)));
    }

    // ----------------------------------------------------------------------- properties

    /// A whole case: bids, kicks and reserve. Half the cases use small numbers and a handful
    /// of prices (ties, margins, remainders and short demand are common), the rest any size.
    fn case_strategy() -> impl Strategy<Value = (Vec<Bid>, Vec<Kick>, U256)> {
        let small = (
            prop::collection::vec(
                ((1u128..=12).prop_map(|k| ray_price(k, 4)), 1u128..=50),
                0..40,
            ),
            prop::collection::vec((1u128..=400, 1u128..=200), 1..6),
            prop_oneof![Just(U256::ZERO), (1u128..=12).prop_map(|k| ray_price(k, 4))],
        );
        let price = prop_oneof![
            (1u128..=8).prop_map(|k| ray_price(k * 125, 100)),
            (1u128..=u64::MAX as u128).prop_map(U256::from),
            (1u128..=1_000_000).prop_map(|n| ray_price(n, 1_000)),
        ];
        let amount = prop_oneof![1u128..=20, 1u128..=1_000_000, 1u128..=u128::MAX];
        // Five lots of at most 2^125 stay below 2^128 together (the documented bound).
        let tab = prop_oneof![1u128..=100, 1u128..=10_000_000, 1u128..=u128::MAX];
        let lot = prop_oneof![1u128..=100, 1u128..=10_000_000, 1u128..=(1u128 << 125)];
        let wide = (
            prop::collection::vec((price.clone(), amount), 0..40),
            prop::collection::vec((tab, lot), 1..6),
            prop_oneof![Just(U256::ZERO), price],
        );
        prop_oneof![small, wide].prop_map(|(raw_bids, raw_kicks, reserve)| {
            let bids = raw_bids
                .into_iter()
                .enumerate()
                .map(|(i, (price, amount))| bid(i as u32 * 3 + 1, amount, price))
                .collect();
            let kicks = raw_kicks
                .into_iter()
                .map(|(tab, lot)| Kick::new(u(tab), u(lot)))
                .collect();
            (bids, kicks, reserve)
        })
    }

    /// Cases beyond the documented bounds: huge lots, prices and amounts.
    fn unbounded_strategy() -> impl Strategy<Value = (Vec<Bid>, Vec<Kick>, U256)> {
        let price = prop_oneof![
            (1u128..=u128::MAX).prop_map(|p| U256::from(p) << 100usize),
            (1u128..=8).prop_map(|k| ray_price(k * 125, 100)),
        ];
        (
            prop::collection::vec((price.clone(), 1u128..=u128::MAX), 0..20),
            prop::collection::vec((1u128..=u128::MAX, 1u128..=u128::MAX), 1..6),
            prop_oneof![Just(U256::ZERO), price],
        )
            .prop_map(|(raw_bids, raw_kicks, reserve)| {
                let bids = raw_bids
                    .into_iter()
                    .enumerate()
                    .map(|(i, (price, amount))| bid(i as u32, amount, price))
                    .collect();
                let kicks = raw_kicks
                    .into_iter()
                    .map(|(tab, lot)| Kick::new(u(tab), u(lot)))
                    .collect();
                (bids, kicks, reserve)
            })
    }

    /// A number from base-2^32 digits drawn from values that stress the quotient estimate.
    fn stress_u256() -> impl Strategy<Value = U256> {
        let digit = prop_oneof![
            Just(0u32),
            Just(1u32),
            Just(0x7FFF_FFFFu32),
            Just(0x8000_0000u32),
            Just(0xFFFF_FFFEu32),
            Just(0xFFFF_FFFFu32),
            any::<u32>(),
        ];
        (prop::collection::vec(digit, 8), 0usize..=8).prop_map(|(d, len)| {
            let mut out = [0u32; 8];
            for (slot, x) in out.iter_mut().zip(d).take(len) {
                *slot = x;
            }
            undigits(&out)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn overflowing_mul_matches_ruint(a in stress_u256(), b in stress_u256()) {
            prop_assert_eq!(overflowing_mul(&a, &b), a.overflowing_mul(b));
            prop_assert_eq!(mul(&a, &b), a.checked_mul(b).ok_or(MathError::Overflow));
        }
    }

    #[test]
    fn public_helpers_round_and_check() {
        assert_eq!(mul_div_up(&u(7), &u(3), &u(2)), Ok(u(11)));
        assert_eq!(mul_div_up(&u(8), &u(3), &u(2)), Ok(u(12)));
        assert_eq!(
            mul_div_up(&u(1), &u(1), &U256::ZERO),
            Err(MathError::DivisionByZero)
        );
        assert_eq!(
            mul_div_up(&U256::MAX, &u(2), &u(2)),
            Err(MathError::Overflow)
        );
        assert_eq!(add(&U256::MAX, &u(1)), Err(MathError::Overflow));
        assert_eq!(add(&u(2), &u(3)), Ok(u(5)));
        assert_eq!(sub(&u(2), &u(3)), Err(MathError::Underflow));
        assert_eq!(sub(&u(3), &u(2)), Ok(u(1)));
        assert_eq!(mul(&U256::MAX, &u(2)), Err(MathError::Overflow));
    }

    #[test]
    fn kicks_that_need_nothing_get_nothing() {
        // Kicks with nothing to sell: Σ needed is zero, so nothing can be split among them.
        let kicks = [Kick::new(u(5), U256::ZERO), Kick::new(u(7), U256::ZERO)];
        let price = ray_price(2, 1);
        let mut k = kicks.to_vec();
        let nothing = Clearing {
            price,
            ..Clearing::default()
        };
        assert_eq!(allocate(&nothing, &mut k), Ok(()));
        assert!(k
            .iter()
            .all(|kick| kick.sold.is_zero() && kick.raised.is_zero()));
        let paid = Clearing {
            price,
            paid: u(1),
            ..Clearing::default()
        };
        assert_eq!(allocate(&paid, &mut k), Err(MathError::DivisionByZero));
        let sold = Clearing {
            price,
            sold: u(1),
            ..Clearing::default()
        };
        assert_eq!(allocate(&sold, &mut k), Err(MathError::Overflow));
    }

    #[test]
    fn overflowing_mul_edge_cases() {
        let cases = [
            (U256::MAX, U256::MAX),
            (U256::MAX, u(1)),
            (U256::MAX, u(2)),
            (U256::from(1u8) << 128usize, U256::from(1u8) << 128usize),
            (
                U256::from(1u8) << 128usize,
                (U256::from(1u8) << 128usize) - u(1),
            ),
            (U256::from(1u8) << 255usize, u(2)),
            (u(u128::MAX), u(u128::MAX)),
            (RAY, RAY),
            (U256::ZERO, U256::MAX),
        ];
        for (a, b) in cases {
            assert_eq!(overflowing_mul(&a, &b), a.overflowing_mul(b), "{a} * {b}");
            assert_eq!(overflowing_mul(&b, &a), b.overflowing_mul(a), "{b} * {a}");
        }
    }

    #[test]
    fn div_rem_edge_cases() {
        let cases = [
            (U256::MAX, U256::MAX),
            (U256::MAX, u(1)),
            (U256::MAX, u(u128::MAX)),
            (U256::MAX, U256::from(1u8) << 255usize),
            (U256::MAX - u(1), U256::MAX),
            (RAY * RAY, RAY),
            (
                u(0x7FFF_8000_0000_0000) << 64usize,
                u(0x8000_0000_0001) << 32usize,
            ),
            (
                u(0x8000_0000_0000_0000_0000_0000_0000_0000) << 100usize,
                u(0xFFFF_FFFF_0000_0001),
            ),
            (U256::ZERO, u(3)),
            (u(5), u(7)),
        ];
        for (a, b) in cases {
            assert_eq!(div_rem(a, b), Ok(a.div_rem(b)), "{a} / {b}");
        }
        assert_eq!(div_rem(u(1), U256::ZERO), Err(MathError::DivisionByZero));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn div_rem_matches_ruint(a in stress_u256(), b in stress_u256()) {
            if b.is_zero() {
                prop_assert_eq!(div_rem(a, b), Err(MathError::DivisionByZero));
            } else {
                prop_assert_eq!(div_rem(a, b), Ok(a.div_rem(b)));
            }
        }
    }

    #[test]
    fn beyond_the_bounds_is_an_error_not_a_wrong_result() {
        // Σ lots above 2^128: the marginal product overflows 256 bits.
        let kicks = [
            Kick::new(u(u128::MAX), u(u128::MAX)),
            Kick::new(u(u128::MAX), u(u128::MAX)),
        ];
        let mut bids = [
            bid(0, u128::MAX, RAY),
            bid(1, u128::MAX, RAY),
            bid(2, u128::MAX, RAY),
        ];
        assert_eq!(
            clear(&mut bids, &kicks, U256::ZERO),
            Err(MathError::Overflow)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        #[test]
        fn unbounded_inputs_are_correct_or_overflow((bids, kicks, reserve) in unbounded_strategy()) {
            check_or_overflow(&bids, &kicks, reserve, true);
        }

        #[test]
        fn clearing_properties((bids, kicks, reserve) in case_strategy()) {
            check(&bids, &kicks, reserve);
        }

        #[test]
        fn independent_of_bid_order((bids, kicks, reserve) in case_strategy(), seed in any::<u64>()) {
            let (c, fills) = check(&bids, &kicks, reserve);
            // A deterministic shuffle from the seed.
            let mut shuffled = bids.clone();
            let mut state = seed | 1;
            for i in (1..shuffled.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                shuffled.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let (c2, _) = check(&shuffled, &kicks, reserve);
            prop_assert_eq!(c, c2);
            for (b, f) in bids.iter().zip(&fills) {
                prop_assert_eq!(fill(&c2, b).unwrap(), *f);
            }
        }
    }
}

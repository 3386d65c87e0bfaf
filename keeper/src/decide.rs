//! The keeper's decisions as pure functions: what the chain says (an auction's status, a
//! batch's terms) plus the keeper's own view (a reference price, margins, budget, gas cost)
//! in, an action or a reason to skip out. No I/O here; everything is unit-tested.
//!
//! Units follow the houses: prices in RAY (debt base units per collateral base unit times
//! 10^27), `tab`, `owe`, budgets, gas costs and incentives in debt-token base units, `lot`,
//! `amount` in collateral base units, margins in basis points.

use alloy::primitives::U256;

use crate::math::{less_bps, mul_div, Rounding, RAY, WAD};

/// What `getStatus(id)` returned, plus the dust the sale snapshotted (`snapshot(id).7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaleStatus {
    pub needs_redo: bool,
    /// Current price (RAY).
    pub price: U256,
    pub lot: U256,
    pub tab: U256,
    /// The sale's dust (debt base units): a partial take must leave at least this much tab.
    pub dust: U256,
}

/// The keeper's limits for Dutch takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TakePolicy {
    /// The keeper buys only at or below `reference * (1 - margin)`.
    pub margin_bps: u32,
    /// At most this many debt tokens per take.
    pub budget: U256,
    /// Estimated cost of the take transaction, in debt base units.
    pub gas_cost: U256,
    /// Minimum expected profit after gas, in debt base units.
    pub min_profit: U256,
}

/// Why the keeper does not act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The sale is not running (`getStatus` returned zeros).
    NotRunning,
    /// The sale must be redone before anyone can take it.
    NeedsRedo,
    /// The price is above the keeper's limit.
    TooExpensive { price: U256, limit: U256 },
    /// The budget buys nothing at this price.
    BudgetTooSmall,
    /// A partial take would leave less than `dust` of tab with `tab <= dust`, and the whole
    /// lot costs more than the budget (`NoPartialPurchase` on chain).
    DustRule { tab: U256, dust: U256 },
    /// The expected profit after gas is below the minimum.
    Unprofitable { value: U256, cost: U256 },
    /// A redo would not pay the keeper enough to cover gas.
    IncentiveTooSmall { incentive: U256, gas_cost: U256 },
    /// The sale does not need a redo.
    NoRedoNeeded,
    /// The bid price rounds to zero on the price grid.
    PriceBelowGrid,
    /// The keeper's bid price is below the batch's reserve estimate.
    BelowReserve { price: U256, reserve: U256 },
    /// The bid amount is below the batch's `minBid` (or there is nothing to buy).
    AmountTooSmall { amount: U256, min_bid: U256 },
    /// An intermediate value does not fit in 256 bits.
    Overflow,
}

/// A Dutch take: call `take(id, amt, max, who, data)`. `owe` and `slice` are what it buys at
/// the price seen now (the price only falls until a redo, so on chain it costs at most this).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Take {
    pub amt: U256,
    /// The highest price the keeper accepts (RAY): the price seen now. A redo that raises the
    /// price before the take lands makes it revert (`TooExpensive`) instead of overpaying.
    pub max: U256,
    pub owe: U256,
    pub slice: U256,
    /// `slice * reference - owe - gas_cost`, debt base units.
    pub profit: U256,
}

/// The Dutch house's purchase rule (Clipper's, rounding towards the protocol): `(owe, slice)`
/// bought by `take(amt)` at `price` from a sale with `tab`, `lot` and `dust`, or `None` if
/// the house would refuse a partial purchase (`NoPartialPurchase`) or buy nothing.
///
/// `slice = min(lot, amt)`, `owe = ceil(slice * price / RAY)`; if `owe > tab` then `owe = tab`,
/// `slice = floor(tab * RAY / price)`; else if a partial purchase would leave less than `dust`
/// of tab: refused when `tab <= dust`, otherwise `owe = tab - dust`,
/// `slice = floor(owe * RAY / price)`.
pub fn purchase(tab: U256, lot: U256, dust: U256, amt: U256, price: U256) -> Option<(U256, U256)> {
    if price.is_zero() {
        return None;
    }
    let mut slice = amt.min(lot);
    let full = mul_div(slice, price, RAY, Rounding::Up)?;
    let mut owe = tab;
    if full > tab {
        slice = mul_div(tab, RAY, price, Rounding::Down)?;
    } else {
        owe = full;
        if owe < tab && slice < lot && tab - owe < dust {
            if tab <= dust {
                return None;
            }
            owe = tab - dust;
            slice = mul_div(owe, RAY, price, Rounding::Down)?;
        }
    }
    (!owe.is_zero()).then_some((owe, slice))
}

/// Whether and how much to take from a Dutch sale, given the keeper's reference price (RAY)
/// for the collateral.
pub fn decide_take(
    status: &SaleStatus,
    reference: U256,
    policy: &TakePolicy,
) -> Result<Take, Skip> {
    if status.lot.is_zero() || status.tab.is_zero() || status.price.is_zero() {
        return Err(Skip::NotRunning);
    }
    if status.needs_redo {
        return Err(Skip::NeedsRedo);
    }
    let limit = less_bps(reference, policy.margin_bps).ok_or(Skip::Overflow)?;
    if status.price > limit {
        return Err(Skip::TooExpensive {
            price: status.price,
            limit,
        });
    }
    // Collateral the budget pays for at this price: ceil(amt * price / RAY) <= budget.
    let affordable =
        mul_div(policy.budget, RAY, status.price, Rounding::Down).ok_or(Skip::Overflow)?;
    let mut amt = status.lot.min(affordable);
    if amt.is_zero() {
        return Err(Skip::BudgetTooSmall);
    }
    let (owe, slice) = match purchase(status.tab, status.lot, status.dust, amt, status.price) {
        Some(bought) => bought,
        None => {
            // Only the whole lot may be bought (or the budget buys nothing): try that.
            let whole = purchase(
                status.tab,
                status.lot,
                status.dust,
                status.lot,
                status.price,
            )
            .filter(|(owe, _)| *owe <= policy.budget);
            match whole {
                Some(bought) => {
                    amt = status.lot;
                    bought
                }
                None if status.tab <= status.dust => {
                    return Err(Skip::DustRule {
                        tab: status.tab,
                        dust: status.dust,
                    })
                }
                None => return Err(Skip::BudgetTooSmall),
            }
        }
    };
    let value = mul_div(slice, reference, RAY, Rounding::Down).ok_or(Skip::Overflow)?;
    let cost = owe
        .checked_add(policy.gas_cost)
        .and_then(|c| c.checked_add(policy.min_profit))
        .ok_or(Skip::Overflow)?;
    if value < cost {
        return Err(Skip::Unprofitable {
            value,
            cost: owe + policy.gas_cost,
        });
    }
    let profit = value - owe - policy.gas_cost;
    Ok(Take {
        amt,
        max: status.price,
        owe,
        slice,
        profit,
    })
}

/// The Dutch house's incentive parameters (`tip()`, `chip()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incentive {
    /// Flat incentive, debt base units.
    pub tip: U256,
    /// Proportional incentive, WAD fraction of the tab.
    pub chip: U256,
}

/// The keeper's limits for redos.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RedoPolicy {
    /// Estimated cost of the redo transaction, debt base units.
    pub gas_cost: U256,
    /// Minimum incentive left after gas.
    pub min_profit: U256,
    /// Redo even when the incentive does not pay for gas (a protocol operator's keeper).
    pub always: bool,
}

/// What `redo` would pay the keeper: `tip + chip * tab / WAD`, but only when
/// `tab >= dust` and `lot * price >= dust` (Clipper's rule; the house values the lot at the
/// oracle price, estimated here by the reference price).
pub fn redo_incentive(status: &SaleStatus, reference: U256, incentive: &Incentive) -> Option<U256> {
    if status.tab < status.dust {
        return Some(U256::ZERO);
    }
    let value = mul_div(status.lot, reference, RAY, Rounding::Down)?;
    if value < status.dust {
        return Some(U256::ZERO);
    }
    incentive
        .tip
        .checked_add(mul_div(status.tab, incentive.chip, WAD, Rounding::Down)?)
}

/// Whether to `redo` a sale: it needs one and the incentive pays for the gas (or the policy
/// says always). Returns the expected incentive.
pub fn decide_redo(
    status: &SaleStatus,
    reference: U256,
    incentive: &Incentive,
    policy: &RedoPolicy,
) -> Result<U256, Skip> {
    if status.lot.is_zero() || status.tab.is_zero() {
        return Err(Skip::NotRunning);
    }
    if !status.needs_redo {
        return Err(Skip::NoRedoNeeded);
    }
    let coin = redo_incentive(status, reference, incentive).ok_or(Skip::Overflow)?;
    let needed = policy
        .gas_cost
        .checked_add(policy.min_profit)
        .ok_or(Skip::Overflow)?;
    if policy.always || coin >= needed {
        Ok(coin)
    } else {
        Err(Skip::IncentiveTooSmall {
            incentive: coin,
            gas_cost: policy.gas_cost,
        })
    }
}

/// What a batch snapshotted (`batchTerms`, `batch`) and the house's price grid (`config().6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchTerms {
    pub bond: U256,
    pub min_bid: U256,
    /// Reserve as a RAY fraction of the oracle price at settlement.
    pub reserve: U256,
    /// Collateral for sale in the batch.
    pub total_lot: U256,
    /// Bid prices must be positive multiples of this (RAY).
    pub price_unit: U256,
}

/// The keeper's limits for batch bids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BidPolicy {
    /// Bid at `valuation * (1 - margin)`.
    pub margin_bps: u32,
    /// At most this many debt tokens escrowed per batch.
    pub budget: U256,
    /// At most this much collateral per batch (0: no limit beyond the lot).
    pub max_amount: U256,
    /// Estimated cost of approve + commit + reveal + claim, debt base units.
    pub gas_cost: U256,
    /// Minimum expected profit after gas if the bid fills completely at its own price.
    pub min_profit: U256,
}

/// A sealed bid: commit `keccak256(abi.encode(batchId, bidder, amount, price, salt))` with
/// `deposit`, reveal `(amount, price, salt)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bid {
    pub amount: U256,
    /// RAY, a positive multiple of the batch's price unit.
    pub price: U256,
    /// `max(bond, ceil(amount * price / RAY))`.
    pub deposit: U256,
}

/// The bid for a batch from the keeper's valuation (RAY) of the collateral.
///
/// The price is the valuation less the margin, rounded down to the grid; bids under the
/// reserve estimate (`reserve * valuation`, the valuation standing in for the oracle) are
/// skipped, as they cannot fill. The amount is the lot, capped by `max_amount` and by what the
/// budget pays for; the deposit covers `amount * price` (rounded up, as the house checks) and
/// at least the bond. The worst case is a full fill at the bid's own price (a uniform
/// clearing price is never above it), so profit is measured there.
pub fn decide_bid(valuation: U256, terms: &BatchTerms, policy: &BidPolicy) -> Result<Bid, Skip> {
    if terms.price_unit.is_zero() {
        return Err(Skip::PriceBelowGrid);
    }
    let limit = less_bps(valuation, policy.margin_bps).ok_or(Skip::Overflow)?;
    let price = limit - limit % terms.price_unit;
    if price.is_zero() {
        return Err(Skip::PriceBelowGrid);
    }
    let reserve = mul_div(valuation, terms.reserve, RAY, Rounding::Up).ok_or(Skip::Overflow)?;
    if price < reserve {
        return Err(Skip::BelowReserve { price, reserve });
    }
    let affordable = mul_div(policy.budget, RAY, price, Rounding::Down).ok_or(Skip::Overflow)?;
    let mut amount = terms.total_lot.min(affordable);
    if !policy.max_amount.is_zero() {
        amount = amount.min(policy.max_amount);
    }
    let min_bid = terms.min_bid.max(U256::from(1u8));
    if amount < min_bid {
        return Err(Skip::AmountTooSmall { amount, min_bid });
    }
    let pay = mul_div(amount, price, RAY, Rounding::Up).ok_or(Skip::Overflow)?;
    let deposit = pay.max(terms.bond);
    if deposit > policy.budget {
        return Err(Skip::BudgetTooSmall);
    }
    let value = mul_div(amount, valuation, RAY, Rounding::Down).ok_or(Skip::Overflow)?;
    let cost = pay
        .checked_add(policy.gas_cost)
        .and_then(|c| c.checked_add(policy.min_profit))
        .ok_or(Skip::Overflow)?;
    if value < cost {
        return Err(Skip::Unprofitable {
            value,
            cost: pay + policy.gas_cost,
        });
    }
    Ok(Bid {
        amount,
        price,
        deposit,
    })
}

/// Gas cost in debt base units: `gas * gas_price (wei) * native_price / RAY`, where
/// `native_price` is debt base units per wei times RAY (the keeper's configured exchange rate
/// for the chain's native token), rounded up so that the keeper never underestimates.
pub fn gas_cost(gas: u64, gas_price_wei: u128, native_price: U256) -> Option<U256> {
    let wei = U256::from(gas).checked_mul(U256::from(gas_price_wei))?;
    mul_div(wei, native_price, RAY, Rounding::Up)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(x: u128) -> U256 {
        U256::from(x)
    }
    /// `x` whole units of an 18-decimal token.
    fn e18(x: u128) -> U256 {
        u(x) * u(1_000_000_000_000_000_000)
    }
    /// A price of `x` debt tokens per collateral token (same decimals), RAY.
    fn price(x: u128) -> U256 {
        u(x) * RAY
    }

    fn policy() -> TakePolicy {
        TakePolicy {
            margin_bps: 200,
            budget: e18(1_000_000),
            gas_cost: e18(1),
            min_profit: U256::ZERO,
        }
    }

    fn running(price_now: U256, lot: U256, tab: U256) -> SaleStatus {
        SaleStatus {
            needs_redo: false,
            price: price_now,
            lot,
            tab,
            dust: e18(100),
        }
    }

    #[test]
    fn purchase_matches_the_house_rules() {
        // Whole lot cheaper than the tab: owe = ceil(lot * price).
        assert_eq!(
            purchase(e18(5000), e18(2), U256::ZERO, e18(2), price(2000)),
            Some((e18(4000), e18(2)))
        );
        // More than the tab: owe is cut to the tab and the slice to floor(tab / price).
        assert_eq!(
            purchase(e18(3000), e18(2), U256::ZERO, e18(2), price(2000)),
            Some((e18(3000), e18(3) / u(2)))
        );
        // A partial take leaving less than dust is cut to leave exactly dust.
        let (owe, slice) = purchase(e18(3000), e18(2), e18(1500), e18(1), price(2000)).unwrap();
        assert_eq!(owe, e18(1500));
        assert_eq!(slice, e18(3) / u(4));
        // ... and refused when the tab itself is at most dust.
        assert_eq!(
            purchase(e18(3000), e18(2), e18(3000), e18(1), price(2000)),
            None
        );
        // The whole lot is always allowed.
        assert!(purchase(e18(3000), e18(2), e18(3000), e18(2), price(2000)).is_some());
        // Rounding towards the protocol: 1 wei of collateral at 1.5 wei costs 2.
        assert_eq!(
            purchase(u(10), u(10), U256::ZERO, u(1), RAY * u(3) / u(2)),
            Some((u(2), u(1)))
        );
        // Nothing bought, nothing owed: refused (ZeroAmount).
        assert_eq!(purchase(u(10), u(10), U256::ZERO, U256::ZERO, RAY), None);
    }

    #[test]
    fn takes_when_the_price_is_below_reference_less_margin_and_gas() {
        let status = running(price(1900), e18(10), e18(50_000));
        let take = decide_take(&status, price(2000), &policy()).unwrap();
        assert_eq!(take.amt, e18(10));
        assert_eq!(take.max, price(1900));
        assert_eq!(take.owe, e18(19_000));
        assert_eq!(take.slice, e18(10));
        // 10 * 2000 - 19000 - 1 (gas)
        assert_eq!(take.profit, e18(999));
    }

    #[test]
    fn skips_above_the_limit_by_one_unit() {
        // Limit = 2000 * 0.98 = 1960.
        let at = running(price(1960), e18(1), e18(50_000));
        assert!(decide_take(&at, price(2000), &policy()).is_ok());
        let above = running(price(1960) + u(1), e18(1), e18(50_000));
        assert_eq!(
            decide_take(&above, price(2000), &policy()),
            Err(Skip::TooExpensive {
                price: price(1960) + u(1),
                limit: price(1960)
            })
        );
    }

    #[test]
    fn gas_can_make_a_take_unprofitable() {
        let status = running(price(1960), e18(1), e18(50_000));
        let mut p = policy();
        p.gas_cost = e18(40); // value 2000, owe 1960: 40 of margin
        assert!(decide_take(&status, price(2000), &p).is_ok());
        p.gas_cost = e18(40) + u(1);
        assert!(matches!(
            decide_take(&status, price(2000), &p),
            Err(Skip::Unprofitable { .. })
        ));
        p.gas_cost = e18(30);
        p.min_profit = e18(10) + u(1);
        assert!(matches!(
            decide_take(&status, price(2000), &p),
            Err(Skip::Unprofitable { .. })
        ));
    }

    #[test]
    fn the_budget_caps_the_amount_and_the_owe() {
        let status = running(price(1000), e18(100), e18(1_000_000));
        let mut p = policy();
        p.budget = e18(25_000);
        let take = decide_take(&status, price(2000), &p).unwrap();
        assert_eq!(take.amt, e18(25));
        assert!(take.owe <= p.budget);
        p.budget = u(999); // less than one base unit of collateral costs (1000 wei)
        assert_eq!(
            decide_take(&status, price(2000), &p),
            Err(Skip::BudgetTooSmall)
        );
    }

    #[test]
    fn dust_rule_forces_the_whole_lot_or_a_skip() {
        // tab 150 <= dust 200: partial purchases are refused; the whole lot (2 at 50 = 100)
        // must be bought.
        let mut status = running(price(50), e18(2), e18(150));
        status.dust = e18(200);
        let mut p = policy();
        p.budget = e18(100);
        let take = decide_take(&status, price(100), &p).unwrap();
        assert_eq!((take.amt, take.owe, take.slice), (e18(2), e18(100), e18(2)));
        // With a budget below the whole lot's cost, skip rather than revert on chain.
        p.budget = e18(60);
        assert_eq!(
            decide_take(&status, price(100), &p),
            Err(Skip::DustRule {
                tab: e18(150),
                dust: e18(200)
            })
        );
    }

    #[test]
    fn dust_cut_partial_take_is_priced_as_the_house_does() {
        // tab 3000, dust 1500, budget buys 1 of 2: the house cuts owe to tab - dust = 1500.
        let mut status = running(price(2000), e18(2), e18(3000));
        status.dust = e18(1500);
        let mut p = policy();
        p.budget = e18(2000);
        let take = decide_take(&status, price(2100), &p).unwrap();
        assert_eq!(take.owe, e18(1500));
        assert_eq!(take.slice, e18(3) / u(4));
    }

    #[test]
    fn needs_redo_and_not_running_are_skipped() {
        let mut status = running(price(1), e18(1), e18(1));
        status.needs_redo = true;
        assert_eq!(
            decide_take(&status, price(2000), &policy()),
            Err(Skip::NeedsRedo)
        );
        let none = SaleStatus {
            needs_redo: false,
            price: U256::ZERO,
            lot: U256::ZERO,
            tab: U256::ZERO,
            dust: U256::ZERO,
        };
        assert_eq!(
            decide_take(&none, price(2000), &policy()),
            Err(Skip::NotRunning)
        );
    }

    #[test]
    fn redo_when_the_incentive_pays_for_gas() {
        let mut status = running(price(10), e18(10), e18(10_000));
        status.needs_redo = true;
        let incentive = Incentive {
            tip: e18(5),
            chip: u(1_000_000_000_000_000),
        }; // 0.1%
        let policy = RedoPolicy {
            gas_cost: e18(15),
            min_profit: U256::ZERO,
            always: false,
        };
        // 5 + 0.001 * 10_000 = 15: exactly pays for gas.
        assert_eq!(
            redo_incentive(&status, price(2000), &incentive),
            Some(e18(15))
        );
        assert_eq!(
            decide_redo(&status, price(2000), &incentive, &policy),
            Ok(e18(15))
        );
        let dear = RedoPolicy {
            gas_cost: e18(15) + u(1),
            ..policy
        };
        assert_eq!(
            decide_redo(&status, price(2000), &incentive, &dear),
            Err(Skip::IncentiveTooSmall {
                incentive: e18(15),
                gas_cost: e18(15) + u(1)
            })
        );
        assert_eq!(
            decide_redo(
                &status,
                price(2000),
                &incentive,
                &RedoPolicy {
                    always: true,
                    ..dear
                }
            ),
            Ok(e18(15))
        );
        status.needs_redo = false;
        assert_eq!(
            decide_redo(&status, price(2000), &incentive, &policy),
            Err(Skip::NoRedoNeeded)
        );
    }

    #[test]
    fn no_incentive_for_dusty_sales() {
        let incentive = Incentive {
            tip: e18(5),
            chip: U256::ZERO,
        };
        let mut status = running(price(10), e18(10), e18(99));
        status.needs_redo = true; // tab 99 < dust 100
        assert_eq!(
            redo_incentive(&status, price(2000), &incentive),
            Some(U256::ZERO)
        );
        let mut small_lot = running(price(10), e18(1), e18(10_000));
        small_lot.needs_redo = true; // lot worth 99 < dust 100
        assert_eq!(
            redo_incentive(&small_lot, price(99), &incentive),
            Some(U256::ZERO)
        );
        assert_eq!(
            redo_incentive(&small_lot, price(100), &incentive),
            Some(e18(5))
        );
    }

    fn terms() -> BatchTerms {
        BatchTerms {
            bond: e18(10),
            min_bid: e18(1),
            reserve: RAY * u(8) / u(10),
            total_lot: e18(100),
            price_unit: u(1),
        }
    }

    fn bid_policy() -> BidPolicy {
        BidPolicy {
            margin_bps: 500,
            budget: e18(1_000_000),
            max_amount: U256::ZERO,
            gas_cost: e18(2),
            min_profit: U256::ZERO,
        }
    }

    #[test]
    fn bids_valuation_less_margin_for_the_lot() {
        let bid = decide_bid(price(2000), &terms(), &bid_policy()).unwrap();
        assert_eq!(bid.price, price(1900));
        assert_eq!(bid.amount, e18(100));
        assert_eq!(bid.deposit, e18(190_000));
    }

    #[test]
    fn bid_price_is_on_the_grid_and_the_deposit_rounds_up() {
        let mut t = terms();
        t.price_unit = u(1_000_000); // debt with 6 more decimals than the collateral
        t.total_lot = e18(3000) + u(1);
        t.min_bid = u(1);
        t.bond = U256::ZERO;
        let valuation = u(1_234_567_891);
        let p = BidPolicy {
            margin_bps: 100,
            gas_cost: U256::ZERO,
            ..bid_policy()
        };
        let bid = decide_bid(valuation, &t, &p).unwrap();
        // 1_234_567_891 * 0.99 = 1_222_222_212, down to the grid.
        assert_eq!(bid.price, u(1_222_000_000));
        assert_eq!(bid.amount, t.total_lot);
        // ceil((3e21 + 1) * 1_222_000_000 / 1e27) = ceil(3666.000...) = 3667
        assert_eq!(bid.deposit, u(3667));
        t.price_unit = u(2_000_000_000);
        assert_eq!(decide_bid(valuation, &t, &p), Err(Skip::PriceBelowGrid));
    }

    #[test]
    fn bid_deposit_is_at_least_the_bond() {
        let mut t = terms();
        t.bond = e18(500_000);
        let bid = decide_bid(price(2000), &t, &bid_policy()).unwrap();
        assert_eq!(bid.deposit, e18(500_000));
        let mut p = bid_policy();
        p.budget = e18(400_000);
        assert_eq!(decide_bid(price(2000), &t, &p), Err(Skip::BudgetTooSmall));
    }

    #[test]
    fn bid_limits_reserve_min_bid_budget_and_amount() {
        let mut t = terms();
        t.reserve = RAY * u(96) / u(100); // reserve 1920 > bid 1900
        assert_eq!(
            decide_bid(price(2000), &t, &bid_policy()),
            Err(Skip::BelowReserve {
                price: price(1900),
                reserve: price(1920)
            })
        );
        let mut p = bid_policy();
        p.budget = e18(19_000);
        assert_eq!(
            decide_bid(price(2000), &terms(), &p).unwrap().amount,
            e18(10)
        );
        p.max_amount = e18(4);
        assert_eq!(
            decide_bid(price(2000), &terms(), &p).unwrap().amount,
            e18(4)
        );
        p.max_amount = e18(1) - u(1);
        assert_eq!(
            decide_bid(price(2000), &terms(), &p),
            Err(Skip::AmountTooSmall {
                amount: e18(1) - u(1),
                min_bid: e18(1)
            })
        );
        // Gas larger than the margin on the whole lot: skip.
        let dear = BidPolicy {
            gas_cost: e18(10_001),
            ..bid_policy()
        };
        assert!(matches!(
            decide_bid(price(2000), &terms(), &dear),
            Err(Skip::Unprofitable { .. })
        ));
    }

    #[test]
    fn gas_cost_converts_wei_to_debt_and_rounds_up() {
        // 100k gas at 0.1 gwei, native token at 3000 debt tokens (18 decimals both): 0.03.
        let native = price(3000);
        assert_eq!(
            gas_cost(100_000, 100_000_000, native),
            Some(e18(3) / u(100))
        );
        assert_eq!(gas_cost(1, 1, u(1)), Some(u(1)));
        assert_eq!(gas_cost(0, 1, native), Some(U256::ZERO));
    }
}

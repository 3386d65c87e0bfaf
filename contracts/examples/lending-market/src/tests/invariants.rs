//! The market's books over random sequences of supplies, withdrawals, collateral moves,
//! borrows, repays, price moves, liquidations (whole and partial, through the engine double,
//! which sizes like the real engine: collateral taken rounded up), auctions finished in the
//! real solvency module (surplus, exact, shortfall covered by the fund, deficit), socializations,
//! settles, donations and skims. After every step:
//!
//! - `totalSupplyAssets == Σ supplied - Σ withdrawn - socialized`: the lenders' assets fall by
//!   exactly the socialized amount, and `socialized == module's socialized + bad debt`;
//! - `totalSupplyShares` is the sum of the lenders' shares, `totalBorrow` the sum of the debts,
//!   the collateral total the sum of the positions' collateral;
//! - `A >= B + L`, and `L == Σ debt handed to gavel - recovered (settled) - module's socialized`;
//! - debt-token conservation: `balanceOf(market) == (A - B - L) + (module's repaid + covered not
//!   yet settled) + penalty share received + donations - skimmed`; collateral: `balanceOf ==
//!   Σ collateral + donations - skimmed`;
//! - every successful supply/withdraw minted/paid exactly the share formula; every borrow left
//!   the position healthy; every liquidate was of an unhealthy position;
//! - a failed call changed nothing (full snapshot) and failed with one of the expected errors.
//!
//! `GAVEL_MARKET_SEQUENCES` sets the number of sequences (default 100), `GAVEL_MARKET_SEED`
//! replays one. Long run: `GAVEL_MARKET_SEQUENCES=2000 cargo test -p lending-market --release
//! invariants`.

use std::collections::HashMap;

use super::*;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An amount of 18-decimal tokens: from 1 base unit to about 100,000 tokens.
    fn amount(&mut self) -> U256 {
        match self.below(6) {
            0 => w(1 + u128::from(self.below(1_000))),
            1 => w(u128::from(self.below(100)) * E18 / 100 + 1),
            _ => w(u128::from(1 + self.below(100_000)) * E18 / u128::from(1 + self.below(20))),
        }
    }

    /// `value * k / 8` for a random `k` in 0..=8 (a fraction of what is held).
    fn part(&mut self, value: U256) -> U256 {
        value * U256::from(self.below(9)) / U256::from(8)
    }
}

thread_local! {
    static STATS: std::cell::RefCell<HashMap<&'static str, usize>> = std::cell::RefCell::new(HashMap::new());
}

fn count(what: &'static str) {
    STATS.with(|s| *s.borrow_mut().entry(what).or_default() += 1);
}

#[derive(Default)]
struct Model {
    supplied: U256,
    withdrawn: U256,
    handed: U256,
    bad_debt: U256,
    donated_dai: U256,
    donated_weth: U256,
    skimmed_dai: U256,
    skimmed_weth: U256,
    /// Debt handed to gavel whose auction has not run yet.
    pending: Vec<U256>,
    /// Liquidations finished in the module (candidates for socialize).
    finished: Vec<U256>,
}

const LENDERS: [Address; 2] = [Address::new([0x11; 20]), Address::new([0x12; 20])];
const BORROWERS: [Address; 3] = [
    Address::new([0x21; 20]),
    Address::new([0x22; 20]),
    Address::new([0x23; 20]),
];
const KEEPER: Address = Address::new([0x31; 20]);
const KICKER: Address = Address::new([0x32; 20]);
const AUCTION_HOUSE: Address = Address::new([0x33; 20]);
const TREASURY: Address = Address::new([0x34; 20]);
const DONOR: Address = Address::new([0x35; 20]);
const ADMIN: Address = Address::new([0x36; 20]);

fn parties() -> Vec<Address> {
    let mut all = LENDERS.to_vec();
    all.extend(BORROWERS);
    all.extend([KEEPER, TREASURY, DONOR]);
    all
}

/// `maxDebt` as the crate docs define it, from the feed's whole-DAI price (8-decimal answer,
/// 18-decimal tokens: price = answer * 1e19 RAY).
fn max_debt(collateral: U256, answer: i128) -> U256 {
    let price = U256::from(answer as u128) * U256::from(10u128.pow(19));
    let value = mul_div(collateral, price, RAY, Rounding::Down).unwrap();
    mul_div(value, w(LLTV), WAD, Rounding::Down).unwrap()
}

/// Checks every invariant of the module docs.
fn check(m: &World, model: &Model) {
    let view = m.market.sender(ADMIN);
    let (assets, shares, borrow, in_liquidation, socialized) = view.totals();
    let (repaid, penalty, covered, _, module_socialized) = m
        .module
        .sender(ADMIN)
        .beneficiary_totals(m.market.address());
    assert_eq!(socialized, module_socialized + model.bad_debt, "socialized");
    assert_eq!(
        assets + model.withdrawn + socialized,
        model.supplied,
        "lenders' assets"
    );
    let positions: Vec<_> = parties().iter().map(|a| view.position(*a)).collect();
    let sum =
        |f: fn(&(U256, U256, U256)) -> U256| positions.iter().map(f).fold(U256::ZERO, |a, b| a + b);
    assert_eq!(shares, sum(|p| p.0), "shares");
    assert_eq!(borrow, sum(|p| p.2), "borrow");
    let collateral = sum(|p| p.1);
    assert_eq!(
        view.sload(&TOTAL_COLLATERAL),
        collateral,
        "collateral total"
    );
    assert!(assets >= borrow + in_liquidation, "A >= B + L");
    let recovered = view.sload(&RECOVERED);
    assert_eq!(
        in_liquidation + recovered + module_socialized,
        model.handed,
        "in liquidation"
    );
    let unsettled = repaid + covered - recovered;
    let cash = assets - borrow - in_liquidation;
    assert_eq!(
        m.balance(m.dai, m.market.address()) + model.skimmed_dai,
        cash + unsettled + penalty + model.donated_dai,
        "debt-token conservation"
    );
    assert_eq!(
        m.balance(m.weth, m.market.address()) + model.skimmed_weth,
        collateral + model.donated_weth,
        "collateral conservation"
    );
    assert_eq!(view.params_word().as_limbs()[3], 0, "lock released");
}

/// Asserts that `error` (of a call already reverted) is one of `selectors`; returns which.
#[track_caller]
fn failed_with(error: Error, selectors: &[[u8; 4]]) -> [u8; 4] {
    let selector: [u8; 4] = error.data()[..4].try_into().unwrap();
    assert!(
        selectors.contains(&selector),
        "unexpected error {:?}",
        error.data()
    );
    selector
}

fn run(seed: u64) -> usize {
    let mut rng = Rng(seed);
    let market = Contract::<LendingMarket>::random();
    let weth = Contract::<MockERC20>::random();
    let dai = Contract::<MockERC20>::random();
    let oracle = Contract::<MockOracle>::random();
    let module = Contract::<SolvencyModule>::random();
    let engine = Contract::<EngineDouble>::random();
    let m = World::new(&market, &weth, &dai, &oracle, &module, &engine, ADMIN);
    let share = rng.pick(&[0u128, E18 / 2]);
    module
        .sender(ADMIN)
        .set_params(w(share), U256::ZERO, U256::from(DAY), U256::ZERO)
        .motsu_unwrap();
    module.sender(ADMIN).set_kicker(KICKER, true).motsu_unwrap();
    module
        .sender(ADMIN)
        .set_house(AUCTION_HOUSE, true)
        .motsu_unwrap();
    let mut model = Model::default();
    let mut answer: i128 = 2_000 * E8;
    let steps = 30 + rng.below(50) as usize;
    for _ in 0..steps {
        let before = m.snapshot(&parties());
        let view = market.sender(ADMIN);
        let (assets, shares, ..) = view.totals();
        match rng.below(18) {
            0 | 1 => {
                let lender = rng.pick(&LENDERS);
                let amount = rng.amount();
                dai.sender(lender).mint(lender, amount).motsu_unwrap();
                dai.sender(lender)
                    .approve(market.address(), amount)
                    .motsu_unwrap();
                match market.sender(lender).supply(amount).motsu_res() {
                    Ok(minted) => {
                        assert_eq!(minted, to_shares(&amount, &assets, &shares).unwrap());
                        model.supplied += amount;
                        count("supply");
                    }
                    Err(e) => panic!("supply failed: {e:?}"),
                }
            }
            2 => {
                let lender = rng.pick(&LENDERS);
                let held = view.position(lender).0;
                let burn = rng.part(held).max(U256::from(1));
                let expected = to_assets(&burn, &assets, &shares);
                match market.sender(lender).withdraw(burn, lender).motsu_res() {
                    Ok(paid) => {
                        assert_eq!(paid, expected.unwrap());
                        model.withdrawn += paid;
                        count("withdraw");
                    }
                    Err(e) => {
                        let which = failed_with(
                            e,
                            &[
                                InsufficientCash::SELECTOR,
                                InsufficientShares::SELECTOR,
                                ZeroAssets::SELECTOR,
                            ],
                        );
                        if which == InsufficientCash::SELECTOR {
                            count("withdraw, no cash");
                        }
                        // A withdraw that settled first and then failed reverted the settle too.
                        assert_eq!(m.snapshot(&parties()), before);
                    }
                }
            }
            3 => {
                let borrower = rng.pick(&BORROWERS);
                let amount = rng.amount() / U256::from(1_000);
                let amount = amount.max(w(1));
                weth.sender(borrower).mint(borrower, amount).motsu_unwrap();
                weth.sender(borrower)
                    .approve(market.address(), amount)
                    .motsu_unwrap();
                market
                    .sender(borrower)
                    .deposit_collateral(amount)
                    .motsu_unwrap();
                count("deposit");
            }
            5 => {
                let borrower = rng.pick(&BORROWERS);
                let (_, collateral, debt) = view.position(borrower);
                let amount = rng.part(collateral).max(w(1));
                match market
                    .sender(borrower)
                    .withdraw_collateral(amount, borrower)
                    .motsu_res()
                {
                    Ok(()) => {
                        let left = collateral - amount;
                        assert!(debt <= max_debt(left, answer), "left healthy");
                        count("withdraw collateral");
                    }
                    Err(e) => {
                        failed_with(e, &[Unhealthy::SELECTOR, InsufficientCollateral::SELECTOR]);
                        assert_eq!(m.snapshot(&parties()), before);
                    }
                }
            }
            4 | 6 | 7 => {
                let borrower = rng.pick(&BORROWERS);
                let (_, collateral, debt) = view.position(borrower);
                let room = max_debt(collateral, answer).saturating_sub(debt);
                let amount = match rng.below(4) {
                    0 => rng.amount(),
                    1 => rng.part(room),
                    _ => room,
                }
                .max(w(1));
                match market.sender(borrower).borrow(amount, borrower).motsu_res() {
                    Ok(()) => {
                        assert!(
                            debt + amount <= max_debt(collateral, answer),
                            "borrowed healthy"
                        );
                        count("borrow");
                    }
                    Err(e) => {
                        let which =
                            failed_with(e, &[Unhealthy::SELECTOR, InsufficientCash::SELECTOR]);
                        if which == Unhealthy::SELECTOR {
                            assert!(debt + amount > max_debt(collateral, answer));
                        } else {
                            count("borrow, no cash");
                        }
                        assert_eq!(m.snapshot(&parties()), before);
                    }
                }
            }
            8 => {
                let borrower = rng.pick(&BORROWERS);
                let debt = view.position(borrower).2;
                if debt.is_zero() {
                    continue;
                }
                let amount = if rng.below(3) == 0 {
                    debt + w(5)
                } else {
                    rng.part(debt).max(w(1))
                };
                dai.sender(KEEPER).mint(KEEPER, amount).motsu_unwrap();
                dai.sender(KEEPER)
                    .approve(market.address(), amount)
                    .motsu_unwrap();
                let repaid = market.sender(KEEPER).repay(amount, borrower).motsu_unwrap();
                assert_eq!(repaid, amount.min(debt));
                // What was not pulled stays with the payer.
                dai.sender(KEEPER)
                    .approve(market.address(), U256::ZERO)
                    .motsu_unwrap();
                count("repay");
            }
            9 | 14 => {
                answer =
                    rng.pick(&[500, 900, 1_200, 1_500, 1_700, 1_800, 1_900, 2_000, 2_400]) * E8;
                m.set_answer(answer, m.now());
                count("price");
            }
            10 | 13 => {
                // An unhealthy borrower if there is one (keepers look for them).
                let unhealthy = BORROWERS.iter().copied().find(|b| {
                    let (_, collateral, debt) = view.position(*b);
                    debt > max_debt(collateral, answer)
                });
                let borrower = unhealthy.unwrap_or_else(|| rng.pick(&BORROWERS));
                let (_, collateral, debt) = view.position(borrower);
                let unhealthy = debt > max_debt(collateral, answer);
                if !unhealthy || collateral.is_zero() {
                    if !debt.is_zero() || collateral.is_zero() {
                        failed_with(
                            market.sender(KEEPER).liquidate(borrower).motsu_unwrap_err(),
                            &[Healthy::SELECTOR],
                        );
                        assert_eq!(m.snapshot(&parties()), before);
                    }
                    continue;
                }
                // Size like the engine: a part of the debt, collateral in proportion rounded up.
                let debt_taken = if rng.below(2) == 0 {
                    debt
                } else {
                    rng.part(debt).max(w(1))
                };
                let collateral_taken = mul_div(collateral, debt_taken, debt, Rounding::Up).unwrap();
                engine
                    .sender(ADMIN)
                    .set_take(collateral_taken, debt_taken, U256::ZERO);
                market.sender(KEEPER).liquidate(borrower).motsu_unwrap();
                let bad = if collateral_taken == collateral {
                    debt - debt_taken
                } else {
                    U256::ZERO
                };
                if !bad.is_zero() {
                    count("bad debt");
                }
                model.bad_debt += bad;
                model.handed += debt_taken;
                model.pending.push(debt_taken);
                assert_eq!(
                    weth.sender(ADMIN)
                        .allowance(market.address(), engine.address()),
                    U256::ZERO
                );
                count(if debt_taken == debt {
                    "liquidate, whole"
                } else {
                    "liquidate, part"
                });
            }
            11 | 15 => {
                if model.pending.is_empty() {
                    continue;
                }
                let debt = model
                    .pending
                    .remove(rng.below(model.pending.len() as u64) as usize);
                let debt_units = debt.to::<u128>();
                let tab = debt_units + debt_units / 10;
                let raised = match rng.below(4) {
                    0 => 0,
                    1 => debt_units / 2,
                    2 => debt_units,
                    _ => tab,
                };
                if rng.below(3) == 0 {
                    let fund = rng.amount();
                    dai.sender(DONOR).mint(DONOR, fund).motsu_unwrap();
                    dai.sender(DONOR)
                        .approve(module.address(), fund)
                        .motsu_unwrap();
                    module.sender(DONOR).deposit(fund).motsu_unwrap();
                }
                let id = auction(&m, KICKER, AUCTION_HOUSE, debt_units, tab, raised);
                model.finished.push(id);
                count("auction");
            }
            12 => {
                gavel_common::clock::advance(DAY);
                m.set_answer(answer, m.now());
                for id in model.finished.clone() {
                    if module.sender(KEEPER).socialize(id).motsu_res().is_ok() {
                        count("socialize");
                    }
                }
                let (repaid, _, covered, ..) =
                    module.sender(ADMIN).beneficiary_totals(market.address());
                let expected = repaid + covered - view.sload(&RECOVERED);
                assert_eq!(market.sender(KEEPER).settle().motsu_unwrap(), expected);
                count("settle");
            }
            _ => {
                if rng.below(2) == 0 {
                    let (token, donated) = if rng.below(2) == 0 {
                        (&dai, &mut model.donated_dai)
                    } else {
                        (&weth, &mut model.donated_weth)
                    };
                    let amount = rng.amount();
                    token.sender(DONOR).mint(DONOR, amount).motsu_unwrap();
                    token
                        .sender(DONOR)
                        .transfer(market.address(), amount)
                        .motsu_unwrap();
                    *donated += amount;
                    count("donate");
                } else {
                    let (dai_before, weth_before) =
                        (m.balance(&dai, TREASURY), m.balance(&weth, TREASURY));
                    match market.sender(ADMIN).skim(TREASURY).motsu_res() {
                        Ok(()) => {
                            model.skimmed_dai += m.balance(&dai, TREASURY) - dai_before;
                            model.skimmed_weth += m.balance(&weth, TREASURY) - weth_before;
                            count("skim");
                        }
                        Err(e) => {
                            failed_with(e, &[NothingToSkim::SELECTOR]);
                            assert_eq!(m.snapshot(&parties()), before);
                        }
                    }
                }
            }
        }
        check(&m, &model);
    }
    steps
}

fn sequences() -> (u64, u64) {
    if let Some(seed) = std::env::var("GAVEL_MARKET_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return (seed, 1);
    }
    let count = std::env::var("GAVEL_MARKET_SEQUENCES")
        .ok()
        .and_then(|s| s.parse().ok());
    (0x1e4d_0001, count.unwrap_or(100))
}

#[motsu::test]
fn invariants_hold_over_random_sequences() {
    let (first, count_) = sequences();
    let mut steps = 0;
    for n in 0..count_ {
        let seed = first.wrapping_add(n);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(seed)));
        match result {
            Ok(done) => steps += done,
            Err(panic) => {
                eprintln!("invariants: sequence failed; replay with GAVEL_MARKET_SEED={seed}");
                std::panic::resume_unwind(panic);
            }
        }
    }
    let mut stats: Vec<_> = STATS.with(|s| s.borrow().clone()).into_iter().collect();
    stats.sort();
    eprintln!("invariants: {count_} sequences, {steps} steps: {stats:?}");
    if count_ >= 50 {
        for what in [
            "supply",
            "withdraw",
            "withdraw, no cash",
            "borrow",
            "borrow, no cash",
            "repay",
            "withdraw collateral",
            "liquidate, whole",
            "liquidate, part",
            "bad debt",
            "auction",
            "socialize",
            "settle",
            "donate",
            "skim",
        ] {
            assert!(
                stats.iter().any(|(w, n)| *w == what && *n > 0),
                "no {what} step"
            );
        }
    }
}

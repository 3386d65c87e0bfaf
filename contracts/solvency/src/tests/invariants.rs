//! The invariants over random sequences of opens, attaches, partial and final auction
//! reports, finalizations, deposits, keeper payments, heals, socializations (with a lender
//! that sometimes refuses), withdrawals, donations, skims, parameter changes, pauses, clock
//! moves and unauthorized calls. After every step a model kept by the test (its own waterfall,
//! computed with `gavel_math::mul_div`) must agree with every view and token balance, and:
//!
//! - conservation: `balanceOf(module) == fund + held + surplus` (surplus = donations not yet
//!   skimmed), and `held` is the sum of `raised` over open liquidations;
//! - every finished liquidation: `repaid + covered + deficit == debt` and
//!   `repaid + penaltyToFund + penaltyToBeneficiary == raised` (the `Finished` event is checked);
//! - `openDeficit == recorded - healed - socialized` == Σ entries' remaining == Σ beneficiaries'
//!   open deficit, never negative;
//! - `payKeeper` and `withdraw` never take the fund below the buffer (nor lower a fund already
//!   below it); only shortfall coverage, heal and socialize may;
//! - a call by an address without the role changes nothing (full snapshot) and fails with the
//!   specific custom error.
//!
//! `GAVEL_SOLVENCY_SEQUENCES` sets the number of sequences (default 200),
//! `GAVEL_SOLVENCY_SEED` replays one sequence. The CI-size run:
//! `GAVEL_SOLVENCY_SEQUENCES=10000 cargo test -p solvency-module --release invariants`.

use std::collections::HashMap;

use super::*;

/// splitmix64: small, fast, and good enough to pick actions.
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

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An amount: mostly small, sometimes large (18-decimal scale).
    fn amount(&mut self) -> u128 {
        match self.below(10) {
            0 => 1 + u128::from(self.below(10)),
            1..=6 => 1 + u128::from(self.below(10_000)),
            _ => 1 + u128::from(self.next()) * u128::from(self.below(1_000_000)),
        }
    }
}

#[derive(Clone, Debug)]
struct Rec {
    beneficiary: Address,
    kicker: Address,
    house: Option<Address>,
    debt: u128,
    tab: u128,
    raised: u128,
    keeper_paid: u128,
    opened_at: u64,
    finished_at: Option<u64>,
    covered: u128,
    deficit: u128,
    remaining: u128,
    socialized: u128,
}

#[derive(Default)]
struct Model {
    fund: u128,
    held: u128,
    surplus: u128,
    share: u64,
    buffer: u128,
    delay: u64,
    max_pay: u128,
    paused: bool,
    records: Vec<Rec>,
    recorded: u128,
    healed: u128,
    socialized: u128,
    /// repaid, penalty share, covered, open deficit, socialized.
    totals: HashMap<Address, [u128; 5]>,
    /// Expected token balances of the parties the test tracks.
    balances: HashMap<Address, u128>,
    absorbed: HashMap<Address, u128>,
    refusing: HashMap<Address, bool>,
    now: u64,
    /// How often each kind of step ran to completion or to its expected error (coverage).
    stats: HashMap<&'static str, usize>,
}

impl Model {
    fn open_deficit(&self) -> u128 {
        self.records.iter().map(|r| r.remaining).sum()
    }

    fn count(&mut self, what: &'static str) {
        *self.stats.entry(what).or_default() += 1;
    }

    fn credit(&mut self, who: Address, amount: u128) {
        *self.balances.entry(who).or_default() += amount;
    }
}

struct World {
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lenders: Vec<Contract<MockLender>>,
    admin: Address,
    kickers: [Address; 2],
    houses: [Address; 3],
    guardian: Address,
    outsider: Address,
    depositor: Address,
    keeper: Address,
    donor: Address,
    treasury: Address,
}

impl World {
    fn new(seed: u64) -> World {
        let a = |i: u8| {
            let mut bytes = [i; 20];
            bytes[19] = (seed % 251) as u8;
            Address::from(bytes)
        };
        World {
            module: Contract::new(),
            token: Contract::new(),
            lenders: vec![Contract::new(), Contract::new()],
            admin: a(0xa0),
            kickers: [a(0xb1), a(0xb2)],
            houses: [a(0xc1), a(0xc2), a(0xc3)],
            guardian: a(0xd0),
            outsider: a(0xe0),
            depositor: a(0xe1),
            keeper: a(0xe2),
            donor: a(0xe3),
            treasury: a(0xe4),
        }
    }

    fn parties(&self) -> Vec<Address> {
        let mut all = vec![
            self.admin,
            self.guardian,
            self.outsider,
            self.depositor,
            self.keeper,
        ];
        all.extend(self.kickers);
        all.extend(self.houses);
        all.extend([self.donor, self.treasury]);
        all.extend(self.lenders.iter().map(|l| l.address()));
        all
    }

    fn snapshot(&self) -> Snapshot {
        snapshot(&self.module, &self.token, &self.parties())
    }
}

fn sequences() -> (u64, u64) {
    if let Some(seed) = std::env::var("GAVEL_SOLVENCY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return (seed, 1);
    }
    let count = std::env::var("GAVEL_SOLVENCY_SEQUENCES")
        .ok()
        .and_then(|s| s.parse().ok());
    (0x5017_e4c7, count.unwrap_or(200))
}

#[motsu::test]
fn invariants_hold_over_random_sequences() {
    let (first, count) = sequences();
    let started = std::time::Instant::now();
    let mut steps = 0usize;
    for n in 0..count {
        let seed = first.wrapping_add(n);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(seed)));
        match result {
            Ok(done) => steps += done,
            Err(panic) => {
                eprintln!("invariants: sequence failed; replay with GAVEL_SOLVENCY_SEED={seed}");
                std::panic::resume_unwind(panic);
            }
        }
    }
    eprintln!(
        "invariants: {count} sequences, {steps} steps in {:.1?}",
        started.elapsed()
    );
    let mut stats: Vec<_> = STATS.with(|s| s.borrow().clone()).into_iter().collect();
    stats.sort();
    eprintln!("invariants: {stats:?}");
    // Every kind of step happened (the default run is long enough for each).
    if count >= 100 {
        for what in [
            "finish, surplus",
            "finish, exact",
            "finish, shortfall covered",
            "finish, deficit",
            "socialize",
            "heal",
            "absorber refused",
            "keeper paid",
            "withdraw",
            "skim",
            "unauthorized",
            "end, continue",
            "finalize",
            "not received",
        ] {
            assert!(
                stats.iter().any(|(w, n)| *w == what && *n > 0),
                "no {what} step"
            );
        }
    }
}

thread_local! {
    static STATS: std::cell::RefCell<HashMap<&'static str, usize>> = std::cell::RefCell::new(HashMap::new());
}

/// One random sequence; returns the number of steps taken.
fn run(seed: u64) -> usize {
    let mut rng = Rng(seed);
    let world = World::new(seed);
    let w_ = &world;
    let m = &world.module;
    let mut model = Model {
        now: 1_900_000_000,
        ..Model::default()
    };
    gavel_common::clock::set(model.now);

    model.share = rng.pick(&[0, WAD_UNITS as u64 / 4, WAD_UNITS as u64]);
    model.buffer = rng.pick(&[0, 100, 10_000]);
    model.delay = rng.pick(&[0, DAY]);
    model.max_pay = rng.pick(&[0, 50, 1_000_000]);
    let params = Params {
        share: u128::from(model.share),
        buffer: model.buffer,
        delay: model.delay,
        max_pay: model.max_pay,
    };
    deploy(m, &world.token, world.admin, params);
    for lender in &world.lenders {
        lender.sender(world.admin).constructor(m.address());
    }
    for kicker in world.kickers {
        m.sender(world.admin)
            .set_kicker(kicker, true)
            .motsu_unwrap();
    }
    for house in world.houses {
        m.sender(world.admin).set_house(house, true).motsu_unwrap();
    }
    m.sender(world.admin)
        .set_guardian(world.guardian, true)
        .motsu_unwrap();

    let length = 20 + rng.below(40) as usize;
    for _ in 0..length {
        step(&mut rng, w_, &mut model);
        check(w_, &model);
    }
    STATS.with(|stats| {
        for (what, n) in &model.stats {
            *stats.borrow_mut().entry(what).or_default() += n;
        }
    });
    length
}

/// The id of a random record satisfying `filter`, if any.
fn pick_record(rng: &mut Rng, model: &Model, filter: impl Fn(&Rec) -> bool) -> Option<usize> {
    let ids: Vec<usize> = (0..model.records.len())
        .filter(|i| filter(&model.records[*i]))
        .collect();
    if ids.is_empty() {
        None
    } else {
        Some(rng.pick(&ids))
    }
}

/// A deficit entry: mostly one with something left, sometimes any id (or the next one).
fn entry(rng: &mut Rng, model: &Model) -> usize {
    match pick_record(rng, model, |r| r.remaining > 0) {
        Some(i) if rng.chance(80) => i,
        _ => rng.below(model.records.len() as u64 + 1) as usize,
    }
}

fn id_of(index: usize) -> U256 {
    U256::from(index + 1)
}

fn step(rng: &mut Rng, world: &World, model: &mut Model) {
    let m = &world.module;
    let token = &world.token;
    match rng.below(100) {
        // open
        0..=11 => {
            let kicker = rng.pick(&world.kickers);
            let lender = &world.lenders[rng.below(2) as usize];
            let debt = rng.amount();
            let tab = debt + debt * u128::from(rng.below(20)) / 100;
            if rng.chance(5) {
                let result = m
                    .sender(kicker)
                    .open(lender.address(), w(debt + 1), w(debt));
                if model.paused {
                    fails(result, EnforcedPause {});
                } else {
                    fails(
                        result,
                        TabBelowDebt {
                            debt: w(debt + 1),
                            tab: w(debt),
                        },
                    );
                }
                return;
            }
            let result = m.sender(kicker).open(lender.address(), w(debt), w(tab));
            if model.paused {
                fails(result, EnforcedPause {});
                return;
            }
            let id = result.motsu_unwrap();
            assert_eq!(id, id_of(model.records.len()));
            model.count("open");
            model.records.push(Rec {
                beneficiary: lender.address(),
                kicker,
                house: None,
                debt,
                tab,
                raised: 0,
                keeper_paid: 0,
                opened_at: model.now,
                finished_at: None,
                covered: 0,
                deficit: 0,
                remaining: 0,
                socialized: 0,
            });
        }
        // attach
        12..=23 => {
            let Some(i) = pick_record(rng, model, |r| r.finished_at.is_none() && r.house.is_none())
            else {
                return;
            };
            let house = rng.pick(&world.houses);
            let rec = model.records[i].clone();
            let left = rec.tab.saturating_sub(rec.raised);
            if rng.chance(10) || left == 0 {
                let tab = left + 1;
                fails(
                    m.sender(house).attach(id_of(i), rec.kicker, w(tab)),
                    TabExceedsRemaining {
                        tab: w(tab),
                        remaining: w(left),
                    },
                );
                return;
            }
            let tab = 1 + u128::from(rng.next()) % left;
            m.sender(house)
                .attach(id_of(i), rec.kicker, w(tab))
                .motsu_unwrap();
            model.records[i].house = Some(house);
            model.count("attach");
        }
        // a partial take
        24..=35 => {
            let Some(i) = pick_record(rng, model, |r| r.house.is_some()) else {
                return;
            };
            let house = model.records[i].house.unwrap();
            if rng.chance(10) {
                // Another house reports for it.
                let other = world.houses.into_iter().find(|h| *h != house).unwrap();
                fails(
                    m.sender(other).on_proceeds(id_of(i), w(1)),
                    NotHolder {
                        liquidationId: id_of(i),
                        account: other,
                    },
                );
                model.count("not holder");
                return;
            }
            let amount = 1 + u128::from(rng.next()) % (model.records[i].tab / 2 + 1);
            if rng.chance(5) && model.surplus == 0 {
                // Reported without paying.
                let expected = model.fund + model.held + amount;
                let balance = model.fund + model.held;
                fails(
                    m.sender(house).on_proceeds(id_of(i), w(amount)),
                    ProceedsNotReceived {
                        expected: w(expected),
                        balance: w(balance),
                    },
                );
                model.count("not received");
                return;
            }
            pay(token, m, house, amount);
            m.sender(house)
                .on_proceeds(id_of(i), w(amount))
                .motsu_unwrap();
            model.records[i].raised += amount;
            model.held += amount;
            model.count("proceeds");
        }
        // the auction ends
        36..=49 => {
            let Some(i) = pick_record(rng, model, |r| r.house.is_some()) else {
                return;
            };
            let house = model.records[i].house.unwrap();
            let rec = &model.records[i];
            let raised = match rng.below(4) {
                0 => 0,
                1 => rec.debt.saturating_sub(rec.raised),
                2 => rec.tab.saturating_sub(rec.raised),
                _ => u128::from(rng.next()) % (rec.tab + 1),
            };
            let (tab_left, lot_left) = match rng.below(4) {
                0 => (0, u128::from(rng.below(5))),
                1 => (u128::from(rng.below(5)), 0),
                _ => (
                    1 + u128::from(rng.below(100)),
                    1 + u128::from(rng.below(100)),
                ),
            };
            if raised > 0 {
                pay(token, m, house, raised);
            }
            m.sender(house)
                .on_auction_end(id_of(i), w(raised), w(tab_left), w(lot_left))
                .motsu_unwrap();
            model.records[i].raised += raised;
            model.records[i].house = None;
            model.held += raised;
            if tab_left == 0 || lot_left == 0 {
                finish(world, model, i);
            } else {
                model.count("end, continue");
            }
        }
        // the kicker finalizes
        50..=53 => {
            let Some(i) = pick_record(rng, model, |r| r.finished_at.is_none() && r.house.is_none())
            else {
                return;
            };
            let kicker = model.records[i].kicker;
            m.sender(kicker).finalize(id_of(i)).motsu_unwrap();
            model.count("finalize");
            finish(world, model, i);
        }
        // keeper pay
        54..=59 => {
            let Some(i) = pick_record(rng, model, |r| r.house.is_some()) else {
                return;
            };
            let house = model.records[i].house.unwrap();
            let amount = rng.amount() % 2_000;
            let fund_before = model.fund;
            let paid = m
                .sender(house)
                .pay_keeper(id_of(i), world.keeper, w(amount))
                .motsu_unwrap();
            let expected = if model.paused {
                0
            } else {
                amount
                    .min(model.max_pay)
                    .min(model.fund.saturating_sub(model.buffer))
            };
            assert_eq!(paid, w(expected));
            model.fund -= expected;
            model.records[i].keeper_paid += expected;
            model.credit(world.keeper, expected);
            model.count(if expected > 0 {
                "keeper paid"
            } else {
                "keeper paid 0"
            });
            // The buffer rule.
            assert!(model.fund >= model.buffer.min(fund_before));
        }
        // deposit
        60..=65 => {
            let amount = rng.amount();
            mint(token, world.depositor, amount);
            token
                .sender(world.depositor)
                .approve(m.address(), w(amount))
                .motsu_unwrap();
            m.sender(world.depositor).deposit(w(amount)).motsu_unwrap();
            model.fund += amount;
        }
        // heal
        66..=72 => {
            let i = entry(rng, model);
            let id = id_of(i);
            let remaining = model.records.get(i).map_or(0, |r| r.remaining);
            if remaining == 0 {
                fails(m.sender(world.outsider).heal(id), NoDeficit { entryId: id });
            } else if model.fund == 0 {
                fails(
                    m.sender(world.outsider).heal(id),
                    NothingToHeal { entryId: id },
                );
            } else {
                m.sender(world.outsider).heal(id).motsu_unwrap();
                model.count("heal");
                let amount = remaining.min(model.fund);
                settle(model, i, amount, 0);
            }
        }
        // socialize
        73..=81 => {
            if rng.chance(30) {
                advance(model, rng.below(2 * DAY));
            }
            let i = entry(rng, model);
            let id = id_of(i);
            let Some(rec) = model.records.get(i).filter(|r| r.remaining > 0).cloned() else {
                fails(
                    m.sender(world.outsider).socialize(id),
                    NoDeficit { entryId: id },
                );
                return;
            };
            let at = rec.finished_at.unwrap() + model.delay;
            if model.now < at {
                fails(
                    m.sender(world.outsider).socialize(id),
                    SocializationTooEarly {
                        entryId: id,
                        socializableAt: U256::from(at),
                    },
                );
                model.count("socialize too early");
                return;
            }
            let healed = rec.remaining.min(model.fund);
            let rest = rec.remaining - healed;
            if rest > 0
                && model
                    .refusing
                    .get(&rec.beneficiary)
                    .copied()
                    .unwrap_or(false)
            {
                let before = world.snapshot();
                fails(
                    m.sender(world.outsider).socialize(id),
                    AbsorbLossFailed {
                        beneficiary: rec.beneficiary,
                    },
                );
                assert_eq!(world.snapshot(), before);
                model.count("absorber refused");
                return;
            }
            m.sender(world.outsider).socialize(id).motsu_unwrap();
            model.count(if rest > 0 {
                "socialize"
            } else {
                "socialize, all healed"
            });
            settle(model, i, healed, rest);
        }
        // withdraw
        82..=84 => {
            let amount = 1 + rng.amount() % (model.fund + 10);
            let fund_before = model.fund;
            let result = m.sender(world.admin).withdraw(w(amount), world.treasury);
            let available = model.fund.saturating_sub(model.buffer);
            if model.open_deficit() > 0 {
                fails(
                    result,
                    DeficitOpen {
                        openDeficit: w(model.open_deficit()),
                    },
                );
                model.count("withdraw, deficit open");
            } else if amount > available {
                fails(
                    result,
                    InsufficientFund {
                        requested: w(amount),
                        available: w(available),
                    },
                );
            } else {
                result.motsu_unwrap();
                model.count("withdraw");
                model.fund -= amount;
                model.credit(world.treasury, amount);
            }
            assert!(model.fund >= model.buffer.min(fund_before));
        }
        // donation, skim
        85..=86 => {
            let amount = rng.amount();
            pay(token, m, world.donor, amount);
            model.surplus += amount;
        }
        87..=88 => {
            let to = if rng.chance(50) {
                m.address()
            } else {
                world.treasury
            };
            let result = m.sender(world.admin).skim(to);
            if model.surplus == 0 {
                fails(result, NothingToSkim {});
            } else {
                result.motsu_unwrap();
                if to == m.address() {
                    model.fund += model.surplus;
                } else {
                    let surplus = model.surplus;
                    model.credit(world.treasury, surplus);
                }
                model.surplus = 0;
                model.count("skim");
            }
        }
        // parameters, pause, clock, absorber behaviour
        89..=90 => {
            let share = rng.pick(&[0, 1, WAD_UNITS as u64 / 3, WAD_UNITS as u64]);
            let buffer = rng.pick(&[0, 100, 10_000]);
            let delay = rng.pick(&[0, 60, DAY]);
            let max_pay = rng.pick(&[0, 50, 1_000_000]);
            if rng.chance(20) {
                let bad = WAD + U256::from(1);
                fails(
                    m.sender(world.admin)
                        .set_params(bad, w(buffer), U256::from(delay), w(max_pay)),
                    InvalidPenaltyShare { share: bad },
                );
                return;
            }
            m.sender(world.admin)
                .set_params(U256::from(share), w(buffer), U256::from(delay), w(max_pay))
                .motsu_unwrap();
            (model.share, model.buffer, model.delay, model.max_pay) =
                (share, buffer, delay, max_pay);
        }
        91 => {
            if model.paused {
                m.sender(world.admin).unpause().motsu_unwrap();
            } else {
                let who = if rng.chance(50) {
                    world.admin
                } else {
                    world.guardian
                };
                m.sender(who).pause().motsu_unwrap();
            }
            model.paused = !model.paused;
        }
        92..=93 => advance(model, rng.below(DAY)),
        94 => {
            let lender = &world.lenders[rng.below(2) as usize];
            let refusing = !model
                .refusing
                .get(&lender.address())
                .copied()
                .unwrap_or(false);
            lender
                .sender(world.admin)
                .set_mode(if refusing { MODE_REFUSE } else { 0 }, U256::ZERO);
            model.refusing.insert(lender.address(), refusing);
        }
        // unauthorized callers change nothing
        _ => unauthorized(rng, world, model),
    }
}

fn advance(model: &mut Model, seconds: u64) {
    model.now += seconds;
    gavel_common::clock::set(model.now);
}

/// The model's waterfall for record `i`, whose proceeds are final.
fn finish(world: &World, model: &mut Model, i: usize) {
    let rec = model.records[i].clone();
    let repaid = rec.raised.min(rec.debt);
    let penalty = rec.raised - repaid;
    let net = penalty.saturating_sub(rec.keeper_paid);
    let to_ben = gavel_math::to_u128(
        gavel_math::mul_div(
            w(net),
            U256::from(model.share),
            WAD,
            gavel_math::Rounding::Down,
        )
        .unwrap(),
    )
    .unwrap();
    let to_fund = penalty - to_ben;
    let shortfall = rec.debt - repaid;
    let fund_before = model.fund;
    model.fund += to_fund;
    let covered = shortfall.min(model.fund);
    model.fund -= covered;
    let deficit = shortfall - covered;
    model.held -= rec.raised;
    model.recorded += deficit;
    let r = &mut model.records[i];
    r.finished_at = Some(model.now);
    r.covered = covered;
    r.deficit = deficit;
    r.remaining = deficit;
    let totals = model.totals.entry(rec.beneficiary).or_default();
    totals[0] += repaid;
    totals[1] += to_ben;
    totals[2] += covered;
    totals[3] += deficit;
    model.credit(rec.beneficiary, repaid + to_ben + covered);
    model.count(match (penalty > 0, covered > 0, deficit > 0) {
        (true, _, _) => "finish, surplus",
        (false, false, false) => "finish, exact",
        (false, true, false) => "finish, shortfall covered",
        (false, _, true) => "finish, deficit",
    });
    // The invariants of a finished liquidation.
    assert_eq!(repaid + covered + deficit, rec.debt);
    assert_eq!(repaid + to_fund + to_ben, rec.raised);
    assert!(to_ben <= net);
    // The fund only fell below where it was to cover this shortfall.
    assert!(model.fund >= fund_before || covered > 0);
    world.module.assert_emitted(&Finished {
        liquidationId: id_of(i),
        beneficiary: rec.beneficiary,
        raised: w(rec.raised),
        repaid: w(repaid),
        penaltyToFund: w(to_fund),
        penaltyToBeneficiary: w(to_ben),
        covered: w(covered),
        deficit: w(deficit),
        keeperPaid: w(rec.keeper_paid),
    });
}

/// The model's books for `healed` paid and `socialized` absorbed of entry `i`.
fn settle(model: &mut Model, i: usize, healed: u128, socialized: u128) {
    let beneficiary = model.records[i].beneficiary;
    let r = &mut model.records[i];
    r.remaining -= healed + socialized;
    r.socialized += socialized;
    model.fund -= healed;
    model.healed += healed;
    model.socialized += socialized;
    let totals = model.totals.entry(beneficiary).or_default();
    totals[2] += healed;
    totals[3] -= healed + socialized;
    totals[4] += socialized;
    model.credit(beneficiary, healed);
    *model.absorbed.entry(beneficiary).or_default() += socialized;
}

/// A random restricted call by an address without the role: the exact error, nothing changed.
fn unauthorized(rng: &mut Rng, world: &World, model: &mut Model) {
    let m = &world.module;
    let o = world.outsider;
    let z = U256::ZERO;
    let not_owner = ownable::OwnableUnauthorizedAccount { account: o };
    let before = world.snapshot();
    let held = pick_record(rng, model, |r| r.house.is_some());
    let unheld_open = pick_record(rng, model, |r| r.finished_at.is_none() && r.house.is_none());
    match rng.below(16) {
        0 => fails(m.sender(o).open(o, w(1), w(1)), NotKicker { account: o }),
        1 => fails(
            m.sender(o).attach(id_of(0), o, w(1)),
            NotHouse { account: o },
        ),
        2 => match held {
            Some(i) => fails(
                m.sender(o).on_proceeds(id_of(i), w(1)),
                NotHolder {
                    liquidationId: id_of(i),
                    account: o,
                },
            ),
            None => return,
        },
        3 => match held {
            Some(i) => fails(
                m.sender(o).on_auction_end(id_of(i), z, z, z),
                NotHolder {
                    liquidationId: id_of(i),
                    account: o,
                },
            ),
            None => return,
        },
        4 => match held {
            Some(i) => fails(
                m.sender(o).pay_keeper(id_of(i), o, w(1)),
                NotHolder {
                    liquidationId: id_of(i),
                    account: o,
                },
            ),
            None => return,
        },
        5 => match unheld_open {
            Some(i) => fails(
                m.sender(o).finalize(id_of(i)),
                KickerMismatch {
                    liquidationId: id_of(i),
                    account: o,
                },
            ),
            None => return,
        },
        6 => fails(m.sender(o).withdraw(w(1), o), not_owner),
        7 => fails(m.sender(o).skim(o), not_owner),
        8 => fails(m.sender(o).set_params(z, z, z, z), not_owner),
        9 => fails(m.sender(o).set_kicker(o, true), not_owner),
        10 => fails(m.sender(o).set_house(o, true), not_owner),
        11 => fails(m.sender(o).set_guardian(o, true), not_owner),
        12 => fails(m.sender(o).release(id_of(0)), not_owner),
        13 => fails(m.sender(o).transfer_ownership(o), not_owner),
        14 => fails(m.sender(o).unpause(), not_owner),
        _ => fails(m.sender(o).pause(), NotGuardian { account: o }),
    }
    assert_eq!(world.snapshot(), before);
    model.count("unauthorized");
}

/// Every view and balance against the model, and the invariants.
fn check(world: &World, model: &Model) {
    let m = &world.module;
    // All module reads through one call context (a call to another contract would switch it).
    let (books, surplus, records, next, totals, paused, params) = {
        let view = m.sender(world.admin);
        let module: &SolvencyModule = &view;
        let records: Vec<[U256; 14]> = (0..model.records.len())
            .map(|i| module.liquidation_words(id_of(i)))
            .collect();
        let totals: Vec<[U256; 5]> = world
            .lenders
            .iter()
            .map(|l| module.beneficiary_words(l.address()))
            .collect();
        (
            module
                .books_words()
                .map(|x| gavel_math::to_u128(x).unwrap()),
            module.surplus_units(),
            records,
            module.next_liquidation_id(),
            totals,
            module.paused(),
            module.params_words(),
        )
    };
    let [fund, held, open, recorded, healed, socialized] = books;
    assert_eq!((fund, held), (model.fund, model.held), "fund, held");
    // Conservation.
    assert_eq!(
        balance(&world.token, m.address()),
        fund + held + model.surplus,
        "conservation"
    );
    assert_eq!(surplus, model.surplus);
    let held_sum: u128 = model
        .records
        .iter()
        .filter(|r| r.finished_at.is_none())
        .map(|r| r.raised)
        .sum();
    assert_eq!(
        held, held_sum,
        "held = sum of raised over open liquidations"
    );
    // Deficit totals.
    assert_eq!(
        (recorded, healed, socialized),
        (model.recorded, model.healed, model.socialized)
    );
    assert_eq!(open, recorded - healed - socialized);
    assert_eq!(open, model.open_deficit());
    // Records.
    for (i, (rec, words)) in model.records.iter().zip(&records).enumerate() {
        let status = if rec.finished_at.is_some() {
            STATUS_FINISHED
        } else {
            STATUS_OPEN
        };
        let expected = [
            address_word(rec.beneficiary),
            address_word(rec.kicker),
            address_word(rec.house.unwrap_or(Address::ZERO)),
            U256::from(status),
            U256::from(rec.opened_at),
            U256::from(rec.finished_at.unwrap_or(0)),
            w(rec.debt),
            w(rec.tab),
            w(rec.raised),
            w(rec.keeper_paid),
            w(rec.covered),
            w(rec.deficit),
            w(rec.remaining),
            w(rec.socialized),
        ];
        assert_eq!(*words, expected, "record {}", i + 1);
        if rec.finished_at.is_some() {
            let repaid = rec.raised.min(rec.debt);
            assert_eq!(repaid + rec.covered + rec.deficit, rec.debt);
            assert!(rec.remaining + rec.socialized <= rec.deficit);
        }
    }
    assert_eq!(next, id_of(model.records.len()));
    // Beneficiaries: totals, balances, absorbed losses.
    let mut open_sum = 0;
    for (lender, actual) in world.lenders.iter().zip(&totals) {
        let b = lender.address();
        let expected = model.totals.get(&b).copied().unwrap_or_default();
        assert_eq!(
            actual.map(|x| gavel_math::to_u128(x).unwrap()),
            expected,
            "totals of {b}"
        );
        open_sum += expected[3];
        let paid = model.balances.get(&b).copied().unwrap_or(0);
        assert_eq!(balance(&world.token, b), paid, "balance of {b}");
        let absorbed = model.absorbed.get(&b).copied().unwrap_or(0);
        assert_eq!(lender.sender(world.admin).absorbed(), w(absorbed));
    }
    assert_eq!(open_sum, open, "sum of beneficiaries' open deficit");
    for who in [world.keeper, world.treasury] {
        assert_eq!(
            balance(&world.token, who),
            model.balances.get(&who).copied().unwrap_or(0)
        );
    }
    assert_eq!(paused, model.paused);
    let expected = [
        U256::from(model.share),
        w(model.buffer),
        U256::from(model.delay),
        w(model.max_pay),
    ];
    assert_eq!(params, expected);
}

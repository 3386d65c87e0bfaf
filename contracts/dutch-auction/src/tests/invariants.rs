//! Invariants over random sequences of kicks, takes, redos, yanks, time jumps, price moves and
//! parameter changes, with the real solvency module:
//!
//! - collateral is conserved: the house holds exactly the sum of the running lots (and the
//!   active list matches the sales' positions);
//! - everything keepers paid for a liquidation is what the solvency module recorded as raised;
//! - a sale's tab never increases;
//! - no take happens at or below the floor in force at the sale's last (re)start, nor when the
//!   sale needs a redo.
//!
//! `GAVEL_DUTCH_SEQUENCES=<n>` runs more sequences; `GAVEL_DUTCH_SEED=<u64>` replays one.

use std::collections::BTreeMap;

use super::*;

/// splitmix64: small, deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform-ish in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// What the test remembers about a running sale.
struct Model {
    liquidation: U256,
    tab: U256,
    /// `ceil(floor * feed)` at the last (re)start (RAY): no take at or below it.
    floor_price: U256,
}

/// The oracle answer (8 decimals) as the house's RAY feed price for 18/18 tokens.
fn feed_of(answer: u64) -> U256 {
    U256::from(answer) * U256::from(10u128.pow(19))
}

fn random_setup(rng: &mut Rng) -> Setup {
    let curve = match rng.range(1, 3) {
        1 => (1, U256::ZERO, rng.range(60, 3_000)),
        2 => (
            2,
            ray(rng.range(500, 999) as u128, 1_000),
            rng.range(1, 120),
        ),
        _ => (3, ray(rng.range(990_000, 999_999) as u128, 1_000_000), 0),
    };
    Setup {
        buf: ray(rng.range(100, 150) as u128, 100),
        tail: rng.range(60, 5_000),
        cusp: ray(rng.range(0, 90) as u128, 100),
        floor: ray(rng.range(0, 90) as u128, 100),
        dust: e18(rng.range(0, 2_000) as u128),
        curve,
        max_age: 100_000,
        ..Setup::default()
    }
}

/// Runs one sequence; returns how many kicks, takes, redos and yanks succeeded.
fn run(seed: u64, steps: usize) -> [usize; 4] {
    let mut done = [0usize; 4];
    let mut rng = Rng(seed);
    let setup = random_setup(&mut rng);
    let w = deploy(setup);
    let mut floor = setup.floor;
    let mut answer: u64 = 2_000_0000_0000;
    let mut now = T0;
    w.fund_keeper(e18(1_000_000_000_000));
    let mut sales: BTreeMap<U256, Model> = BTreeMap::new();
    let mut raised: BTreeMap<U256, U256> = BTreeMap::new();
    let context = |step: usize, what: &str| format!("seed {seed} step {step}: {what}");

    for step in 0..steps {
        let list = w.house.sender(ADMIN).list();
        let pick = |rng: &mut Rng| -> Option<U256> {
            (!list.is_empty()).then(|| list[rng.next() as usize % list.len()])
        };
        match rng.range(0, 11) {
            0 | 1 => {
                // Kick (fails when the oracle is stale, which is fine).
                let tab = e18(rng.range(1, 1_000_000) as u128);
                let debt = tab - tab * U256::from(rng.range(0, 20)) / U256::from(100);
                let lot = U256::from(rng.range(1, 1_000_000))
                    * U256::from(10u128.pow(rng.range(12, 16) as u32));
                let liquidation = w
                    .solvency
                    .sender(ENGINE)
                    .open(BENEFICIARY, debt, tab)
                    .unwrap();
                w.gem.sender(ENGINE).mint(ENGINE, lot).unwrap();
                let kicked = w
                    .house
                    .sender(ENGINE)
                    .kick(liquidation, tab, lot, USR, KPR)
                    .motsu_res();
                if let Ok(id) = kicked {
                    done[0] += 1;
                    let floor_price =
                        mul_div_up(feed_of(answer), floor, WAD * U256::from(10u64.pow(9)));
                    sales.insert(
                        id,
                        Model {
                            liquidation,
                            tab,
                            floor_price,
                        },
                    );
                    raised.entry(liquidation).or_insert(U256::ZERO);
                }
            }
            2..=5 => {
                // Take, maybe with a limit below the price.
                let Some(id) = pick(&mut rng) else { continue };
                let (needs_redo, price, lot, _) = w.status(id);
                let amt = if rng.chance(30) {
                    U256::MAX
                } else {
                    lot * U256::from(rng.range(1, 100)) / U256::from(100)
                };
                let max = if rng.chance(10) {
                    price / U256::from(2)
                } else {
                    price
                };
                let paid_before = w.dai_of(KEEPER);
                let taken = w
                    .house
                    .sender(KEEPER)
                    .take(id, amt, max, KEEPER, none())
                    .motsu_res();
                if taken.is_ok() {
                    done[1] += 1;
                    let model = &sales[&id];
                    assert!(
                        !needs_redo,
                        "{}",
                        context(step, "take of a sale that needs a redo")
                    );
                    assert!(
                        price > model.floor_price,
                        "{}",
                        context(step, "take at or below the floor")
                    );
                    assert!(max >= price, "{}", context(step, "take above max"));
                    let owe = paid_before - w.dai_of(KEEPER);
                    *raised.get_mut(&model.liquidation).unwrap() += owe;
                    if w.sale(id).2.is_zero() {
                        sales.remove(&id);
                    }
                }
            }
            6 => {
                // Redo (needs a fresh oracle and a sale that needs it).
                let Some(id) = pick(&mut rng) else { continue };
                if w.house.sender(KPR).redo(id, KPR).motsu_res().is_ok() {
                    done[2] += 1;
                    let model = sales.get_mut(&id).unwrap();
                    model.floor_price =
                        mul_div_up(feed_of(answer), floor, WAD * U256::from(10u64.pow(9)));
                }
            }
            7 => {
                // Yank, rarely.
                if rng.chance(30) {
                    let Some(id) = pick(&mut rng) else { continue };
                    w.house.sender(ADMIN).yank(id).unwrap();
                    done[3] += 1;
                    sales.remove(&id);
                }
            }
            8 | 9 => {
                // Time passes; the price moves and is refreshed, or not.
                now += rng.range(0, 900);
                clock::set(now);
                if rng.chance(70) {
                    answer = answer * rng.range(85, 115) / 100 + 1;
                    w.set_price(answer as i128);
                }
            }
            _ => {
                // Governance changes parameters (running sales must not notice).
                let before: Vec<_> = sales.keys().map(|id| (*id, w.status(*id))).collect();
                let fresh = random_setup(&mut rng);
                configure(
                    &w,
                    Setup {
                        max_age: 100_000,
                        ..fresh
                    },
                );
                floor = fresh.floor;
                for (id, status) in before {
                    assert_eq!(
                        w.status(id),
                        status,
                        "{}",
                        context(step, "parameter change moved a sale")
                    );
                }
            }
        }

        // Invariants.
        w.check_books();
        for (id, model) in sales.iter_mut() {
            let tab = w.sale(*id).1;
            assert!(tab <= model.tab, "{}", context(step, "tab increased"));
            model.tab = tab;
        }
        assert_eq!(
            sales.len(),
            list_len(&w),
            "{}",
            context(step, "model and list agree")
        );
        for (liquidation, paid) in &raised {
            assert_eq!(
                w.record(*liquidation).4,
                *paid,
                "{}",
                context(step, "raised == paid")
            );
        }
    }
    done
}

fn list_len(w: &World) -> usize {
    w.house.sender(ADMIN).list().len()
}

#[motsu::test]
fn invariants_hold_over_random_sequences() {
    if let Ok(seed) = std::env::var("GAVEL_DUTCH_SEED") {
        let done = run(seed.parse().expect("GAVEL_DUTCH_SEED is a u64"), 200);
        println!("kicks, takes, redos, yanks: {done:?}");
        return;
    }
    let sequences: u64 = std::env::var("GAVEL_DUTCH_SEQUENCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    let mut totals = [0usize; 4];
    for seed in 0..sequences {
        let done = run(0x5eed_0000 + seed, 80);
        for (total, n) in totals.iter_mut().zip(done) {
            *total += n;
        }
    }
    // The sequences did exercise every operation.
    let [kicks, takes, redos, yanks] = totals;
    assert!(
        kicks > 5 * sequences as usize && takes > 5 * sequences as usize,
        "{totals:?}"
    );
    assert!(redos > sequences as usize / 2 && yanks > 0, "{totals:?}");
    println!("kicks, takes, redos, yanks: {totals:?}");
}

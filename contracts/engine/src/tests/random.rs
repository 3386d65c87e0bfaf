//! Randomized sequences over the real contracts: liquidations of random sizes under random
//! limits, Dutch takes and redos, batch bids and settlements, syncs, fallbacks, yanks and
//! finalizations, limit changes and time. After every step:
//! - no liquidation made `dirt` exceed `hole` or `Dirt` exceed `Hole` (checked at each
//!   liquidation, against the limits in force);
//! - `dirt == Dirt ==` the sum of the tabs the engine's records still count;
//! - collateral is conserved: everything minted to the protocol is held by the protocol, the
//!   engine, the houses, the borrower, takers, winning bidders or the finalize destination;
//! - a failed call changed nothing the engine accounts for.
//!
//! Each sequence ends by driving every liquidation to its end (take, settle, fall back, yank and
//! finalize, sync): then nothing is counted in auctions and the engine holds no collateral.
//!
//! `GAVEL_ENGINE_SEQUENCES` (default 200) sequences; `GAVEL_ENGINE_SEED=<u64>` replays one
//! (the failure message prints it).

use super::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// `1..=whole` tokens with a random fraction.
    fn tokens(&mut self, whole: u64) -> U256 {
        e18(u128::from(self.below(whole) + 1))
            + u(u128::from(self.next()) % 1_000_000_000_000_000_000)
    }
}

struct Sequence<'a> {
    w: &'a World,
    rng: Rng,
    minted: U256,
    ids: Vec<U256>,
    /// Bids committed and not revealed: (batch, amount, price, salt).
    bids: Vec<(U256, U256, U256, FixedBytes<32>)>,
    salt: u64,
    /// What happened: see [`STATS`].
    stats: [u64; 10],
}

/// Names of the counters in `Sequence::stats`.
const STATS: [&str; 10] = [
    "liquidations",
    "partial liquidations",
    "refused (NoRoom / DebtBelowDust)",
    "routed to batch",
    "fallbacks",
    "finalizes",
    "ReturnUnknown",
    "takes",
    "sync releases",
    "finalizes without collateral (unknowable split)",
];

impl Sequence<'_> {
    fn gem(&self) -> Address {
        self.w.gem.address()
    }

    fn now(&self) -> u64 {
        clock::now(0)
    }

    fn advance(&mut self, seconds: u64) {
        clock::set(self.now() + seconds);
        self.w.refresh();
    }

    /// (dirt, Dirt, Σ counted, hole, Hole).
    fn counts(&self) -> (U256, U256, U256) {
        let (dirt, total) = self.w.dirt();
        let mut counted = U256::ZERO;
        for id in &self.ids {
            let r = self.w.record(*id);
            if r.2 == 1 || r.2 == 2 {
                counted += r.4;
            } else {
                assert_eq!(r.4, U256::ZERO, "closed record {id} still counts");
            }
        }
        (dirt, total, counted)
    }

    fn check(&self, step: &str) {
        let (dirt, total, counted) = self.counts();
        assert_eq!(dirt, counted, "{step}: dirt != sum of counted tabs");
        assert_eq!(total, counted, "{step}: Dirt != sum of counted tabs");
        let w = self.w;
        let held: U256 = [
            PROTOCOL,
            BORROWER,
            TAKER,
            BIDDER,
            VAULT,
            w.engine.address(),
            w.dutch.address(),
            w.batch.address(),
        ]
        .iter()
        .map(|a| w.gem_of(*a))
        .fold(U256::ZERO, |x, y| x + y);
        assert_eq!(held, self.minted, "{step}: collateral not conserved");
        // Never an allowance left behind to a house.
        for house in [w.dutch.address(), w.batch.address()] {
            assert_eq!(
                w.gem.sender(ADMIN).allowance(w.engine.address(), house),
                U256::ZERO
            );
        }
    }

    fn liquidate(&mut self) {
        let w = self.w;
        let collateral = self.rng.tokens(50);
        let dust = w.collateral().5;
        // Mostly above dust, sometimes below; up to ~60,000 DAI.
        let debt = if self.rng.chance(5) {
            dust / u(2)
        } else {
            dust + self.rng.tokens(60_000)
        };
        w.gem
            .sender(PROTOCOL)
            .mint(PROTOCOL, collateral)
            .motsu_unwrap();
        self.minted += collateral;
        let config = w.collateral();
        let (hole, dirt) = (config.3, config.4);
        let (global, total) = (w.engine.sender(ADMIN).hole(), w.engine.sender(ADMIN).dirt());
        let before = w.snapshot(&[]);
        let result = w
            .engine
            .sender(PROTOCOL)
            .liquidate(self.gem(), collateral, debt, BORROWER, KEEPER)
            .motsu_res();
        match result {
            Ok((id, _, _, taken, debt_taken)) => {
                let tab = w.module(id).2;
                assert_eq!(tab, (debt_taken * config.2).div_ceil(WAD), "tab");
                let (new_dirt, new_total) = w.dirt();
                assert_eq!(new_dirt, dirt + tab);
                assert_eq!(new_total, total + tab);
                assert!(new_dirt <= hole, "dirt {new_dirt} above hole {hole}");
                assert!(new_total <= global, "Dirt {new_total} above Hole {global}");
                assert!(debt_taken <= debt && debt_taken >= dust);
                let rest = debt - debt_taken;
                assert!(rest.is_zero() || rest >= dust, "dusty remainder");
                assert!(taken <= collateral && taken >= (collateral * debt_taken).div_ceil(debt));
                self.ids.push(id);
                self.stats[0] += 1;
                if debt_taken < debt {
                    self.stats[1] += 1;
                }
                if w.record(id).2 == 2 {
                    self.stats[3] += 1;
                }
            }
            Err(error) => {
                let selector: [u8; 4] = error.data()[..4].try_into().unwrap();
                assert!(
                    selector == NoRoom::SELECTOR || selector == DebtBelowDust::SELECTOR,
                    "unexpected liquidate error {error:?}"
                );
                assert_eq!(w.snapshot(&[]), before, "failed liquidate moved something");
                self.stats[2] += 1;
            }
        }
    }

    /// A random record in a given engine status.
    fn pick(&mut self, status: u8) -> Option<U256> {
        let matching: Vec<U256> = self
            .ids
            .iter()
            .copied()
            .filter(|id| self.w.record(*id).2 == status)
            .collect();
        if matching.is_empty() {
            return None;
        }
        Some(matching[self.rng.below(matching.len() as u64) as usize])
    }

    fn take(&mut self) {
        let Some(id) = self.pick(1) else { return };
        let w = self.w;
        let (status, holder, _, _) = w.module(id);
        if status != 1 || holder != w.dutch.address() {
            return;
        }
        let auction = w.record(id).3;
        let (needs_redo, _, lot, _) = w.dutch.sender(ADMIN).get_status(auction).motsu_unwrap();
        if needs_redo {
            w.refresh();
            w.dutch.sender(KEEPER).redo(auction, KEEPER).motsu_unwrap();
        }
        let amount = if self.rng.chance(50) {
            lot
        } else {
            lot * u(u128::from(self.rng.below(100) + 1)) / u(100)
        };
        w.dai
            .sender(TAKER)
            .mint(TAKER, e18(100_000_000))
            .motsu_unwrap();
        // A take can be refused (a partial take leaving dust of the house's chost, e.g.).
        if w.dutch
            .sender(TAKER)
            .take(auction, amount.max(u(1)), U256::MAX, TAKER, none())
            .motsu_res()
            .is_ok()
        {
            self.stats[7] += 1;
        }
    }

    fn sync(&mut self) {
        let Some(id) = (if self.rng.chance(50) {
            self.pick(1)
        } else {
            self.pick(2)
        }) else {
            return;
        };
        let before = self.w.record(id).4;
        self.w.engine.sender(KEEPER).sync(id).motsu_unwrap();
        let after = self.w.record(id).4;
        assert!(after <= before, "sync raised the count");
        if after < before {
            self.stats[8] += 1;
        }
    }

    fn bid(&mut self) {
        let Some(id) = self.pick(2) else { return };
        let w = self.w;
        let batch = w.record(id).3;
        let (phase, ..) = w.batch.sender(ADMIN).batch(batch);
        if phase != U256::from(1) {
            return;
        }
        let amount = self.rng.tokens(20);
        // 1,000 (the reserve) to 2,600 per GEM.
        let price = RAY * u(1_000 + u128::from(self.rng.below(1_600)));
        let deposit = (amount * price).div_ceil(RAY) + e18(10);
        w.dai.sender(BIDDER).mint(BIDDER, deposit).motsu_unwrap();
        self.salt += 1;
        let salt = FixedBytes(U256::from(self.salt).to_be_bytes::<32>());
        let hash = batch_auction::commitment(batch, BIDDER, amount, price, salt);
        w.batch
            .sender(BIDDER)
            .commit(batch, hash, deposit)
            .motsu_unwrap();
        self.bids.push((batch, amount, price, salt));
    }

    fn settle(&mut self) {
        let Some(id) = self.pick(2) else { return };
        let w = self.w;
        let batch = w.record(id).3;
        let (phase, ..) = w.batch.sender(ADMIN).batch(batch);
        if phase >= U256::from(4) {
            return;
        }
        let (commit_end, reveal_end) = w.windows(batch);
        if self.now() < commit_end {
            clock::set(commit_end);
        }
        let mine: Vec<_> = self.bids.iter().copied().filter(|b| b.0 == batch).collect();
        self.bids.retain(|b| b.0 != batch);
        if self.now() < reveal_end {
            for (b, amount, price, salt) in mine {
                w.batch
                    .sender(BIDDER)
                    .reveal(b, amount, price, salt)
                    .motsu_unwrap();
            }
            clock::set(reveal_end);
        }
        w.refresh();
        w.batch.sender(KEEPER).settle(batch).motsu_unwrap();
        // Winners collect (the bidder's claim pays out collateral won).
        let _ = w.batch.sender(BIDDER).claim(batch).motsu_res();
    }

    fn fallback(&mut self) {
        let Some(id) = self.pick(2) else { return };
        let w = self.w;
        let (status, holder, _, _) = w.module(id);
        w.refresh();
        let engine_before = w.gem_of(w.engine.address());
        let result = w
            .engine
            .sender(KEEPER)
            .fallback_to_dutch(id, KEEPER)
            .motsu_res();
        if status == 1 && holder.is_zero() {
            // Returned by a settled batch (no batch is yanked in these sequences).
            let auction = result.unwrap();
            let lot = w.dutch.sender(ADMIN).sales(auction).2;
            assert_eq!(engine_before - w.gem_of(w.engine.address()), lot);
            assert_eq!(w.record(id).2, 1);
            self.stats[4] += 1;
        } else {
            assert!(result.is_err());
            assert_eq!(w.gem_of(w.engine.address()), engine_before);
        }
    }

    fn yank_and_finalize(&mut self) {
        let Some(id) = self.pick(1) else { return };
        let w = self.w;
        let (status, holder, _, _) = w.module(id);
        if status != 1 || holder != w.dutch.address() {
            return;
        }
        if self.rng.chance(50) {
            w.engine.sender(ADMIN).sync(id).motsu_unwrap();
        }
        let auction = w.record(id).3;
        w.dutch.sender(ADMIN).yank(auction).motsu_unwrap();
        self.finalize(id);
    }

    /// Finalizes a returned liquidation; `ReturnUnknown` is allowed (tried again at the end).
    fn finalize(&mut self, id: U256) -> bool {
        let w = self.w;
        let engine_before = w.gem_of(w.engine.address());
        let vault_before = w.gem_of(VAULT);
        match w.engine.sender(ADMIN).finalize(id, VAULT).motsu_res() {
            Ok(()) => {
                let sent = w.gem_of(VAULT) - vault_before;
                assert_eq!(engine_before - w.gem_of(w.engine.address()), sent);
                assert_eq!(w.module(id).0, 2);
                assert_eq!(w.record(id).2, 3);
                self.stats[5] += 1;
                true
            }
            Err(error) => {
                assert_eq!(
                    error.data(),
                    &ReturnUnknown { liquidationId: id }.abi_encode()[..]
                );
                self.stats[6] += 1;
                false
            }
        }
    }

    fn limits(&mut self) {
        let w = self.w;
        if self.rng.chance(50) {
            let hole = e18(u128::from(self.rng.below(120_000)));
            w.engine.sender(ADMIN).set_hole(hole).motsu_unwrap();
        } else {
            let c = w.collateral();
            let hole = e18(u128::from(self.rng.below(100_000)));
            w.engine
                .sender(ADMIN)
                .set_collateral(self.gem(), c.0, c.1, c.2, hole, c.5, c.6, c.7)
                .motsu_unwrap();
        }
    }

    /// Drives every liquidation to its end.
    fn wind_down(&mut self) {
        let w = self.w;
        for _ in 0..4 {
            // Settle running batches, take running Dutch auctions whole.
            for id in self.ids.clone() {
                let r = w.record(id);
                let (status, holder, _, _) = w.module(id);
                if r.2 == 2 && status == 1 && !holder.is_zero() {
                    let (phase, ..) = w.batch.sender(ADMIN).batch(r.3);
                    if phase < U256::from(4) {
                        let (_, reveal_end) = w.windows(r.3);
                        if self.now() < reveal_end {
                            clock::set(reveal_end);
                        }
                        w.refresh();
                        w.batch.sender(KEEPER).settle(r.3).motsu_unwrap();
                    }
                }
            }
            for id in self.ids.clone() {
                let r = w.record(id);
                let (status, holder, _, _) = w.module(id);
                if r.2 == 1 && status == 1 && holder == w.dutch.address() {
                    let (needs_redo, _, lot, _) =
                        w.dutch.sender(ADMIN).get_status(r.3).motsu_unwrap();
                    if needs_redo {
                        w.refresh();
                        w.dutch.sender(KEEPER).redo(r.3, KEEPER).motsu_unwrap();
                    }
                    w.dai
                        .sender(TAKER)
                        .mint(TAKER, e18(100_000_000))
                        .motsu_unwrap();
                    w.dutch
                        .sender(TAKER)
                        .take(r.3, lot, U256::MAX, TAKER, none())
                        .motsu_unwrap();
                }
            }
            // Returned ones: fall back (settled batch) or finalize; finished ones: sync.
            let mut unknown = Vec::new();
            for id in self.ids.clone() {
                let r = w.record(id);
                if r.2 == 3 {
                    continue;
                }
                let (status, holder, _, _) = w.module(id);
                if status == 2 {
                    w.engine.sender(KEEPER).sync(id).motsu_unwrap();
                } else if holder.is_zero() {
                    w.refresh();
                    if w.engine
                        .sender(KEEPER)
                        .fallback_to_dutch(id, KEEPER)
                        .motsu_res()
                        .is_ok()
                    {
                        self.stats[4] += 1;
                    } else if !self.finalize(id) {
                        unknown.push(id);
                    }
                }
                self.check("wind down");
            }
            // Yanked Dutch auctions whose split is unknowable: close all but the last without
            // collateral; the last then takes the whole balance.
            if let Some((_, rest)) = unknown.split_last() {
                for id in rest {
                    let engine_before = w.gem_of(w.engine.address());
                    w.engine
                        .sender(ADMIN)
                        .finalize(*id, Address::ZERO)
                        .motsu_unwrap();
                    assert_eq!(w.gem_of(w.engine.address()), engine_before);
                    assert_eq!((w.record(*id).2, w.module(*id).0), (3, 2));
                    self.stats[9] += 1;
                    self.check("deferred finalize");
                }
            }
        }
        let (dirt, total, counted) = self.counts();
        if !counted.is_zero() {
            for id in &self.ids {
                eprintln!(
                    "record {id}: {:?} module {:?}",
                    w.record(*id),
                    w.module(*id)
                );
            }
        }
        assert_eq!(
            (dirt, total, counted),
            (U256::ZERO, U256::ZERO, U256::ZERO),
            "auctions left counted"
        );
        assert_eq!(
            w.gem_of(w.engine.address()),
            U256::ZERO,
            "collateral stranded in the engine"
        );
        for id in &self.ids {
            assert_eq!(w.record(*id).2, 3, "record {id} not closed");
        }
    }
}

fn run(seed: u64) -> [u64; 10] {
    let mut rng = Rng(seed | 1);
    let penalty = WAD + u(u128::from(rng.below(300)) * 1_000_000_000_000_000);
    let config = Config {
        penalty,
        hole: e18(u128::from(rng.below(100_000) + 1)),
        dust: e18(u128::from(rng.below(500) + 1)),
        threshold: if rng.chance(50) {
            U256::ZERO
        } else {
            e18(u128::from(rng.below(40_000) + 1))
        },
        illiquid: rng.chance(15),
        global_hole: e18(u128::from(rng.below(150_000) + 1)),
    };
    let w = World::new(config);
    let mut s = Sequence {
        w: &w,
        rng,
        minted: U256::ZERO,
        ids: Vec::new(),
        bids: Vec::new(),
        salt: 0,
        stats: [0; 10],
    };
    let steps = 12 + s.rng.below(20);
    for step in 0..steps {
        let op = s.rng.below(100);
        let name = match op {
            0..=29 => {
                s.liquidate();
                "liquidate"
            }
            30..=44 => {
                s.take();
                "take"
            }
            45..=59 => {
                s.sync();
                "sync"
            }
            60..=67 => {
                s.bid();
                "bid"
            }
            68..=74 => {
                s.settle();
                "settle"
            }
            75..=81 => {
                s.fallback();
                "fallback"
            }
            82..=86 => {
                s.yank_and_finalize();
                "yank"
            }
            87..=92 => {
                s.limits();
                "limits"
            }
            _ => {
                let seconds = s.rng.below(900);
                s.advance(seconds);
                "time"
            }
        };
        s.check(&format!("seed {seed} step {step} ({name})"));
    }
    s.wind_down();
    s.stats
}

#[motsu::test]
fn random_sequences() {
    let sequences: u64 = std::env::var("GAVEL_ENGINE_SEQUENCES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seeds: Vec<u64> = match std::env::var("GAVEL_ENGINE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        Some(seed) => vec![seed],
        None => (0..sequences).map(|i| 0x5eed_0000 + i).collect(),
    };
    let several = seeds.len() > 1;
    let mut totals = [0u64; 10];
    for seed in seeds {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(seed)));
        match outcome {
            Ok(stats) => {
                for (total, count) in totals.iter_mut().zip(stats) {
                    *total += count;
                }
            }
            Err(panic) => {
                eprintln!("random sequence failed: replay with GAVEL_ENGINE_SEED={seed}");
                std::panic::resume_unwind(panic);
            }
        }
    }
    for (name, total) in STATS.iter().zip(totals) {
        eprintln!("{name}: {total}");
    }
    // The sequences reach every path they are meant to check.
    if several {
        // (The unknowable split is rare; a unit test covers it.)
        for (name, total) in STATS.iter().zip(totals).take(9) {
            assert!(total > 0, "no {name} in the random sequences");
        }
    }
}

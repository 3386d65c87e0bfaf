//! One strategy through one scenario: the step loop, the agents (kicker bot, Dutch keepers,
//! sealed bidders), and the metrics read back from the contracts.

use std::collections::BTreeMap;

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::SolError;
use gavel_common::clock;
use motsu::prelude::ResultExt;
use stylus_sdk::abi::Bytes;

use crate::pool::Pool;
use crate::scenario::{population, Borrower, Config, Rng, Strategy};
use crate::world::{
    addr, must, price_of, ray_price, selector_of, tokens, wad, World, BIDDER, BORROWER, KEEPER,
    KICKER, LENDER, T0,
};

/// Gas a keeper spends on a take plus the swap that sells the slice.
const TAKE_GAS: f64 = 250_000.0;

/// A point of the time series kept for plots.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Seconds from the start.
    pub t: u64,
    /// Fair (oracle) price.
    pub fair: f64,
    /// Pool price.
    pub pool: f64,
    /// Insurance fund.
    pub fund: f64,
}

/// A sale: a Dutch take, a batch clearing, or a dump into the pool.
#[derive(Clone, Debug, PartialEq)]
pub struct Sale {
    /// Seconds from the start.
    pub t: u64,
    /// Price paid (debt tokens per collateral token).
    pub price: f64,
    /// Collateral sold.
    pub amount: f64,
    /// 0 dump, 1 Dutch take, 2 batch clearing.
    pub kind: u8,
}

/// What one strategy produced.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Outcome {
    /// Strategy name.
    pub strategy: String,
    /// Liquidations started.
    pub liquidations: usize,
    /// Liquidations finished (waterfall run).
    pub finished: usize,
    /// Dutch auctions kicked (including fallbacks) and batches opened.
    pub dutch_auctions: usize,
    /// Batches opened.
    pub batches: usize,
    /// Dutch redos.
    pub redos: usize,
    /// Unsold batch lots continued in the Dutch house.
    pub fallbacks: usize,
    /// Dutch takes.
    pub takes: usize,
    /// Sealed bids committed and not revealed (bond forfeited).
    pub unrevealed: usize,
    /// `liquidate` calls refused for lack of room under `hole`/`Hole`.
    pub no_room: usize,
    /// `liquidate` calls refused for another reason (the position is left alone).
    pub kick_errors: usize,
    /// Debt handed to liquidation.
    pub debt: f64,
    /// Collateral handed to liquidation.
    pub collateral: f64,
    /// Collateral sold.
    pub collateral_sold: f64,
    /// Fair value at kick of the collateral sold.
    pub fair_value_sold: f64,
    /// Proceeds (raised).
    pub proceeds: f64,
    /// proceeds / fair value at kick of what was sold.
    pub recovery: f64,
    /// Debt not repaid from proceeds (covered by the fund or lost).
    pub bad_debt: f64,
    /// Of which covered by the fund.
    pub covered: f64,
    /// Of which socialized to the lenders (solvency module).
    pub socialized: f64,
    /// Lenders' total write-down (the market's `socialized`, including its own bad debt).
    pub lender_loss: f64,
    /// Debt of liquidations still open at the end.
    pub stuck_debt: f64,
    /// Insurance fund at the start, lowest, and at the end (before socialization).
    pub fund_start: f64,
    /// Lowest fund.
    pub fund_min: f64,
    /// Fund at the end.
    pub fund_end: f64,
    /// `fund_start - fund_min`.
    pub fund_drawdown: f64,
    /// Keeper incentives paid by the fund.
    pub keeper_paid: f64,
    /// Time to clear (kick to finish), seconds: mean, median, 95th percentile, max.
    pub clear_mean: f64,
    /// Median.
    pub clear_p50: f64,
    /// 95th percentile.
    pub clear_p95: f64,
    /// Max.
    pub clear_max: f64,
    /// Collateral sold into the pool by everyone who bought it.
    pub pool_sold: f64,
    /// Volume-weighted slippage of those sales.
    pub pool_slippage: f64,
    /// Deepest pool discount to the fair price.
    pub pool_max_discount: f64,
    /// Contract accounting check: `Σ proceeds + fund_start + bonds == repaid + penalty to
    /// beneficiary + covered + keeper pay + fund_end + held` exactly, and the sim's own
    /// observation of proceeds equals the module's.
    pub accounting_ok: bool,
    /// The two sides of the check (base units as decimal strings).
    pub accounting: Vec<(String, String)>,
    /// Seconds simulated.
    pub simulated_seconds: u64,
    /// Time series for plots.
    pub samples: Vec<Sample>,
    /// Sales for plots.
    pub sales: Vec<Sale>,
    /// Dutch auction prices (t, price) sampled while running, for plots.
    pub auction_prices: Vec<(u64, f64)>,
}

/// A Dutch keeper.
struct Keeper {
    address: Address,
    margin: f64,
    delay: u64,
    budget: f64,
    /// DAI balance (kept in step with the token).
    dai: U256,
    /// Collateral balance (kept in step with the token).
    weth: U256,
}

/// A sealed bidder.
struct Bidder {
    address: Address,
    margin: f64,
    delay: u64,
    budget: f64,
    noise: f64,
    /// Collateral balance (kept in step with the token).
    weth: U256,
}

/// The sim's view of one liquidation.
struct Liq {
    id: U256,
    fair_at_kick: f64,
    sold: f64,
}

/// A running Dutch auction as the keepers track it off-chain (as real keepers do from the
/// `Kick`/`Redo` events): which liquidation, when it (re)started and at what `top`.
struct Auction {
    liq: usize,
    start: u64,
    top: f64,
}

/// A committed sealed bid.
struct Bid {
    bidder: usize,
    amount: U256,
    price: U256,
    salt: FixedBytes<32>,
    revealed: bool,
}

struct BatchState {
    id: U256,
    /// Seconds from the start: end of kicks, commits, reveals.
    kick_end: u64,
    commit_end: u64,
    reveal_end: u64,
    bids: Vec<Bid>,
    committed: Vec<bool>,
}

/// The price feed's update rule: a new answer when the fair price moved by `deviation` or
/// after `heartbeat` seconds (Chainlink's ETH / USD feed: 0.5% and one hour).
#[derive(Clone, Debug)]
pub struct Feed {
    /// Last answer.
    pub price: f64,
    /// Time of the last answer.
    pub updated: u64,
}

impl Feed {
    /// Deviation threshold.
    pub const DEVIATION: f64 = 0.005;
    /// Heartbeat (below the houses' and the market's `maxAge` of one hour).
    pub const HEARTBEAT: u64 = 1_800;

    /// Whether the feed answers anew at `t` with fair price `fair` (and records it).
    pub fn update(&mut self, t: u64, fair: f64) -> bool {
        if (fair / self.price - 1.0).abs() >= Self::DEVIATION || t >= self.updated + Self::HEARTBEAT
        {
            self.price = fair;
            self.updated = t;
            true
        } else {
            false
        }
    }
}

/// Runs `strategy` over `cfg` on the calling thread and returns its outcome.
///
/// The contracts' logs are not recorded while it runs (`gavel_common::log`): the simulator
/// reads state and return values, never logs, and motsu copies every recorded log before each
/// call, which made the standard crash about thirty times slower.
pub fn run(cfg: &Config, strategy: Strategy) -> Outcome {
    run_with_logs(cfg, strategy, false)
}

/// [`run`], with the contracts' logs recorded or not (`record_logs`); the outcome is the same
/// either way (a test checks it). The thread's previous setting is restored afterwards.
pub fn run_with_logs(cfg: &Config, strategy: Strategy, record_logs: bool) -> Outcome {
    let recording = gavel_common::log::recording();
    gavel_common::log::set_recording(record_logs);
    let out = run_on_thread(cfg, strategy);
    gavel_common::log::set_recording(recording);
    out
}

fn run_on_thread(cfg: &Config, strategy: Strategy) -> Outcome {
    let people = population(cfg);
    match strategy {
        Strategy::Dump => run_dump(cfg, &people),
        _ => {
            let start = std::time::Instant::now();
            let runner = Runner::new(cfg, strategy, &people);
            if std::env::var("GAVEL_SIM_DEBUG").is_ok() {
                eprintln!(
                    "{} setup {:.2}s",
                    strategy.name(),
                    start.elapsed().as_secs_f64()
                );
            }
            let out = runner.run();
            if std::env::var("GAVEL_SIM_DEBUG").is_ok() {
                eprintln!(
                    "{} total {:.2}s",
                    strategy.name(),
                    start.elapsed().as_secs_f64()
                );
            }
            out
        }
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i]
}

fn clear_stats(out: &mut Outcome, mut times: Vec<f64>) {
    times.sort_by(f64::total_cmp);
    out.clear_mean = if times.is_empty() {
        0.0
    } else {
        times.iter().sum::<f64>() / times.len() as f64
    };
    out.clear_p50 = percentile(&times, 0.5);
    out.clear_p95 = percentile(&times, 0.95);
    out.clear_max = times.last().copied().unwrap_or(0.0);
}

/// Candidates for liquidation, highest liquidation price first.
fn by_liquidation_price(cfg: &Config, people: &[Borrower]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..people.len()).collect();
    order.sort_by(|a, b| {
        people[*b]
            .liquidation_price(cfg.lltv)
            .total_cmp(&people[*a].liquidation_price(cfg.lltv))
            .then(a.cmp(b))
    });
    order
}

/// The baseline: each unhealthy position's collateral is sold into the pool at once, as much
/// as needed to raise `debt × penalty` (the rest goes back to the borrower), with the
/// solvency module's waterfall computed here. Congestion delays the dump.
fn run_dump(cfg: &Config, people: &[Borrower]) -> Outcome {
    let mut out = Outcome {
        strategy: "dump".into(),
        ..Outcome::default()
    };
    let p0 = cfg.path.at(0);
    let mut pool = Pool::new(cfg.pool_depth, p0, cfg.pool_fee, cfg.arb_half_life);
    let order = by_liquidation_price(cfg, people);
    let mut done = vec![false; people.len()];
    let mut fund = cfg.fund;
    out.fund_start = fund;
    out.fund_min = fund;
    let mut deficit = 0.0;
    let end = cfg.path.end();
    let mut t = 0;
    while t <= end {
        let fair = cfg.path.at(t);
        pool.advance(t, fair);
        if !cfg.congested(t) {
            for &i in &order {
                let b = &people[i];
                if b.liquidation_price(cfg.lltv) <= fair {
                    break;
                }
                if done[i] {
                    continue;
                }
                done[i] = true;
                let tab = b.debt * cfg.penalty;
                let need = pool.amount_for(tab);
                let sold = need.min(b.collateral);
                let price_before = pool.price();
                let raised = pool.sell(sold);
                out.sales.push(Sale {
                    t,
                    price: raised / sold.max(1e-18),
                    amount: sold,
                    kind: 0,
                });
                let _ = price_before;
                out.liquidations += 1;
                out.finished += 1;
                out.debt += b.debt;
                out.collateral += b.collateral;
                out.collateral_sold += sold;
                out.fair_value_sold += sold * fair;
                out.proceeds += raised;
                let repaid = raised.min(b.debt);
                fund += raised - repaid;
                let shortfall = b.debt - repaid;
                out.bad_debt += shortfall;
                let cover = shortfall.min(fund);
                fund -= cover;
                out.covered += cover;
                deficit += shortfall - cover;
                out.fund_min = out.fund_min.min(fund);
            }
        }
        if t % 300 == 0 {
            out.samples.push(Sample {
                t,
                fair,
                pool: pool.price(),
                fund,
            });
        }
        t += cfg.step;
    }
    out.simulated_seconds = end;
    out.fund_end = fund;
    out.socialized = deficit;
    out.lender_loss = deficit;
    out.fund_drawdown = out.fund_start - out.fund_min;
    out.recovery = if out.fair_value_sold > 0.0 {
        out.proceeds / out.fair_value_sold
    } else {
        0.0
    };
    out.pool_sold = pool.sold;
    out.pool_slippage = pool.slippage();
    out.pool_max_discount = 1.0 - pool.min_ratio;
    out.accounting_ok = true;
    let finished = out.finished;
    clear_stats(&mut out, vec![0.0; finished]);
    out
}

struct Runner<'a> {
    cfg: &'a Config,
    people: &'a [Borrower],
    w: World,
    pool: Pool,
    feed: Feed,
    rng: Rng,
    keepers: Vec<Keeper>,
    bidders: Vec<Bidder>,
    liqs: Vec<Liq>,
    /// Liquidation id (as u64) → index in `liqs`.
    liq_index: BTreeMap<u64, usize>,
    /// Running Dutch auctions by id.
    auctions: BTreeMap<u64, Auction>,
    batches: Vec<BatchState>,
    /// Borrowers that the path can bring under water, highest liquidation price first.
    order: Vec<usize>,
    /// Borrowers with nothing left to liquidate.
    done: Vec<bool>,
    /// Collateral each borrower still has in the market (base units).
    left: Vec<U256>,
    /// Liquidations whose proceeds changed since their last `sync`.
    touched: Vec<usize>,
    /// Something moved the fund this step.
    dirty: bool,
    /// The fund as last read.
    fund_now: f64,
    /// Sim-side total of proceeds paid by keepers and bidders (base units).
    seen_proceeds: U256,
    /// Bonds forfeited (base units).
    bonds: U256,
    out: Outcome,
    t: u64,
    /// Contract calls by kind (shown with GAVEL_SIM_DEBUG).
    calls: BTreeMap<&'static str, usize>,
}

/// Keepers' and bidders' working capital is minted once; their budgets are enforced here.
const PLENTY: u128 = 1_000_000_000_000_000_000_000_000_000_000; // 1e12 tokens

impl<'a> Runner<'a> {
    fn new(cfg: &'a Config, strategy: Strategy, people: &'a [Borrower]) -> Runner<'a> {
        let p0 = cfg.path.at(0);
        let w = World::new(cfg, strategy, p0);
        let total_debt: f64 = people.iter().map(|b| b.debt).sum();
        w.supply(addr(LENDER), wad(total_debt * 1.1 + 1.0));
        // Positions the path cannot bring under water (liquidation price 2% below its low)
        // never meet the liquidation machinery: one account holds them together (same total
        // collateral and debt, a lower LTV than the riskiest of them), which keeps the world
        // small. Every other borrower has an account of its own.
        let safe_below = cfg.path.min() * 0.98;
        let (mut idle_collateral, mut idle_debt) = (U256::ZERO, U256::ZERO);
        for (i, b) in people.iter().enumerate() {
            if b.liquidation_price(cfg.lltv) < safe_below {
                idle_collateral += wad(b.collateral);
                idle_debt += wad(b.debt);
            } else {
                w.open_position(addr(BORROWER + i as u64), wad(b.collateral), wad(b.debt));
            }
        }
        if !idle_collateral.is_zero() {
            w.open_position(addr(BORROWER - 1), idle_collateral, idle_debt);
        }
        let order: Vec<usize> = by_liquidation_price(cfg, people)
            .into_iter()
            .filter(|i| people[*i].liquidation_price(cfg.lltv) >= safe_below)
            .collect();
        let mut rng = Rng::new(cfg.seed, 2);
        let keepers = (0..cfg.keepers)
            .map(|i| {
                let address = addr(KEEPER + i as u64);
                let dai = U256::from(PLENTY);
                must(w.dai.sender(address).mint(address, dai), "mint keeper");
                must(
                    w.dai.sender(address).approve(w.dutch.address(), U256::MAX),
                    "approve",
                );
                Keeper {
                    address,
                    budget: rng.range(cfg.keeper_budget.0, cfg.keeper_budget.1),
                    margin: rng.range(cfg.keeper_margin.0, cfg.keeper_margin.1),
                    delay: rng.range(cfg.keeper_delay.0 as f64, cfg.keeper_delay.1 as f64 + 1.0)
                        as u64,
                    dai,
                    weth: U256::ZERO,
                }
            })
            .collect();
        let mut rng_b = Rng::new(cfg.seed, 3);
        let window = cfg
            .batch
            .commit_window
            .saturating_sub(cfg.batch.kick_window + 60)
            .max(1);
        let bidders: Vec<Bidder> = (0..cfg.bidders)
            .map(|i| Bidder {
                address: addr(BIDDER + i as u64),
                margin: rng_b.range(cfg.bidder_margin.0, cfg.bidder_margin.1),
                delay: rng_b.range(0.0, window as f64) as u64,
                budget: rng_b.range(cfg.bidder_budget.0, cfg.bidder_budget.1),
                noise: rng_b.range(-cfg.bidder_noise, cfg.bidder_noise),
                weth: U256::ZERO,
            })
            .collect();
        if strategy != Strategy::Dutch {
            for b in &bidders {
                must(
                    w.dai.sender(b.address).mint(b.address, U256::from(PLENTY)),
                    "mint bidder",
                );
                must(
                    w.dai
                        .sender(b.address)
                        .approve(w.batch.address(), U256::MAX),
                    "approve",
                );
            }
        }
        let fund = tokens(w.fund());
        let out = Outcome {
            strategy: strategy.name().into(),
            fund_start: fund,
            fund_min: fund,
            ..Outcome::default()
        };
        Runner {
            cfg,
            people,
            pool: Pool::new(cfg.pool_depth, p0, cfg.pool_fee, cfg.arb_half_life),
            feed: Feed {
                price: p0,
                updated: 0,
            },
            w,
            rng: Rng::new(cfg.seed, 4),
            keepers,
            bidders,
            liqs: Vec::new(),
            liq_index: BTreeMap::new(),
            auctions: BTreeMap::new(),
            batches: Vec::new(),
            done: vec![false; people.len()],
            left: people.iter().map(|b| wad(b.collateral)).collect(),
            order,
            touched: Vec::new(),
            dirty: false,
            fund_now: fund,
            seen_proceeds: U256::ZERO,
            bonds: U256::ZERO,
            out,
            t: 0,
            calls: BTreeMap::new(),
        }
    }

    fn run(mut self) -> Outcome {
        let end = self.cfg.path.end();
        let mut t = 0;
        loop {
            self.t = t;
            clock::set(T0 + t);
            let fair = self.cfg.path.at(t);
            self.pool.advance(t, fair);
            if self.feed.update(t, fair) {
                self.count("set_price");
                self.w.set_price(fair);
            }
            self.kick(fair);
            let congested = self.cfg.congested(t);
            if !congested {
                self.dutch_step(fair, t % (self.cfg.step * 5) == 0);
            }
            self.batch_step(congested);
            if self.dirty {
                self.dirty = false;
                self.count("fund");
                self.fund_now = tokens(self.w.fund());
                self.out.fund_min = self.out.fund_min.min(self.fund_now);
            }
            if t % 300 == 0 {
                self.out.samples.push(Sample {
                    t,
                    fair,
                    pool: self.pool.price(),
                    fund: self.fund_now,
                });
            }
            let open = !self.auctions.is_empty() || !self.batches.is_empty();
            if t >= end && (!open || t >= end + self.cfg.drain) {
                break;
            }
            t += self.cfg.step;
        }
        self.out.simulated_seconds = t;
        if std::env::var("GAVEL_SIM_DEBUG").is_ok() {
            eprintln!("{} calls {:?}", self.out.strategy, self.calls);
            for (id, a) in &self.auctions {
                let status = self
                    .w
                    .dutch
                    .sender(addr(KICKER))
                    .get_status(U256::from(*id));
                let snap = self.w.dutch.sender(addr(KICKER)).snapshot(U256::from(*id));
                eprintln!(
                    "open auction {id} start={} top={} status={:?} snap={:?} pool={} feed={}",
                    a.start,
                    a.top,
                    status.ok(),
                    snap,
                    self.pool.price(),
                    self.feed.price
                );
            }
        }
        self.finish()
    }

    fn count(&mut self, what: &'static str) {
        *self.calls.entry(what).or_insert(0) += 1;
    }

    /// Releases the room of liquidations whose proceeds changed (`engine.sync`).
    fn sync_touched(&mut self) {
        let kicker = addr(KICKER);
        for index in std::mem::take(&mut self.touched) {
            // A closed record refuses a sync; nothing to release then.
            *self.calls.entry("sync").or_insert(0) += 1;
            let _ = self
                .w
                .engine
                .sender(kicker)
                .sync(self.liqs[index].id)
                .motsu_res();
        }
    }

    /// The kicker bot liquidates every position the feed shows unhealthy, highest
    /// liquidation price first, until the engine's limits stop it.
    fn kick(&mut self, _fair: f64) {
        let kicker = addr(KICKER);
        let price = self.feed.price;
        for n in 0..self.order.len() {
            let i = self.order[n];
            // Partial liquidations take collateral in proportion, so the remainder keeps its
            // liquidation price.
            if self.people[i].liquidation_price(self.cfg.lltv) <= price * 0.999_999 {
                break;
            }
            if self.done[i] {
                continue;
            }
            if !self.touched.is_empty() {
                self.sync_touched();
            }
            let who = addr(BORROWER + i as u64);
            self.count("liquidate");
            match self.w.market.sender(kicker).liquidate(who).motsu_res() {
                Ok(id) => self.record_kick(id, who, i),
                Err(error) => {
                    let selector = selector_of(error);
                    if selector == liquidation_engine::NoRoom::SELECTOR {
                        self.out.no_room += 1;
                        return;
                    }
                    if selector != lending_market::Healthy::SELECTOR {
                        // Anything else (e.g. a remainder below the dust): leave it.
                        self.out.kick_errors += 1;
                        self.done[i] = true;
                    }
                }
            }
        }
    }

    fn record_kick(&mut self, id: U256, who: Address, borrower: usize) {
        let kicker = addr(KICKER);
        self.dirty = true;
        let (_, house, status, auction, counted, lot) = must(
            self.w.engine.sender(kicker).liquidations(id),
            "engine.liquidations",
        );
        // The engine takes collateral in proportion: the position is done once all of its
        // collateral went.
        self.left[borrower] = self.left[borrower].saturating_sub(lot);
        if self.left[borrower].is_zero() {
            self.done[borrower] = true;
        }
        let _ = who;
        let index = self.liqs.len();
        self.liqs.push(Liq {
            id,
            fair_at_kick: self.cfg.path.at(self.t),
            sold: 0.0,
        });
        self.liq_index.insert(id.to::<u64>(), index);
        self.out.liquidations += 1;
        // counted = tab = debt × penalty at the kick.
        self.out.debt += tokens(counted) / self.cfg.penalty;
        self.out.collateral += tokens(lot);
        if status == 1 && house == self.w.dutch.address() {
            self.new_auction(auction, index);
        } else if !self.batches.iter().any(|b| b.id == auction) {
            let (_, kick_end, commit_end, reveal_end, ..) =
                self.w.batch.sender(kicker).batch(auction);
            let since = |x: U256| x.to::<u64>() - T0;
            self.batches.push(BatchState {
                id: auction,
                kick_end: since(kick_end),
                commit_end: since(commit_end),
                reveal_end: since(reveal_end),
                bids: Vec::new(),
                committed: vec![false; self.bidders.len()],
            });
            self.out.batches += 1;
        }
    }

    fn new_auction(&mut self, auction: U256, liq: usize) {
        // The house starts at `buf` times the feed's answer (keepers read it from the `Kick`
        // event; the curve estimate only decides when to look at the auction).
        let top = self.feed.price * self.cfg.dutch.buf;
        self.auctions.insert(
            auction.to::<u64>(),
            Auction {
                liq,
                start: self.t,
                top,
            },
        );
        self.out.dutch_auctions += 1;
    }

    /// The Dutch price the keepers expect from the curve (they read the contract before
    /// acting; this only spares them reading auctions that cannot interest them yet).
    fn expected_price(&self, a: &Auction) -> f64 {
        let d = &self.cfg.dutch;
        let elapsed = self.t.saturating_sub(a.start) as f64;
        match d.kind {
            1 => a.top * (1.0 - elapsed / d.step.max(1) as f64).max(0.0),
            2 => a.top * d.cut.powf((elapsed / d.step.max(1) as f64).floor()),
            _ => a.top * d.cut.powf(elapsed),
        }
    }

    /// Keepers look at the running auctions: redo one that needs it, otherwise buy what they
    /// can sell into the pool at their margin.
    fn dutch_step(&mut self, fair: f64, sample: bool) {
        if self.keepers.is_empty() {
            return;
        }
        let ids: Vec<u64> = self.auctions.keys().copied().collect();
        let gas = TAKE_GAS * self.cfg.gas_gwei * 1e-9 * fair;
        let n = self.keepers.len();
        let min_margin = self
            .keepers
            .iter()
            .map(|k| k.margin)
            .fold(f64::INFINITY, f64::min);
        let min_delay = self.keepers.iter().map(|k| k.delay).min().unwrap_or(0);
        let d = self.cfg.dutch.clone();
        let count = ids.len();
        for (rank, id) in ids.into_iter().enumerate() {
            // Plots sample the price of the newest few auctions.
            let sample = sample && rank + 6 >= count;
            let a = &self.auctions[&id];
            let (index, start, top) = (a.liq, a.start, a.top);
            if self.t < start + min_delay {
                continue;
            }
            let expected = self.expected_price(a);
            let maybe_redo = self.t >= start + d.tail
                || expected < d.cusp * top * 1.000_001
                || expected < d.floor * self.feed.price * 1.01;
            let best_bid = self.pool.price() * (1.0 - self.cfg.pool_fee) / (1.0 + min_margin);
            if !maybe_redo && expected > best_bid * 1.001 && !sample {
                continue;
            }
            let auction = U256::from(id);
            self.count("get_status");
            let Ok((needs_redo, price, mut lot, mut tab)) =
                self.w.dutch.sender(addr(KICKER)).get_status(auction)
            else {
                continue;
            };
            if lot.is_zero() {
                self.auctions.remove(&id);
                continue;
            }
            if sample {
                self.out.auction_prices.push((self.t, price_of(price)));
            }
            let p = price_of(price);
            for k in 0..n {
                // A different keeper looks first each step.
                let k = (k + (self.t / self.cfg.step.max(1)) as usize) % n;
                if self.t < start + self.keepers[k].delay {
                    continue;
                }
                let keeper = self.keepers[k].address;
                if needs_redo {
                    must(self.w.dutch.sender(keeper).redo(auction, keeper), "redo");
                    // The redo incentive (from the fund) lands in the keeper's balance.
                    self.keepers[k].dai = self.w.dai.sender(keeper).balance_of(keeper);
                    self.out.redos += 1;
                    self.dirty = true;
                    let top = self.feed.price * self.cfg.dutch.buf;
                    self.auctions.insert(
                        id,
                        Auction {
                            liq: index,
                            start: self.t,
                            top,
                        },
                    );
                    break;
                }
                let state = &self.keepers[k];
                let mut amount = self.pool.max_sale_at(p * (1.0 + state.margin));
                amount = amount.min(tokens(lot)).min(tokens(tab) / p * 1.000_001);
                amount = amount.min(state.budget / p);
                if amount <= 0.0 || self.pool.quote(amount) - amount * p < gas {
                    continue;
                }
                // Whole-lot and whole-tab takes pass the exact lot (f64 would leave dust).
                let mut amt = if amount >= tokens(lot) * (1.0 - 1e-9) || amount * p >= tokens(tab) {
                    lot
                } else {
                    wad(amount).min(lot)
                };
                *self.calls.entry("take").or_insert(0) += 1;
                let mut result = self
                    .w
                    .dutch
                    .sender(keeper)
                    .take(auction, amt, price, keeper, Bytes::from(Vec::new()))
                    .motsu_res();
                if result.is_err() && amt < lot {
                    // The dust rule refuses a remainder below `dust`: take it all if it pays.
                    let all = tokens(lot);
                    if self.pool.quote(all) >= all * p * (1.0 + state.margin)
                        && all * p <= state.budget
                    {
                        amt = lot;
                        result = self
                            .w
                            .dutch
                            .sender(keeper)
                            .take(auction, amt, price, keeper, Bytes::from(Vec::new()))
                            .motsu_res();
                    }
                }
                if let Err(e) = result {
                    if std::env::var("GAVEL_SIM_DEBUG").is_ok() {
                        eprintln!(
                            "t={} take {id} amt={amt} lot={lot} tab={tab} p={p}: {:02x?}",
                            self.t,
                            selector_of(e)
                        );
                    }
                    continue;
                }
                self.dirty = true;
                let weth = self.w.weth.sender(keeper).balance_of(keeper);
                let dai = self.w.dai.sender(keeper).balance_of(keeper);
                let (bought, paid) = (weth - state.weth, state.dai - dai);
                self.keepers[k].weth = weth;
                self.keepers[k].dai = dai;
                self.seen_proceeds += paid;
                let slice = tokens(bought);
                self.liqs[index].sold += slice;
                self.out.takes += 1;
                self.out.sales.push(Sale {
                    t: self.t,
                    price: p,
                    amount: slice,
                    kind: 1,
                });
                // The keeper sells the slice into the pool.
                self.pool.sell(slice);
                self.touched.push(index);
                // The sale ends when the tab is covered or the lot sold out.
                if paid >= tab || bought >= lot {
                    self.auctions.remove(&id);
                    break;
                }
                tab -= paid;
                lot -= bought;
            }
        }
    }

    /// Bidders commit after the kick window, reveal in the reveal window; the bot settles,
    /// winners claim and sell, and unsold lots fall back to the Dutch house.
    fn batch_step(&mut self, congested: bool) {
        let mut settled = Vec::new();
        for n in 0..self.batches.len() {
            let (kick_end, commit_end, reveal_end) = (
                self.batches[n].kick_end,
                self.batches[n].commit_end,
                self.batches[n].reveal_end,
            );
            let t = self.t;
            if t >= reveal_end {
                self.settle(n);
                settled.push(n);
            } else if t >= commit_end {
                if !congested {
                    self.reveal(n);
                }
            } else if t >= kick_end && !congested {
                for j in 0..self.bidders.len() {
                    if !self.batches[n].committed[j] && t >= kick_end + self.bidders[j].delay {
                        self.commit(n, j);
                    }
                }
            }
        }
        for n in settled.into_iter().rev() {
            self.batches.remove(n);
        }
    }

    fn reveal(&mut self, n: usize) {
        let id = self.batches[n].id;
        for r in 0..self.batches[n].bids.len() {
            let bid = &self.batches[n].bids[r];
            if bid.revealed {
                continue;
            }
            let bidder = self.bidders[bid.bidder].address;
            must(
                self.w
                    .batch
                    .sender(bidder)
                    .reveal(id, bid.amount, bid.price, bid.salt),
                "reveal",
            );
            self.batches[n].bids[r].revealed = true;
        }
    }

    fn commit(&mut self, n: usize, j: usize) {
        self.batches[n].committed[j] = true;
        let id = self.batches[n].id;
        if self.batches[n].bids.is_empty() {
            // The lot is final once kicks are over; read it once.
        }
        let total_lot = tokens(self.w.batch.sender(addr(KICKER)).batch(id).7);
        let bidder = &self.bidders[j];
        let spot = self.pool.price();
        let amount = (bidder.budget / spot).min(total_lot);
        if amount <= 0.001 {
            return;
        }
        // What the pool would pay for the amount at settlement, less the bidder's margin, give
        // or take its private view. Bidders carry the lot's price risk until the reveal ends:
        // they extend the last hour's fall (if any) to the settlement.
        let (t, reveal_end) = (self.t, self.batches[n].reveal_end);
        let hour_ago = self.cfg.path.at(t.saturating_sub(3_600));
        let trend = (self.cfg.path.at(t) / hour_ago).ln().min(0.0);
        let drift = (trend * reveal_end.saturating_sub(t) as f64 / 3_600.0).exp();
        let value =
            self.pool.quote(amount) / amount * drift / (1.0 + bidder.margin) * (1.0 + bidder.noise);
        let (amount, price) = (wad(amount), ray_price(value));
        let deposit = (amount * price).div_ceil(ray_price(1.0)) + wad(self.cfg.batch.bond);
        let salt = FixedBytes(U256::from(self.rng.next()).to_be_bytes::<32>());
        let who = bidder.address;
        let hash = batch_auction::commitment(id, who, amount, price, salt);
        must(self.w.batch.sender(who).commit(id, hash, deposit), "commit");
        self.batches[n].bids.push(Bid {
            bidder: j,
            amount,
            price,
            salt,
            revealed: false,
        });
    }

    fn settle(&mut self, n: usize) {
        let kicker = addr(KICKER);
        let id = self.batches[n].id;
        must(self.w.batch.sender(kicker).settle(id), "settle");
        self.dirty = true;
        let (price, sold, raised, ..) = self.w.batch.sender(kicker).result(id);
        self.seen_proceeds += raised;
        let unrevealed = self.batches[n].bids.iter().filter(|b| !b.revealed).count();
        self.out.unrevealed += unrevealed;
        self.bonds += wad(self.cfg.batch.bond) * U256::from(unrevealed);
        if !sold.is_zero() {
            self.out.sales.push(Sale {
                t: self.t,
                price: price_of(price),
                amount: tokens(sold),
                kind: 2,
            });
        }
        let kicks = self.w.batch.sender(kicker).batch(id).4.to::<usize>();
        let mut terms = Vec::with_capacity(kicks);
        let mut ids = Vec::with_capacity(kicks);
        for i in 0..kicks {
            let (liq, tab, lot, ..) = self.w.batch.sender(kicker).kick_of(id, U256::from(i));
            terms.push((tab, lot));
            ids.push(liq);
        }
        for (i, liq) in ids.iter().enumerate() {
            // The engine's own rule for what each kick sold.
            let part = must(
                liquidation_engine::batch_sold(&terms, i, price, sold),
                "batch_sold",
            );
            let index = self.liq_index[&liq.to::<u64>()];
            self.liqs[index].sold += tokens(part);
        }
        // Bidders claim; winners sell into the pool.
        let mut claimed = vec![false; self.bidders.len()];
        for r in 0..self.batches[n].bids.len() {
            let j = self.batches[n].bids[r].bidder;
            if claimed[j] {
                continue;
            }
            claimed[j] = true;
            let who = self.bidders[j].address;
            must(self.w.batch.sender(who).claim(id), "claim");
            let weth = self.w.weth.sender(who).balance_of(who);
            let won = weth - self.bidders[j].weth;
            self.bidders[j].weth = weth;
            self.pool.sell(tokens(won));
        }
        // Unsold lots continue in the Dutch house.
        for liq in ids {
            let index = self.liq_index[&liq.to::<u64>()];
            if let Ok(auction) = self
                .w
                .engine
                .sender(kicker)
                .fallback_to_dutch(liq, kicker)
                .motsu_res()
            {
                self.out.fallbacks += 1;
                self.new_auction(auction, index);
            }
            self.touched.push(index);
        }
    }

    /// Socializes what the fund could not cover, then reads every figure back from the
    /// contracts and checks the books.
    fn finish(mut self) -> Outcome {
        let kicker = addr(KICKER);
        self.sync_touched();
        // Let the socialization delay pass and socialize every open deficit.
        let later = T0 + self.out.simulated_seconds + self.cfg.socialization_delay + 1;
        clock::set(later);
        self.w
            .set_price(self.cfg.path.at(self.out.simulated_seconds));
        for liq in &self.liqs {
            let record = self.w.solvency.sender(kicker).liquidation(liq.id);
            if record.3 == 2 && !record.12.is_zero() {
                if let Err(e) = self.w.solvency.sender(kicker).socialize(liq.id).motsu_res() {
                    let totals = self.w.market.sender(kicker).totals();
                    panic!("socialize {} failed {:02x?}: deficit {} remaining {} market totals {:?} fund {}", liq.id, selector_of(e), record.11, record.12, totals, self.w.fund());
                }
            }
        }
        let _ = self.w.market.sender(kicker).settle().motsu_res();

        let out = &mut self.out;
        let mut times = Vec::new();
        let mut raised_total = U256::ZERO;
        let mut keeper_paid = U256::ZERO;
        for liq in &self.liqs {
            let r = self.w.solvency.sender(kicker).liquidation(liq.id);
            let (status, opened, finished, debt, raised, paid) = (r.3, r.4, r.5, r.6, r.8, r.9);
            raised_total += raised;
            keeper_paid += paid;
            out.proceeds += tokens(raised);
            out.collateral_sold += liq.sold;
            out.fair_value_sold += liq.sold * liq.fair_at_kick;
            if status == 2 {
                out.finished += 1;
                times.push((finished - opened) as f64);
                out.bad_debt += tokens(debt.saturating_sub(raised));
            } else {
                out.stuck_debt += tokens(debt.saturating_sub(raised));
            }
        }
        clear_stats(out, times);
        let (fund, held, _open, _recorded, _healed, socialized) =
            self.w.solvency.sender(kicker).books();
        let totals = self
            .w
            .solvency
            .sender(kicker)
            .beneficiary_totals(self.w.market.address());
        let (repaid, penalty, covered) = (totals.0, totals.1, totals.2);
        out.covered = tokens(covered);
        out.socialized = tokens(socialized);
        out.lender_loss = tokens(self.w.market.sender(kicker).totals().4);
        out.fund_end = tokens(fund);
        out.fund_drawdown = out.fund_start - out.fund_min;
        out.keeper_paid = tokens(keeper_paid);
        out.recovery = if out.fair_value_sold > 0.0 {
            out.proceeds / out.fair_value_sold
        } else {
            0.0
        };
        out.pool_sold = self.pool.sold;
        out.pool_slippage = self.pool.slippage();
        out.pool_max_discount = 1.0 - self.pool.min_ratio;
        // The books: everything raised (and the forfeited bonds) ends with the market, in the
        // fund, as keeper pay, or held for open liquidations.
        let left = raised_total + wad(self.cfg.fund) + self.bonds;
        let right = repaid + penalty + covered + keeper_paid + fund + held;
        let balance = self
            .w
            .dai
            .sender(kicker)
            .balance_of(self.w.solvency.address());
        out.accounting = vec![
            ("raised + fund_start + bonds".into(), left.to_string()),
            (
                "repaid + penalty + covered + keeper_pay + fund + held".into(),
                right.to_string(),
            ),
            (
                "sim-observed proceeds".into(),
                self.seen_proceeds.to_string(),
            ),
            ("module raised".into(), raised_total.to_string()),
            ("module balance".into(), balance.to_string()),
        ];
        out.accounting_ok =
            left == right && self.seen_proceeds == raised_total && balance >= fund + held;
        std::mem::take(&mut self.out)
    }
}

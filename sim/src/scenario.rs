//! Configuration, price paths, the seeded random numbers and the borrower population.

use std::fmt::Write as _;

/// xorshift64*: small, seedable, no dependency, identical on every machine.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` and a `stream` (so that independent parts of the world draw from
    /// independent sequences and adding a draw in one part does not shift the others).
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut state = seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
        if state == 0 {
            state = 1;
        }
        let mut rng = Rng(state);
        for _ in 0..8 {
            rng.next();
        }
        rng
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    pub fn range(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Beta(2, 2) on `[low, high]`: the median of three uniforms, a bell without tails.
    pub fn bell(&mut self, low: f64, high: f64) -> f64 {
        let mut draws = [self.unit(), self.unit(), self.unit()];
        draws.sort_by(f64::total_cmp);
        low + (high - low) * draws[1]
    }
}

/// A collateral price path: knots `(seconds, price)`, linear in between, flat after the last.
#[derive(Clone, Debug, PartialEq)]
pub struct PricePath {
    /// Name shown in reports (`crash`, `black-thursday`, a file name, ...).
    pub name: String,
    /// `(seconds from start, price in debt tokens per collateral token)`, strictly increasing
    /// in time, first at 0.
    pub knots: Vec<(u64, f64)>,
}

/// The built-in scenarios.
pub const BUILTIN_PATHS: &[&str] = &["calm", "crash", "flash", "bleed", "black-thursday", "flat"];

impl PricePath {
    /// Price at `t` seconds (linear between knots, flat outside).
    pub fn at(&self, t: u64) -> f64 {
        let knots = &self.knots;
        if t <= knots[0].0 {
            return knots[0].1;
        }
        match knots.binary_search_by(|k| k.0.cmp(&t)) {
            Ok(i) => knots[i].1,
            Err(i) if i >= knots.len() => knots[knots.len() - 1].1,
            Err(i) => {
                let (t0, p0) = knots[i - 1];
                let (t1, p1) = knots[i];
                p0 + (p1 - p0) * (t - t0) as f64 / (t1 - t0) as f64
            }
        }
    }

    /// Time of the last knot.
    pub fn end(&self) -> u64 {
        self.knots[self.knots.len() - 1].0
    }

    /// Lowest price on the path.
    pub fn min(&self) -> f64 {
        self.knots.iter().map(|k| k.1).fold(f64::INFINITY, f64::min)
    }

    /// A built-in path starting at `start`, with small seeded noise (±0.4% per 5 minutes)
    /// over its shape, except `flat`, which is exactly flat.
    pub fn builtin(name: &str, start: f64, seed: u64) -> Result<PricePath, String> {
        const H: u64 = 3_600;
        // Shapes as (hours, fraction of the start price).
        let shape: Vec<(f64, f64)> = match name {
            "flat" => vec![(0.0, 1.0), (12.0, 1.0)],
            // Gentle swings of about ±1.5%.
            "calm" => (0..=48)
                .map(|i| {
                    let h = i as f64 * 0.25;
                    (h, 1.0 + 0.015 * (h * 0.9).sin() * (h * 0.23).cos())
                })
                .collect(),
            // 40% down over four hours, a little bounce, then flat.
            "crash" => vec![
                (0.0, 1.0),
                (0.5, 0.99),
                (1.0, 0.93),
                (2.0, 0.82),
                (3.0, 0.70),
                (4.0, 0.60),
                (5.0, 0.62),
                (8.0, 0.61),
                (12.0, 0.61),
            ],
            // 35% in ten minutes, recovered to -5% within the hour.
            "flash" => vec![
                (0.0, 1.0),
                (1.0, 1.0),
                (1.0 + 1.0 / 12.0, 0.80),
                (1.0 + 1.0 / 6.0, 0.65),
                (1.5, 0.80),
                (2.0, 0.95),
                (6.0, 0.96),
            ],
            // 30% down in a steady bleed over a day.
            "bleed" => vec![(0.0, 1.0), (24.0, 0.70), (30.0, 0.70)],
            // Shaped after ETH on 2020-03-12 (UTC): about 195 at the open, a first slide in
            // the morning, the sharp leg around 12:00-14:00 UTC, a second leg in the evening,
            // and the close near 111 (-43%).
            "black-thursday" => vec![
                (0.0, 1.0),
                (3.0, 0.985),
                (6.0, 0.965),
                (9.0, 0.93),
                (10.5, 0.89),
                (12.0, 0.84),
                (13.0, 0.76),
                (14.0, 0.70),
                (15.0, 0.715),
                (17.0, 0.71),
                (19.0, 0.69),
                (21.0, 0.64),
                (22.5, 0.585),
                (23.5, 0.565),
                (24.0, 0.57),
            ],
            other => {
                return Err(format!(
                    "unknown scenario {other:?}; built-in: {}",
                    BUILTIN_PATHS.join(", ")
                ))
            }
        };
        let mut knots: Vec<(u64, f64)> = Vec::new();
        let mut rng = Rng::new(seed, 7);
        let end = (shape[shape.len() - 1].0 * H as f64) as u64;
        let interpolate = |t: f64| -> f64 {
            let h = t / H as f64;
            for w in shape.windows(2) {
                if h <= w[1].0 {
                    let f = (h - w[0].0) / (w[1].0 - w[0].0);
                    return w[0].1 + (w[1].1 - w[0].1) * f;
                }
            }
            shape[shape.len() - 1].1
        };
        let noisy = name != "flat";
        let mut t = 0;
        while t <= end {
            let noise = if noisy && t > 0 {
                1.0 + rng.range(-0.004, 0.004)
            } else {
                1.0
            };
            knots.push((t, start * interpolate(t as f64) * noise));
            t += 300;
        }
        Ok(PricePath {
            name: name.to_string(),
            knots,
        })
    }

    /// Reads a CSV of `seconds,price` lines (a header line and blank lines are skipped; `#`
    /// starts a comment). Times must increase; the first is moved to 0.
    pub fn from_csv(name: &str, text: &str) -> Result<PricePath, String> {
        let mut knots: Vec<(u64, f64)> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split(',').map(str::trim);
            let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
                return Err(format!("line {}: expected `seconds,price`", n + 1));
            };
            let (Ok(seconds), Ok(price)) = (a.parse::<f64>(), b.parse::<f64>()) else {
                if knots.is_empty() {
                    continue; // a header
                }
                return Err(format!("line {}: not numbers: {line:?}", n + 1));
            };
            if !(seconds >= 0.0) || !(price > 0.0) || !price.is_finite() {
                return Err(format!("line {}: need seconds >= 0 and price > 0", n + 1));
            }
            let seconds = seconds as u64;
            if let Some(last) = knots.last() {
                if seconds <= last.0 {
                    return Err(format!("line {}: time does not increase", n + 1));
                }
            }
            knots.push((seconds, price));
        }
        if knots.len() < 2 {
            return Err("a price path needs at least two points".into());
        }
        let t0 = knots[0].0;
        for k in &mut knots {
            k.0 -= t0;
        }
        Ok(PricePath {
            name: name.to_string(),
            knots,
        })
    }
}

/// Which liquidation mechanism a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// The whole position's collateral is sold into the pool at once (computed outside the
    /// contracts; the baseline).
    Dump,
    /// Every liquidation goes to the Dutch house (engine: `batchThreshold` 0, liquid).
    Dutch,
    /// Every liquidation goes to the batch house (engine: illiquid flag); an unsold batch falls
    /// back to the Dutch house.
    Batch,
    /// The engine's routing: debt at or above `batchThreshold` to the batch house, the rest
    /// Dutch.
    Hybrid,
}

impl Strategy {
    /// All four, in report order.
    pub const ALL: [Strategy; 4] = [
        Strategy::Dump,
        Strategy::Dutch,
        Strategy::Batch,
        Strategy::Hybrid,
    ];

    /// Short name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Dump => "dump",
            Strategy::Dutch => "dutch",
            Strategy::Batch => "batch",
            Strategy::Hybrid => "hybrid",
        }
    }

    /// Parses a short name.
    pub fn parse(name: &str) -> Result<Strategy, String> {
        Strategy::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| format!("unknown strategy {name:?} (dump, dutch, batch, hybrid)"))
    }
}

/// Dutch house parameters (Maker Clipper's names).
#[derive(Clone, Debug, PartialEq)]
pub struct DutchParams {
    /// Starting price over the oracle price.
    pub buf: f64,
    /// Curve: 1 linear, 2 stair-step, 3 exponential.
    pub kind: u8,
    /// Factor per `step` (stair-step) or per second (exponential); unused for linear.
    pub cut: f64,
    /// `step` (stair-step) or `tau` (linear) in seconds.
    pub step: u64,
    /// Seconds before an auction needs a redo.
    pub tail: u64,
    /// Fraction of `top` below which an auction needs a redo.
    pub cusp: f64,
    /// Absolute floor as a fraction of the oracle price at (re)start.
    pub floor: f64,
    /// Flat keeper incentive (debt tokens).
    pub tip: f64,
    /// Keeper incentive proportional to the tab.
    pub chip: f64,
}

/// Batch house parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchParams {
    /// Seconds a batch takes kicks.
    pub kick_window: u64,
    /// Seconds from opening to the end of commitments.
    pub commit_window: u64,
    /// Seconds of reveals.
    pub reveal_window: u64,
    /// Reserve as a fraction of the oracle price at settlement.
    pub reserve: f64,
    /// Bond per commitment (debt tokens), forfeited if not revealed.
    pub bond: f64,
}

/// Everything that defines a run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Seed of every random draw.
    pub seed: u64,
    /// The collateral's price path (the fair price; the oracle reports it).
    pub path: PricePath,
    /// Number of borrowers.
    pub borrowers: usize,
    /// Range of the borrowers' loan-to-value at the start (bell-shaped inside it).
    pub ltv: (f64, f64),
    /// Range of collateral per borrower (whole tokens, log-uniform inside it).
    pub collateral: (f64, f64),
    /// The market's liquidation LTV.
    pub lltv: f64,
    /// Debt-token depth of the constant-product pool at the start.
    pub pool_depth: f64,
    /// Pool fee.
    pub pool_fee: f64,
    /// Half-life (seconds) in which arbitrage closes the gap between the pool and fair price.
    pub arb_half_life: f64,
    /// Gas price in gwei (keepers' and bidders' cost per transaction).
    pub gas_gwei: f64,
    /// Number of Dutch keepers.
    pub keepers: usize,
    /// Keepers' profit margin range.
    pub keeper_margin: (f64, f64),
    /// Keepers' reaction delay range (seconds after an auction (re)starts).
    pub keeper_delay: (u64, u64),
    /// Keepers' budget range (debt tokens).
    pub keeper_budget: (f64, f64),
    /// Number of sealed bidders.
    pub bidders: usize,
    /// Bidders' margin range (discount to what the pool would pay them).
    pub bidder_margin: (f64, f64),
    /// Spread of bidders' private valuations around that (±).
    pub bidder_noise: f64,
    /// Bidders' budget range (debt tokens).
    pub bidder_budget: (f64, f64),
    /// Seconds `[start, end)` in which keepers and bidders cannot act (Black Thursday's gas).
    pub congestion: Option<(u64, u64)>,
    /// Simulation step in seconds.
    pub step: u64,
    /// Seconds after the path's end during which auctions may still clear.
    pub drain: u64,
    /// Liquidation penalty (1.13 = 13%).
    pub penalty: f64,
    /// Engine `hole` for the collateral and `Hole` (debt tokens in auctions at once).
    pub hole: f64,
    /// Engine / Dutch dust (debt tokens).
    pub dust: f64,
    /// Hybrid routing: debt at or above this goes to the batch house.
    pub batch_threshold: f64,
    /// Insurance fund at the start (debt tokens).
    pub fund: f64,
    /// Socialization delay of the solvency module (seconds).
    pub socialization_delay: u64,
    /// Dutch house parameters.
    pub dutch: DutchParams,
    /// Batch house parameters.
    pub batch: BatchParams,
    /// Strategies to run.
    pub strategies: Vec<Strategy>,
}

impl Config {
    /// The standard crash scenario with 1,000 borrowers.
    pub fn standard() -> Config {
        let seed = 1;
        Config {
            seed,
            path: PricePath::builtin("crash", 2_000.0, seed).expect("built-in"),
            borrowers: 1_000,
            ltv: (0.30, 0.78),
            collateral: (1.0, 100.0),
            lltv: 0.8,
            pool_depth: 20_000_000.0,
            pool_fee: 0.003,
            arb_half_life: 600.0,
            gas_gwei: 0.1,
            keepers: 6,
            keeper_margin: (0.01, 0.05),
            keeper_delay: (12, 180),
            keeper_budget: (100_000.0, 1_000_000.0),
            bidders: 20,
            bidder_margin: (0.02, 0.08),
            bidder_noise: 0.02,
            bidder_budget: (50_000.0, 500_000.0),
            congestion: None,
            step: 60,
            drain: 24 * 3_600,
            penalty: 1.13,
            hole: 10_000_000.0,
            dust: 100.0,
            batch_threshold: 100_000.0,
            fund: 250_000.0,
            socialization_delay: 86_400,
            dutch: DutchParams {
                buf: 1.2,
                kind: 2,
                cut: 0.99,
                step: 90,
                tail: 7_200,
                cusp: 0.45,
                floor: 0.5,
                tip: 10.0,
                chip: 0.001,
            },
            batch: BatchParams {
                kick_window: 600,
                commit_window: 3_600,
                reveal_window: 1_800,
                reserve: 0.5,
                bond: 100.0,
            },
            strategies: Strategy::ALL.to_vec(),
        }
    }

    /// Sets the scenario by built-in name, with its default congestion window (Black
    /// Thursday: 12:30-15:30, the hours of the sharp leg when gas was out of reach).
    pub fn with_scenario(mut self, name: &str) -> Result<Config, String> {
        self.path = PricePath::builtin(name, 2_000.0, self.seed)?;
        self.congestion = if name == "black-thursday" {
            Some((45_000, 55_800))
        } else {
            None
        };
        Ok(self)
    }

    /// The parameters as `key=value` text (for the report).
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let d = &self.dutch;
        let b = &self.batch;
        let _ = write!(
            s,
            "scenario={} seed={} borrowers={} ltv={}-{} collateral={}-{} lltv={} penalty={} \
             pool_depth={} fee={} arb_half_life={}s keepers={} bidders={} gas={}gwei \
             congestion={} hole={} fund={} batch_threshold={} | dutch buf={} kind={} cut={} \
             step={}s tail={}s cusp={} floor={} tip={} chip={} | batch kick={}s commit={}s \
             reveal={}s reserve={} bond={}",
            self.path.name,
            self.seed,
            self.borrowers,
            self.ltv.0,
            self.ltv.1,
            self.collateral.0,
            self.collateral.1,
            self.lltv,
            self.penalty,
            self.pool_depth,
            self.pool_fee,
            self.arb_half_life,
            self.keepers,
            self.bidders,
            self.gas_gwei,
            match self.congestion {
                Some((a, b)) => format!("{a}-{b}s"),
                None => "none".into(),
            },
            self.hole,
            self.fund,
            self.batch_threshold,
            d.buf,
            d.kind,
            d.cut,
            d.step,
            d.tail,
            d.cusp,
            d.floor,
            d.tip,
            d.chip,
            b.kick_window,
            b.commit_window,
            b.reveal_window,
            b.reserve,
            b.bond
        );
        s
    }

    /// Whether keepers and bidders are locked out at `t`.
    pub fn congested(&self, t: u64) -> bool {
        matches!(self.congestion, Some((a, b)) if t >= a && t < b)
    }
}

/// One borrower: collateral (whole tokens) and debt (whole debt tokens) at the start.
#[derive(Clone, Debug, PartialEq)]
pub struct Borrower {
    /// Collateral tokens.
    pub collateral: f64,
    /// Debt tokens.
    pub debt: f64,
}

impl Borrower {
    /// The oracle price below which the market may liquidate the position.
    pub fn liquidation_price(&self, lltv: f64) -> f64 {
        self.debt / (self.collateral * lltv)
    }
}

/// Draws the population (the same for every strategy of a run).
pub fn population(cfg: &Config) -> Vec<Borrower> {
    let mut rng = Rng::new(cfg.seed, 1);
    let p0 = cfg.path.at(0);
    let (lo, hi) = (cfg.collateral.0.ln(), cfg.collateral.1.ln());
    (0..cfg.borrowers)
        .map(|_| {
            let collateral = (rng.range(lo, hi).exp() * 1_000.0).round() / 1_000.0;
            let ltv = rng.bell(cfg.ltv.0, cfg.ltv.1).min(cfg.lltv * 0.995);
            let debt = (collateral * p0 * ltv).floor();
            Borrower { collateral, debt }
        })
        .collect()
}

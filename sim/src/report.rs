//! Running strategies on worker threads, the terminal table and `report.json`, and sweeps.

use std::time::Instant;

use serde_json::{json, Value};

use crate::run::{run, Outcome};
use crate::scenario::{Config, Strategy};

/// Stack for a world's thread (nested contract calls recurse through motsu's router).
const STACK: usize = 64 * 1024 * 1024;

/// The result of one run: every strategy's outcome and the wall time.
#[derive(Clone, Debug)]
pub struct Report {
    /// The configuration.
    pub config: Config,
    /// One outcome per strategy, in the order asked.
    pub outcomes: Vec<Outcome>,
    /// Wall time of the whole run, seconds.
    pub wall_seconds: f64,
}

/// Runs `tasks` (configuration, strategy) one after the other, each on a fresh thread (a fresh
/// motsu VM and test clock); `progress` is called after each task with (done, total).
///
/// In-process runs are sequential on purpose: motsu keeps every thread's VM in one global
/// concurrent map and panics ("storage is locked") when two busy threads contend for a shard.
/// The binary runs strategies in parallel as worker processes instead (`--jobs`).
pub fn run_tasks(tasks: &[(Config, Strategy)], progress: &dyn Fn(usize, usize)) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (i, (cfg, strategy)) in tasks.iter().enumerate() {
        let (cfg, strategy) = (cfg.clone(), *strategy);
        let outcome = std::thread::Builder::new()
            .name(format!("{}-{i}", strategy.name()))
            .stack_size(STACK)
            .spawn(move || run(&cfg, strategy))
            .expect("spawn a world thread")
            .join()
            .unwrap_or_else(|_| panic!("strategy {} panicked", strategy.name()));
        outcomes.push(outcome);
        progress(i + 1, tasks.len());
    }
    outcomes
}

/// Runs every strategy of `cfg`, one after the other, in this process.
pub fn run_all(cfg: &Config) -> Report {
    let start = Instant::now();
    let tasks: Vec<(Config, Strategy)> = cfg.strategies.iter().map(|s| (cfg.clone(), *s)).collect();
    let outcomes = run_tasks(&tasks, &|_, _| {});
    Report {
        config: cfg.clone(),
        outcomes,
        wall_seconds: start.elapsed().as_secs_f64(),
    }
}

fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// One outcome's figures as JSON (no time series).
pub fn outcome_json(o: &Outcome) -> Value {
    json!({
        "strategy": o.strategy,
        "liquidations": o.liquidations,
        "finished": o.finished,
        "dutch_auctions": o.dutch_auctions,
        "batches": o.batches,
        "redos": o.redos,
        "fallbacks": o.fallbacks,
        "takes": o.takes,
        "unrevealed_bids": o.unrevealed,
        "no_room_refusals": o.no_room,
        "kick_errors": o.kick_errors,
        "debt_liquidated": round(o.debt, 2),
        "collateral_liquidated": round(o.collateral, 4),
        "collateral_sold": round(o.collateral_sold, 4),
        "fair_value_sold": round(o.fair_value_sold, 2),
        "proceeds": round(o.proceeds, 2),
        "recovery_rate": round(o.recovery, 5),
        "bad_debt": round(o.bad_debt, 2),
        "covered_by_fund": round(o.covered, 2),
        "socialized": round(o.socialized, 2),
        "lender_loss": round(o.lender_loss, 2),
        "stuck_debt": round(o.stuck_debt, 2),
        "fund_start": round(o.fund_start, 2),
        "fund_min": round(o.fund_min, 2),
        "fund_end": round(o.fund_end, 2),
        "fund_drawdown": round(o.fund_drawdown, 2),
        "keeper_paid": round(o.keeper_paid, 2),
        "time_to_clear_s": {
            "mean": round(o.clear_mean, 1),
            "p50": o.clear_p50,
            "p95": o.clear_p95,
            "max": o.clear_max,
        },
        "pool": {
            "collateral_sold": round(o.pool_sold, 4),
            "slippage": round(o.pool_slippage, 5),
            "max_discount_to_fair": round(o.pool_max_discount, 5),
        },
        "accounting_ok": o.accounting_ok,
        "accounting": o.accounting.iter().map(|(k, v)| json!({"what": k, "value": v})).collect::<Vec<_>>(),
        "simulated_seconds": o.simulated_seconds,
    })
}

impl Report {
    /// `report.json` content. `timing` includes the wall time (left out to compare runs).
    pub fn to_json(&self, timing: bool) -> Value {
        let mut v = json!({
            "scenario": self.config.path.name,
            "seed": self.config.seed,
            "borrowers": self.config.borrowers,
            "parameters": self.config.describe(),
            "strategies": self.outcomes.iter().map(outcome_json).collect::<Vec<_>>(),
        });
        if timing {
            v["wall_seconds"] = json!(round(self.wall_seconds, 3));
        }
        v
    }

    /// The terminal table.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let c = &self.config;
        s.push_str(&format!(
            "gavel-sim: scenario {} · {} borrowers · seed {} · price {:.0} → min {:.0}{}\n",
            c.path.name,
            c.borrowers,
            c.seed,
            c.path.at(0),
            c.path.min(),
            match c.congestion {
                Some((a, b)) => format!(
                    " · congested {:.1}h-{:.1}h",
                    a as f64 / 3600.0,
                    b as f64 / 3600.0
                ),
                None => String::new(),
            }
        ));
        let header = [
            "strategy",
            "liqs",
            "auctions",
            "redos",
            "recovery",
            "bad debt",
            "fund draw",
            "socialized",
            "clear p50",
            "clear p95",
            "slippage",
            "pool low",
            "books",
        ];
        let rows: Vec<Vec<String>> = self
            .outcomes
            .iter()
            .map(|o| {
                vec![
                    o.strategy.clone(),
                    format!("{}/{}", o.finished, o.liquidations),
                    format!("{}", o.dutch_auctions + o.batches),
                    format!("{}", o.redos + o.fallbacks),
                    format!("{:.2}%", o.recovery * 100.0),
                    money(o.bad_debt),
                    money(o.fund_drawdown),
                    money(o.lender_loss),
                    duration(o.clear_p50),
                    duration(o.clear_p95),
                    format!("{:.2}%", o.pool_slippage * 100.0),
                    format!("-{:.1}%", o.pool_max_discount * 100.0),
                    if o.accounting_ok {
                        "ok".into()
                    } else {
                        "MISMATCH".into()
                    },
                ]
            })
            .collect();
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].len())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<String>| -> String {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{:<w$}", c, w = widths[i])
                    } else {
                        format!("{:>w$}", c, w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        s.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
        s.push('\n');
        for r in rows {
            s.push_str(&line(r));
            s.push('\n');
        }
        s.push_str(&format!("wall time {:.2} s\n", self.wall_seconds));
        s
    }
}

/// `1,234,567` style with a `k`/`M` suffix for large amounts.
pub fn money(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x.abs() >= 1e4 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{:.0}", x)
    }
}

/// Seconds as `1h05m` / `12m` / `30s`.
pub fn duration(s: f64) -> String {
    let s = s.round() as u64;
    if s >= 3_600 {
        format!("{}h{:02}m", s / 3_600, (s % 3_600) / 60)
    } else if s >= 60 {
        format!("{}m", s / 60)
    } else {
        format!("{}s", s)
    }
}

/// A sweep dimension: a Dutch parameter name and its values.
#[derive(Clone, Debug)]
pub struct Dimension {
    /// `buf`, `cut`, `step`, `tail`, `cusp`, `floor`, `kick` or `commit` (batch windows),
    /// `threshold` (hybrid batchThreshold).
    pub name: String,
    /// Values to try.
    pub values: Vec<f64>,
}

/// Applies `value` of parameter `name` to `cfg`.
pub fn apply(cfg: &mut Config, name: &str, value: f64) -> Result<(), String> {
    match name {
        "buf" => cfg.dutch.buf = value,
        "cut" => cfg.dutch.cut = value,
        "step" => cfg.dutch.step = value as u64,
        "tail" => cfg.dutch.tail = value as u64,
        "cusp" => cfg.dutch.cusp = value,
        "floor" => cfg.dutch.floor = value,
        "kick" => cfg.batch.kick_window = value as u64,
        "commit" => cfg.batch.commit_window = value as u64,
        "reveal" => cfg.batch.reveal_window = value as u64,
        "threshold" => cfg.batch_threshold = value,
        other => return Err(format!("cannot sweep {other:?} (buf, cut, step, tail, cusp, floor, kick, commit, reveal, threshold)")),
    }
    Ok(())
}

/// One point of a sweep.
#[derive(Clone, Debug)]
pub struct SweepPoint {
    /// Parameter values, in the order of the dimensions.
    pub values: Vec<f64>,
    /// The outcome.
    pub outcome: Outcome,
}

/// Orders sweep points best first: least lender loss, then least bad debt, then highest
/// recovery, then fastest clearing.
pub fn rank(points: &mut [SweepPoint]) {
    points.sort_by(|a, b| {
        let (x, y) = (&a.outcome, &b.outcome);
        (x.lender_loss + x.stuck_debt)
            .total_cmp(&(y.lender_loss + y.stuck_debt))
            .then(x.bad_debt.total_cmp(&y.bad_debt))
            .then(y.recovery.total_cmp(&x.recovery))
            .then(x.clear_p95.total_cmp(&y.clear_p95))
    });
}

/// The whole outcome as JSON, time series included (what a worker process prints).
pub fn outcome_full_json(o: &Outcome) -> Value {
    json!({
        "strategy": o.strategy,
        "counts": [o.liquidations, o.finished, o.dutch_auctions, o.batches, o.redos, o.fallbacks,
                   o.takes, o.unrevealed, o.no_room, o.kick_errors],
        "amounts": [o.debt, o.collateral, o.collateral_sold, o.fair_value_sold, o.proceeds,
                    o.recovery, o.bad_debt, o.covered, o.socialized, o.lender_loss, o.stuck_debt,
                    o.fund_start, o.fund_min, o.fund_end, o.fund_drawdown, o.keeper_paid,
                    o.clear_mean, o.clear_p50, o.clear_p95, o.clear_max, o.pool_sold,
                    o.pool_slippage, o.pool_max_discount],
        "accounting_ok": o.accounting_ok,
        "accounting": o.accounting,
        "simulated_seconds": o.simulated_seconds,
        "samples": o.samples.iter().map(|s| json!([s.t, s.fair, s.pool, s.fund])).collect::<Vec<_>>(),
        "sales": o.sales.iter().map(|s| json!([s.t, s.price, s.amount, s.kind])).collect::<Vec<_>>(),
        "auction_prices": o.auction_prices,
    })
}

/// Reads [`outcome_full_json`] back.
pub fn outcome_from_json(v: &Value) -> Result<Outcome, String> {
    let bad = || "malformed outcome".to_string();
    let counts: Vec<usize> = v["counts"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|x| x.as_u64().unwrap_or(0) as usize)
        .collect();
    let a: Vec<f64> = v["amounts"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|x| x.as_f64().unwrap_or(0.0))
        .collect();
    if counts.len() != 10 || a.len() != 23 {
        return Err(bad());
    }
    let f = |x: &Value, i: usize| x[i].as_f64().unwrap_or(0.0);
    let u = |x: &Value, i: usize| x[i].as_u64().unwrap_or(0);
    Ok(Outcome {
        strategy: v["strategy"].as_str().ok_or_else(bad)?.to_string(),
        liquidations: counts[0],
        finished: counts[1],
        dutch_auctions: counts[2],
        batches: counts[3],
        redos: counts[4],
        fallbacks: counts[5],
        takes: counts[6],
        unrevealed: counts[7],
        no_room: counts[8],
        kick_errors: counts[9],
        debt: a[0],
        collateral: a[1],
        collateral_sold: a[2],
        fair_value_sold: a[3],
        proceeds: a[4],
        recovery: a[5],
        bad_debt: a[6],
        covered: a[7],
        socialized: a[8],
        lender_loss: a[9],
        stuck_debt: a[10],
        fund_start: a[11],
        fund_min: a[12],
        fund_end: a[13],
        fund_drawdown: a[14],
        keeper_paid: a[15],
        clear_mean: a[16],
        clear_p50: a[17],
        clear_p95: a[18],
        clear_max: a[19],
        pool_sold: a[20],
        pool_slippage: a[21],
        pool_max_discount: a[22],
        accounting_ok: v["accounting_ok"].as_bool().unwrap_or(false),
        accounting: v["accounting"]
            .as_array()
            .map(|xs| {
                xs.iter()
                    .map(|x| {
                        (
                            x[0].as_str().unwrap_or("").to_string(),
                            x[1].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        simulated_seconds: v["simulated_seconds"].as_u64().unwrap_or(0),
        samples: v["samples"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|s| crate::run::Sample {
                t: u(s, 0),
                fair: f(s, 1),
                pool: f(s, 2),
                fund: f(s, 3),
            })
            .collect(),
        sales: v["sales"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|s| crate::run::Sale {
                t: u(s, 0),
                price: f(s, 1),
                amount: f(s, 2),
                kind: u(s, 3) as u8,
            })
            .collect(),
        auction_prices: v["auction_prices"]
            .as_array()
            .ok_or_else(bad)?
            .iter()
            .map(|s| (u(s, 0), f(s, 1)))
            .collect(),
    })
}

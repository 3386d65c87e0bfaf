//! `gavel-sim`: runs the real gavel contracts through a market crash and compares liquidation
//! strategies. `gavel-sim --help` lists the options.

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use gavel_sim::report::{self, apply, Dimension, Report};
use gavel_sim::scenario::{Config, PricePath, Strategy, BUILTIN_PATHS};
use gavel_sim::{plot, run::Outcome};

const HELP: &str = "\
gavel-sim: liquidation simulator running gavel's real contracts (natively, through motsu)

USAGE: gavel-sim [OPTIONS]

Scenario
  --scenario NAME        calm | crash | flash | bleed | black-thursday | flat   [crash]
  --price-path FILE      CSV of `seconds,price` lines (replaces --scenario)
  --borrowers N          borrowers                                         [1000]
  --seed N               seed of every random draw                          [1]
  --ltv MIN-MAX          starting loan-to-value range (bell-shaped)        [0.30-0.78]
  --collateral MIN-MAX   WETH per borrower (log-uniform)                   [1-100]
  --pool-depth DAI       constant-product pool depth (DAI side)            [20000000]
  --arb-half-life S      seconds for arbitrage to halve a pool dislocation [600]
  --congestion H1-H2     hours in which keepers and bidders cannot act, or `none`
                         (black-thursday: 12.5-15.5 by default)
  --keepers N  --bidders N  --gas-gwei X
Protocol
  --penalty X  --fund DAI  --hole DAI  --batch-threshold DAI (hybrid routing)
  --buf X  --cut X  --step S  --tail S  --cusp X  --floor X
  --curve linear|stairstep|exponential
  --kick-window S  --commit-window S  --reveal-window S  --reserve X  --bond DAI
Run
  --strategies LIST      comma-separated: dump,dutch,batch,hybrid          [all]
  --sweep SPEC           grid, e.g. \"cut=0.97,0.98,0.99;step=60,90,120\" (buf, cut, step,
                         tail, cusp, floor, kick, commit, reveal, threshold)
  --sweep-strategy S     strategy the sweep runs                           [dutch]
  --sweep-scenarios LIST comma-separated built-in scenarios to sweep each, reporting the
                         best settings per scenario       [the --scenario]
  --jobs N               worker processes                                  [2]
  --out DIR              where report.json and the SVG plots go            [target/sim]
  --no-plots             skip the plots
  --help
";

fn fail(message: &str) -> ! {
    eprintln!("gavel-sim: {message}\n(see gavel-sim --help)");
    std::process::exit(2)
}

fn pair(v: &str, sep: char) -> (f64, f64) {
    let mut it = v.splitn(2, sep);
    let a = it.next().and_then(|x| x.trim().parse().ok());
    let b = it.next().and_then(|x| x.trim().parse().ok());
    match (a, b) {
        (Some(a), Some(b)) if a <= b => (a, b),
        _ => fail(&format!("expected MIN{sep}MAX, got {v:?}")),
    }
}

fn num<T: std::str::FromStr>(name: &str, v: &str) -> T {
    v.parse()
        .unwrap_or_else(|_| fail(&format!("{name}: not a number: {v:?}")))
}

struct Options {
    cfg: Config,
    out: PathBuf,
    plots: bool,
    jobs: usize,
    sweep: Option<Vec<Dimension>>,
    sweep_strategy: Strategy,
    sweep_scenarios: Vec<String>,
    /// `--congestion` as given (it overrides each swept scenario's own window).
    congestion_override: Option<Option<(u64, u64)>>,
    worker: Option<Strategy>,
}

fn parse(args: &[String]) -> Options {
    let mut cfg = Config::standard();
    let mut out = PathBuf::from("target/sim");
    let (mut plots, mut jobs, mut sweep, mut sweep_strategy, mut worker) =
        (true, 2usize, None, Strategy::Dutch, None);
    let mut scenario: Option<String> = None;
    let mut sweep_scenarios: Vec<String> = Vec::new();
    let mut csv: Option<String> = None;
    let mut congestion: Option<Option<(u64, u64)>> = None;
    let mut i = 0;
    while i < args.len() {
        let flag = args[i].as_str();
        let needs_value = !matches!(flag, "--no-plots" | "--help" | "-h");
        let v = if needs_value {
            i += 1;
            args.get(i)
                .cloned()
                .unwrap_or_else(|| fail(&format!("{flag} needs a value")))
        } else {
            String::new()
        };
        let v = v.as_str();
        match flag {
            "--help" | "-h" => {
                print!("{HELP}");
                std::process::exit(0)
            }
            "--scenario" => scenario = Some(v.to_string()),
            "--price-path" => csv = Some(v.to_string()),
            "--borrowers" => cfg.borrowers = num(flag, v),
            "--seed" => cfg.seed = num(flag, v),
            "--ltv" => cfg.ltv = pair(v, '-'),
            "--collateral" => cfg.collateral = pair(v, '-'),
            "--pool-depth" => cfg.pool_depth = num(flag, v),
            "--arb-half-life" => cfg.arb_half_life = num(flag, v),
            "--congestion" => {
                congestion = Some(if v == "none" {
                    None
                } else {
                    let (a, b) = pair(v, '-');
                    Some(((a * 3_600.0) as u64, (b * 3_600.0) as u64))
                })
            }
            "--keepers" => cfg.keepers = num(flag, v),
            "--bidders" => cfg.bidders = num(flag, v),
            "--gas-gwei" => cfg.gas_gwei = num(flag, v),
            "--penalty" => cfg.penalty = num(flag, v),
            "--fund" => cfg.fund = num(flag, v),
            "--hole" => cfg.hole = num(flag, v),
            "--batch-threshold" => cfg.batch_threshold = num(flag, v),
            "--buf" | "--cut" | "--step" | "--tail" | "--cusp" | "--floor" | "--kick-window"
            | "--commit-window" | "--reveal-window" => {
                let name = match flag {
                    "--kick-window" => "kick",
                    "--commit-window" => "commit",
                    "--reveal-window" => "reveal",
                    other => &other[2..],
                };
                apply(&mut cfg, name, num(flag, v)).unwrap_or_else(|e| fail(&e));
            }
            "--curve" => {
                cfg.dutch.kind = match v {
                    "linear" => 1,
                    "stairstep" => 2,
                    "exponential" => 3,
                    _ => fail("--curve: linear, stairstep or exponential"),
                }
            }
            "--reserve" => cfg.batch.reserve = num(flag, v),
            "--bond" => cfg.batch.bond = num(flag, v),
            "--strategies" => {
                cfg.strategies = v
                    .split(',')
                    .map(|s| Strategy::parse(s.trim()).unwrap_or_else(|e| fail(&e)))
                    .collect()
            }
            "--sweep" => {
                let dims: Vec<Dimension> = v
                    .split(';')
                    .filter(|d| !d.trim().is_empty())
                    .map(|d| {
                        let (name, values) = d
                            .split_once('=')
                            .unwrap_or_else(|| fail("--sweep: NAME=V1,V2;..."));
                        let values: Vec<f64> = values
                            .split(',')
                            .map(|x| num("--sweep", x.trim()))
                            .collect();
                        Dimension {
                            name: name.trim().to_string(),
                            values,
                        }
                    })
                    .collect();
                sweep = Some(dims);
            }
            "--sweep-strategy" => sweep_strategy = Strategy::parse(v).unwrap_or_else(|e| fail(&e)),
            "--sweep-scenarios" => {
                sweep_scenarios = v.split(',').map(|x| x.trim().to_string()).collect();
                for name in &sweep_scenarios {
                    if !BUILTIN_PATHS.contains(&name.as_str()) {
                        fail(&format!(
                            "--sweep-scenarios: unknown scenario {name:?}; built-in: {}",
                            BUILTIN_PATHS.join(", ")
                        ));
                    }
                }
            }
            "--jobs" => jobs = num::<usize>(flag, v).max(1),
            "--out" => out = PathBuf::from(v),
            "--no-plots" => plots = false,
            "--worker" => worker = Some(Strategy::parse(v).unwrap_or_else(|e| fail(&e))),
            other => fail(&format!("unknown option {other:?}")),
        }
        i += 1;
    }
    let from_csv = csv.is_some();
    if let Some(file) = csv {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        let name = std::path::Path::new(&file)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or(file.clone());
        cfg.path =
            PricePath::from_csv(&name, &text).unwrap_or_else(|e| fail(&format!("{file}: {e}")));
        cfg.congestion = None;
    } else if let Some(name) = scenario {
        if !BUILTIN_PATHS.contains(&name.as_str()) {
            fail(&format!(
                "unknown scenario {name:?}; built-in: {}",
                BUILTIN_PATHS.join(", ")
            ));
        }
        cfg = cfg.with_scenario(&name).unwrap_or_else(|e| fail(&e));
    } else {
        // The seed shapes the built-in path's noise.
        cfg = cfg.with_scenario("crash").unwrap_or_else(|e| fail(&e));
    }
    if let Some(c) = congestion {
        cfg.congestion = c;
    }
    if !sweep_scenarios.is_empty() {
        if sweep.is_none() {
            fail("--sweep-scenarios needs --sweep");
        }
        if from_csv {
            fail(
                "--sweep-scenarios sweeps built-in scenarios; it cannot be used with --price-path",
            );
        }
    }
    Options {
        cfg,
        out,
        plots,
        jobs,
        sweep,
        sweep_strategy,
        sweep_scenarios,
        congestion_override: congestion,
        worker,
    }
}

/// Runs one task in a child process (`--worker`), with `extra` options appended. A worker that
/// fails (a contract refused the parameters, or the simulator's own check failed) gives its
/// panic message and the rest of its standard error.
fn run_in_worker(
    args: &[String],
    strategy: Strategy,
    extra: &[String],
) -> Result<Outcome, WorkerError> {
    let exe = std::env::current_exe().unwrap_or_else(|e| fail(&format!("current_exe: {e}")));
    let mut cmd = Command::new(exe);
    cmd.args(args)
        .args(extra)
        .args(["--worker", strategy.name()]);
    // motsu copies the whole chain state (about a megabyte here) before every call; keep
    // glibc from serving each copy with a fresh mmap (most of the system time otherwise).
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        cmd.env(
            "GLIBC_TUNABLES",
            "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824",
        );
    }
    let output = cmd
        .output()
        .unwrap_or_else(|e| fail(&format!("spawn worker: {e}")));
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        // The line after "thread '…' panicked at file:line:col:" is the message.
        let mut lines = stderr.lines();
        let reason = lines
            .by_ref()
            .find(|l| l.contains("panicked at"))
            .and_then(|_| lines.next())
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("exited without a message")
            .trim()
            .to_string();
        return Err(WorkerError { reason, stderr });
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("worker output: {e}")));
    Ok(report::outcome_from_json(&value).unwrap_or_else(|e| fail(&format!("worker output: {e}"))))
}

/// Why a worker failed.
#[derive(Clone, Debug)]
struct WorkerError {
    /// Its panic message (one line).
    reason: String,
    /// Its whole standard error.
    stderr: String,
}

/// Runs `tasks` (strategy, extra options) on `jobs` worker processes at once.
fn run_parallel(
    args: &[String],
    tasks: &[(Strategy, Vec<String>)],
    jobs: usize,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Vec<Result<Outcome, WorkerError>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Outcome, WorkerError>>>> =
        Mutex::new(vec![None; tasks.len()]);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(tasks.len()).max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= tasks.len() {
                    break;
                }
                let (strategy, extra) = &tasks[i];
                let outcome = if *strategy == Strategy::Dump {
                    // The baseline never touches the contracts: run it here, with the same
                    // options a worker would parse.
                    let o = Options::from_args(&[args, extra.as_slice()].concat());
                    Ok(gavel_sim::run::run(&o.cfg, Strategy::Dump))
                } else {
                    run_in_worker(args, *strategy, extra)
                };
                results.lock().expect("results")[i] = Some(outcome);
                progress(done.fetch_add(1, Ordering::SeqCst) + 1, tasks.len());
            });
        }
    });
    results
        .into_inner()
        .expect("results")
        .into_iter()
        .map(|o| o.expect("ran"))
        .collect()
}

impl Options {
    fn from_args(args: &[String]) -> Options {
        parse(args)
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = parse(&args);
    if let Some(strategy) = options.worker {
        let outcome = report::run_tasks(&[(options.cfg.clone(), strategy)], &|_, _| {}).remove(0);
        println!("{}", report::outcome_full_json(&outcome));
        return;
    }
    // Arguments the workers get: everything but the run options.
    let mut forwarded = Vec::new();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--jobs" | "--out" | "--sweep" | "--sweep-strategy" | "--sweep-scenarios"
            | "--strategies" => i += 2,
            "--no-plots" => i += 1,
            _ => {
                forwarded.push(args[i].clone());
                if let Some(v) = args.get(i + 1) {
                    forwarded.push(v.clone());
                }
                i += 2;
            }
        }
    }
    let cfg = options.cfg.clone();
    if let Err(e) = std::fs::create_dir_all(&options.out) {
        fail(&format!("{}: {e}", options.out.display()));
    }
    let start = Instant::now();
    if let Some(dims) = &options.sweep {
        sweep(&options, &forwarded, dims, start);
        return;
    }
    let tasks: Vec<(Strategy, Vec<String>)> =
        cfg.strategies.iter().map(|s| (*s, Vec::new())).collect();
    // Longest first: the contract strategies, then the baseline.
    let outcomes = run_parallel(&forwarded, &tasks, options.jobs, &|_, _| {})
        .into_iter()
        .zip(&tasks)
        .map(|(result, (strategy, _))| {
            result.unwrap_or_else(|e| {
                eprint!("{}", e.stderr);
                fail(&format!("the {} run failed: {}", strategy.name(), e.reason))
            })
        })
        .collect();
    let report = Report {
        config: cfg,
        outcomes,
        wall_seconds: start.elapsed().as_secs_f64(),
    };
    print!("{}", report.table());
    let json = report.to_json(true);
    let path = options.out.join("report.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&json).expect("json") + "\n",
    )
    .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    let mut written = vec![path.display().to_string()];
    if options.plots {
        for (name, result) in [
            (
                "prices.svg",
                plot::prices(&report, &options.out.join("prices.svg")),
            ),
            (
                "outcomes.svg",
                plot::outcomes(&report, &options.out.join("outcomes.svg")),
            ),
        ] {
            match result {
                Ok(()) => written.push(options.out.join(name).display().to_string()),
                Err(e) => eprintln!("gavel-sim: {e}"),
            }
        }
    }
    println!("wrote {}", written.join(", "));
    if report.outcomes.iter().any(|o| !o.accounting_ok) {
        eprintln!("gavel-sim: accounting mismatch between the simulator and the contracts");
        std::process::exit(1);
    }
}

/// One scenario's sweep: every grid point's outcome, in grid order.
struct ScenarioSweep {
    /// The configuration the points vary (the scenario's path and congestion applied).
    cfg: Config,
    /// Grid order (for the heatmap).
    unranked: Vec<report::SweepPoint>,
    /// Best first ([`report::rank`]).
    ranked: Vec<report::SweepPoint>,
    /// Points whose run failed (the contracts refused the parameters), with the reason.
    refused: Vec<(Vec<f64>, String)>,
}

fn sweep(options: &Options, forwarded: &[String], dims: &[Dimension], start: Instant) {
    let mut grid: Vec<Vec<f64>> = vec![Vec::new()];
    for d in dims {
        let mut probe = options.cfg.clone();
        if let Err(e) = apply(&mut probe, &d.name, d.values[0]) {
            fail(&e);
        }
        grid = grid
            .into_iter()
            .flat_map(|p| {
                d.values.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    // Every scenario's grid points, run as one queue of tasks (one progress bar).
    let scenarios: Vec<Option<&str>> = if options.sweep_scenarios.is_empty() {
        vec![None]
    } else {
        options
            .sweep_scenarios
            .iter()
            .map(|s| Some(s.as_str()))
            .collect()
    };
    let mut tasks: Vec<(Strategy, Vec<String>)> = Vec::new();
    for scenario in &scenarios {
        for values in &grid {
            let mut extra = Vec::new();
            if let Some(name) = scenario {
                extra.push("--scenario".to_string());
                extra.push(name.to_string());
            }
            for (d, v) in dims.iter().zip(values) {
                let flag = match d.name.as_str() {
                    "kick" => "--kick-window".to_string(),
                    "commit" => "--commit-window".to_string(),
                    "reveal" => "--reveal-window".to_string(),
                    "threshold" => "--batch-threshold".to_string(),
                    other => format!("--{other}"),
                };
                extra.push(flag);
                extra.push(format!("{v}"));
            }
            tasks.push((options.sweep_strategy, extra));
        }
    }
    let progress = |done: usize, total: usize| {
        use std::io::Write as _;
        let width = 30;
        let filled = done * width / total.max(1);
        let elapsed = start.elapsed().as_secs_f64();
        let eta = if done == 0 {
            0.0
        } else {
            elapsed / done as f64 * (total - done) as f64
        };
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\rsweep [{}{}] {done}/{total}  {elapsed:.0}s, ~{eta:.0}s left ",
            "#".repeat(filled),
            ".".repeat(width - filled)
        );
        if done == total {
            let _ = writeln!(err);
        }
        let _ = err.flush();
    };
    progress(0, tasks.len());
    let mut outcomes = run_parallel(forwarded, &tasks, options.jobs, &progress).into_iter();
    let names: Vec<&str> = dims.iter().map(|d| d.name.as_str()).collect();
    let mut results = Vec::new();
    let mut refused_any = false;
    for scenario in &scenarios {
        let cfg = match scenario {
            Some(name) => {
                let mut cfg = options
                    .cfg
                    .clone()
                    .with_scenario(name)
                    .unwrap_or_else(|e| fail(&e));
                if let Some(explicit) = options.congestion_override {
                    cfg.congestion = explicit;
                }
                cfg
            }
            None => options.cfg.clone(),
        };
        let mut unranked: Vec<report::SweepPoint> = Vec::new();
        let mut refused: Vec<(Vec<f64>, String)> = Vec::new();
        for values in &grid {
            match outcomes.next() {
                Some(Ok(outcome)) => unranked.push(report::SweepPoint {
                    values: values.clone(),
                    outcome,
                }),
                Some(Err(e)) => refused.push((values.clone(), e.reason)),
                None => fail("sweep: a worker result is missing"),
            }
        }
        let mut ranked = unranked.clone();
        report::rank(&mut ranked);
        println!(
            "sweep of {} over {} ({} points, {}), best first:",
            options.sweep_strategy.name(),
            names.join(" × "),
            ranked.len(),
            cfg.path.name,
        );
        print_points(&names, &ranked);
        for (values, reason) in &refused {
            let values: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
            println!("{:<28} failed, left out: {reason}", values.join(", "));
        }
        refused_any |= !refused.is_empty();
        results.push(ScenarioSweep {
            cfg,
            unranked,
            ranked,
            refused,
        });
    }
    println!("wall time {:.1} s", start.elapsed().as_secs_f64());
    let sweep_json = |r: &ScenarioSweep| {
        serde_json::json!({
            "scenario": r.cfg.path.name,
            "strategy": options.sweep_strategy.name(),
            "parameters": r.cfg.describe(),
            "dimensions": dims.iter().map(|d| serde_json::json!({"name": d.name, "values": d.values})).collect::<Vec<_>>(),
            "best_first": r.ranked.iter().map(|p| serde_json::json!({"values": p.values, "outcome": report::outcome_json(&p.outcome)})).collect::<Vec<_>>(),
            "failed": r.refused.iter().map(|(values, reason)| serde_json::json!({"values": values, "reason": reason})).collect::<Vec<_>>(),
        })
    };
    let mut json = if let [only] = results.as_slice() {
        sweep_json(only)
    } else {
        println!("best settings per scenario ({}):", names.join(", "));
        for r in &results {
            if let Some(best) = r.ranked.first() {
                let values: Vec<String> = best.values.iter().map(|v| format!("{v}")).collect();
                println!(
                    "  {:<16} {:<24} recovery {:.2}%, bad debt {}, lenders' loss {}",
                    r.cfg.path.name,
                    values.join(", "),
                    best.outcome.recovery * 100.0,
                    report::money(best.outcome.bad_debt),
                    report::money(best.outcome.lender_loss + best.outcome.stuck_debt)
                );
            }
        }
        serde_json::json!({ "scenarios": results.iter().map(sweep_json).collect::<Vec<_>>() })
    };
    json["wall_seconds"] = serde_json::json!(start.elapsed().as_secs_f64());
    let path = options.out.join("sweep.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&json).expect("json") + "\n",
    )
    .unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    println!("wrote {}", path.display());
    if options.plots && dims.len() >= 2 {
        for r in &results {
            let file = if results.len() == 1 {
                "sweep.svg".to_string()
            } else {
                format!("sweep-{}.svg", r.cfg.path.name)
            };
            let svg = options.out.join(file);
            let title = format!(
                "{} on {}: recovery / lenders' loss + open debt in DAI (green is better)",
                options.sweep_strategy.name(),
                r.cfg.path.name
            );
            match plot::sweep_heatmap(&r.unranked, dims, &title, &svg) {
                Ok(()) => println!("wrote {}", svg.display()),
                Err(e) => eprintln!("gavel-sim: {e}"),
            }
        }
    }
    if refused_any {
        eprintln!(
            "gavel-sim: some sweep points failed (listed above and in sweep.json under \"failed\")"
        );
    }
    if results.iter().any(|r| r.ranked.is_empty()) {
        fail("every point of a swept scenario failed");
    }
}

/// Prints sweep points as a table.
fn print_points(names: &[&str], points: &[report::SweepPoint]) {
    println!(
        "{:<28} {:>9} {:>10} {:>11} {:>10} {:>9} {:>7}",
        names.join(", "),
        "recovery",
        "bad debt",
        "lender loss",
        "open debt",
        "clear p95",
        "redos"
    );
    for p in points {
        let values: Vec<String> = p.values.iter().map(|v| format!("{v}")).collect();
        let o = &p.outcome;
        println!(
            "{:<28} {:>8.2}% {:>10} {:>11} {:>10} {:>9} {:>7}",
            values.join(", "),
            o.recovery * 100.0,
            report::money(o.bad_debt),
            report::money(o.lender_loss),
            report::money(o.stuck_debt),
            report::duration(o.clear_p95),
            o.redos + o.fallbacks
        );
    }
}

//! The simulator's acceptance tests (small populations, so they stay fast). motsu keeps one
//! VM per thread in a global map: run with `-- --test-threads=1`, as every crate here.

use gavel_sim::report::{outcome_from_json, outcome_full_json, run_all};
use gavel_sim::run::run_with_logs;
use gavel_sim::scenario::{population, Config, PricePath, Strategy};

/// A small crash: 24 borrowers, a shallow pool so that sales move it, a small fund so that
/// some shortfall reaches the lenders.
fn small(scenario: &str) -> Config {
    let mut cfg = Config::standard()
        .with_scenario(scenario)
        .expect("built-in");
    cfg.borrowers = 24;
    cfg.ltv = (0.55, 0.79);
    cfg.pool_depth = 600_000.0;
    cfg.fund = 2_000.0;
    cfg.hole = 400_000.0;
    cfg.batch_threshold = 60_000.0;
    cfg.keepers = 3;
    cfg.bidders = 6;
    cfg.drain = 6 * 3_600;
    cfg
}

#[test]
fn accounting_matches_the_contracts() {
    let cfg = small("crash");
    let report = run_all(&cfg);
    assert_eq!(report.outcomes.len(), 4);
    for o in &report.outcomes {
        assert!(o.liquidations > 0, "{}: the crash liquidates", o.strategy);
        assert!(
            o.accounting_ok,
            "{}: books differ: {:?}",
            o.strategy, o.accounting
        );
        if o.strategy == "dump" {
            continue;
        }
        // Σ raised + fund at start + forfeited bonds == repaid + penalty to the market +
        // covered + keeper pay + fund at end + held, in base units; and what the simulator saw
        // keepers and bidders pay equals what the module booked.
        let side = |name: &str| {
            o.accounting
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(
            side("raised + fund_start + bonds"),
            side("repaid + penalty + covered + keeper_pay + fund + held"),
            "{}",
            o.strategy
        );
        assert_eq!(
            side("sim-observed proceeds"),
            side("module raised"),
            "{}",
            o.strategy
        );
        // Bad debt is what the fund covered plus what the lenders lost (module side).
        if o.stuck_debt == 0.0 {
            assert!(
                (o.bad_debt - (o.covered + o.socialized)).abs() < 1e-6 * o.debt.max(1.0),
                "{}: bad debt {} != covered {} + socialized {}",
                o.strategy,
                o.bad_debt,
                o.covered,
                o.socialized
            );
        }
        assert!(o.lender_loss + 1e-9 >= o.socialized, "{}", o.strategy);
        assert!(
            o.recovery > 0.3 && o.recovery < 1.3,
            "{}: recovery {}",
            o.strategy,
            o.recovery
        );
    }
    let by = |name: &str| {
        report
            .outcomes
            .iter()
            .find(|o| o.strategy == name)
            .expect("ran")
    };
    assert!(by("dutch").takes > 0, "keepers took");
    assert!(by("batch").batches > 0 && by("batch").dutch_auctions <= by("batch").fallbacks);
    assert!(
        by("hybrid").batches > 0 && by("hybrid").dutch_auctions > 0,
        "hybrid uses both houses"
    );
}

#[test]
fn accounting_holds_through_congestion_and_redos() {
    // Black Thursday's congested hours: auctions kicked while keepers are locked out reach
    // their tail and need redos; bidders who committed cannot reveal and forfeit bonds.
    let mut cfg = small("black-thursday");
    cfg.borrowers = 20;
    cfg.congestion = Some((40_000, 60_000));
    cfg.dutch.tail = 1_800;
    cfg.strategies = vec![Strategy::Dutch, Strategy::Batch];
    let report = run_all(&cfg);
    let dutch = &report.outcomes[0];
    assert!(dutch.redos > 0, "redos happened");
    assert!(dutch.accounting_ok, "dutch: {:?}", dutch.accounting);
    let batch = &report.outcomes[1];
    assert!(batch.accounting_ok, "batch: {:?}", batch.accounting);
    assert!(
        batch.fallbacks + batch.unrevealed > 0,
        "congestion hit the batches"
    );
}

#[test]
fn same_seed_same_report() {
    let mut cfg = small("flash");
    cfg.strategies = vec![Strategy::Dump, Strategy::Hybrid];
    let a = run_all(&cfg).to_json(false);
    let b = run_all(&cfg).to_json(false);
    assert_eq!(a, b, "same seed, same report");
    let mut other = cfg.clone();
    other.seed = 99;
    other.path = PricePath::builtin("flash", 2_000.0, 99).expect("built-in");
    let c = run_all(&other).to_json(false);
    assert_ne!(a, c, "another seed draws another world");
}

#[test]
fn skipping_logs_changes_nothing_else() {
    // The simulator runs with log recording off (motsu's copies of every log made it thirty
    // times slower); the contracts must behave the same with it on.
    let mut cfg = small("crash");
    cfg.borrowers = 16;
    for strategy in [Strategy::Dutch, Strategy::Batch] {
        let silent = run_with_logs(&cfg, strategy, false);
        let logged = run_with_logs(&cfg, strategy, true);
        assert!(
            silent.liquidations > 0,
            "{}: the crash liquidates",
            strategy.name()
        );
        assert_eq!(
            outcome_full_json(&silent),
            outcome_full_json(&logged),
            "{}",
            strategy.name()
        );
    }
    assert!(
        gavel_common::log::recording(),
        "the thread's setting is restored"
    );
}

#[test]
fn no_price_drop_no_liquidations() {
    let mut cfg = small("flat");
    cfg.drain = 0;
    let report = run_all(&cfg);
    for o in &report.outcomes {
        assert_eq!(o.liquidations, 0, "{}", o.strategy);
        assert_eq!(
            (o.bad_debt, o.lender_loss, o.proceeds),
            (0.0, 0.0, 0.0),
            "{}",
            o.strategy
        );
        assert_eq!(o.fund_end, o.fund_start, "{}", o.strategy);
        assert!(o.accounting_ok, "{}", o.strategy);
    }
}

#[test]
fn outcome_survives_the_worker_round_trip() {
    let mut cfg = small("crash");
    cfg.strategies = vec![Strategy::Dutch];
    let report = run_all(&cfg);
    let o = &report.outcomes[0];
    assert!(!o.samples.is_empty() && !o.sales.is_empty());
    assert_eq!(
        &outcome_from_json(&outcome_full_json(o)).expect("parses"),
        o
    );
}

#[test]
fn price_paths() {
    for name in gavel_sim::scenario::BUILTIN_PATHS {
        let path = PricePath::builtin(name, 2_000.0, 1).expect("built-in");
        assert_eq!(path.at(0), 2_000.0);
        assert!(path.knots.windows(2).all(|w| w[0].0 < w[1].0));
    }
    let crash = PricePath::builtin("crash", 2_000.0, 1).unwrap();
    assert!((crash.min() / 2_000.0 - 0.6).abs() < 0.02, "a 40% crash");
    let thursday = PricePath::builtin("black-thursday", 2_000.0, 1).unwrap();
    let close = thursday.at(24 * 3_600) / 2_000.0;
    assert!((close - 0.57).abs() < 0.02, "-43% on the day, got {close}");
    let flat = PricePath::builtin("flat", 2_000.0, 1).unwrap();
    assert_eq!(flat.min(), 2_000.0);

    let csv = "seconds,price\n# replay\n100,2000\n700, 1500\n1300,1800\n";
    let path = PricePath::from_csv("mine.csv", csv).expect("parses");
    assert_eq!(
        path.knots,
        vec![(0, 2_000.0), (600, 1_500.0), (1_200, 1_800.0)]
    );
    assert_eq!(path.at(300), 1_750.0);
    assert_eq!(path.at(5_000), 1_800.0);
    assert!(
        PricePath::from_csv("x", "0,1\n0,2\n").is_err(),
        "time must increase"
    );
    assert!(
        PricePath::from_csv("x", "0,1\n5,-2\n").is_err(),
        "prices are positive"
    );
    assert!(
        PricePath::from_csv("x", "0,1\n").is_err(),
        "two points at least"
    );
}

#[test]
fn population_follows_the_configuration() {
    let cfg = small("crash");
    let people = population(&cfg);
    assert_eq!(people.len(), 24);
    assert_eq!(people, population(&cfg), "deterministic");
    for b in &people {
        let ltv = b.debt / (b.collateral * 2_000.0);
        assert!(
            ltv <= cfg.ltv.1 + 1e-9 && ltv >= cfg.ltv.0 - 0.01,
            "ltv {ltv}"
        );
        assert!(
            b.collateral >= cfg.collateral.0 * 0.999 && b.collateral <= cfg.collateral.1 * 1.001
        );
    }
}

/// Runs the `gavel-sim` binary with `args` and `--out` a fresh temporary folder (named after
/// `tag`); asserts it succeeded and returns its output and its `sweep.json`.
fn sweep_binary(tag: &str, args: &[&str]) -> (std::process::Output, serde_json::Value) {
    let out = std::env::temp_dir().join(format!("gavel-sim-{tag}-{}", std::process::id()));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_gavel-sim"))
        .args(args)
        .args(["--jobs", "1", "--no-plots", "--out"])
        .arg(&out)
        .output()
        .expect("runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = std::fs::read_to_string(out.join("sweep.json")).expect("sweep.json");
    let _ = std::fs::remove_dir_all(&out);
    (run, serde_json::from_str(&text).expect("json"))
}

/// The binary's sweep over several scenarios: one ranked grid per scenario in `sweep.json`,
/// each run on its own scenario's path (the runs differ), and a clear refusal of
/// `--sweep-scenarios` without `--sweep`.
#[test]
fn sweep_reports_each_scenario() {
    let (status, json) = sweep_binary(
        "sweep",
        &[
            "--borrowers",
            "12",
            "--ltv",
            "0.6-0.79",
            "--pool-depth",
            "600000",
            "--sweep",
            "cut=0.97,0.99",
            "--sweep-scenarios",
            "crash,flash",
        ],
    );
    let scenarios = json["scenarios"]
        .as_array()
        .expect("one entry per scenario");
    let names: Vec<&str> = scenarios
        .iter()
        .map(|s| s["scenario"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["crash", "flash"]);
    for s in scenarios {
        let points = s["best_first"].as_array().expect("points");
        assert_eq!(points.len(), 2, "{}", s["scenario"]);
        assert!(s["parameters"].as_str().unwrap_or("").contains(&format!(
            "scenario={}",
            s["scenario"].as_str().unwrap_or("")
        )));
    }
    assert_ne!(
        scenarios[0]["best_first"], scenarios[1]["best_first"],
        "each scenario ran its own path"
    );
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains("best settings per scenario"), "{stdout}");

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_gavel-sim"))
        .args(["--sweep-scenarios", "crash"])
        .output()
        .expect("runs");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--sweep-scenarios needs --sweep"));
}

/// A grid point the contracts refuse is reported with its reason and left out; the other
/// points still run and are ranked.
#[test]
fn sweep_reports_refused_points() {
    let (run, json) = sweep_binary(
        "refused",
        &[
            "--borrowers",
            "8",
            "--sweep-strategy",
            "batch",
            "--sweep",
            "kick=600,1800;commit=900",
        ],
    );
    assert_eq!(json["best_first"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        json["best_first"][0]["values"],
        serde_json::json!([600.0, 900.0])
    );
    let failed = json["failed"].as_array().expect("failed points");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["values"], serde_json::json!([1800.0, 900.0]));
    let reason = failed[0]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("(kickWindow, 1800)"), "{reason}");
    assert!(String::from_utf8_lossy(&run.stderr).contains("some sweep points failed"));
}

#[test]
fn revert_text_names_parameters() {
    use gavel_sim::world::revert_text;
    let mut data = vec![0xee, 0x9c, 0x4b, 0x15];
    let mut name = [0u8; 32];
    name[..10].copy_from_slice(b"kickWindow");
    data.extend_from_slice(&name);
    let mut value = [0u8; 32];
    value[30..].copy_from_slice(&1800u16.to_be_bytes());
    data.extend_from_slice(&value);
    assert_eq!(revert_text(&data), "0xee9c4b15(kickWindow, 1800)");
    assert_eq!(revert_text(&[0xab, 0xcd]), "0xabcd");
    assert_eq!(revert_text(&data[..4]), "0xee9c4b15()");
}

//! `cargo xtask wasm`: build every contract to WASM at several opt-levels, keep the smallest
//! compressed module per contract, check it against the Stylus rules ([`crate::check`]),
//! copy it to `target/wasm/<crate>.wasm` and report sizes (`target/wasm-sizes.json`).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::{json, Value};

use crate::check::{self, Violation, MAX_COMPRESSED_BYTES, MAX_UNCOMPRESSED_BYTES};
use crate::workspace::{cargo, Contract, Workspace};

/// Opt-levels measured, in order of preference when sizes tie.
pub const LEVELS: [&str; 3] = ["s", "z", "3"];
/// Rust target of Stylus programs.
pub const TARGET: &str = "wasm32-unknown-unknown";

const HELP: &str = "usage: cargo xtask wasm [--contract NAME]... [--level LEVEL]...

Builds each contract crate (workspace package with a cdylib lib target) for
wasm32-unknown-unknown in release mode once per opt-level (s, z, 3; each level in its own
target/wasm-build/opt-<level> so they keep separate caches), strips custom sections,
brotli-compresses (quality 11, window 22), keeps the level with the smallest compressed size,
checks it against the Stylus rules and copies it to target/wasm/<crate_name>.wasm.
Writes target/wasm-sizes.json. Exits non-zero if any contract breaks a rule.

options:
  --contract NAME   only this contract (package name, `-` or `_`); repeatable
  --level LEVEL     only this opt-level (s, z or 3); repeatable
  --no-normalize    keep the 5-byte `call_indirect` table immediates that LLVM writes with
                    reference types on (by default they are re-encoded as the single MVP
                    byte 0x00 Stylus requires; see check::normalize_call_indirect)
  --check FILE      build nothing: check this .wasm file (names from its name section, if
                    any, appear in the messages); repeatable
  -h, --help        this help";

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    pub contracts: Vec<String>,
    pub levels: Vec<String>,
    /// `--no-normalize`: keep LLVM's overlong `call_indirect` table immediates.
    pub no_normalize: bool,
    /// `--check FILE`: only check existing modules, no build.
    pub check_files: Vec<PathBuf>,
    pub help: bool,
}

/// Parses `wasm`'s arguments (`--contract NAME`, `--contract=NAME`, `--level L`, `--help`).
pub fn parse_args(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |flag: &str| {
            inline
                .clone()
                .or_else(|| args.next().cloned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("`{flag}` needs a value"))
        };
        match flag {
            "--contract" | "-p" => options.contracts.push(value(flag)?),
            "--level" => {
                let level = value(flag)?;
                if !LEVELS.contains(&level.as_str()) {
                    return Err(format!(
                        "unknown opt-level `{level}` (expected one of {})",
                        LEVELS.join(", ")
                    ));
                }
                if !options.levels.contains(&level) {
                    options.levels.push(level);
                }
            }
            "--no-normalize" => options.no_normalize = true,
            "--check" => options.check_files.push(PathBuf::from(value(flag)?)),
            "-h" | "--help" => options.help = true,
            other => return Err(format!("unknown argument `{other}`\n\n{HELP}")),
        }
    }
    if options.levels.is_empty() {
        options.levels = LEVELS.iter().map(|l| l.to_string()).collect();
    }
    Ok(options)
}

/// One contract built at one opt-level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LevelSize {
    pub level: String,
    /// `call_indirect` table immediates re-encoded by [`check::normalize_call_indirect`].
    pub call_indirect_normalized: usize,
    /// Size with custom sections stripped.
    pub raw_bytes: usize,
    /// Brotli size of the stripped module.
    pub compressed_bytes: usize,
}

/// Outcome for one contract.
#[derive(Debug, Clone)]
pub struct ContractResult {
    pub contract: String,
    /// Every level measured, in build order.
    pub levels: Vec<LevelSize>,
    /// Index into `levels` of the chosen one.
    pub chosen: usize,
    pub output: PathBuf,
    pub violations: Vec<Violation>,
}

impl ContractResult {
    pub fn chosen(&self) -> &LevelSize {
        &self.levels[self.chosen]
    }

    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Index of the smallest compressed size (ties: smaller raw size, then earlier level).
pub fn pick_smallest(levels: &[LevelSize]) -> Option<usize> {
    (0..levels.len()).min_by_key(|&i| (levels[i].compressed_bytes, levels[i].raw_bytes, i))
}

pub fn run(args: &[String]) -> Result<ExitCode, String> {
    let options = parse_args(args)?;
    if options.help {
        println!("{HELP}");
        return Ok(ExitCode::SUCCESS);
    }

    if !options.check_files.is_empty() {
        return check_files(&options.check_files);
    }

    let workspace = Workspace::load()?;
    let contracts = select_contracts(&workspace.contracts, &options.contracts)?;
    if contracts.is_empty() {
        eprintln!(
            "warning: no contract crates found (no workspace package has a lib target with \
             crate-type \"cdylib\"); nothing to build"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let names: Vec<&str> = contracts.iter().map(|c| c.package.as_str()).collect();
    println!("contracts: {}", names.join(", "));
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
    ] {
        if let Ok(flags) = std::env::var(var) {
            println!("{var} from the environment: {flags}");
        }
    }

    // Build every level first (one cargo invocation per level).
    for level in &options.levels {
        build_level(&workspace, &contracts, level)?;
    }

    // Measure, pick, check, copy.
    let out_dir = workspace.target_dir.join("wasm");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut results = Vec::new();
    for contract in &contracts {
        let mut levels = Vec::new();
        let mut modules = Vec::new();
        for level in &options.levels {
            let path = artifact_path(&workspace.target_dir, level, contract);
            let bytes =
                fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let stripped = check::strip_custom_sections(&bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let (stripped, normalized) = if options.no_normalize {
                (stripped, 0)
            } else {
                check::normalize_call_indirect(&stripped)
                    .map_err(|e| format!("{}: {e}", path.display()))?
            };
            levels.push(LevelSize {
                level: level.clone(),
                call_indirect_normalized: normalized,
                raw_bytes: stripped.len(),
                compressed_bytes: check::brotli_size(&stripped),
            });
            modules.push(stripped);
        }
        let chosen = pick_smallest(&levels).expect("at least one level");
        let module = &modules[chosen];
        let violations = check::check_module(module).err().unwrap_or_default();
        let output = out_dir.join(format!("{}.wasm", contract.snake_name()));
        fs::write(&output, module)
            .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
        results.push(ContractResult {
            contract: contract.package.clone(),
            levels,
            chosen,
            output,
            violations,
        });
    }

    println!();
    print!("{}", render_table(&results));
    let json_path = workspace.target_dir.join("wasm-sizes.json");
    let json = serde_json::to_string_pretty(&sizes_json(&results)).expect("JSON value");
    fs::write(&json_path, json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;
    for result in &results {
        let normalized = result.chosen().call_indirect_normalized;
        if normalized > 0 {
            println!(
                "{}: re-encoded {normalized} call_indirect table immediate(s) from the 5-byte \
                 reference-types form to the MVP byte 0x00 (--no-normalize keeps them)",
                result.contract
            );
        }
    }
    println!();
    for result in &results {
        println!(
            "wrote {}",
            display_relative(&result.output, &workspace.root)
        );
    }
    println!("wrote {}", display_relative(&json_path, &workspace.root));

    let failed: Vec<&ContractResult> = results.iter().filter(|r| !r.passed()).collect();
    if failed.is_empty() {
        println!("\nall {} contract(s) pass the Stylus checks", results.len());
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!();
    for result in &failed {
        eprintln!(
            "{} (opt-level {}): {} violation(s):",
            result.contract,
            result.chosen().level,
            result.violations.len()
        );
        for violation in &result.violations {
            eprintln!("  - {violation}");
        }
    }
    eprintln!(
        "\nerror: {} of {} contract(s) break the Stylus rules",
        failed.len(),
        results.len()
    );
    Ok(ExitCode::FAILURE)
}

/// `--check FILE...`: checks existing modules (sizes measured with custom sections stripped).
fn check_files(files: &[PathBuf]) -> Result<ExitCode, String> {
    let mut failed = 0;
    for file in files {
        let bytes = fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        match check::check_module(&bytes) {
            Ok(report) => println!(
                "{}: ok: {} bytes stripped, {} bytes compressed ({:.1}% of {} KiB), {} host imports",
                file.display(),
                report.raw_bytes,
                report.compressed_bytes,
                check::percent_of(report.compressed_bytes, MAX_COMPRESSED_BYTES),
                MAX_COMPRESSED_BYTES / 1024,
                report.imports.len()
            ),
            Err(violations) => {
                failed += 1;
                eprintln!("{}: {} violation(s):", file.display(), violations.len());
                for violation in &violations {
                    eprintln!("  - {violation}");
                }
            }
        }
    }
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The contracts named on the command line (all when none are named).
fn select_contracts(all: &[Contract], wanted: &[String]) -> Result<Vec<Contract>, String> {
    if wanted.is_empty() {
        return Ok(all.to_vec());
    }
    let mut selected = Vec::new();
    for name in wanted {
        let contract = all.iter().find(|c| c.matches(name)).ok_or_else(|| {
            let known: Vec<&str> = all.iter().map(|c| c.package.as_str()).collect();
            format!(
                "no contract crate named `{name}` (known: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )
        })?;
        if !selected.contains(contract) {
            selected.push(contract.clone());
        }
    }
    Ok(selected)
}

fn level_target_dir(target_dir: &Path, level: &str) -> PathBuf {
    target_dir.join("wasm-build").join(format!("opt-{level}"))
}

fn artifact_path(target_dir: &Path, level: &str, contract: &Contract) -> PathBuf {
    level_target_dir(target_dir, level)
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", contract.lib_name))
}

fn build_level(workspace: &Workspace, contracts: &[Contract], level: &str) -> Result<(), String> {
    let target_dir = level_target_dir(&workspace.target_dir, level);
    let mut args: Vec<String> = ["build", "--release", "--target", TARGET, "--lib"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for contract in contracts {
        args.push("-p".into());
        args.push(contract.package.clone());
    }
    args.push("--target-dir".into());
    args.push(display_relative(&target_dir, &workspace.root));
    println!(
        "+ CARGO_PROFILE_RELEASE_OPT_LEVEL={level} cargo {}",
        args.join(" ")
    );
    let status = Command::new(cargo())
        .args(&args)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", level)
        .current_dir(&workspace.root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("WASM build at opt-level {level} failed ({status})"))
    }
}

fn display_relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The summary table and the per-level measurements.
pub fn render_table(results: &[ContractResult]) -> String {
    let limit_kib = MAX_COMPRESSED_BYTES / 1024;
    let mut rows = vec![[
        "contract".to_string(),
        "opt-level".to_string(),
        "raw bytes".to_string(),
        "compressed bytes".to_string(),
        format!("% of {limit_kib} KiB limit"),
        "status".to_string(),
    ]];
    for r in results {
        let chosen = r.chosen();
        rows.push([
            r.contract.clone(),
            chosen.level.clone(),
            chosen.raw_bytes.to_string(),
            chosen.compressed_bytes.to_string(),
            format!(
                "{:.1}%",
                check::percent_of(chosen.compressed_bytes, MAX_COMPRESSED_BYTES)
            ),
            if r.passed() {
                "ok".to_string()
            } else {
                format!("FAIL ({} violation(s))", r.violations.len())
            },
        ]);
    }
    let mut out = format_rows(&rows, &[false, false, true, true, true, false]);

    out.push_str("\nall levels (custom sections stripped; * = chosen):\n");
    let mut rows = vec![[
        "contract".to_string(),
        "opt-level".to_string(),
        "raw bytes".to_string(),
        "compressed bytes".to_string(),
        "chosen".to_string(),
        String::new(),
    ]];
    for r in results {
        for (i, level) in r.levels.iter().enumerate() {
            rows.push([
                r.contract.clone(),
                level.level.clone(),
                level.raw_bytes.to_string(),
                level.compressed_bytes.to_string(),
                if i == r.chosen {
                    "*".into()
                } else {
                    String::new()
                },
                String::new(),
            ]);
        }
    }
    out += &format_rows(&rows, &[false, false, true, true, false, false]);
    out
}

fn format_rows<const N: usize>(rows: &[[String; N]], right: &[bool; N]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let used = (0..N).filter(|&i| widths[i] > 0).collect::<Vec<_>>();
    let line = |row: &[String; N]| {
        let cells: Vec<String> = used
            .iter()
            .map(|&i| {
                if right[i] {
                    format!("{:>w$}", row[i], w = widths[i])
                } else {
                    format!("{:<w$}", row[i], w = widths[i])
                }
            })
            .collect();
        cells.join(" | ").trim_end().to_string() + "\n"
    };
    let mut out = line(&rows[0]);
    out += &(used
        .iter()
        .map(|&i| "-".repeat(widths[i]))
        .collect::<Vec<_>>()
        .join("-|-")
        + "\n");
    for row in &rows[1..] {
        out += &line(row);
    }
    out
}

/// Contents of `target/wasm-sizes.json`.
pub fn sizes_json(results: &[ContractResult]) -> Value {
    Value::Array(
        results
            .iter()
            .map(|r| {
                let chosen = r.chosen();
                json!({
                    "contract": r.contract,
                    "opt_level": chosen.level,
                    "raw_bytes": chosen.raw_bytes,
                    "compressed_bytes": chosen.compressed_bytes,
                    "limit_bytes": MAX_COMPRESSED_BYTES,
                    "uncompressed_limit_bytes": MAX_UNCOMPRESSED_BYTES,
                    "percent_of_limit":
                        (check::percent_of(chosen.compressed_bytes, MAX_COMPRESSED_BYTES) * 100.0)
                            .round() / 100.0,
                    "status": if r.passed() { "ok" } else { "fail" },
                    "violations": r.violations.iter().map(|v| v.to_string()).collect::<Vec<_>>(),
                    "call_indirect_normalized": chosen.call_indirect_normalized,
                    "levels": r.levels.iter().map(|l| json!({
                        "opt_level": l.level,
                        "raw_bytes": l.raw_bytes,
                        "compressed_bytes": l.compressed_bytes,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::ViolationKind;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_options() {
        let o = parse_args(&[]).unwrap();
        assert_eq!(o.levels, ["s", "z", "3"]);
        assert!(o.contracts.is_empty() && !o.help);

        let o = parse_args(&args(&[
            "--level",
            "z",
            "--contract",
            "mock-erc20",
            "--contract=b",
        ]))
        .unwrap();
        assert_eq!(o.levels, ["z"]);
        assert_eq!(o.contracts, ["mock-erc20", "b"]);

        assert!(parse_args(&args(&["--level", "2"])).is_err());
        assert!(parse_args(&args(&["--level"])).is_err());
        assert!(parse_args(&args(&["--frobnicate"])).is_err());
        assert!(parse_args(&args(&["--help"])).unwrap().help);
        assert!(parse_args(&args(&["--no-normalize"])).unwrap().no_normalize);
        assert!(!parse_args(&[]).unwrap().no_normalize);
        let o = parse_args(&args(&["--check", "a.wasm", "--check=b.wasm"])).unwrap();
        assert_eq!(
            o.check_files,
            [PathBuf::from("a.wasm"), PathBuf::from("b.wasm")]
        );
    }

    fn size(level: &str, raw: usize, compressed: usize) -> LevelSize {
        LevelSize {
            level: level.into(),
            call_indirect_normalized: 0,
            raw_bytes: raw,
            compressed_bytes: compressed,
        }
    }

    #[test]
    fn picks_smallest_compressed_level() {
        let levels = [
            size("s", 34_000, 10_200),
            size("z", 48_000, 16_200),
            size("3", 31_000, 8_200),
        ];
        assert_eq!(pick_smallest(&levels), Some(2));
        // Ties go to the smaller raw size, then to the earlier level.
        let levels = [size("s", 30, 10), size("z", 20, 10), size("3", 20, 10)];
        assert_eq!(pick_smallest(&levels), Some(1));
        assert_eq!(pick_smallest(&[]), None);
    }

    fn contract(name: &str) -> Contract {
        Contract {
            package: name.into(),
            lib_name: name.replace('-', "_"),
            manifest_path: PathBuf::new(),
            features: vec![],
        }
    }

    #[test]
    fn selects_contracts_by_name() {
        let all = [contract("mock-erc20"), contract("mock-oracle")];
        assert_eq!(select_contracts(&all, &[]).unwrap().len(), 2);
        let one = select_contracts(&all, &args(&["mock_oracle"])).unwrap();
        assert_eq!(one, [contract("mock-oracle")]);
        let err = select_contracts(&all, &args(&["escrow"])).unwrap_err();
        assert!(err.contains("mock-erc20, mock-oracle"), "{err}");
    }

    #[test]
    fn artifact_paths() {
        let c = contract("mock-erc20");
        assert_eq!(
            artifact_path(Path::new("/ws/target"), "z", &c),
            PathBuf::from(
                "/ws/target/wasm-build/opt-z/wasm32-unknown-unknown/release/mock_erc20.wasm"
            )
        );
    }

    fn results() -> Vec<ContractResult> {
        vec![
            ContractResult {
                contract: "mock-erc20".into(),
                levels: vec![
                    size("s", 34_000, 10_240),
                    size("z", 48_000, 16_200),
                    size("3", 31_000, 8_200),
                ],
                chosen: 2,
                output: PathBuf::from("/ws/target/wasm/mock_erc20.wasm"),
                violations: vec![],
            },
            ContractResult {
                contract: "mock-oracle".into(),
                levels: vec![size("s", 60_000, 30_000)],
                chosen: 0,
                output: PathBuf::from("/ws/target/wasm/mock_oracle.wasm"),
                violations: vec![Violation {
                    kind: ViolationKind::CompressedTooLarge,
                    message: "too big".into(),
                }],
            },
        ]
    }

    #[test]
    fn table_shows_choice_and_every_level() {
        let table = render_table(&results());
        let erc20 = table.lines().find(|l| l.starts_with("mock-erc20")).unwrap();
        for cell in ["| 3 ", "31000", "8200", "33.4%", "ok"] {
            assert!(erc20.contains(cell), "{erc20:?} lacks {cell:?}");
        }
        let oracle = table
            .lines()
            .find(|l| l.starts_with("mock-oracle"))
            .unwrap();
        assert!(
            oracle.contains("122.1%") && oracle.contains("FAIL"),
            "{oracle}"
        );
        // Per-level rows: three for mock-erc20, the chosen one starred.
        let rows: Vec<&str> = table
            .lines()
            .skip_while(|l| !l.starts_with("all levels"))
            .filter(|l| l.starts_with("mock-erc20"))
            .collect();
        assert_eq!(rows.len(), 3, "{table}");
        assert!(
            rows[2].contains("8200") && rows[2].trim_end().ends_with('*'),
            "{table}"
        );
        assert!(!rows[0].ends_with('*'));
    }

    #[test]
    fn json_report() {
        let json = sizes_json(&results());
        let first = &json[0];
        assert_eq!(first["contract"], "mock-erc20");
        assert_eq!(first["opt_level"], "3");
        assert_eq!(first["raw_bytes"], 31_000);
        assert_eq!(first["compressed_bytes"], 8_200);
        assert_eq!(first["limit_bytes"], 24_576);
        assert_eq!(first["percent_of_limit"], 33.37);
        assert_eq!(first["status"], "ok");
        assert_eq!(first["levels"].as_array().unwrap().len(), 3);
        assert_eq!(first["levels"][1]["opt_level"], "z");
        assert_eq!(first["levels"][1]["compressed_bytes"], 16_200);
        assert_eq!(json[1]["status"], "fail");
        assert_eq!(json[1]["violations"][0], "[CompressedTooLarge] too big");
    }
}

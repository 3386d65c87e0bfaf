//! `cargo xtask wasm`: build every contract to WASM at several opt-levels, keep the smallest
//! compressed module per contract, check it against the Stylus rules ([`crate::check`]),
//! copy it to `target/wasm/<crate>.wasm` and report sizes (`target/wasm-sizes.json`).
//!
//! The pipeline, per contract and opt-level:
//! 1. `cargo build` with the standard library rebuilt from source (`-Zbuild-std`, see
//!    [`build_command`]) for an MVP CPU plus the features Stylus accepts, with
//!    `-Cpanic=immediate-abort`;
//! 2. strip custom sections ([`check::strip_custom_sections`]);
//! 3. `wasm-opt` ([`WASM_OPT_FLAGS`]) from npm's `binaryen`, pinned in `package.json`;
//! 4. the `call_indirect` re-encoding ([`check::normalize_call_indirect`]), now a safety net
//!    that should find nothing: rebuilt std no longer carries reference-types encodings;
//! 5. brotli, pick the smallest level, check.
//!
//! `--no-build-std` and `--no-wasm-opt` turn steps 1 (back to the precompiled std) and 3 off.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::{json, Value};

use crate::check::{self, Violation, MAX_COMPRESSED_BYTES, MAX_UNCOMPRESSED_BYTES};
use crate::workspace::{cargo, Contract, Workspace};

/// Opt-levels measured, in order of preference when sizes tie.
pub const LEVELS: [&str; 3] = ["s", "z", "3"];
/// Rust target of Stylus programs.
pub const TARGET: &str = "wasm32-unknown-unknown";

/// Environment variable carrying rustc flags for [`TARGET`] only. Unlike `RUSTFLAGS` it never
/// reaches build scripts or proc-macros compiled for the host.
pub const TARGET_RUSTFLAGS_VAR: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";
/// Extra `cargo build` arguments that rebuild the standard library from the toolchain's
/// `rust-src` component. `std` (not just `core,alloc`) because a dependency of the contracts
/// needs it to compile for the target; `optimize_for_size` selects std's smaller code paths.
pub const BUILD_STD_CARGO_ARGS: [&str; 2] = [
    "-Zbuild-std=std,panic_abort",
    "-Zbuild-std-features=optimize_for_size",
];
/// rustc flags for the target, std included, when std is rebuilt: panics become a bare trap
/// (`unreachable`; a trap reverts the Stylus call) so no formatting machinery is linked, and
/// the code is generated for an MVP CPU plus exactly the features Stylus accepts, so no
/// reference-types encoding (the overlong `call_indirect` immediates) is produced anywhere.
pub const BUILD_STD_RUSTFLAGS: [&str; 4] = [
    "-Zunstable-options",
    "-Cpanic=immediate-abort",
    "-Ctarget-cpu=mvp",
    "-Ctarget-feature=+bulk-memory,+sign-ext,+mutable-globals,+multivalue",
];
/// `wasm-opt` flags: optimize for size, for exactly the features Stylus accepts (MVP plus
/// bulk-memory, sign-ext, mutable-globals and multi-value; see [`check::allowed_features`]).
/// `wasm-opt` refuses a module that uses anything else.
pub const WASM_OPT_FLAGS: [&str; 6] = [
    "-Oz",
    "--mvp-features",
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];
/// Where `npm ci` puts `wasm-opt` (npm package `binaryen`), relative to the repository root.
pub const WASM_OPT_BIN: &str = "node_modules/.bin/wasm-opt";

const HELP: &str = "usage: cargo xtask wasm [--contract NAME]... [--level LEVEL]... [options]

Builds each contract crate (workspace package with a cdylib lib target) for
wasm32-unknown-unknown in release mode once per opt-level (s, z, 3; each level in its own
target/wasm-build/opt-<level> so they keep separate caches). For each level and contract it
then strips custom sections, runs wasm-opt, re-encodes overlong call_indirect immediates
(should be none), brotli-compresses (quality 11, window 22), keeps the level with the
smallest compressed size, checks it against the Stylus rules and copies it to
target/wasm/<crate_name>.wasm. Writes target/wasm-sizes.json. Exits non-zero if any contract
breaks a rule. Every command it runs is printed.

The build rebuilds the standard library from source with the pinned toolchain (needs its
rust-src component; tools/setup.sh installs it):
  RUSTC_BOOTSTRAP=1 (lets the pinned stable toolchain accept -Z flags)
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS=\"-Zunstable-options -Cpanic=immediate-abort
      -Ctarget-cpu=mvp -Ctarget-feature=+bulk-memory,+sign-ext,+mutable-globals,+multivalue\"
  cargo build -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size ...
Flags already in CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS are appended; RUSTFLAGS and
CARGO_ENCODED_RUSTFLAGS would replace these flags, so they are refused (unset them, or use
--no-build-std). Compiling std adds about 15 s per opt-level to a cold build (2 cores).

wasm-opt comes from npm's binaryen (pinned in package.json; `npm ci` installs it into
node_modules/.bin) and runs as:
  wasm-opt -Oz --mvp-features --enable-bulk-memory --enable-sign-ext
      --enable-mutable-globals --enable-multivalue IN -o OUT
as many at a time as there are cores; an output is reused while its input, the wasm-opt
version and the flags stay the same.

options:
  --contract NAME   only this contract (package name, `-` or `_`); repeatable
  --level LEVEL     only this opt-level (s, z or 3); repeatable
  --no-build-std    diagnosis: link the precompiled standard library instead (stable cargo,
                    no -Z flags, no target rustflags, panic=abort from the profile); builds
                    in target/wasm-build/opt-<level>-prebuilt-std. Larger modules, and std's
                    call_indirect immediates come out in the overlong encoding again
  --no-wasm-opt     diagnosis: skip wasm-opt (larger modules)
  --no-normalize    keep 5-byte `call_indirect` table immediates (by default they are
                    re-encoded as the single MVP byte 0x00 Stylus requires; with std rebuilt
                    and wasm-opt on there are none; see check::normalize_call_indirect)
  --check FILE      build nothing: check this .wasm file (names from its name section, if
                    any, appear in the messages); repeatable
  -h, --help        this help";

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Options {
    pub contracts: Vec<String>,
    pub levels: Vec<String>,
    /// `--no-build-std`: link the precompiled std (no `-Zbuild-std`, no target rustflags).
    pub no_build_std: bool,
    /// `--no-wasm-opt`: skip `wasm-opt`.
    pub no_wasm_opt: bool,
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
            "--no-build-std" if inline.is_none() => options.no_build_std = true,
            "--no-wasm-opt" if inline.is_none() => options.no_wasm_opt = true,
            "--no-normalize" if inline.is_none() => options.no_normalize = true,
            "--check" => options.check_files.push(PathBuf::from(value(flag)?)),
            "-h" | "--help" => options.help = true,
            _ => return Err(format!("unknown argument `{arg}`\n\n{HELP}")),
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
    /// Size with custom sections stripped (after wasm-opt, if it ran).
    pub raw_bytes: usize,
    /// Brotli size of the stripped module.
    pub compressed_bytes: usize,
    /// `(raw, compressed)` of the stripped module before wasm-opt; `None` if it did not run.
    pub before_wasm_opt: Option<(usize, usize)>,
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

/// How the modules were produced (recorded in `target/wasm-sizes.json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// `rustc --version` of the toolchain that built the contracts.
    pub rustc: String,
    /// Whether std was rebuilt from source (`-Zbuild-std`).
    pub build_std: bool,
    /// `wasm-opt` if it ran.
    pub wasm_opt: Option<WasmOpt>,
    /// Whether the `call_indirect` re-encoding ran.
    pub normalize: bool,
}

/// The `wasm-opt` that ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WasmOpt {
    pub path: PathBuf,
    /// `wasm-opt --version`, e.g. `wasm-opt version 132 (version_132)`.
    pub version: String,
    /// Version of the npm package `binaryen` it came from, if found.
    pub binaryen_npm: Option<String>,
}

impl Pipeline {
    /// The flags the build passed to rustc for the target (empty without build-std).
    pub fn target_rustflags(&self) -> Vec<&'static str> {
        if self.build_std {
            BUILD_STD_RUSTFLAGS.to_vec()
        } else {
            Vec::new()
        }
    }

    /// One line for the console.
    pub fn describe(&self) -> String {
        format!(
            "{}; std {}; wasm-opt {}; call_indirect re-encoding {}",
            self.rustc,
            if self.build_std {
                "rebuilt from source (-Zbuild-std, panic=immediate-abort, target-cpu=mvp)"
            } else {
                "precompiled (--no-build-std)"
            },
            match &self.wasm_opt {
                Some(w) => format!("{} ({})", w.version, WASM_OPT_FLAGS.join(" ")),
                None => "off (--no-wasm-opt)".to_string(),
            },
            if self.normalize {
                "on"
            } else {
                "off (--no-normalize)"
            },
        )
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
    let env = |var: &str| std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    for var in ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS", TARGET_RUSTFLAGS_VAR] {
        if let Some(flags) = env(var) {
            println!("{var} from the environment: {flags}");
        }
    }

    // Check the tools before spending minutes on builds.
    let build_std = !options.no_build_std;
    if build_std {
        if let Some(var) = ["RUSTFLAGS", "CARGO_ENCODED_RUSTFLAGS"]
            .into_iter()
            .find(|v| env(v).is_some())
        {
            return Err(format!(
                "{var} is set: cargo would use it instead of the target flags the std rebuild \
                 needs ({}). Unset it, move the flags to {TARGET_RUSTFLAGS_VAR} (appended), \
                 or pass --no-build-std",
                BUILD_STD_RUSTFLAGS.join(" ")
            ));
        }
        ensure_rust_src(&workspace.root)?;
    }
    let wasm_opt = if options.no_wasm_opt {
        None
    } else {
        Some(find_wasm_opt(&workspace.root)?)
    };
    let pipeline = Pipeline {
        rustc: rustc_version(&workspace.root)?,
        build_std,
        wasm_opt,
        normalize: !options.no_normalize,
    };
    println!("pipeline: {}", pipeline.describe());

    // Build every level first (one cargo invocation per level).
    let started = Instant::now();
    for level in &options.levels {
        let start = Instant::now();
        build_level(
            &workspace,
            &contracts,
            level,
            build_std,
            env(TARGET_RUSTFLAGS_VAR),
        )?;
        println!(
            "opt-level {level}: cargo build took {:.1} s",
            start.elapsed().as_secs_f64()
        );
    }
    let build_secs = started.elapsed().as_secs_f64();

    // Strip every artifact, then wasm-opt them all (in parallel), then normalize, measure,
    // pick, check and copy.
    let out_dir = workspace.target_dir.join("wasm");
    fs::create_dir_all(&out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let post_started = Instant::now();
    let mut stripped_modules = Vec::new();
    for contract in &contracts {
        for level in &options.levels {
            let level_dir = level_target_dir(&workspace.target_dir, level, build_std);
            let path = artifact_path(&level_dir, contract);
            let bytes =
                fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let stripped = check::strip_custom_sections(&bytes)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            stripped_modules.push((path, level_dir, stripped));
        }
    }
    let optimized_modules = match &pipeline.wasm_opt {
        Some(wasm_opt) => {
            let jobs: Vec<WasmOptJob> = stripped_modules
                .iter()
                .map(|(path, level_dir, stripped)| {
                    let stem = path
                        .file_stem()
                        .map(|s| s.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    let work_dir = level_dir.join("wasm-opt");
                    WasmOptJob {
                        input: work_dir.join(format!("{stem}.stripped.wasm")),
                        output: work_dir.join(format!("{stem}.opt.wasm")),
                        module: stripped.clone(),
                    }
                })
                .collect();
            Some(run_wasm_opt(wasm_opt, &jobs, &workspace.root)?)
        }
        None => None,
    };
    let mut modules_in = stripped_modules.into_iter().enumerate();
    let mut results = Vec::new();
    for contract in &contracts {
        let mut levels = Vec::new();
        let mut modules = Vec::new();
        for level in &options.levels {
            let (index, (path, _, stripped)) = modules_in.next().expect("one per level");
            let (module, before_wasm_opt) = match &optimized_modules {
                Some(optimized) => {
                    let before = (stripped.len(), check::brotli_size(&stripped));
                    // wasm-opt writes no custom section for a stripped input; make sure.
                    let module = check::strip_custom_sections(&optimized[index])
                        .map_err(|e| format!("wasm-opt output for {}: {e}", path.display()))?;
                    (module, Some(before))
                }
                None => (stripped, None),
            };
            let (module, normalized) = if pipeline.normalize {
                check::normalize_call_indirect(&module)
                    .map_err(|e| format!("{}: {e}", path.display()))?
            } else {
                (module, 0)
            };
            levels.push(LevelSize {
                level: level.clone(),
                call_indirect_normalized: normalized,
                raw_bytes: module.len(),
                compressed_bytes: check::brotli_size(&module),
                before_wasm_opt,
            });
            modules.push(module);
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
    let post_secs = post_started.elapsed().as_secs_f64();

    println!();
    print!("{}", render_table(&results));
    let json_path = workspace.target_dir.join("wasm-sizes.json");
    let json = serde_json::to_string_pretty(&sizes_json(&results, &pipeline)).expect("JSON value");
    fs::write(&json_path, json + "\n")
        .map_err(|e| format!("cannot write {}: {e}", json_path.display()))?;
    println!();
    if pipeline.normalize {
        for result in &results {
            let normalized = result.chosen().call_indirect_normalized;
            println!(
                "{}: call_indirect re-encoding: {normalized} table immediate(s) rewritten from the \
                 5-byte reference-types form to the MVP byte 0x00{}",
                result.contract,
                if normalized > 0 {
                    " (--no-normalize keeps them)"
                } else {
                    ""
                }
            );
        }
    }
    println!(
        "time: cargo build {build_secs:.1} s ({} level(s)); strip/wasm-opt/compress/check \
         {post_secs:.1} s",
        options.levels.len()
    );
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

/// `target/wasm-build/opt-<level>`, or `opt-<level>-prebuilt-std` for `--no-build-std` (its
/// own cache: switching between the two must not rebuild everything).
fn level_target_dir(target_dir: &Path, level: &str, build_std: bool) -> PathBuf {
    let suffix = if build_std { "" } else { "-prebuilt-std" };
    target_dir
        .join("wasm-build")
        .join(format!("opt-{level}{suffix}"))
}

fn artifact_path(level_dir: &Path, contract: &Contract) -> PathBuf {
    level_dir
        .join(TARGET)
        .join("release")
        .join(format!("{}.wasm", contract.lib_name))
}

/// A command to run: program, arguments and the environment variables it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    pub program: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl CommandLine {
    /// Shell-like rendering, `+ VAR=value ... program args`, for the log.
    pub fn display(&self) -> String {
        let mut words: Vec<String> = self
            .env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_quote(v)))
            .collect();
        words.push(self.program.clone());
        words.extend(self.args.iter().map(|a| shell_quote(a)));
        format!("+ {}", words.join(" "))
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        for (key, value) in &self.env {
            command.env(key, value);
        }
        command
    }
}

fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=+,./:@%".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The `cargo build` for one opt-level. `target_dir` is shown as given (relative to the
/// workspace root, where cargo runs). `extra_target_flags`: flags the user already had in
/// [`TARGET_RUSTFLAGS_VAR`], appended after ours when std is rebuilt (otherwise that variable
/// simply passes through from the environment).
pub fn build_command(
    packages: &[&str],
    level: &str,
    target_dir: &str,
    build_std: bool,
    extra_target_flags: Option<&str>,
) -> CommandLine {
    let mut env = Vec::new();
    let mut args = vec!["build".to_string()];
    if build_std {
        env.push(("RUSTC_BOOTSTRAP".to_string(), "1".to_string()));
        let mut flags = BUILD_STD_RUSTFLAGS.join(" ");
        if let Some(extra) = extra_target_flags {
            flags = format!("{flags} {}", extra.trim());
        }
        env.push((TARGET_RUSTFLAGS_VAR.to_string(), flags));
        args.extend(BUILD_STD_CARGO_ARGS.iter().map(|s| s.to_string()));
    }
    env.push((
        "CARGO_PROFILE_RELEASE_OPT_LEVEL".to_string(),
        level.to_string(),
    ));
    args.extend(
        ["--release", "--target", TARGET, "--lib"]
            .iter()
            .map(|s| s.to_string()),
    );
    for package in packages {
        args.push("-p".into());
        args.push(package.to_string());
    }
    args.push("--target-dir".into());
    args.push(target_dir.to_string());
    CommandLine {
        program: "cargo".to_string(),
        args,
        env,
    }
}

fn build_level(
    workspace: &Workspace,
    contracts: &[Contract],
    level: &str,
    build_std: bool,
    extra_target_flags: Option<String>,
) -> Result<(), String> {
    let target_dir = level_target_dir(&workspace.target_dir, level, build_std);
    let packages: Vec<&str> = contracts.iter().map(|c| c.package.as_str()).collect();
    let mut line = build_command(
        &packages,
        level,
        &display_relative(&target_dir, &workspace.root),
        build_std,
        extra_target_flags.as_deref(),
    );
    println!("{}", line.display());
    line.program = cargo();
    let status = line
        .command()
        .current_dir(&workspace.root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "WASM build at opt-level {level} failed ({status}){}",
            if build_std {
                "; if it failed in the standard library, `cargo xtask wasm --no-build-std` \
                 builds against the precompiled one"
            } else {
                ""
            }
        ))
    }
}

/// `rustc --version` of the toolchain cargo uses here (rust-toolchain.toml's).
fn rustc_version(root: &Path) -> Result<String, String> {
    let output = Command::new("rustc")
        .arg("--version")
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run `rustc --version`: {e}"))?;
    if !output.status.success() {
        return Err(format!("`rustc --version` failed ({})", output.status));
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Fails with instructions unless the toolchain has its `rust-src` component (std's sources,
/// which `-Zbuild-std` compiles).
fn ensure_rust_src(root: &Path) -> Result<(), String> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(root)
        .output()
        .map_err(|e| format!("cannot run `rustc --print sysroot`: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    let library = sysroot.join("lib/rustlib/src/rust/library");
    if output.status.success() && library.join("std").join("Cargo.toml").is_file() {
        return Ok(());
    }
    Err(format!(
        "the toolchain's rust-src component is missing (no {}): the WASM build compiles the \
         standard library from source. Run ./run.sh (tools/setup.sh installs it) or \
         `rustup component add rust-src` in the repository (rust-toolchain.toml lists it), \
         or pass --no-build-std",
        library.display()
    ))
}

/// The arguments of one `wasm-opt` run.
pub fn wasm_opt_args(input: &Path, output: &Path) -> Vec<String> {
    let mut args: Vec<String> = WASM_OPT_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(input.display().to_string());
    args.push("-o".into());
    args.push(output.display().to_string());
    args
}

/// Finds `node_modules/.bin/wasm-opt` and asks its version.
fn find_wasm_opt(root: &Path) -> Result<WasmOpt, String> {
    let path = root.join(WASM_OPT_BIN);
    if !path.is_file() {
        return Err(format!(
            "{} not found: wasm-opt comes from npm's binaryen (package.json). Run `npm ci` in \
             {} (./run.sh does), or pass --no-wasm-opt",
            path.display(),
            root.display()
        ));
    }
    let output = Command::new(&path).arg("--version").output().map_err(|e| {
        format!(
            "cannot run {}: {e} (it is a Node.js script: is `node` on PATH? `npm ci` \
                 reinstalls it)",
            path.display()
        )
    })?;
    if !output.status.success() {
        return Err(format!(
            "`{} --version` failed ({}): {}",
            path.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let binaryen_npm = fs::read_to_string(root.join("node_modules/binaryen/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .and_then(|json| json["version"].as_str().map(str::to_string));
    Ok(WasmOpt {
        path,
        version: String::from_utf8_lossy(&output.stdout).trim().to_string(),
        binaryen_npm,
    })
}

/// One module for `wasm-opt`: its bytes and the files it goes through.
#[derive(Debug, Clone)]
pub struct WasmOptJob {
    pub input: PathBuf,
    pub output: PathBuf,
    pub module: Vec<u8>,
}

/// What a cached `wasm-opt` output was made with (stored next to it as `<output>.key`).
pub fn wasm_opt_cache_key(version: &str) -> String {
    format!("{version}\n{}\n", WASM_OPT_FLAGS.join(" "))
}

/// Runs `wasm-opt` on every job, as many at a time as there are cores, and returns the
/// optimized modules in job order. A job whose input and wasm-opt (version, flags) are the
/// same as last time reuses last time's output (a warm run then skips wasm-opt, which takes
/// several seconds per module under Node.js).
fn run_wasm_opt(
    wasm_opt: &WasmOpt,
    jobs: &[WasmOptJob],
    root: &Path,
) -> Result<Vec<Vec<u8>>, String> {
    let key = wasm_opt_cache_key(&wasm_opt.version);
    let key_path = |job: &WasmOptJob| job.output.with_extension("wasm.key");
    let mut pending = Vec::new();
    for (index, job) in jobs.iter().enumerate() {
        let dir = job.input.parent().expect("job files live in a directory");
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let unchanged = fs::read(&job.input).is_ok_and(|old| old == job.module)
            && fs::read_to_string(key_path(job)).is_ok_and(|old| old == key)
            && job.output.is_file();
        if unchanged {
            println!(
                "wasm-opt: {} unchanged since the last run; reusing {}",
                display_relative(&job.input, root),
                display_relative(&job.output, root)
            );
            continue;
        }
        let _ = fs::remove_file(key_path(job));
        let _ = fs::remove_file(&job.output);
        fs::write(&job.input, &job.module)
            .map_err(|e| format!("cannot write {}: {e}", job.input.display()))?;
        pending.push(index);
    }

    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(pending.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(&index) = pending.get(i) else { break };
                let job = &jobs[index];
                let line = CommandLine {
                    program: display_relative(&wasm_opt.path, root),
                    args: wasm_opt_args(
                        Path::new(&display_relative(&job.input, root)),
                        Path::new(&display_relative(&job.output, root)),
                    ),
                    env: Vec::new(),
                };
                println!("{}", line.display());
                let result = Command::new(&wasm_opt.path)
                    .args(wasm_opt_args(&job.input, &job.output))
                    .status();
                let failure = match result {
                    Ok(status) if status.success() => fs::write(key_path(job), &key)
                        .err()
                        .map(|e| format!("cannot write {}: {e}", key_path(job).display())),
                    Ok(status) => Some(format!(
                        "wasm-opt failed on {} ({status}); --no-wasm-opt skips it",
                        job.input.display()
                    )),
                    Err(e) => Some(format!("cannot run {}: {e}", wasm_opt.path.display())),
                };
                if let Some(failure) = failure {
                    failures.lock().expect("no panics").push(failure);
                }
            });
        }
    });
    let failures = failures.into_inner().expect("no panics");
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    jobs.iter()
        .map(|job| {
            fs::read(&job.output).map_err(|e| format!("cannot read {}: {e}", job.output.display()))
        })
        .collect()
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
        "raw before wasm-opt".to_string(),
        "compressed before".to_string(),
        "call_indirect fixed".to_string(),
        "chosen".to_string(),
    ]];
    for r in results {
        for (i, level) in r.levels.iter().enumerate() {
            rows.push([
                r.contract.clone(),
                level.level.clone(),
                level.raw_bytes.to_string(),
                level.compressed_bytes.to_string(),
                level
                    .before_wasm_opt
                    .map_or("-".to_string(), |(raw, _)| raw.to_string()),
                level
                    .before_wasm_opt
                    .map_or("-".to_string(), |(_, compressed)| compressed.to_string()),
                level.call_indirect_normalized.to_string(),
                if i == r.chosen {
                    "*".into()
                } else {
                    String::new()
                },
            ]);
        }
    }
    out += &format_rows(&rows, &[false, false, true, true, true, true, true, false]);
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

/// How the modules were built, as recorded with each contract in `target/wasm-sizes.json`.
pub fn pipeline_json(pipeline: &Pipeline) -> Value {
    json!({
        "rustc": pipeline.rustc,
        "build_std": pipeline.build_std,
        "build_std_cargo_args": if pipeline.build_std {
            BUILD_STD_CARGO_ARGS.to_vec()
        } else {
            Vec::new()
        },
        "target_rustflags": pipeline.target_rustflags(),
        "wasm_opt": pipeline.wasm_opt.is_some(),
        "wasm_opt_version": pipeline.wasm_opt.as_ref().map(|w| w.version.clone()),
        "binaryen_npm_version": pipeline.wasm_opt.as_ref().and_then(|w| w.binaryen_npm.clone()),
        "wasm_opt_flags": if pipeline.wasm_opt.is_some() {
            WASM_OPT_FLAGS.to_vec()
        } else {
            Vec::new()
        },
        "call_indirect_normalization": pipeline.normalize,
    })
}

/// Contents of `target/wasm-sizes.json`: one object per contract.
pub fn sizes_json(results: &[ContractResult], pipeline: &Pipeline) -> Value {
    let build = pipeline_json(pipeline);
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
                    "build": build,
                    "levels": r.levels.iter().map(|l| json!({
                        "opt_level": l.level,
                        "raw_bytes": l.raw_bytes,
                        "compressed_bytes": l.compressed_bytes,
                        "before_wasm_opt": l.before_wasm_opt.map(|(raw, compressed)| json!({
                            "raw_bytes": raw,
                            "compressed_bytes": compressed,
                        })),
                        "call_indirect_normalized": l.call_indirect_normalized,
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
        let o = parse_args(&args(&["--no-build-std", "--no-wasm-opt"])).unwrap();
        assert!(o.no_build_std && o.no_wasm_opt && !o.no_normalize);
        let o = parse_args(&[]).unwrap();
        assert!(!o.no_build_std && !o.no_wasm_opt);
        assert!(parse_args(&args(&["--no-wasm-opt=1"])).is_err());
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
            before_wasm_opt: None,
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
        let dir = level_target_dir(Path::new("/ws/target"), "z", true);
        assert_eq!(dir, PathBuf::from("/ws/target/wasm-build/opt-z"));
        assert_eq!(
            artifact_path(&dir, &c),
            PathBuf::from(
                "/ws/target/wasm-build/opt-z/wasm32-unknown-unknown/release/mock_erc20.wasm"
            )
        );
        // --no-build-std keeps its own cache.
        assert_eq!(
            level_target_dir(Path::new("/ws/target"), "3", false),
            PathBuf::from("/ws/target/wasm-build/opt-3-prebuilt-std")
        );
    }

    fn env_of<'a>(line: &'a CommandLine, key: &str) -> Option<&'a str> {
        line.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn build_std_command() {
        let line = build_command(
            &["mock-erc20", "mock-oracle"],
            "z",
            "target/wasm-build/opt-z",
            true,
            None,
        );
        assert_eq!(
            line.args.join(" "),
            "build -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size \
             --release --target wasm32-unknown-unknown --lib -p mock-erc20 -p mock-oracle \
             --target-dir target/wasm-build/opt-z"
        );
        assert_eq!(env_of(&line, "RUSTC_BOOTSTRAP"), Some("1"));
        assert_eq!(env_of(&line, "CARGO_PROFILE_RELEASE_OPT_LEVEL"), Some("z"));
        assert_eq!(
            env_of(&line, TARGET_RUSTFLAGS_VAR),
            Some(
                "-Zunstable-options -Cpanic=immediate-abort -Ctarget-cpu=mvp \
                 -Ctarget-feature=+bulk-memory,+sign-ext,+mutable-globals,+multivalue"
            )
        );
        // The flags go to the target only: never RUSTFLAGS (build scripts, proc-macros).
        assert_eq!(env_of(&line, "RUSTFLAGS"), None);
        assert_eq!(env_of(&line, "CARGO_ENCODED_RUSTFLAGS"), None);
        assert_eq!(
            line.display(),
            "+ RUSTC_BOOTSTRAP=1 CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS='-Zunstable-options \
             -Cpanic=immediate-abort -Ctarget-cpu=mvp \
             -Ctarget-feature=+bulk-memory,+sign-ext,+mutable-globals,+multivalue' \
             CARGO_PROFILE_RELEASE_OPT_LEVEL=z cargo build -Zbuild-std=std,panic_abort \
             -Zbuild-std-features=optimize_for_size --release --target wasm32-unknown-unknown \
             --lib -p mock-erc20 -p mock-oracle --target-dir target/wasm-build/opt-z"
        );

        // The user's own target flags come after ours.
        let line = build_command(&["a"], "s", "t", true, Some(" -Cdebuginfo=0 "));
        assert!(env_of(&line, TARGET_RUSTFLAGS_VAR)
            .unwrap()
            .ends_with("+multivalue -Cdebuginfo=0"));
    }

    #[test]
    fn prebuilt_std_command() {
        let line = build_command(&["mock-erc20"], "3", "t/opt-3-prebuilt-std", false, None);
        assert_eq!(
            line.args.join(" "),
            "build --release --target wasm32-unknown-unknown --lib -p mock-erc20 \
             --target-dir t/opt-3-prebuilt-std"
        );
        assert!(!line.args.iter().any(|a| a.starts_with("-Z")));
        assert_eq!(
            line.env,
            [(
                "CARGO_PROFILE_RELEASE_OPT_LEVEL".to_string(),
                "3".to_string()
            )]
        );
    }

    #[test]
    fn wasm_opt_command() {
        let args = wasm_opt_args(Path::new("in.wasm"), Path::new("out dir/o.wasm"));
        assert_eq!(
            args,
            [
                "-Oz",
                "--mvp-features",
                "--enable-bulk-memory",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "--enable-multivalue",
                "in.wasm",
                "-o",
                "out dir/o.wasm",
            ]
        );
        let line = CommandLine {
            program: WASM_OPT_BIN.into(),
            args,
            env: vec![],
        };
        assert!(line
            .display()
            .ends_with("--enable-multivalue in.wasm -o 'out dir/o.wasm'"));
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }

    /// A stand-in `wasm-opt` (a shell script that logs its arguments and copies IN to OUT)
    /// runs once per changed module, and not again when nothing changed.
    #[cfg(unix)]
    #[test]
    fn wasm_opt_runs_every_job_and_reuses_unchanged_outputs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("xtask-wasm-opt-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let log = dir.join("calls.log");
        let script = dir.join("wasm-opt");
        fs::write(
            &script,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\n\
                 while [ $# -gt 3 ]; do shift; done\ncat \"$1\" > \"$3\"\n",
                log.display()
            ),
        )
        .unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let wasm_opt = WasmOpt {
            path: script,
            version: "wasm-opt version 132".into(),
            binaryen_npm: None,
        };
        let job = |level: &str, bytes: &[u8]| WasmOptJob {
            input: dir.join(level).join("a.stripped.wasm"),
            output: dir.join(level).join("a.opt.wasm"),
            module: bytes.to_vec(),
        };
        let calls = || fs::read_to_string(&log).unwrap_or_default().lines().count();

        let jobs = [job("s", b"one"), job("z", b"two"), job("3", b"three")];
        let out = run_wasm_opt(&wasm_opt, &jobs, &dir).unwrap();
        assert_eq!(out, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
        assert_eq!(calls(), 3);
        let first = fs::read_to_string(&log).unwrap();
        assert!(first.starts_with("-Oz --mvp-features"), "{first}");

        // Nothing changed: nothing runs. One input changed: only it runs.
        assert_eq!(run_wasm_opt(&wasm_opt, &jobs, &dir).unwrap(), out);
        assert_eq!(calls(), 3);
        let jobs = [job("s", b"one"), job("z", b"TWO"), job("3", b"three")];
        let out = run_wasm_opt(&wasm_opt, &jobs, &dir).unwrap();
        assert_eq!(out[1], b"TWO");
        assert_eq!(calls(), 4);
        // Another wasm-opt version: everything runs again.
        let newer = WasmOpt {
            version: "wasm-opt version 133".into(),
            ..wasm_opt.clone()
        };
        run_wasm_opt(&newer, &jobs, &dir).unwrap();
        assert_eq!(calls(), 7);
        assert_ne!(wasm_opt_cache_key("a"), wasm_opt_cache_key("b"));

        // A failing wasm-opt is an error that names the input, and leaves no cached output.
        let failing = WasmOpt {
            path: PathBuf::from("/bin/false"),
            version: "broken".into(),
            binaryen_npm: None,
        };
        let err = run_wasm_opt(&failing, &jobs[..1], &dir).unwrap_err();
        assert!(
            err.contains("a.stripped.wasm") && err.contains("--no-wasm-opt"),
            "{err}"
        );
        assert!(!jobs[0].output.exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn missing_wasm_opt_says_npm_ci() {
        let err = find_wasm_opt(Path::new("/nonexistent-gavel-root")).unwrap_err();
        assert!(
            err.contains("node_modules/.bin/wasm-opt") && err.contains("npm ci"),
            "{err}"
        );
        assert!(err.contains("--no-wasm-opt"), "{err}");
    }

    /// The wasm-opt features are exactly the ones the checker allows.
    #[test]
    fn wasm_opt_features_match_the_checker() {
        let enabled: Vec<&str> = WASM_OPT_FLAGS
            .iter()
            .filter_map(|f| f.strip_prefix("--enable-"))
            .collect();
        assert_eq!(
            enabled,
            ["bulk-memory", "sign-ext", "mutable-globals", "multivalue"]
        );
        assert!(WASM_OPT_FLAGS.contains(&"--mvp-features"));
        let features = check::allowed_features();
        use wasmparser::WasmFeatures as F;
        for feature in [
            F::BULK_MEMORY,
            F::SIGN_EXTENSION,
            F::MUTABLE_GLOBAL,
            F::MULTI_VALUE,
        ] {
            assert!(features.contains(feature), "{feature:?}");
        }
        // And the same list goes to rustc.
        assert!(BUILD_STD_RUSTFLAGS[3].ends_with(
            &enabled
                .iter()
                .map(|f| format!("+{f}"))
                .collect::<Vec<_>>()
                .join(",")
        ));
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

        // The before-wasm-opt column and the re-encoding count.
        let mut with_opt = results();
        with_opt[0].levels[2].before_wasm_opt = Some((40_000, 9_900));
        with_opt[0].levels[2].call_indirect_normalized = 7;
        let table = render_table(&with_opt);
        let row = table
            .lines()
            .skip_while(|l| !l.starts_with("all levels"))
            .find(|l| l.starts_with("mock-erc20") && l.contains("8200"))
            .unwrap();
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(
            cells,
            [
                "mock-erc20",
                "3",
                "31000",
                "8200",
                "40000",
                "9900",
                "7",
                "*"
            ]
        );
        assert!(table.contains("before wasm-opt"));
    }

    fn pipeline(build_std: bool, wasm_opt: bool) -> Pipeline {
        Pipeline {
            rustc: "rustc 1.95.0 (abc 2026-01-01)".into(),
            build_std,
            wasm_opt: wasm_opt.then(|| WasmOpt {
                path: PathBuf::from("/ws/node_modules/.bin/wasm-opt"),
                version: "wasm-opt version 132 (version_132)".into(),
                binaryen_npm: Some("132.0.0".into()),
            }),
            normalize: true,
        }
    }

    #[test]
    fn json_records_the_pipeline() {
        let json = sizes_json(&results(), &pipeline(true, true));
        let build = &json[0]["build"];
        assert_eq!(build["rustc"], "rustc 1.95.0 (abc 2026-01-01)");
        assert_eq!(build["build_std"], true);
        assert_eq!(
            build["build_std_cargo_args"][0],
            "-Zbuild-std=std,panic_abort"
        );
        assert_eq!(build["target_rustflags"][1], "-Cpanic=immediate-abort");
        assert_eq!(build["wasm_opt"], true);
        assert_eq!(
            build["wasm_opt_version"],
            "wasm-opt version 132 (version_132)"
        );
        assert_eq!(build["binaryen_npm_version"], "132.0.0");
        assert_eq!(build["wasm_opt_flags"][0], "-Oz");
        assert_eq!(build["call_indirect_normalization"], true);
        assert_eq!(json[1]["build"], *build);

        let json = sizes_json(&results(), &pipeline(false, false));
        let build = &json[0]["build"];
        assert_eq!(build["build_std"], false);
        assert_eq!(build["target_rustflags"].as_array().unwrap().len(), 0);
        assert_eq!(build["wasm_opt"], false);
        assert!(build["wasm_opt_version"].is_null());
        assert!(pipeline(false, false).describe().contains("--no-wasm-opt"));
        assert!(pipeline(true, true).describe().contains("version 132"));
    }

    #[test]
    fn json_report() {
        let json = sizes_json(&results(), &pipeline(true, true));
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
        assert!(first["levels"][1]["before_wasm_opt"].is_null());
        assert_eq!(json[1]["status"], "fail");
        assert_eq!(json[1]["violations"][0], "[CompressedTooLarge] too big");
    }
}

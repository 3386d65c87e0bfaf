//! `cargo xtask <command> [options]` (alias in `.cargo/config.toml`).
//!
//! To add a subcommand: create `src/<name>.rs` with `pub fn run(args: &[String]) ->
//! Result<ExitCode, String>`, declare it in `src/lib.rs`, and add a row to `COMMANDS`.

use std::process::ExitCode;

type Run = fn(&[String]) -> Result<ExitCode, String>;

/// (name, one-line description, entry point).
const COMMANDS: &[(&str, &str, Run)] = &[
    (
        "wasm",
        "build every contract to WASM at opt-levels s, z and 3 (std rebuilt from source, then \
         wasm-opt), keep the smallest, check it against the Stylus rules and write \
         target/wasm/<crate>.wasm and target/wasm-sizes.json",
        xtask::wasm::run,
    ),
    (
        "interfaces",
        "regenerate interfaces/I<Name>.sol from the contracts' export-abi binaries \
         (--check: fail if they differ instead of writing)",
        xtask::interfaces::run,
    ),
];

fn usage() -> String {
    let mut out = String::from("usage: cargo xtask <command> [options]\n\ncommands:\n");
    for (name, about, _) in COMMANDS {
        out += &format!("  {name:<12} {about}\n");
    }
    out += &format!("  {:<12} print this help\n", "help");
    out += "\n`cargo xtask <command> --help` describes a command's options.";
    out
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{}", usage());
        return ExitCode::from(2);
    };
    if matches!(command.as_str(), "help" | "-h" | "--help") {
        println!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let Some((_, _, run)) = COMMANDS.iter().find(|(name, _, _)| name == command) else {
        eprintln!("error: unknown command `{command}`\n\n{}", usage());
        return ExitCode::from(2);
    };
    match run(rest) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

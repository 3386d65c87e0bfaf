//! Workspace automation for gavel, run as `cargo xtask <command>`.
//!
//! Each subcommand lives in its own module with a `run(args) -> Result<ExitCode, String>`
//! entry point that `main.rs` dispatches to; shared workspace discovery is in [`workspace`].

pub mod check;
pub mod interfaces;
pub mod wasm;
pub mod workspace;

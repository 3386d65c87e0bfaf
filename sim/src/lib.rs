//! # gavel-sim
//!
//! Runs gavel's real contracts — the example lending market, the liquidation engine, the Dutch
//! and batch auction houses and the solvency module, the same Rust that compiles to WASM —
//! natively through motsu, through market crashes, and compares liquidation strategies:
//! an instant dump into an external pool (the baseline, computed outside the contracts), the
//! Dutch house, the batch house, and the engine's hybrid routing.
//!
//! A run is deterministic for a given configuration (seed included): every random draw comes
//! from [`scenario::Rng`], maps are ordered, and each strategy runs in a world of its own on a
//! thread of its own (motsu's VM is per thread, the test clock is thread-local).
#![deny(missing_docs)]

// motsu provides the host functions (and `native_keccak256`) the contracts link against.
extern crate motsu;

pub mod plot;
pub mod pool;
pub mod report;
pub mod run;
pub mod scenario;
pub mod world;

pub use report::{run_all, Report};
pub use run::Outcome;
pub use scenario::{Config, PricePath, Strategy};

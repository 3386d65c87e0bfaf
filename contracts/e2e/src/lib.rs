//! End-to-end tests of gavel (in `tests/`): borrowers in the example lending market, price
//! drops, liquidations routed by the engine to the Dutch and the sealed-bid batch houses,
//! keepers and bidders, the batch-to-Dutch fallback, shortfalls covered by the fund and
//! socialized to the lenders, and system invariants over random sequences. Every contract is
//! the real one, called through motsu with real cross-contract calls.
//!
//! This crate has no code of its own.
#![no_std]

//! gavel's reference keeper: takes and redoes Dutch auctions, and bids in sealed-bid batch
//! auctions with durable commit-reveal state.
//!
//! * [`decide`]: the decisions as pure functions (take, redo, bid).
//! * [`store`]: the bid database (redb), written before anything is sent.
//! * [`batch`]: the commit → reveal → settle → claim state machine over a [`batch::BatchHouse`].
//! * [`dutch`]: following the Dutch house's sales and acting on them.
//! * [`rpc`]: the JSON-RPC side (alloy): provider, signer, the houses' ABIs, error decoding.
//! * [`config`]: the configuration file and flags.

pub mod abi;
pub mod batch;
pub mod config;
pub mod decide;
pub mod dutch;
pub mod error;
pub mod math;
pub mod rpc;
pub mod store;

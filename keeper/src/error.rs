//! The keeper's errors. Each says what to check: the RPC URL, the chain id, the address.

use alloy::primitives::Address;

use crate::store::StoreError;

/// Talking to the chain went wrong.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("RPC endpoint {url} is unreachable: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("wrong chain: the RPC endpoint serves chain id {actual}, the configuration expects {expected}")]
    WrongChain { expected: u64, actual: u64 },
    #[error("{address} does not answer the {expected} ABI ({call}: {detail}); check the address in the configuration")]
    WrongContract {
        address: Address,
        expected: &'static str,
        call: &'static str,
        detail: String,
    },
    #[error("{call} reverted: {reason}")]
    Reverted { call: &'static str, reason: String },
    #[error("RPC error during {call}: {detail}")]
    Rpc { call: &'static str, detail: String },
}

/// A keeper step failed.
#[derive(Debug, thiserror::Error)]
pub enum KeeperError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The test hook stopped the keeper after persisting a bid (before sending its commit).
    #[error("halted after persisting a bid, before sending its commit (test hook)")]
    Halted,
    #[error("configuration: {0}")]
    Config(String),
}

//! The JSON-RPC side: one provider (alloy, HTTP) with the keeper's signer, typed calls with
//! errors that say what is wrong (endpoint unreachable, wrong chain, an address that does not
//! answer the expected ABI, a revert decoded to the house's custom error), the oracle
//! reference price, and [`RpcBatchHouse`], the [`BatchHouse`] over RPC.

use std::time::Duration;

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, Bytes, B256, I256, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::{TransactionInput, TransactionRequest};
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::{SolCall, SolInterface};
use alloy::transports::TransportError;
use tracing::debug;

use crate::abi::{AggregatorV3Interface, IBatchAuction, IDutchAuction, ILiquidationEngine, IERC20};
use crate::batch::{BatchHouse, BatchView, OnChainCommitment, Preview};
use crate::decide::BatchTerms;
use crate::error::ChainError;
use crate::math::{mul_div, pow10, Rounding, RAY};

/// How long to wait for a receipt.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(180);

/// A connection to the chain, with the keeper's account.
#[derive(Clone)]
pub struct Chain {
    pub provider: DynProvider,
    pub url: String,
    /// The keeper's account (the signer's address, or the configured account in a dry run
    /// without a key).
    pub account: Address,
    /// Whether transactions can be signed.
    pub can_send: bool,
    pub chain_id: u64,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never prints the signer.
        f.debug_struct("Chain")
            .field("url", &self.url)
            .field("account", &self.account)
            .field("chain_id", &self.chain_id)
            .finish()
    }
}

/// Loads the private key from the environment variable `var` (hex, with or without 0x). The
/// key itself never appears in an error or a log line.
pub fn signer_from_env(var: &str) -> Result<Option<PrivateKeySigner>, String> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => value
            .trim()
            .parse::<PrivateKeySigner>()
            .map(Some)
            .map_err(|_| format!("environment variable {var} does not hold a valid secp256k1 private key (32 bytes hex)")),
        _ => Ok(None),
    }
}

impl Chain {
    /// Connects to `url`, checks that it answers and serves `expected_chain_id` (if given).
    pub async fn connect(
        url: &str,
        expected_chain_id: Option<u64>,
        signer: Option<PrivateKeySigner>,
        account: Option<Address>,
    ) -> Result<Self, ChainError> {
        // reqwest's rustls needs one process-wide crypto provider (ring, pure Rust + asm) for
        // https endpoints; installing it twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let parsed: reqwest::Url = url.parse().map_err(|e| ChainError::Unreachable {
            url: url.to_string(),
            detail: format!("not a URL: {e}"),
        })?;
        let (provider, account, can_send) = match signer {
            Some(signer) => {
                let address = signer.address();
                let provider = ProviderBuilder::new()
                    .wallet(EthereumWallet::from(signer))
                    .connect_http(parsed)
                    .erased();
                (provider, address, true)
            }
            None => (
                ProviderBuilder::new().connect_http(parsed).erased(),
                account.unwrap_or_default(),
                false,
            ),
        };
        let chain_id = provider
            .get_chain_id()
            .await
            .map_err(|e| ChainError::Unreachable {
                url: url.to_string(),
                detail: error_chain(&e),
            })?;
        if let Some(expected) = expected_chain_id {
            if expected != chain_id {
                return Err(ChainError::WrongChain {
                    expected,
                    actual: chain_id,
                });
            }
        }
        Ok(Self {
            provider,
            url: url.to_string(),
            account,
            can_send,
            chain_id,
        })
    }

    fn request(&self, to: Address, data: Vec<u8>) -> TransactionRequest {
        TransactionRequest::default()
            .from(self.account)
            .to(to)
            .input(TransactionInput::new(Bytes::from(data)))
    }

    /// An `eth_call` of `call` on `to`, decoded; a contract that does not answer in the
    /// expected ABI (no code, empty or short return data) is a [`ChainError::WrongContract`].
    pub async fn view<C: SolCall>(
        &self,
        to: Address,
        call: C,
        expected: &'static str,
    ) -> Result<C::Return, ChainError> {
        let out = self
            .provider
            .call(self.request(to, call.abi_encode()))
            .await
            .map_err(|e| self.classify(e, C::SIGNATURE, Some((to, expected))))?;
        C::abi_decode_returns(&out).map_err(|e| ChainError::WrongContract {
            address: to,
            expected,
            call: C::SIGNATURE,
            detail: if out.is_empty() {
                "empty return data (no such function, or no code at the address)".to_string()
            } else {
                e.to_string()
            },
        })
    }

    /// Checks that `address` has code and answers `call` in the expected ABI.
    pub async fn expect_contract<C: SolCall>(
        &self,
        address: Address,
        call: C,
        expected: &'static str,
    ) -> Result<C::Return, ChainError> {
        let code = self
            .provider
            .get_code_at(address)
            .await
            .map_err(|e| self.classify(e, "eth_getCode", None))?;
        if code.is_empty() {
            return Err(ChainError::WrongContract {
                address,
                expected,
                call: C::SIGNATURE,
                detail: "no code at this address".to_string(),
            });
        }
        self.view(address, call, expected).await
    }

    /// Sends `call` to `to` and waits for the receipt; a revert (at gas estimation or mined)
    /// is a [`ChainError::Reverted`] with the decoded custom error.
    pub async fn send<C: SolCall>(&self, to: Address, call: C) -> Result<B256, ChainError> {
        if !self.can_send {
            return Err(ChainError::Rpc {
                call: C::SIGNATURE,
                detail: "no key: set the key environment variable, or run with --dry-run"
                    .to_string(),
            });
        }
        let pending = self
            .provider
            .send_transaction(self.request(to, call.abi_encode()))
            .await
            .map_err(|e| self.classify(e, C::SIGNATURE, None))?;
        let hash = *pending.tx_hash();
        debug!(tx = %hash, call = C::SIGNATURE, "sent");
        let receipt = pending
            .with_timeout(Some(RECEIPT_TIMEOUT))
            .get_receipt()
            .await
            .map_err(|e| ChainError::Rpc {
                call: C::SIGNATURE,
                detail: format!("waiting for receipt of {hash}: {e}"),
            })?;
        if !receipt.status() {
            return Err(ChainError::Reverted {
                call: C::SIGNATURE,
                reason: format!("transaction {hash} reverted"),
            });
        }
        Ok(hash)
    }

    fn classify(
        &self,
        e: TransportError,
        call: &'static str,
        contract: Option<(Address, &'static str)>,
    ) -> ChainError {
        if let Some(payload) = e.as_error_resp() {
            if let Some(data) = payload.as_revert_data() {
                let reason = describe_revert(&data);
                // A revert with no data from a view usually means the address is not the
                // contract we expect.
                if let (Some((address, expected)), true) = (contract, data.is_empty()) {
                    return ChainError::WrongContract {
                        address,
                        expected,
                        call,
                        detail: "reverted without data".to_string(),
                    };
                }
                return ChainError::Reverted { call, reason };
            }
            if let Some((address, expected)) = contract {
                if payload.message.contains("revert") {
                    return ChainError::WrongContract {
                        address,
                        expected,
                        call,
                        detail: payload.message.to_string(),
                    };
                }
            }
            return ChainError::Rpc {
                call,
                detail: payload.to_string(),
            };
        }
        if e.is_transport_error() {
            return ChainError::Unreachable {
                url: self.url.clone(),
                detail: error_chain(&e),
            };
        }
        ChainError::Rpc {
            call,
            detail: e.to_string(),
        }
    }

    /// The latest block's timestamp.
    pub async fn now(&self) -> Result<u64, ChainError> {
        let block = self
            .provider
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .map_err(|e| self.classify(e, "eth_getBlockByNumber", None))?
            .ok_or(ChainError::Rpc {
                call: "eth_getBlockByNumber",
                detail: "no latest block".to_string(),
            })?;
        Ok(block.header.timestamp)
    }

    /// Whether the account has transactions in the node's mempool (pending nonce above the
    /// latest one).
    pub async fn has_pending(&self) -> Result<bool, ChainError> {
        let latest = self
            .provider
            .get_transaction_count(self.account)
            .latest()
            .await
            .map_err(|e| self.classify(e, "eth_getTransactionCount", None))?;
        let pending = self
            .provider
            .get_transaction_count(self.account)
            .pending()
            .await
            .map_err(|e| self.classify(e, "eth_getTransactionCount", None))?;
        Ok(pending > latest)
    }

    /// Current gas price (wei).
    pub async fn gas_price(&self) -> Result<u128, ChainError> {
        self.provider
            .get_gas_price()
            .await
            .map_err(|e| self.classify(e, "eth_gasPrice", None))
    }

    /// Approves `spender` for `amount` of `token` if the allowance is lower.
    pub async fn ensure_allowance(
        &self,
        token: Address,
        spender: Address,
        amount: U256,
    ) -> Result<Option<B256>, ChainError> {
        let allowance = self
            .view(
                token,
                IERC20::allowanceCall {
                    owner: self.account,
                    spender,
                },
                "ERC-20",
            )
            .await?;
        if allowance >= amount {
            return Ok(None);
        }
        Ok(Some(
            self.send(token, IERC20::approveCall { spender, amount })
                .await?,
        ))
    }
}

/// An error and its causes, `a: b: c` (reqwest hides "connection refused" in a source).
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = cause.source();
    }
    text
}

/// The revert data as a readable custom error of the houses, the engine or a plain
/// `Error(string)` / `Panic(uint256)`; else its hex.
pub fn describe_revert(data: &[u8]) -> String {
    if data.is_empty() {
        return "no revert data".to_string();
    }
    if let Ok(e) = IDutchAuction::IDutchAuctionErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = IBatchAuction::IBatchAuctionErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = ILiquidationEngine::ILiquidationEngineErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    if let Ok(e) = <alloy::sol_types::Revert as alloy::sol_types::SolError>::abi_decode(data) {
        return format!("Error({:?})", e.reason);
    }
    if let Ok(e) = <alloy::sol_types::Panic as alloy::sol_types::SolError>::abi_decode(data) {
        return format!("Panic({})", e.code);
    }
    format!("0x{}", alloy::hex::encode(data))
}

/// A Chainlink-style feed as the keeper's reference price: `answer` scaled to RAY per base
/// unit, `answer * 10^(27 + debtDecimals - collateralDecimals - feedDecimals)`, rounded down.
/// `None` (and no action) if the answer is not positive or older than `max_age` seconds.
pub async fn oracle_price(
    chain: &Chain,
    feed: Address,
    collateral_decimals: u8,
    debt_decimals: u8,
    max_age: u64,
) -> Result<Option<U256>, ChainError> {
    let decimals = chain
        .view(feed, AggregatorV3Interface::decimalsCall {}, "AggregatorV3")
        .await?;
    let round = chain
        .view(
            feed,
            AggregatorV3Interface::latestRoundDataCall {},
            "AggregatorV3",
        )
        .await?;
    let now = chain.now().await?;
    if round.answer <= I256::ZERO {
        tracing::warn!(feed = %feed, answer = %round.answer, "reference: non-positive oracle answer");
        return Ok(None);
    }
    let age = now.saturating_sub(round.updatedAt.saturating_to::<u64>());
    if age > max_age {
        tracing::warn!(feed = %feed, age, max_age, "reference: stale oracle answer");
        return Ok(None);
    }
    Ok(scale_answer(
        round.answer.into_raw(),
        decimals,
        collateral_decimals,
        debt_decimals,
    ))
}

/// `answer * 10^(27 + debt - collateral - feed)` as an exact fraction, rounded down.
pub fn scale_answer(
    answer: U256,
    feed_decimals: u8,
    collateral_decimals: u8,
    debt_decimals: u8,
) -> Option<U256> {
    let num = RAY.checked_mul(pow10(u32::from(debt_decimals))?)?;
    let den = pow10(u32::from(collateral_decimals) + u32::from(feed_decimals))?;
    mul_div(answer, num, den, Rounding::Down)
}

/// The batch house over RPC.
pub struct RpcBatchHouse {
    pub chain: Chain,
    pub house: Address,
    pub debt_token: Address,
    pub price_unit: U256,
}

impl RpcBatchHouse {
    /// Checks that `house` answers the batch house's ABI and reads its debt token and grid.
    pub async fn new(chain: Chain, house: Address) -> Result<Self, ChainError> {
        let config = chain
            .expect_contract(house, IBatchAuction::configCall {}, "IBatchAuction")
            .await?;
        Ok(Self {
            chain,
            house,
            debt_token: config._1,
            price_unit: config._6,
        })
    }
}

impl BatchHouse for RpcBatchHouse {
    fn address(&self) -> Address {
        self.house
    }
    fn bidder(&self) -> Address {
        self.chain.account
    }
    async fn last_batch(&self) -> Result<U256, ChainError> {
        Ok(self
            .chain
            .view(self.house, IBatchAuction::configCall {}, "IBatchAuction")
            .await?
            ._7)
    }
    async fn batch(&self, batch_id: U256) -> Result<BatchView, ChainError> {
        let b = self
            .chain
            .view(
                self.house,
                IBatchAuction::batchCall { batch_id },
                "IBatchAuction",
            )
            .await?;
        Ok(BatchView {
            phase: b._0.saturating_to(),
            commit_end: b._2.saturating_to(),
            reveal_end: b._3.saturating_to(),
            total_lot: b._7,
        })
    }
    async fn terms(&self, batch_id: U256) -> Result<BatchTerms, ChainError> {
        let t = self
            .chain
            .view(
                self.house,
                IBatchAuction::batchTermsCall { batch_id },
                "IBatchAuction",
            )
            .await?;
        let b = self.batch(batch_id).await?;
        Ok(BatchTerms {
            bond: t._0,
            min_bid: t._1,
            reserve: t._2,
            total_lot: b.total_lot,
            price_unit: self.price_unit,
        })
    }
    async fn commitments(&self, batch_id: U256) -> Result<Vec<OnChainCommitment>, ChainError> {
        let preview = self.preview(batch_id).await?;
        let count: u64 = preview.commitments.saturating_to();
        let mut out = Vec::with_capacity(count as usize);
        for n in 0..count {
            let c = self
                .chain
                .view(
                    self.house,
                    IBatchAuction::commitmentOfCall {
                        batch_id,
                        bidder: self.chain.account,
                        n: U256::from(n),
                    },
                    "IBatchAuction",
                )
                .await?;
            out.push(OnChainCommitment {
                hash: c._0,
                deposit: c._1,
                reveal_index: c._2,
            });
        }
        Ok(out)
    }
    async fn preview(&self, batch_id: U256) -> Result<Preview, ChainError> {
        let p = self
            .chain
            .view(
                self.house,
                IBatchAuction::previewCall {
                    batch_id,
                    bidder: self.chain.account,
                },
                "IBatchAuction",
            )
            .await?;
        Ok(Preview {
            commitments: p._0,
            claimed: p._1,
            won: p._2,
            paid: p._3,
            refund: p._4,
        })
    }
    async fn commit(
        &self,
        batch_id: U256,
        commitment: B256,
        deposit: U256,
    ) -> Result<B256, ChainError> {
        self.chain
            .ensure_allowance(self.debt_token, self.house, deposit)
            .await?;
        self.chain
            .send(
                self.house,
                IBatchAuction::commitCall {
                    batch_id,
                    commitment,
                    deposit,
                },
            )
            .await
    }
    async fn reveal(
        &self,
        batch_id: U256,
        amount: U256,
        price: U256,
        salt: B256,
    ) -> Result<B256, ChainError> {
        self.chain
            .send(
                self.house,
                IBatchAuction::revealCall {
                    batch_id,
                    amount,
                    price,
                    salt,
                },
            )
            .await
    }
    async fn settle(&self, batch_id: U256) -> Result<B256, ChainError> {
        self.chain
            .send(self.house, IBatchAuction::settleCall { batch_id })
            .await
    }
    async fn claim(&self, batch_id: U256) -> Result<B256, ChainError> {
        self.chain
            .send(self.house, IBatchAuction::claimCall { batch_id })
            .await
    }
    async fn has_pending(&self) -> Result<bool, ChainError> {
        self.chain.has_pending().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolError;

    #[test]
    fn oracle_answers_scale_to_ray_per_base_unit() {
        // 2000.00000000 (8 decimals), WETH (18) priced in DAI (18): 2000e27.
        let answer = U256::from(200_000_000_000u64);
        assert_eq!(
            scale_answer(answer, 8, 18, 18),
            Some(U256::from(2000u32) * RAY)
        );
        // WETH (18) in USDC (6): 2000e6 per 1e18 base units = 2e-9 per unit = 2e18 RAY.
        assert_eq!(
            scale_answer(answer, 8, 18, 6),
            Some(U256::from(2_000_000_000_000_000_000u128))
        );
    }

    #[test]
    fn reverts_decode_to_the_houses_custom_errors() {
        let data = IBatchAuction::WrongPhase {
            _0: U256::from(3u8),
            _1: U256::from(1u8),
        }
        .abi_encode();
        let text = describe_revert(&data);
        assert!(text.contains("WrongPhase"), "{text}");
        let data = IDutchAuction::TooExpensive {
            _0: U256::from(1u8),
            _1: U256::from(2u8),
        }
        .abi_encode();
        assert!(describe_revert(&data).contains("TooExpensive"));
        assert_eq!(describe_revert(&[]), "no revert data");
        assert_eq!(describe_revert(&[1, 2, 3, 4]), "0x01020304");
    }

    #[test]
    fn a_bad_key_is_reported_without_echoing_it() {
        let var = "GAVEL_KEEPER_TEST_BAD_KEY";
        std::env::set_var(var, "0xnot-a-key-secret-material");
        let err = signer_from_env(var).unwrap_err();
        assert!(!err.contains("secret-material"));
        assert!(err.contains(var));
        std::env::remove_var(var);
        assert!(signer_from_env(var).unwrap().is_none());
    }
}

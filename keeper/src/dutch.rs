//! The Dutch house: the set of running sales (from `list()` at start-up, then the `Kick`,
//! `Take`, `Redo` and `Yank` events), priced with `getStatus` each pass; take when the price is
//! under the keeper's limit, redo when the incentive pays for the gas.

use std::collections::BTreeSet;

use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::Provider;
use alloy::rpc::types::{Filter, Log};
use alloy::sol_types::SolEvent;
use tracing::{debug, info, warn};

use crate::abi::{IDutchAuction, ILiquidationEngine, IERC20};
use crate::config::DutchSettings;
use crate::decide::{decide_redo, decide_take, gas_cost, Incentive, SaleStatus, Skip};
use crate::error::{ChainError, KeeperError};
use crate::rpc::Chain;

/// A Dutch house event, as far as the set of running sales is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaleEvent {
    Kick {
        id: U256,
    },
    /// `tab` and `lot` are what is left; either at zero ends the sale.
    Take {
        id: U256,
        tab: U256,
        lot: U256,
    },
    Redo {
        id: U256,
    },
    Yank {
        id: U256,
    },
}

/// Applies one event to the set of running sales.
pub fn apply(active: &mut BTreeSet<U256>, event: &SaleEvent) {
    match *event {
        SaleEvent::Kick { id } | SaleEvent::Redo { id } => {
            active.insert(id);
        }
        SaleEvent::Take { id, tab, lot } => {
            if tab.is_zero() || lot.is_zero() {
                active.remove(&id);
            }
        }
        SaleEvent::Yank { id } => {
            active.remove(&id);
        }
    }
}

/// Decodes a log of the Dutch house (other logs: `None`).
pub fn decode(log: &Log) -> Option<SaleEvent> {
    let topic = *log.topic0()?;
    let inner = &log.inner;
    if topic == IDutchAuction::Kick::SIGNATURE_HASH {
        IDutchAuction::Kick::decode_log(inner)
            .ok()
            .map(|e| SaleEvent::Kick { id: e.id })
    } else if topic == IDutchAuction::Take::SIGNATURE_HASH {
        IDutchAuction::Take::decode_log(inner)
            .ok()
            .map(|e| SaleEvent::Take {
                id: e.id,
                tab: e.tab,
                lot: e.lot,
            })
    } else if topic == IDutchAuction::Redo::SIGNATURE_HASH {
        IDutchAuction::Redo::decode_log(inner)
            .ok()
            .map(|e| SaleEvent::Redo { id: e.id })
    } else if topic == IDutchAuction::Yank::SIGNATURE_HASH {
        IDutchAuction::Yank::decode_log(inner)
            .ok()
            .map(|e| SaleEvent::Yank { id: e.id })
    } else {
        None
    }
}

/// What one pass did (for logs and tests).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassReport {
    pub takes: Vec<(U256, U256)>,
    pub redos: Vec<U256>,
    pub skipped: Vec<(U256, Skip)>,
}

/// The Dutch side of the keeper.
pub struct DutchKeeper {
    pub chain: Chain,
    pub settings: DutchSettings,
    pub dry_run: bool,
    pub native_price: U256,
    pub debt_token: Address,
    pub active: BTreeSet<U256>,
    next_block: u64,
}

impl DutchKeeper {
    /// Checks the house's ABI, loads the running sales (`list()`) and starts following events
    /// from the current block.
    pub async fn start(
        chain: Chain,
        settings: DutchSettings,
        dry_run: bool,
        native_price: U256,
    ) -> Result<Self, ChainError> {
        let house = settings.address;
        let debt_token = chain
            .expect_contract(house, IDutchAuction::debtTokenCall {}, "IDutchAuction")
            .await?;
        let block = chain
            .provider
            .get_block_number()
            .await
            .map_err(|e| ChainError::Rpc {
                call: "eth_blockNumber",
                detail: e.to_string(),
            })?;
        let list = chain
            .view(house, IDutchAuction::listCall {}, "IDutchAuction")
            .await?;
        info!(house = %house, running = list.len(), "dutch: following the house");
        Ok(Self {
            chain,
            settings,
            dry_run,
            native_price,
            debt_token,
            active: list.into_iter().collect(),
            next_block: block + 1,
        })
    }

    /// Reads the house's events since the last pass into the running set.
    async fn follow(&mut self) -> Result<(), ChainError> {
        let latest = self
            .chain
            .provider
            .get_block_number()
            .await
            .map_err(|e| ChainError::Rpc {
                call: "eth_blockNumber",
                detail: e.to_string(),
            })?;
        if latest < self.next_block {
            return Ok(());
        }
        let filter = Filter::new()
            .address(self.settings.address)
            .event_signature(vec![
                IDutchAuction::Kick::SIGNATURE_HASH,
                IDutchAuction::Take::SIGNATURE_HASH,
                IDutchAuction::Redo::SIGNATURE_HASH,
                IDutchAuction::Yank::SIGNATURE_HASH,
            ])
            .from_block(self.next_block)
            .to_block(latest);
        let logs = self
            .chain
            .provider
            .get_logs(&filter)
            .await
            .map_err(|e| ChainError::Rpc {
                call: "eth_getLogs",
                detail: e.to_string(),
            })?;
        for log in &logs {
            if let Some(event) = decode(log) {
                debug!(event = ?event, "dutch: event");
                apply(&mut self.active, &event);
            }
        }
        self.next_block = latest + 1;
        Ok(())
    }

    /// One pass over the running sales at reference price `reference` (RAY; `None`: redos
    /// only, valued at zero, so only `redo_always` acts).
    pub async fn tick(&mut self, reference: Option<U256>) -> Result<PassReport, KeeperError> {
        self.follow().await?;
        let house = self.settings.address;
        let gas_price = self.chain.gas_price().await?;
        let take_cost = gas_cost(self.settings.take_gas, gas_price, self.native_price)
            .ok_or(KeeperError::Config("gas cost overflows".into()))?;
        let redo_cost = gas_cost(self.settings.redo_gas, gas_price, self.native_price)
            .ok_or(KeeperError::Config("gas cost overflows".into()))?;
        let tip = self
            .chain
            .view(house, IDutchAuction::tipCall {}, "IDutchAuction")
            .await?;
        let chip = self
            .chain
            .view(house, IDutchAuction::chipCall {}, "IDutchAuction")
            .await?;
        let incentive = Incentive {
            tip: U256::from(tip),
            chip: U256::from(chip),
        };
        let mut report = PassReport::default();
        for id in self.active.clone() {
            let status = self
                .chain
                .view(house, IDutchAuction::getStatusCall { id }, "IDutchAuction")
                .await?;
            let snapshot = self
                .chain
                .view(house, IDutchAuction::snapshotCall { id }, "IDutchAuction")
                .await?;
            let sale = SaleStatus {
                needs_redo: status._0,
                price: status._1,
                lot: status._2,
                tab: status._3,
                dust: snapshot._7,
            };
            if sale.lot.is_zero() {
                self.active.remove(&id);
                continue;
            }
            if sale.needs_redo {
                match decide_redo(
                    &sale,
                    reference.unwrap_or_default(),
                    &incentive,
                    &self.settings.redo_policy(redo_cost),
                ) {
                    Ok(coin) => {
                        if self.dry_run {
                            info!(id = %id, incentive = %coin, "dry run: would redo");
                        } else {
                            let tx = self
                                .chain
                                .send(
                                    house,
                                    IDutchAuction::redoCall {
                                        id,
                                        kpr: self.chain.account,
                                    },
                                )
                                .await?;
                            info!(id = %id, tx = %tx, incentive = %coin, "dutch: redo");
                        }
                        report.redos.push(id);
                    }
                    Err(skip) => {
                        debug!(id = %id, reason = ?skip, "dutch: no redo");
                        report.skipped.push((id, skip));
                    }
                }
                continue;
            }
            let Some(reference) = reference else { continue };
            match decide_take(&sale, reference, &self.settings.take_policy(take_cost)) {
                Ok(take) => {
                    let (who, data) = match &self.settings.flash {
                        Some((callee, data)) => (*callee, data.clone()),
                        None => (self.chain.account, Bytes::new()),
                    };
                    let ends = take.owe >= sale.tab || take.slice >= sale.lot;
                    if self.dry_run {
                        info!(id = %id, amt = %take.amt, max = %take.max, owe = %take.owe, profit = %take.profit, "dry run: would take");
                    } else {
                        self.chain
                            .ensure_allowance(self.debt_token, house, take.owe)
                            .await?;
                        let tx = self
                            .chain
                            .send(
                                house,
                                IDutchAuction::takeCall {
                                    id,
                                    amt: take.amt,
                                    max: take.max,
                                    who,
                                    data,
                                },
                            )
                            .await?;
                        info!(id = %id, tx = %tx, amt = %take.amt, owe = %take.owe, price = %take.max, profit = %take.profit, "dutch: take");
                        if ends {
                            self.sync_engine(snapshot._0).await;
                        }
                    }
                    report.takes.push((id, take.amt));
                }
                Err(skip) => {
                    debug!(id = %id, reason = ?skip, "dutch: no take");
                    report.skipped.push((id, skip));
                }
            }
        }
        Ok(report)
    }

    /// `engine.sync(liquidationId)` after a sale ended, so the engine's limits free up at once
    /// (best effort: anyone can sync later).
    async fn sync_engine(&self, liquidation_id: U256) {
        let Some(engine) = self.settings.engine else {
            return;
        };
        match self
            .chain
            .send(engine, ILiquidationEngine::syncCall { liquidation_id })
            .await
        {
            Ok(tx) => info!(liquidation = %liquidation_id, tx = %tx, "engine: synced"),
            Err(e) => warn!(liquidation = %liquidation_id, error = %e, "engine: sync failed"),
        }
    }

    /// The keeper's debt-token balance (for logs).
    pub async fn balance(&self) -> Result<U256, ChainError> {
        self.chain
            .view(
                self.debt_token,
                IERC20::balanceOfCall {
                    account: self.chain.account,
                },
                "ERC-20",
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{LogData, B256};

    fn id(n: u8) -> U256 {
        U256::from(n)
    }

    #[test]
    fn events_maintain_the_running_set() {
        let mut active: BTreeSet<U256> = [id(1)].into();
        apply(&mut active, &SaleEvent::Kick { id: id(2) });
        apply(
            &mut active,
            &SaleEvent::Take {
                id: id(1),
                tab: id(5),
                lot: id(5),
            },
        );
        assert_eq!(active, [id(1), id(2)].into());
        apply(
            &mut active,
            &SaleEvent::Take {
                id: id(1),
                tab: U256::ZERO,
                lot: id(5),
            },
        );
        apply(&mut active, &SaleEvent::Redo { id: id(3) });
        assert_eq!(active, [id(2), id(3)].into());
        apply(
            &mut active,
            &SaleEvent::Take {
                id: id(2),
                tab: id(1),
                lot: U256::ZERO,
            },
        );
        apply(&mut active, &SaleEvent::Yank { id: id(3) });
        assert!(active.is_empty());
    }

    #[test]
    fn logs_decode_to_sale_events() {
        let take = IDutchAuction::Take {
            id: id(7),
            max: id(1),
            price: id(1),
            owe: id(1),
            tab: U256::ZERO,
            lot: id(3),
            usr: Address::repeat_byte(1),
        };
        let data: LogData = take.encode_log_data();
        let log = Log {
            inner: alloy::primitives::Log {
                address: Address::ZERO,
                data,
            },
            ..Default::default()
        };
        assert_eq!(
            decode(&log),
            Some(SaleEvent::Take {
                id: id(7),
                tab: U256::ZERO,
                lot: id(3)
            })
        );
        let other = Log {
            inner: alloy::primitives::Log {
                address: Address::ZERO,
                data: LogData::new_unchecked(vec![B256::ZERO], Bytes::new()),
            },
            ..Default::default()
        };
        assert_eq!(decode(&other), None);
    }
}

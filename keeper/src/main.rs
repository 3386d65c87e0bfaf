//! `gavel-keeper`: see the crate docs and the README's keeper section.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use alloy::primitives::{Address, U256};
use clap::Parser;
use tracing::{error, info, warn};

use gavel_keeper::abi::{IBatchAuction, IDutchAuction, IERC20};
use gavel_keeper::batch::BatchKeeper;
use gavel_keeper::config::{Args, Reference, Settings};
use gavel_keeper::decide::gas_cost;
use gavel_keeper::dutch::DutchKeeper;
use gavel_keeper::error::{ChainError, KeeperError};
use gavel_keeper::rpc::{oracle_price, signer_from_env, Chain, RpcBatchHouse};
use gavel_keeper::store::BidStore;

fn main() -> ExitCode {
    let args = Args::parse();
    init_logs(args.log_json);
    let settings = match Settings::load(args) {
        Ok(s) => s,
        Err(e) => {
            error!("configuration: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            error!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("GAVEL_KEEPER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Collateral and debt decimals, for scaling an oracle answer.
async fn decimals(
    chain: &Chain,
    collateral: Address,
    debt: Address,
) -> Result<(u8, u8), ChainError> {
    let c = chain
        .view(collateral, IERC20::decimalsCall {}, "ERC-20")
        .await?;
    let d = chain.view(debt, IERC20::decimalsCall {}, "ERC-20").await?;
    Ok((c, d))
}

/// Opens the bid database; a dry run falls back to a scratch one if it is busy (a live keeper
/// holds its lock).
fn open_store(settings: &Settings) -> Result<BidStore, KeeperError> {
    let store = match BidStore::open(&settings.data_dir) {
        Ok(store) => store,
        Err(e) if settings.dry_run => {
            let dir =
                std::env::temp_dir().join(format!("gavel-keeper-dry-run-{}", std::process::id()));
            warn!(error = %e, scratch = %dir.display(), "dry run: the bid database is busy or unreadable; using a scratch one");
            BidStore::open(&dir)?
        }
        Err(e) => return Err(e.into()),
    };
    info!(data_dir = %settings.data_dir.display(), open_bids = store.open_bids()?.len(), "bid database");
    Ok(store)
}

async fn run(settings: Settings) -> Result<(), KeeperError> {
    let signer = signer_from_env(&settings.key_env).map_err(KeeperError::Config)?;
    if signer.is_none() && !settings.dry_run {
        return Err(KeeperError::Config(format!(
            "no private key: set the environment variable {} (hex), or run with --dry-run",
            settings.key_env
        )));
    }
    let chain = Chain::connect(
        &settings.rpc_url,
        settings.chain_id,
        signer,
        settings.account,
    )
    .await?;
    info!(rpc = %settings.rpc_url, chain_id = chain.chain_id, account = %chain.account, dry_run = settings.dry_run, "connected");

    let mut dutch = match &settings.dutch {
        Some(d) => Some(
            DutchKeeper::start(
                chain.clone(),
                d.clone(),
                settings.dry_run,
                settings.native_price,
            )
            .await?,
        ),
        None => None,
    };
    let batch_house = match &settings.batch {
        Some(b) => Some(RpcBatchHouse::new(chain.clone(), b.address).await?),
        None => None,
    };

    // Token pair for the oracle's scaling: from either house.
    let pair = if let Some(d) = &settings.dutch {
        let collateral = chain
            .view(d.address, IDutchAuction::collateralCall {}, "IDutchAuction")
            .await?;
        let debt = chain
            .view(d.address, IDutchAuction::debtTokenCall {}, "IDutchAuction")
            .await?;
        (collateral, debt)
    } else if let Some(b) = &settings.batch {
        let config = chain
            .view(b.address, IBatchAuction::configCall {}, "IBatchAuction")
            .await?;
        (config._0, config._1)
    } else {
        unreachable!("Settings::resolve requires a house")
    };
    let scale = match &settings.reference {
        Some(Reference::Oracle { .. }) => Some(decimals(&chain, pair.0, pair.1).await?),
        _ => None,
    };

    // The bid database, for the batch side only.
    let store = match &settings.batch {
        Some(_) => Some(open_store(&settings)?),
        None => None,
    };
    let mut batch = batch_house
        .zip(store.as_ref())
        .zip(settings.batch.as_ref())
        .map(|((house, store), b)| {
            let mut keeper = BatchKeeper {
                house,
                store,
                policy: b.policy(U256::ZERO),
                settle: b.settle,
                dry_run: settings.dry_run,
                lookback: b.lookback,
                after_persist: None,
            };
            if settings.halt_after_persist {
                keeper.after_persist = Some(Box::new(|record| {
                    // Test hook: the bid is on disk; hang here until killed.
                    println!(
                        "GAVEL_KEEPER_HALTED batch={} commitment={}",
                        record.batch_id, record.commitment
                    );
                    let _ = std::io::stdout().flush();
                    loop {
                        std::thread::sleep(Duration::from_secs(3600));
                    }
                }));
            }
            keeper
        });

    loop {
        let reference = match &settings.reference {
            Some(Reference::Fixed(price)) => Some(*price),
            Some(Reference::Oracle { feed, max_age }) => {
                let (c, d) = scale.unwrap_or((18, 18));
                match oracle_price(&chain, *feed, c, d, *max_age).await {
                    Ok(price) => price,
                    Err(e) => {
                        warn!(error = %e, "reference price unavailable");
                        None
                    }
                }
            }
            None => None,
        };
        let mut failed = None;
        if let Some(dutch) = dutch.as_mut() {
            match dutch.tick(reference).await {
                Ok(report) => info!(
                    takes = report.takes.len(),
                    redos = report.redos.len(),
                    skipped = report.skipped.len(),
                    running = dutch.active.len(),
                    "dutch: pass"
                ),
                Err(e) => {
                    error!(error = %e, "dutch: pass failed");
                    failed = Some(e);
                }
            }
        }
        if let (Some(keeper), Some(b)) = (batch.as_mut(), settings.batch.as_ref()) {
            match chain
                .gas_price()
                .await
                .map(|p| gas_cost(b.bid_gas, p, settings.native_price))
            {
                Ok(Some(cost)) => keeper.policy = b.policy(cost),
                Ok(None) => warn!("batch: gas cost overflows; keeping the previous estimate"),
                Err(e) => warn!(error = %e, "batch: no gas price"),
            }
            match keeper.tick(reference).await {
                Ok(()) => info!(open_bids = keeper.store.open_bids()?.len(), "batch: pass"),
                Err(KeeperError::Halted) => return Err(KeeperError::Halted),
                Err(e) => {
                    error!(error = %e, "batch: pass failed");
                    failed = Some(e);
                }
            }
        }
        if settings.once {
            // One pass: its failure is the exit status. A running keeper retries next pass.
            return failed.map_or(Ok(()), Err);
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(settings.interval_secs)) => {}
            _ = tokio::signal::ctrl_c() => {
                info!("interrupted; state is on disk");
                return Ok(());
            }
        }
    }
}

//! Configuration: a TOML file (`--config`) and flags; a flag overrides the file. The private
//! key is never in either: it is read from the environment variable named by `key_env`
//! (default `GAVEL_KEEPER_KEY`) and never logged.
//!
//! Amounts are strings (or integers) in base units, with an optional exponent: `"2000e27"`,
//! `"1.5e18"`, `"0x10"`, `"1_000_000"`.

use std::path::PathBuf;
use std::str::FromStr;

use alloy::primitives::{Address, Bytes, U256};
use clap::Parser;
use serde::Deserialize;

use crate::decide::{BidPolicy, RedoPolicy, TakePolicy};
use crate::math::pow10;

/// Default environment variable holding the keeper's private key.
pub const DEFAULT_KEY_ENV: &str = "GAVEL_KEEPER_KEY";

/// An amount in base units (see the module docs for the syntax).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Amount(pub U256);

/// Parses `"2000e27"`, `"1.5e18"`, `"0x10"`, `"1_000"`.
pub fn parse_amount(text: &str) -> Result<U256, String> {
    let s: String = text.trim().chars().filter(|c| *c != '_').collect();
    if s.is_empty() {
        return Err("empty amount".to_string());
    }
    if let Some(hex) = s.strip_prefix("0x") {
        return U256::from_str_radix(hex, 16).map_err(|e| format!("{text:?}: {e}"));
    }
    let (mantissa, exponent) = match s.split_once(['e', 'E']) {
        Some((m, e)) => (
            m,
            e.parse::<u32>()
                .map_err(|_| format!("{text:?}: bad exponent"))?,
        ),
        None => (s.as_str(), 0),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = format!("{whole}{fraction}");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{text:?} is not a number"));
    }
    let shift = exponent
        .checked_sub(fraction.len() as u32)
        .ok_or_else(|| format!("{text:?} is not a whole number of base units"))?;
    let base = U256::from_str_radix(&digits, 10).map_err(|e| format!("{text:?}: {e}"))?;
    pow10(shift)
        .and_then(|p| base.checked_mul(p))
        .ok_or_else(|| format!("{text:?} does not fit in 256 bits"))
}

impl FromStr for Amount {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse_amount(s).map(Amount)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Int(n) => Ok(Amount(U256::from(n))),
            Raw::Text(t) => parse_amount(&t)
                .map(Amount)
                .map_err(serde::de::Error::custom),
        }
    }
}

/// The configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub rpc_url: Option<String>,
    pub chain_id: Option<u64>,
    pub data_dir: Option<PathBuf>,
    pub key_env: Option<String>,
    /// The account to read as in a dry run without a key.
    pub account: Option<Address>,
    pub interval_secs: Option<u64>,
    pub dry_run: Option<bool>,
    /// Native token price: debt base units per wei, times 10^27 (for gas costs).
    pub native_price: Option<Amount>,
    pub reference: Option<ReferenceConfig>,
    pub dutch: Option<DutchConfig>,
    pub batch: Option<BatchConfig>,
}

/// Where the keeper's reference price for the collateral comes from.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferenceConfig {
    /// A fixed price (RAY: debt base units per collateral base unit times 10^27).
    pub fixed: Option<Amount>,
    /// A Chainlink `AggregatorV3Interface` feed.
    pub oracle: Option<Address>,
    /// Oldest oracle answer used, seconds (default 3600).
    pub max_age: Option<u64>,
}

/// The Dutch house.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutchConfig {
    pub address: Option<Address>,
    /// Buy at or below `reference * (1 - margin_bps / 10_000)` (default 300).
    pub margin_bps: Option<u32>,
    /// Most debt tokens spent per take.
    pub budget: Amount,
    #[serde(default)]
    pub min_profit: Amount,
    /// Gas assumed for a take (default 300_000) and a redo (default 200_000).
    pub take_gas: Option<u64>,
    pub redo_gas: Option<u64>,
    /// Redo even when the incentive does not cover gas.
    #[serde(default)]
    pub redo_always: bool,
    /// Flash mode: the collateral goes to this `clipperCall` callee with `flash_data`.
    pub flash_callee: Option<Address>,
    pub flash_data: Option<Bytes>,
    /// The liquidation engine: `sync(liquidationId)` after a take that ends a sale.
    pub engine: Option<Address>,
}

/// The batch house.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchConfig {
    pub address: Option<Address>,
    /// Bid at `valuation * (1 - margin_bps / 10_000)` (default 500).
    pub margin_bps: Option<u32>,
    /// Most debt tokens escrowed per batch.
    pub budget: Amount,
    /// Most collateral bid for per batch (default: no limit).
    #[serde(default)]
    pub max_amount: Amount,
    /// Gas assumed for approve + commit + reveal + claim (default 600_000).
    pub bid_gas: Option<u64>,
    #[serde(default)]
    pub min_profit: Amount,
    /// Settle batches whose reveal window is over (default true).
    pub settle: Option<bool>,
    /// How many of the latest batches to consider for new bids (default 4).
    pub lookback: Option<u64>,
}

/// Command-line flags; each overrides the file.
#[derive(Clone, Debug, Default, Parser)]
#[command(
    name = "gavel-keeper",
    version,
    about = "gavel's reference keeper: Dutch takes and redos, sealed batch bids with durable commit-reveal state"
)]
pub struct Args {
    /// Configuration file (TOML).
    #[arg(long, short)]
    pub config: Option<PathBuf>,
    /// JSON-RPC endpoint (http or https).
    #[arg(long)]
    pub rpc_url: Option<String>,
    /// Expected chain id: the keeper refuses to run against another chain.
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Directory of the bid database.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Dutch auction house address.
    #[arg(long)]
    pub dutch: Option<Address>,
    /// Batch auction house address.
    #[arg(long)]
    pub batch: Option<Address>,
    /// Reference price feed (Chainlink AggregatorV3).
    #[arg(long)]
    pub oracle: Option<Address>,
    /// Fixed reference price (RAY), e.g. 2000e27.
    #[arg(long)]
    pub reference_price: Option<Amount>,
    /// Dutch margin below the reference price, basis points.
    #[arg(long)]
    pub take_margin_bps: Option<u32>,
    /// Batch margin below the valuation, basis points.
    #[arg(long)]
    pub bid_margin_bps: Option<u32>,
    /// Environment variable that holds the private key (default GAVEL_KEEPER_KEY).
    #[arg(long)]
    pub key_env: Option<String>,
    /// Account to read as in a dry run without a key.
    #[arg(long)]
    pub account: Option<Address>,
    /// Only log what would be done; send nothing and persist no bid.
    #[arg(long)]
    pub dry_run: bool,
    /// One pass, then exit.
    #[arg(long)]
    pub once: bool,
    /// Seconds between passes.
    #[arg(long)]
    pub interval_secs: Option<u64>,
    /// Logs as JSON lines.
    #[arg(long)]
    pub log_json: bool,
    /// Test hook: after persisting a bid, print a line and hang before sending its commit.
    #[arg(long, hide = true)]
    pub halt_after_persist: bool,
}

/// Where the reference price comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reference {
    Fixed(U256),
    Oracle { feed: Address, max_age: u64 },
}

/// The Dutch side, resolved.
#[derive(Clone, Debug)]
pub struct DutchSettings {
    pub address: Address,
    pub margin_bps: u32,
    pub budget: U256,
    pub min_profit: U256,
    pub take_gas: u64,
    pub redo_gas: u64,
    pub redo_always: bool,
    pub flash: Option<(Address, Bytes)>,
    pub engine: Option<Address>,
}

impl DutchSettings {
    pub fn take_policy(&self, gas_cost: U256) -> TakePolicy {
        TakePolicy {
            margin_bps: self.margin_bps,
            budget: self.budget,
            gas_cost,
            min_profit: self.min_profit,
        }
    }
    pub fn redo_policy(&self, gas_cost: U256) -> RedoPolicy {
        RedoPolicy {
            gas_cost,
            min_profit: self.min_profit,
            always: self.redo_always,
        }
    }
}

/// The batch side, resolved.
#[derive(Clone, Debug)]
pub struct BatchSettings {
    pub address: Address,
    pub margin_bps: u32,
    pub budget: U256,
    pub max_amount: U256,
    pub bid_gas: u64,
    pub min_profit: U256,
    pub settle: bool,
    pub lookback: u64,
}

impl BatchSettings {
    pub fn policy(&self, gas_cost: U256) -> BidPolicy {
        BidPolicy {
            margin_bps: self.margin_bps,
            budget: self.budget,
            max_amount: self.max_amount,
            gas_cost,
            min_profit: self.min_profit,
        }
    }
}

/// Everything the keeper runs with (no secrets).
#[derive(Clone, Debug)]
pub struct Settings {
    pub rpc_url: String,
    pub chain_id: Option<u64>,
    pub data_dir: PathBuf,
    pub key_env: String,
    pub account: Option<Address>,
    pub interval_secs: u64,
    pub dry_run: bool,
    pub once: bool,
    pub log_json: bool,
    pub halt_after_persist: bool,
    pub native_price: U256,
    pub reference: Option<Reference>,
    pub dutch: Option<DutchSettings>,
    pub batch: Option<BatchSettings>,
}

fn check_bps(name: &str, bps: u32) -> Result<u32, String> {
    if bps > 10_000 {
        return Err(format!("{name} = {bps} is more than 10000 basis points"));
    }
    Ok(bps)
}

impl Settings {
    /// Reads the file named by `--config` (if any) and applies the flags.
    pub fn load(args: Args) -> Result<Self, String> {
        let file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|e| format!("{}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        Self::resolve(file, args)
    }

    /// File values overridden by flags, then validated.
    pub fn resolve(file: FileConfig, args: Args) -> Result<Self, String> {
        let rpc_url = args
            .rpc_url
            .or(file.rpc_url)
            .ok_or("no RPC URL: set rpc_url in the config file or pass --rpc-url")?;
        let reference = match (args.reference_price, args.oracle) {
            (Some(price), _) => Some(Reference::Fixed(price.0)),
            (None, Some(feed)) => {
                let max_age = file
                    .reference
                    .as_ref()
                    .and_then(|r| r.max_age)
                    .unwrap_or(3600);
                Some(Reference::Oracle { feed, max_age })
            }
            (None, None) => match file.reference {
                Some(ReferenceConfig {
                    fixed: Some(_),
                    oracle: Some(_),
                    ..
                }) => return Err("[reference]: set either fixed or oracle, not both".to_string()),
                Some(ReferenceConfig {
                    fixed: Some(price), ..
                }) => Some(Reference::Fixed(price.0)),
                Some(ReferenceConfig {
                    oracle: Some(feed),
                    max_age,
                    ..
                }) => Some(Reference::Oracle {
                    feed,
                    max_age: max_age.unwrap_or(3600),
                }),
                _ => None,
            },
        };
        let dutch = match (file.dutch, args.dutch) {
            (Some(d), flag) => {
                let address = flag
                    .or(d.address)
                    .ok_or("[dutch]: no address (address = \"0x...\" or --dutch)")?;
                let flash = match (d.flash_callee, d.flash_data) {
                    (Some(callee), Some(data)) if !data.is_empty() => Some((callee, data)),
                    (Some(_), _) => {
                        return Err("[dutch]: flash_callee needs non-empty flash_data".to_string())
                    }
                    (None, Some(_)) => {
                        return Err("[dutch]: flash_data without flash_callee".to_string())
                    }
                    (None, None) => None,
                };
                Some(DutchSettings {
                    address,
                    margin_bps: check_bps(
                        "dutch.margin_bps",
                        args.take_margin_bps.or(d.margin_bps).unwrap_or(300),
                    )?,
                    budget: d.budget.0,
                    min_profit: d.min_profit.0,
                    take_gas: d.take_gas.unwrap_or(300_000),
                    redo_gas: d.redo_gas.unwrap_or(200_000),
                    redo_always: d.redo_always,
                    flash,
                    engine: d.engine,
                })
            }
            (None, Some(_)) => {
                return Err(
                    "--dutch needs a [dutch] section (budget) in the config file".to_string(),
                )
            }
            (None, None) => None,
        };
        let batch = match (file.batch, args.batch) {
            (Some(b), flag) => Some(BatchSettings {
                address: flag
                    .or(b.address)
                    .ok_or("[batch]: no address (address = \"0x...\" or --batch)")?,
                margin_bps: check_bps(
                    "batch.margin_bps",
                    args.bid_margin_bps.or(b.margin_bps).unwrap_or(500),
                )?,
                budget: b.budget.0,
                max_amount: b.max_amount.0,
                bid_gas: b.bid_gas.unwrap_or(600_000),
                min_profit: b.min_profit.0,
                settle: b.settle.unwrap_or(true),
                lookback: b.lookback.unwrap_or(4).max(1),
            }),
            (None, Some(_)) => {
                return Err(
                    "--batch needs a [batch] section (budget) in the config file".to_string(),
                )
            }
            (None, None) => None,
        };
        if dutch.is_none() && batch.is_none() {
            return Err("nothing to do: configure a [dutch] and/or a [batch] house".to_string());
        }
        Ok(Settings {
            rpc_url,
            chain_id: args.chain_id.or(file.chain_id),
            data_dir: args
                .data_dir
                .or(file.data_dir)
                .unwrap_or_else(|| PathBuf::from("keeper-data")),
            key_env: args
                .key_env
                .or(file.key_env)
                .unwrap_or_else(|| DEFAULT_KEY_ENV.to_string()),
            account: args.account.or(file.account),
            interval_secs: args
                .interval_secs
                .or(file.interval_secs)
                .unwrap_or(5)
                .max(1),
            dry_run: args.dry_run || file.dry_run.unwrap_or(false),
            once: args.once,
            log_json: args.log_json,
            halt_after_persist: args.halt_after_persist,
            native_price: file.native_price.map(|a| a.0).unwrap_or(U256::ZERO),
            reference,
            dutch,
            batch,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::math::RAY;

    #[test]
    fn amounts_parse_with_exponents_fractions_and_hex() {
        assert_eq!(parse_amount("2000e27").unwrap(), U256::from(2000u32) * RAY);
        assert_eq!(
            parse_amount("1.5e18").unwrap(),
            U256::from(1_500_000_000_000_000_000u128)
        );
        assert_eq!(parse_amount("1_000").unwrap(), U256::from(1000u32));
        assert_eq!(parse_amount("0x10").unwrap(), U256::from(16u8));
        assert!(parse_amount("1.25e1").is_err(), "12.5 base units");
        assert!(parse_amount("abc").is_err());
        assert!(parse_amount("1e78").is_err());
        assert!(parse_amount("").is_err());
    }

    const FILE: &str = r#"
        rpc_url = "http://127.0.0.1:8545"
        chain_id = 31337
        data_dir = "/tmp/k"
        native_price = "3000e27"
        [reference]
        fixed = "2000e27"
        [dutch]
        address = "0x00000000000000000000000000000000000000d1"
        budget = "10000e18"
        margin_bps = 250
        [batch]
        address = "0x00000000000000000000000000000000000000b1"
        budget = "5000e18"
    "#;

    #[test]
    fn file_then_flags() {
        let file: FileConfig = toml::from_str(FILE).unwrap();
        let s = Settings::resolve(file.clone(), Args::default()).unwrap();
        assert_eq!(s.rpc_url, "http://127.0.0.1:8545");
        assert_eq!(s.chain_id, Some(31337));
        assert_eq!(
            s.reference,
            Some(Reference::Fixed(U256::from(2000u32) * RAY))
        );
        let d = s.dutch.unwrap();
        assert_eq!(d.margin_bps, 250);
        assert_eq!(d.take_gas, 300_000);
        assert_eq!(s.batch.unwrap().margin_bps, 500);
        assert_eq!(s.key_env, DEFAULT_KEY_ENV);
        assert!(!s.dry_run);

        let args = Args::parse_from([
            "gavel-keeper",
            "--rpc-url",
            "http://localhost:1",
            "--take-margin-bps",
            "100",
            "--dry-run",
            "--dutch",
            "0x00000000000000000000000000000000000000d2",
            "--reference-price",
            "1e27",
        ]);
        let s = Settings::resolve(file, args).unwrap();
        assert_eq!(s.rpc_url, "http://localhost:1");
        assert!(s.dry_run);
        assert_eq!(s.reference, Some(Reference::Fixed(RAY)));
        let d = s.dutch.unwrap();
        assert_eq!(d.margin_bps, 100);
        assert_eq!(d.address, Address::with_last_byte(0xd2));
    }

    #[test]
    fn the_example_configuration_is_valid() {
        let text = include_str!("../keeper.example.toml");
        let file: FileConfig = toml::from_str(text).unwrap();
        let s = Settings::resolve(file, Args::default()).unwrap();
        assert_eq!(s.chain_id, Some(42161));
        assert!(matches!(
            s.reference,
            Some(Reference::Oracle { max_age: 3600, .. })
        ));
        assert_eq!(s.dutch.unwrap().budget, U256::from(10_000_000_000u64));
        assert_eq!(s.batch.unwrap().lookback, 4);
        assert_eq!(s.native_price, U256::from(3_000_000_000_000_000_000u128));
    }

    #[test]
    fn bad_configurations_are_explained() {
        let err = Settings::resolve(FileConfig::default(), Args::default()).unwrap_err();
        assert!(err.contains("no RPC URL"), "{err}");
        let mut file: FileConfig = toml::from_str(FILE).unwrap();
        file.dutch.as_mut().unwrap().margin_bps = Some(10_001);
        let err = Settings::resolve(file, Args::default()).unwrap_err();
        assert!(err.contains("more than 10000"), "{err}");
        assert!(
            toml::from_str::<FileConfig>("rpc_url = \"x\"\nprivate_key = \"0x12\"").is_err(),
            "unknown keys are refused"
        );
        let only_rpc: FileConfig = toml::from_str("rpc_url = \"http://x\"").unwrap();
        assert!(Settings::resolve(only_rpc, Args::default())
            .unwrap_err()
            .contains("nothing to do"));
    }
}

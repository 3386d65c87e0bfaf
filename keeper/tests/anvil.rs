//! The keeper against a real local chain: anvil (npm's `@foundry-rs/anvil`, from the
//! repository's `node_modules/.bin` after `npm ci`), started and stopped by each test, with the
//! Solidity stand-ins in `tests/solidity/` (compiled here with the repository's solc-js shim,
//! `tools/solc`) implementing the houses' keeper-facing ABI and events. The keeper runs as its
//! own process (the built `gavel-keeper` binary), as an operator would run it.
//!
//! No skip: without anvil or node the tests fail and say how to install them.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::Provider;
use alloy::rpc::types::TransactionRequest;
use alloy::signers::local::PrivateKeySigner;
use alloy::sol_types::SolConstructor;

use gavel_keeper::abi::{IBatchAuction, IDutchAuction, IERC20};
use gavel_keeper::batch::commitment;
use gavel_keeper::rpc::Chain;
use gavel_keeper::store::{BidState, BidStore};

alloy::sol! {
    contract StandInToken {
        constructor(string name_, string symbol_, uint8 decimals_);
        function mint(address to, uint256 amount) external;
    }
    contract DutchStandIn {
        constructor(address collateral_, address debt_, uint256 duration_, uint256 tail_, uint256 dust_, uint192 tip_, uint64 chip_, uint256 redoPrice_);
        function kick(uint256 liquidationId, uint256 tab, uint256 lot, address usr, address kpr, uint256 top) external returns (uint256 id);
    }
    contract EngineStandIn {
        function syncs() external view returns (uint256);
        function lastSynced() external view returns (uint256);
    }
    contract FlashCalleeStandIn {
        constructor(address debt_);
        function calls() external view returns (uint256);
        function lastData() external view returns (bytes);
    }
    contract BatchStandIn {
        constructor(address collateral_, address debt_, uint256 bond_, uint256 minBid_, uint256 commitWindow_, uint256 revealWindow_);
        function open(uint256 lot) external returns (uint256 id);
    }
}

/// anvil's first two default accounts (public test keys): the deployer and the keeper.
const DEPLOYER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const KEEPER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("keeper/ sits in the repository")
        .to_path_buf()
}

fn e18(x: u64) -> U256 {
    U256::from(x) * U256::from(10u64).pow(U256::from(18u8))
}

fn ray(x: u64) -> U256 {
    U256::from(x) * U256::from(10u64).pow(U256::from(27u8))
}

/// A running anvil, killed on drop.
struct Anvil {
    child: Child,
    url: String,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The anvil executable itself. npm's `node_modules/.bin/anvil` is a node script that spawns
/// the platform package's binary as a child: killing the script would leave that anvil running
/// after the tests, so the tests start the binary directly (the wrapper is the fallback).
fn anvil_binary() -> PathBuf {
    let scope = repo_root().join("node_modules/@foundry-rs");
    if let Ok(entries) = std::fs::read_dir(&scope) {
        for entry in entries.flatten() {
            let is_anvil = entry.file_name().to_string_lossy().starts_with("anvil-");
            let bin = entry.path().join("bin").join("anvil");
            if is_anvil && bin.is_file() {
                return bin;
            }
        }
    }
    repo_root().join("node_modules/.bin/anvil")
}

fn start_anvil() -> Anvil {
    let bin = anvil_binary();
    assert!(
        bin.exists(),
        "anvil not found at {}: run `npm ci` in the repository root (package.json pins @foundry-rs/anvil)",
        bin.display()
    );
    let port = free_port();
    let child = Command::new(&bin)
        .args([
            "--port",
            &port.to_string(),
            "--host",
            "127.0.0.1",
            "--silent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e} (is node installed?)", bin.display()));
    let anvil = Anvil {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "anvil did not open port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    anvil
}

/// Compiles the stand-ins with the repository's solc-js shim; returns the creation code of
/// each contract.
fn compile() -> std::collections::HashMap<String, Bytes> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/solidity");
    let mut sources = serde_json::Map::new();
    for name in [
        "StandInToken.sol",
        "DutchStandIn.sol",
        "BatchStandIn.sol",
        "EngineStandIn.sol",
        "FlashCalleeStandIn.sol",
    ] {
        let content = std::fs::read_to_string(dir.join(name)).unwrap();
        sources.insert(name.to_string(), serde_json::json!({ "content": content }));
    }
    let input = serde_json::json!({
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "optimizer": { "enabled": false },
            "evmVersion": "cancun",
            "outputSelection": { "*": { "*": ["evm.bytecode.object"] } }
        }
    });
    let shim = repo_root().join("tools/solc");
    let mut child = Command::new("node")
        .arg(&shim)
        .arg("--standard-json")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node {}: {e}", shim.display()));
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(input.to_string().as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "solc shim failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("solc output is JSON");
    let errors: Vec<String> = json["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter(|e| e["severity"] == "error")
                .map(|e| {
                    e["formattedMessage"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        errors.is_empty(),
        "the stand-ins do not compile (is `npm ci` done?):\n{}",
        errors.join("\n")
    );
    let mut out = std::collections::HashMap::new();
    for (_, contracts) in json["contracts"].as_object().unwrap() {
        for (name, contract) in contracts.as_object().unwrap() {
            let hex = contract["evm"]["bytecode"]["object"].as_str().unwrap();
            out.insert(name.clone(), Bytes::from(alloy::hex::decode(hex).unwrap()));
        }
    }
    out
}

async fn connect(url: &str, key: &str) -> Chain {
    Chain::connect(
        url,
        Some(31337),
        Some(key.parse::<PrivateKeySigner>().unwrap()),
        None,
    )
    .await
    .unwrap()
}

async fn deploy(chain: &Chain, code: &Bytes, args: Vec<u8>) -> Address {
    let mut data = code.to_vec();
    data.extend_from_slice(&args);
    let tx = TransactionRequest::default()
        .from(chain.account)
        .with_deploy_code(data);
    let receipt = chain
        .provider
        .send_transaction(tx)
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status(), "deployment reverted");
    receipt
        .contract_address
        .expect("a deployment has a contract address")
}

async fn warp(chain: &Chain, seconds: u64) {
    let _: serde_json::Value = chain
        .provider
        .raw_request("evm_increaseTime".into(), (seconds,))
        .await
        .unwrap();
    let _: serde_json::Value = chain
        .provider
        .raw_request("evm_mine".into(), ())
        .await
        .unwrap();
}

async fn balance(chain: &Chain, token: Address, who: Address) -> U256 {
    chain
        .view(token, IERC20::balanceOfCall { account: who }, "ERC-20")
        .await
        .unwrap()
}

/// Two tokens (18 decimals) with the deployer and the keeper funded.
struct World {
    anvil: Anvil,
    code: std::collections::HashMap<String, Bytes>,
    admin: Chain,
    keeper: Address,
    collateral: Address,
    debt: Address,
    dir: tempfile::TempDir,
}

async fn world() -> World {
    let code = compile();
    let anvil = start_anvil();
    let admin = connect(&anvil.url, DEPLOYER_KEY).await;
    let keeper = KEEPER_KEY.parse::<PrivateKeySigner>().unwrap().address();
    let token = &code["StandInToken"];
    let collateral = deploy(
        &admin,
        token,
        StandInToken::constructorCall {
            name_: "Wrapped Ether".into(),
            symbol_: "WETH".into(),
            decimals_: 18,
        }
        .abi_encode(),
    )
    .await;
    let debt = deploy(
        &admin,
        token,
        StandInToken::constructorCall {
            name_: "Dai".into(),
            symbol_: "DAI".into(),
            decimals_: 18,
        }
        .abi_encode(),
    )
    .await;
    admin
        .send(
            collateral,
            StandInToken::mintCall {
                to: admin.account,
                amount: e18(1_000),
            },
        )
        .await
        .unwrap();
    admin
        .send(
            debt,
            StandInToken::mintCall {
                to: keeper,
                amount: e18(1_000_000),
            },
        )
        .await
        .unwrap();
    World {
        anvil,
        code,
        admin,
        keeper,
        collateral,
        debt,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl World {
    fn config(&self, body: &str) -> PathBuf {
        let path = self.dir.path().join("keeper.toml");
        let text = format!(
            "rpc_url = \"{}\"\nchain_id = 31337\ndata_dir = \"{}\"\ninterval_secs = 1\n[reference]\nfixed = \"2000e27\"\n{body}",
            self.anvil.url,
            self.data_dir().display()
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, config: &Path, extra: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gavel-keeper"));
        cmd.arg("--config")
            .arg(config)
            .args(extra)
            .env("GAVEL_KEEPER_KEY", KEEPER_KEY)
            .env("GAVEL_KEEPER_LOG", "info,alloy=warn");
        cmd
    }

    /// Runs one keeper pass (`--once`) to completion.
    fn run_once(&self, config: &Path, extra: &[&str]) -> Output {
        let out = self.command(config, extra).arg("--once").output().unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        eprintln!("--- keeper {extra:?} ---\n{log}");
        out
    }

    fn pass(&self, config: &Path, extra: &[&str]) -> String {
        let out = self.run_once(config, extra);
        let log = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "keeper pass failed:\n{log}");
        log
    }
}

#[tokio::test]
async fn dutch_take_below_the_limit_and_redo_for_the_incentive() {
    let w = world().await;
    // Linear curve over 1000 s, redo after 500 s, dust 100, tip 5 DAI; a redo restarts at 2100.
    let args = DutchStandIn::constructorCall {
        collateral_: w.collateral,
        debt_: w.debt,
        duration_: U256::from(1000u32),
        tail_: U256::from(500u32),
        dust_: e18(100),
        tip_: alloy::primitives::Uint::<192, 3>::from(5_000_000_000_000_000_000u128),
        chip_: 0,
        redoPrice_: ray(2100),
    }
    .abi_encode();
    let house = deploy(&w.admin, &w.code["DutchStandIn"], args).await;
    w.admin
        .send(
            w.collateral,
            IERC20::approveCall {
                spender: house,
                amount: U256::MAX,
            },
        )
        .await
        .unwrap();
    w.admin
        .send(
            w.debt,
            StandInToken::mintCall {
                to: house,
                amount: e18(1_000),
            },
        )
        .await
        .unwrap();
    let kick = |top| DutchStandIn::kickCall {
        liquidationId: U256::from(7u8),
        tab: e18(50_000),
        lot: e18(10),
        usr: w.admin.account,
        kpr: w.admin.account,
        top,
    };
    w.admin.send(house, kick(ray(2200))).await.unwrap();

    let engine = deploy(&w.admin, &w.code["EngineStandIn"], vec![]).await;
    let config = w.config(&format!(
        "[dutch]\naddress = \"{house}\"\nbudget = \"100000e18\"\nmargin_bps = 200\nengine = \"{engine}\"\n"
    ));
    let syncs = || async {
        w.admin
            .view(engine, EngineStandIn::syncsCall {}, "engine")
            .await
            .unwrap()
    };
    // At 2200 (limit 2000 * 0.98 = 1960): nothing.
    let log = w.pass(&config, &[]);
    assert!(log.contains("takes=0"), "{log}");
    assert_eq!(balance(&w.admin, w.collateral, w.keeper).await, U256::ZERO);

    // 200 s later the price is about 1760: the keeper buys the whole lot.
    warp(&w.admin, 200).await;
    let debt_before = balance(&w.admin, w.debt, w.keeper).await;
    let log = w.pass(&config, &[]);
    assert!(log.contains("dutch: take"), "{log}");
    assert_eq!(balance(&w.admin, w.collateral, w.keeper).await, e18(10));
    let spent = debt_before - balance(&w.admin, w.debt, w.keeper).await;
    assert!(
        spent > e18(17_000) && spent <= e18(17_600),
        "paid {spent} for 10 at about 1760"
    );
    let list = w
        .admin
        .view(house, IDutchAuction::listCall {}, "IDutchAuction")
        .await
        .unwrap();
    assert!(list.is_empty(), "the sale ended");
    // ... so the keeper synced its liquidation in the engine.
    assert_eq!(syncs().await, U256::from(1u8));
    assert_eq!(
        w.admin
            .view(engine, EngineStandIn::lastSyncedCall {}, "engine")
            .await
            .unwrap(),
        U256::from(7u8)
    );

    // A sale past its tail needs a redo; the tip (5 DAI) pays for the gas (valued at 0 here).
    w.admin.send(house, kick(ray(2200))).await.unwrap();
    warp(&w.admin, 600).await;
    let status = w
        .admin
        .view(
            house,
            IDutchAuction::getStatusCall {
                id: U256::from(2u8),
            },
            "IDutchAuction",
        )
        .await
        .unwrap();
    assert!(status._0, "needs redo");
    let debt_before = balance(&w.admin, w.debt, w.keeper).await;
    let log = w.pass(&config, &[]);
    assert!(log.contains("dutch: redo"), "{log}");
    assert_eq!(
        balance(&w.admin, w.debt, w.keeper).await - debt_before,
        e18(5)
    );
    let status = w
        .admin
        .view(
            house,
            IDutchAuction::getStatusCall {
                id: U256::from(2u8),
            },
            "IDutchAuction",
        )
        .await
        .unwrap();
    assert!(!status._0, "restarted");
    assert!(
        status._1 > ray(2000),
        "at the redo price, above the keeper's limit: no take"
    );
    assert_eq!(balance(&w.admin, w.collateral, w.keeper).await, e18(10));

    // A dry run says what it would do and does nothing: 300 s later the price is ~1470.
    warp(&w.admin, 300).await;
    let log = w.pass(&config, &["--dry-run"]);
    assert!(log.contains("dry run: would take"), "{log}");
    assert_eq!(balance(&w.admin, w.collateral, w.keeper).await, e18(10));

    // Running continuously: the keeper takes sale 2 (found by `list()` at start-up), then a
    // sale kicked while it runs (found through the `Kick` event).
    let log_path = w.dir.path().join("loop.log");
    let mut child = w
        .command(&config, &["--interval-secs", "1"])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let reached = wait_for_balance(&w.admin, w.collateral, w.keeper, e18(20)).await;
    if reached {
        w.admin.send(house, kick(ray(1500))).await.unwrap();
    }
    let reached = reached && wait_for_balance(&w.admin, w.collateral, w.keeper, e18(30)).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        reached,
        "the running keeper did not take both sales:\n{log}"
    );
    assert_eq!(log.matches("dutch: take").count(), 2, "{log}");
    assert_eq!(syncs().await, U256::from(3u8), "one sync per ended sale");
    let list = w
        .admin
        .view(house, IDutchAuction::listCall {}, "IDutchAuction")
        .await
        .unwrap();
    assert!(list.is_empty());
}

#[tokio::test]
async fn dutch_flash_take_through_a_callee() {
    let w = world().await;
    let args = DutchStandIn::constructorCall {
        collateral_: w.collateral,
        debt_: w.debt,
        duration_: U256::from(1000u32),
        tail_: U256::from(500u32),
        dust_: e18(100),
        tip_: alloy::primitives::Uint::<192, 3>::ZERO,
        chip_: 0,
        redoPrice_: ray(2100),
    }
    .abi_encode();
    let house = deploy(&w.admin, &w.code["DutchStandIn"], args).await;
    let callee = deploy(
        &w.admin,
        &w.code["FlashCalleeStandIn"],
        FlashCalleeStandIn::constructorCall { debt_: w.debt }.abi_encode(),
    )
    .await;
    w.admin
        .send(
            w.debt,
            StandInToken::mintCall {
                to: callee,
                amount: e18(100_000),
            },
        )
        .await
        .unwrap();
    w.admin
        .send(
            w.collateral,
            IERC20::approveCall {
                spender: house,
                amount: U256::MAX,
            },
        )
        .await
        .unwrap();
    let kick = DutchStandIn::kickCall {
        liquidationId: U256::from(9u8),
        tab: e18(50_000),
        lot: e18(10),
        usr: w.admin.account,
        kpr: w.admin.account,
        top: ray(1800),
    };
    w.admin.send(house, kick).await.unwrap();
    let config = w.config(&format!(
        "[dutch]\naddress = \"{house}\"\nbudget = \"100000e18\"\nflash_callee = \"{callee}\"\nflash_data = \"0xbeef\"\n"
    ));
    let debt_before = balance(&w.admin, w.debt, w.keeper).await;
    let log = w.pass(&config, &[]);
    assert!(log.contains("dutch: take"), "{log}");
    // The collateral went to the callee, which paid the keeper what the house then pulled.
    assert_eq!(balance(&w.admin, w.collateral, callee).await, e18(10));
    assert_eq!(balance(&w.admin, w.collateral, w.keeper).await, U256::ZERO);
    assert_eq!(balance(&w.admin, w.debt, w.keeper).await, debt_before);
    assert_eq!(
        w.admin
            .view(callee, FlashCalleeStandIn::callsCall {}, "callee")
            .await
            .unwrap(),
        U256::from(1u8)
    );
    let data = w
        .admin
        .view(callee, FlashCalleeStandIn::lastDataCall {}, "callee")
        .await
        .unwrap();
    assert_eq!(data.to_vec(), vec![0xbe, 0xef]);
}

/// Polls until `who` holds `amount` of `token` (60 s at most).
async fn wait_for_balance(chain: &Chain, token: Address, who: Address, amount: U256) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if balance(chain, token, who).await == amount {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

#[tokio::test]
async fn batch_commit_crash_restart_reveal_claim() {
    let w = world().await;
    let args = BatchStandIn::constructorCall {
        collateral_: w.collateral,
        debt_: w.debt,
        bond_: e18(10),
        minBid_: U256::from(1u8),
        commitWindow_: U256::from(600u32),
        revealWindow_: U256::from(600u32),
    }
    .abi_encode();
    let house = deploy(&w.admin, &w.code["BatchStandIn"], args).await;
    w.admin
        .send(
            w.collateral,
            IERC20::approveCall {
                spender: house,
                amount: U256::MAX,
            },
        )
        .await
        .unwrap();
    w.admin
        .send(house, BatchStandIn::openCall { lot: e18(5) })
        .await
        .unwrap();
    let id = U256::from(1u8);
    let config = w.config(&format!(
        "[batch]\naddress = \"{house}\"\nbudget = \"50000e18\"\nmargin_bps = 500\n"
    ));
    let debt_start = balance(&w.admin, w.debt, w.keeper).await;

    // 1. The keeper persists its bid and is killed (SIGKILL) before sending the commit.
    let mut child = w
        .command(&config, &["--halt-after-persist"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("GAVEL_KEEPER_HALTED") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    let halted = rx.recv_timeout(Duration::from_secs(120));
    child.kill().unwrap();
    child.wait().unwrap();
    let halted = halted.expect("the keeper never reached the persist point");
    eprintln!("{halted}");

    let preview = w
        .admin
        .view(
            house,
            IBatchAuction::previewCall {
                batch_id: id,
                bidder: w.keeper,
            },
            "IBatchAuction",
        )
        .await
        .unwrap();
    assert_eq!(
        preview._0,
        U256::ZERO,
        "nothing was committed before the crash"
    );
    assert_eq!(balance(&w.admin, w.debt, w.keeper).await, debt_start);
    let persisted = {
        let store = BidStore::open(&w.data_dir()).unwrap();
        let bids = store.all().unwrap();
        assert_eq!(bids.len(), 1);
        bids[0].clone()
    };
    assert_eq!(persisted.state, BidState::Persisted);
    assert_eq!(persisted.price, ray(1900));
    assert_eq!(persisted.amount, e18(5));
    assert_eq!(
        persisted.commitment,
        commitment(
            id,
            w.keeper,
            persisted.amount,
            persisted.price,
            persisted.salt
        )
    );
    assert!(halted.contains(&persisted.commitment.to_string()));

    // 2. Restart: the persisted bid is committed (once).
    let log = w.pass(&config, &[]);
    assert!(log.contains("batch: committed"), "{log}");
    let on_chain = w
        .admin
        .view(
            house,
            IBatchAuction::commitmentOfCall {
                batch_id: id,
                bidder: w.keeper,
                n: U256::ZERO,
            },
            "IBatchAuction",
        )
        .await
        .unwrap();
    assert_eq!(on_chain._0, persisted.commitment);
    assert_eq!(on_chain._1, e18(9_500));
    // A second pass in the commit window sends nothing more.
    w.pass(&config, &[]);
    let preview = w
        .admin
        .view(
            house,
            IBatchAuction::previewCall {
                batch_id: id,
                bidder: w.keeper,
            },
            "IBatchAuction",
        )
        .await
        .unwrap();
    assert_eq!(preview._0, U256::from(1u8));

    // 3. Reveal window: the keeper reveals with the stored salt.
    warp(&w.admin, 600).await;
    let log = w.pass(&config, &[]);
    assert!(log.contains("batch: revealed"), "{log}");
    let on_chain = w
        .admin
        .view(
            house,
            IBatchAuction::commitmentOfCall {
                batch_id: id,
                bidder: w.keeper,
                n: U256::ZERO,
            },
            "IBatchAuction",
        )
        .await
        .unwrap();
    assert_eq!(on_chain._2, U256::from(1u8), "revealed");
    assert_eq!(on_chain._4, ray(1900));

    // 4. After the reveal window: settle and claim.
    warp(&w.admin, 600).await;
    let log = w.pass(&config, &[]);
    assert!(
        log.contains("batch: settled") && log.contains("batch: claimed"),
        "{log}"
    );
    assert_eq!(balance(&w.admin, w.collateral, w.keeper).await, e18(5));
    assert_eq!(
        debt_start - balance(&w.admin, w.debt, w.keeper).await,
        e18(9_500),
        "paid 5 at 1900"
    );
    let store = BidStore::open(&w.data_dir()).unwrap();
    let done = store.all().unwrap().pop().unwrap();
    assert_eq!(done.state, BidState::Claimed);
    assert_eq!(done.salt, persisted.salt);
    assert_eq!(done.claimed, Some((e18(5), e18(9_500), U256::ZERO)));
    drop(store);

    // 5. A dry run on a new batch: it would bid, but sends and stores nothing.
    w.admin
        .send(house, BatchStandIn::openCall { lot: e18(5) })
        .await
        .unwrap();
    let log = w.pass(&config, &["--dry-run"]);
    assert!(log.contains("dry run: would commit"), "{log}");
    let preview = w
        .admin
        .view(
            house,
            IBatchAuction::previewCall {
                batch_id: U256::from(2u8),
                bidder: w.keeper,
            },
            "IBatchAuction",
        )
        .await
        .unwrap();
    assert_eq!(preview._0, U256::ZERO);
    assert_eq!(
        BidStore::open(&w.data_dir()).unwrap().all().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn clear_errors_for_wrong_chain_unreachable_rpc_wrong_contract_and_no_key() {
    let w = world().await;
    let args = BatchStandIn::constructorCall {
        collateral_: w.collateral,
        debt_: w.debt,
        bond_: e18(10),
        minBid_: U256::from(1u8),
        commitWindow_: U256::from(600u32),
        revealWindow_: U256::from(600u32),
    }
    .abi_encode();
    let house = deploy(&w.admin, &w.code["BatchStandIn"], args).await;
    let config = w.config(&format!(
        "[batch]\naddress = \"{house}\"\nbudget = \"50000e18\"\n"
    ));
    let fails = |extra: &[&str], expected: &str| {
        let out = w.run_once(&config, extra);
        let log = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(!out.status.success(), "expected a failure for {extra:?}");
        assert!(log.contains(expected), "expected {expected:?} in:\n{log}");
        assert!(
            !log.contains(&KEEPER_KEY[2..]),
            "the key must never be logged"
        );
    };
    fails(
        &["--chain-id", "42161"],
        "wrong chain: the RPC endpoint serves chain id 31337, the configuration expects 42161",
    );
    let closed = format!("http://127.0.0.1:{}", free_port());
    fails(&["--rpc-url", &closed], "is unreachable");
    let token = w.collateral.to_string();
    fails(
        &["--batch", &token],
        "does not answer the IBatchAuction ABI",
    );
    let eoa = w.keeper.to_string();
    fails(&["--batch", &eoa], "no code at this address");
    let out = w
        .command(&config, &["--once"])
        .env_remove("GAVEL_KEEPER_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("no private key: set the environment variable GAVEL_KEEPER_KEY"));
    // A dry run needs no key.
    let out = w
        .command(&config, &["--once", "--dry-run"])
        .env_remove("GAVEL_KEEPER_KEY")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

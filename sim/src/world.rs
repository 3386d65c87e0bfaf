//! The on-chain world: the real gavel contracts (lending market, liquidation engine, Dutch and
//! batch houses, solvency module) with mock WETH, DAI and price feed, deployed and wired as
//! `script/Deploy.s.sol` does, running natively through motsu on the calling thread.

use alloy_primitives::{Address, FixedBytes, I256, U256};
use batch_auction::BatchAuction;
use dutch_auction::DutchAuction;
use gavel_common::clock;
use lending_market::LendingMarket;
use liquidation_engine::LiquidationEngine;
use mock_erc20::MockERC20;
use mock_oracle::MockOracle;
use motsu::prelude::*;
use solvency_module::SolvencyModule;

use crate::scenario::{Config, Strategy};

/// Block time at the start of every run.
pub const T0: u64 = 1_700_000_000;

/// An account address from a number (distinct ranges per role).
pub fn addr(n: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[19] = 0x5a;
    Address::from(bytes)
}

/// The admin (deployer) of every contract.
pub const ADMIN: u64 = 1;
/// The lender who funds the market.
pub const LENDER: u64 = 2;
/// The bot that calls `liquidate`, `sync`, `settle` and `fallbackToDutch`.
pub const KICKER: u64 = 3;
/// Where collateral sold into the external pool goes.
pub const POOL: u64 = 4;
/// Keepers are `KEEPER + i`.
pub const KEEPER: u64 = 10_000;
/// Bidders are `BIDDER + i`.
pub const BIDDER: u64 = 20_000;
/// Borrowers are `BORROWER + i`.
pub const BORROWER: u64 = 100_000;

/// `x` whole tokens (18 decimals) in base units, rounded down.
pub fn wad(x: f64) -> U256 {
    U256::from((x.max(0.0) * 1e18) as u128)
}

/// A RAY factor from a fraction (rounded to 9 decimals: the Dutch house stores WADs).
pub fn ray_factor(x: f64) -> U256 {
    U256::from((x * 1e9).round() as u128) * U256::from(1_000_000_000_000_000_000u128)
}

/// A RAY price (debt base units per collateral base unit × 1e27) from whole tokens, rounded
/// down to 1e-9 of a debt token.
pub fn ray_price(x: f64) -> U256 {
    U256::from((x.max(0.0) * 1e9) as u128) * U256::from(1_000_000_000_000_000_000u128)
}

/// Base units to whole tokens.
pub fn tokens(x: U256) -> f64 {
    u128::try_from(x)
        .map(|v| v as f64 / 1e18)
        .unwrap_or(f64::INFINITY)
}

/// A RAY price to whole debt tokens per whole collateral token.
pub fn price_of(x: U256) -> f64 {
    u128::try_from(x)
        .map(|v| v as f64 / 1e27)
        .unwrap_or(f64::INFINITY)
}

/// Unwraps a contract call that must succeed; the panic names the call and the revert data.
///
/// Every state-changing call goes through [`must`] or `motsu_res()`: motsu rolls a failed
/// call's writes back only then.
pub fn must<T, E: Into<Vec<u8>> + core::fmt::Debug>(result: Result<T, E>, what: &str) -> T {
    match result.motsu_res() {
        Ok(value) => value,
        Err(error) => panic!("{what} reverted: {}", revert_text(&error.into())),
    }
}

/// Revert data as text: the selector, then each argument word as a short string when it is
/// one (gavel's `InvalidParameter` names the parameter in a `bytes32`), else as a number.
/// `0xee9c4b15(kickWindow, 1800)`.
pub fn revert_text(data: &[u8]) -> String {
    if data.len() < 4 {
        return format!(
            "0x{}",
            data.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
    }
    let selector: String = data[..4].iter().map(|b| format!("{b:02x}")).collect();
    let words: Vec<String> = data[4..]
        .chunks(32)
        .map(|word| {
            let text_len = word.iter().position(|b| *b == 0).unwrap_or(word.len());
            let is_text = text_len > 0
                && word[..text_len].iter().all(|b| b.is_ascii_graphic())
                && word[text_len..].iter().all(|b| *b == 0);
            if is_text && word.len() == 32 {
                String::from_utf8_lossy(&word[..text_len]).to_string()
            } else {
                U256::from_be_slice(word).to_string()
            }
        })
        .collect();
    format!("0x{selector}({})", words.join(", "))
}

/// The selector of a revert, for counting failure reasons.
pub fn selector_of<E: Into<Vec<u8>>>(error: E) -> [u8; 4] {
    let data: Vec<u8> = error.into();
    let mut s = [0u8; 4];
    for (i, b) in data.iter().take(4).enumerate() {
        s[i] = *b;
    }
    s
}

/// Every contract of one deployment.
pub struct World {
    /// Collateral token.
    pub weth: Contract<MockERC20>,
    /// Debt token.
    pub dai: Contract<MockERC20>,
    /// Price feed (8 decimals).
    pub oracle: Contract<MockOracle>,
    /// Solvency module.
    pub solvency: Contract<SolvencyModule>,
    /// Dutch house.
    pub dutch: Contract<DutchAuction>,
    /// Batch house.
    pub batch: Contract<BatchAuction>,
    /// Liquidation engine.
    pub engine: Contract<LiquidationEngine>,
    /// Example lending market.
    pub market: Contract<LendingMarket>,
    /// Deployer and admin.
    pub admin: Address,
}

impl World {
    /// Deploys and wires everything for `strategy` (the engine's routing per strategy), seeds
    /// the insurance fund with `cfg.fund` and sets the feed to `price`.
    pub fn new(cfg: &Config, strategy: Strategy, price: f64) -> World {
        clock::set(T0);
        let admin = addr(ADMIN);
        let w = World {
            weth: Contract::new_at(addr(1_001)),
            dai: Contract::new_at(addr(1_002)),
            oracle: Contract::new_at(addr(1_003)),
            solvency: Contract::new_at(addr(1_004)),
            dutch: Contract::new_at(addr(1_005)),
            batch: Contract::new_at(addr(1_006)),
            engine: Contract::new_at(addr(1_007)),
            market: Contract::new_at(addr(1_008)),
            admin,
        };
        w.weth
            .sender(admin)
            .constructor("Wrapped Ether".into(), "WETH".into(), 18);
        w.dai
            .sender(admin)
            .constructor("Dai".into(), "DAI".into(), 18);
        must(
            w.oracle
                .sender(admin)
                .constructor(admin, 8, "WETH / DAI".into(), answer(price)),
            "oracle constructor",
        );
        must(
            w.solvency.sender(admin).constructor(
                admin,
                w.dai.address(),
                U256::ZERO,
                U256::ZERO,
                U256::from(cfg.socialization_delay),
                wad(cfg.dutch.tip + cfg.dutch.chip * 1_000_000.0),
            ),
            "solvency constructor",
        );
        let (weth, dai, oracle, solvency) = (
            w.weth.address(),
            w.dai.address(),
            w.oracle.address(),
            w.solvency.address(),
        );
        must(
            w.dutch
                .sender(admin)
                .constructor(admin, weth, dai, oracle, solvency),
            "dutch",
        );
        must(
            w.batch
                .sender(admin)
                .constructor(admin, weth, dai, oracle, solvency),
            "batch",
        );
        must(
            w.engine.sender(admin).constructor(admin, solvency),
            "engine constructor",
        );
        must(
            w.market.sender(admin).constructor(
                admin,
                weth,
                dai,
                oracle,
                w.engine.address(),
                solvency,
                wad(cfg.lltv),
                U256::from(3_600u64),
            ),
            "market constructor",
        );

        // Roles, as script/Deploy.s.sol wires them.
        must(
            w.solvency
                .sender(admin)
                .set_kicker(w.engine.address(), true),
            "setKicker",
        );
        must(
            w.solvency.sender(admin).set_house(w.dutch.address(), true),
            "setHouse dutch",
        );
        must(
            w.solvency.sender(admin).set_house(w.batch.address(), true),
            "setHouse batch",
        );
        must(
            w.dutch.sender(admin).set_kicker(w.engine.address(), true),
            "dutch setKicker",
        );
        must(
            w.batch.sender(admin).set_kicker(w.engine.address(), true),
            "batch setKicker",
        );
        must(
            w.engine
                .sender(admin)
                .set_protocol(w.market.address(), true),
            "setProtocol",
        );

        // Dutch house.
        let d = &cfg.dutch;
        let file = |what: &str, value: U256| {
            let mut key = [0u8; 32];
            key[..what.len()].copy_from_slice(what.as_bytes());
            must(w.dutch.sender(admin).file(FixedBytes(key), value), what);
        };
        file("buf", ray_factor(d.buf));
        file("tail", U256::from(d.tail));
        file("cusp", ray_factor(d.cusp));
        file("floor", ray_factor(d.floor));
        file("chip", wad(d.chip));
        file("tip", wad(d.tip));
        file("dust", wad(cfg.dust));
        file("maxAge", U256::from(3_600u64));
        let (cut, period) = match d.kind {
            1 => (U256::ZERO, U256::from(d.step)),
            2 => (ray_factor(d.cut), U256::from(d.step)),
            _ => (ray_factor(d.cut), U256::ZERO),
        };
        must(
            w.dutch
                .sender(admin)
                .set_curve(U256::from(d.kind), cut, period),
            "setCurve",
        );

        // Batch house: one commitment per bidder per batch.
        let b = &cfg.batch;
        must(
            w.batch.sender(admin).set_params(
                U256::from(b.kick_window),
                U256::from(b.commit_window),
                U256::from(b.reveal_window),
                U256::from((cfg.bidders.max(1) as u64).min(batch_auction::MAX_BIDS_LIMIT)),
                ray_factor(b.reserve),
                wad(b.bond),
                wad(0.001),
                U256::from(3_600u64),
            ),
            "batch setParams",
        );

        // Engine routing per strategy.
        let (threshold, illiquid) = match strategy {
            Strategy::Batch => (0.0, true),
            Strategy::Hybrid => (cfg.batch_threshold, false),
            Strategy::Dutch | Strategy::Dump => (0.0, false),
        };
        must(
            w.engine.sender(admin).set_collateral(
                weth,
                w.dutch.address(),
                w.batch.address(),
                wad(cfg.penalty),
                wad(cfg.hole),
                wad(cfg.dust),
                wad(threshold),
                illiquid,
            ),
            "setCollateral",
        );
        must(w.engine.sender(admin).set_hole(wad(cfg.hole)), "setHole");

        // The insurance fund.
        let fund = wad(cfg.fund);
        must(w.dai.sender(admin).mint(admin, fund), "mint fund");
        must(w.dai.sender(admin).approve(solvency, fund), "approve fund");
        must(w.solvency.sender(admin).deposit(fund), "deposit fund");
        w
    }

    /// The feed answers `price` (whole DAI per WETH), updated now.
    pub fn set_price(&self, price: f64) {
        must(
            self.oracle
                .sender(self.admin)
                .set_answer(answer(price), U256::from(clock::now(0))),
            "setAnswer",
        );
    }

    /// `lender` supplies `amount` base units of DAI to the market.
    pub fn supply(&self, lender: Address, amount: U256) {
        must(self.dai.sender(lender).mint(lender, amount), "mint supply");
        must(
            self.dai
                .sender(lender)
                .approve(self.market.address(), amount),
            "approve supply",
        );
        must(self.market.sender(lender).supply(amount), "supply");
    }

    /// `who` deposits `collateral` and borrows `debt` (base units).
    pub fn open_position(&self, who: Address, collateral: U256, debt: U256) {
        must(
            self.weth.sender(who).mint(who, collateral),
            "mint collateral",
        );
        must(
            self.weth
                .sender(who)
                .approve(self.market.address(), collateral),
            "approve",
        );
        must(
            self.market.sender(who).deposit_collateral(collateral),
            "depositCollateral",
        );
        must(self.market.sender(who).borrow(debt, who), "borrow");
    }

    /// The insurance fund (`books().0`).
    pub fn fund(&self) -> U256 {
        self.solvency.sender(self.admin).books().0
    }
}

/// A feed answer (8 decimals) for a whole-token price.
pub fn answer(price: f64) -> I256 {
    I256::try_from((price * 1e8).round() as i128).unwrap_or(I256::ONE)
}

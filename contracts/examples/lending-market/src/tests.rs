//! Tests of the lending market with the real mock ERC-20s, the real mock oracle, the real
//! solvency module and a small **engine test double** ([`EngineDouble`], below) in place of
//! gavel's liquidation engine (the end-to-end tests in `contracts/e2e` run the real engine).
//!
//! Conventions: every failing call goes through `motsu_unwrap_err` (which reverts the VM state
//! as a real transaction would) and is compared byte for byte with its `sol!` error's
//! `abi_encode()`; "nothing changed" compares a full [`Snapshot`] before and after.

use alloy_primitives::{Address, I256, U256};
use alloy_sol_types::{SolError, SolValue};
use mock_erc20::MockERC20;
use mock_oracle::MockOracle;
use motsu::prelude::*;
use solvency_module::SolvencyModule;
use stylus_sdk::{
    prelude::*,
    storage::{StorageAddress, StorageFixedBytes, StorageU256},
};

use super::*;

pub(crate) const E18: u128 = 1_000_000_000_000_000_000;
pub(crate) const E8: i128 = 100_000_000;
/// 80% liquidation LTV.
pub(crate) const LLTV: u128 = 800_000_000_000_000_000;
pub(crate) const MAX_AGE: u64 = 3_600;
pub(crate) const DAY: u64 = 24 * 60 * 60;
/// The house address the engine double reports.
pub(crate) const HOUSE: Address = Address::new([0x40; 20]);
/// The auction id the engine double reports.
pub(crate) const AUCTION_ID: u64 = 3;

pub(crate) fn w(x: u128) -> U256 {
    U256::from(x)
}

// ----- the engine test double -----------------------------------------------------------------

/// **Test double** of gavel's liquidation engine: `liquidate` records its arguments, pulls the
/// collateral it takes from its caller with `transferFrom` and answers `(liquidationId, HOUSE,
/// AUCTION_ID, collateralTaken, debtTaken)`. By default it takes everything offered; `setTake`
/// makes it take a part, report more than offered, revert, or call back into the market.
#[storage]
pub struct EngineDouble {
    calls: StorageU256,
    caller: StorageAddress,
    collateral_token: StorageAddress,
    collateral_amount: StorageU256,
    debt_amount: StorageU256,
    borrower: StorageAddress,
    keeper: StorageAddress,
    /// Collateral and debt to take; both zero: everything offered.
    take_collateral: StorageU256,
    take_debt: StorageU256,
    /// 0 normal, 1 revert with `EngineRefused()`, 2 re-enter the market's `settle()`.
    mode: StorageU256,
    next_id: StorageU256,
    reentry_error: StorageFixedBytes<4>,
}

/// `EngineRefused()`: what the double reverts with in mode 1.
pub(crate) const ENGINE_REFUSED: [u8; 4] = [0xee, 0xee, 0x00, 0x01];

#[public]
impl EngineDouble {
    pub fn liquidate(
        &mut self,
        collateral: Address,
        collateral_amount: U256,
        debt_amount: U256,
        borrower: Address,
        keeper: Address,
    ) -> Result<(U256, Address, U256, U256, U256), Vec<u8>> {
        let market = self.vm().msg_sender();
        match self.mode.get().to::<u8>() {
            1 => return Err(ENGINE_REFUSED.to_vec()),
            2 => {
                let answer =
                    gavel_common::erc20::call(self.vm(), market, &selector!("settle"), false);
                let error = answer.err().unwrap_or_default();
                let first: [u8; 4] = error
                    .get(..4)
                    .and_then(|s| s.try_into().ok())
                    .unwrap_or_default();
                self.reentry_error.set(first.into());
            }
            _ => {}
        }
        self.calls.set(self.calls.get() + U256::from(1));
        self.caller.set(market);
        self.collateral_token.set(collateral);
        self.collateral_amount.set(collateral_amount);
        self.debt_amount.set(debt_amount);
        self.borrower.set(borrower);
        self.keeper.set(keeper);
        let (mut take_collateral, mut take_debt) =
            (self.take_collateral.get(), self.take_debt.get());
        if take_collateral.is_zero() && take_debt.is_zero() {
            (take_collateral, take_debt) = (collateral_amount, debt_amount);
        }
        let me = self.vm().contract_address();
        let pull = take_collateral.min(collateral_amount);
        gavel_common::erc20::safe_transfer_from(self.vm(), collateral, market, me, pull)
            .map_err(|_| b"pull failed".to_vec())?;
        let id = self.next_id.get() + U256::from(1);
        self.next_id.set(id);
        Ok((
            id,
            HOUSE,
            U256::from(AUCTION_ID),
            take_collateral,
            take_debt,
        ))
    }

    #[selector(name = "setTake")]
    pub fn set_take(&mut self, collateral: U256, debt: U256, mode: U256) {
        self.take_collateral.set(collateral);
        self.take_debt.set(debt);
        self.mode.set(mode);
    }

    #[selector(name = "setNextId")]
    pub fn set_next_id(&mut self, next: U256) {
        self.next_id.set(next);
    }

    /// calls, collateral offered, debt offered.
    pub fn seen(&self) -> (U256, U256, U256) {
        (
            self.calls.get(),
            self.collateral_amount.get(),
            self.debt_amount.get(),
        )
    }

    /// caller, collateral token, borrower, keeper.
    pub fn parties(&self) -> (Address, Address, Address, Address) {
        (
            self.caller.get(),
            self.collateral_token.get(),
            self.borrower.get(),
            self.keeper.get(),
        )
    }

    #[selector(name = "reentryError")]
    pub fn reentry_error(&self) -> [u8; 4] {
        self.reentry_error.get().0
    }
}

unsafe impl TopLevelStorage for EngineDouble {}

/// **Test double** of an engine that answers `liquidate` with two words instead of five.
#[storage]
pub struct ShortEngine {}

#[public]
impl ShortEngine {
    pub fn liquidate(
        &mut self,
        _collateral: Address,
        _collateral_amount: U256,
        _debt_amount: U256,
        _borrower: Address,
        _keeper: Address,
    ) -> (U256, U256) {
        (U256::from(1), U256::from(2))
    }
}

unsafe impl TopLevelStorage for ShortEngine {}

// ----- the world ------------------------------------------------------------------------------

/// A deployed market: WETH (18 decimals) against DAI (18 decimals), an 8-decimal feed at
/// 2,000 DAI per WETH, LLTV 80%, max age 1 h, the real solvency module and the engine double.
pub(crate) struct World<'a> {
    pub market: &'a Contract<LendingMarket>,
    pub weth: &'a Contract<MockERC20>,
    pub dai: &'a Contract<MockERC20>,
    pub oracle: &'a Contract<MockOracle>,
    pub module: &'a Contract<SolvencyModule>,
    pub engine: &'a Contract<EngineDouble>,
    pub admin: Address,
}

impl<'a> World<'a> {
    pub fn new(
        market: &'a Contract<LendingMarket>,
        weth: &'a Contract<MockERC20>,
        dai: &'a Contract<MockERC20>,
        oracle: &'a Contract<MockOracle>,
        module: &'a Contract<SolvencyModule>,
        engine: &'a Contract<EngineDouble>,
        admin: Address,
    ) -> Self {
        gavel_common::clock::set(1_800_000_000);
        weth.sender(admin)
            .constructor("Wrapped Ether".into(), "WETH".into(), 18);
        dai.sender(admin)
            .constructor("Dai".into(), "DAI".into(), 18);
        oracle
            .sender(admin)
            .constructor(
                admin,
                8,
                "ETH / DAI".into(),
                I256::try_from(2_000 * E8).unwrap(),
            )
            .motsu_unwrap();
        module
            .sender(admin)
            .constructor(
                admin,
                dai.address(),
                U256::ZERO,
                U256::ZERO,
                U256::from(DAY),
                U256::ZERO,
            )
            .motsu_unwrap();
        let world = World {
            market,
            weth,
            dai,
            oracle,
            module,
            engine,
            admin,
        };
        world.deploy(market).motsu_unwrap();
        world
    }

    /// Deploys `market` with this world's parameters.
    pub fn deploy(&self, market: &Contract<LendingMarket>) -> Result<(), Error> {
        market.sender(self.admin).constructor(
            self.admin,
            self.weth.address(),
            self.dai.address(),
            self.oracle.address(),
            self.engine.address(),
            self.module.address(),
            w(LLTV),
            U256::from(MAX_AGE),
        )
    }

    pub fn now(&self) -> u64 {
        gavel_common::clock::now(0)
    }

    /// The feed answers `price` whole DAI per WETH (8 decimals), updated now.
    pub fn set_price(&self, price: i128) {
        self.set_answer(price * E8, self.now());
    }

    pub fn set_answer(&self, answer: i128, updated_at: u64) {
        self.oracle
            .sender(self.admin)
            .set_answer(I256::try_from(answer).unwrap(), U256::from(updated_at))
            .motsu_unwrap();
    }

    pub fn mint(&self, token: &Contract<MockERC20>, to: Address, amount: u128) {
        token.sender(to).mint(to, w(amount)).motsu_unwrap();
    }

    /// `who` supplies `amount` DAI (minted and approved first).
    pub fn supply(&self, who: Address, amount: u128) -> U256 {
        self.mint(self.dai, who, amount);
        self.dai
            .sender(who)
            .approve(self.market.address(), w(amount))
            .motsu_unwrap();
        self.market.sender(who).supply(w(amount)).motsu_unwrap()
    }

    /// `who` deposits `collateral` WETH (minted and approved first).
    pub fn deposit(&self, who: Address, collateral: u128) {
        self.mint(self.weth, who, collateral);
        self.weth
            .sender(who)
            .approve(self.market.address(), w(collateral))
            .motsu_unwrap();
        self.market
            .sender(who)
            .deposit_collateral(w(collateral))
            .motsu_unwrap();
    }

    /// `who` deposits `collateral` WETH and borrows `debt` DAI to itself.
    pub fn open(&self, who: Address, collateral: u128, debt: u128) {
        self.deposit(who, collateral);
        self.market.sender(who).borrow(w(debt), who).motsu_unwrap();
    }

    pub fn balance(&self, token: &Contract<MockERC20>, who: Address) -> U256 {
        token.sender(who).balance_of(who)
    }

    pub fn position(&self, who: Address) -> (U256, U256, U256) {
        self.market.sender(who).position(who)
    }

    pub fn totals(&self) -> (U256, U256, U256, U256, U256) {
        self.market.sender(self.admin).totals()
    }

    /// Everything observable about the market and `accounts`.
    pub fn snapshot(&self, accounts: &[Address]) -> Snapshot {
        let view = self.market.sender(self.admin);
        let mut holders = accounts.to_vec();
        holders.push(self.market.address());
        holders.push(self.engine.address());
        Snapshot {
            totals: view.totals(),
            positions: accounts.iter().map(|a| view.position(*a)).collect(),
            owner: (view.owner(), view.pending_owner()),
            params: view.params_word(),
            balances: holders
                .iter()
                .map(|a| (self.balance(self.dai, *a), self.balance(self.weth, *a)))
                .collect(),
            engine_calls: self.engine.sender(self.admin).seen().0,
        }
    }
}

impl LendingMarket {
    /// The raw `params` word (tests only).
    pub(crate) fn params_word(&self) -> U256 {
        self.sload(&PARAMS)
    }
}

/// Everything observable, for "nothing changed" checks.
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub totals: (U256, U256, U256, U256, U256),
    pub positions: Vec<(U256, U256, U256)>,
    pub owner: (Address, Address),
    pub params: U256,
    pub balances: Vec<(U256, U256)>,
    pub engine_calls: U256,
}

/// Asserts `result` failed with exactly `expected` (and reverts the call's state).
#[track_caller]
pub(crate) fn fails<T: core::fmt::Debug, E: SolError>(result: Result<T, Error>, expected: E) {
    let error = result.motsu_unwrap_err();
    assert_eq!(
        error.data(),
        &expected.abi_encode()[..],
        "expected {}",
        E::SIGNATURE
    );
}

macro_rules! world {
    ($market:ident, $weth:ident, $dai:ident, $oracle:ident, $module:ident, $engine:ident, $admin:ident) => {
        World::new(
            &$market, &$weth, &$dai, &$oracle, &$module, &$engine, $admin,
        )
    };
}

// ----- selectors and constants ----------------------------------------------------------------

#[test]
fn call_selectors_match_their_signatures() {
    use alloy_primitives::keccak256;
    let sel = |s: &str| <[u8; 4]>::try_from(&keccak256(s.as_bytes())[..4]).unwrap();
    assert_eq!(
        ENGINE_LIQUIDATE,
        sel("liquidate(address,uint256,uint256,address,address)")
    );
    assert_eq!(BENEFICIARY_TOTALS, sel("beneficiaryTotals(address)"));
    assert_eq!(MODULE_TOKEN, sel("token()"));
    assert_eq!(LATEST_ROUND_DATA, sel("latestRoundData()"));
    assert_eq!(DECIMALS, sel("decimals()"));
    assert_eq!(
        SafeErc20FailedOperation::SELECTOR,
        gavel_common::erc20::FAILED_OPERATION
    );
    // The market answers the solvency module's ILossAbsorber call.
    assert_eq!(
        <absorbLossCall as alloy_sol_types::SolCall>::SELECTOR,
        sel("absorbLoss(uint256)")
    );
}

alloy_sol_types::sol! {
    function absorbLoss(uint256 amount) external;
}

#[test]
fn storage_slots_are_the_documented_namespace() {
    use alloy_primitives::keccak256;
    assert_eq!(
        PARAMS,
        U256::from_be_bytes(keccak256("gavel.lending-market").0)
    );
    assert_eq!(POSITIONS, PARAMS + U256::from(13));
}

// ----- deployment -----------------------------------------------------------------------------

#[motsu::test]
fn constructor_stores_everything_and_logs_it(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    let view = market.sender(admin);
    assert_eq!(view.owner(), admin);
    assert_eq!(view.pending_owner(), Address::ZERO);
    assert_eq!(view.collateral_token(), weth.address());
    assert_eq!(view.debt_token(), dai.address());
    assert_eq!(view.oracle(), oracle.address());
    assert_eq!(view.engine(), engine.address());
    assert_eq!(view.solvency(), module.address());
    assert_eq!(view.lltv(), w(LLTV));
    assert_eq!(view.max_oracle_age(), U256::from(MAX_AGE));
    assert_eq!(view.totals(), Default::default());
    // 2,000 DAI per WETH: 2,000 base units per base unit, in RAY.
    assert_eq!(view.price().motsu_unwrap(), w(2_000) * RAY);
    market.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: admin,
    });
    market.assert_emitted(&MarketCreated {
        collateralToken: weth.address(),
        debtToken: dai.address(),
        oracle: oracle.address(),
        engine: engine.address(),
        solvency: module.address(),
        lltv: w(LLTV),
        maxOracleAge: U256::from(MAX_AGE),
    });
    let _ = m;
}

#[motsu::test]
fn constructor_refuses_every_bad_parameter(
    market: Contract<LendingMarket>,
    other: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    wide: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    weth_module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    someone: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    wide.sender(admin)
        .constructor("Wide".into(), "WIDE".into(), 37);
    weth_module
        .sender(admin)
        .constructor(
            admin,
            weth.address(),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap();
    let (c, d, o, e, s) = (
        weth.address(),
        dai.address(),
        oracle.address(),
        engine.address(),
        module.address(),
    );
    let deploy = |admin_: Address, addrs: [Address; 5], lltv: U256, age: u64| {
        other.sender(admin).constructor(
            admin_,
            addrs[0],
            addrs[1],
            addrs[2],
            addrs[3],
            addrs[4],
            lltv,
            U256::from(age),
        )
    };
    let good = [c, d, o, e, s];
    fails(
        deploy(Address::ZERO, good, w(LLTV), MAX_AGE),
        OwnableInvalidOwner {
            owner: Address::ZERO,
        },
    );
    fails(
        deploy(admin, good, U256::ZERO, MAX_AGE),
        InvalidLltv { lltv: U256::ZERO },
    );
    fails(
        deploy(admin, good, w(E18), MAX_AGE),
        InvalidLltv { lltv: w(E18) },
    );
    fails(
        deploy(admin, good, w(LLTV), 0),
        InvalidMaxOracleAge {
            maxOracleAge: U256::ZERO,
        },
    );
    let too_old = MAX_ORACLE_AGE + 1;
    fails(
        deploy(admin, good, w(LLTV), too_old),
        InvalidMaxOracleAge {
            maxOracleAge: U256::from(too_old),
        },
    );
    for index in 0..5 {
        let mut addrs = good;
        addrs[index] = Address::ZERO;
        fails(
            deploy(admin, addrs, w(LLTV), MAX_AGE),
            InvalidAddress {
                account: Address::ZERO,
            },
        );
        // An account without code.
        addrs[index] = someone;
        fails(
            deploy(admin, addrs, w(LLTV), MAX_AGE),
            InvalidAddress { account: someone },
        );
    }
    fails(
        deploy(admin, [c, c, o, e, s], w(LLTV), MAX_AGE),
        InvalidAddress { account: c },
    );
    // A solvency module for another token.
    let wrong = weth_module.address();
    fails(
        deploy(admin, [c, d, o, e, wrong], w(LLTV), MAX_AGE),
        InvalidAddress { account: wrong },
    );
    let wide_address = wide.address();
    fails(
        deploy(admin, [wide_address, d, o, e, s], w(LLTV), MAX_AGE),
        UnsupportedDecimals {
            target: wide_address,
            decimals: U256::from(37),
        },
    );
    // The boundaries are accepted.
    deploy(admin, good, w(E18 - 1), MAX_ORACLE_AGE).motsu_unwrap();
    assert_eq!(other.sender(admin).lltv(), w(E18 - 1));
    let _ = m;
}

#[motsu::test]
fn price_scales_by_all_three_decimals(
    market: Contract<LendingMarket>,
    wbtc_market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    wbtc: Contract<MockERC20>,
    usdc: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    btc_oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    usdc_module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    wbtc.sender(admin)
        .constructor("Wrapped BTC".into(), "WBTC".into(), 8);
    usdc.sender(admin)
        .constructor("USD Coin".into(), "USDC".into(), 6);
    // 60,000 USDC per BTC, answered with 18 decimals.
    let answer = I256::try_from(60_000u128 * E18).unwrap();
    btc_oracle
        .sender(admin)
        .constructor(admin, 18, "BTC / USD".into(), answer)
        .motsu_unwrap();
    usdc_module
        .sender(admin)
        .constructor(
            admin,
            usdc.address(),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap();
    wbtc_market
        .sender(admin)
        .constructor(
            admin,
            wbtc.address(),
            usdc.address(),
            btc_oracle.address(),
            engine.address(),
            usdc_module.address(),
            w(LLTV),
            U256::from(MAX_AGE),
        )
        .motsu_unwrap();
    // One satoshi is worth 0.0006 USDC = 600 base units: exponent 27 + 6 - 8 - 18 = 7.
    let price = wbtc_market.sender(admin).price().motsu_unwrap();
    assert_eq!(price, w(600) * RAY);
    // 1 WBTC against 60,000 USDC at 80%: at most 48,000 USDC.
    wbtc.sender(alice)
        .mint(alice, w(100_000_000))
        .motsu_unwrap();
    wbtc.sender(alice)
        .approve(wbtc_market.address(), w(100_000_000))
        .motsu_unwrap();
    wbtc_market
        .sender(alice)
        .deposit_collateral(w(100_000_000))
        .motsu_unwrap();
    usdc.sender(admin)
        .mint(admin, w(100_000 * 1_000_000))
        .motsu_unwrap();
    usdc.sender(admin)
        .approve(wbtc_market.address(), w(100_000 * 1_000_000))
        .motsu_unwrap();
    wbtc_market
        .sender(admin)
        .supply(w(100_000 * 1_000_000))
        .motsu_unwrap();
    fails(
        wbtc_market
            .sender(alice)
            .borrow(w(48_000 * 1_000_000 + 1), alice),
        Unhealthy {
            debt: w(48_000 * 1_000_000 + 1),
            maxDebt: w(48_000 * 1_000_000),
        },
    );
    wbtc_market
        .sender(alice)
        .borrow(w(48_000 * 1_000_000), alice)
        .motsu_unwrap();
    assert_eq!(
        wbtc_market
            .sender(alice)
            .health_factor(alice)
            .motsu_unwrap(),
        w(E18)
    );
    let _ = m;
}

#[motsu::test]
fn the_feed_must_be_positive_and_fresh(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 1_000 * E18);
    let now = m.now();
    let borrow = || market.sender(alice).borrow(w(1), alice);
    m.set_answer(0, now);
    fails(
        market.sender(alice).price(),
        InvalidPrice { answer: I256::ZERO },
    );
    fails(borrow(), InvalidPrice { answer: I256::ZERO });
    m.set_answer(-1, now);
    fails(
        borrow(),
        InvalidPrice {
            answer: I256::MINUS_ONE,
        },
    );
    fails(
        market.sender(alice).health_factor(alice),
        InvalidPrice {
            answer: I256::MINUS_ONE,
        },
    );
    // Exactly maxAge old is fresh; one second more is stale; the future is stale.
    m.set_answer(2_000 * E8, now - MAX_AGE);
    borrow().motsu_unwrap();
    m.set_answer(2_000 * E8, now - MAX_AGE - 1);
    let stale = StalePrice {
        updatedAt: U256::from(now - MAX_AGE - 1),
        now: U256::from(now),
    };
    fails(borrow(), stale.clone());
    fails(
        market.sender(alice).withdraw_collateral(w(1), alice),
        stale.clone(),
    );
    fails(market.sender(alice).liquidate(alice), stale);
    m.set_answer(2_000 * E8, now + 1);
    fails(
        borrow(),
        StalePrice {
            updatedAt: U256::from(now + 1),
            now: U256::from(now),
        },
    );
    // Without debt no price is needed.
    m.deposit(admin, E18);
    market
        .sender(admin)
        .withdraw_collateral(w(E18), admin)
        .motsu_unwrap();
    assert_eq!(
        market.sender(admin).health_factor(admin).motsu_unwrap(),
        U256::MAX
    );
}

#[motsu::test]
fn an_absurd_answer_or_inconsistent_books_revert(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 1_000 * E18);
    // 2^254 scaled by 10^19 does not fit 256 bits: not a price.
    let huge = I256::from_raw(U256::from(1) << 254);
    oracle
        .sender(admin)
        .set_answer(huge, U256::from(m.now()))
        .motsu_unwrap();
    fails(market.sender(alice).price(), InvalidPrice { answer: huge });
    m.set_price(2_000);
    // Books that contradict a position (never produced by the market itself): the repayment
    // reverts instead of wrapping.
    market.sender(admin).sstore(&TOTAL_BORROW, &w(1));
    m.mint(&dai, alice, 1_000 * E18);
    dai.sender(alice)
        .approve(market.address(), w(1_000 * E18))
        .motsu_unwrap();
    fails(market.sender(alice).repay(w(2), alice), ArithmeticError {});
}

// ----- lenders --------------------------------------------------------------------------------

#[motsu::test]
fn supply_and_withdraw_round_in_favour_of_the_market(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    bob: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    // First supply: 1e6 shares per asset (the virtual shares' offset).
    let shares = m.supply(alice, 1_000);
    assert_eq!(shares, w(1_000_000_000));
    market.assert_emitted(&Supply {
        account: alice,
        assets: w(1_000),
        shares,
    });
    // bob: floor(7 * (1e9 + 1e6) / 1001) = 7_000_000 exactly.
    assert_eq!(m.supply(bob, 7), w(7_000_000));
    assert_eq!(
        m.totals(),
        (
            w(1_007),
            w(1_007_000_000),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO
        )
    );
    assert_eq!(m.position(bob).0, w(7_000_000));
    // 999_999 shares are worth floor(999_999 * 1008 / 1_008_000_000) = 0.
    fails(market.sender(bob).withdraw(w(999_999), bob), ZeroAssets {});
    // 1_500_000 shares: floor(1_500_000 * 1008 / 1_008_000_000) = 1 (1.5 rounded down).
    let before = m.balance(&dai, bob);
    assert_eq!(
        market
            .sender(bob)
            .withdraw(w(1_500_000), bob)
            .motsu_unwrap(),
        w(1)
    );
    assert_eq!(m.balance(&dai, bob), before + w(1));
    market.assert_emitted(&Withdraw {
        account: bob,
        to: bob,
        assets: w(1),
        shares: w(1_500_000),
    });
    assert_eq!(m.position(bob).0, w(5_500_000));
    // The rounding stays in the market: the remaining shares are worth at least what they
    // were, never more than what is held.
    let (assets, total_shares, ..) = m.totals();
    assert_eq!((assets, total_shares), (w(1_006), w(1_005_500_000)));
    // alice takes everything she can; bob the rest; the market keeps only rounding dust.
    let alice_out = market
        .sender(alice)
        .withdraw(w(1_000_000_000), alice)
        .motsu_unwrap();
    assert_eq!(alice_out, w(1_000));
    let bob_out = market
        .sender(bob)
        .withdraw(w(5_500_000), bob)
        .motsu_unwrap();
    assert_eq!(bob_out, w(5));
    assert_eq!(
        m.totals().0,
        w(1),
        "one unit of rounding stays with the market"
    );
    assert_eq!(m.balance(&dai, market.address()), w(1));
}

#[motsu::test]
fn lender_errors(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    bob: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    let shares = m.supply(alice, 1_000 * E18);
    let snapshot = m.snapshot(&[alice, bob]);
    fails(market.sender(alice).supply(U256::ZERO), ZeroAmount {});
    fails(
        market.sender(alice).withdraw(U256::ZERO, alice),
        ZeroAmount {},
    );
    fails(
        market.sender(alice).withdraw(w(1), Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    let me = market.address();
    fails(
        market.sender(alice).withdraw(w(1), me),
        InvalidAddress { account: me },
    );
    fails(
        market.sender(alice).withdraw(shares + w(1), alice),
        InsufficientShares {
            shares,
            requested: shares + w(1),
        },
    );
    fails(
        market.sender(bob).withdraw(w(1), bob),
        InsufficientShares {
            shares: U256::ZERO,
            requested: w(1),
        },
    );
    // No allowance: the token's transferFrom fails.
    fails(
        market.sender(bob).supply(w(1)),
        SafeErc20FailedOperation {
            token: dai.address(),
        },
    );
    assert_eq!(m.snapshot(&[alice, bob]), snapshot);
    // A supply that would mint no share (possible only after the share price has risen above
    // one asset per share, which this market without interest never does: set the books).
    market
        .sender(admin)
        .sstore(&SUPPLY_ASSETS, &w(2_000_000_000 * E18));
    m.mint(&dai, bob, 1);
    dai.sender(bob)
        .approve(market.address(), w(1))
        .motsu_unwrap();
    fails(market.sender(bob).supply(w(1)), ZeroShares {});
    // A share count beyond 2^256 - 1 is refused.
    market.sender(admin).sstore(&SUPPLY_ASSETS, &U256::ZERO);
    market
        .sender(admin)
        .sstore(&SUPPLY_SHARES, &(U256::MAX - w(2_000_000)));
    // 1 asset would mint 2^256 - 1 - 1e6 shares; the total would overflow.
    let minted = U256::MAX - w(1_000_000);
    fails(
        market.sender(bob).supply(w(1)),
        AmountTooLarge { amount: minted },
    );
}

#[motsu::test]
fn a_donation_cannot_inflate_the_share_price(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    attacker: Address,
    victim: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    // The classic first-depositor attack: 1 unit in, then a large donation, then the victim.
    assert_eq!(m.supply(attacker, 1), w(1_000_000));
    m.mint(&dai, attacker, 1_000 * E18);
    dai.sender(attacker)
        .transfer(market.address(), w(1_000 * E18))
        .motsu_unwrap();
    // The share price reads the books, not the balance: the victim is priced as if nothing
    // had been donated: floor(1e18 * (1e6 + 1e6) / 2) = 1e24 shares.
    let victim_shares = m.supply(victim, E18);
    assert_eq!(victim_shares, w(E18) * w(1_000_000));
    // Each gets back what it put in; the donation is surplus the admin can return.
    assert_eq!(
        market
            .sender(victim)
            .withdraw(victim_shares, victim)
            .motsu_unwrap(),
        w(E18)
    );
    assert_eq!(
        market
            .sender(attacker)
            .withdraw(w(1_000_000), attacker)
            .motsu_unwrap(),
        w(1)
    );
    let out = admin;
    market.sender(admin).skim(out).motsu_unwrap();
    assert_eq!(m.balance(&dai, out), w(1_000 * E18));
    market.assert_emitted(&Skim {
        token: dai.address(),
        to: out,
        amount: w(1_000 * E18),
    });
    assert_eq!(m.balance(&dai, market.address()), U256::ZERO);
}

// ----- borrowers ------------------------------------------------------------------------------

#[motsu::test]
fn collateral_moves_in_and_out(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    bob: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.deposit(alice, 10 * E18);
    market.assert_emitted(&DepositCollateral {
        account: alice,
        amount: w(10 * E18),
    });
    assert_eq!(m.position(alice), (U256::ZERO, w(10 * E18), U256::ZERO));
    assert_eq!(m.balance(&weth, market.address()), w(10 * E18));
    market
        .sender(alice)
        .withdraw_collateral(w(4 * E18), bob)
        .motsu_unwrap();
    market.assert_emitted(&WithdrawCollateral {
        account: alice,
        to: bob,
        amount: w(4 * E18),
    });
    assert_eq!(m.balance(&weth, bob), w(4 * E18));
    assert_eq!(m.position(alice).1, w(6 * E18));
    // With 6 WETH at 2,000 and 80%: at most 9,600 DAI; 9,600 borrowed leaves nothing to free.
    market
        .sender(alice)
        .borrow(w(9_600 * E18), alice)
        .motsu_unwrap();
    let snapshot = m.snapshot(&[alice, bob]);
    fails(
        market.sender(alice).withdraw_collateral(w(1), alice),
        Unhealthy {
            debt: w(9_600 * E18),
            maxDebt: w(9_600 * E18 - 1_600),
        },
    );
    fails(
        market.sender(alice).withdraw_collateral(U256::ZERO, alice),
        ZeroAmount {},
    );
    fails(
        market.sender(alice).withdraw_collateral(w(7 * E18), alice),
        InsufficientCollateral {
            collateral: w(6 * E18),
            requested: w(7 * E18),
        },
    );
    fails(
        market
            .sender(alice)
            .withdraw_collateral(w(1), Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    fails(
        market.sender(alice).deposit_collateral(U256::ZERO),
        ZeroAmount {},
    );
    fails(
        market.sender(bob).deposit_collateral(w(1)),
        SafeErc20FailedOperation {
            token: weth.address(),
        },
    );
    assert_eq!(m.snapshot(&[alice, bob]), snapshot);
    // A position holds at most 2^128 - 1 collateral.
    let max = U256::from(u128::MAX);
    weth.sender(bob).mint(bob, max).motsu_unwrap();
    weth.sender(bob)
        .approve(market.address(), max)
        .motsu_unwrap();
    market.sender(bob).deposit_collateral(max).motsu_unwrap();
    fails(
        market.sender(bob).deposit_collateral(w(1)),
        AmountTooLarge { amount: w(1) },
    );
}

#[motsu::test]
fn borrowing_is_limited_by_health_and_cash(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    bob: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 20_000 * E18);
    m.deposit(alice, 10 * E18);
    // 10 WETH at 2,000, 80%: 16,000 DAI.
    fails(
        market.sender(alice).borrow(w(16_000 * E18 + 1), alice),
        Unhealthy {
            debt: w(16_000 * E18 + 1),
            maxDebt: w(16_000 * E18),
        },
    );
    market
        .sender(alice)
        .borrow(w(10_000 * E18), bob)
        .motsu_unwrap();
    market.assert_emitted(&Borrow {
        account: alice,
        to: bob,
        amount: w(10_000 * E18),
    });
    assert_eq!(m.balance(&dai, bob), w(10_000 * E18));
    market
        .sender(alice)
        .borrow(w(6_000 * E18), alice)
        .motsu_unwrap();
    assert_eq!(
        m.position(alice),
        (U256::ZERO, w(10 * E18), w(16_000 * E18))
    );
    assert_eq!(m.totals().2, w(16_000 * E18));
    assert_eq!(
        market.sender(alice).health_factor(alice).motsu_unwrap(),
        w(E18)
    );
    fails(
        market.sender(alice).borrow(w(1), alice),
        Unhealthy {
            debt: w(16_000 * E18 + 1),
            maxDebt: w(16_000 * E18),
        },
    );
    // bob has collateral for more than the 4,000 DAI of cash left.
    m.deposit(bob, 100 * E18);
    fails(
        market.sender(bob).borrow(w(4_000 * E18 + 1), bob),
        InsufficientCash {
            available: w(4_000 * E18),
            requested: w(4_000 * E18 + 1),
        },
    );
    // A lender cannot withdraw cash that is lent out either.
    fails(
        market
            .sender(admin)
            .withdraw(w(5_000 * E18) * w(1_000_000), admin),
        InsufficientCash {
            available: w(4_000 * E18),
            requested: w(5_000 * E18),
        },
    );
    fails(market.sender(bob).borrow(U256::ZERO, bob), ZeroAmount {});
    fails(
        market.sender(bob).borrow(w(1), Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    let me = market.address();
    fails(
        market.sender(bob).borrow(w(1), me),
        InvalidAddress { account: me },
    );
    // No collateral: the limit is zero.
    fails(
        market.sender(admin).borrow(w(1), admin),
        Unhealthy {
            debt: w(1),
            maxDebt: U256::ZERO,
        },
    );
    // A debt beyond 2^128 - 1 is refused before anything else.
    fails(
        market.sender(bob).borrow(U256::from(u128::MAX) + w(1), bob),
        AmountTooLarge {
            amount: U256::from(u128::MAX) + w(1),
        },
    );
    // Donated cash is not lender cash: it does not raise what can be borrowed.
    m.mint(&dai, bob, 1_000 * E18);
    dai.sender(bob)
        .transfer(market.address(), w(1_000 * E18))
        .motsu_unwrap();
    fails(
        market.sender(bob).borrow(w(4_000 * E18 + 1), bob),
        InsufficientCash {
            available: w(4_000 * E18),
            requested: w(4_000 * E18 + 1),
        },
    );
    market
        .sender(bob)
        .borrow(w(4_000 * E18), bob)
        .motsu_unwrap();
}

#[motsu::test]
fn repay_takes_at_most_the_debt(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    bob: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 20_000 * E18);
    m.open(alice, 10 * E18, 5_000 * E18);
    // bob repays part of alice's debt.
    m.mint(&dai, bob, 10_000 * E18);
    dai.sender(bob)
        .approve(market.address(), w(10_000 * E18))
        .motsu_unwrap();
    assert_eq!(
        market
            .sender(bob)
            .repay(w(1_000 * E18), alice)
            .motsu_unwrap(),
        w(1_000 * E18)
    );
    market.assert_emitted(&Repay {
        payer: bob,
        account: alice,
        amount: w(1_000 * E18),
    });
    assert_eq!(m.position(alice).2, w(4_000 * E18));
    // More than the debt: only the debt is pulled.
    assert_eq!(
        market
            .sender(bob)
            .repay(w(10_000 * E18), alice)
            .motsu_unwrap(),
        w(4_000 * E18)
    );
    assert_eq!(m.balance(&dai, bob), w(5_000 * E18));
    assert_eq!(m.position(alice).2, U256::ZERO);
    assert_eq!(m.totals().2, U256::ZERO);
    assert_eq!(m.balance(&dai, market.address()), w(20_000 * E18));
    fails(
        market.sender(bob).repay(w(1), alice),
        NothingToRepay { account: alice },
    );
    fails(market.sender(bob).repay(U256::ZERO, alice), ZeroAmount {});
    // Without allowance the pull fails and nothing changes.
    market
        .sender(alice)
        .borrow(w(1_000 * E18), alice)
        .motsu_unwrap();
    let snapshot = m.snapshot(&[alice, bob]);
    let carol = Address::new([0xca; 20]);
    fails(
        market.sender(carol).repay(w(1), alice),
        SafeErc20FailedOperation {
            token: dai.address(),
        },
    );
    assert_eq!(m.snapshot(&[alice, bob]), snapshot);
    // Collateral comes back once the debt is repaid.
    market
        .sender(bob)
        .repay(w(1_000 * E18), alice)
        .motsu_unwrap();
    market
        .sender(alice)
        .withdraw_collateral(w(10 * E18), alice)
        .motsu_unwrap();
    assert_eq!(m.position(alice), Default::default());
}

#[motsu::test]
fn health_factor_follows_the_price(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 20_000 * E18);
    m.open(alice, 10 * E18, 8_000 * E18);
    let hf = || market.sender(alice).health_factor(alice).motsu_unwrap();
    assert_eq!(hf(), w(2 * E18));
    m.set_price(1_500);
    assert_eq!(hf(), w(3 * E18 / 2));
    // At 1,000 the position is exactly at its limit: healthy, not liquidatable.
    m.set_price(1_000);
    assert_eq!(hf(), w(E18));
    fails(
        market.sender(admin).liquidate(alice),
        Healthy {
            debt: w(8_000 * E18),
            maxDebt: w(8_000 * E18),
        },
    );
    // One unit of feed lower (999.99999999): unhealthy, rounded down.
    m.set_answer(1_000 * E8 - 1, m.now());
    let max_debt = w(8_000 * E18 - 80_000_000_000);
    assert_eq!(hf(), max_debt * w(E18) / w(8_000 * E18));
    assert!(hf() < w(E18));
    fails(
        market.sender(alice).borrow(w(1), alice),
        Unhealthy {
            debt: w(8_000 * E18 + 1),
            maxDebt: max_debt,
        },
    );
    // No debt: the maximum.
    assert_eq!(
        market.sender(admin).health_factor(admin).motsu_unwrap(),
        U256::MAX
    );
}

// ----- liquidation ----------------------------------------------------------------------------

#[motsu::test]
fn liquidate_hands_the_position_to_the_engine(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    keeper: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    m.set_price(1_700);
    let cash = m.balance(&dai, market.address());
    let id = market.sender(keeper).liquidate(alice).motsu_unwrap();
    assert_eq!(id, w(1));
    let view = engine.sender(admin);
    assert_eq!(view.seen(), (w(1), w(10 * E18), w(15_000 * E18)));
    assert_eq!(
        view.parties(),
        (market.address(), weth.address(), alice, keeper)
    );
    assert_eq!(m.balance(&weth, engine.address()), w(10 * E18));
    assert_eq!(m.balance(&weth, market.address()), U256::ZERO);
    assert_eq!(
        weth.sender(admin)
            .allowance(market.address(), engine.address()),
        U256::ZERO
    );
    assert_eq!(m.position(alice), Default::default());
    // The debt moved from borrows to liquidation; the lenders' assets did not change.
    assert_eq!(
        m.totals(),
        (
            w(100_000 * E18),
            w(100_000 * E18) * w(1_000_000),
            U256::ZERO,
            w(15_000 * E18),
            U256::ZERO
        )
    );
    assert_eq!(m.balance(&dai, market.address()), cash);
    market.assert_emitted(&Liquidate {
        liquidationId: w(1),
        borrower: alice,
        keeper,
        house: HOUSE,
        auctionId: w(AUCTION_ID as u128),
        collateralTaken: w(10 * E18),
        debtTaken: w(15_000 * E18),
    });
    // Nothing left to liquidate.
    fails(
        market.sender(keeper).liquidate(alice),
        Healthy {
            debt: U256::ZERO,
            maxDebt: U256::ZERO,
        },
    );
    assert_eq!(
        market.sender(admin).params_word().as_limbs()[3],
        0,
        "lock released"
    );
}

#[motsu::test]
fn a_partial_liquidation_leaves_the_rest_and_no_allowance(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    keeper: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    m.set_price(1_700);
    // The engine has room for 6,000 DAI: it takes 4 WETH.
    engine
        .sender(admin)
        .set_take(w(4 * E18), w(6_000 * E18), U256::ZERO);
    market.sender(keeper).liquidate(alice).motsu_unwrap();
    assert_eq!(m.position(alice), (U256::ZERO, w(6 * E18), w(9_000 * E18)));
    assert_eq!(
        weth.sender(admin)
            .allowance(market.address(), engine.address()),
        U256::ZERO
    );
    assert_eq!(m.balance(&weth, market.address()), w(6 * E18));
    let (_, _, borrow, in_liquidation, _) = m.totals();
    assert_eq!((borrow, in_liquidation), (w(9_000 * E18), w(6_000 * E18)));
    // 6 WETH at 1,700 x 80% = 8,160 < 9,000: still unhealthy; liquidated again.
    engine
        .sender(admin)
        .set_take(U256::ZERO, U256::ZERO, U256::ZERO);
    assert_eq!(market.sender(keeper).liquidate(alice).motsu_unwrap(), w(2));
    assert_eq!(m.position(alice), Default::default());
    let (_, _, borrow, in_liquidation, _) = m.totals();
    assert_eq!((borrow, in_liquidation), (U256::ZERO, w(15_000 * E18)));
    assert_eq!(m.balance(&weth, engine.address()), w(10 * E18));
}

#[motsu::test]
fn debt_left_without_collateral_is_written_off(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    keeper: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    m.set_price(1_700);
    // The engine takes all the collateral for 14,000 of the debt: 1,000 is left uncovered.
    engine
        .sender(admin)
        .set_take(w(10 * E18), w(14_000 * E18), U256::ZERO);
    market.sender(keeper).liquidate(alice).motsu_unwrap();
    assert_eq!(m.position(alice), Default::default());
    let bad = w(1_000 * E18);
    market.assert_emitted(&BadDebt {
        borrower: alice,
        amount: bad,
        totalSupplyAssets: w(99_000 * E18),
    });
    let (assets, _, borrow, in_liquidation, socialized) = m.totals();
    assert_eq!(
        (assets, borrow, in_liquidation, socialized),
        (w(99_000 * E18), U256::ZERO, w(14_000 * E18), bad)
    );
    // The books still reconcile: lender cash = A - B - L = the 85,000 the market holds.
    assert_eq!(m.balance(&dai, market.address()), w(85_000 * E18));
    assert_eq!(assets - borrow - in_liquidation, w(85_000 * E18));
}

#[motsu::test]
fn liquidation_errors_change_nothing(
    market: Contract<LendingMarket>,
    short_market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    short_engine: Contract<ShortEngine>,
    admin: Address,
    alice: Address,
    keeper: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    fails(
        market.sender(keeper).liquidate(alice),
        Healthy {
            debt: w(15_000 * E18),
            maxDebt: w(16_000 * E18),
        },
    );
    m.set_price(1_700);
    let snapshot = m.snapshot(&[alice, keeper]);
    // The engine reports more than it was offered.
    engine
        .sender(admin)
        .set_take(w(10 * E18 + 1), w(15_000 * E18), U256::ZERO);
    fails(
        market.sender(keeper).liquidate(alice),
        InvalidEngineResult {
            collateralTaken: w(10 * E18 + 1),
            debtTaken: w(15_000 * E18),
        },
    );
    engine
        .sender(admin)
        .set_take(w(10 * E18), w(15_000 * E18 + 1), U256::ZERO);
    fails(
        market.sender(keeper).liquidate(alice),
        InvalidEngineResult {
            collateralTaken: w(10 * E18),
            debtTaken: w(15_000 * E18 + 1),
        },
    );
    // The engine's revert data is passed through.
    engine.sender(admin).set_take(U256::ZERO, U256::ZERO, w(1));
    let error = market.sender(keeper).liquidate(alice).motsu_unwrap_err();
    assert_eq!(error.data(), &ENGINE_REFUSED[..]);
    engine
        .sender(admin)
        .set_take(U256::ZERO, U256::ZERO, U256::ZERO);
    assert_eq!(m.snapshot(&[alice, keeper]), snapshot);
    assert_eq!(
        weth.sender(admin)
            .allowance(market.address(), engine.address()),
        U256::ZERO
    );
    // An engine answering too little data.
    short_market
        .sender(admin)
        .constructor(
            admin,
            weth.address(),
            dai.address(),
            oracle.address(),
            short_engine.address(),
            module.address(),
            w(LLTV),
            U256::from(MAX_AGE),
        )
        .motsu_unwrap();
    m.mint(&dai, admin, 20_000 * E18);
    dai.sender(admin)
        .approve(short_market.address(), w(20_000 * E18))
        .motsu_unwrap();
    short_market
        .sender(admin)
        .supply(w(20_000 * E18))
        .motsu_unwrap();
    m.mint(&weth, alice, E18);
    weth.sender(alice)
        .approve(short_market.address(), w(E18))
        .motsu_unwrap();
    short_market
        .sender(alice)
        .deposit_collateral(w(E18))
        .motsu_unwrap();
    short_market
        .sender(alice)
        .borrow(w(1_300 * E18), alice)
        .motsu_unwrap();
    m.set_price(1_600);
    fails(
        short_market.sender(keeper).liquidate(alice),
        CallFailed {
            target: short_engine.address(),
        },
    );
}

#[motsu::test]
fn the_lock_refuses_reentry_during_liquidate(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    keeper: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 100_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    m.set_price(1_700);
    engine.sender(admin).set_take(U256::ZERO, U256::ZERO, w(2));
    market.sender(keeper).liquidate(alice).motsu_unwrap();
    assert_eq!(
        engine.sender(admin).reentry_error(),
        ReentrantCall::SELECTOR
    );
    // Released afterwards.
    assert_eq!(market.sender(keeper).settle().motsu_unwrap(), U256::ZERO);
}

// ----- gavel pays back: settle, absorbLoss, skim ----------------------------------------------

/// Opens liquidation of the debt the market handed over in the solvency module (as the real
/// engine does: the market is the beneficiary), has `house` sell it for `raised` and finish.
/// Returns the module's liquidation id.
pub(crate) fn auction(
    m: &World,
    kicker: Address,
    house: Address,
    debt: u128,
    tab: u128,
    raised: u128,
) -> U256 {
    auction_for(m, m.market.address(), kicker, house, debt, tab, raised)
}

/// [`auction`] for the market at `beneficiary`.
pub(crate) fn auction_for(
    m: &World,
    beneficiary: Address,
    kicker: Address,
    house: Address,
    debt: u128,
    tab: u128,
    raised: u128,
) -> U256 {
    let module = m.module;
    module
        .sender(m.admin)
        .set_kicker(kicker, true)
        .motsu_unwrap();
    module.sender(m.admin).set_house(house, true).motsu_unwrap();
    let id = module
        .sender(kicker)
        .open(beneficiary, w(debt), w(tab))
        .motsu_unwrap();
    module
        .sender(house)
        .attach(id, kicker, w(tab))
        .motsu_unwrap();
    if raised > 0 {
        m.mint(m.dai, house, raised);
        m.dai
            .sender(house)
            .transfer(module.address(), w(raised))
            .motsu_unwrap();
    }
    let tab_left = tab.saturating_sub(raised);
    module
        .sender(house)
        .on_auction_end(id, w(raised), w(tab_left), U256::ZERO)
        .motsu_unwrap();
    id
}

#[motsu::test]
fn settle_books_what_the_solvency_module_paid(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    keeper: Address,
    kicker: Address,
    house: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 15_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    m.set_price(1_700);
    market.sender(keeper).liquidate(alice).motsu_unwrap();
    assert_eq!(
        market.sender(keeper).settle().motsu_unwrap(),
        U256::ZERO,
        "nothing arrived yet"
    );
    // The auction raises the whole tab: 15,000 to the market, the penalty to the fund.
    auction(&m, kicker, house, 15_000 * E18, 16_500 * E18, 16_500 * E18);
    assert_eq!(m.balance(&dai, market.address()), w(15_000 * E18));
    // The lender's withdraw settles first: the repayment becomes lender cash.
    let shares = m.position(admin).0;
    assert_eq!(
        market.sender(admin).withdraw(shares, admin).motsu_unwrap(),
        w(15_000 * E18)
    );
    market.assert_emitted(&Settle {
        recovered: w(15_000 * E18),
        inLiquidation: U256::ZERO,
    });
    assert_eq!(m.totals(), Default::default());
    assert_eq!(market.sender(keeper).settle().motsu_unwrap(), U256::ZERO);
}

#[motsu::test]
fn a_socialized_loss_lowers_the_share_price_exactly(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    lender: Address,
    alice: Address,
    keeper: Address,
    kicker: Address,
    house: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    let lender_shares = m.supply(lender, 60_000 * E18);
    let admin_shares = m.supply(admin, 40_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    m.set_price(1_000);
    let id = market.sender(keeper).liquidate(alice).motsu_unwrap();
    let _ = id;
    // The auction raises 10,000 of 15,000; the empty fund covers nothing: deficit 5,000.
    let entry = auction(&m, kicker, house, 15_000 * E18, 16_500 * E18, 10_000 * E18);
    assert_eq!(m.balance(&dai, market.address()), w(95_000 * E18));
    let snapshot = m.snapshot(&[lender, admin]);
    // Only the solvency module may write a loss down.
    fails(
        market.sender(keeper).absorb_loss(w(1)),
        NotSolvencyModule { account: keeper },
    );
    let solvency = module.address();
    fails(
        market.sender(solvency).absorb_loss(U256::ZERO),
        ZeroAmount {},
    );
    fails(
        market.sender(solvency).absorb_loss(w(15_000 * E18 + 1)),
        LossExceedsExposure {
            amount: w(15_000 * E18 + 1),
            inLiquidation: w(15_000 * E18),
        },
    );
    assert_eq!(m.snapshot(&[lender, admin]), snapshot);
    gavel_common::clock::advance(DAY);
    module.sender(keeper).socialize(entry).motsu_unwrap();
    let loss = w(5_000 * E18);
    market.assert_emitted(&AbsorbLoss {
        amount: loss,
        totalSupplyAssets: w(95_000 * E18),
    });
    let (assets, shares, borrow, in_liquidation, socialized) = m.totals();
    assert_eq!(
        (assets, borrow, socialized),
        (w(95_000 * E18), U256::ZERO, loss)
    );
    assert_eq!(
        shares,
        lender_shares + admin_shares,
        "shares unchanged, each worth less"
    );
    // 10,000 repaid but not yet settled is still counted out.
    assert_eq!(in_liquidation, w(10_000 * E18));
    assert_eq!(
        market.sender(keeper).settle().motsu_unwrap(),
        w(10_000 * E18)
    );
    assert_eq!(m.totals().3, U256::ZERO);
    // Each lender bears the loss pro rata: 60% and 40% of 5,000 (the virtual share and asset
    // move the exact result by less than one unit here; rounding is down).
    let out = market
        .sender(lender)
        .withdraw(lender_shares, lender)
        .motsu_unwrap();
    assert_eq!(out, w(57_000 * E18));
    let out = market
        .sender(admin)
        .withdraw(admin_shares, admin)
        .motsu_unwrap();
    assert_eq!(out, w(38_000 * E18));
    assert_eq!(m.balance(&dai, market.address()), U256::ZERO);
    assert_eq!(
        m.totals(),
        (U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO, loss)
    );
}

#[motsu::test]
fn skim_returns_only_what_the_books_do_not_hold(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    keeper: Address,
    kicker: Address,
    house: Address,
    treasury: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    m.supply(admin, 20_000 * E18);
    m.open(alice, 10 * E18, 15_000 * E18);
    fails(market.sender(admin).skim(treasury), NothingToSkim {});
    fails(
        market.sender(alice).skim(alice),
        OwnableUnauthorizedAccount { account: alice },
    );
    fails(
        market.sender(admin).skim(Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    // Donations of both tokens.
    m.mint(&weth, keeper, 3);
    weth.sender(keeper)
        .transfer(market.address(), w(3))
        .motsu_unwrap();
    m.mint(&dai, keeper, 5);
    dai.sender(keeper)
        .transfer(market.address(), w(5))
        .motsu_unwrap();
    // A liquidation whose auction pays the market the debt and a penalty share.
    module
        .sender(admin)
        .set_params(w(E18 / 2), U256::ZERO, U256::from(DAY), U256::ZERO)
        .motsu_unwrap();
    m.set_price(1_700);
    market.sender(keeper).liquidate(alice).motsu_unwrap();
    auction(&m, kicker, house, 15_000 * E18, 16_500 * E18, 16_500 * E18);
    // Repayment 15,000 (lender cash once settled) + half the 1,500 penalty (surplus).
    assert_eq!(
        m.balance(&dai, market.address()),
        w(20_000 * E18 + 750 * E18 + 5)
    );
    market.sender(admin).skim(treasury).motsu_unwrap();
    assert_eq!(m.balance(&dai, treasury), w(750 * E18 + 5));
    assert_eq!(m.balance(&weth, treasury), w(3));
    market.assert_emitted(&Skim {
        token: weth.address(),
        to: treasury,
        amount: w(3),
    });
    market.assert_emitted(&Settle {
        recovered: w(15_000 * E18),
        inLiquidation: U256::ZERO,
    });
    // What is left is exactly the lenders'.
    assert_eq!(m.balance(&dai, market.address()), w(20_000 * E18));
    assert_eq!(m.totals().0, w(20_000 * E18));
    fails(market.sender(admin).skim(treasury), NothingToSkim {});
}

// ----- admin ----------------------------------------------------------------------------------

#[motsu::test]
fn ownership_moves_in_two_steps(
    market: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    next: Address,
    mallory: Address,
) {
    let m = world!(market, weth, dai, oracle, module, engine, admin);
    fails(
        market.sender(mallory).transfer_ownership(mallory),
        OwnableUnauthorizedAccount { account: mallory },
    );
    market.sender(admin).transfer_ownership(next).motsu_unwrap();
    market.assert_emitted(&OwnershipTransferStarted {
        previousOwner: admin,
        newOwner: next,
    });
    assert_eq!(market.sender(admin).pending_owner(), next);
    assert_eq!(market.sender(admin).owner(), admin);
    fails(
        market.sender(mallory).accept_ownership(),
        OwnableUnauthorizedAccount { account: mallory },
    );
    market.sender(next).accept_ownership().motsu_unwrap();
    market.assert_emitted(&OwnershipTransferred {
        previousOwner: admin,
        newOwner: next,
    });
    assert_eq!(market.sender(admin).owner(), next);
    assert_eq!(market.sender(admin).pending_owner(), Address::ZERO);
    fails(
        market.sender(admin).skim(admin),
        OwnableUnauthorizedAccount { account: admin },
    );
    let _ = m;
}

// After `world!`, which they use.
mod dispatch;
mod invariants;

//! gavel end to end: the example lending market, the liquidation engine, the Dutch and batch
//! houses, the solvency module, tokens and oracle, all real, through motsu.
//!
//! Flows: a Dutch liquidation taken with a flash callback; a large one cleared by sealed bids;
//! an unsold batch continued in the Dutch house; a crash whose shortfall the fund covers in part
//! and the lenders absorb for the rest; partial liquidation under the limits. Then random
//! sequences of all of it with the system invariants checked after every step
//! (`GAVEL_E2E_SEQUENCES`, default 30; `GAVEL_E2E_SEED` replays one).
#![cfg(not(target_arch = "wasm32"))]

extern crate alloc;

use alloc::string::String;

use alloy_primitives::{Address, FixedBytes, I256, U256};
use alloy_sol_types::{sol, SolCall};
use batch_auction::BatchAuction;
use dutch_auction::DutchAuction;
use gavel_common::clock;
use lending_market::LendingMarket;
use liquidation_engine::LiquidationEngine;
use mock_erc20::MockERC20;
use mock_oracle::MockOracle;
use motsu::prelude::*;
use solvency_module::SolvencyModule;
use stylus_sdk::{
    abi::Bytes,
    prelude::*,
    storage::{StorageAddress, StorageU256},
};

// ------------------------------------------------------------------------------------------
// Units and actors
// ------------------------------------------------------------------------------------------

const T0: u64 = 1_700_000_000;
const WAD: u128 = 1_000_000_000_000_000_000;

fn u(x: u128) -> U256 {
    U256::from(x)
}

/// `x` whole tokens (18 decimals).
fn e18(x: u128) -> U256 {
    u(x) * u(WAD)
}

/// RAY.
fn ray() -> U256 {
    U256::from(10u8).pow(U256::from(27u8))
}

/// `x` DAI per WETH as a RAY price per base unit (both 18 decimals).
fn px(x: u128) -> U256 {
    u(x) * ray()
}

fn addr(n: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[19] = 0x77;
    Address::from(bytes)
}

const ADMIN: u64 = 1;
const LENDER: u64 = 2;
const KEEPER: u64 = 3;
const TAKER: u64 = 4;
/// Borrowers are `BORROWER + i`.
const BORROWER: u64 = 100;
/// Bidders are `BIDDER + i`.
const BIDDER: u64 = 200;

const PENALTY: u128 = 1_100_000_000_000_000_000; // 1.1
const HOLE: u128 = 1_000_000; // whole DAI per collateral
const GLOBAL_HOLE: u128 = 2_000_000;
const DUST: u128 = 100;
const BATCH_THRESHOLD: u128 = 50_000;
const FUND: u128 = 1_000;
const SUPPLY: u128 = 100_000;
const BOND: u128 = 10;
const SOCIALIZATION_DELAY: u64 = 86_400;
const TAU: u64 = 1_000;

// ------------------------------------------------------------------------------------------
// A flash-liquidation keeper (Maker's clipperCall)
// ------------------------------------------------------------------------------------------

sol! {
    interface IHouse {
        function take(uint256 id, uint256 amt, uint256 max, address who, bytes data) external;
    }
    interface IToken {
        function mint(address to, uint256 value) external;
        function approve(address spender, uint256 value) external returns (bool);
    }
}

/// Takes with itself as `who`; in `clipperCall` it "sells" the collateral (mints the DAI
/// owed: the mock token mints freely) and approves the house for what it owes.
#[storage]
pub struct FlashTaker {
    house: StorageAddress,
    dai: StorageAddress,
    seen_owe: StorageU256,
    seen_slice: StorageU256,
}

unsafe impl TopLevelStorage for FlashTaker {}

#[public]
impl FlashTaker {
    pub fn configure(&mut self, house: Address, dai: Address) {
        self.house.set(house);
        self.dai.set(dai);
    }

    pub fn start(&mut self, id: U256, amt: U256, max: U256) -> Result<(), Vec<u8>> {
        let who = self.vm().contract_address();
        let data = IHouse::takeCall {
            id,
            amt,
            max,
            who,
            data: vec![1u8].into(),
        }
        .abi_encode();
        gavel_common::erc20::call(self.vm(), self.house.get(), &data, false).map(|_| ())
    }

    #[selector(name = "clipperCall")]
    pub fn clipper_call(
        &mut self,
        _sender: Address,
        owe: U256,
        slice: U256,
        _data: Bytes,
    ) -> Result<(), Vec<u8>> {
        self.seen_owe.set(owe);
        self.seen_slice.set(slice);
        let this = self.vm().contract_address();
        let (house, dai) = (self.house.get(), self.dai.get());
        let mint = IToken::mintCall {
            to: this,
            value: owe,
        }
        .abi_encode();
        gavel_common::erc20::call(self.vm(), dai, &mint, false)?;
        let approve = IToken::approveCall {
            spender: house,
            value: owe,
        }
        .abi_encode();
        gavel_common::erc20::call(self.vm(), dai, &approve, false)?;
        Ok(())
    }

    pub fn seen(&self) -> (U256, U256) {
        (self.seen_owe.get(), self.seen_slice.get())
    }
}

// ------------------------------------------------------------------------------------------
// The world
// ------------------------------------------------------------------------------------------

struct World {
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    solvency: Contract<SolvencyModule>,
    dutch: Contract<DutchAuction>,
    batch: Contract<BatchAuction>,
    engine: Contract<LiquidationEngine>,
    market: Contract<LendingMarket>,
    admin: Address,
}

impl World {
    /// Deploys and wires everything as script/Deploy.s.sol does, funds the insurance fund
    /// with 1,000 DAI and has the lender supply 100,000 DAI. WETH at 2,000 DAI.
    fn new() -> World {
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
            .constructor(String::from("Wrapped Ether"), String::from("WETH"), 18);
        w.dai
            .sender(admin)
            .constructor(String::from("Dai"), String::from("DAI"), 18);
        w.oracle
            .sender(admin)
            .constructor(admin, 8, String::from("WETH / DAI"), answer(2_000))
            .motsu_unwrap();
        w.solvency
            .sender(admin)
            .constructor(
                admin,
                w.dai.address(),
                U256::ZERO,
                U256::ZERO,
                U256::from(SOCIALIZATION_DELAY),
                e18(50),
            )
            .motsu_unwrap();
        w.dutch
            .sender(admin)
            .constructor(
                admin,
                w.weth.address(),
                w.dai.address(),
                w.oracle.address(),
                w.solvency.address(),
            )
            .motsu_unwrap();
        w.batch
            .sender(admin)
            .constructor(
                admin,
                w.weth.address(),
                w.dai.address(),
                w.oracle.address(),
                w.solvency.address(),
            )
            .motsu_unwrap();
        w.engine
            .sender(admin)
            .constructor(admin, w.solvency.address())
            .motsu_unwrap();
        w.market
            .sender(admin)
            .constructor(
                admin,
                w.weth.address(),
                w.dai.address(),
                w.oracle.address(),
                w.engine.address(),
                w.solvency.address(),
                u(800_000_000_000_000_000),
                u(3_600),
            )
            .motsu_unwrap();

        // Roles.
        w.solvency
            .sender(admin)
            .set_kicker(w.engine.address(), true)
            .motsu_unwrap();
        w.solvency
            .sender(admin)
            .set_house(w.dutch.address(), true)
            .motsu_unwrap();
        w.solvency
            .sender(admin)
            .set_house(w.batch.address(), true)
            .motsu_unwrap();
        w.dutch
            .sender(admin)
            .set_kicker(w.engine.address(), true)
            .motsu_unwrap();
        w.batch
            .sender(admin)
            .set_kicker(w.engine.address(), true)
            .motsu_unwrap();
        w.engine
            .sender(admin)
            .set_protocol(w.market.address(), true)
            .motsu_unwrap();

        // Dutch: start at 125% of the feed, linear to zero over 1,000 s, reset after 3,000 s
        // or below 40% of the start, floor 30% of the feed, keeper pay 10 + 0.1% of the tab.
        let file = |what: &str, value: U256| {
            let mut key = [0u8; 32];
            key[..what.len()].copy_from_slice(what.as_bytes());
            w.dutch
                .sender(admin)
                .file(FixedBytes(key), value)
                .motsu_unwrap();
        };
        file("buf", u(1_250_000_000) * u(1_000_000_000_000_000_000));
        file("tail", u(3_000));
        file("cusp", u(400_000_000) * u(1_000_000_000_000_000_000));
        file("floor", u(300_000_000) * u(1_000_000_000_000_000_000));
        file("chip", u(1_000_000_000_000_000));
        file("tip", e18(10));
        file("dust", e18(DUST));
        file("maxAge", u(3_600));
        w.dutch
            .sender(admin)
            .set_curve(u(1), U256::ZERO, u(TAU.into()))
            .motsu_unwrap();

        // Batch: kicks 10 min, commits 1 h, reveals 30 min, 100 bids, reserve 50%, bond 10.
        w.batch
            .sender(admin)
            .set_params(
                u(600),
                u(3_600),
                u(1_800),
                u(100),
                ray() / u(2),
                e18(BOND),
                u(1),
                u(86_400),
            )
            .motsu_unwrap();

        // Engine.
        w.engine
            .sender(admin)
            .set_collateral(
                w.weth.address(),
                w.dutch.address(),
                w.batch.address(),
                u(PENALTY),
                e18(HOLE),
                e18(DUST),
                e18(BATCH_THRESHOLD),
                false,
            )
            .motsu_unwrap();
        w.engine
            .sender(admin)
            .set_hole(e18(GLOBAL_HOLE))
            .motsu_unwrap();

        // The fund and the lender.
        w.dai.sender(admin).mint(admin, e18(FUND)).motsu_unwrap();
        w.dai
            .sender(admin)
            .approve(w.solvency.address(), e18(FUND))
            .motsu_unwrap();
        w.solvency.sender(admin).deposit(e18(FUND)).motsu_unwrap();
        w.supply(addr(LENDER), e18(SUPPLY));
        w
    }

    fn supply(&self, lender: Address, amount: U256) {
        self.dai.sender(lender).mint(lender, amount).motsu_unwrap();
        self.dai
            .sender(lender)
            .approve(self.market.address(), amount)
            .motsu_unwrap();
        self.market.sender(lender).supply(amount).motsu_unwrap();
    }

    /// `who` deposits `collateral` WETH and borrows `debt` DAI.
    fn borrow(&self, who: Address, collateral: U256, debt: U256) {
        self.weth.sender(who).mint(who, collateral).motsu_unwrap();
        self.weth
            .sender(who)
            .approve(self.market.address(), collateral)
            .motsu_unwrap();
        self.market
            .sender(who)
            .deposit_collateral(collateral)
            .motsu_unwrap();
        self.market.sender(who).borrow(debt, who).motsu_unwrap();
    }

    /// The feed answers `price` whole DAI per WETH, updated now.
    fn price(&self, price: u128) {
        self.oracle
            .sender(self.admin)
            .set_answer(answer(price), U256::from(clock::now(0)))
            .motsu_unwrap();
    }

    fn fund(&self) -> U256 {
        self.solvency.sender(self.admin).books().0
    }

    fn open_deficit(&self) -> U256 {
        self.solvency.sender(self.admin).books().2
    }

    fn total_supply_assets(&self) -> U256 {
        self.market.sender(self.admin).totals().0
    }

    fn dirt(&self) -> U256 {
        self.engine.sender(self.admin).dirt()
    }

    /// `taker` (an account) takes up to `amount` from Dutch sale `id` at any price, with DAI
    /// minted for the purpose; returns (collateral bought, DAI paid).
    fn take(&self, taker: Address, id: U256, amount: U256, max: U256) -> (U256, U256) {
        let budget = e18(10_000_000);
        self.dai.sender(taker).mint(taker, budget).motsu_unwrap();
        self.dai
            .sender(taker)
            .approve(self.dutch.address(), budget)
            .motsu_unwrap();
        let weth_before = self.weth.sender(taker).balance_of(taker);
        self.dutch
            .sender(taker)
            .take(id, amount, max, taker, Bytes::from(Vec::new()))
            .motsu_unwrap();
        let left = self.dai.sender(taker).balance_of(taker);
        // Burn-free cleanup: what was not spent stays with the taker (counted in the
        // conservation checks).
        self.dai
            .sender(taker)
            .approve(self.dutch.address(), U256::ZERO)
            .motsu_unwrap();
        (
            self.weth.sender(taker).balance_of(taker) - weth_before,
            budget - left,
        )
    }

    /// `bidder` commits a sealed bid of `amount` WETH at `price` (RAY) with an exact deposit.
    fn commit(&self, bidder: Address, batch_id: U256, amount: U256, price: U256, salt: u64) {
        let deposit = (amount * price).div_ceil(ray()).max(e18(BOND));
        self.dai.sender(bidder).mint(bidder, deposit).motsu_unwrap();
        self.dai
            .sender(bidder)
            .approve(self.batch.address(), deposit)
            .motsu_unwrap();
        let hash = batch_auction::commitment(batch_id, bidder, amount, price, salt_of(salt));
        self.batch
            .sender(bidder)
            .commit(batch_id, hash, deposit)
            .motsu_unwrap();
    }

    fn reveal(&self, bidder: Address, batch_id: U256, amount: U256, price: U256, salt: u64) {
        self.batch
            .sender(bidder)
            .reveal(batch_id, amount, price, salt_of(salt))
            .motsu_unwrap();
    }

    /// The batch's commit and reveal deadlines.
    fn batch_times(&self, batch_id: U256) -> (u64, u64) {
        let batch = self.batch.sender(self.admin).batch(batch_id);
        (batch.2.to::<u64>(), batch.3.to::<u64>())
    }
}

fn answer(price: u128) -> I256 {
    I256::try_from(price * 100_000_000).unwrap()
}

fn salt_of(n: u64) -> FixedBytes<32> {
    FixedBytes(U256::from(n).to_be_bytes::<32>())
}

// ------------------------------------------------------------------------------------------
// Flows
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn dutch_flash_liquidation_repays_the_lenders() {
    let w = World::new();
    let (alice, keeper) = (addr(BORROWER), addr(KEEPER));
    w.borrow(alice, e18(10), e18(15_000));
    w.price(1_700);
    assert!(w.market.sender(keeper).health_factor(alice).motsu_unwrap() < u(WAD));

    let fund_before = w.fund();
    let cash_before = w.dai.sender(keeper).balance_of(w.market.address());
    let liquidation = w.market.sender(keeper).liquidate(alice).motsu_unwrap();
    assert_eq!(liquidation, u(1));
    let (_, collateral, debt) = w.market.sender(keeper).position(alice);
    assert_eq!(
        (collateral, debt),
        (U256::ZERO, U256::ZERO),
        "seized part written off"
    );
    assert_eq!(
        w.weth.sender(keeper).balance_of(w.market.address()),
        U256::ZERO
    );

    let id = w.dutch.sender(keeper).kicks();
    let (_, tab, lot, usr, _, top) = w.dutch.sender(keeper).sales(id);
    assert_eq!((tab, lot, usr), (e18(16_500), e18(10), alice));
    assert_eq!(top, px(2_125));
    assert_eq!(w.dirt(), tab);
    let kick_pay = e18(10) + e18(16_500) / u(1_000);
    assert_eq!(
        w.dai.sender(keeper).balance_of(keeper),
        kick_pay,
        "keeper incentive"
    );

    clock::set(T0 + 100);
    let flash = Contract::<FlashTaker>::new();
    flash
        .sender(keeper)
        .configure(w.dutch.address(), w.dai.address());
    flash
        .sender(keeper)
        .start(id, e18(10), U256::MAX)
        .motsu_unwrap();
    let price = px(19_125) / u(10);
    // Covering the tab: the keeper gets `tab / price` collateral, rounded down.
    let slice = tab * ray() / price;
    assert_eq!(flash.sender(keeper).seen(), (tab, slice));
    assert_eq!(w.weth.sender(keeper).balance_of(flash.address()), slice);
    assert_eq!(
        w.weth.sender(keeper).balance_of(alice),
        e18(10) - slice,
        "leftover to alice"
    );
    assert_eq!(w.dutch.sender(keeper).count(), U256::ZERO);

    assert_eq!(
        w.dai.sender(keeper).balance_of(w.market.address()),
        cash_before + e18(15_000),
        "lenders repaid"
    );
    assert_eq!(w.total_supply_assets(), e18(SUPPLY));
    assert_eq!(
        w.fund(),
        fund_before - kick_pay + e18(1_500),
        "penalty to the fund"
    );
    w.engine.sender(keeper).sync(liquidation).motsu_unwrap();
    assert_eq!(w.dirt(), U256::ZERO, "room reopens");
    check_conservation(&w, &[addr(BORROWER), keeper, flash.address()]);
}

#[motsu::test]
fn large_position_clears_in_a_sealed_bid_batch() {
    let w = World::new();
    let (bob, keeper) = (addr(BORROWER), addr(KEEPER));
    let (carol, dave, erin) = (addr(BIDDER), addr(BIDDER + 1), addr(BIDDER + 2));
    w.borrow(bob, e18(40), e18(60_000));
    w.price(1_700);
    let liquidation = w.market.sender(keeper).liquidate(bob).motsu_unwrap();
    let tab = e18(66_000);
    assert_eq!(w.dirt(), tab);
    assert_eq!(w.weth.sender(keeper).balance_of(w.batch.address()), e18(40));
    let batch_id = u(1);

    w.commit(carol, batch_id, e18(20), px(1_800), 1);
    w.commit(dave, batch_id, e18(25), px(1_700), 2);
    w.commit(erin, batch_id, e18(30), px(1_750), 3);
    let (commit_end, reveal_end) = w.batch_times(batch_id);
    clock::set(commit_end);
    w.reveal(carol, batch_id, e18(20), px(1_800), 1);
    w.reveal(dave, batch_id, e18(25), px(1_700), 2);
    clock::set(reveal_end);
    w.price(1_700);
    let fund_before = w.fund();
    let cash_before = w.dai.sender(keeper).balance_of(w.market.address());
    w.batch.sender(keeper).settle(batch_id).motsu_unwrap();

    let (price, sold, raised, ..) = w.batch.sender(keeper).result(batch_id);
    assert_eq!(price, px(1_700), "uniform clearing price");
    assert_eq!(sold, (tab * ray()).div_ceil(price));
    assert!(raised >= tab);
    assert_eq!(
        w.weth.sender(keeper).balance_of(bob),
        e18(40) - sold,
        "leftover to bob"
    );
    assert_eq!(
        w.dai.sender(keeper).balance_of(w.market.address()),
        cash_before + e18(60_000)
    );
    assert_eq!(w.fund(), fund_before + e18(BOND) + raised - e18(60_000));

    for bidder in [carol, dave, erin] {
        w.batch.sender(bidder).claim(batch_id).motsu_unwrap();
    }
    assert_eq!(w.weth.sender(keeper).balance_of(carol), e18(20));
    assert_eq!(w.weth.sender(keeper).balance_of(dave), sold - e18(20));
    assert_eq!(w.weth.sender(keeper).balance_of(erin), U256::ZERO);
    assert_eq!(
        w.weth.sender(keeper).balance_of(w.batch.address()),
        U256::ZERO
    );
    w.engine.sender(keeper).sync(liquidation).motsu_unwrap();
    assert_eq!(w.dirt(), U256::ZERO);
    check_conservation(&w, &[bob, keeper, carol, dave, erin]);
}

#[motsu::test]
fn unsold_batch_falls_back_to_the_dutch_house() {
    let w = World::new();
    let (bob, keeper, taker) = (addr(BORROWER), addr(KEEPER), addr(TAKER));
    w.borrow(bob, e18(40), e18(60_000));
    w.price(1_700);
    let liquidation = w.market.sender(keeper).liquidate(bob).motsu_unwrap();
    let (_, reveal_end) = w.batch_times(u(1));
    clock::set(reveal_end);
    w.price(1_700);
    w.batch.sender(keeper).settle(u(1)).motsu_unwrap();
    assert_eq!(
        w.weth.sender(keeper).balance_of(w.engine.address()),
        e18(40)
    );
    assert_eq!(w.dirt(), e18(66_000), "still in auction");

    w.engine
        .sender(keeper)
        .fallback_to_dutch(liquidation, keeper)
        .motsu_unwrap();
    assert_eq!(
        w.weth.sender(keeper).balance_of(w.engine.address()),
        U256::ZERO
    );
    let id = w.dutch.sender(keeper).kicks();
    let (_, tab, lot, usr, ..) = w.dutch.sender(keeper).sales(id);
    assert_eq!((tab, lot, usr), (e18(66_000), e18(40), bob));

    clock::set(reveal_end + 100);
    let cash_before = w.dai.sender(keeper).balance_of(w.market.address());
    let (bought, paid) = w.take(taker, id, lot, U256::MAX);
    assert_eq!(paid, tab);
    assert_eq!(bought + w.weth.sender(keeper).balance_of(bob), e18(40));
    assert_eq!(
        w.dai.sender(keeper).balance_of(w.market.address()),
        cash_before + e18(60_000)
    );
    w.engine.sender(keeper).sync(liquidation).motsu_unwrap();
    assert_eq!(w.dirt(), U256::ZERO);
    check_conservation(&w, &[bob, keeper, taker]);
}

#[motsu::test]
fn crash_shortfall_is_covered_then_socialized() {
    let w = World::new();
    let (alice, keeper, taker) = (addr(BORROWER), addr(KEEPER), addr(TAKER));
    w.borrow(alice, e18(10), e18(15_000));
    w.price(1_000);
    let liquidation = w.market.sender(keeper).liquidate(alice).motsu_unwrap();
    let id = w.dutch.sender(keeper).kicks();
    let cash_before = w.dai.sender(keeper).balance_of(w.market.address());

    // Top 1,250; 200 s later the price is 1,000 and the lot raises 10,000.
    clock::set(T0 + 200);
    let (bought, paid) = w.take(taker, id, e18(10), px(1_000));
    assert_eq!((bought, paid), (e18(10), e18(10_000)));

    let deficit = w.open_deficit();
    assert_eq!(w.fund(), U256::ZERO, "the fund covered what it had");
    assert!(deficit > U256::ZERO);
    assert_eq!(
        w.dai.sender(keeper).balance_of(w.market.address()),
        cash_before + e18(15_000) - deficit,
        "repaid + covered = debt - deficit"
    );

    clock::set(T0 + 200 + SOCIALIZATION_DELAY);
    w.solvency
        .sender(keeper)
        .socialize(liquidation)
        .motsu_unwrap();
    let (assets, _, _, _, socialized) = w.market.sender(keeper).totals();
    assert_eq!(socialized, deficit);
    assert_eq!(
        assets,
        e18(SUPPLY) - deficit,
        "lenders lose exactly the socialized amount"
    );
    assert_eq!(w.open_deficit(), U256::ZERO);
    w.engine.sender(keeper).sync(liquidation).motsu_unwrap();
    assert_eq!(w.dirt(), U256::ZERO);
    check_conservation(&w, &[alice, keeper, taker]);
}

#[motsu::test]
fn liquidation_stops_at_the_limit_and_leaves_no_dust() {
    let w = World::new();
    let keeper = addr(KEEPER);
    // Room for a 16,500 tab only (15,000 of debt at the 1.1 penalty).
    w.engine
        .sender(w.admin)
        .set_hole(e18(16_500))
        .motsu_unwrap();
    let (alice, bob) = (addr(BORROWER), addr(BORROWER + 1));
    w.borrow(alice, e18(20), e18(30_000));
    w.borrow(bob, e18(10), e18(15_000));
    w.price(1_700);
    w.market.sender(keeper).liquidate(alice).motsu_unwrap();
    let (_, collateral, debt) = w.market.sender(keeper).position(alice);
    assert_eq!(debt, e18(15_000), "half the debt fits");
    assert_eq!(collateral, e18(10), "collateral taken in proportion");
    assert!(w.dirt() <= e18(16_500), "never above the global limit");

    // The next liquidation finds no room.
    assert!(w.market.sender(keeper).health_factor(bob).motsu_unwrap() < u(WAD));
    assert!(w.market.sender(keeper).liquidate(bob).is_err());
    let (_, collateral, debt) = w.market.sender(keeper).position(bob);
    assert_eq!((collateral, debt), (e18(10), e18(15_000)), "nothing moved");
}

// ------------------------------------------------------------------------------------------
// Conservation
// ------------------------------------------------------------------------------------------

/// Every WETH and DAI minted is held by a known party: the contracts or the `actors` (plus
/// the admin and lender). Also: the solvency module holds at least what it accounts for.
fn check_conservation(w: &World, actors: &[Address]) {
    let mut parties = vec![
        w.market.address(),
        w.engine.address(),
        w.dutch.address(),
        w.batch.address(),
        w.solvency.address(),
        w.admin,
        addr(LENDER),
    ];
    parties.extend_from_slice(actors);
    parties.sort();
    parties.dedup();
    let sum = |token: &Contract<MockERC20>| {
        parties.iter().fold(U256::ZERO, |acc, p| {
            acc + token.sender(w.admin).balance_of(*p)
        })
    };
    assert_eq!(
        sum(&w.weth),
        w.weth.sender(w.admin).total_supply(),
        "WETH conserved"
    );
    assert_eq!(
        sum(&w.dai),
        w.dai.sender(w.admin).total_supply(),
        "DAI conserved"
    );
    let (fund, held, ..) = w.solvency.sender(w.admin).books();
    assert!(w.dai.sender(w.admin).balance_of(w.solvency.address()) >= fund + held);
}

// ------------------------------------------------------------------------------------------
// Random sequences
// ------------------------------------------------------------------------------------------

/// xorshift64*: small, seedable, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// A sealed bid the sequence made: (bidder, batch, amount, price, salt, revealed).
struct Bid {
    bidder: Address,
    batch: U256,
    amount: U256,
    price: U256,
    salt: u64,
    revealed: bool,
}

struct Sequence {
    w: World,
    rng: Rng,
    price: u128,
    now: u64,
    borrowers: Vec<Address>,
    liquidations: Vec<U256>,
    bids: Vec<Bid>,
    /// Everyone who may hold tokens: the contracts, the admin, the lender, borrowers,
    /// keepers, takers and bidders.
    parties: Vec<Address>,
    /// What the lenders supplied (the sequences never withdraw).
    supplied: U256,
    /// How often each path ran: takes, batch settlements, fallbacks, socializations.
    stats: [usize; 4],
}

impl Sequence {
    fn new(seed: u64) -> Sequence {
        let w = World::new();
        let parties = vec![
            w.market.address(),
            w.engine.address(),
            w.dutch.address(),
            w.batch.address(),
            w.solvency.address(),
            w.admin,
            addr(LENDER),
            addr(KEEPER),
            addr(TAKER),
        ];
        Sequence {
            w,
            rng: Rng(seed | 1),
            price: 2_000,
            now: T0,
            borrowers: Vec::new(),
            liquidations: Vec::new(),
            bids: Vec::new(),
            parties,
            supplied: e18(SUPPLY),
            stats: [0; 4],
        }
    }

    fn step(&mut self) {
        match self.rng.range(0, 99) {
            0..=14 => self.new_borrower(),
            15..=29 => self.move_price(),
            30..=44 => self.liquidate(),
            45..=59 => self.dutch_take(),
            60..=69 => self.pass_time(),
            70..=84 => self.batch_step(),
            85..=89 => self.fallback(),
            90..=94 => self.sync(),
            _ => self.socialize(),
        }
    }

    fn refresh_feed(&self) {
        self.w.price(self.price);
    }

    fn new_borrower(&mut self) {
        if self.borrowers.len() >= 12 {
            return;
        }
        let who = addr(BORROWER + self.borrowers.len() as u64);
        let collateral = u(self.rng.range(1, 60).into()) * u(WAD);
        // 50% to 99% of the limit at the current price and LLTV 0.8.
        let limit = collateral * u(self.price) * u(8) / u(10);
        let debt = limit * u(self.rng.range(50, 99).into()) / u(100);
        self.borrowers.push(who);
        self.parties.push(who);
        let w = &self.w;
        w.weth.sender(who).mint(who, collateral).motsu_unwrap();
        w.weth
            .sender(who)
            .approve(w.market.address(), collateral)
            .motsu_unwrap();
        w.market
            .sender(who)
            .deposit_collateral(collateral)
            .motsu_unwrap();
        if debt > U256::ZERO {
            let before = w.market.sender(who).position(who);
            if w.market.sender(who).borrow(debt, who).is_err() {
                // Not enough cash: nothing moved.
                assert_eq!(w.market.sender(who).position(who), before);
            }
        }
    }

    fn move_price(&mut self) {
        let factor = u128::from(self.rng.range(70, 112));
        self.price = (self.price * factor / 100).max(100);
        self.refresh_feed();
    }

    fn pass_time(&mut self) {
        self.now += self.rng.range(1, 900);
        clock::set(self.now);
        self.refresh_feed();
    }

    fn liquidate(&mut self) {
        if self.borrowers.is_empty() {
            return;
        }
        let who = self.borrowers[self.rng.range(0, self.borrowers.len() as u64 - 1) as usize];
        let keeper = addr(KEEPER);
        let w = &self.w;
        let Ok(health) = w.market.sender(keeper).health_factor(who) else {
            return;
        };
        let before = w.market.sender(keeper).position(who);
        let dirt_before = w.dirt();
        match w.market.sender(keeper).liquidate(who) {
            Ok(id) => {
                assert!(health < u(WAD), "only unhealthy positions are liquidated");
                let after = w.market.sender(keeper).position(who);
                assert!(
                    after.1 < before.1 && after.2 < before.2,
                    "something was seized"
                );
                // The remainder is either zero or at least the dust.
                assert!(
                    after.2.is_zero() || after.2 >= e18(DUST),
                    "no dusty remainder"
                );
                self.liquidations.push(id);
            }
            Err(_) => {
                assert_eq!(
                    w.market.sender(keeper).position(who),
                    before,
                    "nothing moved"
                );
                assert_eq!(w.dirt(), dirt_before);
            }
        }
    }

    fn dutch_take(&mut self) {
        let w = &self.w;
        let keeper = addr(KEEPER);
        let active = w.dutch.sender(keeper).list();
        if active.is_empty() {
            return;
        }
        let id = active[self.rng.range(0, active.len() as u64 - 1) as usize];
        self.refresh_feed();
        let w = &self.w;
        let Ok((needs_redo, price, lot, tab)) = w.dutch.sender(keeper).get_status(id) else {
            return;
        };
        if needs_redo {
            w.dutch.sender(keeper).redo(id, keeper).motsu_unwrap();
            return;
        }
        let (_, sale_tab, ..) = w.dutch.sender(keeper).sales(id);
        assert_eq!(sale_tab, tab);
        let amount = if self.rng.chance(50) {
            lot
        } else {
            (lot * u(self.rng.range(1, 100).into()) / u(100)).max(u(1))
        };
        let taker = addr(TAKER);
        let budget = e18(10_000_000);
        w.dai.sender(taker).mint(taker, budget).motsu_unwrap();
        w.dai
            .sender(taker)
            .approve(w.dutch.address(), budget)
            .motsu_unwrap();
        let result = w
            .dutch
            .sender(taker)
            .take(id, amount, price, taker, Bytes::from(Vec::new()));
        if result.is_err() {
            // The dust rule can refuse a partial take; the whole lot is always allowed.
            w.dutch
                .sender(taker)
                .take(id, lot, price, taker, Bytes::from(Vec::new()))
                .motsu_unwrap();
        }
        w.dai
            .sender(taker)
            .approve(w.dutch.address(), U256::ZERO)
            .motsu_unwrap();
        self.stats[0] += 1;
        let w = &self.w;
        let (_, tab_after, ..) = w.dutch.sender(keeper).sales(id);
        assert!(tab_after <= tab, "a sale's tab never increases");
    }

    fn batch_step(&mut self) {
        let keeper = addr(KEEPER);
        // The newest batch (ids start at 1; 0 when none).
        let mut latest = U256::ZERO;
        while self.w.batch.sender(keeper).batch(latest + u(1)).0 != U256::ZERO {
            latest += u(1);
        }
        for batch_id in (1..=latest.to::<u64>()).map(U256::from) {
            let (phase, ..) = self.w.batch.sender(keeper).batch(batch_id);
            match phase.to::<u64>() {
                batch_auction::PHASE_COMMIT if self.rng.chance(60) => {
                    let bidder = addr(BIDDER + self.bids.len() as u64);
                    self.parties.push(bidder);
                    let amount = u(self.rng.range(1, 40).into()) * u(WAD);
                    let price = px((self.price * u128::from(self.rng.range(50, 110)) / 100).max(1));
                    let salt = self.rng.next();
                    self.w.commit(bidder, batch_id, amount, price, salt);
                    self.bids.push(Bid {
                        bidder,
                        batch: batch_id,
                        amount,
                        price,
                        salt,
                        revealed: false,
                    });
                }
                batch_auction::PHASE_REVEAL => {
                    for i in 0..self.bids.len() {
                        let bid = &self.bids[i];
                        if bid.batch == batch_id && !bid.revealed && self.rng.chance(85) {
                            self.w
                                .reveal(bid.bidder, batch_id, bid.amount, bid.price, bid.salt);
                            self.bids[i].revealed = true;
                        }
                    }
                }
                batch_auction::PHASE_SETTLE => {
                    self.refresh_feed();
                    self.w.batch.sender(keeper).settle(batch_id).motsu_unwrap();
                    self.stats[1] += 1;
                    let mut claimed = Vec::new();
                    for bid in self.bids.iter().filter(|b| b.batch == batch_id) {
                        if !claimed.contains(&bid.bidder) {
                            self.w
                                .batch
                                .sender(bid.bidder)
                                .claim(batch_id)
                                .motsu_unwrap();
                            claimed.push(bid.bidder);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn fallback(&mut self) {
        let keeper = addr(KEEPER);
        self.refresh_feed();
        for id in self.liquidations.clone() {
            // Only a liquidation whose batch came back unsold continues; others refuse.
            let held = self
                .w
                .weth
                .sender(keeper)
                .balance_of(self.w.engine.address());
            if self
                .w
                .engine
                .sender(keeper)
                .fallback_to_dutch(id, keeper)
                .is_ok()
            {
                let after = self
                    .w
                    .weth
                    .sender(keeper)
                    .balance_of(self.w.engine.address());
                assert!(after < held, "the returned lot went to the Dutch house");
                self.stats[2] += 1;
            }
        }
    }

    fn sync(&mut self) {
        let keeper = addr(KEEPER);
        for id in self.liquidations.clone() {
            // A closed record refuses a sync (`LiquidationClosed`); an open one always syncs.
            let status = self
                .w
                .engine
                .sender(keeper)
                .liquidations(id)
                .motsu_unwrap()
                .2;
            let result = self.w.engine.sender(keeper).sync(id);
            assert_eq!(
                result.is_ok(),
                status != 3,
                "sync of liquidation {id} (status {status})"
            );
        }
        self.w.market.sender(keeper).settle().motsu_unwrap();
    }

    fn socialize(&mut self) {
        let keeper = addr(KEEPER);
        self.now += SOCIALIZATION_DELAY;
        clock::set(self.now);
        self.refresh_feed();
        for id in self.liquidations.clone() {
            // Only finished liquidations with an open deficit can be socialized.
            if self.w.solvency.sender(keeper).socialize(id).is_ok() {
                self.stats[3] += 1;
            }
        }
    }

    /// The system invariants of issue #6.
    fn check(&self) {
        let w = &self.w;
        let admin = w.admin;
        // Collateral and debt tokens: every unit minted is held by a known party.
        let sum = |token: &Contract<MockERC20>| {
            self.parties.iter().fold(U256::ZERO, |acc, p| {
                acc + token.sender(admin).balance_of(*p)
            })
        };
        assert_eq!(
            sum(&w.weth),
            w.weth.sender(admin).total_supply(),
            "WETH conserved"
        );
        assert_eq!(
            sum(&w.dai),
            w.dai.sender(admin).total_supply(),
            "DAI conserved"
        );
        // No liquidation exceeds hole / Hole; Dirt is the sum of what the records count.
        let dirt = w.dirt();
        assert!(dirt <= e18(GLOBAL_HOLE), "Dirt <= Hole");
        let config = w.engine.sender(admin).collateral_config(w.weth.address());
        assert!(config.4 <= config.3, "dirt <= hole");
        assert_eq!(config.4, dirt, "one collateral: dirt == Dirt");
        let counted = self.liquidations.iter().fold(U256::ZERO, |acc, id| {
            acc + w.engine.sender(admin).liquidations(*id).motsu_unwrap().4
        });
        assert_eq!(counted, dirt, "Dirt == Σ counted");
        // The lenders' assets fall by exactly what was socialized to the market.
        let (assets, _, _, _, socialized) = w.market.sender(admin).totals();
        let totals = w
            .solvency
            .sender(admin)
            .beneficiary_totals(w.market.address());
        // The market's figure also counts bad debt it wrote off itself (a position left with
        // debt and no collateral: `BadDebt`), so it may exceed the module's.
        assert!(
            socialized >= totals.4,
            "market socialized >= module socialized"
        );
        assert_eq!(
            assets,
            self.supplied - socialized,
            "assets fall by the socialized amount"
        );
        // The solvency module holds what it accounts for.
        let (fund, held, ..) = w.solvency.sender(admin).books();
        assert!(w.dai.sender(admin).balance_of(w.solvency.address()) >= fund + held);
        // The houses hold exactly their active lots.
        let dutch_lots = w
            .dutch
            .sender(admin)
            .list()
            .iter()
            .fold(U256::ZERO, |acc, id| {
                acc + w.dutch.sender(admin).sales(*id).2
            });
        assert_eq!(
            w.weth.sender(admin).balance_of(w.dutch.address()),
            dutch_lots
        );
    }
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[motsu::test]
fn random_sequences_keep_the_system_invariants() {
    let sequences = env_u64("GAVEL_E2E_SEQUENCES").unwrap_or(30);
    let seeds: Vec<u64> = match env_u64("GAVEL_E2E_SEED") {
        Some(seed) => vec![seed],
        None => (1..=sequences)
            .map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15))
            .collect(),
    };
    let replay = seeds.len() == 1;
    let (mut liquidations, mut stats) = (0usize, [0usize; 4]);
    for seed in seeds {
        let mut sequence = Sequence::new(seed);
        for _ in 0..60 {
            sequence.step();
            sequence.check();
        }
        liquidations += sequence.liquidations.len();
        for (total, n) in stats.iter_mut().zip(sequence.stats) {
            *total += n;
        }
    }
    println!("liquidations {liquidations}, [takes, settles, fallbacks, socializations] {stats:?}");
    // The sequences must reach every path, or they prove little.
    if !replay {
        assert!(liquidations > 0, "no liquidation happened");
        assert!(
            stats.iter().all(|n| *n > 0),
            "a path was never reached: {stats:?}"
        );
    }
}

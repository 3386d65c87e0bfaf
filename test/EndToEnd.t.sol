// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {GavelTest} from "./utils/GavelTest.sol";
import {IBatchAuction} from "../interfaces/IBatchAuction.sol";
import {IDutchAuction} from "../interfaces/IDutchAuction.sol";
import {ILendingMarket} from "../interfaces/ILendingMarket.sol";
import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {IMockERC20} from "../interfaces/IMockERC20.sol";
import {IMockOracle} from "../interfaces/IMockOracle.sol";
import {ISolvencyModule} from "../interfaces/ISolvencyModule.sol";
import {Bidder} from "./batch/Bidder.sol";
import {FlashKeeper} from "./dutch/FlashKeeper.sol";

/// The whole gavel flow on a Stylus executor, from Solidity: every contract is its real WASM
/// (target/wasm/), wired as script/Deploy.s.sol wires a deployment. Borrowers in the example
/// lending market, a price drop, liquidations routed by the engine to the Dutch house (taken by
/// a Solidity flash keeper) and to the sealed-bid batch house (Solidity bidders), the fallback
/// from an unsold batch to the Dutch house, and a crash whose shortfall the fund covers in part
/// and the lenders absorb for the rest.
/// Needs arbos-forge: `./run.sh`, then `arbos-forge test --match-contract EndToEnd`.
contract EndToEndTest is GavelTest {
    IMockERC20 internal weth;
    IMockERC20 internal dai;
    IMockOracle internal oracle;
    ISolvencyModule internal solvency;
    IDutchAuction internal dutch;
    IBatchAuction internal batch;
    ILiquidationEngine internal engine;
    ILendingMarket internal market;

    address internal admin;
    address internal lender;
    address internal alice; // a small borrower: Dutch
    address internal bob; // a large borrower: batch
    address internal keeper;

    uint256 internal constant START = 1_700_000_000;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant PENALTY = 1.1e18;
    uint256 internal constant BATCH_THRESHOLD = 50_000e18;
    uint256 internal constant FUND = 1_000e18;
    uint256 internal constant SUPPLY = 100_000e18;
    uint256 internal constant BOND = 10e18;
    uint256 internal constant SOCIALIZATION_DELAY = 1 days;

    function setUp() public {
        vm.warp(START);
        admin = makeAddr("admin");
        lender = makeAddr("lender");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        keeper = makeAddr("keeper");

        weth = IMockERC20(deployWasm("mock_erc20", abi.encode("Wrapped Ether", "WETH", uint8(18))));
        dai = IMockERC20(deployWasm("mock_erc20", abi.encode("Dai", "DAI", uint8(18))));
        oracle = IMockOracle(deployWasm("mock_oracle", abi.encode(admin, uint8(8), "WETH / DAI", int256(2_000e8))));
        // No penalty share to the lenders, no buffer, one day before socialization, keeper pay
        // capped at 50 DAI.
        solvency = ISolvencyModule(
            deployWasm(
                "solvency_module",
                abi.encode(admin, address(dai), uint256(0), uint256(0), SOCIALIZATION_DELAY, uint256(50e18))
            )
        );
        dutch = IDutchAuction(
            deployWasm("dutch_auction", abi.encode(admin, address(weth), address(dai), address(oracle), address(solvency)))
        );
        batch = IBatchAuction(
            deployWasm("batch_auction", abi.encode(admin, address(weth), address(dai), address(oracle), address(solvency)))
        );
        engine = ILiquidationEngine(deployWasm("liquidation_engine", abi.encode(admin, address(solvency))));
        market = ILendingMarket(
            deployWasm(
                "lending_market",
                abi.encode(
                    admin,
                    address(weth),
                    address(dai),
                    address(oracle),
                    address(engine),
                    address(solvency),
                    uint256(0.8e18),
                    uint256(3_600)
                )
            )
        );

        vm.startPrank(admin);
        solvency.setKicker(address(engine), true);
        solvency.setHouse(address(dutch), true);
        solvency.setHouse(address(batch), true);
        dutch.setKicker(address(engine), true);
        dutch.file("buf", 125e25); // start at 125% of the feed
        dutch.file("tail", 3_000);
        dutch.file("cusp", 4e26);
        dutch.file("floor", 3e26);
        dutch.file("chip", 1e15); // 0.1% of the tab
        dutch.file("tip", 10e18);
        dutch.file("dust", 100e18);
        dutch.file("maxAge", 3_600);
        dutch.setCurve(1, 0, 1_000); // linear to zero over 1,000 s
        batch.setKicker(address(engine), true);
        // Kicks for 10 min, commits for 1 h, reveals for 30 min, 100 bids, reserve 50% of the
        // feed, bond 10 DAI, minimum bid 1 wei, feed at most a day old.
        batch.setParams(600, 3_600, 1_800, 100, RAY / 2, BOND, 1, 1 days);
        // Penalty 10%, 1M DAI per collateral and 2M in all, dust 100 DAI, batch from 50k DAI.
        engine.setCollateral(
            address(weth), address(dutch), address(batch), PENALTY, 1_000_000e18, 100e18, BATCH_THRESHOLD, false
        );
        engine.setHole(2_000_000e18);
        engine.setProtocol(address(market), true);
        vm.stopPrank();

        // The insurance fund.
        dai.mint(address(this), FUND);
        dai.approve(address(solvency), FUND);
        solvency.deposit(FUND);

        // The lender supplies 100,000 DAI.
        dai.mint(lender, SUPPLY);
        vm.startPrank(lender);
        dai.approve(address(market), SUPPLY);
        market.supply(SUPPLY);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------- helpers

    /// `who` deposits `collateral` WETH and borrows `debt` DAI.
    function _borrow(address who, uint256 collateral, uint256 debt) internal {
        weth.mint(who, collateral);
        vm.startPrank(who);
        weth.approve(address(market), collateral);
        market.depositCollateral(collateral);
        market.borrow(debt, who);
        vm.stopPrank();
        assertEq(dai.balanceOf(who), debt, "borrowed");
    }

    /// The feed moves to `price` whole DAI per WETH, now.
    function _price(int256 price) internal {
        vm.prank(admin);
        oracle.setAnswer(price * 1e8, block.timestamp);
    }

    function _fund() internal view returns (uint256 fund) {
        (fund,,,,,) = solvency.books();
    }

    function _totalSupplyAssets() internal view returns (uint256 assets) {
        (assets,,,,) = market.totals();
    }

    /// The market wrote `who`'s whole position off and holds no collateral.
    function _assertSeized(address who) internal view {
        (uint256 shares, uint256 collateral, uint256 debt) = market.position(who);
        assertEq(shares, 0, "no supply");
        assertEq(collateral, 0, "collateral seized");
        assertEq(debt, 0, "debt written off the borrower");
        assertEq(weth.balanceOf(address(market)), 0, "market sent the collateral");
    }

    /// The newest Dutch sale has this owner, lot, tab and starting price; returns its id.
    function _assertDutchSale(address owner, uint256 lot, uint256 tab, uint256 top)
        internal
        view
        returns (uint256 id)
    {
        id = dutch.kicks();
        (, uint256 saleTab, uint256 saleLot, address usr,, uint256 saleTop) = dutch.sales(id);
        assertEq(saleTab, tab, "tab = debt x penalty");
        assertEq(saleLot, lot, "lot");
        assertEq(usr, owner, "leftover goes to the borrower");
        assertEq(saleTop, top, "top = feed x buf");
        assertEq(engine.dirt(), tab, "dirt counts the tab");
    }

    // ------------------------------------------------------------------------------ flows

    /// A small position goes to the Dutch house; a Solidity keeper takes it with a flash
    /// callback; the lenders are repaid in full and the penalty goes to the fund.
    function test_dutch_flash_liquidation_repays_the_lenders() public {
        _borrow(alice, 10e18, 15_000e18);
        _price(1_700);
        assertTrue(market.healthFactor(alice) < WAD, "unhealthy at 1,700");

        uint256 fundBefore = _fund();
        uint256 cashBefore = dai.balanceOf(address(market));
        vm.prank(keeper);
        uint256 liquidationId = market.liquidate(alice);
        assertEq(liquidationId, 1, "first liquidation");

        _assertSeized(alice);
        uint256 id = _assertDutchSale(alice, 10e18, 16_500e18, 2_125 * RAY);
        uint256 tab = 16_500e18;
        uint256 kickPay = 10e18 + 16_500e15; // tip + chip x tab
        assertEq(dai.balanceOf(keeper), kickPay, "keeper incentive");

        // 100 s later the price is 1,912.5; the flash keeper buys what covers the tab.
        vm.warp(START + 100);
        FlashKeeper flash = new FlashKeeper(dutch, weth, dai);
        flash.start(id, 10e18, type(uint256).max, hex"01");
        uint256 price = 1_912_500 * RAY / 1_000;
        uint256 slice = tab * RAY / price; // covering the tab: rounded down
        assertEq(flash.seenOwe(), tab, "owe = tab");
        assertEq(flash.seenSlice(), slice, "slice rounds down");
        assertEq(weth.balanceOf(address(flash)), slice, "keeper got the collateral");
        assertEq(weth.balanceOf(alice), 10e18 - slice, "leftover to alice");
        assertEq(dutch.count(), 0, "auction over");

        assertEq(dai.balanceOf(address(market)), cashBefore + 15_000e18, "lenders repaid the debt");
        assertEq(_totalSupplyAssets(), SUPPLY, "no loss for the lenders");
        // The fund advanced the kick incentive, then got the whole 1,500 penalty (which first
        // repays that advance; the lenders' penalty share is 0).
        assertEq(_fund(), fundBefore - kickPay + 1_500e18, "penalty to the fund");

        engine.sync(liquidationId);
        assertEq(engine.dirt(), 0, "room reopens");
    }

    /// A large position goes to the sealed-bid batch house; two Solidity bidders win at one
    /// price, a third commits and never reveals (its bond goes to the fund).
    function test_large_position_clears_in_a_sealed_bid_batch() public {
        _borrow(bob, 40e18, 60_000e18);
        _price(1_700);
        vm.prank(keeper);
        uint256 liquidationId = market.liquidate(bob);
        assertEq(engine.dirt(), 66_000e18, "dirt counts the tab");
        assertEq(weth.balanceOf(address(batch)), 40e18, "batch holds the lot");

        (Bidder carol, Bidder dave, Bidder erin) = _bid(1);
        (uint256 price, uint256 sold) = _settle(1);
        assertEq(weth.balanceOf(bob), 40e18 - sold, "leftover to bob");

        carol.claim(1);
        dave.claim(1);
        erin.claim(1);
        assertEq(price, 1_700 * RAY, "uniform clearing price");
        assertEq(weth.balanceOf(address(carol)), 20e18, "carol wins her bid");
        assertEq(weth.balanceOf(address(dave)), sold - 20e18, "dave fills the rest");
        assertEq(dai.balanceOf(address(erin)), 50_000e18 - BOND, "erin loses the bond only");
        assertEq(weth.balanceOf(address(batch)), 0, "house empty");

        engine.sync(liquidationId);
        assertEq(engine.dirt(), 0, "room reopens");
    }

    /// carol bids 20 WETH at 1,800 and dave 25 at 1,700, both revealed; erin commits 30 at
    /// 1,750 and never reveals.
    function _bid(uint256 batchId) internal returns (Bidder carol, Bidder dave, Bidder erin) {
        carol = new Bidder(batch, dai);
        dave = new Bidder(batch, dai);
        erin = new Bidder(batch, dai);
        dai.mint(address(carol), 50_000e18);
        dai.mint(address(dave), 50_000e18);
        dai.mint(address(erin), 50_000e18);
        carol.commit(batchId, 20e18, 1_800 * RAY, "c", 36_000e18);
        dave.commit(batchId, 25e18, 1_700 * RAY, "d", 42_500e18);
        erin.commit(batchId, 30e18, 1_750 * RAY, "e", 50_000e18);
        (,, uint256 commitEnd,,,,,) = batch.batch(batchId);
        vm.warp(commitEnd);
        carol.reveal(batchId, 20e18, 1_800 * RAY, "c");
        dave.reveal(batchId, 25e18, 1_700 * RAY, "d");
    }

    /// Settles batch `batchId` (bob's 66,000 tab) with a fresh feed and checks where the
    /// proceeds went.
    function _settle(uint256 batchId) internal returns (uint256 price, uint256 sold) {
        (,,, uint256 revealEnd,,,,) = batch.batch(batchId);
        vm.warp(revealEnd);
        _price(1_700);
        uint256 fundBefore = _fund();
        uint256 cashBefore = dai.balanceOf(address(market));
        batch.settle(batchId);

        // At 1,800 carol's 20 do not cover 66,000 / 1,800 = 36.7; at 1,700 the 45 offered do.
        uint256 raised;
        (price, sold, raised,,,) = batch.result(batchId);
        assertEq(sold, (66_000e18 * RAY + price - 1) / price, "sold what covers the tab");
        assertTrue(raised >= 66_000e18, "raised covers the tab");
        assertEq(dai.balanceOf(address(market)), cashBefore + 60_000e18, "lenders repaid");
        assertEq(_fund(), fundBefore + BOND + raised - 60_000e18, "penalty, rounding and erin's bond");
    }

    /// Nobody bids in the batch: the collateral comes back to the engine, which continues the
    /// same liquidation in the Dutch house, where a plain keeper finishes it.
    function test_unsold_batch_falls_back_to_the_dutch_house() public {
        _borrow(bob, 40e18, 60_000e18);
        _price(1_700);
        vm.prank(keeper);
        uint256 liquidationId = market.liquidate(bob);
        uint256 batchId = 1;
        (,,, uint256 revealEnd,,,,) = batch.batch(batchId);
        vm.warp(revealEnd);
        _price(1_700);
        batch.settle(batchId);
        assertEq(weth.balanceOf(address(engine)), 40e18, "unsold lot back at the engine");

        engine.fallbackToDutch(liquidationId, keeper);
        assertEq(weth.balanceOf(address(engine)), 0, "engine holds nothing");
        uint256 id = dutch.kicks();
        (, uint256 tab, uint256 lot, address usr,,) = dutch.sales(id);
        assertEq(tab, 66_000e18, "same tab");
        assertEq(lot, 40e18, "same lot");
        assertEq(usr, bob, "same owner");

        vm.warp(block.timestamp + 100);
        address taker = makeAddr("taker");
        dai.mint(taker, tab);
        uint256 cashBefore = dai.balanceOf(address(market));
        vm.startPrank(taker);
        dai.approve(address(dutch), tab);
        dutch.take(id, lot, type(uint256).max, taker, "");
        vm.stopPrank();
        assertEq(dai.balanceOf(taker), 0, "taker paid the tab");
        assertEq(weth.balanceOf(taker) + weth.balanceOf(bob), 40e18, "collateral conserved");
        assertEq(dai.balanceOf(address(market)), cashBefore + 60_000e18, "lenders repaid");
        engine.sync(liquidationId);
        assertEq(engine.dirt(), 0, "room reopens");
    }

    /// A crash: the auction raises less than the debt; the fund covers what it holds and the
    /// rest is socialized: the lenders' assets fall by exactly that amount.
    function test_crash_shortfall_is_covered_then_socialized() public {
        _borrow(alice, 10e18, 15_000e18);
        _price(1_000);
        vm.prank(keeper);
        uint256 liquidationId = market.liquidate(alice);
        uint256 id = dutch.kicks();
        uint256 cashBefore = dai.balanceOf(address(market));

        // Top 1,250; 200 s later the price is 1,000: the whole lot raises 10,000 DAI.
        vm.warp(START + 200);
        address taker = makeAddr("taker");
        dai.mint(taker, 10_000e18);
        vm.startPrank(taker);
        dai.approve(address(dutch), 10_000e18);
        dutch.take(id, 10e18, 1_000 * RAY, taker, "");
        vm.stopPrank();
        assertEq(weth.balanceOf(taker), 10e18, "taker bought the lot");

        // 15,000 debt - 10,000 raised = 5,000 short; the fund (1,000 less the kick pay) covers
        // part, the rest is a deficit entry.
        (,, uint256 openDeficit,,,) = solvency.books();
        uint256 fund = _fund();
        assertEq(fund, 0, "fund used up");
        assertTrue(openDeficit > 0, "deficit recorded");
        assertEq(
            dai.balanceOf(address(market)), cashBefore + 15_000e18 - openDeficit, "repaid + covered + deficit = debt"
        );

        vm.warp(block.timestamp + SOCIALIZATION_DELAY);
        solvency.socialize(liquidationId);
        (uint256 assets,,,, uint256 socialized) = market.totals();
        assertEq(socialized, openDeficit, "the market absorbed the deficit");
        assertEq(assets, SUPPLY - openDeficit, "lenders' assets fall by exactly the socialized amount");
        (,, uint256 deficitAfter,,,) = solvency.books();
        assertEq(deficitAfter, 0, "books closed");
        engine.sync(liquidationId);
        assertEq(engine.dirt(), 0, "room reopens");
    }

    /// The market refuses to liquidate a healthy position; the engine refuses callers that are
    /// not registered protocols.
    function test_bad_input_is_refused() public {
        _borrow(alice, 10e18, 15_000e18);
        vm.expectRevert();
        market.liquidate(alice);
        vm.expectRevert(abi.encodeWithSelector(ILiquidationEngine.NotProtocol.selector, address(this)));
        engine.liquidate(address(weth), 1e18, 1_000e18, alice, address(this));
    }
}

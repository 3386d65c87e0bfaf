// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {GavelTest} from "./utils/GavelTest.sol";
import {IDutchAuction} from "../interfaces/IDutchAuction.sol";
import {IMockERC20} from "../interfaces/IMockERC20.sol";
import {IMockOracle} from "../interfaces/IMockOracle.sol";
import {FlashKeeper} from "./dutch/FlashKeeper.sol";
import {ISolvencyModule} from "../interfaces/ISolvencyModule.sol";

/// The Dutch auction house on a Stylus executor: the real WASM of the house, the solvency module
/// and the mocks, a kick, a flash take by a Solidity keeper that pays in the callback, a plain
/// take, and the balances after each.
/// Needs arbos-forge and the WASM in target/wasm/ (dutch_auction.wasm, solvency_module.wasm,
/// mock_erc20.wasm, mock_oracle.wasm): `./run.sh`, then `arbos-forge test`.
contract DutchAuctionTest is GavelTest {
    IDutchAuction internal house;
    ISolvencyModule internal solvency;
    IMockERC20 internal gem;
    IMockERC20 internal dai;
    IMockOracle internal oracle;

    address internal admin;
    address internal engine;
    address internal keeper;
    address internal kpr;
    address internal usr;
    address internal beneficiary;

    uint256 internal constant START = 1_700_000_000;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant TAB = 10_000e18;
    uint256 internal constant LOT = 10e18;

    function setUp() public {
        vm.warp(START);
        admin = makeAddr("admin");
        engine = makeAddr("engine");
        keeper = makeAddr("keeper");
        kpr = makeAddr("kpr");
        usr = makeAddr("usr");
        beneficiary = makeAddr("beneficiary");

        gem = IMockERC20(deployWasm("mock_erc20", abi.encode("Gem", "GEM", uint8(18))));
        dai = IMockERC20(deployWasm("mock_erc20", abi.encode("Dai", "DAI", uint8(18))));
        // GEM at 2,000 DAI, 8-decimal feed.
        oracle = IMockOracle(deployWasm("mock_oracle", abi.encode(admin, uint8(8), "GEM / DAI", int256(2_000e8))));
        // Keeper pay capped at 50 DAI; no penalty share, buffer or socialization delay.
        solvency = ISolvencyModule(
            deployWasm("solvency_module", abi.encode(admin, address(dai), uint256(0), uint256(0), uint256(0), uint256(50e18)))
        );
        house = IDutchAuction(
            deployWasm("dutch_auction", abi.encode(admin, address(gem), address(dai), address(oracle), address(solvency)))
        );

        vm.startPrank(admin);
        solvency.setKicker(engine, true);
        solvency.setHouse(address(house), true);
        house.setKicker(engine, true);
        house.file("buf", 125e25); // start at 125% of the feed
        house.file("tail", 2_000);
        house.file("cusp", 4e26);
        house.file("floor", 3e26);
        house.file("chip", 1e15); // 0.1% of the tab
        house.file("tip", 10e18);
        house.file("dust", 100e18);
        house.file("maxAge", 3_600);
        house.setCurve(1, 0, 1_000); // linear to zero over 1,000 s
        vm.stopPrank();

        // The insurance fund pays keeper incentives.
        dai.mint(address(this), 1_000e18);
        dai.approve(address(solvency), 1_000e18);
        solvency.deposit(1_000e18);
    }

    /// The engine opens a liquidation and kicks it with LOT collateral.
    function kick() internal returns (uint256 id) {
        vm.startPrank(engine);
        uint256 liquidation = solvency.open(beneficiary, TAB, TAB);
        gem.mint(engine, LOT);
        gem.approve(address(house), LOT);
        id = house.kick(liquidation, TAB, LOT, usr, kpr);
        vm.stopPrank();
    }

    function test_kick_starts_at_the_oracle_price_times_buf() public {
        uint256 id = kick();
        assertEq(id, 1, "first id");
        (uint256 pos, uint256 tab, uint256 lot, address owner, uint96 tic, uint256 top) = house.sales(id);
        assertEq(pos, 0, "pos");
        assertEq(tab, TAB, "tab");
        assertEq(lot, LOT, "lot");
        assertEq(owner, usr, "usr");
        assertEq(uint256(tic), START, "tic");
        assertEq(top, 2_500 * RAY, "top = 2,000 * 1.25");
        assertEq(house.count(), 1, "count");
        assertEq(gem.balanceOf(address(house)), LOT, "house holds the lot");
        // Kick incentive: tip + chip * tab = 10 + 10 DAI.
        assertEq(dai.balanceOf(kpr), 20e18, "kick incentive");
    }

    function test_flash_take_pays_in_the_callback() public {
        uint256 id = kick();
        FlashKeeper flash = new FlashKeeper(house, gem, dai);
        vm.warp(START + 500);
        (bool needsRedo, uint256 price,,) = house.getStatus(id);
        assertFalse(needsRedo, "running");
        assertEq(price, 1_250 * RAY, "half way down the linear curve");

        uint256 solvencyBefore = dai.balanceOf(address(solvency));
        flash.start(id, 2e18, price, hex"c0ffee");

        uint256 owe = 2_500e18;
        assertEq(flash.seenSender(), address(flash), "sender");
        assertEq(flash.seenOwe(), owe, "owe");
        assertEq(flash.seenSlice(), 2e18, "slice");
        assertEq(flash.seenData(), hex"c0ffee", "data");
        assertEq(gem.balanceOf(address(flash)), 2e18, "keeper got the collateral");
        assertEq(dai.balanceOf(address(flash)), 0, "keeper paid what it owed");
        assertEq(dai.balanceOf(address(solvency)), solvencyBefore + owe, "solvency module got the proceeds");
        (, uint256 held,,,,) = solvency.books();
        assertEq(held, owe, "proceeds reported");
        assertEq(gem.balanceOf(address(house)), 8e18, "house keeps the rest of the lot");
        (, , uint256 lot, uint256 tab) = house.getStatus(id);
        assertEq(lot, 8e18, "lot left");
        assertEq(tab, TAB - owe, "tab left");
    }

    function test_take_covering_the_tab_returns_the_leftover() public {
        uint256 id = kick();
        vm.warp(START + 500);
        dai.mint(keeper, TAB);
        vm.startPrank(keeper);
        dai.approve(address(house), TAB);
        house.take(id, LOT, type(uint256).max, keeper, "");
        vm.stopPrank();
        // 8 GEM cover the 10,000 DAI tab at 1,250; 2 GEM go back to the owner.
        assertEq(gem.balanceOf(keeper), 8e18, "keeper");
        assertEq(gem.balanceOf(usr), 2e18, "leftover to usr");
        assertEq(dai.balanceOf(keeper), 0, "keeper paid the tab");
        assertEq(dai.balanceOf(beneficiary), TAB, "beneficiary repaid");
        assertEq(house.count(), 0, "auction over");
        assertEq(gem.balanceOf(address(house)), 0, "house empty");
    }

    function test_take_above_max_reverts() public {
        uint256 id = kick();
        vm.warp(START + 500);
        vm.expectRevert(abi.encodeWithSelector(IDutchAuction.TooExpensive.selector, 1_000 * RAY, 1_250 * RAY));
        vm.prank(keeper);
        house.take(id, 1e18, 1_000 * RAY, keeper, "");
    }
}

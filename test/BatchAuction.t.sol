// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {GavelTest} from "./utils/GavelTest.sol";
import {IBatchAuction} from "../interfaces/IBatchAuction.sol";
import {IMockERC20} from "../interfaces/IMockERC20.sol";
import {IMockOracle} from "../interfaces/IMockOracle.sol";
import {Bidder} from "./batch/Bidder.sol";
import {ISolvencyModule} from "../interfaces/ISolvencyModule.sol";

/// The sealed-bid batch house on a Stylus executor: the real WASM of the house, the solvency
/// module and the mocks; two liquidations in one batch, three Solidity bidders through commit,
/// reveal, settle and claim, one of them never revealing.
/// Needs arbos-forge and the WASM in target/wasm/ (batch_auction.wasm, solvency_module.wasm,
/// mock_erc20.wasm, mock_oracle.wasm): `./run.sh`, then `arbos-forge test`.
contract BatchAuctionTest is GavelTest {
    IBatchAuction internal house;
    ISolvencyModule internal solvency;
    IMockERC20 internal weth;
    IMockERC20 internal dai;
    IMockOracle internal oracle;
    Bidder internal alice;
    Bidder internal bob;
    Bidder internal carol;

    address internal admin;
    address internal engine;
    address internal beneficiary;
    address internal usr1;
    address internal usr2;

    uint256 internal constant START = 1_700_000_000;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant KICK_WINDOW = 600;
    uint256 internal constant COMMIT_WINDOW = 3_600;
    uint256 internal constant REVEAL_WINDOW = 1_800;
    uint256 internal constant BOND = 10e18;

    function setUp() public {
        vm.warp(START);
        admin = makeAddr("admin");
        engine = makeAddr("engine");
        beneficiary = makeAddr("beneficiary");
        usr1 = makeAddr("usr1");
        usr2 = makeAddr("usr2");

        weth = IMockERC20(deployWasm("mock_erc20", abi.encode("Wrapped Ether", "WETH", uint8(18))));
        dai = IMockERC20(deployWasm("mock_erc20", abi.encode("Dai", "DAI", uint8(18))));
        // WETH at 2,000 DAI, 8-decimal feed.
        oracle = IMockOracle(deployWasm("mock_oracle", abi.encode(admin, uint8(8), "WETH / DAI", int256(2_000e8))));
        solvency = ISolvencyModule(
            deployWasm("solvency_module", abi.encode(admin, address(dai), uint256(0), uint256(0), uint256(0), uint256(0)))
        );
        house = IBatchAuction(
            deployWasm("batch_auction", abi.encode(admin, address(weth), address(dai), address(oracle), address(solvency)))
        );

        vm.startPrank(admin);
        solvency.setKicker(engine, true);
        solvency.setHouse(address(house), true);
        house.setKicker(engine, true);
        // Reserve 50% of the feed, 100 bids per batch, bond 10 DAI, min bid 1 wei, feed 1 day.
        house.setParams(KICK_WINDOW, COMMIT_WINDOW, REVEAL_WINDOW, 100, RAY / 2, BOND, 1, 1 days);
        vm.stopPrank();

        alice = new Bidder(house, dai);
        bob = new Bidder(house, dai);
        carol = new Bidder(house, dai);
        dai.mint(address(alice), 20_000e18);
        dai.mint(address(bob), 20_000e18);
        dai.mint(address(carol), 20_000e18);
    }

    /// Opens a liquidation (debt = tab) and kicks it into the house as the engine.
    function _kick(uint256 tab, uint256 lot, address usr) internal returns (uint256 id, uint256 batchId) {
        weth.mint(engine, lot);
        vm.startPrank(engine);
        weth.approve(address(house), lot);
        id = solvency.open(beneficiary, tab, tab);
        batchId = house.kick(id, tab, lot, usr, engine);
        vm.stopPrank();
    }

    function _phase(uint256 batchId) internal view returns (uint256 phase, uint256 commitEnd, uint256 revealEnd) {
        (phase,, commitEnd, revealEnd,,,,) = house.batch(batchId);
    }

    function test_commit_reveal_settle_claim() public {
        uint256 batchId = _commitAndReveal();
        (uint256 price, uint256 sold) = _settleAndCheck(batchId);
        _claimAll(batchId, price, sold);
    }

    /// Two kicks into one batch; alice 4 WETH at 1,900, bob 5 at 1,700 (the margin), carol 6 at
    /// 1,800 but she never reveals.
    function _commitAndReveal() internal returns (uint256 batchId) {
        (, batchId) = _kick(10_000e18, 10e18, usr1);
        (, uint256 second) = _kick(3_000e18, 4e18, usr2);
        assertEq(second, batchId, "one batch");
        alice.commit(batchId, 4e18, 1_900 * RAY, "a", 8_000e18);
        bob.commit(batchId, 5e18, 1_700 * RAY, "b", 9_000e18);
        carol.commit(batchId, 6e18, 1_800 * RAY, "c", 11_000e18);
        (bytes32 hash,,,,) = house.commitmentOf(batchId, address(alice), 0);
        bytes32 salt = "a";
        assertEq(hash, keccak256(abi.encode(batchId, address(alice), 4e18, 1_900 * RAY, salt)), "commitment");

        (, uint256 commitEnd,) = _phase(batchId);
        vm.warp(commitEnd);
        // A wrong salt opens nothing.
        bytes32 wrong = alice.commitmentFor(batchId, 4e18, 1_900 * RAY, "x");
        vm.expectRevert(abi.encodeWithSelector(IBatchAuction.UnknownCommitment.selector, wrong));
        alice.reveal(batchId, 4e18, 1_900 * RAY, "x");
        alice.reveal(batchId, 4e18, 1_900 * RAY, "a");
        bob.reveal(batchId, 5e18, 1_700 * RAY, "b");
    }

    /// Settles with a fresh feed and checks the clearing, the users' leftovers and the fund.
    function _settleAndCheck(uint256 batchId) internal returns (uint256 price, uint256 sold) {
        (,, uint256 revealEnd) = _phase(batchId);
        vm.warp(revealEnd);
        vm.prank(admin);
        oracle.setAnswer(int256(2_000e8), revealEnd);
        (uint256 fundBefore,,,,,) = solvency.books();
        house.settle(batchId);

        // At 1,900 the kicks need 5.26 + 1.58 > 4; at 1,700 they need 5.88 + 1.76 <= 9.
        uint256 raised;
        (price, sold, raised,,,) = house.result(batchId);
        assertEq(price, 1_700 * RAY, "clearing price");
        uint256 need1 = (10_000e18 * RAY + price - 1) / price;
        uint256 need2 = (3_000e18 * RAY + price - 1) / price;
        assertEq(sold, need1 + need2, "sold");
        assertEq(weth.balanceOf(usr1), 10e18 - need1, "usr1 leftover");
        assertEq(weth.balanceOf(usr2), 4e18 - need2, "usr2 leftover");
        assertEq(dai.balanceOf(beneficiary), 13_000e18, "tabs repaid");
        // carol's bond and the rounding surplus went to the insurance fund.
        (uint256 fundAfter,,,,,) = solvency.books();
        assertEq(fundAfter - fundBefore, BOND + raised - 13_000e18, "fund");
    }

    function _claimAll(uint256 batchId, uint256 price, uint256 sold) internal {
        uint256 aliceDai = dai.balanceOf(address(alice));
        alice.claim(batchId);
        assertEq(weth.balanceOf(address(alice)), 4e18, "alice won");
        uint256 alicePaid = (4e18 * price + RAY - 1) / RAY;
        assertEq(dai.balanceOf(address(alice)) - aliceDai, 8_000e18 - alicePaid, "alice refund");
        bob.claim(batchId);
        assertEq(weth.balanceOf(address(bob)), sold - 4e18, "bob won");
        carol.claim(batchId);
        assertEq(dai.balanceOf(address(carol)), 20_000e18 - BOND, "carol loses the bond only");

        // Nothing stays in the house; a second claim and a second settlement revert.
        assertEq(weth.balanceOf(address(house)), 0, "house collateral");
        assertEq(dai.balanceOf(address(house)), 0, "house debt token");
        vm.expectRevert(abi.encodeWithSelector(IBatchAuction.AlreadyClaimed.selector, batchId, address(bob)));
        bob.claim(batchId);
        vm.expectRevert(abi.encodeWithSelector(IBatchAuction.WrongPhase.selector, batchId, uint256(4)));
        house.settle(batchId);
    }

    function test_reveal_outside_its_window_reverts() public {
        (, uint256 batchId) = _kick(1_000e18, 1e18, usr1);
        alice.commit(batchId, 1e18, 1_500 * RAY, "a", 1_500e18);
        vm.expectRevert(abi.encodeWithSelector(IBatchAuction.WrongPhase.selector, batchId, uint256(1)));
        alice.reveal(batchId, 1e18, 1_500 * RAY, "a");
        (,, uint256 revealEnd) = _phase(batchId);
        vm.warp(revealEnd);
        vm.expectRevert(abi.encodeWithSelector(IBatchAuction.WrongPhase.selector, batchId, uint256(3)));
        alice.reveal(batchId, 1e18, 1_500 * RAY, "a");
    }

    function test_yank_refunds_every_deposit() public {
        (, uint256 batchId) = _kick(1_000e18, 1e18, usr1);
        alice.commit(batchId, 1e18, 1_500 * RAY, "a", 1_500e18);
        vm.prank(admin);
        house.yank(batchId);
        assertEq(weth.balanceOf(engine), 1e18, "lot back to the kicker");
        alice.claim(batchId);
        assertEq(dai.balanceOf(address(alice)), 20_000e18, "full refund");
    }
}

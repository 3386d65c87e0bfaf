// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {GavelTest} from "./utils/GavelTest.sol";
import {IMockERC20} from "../interfaces/IMockERC20.sol";
import {IMockOracle} from "../interfaces/IMockOracle.sol";

/// Exercises the Stylus mocks (contracts/mocks) through their generated interfaces.
/// Needs arbos-forge and the WASM in target/wasm/ (mock_erc20.wasm, mock_oracle.wasm).
contract MocksTest is GavelTest {
    IMockERC20 internal token;
    IMockOracle internal oracle;

    address internal owner;
    address internal alice;
    address internal bob;
    address internal carol;

    uint8 internal constant TOKEN_DECIMALS = 6;
    uint8 internal constant ORACLE_DECIMALS = 8;
    int256 internal constant INITIAL_ANSWER = 2_000e8;
    string internal constant ORACLE_DESCRIPTION = "ETH / USD";
    uint256 internal constant START = 1_700_000_000;

    function setUp() public {
        vm.warp(START);
        owner = makeAddr("owner");
        alice = makeAddr("alice");
        bob = makeAddr("bob");
        carol = makeAddr("carol");

        token = IMockERC20(deployWasm("mock_erc20", abi.encode("Mock USD Coin", "mUSDC", TOKEN_DECIMALS)));
        oracle = IMockOracle(
            deployWasm("mock_oracle", abi.encode(owner, ORACLE_DECIMALS, ORACLE_DESCRIPTION, INITIAL_ANSWER))
        );
    }

    // ------------------------------------------------------------------ MockERC20

    function test_erc20_metadata() public view {
        assertEq(token.name(), "Mock USD Coin", "name");
        assertEq(token.symbol(), "mUSDC", "symbol");
        assertEq(uint256(token.decimals()), uint256(TOKEN_DECIMALS), "decimals");
        assertEq(token.totalSupply(), 0, "initial totalSupply");
    }

    function test_erc20_mint() public {
        token.mint(alice, 1_000e6);
        assertEq(token.balanceOf(alice), 1_000e6, "alice balance");
        assertEq(token.totalSupply(), 1_000e6, "totalSupply after first mint");

        token.mint(bob, 5e6);
        assertEq(token.balanceOf(bob), 5e6, "bob balance");
        assertEq(token.balanceOf(alice), 1_000e6, "alice balance unchanged");
        assertEq(token.totalSupply(), 1_005e6, "totalSupply after second mint");
    }

    function test_erc20_transfer() public {
        token.mint(alice, 1_000e6);

        vm.expectEmit(true, true, false, true, address(token));
        emit IMockERC20.Transfer(alice, bob, 250e6);
        vm.prank(alice);
        assertTrue(token.transfer(bob, 250e6), "transfer returns true");

        assertEq(token.balanceOf(alice), 750e6, "alice after transfer");
        assertEq(token.balanceOf(bob), 250e6, "bob after transfer");
        assertEq(token.totalSupply(), 1_000e6, "totalSupply unchanged by transfer");
    }

    function test_erc20_approve_and_transferFrom() public {
        token.mint(alice, 1_000e6);

        vm.expectEmit(true, true, false, true, address(token));
        emit IMockERC20.Approval(alice, bob, 300e6);
        vm.prank(alice);
        assertTrue(token.approve(bob, 300e6), "approve returns true");
        assertEq(token.allowance(alice, bob), 300e6, "allowance after approve");

        vm.prank(bob);
        assertTrue(token.transferFrom(alice, carol, 200e6), "transferFrom returns true");
        assertEq(token.balanceOf(alice), 800e6, "alice after transferFrom");
        assertEq(token.balanceOf(carol), 200e6, "carol after transferFrom");
        assertEq(token.balanceOf(bob), 0, "spender balance untouched");
        assertEq(token.allowance(alice, bob), 100e6, "allowance spent");

        vm.expectRevert(
            abi.encodeWithSelector(
                IMockERC20.ERC20InsufficientAllowance.selector, bob, uint256(100e6), uint256(100e6 + 1)
            )
        );
        vm.prank(bob);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transferFrom(alice, carol, 100e6 + 1);
    }

    function test_erc20_transfer_beyond_balance_reverts() public {
        token.mint(alice, 100e6);

        vm.expectRevert(
            abi.encodeWithSelector(
                IMockERC20.ERC20InsufficientBalance.selector, alice, uint256(100e6), uint256(100e6 + 1)
            )
        );
        vm.prank(alice);
        // forge-lint: disable-next-line(erc20-unchecked-transfer)
        token.transfer(bob, 100e6 + 1);

        assertEq(token.balanceOf(alice), 100e6, "balance unchanged after failed transfer");
        assertEq(token.balanceOf(bob), 0, "receiver unchanged after failed transfer");
    }

    // ------------------------------------------------------------------ MockOracle

    function test_oracle_metadata() public view {
        assertEq(uint256(oracle.decimals()), uint256(ORACLE_DECIMALS), "decimals");
        assertEq(oracle.description(), ORACLE_DESCRIPTION, "description");
        assertEq(oracle.owner(), owner, "owner");
        assertEq(oracle.pendingOwner(), address(0), "pendingOwner");
    }

    function test_oracle_latestRoundData_after_construction() public view {
        (uint80 roundId, int256 answer,, uint256 updatedAt,) = oracle.latestRoundData();
        assertEq(uint256(roundId), 1, "roundId");
        assertEq(answer, INITIAL_ANSWER, "answer");
        assertEq(updatedAt, block.timestamp, "updatedAt");
        assertEq(updatedAt, START, "updatedAt == START");
    }

    function test_oracle_owner_setAnswer() public {
        vm.warp(START + 1 hours);
        int256 newAnswer = 1_950e8;
        uint256 newUpdatedAt = START + 30 minutes;

        vm.expectEmit(true, true, false, true, address(oracle));
        emit IMockOracle.AnswerUpdated(newAnswer, 2, newUpdatedAt);
        vm.prank(owner);
        oracle.setAnswer(newAnswer, newUpdatedAt);

        (uint80 roundId, int256 answer,, uint256 updatedAt,) = oracle.latestRoundData();
        assertEq(uint256(roundId), 2, "latest roundId bumped");
        assertEq(answer, newAnswer, "latest answer");
        assertEq(updatedAt, newUpdatedAt, "latest updatedAt");

        (uint80 r2, int256 a2,, uint256 u2,) = oracle.getRoundData(2);
        assertEq(uint256(r2), 2, "getRoundData(2).roundId");
        assertEq(a2, newAnswer, "getRoundData(2).answer");
        assertEq(u2, newUpdatedAt, "getRoundData(2).updatedAt");

        (uint80 r1, int256 a1,, uint256 u1,) = oracle.getRoundData(1);
        assertEq(uint256(r1), 1, "getRoundData(1).roundId");
        assertEq(a1, INITIAL_ANSWER, "getRoundData(1).answer kept");
        assertEq(u1, START, "getRoundData(1).updatedAt kept");
    }

    function test_oracle_getRoundData_unknown_round_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IMockOracle.NoDataPresent.selector, uint80(99)));
        oracle.getRoundData(99);
    }

    function test_oracle_non_owner_setAnswer_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(IMockOracle.OwnableUnauthorizedAccount.selector, alice));
        vm.prank(alice);
        oracle.setAnswer(1e8, block.timestamp);

        (uint80 roundId, int256 answer,,,) = oracle.latestRoundData();
        assertEq(uint256(roundId), 1, "roundId unchanged");
        assertEq(answer, INITIAL_ANSWER, "answer unchanged");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {IClipperCallee} from "../../interfaces/IClipperCallee.sol";
import {IDutchAuction} from "../../interfaces/IDutchAuction.sol";
import {IMockERC20} from "../../interfaces/IMockERC20.sol";

/// @notice A flash-liquidation keeper for the tests: takes with itself as `who`, and in the
/// callback checks that the collateral arrived, "sells" it (the mock debt token mints freely)
/// and approves the house for what it owes.
contract FlashKeeper is IClipperCallee {
    IDutchAuction public immutable house;
    IMockERC20 public immutable gem;
    IMockERC20 public immutable dai;

    uint256 public seenOwe;
    uint256 public seenSlice;
    address public seenSender;
    bytes public seenData;

    constructor(IDutchAuction house_, IMockERC20 gem_, IMockERC20 dai_) {
        house = house_;
        gem = gem_;
        dai = dai_;
    }

    function start(uint256 id, uint256 amt, uint256 max, bytes calldata data) external {
        house.take(id, amt, max, address(this), data);
    }

    function clipperCall(address sender, uint256 owe, uint256 slice, bytes calldata data) external {
        require(msg.sender == address(house), "FlashKeeper: not the house");
        require(gem.balanceOf(address(this)) >= slice, "FlashKeeper: collateral not received");
        seenSender = sender;
        seenOwe = owe;
        seenSlice = slice;
        seenData = data;
        // The "sale" of the collateral.
        dai.mint(address(this), owe);
        require(dai.approve(address(house), owe), "FlashKeeper: approve failed");
    }
}

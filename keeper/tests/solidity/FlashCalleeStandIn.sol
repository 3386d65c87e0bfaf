// SPDX-License-Identifier: MIT
// Test stand-in for a keeper's flash-liquidation callee (interfaces/IClipperCallee.sol): it
// receives the collateral and, as a swap would, sends the keeper the debt tokens it owes
// (from its own balance), so the keeper needs no capital of its own.
pragma solidity ^0.8.23;

import {StandInToken} from "./StandInToken.sol";

contract FlashCalleeStandIn {
    StandInToken public immutable debt;
    uint256 public calls;
    bytes public lastData;

    constructor(StandInToken debt_) {
        debt = debt_;
    }

    function clipperCall(address sender, uint256 owe, uint256, bytes calldata data) external {
        calls++;
        lastData = data;
        debt.transfer(sender, owe);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

/// The part of the solvency module (interfaces/ISolvencyModule.sol) the batch-house test uses:
/// roles, opening a liquidation, and the books (fund first).
interface SolvencyAdmin {
    function setKicker(address account, bool allowed) external;
    function setHouse(address account, bool allowed) external;
    function open(address beneficiary, uint256 debt, uint256 tab) external returns (uint256);
    function books() external view returns (uint256, uint256, uint256, uint256, uint256, uint256);
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

/// @notice The part of gavel's solvency module (contracts/solvency, interfaces/ISolvencyModule.sol
/// once generated) that the Dutch auction house test wires up. Deployment:
/// constructor(address initial_owner, address token, uint256 penalty_share, uint256 fund_buffer,
/// uint256 socialization_delay, uint256 max_keeper_pay).
interface SolvencyLike {
    function setKicker(address account, bool allowed) external;
    function setHouse(address account, bool allowed) external;
    function open(address beneficiary, uint256 debt, uint256 tab) external returns (uint256);
    function deposit(uint256 amount) external;
    function held() external view returns (uint256);
}

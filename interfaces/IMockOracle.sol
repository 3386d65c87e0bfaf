// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

interface IMockOracle {
    function decimals() external view returns (uint8);

    function description() external view returns (string memory);

    function version() external view returns (uint256);

    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80);

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);

    function setAnswer(int256 answer, uint256 updatedAt) external;

    function owner() external view returns (address);

    function pendingOwner() external view returns (address);

    function transferOwnership(address newOwner) external;

    function acceptOwnership() external;

    function renounceOwnership() external;

    error OwnableUnauthorizedAccount(address account);

    error OwnableInvalidOwner(address owner);

    error NoDataPresent(uint80 roundId);

    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);

    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
}

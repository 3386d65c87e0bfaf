// SPDX-License-Identifier: MIT
// Test stand-in for the liquidation engine's permissionless `sync(liquidationId)`
// (interfaces/ILiquidationEngine.sol): records the calls, emits the engine's `Synced`.
pragma solidity ^0.8.23;

contract EngineStandIn {
    uint256 public syncs;
    uint256 public lastSynced;

    event Synced(uint256 indexed liquidationId, uint256 released, uint256 counted);

    function sync(uint256 liquidationId) external {
        syncs++;
        lastSynced = liquidationId;
        emit Synced(liquidationId, 0, 0);
    }
}

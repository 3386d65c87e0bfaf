// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {Vm} from "../test/utils/Vm.sol";

/// Deploys the Stylus mocks (MockERC20 and MockOracle) from target/wasm/.
///
/// NEEDS arbos-forge (iosiro's arbos-foundry): deployStylusCode is not a cheatcode of stock
/// forge, which compiles this script but reverts when running it. Build the WASM first, e.g.
///   arbos-forge script script/DeployMocks.s.sol:DeployMocks --rpc-url $RPC --broadcast --private-key $PK
/// Environment (optional): PRIVATE_KEY broadcasts with that key and makes its address the
/// oracle owner; without it the script's sender (--sender / --private-key) is used.
contract DeployMocks {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bool public constant IS_SCRIPT = true;

    function run() external returns (address token, address oracle) {
        uint256 pk = vm.envOr("PRIVATE_KEY", uint256(0));
        address owner;
        if (pk != 0) {
            owner = vm.addr(pk);
            vm.startBroadcast(pk);
        } else {
            owner = msg.sender;
            vm.startBroadcast();
        }

        token = vm.deployStylusCode(
            "target/wasm/mock_erc20.wasm", abi.encode(string("Mock USD Coin"), string("mUSDC"), uint8(6))
        );
        oracle = vm.deployStylusCode(
            "target/wasm/mock_oracle.wasm", abi.encode(owner, uint8(8), string("ETH / USD"), int256(2_000e8))
        );

        vm.stopBroadcast();
        require(token != address(0) && oracle != address(0), "DeployMocks: deployment failed");
    }
}

// SPDX-License-Identifier: MIT
pragma solidity ^0.8.23;

import {Vm} from "../test/utils/Vm.sol";
import {IBatchAuction} from "../interfaces/IBatchAuction.sol";
import {IDutchAuction} from "../interfaces/IDutchAuction.sol";
import {ILendingMarket} from "../interfaces/ILendingMarket.sol";
import {ILiquidationEngine} from "../interfaces/ILiquidationEngine.sol";
import {ISolvencyModule} from "../interfaces/ISolvencyModule.sol";

/// Deploys gavel for one (collateral, debt token) pair and wires it, in the order a real
/// deployment needs:
///
/// 1. the solvency module (one per debt token), 2. the Dutch house and 3. the batch house
///    (one each per pair), 4. the liquidation engine, 5. optionally the example lending market;
/// 6. roles: the engine is a kicker in the solvency module and in both houses; both houses are
///    houses in the solvency module; the market is a protocol in the engine; 7. parameters:
///    houses, collateral config and the global limit in the engine.
///
/// The deployer is the admin of everything during the script; set ADMIN to hand every contract
/// to another account afterwards (a two-step transfer: ADMIN must call `acceptOwnership` on
/// each contract; the script prints nothing on chain for that step, it only proposes).
///
/// NEEDS arbos-forge (iosiro's arbos-foundry): `deployStylusCode` is not a cheatcode of stock
/// forge, which compiles this script but reverts when running it. Build the WASM first
/// (`./run.sh`), then
///   arbos-forge script script/Deploy.s.sol:Deploy --rpc-url $RPC --broadcast --private-key $PK
/// On a live Arbitrum chain use cargo-stylus instead of deployStylusCode (README: "Deploying to
/// an Arbitrum chain") and run the wiring part (`wire`) with the deployed addresses.
///
/// Environment: COLLATERAL, DEBT_TOKEN, ORACLE (Chainlink AggregatorV3 for collateral in debt
/// token) are required. Optional: ADMIN, DEPLOY_MARKET (bool, default false), LLTV (WAD,
/// default 0.8e18), PENALTY (WAD, default 1.1e18), HOLE (per collateral, default 1M units of
/// the debt token's base unit x 1e18), GLOBAL_HOLE, DUST, BATCH_THRESHOLD.
contract Deploy {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bool public constant IS_SCRIPT = true;

    uint256 internal constant RAY = 1e27;

    struct Deployment {
        address solvency;
        address dutch;
        address batch;
        address engine;
        address market;
    }

    struct Pair {
        address collateral;
        address debtToken;
        address oracle;
    }

    function run() external returns (Deployment memory d) {
        Pair memory pair = Pair({
            collateral: vm.envAddress("COLLATERAL"),
            debtToken: vm.envAddress("DEBT_TOKEN"),
            oracle: vm.envAddress("ORACLE")
        });
        uint256 pk = vm.envOr("PRIVATE_KEY", uint256(0));
        address deployer;
        if (pk != 0) {
            deployer = vm.addr(pk);
            vm.startBroadcast(pk);
        } else {
            deployer = msg.sender;
            vm.startBroadcast();
        }

        d = deploy(deployer, pair, vm.envOr("DEPLOY_MARKET", false), vm.envOr("LLTV", uint256(0.8e18)));
        wire(d, pair);

        address admin = vm.envOr("ADMIN", deployer);
        if (admin != deployer) {
            proposeAdmin(d, admin);
        }
        vm.stopBroadcast();
    }

    /// Steps 1-5: every contract with `admin` as its admin.
    function deploy(address admin, Pair memory pair, bool withMarket, uint256 lltv)
        public
        returns (Deployment memory d)
    {
        // Solvency: no penalty share to the beneficiary, no buffer, 3 days before a deficit may
        // be socialized, keeper pay at most 500 debt-token units (18 decimals assumed here;
        // adjust for the debt token).
        d.solvency = vm.deployStylusCode(
            "target/wasm/solvency_module.wasm",
            abi.encode(admin, pair.debtToken, uint256(0), uint256(0), uint256(3 days), uint256(500e18))
        );
        bytes memory houseArgs = abi.encode(admin, pair.collateral, pair.debtToken, pair.oracle, d.solvency);
        d.dutch = vm.deployStylusCode("target/wasm/dutch_auction.wasm", houseArgs);
        d.batch = vm.deployStylusCode("target/wasm/batch_auction.wasm", houseArgs);
        d.engine = vm.deployStylusCode("target/wasm/liquidation_engine.wasm", abi.encode(admin, d.solvency));
        if (withMarket) {
            d.market = vm.deployStylusCode(
                "target/wasm/lending_market.wasm",
                abi.encode(
                    admin, pair.collateral, pair.debtToken, pair.oracle, d.engine, d.solvency, lltv, uint256(3_600)
                )
            );
        }
        require(
            d.solvency != address(0) && d.dutch != address(0) && d.batch != address(0) && d.engine != address(0)
                && (!withMarket || d.market != address(0)),
            "Deploy: deployment failed"
        );
    }

    /// Steps 6-7, as the admin of every contract.
    function wire(Deployment memory d, Pair memory pair) public {
        ISolvencyModule solvency = ISolvencyModule(d.solvency);
        IDutchAuction dutch = IDutchAuction(d.dutch);
        IBatchAuction batch = IBatchAuction(d.batch);
        ILiquidationEngine engine = ILiquidationEngine(d.engine);

        // Roles.
        solvency.setKicker(d.engine, true);
        solvency.setHouse(d.dutch, true);
        solvency.setHouse(d.batch, true);
        dutch.setKicker(d.engine, true);
        batch.setKicker(d.engine, true);
        if (d.market != address(0)) {
            engine.setProtocol(d.market, true);
        }

        // Dutch house: start at 120% of the feed, fall 1% every 90 s, reset after 2 h or below
        // 40% of the start, never below 30% of the feed; keeper pay 0.1% of the tab + 100.
        dutch.file("buf", 120e25);
        dutch.file("tail", 7_200);
        dutch.file("cusp", 4e26);
        dutch.file("floor", 3e26);
        dutch.file("chip", 1e15);
        dutch.file("tip", 100e18);
        dutch.file("dust", vm.envOr("DUST", uint256(1_000e18)));
        dutch.file("maxAge", 3_600);
        dutch.setCurve(2, 0.99e18, 90); // stair-step exponential, cut a WAD

        // Batch house: kicks for 10 min, commits for 1 h, reveals for 30 min, 1,000 bids,
        // reserve 50% of the feed, bond 100, minimum bid 1 base unit, feed at most 1 h old.
        batch.setParams(600, 3_600, 1_800, 1_000, RAY / 2, 100e18, 1, 3_600);

        // Engine: penalty, limits, dust, routing.
        engine.setCollateral(
            pair.collateral,
            d.dutch,
            d.batch,
            vm.envOr("PENALTY", uint256(1.1e18)),
            vm.envOr("HOLE", uint256(1_000_000e18)),
            vm.envOr("DUST", uint256(1_000e18)),
            vm.envOr("BATCH_THRESHOLD", uint256(250_000e18)),
            false
        );
        engine.setHole(vm.envOr("GLOBAL_HOLE", uint256(5_000_000e18)));
    }

    /// Proposes `admin` as the next admin of every contract (it must accept on each).
    function proposeAdmin(Deployment memory d, address admin) public {
        ISolvencyModule(d.solvency).transferOwnership(admin);
        IDutchAuction(d.dutch).transferOwnership(admin);
        IBatchAuction(d.batch).transferOwnership(admin);
        ILiquidationEngine(d.engine).transferOwnership(admin);
        if (d.market != address(0)) {
            ILendingMarket(d.market).transferOwnership(admin);
        }
    }
}

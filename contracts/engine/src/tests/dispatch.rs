//! The engine's own dispatcher (what the WASM runs) against the SDK's router for the `#[public]`
//! impl (what motsu and `export-abi` use): the same script of calls, valid and malformed, runs
//! through the dispatcher in one world and through the router in an identical second world;
//! return data, revert data and the engine's events must be byte-identical once the second
//! world's contract addresses are renamed to the first's. The calls are encoded from a Solidity
//! declaration of the interface, so the selectors are checked against it too.

use alloy_sol_types::{sol, SolCall, SolValue};
use stylus_sdk::abi::Router;

use super::*;

sol! {
    interface Abi {
        function liquidate(address collateral, uint256 collateralAmount, uint256 debtAmount, address borrower, address keeper) external returns (uint256, address, uint256, uint256, uint256);
        function sync(uint256 liquidationId) external;
        function fallbackToDutch(uint256 liquidationId, address keeper) external returns (uint256);
        function finalize(uint256 liquidationId, address collateralTo) external;
        function skim(address token, address to) external;
        function setProtocol(address protocol, bool allowed) external;
        function setCollateral(address collateral, address dutchHouse, address batchHouse, uint256 penalty, uint256 hole, uint256 dust, uint256 batchThreshold, bool illiquid) external;
        function setHole(uint256 hole) external;
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
        function transferOwnership(address newOwner) external;
        function acceptOwnership() external;
        function solvency() external view returns (address);
        function hole() external view returns (uint256);
        function dirt() external view returns (uint256);
        function protocols(address account) external view returns (bool);
        function collateralConfig(address collateral) external view returns (address, address, uint256, uint256, uint256, uint256, uint256, bool);
        function liquidations(uint256 liquidationId) external view returns (address, address, uint8, uint256, uint256, uint256);
    }
}

#[test]
fn the_dispatcher_answers_exactly_the_solidity_interface() {
    use Abi::*;
    let mut expected: Vec<u32> = [
        liquidateCall::SELECTOR,
        syncCall::SELECTOR,
        fallbackToDutchCall::SELECTOR,
        finalizeCall::SELECTOR,
        skimCall::SELECTOR,
        setProtocolCall::SELECTOR,
        setCollateralCall::SELECTOR,
        setHoleCall::SELECTOR,
        ownerCall::SELECTOR,
        pendingOwnerCall::SELECTOR,
        transferOwnershipCall::SELECTOR,
        acceptOwnershipCall::SELECTOR,
        solvencyCall::SELECTOR,
        holeCall::SELECTOR,
        dirtCall::SELECTOR,
        protocolsCall::SELECTOR,
        collateralConfigCall::SELECTOR,
        liquidationsCall::SELECTOR,
    ]
    .into_iter()
    .map(u32::from_be_bytes)
    .collect();
    expected.push(stylus_sdk::abi::CONSTRUCTOR_SELECTOR);
    let mut table: Vec<u32> = crate::dispatch::FUNCTIONS.iter().map(|f| f.0).collect();
    table.sort_unstable();
    expected.sort_unstable();
    assert_eq!(table, expected);
    table.dedup();
    assert_eq!(table.len(), expected.len());
}

/// The call `data` from `sender` (with `value`) through the engine's dispatcher.
fn through_dispatch(
    engine: &Contract<LiquidationEngine>,
    sender: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let mut call = engine.sender_and_value(sender, value);
    call.dispatch(data).motsu_res()
}

/// The same call through the SDK's router for the `#[public]` impl.
fn through_router(
    engine: &Contract<LiquidationEngine>,
    sender: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let mut call = engine.sender_and_value(sender, value);
    let storage: &mut LiquidationEngine = &mut call;
    let result = match data.split_first_chunk::<4>() {
        None => None,
        Some((selector, rest)) => {
            let selector = u32::from_be_bytes(*selector);
            if selector == stylus_sdk::abi::CONSTRUCTOR_SELECTOR {
                <LiquidationEngine as Router<LiquidationEngine>>::constructor(storage, rest)
            } else {
                <LiquidationEngine as Router<LiquidationEngine>>::route(storage, selector, rest)
            }
        }
    };
    result.unwrap_or(Err(Vec::new())).motsu_res()
}

/// `data` with every address of `from` replaced by the matching one of `to`.
fn rename(data: &[u8], from: &[Address], to: &[Address]) -> Vec<u8> {
    let mut out = data.to_vec();
    for (a, b) in from.iter().zip(to) {
        let mut i = 0;
        while i + 20 <= out.len() {
            if out[i..i + 20] == a.0 .0 {
                out[i..i + 20].copy_from_slice(&b.0 .0);
                i += 20;
            } else {
                i += 1;
            }
        }
    }
    out
}

fn addresses(w: &World) -> Vec<Address> {
    vec![
        w.engine.address(),
        w.solvency.address(),
        w.dutch.address(),
        w.batch.address(),
        w.gem.address(),
        w.dai.address(),
        w.oracle.address(),
    ]
}

/// One step of the script.
enum Step {
    /// A call of the engine: sender, value, call data (built for the world it runs in).
    Call(Address, U256, fn(&World) -> Vec<u8>),
    /// Anything else (takes, bids, settlement, yanks, time), done identically in both worlds.
    Act(fn(&World)),
}

fn call(sender: Address, data: fn(&World) -> Vec<u8>) -> Step {
    Step::Call(sender, U256::ZERO, data)
}

fn liquidate(w: &World, collateral: U256, debt: U256) -> Vec<u8> {
    Abi::liquidateCall {
        collateral: w.gem.address(),
        collateralAmount: collateral,
        debtAmount: debt,
        borrower: BORROWER,
        keeper: KEEPER,
    }
    .abi_encode()
}

fn set_collateral(w: &World, batch: Address, threshold: U256, illiquid: bool) -> Vec<u8> {
    Abi::setCollateralCall {
        collateral: w.gem.address(),
        dutchHouse: w.dutch.address(),
        batchHouse: batch,
        penalty: pct(110),
        hole: e18(30_000),
        dust: e18(100),
        batchThreshold: threshold,
        illiquid,
    }
    .abi_encode()
}

fn script() -> Vec<Step> {
    use Abi::*;
    vec![
        // Views of the configured world.
        call(MALLORY, |_| ownerCall {}.abi_encode()),
        call(MALLORY, |_| solvencyCall {}.abi_encode()),
        call(MALLORY, |w| {
            collateralConfigCall {
                collateral: w.gem.address(),
            }
            .abi_encode()
        }),
        call(MALLORY, |_| {
            protocolsCall { account: PROTOCOL }.abi_encode()
        }),
        call(MALLORY, |_| holeCall {}.abi_encode()),
        // Malformed calls.
        call(MALLORY, |_| Vec::new()),
        call(MALLORY, |_| vec![0x12, 0x34]),
        call(MALLORY, |_| vec![0xde, 0xad, 0xbe, 0xef]),
        call(MALLORY, |_| {
            let mut data = holeCall {}.abi_encode();
            data.push(0);
            data
        }),
        call(MALLORY, |_| {
            let mut data = syncCall {
                liquidationId: U256::from(1),
            }
            .abi_encode();
            data.pop();
            data
        }),
        call(ADMIN, |_| {
            // An address with a non-zero high byte.
            let mut data = setProtocolCall {
                protocol: OTHER_PROTOCOL,
                allowed: true,
            }
            .abi_encode();
            data[4] = 1;
            data
        }),
        call(ADMIN, |_| {
            // A bool with a non-zero byte before its last one.
            let mut data = setProtocolCall {
                protocol: OTHER_PROTOCOL,
                allowed: true,
            }
            .abi_encode();
            data[4 + 32 + 30] = 1;
            data
        }),
        call(ADMIN, |_| {
            // A bool whose last byte is 2 (true for the SDK).
            let mut data = setProtocolCall {
                protocol: OTHER_PROTOCOL,
                allowed: true,
            }
            .abi_encode();
            data[4 + 63] = 2;
            data
        }),
        Step::Call(ADMIN, U256::from(1), |_| {
            setHoleCall { hole: e18(1) }.abi_encode()
        }),
        Step::Call(MALLORY, U256::from(1), |_| holeCall {}.abi_encode()),
        // A second constructor call.
        call(ADMIN, |w| {
            let mut data = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes().to_vec();
            data.extend((ADMIN, w.solvency.address()).abi_encode_params());
            data
        }),
        // Administration.
        call(MALLORY, |_| setHoleCall { hole: e18(1) }.abi_encode()),
        call(ADMIN, |_| setHoleCall { hole: e18(50_000) }.abi_encode()),
        call(ADMIN, |_| {
            setHoleCall {
                hole: MAX_AMOUNT + U256::from(1),
            }
            .abi_encode()
        }),
        call(ADMIN, |_| {
            setProtocolCall {
                protocol: OTHER_PROTOCOL,
                allowed: false,
            }
            .abi_encode()
        }),
        call(ADMIN, |_| {
            setProtocolCall {
                protocol: Address::ZERO,
                allowed: true,
            }
            .abi_encode()
        }),
        call(ADMIN, |w| {
            set_collateral(w, w.batch.address(), e18(20_000), false)
        }),
        call(ADMIN, |w| {
            let mut data = set_collateral(w, w.batch.address(), e18(20_000), false);
            // penalty below 1.
            data[4 + 3 * 32..4 + 4 * 32].copy_from_slice(&U256::from(5).to_be_bytes::<32>());
            data
        }),
        call(ADMIN, |w| {
            set_collateral(w, w.dai.address(), U256::ZERO, false)
        }),
        call(MALLORY, |w| {
            collateralConfigCall {
                collateral: w.gem.address(),
            }
            .abi_encode()
        }),
        // Liquidations: errors, then a Dutch one, a partial one under hole, a batch one.
        call(PROTOCOL, |w| liquidate(w, e18(10), e18(10_000))),
        Step::Act(|w| {
            w.gem
                .sender(PROTOCOL)
                .mint(PROTOCOL, e18(1_000))
                .motsu_unwrap()
        }),
        call(MALLORY, |w| liquidate(w, e18(1), e18(1_000))),
        call(PROTOCOL, |w| liquidate(w, U256::ZERO, e18(1_000))),
        call(PROTOCOL, |w| liquidate(w, e18(1), e18(99))),
        call(PROTOCOL, |w| liquidate(w, e18(10), e18(10_000))),
        call(PROTOCOL, |w| liquidate(w, e18(10), e18(25_000))),
        call(PROTOCOL, |w| liquidate(w, e18(10), e18(25_000))),
        call(MALLORY, |_| dirtCall {}.abi_encode()),
        call(MALLORY, |_| {
            liquidationsCall {
                liquidationId: U256::from(1),
            }
            .abi_encode()
        }),
        call(MALLORY, |_| {
            liquidationsCall {
                liquidationId: U256::from(2),
            }
            .abi_encode()
        }),
        // Take the first, sync it; sync errors.
        Step::Act(|w| w.take(U256::from(1), e18(10))),
        call(KEEPER, |_| {
            syncCall {
                liquidationId: U256::from(1),
            }
            .abi_encode()
        }),
        call(KEEPER, |_| {
            syncCall {
                liquidationId: U256::from(1),
            }
            .abi_encode()
        }),
        call(KEEPER, |_| {
            syncCall {
                liquidationId: U256::from(77),
            }
            .abi_encode()
        }),
        call(KEEPER, |_| {
            syncCall {
                liquidationId: U256::from(2),
            }
            .abi_encode()
        }),
        // Make room and send one to the batch house; no bids; fall back.
        call(ADMIN, |w| {
            set_collateral(w, w.batch.address(), U256::ZERO, true)
        }),
        Step::Act(|w| {
            w.take(U256::from(2), e18(10));
        }),
        call(KEEPER, |_| {
            syncCall {
                liquidationId: U256::from(2),
            }
            .abi_encode()
        }),
        call(PROTOCOL, |w| liquidate(w, e18(3), e18(3_000))),
        call(KEEPER, |w| {
            fallbackToDutchCall {
                liquidationId: U256::from(3),
                keeper: w.oracle.address(),
            }
            .abi_encode()
        }),
        Step::Act(|w| {
            let batch = w.record(U256::from(3)).3;
            w.settle(batch);
        }),
        call(KEEPER, |_| {
            syncCall {
                liquidationId: U256::from(3),
            }
            .abi_encode()
        }),
        call(KEEPER, |_| {
            fallbackToDutchCall {
                liquidationId: U256::from(3),
                keeper: KEEPER,
            }
            .abi_encode()
        }),
        call(KEEPER, |_| {
            fallbackToDutchCall {
                liquidationId: U256::from(3),
                keeper: KEEPER,
            }
            .abi_encode()
        }),
        call(MALLORY, |_| {
            liquidationsCall {
                liquidationId: U256::from(3),
            }
            .abi_encode()
        }),
        // Yank the Dutch auction of 3 and finalize.
        Step::Act(|w| {
            let auction = w.record(U256::from(3)).3;
            w.dutch.sender(ADMIN).yank(auction).motsu_unwrap();
        }),
        call(MALLORY, |_| {
            finalizeCall {
                liquidationId: U256::from(3),
                collateralTo: VAULT,
            }
            .abi_encode()
        }),
        call(ADMIN, |w| {
            finalizeCall {
                liquidationId: U256::from(3),
                collateralTo: w.engine.address(),
            }
            .abi_encode()
        }),
        call(ADMIN, |_| {
            finalizeCall {
                liquidationId: U256::from(3),
                collateralTo: VAULT,
            }
            .abi_encode()
        }),
        call(ADMIN, |_| {
            finalizeCall {
                liquidationId: U256::from(3),
                collateralTo: VAULT,
            }
            .abi_encode()
        }),
        call(MALLORY, |_| dirtCall {}.abi_encode()),
        // Skim: nothing, something, a token in use, bad recipient, not the admin.
        call(ADMIN, |w| {
            skimCall {
                token: w.dai.address(),
                to: VAULT,
            }
            .abi_encode()
        }),
        Step::Act(|w| {
            w.dai
                .sender(MALLORY)
                .mint(w.engine.address(), e18(3))
                .motsu_unwrap()
        }),
        call(MALLORY, |w| {
            skimCall {
                token: w.dai.address(),
                to: MALLORY,
            }
            .abi_encode()
        }),
        call(ADMIN, |w| {
            skimCall {
                token: w.dai.address(),
                to: Address::ZERO,
            }
            .abi_encode()
        }),
        call(ADMIN, |w| {
            skimCall {
                token: w.dai.address(),
                to: VAULT,
            }
            .abi_encode()
        }),
        Step::Act(|w| {
            w.gem
                .sender(MALLORY)
                .mint(w.engine.address(), e18(1))
                .motsu_unwrap();
        }),
        call(ADMIN, |w| {
            skimCall {
                token: w.gem.address(),
                to: VAULT,
            }
            .abi_encode()
        }),
        // Ownership.
        call(ADMIN, |_| {
            transferOwnershipCall { newOwner: KEEPER }.abi_encode()
        }),
        call(MALLORY, |_| pendingOwnerCall {}.abi_encode()),
        call(MALLORY, |_| acceptOwnershipCall {}.abi_encode()),
        call(KEEPER, |_| acceptOwnershipCall {}.abi_encode()),
        call(MALLORY, |_| ownerCall {}.abi_encode()),
        call(ADMIN, |_| setHoleCall { hole: e18(1) }.abi_encode()),
        call(MALLORY, |_| {
            liquidationsCall {
                liquidationId: U256::from(4),
            }
            .abi_encode()
        }),
    ]
}

#[motsu::test]
fn dispatcher_matches_the_sdk_router() {
    let config = Config {
        hole: e18(30_000),
        ..Config::default()
    };
    let a = World::new(config);
    let b = World::new(config);
    let (names_a, names_b) = (addresses(&a), addresses(&b));
    ADMIN.fund(U256::from(10));
    MALLORY.fund(U256::from(10));
    let mut calls = 0;
    for (index, step) in script().into_iter().enumerate() {
        match step {
            Step::Act(act) => {
                act(&a);
                act(&b);
            }
            Step::Call(sender, value, data) => {
                calls += 1;
                let events_a = a.engine.all_events().len();
                let events_b = b.engine.all_events().len();
                let result_a = through_dispatch(&a.engine, sender, value, &data(&a));
                let result_b = through_router(&b.engine, sender, value, &data(&b));
                let rename_b = |bytes: &[u8]| rename(bytes, &names_b, &names_a);
                let result_b = result_b.map(|d| rename_b(&d)).map_err(|d| rename_b(&d));
                assert_eq!(result_a, result_b, "step {index}");
                let new_a: Vec<_> = a.engine.all_events()[events_a..].to_vec();
                let new_b: Vec<_> = b.engine.all_events()[events_b..].to_vec();
                assert_eq!(new_a.len(), new_b.len(), "events of step {index}");
                for (x, y) in new_a.iter().zip(&new_b) {
                    let topics_b: Vec<_> =
                        y.topics().iter().map(|t| rename_b(t.as_slice())).collect();
                    let topics_a: Vec<_> =
                        x.topics().iter().map(|t| t.as_slice().to_vec()).collect();
                    assert_eq!(topics_a, topics_b, "event topics of step {index}");
                    assert_eq!(
                        x.data.to_vec(),
                        rename_b(&y.data),
                        "event data of step {index}"
                    );
                }
            }
        }
    }
    assert!(calls > 50);
    // The script did reach the interesting states.
    assert_eq!(a.record(U256::from(3)).2, 3);
    assert_eq!(a.engine.sender(ADMIN).owner(), KEEPER);
    assert_eq!(a.gem_of(VAULT), b.gem_of(VAULT));
    assert!(a.gem_of(VAULT) > U256::ZERO);
}

#[motsu::test]
fn constructor_through_both_routers(
    a: Contract<LiquidationEngine>,
    b: Contract<LiquidationEngine>,
) {
    let constructor = |owner: Address, solvency: Address| {
        let mut data = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes().to_vec();
        data.extend((owner, solvency).abi_encode_params());
        data
    };
    ADMIN.fund(U256::from(10));
    let steps: Vec<(U256, Vec<u8>)> = vec![
        (U256::ZERO, Abi::ownerCall {}.abi_encode()),
        (U256::from(1), constructor(ADMIN, VAULT)),
        (U256::ZERO, constructor(Address::ZERO, VAULT)),
        (U256::ZERO, constructor(ADMIN, Address::ZERO)),
        (U256::ZERO, constructor(ADMIN, VAULT)[..40].to_vec()),
        (U256::ZERO, constructor(ADMIN, VAULT)),
        (U256::ZERO, constructor(KEEPER, VAULT)),
        (U256::ZERO, Abi::ownerCall {}.abi_encode()),
        (U256::ZERO, Abi::solvencyCall {}.abi_encode()),
    ];
    for (index, (value, data)) in steps.iter().enumerate() {
        let x = through_dispatch(&a, ADMIN, *value, data);
        let y = through_router(&b, ADMIN, *value, data);
        let y = y.map(|d| rename(&d, &[b.address()], &[a.address()]));
        assert_eq!(x, y, "step {index}");
    }
    assert_eq!(a.sender(ADMIN).owner(), ADMIN);
    // The dispatcher sets the SDK's own constructor flag (byte 0 of its slot), as the router
    // does: the SDK's guard sees both contracts constructed.
    {
        use stylus_sdk::stylus_core::host::ConstructorGuard;
        assert_eq!(a.sender(ADMIN).check_constructor_slot(), Err(Vec::new()));
        assert_eq!(b.sender(ADMIN).check_constructor_slot(), Err(Vec::new()));
    }
}

//! The market's own dispatcher (what the WASM runs) against the SDK's router for the
//! `#[public]` impl (what motsu and `export-abi` use): the same calls, valid and malformed,
//! through both on two identically deployed markets must give byte-identical results, events
//! and state. The calls are encoded from a Solidity declaration of the interface, so the
//! selectors are checked against the Solidity signatures too.

use alloy_sol_types::{sol, SolCall};
use stylus_sdk::abi::Router;

use super::*;

sol! {
    interface Abi {
        function supply(uint256 assets) external returns (uint256 shares);
        function withdraw(uint256 shares, address to) external returns (uint256 assets);
        function depositCollateral(uint256 amount) external;
        function withdrawCollateral(uint256 amount, address to) external;
        function borrow(uint256 amount, address to) external;
        function repay(uint256 amount, address onBehalf) external returns (uint256 repaid);
        function liquidate(address borrower) external returns (uint256 liquidationId);
        function settle() external returns (uint256 recovered);
        function absorbLoss(uint256 amount) external;
        function skim(address to) external;
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
        function transferOwnership(address newOwner) external;
        function acceptOwnership() external;
        function healthFactor(address borrower) external view returns (uint256);
        function position(address account) external view returns (uint256 supplyShares, uint256 collateral, uint256 debt);
        function totals() external view returns (uint256 totalSupplyAssets, uint256 totalSupplyShares, uint256 totalBorrow, uint256 inLiquidation, uint256 socialized);
        function price() external view returns (uint256);
        function lltv() external view returns (uint256);
        function maxOracleAge() external view returns (uint256);
        function collateralToken() external view returns (address);
        function debtToken() external view returns (address);
        function oracle() external view returns (address);
        function engine() external view returns (address);
        function solvency() external view returns (address);
    }
}

/// Every selector of the Solidity declaration above.
fn abi_selectors() -> Vec<[u8; 4]> {
    use Abi::*;
    vec![
        supplyCall::SELECTOR,
        withdrawCall::SELECTOR,
        depositCollateralCall::SELECTOR,
        withdrawCollateralCall::SELECTOR,
        borrowCall::SELECTOR,
        repayCall::SELECTOR,
        liquidateCall::SELECTOR,
        settleCall::SELECTOR,
        absorbLossCall::SELECTOR,
        skimCall::SELECTOR,
        ownerCall::SELECTOR,
        pendingOwnerCall::SELECTOR,
        transferOwnershipCall::SELECTOR,
        acceptOwnershipCall::SELECTOR,
        healthFactorCall::SELECTOR,
        positionCall::SELECTOR,
        totalsCall::SELECTOR,
        priceCall::SELECTOR,
        lltvCall::SELECTOR,
        maxOracleAgeCall::SELECTOR,
        collateralTokenCall::SELECTOR,
        debtTokenCall::SELECTOR,
        oracleCall::SELECTOR,
        engineCall::SELECTOR,
        solvencyCall::SELECTOR,
    ]
}

#[test]
fn the_dispatcher_answers_exactly_the_solidity_interface() {
    let mut table: Vec<u32> = crate::dispatch::FUNCTIONS.iter().map(|f| f.0).collect();
    let mut expected: Vec<u32> = abi_selectors()
        .into_iter()
        .map(u32::from_be_bytes)
        .collect();
    expected.push(stylus_sdk::abi::CONSTRUCTOR_SELECTOR);
    table.sort_unstable();
    expected.sort_unstable();
    assert_eq!(table, expected);
    table.dedup();
    assert_eq!(table.len(), expected.len());
}

/// The call `data` from `sender` through the market's dispatcher; reverted on failure.
fn through_dispatch(
    market: &Contract<LendingMarket>,
    sender: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let mut call = market.sender_and_value(sender, value);
    let result = call.dispatch(data);
    result.motsu_res()
}

/// The same call through the SDK's router for the `#[public]` impl.
fn through_router(
    market: &Contract<LendingMarket>,
    sender: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let mut call = market.sender_and_value(sender, value);
    let storage: &mut LendingMarket = &mut call;
    let result = match data.split_first_chunk::<4>() {
        None => None,
        Some((selector, rest)) => {
            let selector = u32::from_be_bytes(*selector);
            if selector == stylus_sdk::abi::CONSTRUCTOR_SELECTOR {
                <LendingMarket as Router<LendingMarket>>::constructor(storage, rest)
            } else {
                <LendingMarket as Router<LendingMarket>>::route(storage, selector, rest)
            }
        }
    };
    result.unwrap_or(Err(Vec::new())).motsu_res()
}

/// One step of the script.
enum Step {
    /// A call from an account.
    Call(Address, Vec<u8>),
    /// The same with one wei of value.
    CallWithValue(Address, Vec<u8>),
    /// The account mints and approves both tokens for the market under test.
    Fund(Address),
    /// The feed moves to this many whole DAI per WETH.
    Price(i128),
    /// The engine double takes this collateral and debt (0, 0: everything).
    Take(u128, u128),
    /// The solvency module runs a liquidation of this debt for the market under test, which
    /// raises this much (tab = debt).
    Auction(u128, u128),
    /// A day later, the last auction's deficit is socialized (the module calls `absorbLoss`).
    Socialize,
}

#[motsu::test]
fn dispatcher_matches_the_sdk_router(
    deployed: Contract<LendingMarket>,
    x: Contract<LendingMarket>,
    y: Contract<LendingMarket>,
    weth: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    module: Contract<SolvencyModule>,
    engine: Contract<EngineDouble>,
    admin: Address,
    alice: Address,
    bob: Address,
    keeper: Address,
    mallory: Address,
) {
    // The world deploys the tokens, feed and module (and a market of its own); the script
    // deploys `x` through the dispatcher and `y` through the SDK router.
    let m = world!(deployed, weth, dai, oracle, module, engine, admin);
    // Wei for the calls that send value (each must revert: nothing is payable).
    admin.fund(U256::from(10));
    alice.fund(U256::from(10));
    let constructor = |owner: Address, lltv: u128, age: u64| {
        let mut data = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes().to_vec();
        data.extend(
            (
                owner,
                weth.address(),
                dai.address(),
                oracle.address(),
                engine.address(),
                module.address(),
                w(lltv),
                U256::from(age),
            )
                .abi_encode_params(),
        );
        data
    };
    let call = |sender: Address, data: Vec<u8>| Step::Call(sender, data);
    use Abi::*;
    let e18 = |x: u128| w(x * E18);
    let steps = vec![
        // Before deployment: views on empty storage.
        call(admin, ownerCall {}.abi_encode()),
        call(admin, totalsCall {}.abi_encode()),
        Step::CallWithValue(admin, constructor(admin, LLTV, MAX_AGE)),
        call(admin, constructor(Address::ZERO, LLTV, MAX_AGE)),
        call(admin, constructor(admin, E18, MAX_AGE)),
        call(admin, constructor(admin, LLTV, 0)),
        call(admin, constructor(admin, LLTV, MAX_AGE)),
        // A second constructor call.
        call(admin, constructor(admin, LLTV, MAX_AGE)),
        Step::Fund(alice),
        Step::Fund(bob),
        call(
            alice,
            supplyCall {
                assets: e18(50_000),
            }
            .abi_encode(),
        ),
        call(alice, supplyCall { assets: U256::ZERO }.abi_encode()),
        call(mallory, supplyCall { assets: w(1) }.abi_encode()),
        call(bob, depositCollateralCall { amount: e18(10) }.abi_encode()),
        call(
            bob,
            depositCollateralCall { amount: U256::ZERO }.abi_encode(),
        ),
        call(
            bob,
            borrowCall {
                amount: e18(16_001),
                to: bob,
            }
            .abi_encode(),
        ),
        call(
            bob,
            borrowCall {
                amount: e18(15_000),
                to: bob,
            }
            .abi_encode(),
        ),
        call(
            bob,
            borrowCall {
                amount: w(1),
                to: Address::ZERO,
            }
            .abi_encode(),
        ),
        call(
            bob,
            withdrawCollateralCall {
                amount: e18(1),
                to: bob,
            }
            .abi_encode(),
        ),
        call(
            bob,
            withdrawCollateralCall {
                amount: e18(11),
                to: bob,
            }
            .abi_encode(),
        ),
        call(bob, healthFactorCall { borrower: bob }.abi_encode()),
        call(bob, healthFactorCall { borrower: alice }.abi_encode()),
        call(bob, positionCall { account: bob }.abi_encode()),
        call(
            bob,
            repayCall {
                amount: e18(1_000),
                onBehalf: bob,
            }
            .abi_encode(),
        ),
        call(
            bob,
            repayCall {
                amount: e18(1_000),
                onBehalf: alice,
            }
            .abi_encode(),
        ),
        call(
            alice,
            withdrawCall {
                shares: w(1_000_000),
                to: alice,
            }
            .abi_encode(),
        ),
        call(
            alice,
            withdrawCall {
                shares: w(1),
                to: alice,
            }
            .abi_encode(),
        ),
        call(
            alice,
            withdrawCall {
                shares: e18(50_000) * w(1_000_000),
                to: alice,
            }
            .abi_encode(),
        ),
        call(keeper, liquidateCall { borrower: bob }.abi_encode()),
        Step::Price(1_500),
        call(keeper, priceCall {}.abi_encode()),
        call(keeper, healthFactorCall { borrower: bob }.abi_encode()),
        Step::Take(4 * E18, 6_000 * E18),
        call(keeper, liquidateCall { borrower: bob }.abi_encode()),
        Step::Take(0, 0),
        call(keeper, liquidateCall { borrower: bob }.abi_encode()),
        call(keeper, settleCall {}.abi_encode()),
        // 6,000 comes back in full; 8,000 raises 5,000 and the rest is socialized.
        Step::Auction(6_000 * E18, 6_000 * E18),
        Step::Auction(8_000 * E18, 5_000 * E18),
        call(keeper, settleCall {}.abi_encode()),
        call(keeper, settleCall {}.abi_encode()),
        Step::Socialize,
        call(mallory, absorbLossCall { amount: w(1) }.abi_encode()),
        call(
            module.address(),
            absorbLossCall { amount: e18(1_000) }.abi_encode(),
        ),
        call(
            module.address(),
            absorbLossCall {
                amount: e18(100_000),
            }
            .abi_encode(),
        ),
        call(admin, skimCall { to: admin }.abi_encode()),
        call(mallory, skimCall { to: mallory }.abi_encode()),
        Step::Price(0),
        call(keeper, priceCall {}.abi_encode()),
        call(
            admin,
            transferOwnershipCall { newOwner: mallory }.abi_encode(),
        ),
        call(bob, acceptOwnershipCall {}.abi_encode()),
        call(mallory, acceptOwnershipCall {}.abi_encode()),
        call(admin, ownerCall {}.abi_encode()),
        call(admin, pendingOwnerCall {}.abi_encode()),
        call(admin, totalsCall {}.abi_encode()),
        call(admin, lltvCall {}.abi_encode()),
        call(admin, maxOracleAgeCall {}.abi_encode()),
        call(admin, collateralTokenCall {}.abi_encode()),
        call(admin, debtTokenCall {}.abi_encode()),
        call(admin, oracleCall {}.abi_encode()),
        call(admin, engineCall {}.abi_encode()),
        call(admin, solvencyCall {}.abi_encode()),
    ];
    let mut steps = steps;
    // Malformed calldata: empty, short, unknown selector, short arguments, extra bytes, an
    // address out of range, and value sent to a view.
    let borrow = borrowCall {
        amount: w(1),
        to: bob,
    }
    .abi_encode();
    let mut bad_address = borrow.clone();
    bad_address[4 + 32 + 11] = 1;
    let mut long = borrow.clone();
    long.extend([0u8; 7]);
    for data in [
        vec![],
        vec![0x12, 0x34, 0x56],
        vec![0xde, 0xad, 0xbe, 0xef],
        borrow[..borrow.len() - 1].to_vec(),
        borrow[..4].to_vec(),
        long,
        bad_address,
    ] {
        steps.push(call(bob, data));
    }
    steps.push(Step::CallWithValue(admin, ownerCall {}.abi_encode()));
    steps.push(Step::CallWithValue(
        alice,
        supplyCall { assets: w(1) }.abi_encode(),
    ));

    let mut results = Vec::new();
    type Runner = fn(&Contract<LendingMarket>, Address, U256, &[u8]) -> Result<Vec<u8>, Vec<u8>>;
    for (market, run) in [
        (&x, through_dispatch as Runner),
        (&y, through_router as Runner),
    ] {
        engine.sender(admin).set_next_id(U256::ZERO);
        oracle
            .sender(admin)
            .set_answer(I256::try_from(2_000 * E8).unwrap(), U256::from(m.now()))
            .motsu_unwrap();
        engine
            .sender(admin)
            .set_take(U256::ZERO, U256::ZERO, U256::ZERO);
        let mut outputs = Vec::new();
        let mut last_auction = U256::ZERO;
        for step in &steps {
            match step {
                Step::Call(sender, data) => outputs.push(run(market, *sender, U256::ZERO, data)),
                Step::CallWithValue(sender, data) => {
                    outputs.push(run(market, *sender, U256::from(1), data))
                }
                Step::Fund(who) => {
                    for token in [&weth, &dai] {
                        token.sender(*who).mint(*who, e18(100_000)).motsu_unwrap();
                        token
                            .sender(*who)
                            .approve(market.address(), e18(100_000))
                            .motsu_unwrap();
                    }
                }
                Step::Price(price) => m.set_price(*price),
                Step::Take(collateral, debt) => {
                    engine
                        .sender(admin)
                        .set_take(w(*collateral), w(*debt), U256::ZERO)
                }
                Step::Auction(debt, raised) => {
                    let beneficiary = market.address();
                    last_auction = auction_for(&m, beneficiary, keeper, bob, *debt, *debt, *raised);
                }
                Step::Socialize => {
                    gavel_common::clock::advance(DAY);
                    m.set_price(1_500);
                    module.sender(keeper).socialize(last_auction).motsu_unwrap();
                }
            }
        }
        let view = market.sender(admin);
        let state = (
            view.totals(),
            [alice, bob, keeper, mallory].map(|x| view.position(x)),
            (view.owner(), view.pending_owner(), view.params_word()),
            [market.address()].map(|x| (m.balance(&dai, x), m.balance(&weth, x))),
        );
        results.push((outputs, market.all_events(), state));
    }
    let (dispatched, routed) = (&results[0], &results[1]);
    for (i, (one, other)) in dispatched.0.iter().zip(&routed.0).enumerate() {
        assert_eq!(one, other, "call {i}");
    }
    assert_eq!(dispatched.1, routed.1, "events");
    assert_eq!(dispatched.2, routed.2, "state");
    // The script reached the end of the story: two liquidations (6,000 + 8,000 of bob's
    // debt after his 1,000 repayment), 11,000 recovered and settled, the 3,000 deficit
    // socialized through `absorbLoss`.
    let (assets, _, borrow, in_liquidation, socialized) = dispatched.2 .0;
    assert_eq!(
        (borrow, in_liquidation, socialized),
        (U256::ZERO, U256::ZERO, e18(3_000))
    );
    assert_eq!(
        assets,
        e18(47_000) - w(1),
        "alice withdrew 1 for 1e6 shares"
    );
    // The script exercised both outcomes.
    assert!(dispatched.0.iter().filter(|r| r.is_ok()).count() > 25);
    assert!(dispatched.0.iter().filter(|r| r.is_err()).count() > 20);
    // The dispatcher sets the SDK's own constructor flag (byte 0 of its slot), as the router
    // does: the SDK's guard sees both contracts constructed.
    {
        use stylus_sdk::stylus_core::host::ConstructorGuard;
        assert_eq!(x.sender(admin).check_constructor_slot(), Err(Vec::new()));
        assert_eq!(y.sender(admin).check_constructor_slot(), Err(Vec::new()));
    }
}

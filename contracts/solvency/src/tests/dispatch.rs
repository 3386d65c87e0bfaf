//! The module's own dispatcher (what the WASM runs) against the SDK's router for the `#[public]`
//! impl (what motsu and `export-abi` use): the same calls, valid and malformed, through both on
//! two identically deployed modules must give byte-identical results, events and state. The
//! calls are encoded from a Solidity declaration of the interface, so the selectors are checked
//! against the Solidity signatures too.

use alloy_sol_types::{sol, SolCall, SolValue};
use stylus_sdk::abi::Router;

use super::*;

sol! {
    interface Abi {
        function open(address beneficiary, uint256 debt, uint256 tab) external returns (uint256);
        function attach(uint256 liquidationId, address kicker, uint256 tab) external;
        function onProceeds(uint256 liquidationId, uint256 amount) external;
        function onAuctionEnd(uint256 liquidationId, uint256 raised, uint256 tabLeft, uint256 lotLeft) external;
        function finalize(uint256 liquidationId) external;
        function payKeeper(uint256 liquidationId, address keeper, uint256 amount) external returns (uint256);
        function heal(uint256 entryId) external;
        function socialize(uint256 entryId) external;
        function deposit(uint256 amount) external;
        function withdraw(uint256 amount, address to) external;
        function skim(address to) external;
        function release(uint256 liquidationId) external;
        function setKicker(address account, bool allowed) external;
        function setHouse(address account, bool allowed) external;
        function setGuardian(address account, bool allowed) external;
        function pause() external;
        function unpause() external;
        function setParams(uint256 penaltyShare, uint256 fundBuffer, uint256 socializationDelay, uint256 maxKeeperPay) external;
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
        function transferOwnership(address newOwner) external;
        function acceptOwnership() external;
        function token() external view returns (address);
        function books() external view returns (uint256, uint256, uint256, uint256, uint256, uint256);
        function liquidation(uint256 liquidationId) external view returns (address, address, address, uint8, uint64, uint64, uint256, uint256, uint256, uint256, uint256, uint256, uint256, uint256);
        function beneficiaryTotals(address beneficiary) external view returns (uint256, uint256, uint256, uint256, uint256);
        function params() external view returns (uint256, uint256, uint256, uint256);
        function paused() external view returns (bool);
        function roles(address account) external view returns (bool, bool, bool);
        function nextLiquidationId() external view returns (uint256);
    }
}

/// Every selector of the Solidity declaration above.
fn abi_selectors() -> Vec<[u8; 4]> {
    use Abi::*;
    vec![
        openCall::SELECTOR,
        attachCall::SELECTOR,
        onProceedsCall::SELECTOR,
        onAuctionEndCall::SELECTOR,
        finalizeCall::SELECTOR,
        payKeeperCall::SELECTOR,
        healCall::SELECTOR,
        socializeCall::SELECTOR,
        depositCall::SELECTOR,
        withdrawCall::SELECTOR,
        skimCall::SELECTOR,
        releaseCall::SELECTOR,
        setKickerCall::SELECTOR,
        setHouseCall::SELECTOR,
        setGuardianCall::SELECTOR,
        pauseCall::SELECTOR,
        unpauseCall::SELECTOR,
        setParamsCall::SELECTOR,
        ownerCall::SELECTOR,
        pendingOwnerCall::SELECTOR,
        transferOwnershipCall::SELECTOR,
        acceptOwnershipCall::SELECTOR,
        tokenCall::SELECTOR,
        booksCall::SELECTOR,
        liquidationCall::SELECTOR,
        beneficiaryTotalsCall::SELECTOR,
        paramsCall::SELECTOR,
        pausedCall::SELECTOR,
        rolesCall::SELECTOR,
        nextLiquidationIdCall::SELECTOR,
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

/// The call `data` from `sender`, through the module's dispatcher; reverted on failure.
fn through_dispatch(
    module: &Contract<SolvencyModule>,
    sender: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let mut call = module.sender_and_value(sender, value);
    let result = call.dispatch(data);
    result.motsu_res()
}

/// The same call through the SDK's router for the `#[public]` impl.
fn through_router(
    module: &Contract<SolvencyModule>,
    sender: Address,
    value: U256,
    data: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let mut call = module.sender_and_value(sender, value);
    let storage: &mut SolvencyModule = &mut call;
    let result = match data.split_first_chunk::<4>() {
        None => None,
        Some((selector, rest)) => {
            let selector = u32::from_be_bytes(*selector);
            if selector == stylus_sdk::abi::CONSTRUCTOR_SELECTOR {
                <SolvencyModule as Router<SolvencyModule>>::constructor(storage, rest)
            } else {
                <SolvencyModule as Router<SolvencyModule>>::route(storage, selector, rest)
            }
        }
    };
    result.unwrap_or(Err(Vec::new())).motsu_res()
}

/// One step of the script: a call, or a token payment into the module under test.
enum Step {
    Call(Address, Vec<u8>),
    CallWithValue(Address, Vec<u8>),
    Pay(Address, u128),
}

#[motsu::test]
fn dispatcher_matches_the_sdk_router(
    a: Contract<SolvencyModule>,
    b: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    keeper: Address,
    depositor: Address,
    mallory: Address,
) {
    token
        .sender(admin)
        .constructor("Debt".into(), "DEBT".into(), 18);
    // A lender that accepts either module.
    lender.sender(admin).constructor(Address::ZERO);
    let l = lender.address();
    let t = token.address();
    admin.fund(U256::from(10));
    let x = |v: u128| U256::from(v);
    let id = |v: u64| U256::from(v);
    let constructor = |owner: Address, share: u128| {
        let mut data = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes().to_vec();
        data.extend((owner, t, x(share), x(100), U256::from(DAY), x(40)).abi_encode_params());
        data
    };
    let call = |sender: Address, data: Vec<u8>| Step::Call(sender, data);
    use Abi::*;
    let mut steps = vec![
        // Before deployment: views on empty storage, and a call with value.
        call(admin, ownerCall {}.abi_encode()),
        Step::CallWithValue(admin, constructor(admin, WAD_UNITS / 2)),
        call(admin, constructor(Address::ZERO, 0)),
        call(admin, constructor(admin, WAD_UNITS + 1)),
        call(admin, constructor(admin, WAD_UNITS / 2)),
        // A second constructor call.
        call(admin, constructor(admin, 0)),
        call(
            admin,
            setKickerCall {
                account: kicker,
                allowed: true,
            }
            .abi_encode(),
        ),
        call(
            admin,
            setHouseCall {
                account: house,
                allowed: true,
            }
            .abi_encode(),
        ),
        call(
            admin,
            setGuardianCall {
                account: mallory,
                allowed: true,
            }
            .abi_encode(),
        ),
        call(
            mallory,
            setKickerCall {
                account: mallory,
                allowed: true,
            }
            .abi_encode(),
        ),
        call(
            kicker,
            openCall {
                beneficiary: l,
                debt: x(1_000),
                tab: x(1_100),
            }
            .abi_encode(),
        ),
        call(
            kicker,
            openCall {
                beneficiary: l,
                debt: x(2),
                tab: x(1),
            }
            .abi_encode(),
        ),
        call(
            kicker,
            openCall {
                beneficiary: l,
                debt: x(500),
                tab: x(500),
            }
            .abi_encode(),
        ),
        call(
            house,
            attachCall {
                liquidationId: id(1),
                kicker,
                tab: x(1_100),
            }
            .abi_encode(),
        ),
        call(
            house,
            attachCall {
                liquidationId: id(2),
                kicker,
                tab: x(500),
            }
            .abi_encode(),
        ),
        call(
            house,
            attachCall {
                liquidationId: id(9),
                kicker,
                tab: x(1),
            }
            .abi_encode(),
        ),
        Step::Pay(depositor, 0),
        call(depositor, depositCall { amount: x(300) }.abi_encode()),
        call(
            house,
            payKeeperCall {
                liquidationId: id(1),
                keeper,
                amount: x(100),
            }
            .abi_encode(),
        ),
        Step::Pay(house, 600),
        call(
            house,
            onProceedsCall {
                liquidationId: id(1),
                amount: x(600),
            }
            .abi_encode(),
        ),
        call(
            house,
            onProceedsCall {
                liquidationId: id(1),
                amount: x(1),
            }
            .abi_encode(),
        ),
        call(
            mallory,
            onProceedsCall {
                liquidationId: id(1),
                amount: x(1),
            }
            .abi_encode(),
        ),
        Step::Pay(house, 550),
        call(
            house,
            onAuctionEndCall {
                liquidationId: id(1),
                raised: x(550),
                tabLeft: x(0),
                lotLeft: x(3),
            }
            .abi_encode(),
        ),
        call(
            house,
            onAuctionEndCall {
                liquidationId: id(2),
                raised: x(0),
                tabLeft: x(500),
                lotLeft: x(0),
            }
            .abi_encode(),
        ),
        call(
            kicker,
            finalizeCall {
                liquidationId: id(1),
            }
            .abi_encode(),
        ),
        call(mallory, healCall { entryId: id(2) }.abi_encode()),
        call(mallory, socializeCall { entryId: id(2) }.abi_encode()),
        call(mallory, pauseCall {}.abi_encode()),
        call(
            kicker,
            openCall {
                beneficiary: l,
                debt: x(1),
                tab: x(1),
            }
            .abi_encode(),
        ),
        call(admin, unpauseCall {}.abi_encode()),
        call(
            admin,
            withdrawCall {
                amount: x(1),
                to: admin,
            }
            .abi_encode(),
        ),
        call(
            admin,
            setParamsCall {
                penaltyShare: x(0),
                fundBuffer: x(0),
                socializationDelay: x(0),
                maxKeeperPay: x(0),
            }
            .abi_encode(),
        ),
        call(mallory, socializeCall { entryId: id(2) }.abi_encode()),
        call(admin, skimCall { to: admin }.abi_encode()),
        Step::Pay(mallory, 9),
        call(admin, skimCall { to: admin }.abi_encode()),
        call(
            admin,
            releaseCall {
                liquidationId: id(3),
            }
            .abi_encode(),
        ),
        call(
            admin,
            transferOwnershipCall { newOwner: mallory }.abi_encode(),
        ),
        call(kicker, acceptOwnershipCall {}.abi_encode()),
        call(mallory, acceptOwnershipCall {}.abi_encode()),
        call(admin, tokenCall {}.abi_encode()),
        call(admin, ownerCall {}.abi_encode()),
        call(admin, pendingOwnerCall {}.abi_encode()),
        call(admin, booksCall {}.abi_encode()),
        call(
            admin,
            liquidationCall {
                liquidationId: id(1),
            }
            .abi_encode(),
        ),
        call(
            admin,
            liquidationCall {
                liquidationId: id(2),
            }
            .abi_encode(),
        ),
        call(
            admin,
            liquidationCall {
                liquidationId: U256::MAX,
            }
            .abi_encode(),
        ),
        call(admin, beneficiaryTotalsCall { beneficiary: l }.abi_encode()),
        call(admin, paramsCall {}.abi_encode()),
        call(admin, pausedCall {}.abi_encode()),
        call(admin, rolesCall { account: kicker }.abi_encode()),
        call(admin, rolesCall { account: mallory }.abi_encode()),
        call(admin, nextLiquidationIdCall {}.abi_encode()),
    ];
    // Malformed calldata: empty, short, unknown selector, short arguments, extra bytes, an
    // address or a bool out of range, and value sent to a view.
    let open = openCall {
        beneficiary: l,
        debt: x(1),
        tab: x(1),
    }
    .abi_encode();
    let set_kicker = setKickerCall {
        account: mallory,
        allowed: true,
    }
    .abi_encode();
    let mut bad_address = open.clone();
    bad_address[4] = 1;
    // alloy (so the SDK) reads any non-zero last byte as true, but nothing above it.
    let mut loose_bool = set_kicker.clone();
    *loose_bool.last_mut().unwrap() = 2;
    let mut bad_bool = set_kicker.clone();
    bad_bool[4 + 32 + 30] = 1;
    let mut long = open.clone();
    long.extend([0u8; 7]);
    for data in [
        vec![],
        vec![0x12, 0x34, 0x56],
        vec![0xde, 0xad, 0xbe, 0xef],
        open[..open.len() - 1].to_vec(),
        open[..4].to_vec(),
        long,
        bad_address,
        loose_bool,
        bad_bool,
        set_kicker[..36].to_vec(),
    ] {
        steps.push(call(kicker, data));
    }
    steps.push(Step::CallWithValue(admin, ownerCall {}.abi_encode()));

    let mut results = Vec::new();
    type Runner = fn(&Contract<SolvencyModule>, Address, U256, &[u8]) -> Result<Vec<u8>, Vec<u8>>;
    for (module, run) in [
        (&a, through_dispatch as Runner),
        (&b, through_router as Runner),
    ] {
        let mut outputs = Vec::new();
        for step in &steps {
            match step {
                Step::Call(sender, data) => outputs.push(run(module, *sender, U256::ZERO, data)),
                Step::CallWithValue(sender, data) => {
                    outputs.push(run(module, *sender, U256::from(1), data))
                }
                Step::Pay(from, amount) => {
                    // The depositor's allowance, or a payment into the module.
                    if *amount == 0 {
                        mint(&token, *from, 300);
                        token
                            .sender(*from)
                            .approve(module.address(), x(300))
                            .motsu_unwrap();
                    } else {
                        pay(&token, module, *from, *amount);
                    }
                }
            }
        }
        results.push((
            outputs,
            module.all_events(),
            snapshot(
                module,
                &token,
                &[admin, kicker, house, keeper, depositor, mallory, l],
            ),
        ));
    }
    let (dispatched, routed) = (&results[0], &results[1]);
    for (i, (one, other)) in dispatched.0.iter().zip(&routed.0).enumerate() {
        assert_eq!(one, other, "call {i}");
    }
    assert_eq!(dispatched.1, routed.1, "events");
    // Same books, records, totals, roles and admin; the same balance held by each module.
    let (one, other) = (&results[0].2, &results[1].2);
    assert_eq!(
        (&one.books, &one.params, one.paused, one.next),
        (&other.books, &other.params, other.paused, other.next)
    );
    assert_eq!(
        (&one.records, &one.totals, &one.roles),
        (&other.records, &other.totals, &other.roles)
    );
    assert_eq!((one.owner, one.pending), (other.owner, other.pending));
    assert_eq!(one.balances.last(), other.balances.last());
    // The script exercised both outcomes.
    assert!(dispatched.0.iter().filter(|r| r.is_ok()).count() > 20);
    assert!(dispatched.0.iter().filter(|r| r.is_err()).count() > 20);
    // The dispatcher sets the SDK's own constructor flag (byte 0 of its slot), as the router
    // does: the SDK's guard sees both contracts constructed.
    {
        use stylus_sdk::stylus_core::host::ConstructorGuard;
        assert_eq!(a.sender(admin).check_constructor_slot(), Err(Vec::new()));
        assert_eq!(b.sender(admin).check_constructor_slot(), Err(Vec::new()));
    }
}

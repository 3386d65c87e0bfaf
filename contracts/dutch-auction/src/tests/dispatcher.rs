//! The hand-written ABI dispatcher (what runs in WASM) against the SDK's router for the
//! `#[public]` impl (what motsu and export-abi use): the same script of calls runs in two
//! threads — two independent motsu worlds at the same addresses — once through each, and the
//! return data, revert data, events and final state must be identical. Plus the dispatcher's
//! selector table against the generated interface.

use alloy_primitives::LogData;

use super::*;

const HOUSE: Address = Address::repeat_byte(0xa1);
const SOLVENCY: Address = Address::repeat_byte(0xa2);
const GEM: Address = Address::repeat_byte(0xa3);
const DAI: Address = Address::repeat_byte(0xa4);
const ORACLE: Address = Address::repeat_byte(0xa5);
const CALLER: Address = Address::repeat_byte(0xa6);

/// Calls `target` through motsu's router and records the outcome.
#[storage]
struct Forwarder {
    ok: StorageU256,
    data: StorageBytes,
}

unsafe impl TopLevelStorage for Forwarder {}

#[public]
impl Forwarder {
    fn forward(&mut self, target: Address, data: Bytes) {
        let result = raw_call(target, &data);
        self.ok.set(U256::from(result.is_ok()));
        self.data.set_bytes(match result {
            Ok(data) | Err(data) => data,
        });
    }
}

#[derive(Clone)]
enum Step {
    Call(Vec<u8>),
    Warp(u64),
    Price(i128),
}

type Outcome = (bool, Vec<u8>);

fn script() -> Vec<Step> {
    use IHouse::*;
    let call = |data: Vec<u8>| Step::Call(data);
    let ctor = {
        let mut data = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes().to_vec();
        for account in [CALLER, GEM, DAI, ORACLE, SOLVENCY] {
            data.extend_from_slice(&address_word(account).to_be_bytes::<32>());
        }
        data
    };
    let file = |name: [u8; 32], data: U256| {
        call(
            fileCall {
                what: key(name),
                data,
            }
            .abi_encode(),
        )
    };
    let views = || -> Vec<Step> {
        vec![
            call(countCall {}.abi_encode()),
            call(listCall {}.abi_encode()),
            call(kicksCall {}.abi_encode()),
            call(stoppedCall {}.abi_encode()),
            call(bufCall {}.abi_encode()),
            call(tailCall {}.abi_encode()),
            call(cuspCall {}.abi_encode()),
            call(floorCall {}.abi_encode()),
            call(maxAgeCall {}.abi_encode()),
            call(chipCall {}.abi_encode()),
            call(tipCall {}.abi_encode()),
            call(chostCall {}.abi_encode()),
            call(curveCall {}.abi_encode()),
            call(collateralCall {}.abi_encode()),
            call(debtTokenCall {}.abi_encode()),
            call(solvencyCall {}.abi_encode()),
            call(oracleCall {}.abi_encode()),
            call(guardianCall {}.abi_encode()),
            call(isKickerCall { account: CALLER }.abi_encode()),
            call(isKickerCall { account: MALLORY }.abi_encode()),
            call(ownerCall {}.abi_encode()),
            call(pendingOwnerCall {}.abi_encode()),
            call(getStatusCall { id: U256::from(1) }.abi_encode()),
            call(getStatusCall { id: U256::from(2) }.abi_encode()),
            call(salesCall { id: U256::from(1) }.abi_encode()),
            call(salesCall { id: U256::from(2) }.abi_encode()),
            call(snapshotCall { id: U256::from(1) }.abi_encode()),
        ]
    };
    let take = |id: u64, amt: U256, max: U256, data: Vec<u8>| {
        call(
            takeCall {
                id: U256::from(id),
                amt,
                max,
                who: CALLER,
                data: data.into(),
            }
            .abi_encode(),
        )
    };
    let mut steps = vec![
        // Before construction, a view answers from empty storage.
        call(ownerCall {}.abi_encode()),
        call(ctor.clone()),
        call(ctor),
    ];
    steps.extend(views());
    steps.extend([
        file(names::BUF, ray(125, 100)),
        file(names::TAIL, U256::from(2_000)),
        file(names::CUSP, ray(4, 10)),
        file(names::FLOOR, ray(3, 10)),
        file(names::CHIP, wad(1, 1000)),
        file(names::TIP, e18(10)),
        file(names::DUST, e18(100)),
        file(names::MAX_AGE, U256::from(3_600)),
        file(names::BUF, U256::from(1)),
        file(
            *b"nope\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            U256::from(1),
        ),
        call(
            setCurveCall {
                kind: U256::from(2),
                cut: ray(99, 100),
                period: U256::from(90),
            }
            .abi_encode(),
        ),
        call(
            setCurveCall {
                kind: U256::from(7),
                cut: U256::ZERO,
                period: U256::from(90),
            }
            .abi_encode(),
        ),
        call(
            setCurveCall {
                kind: U256::from(1),
                cut: U256::ZERO,
                period: U256::from(1_000),
            }
            .abi_encode(),
        ),
        call(
            setKickerCall {
                kicker: CALLER,
                allowed: true,
            }
            .abi_encode(),
        ),
        call(
            setKickerCall {
                kicker: Address::ZERO,
                allowed: true,
            }
            .abi_encode(),
        ),
        call(setGuardianCall { guardian: GUARDIAN }.abi_encode()),
        call(
            setStoppedCall {
                level: U256::from(1),
            }
            .abi_encode(),
        ),
        call(
            kickCall {
                liquidation_id: U256::from(1),
                tab: e18(10_000),
                lot: e18(10),
                usr: USR,
                kpr: KPR,
            }
            .abi_encode(),
        ),
        call(
            setStoppedCall {
                level: U256::from(9),
            }
            .abi_encode(),
        ),
        call(setStoppedCall { level: U256::ZERO }.abi_encode()),
        call(
            kickCall {
                liquidation_id: U256::from(1),
                tab: U256::ZERO,
                lot: e18(10),
                usr: USR,
                kpr: KPR,
            }
            .abi_encode(),
        ),
        call(
            kickCall {
                liquidation_id: U256::from(1),
                tab: e18(10_000),
                lot: e18(10),
                usr: USR,
                kpr: KPR,
            }
            .abi_encode(),
        ),
        call(
            kickCall {
                liquidation_id: U256::from(2),
                tab: e18(5_000),
                lot: e18(10),
                usr: USR,
                kpr: KPR,
            }
            .abi_encode(),
        ),
        Step::Warp(T0 + 300),
        take(1, e18(1), U256::MAX, vec![]),
        take(1, e18(1), U256::from(1), vec![]),
        take(2, U256::ZERO, U256::MAX, vec![]),
        take(9, e18(1), U256::MAX, vec![]),
        // `who` is the caller, which has no `clipperCall`: the callback fails.
        take(1, e18(1), U256::MAX, vec![1, 2, 3]),
        call(
            redoCall {
                id: U256::from(1),
                kpr: KPR,
            }
            .abi_encode(),
        ),
        Step::Warp(T0 + 2_100),
        Step::Price(1_900_0000_0000),
        call(
            redoCall {
                id: U256::from(1),
                kpr: KPR,
            }
            .abi_encode(),
        ),
        take(2, U256::MAX, U256::MAX, vec![]),
    ]);
    steps.extend(views());
    steps.extend([
        call(yankCall { id: U256::from(1) }.abi_encode()),
        call(yankCall { id: U256::from(1) }.abi_encode()),
        call(transferOwnershipCall { new_owner: CALLER }.abi_encode()),
        call(pendingOwnerCall {}.abi_encode()),
        call(acceptOwnershipCall {}.abi_encode()),
        call(
            transferOwnershipCall {
                new_owner: Address::ZERO,
            }
            .abi_encode(),
        ),
    ]);
    steps.extend(views());
    // Malformed call data.
    let mut dirty_address = setGuardianCall { guardian: GUARDIAN }.abi_encode();
    dirty_address[4] = 1;
    let good_take = takeCall {
        id: U256::from(2),
        amt: U256::from(1),
        max: U256::MAX,
        who: CALLER,
        data: vec![5u8; 40].into(),
    }
    .abi_encode();
    let mut bad_offset = good_take.clone();
    bad_offset[4 + 4 * 32 + 31] = 0xff;
    let mut bad_length = good_take.clone();
    bad_length[4 + 5 * 32 + 30] = 0x10;
    let mut dirty_who = good_take.clone();
    dirty_who[4 + 3 * 32 + 11] = 1;
    let mut short = good_take;
    short.truncate(4 + 4 * 32);
    let kick = kickCall {
        liquidation_id: U256::from(2),
        tab: e18(1),
        lot: e18(1),
        usr: USR,
        kpr: KPR,
    }
    .abi_encode();
    let mut dirty_kpr = kick.clone();
    dirty_kpr[4 + 4 * 32] = 1;
    let mut dirty_usr = kick.clone();
    dirty_usr[4 + 3 * 32 + 5] = 1;
    let short_kick = kick[..kick.len() - 1].to_vec();
    steps.extend([
        call(vec![]),
        call(vec![0x12, 0x34]),
        call(vec![0xde, 0xad, 0xbe, 0xef]),
        call(dirty_address),
        call(bad_offset),
        call(bad_length),
        call(short),
        call(dirty_who),
        call(dirty_kpr),
        call(dirty_usr),
        call(short_kick),
        call(kicksCall {}.abi_encode()[..3].to_vec()),
        call(yankCall { id: U256::from(1) }.abi_encode()[..20].to_vec()),
    ]);
    steps
}

/// Runs the script in a fresh motsu world on this thread, through the SDK's router
/// (`via_router`) or through [`DutchAuction::dispatch`].
fn run(via_router: bool) -> (Vec<Outcome>, Vec<LogData>, Vec<U256>) {
    let _precompiles = motsu::prelude::deploy_precompiles();
    clock::set(T0);
    let house = Contract::<DutchAuction>::new_at(HOUSE);
    let solvency = Contract::<SolvencyModule>::new_at(SOLVENCY);
    let gem = Contract::<MockERC20>::new_at(GEM);
    let dai = Contract::<MockERC20>::new_at(DAI);
    let oracle = Contract::<MockOracle>::new_at(ORACLE);
    let forwarder = Contract::<Forwarder>::new_at(CALLER);
    gem.sender(ADMIN)
        .constructor(String::from("Gem"), String::from("GEM"), 18);
    dai.sender(ADMIN)
        .constructor(String::from("Dai"), String::from("DAI"), 18);
    oracle
        .sender(ADMIN)
        .constructor(ADMIN, 8, String::from("GEM / DAI"), int(2_000_0000_0000))
        .unwrap();
    solvency
        .sender(ADMIN)
        .constructor(ADMIN, DAI, U256::ZERO, U256::ZERO, U256::ZERO, e18(50))
        .unwrap();
    solvency.sender(ADMIN).set_kicker(CALLER, true).unwrap();
    solvency.sender(ADMIN).set_house(HOUSE, true).unwrap();
    dai.sender(FUNDER).mint(FUNDER, e18(1_000)).unwrap();
    dai.sender(FUNDER).approve(SOLVENCY, e18(1_000)).unwrap();
    solvency.sender(FUNDER).deposit(e18(1_000)).unwrap();
    for _ in 0..2 {
        solvency
            .sender(CALLER)
            .open(BENEFICIARY, e18(5_000), e18(10_000))
            .unwrap();
    }
    gem.sender(CALLER).mint(CALLER, e18(100)).unwrap();
    gem.sender(CALLER).approve(HOUSE, U256::MAX).unwrap();
    dai.sender(CALLER).mint(CALLER, e18(100_000)).unwrap();
    dai.sender(CALLER).approve(HOUSE, U256::MAX).unwrap();

    let mut outcomes = Vec::new();
    for step in script() {
        match step {
            Step::Warp(time) => clock::set(time),
            Step::Price(answer) => {
                oracle
                    .sender(ADMIN)
                    .set_answer(int(answer), U256::from(clock::now(0)))
                    .unwrap();
            }
            Step::Call(data) => {
                let outcome = if via_router {
                    if data.len() < 4 {
                        // The SDK's router reverts with empty data (no receive, no fallback);
                        // motsu cannot route such call data at all.
                        (false, Vec::new())
                    } else {
                        forwarder.sender(ADMIN).forward(HOUSE, Bytes::from(data));
                        let f = forwarder.sender(ADMIN);
                        let (ok, out) = (f.ok.get() == U256::from(1), f.data.get_bytes());
                        // motsu replaces an empty revert with a message of its own.
                        if !ok && out.starts_with(b"function not found for selector") {
                            (false, Vec::new())
                        } else {
                            (ok, out)
                        }
                    }
                } else {
                    match house.sender(CALLER).dispatch(&data).motsu_res() {
                        Ok(out) => (true, out),
                        Err(out) => (false, out),
                    }
                };
                outcomes.push(outcome);
            }
        }
    }
    let balances = vec![
        gem.sender(ADMIN).balance_of(HOUSE),
        gem.sender(ADMIN).balance_of(CALLER),
        gem.sender(ADMIN).balance_of(USR),
        dai.sender(ADMIN).balance_of(SOLVENCY),
        dai.sender(ADMIN).balance_of(CALLER),
        dai.sender(ADMIN).balance_of(KPR),
    ];
    (outcomes, house.all_events(), balances)
}

#[test]
fn dispatcher_matches_the_sdk_router() {
    let router = std::thread::spawn(|| run(true)).join().unwrap();
    let dispatcher = std::thread::spawn(|| run(false)).join().unwrap();
    let steps: Vec<Step> = script()
        .into_iter()
        .filter(|s| matches!(s, Step::Call(_)))
        .collect();
    assert_eq!(router.0.len(), steps.len());
    for (i, (a, b)) in router.0.iter().zip(dispatcher.0.iter()).enumerate() {
        let Step::Call(data) = &steps[i] else {
            unreachable!()
        };
        assert_eq!(
            a,
            b,
            "call {i} ({:02x?}): router vs dispatcher",
            &data[..data.len().min(4)]
        );
    }
    assert_eq!(router.1, dispatcher.1, "events");
    assert_eq!(router.2, dispatcher.2, "balances");
    // The script exercised successes and failures of every kind.
    let successes = router.0.iter().filter(|(ok, _)| *ok).count();
    assert!(
        successes > 60 && successes < router.0.len() - 20,
        "{successes} of {}",
        router.0.len()
    );
    assert!(router.1.len() > 20, "events logged: {}", router.1.len());
}

#[test]
fn every_dispatched_selector_is_in_the_generated_interface() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../interfaces/IDutchAuction.sol"
    );
    let text = std::fs::read_to_string(path)
        .expect("interfaces/IDutchAuction.sol (run `cargo xtask interfaces`)");
    let mut selectors: Vec<u32> = text
        .lines()
        .filter_map(|line| line.trim().strip_prefix("function "))
        .map(|rest| {
            let (name, rest) = rest.split_once('(').unwrap();
            let params = rest.split_once(')').unwrap().0;
            let types: Vec<&str> = params
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| p.split_whitespace().next().unwrap())
                .collect();
            let signature = format!("{name}({})", types.join(","));
            u32::from_be_bytes(keccak256(signature.as_bytes())[..4].try_into().unwrap())
        })
        .collect();
    selectors.push(stylus_sdk::abi::CONSTRUCTOR_SELECTOR);
    selectors.sort_unstable();
    let mut dispatched = crate::abi::SELECTORS.to_vec();
    dispatched.sort_unstable();
    assert_eq!(selectors, dispatched);
}

#[motsu::test]
fn a_call_with_value_is_rejected() {
    let w = deploy(Setup::default());
    let data = IHouse::countCall {}.abi_encode();
    assert!(w.house.sender(ADMIN).dispatch(&data).is_ok());
    KEEPER.fund(U256::from(1));
    let result = w
        .house
        .sender_and_value(KEEPER, U256::from(1))
        .dispatch(&data);
    assert!(result.is_err());
}

/// A bool argument other than 0 or 1 reverts, as in Solidity. (The SDK's router, through alloy
/// 0.8, reads any non-zero last byte as `true`: the one place where the two differ.)
#[motsu::test]
fn a_bool_other_than_zero_or_one_is_rejected() {
    let w = deploy(Setup::default());
    let mut data = IHouse::setKickerCall {
        kicker: KEEPER,
        allowed: true,
    }
    .abi_encode();
    assert!(w.house.sender(ADMIN).dispatch(&data).is_ok());
    data[4 + 63] = 2;
    assert_eq!(
        w.house.sender(ADMIN).dispatch(&data).motsu_res(),
        Err(Vec::new())
    );
    data[4 + 63] = 0;
    data[4 + 40] = 1;
    assert_eq!(
        w.house.sender(ADMIN).dispatch(&data).motsu_res(),
        Err(Vec::new())
    );
}

/// The dispatcher's constructor guard uses the SDK's flag (same slot, same byte): each sees
/// what the other wrote, and a second constructor call reverts with empty data.
#[motsu::test]
fn the_constructor_guard_is_the_sdks() {
    use stylus_sdk::stylus_core::host::ConstructorGuard;
    let w = deploy(Setup::default());
    let mut ctor = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes().to_vec();
    for account in [
        ADMIN,
        w.gem.address(),
        w.dai.address(),
        w.oracle.address(),
        w.solvency.address(),
    ] {
        ctor.extend_from_slice(&address_word(account).to_be_bytes::<32>());
    }
    let house = Contract::<DutchAuction>::new();
    assert_eq!(
        house.sender(ADMIN).dispatch(&ctor).motsu_res(),
        Ok(Vec::new())
    );
    assert_eq!(house.sender(ADMIN).owner(), ADMIN);
    assert_eq!(
        house.sender(ADMIN).check_constructor_slot(),
        Err(Vec::new())
    );
    assert_eq!(
        house.sender(ADMIN).dispatch(&ctor).motsu_res(),
        Err(Vec::new())
    );
    let other = Contract::<DutchAuction>::new();
    assert_eq!(other.sender(ADMIN).check_constructor_slot(), Ok(()));
    assert_eq!(other.sender(ADMIN).constructor_once(), Err(Vec::new()));
    assert_eq!(
        other.sender(ADMIN).dispatch(&ctor).motsu_res(),
        Err(Vec::new())
    );
}

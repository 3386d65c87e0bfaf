use alloy_primitives::{aliases::U80, Address, I256, U256};
use alloy_sol_types::SolError;
use alloy_sol_types::SolEvent;
use motsu::prelude::*;
use openzeppelin_stylus::access::{
    ownable::OwnershipTransferred, ownable_two_step::OwnershipTransferStarted,
};

use super::*;

fn price(value: i64) -> I256 {
    I256::try_from(value).unwrap()
}

fn deployed(oracle: &Contract<MockOracle>, owner: Address) {
    oracle
        .sender(owner)
        .constructor(owner, 8, String::from("ETH / USD"), price(2_000_00000000))
        .unwrap();
}

#[motsu::test]
fn constructor_records_round_one(oracle: Contract<MockOracle>, owner: Address) {
    gavel_common::clock::set(1_700_000_000);
    deployed(&oracle, owner);
    assert_eq!(oracle.sender(owner).decimals(), 8);
    assert_eq!(oracle.sender(owner).description(), "ETH / USD");
    assert_eq!(
        oracle.sender(owner).version(),
        U256::from(AGGREGATOR_VERSION)
    );
    let (round, answer, started_at, updated_at, answered_in) =
        oracle.sender(owner).latest_round_data();
    assert_eq!(round, U80::from(1));
    assert_eq!(answer, price(2_000_00000000));
    assert_eq!(started_at, U256::from(1_700_000_000u64));
    assert_eq!(updated_at, U256::from(1_700_000_000u64));
    assert_eq!(answered_in, U80::from(1));
    assert_eq!(oracle.sender(owner).owner(), owner);
    oracle.assert_emitted(&AnswerUpdated {
        current: price(2_000_00000000),
        roundId: U256::from(1),
        updatedAt: U256::from(1_700_000_000u64),
    });
}

#[motsu::test]
fn zero_owner_is_rejected(oracle: Contract<MockOracle>, alice: Address) {
    let err = oracle
        .sender(alice)
        .constructor(Address::ZERO, 8, String::from("ETH / USD"), price(1))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidOwner(ownable::OwnableInvalidOwner { owner }) if owner.is_zero()
    ));
}

#[motsu::test]
fn owner_sets_answers_and_history_is_kept(oracle: Contract<MockOracle>, owner: Address) {
    deployed(&oracle, owner);
    oracle
        .sender(owner)
        .set_answer(price(-5), U256::from(42))
        .unwrap();
    oracle.assert_emitted(&AnswerUpdated {
        current: price(-5),
        roundId: U256::from(2),
        updatedAt: U256::from(42),
    });
    let (round, answer, _, updated_at, _) = oracle.sender(owner).latest_round_data();
    assert_eq!(
        (round, answer, updated_at),
        (U80::from(2), price(-5), U256::from(42))
    );

    let (round, answer, _, _, _) = oracle.sender(owner).get_round_data(U80::from(1)).unwrap();
    assert_eq!((round, answer), (U80::from(1), price(2_000_00000000)));
}

#[motsu::test]
fn unknown_round_reverts(oracle: Contract<MockOracle>, owner: Address) {
    deployed(&oracle, owner);
    for missing in [0u64, 2, 1_000] {
        let err = oracle
            .sender(owner)
            .get_round_data(U80::from(missing))
            .unwrap_err();
        assert!(matches!(
            err,
            Error::NoDataPresent(NoDataPresent { roundId }) if roundId == U80::from(missing)
        ));
    }
}

#[motsu::test]
fn non_owner_cannot_set_answer(oracle: Contract<MockOracle>, owner: Address, mallory: Address) {
    deployed(&oracle, owner);
    let err = oracle
        .sender(mallory)
        .set_answer(price(1), U256::from(1))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::UnauthorizedAccount(ownable::OwnableUnauthorizedAccount { account })
            if account == mallory
    ));
    let encoded: Vec<u8> = oracle
        .sender(mallory)
        .set_answer(price(1), U256::from(1))
        .unwrap_err()
        .into();
    assert_eq!(
        &encoded[..4],
        &ownable::OwnableUnauthorizedAccount::SELECTOR
    );
    // Nothing changed.
    let (round, answer, _, _, _) = oracle.sender(owner).latest_round_data();
    assert_eq!((round, answer), (U80::from(1), price(2_000_00000000)));
}

#[motsu::test]
fn ownership_moves_in_two_steps(oracle: Contract<MockOracle>, owner: Address, bob: Address) {
    deployed(&oracle, owner);
    oracle.sender(owner).transfer_ownership(bob).unwrap();
    // The OpenZeppelin event and this crate's declaration share one topic and encoding.
    oracle.assert_emitted(&sol::OwnershipTransferStarted {
        previousOwner: owner,
        newOwner: bob,
    });
    // Not yet: the old owner still rules, the new one cannot set answers.
    assert_eq!(oracle.sender(owner).owner(), owner);
    assert_eq!(oracle.sender(owner).pending_owner(), bob);
    assert!(oracle
        .sender(bob)
        .set_answer(price(1), U256::from(1))
        .is_err());

    oracle.sender(bob).accept_ownership().unwrap();
    oracle.assert_emitted(&sol::OwnershipTransferred {
        previousOwner: owner,
        newOwner: bob,
    });
    assert_eq!(oracle.sender(owner).owner(), bob);
    assert_eq!(oracle.sender(owner).pending_owner(), Address::ZERO);
    oracle
        .sender(bob)
        .set_answer(price(3), U256::from(3))
        .unwrap();
    assert!(oracle
        .sender(owner)
        .set_answer(price(1), U256::from(1))
        .is_err());
}

#[motsu::test]
fn only_pending_owner_accepts(
    oracle: Contract<MockOracle>,
    owner: Address,
    bob: Address,
    mallory: Address,
) {
    deployed(&oracle, owner);
    oracle.sender(owner).transfer_ownership(bob).unwrap();
    let err = oracle.sender(mallory).accept_ownership().unwrap_err();
    assert!(matches!(
        err,
        Error::UnauthorizedAccount(ownable::OwnableUnauthorizedAccount { account })
            if account == mallory
    ));
    assert_eq!(oracle.sender(owner).owner(), owner);
}

#[test]
fn interface_events_match_the_logged_events() {
    assert_eq!(
        sol::OwnershipTransferStarted::SIGNATURE_HASH,
        OwnershipTransferStarted::SIGNATURE_HASH
    );
    assert_eq!(
        sol::OwnershipTransferred::SIGNATURE_HASH,
        OwnershipTransferred::SIGNATURE_HASH
    );
    assert_eq!(EVENTS.len(), 3);
    assert!(EVENTS[0].starts_with("event AnswerUpdated(int256 indexed current,"));
}

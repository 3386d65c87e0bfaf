use alloy_primitives::{Address, U256};
use alloy_sol_types::SolError;
use motsu::prelude::*;

use super::*;

#[motsu::test]
fn absorbs_and_sums_losses(lender: Contract<MockLender>, module: Address) {
    lender.sender(module).constructor(module);
    assert_eq!(lender.sender(module).solvency_module(), module);
    lender
        .sender(module)
        .absorb_loss(U256::from(7))
        .motsu_unwrap();
    lender.assert_emitted(&LossAbsorbed {
        module,
        amount: U256::from(7),
        totalAbsorbed: U256::from(7),
    });
    lender
        .sender(module)
        .absorb_loss(U256::from(5))
        .motsu_unwrap();
    assert_eq!(lender.sender(module).absorbed(), U256::from(12));
    assert_eq!(lender.sender(module).absorb_calls(), U256::from(2));
}

#[motsu::test]
fn only_the_configured_module_may_call(
    lender: Contract<MockLender>,
    module: Address,
    mallory: Address,
) {
    lender.sender(module).constructor(module);
    let err = lender
        .sender(mallory)
        .absorb_loss(U256::from(1))
        .motsu_unwrap_err();
    assert!(
        matches!(err, Error::NotSolvencyModule(NotSolvencyModule { caller }) if caller == mallory)
    );
    assert_eq!(lender.sender(module).absorbed(), U256::ZERO);
}

#[motsu::test]
fn zero_module_accepts_any_caller(lender: Contract<MockLender>, anyone: Address) {
    lender.sender(anyone).constructor(Address::ZERO);
    lender
        .sender(anyone)
        .absorb_loss(U256::from(3))
        .motsu_unwrap();
    assert_eq!(lender.sender(anyone).absorbed(), U256::from(3));
}

#[motsu::test]
fn refusing_mode_reverts_with_the_amount(lender: Contract<MockLender>, module: Address) {
    lender.sender(module).constructor(module);
    lender.sender(module).set_mode(MODE_REFUSE, U256::ZERO);
    lender.assert_emitted(&ModeSet {
        mode: MODE_REFUSE,
        entryId: U256::ZERO,
    });
    assert_eq!(lender.sender(module).mode(), MODE_REFUSE);
    let err = lender
        .sender(module)
        .absorb_loss(U256::from(9))
        .motsu_unwrap_err();
    assert!(matches!(err, Error::LossRefused(LossRefused { amount }) if amount == U256::from(9)));
    let encoded: Vec<u8> = err.into();
    assert_eq!(encoded.get(..4), Some(&LossRefused::SELECTOR[..]));
    assert_eq!(lender.sender(module).absorbed(), U256::ZERO);
    assert_eq!(lender.sender(module).absorb_calls(), U256::ZERO);
}

#[motsu::test]
fn reentering_mode_records_the_nested_revert(
    lender: Contract<MockLender>,
    other: Contract<MockLender>,
    user: Address,
) {
    // The caller here is another MockLender, which has no `heal`: the nested call fails and
    // its (non-empty) revert data is recorded; absorbing still happens.
    lender.sender(user).constructor(Address::ZERO);
    lender
        .sender(user)
        .set_mode(MODE_REENTER_HEAL, U256::from(4));
    lender
        .sender(other.address())
        .absorb_loss(U256::from(2))
        .motsu_unwrap();
    assert_ne!(
        lender.sender(user).last_reentry_error(),
        FixedBytes::<4>::ZERO
    );
    assert_eq!(lender.sender(user).absorbed(), U256::from(2));
}

#[test]
fn interface_lists_the_events() {
    assert_eq!(EVENTS.len(), 2);
    assert!(EVENTS[0].starts_with("event LossAbsorbed(address indexed module,"));
}

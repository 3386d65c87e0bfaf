use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolError, SolEvent};
use motsu::prelude::*;
use openzeppelin_stylus::token::erc20 as oz;

use super::*;

fn deployed(token: &Contract<MockERC20>, deployer: Address, decimals: u8) {
    token.sender(deployer).constructor(
        String::from("Wrapped Ether"),
        String::from("WETH"),
        decimals,
    );
}

#[motsu::test]
fn constructor_sets_metadata(token: Contract<MockERC20>, alice: Address) {
    deployed(&token, alice, 6);
    assert_eq!(token.sender(alice).name(), "Wrapped Ether");
    assert_eq!(token.sender(alice).symbol(), "WETH");
    assert_eq!(token.sender(alice).decimals(), 6);
    assert_eq!(token.sender(alice).total_supply(), U256::ZERO);
}

#[motsu::test]
fn mint_credits_balance_and_supply(token: Contract<MockERC20>, alice: Address, bob: Address) {
    deployed(&token, alice, 18);
    token.sender(bob).mint(alice, U256::from(1_000)).unwrap();
    assert_eq!(token.sender(bob).balance_of(alice), U256::from(1_000));
    assert_eq!(token.sender(bob).total_supply(), U256::from(1_000));
    token.assert_emitted(&Transfer {
        from: Address::ZERO,
        to: alice,
        value: U256::from(1_000),
    });
}

#[motsu::test]
fn mint_past_max_supply_reverts(token: Contract<MockERC20>, alice: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::MAX).unwrap();
    let err = token.sender(alice).mint(alice, U256::from(1)).unwrap_err();
    assert!(matches!(
        err,
        Error::SupplyOverflow(MockERC20SupplyOverflow { totalSupply, value })
            if totalSupply == U256::MAX && value == U256::from(1)
    ));
    assert_eq!(token.sender(alice).total_supply(), U256::MAX);
}

#[motsu::test]
fn mint_to_zero_address_reverts(token: Contract<MockERC20>, alice: Address) {
    deployed(&token, alice, 18);
    let err = token
        .sender(alice)
        .mint(Address::ZERO, U256::from(1))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidReceiver(ERC20InvalidReceiver { receiver }) if receiver.is_zero()
    ));
}

#[motsu::test]
fn transfer_moves_tokens(token: Contract<MockERC20>, alice: Address, bob: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    assert!(token.sender(alice).transfer(bob, U256::from(40)).unwrap());
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(60));
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(40));
    token.assert_emitted(&Transfer {
        from: alice,
        to: bob,
        value: U256::from(40),
    });
}

#[motsu::test]
fn transfer_beyond_balance_reverts_with_exact_error(
    token: Contract<MockERC20>,
    alice: Address,
    bob: Address,
) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(10)).unwrap();
    let err = token
        .sender(alice)
        .transfer(bob, U256::from(11))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InsufficientBalance(ERC20InsufficientBalance { sender, balance, needed })
            if sender == alice && balance == U256::from(10) && needed == U256::from(11)
    ));
    // The revert data is the ABI encoding of the Solidity custom error.
    let encoded: Vec<u8> = token
        .sender(alice)
        .transfer(bob, U256::from(11))
        .unwrap_err()
        .into();
    assert_eq!(&encoded[..4], &ERC20InsufficientBalance::SELECTOR);
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(10));
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
}

#[motsu::test]
fn transfer_from_spends_allowance(
    token: Contract<MockERC20>,
    alice: Address,
    bob: Address,
    carol: Address,
) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    assert!(token.sender(alice).approve(bob, U256::from(30)).unwrap());
    token.assert_emitted(&Approval {
        owner: alice,
        spender: bob,
        value: U256::from(30),
    });
    assert!(token
        .sender(bob)
        .transfer_from(alice, carol, U256::from(25))
        .unwrap());
    assert_eq!(token.sender(bob).allowance(alice, bob), U256::from(5));
    assert_eq!(token.sender(bob).balance_of(carol), U256::from(25));

    let err = token
        .sender(bob)
        .transfer_from(alice, carol, U256::from(6))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InsufficientAllowance(ERC20InsufficientAllowance { spender, allowance, needed })
            if spender == bob && allowance == U256::from(5) && needed == U256::from(6)
    ));
}

#[motsu::test]
fn infinite_allowance_is_not_spent(token: Contract<MockERC20>, alice: Address, bob: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    token.sender(alice).approve(bob, U256::MAX).unwrap();
    token
        .sender(bob)
        .transfer_from(alice, bob, U256::from(100))
        .unwrap();
    assert_eq!(token.sender(bob).allowance(alice, bob), U256::MAX);
}

#[motsu::test]
fn transfer_to_self_keeps_the_balance(token: Contract<MockERC20>, alice: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    assert!(token.sender(alice).transfer(alice, U256::from(70)).unwrap());
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(100));
    assert_eq!(token.sender(alice).total_supply(), U256::from(100));
}

#[motsu::test]
fn zero_addresses_are_refused(token: Contract<MockERC20>, alice: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    let err = token
        .sender(alice)
        .transfer(Address::ZERO, U256::from(1))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidReceiver(ERC20InvalidReceiver { receiver }) if receiver.is_zero())
    );
    let err = token
        .sender(alice)
        .approve(Address::ZERO, U256::from(1))
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidSpender(ERC20InvalidSpender { spender }) if spender.is_zero())
    );
    let err = token
        .sender(alice)
        .transfer_from(Address::ZERO, alice, U256::ZERO)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidSender(ERC20InvalidSender { sender }) if sender.is_zero()));
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(100));
}

#[motsu::test]
fn spending_an_allowance_logs_no_approval(
    token: Contract<MockERC20>,
    alice: Address,
    bob: Address,
) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    token.sender(alice).approve(bob, U256::from(30)).unwrap();
    token
        .sender(bob)
        .transfer_from(alice, bob, U256::from(10))
        .unwrap();
    assert!(!token.emitted(&Approval {
        owner: alice,
        spender: bob,
        value: U256::from(20)
    }));
    token.assert_emitted(&Transfer {
        from: alice,
        to: bob,
        value: U256::from(10),
    });
}

/// The simulator's switch: with recording off the call still changes state, and no log is
/// kept; with it back on, logs are kept again.
#[motsu::test]
fn log_switch_skips_only_the_record(token: Contract<MockERC20>, alice: Address, bob: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    let before = token.all_events().len();
    gavel_common::log::set_recording(false);
    token.sender(alice).transfer(bob, U256::from(40)).unwrap();
    gavel_common::log::set_recording(true);
    assert_eq!(token.all_events().len(), before);
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(40));
    token.sender(alice).transfer(bob, U256::from(2)).unwrap();
    assert_eq!(token.all_events().len(), before + 1);
}

/// Same wire format as OpenZeppelin's ERC-20, which the mock used to wrap.
#[test]
fn errors_and_events_match_openzeppelin() {
    assert_eq!(Transfer::SIGNATURE_HASH, oz::Transfer::SIGNATURE_HASH);
    assert_eq!(Approval::SIGNATURE_HASH, oz::Approval::SIGNATURE_HASH);
    assert_eq!(
        ERC20InsufficientBalance::SELECTOR,
        oz::ERC20InsufficientBalance::SELECTOR
    );
    assert_eq!(
        ERC20InvalidSender::SELECTOR,
        oz::ERC20InvalidSender::SELECTOR
    );
    assert_eq!(
        ERC20InvalidReceiver::SELECTOR,
        oz::ERC20InvalidReceiver::SELECTOR
    );
    assert_eq!(
        ERC20InsufficientAllowance::SELECTOR,
        oz::ERC20InsufficientAllowance::SELECTOR
    );
    assert_eq!(
        ERC20InvalidSpender::SELECTOR,
        oz::ERC20InvalidSpender::SELECTOR
    );
    assert_eq!(
        ERC20InvalidApprover::SELECTOR,
        oz::ERC20InvalidApprover::SELECTOR
    );
}

#[test]
fn interface_events_are_listed() {
    assert_eq!(
        EVENTS,
        [
            "event Transfer(address indexed from, address indexed to, uint256 value);",
            "event Approval(address indexed owner, address indexed spender, uint256 value);",
        ]
    );
}

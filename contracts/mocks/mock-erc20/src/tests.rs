use alloy_primitives::{Address, U256};
use motsu::prelude::*;
use alloy_sol_types::{SolError, SolEvent};
use openzeppelin_stylus::token::erc20::{Approval, Transfer};

use super::*;

fn deployed(token: &Contract<MockERC20>, deployer: Address, decimals: u8) {
    token
        .sender(deployer)
        .constructor(String::from("Wrapped Ether"), String::from("WETH"), decimals);
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
    token.assert_emitted(&Transfer { from: Address::ZERO, to: alice, value: U256::from(1_000) });
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
    let err = token.sender(alice).mint(Address::ZERO, U256::from(1)).unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidReceiver(erc20::ERC20InvalidReceiver { receiver }) if receiver.is_zero()
    ));
}

#[motsu::test]
fn transfer_moves_tokens(token: Contract<MockERC20>, alice: Address, bob: Address) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    assert!(token.sender(alice).transfer(bob, U256::from(40)).unwrap());
    assert_eq!(token.sender(alice).balance_of(alice), U256::from(60));
    assert_eq!(token.sender(alice).balance_of(bob), U256::from(40));
    token.assert_emitted(&Transfer { from: alice, to: bob, value: U256::from(40) });
}

#[motsu::test]
fn transfer_beyond_balance_reverts_with_exact_error(
    token: Contract<MockERC20>,
    alice: Address,
    bob: Address,
) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(10)).unwrap();
    let err = token.sender(alice).transfer(bob, U256::from(11)).unwrap_err();
    assert!(matches!(
        err,
        Error::InsufficientBalance(erc20::ERC20InsufficientBalance { sender, balance, needed })
            if sender == alice && balance == U256::from(10) && needed == U256::from(11)
    ));
    // The revert data is the ABI encoding of the Solidity custom error.
    let encoded: Vec<u8> = token.sender(alice).transfer(bob, U256::from(11)).unwrap_err().into();
    assert_eq!(&encoded[..4], &erc20::ERC20InsufficientBalance::SELECTOR);
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
    token.assert_emitted(&Approval { owner: alice, spender: bob, value: U256::from(30) });
    assert!(token.sender(bob).transfer_from(alice, carol, U256::from(25)).unwrap());
    assert_eq!(token.sender(bob).allowance(alice, bob), U256::from(5));
    assert_eq!(token.sender(bob).balance_of(carol), U256::from(25));

    let err = token.sender(bob).transfer_from(alice, carol, U256::from(6)).unwrap_err();
    assert!(matches!(
        err,
        Error::InsufficientAllowance(erc20::ERC20InsufficientAllowance { spender, allowance, needed })
            if spender == bob && allowance == U256::from(5) && needed == U256::from(6)
    ));
}

#[motsu::test]
fn infinite_allowance_is_not_spent(
    token: Contract<MockERC20>,
    alice: Address,
    bob: Address,
) {
    deployed(&token, alice, 18);
    token.sender(alice).mint(alice, U256::from(100)).unwrap();
    token.sender(alice).approve(bob, U256::MAX).unwrap();
    token.sender(bob).transfer_from(alice, bob, U256::from(100)).unwrap();
    assert_eq!(token.sender(bob).allowance(alice, bob), U256::MAX);
}

#[test]
fn interface_events_match_the_logged_events() {
    assert_eq!(sol::Transfer::SIGNATURE_HASH, Transfer::SIGNATURE_HASH);
    assert_eq!(sol::Approval::SIGNATURE_HASH, Approval::SIGNATURE_HASH);
    assert_eq!(
        EVENTS,
        [
            "event Transfer(address indexed from, address indexed to, uint256 value);",
            "event Approval(address indexed owner, address indexed spender, uint256 value);",
        ]
    );
}

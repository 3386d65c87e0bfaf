//! `gavel_common::erc20` against tokens that return `true`, nothing, `false`, another word, a
//! short answer, or revert, and against an account without code: OpenZeppelin SafeERC20's
//! outcomes for each.
#![cfg(not(target_arch = "wasm32"))]

extern crate alloc;

use alloy_primitives::{Address, U256};
use gavel_common::erc20;
use motsu::prelude::*;
use stylus_sdk::{prelude::*, storage::StorageU256};

/// How the test token answers `transfer`/`transferFrom`/`approve`.
macro_rules! token {
    ($name:ident, $ret:ty, $ok:expr, $moves:expr) => {
        #[storage]
        pub struct $name {
            moved: StorageU256,
        }

        #[public]
        impl $name {
            pub fn transfer(&mut self, _to: Address, amount: U256) -> Result<$ret, Vec<u8>> {
                self.answer(amount)
            }

            #[selector(name = "transferFrom")]
            pub fn transfer_from(
                &mut self,
                _from: Address,
                _to: Address,
                amount: U256,
            ) -> Result<$ret, Vec<u8>> {
                self.answer(amount)
            }

            pub fn approve(&mut self, _spender: Address, amount: U256) -> Result<$ret, Vec<u8>> {
                self.answer(amount)
            }

            #[selector(name = "balanceOf")]
            pub fn balance_of(&self, _account: Address) -> U256 {
                self.moved.get()
            }

            pub fn moved(&self) -> U256 {
                self.moved.get()
            }
        }

        impl $name {
            fn answer(&mut self, amount: U256) -> Result<$ret, Vec<u8>> {
                if $moves {
                    let moved = self.moved.get();
                    self.moved.set(moved + amount);
                }
                $ok
            }
        }

        unsafe impl TopLevelStorage for $name {}
    };
}

token!(TrueToken, bool, Ok(true), true);
token!(SilentToken, (), Ok(()), true);
token!(FalseToken, bool, Ok(false), false);
token!(TwoToken, U256, Ok(U256::from(2)), true);
token!(RevertToken, bool, Err(b"no".to_vec()), false);
// Returns one byte-aligned word the SDK encodes as 32 bytes; a short answer is built below.
token!(ShortToken, u8, Ok(1), true);

/// Calls the helpers the way the contracts do, and records the outcome.
#[storage]
pub struct Mover {}

#[public]
impl Mover {
    pub fn send(&mut self, token: Address, to: Address, amount: U256) -> Result<(), Vec<u8>> {
        erc20::safe_transfer(self.vm(), token, to, amount).map_err(failed)
    }

    pub fn pull(&mut self, token: Address, from: Address, amount: U256) -> Result<(), Vec<u8>> {
        let me = self.vm().contract_address();
        erc20::safe_transfer_from(self.vm(), token, from, me, amount).map_err(failed)
    }

    pub fn allow(&mut self, token: Address, spender: Address, amount: U256) -> Result<(), Vec<u8>> {
        erc20::safe_approve(self.vm(), token, spender, amount).map_err(failed)
    }

    #[selector(name = "hasCode")]
    pub fn has_code(&self, account: Address) -> bool {
        erc20::has_code(self.vm(), account)
    }

    pub fn balance(&self, token: Address, account: Address) -> Result<U256, Vec<u8>> {
        erc20::balance_of(self.vm(), token, account).map_err(failed)
    }
}

unsafe impl TopLevelStorage for Mover {}

fn failed(token: Address) -> Vec<u8> {
    erc20::calldata(erc20::FAILED_OPERATION, &[erc20::address_word(token)])
}

#[test]
fn selectors_match_their_signatures() {
    use alloy_primitives::keccak256;
    let sel = |s: &str| <[u8; 4]>::try_from(&keccak256(s.as_bytes())[..4]).unwrap();
    assert_eq!(
        erc20::FAILED_OPERATION,
        sel("SafeErc20FailedOperation(address)")
    );
    assert_eq!(erc20::TRANSFER, sel("transfer(address,uint256)"));
    assert_eq!(
        erc20::TRANSFER_FROM,
        sel("transferFrom(address,address,uint256)")
    );
    assert_eq!(erc20::APPROVE, sel("approve(address,uint256)"));
    assert_eq!(erc20::BALANCE_OF, sel("balanceOf(address)"));
}

#[motsu::test]
fn true_and_silent_tokens_succeed(
    mover: Contract<Mover>,
    good: Contract<TrueToken>,
    silent: Contract<SilentToken>,
    alice: Address,
) {
    let amount = U256::from(7);
    for token in [good.address(), silent.address()] {
        mover
            .sender(alice)
            .send(token, alice, amount)
            .motsu_unwrap();
        mover
            .sender(alice)
            .pull(token, alice, amount)
            .motsu_unwrap();
        mover
            .sender(alice)
            .allow(token, alice, amount)
            .motsu_unwrap();
    }
    assert_eq!(good.sender(alice).moved(), U256::from(21));
    assert_eq!(silent.sender(alice).moved(), U256::from(21));
    assert_eq!(
        mover
            .sender(alice)
            .balance(good.address(), alice)
            .motsu_unwrap(),
        U256::from(21)
    );
}

#[motsu::test]
fn false_other_words_and_reverts_fail_with_the_token(
    mover: Contract<Mover>,
    falsy: Contract<FalseToken>,
    two: Contract<TwoToken>,
    reverting: Contract<RevertToken>,
    alice: Address,
) {
    let amount = U256::from(7);
    for token in [falsy.address(), two.address(), reverting.address()] {
        let expected = failed(token);
        assert_eq!(
            mover
                .sender(alice)
                .send(token, alice, amount)
                .motsu_unwrap_err(),
            expected
        );
        assert_eq!(
            mover
                .sender(alice)
                .pull(token, alice, amount)
                .motsu_unwrap_err(),
            expected
        );
        assert_eq!(
            mover
                .sender(alice)
                .allow(token, alice, amount)
                .motsu_unwrap_err(),
            expected
        );
    }
    // The reverting token's balanceOf works; a reverting call does not.
    assert_eq!(
        mover
            .sender(alice)
            .balance(reverting.address(), alice)
            .motsu_unwrap(),
        U256::ZERO
    );
}

#[motsu::test]
fn one_as_a_small_integer_word_is_true(
    mover: Contract<Mover>,
    short: Contract<ShortToken>,
    alice: Address,
) {
    // `uint8 1` is ABI-encoded as the word 1: accepted, as by SafeERC20.
    mover
        .sender(alice)
        .send(short.address(), alice, U256::from(3))
        .motsu_unwrap();
    assert_eq!(short.sender(alice).moved(), U256::from(3));
}

/// An account without code: motsu cannot call one (it panics), so this checks the predicate
/// the helper applies when a call returns nothing, which is what an EVM call to such an
/// account does.
#[motsu::test]
fn code_check_tells_contracts_from_empty_accounts(
    mover: Contract<Mover>,
    silent: Contract<SilentToken>,
    alice: Address,
    nobody: Address,
) {
    assert!(mover.sender(alice).has_code(silent.address()));
    assert!(!mover.sender(alice).has_code(nobody));
    assert!(!mover.sender(alice).has_code(Address::ZERO));
}

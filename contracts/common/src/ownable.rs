//! The lean `Ownable2Step` every protocol contract carries (see "Admin" in the README):
//! OpenZeppelin `Ownable2Step`'s ABI, events, errors and slots, on raw storage words.
//!
//! The `#[public]` functions (`owner`, `pendingOwner`, `transferOwnership`, `acceptOwnership`)
//! stay in each contract's `#[public]` impl, which defines the ABI; their logic is
//! [`ownable2step!`](crate::ownable2step), expanded in the contract's crate so the code is the
//! contract's own (the same WASM as when each contract wrote it out). Each contract's tests
//! check the selectors, events and slots against OpenZeppelin's types.

use stylus_sdk::alloy_primitives::U256;

/// Admin: slot 0, where OpenZeppelin's `Ownable` keeps its owner.
pub const OWNER: U256 = U256::ZERO;

/// Pending admin: slot 1, where OpenZeppelin's `Ownable2Step` keeps it.
pub const PENDING_OWNER: U256 = U256::from_limbs([1, 0, 0, 0]);

/// Implements the lean `Ownable2Step` for `$contract` as private methods: `admin`,
/// `set_owner`, `propose_owner` (`transferOwnership`'s body) and `accept_owner`
/// (`acceptOwnership`'s body). `$unauthorized` is the selector of the contract's
/// `OwnableUnauthorizedAccount(address)`.
///
/// ```text
/// gavel_common::ownable2step!(LiquidationEngine, OwnableUnauthorizedAccount::SELECTOR);
/// ```
///
/// The expansion uses the contract crate's own names: its `Error` type, the methods `sload`,
/// `sstore` and `emit` ([`raw_storage!`](crate::raw_storage)) and `enter` (the re-entrancy
/// check), the functions `address_of`, `address_word` and `fail_address(selector, account)`
/// ([`revert_error!`](crate::revert_error)), and the `sol!` events `OwnershipTransferStarted`
/// and `OwnershipTransferred` (with `SolEvent` in scope).
#[macro_export]
macro_rules! ownable2step {
    ($contract:ty, $unauthorized:expr) => {
        impl $contract {
            /// [`Self::enter`] for the admin only: `OwnableUnauthorizedAccount(caller)` for
            /// anyone else.
            fn admin(&self) -> Result<U256, Error> {
                let sender = self.vm().msg_sender();
                if sender != address_of(&self.sload(&$crate::ownable::OWNER)) {
                    return Err(fail_address($unauthorized, sender));
                }
                self.enter()
            }

            /// `transferOwnership(newOwner)` (admin only): proposes `new_owner`, which takes
            /// effect when it accepts; proposing zero cancels a proposal. Logs
            /// `OwnershipTransferStarted(owner, newOwner)`.
            #[inline(always)]
            fn propose_owner(&mut self, new_owner: Address) -> Result<(), Error> {
                self.admin()?;
                self.sstore(&$crate::ownable::PENDING_OWNER, &address_word(new_owner));
                let topics = [self.sload(&$crate::ownable::OWNER), address_word(new_owner)];
                self.emit(OwnershipTransferStarted::SIGNATURE_HASH, &topics, &[]);
                Ok(())
            }

            /// `acceptOwnership()`: the pending admin becomes the admin;
            /// `OwnableUnauthorizedAccount(caller)` for anyone else.
            #[inline(always)]
            fn accept_owner(&mut self) -> Result<(), Error> {
                self.enter()?;
                let sender = self.vm().msg_sender();
                if sender != address_of(&self.sload(&$crate::ownable::PENDING_OWNER)) {
                    return Err(fail_address($unauthorized, sender));
                }
                self.sstore(
                    &$crate::ownable::PENDING_OWNER,
                    &stylus_sdk::alloy_primitives::U256::ZERO,
                );
                self.set_owner(sender);
                Ok(())
            }

            /// Makes `owner` the admin and logs `OwnershipTransferred(previous, owner)` (also
            /// at deployment, from zero).
            fn set_owner(&mut self, owner: Address) {
                let new = address_word(owner);
                let topics = [self.sload(&$crate::ownable::OWNER), new];
                self.sstore(&$crate::ownable::OWNER, &new);
                self.emit(OwnershipTransferred::SIGNATURE_HASH, &topics, &[]);
            }
        }
    };
}

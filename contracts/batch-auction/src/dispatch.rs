//! The house's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs). Every argument and result of the house's ABI is a static 32-byte word, so decoding
//! is reading words and encoding is writing them. The checks match the SDK's router: calldata
//! too short for the arguments, an address with non-zero high bytes, a bool other than 0 or 1,
//! a non-zero `msg.value` (no function is payable), an unknown selector or a second
//! constructor call revert with empty data. `tests::dispatcher_matches_the_sdk_router` runs
//! every function through both.

use super::*;

gavel_common::functions! {
    pub constructor(Address, Address, Address, Address, Address);
    Kick = "kick"(U256, U256, U256, Address, Address);
    Commit = "commit"(U256, FixedBytes<32>, U256);
    Reveal = "reveal"(U256, U256, U256, FixedBytes<32>);
    Settle = "settle"(U256);
    Claim = "claim"(U256);
    Preview = "preview"(U256, Address);
    Batch = "batch"(U256);
    BatchTerms = "batchTerms"(U256);
    Result = "result"(U256);
    KickOf = "kickOf"(U256, U256);
    CommitmentOf = "commitmentOf"(U256, Address, U256);
    Config = "config"();
    Params = "params"();
    IsKicker = "isKicker"(Address);
    Yank = "yank"(U256);
    SetParams = "setParams"(U256, U256, U256, U256, U256, U256, U256, U256);
    SetKicker = "setKicker"(Address, bool);
    SetGuardian = "setGuardian"(Address);
    SetStopped = "setStopped"(U256);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
}

/// The arguments `kinds` describes, decoded from `data` and checked as the SDK does; unused
/// entries are zero. Too short calldata or an invalid address or bool: empty revert data.
#[inline(never)]
fn decode(data: &[u8], kinds: u16) -> core::result::Result<[U256; 8], Vec<u8>> {
    let mut args = [U256::ZERO; 8];
    let mut rest = data;
    for (index, arg) in args.iter_mut().enumerate() {
        let kind = (kinds >> (2 * index)) & 3;
        if kind == 0 {
            break;
        }
        let Some((word, tail)) = rest.split_first_chunk::<32>() else {
            return Err(Vec::new());
        };
        rest = tail;
        let value = U256::from_be_bytes(*word);
        let [l0, l1, l2, l3] = value.into_limbs();
        let valid = match kind {
            2 => l2 >> 32 == 0 && l3 == 0,
            // As alloy's `Bool::valid_token`: any low byte (non-zero is true).
            3 => l0 >> 8 == 0 && l1 | l2 | l3 == 0,
            _ => true,
        };
        if !valid {
            return Err(Vec::new());
        }
        *arg = value;
    }
    // Like alloy's strict decoding, trailing calldata is refused.
    if !rest.is_empty() {
        return Err(Vec::new());
    }
    Ok(args)
}

/// The SDK's constructor guard (`ConstructorGuard::check_constructor_slot`), on the same
/// slot and with the same outcome, through the house's raw storage words: the SDK's boolean is
/// the first (most significant) byte of the word at `CONSTRUCTOR_EXECUTED_SLOT`, set by the
/// first constructor call; a later call reverts with empty data.
impl BatchAuction {
    pub(crate) fn constructor_guard(&mut self) -> core::result::Result<(), Vec<u8>> {
        const FLAG: u64 = 0xFF << 56;
        let slot = stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT;
        let word = self.read(&slot, 0);
        let top = limb(word, 3);
        if top & FLAG != 0 {
            return Err(Vec::new());
        }
        // The byte becomes 1, as the SDK's `StorageBool::set(true)` writes it.
        self.write(&slot, 0, &with_limb(word, 3, top | (1 << 56)));
        Ok(())
    }
}

/// A word as `bytes32`.
fn bytes32(word: U256) -> FixedBytes<32> {
    FixedBytes(word.to_be_bytes::<32>())
}

impl BatchAuction {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, exactly as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> core::result::Result<Vec<u8>, Vec<u8>> {
        // No function is payable (the SDK router's `deny_value`).
        if !self.vm().msg_value().is_zero() {
            return Err(Vec::new());
        }
        let Some((selector, rest)) = input.split_first_chunk::<4>() else {
            return Err(Vec::new());
        };
        let selector = u32::from_be_bytes(*selector);
        let Some(&(_, kinds, function)) = FUNCTIONS.iter().find(|(s, _, _)| *s == selector) else {
            return Err(Vec::new());
        };
        let [a0, a1, a2, a3, a4, a5, a6, a7] = decode(rest, kinds)?;
        let address = address_of;
        let none: [U256; 0] = [];
        let data = match function {
            Function::Constructor => {
                self.constructor_guard()?;
                self.constructor(
                    address(a0),
                    address(a1),
                    address(a2),
                    address(a3),
                    address(a4),
                )?;
                words(&none)
            }
            Function::Kick => words(&[self.kick(a0, a1, a2, address(a3), address(a4))?]),
            Function::Commit => {
                self.commit(a0, bytes32(a1), a2)?;
                words(&none)
            }
            Function::Reveal => {
                self.reveal(a0, a1, a2, bytes32(a3))?;
                words(&none)
            }
            Function::Settle => {
                self.settle(a0)?;
                words(&none)
            }
            Function::Claim => {
                self.claim(a0)?;
                words(&none)
            }
            Function::Preview => words(&self.preview_words(a0, address(a1))?),
            Function::Batch => words(&self.batch_words(a0)),
            Function::BatchTerms => words(&self.terms_words(a0)),
            Function::Result => words(&self.result_words(a0)),
            Function::KickOf => words(&self.kick_words(a0, a1)),
            Function::CommitmentOf => words(&self.commitment_words(a0, address(a1), a2)),
            Function::Config => words(&self.config_words()),
            Function::Params => words(&self.params_words()),
            Function::IsKicker => words(&[U256::from(u8::from(self.is_kicker(address(a0))))]),
            Function::Yank => {
                self.yank(a0)?;
                words(&none)
            }
            Function::SetParams => {
                self.set_params(a0, a1, a2, a3, a4, a5, a6, a7)?;
                words(&none)
            }
            Function::SetKicker => {
                self.set_kicker(address(a0), !a1.is_zero())?;
                words(&none)
            }
            Function::SetGuardian => {
                self.set_guardian(address(a0))?;
                words(&none)
            }
            Function::SetStopped => {
                self.set_stopped(a0)?;
                words(&none)
            }
            Function::Owner => words(&[address_word(self.owner())]),
            Function::PendingOwner => words(&[address_word(self.pending_owner())]),
            Function::TransferOwnership => {
                self.transfer_ownership(address(a0))?;
                words(&none)
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                words(&none)
            }
        };
        Ok(data)
    }
}

/// The Stylus entry point: the SDK's `#[entrypoint]` with [`BatchAuction::dispatch`] in place of
/// the generated router (same re-entrancy refusal, memory-grow hook, cache flush).
#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[no_mangle]
pub extern "C" fn user_entrypoint(len: usize) -> usize {
    use stylus_sdk::{
        host::{WasmVM, VM},
        storage::StorageType,
    };
    let host = VM(WasmVM {});
    if host.msg_reentrant() {
        return 1;
    }
    // Keeps `pay_for_memory_grow` imported, which activation requires (as the SDK does).
    host.pay_for_memory_grow(0);
    let input = host.read_args(len);
    // SAFETY: the contract's storage rooted at slot 0, as the SDK's router instantiates it.
    let mut house = unsafe { BatchAuction::new(U256::ZERO, 0, host.clone()) };
    let (data, status) = match house.dispatch(&input) {
        Ok(data) => (data, 0),
        Err(data) => (data, 1),
    };
    host.flush_cache(false);
    host.write_result(&data);
    status
}

//! The module's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs). Every argument and result of the solvency ABI is a static 32-byte word, so decoding is
//! reading words and encoding is writing them. The checks match the SDK's router: calldata
//! shorter or longer than the arguments, an address with non-zero high bytes, a bool with a
//! non-zero byte before its last one, a non-zero `msg.value`, an unknown selector or a second
//! constructor call revert with empty data. `tests::dispatch` runs calls through both.

use super::*;
use stylus_sdk::function_selector as selector;

/// How an argument word is checked, two bits per argument (argument 0 lowest; 0 ends the list).
trait Kind {
    const KIND: u16;
}

impl Kind for U256 {
    const KIND: u16 = 1;
}

impl Kind for Address {
    const KIND: u16 = 2;
}

impl Kind for bool {
    const KIND: u16 = 3;
}

/// The packed kinds of an argument list (evaluated at compile time, for [`FUNCTIONS`]).
const fn kinds(list: &[u16]) -> u16 {
    let mut packed = 0;
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        packed = (packed << 2) | list[i];
    }
    packed
}

/// Declares [`Function`] and [`FUNCTIONS`] (selector, argument kinds, function) from the
/// Solidity name and argument types of every function.
macro_rules! functions {
    ($($function:ident = $name:literal ($($arg:ty),*);)*) => {
        /// Every function of the ABI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Function {
            /// The deployment constructor.
            Constructor,
            $($function,)*
        }

        /// Selector, argument kinds and function, the constructor first.
        pub(crate) const FUNCTIONS: &[(u32, u16, Function)] = &[
            (
                stylus_sdk::abi::CONSTRUCTOR_SELECTOR,
                kinds(&[2, 2, 1, 1, 1, 1]),
                Function::Constructor,
            ),
            $((
                u32::from_be_bytes(selector!($name $(, $arg)*)),
                kinds(&[$(<$arg as Kind>::KIND),*]),
                Function::$function,
            ),)*
        ];
    };
}

functions! {
    Open = "open"(Address, U256, U256);
    Attach = "attach"(U256, Address, U256);
    OnProceeds = "onProceeds"(U256, U256);
    OnAuctionEnd = "onAuctionEnd"(U256, U256, U256, U256);
    Finalize = "finalize"(U256);
    PayKeeper = "payKeeper"(U256, Address, U256);
    Heal = "heal"(U256);
    Socialize = "socialize"(U256);
    Deposit = "deposit"(U256);
    Withdraw = "withdraw"(U256, Address);
    Skim = "skim"(Address);
    Release = "release"(U256);
    SetKicker = "setKicker"(Address, bool);
    SetHouse = "setHouse"(Address, bool);
    SetGuardian = "setGuardian"(Address, bool);
    Pause = "pause"();
    Unpause = "unpause"();
    SetParams = "setParams"(U256, U256, U256, U256);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
    Token = "token"();
    Books = "books"();
    Liquidation = "liquidation"(U256);
    BeneficiaryTotals = "beneficiaryTotals"(Address);
    Params = "params"();
    Paused = "paused"();
    Roles = "roles"(Address);
    NextLiquidationId = "nextLiquidationId"();
}

/// The arguments `kinds` describes, decoded from `data` and checked as the SDK does; unused
/// entries are zero. Calldata not exactly as long as the arguments, or an invalid address or
/// bool: empty revert data.
#[inline(never)]
fn decode(data: &[u8], kinds: u16) -> Result<[U256; 6], Vec<u8>> {
    let mut args = [U256::ZERO; 6];
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
            // As alloy (so the SDK) checks a bool: 31 zero bytes; a non-zero last byte is true.
            3 => l0 <= 0xff && l1 | l2 | l3 == 0,
            _ => true,
        };
        if !valid {
            return Err(Vec::new());
        }
        *arg = value;
    }
    // The SDK decodes strictly: the calldata must be exactly the encoded arguments.
    if !rest.is_empty() {
        return Err(Vec::new());
    }
    Ok(args)
}

/// The return data: one word per Solidity value.
#[inline(never)]
fn words(values: &[U256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * values.len());
    for value in values {
        out.extend_from_slice(&value.to_be_bytes::<32>());
    }
    out
}

impl SolvencyModule {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, exactly as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        // No function is payable.
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
        let a = decode(rest, kinds)?;
        let [a0, a1, a2, a3, a4, a5] = a;
        let data = match function {
            Function::Constructor => {
                // The SDK's once-only guard: a bool at this slot.
                let guard = stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT;
                if !self.sload(&guard).is_zero() {
                    return Err(Vec::new());
                }
                self.sstore(&guard, &U256::from(1));
                self.constructor(address_of(&a0), address_of(&a1), a2, a3, a4, a5)?;
                Vec::new()
            }
            Function::Open => words(&[self.open(address_of(&a0), a1, a2)?]),
            Function::Attach => {
                self.attach(a0, address_of(&a1), a2)?;
                Vec::new()
            }
            Function::OnProceeds => {
                self.on_proceeds(a0, a1)?;
                Vec::new()
            }
            Function::OnAuctionEnd => {
                self.on_auction_end(a0, a1, a2, a3)?;
                Vec::new()
            }
            Function::Finalize => {
                self.finalize(a0)?;
                Vec::new()
            }
            Function::PayKeeper => words(&[self.pay_keeper(a0, address_of(&a1), a2)?]),
            Function::Heal => {
                self.heal(a0)?;
                Vec::new()
            }
            Function::Socialize => {
                self.socialize(a0)?;
                Vec::new()
            }
            Function::Deposit => {
                self.deposit(a0)?;
                Vec::new()
            }
            Function::Withdraw => {
                self.withdraw(a0, address_of(&a1))?;
                Vec::new()
            }
            Function::Skim => {
                self.skim(address_of(&a0))?;
                Vec::new()
            }
            Function::Release => {
                self.release(a0)?;
                Vec::new()
            }
            Function::SetKicker => {
                self.set_kicker(address_of(&a0), !a1.is_zero())?;
                Vec::new()
            }
            Function::SetHouse => {
                self.set_house(address_of(&a0), !a1.is_zero())?;
                Vec::new()
            }
            Function::SetGuardian => {
                self.set_guardian(address_of(&a0), !a1.is_zero())?;
                Vec::new()
            }
            Function::Pause => {
                self.pause()?;
                Vec::new()
            }
            Function::Unpause => {
                self.unpause()?;
                Vec::new()
            }
            Function::SetParams => {
                self.set_params(a0, a1, a2, a3)?;
                Vec::new()
            }
            Function::Owner => words(&[address_word(self.owner())]),
            Function::PendingOwner => words(&[address_word(self.pending_owner())]),
            Function::TransferOwnership => {
                self.transfer_ownership(address_of(&a0))?;
                Vec::new()
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                Vec::new()
            }
            Function::Token => words(&[address_word(self.token())]),
            Function::Books => words(&self.books_words()),
            Function::Liquidation => words(&self.liquidation_words(a0)),
            Function::BeneficiaryTotals => words(&self.beneficiary_words(address_of(&a0))),
            Function::Params => words(&self.params_words()),
            Function::Paused => words(&[U256::from(u8::from(self.paused()))]),
            Function::Roles => words(&self.roles_words(address_of(&a0))),
            Function::NextLiquidationId => words(&[self.next_liquidation_id()]),
        };
        Ok(data)
    }
}

/// The Stylus entry point: the SDK's `#[entrypoint]` with [`SolvencyModule::dispatch`] in place
/// of the generated router (same re-entrancy refusal, memory-grow hook, cache flush).
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
    let mut module = unsafe { SolvencyModule::new(U256::ZERO, 0, host.clone()) };
    let (data, status) = match module.dispatch(&input) {
        Ok(data) => (data, 0),
        Err(data) => (data, 1),
    };
    host.flush_cache(false);
    host.write_result(&data);
    status
}

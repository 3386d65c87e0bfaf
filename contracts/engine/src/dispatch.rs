//! The engine's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs). Every argument and result of the engine's ABI is a static 32-byte word, so decoding is
//! reading words and encoding is writing them. The checks match the SDK's router: calldata
//! shorter or longer than the arguments, an address with non-zero high bytes, a bool with a
//! non-zero byte before its last one, a non-zero `msg.value`, an unknown selector or a second
//! constructor call revert with empty data. `tests::dispatch` runs calls through both.

use super::*;

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
        pub enum Function {
            /// The deployment constructor.
            Constructor,
            $(#[allow(missing_docs)] $function,)*
        }

        /// Selector, argument kinds and function, the constructor first.
        pub const FUNCTIONS: &[(u32, u16, Function)] = &[
            (
                stylus_sdk::abi::CONSTRUCTOR_SELECTOR,
                kinds(&[2, 2]),
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
    Liquidate = "liquidate"(Address, U256, U256, Address, Address);
    Sync = "sync"(U256);
    FallbackToDutch = "fallbackToDutch"(U256, Address);
    Finalize = "finalize"(U256, Address);
    Skim = "skim"(Address, Address);
    SetProtocol = "setProtocol"(Address, bool);
    SetCollateral = "setCollateral"(Address, Address, Address, U256, U256, U256, U256, bool);
    SetHole = "setHole"(U256);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
    Solvency = "solvency"();
    Hole = "hole"();
    Dirt = "dirt"();
    Protocols = "protocols"(Address);
    CollateralConfig = "collateralConfig"(Address);
    Liquidations = "liquidations"(U256);
}

/// The arguments `kinds` describes, decoded from `data` and checked as the SDK does; unused
/// entries are zero. Calldata not exactly as long as the arguments, or an invalid address or
/// bool: empty revert data.
#[inline(never)]
fn decode(data: &[u8], kinds: u16) -> Result<[U256; 8], Vec<u8>> {
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

impl LiquidationEngine {
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
        let [a0, a1, a2, a3, a4, a5, a6, a7] = decode(rest, kinds)?;
        let none = Vec::new();
        let data = match function {
            Function::Constructor => {
                // The SDK's once-only guard: a bool at this slot.
                let guard = stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT;
                if !self.sload(&guard).is_zero() {
                    return Err(Vec::new());
                }
                self.sstore(&guard, &U256::from(1));
                self.constructor(address_of(&a0), address_of(&a1))?;
                none
            }
            Function::Liquidate => words(&self.liquidate_words(
                address_of(&a0),
                a1,
                a2,
                address_of(&a3),
                address_of(&a4),
            )?),
            Function::Sync => {
                self.sync(a0)?;
                none
            }
            Function::FallbackToDutch => words(&[self.fallback_to_dutch(a0, address_of(&a1))?]),
            Function::Finalize => {
                self.finalize(a0, address_of(&a1))?;
                none
            }
            Function::Skim => {
                self.skim(address_of(&a0), address_of(&a1))?;
                none
            }
            Function::SetProtocol => {
                self.set_protocol(address_of(&a0), !a1.is_zero())?;
                none
            }
            Function::SetCollateral => {
                self.set_collateral(
                    address_of(&a0),
                    address_of(&a1),
                    address_of(&a2),
                    a3,
                    a4,
                    a5,
                    a6,
                    !a7.is_zero(),
                )?;
                none
            }
            Function::SetHole => {
                self.set_hole(a0)?;
                none
            }
            Function::Owner => words(&[address_word(self.owner())]),
            Function::PendingOwner => words(&[address_word(self.pending_owner())]),
            Function::TransferOwnership => {
                self.transfer_ownership(address_of(&a0))?;
                none
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                none
            }
            Function::Solvency => words(&[address_word(self.solvency())]),
            Function::Hole => words(&[self.hole()]),
            Function::Dirt => words(&[self.dirt()]),
            Function::Protocols => words(&[U256::from(u8::from(self.protocols(address_of(&a0))))]),
            Function::CollateralConfig => words(&self.collateral_words(address_of(&a0))),
            Function::Liquidations => words(&self.liquidation_words(a0)?),
        };
        Ok(data)
    }
}

/// The Stylus entry point: the SDK's `#[entrypoint]` with [`LiquidationEngine::dispatch`] in
/// place of the generated router (same re-entrancy refusal, memory-grow hook, cache flush).
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
    let mut engine = unsafe { LiquidationEngine::new(U256::ZERO, 0, host.clone()) };
    let (data, status) = match engine.dispatch(&input) {
        Ok(data) => (data, 0),
        Err(data) => (data, 1),
    };
    host.flush_cache(false);
    host.write_result(&data);
    status
}

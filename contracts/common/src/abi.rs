//! The hand-written ABI dispatcher's parts that every protocol contract shares (see "Dispatch
//! (size)" in the README): the SDK's router costs about 300 compressed bytes per function, so
//! each contract ships its own `dispatch` and `user_entrypoint`, built from these.
//!
//! Every argument and result of these contracts' ABIs is a static 32-byte word, so decoding is
//! reading words and encoding is writing them. The checks match the SDK's router: calldata
//! shorter or longer than the arguments, an address with non-zero high bytes, a bool with a
//! non-zero byte before its last one, a non-zero `msg.value` (no function is payable), an
//! unknown selector or a second constructor call revert with empty data. Each contract's
//! `tests::dispatch` runs the same calls through its dispatcher and the SDK's router.
//!
//! - [`functions!`](crate::functions): a contract's selector table (`Function`, `FUNCTIONS`).
//! - [`call`]: `msg.value`, selector and argument checks, then the function and its arguments.
//! - [`construct_once!`](crate::construct_once): the SDK's once-only constructor guard.
//! - [`words`]: return data; [`encode`]: a custom error's revert data or a call's data;
//!   [`revert_error!`](crate::revert_error): a contract's `Error` type around it.
//! - [`entrypoint!`](crate::entrypoint): the Stylus entry point around a contract's `dispatch`.
//!
//! The macros expand in the contract's crate, which must depend on `stylus-sdk` and declare
//! `extern crate alloc` (as every gavel contract does).

use alloc::vec::Vec;

use stylus_sdk::alloy_primitives::{Address, U256};

/// How an argument word is checked, two bits per argument (argument 0 lowest; 0 ends the list).
pub trait Kind {
    /// The two-bit code: 1 any word (`uint256`, `bytes32`), 2 address, 3 bool.
    const KIND: u16;
}

impl Kind for U256 {
    const KIND: u16 = 1;
}

impl Kind for stylus_sdk::alloy_primitives::FixedBytes<32> {
    const KIND: u16 = 1;
}

impl Kind for Address {
    const KIND: u16 = 2;
}

impl Kind for bool {
    const KIND: u16 = 3;
}

/// The packed kinds of an argument list (evaluated at compile time, for `FUNCTIONS`).
pub const fn kinds(list: &[u16]) -> u16 {
    let mut packed = 0;
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        packed = (packed << 2) | list[i];
    }
    packed
}

/// Declares `Function` and `FUNCTIONS` (selector, argument kinds, function; the constructor
/// first) from the constructor's argument types and the Solidity name and argument types of
/// every function:
///
/// ```text
/// gavel_common::functions! {
///     pub(crate) constructor(Address, U256);
///     Open = "open"(Address, U256, U256);
///     Pause = "pause"();
/// }
/// ```
///
/// The calling crate must depend on `stylus-sdk`.
#[macro_export]
macro_rules! functions {
    (
        $vis:vis constructor($($constructor_arg:ty),*);
        $($function:ident = $name:literal ($($arg:ty),*);)*
    ) => {
        /// Every function of the ABI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        $vis enum Function {
            /// The deployment constructor.
            Constructor,
            $(#[allow(missing_docs)] $function,)*
        }

        /// Selector, argument kinds and function, the constructor first.
        $vis const FUNCTIONS: &[(u32, u16, Function)] = &[
            (
                stylus_sdk::abi::CONSTRUCTOR_SELECTOR,
                $crate::abi::kinds(&[$(<$constructor_arg as $crate::abi::Kind>::KIND),*]),
                Function::Constructor,
            ),
            $((
                u32::from_be_bytes(stylus_sdk::function_selector!($name $(, $arg)*)),
                $crate::abi::kinds(&[$(<$arg as $crate::abi::Kind>::KIND),*]),
                Function::$function,
            ),)*
        ];
    };
}

/// The function `input` (selector and arguments) calls, from `functions` (a contract's
/// `FUNCTIONS`), and its arguments checked and decoded by [`decode`]. `value` is the call's
/// `msg.value`: no function is payable. Empty revert data for a refused call.
#[inline(never)]
pub fn call<F: Copy, const N: usize>(
    value: U256,
    input: &[u8],
    functions: &[(u32, u16, F)],
) -> Result<(F, [U256; N]), Vec<u8>> {
    if !value.is_zero() {
        return Err(Vec::new());
    }
    let Some((selector, rest)) = input.split_first_chunk::<4>() else {
        return Err(Vec::new());
    };
    let selector = u32::from_be_bytes(*selector);
    let Some(&(_, kinds, function)) = functions.iter().find(|(s, _, _)| *s == selector) else {
        return Err(Vec::new());
    };
    Ok((function, decode(rest, kinds)?))
}

/// The arguments `kinds` describes, decoded from `data` and checked as the SDK does; unused
/// entries are zero. Calldata not exactly as long as the arguments, or an invalid address or
/// bool: empty revert data.
#[inline(always)]
pub fn decode<const N: usize>(data: &[u8], kinds: u16) -> Result<[U256; N], Vec<u8>> {
    let mut args = [U256::ZERO; N];
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

/// The SDK's once-only constructor guard, inside a contract's `dispatch`: returns
/// `Err(Vec::new())` (empty revert data) from it if the constructor ran before, else records
/// that it ran. The flag is the SDK's: a `StorageBool` at offset 0 of
/// `CONSTRUCTOR_EXECUTED_SLOT`, which is the word's first (most significant) byte, so the
/// SDK's own `check_constructor_slot` sees a constructor run through this dispatcher (each
/// contract's dispatcher tests check it). It is read and written with the contract's own
/// `sload(&self, &U256) -> U256` and `sstore(&mut self, &U256, &U256)` (a macro rather than a
/// function: the code is then exactly the hand-written guard, which a shared function did not
/// compile to).
#[macro_export]
macro_rules! construct_once {
    ($contract:expr) => {{
        let guard = stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT;
        let word: stylus_sdk::alloy_primitives::U256 = $contract.sload(&guard);
        // The first byte of the word is the top byte of its highest limb.
        let [_, _, _, top] = word.into_limbs();
        if top >> 56 != 0 {
            return Err(alloc::vec::Vec::new());
        }
        // Nothing else lives in this slot: the word is the flag alone, as the SDK leaves it.
        $contract.sstore(
            &guard,
            &stylus_sdk::alloy_primitives::U256::from_limbs([0, 0, 0, 1 << 56]),
        );
    }};
}

/// The return data: one word per Solidity value.
#[inline(never)]
pub fn words(values: &[U256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * values.len());
    for value in values {
        out.extend_from_slice(&value.to_be_bytes::<32>());
    }
    out
}

/// The ABI encoding of the custom error `selector` with static arguments `args` (its revert
/// data), or of a call of `selector` with those arguments.
#[inline(never)]
pub fn encode(selector: [u8; 4], args: &[U256]) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + 32 * args.len());
    data.extend_from_slice(&selector);
    for arg in args {
        data.extend_from_slice(&arg.to_be_bytes::<32>());
    }
    data
}

/// Declares a contract's error type: `struct Error;` (with its doc comment) becomes a newtype
/// over the revert data, the ABI encoding of one of the contract's custom errors, with
/// `Error::new(selector, args)` (through [`encode`](crate::abi::encode)), `data()` and
/// `From<Error> for Vec<u8>` (what the SDK's router returns as revert data), and the
/// constructors every contract uses, cold and out of line: `fail(selector)`,
/// `fail_word(selector, &word)` and `fail_address(selector, account)` (which encodes the
/// address with the crate's own `address_word`).
///
/// Not an enum of the `sol!` error types: a 12-byte `Vec` is what every `?` moves, where an enum
/// of 64-byte variants made error propagation a large share of the WASM. The type is declared
/// in the contract's crate, so the crate can implement `From` its other errors for it and list
/// its Solidity errors with [`interface_errors!`](crate::interface_errors).
#[macro_export]
macro_rules! revert_error {
    ($(#[$attr:meta])* $vis:vis struct $name:ident;) => {
        $(#[$attr])*
        #[derive(Clone, PartialEq, Eq, Debug)]
        $vis struct $name(alloc::vec::Vec<u8>);

        impl $name {
            /// The custom error `selector` with static arguments `args`.
            #[inline(always)]
            fn new(selector: [u8; 4], args: &[stylus_sdk::alloy_primitives::U256]) -> Self {
                $name($crate::abi::encode(selector, args))
            }

            /// The revert data: selector and arguments.
            pub fn data(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<$name> for alloc::vec::Vec<u8> {
            fn from(error: $name) -> alloc::vec::Vec<u8> {
                error.0
            }
        }

        /// The custom error `selector` without arguments.
        #[cold]
        #[inline(never)]
        fn fail(selector: [u8; 4]) -> $name {
            $name::new(selector, &[])
        }

        /// The custom error `selector(uint256)`.
        #[cold]
        #[inline(never)]
        #[allow(dead_code)]
        fn fail_word(selector: [u8; 4], word: &stylus_sdk::alloy_primitives::U256) -> $name {
            $name::new(selector, &[*word])
        }

        /// The custom error `selector(address)`.
        #[cold]
        #[inline(never)]
        fn fail_address(
            selector: [u8; 4],
            account: stylus_sdk::alloy_primitives::Address,
        ) -> $name {
            $name::new(selector, &[address_word(account)])
        }
    };
}

/// The Stylus entry point, `user_entrypoint`, for the contract type `$contract`: the SDK's
/// `#[entrypoint]` with the contract's own `dispatch(&mut self, input: &[u8]) ->
/// Result<Vec<u8>, Vec<u8>>` in place of the generated router (same re-entrancy refusal,
/// memory-grow hook, cache flush). Expands to nothing outside a WASM build, in tests and under
/// the calling crate's `export-abi` feature. The calling crate must depend on `stylus-sdk`.
#[macro_export]
macro_rules! entrypoint {
    ($contract:ty) => {
        /// The Stylus entry point: the contract's own `dispatch` in place of the SDK's router.
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
            // SAFETY: the contract's storage rooted at slot 0, as the SDK's router instantiates
            // it.
            let mut contract = unsafe {
                <$contract>::new(stylus_sdk::alloy_primitives::U256::ZERO, 0, host.clone())
            };
            let (data, status) = match contract.dispatch(&input) {
                Ok(data) => (data, 0),
                Err(data) => (data, 1),
            };
            host.flush_cache(false);
            host.write_result(&data);
            status
        }
    };
}

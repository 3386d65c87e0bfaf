//! Support shared by gavel's contracts.
//!
//! - [`events!`]: declares a contract's Solidity events once, for both the Rust types that the
//!   contract logs (through `alloy_sol_types::sol!`) and the `event` lines of the generated
//!   Solidity interface (the SDK's `export-abi` lists functions and errors but not events).
//! - [`interface`] (feature `export-abi`): renders `interfaces/I<Name>.sol` text.
//! - [`abi`]: the parts of the hand-written ABI dispatchers every contract shares (selector
//!   table, argument checks, return and revert data, entry point).
//! - [`raw`]: the raw storage-word accessors and event encoder of every protocol contract
//!   ([`raw_storage!`]).
//! - [`ownable`]: the lean `Ownable2Step` every protocol contract carries
//!   ([`ownable2step!`]).
//! - [`erc20`]: the one safe-transfer helper (OpenZeppelin `SafeERC20` semantics) every
//!   contract moves tokens with.
//! - [`clock`]: the block time as contracts read it, with a per-thread override for native
//!   tests (feature `test-clock`, enabled only through dev-dependencies). motsu 0.10's
//!   `block_timestamp` host function returns a constant, so tests that move time need this.
//! - [`log`]: the one path every gavel contract logs through, with a per-thread switch that
//!   lets the native simulator stop motsu from recording logs (feature `log-switch`).
#![cfg_attr(
    not(any(feature = "export-abi", feature = "test-clock", feature = "log-switch")),
    no_std
)]
#![deny(missing_docs)]

extern crate alloc;

pub mod abi;
pub mod erc20;
pub mod ownable;
pub mod raw;

/// Declares Solidity events with `sol!` and records their declarations in
/// `pub const EVENTS: &[&str]`, the lines appended to the generated interface.
///
/// ```text
/// gavel_common::events! {
///     /// A new answer was set.
///     event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
/// }
/// ```
///
/// Each event gets `#[derive(Debug)]` (needed by motsu's `assert_emitted`). The calling crate
/// must depend on `alloy-sol-types`.
#[macro_export]
macro_rules! events {
    ($( $(#[$attr:meta])* event $name:ident ( $($params:tt)* ); )*) => {
        alloy_sol_types::sol! {
            $(
                $(#[$attr])*
                #[derive(Debug)]
                #[allow(missing_docs)]
                event $name ( $($params)* );
            )*
        }

        /// Solidity declarations of this contract's events, in declaration order.
        pub const EVENTS: &[&str] = &[
            $( concat!("event ", stringify!($name), "(", stringify!($($params)*), ");") ),*
        ];
    };
}

/// Lists a hand-encoded error type's Solidity custom errors for the generated interface, as
/// `#[derive(SolidityError)]` would for an enum: `gavel_common::interface_errors!(Error =>
/// ErrorA, ErrorB, ...);` implements the SDK's `InnerTypes` for `Error` when the calling crate
/// is built with its `export-abi` feature, and expands to nothing otherwise.
#[macro_export]
macro_rules! interface_errors {
    ($owner:ty => $($error:ty),* $(,)?) => {
        #[cfg(feature = "export-abi")]
        impl stylus_sdk::abi::export::internal::InnerTypes for $owner {
            fn inner_types() -> alloc::vec::Vec<stylus_sdk::abi::export::internal::InnerType> {
                alloc::vec![$(stylus_sdk::abi::export::internal::InnerType {
                    name: alloc::format!(
                        "error {};",
                        <$error as alloy_sol_types::SolError>::SIGNATURE.replace(',', ", ")
                    ),
                    id: core::any::TypeId::of::<$error>(),
                }),*]
            }
        }
    };
}

/// Block time as gavel's contracts read it.
///
/// Contracts call `clock::now(self.vm().block_timestamp())`. In a WASM build (no `test-clock`)
/// this is the identity. Under `test-clock` a test can set the time of its own thread with
/// [`clock::set`] or [`clock::advance`]; motsu runs each test on its own thread with its own
/// VM, so tests do not disturb each other.
pub mod clock {
    #[cfg(feature = "test-clock")]
    std::thread_local! {
        static OVERRIDE: core::cell::Cell<Option<u64>> = const { core::cell::Cell::new(None) };
    }

    /// The current block time in seconds: `host_time`, unless a test has set the clock.
    #[inline]
    pub fn now(host_time: u64) -> u64 {
        #[cfg(feature = "test-clock")]
        if let Some(time) = OVERRIDE.with(core::cell::Cell::get) {
            return time;
        }
        host_time
    }

    /// Sets this thread's block time to `time` (tests only).
    #[cfg(feature = "test-clock")]
    pub fn set(time: u64) {
        OVERRIDE.with(|cell| cell.set(Some(time)));
    }

    /// Moves this thread's block time forward by `seconds` from where it is (tests only).
    /// Starts from `DEFAULT_TEST_TIME` when the clock was never set.
    #[cfg(feature = "test-clock")]
    pub fn advance(seconds: u64) {
        OVERRIDE.with(|cell| {
            let from = cell.get().unwrap_or(DEFAULT_TEST_TIME);
            cell.set(Some(from.saturating_add(seconds)));
        });
    }

    /// motsu 0.10's constant block time (2025-01-01T00:00:00Z).
    #[cfg(feature = "test-clock")]
    pub const DEFAULT_TEST_TIME: u64 = 1_735_689_600;
}

/// Event logging as gavel's contracts do it.
///
/// Every contract logs through [`log::emit`]. In a WASM build it is exactly the host's
/// `emit_log`. Under the feature `log-switch` (native builds only; the simulator enables it)
/// a thread can stop recording logs with [`log::set_recording`]`(false)`: motsu keeps every
/// log it has seen and copies the whole chain state, logs included, before each call, so a
/// long simulation spends most of its time copying logs nobody reads. Contract state and
/// return values are the same either way; only the log record is skipped. Recording is on
/// unless a thread turns it off, so tests that assert events are unaffected.
pub mod log {
    use stylus_sdk::stylus_core::host::LogAccess;

    #[cfg(feature = "log-switch")]
    std::thread_local! {
        static RECORDING: core::cell::Cell<bool> = const { core::cell::Cell::new(true) };
    }

    /// Logs `data` (the topics' 32-byte words first, then the data) with `topics` topics.
    #[inline(always)]
    pub fn emit<H: LogAccess + ?Sized>(host: &H, data: &[u8], topics: usize) {
        #[cfg(feature = "log-switch")]
        if !RECORDING.with(core::cell::Cell::get) {
            return;
        }
        host.emit_log(data, topics);
    }

    /// Logs a `sol!` event through [`emit`].
    pub fn emit_event<H: LogAccess + ?Sized, E: alloy_sol_types::SolEvent>(host: &H, event: &E) {
        let topics = event.encode_topics();
        let mut data = alloc::vec::Vec::with_capacity(32 * topics.len());
        for topic in &topics {
            data.extend_from_slice(topic.0.as_slice());
        }
        event.encode_data_to(&mut data);
        emit(host, &data, topics.len());
    }

    /// Turns log recording on or off for the calling thread (native builds only).
    #[cfg(feature = "log-switch")]
    pub fn set_recording(on: bool) {
        RECORDING.with(|cell| cell.set(on));
    }

    /// Whether the calling thread records logs.
    #[cfg(feature = "log-switch")]
    pub fn recording() -> bool {
        RECORDING.with(core::cell::Cell::get)
    }
}

/// Rendering of the Solidity interface file (host only, feature `export-abi`).
#[cfg(feature = "export-abi")]
pub mod interface {
    use core::fmt;
    use stylus_sdk::abi::export::GenerateAbi;

    /// SPDX identifier and pragma written at the top of every generated interface.
    pub const LICENSE: &str = "MIT";
    /// Solidity version the interfaces compile with.
    pub const PRAGMA: &str = "pragma solidity ^0.8.23;";

    struct Abi<T>(core::marker::PhantomData<T>);

    impl<T: GenerateAbi> fmt::Display for Abi<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            T::fmt_abi(f)
        }
    }

    struct Constructor<T>(core::marker::PhantomData<T>);

    impl<T: GenerateAbi> fmt::Display for Constructor<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            T::fmt_constructor_signature(f)
        }
    }

    /// The interface of contract `T` as the SDK generates it (functions and errors), with
    /// `events` inserted before the interface's closing brace, under a fixed header.
    pub fn render<T: GenerateAbi>(events: &[&str]) -> String {
        let body = Abi::<T>(core::marker::PhantomData).to_string();
        let body = body.trim_end();
        let (head, tail) = match body.rfind('}') {
            Some(at) => body.split_at(at),
            None => (body, ""),
        };
        let mut out = format!(
            "// SPDX-License-Identifier: {LICENSE}\n// Generated by `cargo xtask interfaces` from the contract's Rust code: do not edit.\n{PRAGMA}\n\n"
        );
        let constructor = Constructor::<T>(core::marker::PhantomData).to_string();
        let constructor = constructor.trim();
        if !constructor.is_empty() {
            // Stylus deployers pass these ABI-encoded constructor arguments
            // (e.g. arbos-foundry's `deployStylusCode(path, abi.encode(...))`).
            out.push_str(&format!("// Deployment: {constructor}\n"));
        }
        out.push_str(&head.trim_end().replace("  {", " {"));
        out.push('\n');
        if !events.is_empty() {
            out.push('\n');
            for event in events {
                out.push_str("    ");
                out.push_str(event);
                out.push('\n');
            }
        }
        out.push_str(tail);
        out.push('\n');
        out
    }

    /// Prints [`render`] to standard output (what each contract's `export-abi` binary runs).
    pub fn print<T: GenerateAbi>(events: &[&str]) {
        print!("{}", render::<T>(events));
    }
}

#[cfg(test)]
mod tests {
    use alloy_sol_types::SolEvent;

    mod declared {
        crate::events! {
            /// A documented event.
            event Moved(address indexed from, uint256 amount);
            event Reset(uint256 indexed id, address keeper, uint256 top);
        }
    }

    #[test]
    fn events_become_sol_types_and_interface_lines() {
        assert_eq!(
            declared::EVENTS,
            [
                "event Moved(address indexed from, uint256 amount);",
                "event Reset(uint256 indexed id, address keeper, uint256 top);",
            ]
        );
        assert_eq!(declared::Moved::SIGNATURE, "Moved(address,uint256)");
        assert_eq!(declared::Reset::SIGNATURE, "Reset(uint256,address,uint256)");
    }

    #[test]
    fn clock_is_the_host_time_unless_set() {
        assert_eq!(super::clock::now(42), 42);
    }
}

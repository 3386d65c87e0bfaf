//! Contracts on raw storage words (see "Patterns that keep WASM small"): state lives in 32-byte
//! words at documented slots, read and written through the host (`storage_load_bytes32`,
//! `storage_cache_bytes32`) rather than the SDK's storage types, and every event is logged
//! through one word encoder. [`raw_storage!`](crate::raw_storage) gives a contract these
//! accessors, expanded in the contract's crate so the code is the contract's own.

/// Implements the raw-word accessors for `$contract` as private methods:
/// `sload(&self, &slot) -> U256`, `sstore(&mut self, &slot, &value)` and
/// `emit(&self, topic0, indexed, data)`, each out of line (one copy serves every caller).
///
/// ```text
/// gavel_common::raw_storage!(SolvencyModule);
/// ```
///
/// `emit` logs the event with signature hash `topic0`, indexed words `indexed` and data words
/// `data` (every argument of gavel's events is one static word) through
/// [`log::emit`](crate::log::emit); each contract's tests check its events against their `sol!`
/// types. The calling crate must depend on `stylus-sdk` and declare `extern crate alloc`.
#[macro_export]
macro_rules! raw_storage {
    ($contract:ty) => {
        impl $contract {
            /// The word at `slot`.
            #[inline(never)]
            fn sload(
                &self,
                slot: &stylus_sdk::alloy_primitives::U256,
            ) -> stylus_sdk::alloy_primitives::U256 {
                stylus_sdk::alloy_primitives::U256::from_be_bytes(
                    self.vm().storage_load_bytes32(*slot).0,
                )
            }

            /// Writes `value` at `slot`.
            #[inline(never)]
            fn sstore(
                &mut self,
                slot: &stylus_sdk::alloy_primitives::U256,
                value: &stylus_sdk::alloy_primitives::U256,
            ) {
                // SAFETY: writes go to the host's storage cache, which the entry point flushes
                // at the end of the call and every outgoing call flushes first
                // (`gavel_common::erc20::call`, SafeErc20 and `stylus_sdk::call` do), so no
                // other contract can observe a stale slot.
                unsafe {
                    self.vm().storage_cache_bytes32(
                        *slot,
                        stylus_sdk::alloy_primitives::B256::from(value.to_be_bytes::<32>()),
                    )
                };
            }

            /// Logs the event with signature hash `topic0`, indexed words `indexed` and data
            /// words `data`.
            #[inline(never)]
            fn emit(
                &self,
                topic0: stylus_sdk::alloy_primitives::B256,
                indexed: &[stylus_sdk::alloy_primitives::U256],
                data: &[stylus_sdk::alloy_primitives::U256],
            ) {
                let mut log = alloc::vec::Vec::with_capacity(32 * (1 + indexed.len() + data.len()));
                log.extend_from_slice(topic0.as_slice());
                for word in indexed.iter().chain(data) {
                    log.extend_from_slice(&word.to_be_bytes::<32>());
                }
                $crate::log::emit(self.vm(), &log, 1 + indexed.len());
            }
        }
    };
}

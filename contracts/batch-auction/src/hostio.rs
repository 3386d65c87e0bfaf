//! The host handed to `gavel_common::erc20` in the WASM build (see "WASM size" in the crate
//! docs).
//!
//! `gavel_common::erc20` is generic over the host, but a contract's `self.vm()` is a
//! `&dyn Host`. Handing that to `erc20` makes the linker keep a vtable with every host method
//! the SDK implements (deployments, ETH transfers, delegate
//! calls, the SDK's typed call helpers...), about 1 KB of compressed WASM that the house never
//! runs. [`Hostio`] implements the five host functions `erc20` uses (`flush_cache`,
//! `call_contract`, `static_call_contract`, `read_return_data`, `code_hash`) by forwarding to
//! the SDK's `WasmVM`, and every other method as a trap. Native builds (tests) hand `erc20`
//! the contract's own `self.vm()` instead.

use alloc::vec::Vec;
use core::arch::wasm32::unreachable;

use alloy_primitives::{Address, B256, U256};
use stylus_sdk::{
    host::WasmVM,
    stylus_core::{
        calls::{errors, CallAccess, MutatingCallContext, StaticCallContext, ValueTransfer},
        deploy::DeploymentAccess,
        AccountAccess, BlockAccess, CalldataAccess, ChainAccess, CryptographyAccess, Host,
        LogAccess, MemoryAccess, MessageAccess, MeteringAccess, StorageAccess, UnsafeCallAccess,
        UnsafeDeploymentAccess,
    },
};

/// The token-call subset of the Stylus host (see the module docs).
#[derive(Clone, Copy)]
pub struct Hostio;

impl Host for Hostio {}

impl StorageAccess for Hostio {
    fn storage_load_bytes32(&self, _: U256) -> B256 {
        unreachable()
    }
    unsafe fn storage_cache_bytes32(&self, _: U256, _: B256) {
        unreachable()
    }
    fn flush_cache(&self, clear: bool) {
        WasmVM {}.flush_cache(clear)
    }
}

// SAFETY: forwards to the SDK's host functions with the caller's arguments unchanged.
unsafe impl UnsafeCallAccess for Hostio {
    unsafe fn call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        value: *const u8,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        WasmVM {}.call_contract(to, data, data_len, value, gas, outs_len)
    }
    unsafe fn static_call_contract(
        &self,
        to: *const u8,
        data: *const u8,
        data_len: usize,
        gas: u64,
        outs_len: &mut usize,
    ) -> u8 {
        WasmVM {}.static_call_contract(to, data, data_len, gas, outs_len)
    }
    unsafe fn delegate_call_contract(
        &self,
        _: *const u8,
        _: *const u8,
        _: usize,
        _: u64,
        _: &mut usize,
    ) -> u8 {
        unreachable()
    }
}

impl CalldataAccess for Hostio {
    fn read_args(&self, _: usize) -> Vec<u8> {
        unreachable()
    }
    fn read_return_data(&self, offset: usize, size: Option<usize>) -> Vec<u8> {
        WasmVM {}.read_return_data(offset, size)
    }
    fn return_data_size(&self) -> usize {
        unreachable()
    }
    fn write_result(&self, _: &[u8]) {
        unreachable()
    }
}

impl AccountAccess for Hostio {
    fn balance(&self, _: Address) -> U256 {
        unreachable()
    }
    fn contract_address(&self) -> Address {
        unreachable()
    }
    fn code(&self, _: Address) -> Vec<u8> {
        unreachable()
    }
    fn code_size(&self, _: Address) -> usize {
        unreachable()
    }
    fn code_hash(&self, account: Address) -> B256 {
        WasmVM {}.code_hash(account)
    }
}

impl CryptographyAccess for Hostio {
    fn native_keccak256(&self, _: &[u8]) -> B256 {
        unreachable()
    }
}

// SAFETY: every method traps; none deploys anything.
unsafe impl UnsafeDeploymentAccess for Hostio {
    unsafe fn create1(&self, _: *const u8, _: usize, _: *const u8, _: *mut u8, _: *mut usize) {
        unreachable()
    }
    unsafe fn create2(
        &self,
        _: *const u8,
        _: usize,
        _: *const u8,
        _: *const u8,
        _: *mut u8,
        _: *mut usize,
    ) {
        unreachable()
    }
}

impl BlockAccess for Hostio {
    fn block_basefee(&self) -> U256 {
        unreachable()
    }
    fn block_coinbase(&self) -> Address {
        unreachable()
    }
    fn block_number(&self) -> u64 {
        unreachable()
    }
    fn block_timestamp(&self) -> u64 {
        unreachable()
    }
    fn block_gas_limit(&self) -> u64 {
        unreachable()
    }
}

impl ChainAccess for Hostio {
    fn chain_id(&self) -> u64 {
        unreachable()
    }
}

impl MemoryAccess for Hostio {
    fn pay_for_memory_grow(&self, _: u16) {
        unreachable()
    }
}

impl MessageAccess for Hostio {
    fn msg_sender(&self) -> Address {
        unreachable()
    }
    fn msg_reentrant(&self) -> bool {
        unreachable()
    }
    fn msg_value(&self) -> U256 {
        unreachable()
    }
    fn tx_origin(&self) -> Address {
        unreachable()
    }
}

impl MeteringAccess for Hostio {
    fn evm_gas_left(&self) -> u64 {
        unreachable()
    }
    fn evm_ink_left(&self) -> u64 {
        unreachable()
    }
    fn tx_gas_price(&self) -> U256 {
        unreachable()
    }
    fn tx_ink_price(&self) -> u32 {
        unreachable()
    }
    fn ink_to_gas(&self, _: u64) -> u64 {
        unreachable()
    }
    fn gas_to_ink(&self, _: u64) -> u64 {
        unreachable()
    }
}

impl CallAccess for Hostio {
    fn static_call(
        &self,
        _: &dyn StaticCallContext,
        _: Address,
        _: &[u8],
    ) -> Result<Vec<u8>, errors::Error> {
        unreachable()
    }
    unsafe fn delegate_call(
        &self,
        _: &dyn MutatingCallContext,
        _: Address,
        _: &[u8],
    ) -> Result<Vec<u8>, errors::Error> {
        unreachable()
    }
    fn call(
        &self,
        _: &dyn MutatingCallContext,
        _: Address,
        _: &[u8],
    ) -> Result<Vec<u8>, errors::Error> {
        unreachable()
    }
}

impl DeploymentAccess for Hostio {
    unsafe fn deploy(&self, _: &[u8], _: U256, _: Option<B256>) -> Result<Address, Vec<u8>> {
        unreachable()
    }
}

impl LogAccess for Hostio {
    fn emit_log(&self, _: &[u8], _: usize) {
        unreachable()
    }
    fn raw_log(&self, _: &[B256], _: &[u8]) -> Result<(), &'static str> {
        unreachable()
    }
}

impl ValueTransfer for Hostio {
    fn transfer_eth(&self, _: Address, _: U256) -> Result<(), Vec<u8>> {
        unreachable()
    }
}

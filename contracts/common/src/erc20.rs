//! The one safe-transfer helper every gavel contract moves tokens with.
//!
//! Semantics are OpenZeppelin `SafeERC20`'s (`_callOptionalReturn`), checked by the tests in
//! `contracts/common/tests/erc20.rs`:
//! - the call reverts → the operation fails;
//! - the call returns nothing → it succeeds only if the token has code (a call to an account
//!   without code "succeeds" in the EVM without moving anything);
//! - the call returns data → it succeeds only if the first word is exactly 1 (`true`); `false`,
//!   any other value, or fewer than 32 bytes fail.
//!
//! A failure is reported as the token's address; contracts turn it into
//! `SafeErc20FailedOperation(address token)`, the error OpenZeppelin uses (selector
//! [`FAILED_OPERATION`]).
//!
//! Why not `openzeppelin_stylus::token::erc20::utils::SafeErc20`: it goes through alloy's
//! generic ABI encoder and decoder, about 1.5 KB compressed in each contract (measured on the
//! Dutch house), against a 16 KiB budget. This helper writes the call data by hand and reads at
//! most one word of return data.
//!
//! The functions are generic over the host (`H: Host + ?Sized`): a contract passes `self.vm()`
//! (a `&dyn Host`) or a host of its own. Measured at opt-level z, the generic form is 47–152
//! compressed bytes smaller per contract than `&dyn Host` parameters were.
//!
//! Every call flushes the contract's storage cache first (the callee, or a re-entrant call,
//! must see this contract's writes), as the SDK's `RawCall::flush_storage_cache` does.

use alloc::vec::Vec;

use stylus_sdk::{
    alloy_primitives::{Address, B256, U256},
    stylus_core::Host,
};

/// `SafeErc20FailedOperation(address)`: OpenZeppelin Stylus's error for a failed token
/// operation (OpenZeppelin Solidity spells it `SafeERC20FailedOperation`, another selector;
/// gavel's interfaces have used the Stylus spelling from the start).
pub const FAILED_OPERATION: [u8; 4] = [0x3d, 0x26, 0xbc, 0x04];

/// `transfer(address,uint256)`.
pub const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// `transferFrom(address,address,uint256)`.
pub const TRANSFER_FROM: [u8; 4] = [0x23, 0xb8, 0x72, 0xdd];
/// `approve(address,uint256)`.
pub const APPROVE: [u8; 4] = [0x09, 0x5e, 0xa7, 0xb3];
/// `balanceOf(address)`.
pub const BALANCE_OF: [u8; 4] = [0x70, 0xa0, 0x82, 0x31];

/// Code hash of an account without code (`keccak256("")`).
const EMPTY_CODE_HASH: [u8; 32] = [
    0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
    0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70,
];

/// Call data: `selector`, then each of `words` as one ABI word.
pub fn calldata(selector: [u8; 4], words: &[[u8; 32]]) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + 32 * words.len());
    data.extend_from_slice(&selector);
    for word in words {
        data.extend_from_slice(word);
    }
    data
}

/// An address as an ABI word.
pub fn address_word(account: Address) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(account.as_slice());
    word
}

/// Whether `account` has code (its code hash is neither zero nor that of empty code).
pub fn has_code<H: Host + ?Sized>(host: &H, account: Address) -> bool {
    let hash = host.code_hash(account);
    hash != B256::ZERO && hash.0 != EMPTY_CODE_HASH
}

/// Calls `target` with `data` after flushing the storage cache: `Ok(return data)` or
/// `Err(revert data)`. `static_call` forbids state changes in the callee.
pub fn call<H: Host + ?Sized>(
    host: &H,
    target: Address,
    data: &[u8],
    static_call: bool,
) -> Result<Vec<u8>, Vec<u8>> {
    host.flush_cache(false);
    let mut return_len = 0usize;
    // SAFETY: the cache was flushed above, and the caller holds no storage reference across
    // the call (the contracts keep their state in plain words, not SDK storage handles).
    let status = unsafe {
        if static_call {
            host.static_call_contract(
                target.as_ptr(),
                data.as_ptr(),
                data.len(),
                u64::MAX,
                &mut return_len,
            )
        } else {
            let value = [0u8; 32];
            host.call_contract(
                target.as_ptr(),
                data.as_ptr(),
                data.len(),
                value.as_ptr(),
                u64::MAX,
                &mut return_len,
            )
        }
    };
    let output = host.read_return_data(0, None);
    if status == 0 {
        Ok(output)
    } else {
        Err(output)
    }
}

/// Runs a token operation with SafeERC20 semantics (see the module docs); `Err(token)` when
/// it fails.
pub fn call_optional_return<H: Host + ?Sized>(
    host: &H,
    token: Address,
    data: &[u8],
) -> Result<(), Address> {
    let output = call(host, token, data, false).map_err(|_| token)?;
    let ok = if output.is_empty() {
        has_code(host, token)
    } else {
        output.len() >= 32 && output[..31].iter().all(|byte| *byte == 0) && output[31] == 1
    };
    if ok {
        Ok(())
    } else {
        Err(token)
    }
}

/// `token.transfer(to, amount)` with SafeERC20 semantics; `Err(token)` on failure.
pub fn safe_transfer<H: Host + ?Sized>(
    host: &H,
    token: Address,
    to: Address,
    amount: U256,
) -> Result<(), Address> {
    let data = calldata(TRANSFER, &[address_word(to), amount.to_be_bytes::<32>()]);
    call_optional_return(host, token, &data)
}

/// `token.transferFrom(from, to, amount)` with SafeERC20 semantics; `Err(token)` on failure.
pub fn safe_transfer_from<H: Host + ?Sized>(
    host: &H,
    token: Address,
    from: Address,
    to: Address,
    amount: U256,
) -> Result<(), Address> {
    let data = calldata(
        TRANSFER_FROM,
        &[
            address_word(from),
            address_word(to),
            amount.to_be_bytes::<32>(),
        ],
    );
    call_optional_return(host, token, &data)
}

/// `token.approve(spender, amount)` with SafeERC20 semantics (OpenZeppelin's `forceApprove`
/// without the reset-to-zero retry); `Err(token)` on failure.
pub fn safe_approve<H: Host + ?Sized>(
    host: &H,
    token: Address,
    spender: Address,
    amount: U256,
) -> Result<(), Address> {
    let data = calldata(
        APPROVE,
        &[address_word(spender), amount.to_be_bytes::<32>()],
    );
    call_optional_return(host, token, &data)
}

/// `token.balanceOf(account)`; `Err(token)` if the call reverts or returns less than a word.
pub fn balance_of<H: Host + ?Sized>(
    host: &H,
    token: Address,
    account: Address,
) -> Result<U256, Address> {
    let data = calldata(BALANCE_OF, &[address_word(account)]);
    let output = call(host, token, &data, true).map_err(|_| token)?;
    let word: [u8; 32] = output
        .get(..32)
        .and_then(|w| w.try_into().ok())
        .ok_or(token)?;
    Ok(U256::from_be_bytes(word))
}

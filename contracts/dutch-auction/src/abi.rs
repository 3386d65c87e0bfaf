//! The contract's own ABI dispatcher and, in WASM, its entry point.
//!
//! The SDK's generated router instantiates alloy's generic ABI decoder and encoder for every
//! function: measured on this contract, about 300 compressed bytes per function, some 9 KiB for
//! its 35 functions against a 16 KiB budget for the whole contract. So in WASM the contract has
//! its own entry point, which decodes the call data by hand ([`DutchAuction::dispatch`]) and
//! calls the same `#[public]` methods: static 32-byte words, addresses with 12 zero high bytes,
//! bools 0 or 1, and `take`'s one `bytes` argument (offset, length, contents within the call
//! data). As with the SDK's router, a call with value, an unknown selector, malformed call data
//! or a second constructor call reverts with empty data. One difference, on the strict side: a
//! bool argument other than 0 or 1 reverts here (as in Solidity), where the SDK's router (alloy
//! 0.8) reads any non-zero last byte as `true`.
//!
//! The `#[public]` impl stays the contract's definition: native tests, motsu's cross-contract
//! calls and `export-abi` (hence `interfaces/IDutchAuction.sol`) go through the SDK's router,
//! and the tests run every function through both routers and compare the results.

#[allow(unused_imports)] // `vec!` is used by macro expansions in some builds.
use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, FixedBytes, U256};
use stylus_sdk::{abi::Bytes, function_selector as selector, prelude::*};

use crate::{
    address_word, as_u64, be, get, get_address, slot, wad_to_ray, word_at, word_at_byte,
    DutchAuction,
};

/// The call data after the selector.
struct Args<'a>(&'a [u8]);

impl<'a> Args<'a> {
    /// Argument `index` as a word.
    fn word(&self, index: usize) -> Result<U256, Vec<u8>> {
        word_at(self.0, index).ok_or_else(Vec::new)
    }

    /// Argument `index` as an address (the high 12 bytes must be zero).
    fn address(&self, index: usize) -> Result<Address, Vec<u8>> {
        let start = index.checked_mul(32).ok_or_else(Vec::new)?;
        let word: &[u8; 32] = self
            .0
            .get(start..start.saturating_add(32))
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(Vec::new)?;
        if word.iter().take(12).any(|byte| *byte != 0) {
            return Err(Vec::new());
        }
        Ok(get_address(word, 12))
    }

    /// Argument `index` as a bool (0 or 1).
    fn boolean(&self, index: usize) -> Result<bool, Vec<u8>> {
        match as_u64(self.word(index)?) {
            Some(0) => Ok(false),
            Some(1) => Ok(true),
            _ => Err(Vec::new()),
        }
    }

    /// The `bytes` argument whose offset is argument `index`.
    fn bytes(&self, index: usize) -> Result<&'a [u8], Vec<u8>> {
        let to_usize = |word: U256| as_u64(word).and_then(|v| usize::try_from(v).ok());
        let offset = to_usize(self.word(index)?).ok_or_else(Vec::new)?;
        let start = offset.checked_add(32).ok_or_else(Vec::new)?;
        let length = word_at_byte(self.0, offset).and_then(to_usize).ok_or_else(Vec::new)?;
        let end = start.checked_add(length).ok_or_else(Vec::new)?;
        self.0.get(start..end).ok_or_else(Vec::new)
    }
}

/// Return data: one word per Solidity value.
fn words(values: &[U256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * values.len());
    for value in values {
        out.extend_from_slice(&be(value));
    }
    out
}

/// How a parameter getter returns its field.
enum View {
    /// The unsigned integer.
    Int,
    /// A WAD, returned as RAY.
    Ray,
    /// An address.
    Address,
}

/// The getters that return one field of a parameter word, as `(slot, byte offset, byte length,
/// kind)`: the same fields the `#[public]` getters read (the differential test checks they
/// agree).
fn parameter_view(selector: u32) -> Option<(u64, usize, usize, View)> {
    Some(match selector {
        KICKS => (slot::PARAMS3, 0, 8, View::Int),
        BUF => (slot::PARAMS0, 0, 8, View::Ray),
        CUSP => (slot::PARAMS0, 8, 8, View::Ray),
        FLOOR => (slot::PARAMS0, 16, 8, View::Ray),
        TAIL => (slot::PARAMS0, 24, 4, View::Int),
        MAX_AGE => (slot::PARAMS0, 28, 4, View::Int),
        CHOST => (slot::PARAMS1, 13, 11, View::Int),
        CHIP => (slot::PARAMS1, 24, 8, View::Int),
        TIP => (slot::PARAMS2, 20, 11, View::Int),
        ORACLE => (slot::PARAMS2, 0, 20, View::Address),
        GUARDIAN => (slot::PARAMS3, 8, 20, View::Address),
        _ => return None,
    })
}

/// A selector as the `u32` matched on.
const fn sel(bytes: [u8; 4]) -> u32 {
    u32::from_be_bytes(bytes)
}

const CONSTRUCTOR: u32 = stylus_sdk::abi::CONSTRUCTOR_SELECTOR;
const TAKE: u32 = sel(selector!("take", U256, U256, U256, Address, Bytes));
const REDO: u32 = sel(selector!("redo", U256, Address));
const GET_STATUS: u32 = sel(selector!("getStatus", U256));
const LIST: u32 = sel(selector!("list"));
const COUNT: u32 = sel(selector!("count"));
const SALES: u32 = sel(selector!("sales", U256));
const SNAPSHOT: u32 = sel(selector!("snapshot", U256));
const KICKS: u32 = sel(selector!("kicks"));
const STOPPED: u32 = sel(selector!("stopped"));
const BUF: u32 = sel(selector!("buf"));
const TAIL: u32 = sel(selector!("tail"));
const CUSP: u32 = sel(selector!("cusp"));
const FLOOR: u32 = sel(selector!("floor"));
const MAX_AGE: u32 = sel(selector!("maxAge"));
const CHIP: u32 = sel(selector!("chip"));
const TIP: u32 = sel(selector!("tip"));
const CHOST: u32 = sel(selector!("chost"));
const CURVE: u32 = sel(selector!("curve"));
const COLLATERAL: u32 = sel(selector!("collateral"));
const DEBT_TOKEN: u32 = sel(selector!("debtToken"));
const SOLVENCY: u32 = sel(selector!("solvency"));
const ORACLE: u32 = sel(selector!("oracle"));
const GUARDIAN: u32 = sel(selector!("guardian"));
const IS_KICKER: u32 = sel(selector!("isKicker", Address));
const KICK: u32 = sel(selector!("kick", U256, U256, U256, Address, Address));
const YANK: u32 = sel(selector!("yank", U256));
const FILE: u32 = sel(selector!("file", FixedBytes<32>, U256));
const SET_CURVE: u32 = sel(selector!("setCurve", U256, U256, U256));
const SET_KICKER: u32 = sel(selector!("setKicker", Address, bool));
const SET_GUARDIAN: u32 = sel(selector!("setGuardian", Address));
const SET_STOPPED: u32 = sel(selector!("setStopped", U256));
const OWNER: u32 = sel(selector!("owner"));
const PENDING_OWNER: u32 = sel(selector!("pendingOwner"));
const TRANSFER_OWNERSHIP: u32 = sel(selector!("transferOwnership", Address));
const ACCEPT_OWNERSHIP: u32 = sel(selector!("acceptOwnership"));

/// Every selector the dispatcher answers (the constructor's included), for the tests.
#[cfg(test)]
pub(crate) const SELECTORS: [u32; 36] = [
    CONSTRUCTOR, TAKE, REDO, GET_STATUS, LIST, COUNT, SALES, SNAPSHOT, KICKS, STOPPED, BUF,
    TAIL, CUSP, FLOOR, MAX_AGE, CHIP, TIP, CHOST, CURVE, COLLATERAL, DEBT_TOKEN, SOLVENCY,
    ORACLE, GUARDIAN, IS_KICKER, KICK, YANK, FILE, SET_CURVE, SET_KICKER, SET_GUARDIAN,
    SET_STOPPED, OWNER, PENDING_OWNER, TRANSFER_OWNERSHIP, ACCEPT_OWNERSHIP,
];

impl DutchAuction {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        // No function is payable.
        self.deny_value("")?;
        let Some((selector, rest)) = input.split_first_chunk::<4>() else {
            return Err(Vec::new());
        };
        let a = Args(rest);
        let selector = u32::from_be_bytes(*selector);
        if let Some((at_slot, at, len, kind)) = parameter_view(selector) {
            // A parameter getter: one field of a parameter word (see `parameter_view`).
            let word = self.sload(U256::from(at_slot));
            let value = match kind {
                View::Int => U256::from(get(&word, at, len)),
                // Eight-byte WAD fields: the cast is exact.
                View::Ray => wad_to_ray(get(&word, at, len) as u64),
                View::Address => address_word(get_address(&word, at)),
            };
            return Ok(words(&[value]));
        }
        let out: Vec<u8> = match selector {
            CONSTRUCTOR => {
                self.check_constructor_slot()?;
                let (admin, collateral, debt) = (a.address(0)?, a.address(1)?, a.address(2)?);
                let (oracle, solvency) = (a.address(3)?, a.address(4)?);
                self.constructor(admin, collateral, debt, oracle, solvency)?;
                Vec::new()
            }
            TAKE => {
                let (id, amt, max, who) = (a.word(0)?, a.word(1)?, a.word(2)?, a.address(3)?);
                self.take(id, amt, max, who, Bytes::from(a.bytes(4)?.to_vec()))?;
                Vec::new()
            }
            REDO => {
                self.redo(a.word(0)?, a.address(1)?)?;
                Vec::new()
            }
            GET_STATUS => {
                let (redo, price, lot, tab) = self.get_status(a.word(0)?)?;
                words(&[U256::from(redo), price, lot, tab])
            }
            LIST => {
                let ids = self.list();
                let mut out = words(&[U256::from(32u8), U256::from(ids.len())]);
                out.extend_from_slice(&words(&ids));
                out
            }
            COUNT => words(&[self.count()]),
            SALES => {
                let (pos, tab, lot, usr, tic, top) = self.sales(a.word(0)?);
                words(&[pos, tab, lot, address_word(usr), U256::from(tic), top])
            }
            SNAPSHOT => {
                let (liquidation, kicker, kind, cut, period, tail, min_price, dust) =
                    self.snapshot(a.word(0)?);
                words(&[liquidation, address_word(kicker), kind, cut, period, tail, min_price, dust])
            }
            STOPPED => words(&[self.stopped()]),
            CURVE => {
                let (kind, cut, period) = self.curve();
                words(&[kind, cut, period])
            }
            COLLATERAL => words(&[address_word(self.collateral())]),
            DEBT_TOKEN => words(&[address_word(self.debt_token())]),
            SOLVENCY => words(&[address_word(self.solvency())]),
            IS_KICKER => words(&[U256::from(self.is_kicker(a.address(0)?))]),
            KICK => {
                let (liquidation, tab, lot) = (a.word(0)?, a.word(1)?, a.word(2)?);
                words(&[self.kick(liquidation, tab, lot, a.address(3)?, a.address(4)?)?])
            }
            YANK => {
                self.yank(a.word(0)?)?;
                Vec::new()
            }
            FILE => {
                self.file(FixedBytes(be(&a.word(0)?)), a.word(1)?)?;
                Vec::new()
            }
            SET_CURVE => {
                self.set_curve(a.word(0)?, a.word(1)?, a.word(2)?)?;
                Vec::new()
            }
            SET_KICKER => {
                self.set_kicker(a.address(0)?, a.boolean(1)?)?;
                Vec::new()
            }
            SET_GUARDIAN => {
                self.set_guardian(a.address(0)?)?;
                Vec::new()
            }
            SET_STOPPED => {
                self.set_stopped(a.word(0)?)?;
                Vec::new()
            }
            OWNER => words(&[address_word(self.owner())]),
            PENDING_OWNER => words(&[address_word(self.pending_owner())]),
            TRANSFER_OWNERSHIP => {
                self.transfer_ownership(a.address(0)?)?;
                Vec::new()
            }
            ACCEPT_OWNERSHIP => {
                self.accept_ownership()?;
                Vec::new()
            }
            _ => return Err(Vec::new()),
        };
        Ok(out)
    }
}

/// The Stylus entry point: the SDK's `#[entrypoint]` with [`DutchAuction::dispatch`] in place
/// of the generated router.
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
    let mut house = unsafe { DutchAuction::new(U256::ZERO, 0, host.clone()) };
    let (data, status) = match house.dispatch(&input) {
        Ok(data) => (data, 0),
        Err(data) => (data, 1),
    };
    host.flush_cache(false);
    host.write_result(&data);
    status
}

//! The contract's own ABI dispatcher and, in WASM, its entry point (`gavel_common::entrypoint!`
//! around [`DutchAuction::dispatch`]).
//!
//! The SDK's generated router instantiates alloy's generic ABI decoder and encoder for every
//! function: measured on this contract, about 300 compressed bytes per function, some 9 KiB for
//! its 35 functions against a 16 KiB budget for the whole contract. So in WASM the contract has
//! its own entry point, which decodes the call data by hand ([`DutchAuction::dispatch`]) and
//! calls the same `#[public]` methods: static 32-byte words, addresses with 12 zero high bytes,
//! bools 0 or 1 (all checked once per call, [`Args::check`]), and `take`'s one `bytes` argument
//! (offset, length, contents within the call data, passed on borrowed). As with the SDK's
//! router, a call with value, an unknown selector, call data too short for the arguments, an
//! address with non-zero high bytes, a `bytes` argument outside the call data or a second
//! constructor call (the SDK's own flag, [`DutchAuction::constructor_once`]) reverts with empty
//! data. Where the two differ:
//!
//! - on the strict side, a bool argument other than 0 or 1 reverts here (as in Solidity), where
//!   the SDK's router (alloy 0.8) reads any non-zero last byte as `true`;
//! - on the lenient side, the SDK's router (alloy 0.8's re-encoding check) also refuses call
//!   data longer than the arguments, a `bytes` argument at another offset than the canonical
//!   one and non-zero padding after its contents, which this dispatcher accepts (the extra
//!   bytes are ignored; the `bytes` contents are those the offset and length point at).
//!
//! The argument checks are the contract's own rather than `gavel_common::abi::call`'s: that
//! one describes static words only (no `bytes` argument), reads a bool as the SDK does and
//! refuses longer call data, so it would change which calls revert. The constructor guard is
//! the contract's own too: `gavel_common::construct_once!` checks the whole word and sets its
//! lowest byte, where the SDK's flag (and `constructor_once` above, which the tests check
//! against the SDK's `check_constructor_slot`) is the word's first byte.
//!
//! Return data is written a word at a time: one-word results share one encoding
//! (`gavel_common::abi::words`), and the multi-word views (`getStatus`, `list`, `sales`,
//! `snapshot`, `curve`) are built by the contract's own encoders (`status_data` and the like),
//! which the typed `#[public]` views read back for the SDK's router.
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
    /// Checks the call data's static arguments once, before any is read: at least `count`
    /// words; the words flagged in the bit mask `addresses` have 12 zero high bytes (addresses)
    /// and those flagged in `bools` are 0 or 1. Otherwise the call reverts with empty data.
    #[inline(never)]
    fn check(&self, count: usize, addresses: u32, bools: u32) -> Result<(), Vec<u8>> {
        // At most 5 words: no overflow.
        if self.0.len() < 32 * count {
            return Err(Vec::new());
        }
        for (index, word) in self.0.chunks(32).take(count).enumerate() {
            let (is_address, is_bool) = ((addresses >> index) & 1 == 1, (bools >> index) & 1 == 1);
            // Bytes that must be zero: 12 for an address, 31 for a bool.
            let zero_bytes = if is_address {
                12
            } else if is_bool {
                31
            } else {
                0
            };
            let last = word.last().copied().unwrap_or(0);
            if word.iter().take(zero_bytes).any(|byte| *byte != 0) || (is_bool && last > 1) {
                return Err(Vec::new());
            }
        }
        Ok(())
    }

    /// Argument `index` as a word ([`Self::check`] first: a missing word reads as zero).
    fn word(&self, index: usize) -> U256 {
        word_at(self.0, index).unwrap_or_default()
    }

    /// Argument `index` as an address (checked by [`Self::check`]).
    fn address(&self, index: usize) -> Address {
        get_address(self.0, 32 * index + 12)
    }

    /// Argument `index` as a bool (checked by [`Self::check`] to be 0 or 1).
    fn boolean(&self, index: usize) -> bool {
        self.0.get(32 * index + 31) == Some(&1)
    }

    /// The `bytes` argument whose offset is argument `index`.
    fn bytes(&self, index: usize) -> Result<&'a [u8], Vec<u8>> {
        let to_usize = |word: U256| as_u64(word).and_then(|v| usize::try_from(v).ok());
        let offset = to_usize(self.word(index)).ok_or_else(Vec::new)?;
        let start = offset.checked_add(32).ok_or_else(Vec::new)?;
        let length = word_at_byte(self.0, offset)
            .and_then(to_usize)
            .ok_or_else(Vec::new)?;
        let end = start.checked_add(length).ok_or_else(Vec::new)?;
        self.0.get(start..end).ok_or_else(Vec::new)
    }
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
    CONSTRUCTOR,
    TAKE,
    REDO,
    GET_STATUS,
    LIST,
    COUNT,
    SALES,
    SNAPSHOT,
    KICKS,
    STOPPED,
    BUF,
    TAIL,
    CUSP,
    FLOOR,
    MAX_AGE,
    CHIP,
    TIP,
    CHOST,
    CURVE,
    COLLATERAL,
    DEBT_TOKEN,
    SOLVENCY,
    ORACLE,
    GUARDIAN,
    IS_KICKER,
    KICK,
    YANK,
    FILE,
    SET_CURVE,
    SET_KICKER,
    SET_GUARDIAN,
    SET_STOPPED,
    OWNER,
    PENDING_OWNER,
    TRANSFER_OWNERSHIP,
    ACCEPT_OWNERSHIP,
];

impl DutchAuction {
    /// Runs the call `input` (selector and arguments): `Ok(return data)` or `Err(revert
    /// data)`, as the SDK's router for the `#[public]` impl would.
    pub fn dispatch(&mut self, input: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
        // No function is payable.
        if !self.vm().msg_value().is_zero() {
            return Err(Vec::new());
        }
        let Some((selector, rest)) = input.split_first_chunk::<4>() else {
            return Err(Vec::new());
        };
        let a = Args(rest);
        let selector = u32::from_be_bytes(*selector);
        let out: Vec<u8> = match selector {
            CONSTRUCTOR => {
                self.constructor_once()?;
                a.check(5, 0b11111, 0)?;
                let (admin, collateral, debt) = (a.address(0), a.address(1), a.address(2));
                let (oracle, solvency) = (a.address(3), a.address(4));
                self.constructor(admin, collateral, debt, oracle, solvency)?;
                Vec::new()
            }
            TAKE => {
                a.check(5, 0b01000, 0)?;
                let (id, amt, max, who) = (a.word(0), a.word(1), a.word(2), a.address(3));
                self.take_bytes(id, amt, max, who, a.bytes(4)?)?;
                Vec::new()
            }
            REDO => {
                a.check(2, 0b10, 0)?;
                self.redo(a.word(0), a.address(1))?;
                Vec::new()
            }
            GET_STATUS => {
                a.check(1, 0, 0)?;
                self.status_data(a.word(0))?
            }
            LIST => self.list_data(),
            SALES => {
                a.check(1, 0, 0)?;
                self.sale_data(a.word(0))
            }
            SNAPSHOT => {
                a.check(1, 0, 0)?;
                self.snapshot_data(a.word(0))
            }
            CURVE => self.curve_data(),
            YANK => {
                a.check(1, 0, 0)?;
                self.yank(a.word(0))?;
                Vec::new()
            }
            FILE => {
                a.check(2, 0, 0)?;
                self.file(FixedBytes(be(&a.word(0))), a.word(1))?;
                Vec::new()
            }
            SET_CURVE => {
                a.check(3, 0, 0)?;
                self.set_curve(a.word(0), a.word(1), a.word(2))?;
                Vec::new()
            }
            SET_KICKER => {
                a.check(2, 0b01, 0b10)?;
                self.set_kicker(a.address(0), a.boolean(1))?;
                Vec::new()
            }
            SET_GUARDIAN => {
                a.check(1, 0b1, 0)?;
                self.set_guardian(a.address(0))?;
                Vec::new()
            }
            SET_STOPPED => {
                a.check(1, 0, 0)?;
                self.set_stopped(a.word(0))?;
                Vec::new()
            }
            TRANSFER_OWNERSHIP => {
                a.check(1, 0b1, 0)?;
                self.transfer_ownership(a.address(0))?;
                Vec::new()
            }
            ACCEPT_OWNERSHIP => {
                self.accept_ownership()?;
                Vec::new()
            }
            // Everything else returns one word, encoded in one place.
            _ => {
                let value = match selector {
                    KICK => {
                        a.check(5, 0b11000, 0)?;
                        let (liquidation, tab, lot) = (a.word(0), a.word(1), a.word(2));
                        self.kick(liquidation, tab, lot, a.address(3), a.address(4))?
                    }
                    COUNT => self.count(),
                    STOPPED => self.stopped(),
                    COLLATERAL => address_word(self.collateral()),
                    DEBT_TOKEN => address_word(self.debt_token()),
                    SOLVENCY => address_word(self.solvency()),
                    IS_KICKER => {
                        a.check(1, 0b1, 0)?;
                        U256::from(self.is_kicker(a.address(0)))
                    }
                    OWNER => address_word(self.owner()),
                    PENDING_OWNER => address_word(self.pending_owner()),
                    _ => {
                        // A parameter getter: one field of a parameter word.
                        let (at_slot, at, len, kind) =
                            parameter_view(selector).ok_or_else(Vec::new)?;
                        let word = self.sload(U256::from(at_slot));
                        match kind {
                            View::Int => U256::from(get(&word, at, len)),
                            // Eight-byte WAD fields: the cast is exact.
                            View::Ray => wad_to_ray(get(&word, at, len) as u64),
                            View::Address => address_word(get_address(&word, at)),
                        }
                    }
                };
                gavel_common::abi::words(&[value])
            }
        };
        Ok(out)
    }
}

impl DutchAuction {
    /// The SDK's constructor guard (`check_constructor_slot`) on the raw word: byte 0 of
    /// `CONSTRUCTOR_EXECUTED_SLOT` (where the SDK's `StorageBool` keeps it) is set by the first
    /// constructor call; a second one reverts with empty data.
    pub(crate) fn constructor_once(&mut self) -> Result<(), Vec<u8>> {
        let key = stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT;
        let mut word = self.sload(key);
        if word[0] != 0 {
            return Err(Vec::new());
        }
        word[0] = 1;
        self.sstore(key, word);
        Ok(())
    }
}

gavel_common::entrypoint!(DutchAuction);

//! The market's own ABI dispatcher and, in WASM, its entry point (see "WASM size" in the crate
//! docs). Every argument and result of the market's ABI is a static 32-byte word, so decoding
//! is reading words and encoding is writing them. The checks match the SDK's router: calldata
//! shorter or longer than the arguments, an address with non-zero high bytes, a non-zero
//! `msg.value`, an unknown selector or a second constructor call revert with empty data.
//! `tests::dispatch` runs calls through both.

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
                kinds(&[2, 2, 2, 2, 2, 2, 1, 1]),
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
    Supply = "supply"(U256);
    Withdraw = "withdraw"(U256, Address);
    DepositCollateral = "depositCollateral"(U256);
    WithdrawCollateral = "withdrawCollateral"(U256, Address);
    Borrow = "borrow"(U256, Address);
    Repay = "repay"(U256, Address);
    Liquidate = "liquidate"(Address);
    Settle = "settle"();
    AbsorbLoss = "absorbLoss"(U256);
    Skim = "skim"(Address);
    Owner = "owner"();
    PendingOwner = "pendingOwner"();
    TransferOwnership = "transferOwnership"(Address);
    AcceptOwnership = "acceptOwnership"();
    HealthFactor = "healthFactor"(Address);
    Position = "position"(Address);
    Totals = "totals"();
    Price = "price"();
    Lltv = "lltv"();
    MaxOracleAge = "maxOracleAge"();
    CollateralToken = "collateralToken"();
    DebtToken = "debtToken"();
    Oracle = "oracle"();
    Engine = "engine"();
    Solvency = "solvency"();
}

/// The arguments `kinds` describes, decoded from `data` and checked as the SDK does; unused
/// entries are zero. Calldata not exactly as long as the arguments, or an invalid address:
/// empty revert data.
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
        // An address: the 12 high bytes are zero.
        if kind == 2 && value.bit_len() > 160 {
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

/// One address as return data.
fn address_data(account: Address) -> Vec<u8> {
    words(&[address_word(account)])
}

impl LendingMarket {
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
        let data = match function {
            Function::Constructor => {
                // The SDK's once-only guard: a bool at this slot.
                let guard = stylus_sdk::abi::internal::CONSTRUCTOR_EXECUTED_SLOT;
                if !self.sload(&guard).is_zero() {
                    return Err(Vec::new());
                }
                self.sstore(&guard, &U256::from(1));
                self.constructor(
                    address_of(&a0),
                    address_of(&a1),
                    address_of(&a2),
                    address_of(&a3),
                    address_of(&a4),
                    address_of(&a5),
                    a6,
                    a7,
                )?;
                Vec::new()
            }
            Function::Supply => words(&[self.supply(a0)?]),
            Function::Withdraw => words(&[self.withdraw(a0, address_of(&a1))?]),
            Function::DepositCollateral => {
                self.deposit_collateral(a0)?;
                Vec::new()
            }
            Function::WithdrawCollateral => {
                self.withdraw_collateral(a0, address_of(&a1))?;
                Vec::new()
            }
            Function::Borrow => {
                self.borrow(a0, address_of(&a1))?;
                Vec::new()
            }
            Function::Repay => words(&[self.repay(a0, address_of(&a1))?]),
            Function::Liquidate => words(&[self.liquidate(address_of(&a0))?]),
            Function::Settle => words(&[self.settle()?]),
            Function::AbsorbLoss => {
                self.absorb_loss(a0)?;
                Vec::new()
            }
            Function::Skim => {
                self.skim(address_of(&a0))?;
                Vec::new()
            }
            Function::Owner => address_data(self.owner()),
            Function::PendingOwner => address_data(self.pending_owner()),
            Function::TransferOwnership => {
                self.transfer_ownership(address_of(&a0))?;
                Vec::new()
            }
            Function::AcceptOwnership => {
                self.accept_ownership()?;
                Vec::new()
            }
            Function::HealthFactor => words(&[self.health_factor(address_of(&a0))?]),
            Function::Position => words(&self.position_words(address_of(&a0))),
            Function::Totals => words(&self.totals_words()),
            Function::Price => words(&[self.price()?]),
            Function::Lltv => words(&[self.lltv()]),
            Function::MaxOracleAge => words(&[self.max_oracle_age()]),
            Function::CollateralToken => address_data(self.collateral_token()),
            Function::DebtToken => address_data(self.debt_token()),
            Function::Oracle => address_data(self.oracle()),
            Function::Engine => address_data(self.engine()),
            Function::Solvency => address_data(self.solvency()),
        };
        Ok(data)
    }
}

/// The Stylus entry point: the SDK's `#[entrypoint]` with [`LendingMarket::dispatch`] in place
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
    let mut market = unsafe { LendingMarket::new(U256::ZERO, 0, host.clone()) };
    let (data, status) = match market.dispatch(&input) {
        Ok(data) => (data, 0),
        Err(data) => (data, 1),
    };
    host.flush_cache(false);
    host.write_result(&data);
    status
}

//! # LendingMarket (example)
//!
//! A small but real isolated lending market: one collateral token, one debt token, a Chainlink
//! `AggregatorV3Interface` price feed and a liquidation LTV (`lltv`). Lenders `supply` the debt
//! token for shares; borrowers `depositCollateral`, `borrow` against it and `repay`. It exists to
//! show how a lending protocol plugs gavel in: an unhealthy position is handed to gavel's
//! liquidation engine with **one call** (`liquidate(borrower)`, anyone may call it), the
//! solvency module repays the market with plain token transfers, and what gavel cannot recover
//! is written down across the lenders through `absorbLoss` (`interfaces/ILossAbsorber.sol`),
//! Morpho's model. `README.md` next to this crate walks through the wiring.
//!
//! **No interest.** A real market accrues interest on borrows (and pays it to lenders); this
//! example leaves it out so that the liquidation path stays readable. Everything else is
//! production-shaped: custom errors for every bad input, rounding in the market's favour, a
//! re-entrancy lock, events for every state change, and no token that can be stranded.
//!
//! ## Roles
//! - **admin** (`owner`): two-step transfer with OpenZeppelin `Ownable2Step`'s ABI, events,
//!   errors and slots 0–1. Its only power is `skim` (tokens the books do not account for:
//!   donations, and the penalty share the solvency module may pay the market). Every market
//!   parameter is fixed at deployment.
//! - **the engine** (gavel's liquidation engine) is called by `liquidate`; it must list the
//!   market as a protocol (`engine.setProtocol(market, true)`).
//! - **the solvency module** (the debt token's instance) is the only caller of `absorbLoss`.
//!   The engine opens every liquidation there with the market as *beneficiary*.
//!
//! ## Prices and health
//! `price()` is debt-token base units per collateral base unit, in RAY:
//! `answer * 10^(27 + debtDecimals - collateralDecimals - oracleDecimals)`; the three decimals
//! are read once at construction (each at most 36). The answer must be positive
//! (`InvalidPrice`) and `updatedAt` not in the future nor older than `maxOracleAge`
//! (`StalePrice`). A position may owe at most
//! `maxDebt = floor(floor(collateral * price / 1e27) * lltv / 1e18)`: both roundings go against
//! the borrower. `borrow` and `withdrawCollateral` must leave `debt <= maxDebt` (`Unhealthy`),
//! `liquidate` requires `debt > maxDebt` (`Healthy`). `healthFactor = floor(maxDebt * 1e18 /
//! debt)` (WAD, `type(uint256).max` without debt) is below 1e18 exactly when the position can
//! be liquidated.
//!
//! ## Supply shares
//! Shares are priced with OpenZeppelin ERC-4626's inflation-attack mitigation: `1e6` virtual
//! shares and `1` virtual asset. With `A` = totalSupplyAssets and `S` = totalSupplyShares,
//! `supply(assets)` mints `floor(assets * (S + 1e6) / (A + 1))` (`ZeroShares` if that is 0) and
//! `withdraw(shares)` pays `floor(shares * (A + 1) / (S + 1e6))` (`ZeroAssets` if 0): rounding
//! favours the market. The share price reads the books, never
//! `balanceOf`, so a donation cannot move it: the classic first-depositor attack has nothing to
//! push on (a test tries).
//!
//! ## Liquidation and the books
//! `liquidate(borrower)`, on an unhealthy position: the market approves the engine for the
//! position's collateral, calls `engine.liquidate(collateralToken, collateral, debt, borrower,
//! msg.sender)` (the caller is the keeper) and reads back `(liquidationId, house, auctionId,
//! collateralTaken, debtTaken)`; the engine pulls `collateralTaken` (it may take a part when
//! its limits are near). The market then writes the seized part off the borrower and moves its
//! debt from `totalBorrow` to `inLiquidation` (a claim on gavel); a leftover allowance is
//! cleared. Lenders lose nothing at this point: `totalSupplyAssets` is unchanged. The engine is
//! gavel's, fixed at deployment, and trusted to pull what it reports: the market checks only
//! that it reports no more than it was offered (`InvalidEngineResult`); the engine's own revert
//! data (e.g. no room under its limits) is passed through.
//!
//! The solvency module later pays the market with plain transfers (repaid proceeds and fund
//! cover, up to the debt). `settle()` (anyone; also run by `withdraw`/`borrow` when the cash
//! they need is still booked as `inLiquidation`, and by `skim`) reads the module's
//! `beneficiaryTotals(market)` and books what arrived since the last settle: `inLiquidation`
//! falls by the growth of `repaid + covered`. What gavel cannot recover is socialized: the
//! module calls `absorbLoss(amount)`, which lowers `totalSupplyAssets` and `inLiquidation` by
//! `amount` and adds it to `socialized`: the share price falls for every lender at once.
//!
//! If a liquidation takes all of a position's collateral but not all of its debt (the engine
//! rounds the collateral it takes up, so a tiny position can end this way), no later
//! liquidation can recover the rest: it is **bad debt**, written off the lenders at once
//! (`BadDebt`; `totalSupplyAssets` falls and `socialized` grows by it, as Morpho does).
//!
//! Books, in debt-token base units (`A` = totalSupplyAssets, `B` = totalBorrow, `L` =
//! inLiquidation): `A >= B + L` always, and the market's lender cash is `A - B - L`. The
//! token balance is that plus repayments not yet settled plus **surplus** (donations and the
//! penalty share the module pays beneficiaries), which only `skim` moves. `withdraw` and
//! `borrow` may use at most `min(A - B - L, balanceOf(market))` (`InsufficientCash`).
//! `A` changes only by `supply`, `withdraw`, `absorbLoss` and bad debt, so after the lenders'
//! own moves it falls by exactly `socialized`. `absorbLoss` refuses a loss above `L`
//! (`LossExceedsExposure`): a loss on debt the market never handed to gavel is not the lenders'.
//!
//! ## Storage
//! Admin in slots 0 and 1 (as `Ownable2Step`). Everything else at `slot(i) =
//! keccak256("gavel.lending-market") + i`:
//!
//! | slot | contents |
//! |---|---|
//! | 0 `params` | lltv (limb 0) · maxOracleAge (limb 1) · price exponent (limb 2, i64 two's complement) · lock (limb 3) |
//! | 1–5 | collateral token, debt token, oracle, engine, solvency module (one address each) |
//! | 6–12 | totalSupplyAssets, totalSupplyShares, totalBorrow, inLiquidation, socialized, totalCollateral, recovered (module's `repaid + covered` at the last settle) |
//! | 13 `positions[account]` + 0 | supply shares |
//! | + 1 | collateral (low 128 bits) · debt (high 128 bits) |
//!
//! A position's collateral and debt are each at most `2^128 - 1` (`AmountTooLarge`), so a
//! health check reads one word. Totals are full words with checked arithmetic.
//!
//! ## Re-entrancy
//! Every state-changing function refuses to run while the lock is set (`ReentrantCall`).
//! `liquidate`, the one function that writes state after an external call (it needs the
//! engine's answer), holds the lock across the call. The others make only static calls (feed,
//! balances, the module's totals) before writing their state, and move tokens last
//! (checks-effects-interactions). On-chain Stylus also refuses re-entry.
//!
//! ## WASM size
//! As in the solvency module: raw storage words, one event encoder, errors as encoded revert
//! data, a hand-written dispatcher in WASM (`dispatch.rs`, compared with the SDK router by a
//! test), and `gavel_common::erc20` for token calls.
#![cfg_attr(not(any(test, feature = "export-abi")), no_main)]
#![cfg_attr(not(any(test, feature = "export-abi")), no_std)]

extern crate alloc;

#[cfg(test)]
extern crate motsu;

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, B256, I256, U256};
use alloy_sol_types::{SolError, SolEvent};
use gavel_common::{
    erc20,
    ownable::{OWNER, PENDING_OWNER},
};
use gavel_math::{mul_div, Rounding, RAY, WAD};
use stylus_sdk::{function_selector as selector, keccak_const::Keccak256, prelude::*};

pub use sol::*;

// ---------------------------------------------------------------------------------------------
// 1. Parameters and their validation
// ---------------------------------------------------------------------------------------------

/// Virtual shares of the share price (OpenZeppelin ERC-4626's decimals offset 6).
pub const VIRTUAL_SHARES: U256 = U256::from_limbs([1_000_000, 0, 0, 0]);
/// Virtual assets of the share price.
pub const VIRTUAL_ASSETS: U256 = U256::from_limbs([1, 0, 0, 0]);
/// Largest `maxOracleAge`: 7 days (a feed older than a week is not a price).
pub const MAX_ORACLE_AGE: u64 = 7 * 24 * 60 * 60;
/// Largest decimals accepted for the tokens and the oracle.
pub const MAX_DECIMALS: u64 = 36;

/// `lltv` as stored, or `InvalidLltv` unless `0 < lltv < 1e18`.
fn checked_lltv(lltv: U256) -> Result<u64, Error> {
    if lltv.is_zero() || lltv >= WAD {
        return Err(fail_words(InvalidLltv::SELECTOR, &[lltv]));
    }
    Ok(low_u64(lltv))
}

/// `maxOracleAge` as stored, or `InvalidMaxOracleAge` unless `0 < age <= 7 days`.
fn checked_age(age: U256) -> Result<u64, Error> {
    if age.is_zero() || age > U256::from(MAX_ORACLE_AGE) {
        return Err(fail_words(InvalidMaxOracleAge::SELECTOR, &[age]));
    }
    Ok(low_u64(age))
}

// ---------------------------------------------------------------------------------------------
// 2. Storage
// ---------------------------------------------------------------------------------------------

/// Base of the market's storage: `keccak256("gavel.lending-market")`.
const NAMESPACE: U256 =
    U256::from_be_bytes(Keccak256::new().update(b"gavel.lending-market").finalize());

/// Slot `NAMESPACE + index` (compile time; the assertion below rules out a carry).
const fn slot(index: u64) -> U256 {
    let [l0, l1, l2, l3] = *NAMESPACE.as_limbs();
    U256::from_limbs([l0 + index, l1, l2, l3])
}

const _: () = assert!(
    NAMESPACE.as_limbs()[0] < u64::MAX - 16,
    "namespace slots would carry"
);

/// lltv · maxOracleAge · price exponent · lock.
const PARAMS: U256 = slot(0);
/// The collateral token.
const COLLATERAL_TOKEN: U256 = slot(1);
/// The debt token.
const DEBT_TOKEN: U256 = slot(2);
/// The price feed.
const ORACLE: U256 = slot(3);
/// gavel's liquidation engine.
const ENGINE: U256 = slot(4);
/// gavel's solvency module for the debt token.
const SOLVENCY: U256 = slot(5);
/// What the lenders are owed, in debt-token base units.
const SUPPLY_ASSETS: U256 = slot(6);
/// Supply shares outstanding.
const SUPPLY_SHARES: U256 = slot(7);
/// Debt of open positions.
const TOTAL_BORROW: U256 = slot(8);
/// Debt handed to gavel and not yet recovered (settled) or socialized.
const IN_LIQUIDATION: U256 = slot(9);
/// Σ losses absorbed.
const SOCIALIZED: U256 = slot(10);
/// Σ collateral of all positions.
const TOTAL_COLLATERAL: U256 = slot(11);
/// The solvency module's `repaid + covered` for this market at the last settle.
const RECOVERED: U256 = slot(12);
/// Map: account → position words.
const POSITIONS: U256 = slot(13);

/// Position word: supply shares.
const SHARES_WORD: u64 = 0;
/// Position word: collateral (low 128) · debt (high 128).
const LOAN_WORD: u64 = 1;

/// Storage of the market: nothing typed; the words above are read and written directly.
#[storage]
pub struct LendingMarket {}

// SAFETY: the market is a whole contract's storage (what `user_entrypoint` and motsu
// instantiate at slot 0), which is what `TopLevelStorage` asserts.
unsafe impl TopLevelStorage for LendingMarket {}

// ---------------------------------------------------------------------------------------------
// 3. Events and errors
// ---------------------------------------------------------------------------------------------

#[allow(missing_docs)]
mod sol {
    use alloy_sol_types::sol;

    gavel_common::events! {
        /// The market was deployed with these tokens, feed, gavel contracts and parameters.
        event MarketCreated(address indexed collateralToken, address indexed debtToken, address oracle, address engine, address solvency, uint256 lltv, uint256 maxOracleAge);
        /// `account` supplied `assets` for `shares`.
        event Supply(address indexed account, uint256 assets, uint256 shares);
        /// `account` burned `shares` for `assets`, sent to `to`.
        event Withdraw(address indexed account, address indexed to, uint256 assets, uint256 shares);
        /// `account` deposited `amount` collateral.
        event DepositCollateral(address indexed account, uint256 amount);
        /// `account` withdrew `amount` collateral to `to`.
        event WithdrawCollateral(address indexed account, address indexed to, uint256 amount);
        /// `account` borrowed `amount`, sent to `to`.
        event Borrow(address indexed account, address indexed to, uint256 amount);
        /// `payer` repaid `amount` of `account`'s debt.
        event Repay(address indexed payer, address indexed account, uint256 amount);
        /// `keeper` had `borrower` liquidated through gavel: `collateralTaken` went to the
        /// engine, `debtTaken` moved from the borrower to `inLiquidation`.
        event Liquidate(uint256 indexed liquidationId, address indexed borrower, address indexed keeper, address house, uint256 auctionId, uint256 collateralTaken, uint256 debtTaken);
        /// `recovered` arrived from the solvency module since the last settle; `inLiquidation`
        /// is what is still out.
        event Settle(uint256 recovered, uint256 inLiquidation);
        /// The solvency module made a loss of `amount` final: the lenders' assets fell to
        /// `totalSupplyAssets`.
        event AbsorbLoss(uint256 amount, uint256 totalSupplyAssets);
        /// A liquidation took all of `borrower`'s collateral but not all of its debt: the
        /// remaining `amount` was written off the lenders, whose assets fell to
        /// `totalSupplyAssets`.
        event BadDebt(address indexed borrower, uint256 amount, uint256 totalSupplyAssets);
        /// The admin sent `amount` of `token` the books do not account for to `to`.
        event Skim(address indexed token, address indexed to, uint256 amount);
        /// Admin transfer proposed (as OpenZeppelin's `Ownable2Step` logs it).
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Admin changed (as OpenZeppelin's `Ownable` logs it; also at deployment, from zero).
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    }

    sol! {
        /// The caller is not the admin (or, for `acceptOwnership`, not the pending admin).
        #[derive(Debug)]
        error OwnableUnauthorizedAccount(address account);
        /// The zero address cannot be the admin.
        #[derive(Debug)]
        error OwnableInvalidOwner(address owner);
        /// A token call failed (reverted, returned false, or the token has no code).
        #[derive(Debug)]
        error SafeErc20FailedOperation(address token);
        /// A state-changing call arrived while the market was calling the engine.
        #[derive(Debug)]
        error ReentrantCall();
        /// The zero address, the market itself, an address without code where a contract is
        /// needed, or a solvency module for another token.
        #[derive(Debug)]
        error InvalidAddress(address account);
        /// `lltv` not strictly between 0 and 1e18.
        #[derive(Debug)]
        error InvalidLltv(uint256 lltv);
        /// `maxOracleAge` zero or above 7 days.
        #[derive(Debug)]
        error InvalidMaxOracleAge(uint256 maxOracleAge);
        /// A token or the feed has more than 36 decimals.
        #[derive(Debug)]
        error UnsupportedDecimals(address target, uint256 decimals);
        /// A call answered with less data than its ABI returns.
        #[derive(Debug)]
        error CallFailed(address target);
        /// An amount that must be positive is zero.
        #[derive(Debug)]
        error ZeroAmount();
        /// `supply` of so little that it would mint no share.
        #[derive(Debug)]
        error ZeroShares();
        /// `withdraw` of so few shares that they are worth nothing.
        #[derive(Debug)]
        error ZeroAssets();
        /// A position's collateral or debt would exceed 2^128 - 1, or a total 2^256 - 1:
        /// `amount` is what was to be added (for `supply`, the shares it would mint).
        #[derive(Debug)]
        error AmountTooLarge(uint256 amount);
        /// `withdraw` of more shares than the caller holds.
        #[derive(Debug)]
        error InsufficientShares(uint256 shares, uint256 requested);
        /// `withdrawCollateral` of more collateral than the position holds.
        #[derive(Debug)]
        error InsufficientCollateral(uint256 collateral, uint256 requested);
        /// `withdraw` or `borrow` of more than the market's lender cash.
        #[derive(Debug)]
        error InsufficientCash(uint256 available, uint256 requested);
        /// `repay` for a position without debt.
        #[derive(Debug)]
        error NothingToRepay(address account);
        /// The position would owe `debt`, above its `maxDebt`.
        #[derive(Debug)]
        error Unhealthy(uint256 debt, uint256 maxDebt);
        /// `liquidate` of a position whose `debt` is within its `maxDebt`.
        #[derive(Debug)]
        error Healthy(uint256 debt, uint256 maxDebt);
        /// The feed's answer is zero or negative.
        #[derive(Debug)]
        error InvalidPrice(int256 answer);
        /// The feed's answer is older than `maxOracleAge`, or from the future.
        #[derive(Debug)]
        error StalePrice(uint256 updatedAt, uint256 now);
        /// The engine reported taking more than it was offered.
        #[derive(Debug)]
        error InvalidEngineResult(uint256 collateralTaken, uint256 debtTaken);
        /// `absorbLoss` from anyone but the solvency module.
        #[derive(Debug)]
        error NotSolvencyModule(address account);
        /// `absorbLoss` of more than the debt the market has in liquidation.
        #[derive(Debug)]
        error LossExceedsExposure(uint256 amount, uint256 inLiquidation);
        /// `skim` with nothing above the books.
        #[derive(Debug)]
        error NothingToSkim();
        /// An internal figure would go negative or overflow: never expected; the call reverts
        /// rather than wrap.
        #[derive(Debug)]
        error ArithmeticError();
    }
}

gavel_common::revert_error! {
    /// Why a call failed: the ABI encoding of one of the custom errors above (or, for a
    /// failed engine or oracle call, the callee's own revert data, passed through), returned
    /// as the revert data. A `Vec` rather than an enum of the error types keeps the WASM small;
    /// the tests compare each error with its `sol!` type's `abi_encode()`.
    pub struct Error;
}

impl From<gavel_math::MathError> for Error {
    fn from(_: gavel_math::MathError) -> Self {
        fail(ArithmeticError::SELECTOR)
    }
}

// The errors the interface lists, as `#[derive(SolidityError)]` would list them.
gavel_common::interface_errors!(Error =>
    OwnableUnauthorizedAccount,
    OwnableInvalidOwner,
    SafeErc20FailedOperation,
    ReentrantCall,
    InvalidAddress,
    InvalidLltv,
    InvalidMaxOracleAge,
    UnsupportedDecimals,
    CallFailed,
    ZeroAmount,
    ZeroShares,
    ZeroAssets,
    AmountTooLarge,
    InsufficientShares,
    InsufficientCollateral,
    InsufficientCash,
    NothingToRepay,
    Unhealthy,
    Healthy,
    InvalidPrice,
    StalePrice,
    InvalidEngineResult,
    NotSolvencyModule,
    LossExceedsExposure,
    NothingToSkim,
    ArithmeticError,
);

/// `liquidate(address,uint256,uint256,address,address)` of gavel's liquidation engine.
pub const ENGINE_LIQUIDATE: [u8; 4] = selector!("liquidate", Address, U256, U256, Address, Address);
/// `beneficiaryTotals(address)` of gavel's solvency module.
pub const BENEFICIARY_TOTALS: [u8; 4] = selector!("beneficiaryTotals", Address);
/// `token()` of gavel's solvency module.
pub const MODULE_TOKEN: [u8; 4] = selector!("token");
/// `latestRoundData()` of a Chainlink feed.
pub const LATEST_ROUND_DATA: [u8; 4] = selector!("latestRoundData");
/// `decimals()` of an ERC-20 token or a Chainlink feed.
pub const DECIMALS: [u8; 4] = selector!("decimals");

// ---------------------------------------------------------------------------------------------
// 4. Public interface
// ---------------------------------------------------------------------------------------------

#[public]
impl LendingMarket {
    /// Deploys the market. `lltv` is a WAD in `(0, 1e18)`, `maxOracleAge` seconds in
    /// `(0, 7 days]`. Every address must be a contract; the solvency module must be the debt
    /// token's (`token()`). Reads the three decimals.
    #[constructor]
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub fn constructor(
        &mut self,
        admin: Address,
        collateral_token: Address,
        debt_token: Address,
        oracle: Address,
        engine: Address,
        solvency: Address,
        lltv: U256,
        max_oracle_age: U256,
    ) -> Result<(), Error> {
        if admin.is_zero() {
            return Err(fail_address(OwnableInvalidOwner::SELECTOR, admin));
        }
        self.set_owner(admin);
        let lltv_units = checked_lltv(lltv)?;
        let age = checked_age(max_oracle_age)?;
        let addresses = [collateral_token, debt_token, oracle, engine, solvency];
        for (index, account) in addresses.iter().enumerate() {
            if !erc20::has_code(self.vm(), *account) {
                return Err(invalid_address(*account));
            }
            // Slots 1..=5 in the order above.
            self.sstore(&slot(index as u64 + 1), &address_word(*account));
        }
        if collateral_token == debt_token {
            return Err(invalid_address(debt_token));
        }
        let module_token = self.call_words(solvency, &[&MODULE_TOKEN], 1, true)?;
        if address_of(&module_token[0]) != debt_token {
            return Err(invalid_address(solvency));
        }
        // exponent = 27 + debtDecimals - collateralDecimals - oracleDecimals, in -45..=63.
        let mut exponent: i64 = 27;
        for (target, sign) in [(debt_token, 1), (collateral_token, -1), (oracle, -1)] {
            let decimals = self.call_words(target, &[&DECIMALS], 1, true)?[0];
            if decimals > U256::from(MAX_DECIMALS) {
                return Err(Error::new(
                    UnsupportedDecimals::SELECTOR,
                    &[address_word(target), decimals],
                ));
            }
            exponent += sign * low_u64(decimals) as i64;
        }
        let params = U256::from_limbs([lltv_units, age, exponent as u64, 0]);
        self.sstore(&PARAMS, &params);
        self.emit(
            MarketCreated::SIGNATURE_HASH,
            &[address_word(collateral_token), address_word(debt_token)],
            &[
                address_word(oracle),
                address_word(engine),
                address_word(solvency),
                lltv,
                max_oracle_age,
            ],
        );
        Ok(())
    }

    // ----- lenders ----------------------------------------------------------------------------

    /// Supplies `assets` debt tokens (pulled from the caller; needs an allowance) for supply
    /// shares, rounded down. Returns the shares minted.
    #[inline(always)]
    pub fn supply(&mut self, assets: U256) -> Result<U256, Error> {
        self.enter()?;
        require_positive(&assets)?;
        let account = self.vm().msg_sender();
        let total_assets = self.sload(&SUPPLY_ASSETS);
        let total_shares = self.sload(&SUPPLY_SHARES);
        let shares = to_shares(&assets, &total_assets, &total_shares)?;
        if shares.is_zero() {
            return Err(fail(ZeroShares::SELECTOR));
        }
        let position = self.position_slot(account);
        let held = self.rload(&position, SHARES_WORD);
        // Each sum is checked: a share count beyond 2^256 - 1 is refused, not wrapped.
        self.rstore(&position, SHARES_WORD, &grow(&held, &shares)?);
        self.sstore(&SUPPLY_ASSETS, &grow(&total_assets, &assets)?);
        self.sstore(&SUPPLY_SHARES, &grow(&total_shares, &shares)?);
        self.emit(
            Supply::SIGNATURE_HASH,
            &[address_word(account)],
            &[assets, shares],
        );
        let token = self.address_at(&DEBT_TOKEN);
        self.pull(token, account, &assets)?;
        Ok(shares)
    }

    /// Burns `shares` of the caller's for their value, rounded down, sent to `to`. Returns the
    /// assets paid. Fails with `InsufficientCash` beyond the market's lender cash.
    #[inline(always)]
    pub fn withdraw(&mut self, shares: U256, to: Address) -> Result<U256, Error> {
        self.enter()?;
        require_positive(&shares)?;
        self.check_recipient(to)?;
        let account = self.vm().msg_sender();
        let position = self.position_slot(account);
        let held = self.rload(&position, SHARES_WORD);
        if shares > held {
            return Err(Error::new(InsufficientShares::SELECTOR, &[held, shares]));
        }
        let total_assets = self.sload(&SUPPLY_ASSETS);
        let total_shares = self.sload(&SUPPLY_SHARES);
        let assets = to_assets(&shares, &total_assets, &total_shares)?;
        if assets.is_zero() {
            return Err(fail(ZeroAssets::SELECTOR));
        }
        let token = self.address_at(&DEBT_TOKEN);
        self.require_cash(token, &assets)?;
        // shares <= held <= total shares; assets < (A + 1) * S / (S + 1e6) + 1, so <= A.
        self.rstore(&position, SHARES_WORD, &shrink(&held, &shares)?);
        self.sstore(&SUPPLY_ASSETS, &shrink(&total_assets, &assets)?);
        self.sstore(&SUPPLY_SHARES, &shrink(&total_shares, &shares)?);
        self.emit(
            Withdraw::SIGNATURE_HASH,
            &[address_word(account), address_word(to)],
            &[assets, shares],
        );
        self.send(token, to, &assets)?;
        Ok(assets)
    }

    // ----- borrowers --------------------------------------------------------------------------

    /// Deposits `amount` collateral (pulled from the caller) into the caller's position.
    #[inline(always)]
    #[selector(name = "depositCollateral")]
    pub fn deposit_collateral(&mut self, amount: U256) -> Result<(), Error> {
        self.enter()?;
        require_positive(&amount)?;
        let account = self.vm().msg_sender();
        let position = self.position_slot(account);
        let (collateral, debt) = split(&self.rload(&position, LOAN_WORD));
        let collateral = fits(&grow(&collateral, &amount)?, &amount)?;
        self.rstore(&position, LOAN_WORD, &join(&collateral, &debt));
        self.bump(&TOTAL_COLLATERAL, &amount)?;
        self.emit(
            DepositCollateral::SIGNATURE_HASH,
            &[address_word(account)],
            &[amount],
        );
        let token = self.address_at(&COLLATERAL_TOKEN);
        self.pull(token, account, &amount)
    }

    /// Withdraws `amount` of the caller's collateral to `to`; the position must stay healthy.
    #[inline(always)]
    #[selector(name = "withdrawCollateral")]
    pub fn withdraw_collateral(&mut self, amount: U256, to: Address) -> Result<(), Error> {
        let params = self.enter()?;
        require_positive(&amount)?;
        self.check_recipient(to)?;
        let account = self.vm().msg_sender();
        let position = self.position_slot(account);
        let (collateral, debt) = split(&self.rload(&position, LOAN_WORD));
        if amount > collateral {
            return Err(Error::new(
                InsufficientCollateral::SELECTOR,
                &[collateral, amount],
            ));
        }
        let collateral = collateral - amount;
        self.require_healthy(&params, &collateral, &debt)?;
        self.rstore(&position, LOAN_WORD, &join(&collateral, &debt));
        self.drop_total(&TOTAL_COLLATERAL, &amount)?;
        self.emit(
            WithdrawCollateral::SIGNATURE_HASH,
            &[address_word(account), address_word(to)],
            &[amount],
        );
        let token = self.address_at(&COLLATERAL_TOKEN);
        self.send(token, to, &amount)
    }

    /// Borrows `amount` against the caller's collateral, sent to `to`; the position must stay
    /// healthy and the market must hold the cash.
    #[inline(always)]
    pub fn borrow(&mut self, amount: U256, to: Address) -> Result<(), Error> {
        let params = self.enter()?;
        require_positive(&amount)?;
        self.check_recipient(to)?;
        let account = self.vm().msg_sender();
        let position = self.position_slot(account);
        let (collateral, debt) = split(&self.rload(&position, LOAN_WORD));
        let debt = fits(&grow(&debt, &amount)?, &amount)?;
        self.require_healthy(&params, &collateral, &debt)?;
        let token = self.address_at(&DEBT_TOKEN);
        self.require_cash(token, &amount)?;
        self.rstore(&position, LOAN_WORD, &join(&collateral, &debt));
        self.bump(&TOTAL_BORROW, &amount)?;
        self.emit(
            Borrow::SIGNATURE_HASH,
            &[address_word(account), address_word(to)],
            &[amount],
        );
        self.send(token, to, &amount)
    }

    /// Repays `min(amount, debt)` of `onBehalf`'s debt, pulled from the caller. Returns what
    /// was repaid.
    #[inline(always)]
    pub fn repay(&mut self, amount: U256, on_behalf: Address) -> Result<U256, Error> {
        self.enter()?;
        require_positive(&amount)?;
        let position = self.position_slot(on_behalf);
        let (collateral, debt) = split(&self.rload(&position, LOAN_WORD));
        if debt.is_zero() {
            return Err(fail_address(NothingToRepay::SELECTOR, on_behalf));
        }
        let repaid = amount.min(debt);
        self.rstore(&position, LOAN_WORD, &join(&collateral, &(debt - repaid)));
        self.drop_total(&TOTAL_BORROW, &repaid)?;
        let payer = self.vm().msg_sender();
        self.emit(
            Repay::SIGNATURE_HASH,
            &[address_word(payer), address_word(on_behalf)],
            &[repaid],
        );
        let token = self.address_at(&DEBT_TOKEN);
        self.pull(token, payer, &repaid)?;
        Ok(repaid)
    }

    // ----- gavel ------------------------------------------------------------------------------

    /// Hands `borrower`'s unhealthy position to gavel's engine (anyone may call; the caller is
    /// the keeper the engine records). Returns the solvency module's liquidation id.
    #[inline(always)]
    pub fn liquidate(&mut self, borrower: Address) -> Result<U256, Error> {
        let params = self.enter()?;
        let position = self.position_slot(borrower);
        let (collateral, debt) = split(&self.rload(&position, LOAN_WORD));
        let max_debt = self.max_debt(&params, &collateral)?;
        if debt <= max_debt {
            return Err(Error::new(Healthy::SELECTOR, &[debt, max_debt]));
        }
        let keeper = self.vm().msg_sender();
        let token = self.address_at(&COLLATERAL_TOKEN);
        let engine = self.address_at(&ENGINE);
        // Interactions under the lock: the books below depend on the engine's answer.
        self.sstore(&PARAMS, &with_lock(&params, true));
        erc20::safe_approve(self.vm(), token, engine, collateral).map_err(token_failed)?;
        let answer = self.call_words(
            engine,
            &[
                &ENGINE_LIQUIDATE,
                &address_word(token).to_be_bytes::<32>(),
                &collateral.to_be_bytes::<32>(),
                &debt.to_be_bytes::<32>(),
                &address_word(borrower).to_be_bytes::<32>(),
                &address_word(keeper).to_be_bytes::<32>(),
            ],
            5,
            false,
        )?;
        let [liquidation_id, house, auction_id, collateral_taken, debt_taken] = answer;
        if collateral_taken > collateral || debt_taken > debt {
            return Err(Error::new(
                InvalidEngineResult::SELECTOR,
                &[collateral_taken, debt_taken],
            ));
        }
        if collateral_taken < collateral {
            // The engine took a part: no allowance may outlive the call.
            erc20::safe_approve(self.vm(), token, engine, U256::ZERO).map_err(token_failed)?;
        }
        self.sstore(&PARAMS, &params);
        // Both taken amounts are at most what the position held (checked above).
        let collateral_left = collateral - collateral_taken;
        let mut debt_left = debt - debt_taken;
        // Debt left without collateral (the engine rounds the collateral it takes up) can
        // never be repaid by a liquidation: it is bad debt, written off the lenders now.
        let bad_debt = if collateral_left.is_zero() {
            debt_left
        } else {
            U256::ZERO
        };
        debt_left -= bad_debt;
        self.rstore(&position, LOAN_WORD, &join(&collateral_left, &debt_left));
        self.drop_total(&TOTAL_COLLATERAL, &collateral_taken)?;
        // debt_taken + bad_debt <= debt < 2^128.
        self.drop_total(&TOTAL_BORROW, &(debt_taken + bad_debt))?;
        self.bump(&IN_LIQUIDATION, &debt_taken)?;
        self.emit(
            Liquidate::SIGNATURE_HASH,
            &[liquidation_id, address_word(borrower), address_word(keeper)],
            &[house, auction_id, collateral_taken, debt_taken],
        );
        if !bad_debt.is_zero() {
            let assets = self.write_down(&bad_debt)?;
            self.emit(
                BadDebt::SIGNATURE_HASH,
                &[address_word(borrower)],
                &[bad_debt, assets],
            );
        }
        Ok(liquidation_id)
    }

    /// Books what the solvency module has paid the market since the last settle (anyone):
    /// `inLiquidation` falls by the growth of the module's `repaid + covered` for this market.
    /// Returns that growth (0 if nothing arrived).
    #[inline(always)]
    pub fn settle(&mut self) -> Result<U256, Error> {
        self.enter()?;
        self.settle_books()
    }

    /// `ILossAbsorber`: the solvency module makes a loss of `amount` final; every lender's
    /// share is worth less (`totalSupplyAssets` and `inLiquidation` fall by `amount`).
    #[inline(always)]
    #[selector(name = "absorbLoss")]
    pub fn absorb_loss(&mut self, amount: U256) -> Result<(), Error> {
        self.enter()?;
        let caller = self.vm().msg_sender();
        if caller != self.address_at(&SOLVENCY) {
            return Err(fail_address(NotSolvencyModule::SELECTOR, caller));
        }
        require_positive(&amount)?;
        let in_liquidation = self.sload(&IN_LIQUIDATION);
        if amount > in_liquidation {
            return Err(Error::new(
                LossExceedsExposure::SELECTOR,
                &[amount, in_liquidation],
            ));
        }
        // amount <= inLiquidation <= totalSupplyAssets (A >= B + L, crate docs).
        self.sstore(&IN_LIQUIDATION, &(in_liquidation - amount));
        let assets = self.write_down(&amount)?;
        self.emit(AbsorbLoss::SIGNATURE_HASH, &[], &[amount, assets]);
        Ok(())
    }

    // ----- admin ------------------------------------------------------------------------------

    /// Sends to `to` every token the books do not account for (admin): debt tokens above the
    /// lender cash (after a settle) and collateral above the positions' total.
    #[inline(always)]
    pub fn skim(&mut self, to: Address) -> Result<(), Error> {
        self.admin()?;
        self.check_recipient(to)?;
        self.settle_books()?;
        let debt_token = self.address_at(&DEBT_TOKEN);
        let collateral_token = self.address_at(&COLLATERAL_TOKEN);
        let lender_cash = self.lender_cash();
        let debt_surplus = self.balance(debt_token)?.saturating_sub(lender_cash);
        let collateral_total = self.sload(&TOTAL_COLLATERAL);
        let collateral_surplus = self
            .balance(collateral_token)?
            .saturating_sub(collateral_total);
        if debt_surplus.is_zero() && collateral_surplus.is_zero() {
            return Err(fail(NothingToSkim::SELECTOR));
        }
        for (token, amount) in [
            (debt_token, debt_surplus),
            (collateral_token, collateral_surplus),
        ] {
            if !amount.is_zero() {
                self.emit(
                    Skim::SIGNATURE_HASH,
                    &[address_word(token), address_word(to)],
                    &[amount],
                );
                self.send(token, to, &amount)?;
            }
        }
        Ok(())
    }

    /// Current admin.
    #[inline(always)]
    pub fn owner(&self) -> Address {
        address_of(&self.sload(&OWNER))
    }

    /// Account that may accept the admin role, or zero.
    #[inline(always)]
    #[selector(name = "pendingOwner")]
    pub fn pending_owner(&self) -> Address {
        address_of(&self.sload(&PENDING_OWNER))
    }

    /// Proposes `newOwner` as admin (admin only; zero cancels a proposal); it takes effect
    /// when `newOwner` accepts.
    #[inline(always)]
    #[selector(name = "transferOwnership")]
    pub fn transfer_ownership(&mut self, new_owner: Address) -> Result<(), Error> {
        self.propose_owner(new_owner)
    }

    /// The pending admin becomes the admin.
    #[inline(always)]
    #[selector(name = "acceptOwnership")]
    pub fn accept_ownership(&mut self) -> Result<(), Error> {
        self.accept_owner()
    }

    // ----- views ------------------------------------------------------------------------------

    /// `floor(maxDebt * 1e18 / debt)` (WAD): below 1e18 exactly when `borrower` can be
    /// liquidated; `type(uint256).max` without debt. Reverts if the feed is stale or invalid.
    #[inline(always)]
    #[selector(name = "healthFactor")]
    pub fn health_factor(&self, borrower: Address) -> Result<U256, Error> {
        let (collateral, debt) = split(&self.rload(&self.position_slot(borrower), LOAN_WORD));
        if debt.is_zero() {
            return Ok(U256::MAX);
        }
        let max_debt = self.max_debt(&self.sload(&PARAMS), &collateral)?;
        Ok(mul_div(max_debt, WAD, debt, Rounding::Down).unwrap_or(U256::MAX))
    }

    /// `account`'s supply shares, collateral and debt.
    #[inline(always)]
    pub fn position(&self, account: Address) -> (U256, U256, U256) {
        let [shares, collateral, debt] = self.position_words(account);
        (shares, collateral, debt)
    }

    /// totalSupplyAssets, totalSupplyShares, totalBorrow, inLiquidation, socialized.
    #[inline(always)]
    pub fn totals(&self) -> (U256, U256, U256, U256, U256) {
        let [assets, shares, borrow, in_liquidation, socialized] = self.totals_words();
        (assets, shares, borrow, in_liquidation, socialized)
    }

    /// The feed's price in RAY: debt-token base units per collateral base unit, times 1e27.
    /// Reverts if the feed is stale or invalid.
    #[inline(always)]
    pub fn price(&self) -> Result<U256, Error> {
        self.oracle_price(&self.sload(&PARAMS))
    }

    /// The liquidation LTV (WAD).
    #[inline(always)]
    pub fn lltv(&self) -> U256 {
        U256::from(low_u64(self.sload(&PARAMS)))
    }

    /// The oldest feed answer accepted, in seconds.
    #[inline(always)]
    #[selector(name = "maxOracleAge")]
    pub fn max_oracle_age(&self) -> U256 {
        let [_, age, _, _] = self.sload(&PARAMS).into_limbs();
        U256::from(age)
    }

    /// The collateral token.
    #[inline(always)]
    #[selector(name = "collateralToken")]
    pub fn collateral_token(&self) -> Address {
        self.address_at(&COLLATERAL_TOKEN)
    }

    /// The debt token.
    #[inline(always)]
    #[selector(name = "debtToken")]
    pub fn debt_token(&self) -> Address {
        self.address_at(&DEBT_TOKEN)
    }

    /// The price feed.
    #[inline(always)]
    pub fn oracle(&self) -> Address {
        self.address_at(&ORACLE)
    }

    /// gavel's liquidation engine.
    #[inline(always)]
    pub fn engine(&self) -> Address {
        self.address_at(&ENGINE)
    }

    /// gavel's solvency module (the only caller of `absorbLoss`).
    #[inline(always)]
    pub fn solvency(&self) -> Address {
        self.address_at(&SOLVENCY)
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Internal functions
// ---------------------------------------------------------------------------------------------

// Raw storage words and events: `sload`, `sstore`, `emit`.
gavel_common::raw_storage!(LendingMarket);

// The lean `Ownable2Step`: `admin`, `set_owner`, `propose_owner`, `accept_owner`.
gavel_common::ownable2step!(LendingMarket, OwnableUnauthorizedAccount::SELECTOR);

impl LendingMarket {
    /// Word `k` of the position starting at `base`.
    fn rload(&self, base: &U256, k: u64) -> U256 {
        self.sload(&at(base, k))
    }

    /// Writes word `k` of the position starting at `base`.
    fn rstore(&mut self, base: &U256, k: u64, value: &U256) {
        self.sstore(&at(base, k), value);
    }

    /// Adds `amount` to the total at `slot`.
    #[inline(never)]
    fn bump(&mut self, slot: &U256, amount: &U256) -> Result<(), Error> {
        let sum = grow(&self.sload(slot), amount)?;
        self.sstore(slot, &sum);
        Ok(())
    }

    /// Subtracts `amount` from the total at `slot`.
    #[inline(never)]
    fn drop_total(&mut self, slot: &U256, amount: &U256) -> Result<(), Error> {
        let rest = shrink(&self.sload(slot), amount)?;
        self.sstore(slot, &rest);
        Ok(())
    }

    /// First slot of `account`'s position: `keccak256(abi.encode(account, POSITIONS))`.
    #[inline(never)]
    fn position_slot(&self, account: Address) -> U256 {
        let preimage = [
            address_word(account).to_be_bytes::<32>(),
            POSITIONS.to_be_bytes::<32>(),
        ];
        U256::from_be_bytes(self.vm().native_keccak256(preimage.as_flattened()).0)
    }

    /// The address stored at `slot` (one of slots 1–5).
    #[inline(never)]
    fn address_at(&self, slot: &U256) -> Address {
        address_of(&self.sload(slot))
    }

    /// Reads `params` and refuses a re-entrant call.
    #[inline(never)]
    fn enter(&self) -> Result<U256, Error> {
        let params = self.sload(&PARAMS);
        let [_, _, _, lock] = params.into_limbs();
        if lock != 0 {
            return Err(fail(ReentrantCall::SELECTOR));
        }
        Ok(params)
    }

    /// `InvalidAddress` for the zero address and the market itself (tokens sent there would
    /// only become surplus).
    fn check_recipient(&self, account: Address) -> Result<(), Error> {
        if account.is_zero() || account == self.vm().contract_address() {
            return Err(invalid_address(account));
        }
        Ok(())
    }

    /// The market's lender cash by the books: `A - B - L` (never negative, crate docs).
    fn lender_cash(&self) -> U256 {
        let [assets, _, borrow, in_liquidation, _] = self.totals_words();
        assets.saturating_sub(borrow).saturating_sub(in_liquidation)
    }

    /// `InsufficientCash` unless `amount` fits `min(A - B - L, balanceOf(market))`. If the
    /// books fall short while debt is in liquidation, settles first: repayments that arrived
    /// become lender cash.
    fn require_cash(&mut self, token: Address, amount: &U256) -> Result<(), Error> {
        let mut books = self.lender_cash();
        if *amount > books && !self.sload(&IN_LIQUIDATION).is_zero() {
            self.settle_books()?;
            books = self.lender_cash();
        }
        let available = books.min(self.balance(token)?);
        if *amount > available {
            return Err(Error::new(
                InsufficientCash::SELECTOR,
                &[available, *amount],
            ));
        }
        Ok(())
    }

    /// Books the solvency module's payments since the last settle (see [`Self::settle`]).
    fn settle_books(&mut self) -> Result<U256, Error> {
        let module = self.address_at(&SOLVENCY);
        let me = address_word(self.vm().contract_address()).to_be_bytes::<32>();
        let [repaid, _, covered, _, _] =
            self.call_words(module, &[&BENEFICIARY_TOTALS, &me], 5, true)?;
        let recovered = grow(&repaid, &covered)?;
        // The module's totals only grow; a smaller figure (never expected) books nothing.
        let arrived = recovered.saturating_sub(self.sload(&RECOVERED));
        if arrived.is_zero() {
            return Ok(U256::ZERO);
        }
        self.sstore(&RECOVERED, &recovered);
        // More than is out can only come from liquidations the market did not open (a kicker
        // naming it beneficiary); the excess is surplus.
        let in_liquidation = self.sload(&IN_LIQUIDATION);
        let left = in_liquidation.saturating_sub(arrived);
        self.sstore(&IN_LIQUIDATION, &left);
        self.emit(Settle::SIGNATURE_HASH, &[], &[arrived, left]);
        Ok(arrived)
    }

    /// Writes a final loss of `amount` off the lenders: `totalSupplyAssets` falls and
    /// `socialized` grows by `amount`. Returns the new `totalSupplyAssets`.
    fn write_down(&mut self, amount: &U256) -> Result<U256, Error> {
        let assets = shrink(&self.sload(&SUPPLY_ASSETS), amount)?;
        self.sstore(&SUPPLY_ASSETS, &assets);
        self.bump(&SOCIALIZED, amount)?;
        Ok(assets)
    }

    /// `Unhealthy(debt, maxDebt)` unless `debt <= maxDebt(collateral)`; no feed read without
    /// debt.
    fn require_healthy(&self, params: &U256, collateral: &U256, debt: &U256) -> Result<(), Error> {
        if debt.is_zero() {
            return Ok(());
        }
        let max_debt = self.max_debt(params, collateral)?;
        if *debt > max_debt {
            return Err(Error::new(Unhealthy::SELECTOR, &[*debt, max_debt]));
        }
        Ok(())
    }

    /// `floor(floor(collateral * price / 1e27) * lltv / 1e18)`: both roundings against the
    /// borrower. A value beyond 2^256 - 1 (an absurd price) saturates: no debt reaches it.
    fn max_debt(&self, params: &U256, collateral: &U256) -> Result<U256, Error> {
        let price = self.oracle_price(params)?;
        let value = mul_div(*collateral, price, RAY, Rounding::Down).unwrap_or(U256::MAX);
        // lltv < 1e18, so the result is below `value`: it cannot overflow.
        Ok(mul_div(
            value,
            U256::from(low_u64(*params)),
            WAD,
            Rounding::Down,
        )?)
    }

    /// The feed's answer in RAY (crate docs), checked for a positive answer and freshness.
    fn oracle_price(&self, params: &U256) -> Result<U256, Error> {
        let oracle = self.address_at(&ORACLE);
        let [_, answer, _, updated_at, _] =
            self.call_words(oracle, &[&LATEST_ROUND_DATA], 4, true)?;
        if !I256::from_raw(answer).is_positive() {
            return Err(Error::new(InvalidPrice::SELECTOR, &[answer]));
        }
        let now = U256::from(gavel_common::clock::now(self.vm().block_timestamp()));
        let [_, max_age, exponent, _] = params.into_limbs();
        // `saturating_sub` is exact: `updated_at <= now` where it is evaluated.
        if updated_at > now || now.saturating_sub(updated_at) > U256::from(max_age) {
            return Err(Error::new(StalePrice::SELECTOR, &[updated_at, now]));
        }
        // The exponent is in -45..=63 (crate docs): 10^63 < 2^210, so the loop cannot wrap.
        let exponent = exponent as i64;
        let mut scale = U256::from(1u8);
        for _ in 0..exponent.unsigned_abs() {
            scale *= U256::from(10u8);
        }
        let one = U256::from(1u8);
        let (multiplier, divisor) = if exponent >= 0 {
            (scale, one)
        } else {
            (one, scale)
        };
        // Rounded down (against the borrower). Only an answer near 2^255 with a large exponent
        // overflows: not a price.
        mul_div(answer, multiplier, divisor, Rounding::Down)
            .map_err(|_| Error::new(InvalidPrice::SELECTOR, &[answer]))
    }

    /// `token.balanceOf(market)`.
    fn balance(&self, token: Address) -> Result<U256, Error> {
        erc20::balance_of(self.vm(), token, self.vm().contract_address()).map_err(token_failed)
    }

    /// Pulls `amount` of `token` from `from` (SafeERC20 semantics).
    fn pull(&mut self, token: Address, from: Address, amount: &U256) -> Result<(), Error> {
        let me = self.vm().contract_address();
        erc20::safe_transfer_from(self.vm(), token, from, me, *amount).map_err(token_failed)
    }

    /// Sends `amount` of `token` to `to` (SafeERC20 semantics).
    fn send(&mut self, token: Address, to: Address, amount: &U256) -> Result<(), Error> {
        erc20::safe_transfer(self.vm(), token, to, *amount).map_err(token_failed)
    }

    /// Calls `target` with the concatenated `parts` (selector, then argument words) and reads
    /// `count` (at most 5) return words; the rest of the array is zero. A revert passes the
    /// callee's revert data through; a shorter answer is `CallFailed(target)`.
    #[inline(never)]
    fn call_words(
        &self,
        target: Address,
        parts: &[&[u8]],
        count: usize,
        static_call: bool,
    ) -> Result<[U256; 5], Error> {
        let data: Vec<u8> = parts.concat();
        let output = erc20::call(self.vm(), target, &data, static_call).map_err(Error)?;
        if output.len() < 32 * count {
            return Err(fail_address(CallFailed::SELECTOR, target));
        }
        let mut words = [U256::ZERO; 5];
        for (word, chunk) in words.iter_mut().zip(output.chunks_exact(32)).take(count) {
            let mut bytes = [0u8; 32];
            bytes.copy_from_slice(chunk);
            *word = U256::from_be_bytes(bytes);
        }
        Ok(words)
    }

    // ----- views as ABI words (the dispatcher returns these; the typed views wrap them) -------

    fn position_words(&self, account: Address) -> [U256; 3] {
        let position = self.position_slot(account);
        let (collateral, debt) = split(&self.rload(&position, LOAN_WORD));
        [self.rload(&position, SHARES_WORD), collateral, debt]
    }

    fn totals_words(&self) -> [U256; 5] {
        [
            self.sload(&SUPPLY_ASSETS),
            self.sload(&SUPPLY_SHARES),
            self.sload(&TOTAL_BORROW),
            self.sload(&IN_LIQUIDATION),
            self.sload(&SOCIALIZED),
        ]
    }
}

// ----- the WASM entry point and ABI dispatcher ------------------------------------------------

#[cfg(any(test, not(feature = "export-abi")))]
mod dispatch;

// ----- share math -----------------------------------------------------------------------------

/// Shares for `assets`: `floor(assets * (S + 1e6) / (A + 1))` (rounded against the supplier).
pub fn to_shares(assets: &U256, total_assets: &U256, total_shares: &U256) -> Result<U256, Error> {
    let shares = grow(total_shares, &VIRTUAL_SHARES)?;
    let denominator = grow(total_assets, &VIRTUAL_ASSETS)?;
    mul_div(*assets, shares, denominator, Rounding::Down).map_err(|_| too_large(assets))
}

/// Assets for `shares`: `floor(shares * (A + 1) / (S + 1e6))` (rounded against the lender).
pub fn to_assets(shares: &U256, total_assets: &U256, total_shares: &U256) -> Result<U256, Error> {
    let numerator = grow(total_assets, &VIRTUAL_ASSETS)?;
    let denominator = grow(total_shares, &VIRTUAL_SHARES)?;
    // shares <= S, so the result is at most A + 1: it cannot overflow.
    Ok(mul_div(*shares, numerator, denominator, Rounding::Down)?)
}

// ----- words ----------------------------------------------------------------------------------

/// Word `k` of the entry starting at `base` (slot arithmetic, as Solidity's: wraps).
fn at(base: &U256, k: u64) -> U256 {
    base.wrapping_add(U256::from(k))
}

/// The low 64 bits of `word`.
fn low_u64(word: U256) -> u64 {
    word.as_limbs()[0]
}

/// `(low 128 bits, high 128 bits)` of a position's loan word: (collateral, debt).
fn split(word: &U256) -> (U256, U256) {
    let [l0, l1, l2, l3] = word.into_limbs();
    (
        U256::from_limbs([l0, l1, 0, 0]),
        U256::from_limbs([l2, l3, 0, 0]),
    )
}

/// A loan word from collateral and debt (each below 2^128, by [`fits`]).
fn join(collateral: &U256, debt: &U256) -> U256 {
    let [c0, c1, _, _] = collateral.into_limbs();
    let [d0, d1, _, _] = debt.into_limbs();
    U256::from_limbs([c0, c1, d0, d1])
}

/// `value` if it fits 128 bits, else `AmountTooLarge(amount)`.
fn fits(value: &U256, amount: &U256) -> Result<U256, Error> {
    if value.bit_len() > 128 {
        return Err(too_large(amount));
    }
    Ok(*value)
}

/// `a + b`, or `AmountTooLarge(b)`.
#[inline(never)]
fn grow(a: &U256, b: &U256) -> Result<U256, Error> {
    a.checked_add(*b).ok_or_else(|| too_large(b))
}

/// `a - b`, or `ArithmeticError` (callers establish `b <= a`).
#[inline(never)]
fn shrink(a: &U256, b: &U256) -> Result<U256, Error> {
    a.checked_sub(*b)
        .ok_or_else(|| fail(ArithmeticError::SELECTOR))
}

/// The address in the low 160 bits of `word`.
#[inline(never)]
fn address_of(word: &U256) -> Address {
    Address::from_word(B256::from(word.to_be_bytes::<32>()))
}

/// `address` in the low 160 bits.
#[inline(never)]
fn address_word(address: Address) -> U256 {
    U256::from_be_bytes(address.into_word().0)
}

/// `params` with the lock set or cleared.
fn with_lock(params: &U256, locked: bool) -> U256 {
    let [l0, l1, l2, _] = params.into_limbs();
    U256::from_limbs([l0, l1, l2, u64::from(locked)])
}

/// `ZeroAmount` for zero.
fn require_positive(amount: &U256) -> Result<(), Error> {
    if amount.is_zero() {
        return Err(fail(ZeroAmount::SELECTOR));
    }
    Ok(())
}

// ----- errors ---------------------------------------------------------------------------------

/// The custom error `selector(uint256...)`.
#[cold]
fn fail_words(selector: [u8; 4], words: &[U256]) -> Error {
    Error::new(selector, words)
}

fn too_large(amount: &U256) -> Error {
    fail_words(AmountTooLarge::SELECTOR, &[*amount])
}

fn invalid_address(account: Address) -> Error {
    fail_address(InvalidAddress::SELECTOR, account)
}

fn token_failed(token: Address) -> Error {
    fail_address(SafeErc20FailedOperation::SELECTOR, token)
}

/// Prints the Solidity interface of the contract (functions and errors from the SDK, events
/// appended by `cargo xtask interfaces`).
#[cfg(feature = "export-abi")]
pub fn print_interface() {
    gavel_common::interface::print::<LendingMarket>(EVENTS);
}

#[cfg(all(target_arch = "wasm32", not(any(test, feature = "export-abi"))))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(test)]
mod tests;

//! Tests of the Dutch auction house, with the real solvency module, mock ERC-20s and mock
//! oracle (cross-contract calls through motsu), test callee contracts for the flash callback,
//! randomized invariants, the ABI dispatcher against the SDK's router, and the curves.

// Feed answers are written with 8 decimals grouped apart (2_000_0000_0000 = 2,000.00000000).
#![allow(clippy::inconsistent_digit_grouping)]

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{aliases::U96, keccak256, Address, FixedBytes, I256, U256};
use alloy_sol_types::{sol, SolCall, SolError, SolEvent};
use gavel_common::clock;
use mock_erc20::MockERC20;
use mock_oracle::MockOracle;
use motsu::prelude::*;
// OpenZeppelin's own declarations, to check that the in-crate admin and token helper keep them.
use openzeppelin_stylus::{access::ownable, token::erc20::utils::safe_erc20};
use solvency_module::SolvencyModule;
use stylus_sdk::{
    abi::Bytes,
    call::RawCall,
    prelude::*,
    storage::{StorageAddress, StorageBytes, StorageU256},
};

use super::*;

mod curves;
mod dispatcher;
mod house;
mod invariants;

// ------------------------------------------------------------------------------------------
// Actors, units, deployment
// ------------------------------------------------------------------------------------------

const ADMIN: Address = Address::repeat_byte(0xad);
const ENGINE: Address = Address::repeat_byte(0xe1);
const KEEPER: Address = Address::repeat_byte(0x4b);
const KPR: Address = Address::repeat_byte(0x4c);
const USR: Address = Address::repeat_byte(0x55);
const BENEFICIARY: Address = Address::repeat_byte(0xbe);
const GUARDIAN: Address = Address::repeat_byte(0x6a);
const FUNDER: Address = Address::repeat_byte(0xf0);
const MALLORY: Address = Address::repeat_byte(0x66);

/// Block time at deployment.
const T0: u64 = 1_800_000_000;

fn u(value: u128) -> U256 {
    U256::from(value)
}

/// `value * 10^18`.
fn e18(value: u128) -> U256 {
    U256::from(value) * U256::from(10u128.pow(18))
}

/// `numerator / denominator` as a RAY.
fn ray(numerator: u128, denominator: u128) -> U256 {
    RAY * U256::from(numerator) / U256::from(denominator)
}

/// `numerator / denominator` as a WAD.
fn wad(numerator: u128, denominator: u128) -> U256 {
    WAD * U256::from(numerator) / U256::from(denominator)
}

fn int(value: i128) -> I256 {
    I256::try_from(value).unwrap()
}

fn key(name: [u8; 32]) -> FixedBytes<32> {
    FixedBytes(name)
}

/// Everything a test can choose about a deployment.
#[derive(Clone, Copy, Debug)]
struct Setup {
    gem_decimals: u8,
    dai_decimals: u8,
    oracle_decimals: u8,
    answer: i128,
    buf: U256,
    tail: u64,
    cusp: U256,
    floor: U256,
    chip: U256,
    tip: U256,
    dust: U256,
    max_age: u64,
    /// (kind, cut RAY, period)
    curve: (u64, U256, u64),
    max_keeper_pay: U256,
    fund: U256,
}

impl Default for Setup {
    /// GEM (18 decimals) priced 2,000 DAI (18 decimals) by an 8-decimal feed; start at 125%
    /// of the feed, linear to zero over 1,000 s, redo after 2,000 s, no cusp, no floor.
    fn default() -> Self {
        Setup {
            gem_decimals: 18,
            dai_decimals: 18,
            oracle_decimals: 8,
            answer: 2_000_0000_0000,
            buf: ray(125, 100),
            tail: 2_000,
            cusp: U256::ZERO,
            floor: U256::ZERO,
            chip: wad(1, 1000),
            tip: e18(10),
            dust: e18(100),
            max_age: 3_600,
            curve: (1, U256::ZERO, 1_000),
            max_keeper_pay: e18(50),
            fund: e18(1_000_000),
        }
    }
}

struct World {
    house: Contract<DutchAuction>,
    solvency: Contract<SolvencyModule>,
    gem: Contract<MockERC20>,
    dai: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
}

/// Deploys the tokens, the oracle, the solvency module and the house at `T0`, wires the roles
/// (ENGINE kicks, the house is a solvency house), funds the insurance fund and gives ENGINE
/// and KEEPER their approvals.
fn deploy(setup: Setup) -> World {
    clock::set(T0);
    let world = World {
        house: Contract::new(),
        solvency: Contract::new(),
        gem: Contract::new(),
        dai: Contract::new(),
        oracle: Contract::new(),
    };
    let World {
        house,
        solvency,
        gem,
        dai,
        oracle,
    } = &world;
    gem.sender(ADMIN)
        .constructor(String::from("Gem"), String::from("GEM"), setup.gem_decimals);
    dai.sender(ADMIN)
        .constructor(String::from("Dai"), String::from("DAI"), setup.dai_decimals);
    oracle
        .sender(ADMIN)
        .constructor(
            ADMIN,
            setup.oracle_decimals,
            String::from("GEM / DAI"),
            int(setup.answer),
        )
        .unwrap();
    solvency
        .sender(ADMIN)
        .constructor(
            ADMIN,
            dai.address(),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            setup.max_keeper_pay,
        )
        .unwrap();
    solvency.sender(ADMIN).set_kicker(ENGINE, true).unwrap();
    solvency
        .sender(ADMIN)
        .set_house(house.address(), true)
        .unwrap();
    house
        .sender(ADMIN)
        .constructor(
            ADMIN,
            gem.address(),
            dai.address(),
            oracle.address(),
            solvency.address(),
        )
        .unwrap();
    configure(&world, setup);
    house.sender(ADMIN).set_kicker(ENGINE, true).unwrap();
    if !setup.fund.is_zero() {
        dai.sender(FUNDER).mint(FUNDER, setup.fund).unwrap();
        dai.sender(FUNDER)
            .approve(solvency.address(), setup.fund)
            .unwrap();
        solvency.sender(FUNDER).deposit(setup.fund).unwrap();
    }
    gem.sender(ENGINE)
        .approve(house.address(), U256::MAX)
        .unwrap();
    dai.sender(KEEPER)
        .approve(house.address(), U256::MAX)
        .unwrap();
    world
}

/// Sets every parameter of `setup` on the house.
fn configure(world: &World, setup: Setup) {
    let house = &world.house;
    for (name, value) in [
        (names::BUF, setup.buf),
        (names::TAIL, U256::from(setup.tail)),
        (names::CUSP, setup.cusp),
        (names::FLOOR, setup.floor),
        (names::CHIP, setup.chip),
        (names::TIP, setup.tip),
        (names::DUST, setup.dust),
        (names::MAX_AGE, U256::from(setup.max_age)),
    ] {
        house.sender(ADMIN).file(key(name), value).unwrap();
    }
    let (kind, cut, period) = setup.curve;
    house
        .sender(ADMIN)
        .set_curve(U256::from(kind), cut, U256::from(period))
        .unwrap();
}

impl World {
    /// Opens a liquidation of `debt` (target `tab`) for BENEFICIARY and kicks it with `lot`
    /// fresh collateral: `(liquidationId, saleId)`.
    fn open_and_kick(&self, debt: U256, tab: U256, lot: U256) -> (U256, U256) {
        let liquidation = self
            .solvency
            .sender(ENGINE)
            .open(BENEFICIARY, debt, tab)
            .unwrap();
        self.gem.sender(ENGINE).mint(ENGINE, lot).unwrap();
        let id = self
            .house
            .sender(ENGINE)
            .kick(liquidation, tab, lot, USR, KPR)
            .unwrap();
        (liquidation, id)
    }

    /// `open_and_kick` with `debt == tab`.
    fn kick(&self, tab: U256, lot: U256) -> (U256, U256) {
        self.open_and_kick(tab, tab, lot)
    }

    /// Mints `amount` DAI to KEEPER (already approved).
    fn fund_keeper(&self, amount: U256) {
        self.dai.sender(KEEPER).mint(KEEPER, amount).unwrap();
    }

    fn gem_of(&self, account: Address) -> U256 {
        self.gem.sender(ADMIN).balance_of(account)
    }

    fn dai_of(&self, account: Address) -> U256 {
        self.dai.sender(ADMIN).balance_of(account)
    }

    /// `(needsRedo, price, lot, tab)`.
    fn status(&self, id: U256) -> (bool, U256, U256, U256) {
        self.house.sender(ADMIN).get_status(id).unwrap()
    }

    fn price(&self, id: U256) -> U256 {
        self.status(id).1
    }

    fn sale(&self, id: U256) -> SaleView {
        self.house.sender(ADMIN).sales(id)
    }

    /// The solvency module's record: (house, status, debt, tab, raised, keeperPaid).
    fn record(&self, liquidation: U256) -> (Address, u8, U256, U256, U256, U256) {
        let view = self.solvency.sender(ADMIN).liquidation(liquidation);
        (view.2, view.3, view.6, view.7, view.8, view.9)
    }

    /// Sets the feed to `answer` (feed decimals) updated now.
    fn set_price(&self, answer: i128) {
        let now = U256::from(clock::now(0));
        self.oracle
            .sender(ADMIN)
            .set_answer(int(answer), now)
            .unwrap();
    }

    /// The house's collateral balance equals the sum of the running lots, and the active list
    /// is consistent with the sales' positions.
    fn check_books(&self) {
        let list = self.house.sender(ADMIN).list();
        assert_eq!(U256::from(list.len()), self.house.sender(ADMIN).count());
        let mut lots = U256::ZERO;
        for (i, id) in list.iter().enumerate() {
            let (pos, _, lot, usr, _, _) = self.sale(*id);
            assert_eq!(pos, U256::from(i), "position of sale {id}");
            assert!(!usr.is_zero());
            lots += lot;
        }
        assert_eq!(
            self.gem_of(self.house.address()),
            lots,
            "house holds the running lots"
        );
    }
}

/// `ceil(a * b / c)`.
fn mul_div_up(a: U256, b: U256, c: U256) -> U256 {
    mul_div(a, b, c, Rounding::Up).unwrap()
}

/// `floor(a * b / c)`.
fn mul_div_down(a: U256, b: U256, c: U256) -> U256 {
    mul_div(a, b, c, Rounding::Down).unwrap()
}

/// No callback data.
fn none() -> Bytes {
    Bytes::from(Vec::new())
}

/// `error` is exactly `expected` (selector and arguments).
fn is<E: SolError>(error: &Error, expected: E) -> bool {
    error.data() == expected.abi_encode().as_slice()
}

/// `error` is an `E`, whatever its arguments.
fn is_a<E: SolError>(error: &Error) -> bool {
    error.data().get(..4) == Some(E::SELECTOR.as_slice())
}

/// The target and reason inside `ExternalCallFailed(target, reason)`.
fn call_failure(error: Error) -> (Address, Vec<u8>) {
    let decoded = ExternalCallFailed::abi_decode(error.data(), true)
        .unwrap_or_else(|_| panic!("expected ExternalCallFailed, got {error:?}"));
    (decoded.target, decoded.reason.to_vec())
}

// ------------------------------------------------------------------------------------------
// ABIs used to call contracts from test contracts
// ------------------------------------------------------------------------------------------

sol! {
    interface IHouse {
        function take(uint256 id, uint256 amt, uint256 max, address who, bytes data) external;
        function redo(uint256 id, address kpr) external;
        function getStatus(uint256 id) external view returns (bool, uint256, uint256, uint256);
        function list() external view returns (uint256[] memory);
        function count() external view returns (uint256);
        function sales(uint256 id) external view returns (uint256, uint256, uint256, address, uint96, uint256);
        function snapshot(uint256 id) external view returns (uint256, address, uint256, uint256, uint256, uint256, uint256, uint256);
        function kicks() external view returns (uint256);
        function stopped() external view returns (uint256);
        function buf() external view returns (uint256);
        function tail() external view returns (uint256);
        function cusp() external view returns (uint256);
        function floor() external view returns (uint256);
        function maxAge() external view returns (uint256);
        function chip() external view returns (uint64);
        function tip() external view returns (uint192);
        function chost() external view returns (uint256);
        function curve() external view returns (uint256, uint256, uint256);
        function collateral() external view returns (address);
        function debtToken() external view returns (address);
        function solvency() external view returns (address);
        function oracle() external view returns (address);
        function guardian() external view returns (address);
        function isKicker(address account) external view returns (bool);
        function kick(uint256 liquidation_id, uint256 tab, uint256 lot, address usr, address kpr) external returns (uint256);
        function yank(uint256 id) external;
        function file(bytes32 what, uint256 data) external;
        function setCurve(uint256 kind, uint256 cut, uint256 period) external;
        function setKicker(address kicker, bool allowed) external;
        function setGuardian(address guardian) external;
        function setStopped(uint256 level) external;
        function owner() external view returns (address);
        function pendingOwner() external view returns (address);
        function transferOwnership(address new_owner) external;
        function acceptOwnership() external;
    }

    interface IToken {
        function mint(address to, uint256 value) external;
        function approve(address spender, uint256 value) external returns (bool);
        function balanceOf(address account) external view returns (uint256);
    }
}

// ------------------------------------------------------------------------------------------
// Flash-liquidation callee
// ------------------------------------------------------------------------------------------

/// What [`FlashKeeper::clipper_call`] does.
const PAY: u8 = 0;
const NO_PAY: u8 = 1;
const REENTER: u8 = 2;
const REVERT: u8 = 3;

/// A keeper contract that takes with itself as `who`: in `clipperCall` it checks the
/// collateral arrived, "sells" it (mints itself the DAI owed) and approves the house, or
/// misbehaves as configured.
#[storage]
struct FlashKeeper {
    house: StorageAddress,
    gem: StorageAddress,
    dai: StorageAddress,
    mode: StorageU256,
    /// Re-entry target: 0 take, 1 kick, 2 redo, 3 yank.
    target: StorageU256,
    seen_sender: StorageAddress,
    seen_owe: StorageU256,
    seen_slice: StorageU256,
    seen_gem: StorageU256,
    seen_data: StorageBytes,
    reentry: StorageBytes,
}

unsafe impl TopLevelStorage for FlashKeeper {}

fn raw_call(target: Address, data: &[u8]) -> Result<Vec<u8>, Vec<u8>> {
    unsafe { RawCall::new().flush_storage_cache().call(target, data) }
}

#[public]
impl FlashKeeper {
    fn configure(&mut self, house: Address, gem: Address, dai: Address, mode: U256, target: U256) {
        self.house.set(house);
        self.gem.set(gem);
        self.dai.set(dai);
        self.mode.set(mode);
        self.target.set(target);
    }

    /// Takes from auction `id` with this contract as `who` and `data` for the callback;
    /// forwards the house's revert data.
    fn start(&mut self, id: U256, amt: U256, max: U256, data: Bytes) -> Result<(), Vec<u8>> {
        let who = self.vm().contract_address();
        let call = IHouse::takeCall {
            id,
            amt,
            max,
            who,
            data: data.to_vec().into(),
        }
        .abi_encode();
        raw_call(self.house.get(), &call).map(|_| ())
    }

    #[selector(name = "clipperCall")]
    fn clipper_call(
        &mut self,
        sender: Address,
        owe: U256,
        slice: U256,
        data: Bytes,
    ) -> Result<(), Vec<u8>> {
        let this = self.vm().contract_address();
        self.seen_sender.set(sender);
        self.seen_owe.set(owe);
        self.seen_slice.set(slice);
        self.seen_data.set_bytes(&*data);
        let balance = raw_call(
            self.gem.get(),
            &IToken::balanceOfCall { account: this }.abi_encode(),
        )?;
        self.seen_gem.set(U256::from_be_slice(&balance));
        let house = self.house.get();
        match self.mode.get().to::<u8>() {
            REVERT => return Err(b"callee refuses".to_vec()),
            NO_PAY => return Ok(()),
            REENTER => {
                let call = match self.target.get().to::<u8>() {
                    0 => IHouse::takeCall {
                        id: U256::from(1),
                        amt: U256::from(1),
                        max: U256::MAX,
                        who: this,
                        data: Default::default(),
                    }
                    .abi_encode(),
                    1 => IHouse::kickCall {
                        liquidation_id: U256::from(1),
                        tab: U256::from(1),
                        lot: U256::from(1),
                        usr: this,
                        kpr: this,
                    }
                    .abi_encode(),
                    2 => IHouse::redoCall {
                        id: U256::from(1),
                        kpr: this,
                    }
                    .abi_encode(),
                    _ => IHouse::yankCall { id: U256::from(1) }.abi_encode(),
                };
                let failure = raw_call(house, &call).err().unwrap_or_default();
                self.reentry.set_bytes(failure);
            }
            _ => {}
        }
        // "Sell" the collateral: mint the DAI owed, and let the house pull it.
        raw_call(
            self.dai.get(),
            &IToken::mintCall {
                to: this,
                value: owe,
            }
            .abi_encode(),
        )?;
        raw_call(
            self.dai.get(),
            &IToken::approveCall {
                spender: house,
                value: owe,
            }
            .abi_encode(),
        )?;
        Ok(())
    }
}

impl FlashKeeper {
    fn reentry_error(&self) -> Vec<u8> {
        self.reentry.get_bytes()
    }
}

/// Deploys a [`FlashKeeper`] for `world` in `mode` (re-entry `target`).
fn flash_keeper(world: &World, mode: u8, target: u8) -> Contract<FlashKeeper> {
    let keeper = Contract::<FlashKeeper>::new();
    keeper.sender(ADMIN).configure(
        world.house.address(),
        world.gem.address(),
        world.dai.address(),
        U256::from(mode),
        U256::from(target),
    );
    keeper
}

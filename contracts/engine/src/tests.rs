//! motsu tests of the engine with the real solvency module, Dutch house, batch house,
//! MockERC20 and MockOracle (cross-contract calls through motsu).
//!
//! Conventions: a failing call goes through `motsu_unwrap_err` (which reverts the VM state as
//! a transaction would) and its revert data is compared byte for byte with the `sol!` error's
//! `abi_encode()`; "nothing moved" compares every balance and the engine's views before and
//! after.

use alloc::{string::String, vec, vec::Vec};

use alloy_primitives::{Address, FixedBytes, I256, U256};
use alloy_sol_types::SolError;
use batch_auction::BatchAuction;
use dutch_auction::DutchAuction;
use gavel_common::clock;
use gavel_math::RAY;
use mock_erc20::MockERC20;
use mock_oracle::MockOracle;
use motsu::prelude::*;
use solvency_module::SolvencyModule;
use stylus_sdk::{abi::Bytes, prelude::*};

use super::*;

mod dispatch;
mod random;

// ------------------------------------------------------------------------------------------
// World
// ------------------------------------------------------------------------------------------

pub(crate) const ADMIN: Address = Address::repeat_byte(0xad);
pub(crate) const PROTOCOL: Address = Address::repeat_byte(0x70);
pub(crate) const OTHER_PROTOCOL: Address = Address::repeat_byte(0x71);
pub(crate) const BORROWER: Address = Address::repeat_byte(0xb0);
pub(crate) const KEEPER: Address = Address::repeat_byte(0x4b);
pub(crate) const TAKER: Address = Address::repeat_byte(0x7a);
pub(crate) const BIDDER: Address = Address::repeat_byte(0xbd);
pub(crate) const MALLORY: Address = Address::repeat_byte(0x66);
pub(crate) const VAULT: Address = Address::repeat_byte(0x5a);

pub(crate) const T0: u64 = 1_800_000_000;
pub(crate) const KICK_WINDOW: u64 = 600;
pub(crate) const COMMIT_WINDOW: u64 = 3_600;
pub(crate) const REVEAL_WINDOW: u64 = 1_800;

pub(crate) fn u(x: u128) -> U256 {
    U256::from(x)
}

/// `x` whole tokens (18 decimals).
pub(crate) fn e18(x: u128) -> U256 {
    u(x) * u(1_000_000_000_000_000_000)
}

/// `x / 100` as a WAD.
pub(crate) fn pct(x: u128) -> U256 {
    u(x) * u(10_000_000_000_000_000)
}

pub(crate) fn none() -> Bytes {
    Bytes::from(Vec::new())
}

/// The feed: 2,000 DAI per GEM with 8 decimals.
pub(crate) fn feed() -> I256 {
    I256::try_from(200_000_000_000i64).unwrap()
}

pub(crate) struct World {
    pub engine: Contract<LiquidationEngine>,
    pub solvency: Contract<SolvencyModule>,
    pub dutch: Contract<DutchAuction>,
    pub batch: Contract<BatchAuction>,
    pub gem: Contract<MockERC20>,
    pub dai: Contract<MockERC20>,
    pub oracle: Contract<MockOracle>,
    /// Bids committed and not yet revealed: (batch, amount, price, salt).
    pub bids: core::cell::RefCell<Vec<(U256, U256, U256, FixedBytes<32>)>>,
}

/// Collateral configuration used by most tests.
#[derive(Clone, Copy)]
pub(crate) struct Config {
    pub penalty: U256,
    pub hole: U256,
    pub dust: U256,
    pub threshold: U256,
    pub illiquid: bool,
    pub global_hole: U256,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            penalty: pct(110),
            hole: e18(1_000_000),
            dust: e18(100),
            threshold: U256::ZERO,
            illiquid: false,
            global_hole: e18(10_000_000),
        }
    }
}

impl World {
    /// Deploys everything at `T0` and wires the roles: the engine kicks in the module and
    /// both houses, the houses are houses of the module, PROTOCOL is registered and has
    /// approved the engine, TAKER and BIDDER have approved the houses.
    pub(crate) fn new(config: Config) -> World {
        clock::set(T0);
        let w = World {
            engine: Contract::new(),
            solvency: Contract::new(),
            dutch: Contract::new(),
            batch: Contract::new(),
            gem: Contract::new(),
            dai: Contract::new(),
            oracle: Contract::new(),
            bids: core::cell::RefCell::new(Vec::new()),
        };
        w.gem
            .sender(ADMIN)
            .constructor(String::from("Gem"), String::from("GEM"), 18);
        w.dai
            .sender(ADMIN)
            .constructor(String::from("Dai"), String::from("DAI"), 18);
        w.oracle
            .sender(ADMIN)
            .constructor(ADMIN, 8, String::from("GEM / DAI"), feed())
            .motsu_unwrap();
        w.solvency
            .sender(ADMIN)
            .constructor(
                ADMIN,
                w.dai.address(),
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
            )
            .motsu_unwrap();
        let (gem, dai, oracle, module) = (
            w.gem.address(),
            w.dai.address(),
            w.oracle.address(),
            w.solvency.address(),
        );
        w.dutch
            .sender(ADMIN)
            .constructor(ADMIN, gem, dai, oracle, module)
            .motsu_unwrap();
        w.batch
            .sender(ADMIN)
            .constructor(ADMIN, gem, dai, oracle, module)
            .motsu_unwrap();
        for (name, value) in [
            (dutch_auction::names::BUF, RAY * u(125) / u(100)),
            (dutch_auction::names::TAIL, u(2_000)),
            (dutch_auction::names::MAX_AGE, u(3_600)),
        ] {
            w.dutch
                .sender(ADMIN)
                .file(FixedBytes(name), value)
                .motsu_unwrap();
        }
        w.dutch
            .sender(ADMIN)
            .set_curve(u(1), U256::ZERO, u(1_000))
            .motsu_unwrap();
        w.batch
            .sender(ADMIN)
            .set_params(
                u(KICK_WINDOW.into()),
                u(COMMIT_WINDOW.into()),
                u(REVEAL_WINDOW.into()),
                u(1_000),
                RAY / u(2),
                e18(10),
                u(1),
                u(86_400),
            )
            .motsu_unwrap();
        w.engine
            .sender(ADMIN)
            .constructor(ADMIN, module)
            .motsu_unwrap();
        let engine = w.engine.address();
        w.solvency
            .sender(ADMIN)
            .set_kicker(engine, true)
            .motsu_unwrap();
        w.solvency
            .sender(ADMIN)
            .set_house(w.dutch.address(), true)
            .motsu_unwrap();
        w.solvency
            .sender(ADMIN)
            .set_house(w.batch.address(), true)
            .motsu_unwrap();
        w.dutch
            .sender(ADMIN)
            .set_kicker(engine, true)
            .motsu_unwrap();
        w.batch
            .sender(ADMIN)
            .set_kicker(engine, true)
            .motsu_unwrap();
        w.configure(config);
        w.engine
            .sender(ADMIN)
            .set_protocol(PROTOCOL, true)
            .motsu_unwrap();
        w.gem
            .sender(PROTOCOL)
            .approve(engine, U256::MAX)
            .motsu_unwrap();
        w.dai
            .sender(TAKER)
            .approve(w.dutch.address(), U256::MAX)
            .motsu_unwrap();
        w.dai
            .sender(BIDDER)
            .approve(w.batch.address(), U256::MAX)
            .motsu_unwrap();
        w
    }

    pub(crate) fn configure(&self, config: Config) {
        self.engine
            .sender(ADMIN)
            .set_collateral(
                self.gem.address(),
                self.dutch.address(),
                self.batch.address(),
                config.penalty,
                config.hole,
                config.dust,
                config.threshold,
                config.illiquid,
            )
            .motsu_unwrap();
        self.engine
            .sender(ADMIN)
            .set_hole(config.global_hole)
            .motsu_unwrap();
    }

    /// Mints `collateral` to PROTOCOL and liquidates (`collateral`, `debt`) of BORROWER.
    pub(crate) fn liquidate(&self, collateral: U256, debt: U256) -> LiquidateResult {
        self.try_liquidate(collateral, debt).motsu_unwrap()
    }

    pub(crate) fn try_liquidate(
        &self,
        collateral: U256,
        debt: U256,
    ) -> Result<LiquidateResult, Error> {
        self.gem
            .sender(PROTOCOL)
            .mint(PROTOCOL, collateral)
            .motsu_unwrap();
        self.engine.sender(PROTOCOL).liquidate(
            self.gem.address(),
            collateral,
            debt,
            BORROWER,
            KEEPER,
        )
    }

    pub(crate) fn gem_of(&self, account: Address) -> U256 {
        self.gem.sender(ADMIN).balance_of(account)
    }

    pub(crate) fn dai_of(&self, account: Address) -> U256 {
        self.dai.sender(ADMIN).balance_of(account)
    }

    /// `(dirt of GEM, Dirt)`.
    pub(crate) fn dirt(&self) -> (U256, U256) {
        (self.collateral().4, self.engine.sender(ADMIN).dirt())
    }

    pub(crate) fn collateral(&self) -> CollateralView {
        self.engine
            .sender(ADMIN)
            .collateral_config(self.gem.address())
    }

    pub(crate) fn record(&self, id: U256) -> LiquidationView {
        self.engine.sender(ADMIN).liquidations(id).motsu_unwrap()
    }

    /// The module's `(status, house, tab, raised)`.
    pub(crate) fn module(&self, id: U256) -> (u8, Address, U256, U256) {
        let r = self.solvency.sender(ADMIN).liquidation(id);
        (r.3, r.2, r.7, r.8)
    }

    /// TAKER buys up to `amount` of Dutch auction `auction` at any price.
    pub(crate) fn take(&self, auction: U256, amount: U256) {
        self.dai
            .sender(TAKER)
            .mint(TAKER, e18(10_000_000))
            .motsu_unwrap();
        self.dutch
            .sender(TAKER)
            .take(auction, amount, U256::MAX, TAKER, none())
            .motsu_unwrap();
    }

    /// Refreshes the feed at the current time.
    pub(crate) fn refresh(&self) {
        let now = U256::from(clock::now(0));
        self.oracle
            .sender(ADMIN)
            .set_answer(feed(), now)
            .motsu_unwrap();
    }

    /// Times of batch `batch`: (commitEnd, revealEnd).
    pub(crate) fn windows(&self, batch: U256) -> (u64, u64) {
        let b = self.batch.sender(ADMIN).batch(batch);
        (b.2.to::<u64>(), b.3.to::<u64>())
    }

    /// BIDDER commits and reveals (`amount`, `price`) in `batch` (during the commit window).
    pub(crate) fn bid(&self, batch: U256, amount: U256, price: U256, salt: u64) {
        let deposit = (amount * price).div_ceil(RAY) + e18(10);
        self.dai.sender(BIDDER).mint(BIDDER, deposit).motsu_unwrap();
        let salt = FixedBytes(U256::from(salt).to_be_bytes::<32>());
        let hash = batch_auction::commitment(batch, BIDDER, amount, price, salt);
        self.batch
            .sender(BIDDER)
            .commit(batch, hash, deposit)
            .motsu_unwrap();
        self.bids.borrow_mut().push((batch, amount, price, salt));
    }

    /// Reveals every bid made so far, then settles `batch` (feed refreshed).
    pub(crate) fn settle(&self, batch: U256) {
        let (commit_end, reveal_end) = self.windows(batch);
        clock::set(commit_end);
        let bids: Vec<_> = self.bids.borrow_mut().drain(..).collect();
        for (b, amount, price, salt) in bids {
            self.batch
                .sender(BIDDER)
                .reveal(b, amount, price, salt)
                .motsu_unwrap();
        }
        clock::set(reveal_end);
        self.refresh();
        self.batch.sender(KEEPER).settle(batch).motsu_unwrap();
    }

    /// Everything observable for "nothing moved" checks.
    pub(crate) fn snapshot(&self, ids: &[U256]) -> Vec<U256> {
        let mut out = Vec::new();
        for account in [
            PROTOCOL,
            BORROWER,
            KEEPER,
            TAKER,
            VAULT,
            self.engine.address(),
            self.dutch.address(),
            self.batch.address(),
            self.solvency.address(),
        ] {
            out.push(self.gem_of(account));
            out.push(self.dai_of(account));
            out.push(
                self.gem
                    .sender(ADMIN)
                    .allowance(self.engine.address(), account),
            );
        }
        let (dirt, total) = self.dirt();
        out.extend([dirt, total, self.engine.sender(ADMIN).hole()]);
        out.push(self.solvency.sender(ADMIN).next_liquidation_id());
        out.push(self.dutch.sender(ADMIN).kicks());
        for id in ids {
            let r = self.record(*id);
            out.extend([U256::from(r.2), r.3, r.4, r.5]);
            let m = self.module(*id);
            out.extend([U256::from(m.0), m.2, m.3]);
        }
        out
    }
}

/// `result` failed with exactly `expected`.
#[track_caller]
pub(crate) fn fails<T: core::fmt::Debug, E: SolError>(result: Result<T, Error>, expected: E) {
    let error = result.motsu_unwrap_err();
    assert_eq!(
        error.data(),
        &expected.abi_encode()[..],
        "expected {}",
        E::SIGNATURE
    );
}

// ------------------------------------------------------------------------------------------
// Selectors and errors
// ------------------------------------------------------------------------------------------

mod abi {
    alloy_sol_types::sol! {
        interface Reentry {
            function sync(uint256 liquidationId) external;
            function liquidate(address collateral, uint256 collateralAmount, uint256 debtAmount, address borrower, address keeper) external;
            function fallbackToDutch(uint256 liquidationId, address keeper) external;
            function acceptOwnership() external;
        }

        interface Calls {
            function allowance(address owner, address spender) external view returns (uint256);
            function open(address beneficiary, uint256 debt, uint256 tab) external returns (uint256);
            function finalize(uint256 liquidationId) external;
            function liquidation(uint256 liquidationId) external view;
            function kick(uint256 liquidationId, uint256 tab, uint256 lot, address usr, address kpr) external returns (uint256);
            function collateral() external view returns (address);
            function solvency() external view returns (address);
            function sales(uint256 id) external view;
            function config() external view;
            function batch(uint256 batchId) external view;
            function kickOf(uint256 batchId, uint256 index) external view;
            function result(uint256 batchId) external view;
        }
    }
}

#[test]
fn call_selectors_match_the_solidity_interfaces() {
    use abi::Calls::*;
    use alloy_sol_types::SolCall;
    assert_eq!(selectors::ALLOWANCE, allowanceCall::SELECTOR);
    assert_eq!(selectors::OPEN, openCall::SELECTOR);
    assert_eq!(selectors::FINALIZE, finalizeCall::SELECTOR);
    assert_eq!(selectors::LIQUIDATION, liquidationCall::SELECTOR);
    assert_eq!(selectors::KICK, kickCall::SELECTOR);
    assert_eq!(selectors::COLLATERAL, collateralCall::SELECTOR);
    assert_eq!(selectors::SOLVENCY, solvencyCall::SELECTOR);
    assert_eq!(selectors::SALES, salesCall::SELECTOR);
    assert_eq!(selectors::CONFIG, configCall::SELECTOR);
    assert_eq!(selectors::BATCH, batchCall::SELECTOR);
    assert_eq!(selectors::KICK_OF, kickOfCall::SELECTOR);
    assert_eq!(selectors::RESULT, resultCall::SELECTOR);
}

#[test]
fn error_encodings_match_their_solidity_declarations() {
    assert_eq!(
        fail(ReentrantCall::SELECTOR).data(),
        &ReentrantCall {}.abi_encode()[..]
    );
    assert_eq!(
        token_failed(VAULT).data(),
        &SafeErc20FailedOperation { token: VAULT }.abi_encode()[..]
    );
    let reason = vec![1u8, 2, 3];
    assert_eq!(
        call_failed(VAULT, reason.clone()).data(),
        &ExternalCallFailed {
            target: VAULT,
            reason: reason.into()
        }
        .abi_encode()[..]
    );
    let long = vec![7u8; 68];
    assert_eq!(
        call_failed(MALLORY, long.clone()).data(),
        &ExternalCallFailed {
            target: MALLORY,
            reason: long.into()
        }
        .abi_encode()[..]
    );
}

// ------------------------------------------------------------------------------------------
// Sizing (pure)
// ------------------------------------------------------------------------------------------

#[test]
fn sizing_takes_everything_that_fits() {
    let wad = 1_000_000_000_000_000_000u128;
    let penalty = 11 * wad / 10;
    // Whole position.
    assert_eq!(
        size(10_000, penalty, 11_000, 100).unwrap(),
        (10_000, 11_000)
    );
    // Rounded up tab: 1 * 1.1 -> 2.
    assert_eq!(size(1, penalty, 2, 1).unwrap(), (1, 2));
    // Part: room 5,500 -> 5,000 debt.
    assert_eq!(size(10_000, penalty, 5_500, 100).unwrap(), (5_000, 5_500));
    // A dusty remainder (50 < 100) is avoided: take debt - dust.
    assert_eq!(size(10_000, penalty, 10_945, 100).unwrap(), (9_900, 10_890));
    // Remainder exactly dust is fine.
    assert_eq!(size(10_000, penalty, 10_890, 100).unwrap(), (9_900, 10_890));
    // Not even dust fits.
    let err = size(10_000, penalty, 100, 100).unwrap_err();
    assert_eq!(
        err.data(),
        &NoRoom {
            room: u(100),
            debtThatFits: u(90),
            dust: u(100)
        }
        .abi_encode()[..]
    );
    // Room for dust but debt - dust < dust: the dust rule leaves nothing to take.
    let err = size(150, penalty, 110, 100).unwrap_err();
    assert_eq!(
        err.data(),
        &NoRoom {
            room: u(110),
            debtThatFits: u(100),
            dust: u(100)
        }
        .abi_encode()[..]
    );
    // No room at all.
    let err = size(150, penalty, 0, 100).unwrap_err();
    assert_eq!(
        err.data(),
        &NoRoom {
            room: U256::ZERO,
            debtThatFits: U256::ZERO,
            dust: u(100)
        }
        .abi_encode()[..]
    );
}

#[test]
fn sizing_never_exceeds_room_nor_leaves_dust() {
    let wad = 1_000_000_000_000_000_000u128;
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let scale = 10u128.pow((next() % 30) as u32);
        let debt = u128::from(next() % 1_000_000 + 1) * scale;
        let penalty = wad + u128::from(next()) % (wad + 1);
        let dust = (u128::from(next() % 1_000 + 1) * scale / 10).max(1);
        let room = u128::from(next() % 2_000_000) * scale;
        match size(debt, penalty, room, dust) {
            Ok((taken, tab)) => {
                assert!(tab <= room, "tab {tab} > room {room}");
                assert!(taken >= dust && taken <= debt);
                let rest = debt - taken;
                assert!(rest == 0 || rest >= dust, "dusty remainder {rest}");
                // tab = ceil(taken * penalty / WAD).
                let exact = U256::from(taken) * U256::from(penalty);
                assert_eq!(U256::from(tab), exact.div_ceil(WAD));
                // Maximal: one more unit would not fit (unless the dust rule cut it).
                if taken < debt && rest > dust {
                    let more = (U256::from(taken + 1) * U256::from(penalty)).div_ceil(WAD);
                    assert!(more > U256::from(room));
                }
            }
            Err(error) => assert_eq!(error.data()[..4], NoRoom::SELECTOR),
        }
    }
}

// ------------------------------------------------------------------------------------------
// Deployment and administration
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn constructor_validates_and_sets_the_admin(
    engine: Contract<LiquidationEngine>,
    other: Contract<LiquidationEngine>,
) {
    fails(
        engine.sender(ADMIN).constructor(Address::ZERO, VAULT),
        OwnableInvalidOwner {
            owner: Address::ZERO,
        },
    );
    fails(
        engine.sender(ADMIN).constructor(ADMIN, Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    other.sender(ADMIN).constructor(ADMIN, VAULT).motsu_unwrap();
    other.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: ADMIN,
    });
    let view = other.sender(MALLORY);
    assert_eq!(view.owner(), ADMIN);
    assert_eq!(view.pending_owner(), Address::ZERO);
    assert_eq!(view.solvency(), VAULT);
    assert_eq!((view.hole(), view.dirt()), (U256::ZERO, U256::ZERO));
    assert!(!view.protocols(PROTOCOL));
    assert_eq!(
        view.liquidations(u(1)).motsu_unwrap(),
        (
            Address::ZERO,
            Address::ZERO,
            0,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO
        )
    );
}

#[motsu::test]
fn ownership_moves_in_two_steps(engine: Contract<LiquidationEngine>) {
    engine
        .sender(ADMIN)
        .constructor(ADMIN, VAULT)
        .motsu_unwrap();
    fails(
        engine.sender(MALLORY).transfer_ownership(MALLORY),
        OwnableUnauthorizedAccount { account: MALLORY },
    );
    engine
        .sender(ADMIN)
        .transfer_ownership(KEEPER)
        .motsu_unwrap();
    engine.assert_emitted(&OwnershipTransferStarted {
        previousOwner: ADMIN,
        newOwner: KEEPER,
    });
    assert_eq!(engine.sender(ADMIN).pending_owner(), KEEPER);
    assert_eq!(engine.sender(ADMIN).owner(), ADMIN);
    fails(
        engine.sender(MALLORY).accept_ownership(),
        OwnableUnauthorizedAccount { account: MALLORY },
    );
    engine.sender(KEEPER).accept_ownership().motsu_unwrap();
    engine.assert_emitted(&OwnershipTransferred {
        previousOwner: ADMIN,
        newOwner: KEEPER,
    });
    assert_eq!(engine.sender(ADMIN).owner(), KEEPER);
    assert_eq!(engine.sender(ADMIN).pending_owner(), Address::ZERO);
    fails(
        engine.sender(ADMIN).set_hole(u(1)),
        OwnableUnauthorizedAccount { account: ADMIN },
    );
    engine.sender(KEEPER).set_hole(u(1)).motsu_unwrap();
}

#[motsu::test]
fn protocols_and_hole_are_admin_set_with_events() {
    let w = World::new(Config::default());
    let engine = &w.engine;
    fails(
        engine.sender(MALLORY).set_protocol(MALLORY, true),
        OwnableUnauthorizedAccount { account: MALLORY },
    );
    fails(
        engine.sender(ADMIN).set_protocol(Address::ZERO, true),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    engine
        .sender(ADMIN)
        .set_protocol(OTHER_PROTOCOL, true)
        .motsu_unwrap();
    engine.assert_emitted(&ProtocolSet {
        protocol: OTHER_PROTOCOL,
        allowed: true,
    });
    assert!(engine.sender(ADMIN).protocols(OTHER_PROTOCOL));
    engine
        .sender(ADMIN)
        .set_protocol(OTHER_PROTOCOL, false)
        .motsu_unwrap();
    engine.assert_emitted(&ProtocolSet {
        protocol: OTHER_PROTOCOL,
        allowed: false,
    });
    assert!(!engine.sender(ADMIN).protocols(OTHER_PROTOCOL));

    fails(
        engine.sender(MALLORY).set_hole(u(5)),
        OwnableUnauthorizedAccount { account: MALLORY },
    );
    let too_large = MAX_AMOUNT + u(1);
    fails(
        engine.sender(ADMIN).set_hole(too_large),
        AmountTooLarge { amount: too_large },
    );
    engine.sender(ADMIN).set_hole(MAX_AMOUNT).motsu_unwrap();
    engine.assert_emitted(&HoleSet { hole: MAX_AMOUNT });
    assert_eq!(engine.sender(ADMIN).hole(), MAX_AMOUNT);
}

#[motsu::test]
fn set_collateral_validates_everything(
    gem2: Contract<MockERC20>,
    solvency2: Contract<SolvencyModule>,
    dutch2: Contract<DutchAuction>,
) {
    let w = World::new(Config::default());
    let engine = &w.engine;
    let gem = w.gem.address();
    let (dutch, batch) = (w.dutch.address(), w.batch.address());
    let set = |sender: Address,
               collateral: Address,
               d: Address,
               b: Address,
               penalty: U256,
               hole: U256,
               dust: U256,
               threshold: U256| {
        engine
            .sender(sender)
            .set_collateral(collateral, d, b, penalty, hole, dust, threshold, false)
    };
    let ok = (pct(110), e18(1_000), e18(1), U256::ZERO);
    fails(
        set(MALLORY, gem, dutch, batch, ok.0, ok.1, ok.2, ok.3),
        OwnableUnauthorizedAccount { account: MALLORY },
    );
    fails(
        set(ADMIN, Address::ZERO, dutch, batch, ok.0, ok.1, ok.2, ok.3),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    for penalty in [U256::ZERO, WAD - u(1), MAX_PENALTY + u(1)] {
        fails(
            set(ADMIN, gem, dutch, batch, penalty, ok.1, ok.2, ok.3),
            InvalidPenalty { penalty },
        );
    }
    fails(
        set(ADMIN, gem, dutch, batch, ok.0, ok.1, U256::ZERO, ok.3),
        InvalidDust { dust: U256::ZERO },
    );
    let big = MAX_AMOUNT + u(1);
    fails(
        set(ADMIN, gem, dutch, batch, ok.0, big, ok.2, ok.3),
        AmountTooLarge { amount: big },
    );
    fails(
        set(ADMIN, gem, dutch, batch, ok.0, ok.1, big, ok.3),
        AmountTooLarge { amount: big },
    );
    fails(
        set(ADMIN, gem, dutch, batch, ok.0, ok.1, ok.2, big),
        AmountTooLarge { amount: big },
    );

    // Houses must sell this collateral and report to this engine's module.
    gem2.sender(ADMIN)
        .constructor(String::from("Gem2"), String::from("GEM2"), 18);
    fails(
        set(
            ADMIN,
            gem2.address(),
            dutch,
            Address::ZERO,
            ok.0,
            ok.1,
            ok.2,
            ok.3,
        ),
        HouseMismatch { house: dutch },
    );
    fails(
        set(
            ADMIN,
            gem2.address(),
            Address::ZERO,
            batch,
            ok.0,
            ok.1,
            ok.2,
            ok.3,
        ),
        HouseMismatch { house: batch },
    );
    solvency2
        .sender(ADMIN)
        .constructor(
            ADMIN,
            w.dai.address(),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap();
    dutch2
        .sender(ADMIN)
        .constructor(
            ADMIN,
            gem,
            w.dai.address(),
            w.oracle.address(),
            solvency2.address(),
        )
        .motsu_unwrap();
    fails(
        set(ADMIN, gem, dutch2.address(), batch, ok.0, ok.1, ok.2, ok.3),
        HouseMismatch {
            house: dutch2.address(),
        },
    );
    // A house that is not a house at all.
    let error = set(ADMIN, gem, w.dai.address(), batch, ok.0, ok.1, ok.2, ok.3).motsu_unwrap_err();
    assert_eq!(error.data()[..4], ExternalCallFailed::SELECTOR);

    // Bounds are inclusive; the event carries every field; houses may be unset.
    set(
        ADMIN,
        gem,
        Address::ZERO,
        Address::ZERO,
        MAX_PENALTY,
        MAX_AMOUNT,
        MAX_AMOUNT,
        MAX_AMOUNT,
    )
    .motsu_unwrap();
    engine
        .sender(ADMIN)
        .set_collateral(gem, dutch, batch, WAD, e18(7), e18(2), e18(3), true)
        .motsu_unwrap();
    engine.assert_emitted(&CollateralSet {
        collateral: gem,
        dutchHouse: dutch,
        batchHouse: batch,
        penalty: WAD,
        hole: e18(7),
        dust: e18(2),
        batchThreshold: e18(3),
        illiquid: true,
    });
    assert_eq!(
        w.collateral(),
        (dutch, batch, WAD, e18(7), U256::ZERO, e18(2), e18(3), true)
    );
}

#[motsu::test]
fn houses_do_not_change_under_running_auctions() {
    let w = World::new(Config::default());
    let (gem, dutch, batch) = (w.gem.address(), w.dutch.address(), w.batch.address());
    let (_, _, auction, _, _) = w.liquidate(e18(10), e18(10_000));
    let dirt = e18(11_000);
    for (d, b) in [
        (Address::ZERO, batch),
        (dutch, Address::ZERO),
        (batch, dutch),
    ] {
        fails(
            w.engine.sender(ADMIN).set_collateral(
                gem,
                d,
                b,
                pct(110),
                e18(1_000_000),
                e18(100),
                U256::ZERO,
                false,
            ),
            HouseInUse {
                collateral: gem,
                dirt,
            },
        );
    }
    // Everything else may change, and the dirt is kept.
    w.engine
        .sender(ADMIN)
        .set_collateral(gem, dutch, batch, pct(120), e18(5), e18(1), e18(9), true)
        .motsu_unwrap();
    assert_eq!(
        w.collateral(),
        (dutch, batch, pct(120), e18(5), dirt, e18(1), e18(9), true)
    );
    // Once the auction is over and synced, the houses may change.
    w.take(auction, e18(10));
    w.engine.sender(KEEPER).sync(u(1)).motsu_unwrap();
    w.engine
        .sender(ADMIN)
        .set_collateral(
            gem,
            Address::ZERO,
            batch,
            pct(120),
            e18(5),
            e18(1),
            e18(9),
            true,
        )
        .motsu_unwrap();
}

// ------------------------------------------------------------------------------------------
// Dutch liquidations
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn dutch_liquidation_end_to_end() {
    let w = World::new(Config::default());
    let (gem, dutch, engine) = (w.gem.address(), w.dutch.address(), w.engine.address());
    let result = w.liquidate(e18(10), e18(10_000));
    assert_eq!(result, (u(1), dutch, u(1), e18(10), e18(10_000)));
    let tab = e18(11_000);
    w.engine.assert_emitted(&Liquidated {
        liquidationId: u(1),
        collateral: gem,
        protocol: PROTOCOL,
        borrower: BORROWER,
        collateralTaken: e18(10),
        debtTaken: e18(10_000),
        tab,
    });
    w.engine.assert_emitted(&Routed {
        liquidationId: u(1),
        house: dutch,
        reason: 1,
        auctionId: u(1),
    });
    // Collateral went straight through; no allowance left behind.
    assert_eq!(
        (w.gem_of(PROTOCOL), w.gem_of(engine), w.gem_of(dutch)),
        (U256::ZERO, U256::ZERO, e18(10))
    );
    assert_eq!(w.gem.sender(ADMIN).allowance(engine, dutch), U256::ZERO);
    assert_eq!(w.dirt(), (tab, tab));
    assert_eq!(w.record(u(1)), (gem, dutch, 1, u(1), tab, e18(10)));
    // The module: protocol is the beneficiary, engine the kicker, Dutch house holds it.
    let m = w.solvency.sender(ADMIN).liquidation(u(1));
    assert_eq!(
        (m.0, m.1, m.2, m.3, m.6, m.7),
        (PROTOCOL, engine, dutch, 1, e18(10_000), tab)
    );
    // The Dutch sale carries the borrower as usr.
    let sale = w.dutch.sender(ADMIN).sales(u(1));
    assert_eq!((sale.1, sale.2, sale.3), (tab, e18(10), BORROWER));

    // A keeper takes it all at the start price (2,500): 4.4 GEM cover the tab.
    w.take(u(1), e18(10));
    assert_eq!(w.gem_of(TAKER), e18(44) / u(10));
    assert_eq!(w.gem_of(BORROWER), e18(56) / u(10));
    assert_eq!(w.dai_of(PROTOCOL), e18(10_000));
    assert_eq!(w.module(u(1)).0, 2);
    // Dirt is still counted until someone syncs.
    assert_eq!(w.dirt(), (tab, tab));
    w.engine.sender(MALLORY).sync(u(1)).motsu_unwrap();
    w.engine.assert_emitted(&Synced {
        liquidationId: u(1),
        released: tab,
        counted: U256::ZERO,
    });
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
    assert_eq!(w.record(u(1)).2, 3);
    fails(
        w.engine.sender(MALLORY).sync(u(1)),
        LiquidationClosed {
            liquidationId: u(1),
        },
    );
    fails(
        w.engine.sender(MALLORY).sync(u(9)),
        UnknownLiquidation {
            liquidationId: u(9),
        },
    );
}

#[motsu::test]
fn sync_releases_what_partial_takes_raised_and_checkpoints_the_lot() {
    let w = World::new(Config::default());
    w.liquidate(e18(10), e18(10_000));
    let tab = e18(11_000);
    // Nothing raised yet: sync releases nothing.
    w.engine.sender(KEEPER).sync(u(1)).motsu_unwrap();
    w.engine.assert_emitted(&Synced {
        liquidationId: u(1),
        released: U256::ZERO,
        counted: tab,
    });
    // Half-way down the curve (1,250 per GEM), buy 2 GEM: 2,500 raised.
    clock::set(T0 + 500);
    w.take(u(1), e18(2));
    let (_, _, _, raised) = w.module(u(1));
    assert_eq!(raised, e18(2_500));
    w.engine.sender(KEEPER).sync(u(1)).motsu_unwrap();
    w.engine.assert_emitted(&Synced {
        liquidationId: u(1),
        released: raised,
        counted: tab - raised,
    });
    assert_eq!(w.dirt(), (tab - raised, tab - raised));
    // The checkpoint: counted = tab - raised, lot = the sale's lot now.
    let r = w.record(u(1));
    assert_eq!((r.4, r.5), (tab - raised, e18(8)));
    // sync never raises the count; a second sync changes nothing.
    w.engine.sender(KEEPER).sync(u(1)).motsu_unwrap();
    assert_eq!(w.dirt(), (tab - raised, tab - raised));
}

#[motsu::test]
fn routing_follows_size_and_the_illiquid_flag() {
    let mut config = Config {
        threshold: e18(5_000),
        ..Config::default()
    };
    let w = World::new(config);
    let (dutch, batch) = (w.dutch.address(), w.batch.address());
    // Below the threshold: Dutch.
    let r = w.liquidate(e18(1), e18(4_999));
    assert_eq!((r.1, r.2), (dutch, u(1)));
    w.engine.assert_emitted(&Routed {
        liquidationId: u(1),
        house: dutch,
        reason: 1,
        auctionId: u(1),
    });
    // At the threshold: batch.
    let r = w.liquidate(e18(1), e18(5_000));
    assert_eq!((r.1, r.2), (batch, u(1)));
    w.engine.assert_emitted(&Routed {
        liquidationId: u(2),
        house: batch,
        reason: 2,
        auctionId: u(1),
    });
    assert_eq!(w.record(u(2)).2, 2);
    // Illiquid: batch whatever the size (and the flag wins over the size reason).
    config.illiquid = true;
    w.configure(config);
    let r = w.liquidate(e18(1), e18(100));
    assert_eq!(r.1, batch);
    w.engine.assert_emitted(&Routed {
        liquidationId: u(3),
        house: batch,
        reason: 3,
        auctionId: u(1),
    });
    // threshold 0: never by size.
    config.illiquid = false;
    config.threshold = U256::ZERO;
    w.configure(config);
    let r = w.liquidate(e18(100), e18(900_000));
    assert_eq!(r.1, dutch);
}

// ------------------------------------------------------------------------------------------
// Batch liquidations and the fallback
// ------------------------------------------------------------------------------------------

fn illiquid() -> Config {
    Config {
        illiquid: true,
        ..Config::default()
    }
}

#[motsu::test]
fn batch_liquidation_that_sells() {
    let w = World::new(illiquid());
    let (_, house, batch, _, _) = w.liquidate(e18(10), e18(10_000));
    assert_eq!(house, w.batch.address());
    let tab = e18(11_000);
    // One bid for all 10 GEM at 1,500: the kick needs ceil(11,000 / 1,500) GEM.
    w.bid(batch, e18(10), RAY * u(1_500), 1);
    w.settle(batch);
    let (status, holder, _, raised) = w.module(u(1));
    assert_eq!((status, holder), (2, Address::ZERO));
    assert!(raised >= tab);
    assert_eq!(w.dai_of(PROTOCOL), e18(10_000));
    // Leftover collateral went to the borrower, nothing to the engine.
    let sold = w.batch.sender(ADMIN).result(batch).1;
    assert_eq!(w.gem_of(BORROWER), e18(10) - sold);
    assert_eq!(w.gem_of(w.engine.address()), U256::ZERO);
    w.engine.sender(KEEPER).sync(u(1)).motsu_unwrap();
    w.engine.assert_emitted(&Synced {
        liquidationId: u(1),
        released: tab,
        counted: U256::ZERO,
    });
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
    // Nothing to fall back.
    fails(
        w.engine.sender(KEEPER).fallback_to_dutch(u(1), KEEPER),
        LiquidationClosed {
            liquidationId: u(1),
        },
    );
}

#[motsu::test]
fn batch_without_bids_falls_back_to_dutch() {
    let w = World::new(illiquid());
    let engine = w.engine.address();
    let (id, _, batch, _, _) = w.liquidate(e18(10), e18(10_000));
    let tab = e18(11_000);
    // Not returned while the batch runs.
    fails(
        w.engine.sender(KEEPER).fallback_to_dutch(id, KEEPER),
        NotReturned { liquidationId: id },
    );
    w.settle(batch);
    // The batch returned everything to the engine; the record is open and unheld.
    assert_eq!(w.gem_of(engine), e18(10));
    assert_eq!(w.module(id), (1, Address::ZERO, tab, U256::ZERO));
    w.engine.sender(KEEPER).sync(id).motsu_unwrap();
    assert_eq!(w.dirt(), (tab, tab));
    let auction = w
        .engine
        .sender(KEEPER)
        .fallback_to_dutch(id, KEEPER)
        .motsu_unwrap();
    assert_eq!(auction, u(1));
    w.engine.assert_emitted(&FellBack {
        liquidationId: id,
        batchId: batch,
        auctionId: auction,
        tab,
        lot: e18(10),
    });
    w.engine.assert_emitted(&Routed {
        liquidationId: id,
        house: w.dutch.address(),
        reason: 4,
        auctionId: auction,
    });
    assert_eq!(w.gem_of(engine), U256::ZERO);
    assert_eq!(
        w.gem.sender(ADMIN).allowance(engine, w.dutch.address()),
        U256::ZERO
    );
    assert_eq!(
        w.record(id),
        (w.gem.address(), w.dutch.address(), 1, auction, tab, e18(10))
    );
    let sale = w.dutch.sender(ADMIN).sales(auction);
    assert_eq!((sale.1, sale.2, sale.3), (tab, e18(10), BORROWER));
    // Only once.
    fails(
        w.engine.sender(KEEPER).fallback_to_dutch(id, KEEPER),
        NotReturned { liquidationId: id },
    );
    // A keeper finishes it in the Dutch house.
    w.take(auction, e18(10));
    assert_eq!(w.module(id).0, 2);
    assert_eq!(w.dai_of(PROTOCOL), e18(10_000));
    w.engine.sender(KEEPER).sync(id).motsu_unwrap();
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
    assert_eq!(w.gem_of(TAKER) + w.gem_of(BORROWER), e18(10));
}

#[motsu::test]
fn fallback_splits_a_partly_sold_batch_exactly() {
    let w = World::new(illiquid());
    let engine = w.engine.address();
    // Three liquidations in one batch (3, 5 and 7 GEM).
    let (a, _, batch, _, _) = w.liquidate(e18(3), e18(3_000));
    let (b, _, batch_b, _, _) = w.liquidate(e18(5), e18(7_000));
    let (c, _, batch_c, _, _) = w.liquidate(u(7_000_000_000_000_000_001), e18(2_000));
    assert_eq!((batch_b, batch_c), (batch, batch));
    // Demand far below supply: 4 GEM at 1,700 (then 1 GEM at 1,900).
    w.bid(batch, e18(4), RAY * u(1_700), 1);
    w.bid(batch, e18(1), RAY * u(1_900), 2);
    w.settle(batch);
    let returned = w.gem_of(engine);
    assert!(returned > U256::ZERO);
    let mut lots = U256::ZERO;
    for id in [a, b, c] {
        let (status, holder, tab, raised) = w.module(id);
        if status == 2 {
            continue;
        }
        assert_eq!(holder, Address::ZERO);
        let before = w.gem_of(engine);
        let auction = w
            .engine
            .sender(KEEPER)
            .fallback_to_dutch(id, KEEPER)
            .motsu_unwrap();
        let sale = w.dutch.sender(ADMIN).sales(auction);
        // The Dutch lot is exactly what left the engine, the tab what is left to raise.
        assert_eq!(before - w.gem_of(engine), sale.2);
        assert_eq!(sale.1, tab - raised);
        lots += sale.2;
    }
    // Every returned unit went to the liquidation it came back for; none is left.
    assert_eq!(lots, returned);
    assert_eq!(w.gem_of(engine), U256::ZERO);
}

#[motsu::test]
fn fallback_needs_a_dutch_house() {
    let w = World::new(illiquid());
    let (gem, batch_house) = (w.gem.address(), w.batch.address());
    w.engine
        .sender(ADMIN)
        .set_collateral(
            gem,
            Address::ZERO,
            batch_house,
            pct(110),
            e18(1_000_000),
            e18(100),
            U256::ZERO,
            true,
        )
        .motsu_unwrap();
    let (id, _, batch, _, _) = w.liquidate(e18(10), e18(10_000));
    w.settle(batch);
    w.refresh();
    fails(
        w.engine.sender(KEEPER).fallback_to_dutch(id, KEEPER),
        HouseNotSet {
            collateral: gem,
            kind: 1,
        },
    );
    // Setting a house that was unset is allowed with auctions running.
    w.engine
        .sender(ADMIN)
        .set_collateral(
            gem,
            w.dutch.address(),
            batch_house,
            pct(110),
            e18(1_000_000),
            e18(100),
            U256::ZERO,
            true,
        )
        .motsu_unwrap();
    w.engine
        .sender(KEEPER)
        .fallback_to_dutch(id, KEEPER)
        .motsu_unwrap();
    assert_eq!(w.gem_of(w.dutch.address()), e18(10));
}

#[motsu::test]
fn a_yanked_batch_is_finalized_by_the_admin() {
    let w = World::new(illiquid());
    let engine = w.engine.address();
    let (id, _, batch, _, _) = w.liquidate(e18(10), e18(10_000));
    w.batch.sender(ADMIN).yank(batch).motsu_unwrap();
    assert_eq!(w.gem_of(engine), e18(10));
    // Not a fallback case: the admin decides.
    fails(
        w.engine.sender(KEEPER).fallback_to_dutch(id, KEEPER),
        NotReturned { liquidationId: id },
    );
    fails(
        w.engine.sender(KEEPER).finalize(id, VAULT),
        OwnableUnauthorizedAccount { account: KEEPER },
    );
    w.engine.sender(ADMIN).finalize(id, VAULT).motsu_unwrap();
    w.engine.assert_emitted(&Finalized {
        liquidationId: id,
        collateralTo: VAULT,
        collateral: e18(10),
        released: e18(11_000),
    });
    assert_eq!((w.gem_of(VAULT), w.gem_of(engine)), (e18(10), U256::ZERO));
    assert_eq!(w.module(id).0, 2);
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
}

// ------------------------------------------------------------------------------------------
// Yank and finalize (Dutch)
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn a_yanked_dutch_auction_is_finalized() {
    let w = World::new(Config::default());
    let engine = w.engine.address();
    let (id, _, auction, _, _) = w.liquidate(e18(10), e18(10_000));
    fails(
        w.engine.sender(ADMIN).finalize(id, VAULT),
        NotReturned { liquidationId: id },
    );
    w.dutch.sender(ADMIN).yank(auction).motsu_unwrap();
    assert_eq!(w.gem_of(engine), e18(10));
    // sync keeps the checkpoint of a yanked auction.
    w.engine.sender(KEEPER).sync(id).motsu_unwrap();
    assert_eq!(w.dirt().0, e18(11_000));
    fails(
        w.engine.sender(KEEPER).fallback_to_dutch(id, KEEPER),
        NotReturned { liquidationId: id },
    );
    fails(
        w.engine.sender(ADMIN).finalize(id, engine),
        InvalidAddress { account: engine },
    );
    w.engine.sender(ADMIN).finalize(id, VAULT).motsu_unwrap();
    w.engine.assert_emitted(&Finalized {
        liquidationId: id,
        collateralTo: VAULT,
        collateral: e18(10),
        released: e18(11_000),
    });
    assert_eq!(w.gem_of(VAULT), e18(10));
    assert_eq!(w.module(id).0, 2);
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
    assert_eq!(w.record(id).2, 3);
    fails(
        w.engine.sender(ADMIN).finalize(id, VAULT),
        LiquidationClosed { liquidationId: id },
    );
    fails(
        w.engine.sender(ADMIN).finalize(u(5), VAULT),
        UnknownLiquidation {
            liquidationId: u(5),
        },
    );
}

#[motsu::test]
fn a_yank_after_a_synced_take_uses_the_checkpoint() {
    let w = World::new(Config::default());
    let engine = w.engine.address();
    let (id, _, auction, _, _) = w.liquidate(e18(10), e18(10_000));
    // Another liquidation of the same collateral runs meanwhile (the balance rule cannot apply).
    let (_, _, other, _, _) = w.liquidate(e18(4), e18(4_000));
    clock::set(T0 + 500);
    w.take(auction, e18(3));
    w.engine.sender(ADMIN).sync(id).motsu_unwrap();
    w.dutch.sender(ADMIN).yank(auction).motsu_unwrap();
    assert_eq!(w.gem_of(engine), e18(7));
    w.engine.sender(ADMIN).finalize(id, VAULT).motsu_unwrap();
    assert_eq!(w.gem_of(VAULT), e18(7));
    assert_eq!(w.gem_of(engine), U256::ZERO);
    // The other auction is untouched.
    assert_eq!(w.dutch.sender(ADMIN).sales(other).2, e18(4));
    assert_eq!(w.dirt().0, e18(4_400));
}

#[motsu::test]
fn a_yank_after_an_unsynced_take_waits_for_the_other_liquidations() {
    let w = World::new(Config::default());
    let engine = w.engine.address();
    let (id, _, auction, _, _) = w.liquidate(e18(10), e18(10_000));
    let (other_id, _, other, _, _) = w.liquidate(e18(4), e18(4_000));
    clock::set(T0 + 500);
    w.take(auction, e18(3));
    w.dutch.sender(ADMIN).yank(auction).motsu_unwrap();
    assert_eq!(w.gem_of(engine), e18(7));
    // The returned lot cannot be told apart from what another liquidation might return.
    fails(
        w.engine.sender(ADMIN).finalize(id, VAULT),
        ReturnUnknown { liquidationId: id },
    );
    // Once the other liquidation is over and synced, the engine's balance is this one's.
    w.take(other, e18(4));
    w.engine.sender(KEEPER).sync(other_id).motsu_unwrap();
    w.engine.sender(ADMIN).finalize(id, VAULT).motsu_unwrap();
    assert_eq!(w.gem_of(VAULT), e18(7));
    assert_eq!(w.gem_of(engine), U256::ZERO);
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
}

// ------------------------------------------------------------------------------------------
// Partial liquidations under hole / Hole
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn partial_liquidation_under_hole() {
    let w = World::new(Config {
        hole: e18(5_500),
        ..Config::default()
    });
    let r = w.liquidate(e18(10), e18(10_000));
    assert_eq!((r.3, r.4), (e18(5), e18(5_000)));
    assert_eq!(w.dirt(), (e18(5_500), e18(5_500)));
    // The rest of the collateral stays with the protocol.
    assert_eq!(w.gem_of(PROTOCOL), e18(5));
    w.engine.assert_emitted(&Liquidated {
        liquidationId: u(1),
        collateral: w.gem.address(),
        protocol: PROTOCOL,
        borrower: BORROWER,
        collateralTaken: e18(5),
        debtTaken: e18(5_000),
        tab: e18(5_500),
    });
    // Full: nothing fits.
    let snapshot = w.snapshot(&[u(1)]);
    fails(
        w.engine
            .sender(PROTOCOL)
            .liquidate(w.gem.address(), e18(5), e18(5_000), BORROWER, KEEPER),
        NoRoom {
            room: U256::ZERO,
            debtThatFits: U256::ZERO,
            dust: e18(100),
        },
    );
    assert_eq!(w.snapshot(&[u(1)]), snapshot);
    // A take and a sync reopen room.
    clock::set(T0 + 500);
    w.take(r.2, e18(2));
    w.engine.sender(KEEPER).sync(u(1)).motsu_unwrap();
    let room = e18(2_500);
    assert_eq!(w.dirt().0, e18(3_000));
    let r2 = w
        .engine
        .sender(PROTOCOL)
        .liquidate(w.gem.address(), e18(5), e18(5_000), BORROWER, KEEPER)
        .motsu_unwrap();
    // floor(2,500 / 1.1) debt fits; collateral in proportion, rounded up.
    let fits = room * WAD / pct(110);
    assert_eq!(r2.4, fits);
    assert_eq!(r2.3, (e18(5) * fits).div_ceil(e18(5_000)));
    assert!(w.dirt().0 <= e18(5_500));
}

#[motsu::test]
fn partial_liquidation_under_the_global_hole() {
    let w = World::new(Config {
        global_hole: e18(5_500),
        ..Config::default()
    });
    let r = w.liquidate(e18(10), e18(10_000));
    assert_eq!((r.3, r.4), (e18(5), e18(5_000)));
    assert_eq!(w.engine.sender(ADMIN).dirt(), e18(5_500));
    // Lowering Hole below Dirt leaves no room (no underflow).
    w.engine.sender(ADMIN).set_hole(e18(1_000)).motsu_unwrap();
    fails(
        w.engine
            .sender(PROTOCOL)
            .liquidate(w.gem.address(), e18(5), e18(5_000), BORROWER, KEEPER),
        NoRoom {
            room: U256::ZERO,
            debtThatFits: U256::ZERO,
            dust: e18(100),
        },
    );
}

#[motsu::test]
fn the_dust_rule_both_ways() {
    // Room for 9,950 debt would leave 50 < dust: take 9,900 and leave exactly dust.
    let w = World::new(Config {
        hole: e18(10_945),
        ..Config::default()
    });
    let r = w.liquidate(e18(10), e18(10_000));
    assert_eq!((r.3, r.4), (e18(99) / u(10), e18(9_900)));
    assert_eq!(w.dirt().0, e18(10_890));
    // Room for 100 debt (dust) but 150 - 100 < dust: NoRoom, nothing moves.
    w.configure(Config {
        hole: e18(10_890 + 110),
        ..Config::default()
    });
    w.gem.sender(PROTOCOL).mint(PROTOCOL, e18(1)).motsu_unwrap();
    let snapshot = w.snapshot(&[u(1)]);
    fails(
        w.engine
            .sender(PROTOCOL)
            .liquidate(w.gem.address(), e18(1), e18(150), BORROWER, KEEPER),
        NoRoom {
            room: e18(110),
            debtThatFits: e18(100),
            dust: e18(100),
        },
    );
    assert_eq!(w.snapshot(&[u(1)]), snapshot);
    // Exactly dust with room for it: fine, whole position.
    let r = w
        .engine
        .sender(PROTOCOL)
        .liquidate(w.gem.address(), e18(1), e18(100), BORROWER, KEEPER)
        .motsu_unwrap();
    assert_eq!((r.3, r.4), (e18(1), e18(100)));
    assert_eq!(w.dirt().0, e18(11_000));
}

#[motsu::test]
fn collateral_is_taken_in_proportion_rounded_up() {
    let w = World::new(Config {
        hole: e18(5_500),
        dust: u(1),
        ..Config::default()
    });
    // 7 base units against 10,000 DAI, half liquidated: ceil(3.5) = 4.
    let r = w.liquidate(u(7), e18(10_000));
    assert_eq!((r.3, r.4), (u(4), e18(5_000)));
    assert_eq!(w.gem_of(PROTOCOL), u(3));
}

// ------------------------------------------------------------------------------------------
// Bad input: a custom error and nothing moved
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn bad_input_moves_nothing() {
    let w = World::new(Config {
        threshold: e18(50_000),
        ..Config::default()
    });
    let (gem, dai) = (w.gem.address(), w.dai.address());
    // No batch house: routing by size (>= 50,000) has nowhere to go.
    w.engine
        .sender(ADMIN)
        .set_collateral(
            gem,
            w.dutch.address(),
            Address::ZERO,
            pct(110),
            e18(1_000_000),
            e18(100),
            e18(50_000),
            false,
        )
        .motsu_unwrap();
    w.liquidate(e18(10), e18(10_000));
    w.gem
        .sender(PROTOCOL)
        .mint(PROTOCOL, e18(100))
        .motsu_unwrap();
    w.gem.sender(MALLORY).mint(MALLORY, e18(100)).motsu_unwrap();
    w.gem
        .sender(MALLORY)
        .approve(w.engine.address(), U256::MAX)
        .motsu_unwrap();
    let snapshot = w.snapshot(&[u(1)]);
    let check = |expected: &Vec<U256>| assert_eq!(&w.snapshot(&[u(1)]), expected);
    let liquidate = |sender: Address, c: Address, amount: U256, debt: U256, borrower: Address| {
        w.engine
            .sender(sender)
            .liquidate(c, amount, debt, borrower, KEEPER)
    };
    fails(
        liquidate(MALLORY, gem, e18(1), e18(1_000), BORROWER),
        NotProtocol { account: MALLORY },
    );
    fails(
        liquidate(PROTOCOL, dai, e18(1), e18(1_000), BORROWER),
        UnknownCollateral { collateral: dai },
    );
    fails(
        liquidate(PROTOCOL, gem, U256::ZERO, e18(1_000), BORROWER),
        ZeroAmount {},
    );
    fails(
        liquidate(PROTOCOL, gem, e18(1), U256::ZERO, BORROWER),
        ZeroAmount {},
    );
    let big = MAX_AMOUNT + u(1);
    fails(
        liquidate(PROTOCOL, gem, big, e18(1_000), BORROWER),
        AmountTooLarge { amount: big },
    );
    fails(
        liquidate(PROTOCOL, gem, e18(1), big, BORROWER),
        AmountTooLarge { amount: big },
    );
    fails(
        liquidate(PROTOCOL, gem, e18(1), e18(1_000), Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    let engine = w.engine.address();
    fails(
        liquidate(PROTOCOL, gem, e18(1), e18(1_000), engine),
        InvalidAddress { account: engine },
    );
    fails(
        liquidate(PROTOCOL, gem, e18(1), e18(100) - u(1), BORROWER),
        DebtBelowDust {
            debt: e18(100) - u(1),
            dust: e18(100),
        },
    );
    check(&snapshot);
    // A registered protocol that approved too little.
    w.engine
        .sender(ADMIN)
        .set_protocol(OTHER_PROTOCOL, true)
        .motsu_unwrap();
    w.gem
        .sender(OTHER_PROTOCOL)
        .mint(OTHER_PROTOCOL, e18(10))
        .motsu_unwrap();
    w.gem
        .sender(OTHER_PROTOCOL)
        .approve(w.engine.address(), e18(3))
        .motsu_unwrap();
    let snapshot_other = w.snapshot(&[u(1)]);
    fails(
        liquidate(OTHER_PROTOCOL, gem, e18(4), e18(1_000), BORROWER),
        InsufficientAllowance {
            allowance: e18(3),
            needed: e18(4),
        },
    );
    assert_eq!(w.snapshot(&[u(1)]), snapshot_other);
    // Enough allowance but not the balance: the token's failure, nothing moved.
    w.gem
        .sender(OTHER_PROTOCOL)
        .approve(w.engine.address(), U256::MAX)
        .motsu_unwrap();
    let error = liquidate(OTHER_PROTOCOL, gem, e18(11), e18(1_000), BORROWER).motsu_unwrap_err();
    assert_eq!(
        error.data(),
        &SafeErc20FailedOperation { token: gem }.abi_encode()[..]
    );
    w.engine
        .sender(ADMIN)
        .set_protocol(OTHER_PROTOCOL, false)
        .motsu_unwrap();
    w.gem
        .sender(OTHER_PROTOCOL)
        .approve(w.engine.address(), e18(3))
        .motsu_unwrap();
    assert_eq!(w.snapshot(&[u(1)]), snapshot_other);
    w.engine
        .sender(ADMIN)
        .set_protocol(OTHER_PROTOCOL, false)
        .motsu_unwrap();
    // Routing to an unset house (set up before the first liquidation; see below).
    let snapshot = w.snapshot(&[u(1)]);
    fails(
        liquidate(PROTOCOL, gem, e18(60), e18(60_000), BORROWER),
        HouseNotSet {
            collateral: gem,
            kind: 2,
        },
    );
    assert_eq!(w.snapshot(&[u(1)]), snapshot);
    // The house's own refusal comes back wrapped, nothing moved (Dutch stopped at level 1).
    w.dutch.sender(ADMIN).set_stopped(u(1)).motsu_unwrap();
    let error = liquidate(PROTOCOL, gem, e18(1), e18(1_000), BORROWER).motsu_unwrap_err();
    let decoded = ExternalCallFailed::abi_decode(error.data(), true).unwrap();
    assert_eq!(decoded.target, w.dutch.address());
    assert_eq!(
        decoded.reason[..4],
        dutch_auction::AuctionsStopped::SELECTOR
    );
    assert_eq!(w.snapshot(&[u(1)]), snapshot);
}

#[motsu::test]
fn a_protocol_that_is_removed_cannot_liquidate() {
    let w = World::new(Config::default());
    w.engine
        .sender(ADMIN)
        .set_protocol(PROTOCOL, false)
        .motsu_unwrap();
    let snapshot = w.snapshot(&[]);
    fails(
        w.engine
            .sender(PROTOCOL)
            .liquidate(w.gem.address(), e18(1), e18(1_000), BORROWER, KEEPER),
        NotProtocol { account: PROTOCOL },
    );
    assert_eq!(w.snapshot(&[]), snapshot);
}

#[test]
fn batch_sold_agrees_with_the_house_allocation() {
    use gavel_math::clearing::{allocate, Clearing, Kick};
    let mut seed = 0x1234_5678_9abc_def1u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..5_000 {
        let count = (next() % 16 + 1) as usize;
        let scale = U256::from(10u64).pow(U256::from(next() % 19));
        let kicks: Vec<(U256, U256)> = (0..count)
            .map(|_| {
                (
                    U256::from(next() % 100_000 + 1) * scale,
                    U256::from(next() % 1_000 + 1) * scale / u(7) + u(1),
                )
            })
            .collect();
        let price = RAY * U256::from(next() % 3_000 + 1) / U256::from(next() % 50 + 1);
        let mut reference: Vec<Kick> = kicks.iter().map(|(t, l)| Kick::new(*t, *l)).collect();
        let supply: U256 = reference
            .iter()
            .map(|k| k.lot.min((k.tab * RAY).div_ceil(price)))
            .fold(U256::ZERO, |a, b| a + b);
        let sold = if round % 5 == 0 {
            supply
        } else {
            supply * U256::from(next() % 1_000) / u(1_000)
        };
        // Any `paid` at least the kicks' own proceeds works for the split of `sold`.
        let paid = if sold.is_zero() {
            U256::ZERO
        } else {
            (sold * price).div_ceil(RAY) + u(u128::from(next() % 100))
        };
        let clearing = Clearing {
            price,
            sold,
            paid,
            ..Default::default()
        };
        allocate(&clearing, &mut reference).unwrap();
        let mut total = U256::ZERO;
        for (index, kick) in reference.iter().enumerate() {
            let mine = batch_sold(&kicks, index, price, sold).unwrap();
            assert_eq!(mine, kick.sold, "round {round} kick {index}");
            total += mine;
        }
        assert_eq!(total, sold);
    }
    assert_eq!(
        batch_sold(&[(u(5), u(5))], 0, U256::ZERO, U256::ZERO).unwrap(),
        U256::ZERO
    );
}

// ------------------------------------------------------------------------------------------
// Re-entrancy
// ------------------------------------------------------------------------------------------

/// A "house" that re-enters the engine from its `kick` and reverts with what the engine said.
#[storage]
struct ReentrantHouse {
    engine: stylus_sdk::storage::StorageAddress,
    collateral: stylus_sdk::storage::StorageAddress,
    solvency: stylus_sdk::storage::StorageAddress,
    /// The call made from `kick`.
    reentry: stylus_sdk::storage::StorageBytes,
}

unsafe impl TopLevelStorage for ReentrantHouse {}

#[public]
impl ReentrantHouse {
    fn configure(
        &mut self,
        engine: Address,
        collateral: Address,
        solvency: Address,
        reentry: Bytes,
    ) {
        self.engine.set(engine);
        self.collateral.set(collateral);
        self.solvency.set(solvency);
        self.reentry.set_bytes(reentry.0);
    }

    fn collateral(&self) -> Address {
        self.collateral.get()
    }

    fn solvency(&self) -> Address {
        self.solvency.get()
    }

    fn kick(
        &mut self,
        _id: U256,
        _tab: U256,
        _lot: U256,
        _usr: Address,
        _kpr: Address,
    ) -> Result<U256, Vec<u8>> {
        let data = self.reentry.get_bytes();
        let engine = self.engine.get();
        unsafe {
            stylus_sdk::call::RawCall::new()
                .flush_storage_cache()
                .call(engine, &data)
        }?;
        Ok(U256::from(1))
    }
}

#[motsu::test]
fn the_lock_refuses_re_entry(house: Contract<ReentrantHouse>) {
    use abi::Reentry;
    use alloy_sol_types::SolCall;
    let w = World::new(Config::default());
    let gem = w.gem.address();
    let calls: Vec<Vec<u8>> = vec![
        Reentry::syncCall {
            liquidationId: u(1),
        }
        .abi_encode(),
        Reentry::liquidateCall {
            collateral: gem,
            collateralAmount: e18(1),
            debtAmount: e18(1_000),
            borrower: BORROWER,
            keeper: KEEPER,
        }
        .abi_encode(),
        Reentry::fallbackToDutchCall {
            liquidationId: u(1),
            keeper: KEEPER,
        }
        .abi_encode(),
        Reentry::acceptOwnershipCall {}.abi_encode(),
    ];
    for reentry in calls {
        house.sender(ADMIN).configure(
            w.engine.address(),
            gem,
            w.solvency.address(),
            Bytes::from(reentry),
        );
        w.engine
            .sender(ADMIN)
            .set_collateral(
                gem,
                house.address(),
                Address::ZERO,
                pct(110),
                e18(1_000_000),
                e18(100),
                U256::ZERO,
                false,
            )
            .motsu_unwrap();
        w.gem
            .sender(PROTOCOL)
            .mint(PROTOCOL, e18(10))
            .motsu_unwrap();
        let snapshot = w.snapshot(&[]);
        fails(
            w.engine
                .sender(PROTOCOL)
                .liquidate(gem, e18(10), e18(10_000), BORROWER, KEEPER),
            ExternalCallFailed {
                target: house.address(),
                reason: ReentrantCall {}.abi_encode().into(),
            },
        );
        assert_eq!(w.snapshot(&[]), snapshot);
    }
}

// ------------------------------------------------------------------------------------------
// Several collaterals
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn collaterals_have_their_own_dirt_under_one_hole(
    gem2: Contract<MockERC20>,
    dutch2: Contract<DutchAuction>,
) {
    let w = World::new(Config {
        hole: e18(20_000),
        global_hole: e18(30_000),
        ..Config::default()
    });
    let (gem, engine) = (w.gem.address(), w.engine.address());
    gem2.sender(ADMIN)
        .constructor(String::from("Gem2"), String::from("GEM2"), 18);
    dutch2
        .sender(ADMIN)
        .constructor(
            ADMIN,
            gem2.address(),
            w.dai.address(),
            w.oracle.address(),
            w.solvency.address(),
        )
        .motsu_unwrap();
    for (name, value) in [
        (dutch_auction::names::BUF, RAY),
        (dutch_auction::names::TAIL, u(2_000)),
        (dutch_auction::names::MAX_AGE, u(3_600)),
    ] {
        dutch2
            .sender(ADMIN)
            .file(FixedBytes(name), value)
            .motsu_unwrap();
    }
    dutch2
        .sender(ADMIN)
        .set_curve(u(1), U256::ZERO, u(1_000))
        .motsu_unwrap();
    dutch2.sender(ADMIN).set_kicker(engine, true).motsu_unwrap();
    w.solvency
        .sender(ADMIN)
        .set_house(dutch2.address(), true)
        .motsu_unwrap();
    w.engine
        .sender(ADMIN)
        .set_collateral(
            gem2.address(),
            dutch2.address(),
            Address::ZERO,
            pct(120),
            e18(20_000),
            e18(10),
            U256::ZERO,
            false,
        )
        .motsu_unwrap();
    gem2.sender(PROTOCOL)
        .approve(engine, U256::MAX)
        .motsu_unwrap();
    gem2.sender(PROTOCOL)
        .mint(PROTOCOL, e18(100))
        .motsu_unwrap();

    // GEM: 11,000 of tab; GEM2: 12,000 of tab, then only 7,000 of room left under Hole.
    let a = w.liquidate(e18(10), e18(10_000));
    let b = w
        .engine
        .sender(PROTOCOL)
        .liquidate(gem2.address(), e18(10), e18(10_000), BORROWER, KEEPER)
        .motsu_unwrap();
    assert_eq!((b.1, b.4), (dutch2.address(), e18(10_000)));
    let c = w
        .engine
        .sender(PROTOCOL)
        .liquidate(gem2.address(), e18(10), e18(10_000), BORROWER, KEEPER)
        .motsu_unwrap();
    // Room 7,000 at 1.2: floor(5,833.33..) debt.
    assert_eq!(c.4, e18(7_000) * WAD / pct(120));
    let dirt = w.engine.sender(ADMIN).dirt();
    assert_eq!(dirt, e18(23_000) + (c.4 * pct(120)).div_ceil(WAD));
    assert!(dirt <= e18(30_000));
    let config2 = w.engine.sender(ADMIN).collateral_config(gem2.address());
    assert_eq!(config2.4 + w.collateral().4, w.engine.sender(ADMIN).dirt());
    // Records name their collateral.
    assert_eq!(w.record(a.0).0, gem);
    assert_eq!(w.record(b.0).0, gem2.address());
    assert_eq!(w.record(b.0).1, dutch2.address());
    // Finishing the GEM auction frees room for GEM2 only in Dirt, not in GEM2's dirt.
    w.take(a.2, e18(10));
    w.engine.sender(KEEPER).sync(a.0).motsu_unwrap();
    assert_eq!(w.collateral().4, U256::ZERO);
    assert_eq!(
        w.engine.sender(ADMIN).collateral_config(gem2.address()).4,
        config2.4
    );
    assert_eq!(w.engine.sender(ADMIN).dirt(), config2.4);
}

#[motsu::test]
fn skim_returns_tokens_no_liquidation_owns() {
    let w = World::new(Config::default());
    let (gem, dai, engine) = (w.gem.address(), w.dai.address(), w.engine.address());
    fails(w.engine.sender(ADMIN).skim(dai, VAULT), ZeroAmount {});
    w.dai.sender(MALLORY).mint(engine, e18(5)).motsu_unwrap();
    fails(
        w.engine.sender(MALLORY).skim(dai, MALLORY),
        OwnableUnauthorizedAccount { account: MALLORY },
    );
    fails(
        w.engine.sender(ADMIN).skim(dai, engine),
        InvalidAddress { account: engine },
    );
    w.engine.sender(ADMIN).skim(dai, VAULT).motsu_unwrap();
    w.engine.assert_emitted(&Skimmed {
        token: dai,
        to: VAULT,
        amount: e18(5),
    });
    assert_eq!(w.dai_of(VAULT), e18(5));
    // Collateral with a liquidation open: it may belong to it.
    let (id, _, auction, _, _) = w.liquidate(e18(10), e18(10_000));
    w.gem.sender(MALLORY).mint(engine, e18(1)).motsu_unwrap();
    fails(
        w.engine.sender(ADMIN).skim(gem, VAULT),
        TokenInUse {
            token: gem,
            dirt: e18(11_000),
        },
    );
    w.take(auction, e18(10));
    w.engine.sender(KEEPER).sync(id).motsu_unwrap();
    w.engine.sender(ADMIN).skim(gem, VAULT).motsu_unwrap();
    assert_eq!((w.gem_of(VAULT), w.gem_of(engine)), (e18(1), U256::ZERO));
}

#[test]
fn batches_hold_at_most_sixteen_kicks() {
    // `batch_return` reads at most 16 kicks of a batch.
    assert!(batch_auction::MAX_KICKS <= 16);
}

#[motsu::test]
fn the_keeper_gets_the_kick_incentive() {
    let w = World::new(Config::default());
    w.dutch
        .sender(ADMIN)
        .file(FixedBytes(dutch_auction::names::TIP), e18(10))
        .motsu_unwrap();
    w.solvency
        .sender(ADMIN)
        .set_params(U256::ZERO, U256::ZERO, U256::ZERO, e18(50))
        .motsu_unwrap();
    w.dai.sender(VAULT).mint(VAULT, e18(1_000)).motsu_unwrap();
    w.dai
        .sender(VAULT)
        .approve(w.solvency.address(), e18(1_000))
        .motsu_unwrap();
    w.solvency.sender(VAULT).deposit(e18(1_000)).motsu_unwrap();
    w.liquidate(e18(10), e18(10_000));
    assert_eq!(w.dai_of(KEEPER), e18(10));
}

#[motsu::test]
fn two_yanks_after_unsynced_takes_close_one_without_collateral() {
    let w = World::new(Config::default());
    let engine = w.engine.address();
    let (a, _, auction_a, _, _) = w.liquidate(e18(10), e18(10_000));
    let (b, _, auction_b, _, _) = w.liquidate(e18(4), e18(4_000));
    clock::set(T0 + 500);
    w.take(auction_a, e18(3));
    w.take(auction_b, e18(1));
    w.dutch.sender(ADMIN).yank(auction_a).motsu_unwrap();
    w.dutch.sender(ADMIN).yank(auction_b).motsu_unwrap();
    assert_eq!(w.gem_of(engine), e18(10));
    // 7 + 3 GEM came back; which is whose cannot be known.
    fails(
        w.engine.sender(ADMIN).finalize(a, VAULT),
        ReturnUnknown { liquidationId: a },
    );
    fails(
        w.engine.sender(ADMIN).finalize(b, VAULT),
        ReturnUnknown { liquidationId: b },
    );
    // Close one without moving collateral...
    fails(
        w.engine.sender(KEEPER).finalize(a, Address::ZERO),
        OwnableUnauthorizedAccount { account: KEEPER },
    );
    w.engine
        .sender(ADMIN)
        .finalize(a, Address::ZERO)
        .motsu_unwrap();
    w.engine.assert_emitted(&Finalized {
        liquidationId: a,
        collateralTo: Address::ZERO,
        collateral: U256::ZERO,
        released: e18(11_000),
    });
    assert_eq!(w.gem_of(engine), e18(10));
    assert_eq!((w.record(a).2, w.module(a).0), (3, 2));
    // ...then the last one is alone in dirt and takes the whole balance.
    w.engine.sender(ADMIN).finalize(b, VAULT).motsu_unwrap();
    assert_eq!((w.gem_of(VAULT), w.gem_of(engine)), (e18(10), U256::ZERO));
    assert_eq!(w.dirt(), (U256::ZERO, U256::ZERO));
}

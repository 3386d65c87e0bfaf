//! motsu tests with the real MockERC20, MockOracle and solvency module.

use alloc::string::String;

use alloy_primitives::{keccak256, Address, FixedBytes, I256, U256};
use alloy_sol_types::{SolError, SolValue};
use gavel_common::clock;
use mock_erc20::MockERC20;
use mock_oracle::MockOracle;
use motsu::prelude::*;
use solvency_module::SolvencyModule;

use super::*;

// ------------------------------------------------------------------------------------------
// World
// ------------------------------------------------------------------------------------------

const T0: u64 = 1_700_000_000;
const KICK_WINDOW: u64 = 600;
const COMMIT_WINDOW: u64 = 3_600;
const REVEAL_WINDOW: u64 = 1_800;

fn u(x: u128) -> U256 {
    U256::from(x)
}

/// `x` whole tokens of 18 decimals.
fn e18(x: u128) -> U256 {
    u(x) * u(1_000_000_000_000_000_000)
}

/// `x` debt per collateral (both 18 decimals) in RAY.
fn px(x: u128) -> U256 {
    u(x) * RAY
}

/// The feed's answer: 2,000 with 8 decimals.
fn feed() -> I256 {
    I256::try_from(200_000_000_000i64).unwrap()
}

fn name(key: [u8; 32]) -> FixedBytes<32> {
    FixedBytes(key)
}

fn salt(n: u64) -> FixedBytes<32> {
    FixedBytes(U256::from(n).to_be_bytes::<32>())
}

fn addr(n: u64) -> Address {
    let mut bytes = [0u8; 20];
    bytes[..8].copy_from_slice(&n.to_be_bytes());
    bytes[19] = 0x42;
    Address::from(bytes)
}

/// The revert data of a custom error.
fn encoded<E: SolError>(error: E) -> Vec<u8> {
    error.abi_encode()
}

#[track_caller]
fn assert_reverts<T: core::fmt::Debug>(result: Result<T, Error>, expected: Vec<u8>) {
    let err = result.motsu_unwrap_err();
    assert_eq!(err.data(), expected.as_slice(), "revert data");
}

struct World {
    house: Contract<BatchAuction>,
    module: Contract<SolvencyModule>,
    coll: Contract<MockERC20>,
    debt: Contract<MockERC20>,
    oracle: Contract<MockOracle>,
    admin: Address,
    kicker: Address,
    beneficiary: Address,
}

impl World {
    /// Tokens with `cd` and `dd` decimals, an 8-decimal feed answering 2000.
    fn with_decimals(cd: u8, dd: u8) -> World {
        clock::set(T0);
        // Fixed addresses, so that two worlds built one after the other are identical.
        let w = World {
            house: Contract::new_at(addr(1_001)),
            module: Contract::new_at(addr(1_002)),
            coll: Contract::new_at(addr(1_003)),
            debt: Contract::new_at(addr(1_004)),
            oracle: Contract::new_at(addr(1_005)),
            admin: addr(1),
            kicker: addr(2),
            beneficiary: addr(3),
        };
        w.coll
            .sender(w.admin)
            .constructor(String::from("Wrapped Ether"), String::from("WETH"), cd);
        w.debt
            .sender(w.admin)
            .constructor(String::from("Dai"), String::from("DAI"), dd);
        w.oracle
            .sender(w.admin)
            .constructor(w.admin, 8, String::from("ETH / USD"), feed())
            .motsu_unwrap();
        w.module
            .sender(w.admin)
            .constructor(
                w.admin,
                w.debt.address(),
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
                U256::ZERO,
            )
            .motsu_unwrap();
        w.module
            .sender(w.admin)
            .set_kicker(w.kicker, true)
            .motsu_unwrap();
        w.module
            .sender(w.admin)
            .set_house(w.house.address(), true)
            .motsu_unwrap();
        w.house
            .sender(w.admin)
            .constructor(
                w.admin,
                w.coll.address(),
                w.debt.address(),
                w.oracle.address(),
                w.module.address(),
            )
            .motsu_unwrap();
        w
    }

    /// 18/18 decimals, configured.
    fn new() -> World {
        let w = World::with_decimals(18, 18);
        w.configure();
        w
    }

    fn configure(&self) {
        self.house
            .sender(self.admin)
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
        self.house
            .sender(self.admin)
            .set_kicker(self.kicker, true)
            .motsu_unwrap();
    }

    /// Opens a liquidation (debt = tab) in the module and kicks it into the house; returns
    /// `(liquidationId, batchId)`.
    fn kick(&self, tab: U256, lot: U256, usr: Address) -> (U256, U256) {
        self.coll
            .sender(self.kicker)
            .mint(self.kicker, lot)
            .motsu_unwrap();
        self.coll
            .sender(self.kicker)
            .approve(self.house.address(), lot)
            .motsu_unwrap();
        let id = self
            .module
            .sender(self.kicker)
            .open(self.beneficiary, tab, tab)
            .motsu_unwrap();
        let batch = self
            .house
            .sender(self.kicker)
            .kick(id, tab, lot, usr, addr(99))
            .motsu_unwrap();
        (id, batch)
    }

    /// Funds `bidder` with `deposit` and commits to `(amount, price, salt)`.
    fn commit(
        &self,
        bidder: Address,
        batch: U256,
        amount: U256,
        price: U256,
        s: u64,
        deposit: U256,
    ) {
        self.fund_bidder(bidder, deposit);
        let hash = commitment(batch, bidder, amount, price, salt(s));
        self.house
            .sender(bidder)
            .commit(batch, hash, deposit)
            .motsu_unwrap();
    }

    fn fund_bidder(&self, bidder: Address, deposit: U256) {
        self.debt
            .sender(bidder)
            .mint(bidder, deposit)
            .motsu_unwrap();
        self.debt
            .sender(bidder)
            .approve(self.house.address(), deposit)
            .motsu_unwrap();
    }

    fn reveal(&self, bidder: Address, batch: U256, amount: U256, price: U256, s: u64) {
        self.house
            .sender(bidder)
            .reveal(batch, amount, price, salt(s))
            .motsu_unwrap();
    }

    /// `(phase, kickEnd, commitEnd, revealEnd, kicks, commits, reveals, totalLot)`.
    fn batch(&self, batch: U256) -> (U256, U256, U256, U256, U256, U256, U256, U256) {
        self.house.sender(self.admin).batch(batch)
    }

    fn to_reveal(&self, batch: U256) {
        clock::set(self.batch(batch).2.to::<u64>());
    }

    fn to_settle(&self, batch: U256) {
        clock::set(self.batch(batch).3.to::<u64>());
        // Keep the feed fresh.
        let now = U256::from(clock::now(0));
        self.oracle
            .sender(self.admin)
            .set_answer(feed(), now)
            .motsu_unwrap();
    }

    fn settle(&self, batch: U256) {
        self.house.sender(addr(77)).settle(batch).motsu_unwrap();
    }

    fn claim(&self, bidder: Address, batch: U256) -> (U256, U256) {
        let coll = self.coll.sender(bidder).balance_of(bidder);
        let debt = self.debt.sender(bidder).balance_of(bidder);
        self.house.sender(bidder).claim(batch).motsu_unwrap();
        (
            self.coll.sender(bidder).balance_of(bidder) - coll,
            self.debt.sender(bidder).balance_of(bidder) - debt,
        )
    }

    fn coll_of(&self, account: Address) -> U256 {
        self.coll.sender(self.admin).balance_of(account)
    }

    fn debt_of(&self, account: Address) -> U256 {
        self.debt.sender(self.admin).balance_of(account)
    }

    fn house_coll(&self) -> U256 {
        self.coll_of(self.house.address())
    }

    fn house_debt(&self) -> U256 {
        self.debt_of(self.house.address())
    }

    /// The module's `fund`.
    fn fund(&self) -> U256 {
        self.module.sender(self.admin).books().0
    }

    /// `(status, house, raised)` of a liquidation in the module.
    fn record(&self, id: U256) -> (u8, Address, U256) {
        let r = self.module.sender(self.admin).liquidation(id);
        (r.3, r.2, r.8)
    }

    /// `(price, sold, raised, marginNum, marginDen, cutoff)`.
    fn result(&self, batch: U256) -> (U256, U256, U256, U256, U256, U256) {
        self.house.sender(self.admin).result(batch)
    }

    /// `(won, paid, refund)` of `bidder` (zeros before settlement).
    fn preview(&self, batch: U256, bidder: Address) -> (U256, U256, U256) {
        let (_, _, won, paid, refund) = self
            .house
            .sender(self.admin)
            .preview(batch, bidder)
            .motsu_unwrap();
        (won, paid, refund)
    }
}

// ------------------------------------------------------------------------------------------
// Commitment, configuration, kicks
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn commitment_is_abi_encode_keccak() {
    let bidder = addr(5);
    let (batch, amount, price, s) = (u(7), e18(3), px(1_234), salt(99));
    let expected = keccak256((batch, bidder, amount, price, s).abi_encode());
    assert_eq!(commitment(batch, bidder, amount, price, s), expected);
    // Any field changes the hash.
    assert_ne!(commitment(batch, addr(6), amount, price, s), expected);
    assert_ne!(commitment(u(8), bidder, amount, price, s), expected);
}

#[motsu::test]
fn constructor_validates_and_records_config() {
    let w = World::with_decimals(8, 18);
    let (collateral, debt, oracle, solvency, guardian, stopped, unit, last, open) =
        w.house.sender(w.admin).config();
    assert_eq!(
        (collateral, debt, oracle, solvency, guardian),
        (
            w.coll.address(),
            w.debt.address(),
            w.oracle.address(),
            w.module.address(),
            Address::ZERO
        )
    );
    assert_eq!((stopped, last, open), (U256::ZERO, U256::ZERO, U256::ZERO));
    // Debt has 10 more decimals than collateral: prices on a 10^10 RAY grid.
    assert_eq!(unit, u(10_000_000_000));
    assert_eq!(w.house.sender(w.admin).owner(), w.admin);

    // A second construction is refused by the dispatcher's guard; zero and equal tokens here.
    let other: Contract<BatchAuction> = Contract::new();
    assert_reverts(
        other.sender(w.admin).constructor(
            w.admin,
            Address::ZERO,
            w.debt.address(),
            w.oracle.address(),
            w.module.address(),
        ),
        encoded(ZeroAddress {}),
    );
    assert_reverts(
        other.sender(w.admin).constructor(
            w.admin,
            w.coll.address(),
            w.coll.address(),
            w.oracle.address(),
            w.module.address(),
        ),
        encoded(SameToken {
            token: w.coll.address(),
        }),
    );
}

#[motsu::test]
fn parameters_are_validated() {
    let w = World::with_decimals(18, 18);
    let h = &w.house;
    let a = w.admin;
    // Nothing configured: a kick is refused.
    h.sender(a).set_kicker(w.kicker, true).motsu_unwrap();
    w.coll
        .sender(w.kicker)
        .mint(w.kicker, e18(1))
        .motsu_unwrap();
    w.coll
        .sender(w.kicker)
        .approve(h.address(), e18(1))
        .motsu_unwrap();
    let id = w
        .module
        .sender(w.kicker)
        .open(w.beneficiary, e18(1), e18(1))
        .motsu_unwrap();
    assert_reverts(
        h.sender(w.kicker)
            .kick(id, e18(1), e18(1), addr(9), addr(9)),
        encoded(NotConfigured {}),
    );

    // Valid: kick 99 < commit 100, reveal 50, maxBids 2000, reserve 1, bond 5, minBid 6, age 7.
    let good = [u(99), u(100), u(50), u(2_000), RAY, u(5), u(6), u(7)];
    let set = |p: [U256; 8]| {
        h.sender(a)
            .set_params(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
    };
    let bad = |index: usize, key: [u8; 32], data: U256| {
        let mut p = good;
        p[index] = data;
        assert_reverts(
            set(p),
            encoded(InvalidParameter {
                what: name(key),
                data,
            }),
        );
    };
    bad(0, names::KICK_WINDOW, U256::ZERO);
    bad(0, names::KICK_WINDOW, u(100));
    bad(1, names::COMMIT_WINDOW, u(1u128 << 32));
    bad(1, names::COMMIT_WINDOW, u(1));
    bad(2, names::REVEAL_WINDOW, U256::ZERO);
    bad(3, names::MAX_BIDS, U256::ZERO);
    bad(3, names::MAX_BIDS, u(2_001));
    bad(4, names::RESERVE, RAY + u(1_000_000_000));
    bad(4, names::RESERVE, u(1));
    bad(5, names::BOND, u(u128::MAX) + u(1));
    // 2,000 forfeited bonds must fit 128 bits.
    bad(5, names::BOND, u(u128::MAX / 2_000 + 1));
    bad(6, names::MIN_BID, u(u128::MAX) + u(1));
    bad(7, names::MAX_AGE, U256::ZERO);
    // Only the admin.
    assert_reverts(
        h.sender(w.kicker).set_params(
            good[0], good[1], good[2], good[3], good[4], good[5], good[6], good[7],
        ),
        encoded(OwnableUnauthorizedAccount { account: w.kicker }),
    );
    set(good).motsu_unwrap();
    h.assert_emitted(&ParamsSet {
        kickWindow: u(99),
        commitWindow: u(100),
        revealWindow: u(50),
        maxBids: u(2_000),
        reserve: RAY,
        bond: u(5),
        minBid: u(6),
        maxAge: u(7),
    });
    assert_eq!(
        h.sender(a).params(),
        (u(99), u(100), u(50), u(2_000), RAY, u(5), u(6), u(7))
    );
    // A running batch keeps what it opened with.
    let batch = h
        .sender(w.kicker)
        .kick(id, e18(1), e18(1), addr(9), addr(9))
        .motsu_unwrap();
    set([u(1), u(2), u(3), u(4), U256::ZERO, u(8), u(9), u(10)]).motsu_unwrap();
    assert_eq!(h.sender(a).batch_terms(batch), (u(5), u(6), RAY, u(2_000)));
    assert_eq!(w.batch(batch).2, u((T0 + 100).into()));
}

#[motsu::test]
fn kicks_join_the_open_batch_until_its_kick_window_ends() {
    let w = World::new();
    let (id1, b1) = w.kick(e18(1_000), e18(1), addr(10));
    assert_eq!(b1, u(1));
    w.house.assert_emitted(&BatchOpened {
        batchId: u(1),
        kickEnd: u((T0 + KICK_WINDOW).into()),
        commitEnd: u((T0 + COMMIT_WINDOW).into()),
        revealEnd: u((T0 + COMMIT_WINDOW + REVEAL_WINDOW).into()),
    });
    clock::set(T0 + KICK_WINDOW - 1);
    let (id2, b2) = w.kick(e18(2_000), e18(2), addr(11));
    assert_eq!(b2, u(1));
    w.house.assert_emitted(&Kick {
        batchId: u(1),
        liquidationId: id2,
        kpr: addr(99),
        index: u(1),
        tab: e18(2_000),
        lot: e18(2),
        usr: addr(11),
    });
    assert_eq!(w.house.sender(w.admin).config().8, u(1));
    // The module knows the house holds both.
    assert_eq!(w.record(id1).1, w.house.address());
    assert_eq!(w.record(id2).1, w.house.address());
    let (phase, _, _, _, kicks, commits, reveals, total) = w.batch(u(1));
    assert_eq!(
        (phase, kicks, commits, reveals, total),
        (u(1), u(2), u(0), u(0), e18(3))
    );
    assert_eq!(
        w.house.sender(w.admin).kick_of(u(1), u(1)),
        (id2, e18(2_000), e18(2), addr(11), w.kicker)
    );
    assert_eq!(w.house_coll(), e18(3));

    // After the kick window a kick opens batch 2.
    clock::set(T0 + KICK_WINDOW);
    assert_eq!(w.house.sender(w.admin).config().8, U256::ZERO);
    let (_, b3) = w.kick(e18(1), e18(1), addr(12));
    assert_eq!(b3, u(2));

    // A full batch also makes the next kick open a new one.
    for _ in 1..MAX_KICKS {
        assert_eq!(w.kick(e18(1), e18(1), addr(12)).1, u(2));
    }
    assert_eq!(w.kick(e18(1), e18(1), addr(12)).1, u(3));
}

#[motsu::test]
fn kick_is_validated() {
    let w = World::new();
    let h = &w.house;
    let stranger = addr(50);
    assert_reverts(
        h.sender(stranger).kick(u(1), u(1), u(1), addr(9), addr(9)),
        encoded(Unauthorized { account: stranger }),
    );
    assert_reverts(
        h.sender(w.kicker)
            .kick(u(1), U256::ZERO, u(1), addr(9), addr(9)),
        encoded(ZeroAmount {}),
    );
    assert_reverts(
        h.sender(w.kicker)
            .kick(u(1), u(1), U256::ZERO, addr(9), addr(9)),
        encoded(ZeroAmount {}),
    );
    assert_reverts(
        h.sender(w.kicker)
            .kick(u(1), u(1), u(1), Address::ZERO, addr(9)),
        encoded(ZeroAddress {}),
    );
    let big = u(u128::MAX) + u(1);
    assert_reverts(
        h.sender(w.kicker).kick(u(1), big, u(1), addr(9), addr(9)),
        encoded(ValueTooLarge {
            value: big,
            max: u(u128::MAX),
        }),
    );
    // The module refuses an unknown liquidation: the whole kick reverts.
    let err = h
        .sender(w.kicker)
        .kick(u(1), u(1), u(1), addr(9), addr(9))
        .motsu_unwrap_err();
    assert_eq!(&err.data()[..4], &ExternalCallFailed::SELECTOR);
    assert_eq!(
        w.house.sender(w.admin).config().7,
        U256::ZERO,
        "no batch opened"
    );
    // Without approval the pull fails.
    let id = w
        .module
        .sender(w.kicker)
        .open(w.beneficiary, u(5), u(5))
        .motsu_unwrap();
    let err = h
        .sender(w.kicker)
        .kick(id, u(5), u(5), addr(9), addr(9))
        .motsu_unwrap_err();
    let failed = encoded(SafeErc20FailedOperation {
        token: w.coll.address(),
    });
    assert_eq!(err.data(), failed.as_slice());
}

// ------------------------------------------------------------------------------------------
// Full lifecycle
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn full_lifecycle_with_several_bidders_and_kicks() {
    let w = World::new();
    let (alice, bob, carol, usr1, usr2) = (addr(20), addr(21), addr(22), addr(30), addr(31));
    // Kick 1: raise 10,000 with 10 collateral; kick 2: raise 3,000 with 4 collateral.
    let (id1, batch) = w.kick(e18(10_000), e18(10), usr1);
    let (id2, _) = w.kick(e18(3_000), e18(4), usr2);
    // Bids (prices in debt per collateral): alice 4 @ 1,900 and 3 @ 1,600; bob 5 @ 1,700;
    // carol 6 @ 1,500 (loses).
    w.commit(alice, batch, e18(4), px(1_900), 1, e18(8_000));
    w.commit(alice, batch, e18(3), px(1_600), 2, e18(5_000));
    w.commit(bob, batch, e18(5), px(1_700), 3, e18(9_000));
    w.commit(carol, batch, e18(6), px(1_500), 4, e18(9_000));
    assert_eq!(w.house_debt(), e18(31_000));
    assert_eq!(
        w.house
            .sender(w.admin)
            .preview(batch, alice)
            .motsu_unwrap()
            .0,
        u(2)
    );
    w.to_reveal(batch);
    w.reveal(alice, batch, e18(4), px(1_900), 1);
    w.reveal(bob, batch, e18(5), px(1_700), 3);
    w.reveal(alice, batch, e18(3), px(1_600), 2);
    w.reveal(carol, batch, e18(6), px(1_500), 4);
    w.house.assert_emitted(&Reveal {
        batchId: batch,
        bidder: carol,
        commitment: commitment(batch, carol, e18(6), px(1_500), salt(4)),
        amount: e18(6),
        price: px(1_500),
    });
    w.to_settle(batch);
    w.settle(batch);

    // Supply at 1,900: ceil(10000/1900) + ceil(3000/1900) = 5.263.. + 1.578.. = 6.84 > 4.
    // At 1,700: 5.88 + 1.76 = 7.64 > 9? no: demand 9 >= 7.64 -> p* = 1,700.
    let s1 = (e18(10_000) * RAY).div_ceil(px(1_700));
    let s2 = (e18(3_000) * RAY).div_ceil(px(1_700));
    let (price, sold, raised, num, den, _) = w.result(batch);
    assert_eq!(price, px(1_700));
    assert_eq!(sold, s1 + s2);
    // alice's 4 fill; bob shares what is left.
    assert_eq!((num, den), (s1 + s2 - e18(4), e18(5)));
    let (won_a, paid_a, refund_a) = w.preview(batch, alice);
    let (won_b, paid_b, refund_b) = w.preview(batch, bob);
    let (won_c, paid_c, refund_c) = w.preview(batch, carol);
    assert_eq!(won_a, e18(4));
    assert_eq!(won_b, s1 + s2 - e18(4));
    assert_eq!(won_c, U256::ZERO);
    assert_eq!(paid_a, (e18(4) * px(1_700)).div_ceil(RAY));
    assert_eq!(paid_b, (won_b * px(1_700)).div_ceil(RAY));
    assert_eq!((paid_c, refund_c), (U256::ZERO, e18(9_000)));
    assert_eq!(refund_a, e18(13_000) - paid_a);
    assert_eq!(refund_b, e18(9_000) - paid_b);
    assert_eq!(raised, paid_a + paid_b);
    w.house.assert_emitted(&Settle {
        batchId: batch,
        price,
        sold,
        raised,
    });

    // Both tabs are covered: each liquidation finished; leftovers went to the users.
    let (status1, house1, raised1) = w.record(id1);
    let (status2, house2, raised2) = w.record(id2);
    assert_eq!((status1, status2), (2, 2));
    assert_eq!((house1, house2), (Address::ZERO, Address::ZERO));
    assert_eq!(raised1 + raised2, raised);
    assert!(raised1 >= e18(10_000) && raised2 >= e18(3_000));
    assert_eq!(w.coll_of(usr1), e18(10) - s1);
    assert_eq!(w.coll_of(usr2), e18(4) - s2);
    // debt = tab: the beneficiary is repaid the tabs, the rounding surplus is penalty (fund).
    assert_eq!(w.debt_of(w.beneficiary), e18(13_000));
    assert_eq!(w.fund(), raised - e18(13_000));
    // The house holds exactly the winnings and the refunds.
    assert_eq!(w.house_coll(), sold);
    assert_eq!(w.house_debt(), refund_a + refund_b + refund_c);

    assert_eq!(w.claim(alice, batch), (won_a, refund_a));
    w.house.assert_emitted(&Claim {
        batchId: batch,
        bidder: alice,
        won: won_a,
        paid: paid_a,
        refund: refund_a,
    });
    assert_eq!(w.claim(bob, batch), (won_b, refund_b));
    assert_eq!(w.claim(carol, batch), (U256::ZERO, e18(9_000)));
    // Nothing is stranded.
    assert_eq!(w.house_coll(), U256::ZERO);
    assert_eq!(w.house_debt(), U256::ZERO);
    assert!(
        w.house
            .sender(w.admin)
            .preview(batch, alice)
            .motsu_unwrap()
            .1,
        "claimed"
    );
}

#[motsu::test]
fn ties_at_the_clearing_price_share_pro_rata_exactly() {
    let w = World::new();
    // Needs ceil(10 * 2000 / 2000) = 10 units at 2,000 (tab 20,000 wei-scaled: use base units).
    let (_, batch) = w.kick(u(20_000), u(100), addr(30));
    // Three bidders at 2,000 wanting 4 each (12 > 10): 10 * 4/12 = 3.33 each; floors 3+3+3 = 9,
    // the extra unit goes to the earliest reveal with a remainder.
    let (a, b, c) = (addr(20), addr(21), addr(22));
    for (i, bidder) in [a, b, c].into_iter().enumerate() {
        w.commit(bidder, batch, u(4), px(2_000), i as u64, e18(10));
    }
    w.to_reveal(batch);
    w.reveal(c, batch, u(4), px(2_000), 2);
    w.reveal(a, batch, u(4), px(2_000), 0);
    w.reveal(b, batch, u(4), px(2_000), 1);
    w.to_settle(batch);
    w.settle(batch);
    let (price, sold, raised, num, den, cutoff) = w.result(batch);
    assert_eq!((price, sold, num, den), (px(2_000), u(10), u(10), u(12)));
    // c revealed first (index 0): cutoff 1.
    assert_eq!(cutoff, u(1));
    assert_eq!(w.preview(batch, c).0, u(4));
    assert_eq!(w.preview(batch, a).0, u(3));
    assert_eq!(w.preview(batch, b).0, u(3));
    assert_eq!(raised, u(20_000));
    // Tab covered exactly, 90 units back to usr.
    assert_eq!(w.coll_of(addr(30)), u(90));
    for bidder in [a, b, c] {
        w.claim(bidder, batch);
    }
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
}

#[motsu::test]
fn demand_short_of_supply_returns_the_rest_to_the_kicker() {
    let w = World::new();
    let (id1, batch) = w.kick(e18(10_000), e18(10), addr(30));
    let (id2, _) = w.kick(e18(30_000), e18(30), addr(31));
    let (a, b) = (addr(20), addr(21));
    w.commit(a, batch, e18(2), px(1_800), 1, e18(4_000));
    w.commit(b, batch, e18(3), px(1_200), 2, e18(4_000));
    w.to_reveal(batch);
    w.reveal(a, batch, e18(2), px(1_800), 1);
    w.reveal(b, batch, e18(3), px(1_200), 2);
    w.to_settle(batch);
    let kicker_before = w.coll_of(w.kicker);
    w.settle(batch);
    // Every valid bid fills at the lowest valid price, 1,200.
    let (price, sold, raised, ..) = w.result(batch);
    assert_eq!((price, sold, raised), (px(1_200), e18(5), e18(6_000)));
    assert_eq!(w.preview(batch, a), (e18(2), e18(2_400), e18(1_600)));
    // At 1,200 kick 1 needs ceil(10,000 / 1,200) = 8.33.. and kick 2 needs 25 of its 30: the
    // 5 sold are shared pro rata (largest remainder); both tabs remain, so the rest goes back
    // to the kicker.
    let c1 = (e18(10_000) * RAY).div_ceil(px(1_200));
    let c2 = e18(25);
    let k1 = e18(5) * c1 / (c1 + c2);
    let k2 = e18(5) * c2 / (c1 + c2);
    let extra = e18(5) - k1 - k2;
    let sold1 = k1 + if extra > U256::ZERO { u(1) } else { U256::ZERO };
    let sold2 = e18(5) - sold1;
    assert_eq!(w.coll_of(w.kicker) - kicker_before, e18(40) - e18(5));
    let (status1, house1, raised1) = w.record(id1);
    let (status2, house2, raised2) = w.record(id2);
    // Open and unheld again: the kicker may re-kick (Dutch) or finalize.
    assert_eq!(
        (status1, status2, house1, house2),
        (1, 1, Address::ZERO, Address::ZERO)
    );
    assert_eq!(raised1 + raised2, e18(6_000));
    // 1,200 per unit exactly: no rounding.
    assert_eq!((raised1, raised2), (sold1 * u(1_200), sold2 * u(1_200)));
    w.module.sender(w.kicker).finalize(id1).motsu_unwrap();
    assert_eq!(w.record(id1).0, 2);
    w.claim(a, batch);
    w.claim(b, batch);
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
}

#[motsu::test]
fn all_bids_below_reserve_sell_nothing() {
    let w = World::new();
    let (id, batch) = w.kick(e18(10_000), e18(10), addr(30));
    // Reserve: 0.5 * 2,000 = 1,000.
    let a = addr(20);
    w.commit(a, batch, e18(10), px(999), 1, e18(10_000));
    w.to_reveal(batch);
    w.reveal(a, batch, e18(10), px(999), 1);
    w.to_settle(batch);
    let before = w.coll_of(w.kicker);
    w.settle(batch);
    assert_eq!(
        w.result(batch),
        (
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO
        )
    );
    w.house.assert_emitted(&Settle {
        batchId: batch,
        price: U256::ZERO,
        sold: U256::ZERO,
        raised: U256::ZERO,
    });
    assert_eq!(w.coll_of(w.kicker) - before, e18(10));
    assert_eq!(w.record(id), (1, Address::ZERO, U256::ZERO));
    assert_eq!(w.claim(a, batch), (U256::ZERO, e18(10_000)));
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
}

#[motsu::test]
fn a_non_revealer_forfeits_exactly_the_bond() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    let (a, lazy) = (addr(20), addr(21));
    w.commit(a, batch, e18(1), px(1_500), 1, e18(1_500));
    w.commit(lazy, batch, e18(1), px(1_900), 2, e18(50));
    w.commit(lazy, batch, e18(1), px(1_800), 3, e18(40));
    w.to_reveal(batch);
    w.reveal(a, batch, e18(1), px(1_500), 1);
    w.to_settle(batch);
    let fund = w.fund();
    w.settle(batch);
    // Two unrevealed commitments, bond 10 each; the fund also keeps the rounding surplus of
    // the sale (raised - tab: the winner pays ceil(ceil(1,000 / 1,500) * 1,500)).
    let raised = w.result(batch).2;
    assert_eq!(w.fund() - fund, e18(20) + raised - e18(1_000));
    w.house.assert_emitted(&Slash {
        batchId: batch,
        count: u(2),
        amount: e18(20),
    });
    assert_eq!(w.preview(batch, lazy), (U256::ZERO, U256::ZERO, e18(70)));
    assert_eq!(w.claim(lazy, batch), (U256::ZERO, e18(70)));
    w.claim(a, batch);
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
}

// ------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn commit_is_validated() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    let a = addr(20);
    w.fund_bidder(a, e18(100));
    let hash = commitment(batch, a, e18(1), px(1_000), salt(1));
    assert_reverts(
        w.house.sender(a).commit(batch, hash, U256::ZERO),
        encoded(ZeroAmount {}),
    );
    assert_reverts(
        w.house.sender(a).commit(batch, hash, e18(9)),
        encoded(DepositBelowBond {
            deposit: e18(9),
            bond: e18(10),
        }),
    );
    assert_reverts(
        w.house.sender(a).commit(u(9), hash, e18(10)),
        encoded(WrongPhase {
            batchId: u(9),
            phase: u(0),
        }),
    );
    // maxBids: a second batch configured with 2.
    w.house
        .sender(w.admin)
        .set_params(
            u(KICK_WINDOW.into()),
            u(COMMIT_WINDOW.into()),
            u(REVEAL_WINDOW.into()),
            u(2),
            RAY / u(2),
            e18(10),
            u(1),
            u(86_400),
        )
        .motsu_unwrap();
    clock::set(T0 + KICK_WINDOW);
    let (_, batch2) = w.kick(e18(1_000), e18(1), addr(30));
    w.commit(a, batch2, e18(1), px(1_000), 1, e18(10));
    w.commit(a, batch2, e18(1), px(1_000), 1, e18(10));
    w.fund_bidder(a, e18(10));
    assert_reverts(
        w.house.sender(a).commit(batch2, hash, e18(10)),
        encoded(TooManyBids { maxBids: u(2) }),
    );
    // After the commit window.
    w.to_reveal(batch);
    assert_reverts(
        w.house.sender(a).commit(batch, hash, e18(10)),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(2),
        }),
    );
}

#[motsu::test]
fn reveal_errors() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    let (a, b) = (addr(20), addr(21));
    w.commit(a, batch, e18(1), px(1_500), 7, e18(1_500));
    w.commit(a, batch, e18(2), px(1_500), 8, e18(1_500));
    w.commit(a, batch, U256::ZERO, px(1_500), 9, e18(1_500));
    // Before the reveal window.
    assert_reverts(
        w.house.sender(a).reveal(batch, e18(1), px(1_500), salt(7)),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(1),
        }),
    );
    w.to_reveal(batch);
    // Wrong salt.
    let wrong = commitment(batch, a, e18(1), px(1_500), salt(6));
    assert_reverts(
        w.house.sender(a).reveal(batch, e18(1), px(1_500), salt(6)),
        encoded(UnknownCommitment { commitment: wrong }),
    );
    // Wrong bidder: the same opening from someone else hashes differently.
    let theirs = commitment(batch, b, e18(1), px(1_500), salt(7));
    assert_reverts(
        w.house.sender(b).reveal(batch, e18(1), px(1_500), salt(7)),
        encoded(UnknownCommitment { commitment: theirs }),
    );
    // Too small a deposit: 2 * 1,500 = 3,000 > 1,500.
    assert_reverts(
        w.house.sender(a).reveal(batch, e18(2), px(1_500), salt(8)),
        encoded(DepositTooSmall {
            deposit: e18(1_500),
            required: e18(3_000),
        }),
    );
    // A zero amount is below the minimum.
    assert_reverts(
        w.house
            .sender(a)
            .reveal(batch, U256::ZERO, px(1_500), salt(9)),
        encoded(BidTooSmall {
            amount: U256::ZERO,
            minimum: u(1),
        }),
    );
    // Good reveal, then the same again.
    w.reveal(a, batch, e18(1), px(1_500), 7);
    let hash = commitment(batch, a, e18(1), px(1_500), salt(7));
    assert_reverts(
        w.house.sender(a).reveal(batch, e18(1), px(1_500), salt(7)),
        encoded(AlreadyRevealed { commitment: hash }),
    );
    assert_eq!(
        w.house.sender(a).commitment_of(batch, a, U256::ZERO),
        (FixedBytes(hash.0), e18(1_500), u(1), e18(1), px(1_500))
    );
    // After the reveal window.
    clock::set(w.batch(batch).3.to::<u64>());
    assert_reverts(
        w.house.sender(a).reveal(batch, e18(2), px(1_500), salt(8)),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(3),
        }),
    );
}

#[motsu::test]
fn reveal_enforces_the_price_grid_and_bounds() {
    // 8-decimal collateral, 18-decimal debt: unit 10^10 RAY.
    let w = World::with_decimals(8, 18);
    w.configure();
    let (_, batch) = w.kick(e18(1_000), u(100_000_000), addr(30));
    let a = addr(20);
    let on_grid = u(2_000) * RAY * u(10_000_000_000); // 2,000 per whole token
    let off_grid = on_grid + u(1);
    w.commit(a, batch, u(50_000_000), off_grid, 1, e18(2_000));
    w.commit(a, batch, u(50_000_000), on_grid, 2, e18(2_000));
    w.to_reveal(batch);
    assert_reverts(
        w.house
            .sender(a)
            .reveal(batch, u(50_000_000), off_grid, salt(1)),
        encoded(PriceOffGrid {
            price: off_grid,
            unit: u(10_000_000_000),
        }),
    );
    w.reveal(a, batch, u(50_000_000), on_grid, 2);
    // 0.5 token at 2,000 per token = 1,000 debt tokens.
    assert_eq!(w.house.sender(a).commitment_of(batch, a, u(1)).4, on_grid);
}

#[motsu::test]
fn claim_and_settle_errors() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    let a = addr(20);
    w.commit(a, batch, e18(1), px(1_500), 1, e18(1_500));
    assert_reverts(
        w.house.sender(a).claim(batch),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(1),
        }),
    );
    assert_reverts(
        w.house.sender(a).settle(batch),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(1),
        }),
    );
    w.to_reveal(batch);
    w.reveal(a, batch, e18(1), px(1_500), 1);
    assert_reverts(
        w.house.sender(a).settle(batch),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(2),
        }),
    );
    w.to_settle(batch);
    w.settle(batch);
    // Settle twice.
    assert_reverts(
        w.house.sender(a).settle(batch),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(4),
        }),
    );
    // Nothing to claim for a stranger; double claim.
    let stranger = addr(44);
    assert_reverts(
        w.house.sender(stranger).claim(batch),
        encoded(NothingToClaim {
            batchId: batch,
            bidder: stranger,
        }),
    );
    w.claim(a, batch);
    assert_reverts(
        w.house.sender(a).claim(batch),
        encoded(AlreadyClaimed {
            batchId: batch,
            bidder: a,
        }),
    );
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
}

#[motsu::test]
fn stale_or_invalid_oracle_blocks_settlement() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    w.to_settle(batch);
    let now = u(clock::now(0).into());
    let old = now - u(86_401);
    w.oracle
        .sender(w.admin)
        .set_answer(feed(), old)
        .motsu_unwrap();
    assert_reverts(
        w.house.sender(w.admin).settle(batch),
        encoded(StalePrice {
            updatedAt: old,
            now,
        }),
    );
    w.oracle
        .sender(w.admin)
        .set_answer(feed(), now + u(1))
        .motsu_unwrap();
    assert_reverts(
        w.house.sender(w.admin).settle(batch),
        encoded(StalePrice {
            updatedAt: now + u(1),
            now,
        }),
    );
    w.oracle
        .sender(w.admin)
        .set_answer(I256::ZERO, now)
        .motsu_unwrap();
    assert_reverts(
        w.house.sender(w.admin).settle(batch),
        encoded(InvalidPrice { answer: I256::ZERO }),
    );
    w.oracle
        .sender(w.admin)
        .set_answer(I256::try_from(-1i64).unwrap(), now)
        .motsu_unwrap();
    assert_reverts(
        w.house.sender(w.admin).settle(batch),
        encoded(InvalidPrice {
            answer: I256::try_from(-1i64).unwrap(),
        }),
    );
    w.oracle
        .sender(w.admin)
        .set_answer(feed(), now)
        .motsu_unwrap();
    w.settle(batch);
}

// ------------------------------------------------------------------------------------------
// Yank, circuit breaker, lock, ownership
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn yank_returns_lots_and_every_deposit() {
    let w = World::new();
    let (id1, batch) = w.kick(e18(1_000), e18(1), addr(30));
    let (id2, _) = w.kick(e18(2_000), e18(2), addr(31));
    let (a, b) = (addr(20), addr(21));
    w.commit(a, batch, e18(1), px(1_500), 1, e18(1_500));
    w.commit(b, batch, e18(1), px(1_600), 2, e18(1_600));
    w.to_reveal(batch);
    w.reveal(a, batch, e18(1), px(1_500), 1);
    assert_reverts(
        w.house.sender(a).yank(batch),
        encoded(OwnableUnauthorizedAccount { account: a }),
    );
    let before = w.coll_of(w.kicker);
    w.house.sender(w.admin).yank(batch).motsu_unwrap();
    w.house.assert_emitted(&Yank { batchId: batch });
    assert_eq!(w.coll_of(w.kicker) - before, e18(3));
    // The module no longer sees the house holding them.
    assert_eq!(w.record(id1), (1, Address::ZERO, U256::ZERO));
    assert_eq!(w.record(id2), (1, Address::ZERO, U256::ZERO));
    assert_eq!(w.batch(batch).0, u(5));
    // Everything refundable in full, even b's unrevealed commitment.
    assert_eq!(w.claim(a, batch), (U256::ZERO, e18(1_500)));
    assert_eq!(w.claim(b, batch), (U256::ZERO, e18(1_600)));
    assert_reverts(
        w.house.sender(w.admin).settle(batch),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(5),
        }),
    );
    assert_reverts(
        w.house.sender(w.admin).yank(batch),
        encoded(WrongPhase {
            batchId: batch,
            phase: u(5),
        }),
    );
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
    // The next kick opens a new batch.
    assert_eq!(w.kick(e18(1), e18(1), addr(30)).1, u(2));
}

#[motsu::test]
fn circuit_breaker_levels() {
    let w = World::new();
    let (guardian, a) = (addr(60), addr(20));
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    w.commit(a, batch, e18(1), px(1_500), 1, e18(1_500));
    assert_reverts(
        w.house.sender(guardian).set_stopped(u(1)),
        encoded(Unauthorized { account: guardian }),
    );
    w.house
        .sender(w.admin)
        .set_guardian(guardian)
        .motsu_unwrap();
    w.house.assert_emitted(&GuardianSet { guardian });
    w.house.sender(guardian).set_stopped(u(1)).motsu_unwrap();
    w.house.assert_emitted(&StoppedSet { level: u(1) });
    assert_reverts(
        w.house
            .sender(w.kicker)
            .kick(u(1), u(1), u(1), addr(9), addr(9)),
        encoded(AuctionsStopped { stopped: u(1) }),
    );
    w.commit(a, batch, e18(1), px(1_500), 2, e18(1_500));
    w.house.sender(guardian).set_stopped(u(2)).motsu_unwrap();
    w.fund_bidder(a, e18(10));
    let hash = commitment(batch, a, e18(1), px(1_000), salt(3));
    assert_reverts(
        w.house.sender(a).commit(batch, hash, e18(10)),
        encoded(AuctionsStopped { stopped: u(2) }),
    );
    // The guardian cannot lower it; nor set 4.
    assert_reverts(
        w.house.sender(guardian).set_stopped(u(1)),
        encoded(Unauthorized { account: guardian }),
    );
    assert_reverts(
        w.house.sender(w.admin).set_stopped(u(4)),
        encoded(InvalidParameter {
            what: name(names::STOPPED),
            data: u(4),
        }),
    );
    w.house.sender(guardian).set_stopped(u(3)).motsu_unwrap();
    // Reveals still work at level 3; settlement does not.
    w.to_reveal(batch);
    w.reveal(a, batch, e18(1), px(1_500), 1);
    w.reveal(a, batch, e18(1), px(1_500), 2);
    w.to_settle(batch);
    assert_reverts(
        w.house.sender(a).settle(batch),
        encoded(AuctionsStopped { stopped: u(3) }),
    );
    // The admin lowers it; settlement and claims go through.
    w.house
        .sender(w.admin)
        .set_stopped(U256::ZERO)
        .motsu_unwrap();
    w.settle(batch);
    w.house.sender(w.admin).set_stopped(u(3)).motsu_unwrap();
    w.claim(a, batch);
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
}

#[motsu::test]
fn the_lock_refuses_every_entry_point() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000), e18(1), addr(30));
    // Simulate a call in progress: set the lock bit as `enter` does.
    {
        let mut h = w.house.sender(w.admin);
        let core = h.read(&GLOBAL, CORE);
        h.write(&GLOBAL, CORE, &with_limb(core, 2, limb(core, 2) | C_LOCK));
    }
    let locked = || encoded(Locked {});
    let a = addr(20);
    assert_reverts(
        w.house
            .sender(w.kicker)
            .kick(u(1), u(1), u(1), addr(9), addr(9)),
        locked(),
    );
    assert_reverts(
        w.house.sender(a).commit(batch, FixedBytes::ZERO, u(1)),
        locked(),
    );
    assert_reverts(
        w.house
            .sender(a)
            .reveal(batch, u(1), u(1), FixedBytes::ZERO),
        locked(),
    );
    assert_reverts(w.house.sender(a).settle(batch), locked());
    assert_reverts(w.house.sender(a).claim(batch), locked());
    assert_reverts(w.house.sender(w.admin).yank(batch), locked());
}

#[motsu::test]
fn ownership_moves_in_two_steps() {
    let w = World::new();
    let next = addr(70);
    w.house
        .sender(w.admin)
        .transfer_ownership(next)
        .motsu_unwrap();
    w.house.assert_emitted(&OwnershipTransferStarted {
        previousOwner: w.admin,
        newOwner: next,
    });
    assert_eq!(w.house.sender(w.admin).pending_owner(), next);
    assert_eq!(w.house.sender(w.admin).owner(), w.admin);
    w.house.sender(next).accept_ownership().motsu_unwrap();
    w.house.assert_emitted(&OwnershipTransferred {
        previousOwner: w.admin,
        newOwner: next,
    });
    assert_eq!(w.house.sender(w.admin).owner(), next);
    assert_reverts(
        w.house.sender(w.admin).set_kicker(addr(5), true),
        encoded(OwnableUnauthorizedAccount { account: w.admin }),
    );
    w.house
        .sender(next)
        .set_kicker(addr(5), true)
        .motsu_unwrap();
    w.house.assert_emitted(&KickerSet {
        kicker: addr(5),
        allowed: true,
    });
    assert!(w.house.sender(next).is_kicker(addr(5)));
}

// ------------------------------------------------------------------------------------------
// Re-entrancy through a token
// ------------------------------------------------------------------------------------------

/// A collateral token that, inside `transferFrom`, calls back into the house with the call
/// data it was given, records the revert data, and then moves the tokens as usual.
#[storage]
pub struct ReentrantToken {
    balances: stylus_sdk::storage::StorageMap<Address, stylus_sdk::storage::StorageU256>,
    house: stylus_sdk::storage::StorageAddress,
    payload: stylus_sdk::storage::StorageBytes,
    reverted: stylus_sdk::storage::StorageBytes,
}

// SAFETY: a whole contract's storage, as motsu instantiates it.
unsafe impl TopLevelStorage for ReentrantToken {}

#[public]
impl ReentrantToken {
    pub fn decimals(&self) -> u8 {
        18
    }

    #[selector(name = "balanceOf")]
    pub fn balance_of(&self, account: Address) -> U256 {
        self.balances.get(account)
    }

    pub fn mint(&mut self, to: Address, value: U256) {
        let balance = self.balances.get(to);
        self.balances.setter(to).set(balance + value);
    }

    pub fn arm(&mut self, house: Address, payload: stylus_sdk::abi::Bytes) {
        self.house.set(house);
        self.payload.set_bytes(&payload);
    }

    pub fn reverted(&self) -> stylus_sdk::abi::Bytes {
        self.reverted.get_bytes().into()
    }

    pub fn transfer(&mut self, to: Address, value: U256) -> bool {
        let from = self.vm().msg_sender();
        self.move_tokens(from, to, value)
    }

    #[selector(name = "transferFrom")]
    pub fn transfer_from(&mut self, from: Address, to: Address, value: U256) -> bool {
        let payload = self.payload.get_bytes();
        if !payload.is_empty() {
            let house = self.house.get();
            // SAFETY: no storage reference is held across the call.
            let result = unsafe {
                stylus_sdk::call::RawCall::new()
                    .flush_storage_cache()
                    .call(house, &payload)
            };
            self.reverted.set_bytes(result.err().unwrap_or_default());
        }
        self.move_tokens(from, to, value)
    }
}

impl ReentrantToken {
    fn move_tokens(&mut self, from: Address, to: Address, value: U256) -> bool {
        let balance = self.balances.get(from);
        if balance < value {
            return false;
        }
        self.balances.setter(from).set(balance - value);
        let other = self.balances.get(to);
        self.balances.setter(to).set(other + value);
        true
    }
}

#[motsu::test]
fn a_reentrant_token_is_locked_out() {
    clock::set(T0);
    let (admin, kicker) = (addr(1), addr(2));
    let token: Contract<ReentrantToken> = Contract::new();
    let debt: Contract<MockERC20> = Contract::new();
    let oracle: Contract<MockOracle> = Contract::new();
    let module: Contract<SolvencyModule> = Contract::new();
    let house: Contract<BatchAuction> = Contract::new();
    debt.sender(admin)
        .constructor(String::from("Dai"), String::from("DAI"), 18);
    oracle
        .sender(admin)
        .constructor(admin, 8, String::from("ETH / USD"), feed())
        .motsu_unwrap();
    module
        .sender(admin)
        .constructor(
            admin,
            debt.address(),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
        )
        .motsu_unwrap();
    module.sender(admin).set_kicker(kicker, true).motsu_unwrap();
    module
        .sender(admin)
        .set_house(house.address(), true)
        .motsu_unwrap();
    house
        .sender(admin)
        .constructor(
            admin,
            token.address(),
            debt.address(),
            oracle.address(),
            module.address(),
        )
        .motsu_unwrap();
    house
        .sender(admin)
        .set_params(
            u(600),
            u(3_600),
            u(600),
            u(10),
            U256::ZERO,
            U256::ZERO,
            U256::ZERO,
            u(3_600),
        )
        .motsu_unwrap();
    house.sender(admin).set_kicker(kicker, true).motsu_unwrap();
    token.sender(kicker).mint(kicker, e18(2));

    // During the kick's collateral pull the token re-enters with `settle(1)`.
    let mut payload = selector!("settle", U256).to_vec();
    payload.extend_from_slice(&u(1).to_be_bytes::<32>());
    token.sender(admin).arm(house.address(), payload.into());
    let id = module
        .sender(kicker)
        .open(addr(3), e18(1), e18(1))
        .motsu_unwrap();
    house
        .sender(kicker)
        .kick(id, e18(1), e18(1), addr(30), addr(31))
        .motsu_unwrap();
    assert_eq!(token.sender(admin).reverted().to_vec(), encoded(Locked {}));
    // The kick itself went through, and the lock is released afterwards.
    assert_eq!(token.sender(admin).balance_of(house.address()), e18(1));
    token.sender(admin).arm(house.address(), Vec::new().into());
    let id = module
        .sender(kicker)
        .open(addr(3), e18(1), e18(1))
        .motsu_unwrap();
    house
        .sender(kicker)
        .kick(id, e18(1), e18(1), addr(30), addr(31))
        .motsu_unwrap();
}

// ------------------------------------------------------------------------------------------
// Token approvals (OpenZeppelin `forceApprove` semantics) and address words
// ------------------------------------------------------------------------------------------

/// A token whose `approve` refuses (answers `false` to) a non-zero amount unless the previous
/// approval was zero, as some tokens do; `refuse_all` makes it refuse everything.
#[storage]
pub struct ResetApproveToken {
    allowance: stylus_sdk::storage::StorageU256,
    reset: stylus_sdk::storage::StorageBool,
    calls: stylus_sdk::storage::StorageU256,
    refuse_all: stylus_sdk::storage::StorageBool,
}

// SAFETY: a whole contract's storage, as motsu instantiates it.
unsafe impl TopLevelStorage for ResetApproveToken {}

#[public]
impl ResetApproveToken {
    pub fn approve(&mut self, _spender: Address, value: U256) -> bool {
        let calls = self.calls.get();
        self.calls.set(calls + U256::from(1u8));
        if self.refuse_all.get() || (!value.is_zero() && !self.reset.get()) {
            return false;
        }
        self.reset.set(value.is_zero());
        self.allowance.set(value);
        true
    }

    pub fn state(&self) -> (U256, U256) {
        (self.allowance.get(), self.calls.get())
    }

    #[selector(name = "refuseAll")]
    pub fn refuse_all(&mut self) {
        self.refuse_all.set(true);
    }
}

#[motsu::test]
fn force_approve_resets_a_refused_approval_to_zero_first() {
    let w = World::new();
    let token: Contract<ResetApproveToken> = Contract::new();
    let spender = addr(77);
    // Refused, then zero, then the amount: three calls, as OpenZeppelin's `forceApprove`.
    w.house
        .sender(w.admin)
        .force_approve(token.address(), spender, u(5))
        .unwrap();
    assert_eq!(token.sender(w.admin).state(), (u(5), u(3)));
    // A token that refuses everything fails with SafeErc20FailedOperation(token).
    token.sender(w.admin).refuse_all();
    let err = w
        .house
        .sender(w.admin)
        .force_approve(token.address(), spender, u(6))
        .unwrap_err();
    assert_eq!(
        err.data(),
        encoded(SafeErc20FailedOperation {
            token: token.address()
        })
        .as_slice()
    );
    assert_eq!(token.sender(w.admin).state(), (u(5), u(5)));
}

#[motsu::test]
fn the_constructor_guard_is_the_sdks() {
    use stylus_sdk::stylus_core::ConstructorGuard;
    // The dispatcher's guard sets the flag the SDK's guard reads, and refuses once it is set.
    let house: Contract<BatchAuction> = Contract::new();
    assert_eq!(house.sender(addr(1)).constructor_guard(), Ok(()));
    assert_eq!(
        house.sender(addr(1)).check_constructor_slot(),
        Err(Vec::new())
    );
    assert_eq!(house.sender(addr(1)).constructor_guard(), Err(Vec::new()));
    // And the other way round.
    let other: Contract<BatchAuction> = Contract::new();
    assert_eq!(other.sender(addr(1)).check_constructor_slot(), Ok(()));
    assert_eq!(other.sender(addr(1)).constructor_guard(), Err(Vec::new()));
}

#[test]
fn address_words_round_trip() {
    for n in [0u64, 1, 42, u64::MAX] {
        let accounts = [
            addr(n),
            Address::repeat_byte(0xff),
            Address::ZERO,
            Address::repeat_byte(0x80),
        ];
        for account in accounts {
            let word = address_word(account);
            // The address in the low 160 bits, big-endian, as Solidity's `uint160(account)`.
            assert_eq!(word, U256::from_be_bytes(account.into_word().0));
            assert_eq!(address_of(word), account);
            // Bits above the low 160 are ignored.
            assert_eq!(address_of(word | (U256::MAX << 160usize)), account);
        }
    }
}

// ------------------------------------------------------------------------------------------
// The dispatcher against the SDK's router
// ------------------------------------------------------------------------------------------

fn input(selector: [u8; 4], args: &[U256]) -> Vec<u8> {
    calldata(selector, &args.iter().collect::<Vec<_>>())
}

fn via_dispatch(w: &World, sender: Address, data: &[u8]) -> Outcome {
    w.house.sender(sender).dispatch(data).motsu_res()
}

fn via_router(w: &World, sender: Address, data: &[u8]) -> Outcome {
    use stylus_sdk::abi::Router;
    let result = {
        let mut call = w.house.sender(sender);
        let storage: &mut BatchAuction = &mut call;
        match data.split_first_chunk::<4>() {
            None => Err(Vec::new()),
            Some((selector, rest)) => {
                let selector = u32::from_be_bytes(*selector);
                let routed = if selector == stylus_sdk::abi::CONSTRUCTOR_SELECTOR {
                    <BatchAuction as Router<BatchAuction>>::constructor(storage, rest)
                } else {
                    <BatchAuction as Router<BatchAuction>>::route(storage, selector, rest)
                };
                routed.unwrap_or(Err(Vec::new()))
            }
        }
    };
    result.motsu_res()
}

/// A scripted session through `call`; returns every call's outcome.
/// A call's outcome: return data or revert data.
type Outcome = Result<Vec<u8>, Vec<u8>>;

fn session(call: fn(&World, Address, &[u8]) -> Outcome) -> Vec<Outcome> {
    let w = World::with_decimals(18, 18);
    let (a, k, bob) = (w.admin, w.kicker, addr(20));
    let mut out = Vec::new();
    let mut run = |sender: Address, data: Vec<u8>| out.push(call(&w, sender, &data));
    let word = |x: Address| address_word(x);
    // The constructor again (refused), and malformed calls.
    let ctor = stylus_sdk::abi::CONSTRUCTOR_SELECTOR.to_be_bytes();
    run(
        a,
        input(
            ctor,
            &[
                word(a),
                word(w.coll.address()),
                word(w.debt.address()),
                word(w.oracle.address()),
                word(w.module.address()),
            ],
        ),
    );
    run(a, Vec::new());
    run(a, vec![1, 2]);
    run(a, input([0xde, 0xad, 0xbe, 0xef], &[]));
    run(a, input(selector!("settle", U256), &[]));
    run(
        a,
        input(
            selector!("setKicker", Address, bool),
            &[U256::MAX, U256::ZERO],
        ),
    );
    run(
        a,
        input(selector!("setKicker", Address, bool), &[word(k), u(2)]),
    );
    run(
        a,
        input(selector!("setKicker", Address, bool), &[word(k), u(256)]),
    );
    run(
        a,
        input(
            selector!("setKicker", Address, bool),
            &[word(k), U256::ZERO, u(5)],
        ),
    );
    let mut extra_byte = input(
        selector!("setKicker", Address, bool),
        &[word(k), U256::ZERO],
    );
    extra_byte.push(0);
    run(a, extra_byte);
    run(a, input(selector!("owner"), &[u(1)]));
    // Parameters.
    let params = selector!("setParams", U256, U256, U256, U256, U256, U256, U256, U256);
    run(
        a,
        input(
            params,
            &[
                u(600),
                u(600),
                u(1_800),
                u(100),
                RAY / u(2),
                e18(1),
                u(10),
                u(86_400),
            ],
        ),
    );
    run(
        a,
        input(
            params,
            &[
                u(600),
                u(3_600),
                u(1_800),
                u(100),
                RAY / u(2),
                e18(1),
                u(10),
            ],
        ),
    );
    run(
        k,
        input(
            params,
            &[
                u(600),
                u(3_600),
                u(1_800),
                u(100),
                RAY / u(2),
                e18(1),
                u(10),
                u(86_400),
            ],
        ),
    );
    run(
        a,
        input(
            params,
            &[
                u(600),
                u(3_600),
                u(1_800),
                u(100),
                RAY / u(2),
                e18(1),
                u(10),
                u(86_400),
            ],
        ),
    );
    run(
        a,
        input(selector!("setKicker", Address, bool), &[word(k), u(1)]),
    );
    run(
        a,
        input(selector!("setGuardian", Address), &[word(addr(60))]),
    );
    run(addr(60), input(selector!("setStopped", U256), &[u(1)]));
    run(a, input(selector!("setStopped", U256), &[u(0)]));
    // A kick, a commitment and a reveal.
    w.coll.sender(k).mint(k, e18(5)).motsu_unwrap();
    w.coll
        .sender(k)
        .approve(w.house.address(), e18(5))
        .motsu_unwrap();
    let id = w
        .module
        .sender(k)
        .open(w.beneficiary, e18(4_000), e18(4_000))
        .motsu_unwrap();
    run(
        k,
        input(
            selector!("kick", U256, U256, U256, Address, Address),
            &[id, e18(4_000), e18(5), word(addr(30)), word(addr(31))],
        ),
    );
    w.fund_bidder(bob, e18(10_000));
    let hash = commitment(u(1), bob, e18(3), px(1_800), salt(5));
    run(
        bob,
        input(
            selector!("commit", U256, FixedBytes<32>, U256),
            &[u(1), U256::from_be_bytes(hash.0), e18(6_000)],
        ),
    );
    run(
        bob,
        input(
            selector!("commit", U256, FixedBytes<32>, U256),
            &[u(1), u(77), e18(4_000)],
        ),
    );
    run(
        bob,
        input(
            selector!("commit", U256, FixedBytes<32>, U256),
            &[u(1), u(77), U256::ZERO],
        ),
    );
    clock::set(T0 + 3_600);
    run(
        bob,
        input(
            selector!("reveal", U256, U256, U256, FixedBytes<32>),
            &[u(1), e18(3), px(1_800), u(6)],
        ),
    );
    run(
        bob,
        input(
            selector!("reveal", U256, U256, U256, FixedBytes<32>),
            &[u(1), e18(3), px(1_800), u(5)],
        ),
    );
    clock::set(T0 + 3_600 + 1_800);
    w.oracle
        .sender(a)
        .set_answer(feed(), u((T0 + 5_400).into()))
        .motsu_unwrap();
    run(bob, input(selector!("settle", U256), &[u(1)]));
    run(bob, input(selector!("settle", U256), &[u(1)]));
    // Every view.
    for sender in [a, bob] {
        run(
            sender,
            input(selector!("preview", U256, Address), &[u(1), word(bob)]),
        );
        run(sender, input(selector!("batch", U256), &[u(1)]));
        run(sender, input(selector!("batchTerms", U256), &[u(1)]));
        run(sender, input(selector!("result", U256), &[u(1)]));
        run(
            sender,
            input(selector!("kickOf", U256, U256), &[u(1), u(0)]),
        );
        run(
            sender,
            input(selector!("kickOf", U256, U256), &[u(1), u(99)]),
        );
        run(
            sender,
            input(
                selector!("commitmentOf", U256, Address, U256),
                &[u(1), word(bob), u(0)],
            ),
        );
        run(
            sender,
            input(
                selector!("commitmentOf", U256, Address, U256),
                &[u(1), word(bob), u(1)],
            ),
        );
        run(
            sender,
            input(
                selector!("commitmentOf", U256, Address, U256),
                &[u(1), word(bob), u(5)],
            ),
        );
        run(sender, input(selector!("config"), &[]));
        run(sender, input(selector!("params"), &[]));
        run(sender, input(selector!("isKicker", Address), &[word(k)]));
        run(sender, input(selector!("owner"), &[]));
        run(sender, input(selector!("pendingOwner"), &[]));
    }
    run(bob, input(selector!("claim", U256), &[u(1)]));
    run(bob, input(selector!("claim", U256), &[u(1)]));
    run(bob, input(selector!("yank", U256), &[u(1)]));
    run(a, input(selector!("yank", U256), &[u(1)]));
    run(
        a,
        input(selector!("transferOwnership", Address), &[word(bob)]),
    );
    run(bob, input(selector!("acceptOwnership"), &[]));
    run(a, input(selector!("owner"), &[]));
    out
}

#[motsu::test]
fn dispatcher_matches_the_sdk_router() {
    let dispatched = session(via_dispatch);
    let routed = session(via_router);
    assert_eq!(dispatched.len(), routed.len());
    for (i, (d, r)) in dispatched.iter().zip(&routed).enumerate() {
        assert_eq!(d, r, "call {i}");
    }
    // The session exercised both outcomes.
    assert!(dispatched.iter().filter(|r| r.is_ok()).count() > 30);
    assert!(dispatched.iter().filter(|r| r.is_err()).count() > 10);
}

// ------------------------------------------------------------------------------------------
// Random sequences: the books balance at every step
// ------------------------------------------------------------------------------------------

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// One committed bid as the test remembers it.
struct Committed {
    bidder: Address,
    amount: U256,
    price: U256,
    salt: u64,
    deposit: U256,
    revealed: bool,
}

fn run_sequence(seed: u64) {
    let w = World::new();
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let check = |w: &World, lots: U256, won: U256, held: U256, step: &str| {
        assert_eq!(
            w.house_coll(),
            lots + won,
            "seed {seed}: collateral after {step}"
        );
        assert_eq!(w.house_debt(), held, "seed {seed}: debt token after {step}");
    };

    // Kicks.
    let kicks = rng.range(1, 4);
    let mut lots = U256::ZERO;
    let mut ids = Vec::new();
    let mut usrs = Vec::new();
    let mut batch = U256::ZERO;
    for i in 0..kicks {
        let tab = e18(rng.range(500, 20_000).into());
        let lot = u(rng.range(1, 100).into()) * u(100_000_000_000_000_000);
        let usr = addr(300 + i);
        let (id, b) = w.kick(tab, lot, usr);
        batch = b;
        lots += lot;
        ids.push((id, tab, lot));
        usrs.push(usr);
    }
    check(&w, lots, U256::ZERO, U256::ZERO, "kicks");

    // Commitments.
    let bidders: Vec<Address> = (0..rng.range(1, 6)).map(|i| addr(200 + i)).collect();
    let mut bids: Vec<Committed> = Vec::new();
    let mut held = U256::ZERO;
    for (n, bidder) in bidders.iter().enumerate() {
        for j in 0..rng.range(1, 3) {
            let amount = u(rng.range(1, 60).into()) * u(100_000_000_000_000_000);
            let price = px((rng.range(18, 52) * 50).into());
            let value = (amount * price).div_ceil(RAY);
            // Mostly enough, sometimes more, sometimes too little (then the reveal fails).
            let deposit = match rng.range(0, 9) {
                0 => e18(10),
                1..=3 => value + e18(rng.range(10, 5_000).into()),
                _ => gavel_math::max(value, e18(10)),
            };
            let salt_n = (n as u64) * 100 + j;
            w.commit(*bidder, batch, amount, price, salt_n, deposit);
            held += deposit;
            bids.push(Committed {
                bidder: *bidder,
                amount,
                price,
                salt: salt_n,
                deposit,
                revealed: false,
            });
            check(&w, lots, U256::ZERO, held, "commit");
        }
    }

    // Reveals (some skipped, some refused for a too small deposit).
    w.to_reveal(batch);
    for bid in bids.iter_mut() {
        if !rng.chance(80) {
            continue;
        }
        let result = w
            .house
            .sender(bid.bidder)
            .reveal(batch, bid.amount, bid.price, salt(bid.salt))
            .motsu_res();
        let required = (bid.amount * bid.price).div_ceil(RAY);
        if bid.deposit >= required {
            result.unwrap();
            bid.revealed = true;
        } else {
            assert_eq!(
                result.unwrap_err().data(),
                encoded(DepositTooSmall {
                    deposit: bid.deposit,
                    required
                })
            );
        }
        check(&w, lots, U256::ZERO, held, "reveal");
    }

    // Settle, or now and then yank.
    w.to_settle(batch);
    let yanked = rng.chance(10);
    let kicker_before = w.coll_of(w.kicker);
    if yanked {
        w.house.sender(w.admin).yank(batch).motsu_unwrap();
        assert_eq!(w.coll_of(w.kicker) - kicker_before, lots);
        check(&w, U256::ZERO, U256::ZERO, held, "yank");
    } else {
        let fund = w.fund();
        w.settle(batch);
        let (price, sold, raised, num, den, cutoff) = w.result(batch);
        let unrevealed = bids.iter().filter(|b| !b.revealed).count();
        let slashed = e18(10) * u(unrevealed as u128);
        // Every debt token is accounted for: forwarded, slashed, or refundable.
        let refunds: U256 = bidders.iter().map(|b| w.preview(batch, *b).2).sum();
        assert_eq!(raised + slashed + refunds, held, "seed {seed}: debt split");
        // The module got the proceeds (and the bonds, and any penalty stays in the fund).
        let module_raised: U256 = ids.iter().map(|(id, _, _)| w.record(*id).2).sum();
        assert_eq!(module_raised, raised, "seed {seed}: reported proceeds");
        let penalty: U256 = ids
            .iter()
            .map(|(id, tab, _)| {
                let (status, _, r) = w.record(*id);
                if status == 2 {
                    r.saturating_sub(*tab)
                } else {
                    U256::ZERO
                }
            })
            .sum();
        // A finished liquidation short of its debt is covered from the fund.
        let covered: U256 = ids
            .iter()
            .map(|(id, _, _)| w.module.sender(w.admin).liquidation(*id).10)
            .sum();
        assert_eq!(
            w.fund() + covered - fund,
            slashed + penalty,
            "seed {seed}: fund"
        );
        // Collateral: won + returned to usrs + returned to the kicker = lots.
        let won: U256 = bidders.iter().map(|b| w.preview(batch, *b).0).sum();
        assert_eq!(won, sold, "seed {seed}: Σ won = sold");
        let to_usrs: U256 = usrs.iter().map(|a| w.coll_of(*a)).sum();
        assert_eq!(
            won + to_usrs + (w.coll_of(w.kicker) - kicker_before),
            lots,
            "seed {seed}: lots"
        );
        held -= raised + slashed;
        check(&w, U256::ZERO, sold, held, "settle");

        // Per bid: fill <= amount, payment <= ceil(amount * price / RAY) <= deposit; the
        // per-bid payments add up to each bidder's `paid`.
        let clearing = Clearing {
            price,
            sold,
            margin_num: num,
            margin_den: den,
            cutoff: cutoff.to::<u64>(),
            paid: raised,
        };
        for bidder in &bidders {
            let (count, _, _, paid, _) = w
                .house
                .sender(w.admin)
                .preview(batch, *bidder)
                .motsu_unwrap();
            let mut total = U256::ZERO;
            for n in 0..count.to::<u64>() {
                let (_, deposit, index, amount, bid_price) =
                    w.house
                        .sender(w.admin)
                        .commitment_of(batch, *bidder, u(n.into()));
                if index.is_zero() {
                    continue;
                }
                let bid = Bid {
                    price: bid_price,
                    amount,
                    index: (index.to::<u64>() - 1) as u32,
                };
                let fill = clearing::fill(&clearing, &bid).unwrap();
                let pay = clearing::payment(fill, price).unwrap();
                assert!(fill <= amount);
                assert!(
                    pay <= (amount * bid_price).div_ceil(RAY) && pay <= deposit,
                    "seed {seed}: payment bound"
                );
                total += pay;
            }
            assert_eq!(total, paid, "seed {seed}: Σ payments");
        }
    }

    // Claims in random order.
    let mut order: Vec<Address> = bidders.clone();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.range(0, i as u64) as usize);
    }
    let mut unclaimed_won: U256 = if yanked {
        U256::ZERO
    } else {
        w.result(batch).1
    };
    for bidder in order {
        let (won, refund) = w.claim(bidder, batch);
        unclaimed_won -= won;
        held -= refund;
        check(&w, U256::ZERO, unclaimed_won, held, "claim");
    }
    assert_eq!(
        (w.house_coll(), w.house_debt()),
        (U256::ZERO, U256::ZERO),
        "seed {seed}: stranded"
    );
}

#[motsu::test]
fn random_sequences_keep_the_books() {
    let sequences: u64 = std::env::var("GAVEL_BATCH_SEQUENCES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let first: u64 = std::env::var("GAVEL_BATCH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for seed in first..first + sequences {
        run_sequence(seed);
    }
}

// ------------------------------------------------------------------------------------------
// 1,000 revealed bids settled in one transaction
// ------------------------------------------------------------------------------------------

#[motsu::test]
fn settles_one_thousand_revealed_bids_in_one_call() {
    let w = World::new();
    let (_, batch) = w.kick(e18(1_000_000), e18(600), addr(30));
    let (_, _) = w.kick(e18(500_000), e18(400), addr(31));
    let mut rng = Rng(7);
    let mut bids = Vec::new();
    for i in 0..1_000u64 {
        let bidder = addr(10_000 + i);
        let amount = u(rng.range(1, 30).into()) * u(100_000_000_000_000_000);
        let price = px((rng.range(20, 60) * 50).into());
        let deposit = (amount * price).div_ceil(RAY) + e18(10);
        w.commit(bidder, batch, amount, price, i, deposit);
        bids.push((bidder, amount, price, i));
    }
    w.to_reveal(batch);
    for (bidder, amount, price, s) in &bids {
        w.reveal(*bidder, batch, *amount, *price, *s);
    }
    w.to_settle(batch);
    let started = std::time::Instant::now();
    w.settle(batch);
    let elapsed = started.elapsed();
    println!("settle with 1,000 revealed bids: {elapsed:?}");
    let (price, sold, raised, ..) = w.result(batch);
    assert!(!price.is_zero());
    let mut won = U256::ZERO;
    let mut refunds = U256::ZERO;
    for (bidder, ..) in &bids {
        let (x, y) = w.claim(*bidder, batch);
        won += x;
        refunds += y;
    }
    assert_eq!(won, sold);
    assert_eq!((w.house_coll(), w.house_debt()), (U256::ZERO, U256::ZERO));
    assert!(!raised.is_zero() && !refunds.is_zero());
}

//! Tests of the solvency module with the real mock ERC-20 and the mock lender (motsu).
//!
//! Conventions: every failing call is made through `motsu_unwrap_err` / `motsu_res`, which
//! revert the VM state as a real transaction would, and is compared byte for byte with its
//! `sol!` error's `abi_encode()`; "state unchanged" compares a full [`Snapshot`] (views and
//! every party's token balance) before and after.

use alloy_primitives::{Address, U256};
use alloy_sol_types::{SolError, SolEvent};
use mock_erc20::MockERC20;
use mock_lender::{MockLender, MODE_REENTER_HEAL, MODE_REENTER_SOCIALIZE, MODE_REFUSE};
use motsu::prelude::*;
use openzeppelin_stylus::{access::ownable, token::erc20::utils::safe_erc20};

use super::*;

mod dispatch;
mod invariants;

pub(crate) const WAD_UNITS: u128 = 1_000_000_000_000_000_000;
pub(crate) const DAY: u64 = 24 * 60 * 60;

pub(crate) fn w(x: u128) -> U256 {
    U256::from(x)
}

/// Parameters of a deployment.
#[derive(Clone, Copy)]
pub(crate) struct Params {
    pub share: u128,
    pub buffer: u128,
    pub delay: u64,
    pub max_pay: u128,
}

pub(crate) const NO_PARAMS: Params = Params {
    share: 0,
    buffer: 0,
    delay: 0,
    max_pay: 0,
};

/// Deploys the token and the module (admin `admin`).
pub(crate) fn deploy(
    module: &Contract<SolvencyModule>,
    token: &Contract<MockERC20>,
    admin: Address,
    params: Params,
) {
    token
        .sender(admin)
        .constructor("Debt".into(), "DEBT".into(), 18);
    module
        .sender(admin)
        .constructor(
            admin,
            token.address(),
            w(params.share),
            w(params.buffer),
            U256::from(params.delay),
            w(params.max_pay),
        )
        .motsu_unwrap();
}

pub(crate) fn mint(token: &Contract<MockERC20>, to: Address, amount: u128) {
    token.sender(to).mint(to, w(amount)).motsu_unwrap();
}

pub(crate) fn balance(token: &Contract<MockERC20>, who: Address) -> u128 {
    let value = token.sender(who).balance_of(who);
    gavel_math::to_u128(value).unwrap()
}

/// Sends `amount` of fresh tokens from `from` to the module (as a bid payment or a donation).
pub(crate) fn pay(
    token: &Contract<MockERC20>,
    module: &Contract<SolvencyModule>,
    from: Address,
    amount: u128,
) {
    mint(token, from, amount);
    token
        .sender(from)
        .transfer(module.address(), w(amount))
        .motsu_unwrap();
}

/// `(fund, held, open deficit, recorded, healed, socialized)` as `u128`s.
pub(crate) fn books(module: &Contract<SolvencyModule>) -> [u128; 6] {
    let (a, b, c, d, e, f) = module.sender(Address::ZERO).books();
    [a, b, c, d, e, f].map(|x| gavel_math::to_u128(x).unwrap())
}

pub(crate) fn fund(module: &Contract<SolvencyModule>) -> u128 {
    books(module)[0]
}

/// Asserts `result` failed with exactly `expected` (and reverts the call's state).
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

/// Everything observable about the module and the parties, for "state unchanged" checks.
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub books: (U256, U256, U256, U256, U256, U256),
    pub params: (U256, U256, U256, U256),
    pub paused: bool,
    pub owner: Address,
    pub pending: Address,
    pub next: U256,
    pub records: Vec<[U256; 14]>,
    pub totals: Vec<(U256, U256, U256, U256, U256)>,
    pub roles: Vec<(bool, bool, bool)>,
    pub balances: Vec<U256>,
}

pub(crate) fn snapshot(
    module: &Contract<SolvencyModule>,
    token: &Contract<MockERC20>,
    accounts: &[Address],
) -> Snapshot {
    let view = module.sender(Address::ZERO);
    let next = view.next_liquidation_id();
    let last = next.to::<u64>();
    let mut holders = accounts.to_vec();
    holders.push(module.address());
    Snapshot {
        books: view.books(),
        params: view.params(),
        paused: view.paused(),
        owner: view.owner(),
        pending: view.pending_owner(),
        next,
        records: (0..=last)
            .map(|id| view.liquidation_words(U256::from(id)))
            .collect(),
        totals: accounts
            .iter()
            .map(|a| view.beneficiary_totals(*a))
            .collect(),
        roles: accounts.iter().map(|a| view.roles(*a)).collect(),
        balances: holders
            .iter()
            .map(|a| token.sender(*a).balance_of(*a))
            .collect(),
    }
}

/// A deployed module with a kicker, one house and a lender as beneficiary.
struct Setup<'a> {
    module: &'a Contract<SolvencyModule>,
    token: &'a Contract<MockERC20>,
    lender: &'a Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
}

impl Setup<'_> {
    fn new<'a>(
        module: &'a Contract<SolvencyModule>,
        token: &'a Contract<MockERC20>,
        lender: &'a Contract<MockLender>,
        admin: Address,
        kicker: Address,
        house: Address,
        params: Params,
    ) -> Setup<'a> {
        deploy(module, token, admin, params);
        lender.sender(admin).constructor(module.address());
        module.sender(admin).set_kicker(kicker, true).motsu_unwrap();
        module.sender(admin).set_house(house, true).motsu_unwrap();
        Setup {
            module,
            token,
            lender,
            admin,
            kicker,
            house,
        }
    }

    fn beneficiary(&self) -> Address {
        self.lender.address()
    }

    /// Opens a liquidation for the lender and attaches the house with the whole tab.
    fn open(&self, debt: u128, tab: u128) -> U256 {
        let id = self
            .module
            .sender(self.kicker)
            .open(self.beneficiary(), w(debt), w(tab))
            .motsu_unwrap();
        self.module
            .sender(self.house)
            .attach(id, self.kicker, w(tab))
            .motsu_unwrap();
        id
    }

    /// The house pays `amount` into the module and reports it as a partial take.
    fn proceeds(&self, id: U256, amount: u128) {
        pay(self.token, self.module, self.house, amount);
        self.module
            .sender(self.house)
            .on_proceeds(id, w(amount))
            .motsu_unwrap();
    }

    /// The house pays `amount` and ends its auction with `tab_left` and `lot_left`.
    fn end(&self, id: U256, amount: u128, tab_left: u128, lot_left: u128) {
        pay(self.token, self.module, self.house, amount);
        self.module
            .sender(self.house)
            .on_auction_end(id, w(amount), w(tab_left), w(lot_left))
            .motsu_unwrap();
    }

    fn deposit(&self, from: Address, amount: u128) {
        mint(self.token, from, amount);
        self.token
            .sender(from)
            .approve(self.module.address(), w(amount))
            .motsu_unwrap();
        self.module.sender(from).deposit(w(amount)).motsu_unwrap();
    }

    fn lender_balance(&self) -> u128 {
        balance(self.token, self.beneficiary())
    }

    fn module_balance(&self) -> u128 {
        balance(self.token, self.module.address())
    }

    fn snapshot(&self, extra: &[Address]) -> Snapshot {
        let mut accounts = vec![self.admin, self.kicker, self.house, self.beneficiary()];
        accounts.extend_from_slice(extra);
        snapshot(self.module, self.token, &accounts)
    }

    #[track_caller]
    #[allow(clippy::too_many_arguments)]
    fn finished(
        &self,
        id: U256,
        raised: u128,
        repaid: u128,
        to_fund: u128,
        to_ben: u128,
        covered: u128,
        deficit: u128,
        keeper_paid: u128,
    ) {
        self.module.assert_emitted(&Finished {
            liquidationId: id,
            beneficiary: self.beneficiary(),
            raised: w(raised),
            repaid: w(repaid),
            penaltyToFund: w(to_fund),
            penaltyToBeneficiary: w(to_ben),
            covered: w(covered),
            deficit: w(deficit),
            keeperPaid: w(keeper_paid),
        });
        let record = self.module.sender(self.admin).liquidation(id);
        assert_eq!(record.3, STATUS_FINISHED);
        assert_eq!((record.8, record.9), (w(raised), w(keeper_paid)));
        assert_eq!((record.10, record.11), (w(covered), w(deficit)));
        assert_eq!(
            repaid + covered + deficit,
            gavel_math::to_u128(record.6).unwrap()
        );
        assert_eq!(repaid + to_fund + to_ben, raised);
    }
}

macro_rules! setup {
    ($module:ident, $token:ident, $lender:ident, $admin:ident, $kicker:ident, $house:ident, $params:expr) => {
        Setup::new(
            &$module, &$token, &$lender, $admin, $kicker, $house, $params,
        )
    };
}

// ----- deployment ------------------------------------------------------------------------------

#[motsu::test]
fn constructor_sets_admin_token_and_params(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    admin: Address,
) {
    let params = Params {
        share: WAD_UNITS / 2,
        buffer: 1_000,
        delay: 3 * DAY,
        max_pay: 50,
    };
    deploy(&module, &token, admin, params);
    let view = module.sender(admin);
    assert_eq!(view.owner(), admin);
    assert_eq!(view.pending_owner(), Address::ZERO);
    assert_eq!(view.token(), token.address());
    assert_eq!(
        view.params(),
        (w(WAD_UNITS / 2), w(1_000), U256::from(3 * DAY), w(50))
    );
    assert!(!view.paused());
    assert_eq!(view.next_liquidation_id(), U256::from(1));
    assert_eq!(books(&module), [0; 6]);
    module.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: admin,
    });
    module.assert_emitted(&ParamsSet {
        oldPenaltyShare: U256::ZERO,
        oldFundBuffer: U256::ZERO,
        oldSocializationDelay: U256::ZERO,
        oldMaxKeeperPay: U256::ZERO,
        penaltyShare: w(WAD_UNITS / 2),
        fundBuffer: w(1_000),
        socializationDelay: U256::from(3 * DAY),
        maxKeeperPay: w(50),
    });
}

#[motsu::test]
fn constructor_rejects_bad_input(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    admin: Address,
) {
    let t = token.address();
    let z = U256::ZERO;
    let too_big = U256::from(u128::MAX) + U256::from(1);
    let year = U256::from(MAX_SOCIALIZATION_DELAY);
    let call = |owner, token, share, buffer, delay, pay| {
        module
            .sender(admin)
            .constructor(owner, token, share, buffer, delay, pay)
    };
    fails(
        call(Address::ZERO, t, z, z, z, z),
        ownable::OwnableInvalidOwner {
            owner: Address::ZERO,
        },
    );
    fails(
        call(admin, Address::ZERO, z, z, z, z),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    let share = WAD + U256::from(1);
    fails(
        call(admin, t, share, z, z, z),
        InvalidPenaltyShare { share },
    );
    fails(
        call(admin, t, z, too_big, z, z),
        AmountTooLarge { amount: too_big },
    );
    let delay = year + U256::from(1);
    fails(
        call(admin, t, z, z, delay, z),
        InvalidSocializationDelay { delay },
    );
    fails(
        call(admin, t, z, z, z, too_big),
        AmountTooLarge { amount: too_big },
    );
    // The bounds themselves are valid.
    call(
        admin,
        t,
        WAD,
        U256::from(u128::MAX),
        year,
        U256::from(u128::MAX),
    )
    .motsu_unwrap();
    assert_eq!(
        module.sender(admin).params(),
        (WAD, U256::from(u128::MAX), year, U256::from(u128::MAX))
    );
}

// ----- the waterfall, branch by branch ---------------------------------------------------------

#[motsu::test]
fn surplus_repays_the_debt_and_keeps_the_penalty(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = s.open(1_000, 1_130);
    module.assert_emitted(&Opened {
        liquidationId: id,
        beneficiary: s.beneficiary(),
        kicker,
        debt: w(1_000),
        tab: w(1_130),
    });
    module.assert_emitted(&Attached {
        liquidationId: id,
        house,
        tab: w(1_130),
    });
    s.proceeds(id, 700);
    module.assert_emitted(&ProceedsReceived {
        liquidationId: id,
        house,
        amount: w(700),
        raised: w(700),
    });
    assert_eq!(books(&module)[1], 700);
    s.end(id, 430, 0, 5);
    module.assert_emitted(&AuctionEnded {
        liquidationId: id,
        house,
        raised: w(430),
        tabLeft: U256::ZERO,
        lotLeft: w(5),
    });
    s.finished(id, 1_130, 1_000, 130, 0, 0, 0, 0);
    // Balances: the lender has its debt, the fund the penalty, nothing is held.
    assert_eq!(s.lender_balance(), 1_000);
    assert_eq!(s.module_balance(), 130);
    assert_eq!(balance(&token, house), 0);
    assert_eq!(balance(&token, kicker), 0);
    assert_eq!(books(&module), [130, 0, 0, 0, 0, 0]);
    assert_eq!(
        module.sender(admin).beneficiary_totals(s.beneficiary()),
        (w(1_000), U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO)
    );
    let record = module.sender(admin).liquidation(id);
    assert_eq!(record.0, s.beneficiary());
    assert_eq!((record.1, record.2), (kicker, Address::ZERO));
    assert_eq!((record.6, record.7), (w(1_000), w(1_130)));
}

#[motsu::test]
fn penalty_share_goes_to_the_beneficiary_rounded_down_after_keeper_pay(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    keeper: Address,
    depositor: Address,
) {
    // One third of the net penalty to the beneficiary.
    let share = WAD_UNITS / 3;
    let params = Params {
        share,
        buffer: 0,
        delay: 0,
        max_pay: 10,
    };
    let s = setup!(module, token, lender, admin, kicker, house, params);
    s.deposit(depositor, 10);
    let id = s.open(1_000, 1_200);
    let paid = module
        .sender(house)
        .pay_keeper(id, keeper, w(25))
        .motsu_unwrap();
    assert_eq!(paid, w(10));
    s.end(id, 1_111, 0, 0);
    // penalty 111, keeper pay 10 recovered first, 101 * (1/3) = 33.66 -> 33 to the lender.
    let to_ben = gavel_math::to_u128(
        gavel_math::mul_div(w(101), w(share), WAD, gavel_math::Rounding::Down).unwrap(),
    )
    .unwrap();
    assert_eq!(to_ben, 33);
    s.finished(id, 1_111, 1_000, 111 - 33, 33, 0, 0, 10);
    assert_eq!(s.lender_balance(), 1_033);
    assert_eq!(balance(&token, keeper), 10);
    assert_eq!(fund(&module), 78);
    assert_eq!(s.module_balance(), 78);
    assert_eq!(
        module.sender(admin).beneficiary_totals(s.beneficiary()).1,
        w(33)
    );
}

#[motsu::test]
fn exact_proceeds_repay_the_debt_and_nothing_else(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    depositor: Address,
) {
    let s = setup!(
        module,
        token,
        lender,
        admin,
        kicker,
        house,
        Params {
            share: WAD_UNITS,
            ..NO_PARAMS
        }
    );
    s.deposit(depositor, 500);
    let id = s.open(800, 900);
    s.end(id, 800, 100, 0);
    s.finished(id, 800, 800, 0, 0, 0, 0, 0);
    assert_eq!(s.lender_balance(), 800);
    assert_eq!(books(&module), [500, 0, 0, 0, 0, 0]);
    assert_eq!(s.module_balance(), 500);
    assert!(!module.emitted(&ShortfallCovered {
        liquidationId: id,
        beneficiary: s.beneficiary(),
        amount: U256::ZERO
    }));
}

#[motsu::test]
fn shortfall_is_covered_from_the_whole_fund(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    depositor: Address,
) {
    // The buffer does not protect the fund against shortfall coverage.
    let s = setup!(
        module,
        token,
        lender,
        admin,
        kicker,
        house,
        Params {
            buffer: 1_000,
            ..NO_PARAMS
        }
    );
    s.deposit(depositor, 400);
    let id = s.open(1_000, 1_100);
    s.end(id, 700, 400, 0);
    s.finished(id, 700, 700, 0, 0, 300, 0, 0);
    module.assert_emitted(&ShortfallCovered {
        liquidationId: id,
        beneficiary: s.beneficiary(),
        amount: w(300),
    });
    assert_eq!(s.lender_balance(), 1_000);
    assert_eq!(books(&module), [100, 0, 0, 0, 0, 0]);
    assert_eq!(s.module_balance(), 100);
    assert_eq!(balance(&token, depositor), 0);
    assert_eq!(
        module.sender(admin).beneficiary_totals(s.beneficiary()),
        (w(700), U256::ZERO, w(300), U256::ZERO, U256::ZERO)
    );
}

#[motsu::test]
fn partly_covered_shortfall_becomes_a_deficit_that_is_healed_then_socialized(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    depositor: Address,
    anyone: Address,
) {
    let params = Params {
        delay: 2 * DAY,
        ..NO_PARAMS
    };
    let s = setup!(module, token, lender, admin, kicker, house, params);
    gavel_common::clock::set(1_800_000_000);
    s.deposit(depositor, 100);
    let id = s.open(1_000, 1_100);
    s.end(id, 600, 500, 0);
    s.finished(id, 600, 600, 0, 0, 100, 300, 0);
    module.assert_emitted(&DeficitRecorded {
        entryId: id,
        beneficiary: s.beneficiary(),
        amount: w(300),
    });
    assert_eq!(s.lender_balance(), 700);
    assert_eq!(books(&module), [0, 0, 300, 300, 0, 0]);
    let record = module.sender(anyone).liquidation(id);
    assert_eq!(
        (record.5, record.11, record.12, record.13),
        (1_800_000_000, w(300), w(300), U256::ZERO)
    );

    // Heal with an empty fund: nothing to heal.
    fails(
        module.sender(anyone).heal(id),
        NothingToHeal { entryId: id },
    );
    // A later penalty grows the fund: 80 of it heals part of the entry.
    s.deposit(depositor, 80);
    module.sender(anyone).heal(id).motsu_unwrap();
    module.assert_emitted(&Healed {
        entryId: id,
        beneficiary: s.beneficiary(),
        amount: w(80),
        remaining: w(220),
    });
    assert_eq!(s.lender_balance(), 780);
    assert_eq!(books(&module), [0, 0, 220, 300, 80, 0]);

    // Too early to socialize; then 50 more arrives and socialize heals it first.
    let at = U256::from(1_800_000_000 + 2 * DAY);
    fails(
        module.sender(anyone).socialize(id),
        SocializationTooEarly {
            entryId: id,
            socializableAt: at,
        },
    );
    gavel_common::clock::set(1_800_000_000 + 2 * DAY);
    s.deposit(depositor, 50);
    module.sender(anyone).socialize(id).motsu_unwrap();
    module.assert_emitted(&Healed {
        entryId: id,
        beneficiary: s.beneficiary(),
        amount: w(50),
        remaining: w(170),
    });
    module.assert_emitted(&Socialized {
        entryId: id,
        beneficiary: s.beneficiary(),
        amount: w(170),
    });
    assert_eq!(lender.sender(anyone).absorbed(), w(170));
    assert_eq!(s.lender_balance(), 830);
    assert_eq!(books(&module), [0, 0, 0, 300, 130, 170]);
    assert_eq!(s.module_balance(), 0);
    assert_eq!(
        module.sender(anyone).beneficiary_totals(s.beneficiary()),
        (w(600), U256::ZERO, w(230), U256::ZERO, w(170))
    );
    let record = module.sender(anyone).liquidation(id);
    assert_eq!(
        (record.11, record.12, record.13),
        (w(300), U256::ZERO, w(170))
    );
    // Settled: nothing more to do.
    fails(module.sender(anyone).heal(id), NoDeficit { entryId: id });
    fails(
        module.sender(anyone).socialize(id),
        NoDeficit { entryId: id },
    );
    // And withdraw works again now that no deficit is open.
    s.deposit(depositor, 10);
    module.sender(admin).withdraw(w(10), admin).motsu_unwrap();
    assert_eq!(balance(&token, admin), 10);
}

#[motsu::test]
fn nothing_raised_with_an_empty_fund_is_all_deficit_and_socializes_at_once(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = s.open(500, 600);
    module
        .sender(house)
        .on_auction_end(id, U256::ZERO, w(600), U256::ZERO)
        .motsu_unwrap();
    s.finished(id, 0, 0, 0, 0, 0, 500, 0);
    assert_eq!(s.lender_balance(), 0);
    // Delay 0: socializable at once, entirely absorbed.
    module.sender(kicker).socialize(id).motsu_unwrap();
    assert_eq!(lender.sender(admin).absorbed(), w(500));
    assert_eq!(books(&module), [0, 0, 0, 500, 0, 500]);
    assert!(!module.emitted(&Healed {
        entryId: id,
        beneficiary: s.beneficiary(),
        amount: U256::ZERO,
        remaining: w(500)
    }));
}

#[motsu::test]
fn a_liquidation_continues_in_another_house_then_the_kicker_finalizes(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    other_house: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    module
        .sender(admin)
        .set_house(other_house, true)
        .motsu_unwrap();
    let id = s.open(1_000, 1_100);
    // Both left: the record stays open and unheld.
    s.end(id, 400, 700, 3);
    let record = module.sender(admin).liquidation(id);
    assert_eq!(
        (record.2, record.3, record.8),
        (Address::ZERO, STATUS_OPEN, w(400))
    );
    assert_eq!(books(&module)[1], 400);
    // The first house no longer holds it.
    fails(
        module.sender(house).on_proceeds(id, w(1)),
        NotHolder {
            liquidationId: id,
            account: house,
        },
    );
    // Another house takes over with at most the tab left.
    fails(
        module.sender(other_house).attach(id, kicker, w(701)),
        TabExceedsRemaining {
            tab: w(701),
            remaining: w(700),
        },
    );
    module
        .sender(other_house)
        .attach(id, kicker, w(700))
        .motsu_unwrap();
    pay(&token, &module, other_house, 300);
    module
        .sender(other_house)
        .on_auction_end(id, w(300), w(400), w(1))
        .motsu_unwrap();
    // The kicker closes the books with what was raised: 700 of 1000.
    fails(
        module.sender(house).finalize(id),
        KickerMismatch {
            liquidationId: id,
            account: house,
        },
    );
    module.sender(kicker).finalize(id).motsu_unwrap();
    s.finished(id, 700, 700, 0, 0, 0, 300, 0);
    fails(
        module.sender(kicker).finalize(id),
        LiquidationFinished { liquidationId: id },
    );
    assert_eq!(s.lender_balance(), 700);
    assert_eq!(books(&module), [0, 0, 300, 300, 0, 0]);
}

// ----- bad input, one case at a time -------------------------------------------------------------

#[motsu::test]
fn open_rejects_bad_input(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    mallory: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let b = s.beneficiary();
    let before = s.snapshot(&[mallory]);
    let too_big = U256::from(u128::MAX) + U256::from(1);
    fails(
        module.sender(mallory).open(b, w(1), w(1)),
        NotKicker { account: mallory },
    );
    fails(
        module.sender(house).open(b, w(1), w(1)),
        NotKicker { account: house },
    );
    fails(
        module.sender(kicker).open(Address::ZERO, w(1), w(1)),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    fails(
        module.sender(kicker).open(module.address(), w(1), w(1)),
        InvalidAddress {
            account: module.address(),
        },
    );
    fails(
        module.sender(kicker).open(b, U256::ZERO, w(1)),
        ZeroAmount {},
    );
    fails(
        module.sender(kicker).open(b, w(2), w(1)),
        TabBelowDebt {
            debt: w(2),
            tab: w(1),
        },
    );
    fails(
        module.sender(kicker).open(b, w(1), too_big),
        AmountTooLarge { amount: too_big },
    );
    fails(
        module.sender(kicker).open(b, too_big, w(u128::MAX)),
        TabBelowDebt {
            debt: too_big,
            tab: w(u128::MAX),
        },
    );
    module.sender(admin).pause().motsu_unwrap();
    let paused = s.snapshot(&[mallory]);
    fails(module.sender(kicker).open(b, w(1), w(1)), EnforcedPause {});
    assert_eq!(s.snapshot(&[mallory]), paused);
    module.sender(admin).unpause().motsu_unwrap();
    assert_eq!(s.snapshot(&[mallory]), before);
    // The largest amounts are fine.
    let id = module
        .sender(kicker)
        .open(b, w(u128::MAX), w(u128::MAX))
        .motsu_unwrap();
    assert_eq!(id, U256::from(1));
}

#[motsu::test]
fn attach_rejects_bad_input(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    other_house: Address,
    mallory: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    module
        .sender(admin)
        .set_house(other_house, true)
        .motsu_unwrap();
    let id = module
        .sender(kicker)
        .open(s.beneficiary(), w(100), w(120))
        .motsu_unwrap();
    let before = s.snapshot(&[other_house, mallory]);
    fails(
        module.sender(mallory).attach(id, kicker, w(1)),
        NotHouse { account: mallory },
    );
    fails(
        module.sender(house).attach(U256::from(9), kicker, w(1)),
        UnknownLiquidation {
            liquidationId: U256::from(9),
        },
    );
    fails(
        module.sender(house).attach(id, mallory, w(1)),
        KickerMismatch {
            liquidationId: id,
            account: mallory,
        },
    );
    fails(
        module.sender(house).attach(id, kicker, U256::ZERO),
        ZeroAmount {},
    );
    fails(
        module.sender(house).attach(id, kicker, w(121)),
        TabExceedsRemaining {
            tab: w(121),
            remaining: w(120),
        },
    );
    let huge = U256::MAX;
    fails(
        module.sender(house).attach(id, kicker, huge),
        TabExceedsRemaining {
            tab: huge,
            remaining: w(120),
        },
    );
    assert_eq!(s.snapshot(&[other_house, mallory]), before);
    module
        .sender(house)
        .attach(id, kicker, w(120))
        .motsu_unwrap();
    fails(
        module.sender(other_house).attach(id, kicker, w(1)),
        LiquidationHeld {
            liquidationId: id,
            house,
        },
    );
    module
        .sender(house)
        .on_auction_end(id, U256::ZERO, w(1), U256::ZERO)
        .motsu_unwrap();
    fails(
        module.sender(house).attach(id, kicker, w(1)),
        LiquidationFinished { liquidationId: id },
    );
}

#[motsu::test]
fn reports_from_a_house_that_does_not_hold_the_liquidation_are_rejected(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    other_house: Address,
    keeper: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    module
        .sender(admin)
        .set_house(other_house, true)
        .motsu_unwrap();
    let id = s.open(100, 120);
    let unheld = module
        .sender(kicker)
        .open(s.beneficiary(), w(100), w(120))
        .motsu_unwrap();
    pay(&token, &module, other_house, 50);
    let before = s.snapshot(&[other_house, keeper]);
    let not_holder = |account| NotHolder {
        liquidationId: id,
        account,
    };
    fails(
        module.sender(other_house).on_proceeds(id, w(50)),
        not_holder(other_house),
    );
    fails(
        module
            .sender(other_house)
            .on_auction_end(id, w(50), U256::ZERO, U256::ZERO),
        not_holder(other_house),
    );
    fails(
        module.sender(other_house).pay_keeper(id, keeper, w(1)),
        not_holder(other_house),
    );
    fails(
        module.sender(house).on_proceeds(unheld, w(1)),
        NotHolder {
            liquidationId: unheld,
            account: house,
        },
    );
    let nine = U256::from(9);
    fails(
        module.sender(house).on_proceeds(nine, w(1)),
        UnknownLiquidation {
            liquidationId: nine,
        },
    );
    fails(
        module
            .sender(house)
            .on_auction_end(nine, w(1), U256::ZERO, U256::ZERO),
        UnknownLiquidation {
            liquidationId: nine,
        },
    );
    fails(
        module.sender(house).pay_keeper(nine, keeper, w(1)),
        UnknownLiquidation {
            liquidationId: nine,
        },
    );
    assert_eq!(s.snapshot(&[other_house, keeper]), before);
    // Double end: the house no longer holds a finished liquidation.
    s.end(id, 120, 0, 0);
    fails(
        module
            .sender(house)
            .on_auction_end(id, U256::ZERO, U256::ZERO, U256::ZERO),
        LiquidationFinished { liquidationId: id },
    );
    fails(
        module.sender(house).on_proceeds(id, w(1)),
        LiquidationFinished { liquidationId: id },
    );
}

#[motsu::test]
fn proceeds_must_arrive_before_they_are_reported(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    donor: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = s.open(100, 120);
    s.proceeds(id, 30);
    let before = s.snapshot(&[donor]);
    fails(
        module.sender(house).on_proceeds(id, U256::ZERO),
        ZeroAmount {},
    );
    fails(
        module.sender(house).on_proceeds(id, w(1)),
        ProceedsNotReceived {
            expected: w(31),
            balance: w(30),
        },
    );
    fails(
        module
            .sender(house)
            .on_auction_end(id, w(5), U256::ZERO, U256::ZERO),
        ProceedsNotReceived {
            expected: w(35),
            balance: w(30),
        },
    );
    let too_big = U256::from(u128::MAX) + U256::from(1);
    fails(
        module.sender(house).on_proceeds(id, too_big),
        AmountTooLarge { amount: too_big },
    );
    fails(
        module.sender(house).on_proceeds(id, w(u128::MAX)),
        AmountTooLarge {
            amount: w(u128::MAX),
        },
    );
    assert_eq!(s.snapshot(&[donor]), before);
    // A donation is surplus: it changes no figure until skimmed.
    pay(&token, &module, donor, 7);
    assert_eq!(books(&module), [0, 30, 0, 0, 0, 0]);
    assert_eq!(module.sender(admin).surplus_units(), 7);
}

#[motsu::test]
fn finalize_rejects_bad_input(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = s.open(100, 120);
    let before = s.snapshot(&[]);
    let nine = U256::from(9);
    fails(
        module.sender(kicker).finalize(nine),
        UnknownLiquidation {
            liquidationId: nine,
        },
    );
    fails(
        module.sender(admin).finalize(id),
        KickerMismatch {
            liquidationId: id,
            account: admin,
        },
    );
    fails(
        module.sender(kicker).finalize(id),
        LiquidationHeld {
            liquidationId: id,
            house,
        },
    );
    assert_eq!(s.snapshot(&[]), before);
    s.end(id, 10, 5, 5);
    module.sender(kicker).finalize(id).motsu_unwrap();
    fails(
        module.sender(kicker).finalize(id),
        LiquidationFinished { liquidationId: id },
    );
}

// ----- keeper pay ----------------------------------------------------------------------------------

#[motsu::test]
fn keeper_pay_is_capped_by_amount_max_and_the_fund_above_the_buffer(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    keeper: Address,
    depositor: Address,
) {
    let params = Params {
        buffer: 100,
        max_pay: 30,
        ..NO_PARAMS
    };
    let s = setup!(module, token, lender, admin, kicker, house, params);
    let id = s.open(1_000, 1_100);
    let pay_keeper = |amount: U256| {
        module
            .sender(house)
            .pay_keeper(id, keeper, amount)
            .motsu_unwrap()
    };
    // Empty fund: 0, not an error.
    assert_eq!(pay_keeper(w(10)), U256::ZERO);
    s.deposit(depositor, 150);
    assert_eq!(pay_keeper(w(10)), w(10)); // the amount
    module.assert_emitted(&KeeperPaid {
        liquidationId: id,
        house,
        keeper,
        amount: w(10),
    });
    assert_eq!(pay_keeper(w(50)), w(30)); // the per-call maximum
    assert_eq!(pay_keeper(U256::MAX), w(10)); // the fund above the buffer (150 - 40 - 100)
    assert_eq!(pay_keeper(w(1)), U256::ZERO); // the buffer is untouchable
    assert_eq!(pay_keeper(U256::ZERO), U256::ZERO);
    assert_eq!(fund(&module), 100);
    assert_eq!(balance(&token, keeper), 50);
    assert_eq!(module.sender(admin).liquidation(id).9, w(50));
    // Pause: nothing is paid, nothing changes.
    module
        .sender(admin)
        .set_params(U256::ZERO, U256::ZERO, U256::ZERO, w(30))
        .motsu_unwrap();
    module.sender(admin).pause().motsu_unwrap();
    let before = s.snapshot(&[keeper]);
    assert_eq!(pay_keeper(w(5)), U256::ZERO);
    assert_eq!(s.snapshot(&[keeper]), before);
    module.sender(admin).unpause().motsu_unwrap();
    assert_eq!(pay_keeper(w(5)), w(5));
    // Bad keeper, revoked house.
    fails(
        module.sender(house).pay_keeper(id, Address::ZERO, w(1)),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    fails(
        module.sender(house).pay_keeper(id, module.address(), w(1)),
        InvalidAddress {
            account: module.address(),
        },
    );
    module.sender(admin).set_house(house, false).motsu_unwrap();
    fails(
        module.sender(house).pay_keeper(id, keeper, w(1)),
        NotHouse { account: house },
    );
    // Keeper pay counts against the liquidation: recovered from its penalty.
    module.sender(admin).set_house(house, true).motsu_unwrap();
    s.end(id, 1_100, 0, 0);
    s.finished(id, 1_100, 1_000, 100, 0, 0, 0, 55);
}

// ----- pause ---------------------------------------------------------------------------------------

#[motsu::test]
fn pause_blocks_open_and_keeper_pay_only(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    guardian: Address,
    depositor: Address,
    mallory: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = s.open(1_000, 1_100);
    let deficit_id = s.open(100, 100);
    module
        .sender(house)
        .on_auction_end(deficit_id, U256::ZERO, w(1), U256::ZERO)
        .motsu_unwrap();
    module
        .sender(admin)
        .set_guardian(guardian, true)
        .motsu_unwrap();
    module.assert_emitted(&RoleSet {
        account: guardian,
        role: 4,
        allowed: true,
    });
    fails(
        module.sender(mallory).pause(),
        NotGuardian { account: mallory },
    );
    module.sender(guardian).pause().motsu_unwrap();
    module.assert_emitted(&Paused { account: guardian });
    assert!(module.sender(admin).paused());
    // Pausing again changes nothing.
    let events = module.all_events().len();
    module.sender(admin).pause().motsu_unwrap();
    assert_eq!(module.all_events().len(), events);
    // A guardian cannot unpause.
    fails(
        module.sender(guardian).unpause(),
        ownable::OwnableUnauthorizedAccount { account: guardian },
    );
    fails(
        module.sender(kicker).open(s.beneficiary(), w(1), w(1)),
        EnforcedPause {},
    );
    // Closing the books works while paused: heal, socialize, proceeds, auction end.
    s.deposit(depositor, 50);
    module.sender(kicker).heal(deficit_id).motsu_unwrap();
    module.sender(kicker).socialize(deficit_id).motsu_unwrap();
    s.proceeds(id, 100);
    s.end(id, 1_000, 0, 0);
    s.finished(id, 1_100, 1_000, 100, 0, 0, 0, 0);
    module.sender(admin).unpause().motsu_unwrap();
    module.assert_emitted(&Unpaused { account: admin });
    assert!(!module.sender(admin).paused());
    assert_eq!(books(&module), [100, 0, 0, 100, 50, 50]);
}

// ----- deficits: heal, socialize, absorber ------------------------------------------------------------

/// A liquidation that left a deficit of `deficit` owed to the setup's lender.
fn deficit_of(s: &Setup<'_>, deficit: u128) -> U256 {
    let id = s.open(deficit, deficit);
    s.module
        .sender(s.house)
        .on_auction_end(id, U256::ZERO, w(deficit), U256::ZERO)
        .motsu_unwrap();
    id
}

#[motsu::test]
fn a_reverting_absorber_makes_socialize_revert_with_nothing_changed(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    depositor: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = deficit_of(&s, 300);
    s.deposit(depositor, 100);
    lender.sender(admin).set_mode(MODE_REFUSE, U256::ZERO);
    let before = s.snapshot(&[depositor]);
    fails(
        module.sender(kicker).socialize(id),
        AbsorbLossFailed {
            beneficiary: s.beneficiary(),
        },
    );
    assert_eq!(s.snapshot(&[depositor]), before);
    assert_eq!(lender.sender(admin).absorbed(), U256::ZERO);
    // Heal still works; once the lender absorbs, socialize goes through.
    lender.sender(admin).set_mode(0, U256::ZERO);
    module.sender(kicker).socialize(id).motsu_unwrap();
    assert_eq!(lender.sender(admin).absorbed(), w(200));
    assert_eq!(s.lender_balance(), 100);
}

#[motsu::test]
fn socialize_needs_a_beneficiary_with_code(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    eoa: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = module.sender(kicker).open(eoa, w(50), w(50)).motsu_unwrap();
    module
        .sender(house)
        .attach(id, kicker, w(50))
        .motsu_unwrap();
    module
        .sender(house)
        .on_auction_end(id, U256::ZERO, w(50), U256::ZERO)
        .motsu_unwrap();
    let before = s.snapshot(&[eoa]);
    fails(
        module.sender(kicker).socialize(id),
        AbsorbLossFailed { beneficiary: eoa },
    );
    assert_eq!(s.snapshot(&[eoa]), before);
}

#[motsu::test]
fn the_lock_rejects_reentry_from_the_absorber(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let first = deficit_of(&s, 100);
    let second = deficit_of(&s, 40);
    for mode in [MODE_REENTER_HEAL, MODE_REENTER_SOCIALIZE] {
        lender.sender(admin).set_mode(mode, second);
        let entry = if mode == MODE_REENTER_HEAL {
            first
        } else {
            second
        };
        module.sender(kicker).socialize(entry).motsu_unwrap();
        // The nested call was refused with ReentrantCall; the outer call completed.
        assert_eq!(
            lender.sender(admin).last_reentry_error(),
            ReentrantCall::SELECTOR
        );
    }
    assert_eq!(lender.sender(admin).absorbed(), w(140));
    assert_eq!(books(&module), [0, 0, 0, 140, 0, 140]);
    // The lock is released afterwards.
    assert_eq!(
        module.sender(admin).params(),
        (U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO)
    );
    module
        .sender(kicker)
        .open(s.beneficiary(), w(1), w(1))
        .motsu_unwrap();
}

#[motsu::test]
fn heal_and_socialize_reject_bad_input(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
) {
    let s = setup!(
        module,
        token,
        lender,
        admin,
        kicker,
        house,
        Params {
            delay: DAY,
            ..NO_PARAMS
        }
    );
    gavel_common::clock::set(2_000_000_000);
    let open = s.open(10, 10);
    let id = deficit_of(&s, 30);
    let before = s.snapshot(&[]);
    for entry in [U256::ZERO, U256::from(99), open] {
        fails(
            module.sender(kicker).heal(entry),
            NoDeficit { entryId: entry },
        );
        fails(
            module.sender(kicker).socialize(entry),
            NoDeficit { entryId: entry },
        );
    }
    fails(
        module.sender(kicker).heal(id),
        NothingToHeal { entryId: id },
    );
    let at = U256::from(2_000_000_000 + DAY);
    fails(
        module.sender(kicker).socialize(id),
        SocializationTooEarly {
            entryId: id,
            socializableAt: at,
        },
    );
    gavel_common::clock::set(2_000_000_000 + DAY - 1);
    fails(
        module.sender(kicker).socialize(id),
        SocializationTooEarly {
            entryId: id,
            socializableAt: at,
        },
    );
    assert_eq!(s.snapshot(&[]), before);
    // Lowering the delay applies to existing entries.
    module
        .sender(admin)
        .set_params(U256::ZERO, U256::ZERO, U256::ZERO, U256::ZERO)
        .motsu_unwrap();
    module.sender(kicker).socialize(id).motsu_unwrap();
}

// ----- the fund: deposit, withdraw, skim ------------------------------------------------------------

#[motsu::test]
fn deposit_withdraw_and_skim(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    depositor: Address,
    donor: Address,
    treasury: Address,
    mallory: Address,
) {
    let s = setup!(
        module,
        token,
        lender,
        admin,
        kicker,
        house,
        Params {
            buffer: 100,
            ..NO_PARAMS
        }
    );
    let accounts = [depositor, donor, treasury, mallory];
    // Deposit: zero, no allowance.
    fails(module.sender(depositor).deposit(U256::ZERO), ZeroAmount {});
    mint(&token, depositor, 500);
    let before = s.snapshot(&accounts);
    fails(
        module.sender(depositor).deposit(w(10)),
        safe_erc20::SafeErc20FailedOperation {
            token: token.address(),
        },
    );
    assert_eq!(s.snapshot(&accounts), before);
    token
        .sender(depositor)
        .approve(module.address(), w(500))
        .motsu_unwrap();
    module.sender(depositor).deposit(w(300)).motsu_unwrap();
    module.assert_emitted(&FundDeposit {
        from: depositor,
        amount: w(300),
        fund: w(300),
    });
    assert_eq!((fund(&module), balance(&token, depositor)), (300, 200));

    // Withdraw: admin only, above the buffer, to a real recipient.
    let before = s.snapshot(&accounts);
    fails(
        module.sender(mallory).withdraw(w(1), mallory),
        ownable::OwnableUnauthorizedAccount { account: mallory },
    );
    fails(
        module.sender(admin).withdraw(U256::ZERO, treasury),
        ZeroAmount {},
    );
    fails(
        module.sender(admin).withdraw(w(1), Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    fails(
        module.sender(admin).withdraw(w(1), module.address()),
        InvalidAddress {
            account: module.address(),
        },
    );
    fails(
        module.sender(admin).withdraw(w(201), treasury),
        InsufficientFund {
            requested: w(201),
            available: w(200),
        },
    );
    fails(
        module.sender(admin).withdraw(U256::MAX, treasury),
        InsufficientFund {
            requested: U256::MAX,
            available: w(200),
        },
    );
    assert_eq!(s.snapshot(&accounts), before);
    module
        .sender(admin)
        .withdraw(w(200), treasury)
        .motsu_unwrap();
    module.assert_emitted(&FundWithdraw {
        to: treasury,
        amount: w(200),
        fund: w(100),
    });
    assert_eq!((fund(&module), balance(&token, treasury)), (100, 200));

    // Never while a deficit is open, even above the buffer.
    s.deposit(depositor, 50);
    let id = deficit_of(&s, 500);
    assert_eq!(fund(&module), 0);
    s.deposit(depositor, 150);
    let before = s.snapshot(&accounts);
    fails(
        module.sender(admin).withdraw(w(1), treasury),
        DeficitOpen {
            openDeficit: w(350),
        },
    );
    assert_eq!(s.snapshot(&accounts), before);
    module.sender(kicker).socialize(id).motsu_unwrap();

    // Skim: only the surplus; to an address, or booked into the fund.
    fails(module.sender(admin).skim(treasury), NothingToSkim {});
    pay(&token, &module, donor, 40);
    assert_eq!(fund(&module), 0);
    fails(
        module.sender(mallory).skim(mallory),
        ownable::OwnableUnauthorizedAccount { account: mallory },
    );
    fails(
        module.sender(admin).skim(Address::ZERO),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    module.sender(admin).skim(treasury).motsu_unwrap();
    module.assert_emitted(&Skimmed {
        to: treasury,
        amount: w(40),
    });
    assert_eq!(balance(&token, treasury), 240);
    pay(&token, &module, donor, 25);
    module.sender(admin).skim(module.address()).motsu_unwrap();
    module.assert_emitted(&Skimmed {
        to: module.address(),
        amount: w(25),
    });
    assert_eq!(fund(&module), 25);
    assert_eq!(s.module_balance(), 25);
}

#[motsu::test]
fn deposit_rejects_a_fund_above_the_bound(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    whale: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    s.deposit(whale, u128::MAX);
    mint(&token, whale, 1);
    token
        .sender(whale)
        .approve(module.address(), w(1))
        .motsu_unwrap();
    let before = s.snapshot(&[whale]);
    fails(
        module.sender(whale).deposit(w(1)),
        AmountTooLarge { amount: w(1) },
    );
    let too_big = U256::from(u128::MAX) + U256::from(1);
    fails(
        module.sender(whale).deposit(too_big),
        AmountTooLarge { amount: too_big },
    );
    assert_eq!(s.snapshot(&[whale]), before);
}

// ----- roles, parameters, ownership, release ------------------------------------------------------------

#[motsu::test]
fn roles_are_set_by_the_admin_with_events(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    admin: Address,
    alice: Address,
    mallory: Address,
) {
    deploy(&module, &token, admin, NO_PARAMS);
    let before = snapshot(&module, &token, &[alice, mallory]);
    let unauthorized = ownable::OwnableUnauthorizedAccount { account: mallory };
    fails(
        module.sender(mallory).set_kicker(alice, true),
        unauthorized.clone(),
    );
    fails(
        module.sender(mallory).set_house(alice, true),
        unauthorized.clone(),
    );
    fails(
        module.sender(mallory).set_guardian(alice, true),
        unauthorized,
    );
    fails(
        module.sender(admin).set_kicker(Address::ZERO, true),
        InvalidAddress {
            account: Address::ZERO,
        },
    );
    assert_eq!(snapshot(&module, &token, &[alice, mallory]), before);
    module.sender(admin).set_kicker(alice, true).motsu_unwrap();
    module.assert_emitted(&RoleSet {
        account: alice,
        role: 1,
        allowed: true,
    });
    module.sender(admin).set_house(alice, true).motsu_unwrap();
    module.assert_emitted(&RoleSet {
        account: alice,
        role: 2,
        allowed: true,
    });
    assert_eq!(module.sender(admin).roles(alice), (true, true, false));
    module.sender(admin).set_kicker(alice, false).motsu_unwrap();
    module.assert_emitted(&RoleSet {
        account: alice,
        role: 1,
        allowed: false,
    });
    assert_eq!(module.sender(admin).roles(alice), (false, true, false));
    // No change, no event.
    let events = module.all_events().len();
    module.sender(admin).set_house(alice, true).motsu_unwrap();
    assert_eq!(module.all_events().len(), events);
}

#[motsu::test]
fn set_params_validates_every_value_and_logs_changes(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    admin: Address,
    mallory: Address,
) {
    deploy(&module, &token, admin, NO_PARAMS);
    let before = snapshot(&module, &token, &[mallory]);
    let z = U256::ZERO;
    let too_big = U256::from(u128::MAX) + U256::from(1);
    fails(
        module.sender(mallory).set_params(z, z, z, z),
        ownable::OwnableUnauthorizedAccount { account: mallory },
    );
    let share = WAD + U256::from(1);
    fails(
        module.sender(admin).set_params(share, z, z, z),
        InvalidPenaltyShare { share },
    );
    fails(
        module.sender(admin).set_params(z, too_big, z, z),
        AmountTooLarge { amount: too_big },
    );
    let delay = U256::from(MAX_SOCIALIZATION_DELAY + 1);
    fails(
        module.sender(admin).set_params(z, z, delay, z),
        InvalidSocializationDelay { delay },
    );
    fails(
        module.sender(admin).set_params(z, z, z, too_big),
        AmountTooLarge { amount: too_big },
    );
    assert_eq!(snapshot(&module, &token, &[mallory]), before);
    module
        .sender(admin)
        .set_params(w(5), w(6), w(7), w(8))
        .motsu_unwrap();
    module.assert_emitted(&ParamsSet {
        oldPenaltyShare: z,
        oldFundBuffer: z,
        oldSocializationDelay: z,
        oldMaxKeeperPay: z,
        penaltyShare: w(5),
        fundBuffer: w(6),
        socializationDelay: w(7),
        maxKeeperPay: w(8),
    });
    module
        .sender(admin)
        .set_params(w(5), w(9), w(7), w(8))
        .motsu_unwrap();
    module.assert_emitted(&ParamsSet {
        oldPenaltyShare: w(5),
        oldFundBuffer: w(6),
        oldSocializationDelay: w(7),
        oldMaxKeeperPay: w(8),
        penaltyShare: w(5),
        fundBuffer: w(9),
        socializationDelay: w(7),
        maxKeeperPay: w(8),
    });
    assert_eq!(module.sender(admin).params(), (w(5), w(9), w(7), w(8)));
    let events = module.all_events().len();
    module
        .sender(admin)
        .set_params(w(5), w(9), w(7), w(8))
        .motsu_unwrap();
    assert_eq!(module.all_events().len(), events);
    // The next liquidation id is untouched by the delay's word.
    assert_eq!(module.sender(admin).next_liquidation_id(), U256::from(1));
}

#[motsu::test]
fn admin_moves_in_two_steps(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    admin: Address,
    bob: Address,
    mallory: Address,
) {
    deploy(&module, &token, admin, NO_PARAMS);
    fails(
        module.sender(mallory).transfer_ownership(mallory),
        ownable::OwnableUnauthorizedAccount { account: mallory },
    );
    module.sender(admin).transfer_ownership(bob).motsu_unwrap();
    module.assert_emitted(&OwnershipTransferStarted {
        previousOwner: admin,
        newOwner: bob,
    });
    assert_eq!(
        (
            module.sender(bob).owner(),
            module.sender(bob).pending_owner()
        ),
        (admin, bob)
    );
    // Not yet: bob has no power, the admin still has it.
    fails(
        module.sender(bob).set_kicker(bob, true),
        ownable::OwnableUnauthorizedAccount { account: bob },
    );
    fails(
        module.sender(mallory).accept_ownership(),
        ownable::OwnableUnauthorizedAccount { account: mallory },
    );
    module.sender(bob).accept_ownership().motsu_unwrap();
    module.assert_emitted(&OwnershipTransferred {
        previousOwner: admin,
        newOwner: bob,
    });
    assert_eq!(
        (
            module.sender(bob).owner(),
            module.sender(bob).pending_owner()
        ),
        (bob, Address::ZERO)
    );
    fails(
        module.sender(admin).set_kicker(admin, true),
        ownable::OwnableUnauthorizedAccount { account: admin },
    );
    module.sender(bob).set_kicker(bob, true).motsu_unwrap();
    fails(
        module.sender(bob).accept_ownership(),
        ownable::OwnableUnauthorizedAccount { account: bob },
    );
    // A proposal can be withdrawn by proposing zero.
    module.sender(bob).transfer_ownership(admin).motsu_unwrap();
    module
        .sender(bob)
        .transfer_ownership(Address::ZERO)
        .motsu_unwrap();
    fails(
        module.sender(admin).accept_ownership(),
        ownable::OwnableUnauthorizedAccount { account: admin },
    );
}

#[motsu::test]
fn release_frees_a_liquidation_held_by_a_revoked_house(
    module: Contract<SolvencyModule>,
    token: Contract<MockERC20>,
    lender: Contract<MockLender>,
    admin: Address,
    kicker: Address,
    house: Address,
    mallory: Address,
) {
    let s = setup!(module, token, lender, admin, kicker, house, NO_PARAMS);
    let id = s.open(100, 100);
    let unheld = module
        .sender(kicker)
        .open(s.beneficiary(), w(1), w(1))
        .motsu_unwrap();
    let before = s.snapshot(&[mallory]);
    fails(
        module.sender(mallory).release(id),
        ownable::OwnableUnauthorizedAccount { account: mallory },
    );
    fails(
        module.sender(admin).release(unheld),
        LiquidationNotHeld {
            liquidationId: unheld,
        },
    );
    fails(
        module.sender(admin).release(id),
        HouseStillAuthorized { house },
    );
    assert_eq!(s.snapshot(&[mallory]), before);
    module.sender(admin).set_house(house, false).motsu_unwrap();
    module.sender(admin).release(id).motsu_unwrap();
    module.assert_emitted(&Released {
        liquidationId: id,
        house,
    });
    // The revoked house can no longer report; the kicker closes the books.
    fails(
        module
            .sender(house)
            .on_auction_end(id, U256::ZERO, U256::ZERO, U256::ZERO),
        NotHolder {
            liquidationId: id,
            account: house,
        },
    );
    module.sender(kicker).finalize(id).motsu_unwrap();
    s.finished(id, 0, 0, 0, 0, 0, 100, 0);
}

// ----- encodings -------------------------------------------------------------------------------------

#[test]
fn error_helpers_match_the_sol_encodings() {
    let a = Address::repeat_byte(0xab);
    let x = U256::from(0x1234_5678u64) << 100;
    let y = U256::MAX - U256::from(7);
    assert_eq!(
        fail(ZeroAmount::SELECTOR).data(),
        &ZeroAmount {}.abi_encode()[..]
    );
    assert_eq!(
        fail_word(NoDeficit::SELECTOR, &x).data(),
        &NoDeficit { entryId: x }.abi_encode()[..]
    );
    assert_eq!(
        fail_address(NotHouse::SELECTOR, a).data(),
        &NotHouse { account: a }.abi_encode()[..]
    );
    assert_eq!(
        fail_id_address(NotHolder::SELECTOR, &y, a).data(),
        &NotHolder {
            liquidationId: y,
            account: a
        }
        .abi_encode()[..]
    );
    assert_eq!(
        fail_words(ProceedsNotReceived::SELECTOR, &x, &y).data(),
        &ProceedsNotReceived {
            expected: x,
            balance: y
        }
        .abi_encode()[..]
    );
    assert_eq!(
        token_failed(a).data(),
        &safe_erc20::SafeErc20FailedOperation { token: a }.abi_encode()[..]
    );
    assert_eq!(
        arithmetic_error().data(),
        &ArithmeticError {}.abi_encode()[..]
    );
    let error: Error =
        safe_erc20::Error::SafeErc20FailedOperation(safe_erc20::SafeErc20FailedOperation {
            token: a,
        })
        .into();
    assert_eq!(
        Vec::<u8>::from(error),
        safe_erc20::SafeErc20FailedOperation { token: a }.abi_encode()
    );
}

#[test]
fn interface_lists_every_event() {
    assert_eq!(EVENTS.len(), 20);
    assert!(EVENTS
        .iter()
        .any(|e| e.starts_with("event Finished(uint256 indexed liquidationId,")));
    assert_eq!(
        Finished::SIGNATURE,
        "Finished(uint256,address,uint256,uint256,uint256,uint256,uint256,uint256,uint256)"
    );
    assert_eq!(
        OwnershipTransferred::SIGNATURE_HASH,
        ownable::OwnershipTransferred::SIGNATURE_HASH
    );
    assert_eq!(
        OwnershipTransferStarted::SIGNATURE_HASH,
        openzeppelin_stylus::access::ownable_two_step::OwnershipTransferStarted::SIGNATURE_HASH
    );
}

#[test]
fn word_packing_round_trips() {
    let a = Address::repeat_byte(0xcd);
    assert_eq!(address_of(&address_word(a)), a);
    let head = with_address(a, u64::from(STATUS_OPEN), u64::MAX);
    assert_eq!(address_of(&head), a);
    assert!(require_open(&U256::from(1), &head).is_ok());
    let control = set_flag(with_address(a, 0, 7), LOCK_FLAG, true);
    assert!(flag(control, LOCK_FLAG) && !flag(control, PAUSED_FLAG));
    assert_eq!(address_of(&control), a);
    assert_eq!(set_flag(control, LOCK_FLAG, false), with_address(a, 0, 7));
    let p = pair(u128::MAX - 1, 3);
    assert_eq!((low(p), high(p)), (u128::MAX - 1, 3));
    assert_eq!(
        total(pair(u128::MAX, u128::MAX)),
        U256::from(u128::MAX) * U256::from(2)
    );
    // Namespaced slots are consecutive and far from OpenZeppelin's slots 0 and 1.
    assert_eq!(ROLES - CONTROL, U256::from(10));
    assert!(CONTROL > U256::from(1u64 << 63));
}

mod share {
    use super::*;
    use proptest::prelude::*;

    fn reference(amount: u128, share: u64) -> u128 {
        let exact = gavel_math::mul_div(
            U256::from(amount),
            U256::from(share),
            WAD,
            gavel_math::Rounding::Down,
        )
        .unwrap();
        gavel_math::to_u128(exact).unwrap()
    }

    #[test]
    fn edges() {
        for amount in [
            0,
            1,
            999_999_999_999_999_999,
            WAD_UNITS,
            u128::MAX,
            u128::MAX - 1,
            1 << 64,
            (1 << 64) - 1,
        ] {
            for share in [
                0,
                1,
                WAD_UNITS as u64 - 1,
                WAD_UNITS as u64,
                WAD_UNITS as u64 / 3,
                7,
            ] {
                assert_eq!(
                    share_of(amount, share),
                    reference(amount, share),
                    "{amount} {share}"
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]
        #[test]
        fn matches_mul_div(amount in any::<u128>(), share in 0..=WAD_UNITS as u64) {
            prop_assert_eq!(share_of(amount, share), reference(amount, share));
        }
    }
}

impl SolvencyModule {
    /// Test helper: the surplus in base units.
    pub(crate) fn surplus_units(&self) -> u128 {
        let control = self.sload(&CONTROL);
        let surplus = self
            .surplus_of(address_of(&control), self.sload(&BOOKS))
            .unwrap();
        gavel_math::to_u128(surplus).unwrap()
    }
}

//! The auction house with the real solvency module, tokens and oracle.

use super::*;

/// Default starting price: feed * 1.25.
fn top() -> U256 {
    ray(2_500, 1)
}

/// Default linear price after `t` seconds (tau 1,000 s).
fn linear(t: u64) -> U256 {
    mul_div_up(top(), U256::from(1_000 - t), U256::from(1_000))
}

// ----------------------------------------------------------------------------------- kick

#[motsu::test]
fn kick_starts_at_the_oracle_price_times_buf() {
    let w = deploy(Setup::default());
    let (tab, lot) = (e18(10_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    assert_eq!(id, U256::from(1));
    assert_eq!(
        w.sale(id),
        (U256::ZERO, tab, lot, USR, U96::from(T0), top())
    );
    assert_eq!(w.house.sender(ADMIN).list(), vec![id]);
    assert_eq!(w.house.sender(ADMIN).count(), U256::from(1));
    assert_eq!(w.house.sender(ADMIN).kicks(), U256::from(1));
    assert_eq!(w.status(id), (false, top(), lot, tab));
    // The collateral moved from the kicker to the house.
    assert_eq!(w.gem_of(w.house.address()), lot);
    assert_eq!(w.gem_of(ENGINE), U256::ZERO);
    // The solvency module knows the house holds the liquidation.
    let (house, status, ..) = w.record(liquidation);
    assert_eq!((house, status), (w.house.address(), 1));
    // Kick incentive: tip + chip * tab = 10 + 10 DAI, paid by the fund.
    let coin = e18(20);
    assert_eq!(w.dai_of(KPR), coin);
    assert_eq!(w.record(liquidation).5, coin);
    w.house.assert_emitted(&Kick {
        id,
        top: top(),
        tab,
        lot,
        usr: USR,
        kpr: KPR,
        coin,
    });
    // The snapshot: liquidation, kicker, linear over 1,000 s, tail, min price 1 (no floor, no
    // cusp), dust.
    assert_eq!(
        w.house.sender(ADMIN).snapshot(id),
        (
            liquidation,
            ENGINE,
            U256::from(1),
            U256::ZERO,
            U256::from(1_000),
            U256::from(2_000),
            U256::from(1),
            e18(100)
        )
    );
    w.check_books();
}

#[motsu::test]
fn kick_incentive_is_capped_by_the_solvency_module() {
    let w = deploy(Setup::default());
    // tip + chip * tab = 10 + 100 DAI, capped at maxKeeperPay = 50.
    let (_, id) = w.kick(e18(100_000), e18(100));
    w.house.assert_emitted(&Kick {
        id,
        top: top(),
        tab: e18(100_000),
        lot: e18(100),
        usr: USR,
        kpr: KPR,
        coin: e18(50),
    });
    assert_eq!(w.dai_of(KPR), e18(50));
    // An empty fund pays nothing, and the kick still works.
    let w = deploy(Setup {
        fund: U256::ZERO,
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(1_000), e18(1));
    assert_eq!(id, U256::from(1));
    assert_eq!(w.dai_of(KPR), U256::ZERO);
}

#[motsu::test]
fn kick_checks_caller_and_arguments() {
    let w = deploy(Setup::default());
    let liquidation = w
        .solvency
        .sender(ENGINE)
        .open(BENEFICIARY, e18(100), e18(100))
        .unwrap();
    w.gem.sender(ENGINE).mint(ENGINE, e18(1)).unwrap();
    let kick = |sender: Address, tab: U256, lot: U256, usr: Address| {
        w.house
            .sender(sender)
            .kick(liquidation, tab, lot, usr, KPR)
            .motsu_unwrap_err()
    };
    assert!(is(
        &kick(MALLORY, e18(100), e18(1), USR),
        Unauthorized { account: MALLORY }
    ));
    assert!(is(&kick(ENGINE, U256::ZERO, e18(1), USR), ZeroAmount {}));
    assert!(is(&kick(ENGINE, e18(100), U256::ZERO, USR), ZeroAmount {}));
    assert!(is(
        &kick(ENGINE, e18(100), e18(1), Address::ZERO),
        ZeroAddress {}
    ));
    let big = U256::from(u128::MAX) + U256::from(1);
    let max128 = U256::from(u128::MAX);
    assert!(is(
        &kick(ENGINE, big, e18(1), USR),
        ValueTooLarge {
            value: big,
            max: max128
        }
    ));
    assert!(is(
        &kick(ENGINE, e18(100), big, USR),
        ValueTooLarge {
            value: big,
            max: max128
        }
    ));
    let err = w
        .house
        .sender(ENGINE)
        .kick(U256::from(1u64 << 40), e18(100), e18(1), USR, KPR)
        .motsu_unwrap_err();
    let max = U256::from(MAX_LIQUIDATION_ID);
    assert!(is(
        &err,
        ValueTooLarge {
            value: U256::from(1u64 << 40),
            max
        }
    ));
    // The solvency module refuses a tab above the liquidation's: the whole kick reverts.
    let (target, reason) = call_failure(kick(ENGINE, e18(101), e18(1), USR));
    assert_eq!(target, w.solvency.address());
    assert_eq!(
        &reason[..4],
        &solvency_module::TabExceedsRemaining::SELECTOR
    );
    // Nothing happened.
    assert_eq!(w.house.sender(ADMIN).kicks(), U256::ZERO);
    assert_eq!(w.gem_of(ENGINE), e18(1));
    w.check_books();
}

#[motsu::test]
fn kick_needs_the_liquidations_kicker_and_an_unheld_liquidation() {
    let w = deploy(Setup::default());
    let (liquidation, _) = w.kick(e18(100), e18(1));
    // Attached already: a second kick of the same liquidation fails in `attach`.
    w.gem.sender(ENGINE).mint(ENGINE, e18(1)).unwrap();
    let err = w
        .house
        .sender(ENGINE)
        .kick(liquidation, e18(1), e18(1), USR, KPR)
        .motsu_unwrap_err();
    assert_eq!(call_failure(err).0, w.solvency.address());
    // Another authorised kicker is not the liquidation's kicker.
    let other = Address::repeat_byte(0xe2);
    w.house.sender(ADMIN).set_kicker(other, true).unwrap();
    let fresh = w
        .solvency
        .sender(ENGINE)
        .open(BENEFICIARY, e18(1), e18(1))
        .unwrap();
    w.gem.sender(other).mint(other, e18(1)).unwrap();
    w.gem
        .sender(other)
        .approve(w.house.address(), U256::MAX)
        .unwrap();
    let err = w
        .house
        .sender(other)
        .kick(fresh, e18(1), e18(1), USR, KPR)
        .motsu_unwrap_err();
    assert_eq!(call_failure(err).0, w.solvency.address());
}

#[motsu::test]
fn kick_requires_configuration() {
    clock::set(T0);
    let w = deploy(Setup::default());
    let fresh = Contract::<DutchAuction>::new();
    fresh
        .sender(ADMIN)
        .constructor(
            ADMIN,
            w.gem.address(),
            w.dai.address(),
            w.oracle.address(),
            w.solvency.address(),
        )
        .unwrap();
    fresh.sender(ADMIN).set_kicker(ENGINE, true).unwrap();
    let try_kick = || {
        fresh
            .sender(ENGINE)
            .kick(U256::from(1), e18(1), e18(1), USR, KPR)
            .motsu_unwrap_err()
    };
    assert!(is(&try_kick(), NotConfigured {}));
    fresh.sender(ADMIN).file(key(names::BUF), RAY).unwrap();
    fresh
        .sender(ADMIN)
        .file(key(names::TAIL), U256::from(60))
        .unwrap();
    fresh
        .sender(ADMIN)
        .file(key(names::MAX_AGE), U256::from(60))
        .unwrap();
    assert!(is(&try_kick(), NotConfigured {}));
    fresh
        .sender(ADMIN)
        .set_curve(U256::from(1), U256::ZERO, U256::from(60))
        .unwrap();
    // Configured now: the next failure is the solvency module's (unknown house).
    assert!(is_a::<ExternalCallFailed>(&try_kick()));
}

// ----------------------------------------------------------------------------------- take

#[motsu::test]
fn partial_take_pays_the_solvency_module_and_reports_proceeds() {
    let w = deploy(Setup::default());
    let (tab, lot) = (e18(10_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    clock::set(T0 + 500);
    let price = w.price(id);
    assert_eq!(price, ray(1_250, 1));
    w.fund_keeper(e18(5_000));
    let solvency_before = w.dai_of(w.solvency.address());
    // Buy 1 GEM for 1,250 DAI; `who` is another account.
    let buyer = Address::repeat_byte(0x77);
    w.house
        .sender(KEEPER)
        .take(id, e18(1), price, buyer, none())
        .unwrap();
    let owe = e18(1_250);
    assert_eq!(w.gem_of(buyer), e18(1));
    assert_eq!(w.dai_of(KEEPER), e18(5_000) - owe);
    assert_eq!(w.dai_of(w.solvency.address()), solvency_before + owe);
    assert_eq!(w.status(id), (false, price, e18(9), tab - owe));
    let (house, status, _, _, raised, _) = w.record(liquidation);
    assert_eq!((house, status, raised), (w.house.address(), 1, owe));
    w.house.assert_emitted(&Take {
        id,
        max: price,
        price,
        owe,
        tab: tab - owe,
        lot: e18(9),
        usr: USR,
    });
    w.check_books();
}

#[motsu::test]
fn owe_is_rounded_up_and_slice_down() {
    let w = deploy(Setup::default());
    let (tab, lot) = (e18(10_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    clock::set(T0 + 1);
    // 2,497.5 DAI per GEM: one wei of GEM costs ceil(2,497.5) wei of DAI.
    let price = w.price(id);
    assert_eq!(price, ray(24_975, 10));
    w.fund_keeper(e18(10_000));
    w.house
        .sender(KEEPER)
        .take(id, U256::from(1), price, KEEPER, none())
        .unwrap();
    assert_eq!(w.record(liquidation).4, U256::from(2_498));
    assert_eq!(w.gem_of(KEEPER), U256::from(1));
    // A purchase capped at the tab gets floor(tab / price) collateral: the protocol is paid at
    // least the price of what it sells.
    let (_, id2) = w.kick(U256::from(10_001), e18(1));
    let price2 = w.price(id2);
    w.house
        .sender(KEEPER)
        .take(id2, e18(1), price2, KEEPER, none())
        .unwrap();
    let slice = mul_div_down(U256::from(10_001), RAY, price2);
    assert_eq!(w.gem_of(KEEPER), U256::from(1) + slice);
    assert!(U256::from(10_001) * RAY >= slice * price2);
    w.check_books();
}

#[motsu::test]
fn dust_rule_cuts_a_partial_take_to_leave_exactly_dust() {
    let w = deploy(Setup {
        dust: e18(1_000),
        ..Setup::default()
    });
    let (tab, lot) = (e18(10_000), e18(10));
    let (_, id) = w.kick(tab, lot);
    clock::set(T0 + 500);
    let price = ray(1_250, 1);
    w.fund_keeper(e18(20_000));
    // 7.5 GEM would cost 9,375 and leave 625 < dust: cut to owe 9,000, slice 7.2 GEM.
    w.house
        .sender(KEEPER)
        .take(id, e18(75) / u(10), price, KEEPER, none())
        .unwrap();
    let owe = e18(9_000);
    let slice = e18(72) / u(10);
    assert_eq!(w.gem_of(KEEPER), slice);
    assert_eq!(w.status(id), (false, price, lot - slice, e18(1_000)));
    w.house.assert_emitted(&Take {
        id,
        max: price,
        price,
        owe,
        tab: e18(1_000),
        lot: lot - slice,
        usr: USR,
    });
    // A partial take that leaves at least dust is not changed (a new auction: price 2,500).
    let (_, id2) = w.kick(tab, lot);
    w.house
        .sender(KEEPER)
        .take(id2, e18(3), U256::MAX, KEEPER, none())
        .unwrap();
    assert_eq!(w.status(id2).3, e18(10_000 - 7_500));
    w.check_books();
}

#[motsu::test]
fn dust_rule_allows_only_the_whole_lot_when_tab_is_at_most_dust() {
    let w = deploy(Setup {
        dust: e18(1_000),
        ..Setup::default()
    });
    let (tab, lot) = (e18(1_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    clock::set(T0 + 500);
    let price = ray(1_250, 1);
    w.fund_keeper(e18(20_000));
    let err = w
        .house
        .sender(KEEPER)
        .take(id, e18(1) / u(2), price, KEEPER, none())
        .motsu_unwrap_err();
    assert!(is(
        &err,
        NoPartialPurchase {
            tab,
            dust: e18(1_000)
        }
    ));
    // A purchase that covers the whole tab is fine (here: 0.8 GEM for 1,000 DAI).
    w.house
        .sender(KEEPER)
        .take(id, lot, price, KEEPER, none())
        .unwrap();
    assert_eq!(w.gem_of(KEEPER), e18(8) / u(10));
    assert_eq!(w.record(liquidation).1, 2);
    w.check_books();
}

#[motsu::test]
fn covering_the_tab_returns_the_leftover_collateral_to_usr() {
    let w = deploy(Setup::default());
    let (tab, lot) = (e18(1_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    clock::set(T0 + 500);
    let price = ray(1_250, 1);
    w.fund_keeper(e18(20_000));
    w.house
        .sender(KEEPER)
        .take(id, U256::MAX, U256::MAX, KEEPER, none())
        .unwrap();
    // owe capped at the tab: 0.8 GEM for 1,000 DAI; 9.2 GEM back to the owner.
    assert_eq!(w.gem_of(KEEPER), e18(8) / u(10));
    assert_eq!(w.gem_of(USR), e18(92) / u(10));
    assert_eq!(w.dai_of(KEEPER), e18(19_000));
    w.house.assert_emitted(&Take {
        id,
        max: U256::MAX,
        price,
        owe: tab,
        tab: U256::ZERO,
        lot: e18(92) / u(10),
        usr: USR,
    });
    // The sale is gone and the liquidation finished: the beneficiary got its debt.
    assert_eq!(w.sale(id), Default::default());
    assert_eq!(w.house.sender(ADMIN).count(), U256::ZERO);
    assert_eq!(w.status(id), (false, U256::ZERO, U256::ZERO, U256::ZERO));
    let (house, status, _, _, raised, _) = w.record(liquidation);
    assert_eq!((house, status, raised), (Address::ZERO, 2, tab));
    assert_eq!(w.dai_of(BENEFICIARY), tab);
    w.check_books();
}

#[motsu::test]
fn buying_the_whole_lot_ends_the_auction_with_tab_left() {
    let w = deploy(Setup::default());
    let (tab, lot) = (e18(100_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    clock::set(T0 + 500);
    w.fund_keeper(e18(20_000));
    w.house
        .sender(KEEPER)
        .take(id, lot, U256::MAX, KEEPER, none())
        .unwrap();
    let owe = e18(12_500);
    assert_eq!(w.gem_of(KEEPER), lot);
    w.house.assert_emitted(&Take {
        id,
        max: U256::MAX,
        price: ray(1_250, 1),
        owe,
        tab: tab - owe,
        lot: U256::ZERO,
        usr: USR,
    });
    let (house, status, _, _, raised, _) = w.record(liquidation);
    assert_eq!((house, status, raised), (Address::ZERO, 2, owe));
    assert_eq!(w.gem_of(USR), U256::ZERO);
    w.check_books();
}

#[motsu::test]
fn take_above_max_is_rejected() {
    let w = deploy(Setup::default());
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 500);
    w.fund_keeper(e18(20_000));
    let price = ray(1_250, 1);
    let err = w
        .house
        .sender(KEEPER)
        .take(id, e18(1), price - U256::from(1), KEEPER, none())
        .motsu_unwrap_err();
    assert!(is(
        &err,
        TooExpensive {
            max: price - U256::from(1),
            price
        }
    ));
    assert_eq!(w.gem_of(KEEPER), U256::ZERO);
    // A second later the price is lower and the same max is enough.
    clock::set(T0 + 501);
    w.house
        .sender(KEEPER)
        .take(id, e18(1), price - U256::from(1), KEEPER, none())
        .unwrap();
}

#[motsu::test]
fn take_rejects_nothing_to_buy_unknown_ids_and_unpaid_purchases() {
    let w = deploy(Setup::default());
    let (_, id) = w.kick(e18(10_000), e18(10));
    let take = |id: U256, amt: U256| {
        w.house
            .sender(KEEPER)
            .take(id, amt, U256::MAX, KEEPER, none())
            .motsu_unwrap_err()
    };
    assert!(is(&take(id, U256::ZERO), ZeroAmount {}));
    assert!(is(
        &take(U256::from(7), e18(1)),
        NotRunning { id: U256::from(7) }
    ));
    // No DAI: the payment fails and nothing moves.
    let token = w.dai.address();
    assert!(is(
        &take(id, e18(1)),
        safe_erc20::SafeErc20FailedOperation { token }
    ));
    assert_eq!(w.gem_of(KEEPER), U256::ZERO);
    assert_eq!(w.status(id).2, e18(10));
    w.check_books();
}

// ----------------------------------------------------------------------------------- flash

#[motsu::test]
fn flash_take_delivers_the_collateral_before_the_payment() {
    let w = deploy(Setup::default());
    let (liquidation, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 500);
    let keeper = flash_keeper(&w, PAY, 0);
    let data = Bytes::from(b"route: gem -> dai".to_vec());
    keeper
        .sender(KEEPER)
        .start(id, e18(2), U256::MAX, data.clone())
        .unwrap();
    let owe = e18(2_500);
    // The callback saw the caller, the amounts, its data, and the collateral already there.
    let seen = keeper.sender(ADMIN);
    assert_eq!(seen.seen_sender.get(), keeper.address());
    assert_eq!(seen.seen_owe.get(), owe);
    assert_eq!(seen.seen_slice.get(), e18(2));
    assert_eq!(seen.seen_gem.get(), e18(2));
    assert_eq!(seen.seen_data.get_bytes(), data.to_vec());
    // It paid with the proceeds of its "sale".
    assert_eq!(w.gem_of(keeper.address()), e18(2));
    assert_eq!(w.dai_of(keeper.address()), U256::ZERO);
    assert_eq!(w.record(liquidation).4, owe);
    assert_eq!(w.status(id).2, e18(8));
    w.check_books();
}

#[motsu::test]
fn a_reentering_callee_is_locked_out() {
    let w = deploy(Setup::default());
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 500);
    for target in 0..4u8 {
        let keeper = flash_keeper(&w, REENTER, target);
        keeper
            .sender(KEEPER)
            .start(id, e18(1), U256::MAX, Bytes::from(vec![1]))
            .unwrap();
        assert_eq!(
            keeper.sender(ADMIN).reentry_error(),
            Locked {}.abi_encode(),
            "re-entering function {target}"
        );
    }
    // The four takes went through; the lock is free again.
    assert_eq!(w.status(id).2, e18(6));
    w.fund_keeper(e18(2_000));
    w.house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    w.check_books();
}

#[motsu::test]
fn a_callee_that_does_not_pay_reverts_the_whole_take() {
    let w = deploy(Setup::default());
    let (liquidation, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 500);
    let keeper = flash_keeper(&w, NO_PAY, 0);
    let err = keeper
        .sender(KEEPER)
        .start(id, e18(2), U256::MAX, Bytes::from(vec![1]))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        safe_erc20::SafeErc20FailedOperation {
            token: w.dai.address()
        }
        .abi_encode()
    );
    // Nothing moved, nothing was recorded, and the lock is free.
    assert_eq!(w.gem_of(keeper.address()), U256::ZERO);
    assert_eq!(w.gem_of(w.house.address()), e18(10));
    assert_eq!(w.status(id), (false, ray(1_250, 1), e18(10), e18(10_000)));
    assert_eq!(w.record(liquidation).4, U256::ZERO);
    assert_eq!(keeper.sender(ADMIN).seen_owe.get(), U256::ZERO);
    w.fund_keeper(e18(2_000));
    w.house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    w.check_books();
}

#[motsu::test]
fn a_reverting_callee_reverts_the_take_with_its_reason() {
    let w = deploy(Setup::default());
    let (_, id) = w.kick(e18(10_000), e18(10));
    let keeper = flash_keeper(&w, REVERT, 0);
    let err = keeper
        .sender(KEEPER)
        .start(id, e18(2), U256::MAX, Bytes::from(vec![1]))
        .motsu_unwrap_err();
    let expected = ExternalCallFailed {
        target: keeper.address(),
        reason: b"callee refuses".to_vec().into(),
    };
    assert_eq!(err, expected.abi_encode());
    assert_eq!(w.gem_of(keeper.address()), U256::ZERO);
    w.check_books();
}

#[motsu::test]
fn forbidden_callees_are_refused() {
    let w = deploy(Setup::default());
    let (_, id) = w.kick(e18(10_000), e18(10));
    w.fund_keeper(e18(10_000));
    for who in [
        w.gem.address(),
        w.dai.address(),
        w.solvency.address(),
        w.house.address(),
    ] {
        let err = w
            .house
            .sender(KEEPER)
            .take(id, e18(1), U256::MAX, who, Bytes::from(vec![1]))
            .motsu_unwrap_err();
        assert!(is(&err, ForbiddenCallee { who }));
    }
    // Without data only the house itself is refused (it would keep the collateral).
    let err = w
        .house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, w.house.address(), none())
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ForbiddenCallee {
            who: w.house.address()
        }
    ));
    w.check_books();
}

// ----------------------------------------------------------------------------------- redo

#[motsu::test]
fn redo_after_tail_restarts_from_a_fresh_price_and_pays_the_keeper() {
    let w = deploy(Setup {
        tail: 600,
        ..Setup::default()
    });
    let (tab, lot) = (e18(10_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    let paid_at_kick = w.dai_of(KPR);
    clock::set(T0 + 600);
    assert!(
        !w.status(id).0,
        "tail is not exceeded at exactly tail seconds"
    );
    clock::set(T0 + 601);
    assert_eq!(w.status(id), (true, linear(601), lot, tab));
    w.fund_keeper(e18(10_000));
    let err = w
        .house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .motsu_unwrap_err();
    assert!(is(&err, NeedsRedo { id }));
    // The market moved to 1,800.
    w.set_price(1_800_0000_0000);
    w.house.sender(MALLORY).redo(id, KPR).unwrap();
    let new_top = ray(2_250, 1);
    assert_eq!(
        w.sale(id),
        (U256::ZERO, tab, lot, USR, U96::from(T0 + 601), new_top)
    );
    assert_eq!(w.status(id), (false, new_top, lot, tab));
    let coin = e18(20);
    assert_eq!(w.dai_of(KPR), paid_at_kick + coin);
    assert_eq!(w.record(liquidation).5, paid_at_kick + coin);
    w.house.assert_emitted(&Redo {
        id,
        top: new_top,
        tab,
        lot,
        usr: USR,
        kpr: KPR,
        coin,
    });
    // And it can be taken again.
    w.house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    w.check_books();
}

#[motsu::test]
fn cusp_triggers_a_redo_exactly_as_clipper() {
    let w = deploy(Setup {
        cusp: ray(6, 10),
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    // price / top == cusp at t = 400: not yet (Clipper: rdiv(price, top) < cusp).
    clock::set(T0 + 400);
    assert!(!w.status(id).0);
    assert_eq!(w.price(id), ray(1_500, 1));
    clock::set(T0 + 401);
    assert!(w.status(id).0);
    assert_eq!(w.house.sender(ADMIN).snapshot(id).6, ray(1_500, 1));
}

#[motsu::test]
fn no_take_at_or_below_the_floor() {
    let w = deploy(Setup {
        floor: ray(5, 10),
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    // Floor 1,000: reached at t = 600.
    assert_eq!(
        w.house.sender(ADMIN).snapshot(id).6,
        ray(1_000, 1) + U256::from(1)
    );
    clock::set(T0 + 599);
    assert!(!w.status(id).0);
    w.fund_keeper(e18(10_000));
    w.house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    clock::set(T0 + 600);
    let owe = mul_div_up(e18(1), linear(599), RAY);
    assert_eq!(owe, e18(10_025) / u(10));
    assert_eq!(
        w.status(id),
        (true, ray(1_000, 1), e18(9), e18(10_000) - owe)
    );
    let err = w
        .house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .motsu_unwrap_err();
    assert!(is(&err, NeedsRedo { id }));
    // A floor is also enforced with an exponential curve that never reaches zero.
    let w = deploy(Setup {
        floor: ray(5, 10),
        curve: (3, ray(99, 100), 0),
        tail: 1_000_000,
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 91);
    // 2,500 * 0.99^91 = 1,002.3 > 1,000; 0.99^92 * 2,500 = 992.3.
    assert!(!w.status(id).0);
    clock::set(T0 + 92);
    assert!(w.status(id).0);
}

#[motsu::test]
fn redo_when_not_needed_is_rejected() {
    let w = deploy(Setup::default());
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 999);
    let err = w.house.sender(KEEPER).redo(id, KPR).motsu_unwrap_err();
    assert!(is(&err, CannotReset { id }));
    // At tau the linear price is zero: redo.
    clock::set(T0 + 1_000);
    w.set_price(2_000_0000_0000);
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    let err = w
        .house
        .sender(KEEPER)
        .redo(U256::from(9), KPR)
        .motsu_unwrap_err();
    assert!(is(&err, NotRunning { id: U256::from(9) }));
}

#[motsu::test]
fn redo_incentive_needs_tab_and_lot_value_above_dust() {
    // tab >= dust and lot * price >= dust: paid.
    let w = deploy(Setup {
        tail: 10,
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(1_000), e18(1));
    let before = w.dai_of(KPR);
    clock::set(T0 + 11);
    w.set_price(2_000_0000_0000);
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    assert_eq!(w.dai_of(KPR) - before, e18(11));
    // tab < dust: nothing.
    w.house
        .sender(ADMIN)
        .file(key(names::DUST), e18(1_001))
        .unwrap();
    clock::set(T0 + 22);
    w.set_price(2_000_0000_0000);
    let before = w.dai_of(KPR);
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    assert_eq!(w.dai_of(KPR), before);
    w.house.assert_emitted(&Redo {
        id,
        top: top(),
        tab: e18(1_000),
        lot: e18(1),
        usr: USR,
        kpr: KPR,
        coin: U256::ZERO,
    });
    // lot * price < dust: nothing (0.1 GEM worth 200 DAI, dust 300).
    let w = deploy(Setup {
        tail: 10,
        dust: e18(300),
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(1_000), e18(1) / u(10));
    clock::set(T0 + 11);
    w.set_price(2_000_0000_0000);
    let before = w.dai_of(KPR);
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    assert_eq!(w.dai_of(KPR), before);
    // Exactly at dust (0.15 GEM = 300 DAI): paid.
    let (_, id) = w.kick(e18(1_000), e18(15) / u(100));
    clock::set(T0 + 22);
    w.set_price(2_000_0000_0000);
    let before = w.dai_of(KPR);
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    assert_eq!(w.dai_of(KPR) - before, e18(11));
}

// ----------------------------------------------------------------------------------- oracle

#[motsu::test]
fn a_stale_or_broken_oracle_blocks_kick_and_redo_but_not_take() {
    let w = deploy(Setup {
        tail: 2_000,
        max_age: 3_600,
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    // The feed was updated at T0; at T0 + 3,601 it is stale.
    clock::set(T0 + 3_601);
    let liquidation = w
        .solvency
        .sender(ENGINE)
        .open(BENEFICIARY, e18(1), e18(1))
        .unwrap();
    w.gem.sender(ENGINE).mint(ENGINE, e18(1)).unwrap();
    let err = w
        .house
        .sender(ENGINE)
        .kick(liquidation, e18(1), e18(1), USR, KPR)
        .motsu_unwrap_err();
    assert!(is(
        &err,
        StalePrice {
            updatedAt: U256::from(T0),
            now: U256::from(T0 + 3_601)
        }
    ));
    let err = w.house.sender(KEEPER).redo(id, KPR).motsu_unwrap_err();
    assert!(is(
        &err,
        StalePrice {
            updatedAt: U256::from(T0),
            now: U256::from(T0 + 3_601)
        }
    ));
    // An answer dated in the future.
    w.oracle
        .sender(ADMIN)
        .set_answer(int(2_000_0000_0000), U256::from(T0 + 3_602))
        .unwrap();
    let err = w.house.sender(KEEPER).redo(id, KPR).motsu_unwrap_err();
    assert!(is(
        &err,
        StalePrice {
            updatedAt: U256::from(T0 + 3_602),
            now: U256::from(T0 + 3_601)
        }
    ));
    // Zero and negative answers.
    for answer in [0i128, -1] {
        w.oracle
            .sender(ADMIN)
            .set_answer(int(answer), U256::from(T0 + 3_601))
            .unwrap();
        let err = w.house.sender(KEEPER).redo(id, KPR).motsu_unwrap_err();
        assert!(is(
            &err,
            InvalidPrice {
                answer: int(answer)
            }
        ));
        let err = w
            .house
            .sender(ENGINE)
            .kick(liquidation, e18(1), e18(1), USR, KPR)
            .motsu_unwrap_err();
        assert!(is(
            &err,
            InvalidPrice {
                answer: int(answer)
            }
        ));
    }
    // Boundaries: the most negative answer; a date beyond 64 bits; exactly `maxAge` old is
    // still fresh.
    w.oracle
        .sender(ADMIN)
        .set_answer(I256::MIN, U256::from(T0 + 3_601))
        .unwrap();
    let err = w.house.sender(KEEPER).redo(id, KPR).motsu_unwrap_err();
    assert!(is(&err, InvalidPrice { answer: I256::MIN }));
    let far = U256::from(u64::MAX) + U256::from(1);
    w.oracle
        .sender(ADMIN)
        .set_answer(int(2_000_0000_0000), far)
        .unwrap();
    let err = w.house.sender(KEEPER).redo(id, KPR).motsu_unwrap_err();
    assert!(is(
        &err,
        StalePrice {
            updatedAt: far,
            now: U256::from(T0 + 3_601)
        }
    ));
    w.oracle
        .sender(ADMIN)
        .set_answer(int(2_000_0000_0000), U256::from(T0 + 1))
        .unwrap();
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    // Take does not read the oracle. (The auction is past its tail, so use a fresh house
    // setup where it is not.)
    let w = deploy(Setup {
        tail: 10_000,
        curve: (1, U256::ZERO, 10_000),
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 5_000);
    w.oracle
        .sender(ADMIN)
        .set_answer(int(-5), U256::from(T0))
        .unwrap();
    w.fund_keeper(e18(10_000));
    w.house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    assert_eq!(w.gem_of(KEEPER), e18(1));
}

// ----------------------------------------------------------------------------------- stopped

#[motsu::test]
fn every_stopped_level() {
    for level in 0..=3u64 {
        let w = deploy(Setup {
            tail: 10,
            ..Setup::default()
        });
        let (_, running) = w.kick(e18(10_000), e18(10));
        let (_, to_yank) = w.kick(e18(10_000), e18(10));
        w.house
            .sender(ADMIN)
            .set_stopped(U256::from(level))
            .unwrap();
        w.house.assert_emitted(&File {
            what: key(names::STOPPED),
            data: U256::from(level),
        });
        assert_eq!(w.house.sender(ADMIN).stopped(), U256::from(level));
        let stopped = |err: Error| {
            is(
                &err,
                AuctionsStopped {
                    stopped: U256::from(level),
                },
            )
        };
        // kick: level 0 only.
        let liquidation = w
            .solvency
            .sender(ENGINE)
            .open(BENEFICIARY, e18(1), e18(1))
            .unwrap();
        w.gem.sender(ENGINE).mint(ENGINE, e18(1)).unwrap();
        let kick = w
            .house
            .sender(ENGINE)
            .kick(liquidation, e18(1), e18(1), USR, KPR)
            .motsu_res();
        assert_eq!(kick.is_ok(), level < 1, "kick at level {level}");
        if let Err(err) = kick {
            assert!(stopped(err));
        }
        // take: levels 0-2.
        w.fund_keeper(e18(10_000));
        let take = w
            .house
            .sender(KEEPER)
            .take(running, e18(1), U256::MAX, KEEPER, none())
            .motsu_res();
        assert_eq!(take.is_ok(), level < 3, "take at level {level}");
        if let Err(err) = take {
            assert!(stopped(err));
        }
        // redo: levels 0-1.
        clock::set(T0 + 11);
        w.set_price(2_000_0000_0000);
        let redo = w.house.sender(KEEPER).redo(running, KPR).motsu_res();
        assert_eq!(redo.is_ok(), level < 2, "redo at level {level}");
        if let Err(err) = redo {
            assert!(stopped(err));
        }
        // yank: always.
        w.house.sender(ADMIN).yank(to_yank).unwrap();
        w.check_books();
    }
}

#[motsu::test]
fn the_guardian_can_only_raise_stopped() {
    let w = deploy(Setup::default());
    let err = w
        .house
        .sender(GUARDIAN)
        .set_stopped(U256::from(1))
        .motsu_unwrap_err();
    assert!(is(&err, Unauthorized { account: GUARDIAN }));
    w.house.sender(ADMIN).set_guardian(GUARDIAN).unwrap();
    w.house.assert_emitted(&GuardianSet { guardian: GUARDIAN });
    assert_eq!(w.house.sender(ADMIN).guardian(), GUARDIAN);
    w.house.sender(GUARDIAN).set_stopped(U256::from(2)).unwrap();
    w.house.sender(GUARDIAN).set_stopped(U256::from(2)).unwrap();
    w.house.sender(GUARDIAN).set_stopped(U256::from(3)).unwrap();
    let err = w
        .house
        .sender(GUARDIAN)
        .set_stopped(U256::from(1))
        .motsu_unwrap_err();
    assert!(is(&err, Unauthorized { account: GUARDIAN }));
    let err = w
        .house
        .sender(MALLORY)
        .set_stopped(U256::from(3))
        .motsu_unwrap_err();
    assert!(is(&err, Unauthorized { account: MALLORY }));
    let err = w
        .house
        .sender(ADMIN)
        .set_stopped(U256::from(4))
        .motsu_unwrap_err();
    assert!(is(
        &err,
        InvalidParameter {
            what: key(names::STOPPED),
            data: U256::from(4)
        }
    ));
    // The admin may lower it.
    w.house.sender(ADMIN).set_stopped(U256::ZERO).unwrap();
    assert_eq!(w.house.sender(ADMIN).stopped(), U256::ZERO);
    // A removed guardian has no power.
    w.house.sender(ADMIN).set_guardian(Address::ZERO).unwrap();
    assert!(w
        .house
        .sender(GUARDIAN)
        .set_stopped(U256::from(1))
        .motsu_res()
        .is_err());
}

// ----------------------------------------------------------------------------------- yank

#[motsu::test]
fn yank_returns_the_collateral_to_the_kicker_and_reopens_the_liquidation() {
    let w = deploy(Setup::default());
    let (tab, lot) = (e18(10_000), e18(10));
    let (liquidation, id) = w.kick(tab, lot);
    clock::set(T0 + 500);
    w.fund_keeper(e18(10_000));
    w.house
        .sender(KEEPER)
        .take(id, e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    let err = w.house.sender(MALLORY).yank(id).motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: MALLORY }
    ));
    // The kicker was de-authorised meanwhile: the collateral still goes back to it.
    w.house.sender(ADMIN).set_kicker(ENGINE, false).unwrap();
    w.house.sender(ADMIN).yank(id).unwrap();
    w.house.assert_emitted(&Yank { id });
    assert_eq!(w.gem_of(ENGINE), e18(9));
    assert_eq!(w.sale(id), Default::default());
    let (house, status, _, _, raised, _) = w.record(liquidation);
    assert_eq!((house, status, raised), (Address::ZERO, 1, e18(1_250)));
    assert!(is(
        &w.house.sender(ADMIN).yank(id).motsu_unwrap_err(),
        NotRunning { id }
    ));
    // The kicker can kick the liquidation again (here at this house) for what is left.
    w.house.sender(ADMIN).set_kicker(ENGINE, true).unwrap();
    let id2 = w
        .house
        .sender(ENGINE)
        .kick(liquidation, tab - e18(1_250), e18(9), USR, KPR)
        .unwrap();
    assert_eq!(id2, U256::from(2));
    assert_eq!(w.record(liquidation).0, w.house.address());
    w.check_books();
}

#[motsu::test]
fn the_active_list_stays_consistent() {
    let w = deploy(Setup::default());
    let ids: Vec<U256> = (0..6).map(|_| w.kick(e18(1_000), e18(1)).1).collect();
    assert_eq!(w.house.sender(ADMIN).list(), ids);
    // Remove the first, one in the middle (other word) and the last.
    w.house.sender(ADMIN).yank(ids[0]).unwrap();
    w.check_books();
    assert_eq!(
        w.house.sender(ADMIN).list(),
        vec![ids[5], ids[1], ids[2], ids[3], ids[4]]
    );
    w.house.sender(ADMIN).yank(ids[2]).unwrap();
    w.check_books();
    assert_eq!(
        w.house.sender(ADMIN).list(),
        vec![ids[5], ids[1], ids[4], ids[3]]
    );
    w.house.sender(ADMIN).yank(ids[3]).unwrap();
    w.check_books();
    // A full take removes too.
    w.fund_keeper(e18(10_000));
    w.house
        .sender(KEEPER)
        .take(ids[5], e18(1), U256::MAX, KEEPER, none())
        .unwrap();
    w.check_books();
    assert_eq!(w.house.sender(ADMIN).list(), vec![ids[4], ids[1]]);
    for id in [ids[4], ids[1]] {
        w.house.sender(ADMIN).yank(id).unwrap();
    }
    assert_eq!(w.house.sender(ADMIN).list(), Vec::<U256>::new());
    w.check_books();
}

// ----------------------------------------------------------------------------------- parameters

#[motsu::test]
fn changing_parameters_does_not_change_a_running_auction() {
    let w = deploy(Setup {
        cusp: ray(4, 10),
        floor: ray(3, 10),
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 300);
    let status = w.status(id);
    let sale = w.sale(id);
    let snapshot = w.house.sender(ADMIN).snapshot(id);
    configure(
        &w,
        Setup {
            buf: ray(2, 1),
            tail: 100,
            cusp: ray(9, 10),
            floor: ray(9, 10),
            dust: e18(9_999),
            curve: (3, ray(5, 10), 0),
            ..Setup::default()
        },
    );
    assert_eq!(w.status(id), status);
    assert_eq!(w.sale(id), sale);
    assert_eq!(w.house.sender(ADMIN).snapshot(id), snapshot);
    clock::set(T0 + 700);
    assert_eq!(w.price(id), linear(700));
    // A new auction uses the new parameters.
    let (_, id2) = w.kick(e18(10_000), e18(10));
    assert_eq!(w.sale(id2).5, ray(4_000, 1));
    assert_eq!(w.house.sender(ADMIN).snapshot(id2).2, U256::from(3));
    // A redo of the old one takes the parameters in force.
    clock::set(T0 + 2_001);
    w.set_price(2_000_0000_0000);
    w.house.sender(KEEPER).redo(id, KPR).unwrap();
    assert_eq!(w.house.sender(ADMIN).snapshot(id).7, e18(9_999));
    assert_eq!(w.sale(id).5, ray(4_000, 1));
}

#[motsu::test]
fn setters_validate_and_log() {
    let w = deploy(Setup::default());
    let file =
        |name: [u8; 32], value: U256| w.house.sender(ADMIN).file(key(name), value).motsu_res();
    let invalid_file = |name: [u8; 32], value: U256| matches!(file(name, value), Err(err) if is(&err, InvalidParameter { what: key(name), data: value }));
    // buf: >= 1, a multiple of 10^9, at most u64::MAX as a WAD.
    assert!(invalid_file(names::BUF, RAY - U256::from(1_000_000_000u64)));
    assert!(invalid_file(names::BUF, RAY + U256::from(1)));
    assert!(invalid_file(
        names::BUF,
        U256::from(u64::MAX) * U256::from(1_000_000_000u64) + U256::from(1_000_000_000u64)
    ));
    file(names::BUF, ray(13, 10)).unwrap();
    assert_eq!(w.house.sender(ADMIN).buf(), ray(13, 10));
    w.house.assert_emitted(&File {
        what: key(names::BUF),
        data: ray(13, 10),
    });
    // cusp, floor: < 1, multiples of 10^9.
    for name in [names::CUSP, names::FLOOR] {
        assert!(invalid_file(name, RAY));
        assert!(invalid_file(name, ray(1, 2) + U256::from(7)));
        file(name, ray(1, 2)).unwrap();
        file(name, U256::ZERO).unwrap();
    }
    file(names::CUSP, ray(45, 100)).unwrap();
    file(names::FLOOR, ray(35, 100)).unwrap();
    assert_eq!(w.house.sender(ADMIN).cusp(), ray(45, 100));
    assert_eq!(w.house.sender(ADMIN).floor(), ray(35, 100));
    // tail, maxAge: 1 ..= 2^32 - 1 seconds.
    for name in [names::TAIL, names::MAX_AGE] {
        assert!(invalid_file(name, U256::ZERO));
        assert!(invalid_file(name, U256::from(1u64 << 32)));
        file(name, U256::from(u32::MAX)).unwrap();
    }
    file(names::TAIL, U256::from(7_200)).unwrap();
    file(names::MAX_AGE, U256::from(900)).unwrap();
    assert_eq!(w.house.sender(ADMIN).tail(), U256::from(7_200));
    assert_eq!(w.house.sender(ADMIN).max_age(), U256::from(900));
    // chip <= 1 WAD; tip, dust < 2^88.
    assert!(invalid_file(names::CHIP, WAD + U256::from(1)));
    file(names::CHIP, WAD).unwrap();
    file(names::CHIP, wad(2, 100)).unwrap();
    assert_eq!(w.house.sender(ADMIN).chip(), 20_000_000_000_000_000u64);
    let max88 = U256::from(MAX_AMOUNT_88);
    for name in [names::TIP, names::DUST] {
        assert!(invalid_file(name, max88 + U256::from(1)));
        file(name, max88).unwrap();
    }
    file(names::TIP, e18(3)).unwrap();
    file(names::DUST, e18(7)).unwrap();
    assert_eq!(
        w.house.sender(ADMIN).tip(),
        alloy_primitives::aliases::U192::from(3u128 * 10u128.pow(18))
    );
    assert_eq!(w.house.sender(ADMIN).chost(), e18(7));
    // Unknown names.
    assert!(invalid_file(
        *b"bufx\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        RAY
    ));
    assert!(invalid_file(names::STOPPED, U256::from(1)));
    // Admin only.
    let err = w
        .house
        .sender(MALLORY)
        .file(key(names::BUF), RAY)
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: MALLORY }
    ));
    // Curves.
    let curve = |kind: u64, cut: U256, period: u64| {
        w.house
            .sender(ADMIN)
            .set_curve(U256::from(kind), cut, U256::from(period))
            .motsu_res()
    };
    let invalid_curve = |kind: u64, cut: U256, period: u64| matches!(curve(kind, cut, period), Err(err) if is(&err, InvalidParameter { what: key(names::CURVE), data: U256::from(kind) }));
    assert!(invalid_curve(0, U256::ZERO, 10));
    assert!(invalid_curve(4, U256::ZERO, 10));
    assert!(invalid_curve(1, ray(1, 2), 10));
    assert!(invalid_curve(1, U256::ZERO, 0));
    assert!(invalid_curve(1, U256::ZERO, 1 << 32));
    assert!(invalid_curve(2, U256::ZERO, 10));
    assert!(invalid_curve(2, RAY, 10));
    assert!(invalid_curve(2, ray(1, 2) + U256::from(1), 10));
    assert!(invalid_curve(2, ray(1, 2), 0));
    assert!(invalid_curve(3, ray(1, 2), 1));
    assert!(invalid_curve(3, U256::ZERO, 0));
    curve(2, ray(99, 100), 90).unwrap();
    w.house.assert_emitted(&CurveSet {
        kind: U256::from(2),
        cut: ray(99, 100),
        period: U256::from(90),
    });
    assert_eq!(
        w.house.sender(ADMIN).curve(),
        (U256::from(2), ray(99, 100), U256::from(90))
    );
    curve(3, ray(999, 1000), 0).unwrap();
    assert_eq!(
        w.house.sender(ADMIN).curve(),
        (U256::from(3), ray(999, 1000), U256::ZERO)
    );
    curve(1, U256::ZERO, 600).unwrap();
    assert_eq!(
        w.house.sender(ADMIN).curve(),
        (U256::from(1), U256::ZERO, U256::from(600))
    );
    let err = w
        .house
        .sender(MALLORY)
        .set_curve(U256::from(1), U256::ZERO, U256::from(1))
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: MALLORY }
    ));
    // Kickers and guardian: admin only.
    assert!(w
        .house
        .sender(MALLORY)
        .set_kicker(MALLORY, true)
        .motsu_res()
        .is_err());
    assert!(w
        .house
        .sender(MALLORY)
        .set_guardian(MALLORY)
        .motsu_res()
        .is_err());
}

#[motsu::test]
fn kickers_are_authorised_and_revoked_by_the_admin() {
    let w = deploy(Setup::default());
    let other = Address::repeat_byte(0xe2);
    assert!(!w.house.sender(ADMIN).is_kicker(other));
    w.house.sender(ADMIN).set_kicker(other, true).unwrap();
    w.house.assert_emitted(&KickerSet {
        kicker: other,
        allowed: true,
    });
    assert!(w.house.sender(ADMIN).is_kicker(other));
    w.house.sender(ADMIN).set_kicker(other, false).unwrap();
    w.house.assert_emitted(&KickerSet {
        kicker: other,
        allowed: false,
    });
    assert!(!w.house.sender(ADMIN).is_kicker(other));
    w.house.sender(ADMIN).set_kicker(other, true).unwrap();
    assert!(w.house.sender(ADMIN).is_kicker(other));
    assert!(is(
        &w.house
            .sender(ADMIN)
            .set_kicker(Address::ZERO, true)
            .motsu_unwrap_err(),
        ZeroAddress {}
    ));
    // Revoked kickers cannot kick.
    w.house.sender(ADMIN).set_kicker(ENGINE, false).unwrap();
    let liquidation = w
        .solvency
        .sender(ENGINE)
        .open(BENEFICIARY, e18(1), e18(1))
        .unwrap();
    let err = w
        .house
        .sender(ENGINE)
        .kick(liquidation, e18(1), e18(1), USR, KPR)
        .motsu_unwrap_err();
    assert!(is(&err, Unauthorized { account: ENGINE }));
}

#[motsu::test]
fn ownership_moves_in_two_steps() {
    let w = deploy(Setup::default());
    let next = Address::repeat_byte(0x02);
    w.house.sender(ADMIN).transfer_ownership(next).unwrap();
    assert_eq!(w.house.sender(ADMIN).pending_owner(), next);
    assert_eq!(w.house.sender(ADMIN).owner(), ADMIN);
    assert!(w
        .house
        .sender(next)
        .file(key(names::TAIL), U256::from(5))
        .motsu_res()
        .is_err());
    assert!(w
        .house
        .sender(MALLORY)
        .accept_ownership()
        .motsu_res()
        .is_err());
    w.house.sender(next).accept_ownership().unwrap();
    assert_eq!(w.house.sender(ADMIN).owner(), next);
    w.house
        .sender(next)
        .file(key(names::TAIL), U256::from(5))
        .unwrap();
    assert!(w
        .house
        .sender(ADMIN)
        .file(key(names::TAIL), U256::from(5))
        .motsu_res()
        .is_err());
}

/// The in-crate two-step admin behaves as OpenZeppelin's `Ownable2Step`: same errors, same
/// events (their signatures are OpenZeppelin's: `interface_events_match_the_logged_events`),
/// same slots.
#[motsu::test]
fn the_admin_is_ownable2step_compatible() {
    let w = deploy(Setup::default());
    let next = Address::repeat_byte(0x02);
    w.house.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: ADMIN,
    });
    // Owner in slot 0 and pending owner in slot 1, each in the low 20 bytes.
    let word = |account: Address| address_word(account).to_be_bytes::<32>();
    assert_eq!(w.house.sender(ADMIN).sload(U256::ZERO), word(ADMIN));
    assert_eq!(
        w.house.sender(ADMIN).sload(U256::from(1)),
        word(Address::ZERO)
    );
    // Only the admin proposes.
    let err = w
        .house
        .sender(MALLORY)
        .transfer_ownership(MALLORY)
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: MALLORY }
    ));
    assert_eq!(w.house.sender(ADMIN).pending_owner(), Address::ZERO);
    // A proposal can be replaced, and cancelled with zero.
    w.house.sender(ADMIN).transfer_ownership(MALLORY).unwrap();
    w.house.assert_emitted(&OwnershipTransferStarted {
        previousOwner: ADMIN,
        newOwner: MALLORY,
    });
    w.house
        .sender(ADMIN)
        .transfer_ownership(Address::ZERO)
        .unwrap();
    w.house.assert_emitted(&OwnershipTransferStarted {
        previousOwner: ADMIN,
        newOwner: Address::ZERO,
    });
    let err = w
        .house
        .sender(MALLORY)
        .accept_ownership()
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: MALLORY }
    ));
    w.house.sender(ADMIN).transfer_ownership(next).unwrap();
    w.house.assert_emitted(&OwnershipTransferStarted {
        previousOwner: ADMIN,
        newOwner: next,
    });
    assert_eq!(w.house.sender(ADMIN).sload(U256::from(1)), word(next));
    // Only the pending admin accepts; the admin itself cannot.
    for account in [MALLORY, ADMIN] {
        let err = w
            .house
            .sender(account)
            .accept_ownership()
            .motsu_unwrap_err();
        assert!(is(&err, ownable::OwnableUnauthorizedAccount { account }));
    }
    assert_eq!(w.house.sender(ADMIN).owner(), ADMIN);
    w.house.sender(next).accept_ownership().unwrap();
    w.house.assert_emitted(&OwnershipTransferred {
        previousOwner: ADMIN,
        newOwner: next,
    });
    assert_eq!(
        (
            w.house.sender(ADMIN).owner(),
            w.house.sender(ADMIN).pending_owner()
        ),
        (next, Address::ZERO)
    );
    assert_eq!(w.house.sender(ADMIN).sload(U256::ZERO), word(next));
    assert_eq!(
        w.house.sender(ADMIN).sload(U256::from(1)),
        word(Address::ZERO)
    );
    // The pending role is used up, and the old admin has no power left.
    let err = w.house.sender(next).accept_ownership().motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: next }
    ));
    let err = w
        .house
        .sender(ADMIN)
        .transfer_ownership(ADMIN)
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: ADMIN }
    ));
    let err = w.house.sender(ADMIN).set_guardian(ADMIN).motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableUnauthorizedAccount { account: ADMIN }
    ));
    w.house.sender(next).set_guardian(GUARDIAN).unwrap();
    // A zero admin at construction.
    let house = Contract::<DutchAuction>::new();
    let err = house
        .sender(ADMIN)
        .constructor(
            Address::ZERO,
            w.gem.address(),
            w.dai.address(),
            w.oracle.address(),
            w.solvency.address(),
        )
        .motsu_unwrap_err();
    assert!(is(
        &err,
        ownable::OwnableInvalidOwner {
            owner: Address::ZERO
        }
    ));
}

// ----------------------------------------------------------------------------------- construction

#[motsu::test]
fn constructor_checks_its_arguments() {
    let w = deploy(Setup::default());
    let build = |collateral: Address, debt: Address, oracle: Address, solvency: Address| {
        let house = Contract::<DutchAuction>::new();
        let result = house
            .sender(ADMIN)
            .constructor(ADMIN, collateral, debt, oracle, solvency)
            .motsu_res();
        (house, result)
    };
    let (gem, dai, oracle, solvency) = (
        w.gem.address(),
        w.dai.address(),
        w.oracle.address(),
        w.solvency.address(),
    );
    let error = |r: (Contract<DutchAuction>, Result<(), Error>)| r.1.unwrap_err();
    assert!(is(
        &error(build(Address::ZERO, dai, oracle, solvency)),
        ZeroAddress {}
    ));
    assert!(is(
        &error(build(gem, dai, oracle, Address::ZERO)),
        ZeroAddress {}
    ));
    assert!(is(
        &error(build(gem, gem, oracle, solvency)),
        SameToken { token: gem }
    ));
    assert!(is(
        &error(build(gem, dai, oracle, MALLORY)),
        NotAContract { account: MALLORY }
    ));
    // A collateral that answers no `decimals()`: the oracle address has none... use the
    // solvency module, which has no `decimals()`.
    assert_eq!(
        call_failure(error(build(solvency, dai, oracle, solvency))).0,
        solvency
    );
    let odd = Contract::<MockERC20>::new();
    odd.sender(ADMIN)
        .constructor(String::from("Odd"), String::from("ODD"), 37);
    let err = error(build(odd.address(), dai, oracle, solvency));
    assert!(is(
        &err,
        UnsupportedDecimals {
            collateral: 37,
            debt: 18,
            oracle: 8
        }
    ));
    let (house, result) = build(gem, dai, oracle, solvency);
    result.unwrap();
    assert_eq!(house.sender(ADMIN).collateral(), gem);
    assert_eq!(house.sender(ADMIN).debt_token(), dai);
    assert_eq!(house.sender(ADMIN).oracle(), oracle);
    assert_eq!(house.sender(ADMIN).solvency(), solvency);
    assert_eq!(house.sender(ADMIN).owner(), ADMIN);
    assert_eq!(
        house.sender(ADMIN).curve(),
        (U256::ZERO, U256::ZERO, U256::ZERO)
    );
}

/// Prices are RAY per base unit whatever the decimals; large ones are stored in price units.
#[motsu::test]
fn prices_follow_the_token_decimals() {
    // (gem decimals, dai decimals, oracle decimals, answer, feed price in RAY per base unit)
    let cases: [(u8, u8, u8, i128, U256); 5] = [
        // WBTC (8) at 100,000 DAI (18): 10^15 DAI units per satoshi -> 10^42 RAY.
        (
            8,
            18,
            8,
            100_000_0000_0000,
            U256::from(10u128.pow(15)) * RAY,
        ),
        // USDC (6) collateral at 1 DAI (18): 10^12 -> needs price units.
        (6, 18, 8, 1_0000_0000, U256::from(10u128.pow(12)) * RAY),
        // WETH (18) at 3,000 USDC (6): 3 * 10^-9 per base unit.
        (
            18,
            6,
            8,
            3_000_0000_0000,
            U256::from(3_000_000_000_000_000_000u128),
        ),
        // 18/18 with an 18-decimal feed.
        (18, 18, 18, 2_000 * 10i128.pow(18), ray(2_000, 1)),
        // A cheap 18-decimal token against 6 decimals: 0.00001 USDC.
        (18, 6, 8, 1_000, U256::from(10_000_000_000u64)),
    ];
    for (gem_decimals, dai_decimals, oracle_decimals, answer, feed) in cases {
        let w = deploy(Setup {
            gem_decimals,
            dai_decimals,
            oracle_decimals,
            answer,
            buf: RAY,
            tip: U256::ZERO,
            chip: U256::ZERO,
            dust: U256::ZERO,
            ..Setup::default()
        });
        let gem_unit = U256::from(10u8).pow(U256::from(gem_decimals));
        let tab = mul_div_down(gem_unit, feed, RAY) * U256::from(2);
        let (_, id) = w.kick(tab, gem_unit * U256::from(3));
        assert_eq!(w.sale(id).5, feed, "top for {gem_decimals}/{dai_decimals}");
        assert_eq!(w.price(id), feed);
        // One whole collateral token costs exactly the feed price.
        w.fund_keeper(tab);
        w.house
            .sender(KEEPER)
            .take(id, gem_unit, U256::MAX, KEEPER, none())
            .unwrap();
        assert_eq!(w.dai_of(KEEPER), tab - mul_div_up(gem_unit, feed, RAY));
        assert_eq!(w.gem_of(KEEPER), gem_unit);
        w.check_books();
    }
}

#[motsu::test]
fn a_price_beyond_storage_is_rejected() {
    // 10^12 DAI per GEM, 0-decimal collateral against a 36-decimal debt token: top would need
    // more than 128 bits of price units.
    let w = deploy(Setup {
        gem_decimals: 0,
        dai_decimals: 36,
        oracle_decimals: 0,
        answer: 10i128.pow(12),
        ..Setup::default()
    });
    let liquidation = w
        .solvency
        .sender(ENGINE)
        .open(BENEFICIARY, e18(1), e18(1))
        .unwrap();
    w.gem.sender(ENGINE).mint(ENGINE, U256::from(1)).unwrap();
    let err = w
        .house
        .sender(ENGINE)
        .kick(liquidation, e18(1), U256::from(1), USR, KPR)
        .motsu_unwrap_err();
    assert!(is_a::<ValueTooLarge>(&err));
}

#[motsu::test]
fn stairstep_and_exponential_auctions() {
    let w = deploy(Setup {
        curve: (2, ray(9, 10), 60),
        tail: 10_000,
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 59);
    assert_eq!(w.price(id), top());
    clock::set(T0 + 120);
    assert_eq!(w.price(id), ray(2_025, 1));
    w.fund_keeper(e18(10_000));
    w.house
        .sender(KEEPER)
        .take(id, e18(1), ray(2_025, 1), KEEPER, none())
        .unwrap();
    assert_eq!(w.dai_of(KEEPER), e18(10_000 - 2_025));
    let w = deploy(Setup {
        curve: (3, ray(999, 1000), 0),
        tail: 10_000,
        ..Setup::default()
    });
    let (_, id) = w.kick(e18(10_000), e18(10));
    clock::set(T0 + 1);
    assert_eq!(w.price(id), ray(24_975, 10));
    clock::set(T0 + 2);
    assert_eq!(
        w.price(id),
        mul_div_up(ray(24_975, 10), ray(999, 1000), RAY)
    );
}

// ----------------------------------------------------------------------------------- encoding

#[test]
fn errors_encode_as_their_solidity_declarations() {
    let target = Address::repeat_byte(3);
    assert_eq!(fail(Locked::SELECTOR).data(), Locked {}.abi_encode());
    assert!(is(
        &fail_address(Unauthorized::SELECTOR, target),
        Unauthorized { account: target }
    ));
    assert!(is(
        &too_large(&U256::MAX, &U256::from(9)),
        ValueTooLarge {
            value: U256::MAX,
            max: U256::from(9)
        }
    ));
    assert!(is(
        &not_running(U256::from(4)),
        NotRunning { id: U256::from(4) }
    ));
    assert!(is(
        &invalid(names::BUF, U256::from(5)),
        InvalidParameter {
            what: key(names::BUF),
            data: U256::from(5)
        }
    ));
    assert!(is(&Error::from(MathError::Overflow), MathOverflow {}));
    assert!(is(
        &Error::new(InvalidPrice::SELECTOR, &[int(-3).into_raw()]),
        InvalidPrice { answer: int(-3) }
    ));
    assert!(is(
        &Error::new(
            UnsupportedDecimals::SELECTOR,
            &[U256::from(1), U256::from(2), U256::from(3)]
        ),
        UnsupportedDecimals {
            collateral: 1,
            debt: 2,
            oracle: 3
        }
    ));
    // The admin and token errors are OpenZeppelin's, selector and encoding.
    assert!(is(
        &fail_address(OwnableUnauthorizedAccount::SELECTOR, target),
        ownable::OwnableUnauthorizedAccount { account: target }
    ));
    assert!(is(
        &fail_address(OwnableInvalidOwner::SELECTOR, target),
        ownable::OwnableInvalidOwner { owner: target }
    ));
    assert!(is(
        &transfer_failed(target),
        safe_erc20::SafeErc20FailedOperation { token: target }
    ));
    assert!(is(
        &transfer_failed(target),
        SafeErc20FailedOperation { token: target }
    ));
    assert_eq!(
        OwnableUnauthorizedAccount::SIGNATURE,
        ownable::OwnableUnauthorizedAccount::SIGNATURE
    );
    assert_eq!(
        OwnableInvalidOwner::SIGNATURE,
        ownable::OwnableInvalidOwner::SIGNATURE
    );
    assert_eq!(
        SafeErc20FailedOperation::SIGNATURE,
        safe_erc20::SafeErc20FailedOperation::SIGNATURE
    );
    for reason in [
        vec![],
        vec![7u8; 31],
        vec![8u8; 32],
        vec![9u8; 33],
        vec![1u8; 100],
    ] {
        let expected = ExternalCallFailed {
            target,
            reason: reason.clone().into(),
        };
        assert!(is(&call_failed(target, reason), expected));
    }
    assert_eq!(
        Vec::<u8>::from(fail(ZeroAmount::SELECTOR)),
        ZeroAmount {}.abi_encode()
    );
}

#[test]
fn interface_events_match_the_logged_events() {
    use openzeppelin_stylus::access::{
        ownable::OwnershipTransferred, ownable_two_step::OwnershipTransferStarted,
    };
    assert_eq!(
        sol::OwnershipTransferStarted::SIGNATURE_HASH,
        OwnershipTransferStarted::SIGNATURE_HASH
    );
    assert_eq!(
        sol::OwnershipTransferred::SIGNATURE_HASH,
        OwnershipTransferred::SIGNATURE_HASH
    );
    // Clipper's event signatures.
    assert_eq!(
        Kick::SIGNATURE,
        "Kick(uint256,uint256,uint256,uint256,address,address,uint256)"
    );
    assert_eq!(
        Take::SIGNATURE,
        "Take(uint256,uint256,uint256,uint256,uint256,uint256,address)"
    );
    assert_eq!(
        Redo::SIGNATURE,
        "Redo(uint256,uint256,uint256,uint256,address,address,uint256)"
    );
    assert_eq!(Yank::SIGNATURE, "Yank(uint256)");
    assert_eq!(EVENTS.len(), 10);
}

#[test]
fn sales_pack_into_four_words_at_their_bounds() {
    let fields: [(Field, u128); 13] = [
        (TAB, u128::MAX),
        (LOT, u128::MAX - 1),
        (TOP, u128::MAX - 2),
        (MIN_PRICE, 1),
        (TIC, u128::from(MAX_TIME)),
        (POS, u128::from(MAX_ACTIVE)),
        (KICKER, u128::from(u16::MAX)),
        (KIND, 3),
        (CUT, u128::from(u64::MAX)),
        (PERIOD, u128::from(u32::MAX)),
        (TAIL, u128::from(u32::MAX - 1)),
        (DUST, MAX_AMOUNT_88),
        (LIQUIDATION, u128::from(MAX_LIQUIDATION_ID)),
    ];
    let usr = Address::repeat_byte(0xfe);
    let mut sale = Sale([[0u8; 32]; 4]);
    put_address(&mut sale.0[2], 0, usr);
    for (field, value) in fields {
        sale.set(field, value);
    }
    for (field, value) in fields {
        assert_eq!(sale.get(field), value);
    }
    assert_eq!(sale.usr(), usr);
    // The fields (and `usr`, bytes 0..20 of word 2) tile the four words exactly.
    let mut used = [[false; 32]; 4];
    for (word, at, len) in fields.iter().map(|(f, _)| *f).chain([(2, 0, 20)]) {
        for flag in used[word].iter_mut().skip(at).take(len) {
            assert!(!*flag, "a byte of word {word} is used twice");
            *flag = true;
        }
    }
    assert!(used.iter().all(|w| w.iter().all(|b| *b)));
    // Clearing one field leaves the others.
    for (i, (field, _)) in fields.iter().enumerate() {
        let mut cleared = sale;
        cleared.set(*field, 0);
        assert_eq!(cleared.get(*field), 0);
        for (j, (other, value)) in fields.iter().enumerate() {
            if i != j {
                assert_eq!(cleared.get(*other), *value);
            }
        }
        assert_eq!(cleared.usr(), usr);
    }
}

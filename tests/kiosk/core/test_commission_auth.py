"""Commission login as a reducer: right PIN, growing delays, lockout, inactivity, card removal, roles."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.commission_auth import (
    PERMISSIONS,
    ROLE_UNITS,
    ROLES,
    Activity,
    AuthAction,
    AuthPolicy,
    AuthState,
    AwaitingPin,
    CardInserted,
    CardRemoved,
    InactivityTick,
    Locked,
    LockedOut,
    LockNow,
    LoggedIn,
    MemberIdentity,
    PinBlocked,
    PinCorrect,
    PinIncorrect,
    PinTryAllowed,
    PinTryRefused,
    can,
    determine_new_auth_status,
    may,
    pin_try,
)
from kiosk.core.iin import parse_iin
from simulator.cards.member_card import TECHNICIAN_ROLE_UNIT
from simulator.cards.national_pki import COMMISSION_ROLE_UNITS

T0 = dt.datetime(2024, 3, 17, 9, 0, tzinfo=dt.UTC)
POLICY = AuthPolicy()
MEMBER = MemberIdentity(parse_iin("900101301233"), "Сейтқалиев", "Әлихан", "member", "PEC 001", "1a2b")
CHAIR = MemberIdentity(parse_iin("850714400420"), "Smith", "Anna", "chair", "PEC 001", "3c4d")
TECHNICIAN = MemberIdentity(parse_iin("900101301233"), "Tech", "Nik", "technician", "PEC 001", "5e6f")


def run(actions: list[tuple[float, AuthAction]], state: AuthState | None = None) -> AuthState:
    """Apply (seconds after T0, action) pairs in order."""
    current: AuthState = state or Locked()
    for seconds, action in actions:
        current = determine_new_auth_status(current, action, T0 + dt.timedelta(seconds=seconds), POLICY)
    return current


def test_right_pin_logs_in_with_the_role() -> None:
    state = run([(0, CardInserted(MEMBER))])
    assert isinstance(state, AwaitingPin)
    assert pin_try(state, T0) == PinTryAllowed()
    state = run([(1, PinCorrect())], state)
    assert isinstance(state, LoggedIn) and state.member.role == "member"
    assert may(state, "decide_inclusion") and not may(state, "print_day_summary")


def test_wrong_pins_grow_the_delay_then_lock_out() -> None:
    state = run([(0, CardInserted(MEMBER)), (1, PinIncorrect(9))])
    assert isinstance(state, AwaitingPin) and state.card_tries_left == 9
    assert pin_try(state, T0 + dt.timedelta(seconds=1)) == PinTryAllowed()  # first delay is 0 s
    state = run([(2, PinIncorrect(8))], state)
    refused = pin_try(state, T0 + dt.timedelta(seconds=3))
    assert refused == PinTryRefused("delay", T0 + dt.timedelta(seconds=4))
    assert refused.translation_key == "commission.login.wait"
    assert pin_try(state, T0 + dt.timedelta(seconds=4)) == PinTryAllowed()
    state = run([(4, PinIncorrect(7))], state)
    assert pin_try(state, T0 + dt.timedelta(seconds=8)) == PinTryRefused("delay", T0 + dt.timedelta(seconds=9))
    state = run([(9, PinIncorrect(6))], state)
    assert pin_try(state, T0 + dt.timedelta(seconds=20)) == PinTryRefused("delay", T0 + dt.timedelta(seconds=24))
    state = run([(24, PinIncorrect(5))], state)
    assert state == LockedOut(until=T0 + dt.timedelta(seconds=24) + POLICY.lockout_duration, card=MEMBER)
    assert pin_try(state, T0 + dt.timedelta(minutes=5)).reason == "locked_out"  # type: ignore[union-attr]
    # A right PIN reported during the lockout (it cannot be asked for) changes nothing.
    assert run([(30, PinCorrect())], state) == state


def test_the_lockout_ends_and_the_count_starts_again() -> None:
    state = run([(0, CardInserted(MEMBER)), *((i, PinIncorrect(9 - i)) for i in range(1, 6))])
    assert isinstance(state, LockedOut)
    end = (state.until - T0).total_seconds()
    assert run([(end - 1, InactivityTick())], state) == state
    after = run([(end, InactivityTick())], state)
    assert after == AwaitingPin(MEMBER)
    assert run([(end, CardRemoved()), (end + 1, InactivityTick())], state) == Locked()


def test_swapping_cards_does_not_reset_the_wrong_pin_count() -> None:
    state = run([(0, CardInserted(MEMBER)), (1, PinIncorrect(9)), (2, PinIncorrect(8)), (3, CardRemoved()),
                 (4, CardInserted(CHAIR))])
    assert isinstance(state, AwaitingPin) and state.member == CHAIR and state.throttle.wrong_pins == 2
    at = T0 + dt.timedelta(seconds=5)
    assert run([(5, PinCorrect())], state) == LoggedIn(CHAIR, at, at)


def test_a_blocked_card_is_a_value_and_never_logs_in() -> None:
    state = run([(0, CardInserted(MEMBER)), (1, PinBlocked())])
    assert isinstance(state, AwaitingPin) and state.card_blocked
    assert pin_try(state, T0 + dt.timedelta(hours=1)) == PinTryRefused("card_blocked")
    assert run([(2, PinCorrect())], state) == state
    assert isinstance(run([(1, PinIncorrect(0))], run([(0, CardInserted(MEMBER))])), AwaitingPin)
    assert run([(1, PinIncorrect(0))], run([(0, CardInserted(MEMBER))])).card_blocked  # type: ignore[union-attr]


def test_card_removal_locks_at_once() -> None:
    state = run([(0, CardInserted(MEMBER)), (1, PinCorrect()), (2, CardRemoved())])
    assert state == Locked()
    assert not may(state, "check_registration")


def test_inactivity_locks_and_activity_keeps_the_session() -> None:
    limit = POLICY.inactivity_limit.total_seconds()
    state = run([(0, CardInserted(MEMBER)), (1, PinCorrect()), (limit - 10, Activity()), (limit, InactivityTick())])
    assert isinstance(state, LoggedIn)
    locked = run([(2 * limit - 10, InactivityTick())], state)
    assert locked == AwaitingPin(MEMBER)  # the card is still in: the PIN is asked again


def test_lock_now_asks_for_the_pin_again() -> None:
    state = run([(0, CardInserted(MEMBER)), (1, PinCorrect()), (2, LockNow())])
    assert state == AwaitingPin(MEMBER)


def test_a_late_pin_answer_after_removal_changes_nothing() -> None:
    assert run([(0, CardInserted(MEMBER)), (1, CardRemoved()), (2, PinCorrect())]) == Locked()


def test_technician_logs_in_the_same_way_but_never_sees_voters() -> None:
    state = run([(0, CardInserted(TECHNICIAN)), (1, PinCorrect())])
    assert isinstance(state, LoggedIn)
    assert may(state, "run_self_test") and may(state, "export_journal")
    assert not may(state, "check_registration") and not may(state, "decide_inclusion")
    assert not may(state, "view_day_decisions")


def test_the_role_table() -> None:
    assert set(PERMISSIONS) == set(ROLES)
    assert can("member", "check_registration") and not can("member", "print_day_summary")
    assert can("chair", "print_day_summary") and can("secretary", "print_day_summary")
    assert not can("chair", "run_self_test")
    assert not can("visitor", "check_registration")  # type: ignore[arg-type]


def test_role_units_match_what_the_commission_ca_issues() -> None:
    issued: dict[str, str] = {unit: role for role, unit in COMMISSION_ROLE_UNITS.items()}
    issued[TECHNICIAN_ROLE_UNIT] = "technician"
    assert issued == ROLE_UNITS


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="delays"):
        AuthPolicy(delays=())
    with pytest.raises(ValueError, match="limit"):
        AuthPolicy(lockout_after=0)


actions = st.one_of(
    st.sampled_from([CardRemoved(), PinCorrect(), PinBlocked(), Activity(), InactivityTick(), LockNow()]),
    st.sampled_from([MEMBER, CHAIR, TECHNICIAN]).map(CardInserted),
    st.integers(0, 9).map(PinIncorrect),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1200), actions), max_size=40))
def test_properties_of_any_sequence(steps: list[tuple[int, AuthAction]]) -> None:
    state: AuthState = Locked()
    now = T0
    wrong_in_a_row = 0
    for seconds, action in steps:
        now += dt.timedelta(seconds=seconds)
        before = state
        state = determine_new_auth_status(state, action, now, POLICY)
        # Nobody is logged in without a right PIN for the card in the reader, tried while allowed.
        if isinstance(state, LoggedIn) and not isinstance(before, LoggedIn):
            assert isinstance(action, PinCorrect) and isinstance(before, AwaitingPin)
            assert not before.card_blocked and state.member == before.member
        # Removing the card always locks.
        if isinstance(action, CardRemoved):
            assert not isinstance(state, LoggedIn | AwaitingPin)
        # A lockout only follows the limit's wrong PIN, and lasts its full time.
        if isinstance(state, LockedOut) and not isinstance(before, LockedOut):
            assert isinstance(action, PinIncorrect) and wrong_in_a_row + 1 >= POLICY.lockout_after
            assert state.until == now + POLICY.lockout_duration
        if isinstance(before, LockedOut) and not isinstance(state, LockedOut):
            assert now >= before.until
        if isinstance(state, LoggedIn) or (isinstance(before, LockedOut) and not isinstance(state, LockedOut)):
            wrong_in_a_row = 0  # only a right PIN or the end of a lockout starts the count again
        elif isinstance(action, PinIncorrect) and isinstance(before, AwaitingPin):
            wrong_in_a_row += 1

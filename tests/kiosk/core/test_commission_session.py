"""The commission session: identify, check, decide, print; bad input refused with nothing sent twice; and the
voter's state machine can never reach commission-only data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_voter_session_world import (
    CARD_IDENTITY,
    HOME,
    HOME_ADDRESS,
    LISTED_ELSEWHERE,
    NOT_LISTED_MAY_REGISTER,
    OTHER,
    TYPED_IDENTITY,
    commission_only_data_in,
    context,
    every_value,
)

from kiosk.core import voter_session_events as events
from kiosk.core.commission_auth import MemberIdentity
from kiosk.core.commission_reasons import MAX_REASON_TEXT, REFUSAL_REASONS, DecisionDraft, validate_decision
from kiosk.core.commission_session import (
    Checked,
    CommissionContext,
    CommissionError,
    CommissionSession,
    Deciding,
    Identify,
    ReadingVoterDocument,
    SessionDenied,
    Transition,
    TypingIin,
    decision_id,
    next_state,
    start_commission_session,
)
from kiosk.core.commission_session_events import (
    CheckAnswered,
    CheckFailed,
    CommissionEvent,
    DecisionAnswered,
    DecisionQueued,
    DecisionSubmitted,
    DocumentRead,
    IinEntered,
    MethodChosen,
    NextVoter,
    Printed,
    PrintRefusal,
    RefusalPrintChosen,
    SendDecision,
    StartCheck,
    StartDocumentRead,
    TryAgain,
    WipeVoterData,
)
from kiosk.core.iin import IinRejection, parse_iin
from kiosk.core.registration import ListDecisionResult, RegisteredAddress, RegistrationCheck
from kiosk.core.voter_session import next_state as voter_next_state
from kiosk.core.voter_session_states import VoterSession, start_session

NOW = dt.datetime(2024, 3, 17, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
MEMBER = MemberIdentity(parse_iin("850714400420"), "Smith", "Anna", "member", "PEC 001", "1a2b")
TECHNICIAN = dataclasses.replace(MEMBER, role="technician")
CONTEXT = CommissionContext(HOME)
OUTSIDE = RegistrationCheck("not_listed", registration=RegisteredAddress(HOME_ADDRESS.address, False))
INSIDE = RegistrationCheck("not_listed", registration=RegisteredAddress(HOME_ADDRESS.address, True))
RECORDED = ListDecisionResult("refusal_recorded", decision_number="LD-101-00007")
IIN = CARD_IDENTITY.iin.value


def start() -> CommissionSession:
    session = start_commission_session(CONTEXT, MEMBER, bytes(range(32)))
    assert isinstance(session, CommissionSession)
    return session


def step(session: CommissionSession, *events: CommissionEvent) -> Transition:
    transition = Transition(session)
    for event in events:
        transition = next_state(transition.state, event, NOW)
    return transition


def checked(check: RegistrationCheck = OUTSIDE) -> CommissionSession:
    """A session showing ``check`` for the card holder."""
    state = step(start(), MethodChosen("card")).state
    state = step(state, DocumentRead(state.request_counter, CARD_IDENTITY)).state
    return step(state, CheckAnswered(state.request_counter, check)).state


def test_card_identification_check_and_refusal_with_printing() -> None:
    read = step(start(), MethodChosen("card"))
    assert read.effects == (StartDocumentRead(1, "id_card"),) and isinstance(read.state.screen, ReadingVoterDocument)
    check = step(read.state, DocumentRead(1, CARD_IDENTITY))
    assert check.effects == (StartCheck(2, CARD_IDENTITY, MEMBER.member_id),)
    shown = step(check.state, CheckAnswered(2, OUTSIDE))
    screen = shown.state.screen
    assert isinstance(screen, Checked) and screen.inside_boundaries is False
    assert screen.check.registration == OUTSIDE.registration  # the commission sees the registered address
    decided = step(shown.state, DecisionSubmitted(IIN, "refuse", "address_outside_boundaries", "  Адрес вне участка "))
    (send,) = decided.effects
    assert isinstance(send, SendDecision) and send.draft == DecisionDraft("refuse", "address_outside_boundaries",
                                                                          "Адрес вне участка")
    assert send.decision_id.startswith("D-") and send.member == MEMBER
    answered = step(decided.state, DecisionAnswered(send.request_id, RECORDED))
    assert isinstance(answered.state.screen, Deciding) and answered.state.screen.refusal_printable
    printing = step(answered.state, RefusalPrintChosen("kk"))
    (print_effect,) = printing.effects
    assert isinstance(print_effect, PrintRefusal) and print_effect.language == "kk"
    assert print_effect.record.decision_number == "LD-101-00007" and print_effect.record.voter == CARD_IDENTITY
    assert print_effect.record.reason == "address_outside_boundaries" and print_effect.record.member == MEMBER
    printed = step(printing.state, Printed(print_effect.request_id))
    assert printed.state.screen.print_state == "printed"  # type: ignore[union-attr]
    done = step(printed.state, NextVoter())
    assert done.state.screen == Identify() and WipeVoterData() in done.effects


def test_typed_iin_is_recorded_as_typed() -> None:
    typing_screen = step(start(), MethodChosen("keypad"))
    assert typing_screen.state.screen == TypingIin()
    wrong = step(typing_screen.state, IinEntered(IIN[:-1] + str((int(IIN[-1]) + 1) % 10)))
    assert wrong.state.screen == TypingIin(IinRejection.CHECK_DIGIT_MISMATCH) and not wrong.effects
    started = step(typing_screen.state, IinEntered(IIN))
    (effect,) = started.effects
    assert isinstance(effect, StartCheck) and effect.identity.source == "typed_iin"


def test_digital_document_read() -> None:
    assert step(start(), MethodChosen("qr")).effects == (StartDocumentRead(1, "digital_document"),)


def test_inclusion_takes_no_reason() -> None:
    decided = step(checked(INSIDE), DecisionSubmitted(IIN, "include"))
    (send,) = decided.effects
    assert isinstance(send, SendDecision) and send.draft == DecisionDraft("include")
    refused = step(checked(INSIDE), DecisionSubmitted(IIN, "include", "other", "why"))
    assert refused.problem == "unexpected_reason" and not refused.effects


def test_bad_input_is_refused_with_a_reason_and_nothing_sent() -> None:
    session = checked()
    cases = {
        ("refuse", "no_such_reason", "text"): "unknown_reason",
        ("refuse", None, "text"): "reason_required",
        ("refuse", "other", ""): "text_required",
        ("refuse", "other", "   \n "): "text_required",
        ("refuse", "other", "x" * (MAX_REASON_TEXT + 1)): "text_too_long",
        ("refuse", "other", "bad\x00text"): "text_invalid",
        ("delete", None, None): "unknown_decision",
    }
    for (decision, code, text), problem in cases.items():
        transition = step(session, DecisionSubmitted(IIN, decision, code, text))
        assert transition.problem == problem, (decision, code, text)
        assert transition.effects == () and transition.state == session


def test_a_decision_without_a_check_is_refused() -> None:
    assert step(start(), DecisionSubmitted(IIN, "include")).problem == "not_checked"
    checking = step(start(), MethodChosen("card"), DocumentRead(1, CARD_IDENTITY)).state
    assert step(checking, DecisionSubmitted(IIN, "include")).problem == "not_checked"
    other_voter = "850714400420"
    assert step(checked(), DecisionSubmitted(other_voter, "refuse", "other", "x")).problem == "not_checked"


def test_a_decision_sent_twice_is_refused_and_sent_once() -> None:
    first = step(checked(), DecisionSubmitted(IIN, "refuse", "other", "text"))
    assert len(first.effects) == 1
    again = step(first.state, DecisionSubmitted(IIN, "refuse", "other", "text"))
    assert again.problem == "already_sent" and again.effects == ()
    include_too = step(first.state, DecisionSubmitted(IIN, "include"))
    assert include_too.problem == "already_sent" and include_too.effects == ()
    # Leaving while it is still on its way is refused too (the outbox has not said it holds it).
    assert step(first.state, NextVoter()).problem == "already_sent"
    queued = step(first.state, DecisionQueued(first.state.request_counter, "Q-ABCDEFGH"))
    assert step(queued.state, DecisionSubmitted(IIN, "refuse", "other", "text")).problem == "already_sent"
    assert step(queued.state, NextVoter()).state.screen == Identify()


def test_listed_elsewhere_answer_is_shown_with_the_station() -> None:
    first = step(checked(INSIDE), DecisionSubmitted(IIN, "include"))
    answer = ListDecisionResult("listed_elsewhere", station=OTHER)
    shown = step(first.state, DecisionAnswered(first.state.request_counter, answer)).state.screen
    assert isinstance(shown, Deciding) and shown.result == answer and not shown.refusal_printable
    assert step(first.state, RefusalPrintChosen("ru")).effects == ()


def test_stale_replies_are_ignored() -> None:
    reading = step(start(), MethodChosen("card")).state
    assert step(reading, DocumentRead(99, CARD_IDENTITY)).ignored
    checking = step(reading, DocumentRead(1, CARD_IDENTITY)).state
    assert step(checking, CheckAnswered(1, OUTSIDE)).ignored


def test_a_failed_check_can_be_tried_again() -> None:
    checking = step(start(), MethodChosen("card"), DocumentRead(1, CARD_IDENTITY)).state
    failed = step(checking, CheckFailed(2, "service.timeout", retryable=True))
    assert isinstance(failed.state.screen, CommissionError)
    assert step(failed.state, TryAgain()).effects == (StartCheck(3, CARD_IDENTITY, MEMBER.member_id),)
    final = step(checking, CheckFailed(2, "service.rejected", retryable=False))
    assert step(final.state, TryAgain()).ignored


def test_a_technician_cannot_start_a_session() -> None:
    assert start_commission_session(CONTEXT, TECHNICIAN, bytes(range(32))) == SessionDenied()


def test_validate_decision_accepts_every_listed_reason() -> None:
    for reason in REFUSAL_REASONS:
        assert validate_decision("refuse", reason, "ok") == DecisionDraft("refuse", reason, "ok")


# --- no voter-reachable state holds commission data ---------------------------------------------------------


COMMISSION_ONLY = (MemberIdentity, RegisteredAddress, CommissionSession, Checked, Deciding)


def types_reachable_from(root: Any) -> set[Any]:
    """Every class named in the annotations reachable from ``root`` (dataclass fields, unions, containers)."""
    seen: set[Any] = set()
    pending = [root]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        if dataclasses.is_dataclass(current) and isinstance(current, type):
            hints = typing.get_type_hints(current)
            pending.extend(hints.values())
        pending.extend(typing.get_args(current))
    return seen


def test_the_voter_session_type_cannot_hold_commission_data() -> None:
    reachable = types_reachable_from(VoterSession)
    for commission_type in (MemberIdentity, CommissionSession, Checked, Deciding, CommissionContext):
        assert commission_type not in reachable
    # RegistrationCheck (which may carry a RegisteredAddress) is reachable by type: the walk below shows the
    # voter session drops the address whatever the service sends.
    assert RegistrationCheck in reachable
    # The scan is not blind: the commission's own session does hold what the voter's must not.
    commission_reachable = types_reachable_from(CommissionSession)
    assert MemberIdentity in commission_reachable and Checked in commission_reachable


def voter_events(draw: Any) -> Any:
    check = draw(st.sampled_from([LISTED_ELSEWHERE, OUTSIDE, INSIDE, NOT_LISTED_MAY_REGISTER,
                                  dataclasses.replace(LISTED_ELSEWHERE, registration=OUTSIDE.registration)]))
    request = draw(st.integers(0, 6))
    return draw(st.sampled_from([
        events.LanguageChosen("ru"), events.MethodChosen("card"), events.MethodChosen("keypad"),
        events.CardInserted(), events.DocumentRead(request, CARD_IDENTITY),
        events.DocumentRead(request, TYPED_IDENTITY),
        events.CheckAnswered(request, check), events.TemporaryRegistrationChosen(), events.ConsentGiven(),
        events.Back(), events.Tick(), events.Finish(), events.AskCommissionChosen(), events.TryAgainChosen(),
        *(events.DigitTyped(digit) for digit in IIN), events.IinSubmitted(),
    ]))


@settings(max_examples=80, deadline=None)  # each example walks up to 25 steps; 80 keep the suite fast
@given(st.data())
def test_walking_the_voter_machine_never_reaches_commission_data(data: st.DataObject) -> None:
    state = context_session()
    now = NOW
    for _ in range(data.draw(st.integers(1, 25))):
        event = voter_events(data.draw)
        now += dt.timedelta(seconds=data.draw(st.sampled_from([0, 1, 30, 61])))
        transition = voter_next_state(state, event, now)
        state = transition.state
        for holder in (state, transition.effects):
            assert commission_only_data_in(holder) == []
            assert not any(isinstance(item, COMMISSION_ONLY) for item in every_value(holder))


def context_session() -> VoterSession:
    return start_session(context(), NOW)


def test_two_sessions_never_share_a_decision_id() -> None:
    first = start_commission_session(CONTEXT, MEMBER, bytes(range(32)))
    second = start_commission_session(CONTEXT, MEMBER, bytes(range(1, 33)))
    assert isinstance(first, CommissionSession) and isinstance(second, CommissionSession)
    assert decision_id(first, 3) != decision_id(second, 3)
    assert decision_id(first, 3) != decision_id(first, 4)
    with pytest.raises(ValueError, match="16 random bytes"):
        start_commission_session(CONTEXT, MEMBER, b"short")

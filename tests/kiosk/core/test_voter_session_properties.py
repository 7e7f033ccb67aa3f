"""Properties of the voter session over random event sequences, from every state a voter can reach.

Sequences mix the voter's actions, selecting any of the current screen's controls, device and service reports
(answering the request the screen waits for, or a stale one), and time passing by amounts around the limits.
After every step: attract holds no personal data; no typed IIN reaches temporary registration; the time limits
hold; no commission-only data is anywhere; every spoken key is catalogued; next_state never raised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_voter_session_world import (
    ALREADY_REGISTERED,
    CARD_IDENTITY,
    CREATED,
    DIGITAL_IDENTITY,
    EMRTD_IDENTITY,
    HOME,
    HOME_WITHOUT_REGISTRATION,
    IIN,
    LISTED_ELSEWHERE,
    LISTED_HERE,
    NOT_ELIGIBLE,
    NOT_LISTED_MAY_NOT_REGISTER,
    NOT_LISTED_MAY_REGISTER,
    NOW,
    OTHER_CARD_IDENTITY,
    REFUSED,
    REGISTERED_ELSEWHERE,
    TYPED_IDENTITY,
    awaited_request,
    commission_only_data_in,
    context,
    personal_data_in,
)

from kiosk.core import session_replies, voter_session_events
from kiosk.core.registration import LANGUAGES, RegistrationCheck, Station
from kiosk.core.voter_session import next_state
from kiosk.core.voter_session_effects import Speak, WipePersonalData
from kiosk.core.voter_session_events import (
    Activity,
    AskCommissionChosen,
    Back,
    CardInserted,
    CardRemoved,
    CheckAnswered,
    Confirmed,
    ConsentDeclined,
    ConsentGiven,
    DigitErased,
    DigitsCleared,
    DigitTyped,
    DocumentFailed,
    DocumentRead,
    Finish,
    Help,
    IinSubmitted,
    LanguageChosen,
    MethodChosen,
    MoreTimeChosen,
    Printed,
    PrintFailed,
    QrScanned,
    RegistrationAnswered,
    RegistrationQueued,
    ServiceNotReached,
    ServiceRefused,
    TemporaryRegistrationChosen,
    Tick,
    TryAgainChosen,
    VoterEvent,
)
from kiosk.core.voter_session_prompts import VOTER_SESSION_TRANSLATION_KEYS, focusable_controls, spoken_prompt
from kiosk.core.voter_session_states import (
    Attract,
    Confirmation,
    Consent,
    MoreTimePrompt,
    Registering,
    VoterSession,
    holds_personal_data,
    is_work_screen,
    start_session,
)
from kiosk.core.voter_session_transitions import Transition

CATALOGUED = frozenset(VOTER_SESSION_TRANSLATION_KEYS)

# A step is a function of the current state giving the event to send, and the seconds that pass before it.
EventMaker = Callable[[VoterSession], VoterEvent]


def pending_request(state: VoterSession) -> int:
    """The request the screen waits for, or the last one started (which nothing may be waiting for)."""
    request_id = awaited_request(state)
    return state.request_counter if request_id is None else request_id


def fixed(event: Any) -> EventMaker:
    return lambda state: event


def control(index: int) -> EventMaker:
    def choose(state: VoterSession) -> VoterEvent:
        controls = focusable_controls(state)
        return controls[index % len(controls)].event
    return choose


def reply(make: Callable[[int], VoterEvent], stale: bool) -> EventMaker:
    def answer(state: VoterSession) -> VoterEvent:
        request_id = pending_request(state)
        return make(request_id - 1 if stale else request_id)
    return answer


identities = st.sampled_from([CARD_IDENTITY, DIGITAL_IDENTITY, EMRTD_IDENTITY, TYPED_IDENTITY, OTHER_CARD_IDENTITY])
checks = st.sampled_from([
    NOT_LISTED_MAY_REGISTER, LISTED_HERE, LISTED_ELSEWHERE, NOT_LISTED_MAY_NOT_REGISTER, NOT_ELIGIBLE,
    dataclasses.replace(NOT_LISTED_MAY_REGISTER, registration=LISTED_HERE.registration),
    dataclasses.replace(LISTED_ELSEWHERE, station=None),
])
results = st.sampled_from([CREATED, ALREADY_REGISTERED, REGISTERED_ELSEWHERE, REFUSED,
                           dataclasses.replace(CREATED, station=None, reference=None),
                           dataclasses.replace(ALREADY_REGISTERED, station=None)])
error_keys = st.sampled_from(["card.removed", "document.card.security_status", "service.timeout", "x"])

voter_actions: st.SearchStrategy[EventMaker] = st.one_of(
    st.sampled_from([DigitErased(), DigitsCleared(), IinSubmitted(), CardInserted(), CardRemoved(),
                     TemporaryRegistrationChosen(), ConsentGiven(), ConsentDeclined(), Confirmed(),
                     AskCommissionChosen(), TryAgainChosen(), Back(), Help(), Activity(), MoreTimeChosen(),
                     Finish()]).map(fixed),
    st.sampled_from(LANGUAGES).map(lambda language: fixed(LanguageChosen(language))),
    st.sampled_from(["card", "qr", "keypad"]).map(lambda method: fixed(MethodChosen(method))),  # type: ignore[arg-type]
    st.sampled_from([*"0123456789", "x", "", "12"]).map(lambda digit: fixed(DigitTyped(digit))),
    st.text(max_size=30).map(lambda payload: fixed(QrScanned(payload))),
)
controls = st.integers(0, 20).map(control)
stale = st.booleans()
replies: st.SearchStrategy[EventMaker] = st.one_of(
    st.builds(lambda identity, old: reply(lambda request: DocumentRead(request, identity), old), identities, stale),
    st.builds(lambda key, old: reply(lambda request: DocumentFailed(request, key), old), error_keys, stale),
    st.builds(lambda check, old: reply(lambda request: CheckAnswered(request, check), old), checks, stale),
    st.builds(lambda key, old: reply(lambda request: ServiceNotReached(request, key), old), error_keys, stale),
    st.builds(lambda key, old: reply(lambda request: ServiceRefused(request, key), old), error_keys, stale),
    st.builds(lambda result, old: reply(lambda request: RegistrationAnswered(request, result), old), results, stale),
    stale.map(lambda old: reply(RegistrationQueued, old)),
    stale.map(lambda old: reply(Printed, old)),
    stale.map(lambda old: reply(lambda request: PrintFailed(request, "printer.paper_out"), old)),
)
ticks = st.just(fixed(Tick()))
seconds = st.sampled_from([0, 1, 5, 29, 30, 31, 44, 45, 59, 60, 61, 89, 90, 120, 600])
steps = st.tuples(st.one_of(voter_actions, controls, controls, replies, replies, ticks, ticks), seconds)


def reach_registration(station_offers: bool) -> list[tuple[EventMaker, int]]:
    """A scripted start that reaches the consent screen at a station offering temporary registration."""
    script: list[EventMaker] = [
        fixed(LanguageChosen("ru")), fixed(MethodChosen("card")), fixed(CardInserted()),
        reply(lambda request: DocumentRead(request, CARD_IDENTITY), False),
        reply(lambda request: CheckAnswered(request, NOT_LISTED_MAY_REGISTER), False),
    ]
    if station_offers:
        script.append(fixed(TemporaryRegistrationChosen()))
    return [(maker, 1) for maker in script]


def typed_start() -> list[tuple[EventMaker, int]]:
    script = [fixed(MethodChosen("keypad")), *(fixed(DigitTyped(digit)) for digit in IIN.value), fixed(IinSubmitted())]
    return [(maker, 1) for maker in script]


def check_step(before: VoterSession, event: VoterEvent, now: dt.datetime, transition: Transition) -> None:
    """Every invariant of one step."""
    after = transition.state
    effects = transition.effects

    # Attract holds nothing personal, and every return to it wipes.
    if isinstance(after.screen, Attract):
        assert personal_data_in(after) == [], after
        assert after.more_time is None
        if not isinstance(before.screen, Attract):
            assert WipePersonalData() in effects
    # Personal data never leaves the session without a wipe.
    if holds_personal_data(before.screen) and not holds_personal_data(after.screen):
        assert WipePersonalData() in effects

    # Temporary registration only ever for an identity proved by a document.
    if isinstance(after.screen, Consent | Confirmation | Registering):
        assert after.screen.identity.by_document
        assert after.context.station.offers_temporary_registration

    # Commission-only data is nowhere: not in the state, not in what the caller is asked to do.
    assert commission_only_data_in(after) == []
    assert commission_only_data_in(effects) == []

    # Time limits.
    limits = after.context
    if isinstance(event, Tick) and not is_work_screen(after.screen) and not isinstance(after.screen, Attract):
        if after.more_time is None:
            assert now - after.last_activity < limits.inactivity_limit
        else:
            assert now - after.more_time.asked_at < limits.more_time_grace
    if isinstance(event, Tick) and is_work_screen(after.screen):
        assert now - after.screen_since < limits.work_limit
    if isinstance(event, Tick) and isinstance(after.screen, Attract) and not isinstance(before.screen, Attract):
        # Inactivity never wipes without asking "more time?" first, and only after the grace period.
        assert before.more_time is not None
        assert now - before.more_time.asked_at >= limits.more_time_grace
        assert before.more_time.asked_at - before.last_activity >= limits.inactivity_limit
    if after.more_time is not None and before.more_time is None:
        assert isinstance(event, Tick)
        assert now - before.last_activity >= limits.inactivity_limit

    # An ignored event changes nothing; requests are numbered forward only.
    if transition.ignored:
        assert after == before and effects == ()
    assert after.request_counter >= before.request_counter

    # Everything said is catalogued, in the session's language; prompts and controls exist for every state.
    for effect in effects:
        if isinstance(effect, Speak):
            assert effect.translation_key in CATALOGUED, effect.translation_key
    for text in spoken_prompt(after):
        assert text.translation_key in CATALOGUED, text.translation_key
    for each in focusable_controls(after):
        assert each.label_key in CATALOGUED, each.label_key
    assert focusable_controls(after)


def run(station: Station, script: list[tuple[EventMaker, int]]) -> list[VoterSession]:
    state = start_session(context(station), NOW)
    now = NOW
    seen = [state]
    for make, after in script:
        now += dt.timedelta(seconds=after)
        event = make(state)
        transition = next_state(state, event, now)
        check_step(state, event, now, transition)
        state = transition.state
        seen.append(state)
    return seen


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([HOME, HOME_WITHOUT_REGISTRATION]),
       st.sampled_from(["none", "consent", "answer", "typed"]),
       st.lists(steps, max_size=40))
def test_invariants_hold_from_every_reachable_state(station: Station, start: str,
                                                    random_steps: list[tuple[EventMaker, int]]) -> None:
    prefix = {"none": [], "consent": reach_registration(True), "answer": reach_registration(False),
              "typed": typed_start()}[start]
    run(station, [*prefix, *random_steps])


# Everything but documents: the voter can only type.
no_document_actions = st.one_of(
    st.sampled_from([DigitErased(), DigitsCleared(), IinSubmitted(), TemporaryRegistrationChosen(),
                     ConsentGiven(), ConsentDeclined(), Confirmed(), AskCommissionChosen(), TryAgainChosen(), Back(),
                     Help(), Activity(), MoreTimeChosen(), Finish()]).map(fixed),
    st.sampled_from(["keypad"]).map(lambda method: fixed(MethodChosen(method))),  # type: ignore[arg-type]
    st.sampled_from([*"0123456789"]).map(lambda digit: fixed(DigitTyped(digit))),
    st.builds(lambda check, old: reply(lambda request: CheckAnswered(request, check), old), checks, stale),
    st.builds(lambda identity, old: reply(lambda request: DocumentRead(request, identity), old), identities, stale),
    stale.map(lambda old: reply(ServiceNotReached, old)),
    stale.map(lambda old: reply(Printed, old)),
)


@settings(max_examples=200, deadline=None)
@given(checks, st.lists(st.tuples(st.one_of(no_document_actions, controls, ticks), seconds), max_size=40))
def test_a_typed_iin_never_reaches_temporary_registration(first_answer: RegistrationCheck,
                                                          random_steps: list[tuple[EventMaker, int]]) -> None:
    # Controls may choose the card or code method, but no card or code ever arrives: nothing is read.
    answer = reply(lambda request: CheckAnswered(request, first_answer), False)
    seen = run(HOME, [*typed_start(), (answer, 1), *random_steps])
    assert not any(isinstance(state.screen, Consent | Confirmation | Registering) for state in seen)


ALL_EVENTS: list[VoterEvent] = [
    LanguageChosen("en"), MethodChosen("card"), MethodChosen("qr"), MethodChosen("keypad"), DigitTyped("5"),
    DigitTyped("x"), DigitErased(), DigitsCleared(), IinSubmitted(), CardInserted(), CardRemoved(),
    QrScanned("code"), DocumentFailed(1, "card.removed"), ServiceNotReached(1), ServiceRefused(1),
    TemporaryRegistrationChosen(), ConsentGiven(), ConsentDeclined(), Confirmed(), RegistrationQueued(1),
    Printed(1), PrintFailed(1, "printer.error"), AskCommissionChosen(), TryAgainChosen(), Back(), Help(), Tick(),
    Activity(), MoreTimeChosen(), Finish(),
    *(DocumentRead(request, identity) for request in (1, 2, 3)
      for identity in (CARD_IDENTITY, TYPED_IDENTITY)),
    *(CheckAnswered(request, check) for request in (2, 3)
      for check in (LISTED_HERE, NOT_LISTED_MAY_REGISTER, NOT_ELIGIBLE)),
    *(RegistrationAnswered(request, result) for request in (4, 5, 6) for result in (CREATED, REFUSED)),
]


def test_every_event_class_is_covered_by_the_exhaustive_list() -> None:
    classes = {value for value in vars(voter_session_events).values()
               if isinstance(value, type) and dataclasses.is_dataclass(value)
               and value.__module__ in {voter_session_events.__name__, session_replies.__name__}}
    assert classes == {type(event) for event in ALL_EVENTS}


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([HOME, HOME_WITHOUT_REGISTRATION]),
       st.sampled_from(["none", "consent", "answer", "typed"]),
       st.lists(steps, max_size=20), seconds)
def test_every_event_in_any_reached_state_is_handled_or_ignored(
        station: Station, start: str, random_steps: list[tuple[EventMaker, int]], after: int) -> None:
    prefix = {"none": [], "consent": reach_registration(True), "answer": reach_registration(False),
              "typed": typed_start()}[start]
    for state in run(station, [*prefix, *random_steps]):
        probes = [state]
        if not isinstance(state.screen, Attract) and not is_work_screen(state.screen) and state.more_time is None:
            # The same screen with the "more time?" question showing, asked as late as the limit allows.
            asked_at = state.last_activity + state.context.inactivity_limit
            probes.append(dataclasses.replace(state, more_time=MoreTimePrompt(asked_at)))
        for probe in probes:
            now = probe.last_activity + dt.timedelta(seconds=after)
            for event in ALL_EVENTS:
                check_step(probe, event, now, next_state(probe, event, now))


def test_invariants_hold_on_every_transition_of_the_breadth_first_exploration() -> None:
    from test_voter_session_prompts import EXPLORED  # noqa: PLC0415  (built once, by the prompts tests)

    for before, event, now, transition in EXPLORED:
        check_step(before, event, now, transition)

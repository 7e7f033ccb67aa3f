"""Prompts and controls of every screen variant, found by exploring the session's state graph breadth first.

The exploration sends every control's event, every device and service report (to the request the screen waits
for), time jumps past each limit, and whole IINs typed, and keeps one state per screen variant. Over all of them:
every key said or shown is catalogued and every catalogued key is used; every control does something; nothing
said carries an unmasked IIN or the voter's name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Hashable
from dataclasses import replace

from test_voter_session_world import (
    ALREADY_REGISTERED,
    CARD_IDENTITY,
    CREATED,
    DIGITAL_IDENTITY,
    HOME,
    HOME_WITHOUT_REGISTRATION,
    IIN,
    LISTED_ELSEWHERE,
    LISTED_HERE,
    NOT_ELIGIBLE,
    NOT_LISTED_MAY_NOT_REGISTER,
    NOT_LISTED_MAY_REGISTER,
    NOW,
    REFUSED,
    REGISTERED_ELSEWHERE,
    TYPED_IDENTITY,
    context,
)

from kiosk.core.registration import Station
from kiosk.core.voter_session import next_state
from kiosk.core.voter_session_effects import Speak
from kiosk.core.voter_session_events import (
    Back,
    CardInserted,
    CardRemoved,
    CheckAnswered,
    DigitTyped,
    DocumentFailed,
    DocumentRead,
    Finish,
    Printed,
    PrintFailed,
    QrScanned,
    RegistrationAnswered,
    RegistrationQueued,
    ServiceNotReached,
    ServiceRefused,
    Tick,
    VoterEvent,
)
from kiosk.core.voter_session_prompts import (
    BALLOT_COLOUR_KEYS,
    BALLOT_KIND_KEYS,
    VOTER_SESSION_TRANSLATION_KEYS,
    focusable_controls,
    spoken_prompt,
)
from kiosk.core.voter_session_states import (
    ErrorScreen,
    KeypadEntry,
    VoterSession,
    start_session,
)
from kiosk.core.voter_session_transitions import Transition

# Keys no voter can reach: the keypad only takes digits and stops at 12, so these two keypad feedbacks exist
# for completeness of the IinRejection family only.
UNREACHABLE_KEYS = frozenset({"voter.keypad.invalid.not_digits", "voter.keypad.invalid.wrong_length"})
# The explored world hands out one white Mazhilis ballot; the other kinds and colours, and the fallback for a
# code this release does not know, are said by test_ballot_prompts.py.
NOT_EXPLORED_BALLOT_KEYS = (frozenset(BALLOT_KIND_KEYS.values()) | frozenset(BALLOT_COLOUR_KEYS.values())
                            | {"voter.answer.ballot.unnamed"}) - {"voter.ballot.mazhilis", "voter.colour.white"}

Timed = tuple[VoterEvent, dt.datetime]


def _pending(state: VoterSession) -> int | None:
    for name in ("request_id", "print_request_id"):
        value = getattr(state.screen, name, None)
        if isinstance(value, int):
            return value
    return None


def _moves(state: VoterSession) -> list[list[Timed]]:
    """Every way on from ``state``: each a list of (event, time) sent in order."""
    latest = max(state.last_activity, state.screen_since,
                 state.more_time.asked_at if state.more_time else state.last_activity)
    soon = latest + dt.timedelta(seconds=1)
    moves: list[list[Timed]] = [[(control.event, soon)] for control in focusable_controls(state)]
    moves += [[(event, soon)] for event in (CardInserted(), CardRemoved(), QrScanned("code"), Back(), Finish())]
    moves += [[(Tick(), latest + dt.timedelta(seconds=seconds))] for seconds in (31, 46, 61)]
    if isinstance(state.screen, KeypadEntry) and not state.screen.digits:
        for digits in (IIN.value, "850415300013", "8513", "8504150", "85041530034", "8504"):
            moves.append([(DigitTyped(digit), soon) for digit in digits])
    request = _pending(state)
    if request is not None:
        replies: list[VoterEvent] = [
            *(DocumentRead(request, identity) for identity in (CARD_IDENTITY, DIGITAL_IDENTITY, TYPED_IDENTITY)),
            DocumentFailed(request, "card.removed"), DocumentFailed(request, "document.error"),
            *(CheckAnswered(request, check) for check in (LISTED_HERE, LISTED_ELSEWHERE, NOT_LISTED_MAY_REGISTER,
                                                           NOT_LISTED_MAY_NOT_REGISTER, NOT_ELIGIBLE,
                                                           replace(LISTED_ELSEWHERE, station=None))),
            ServiceNotReached(request), ServiceRefused(request),
            *(RegistrationAnswered(request, result) for result in (CREATED, ALREADY_REGISTERED, REGISTERED_ELSEWHERE,
                                                                   REFUSED, replace(ALREADY_REGISTERED, station=None),
                                                                   replace(REGISTERED_ELSEWHERE, station=None))),
            RegistrationQueued(request), Printed(request), PrintFailed(request, "printer.error"),
        ]
        moves += [[(reply, soon)] for reply in replies]
    return moves


def _variant(state: VoterSession) -> Hashable:
    """What makes a screen look or sound different (not the personal data itself)."""
    screen = state.screen
    details = tuple(
        str(getattr(screen, name, None))
        for name in ("kind", "outcome", "print_status", "temporary_registration_offered", "iin_rejection")
    )
    feedback = screen.feedback if isinstance(screen, KeypadEntry) else None
    retry = type(screen.retry).__name__ if isinstance(screen, ErrorScreen) else None
    typed = bool(screen.digits) if isinstance(screen, KeypadEntry) else None
    return (type(screen).__name__, details, feedback, retry, typed, state.more_time is None)


def explore(station: Station) -> list[tuple[VoterSession, VoterEvent, dt.datetime, Transition]]:
    """Breadth-first over screen variants; every transition taken, with the state it left."""
    start = start_session(context(station), NOW)
    seen = {_variant(start)}
    queue = deque([start])
    taken: list[tuple[VoterSession, VoterEvent, dt.datetime, Transition]] = []
    while queue:
        state = queue.popleft()
        for move in _moves(state):
            current = state
            for event, now in move:
                transition = next_state(current, event, now)
                taken.append((current, event, now, transition))
                current = transition.state
            if _variant(current) not in seen:
                seen.add(_variant(current))
                queue.append(current)
    return taken


EXPLORED = explore(HOME) + explore(HOME_WITHOUT_REGISTRATION)
STATES = [transition.state for _, _, _, transition in EXPLORED]


def test_the_exploration_reaches_every_screen() -> None:
    reached = {state.screen.name for state in STATES}
    assert reached == {"attract", "identify", "insert_card", "show_code", "keypad", "reading_document", "checking",
                       "answer", "consent", "confirmation", "registering", "receipt", "ask_commission", "error"}


def test_every_key_used_is_catalogued_and_every_catalogued_key_is_used() -> None:
    used: set[str] = set()
    for _, _, _, transition in EXPLORED:
        used |= {effect.translation_key for effect in transition.effects if isinstance(effect, Speak)}
        state = transition.state
        used |= {text.translation_key for text in spoken_prompt(state)}
        used |= {control.label_key for control in focusable_controls(state)}
        if isinstance(state.screen, ErrorScreen):
            used.add(state.screen.next_step_key)
            if state.screen.detail_key.startswith("voter."):
                used.add(state.screen.detail_key)
    catalogued = set(VOTER_SESSION_TRANSLATION_KEYS)
    assert used - catalogued == set()
    assert catalogued - used == UNREACHABLE_KEYS | NOT_EXPLORED_BALLOT_KEYS


def test_the_catalogue_list_is_clean() -> None:
    assert len(set(VOTER_SESSION_TRANSLATION_KEYS)) == len(VOTER_SESSION_TRANSLATION_KEYS)
    for key in VOTER_SESSION_TRANSLATION_KEYS:
        assert re.fullmatch(r"voter(\.[a-z0-9_]+)+", key), key


def test_every_control_does_something() -> None:
    for state in STATES:
        controls = focusable_controls(state)
        assert controls, state.screen.name
        assert len({control.name for control in controls}) == len(controls)
        for control in controls:
            transition = next_state(state, control.event, state.last_activity + dt.timedelta(seconds=1))
            assert not transition.ignored, (state.screen.name, control.name)
            assert transition.effects or transition.state != state, (state.screen.name, control.name)


def test_every_state_has_a_prompt_and_help_says_it() -> None:
    for state in STATES:
        prompt = spoken_prompt(state)
        assert prompt
        helped = next_state(state, next(c.event for c in focusable_controls(state) if c.name == "repeat"),
                            state.last_activity)
        said = [effect.translation_key for effect in helped.effects if isinstance(effect, Speak)]
        assert said == [text.translation_key for text in prompt] + ["voter.help.keys"]


def test_nothing_said_carries_an_unmasked_iin_or_a_name() -> None:
    for state in STATES:
        for text in spoken_prompt(state):
            for _, value in text.params:
                assert IIN.value not in value
                assert "Example" not in value


def test_error_screens_always_say_what_to_do_next_and_offer_a_way_on() -> None:
    errors = [state for state in STATES if isinstance(state.screen, ErrorScreen) and state.more_time is None]
    assert {state.screen.kind for state in errors} == {  # type: ignore[union-attr]
        "service_unreachable", "service_refused", "document_unreadable", "card_removed", "invalid_iin"}
    for state in errors:
        keys = [text.translation_key for text in spoken_prompt(state)]
        assert keys[-1].endswith(".next")
        names = {control.name for control in focusable_controls(state)}
        assert {"ask_commission", "finish"} <= names


def test_the_more_time_question_says_how_long_and_offers_more_time_first() -> None:
    asked = [state for state in STATES if state.more_time is not None]
    assert asked
    for state in asked:
        assert [text.translation_key for text in spoken_prompt(state)] == ["voter.more_time.prompt"]
        assert focusable_controls(state)[0].name == "more_time"

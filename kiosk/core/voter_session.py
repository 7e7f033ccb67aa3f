"""The voter's self-service session as a pure state machine (DESIGN.md section 2, issue 4).

``next_state(state, event, now)`` returns the next state and the effects the caller performs (speak, read a
document, run a check, register, print, wipe). It does no I/O, reads no clock and draws no randomness: the time
comes in ``now``, the randomness for idempotency keys in ``SessionContext.key_seed``. It never raises; an event
that means nothing in a state is ignored and the transition says so (``Transition.ignored``).

Rules kept here:

- Time: on every screen the voter acts on, ``inactivity_limit`` (at least 60 s) without a touch or key press
  layers the "more time?" question over the screen; ``more_time_grace`` later without an answer the session
  returns to attract. While the kiosk works (reading, checking, registering) the voter's clock stops and
  ``work_limit`` bounds the work instead: a read or check that takes longer becomes an error screen with what to
  do next, a registration that takes longer is queued (the outbox holds it).
- The "more time?" question is modal: "more time" or Escape keeps the session, "finish" ends it, help repeats
  the question, a card or code starts a new read; anything else is ignored until it is answered.
- A language can be chosen on any screen; on the attract screen choosing one moves on to identification.
- Every return to attract wipes all personal data and emits ``WipePersonalData``.
- Temporary registration is offered only on a "not listed" answer that allows it, at a station that offers it,
  to a voter identified by a document; never for a typed IIN.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kiosk.core.voter_session_events import (
    VOTER_ACTIONS,
    Activity,
    Back,
    CardInserted,
    Finish,
    Help,
    LanguageChosen,
    MoreTimeChosen,
    QrScanned,
    Tick,
    VoterEvent,
)
from kiosk.core.voter_session_flow import handle_screen_event, read_timed_out, registration_queued
from kiosk.core.voter_session_prompts import (
    VOTER_SESSION_TRANSLATION_KEYS,
    Control,
    SpokenText,
    focusable_controls,
    spoken_prompt,
)
from kiosk.core.voter_session_states import (
    Attract,
    Checking,
    ChooseMethod,
    ErrorScreen,
    MoreTimePrompt,
    ReadingDocument,
    Registering,
    RetryCheck,
    SessionContext,
    VoterSession,
    is_work_screen,
    start_session,
)
from kiosk.core.voter_session_transitions import Transition, go, ignore, say_key, say_prompt, to_attract

__all__ = [
    "VOTER_SESSION_TRANSLATION_KEYS",
    "Control",
    "SessionContext",
    "SpokenText",
    "Transition",
    "VoterSession",
    "focusable_controls",
    "next_state",
    "spoken_prompt",
    "start_session",
]


def next_state(session: VoterSession, event: VoterEvent, now: dt.datetime) -> Transition:
    """The transition ``event`` causes in ``session`` at time ``now``. Pure; never raises."""
    match event:
        case Tick():
            return _on_tick(session, now)
        case Help():
            return _on_help(session, now)
    if session.more_time is not None:
        return _under_more_time_question(session, event, now)
    match event:
        case Activity() | MoreTimeChosen():
            return Transition(replace(session, last_activity=now))
        case LanguageChosen(language=language):
            chosen = replace(session, language=language, last_activity=now)
            if isinstance(session.screen, Attract):
                return go(chosen, ChooseMethod(), now)
            return Transition(chosen, say_prompt(chosen))
        case Finish():
            return _on_finish(session, now)
    return handle_screen_event(session, event, now)


def _on_help(session: VoterSession, now: dt.datetime) -> Transition:
    """Repeat the prompt, then say which keys do what."""
    heard = session if session.more_time is not None else replace(session, last_activity=now)
    return Transition(heard, (*say_prompt(session), say_key(session, "voter.help.keys")))


def _on_finish(session: VoterSession, now: dt.datetime) -> Transition:
    if isinstance(session.screen, Attract):
        return ignore(session)
    if isinstance(session.screen, Registering):
        # The registration is on its way; leaving now would leave the voter without a receipt.
        return Transition(session, (say_key(session, "voter.registering.wait"),))
    return to_attract(session, now)


def _under_more_time_question(session: VoterSession, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case MoreTimeChosen() | Back():
            kept = replace(session, more_time=None, last_activity=now)
            return Transition(kept, say_prompt(kept))
        case Finish():
            return to_attract(session, now)
        case CardInserted() | QrScanned():
            answered = handle_screen_event(replace(session, more_time=None, last_activity=now), event, now)
            return ignore(session) if answered.ignored else answered
        case Activity():
            # A stray touch is not an answer: only "more time" keeps personal data on the screen longer.
            return ignore(session)
        case _ if isinstance(event, VOTER_ACTIONS):
            return ignore(session)
        case _:
            # Device and service reports still reach the screen underneath (a print job finishing, for one).
            return handle_screen_event(session, event, now)


def _on_tick(session: VoterSession, now: dt.datetime) -> Transition:
    screen = session.screen
    context = session.context
    if isinstance(screen, Attract):
        return Transition(session)
    if is_work_screen(screen):
        if now - session.screen_since < context.work_limit:
            return Transition(session)
        return _work_timed_out(session, now)
    if session.more_time is None:
        if now - session.last_activity < context.inactivity_limit:
            return Transition(session)
        asked = replace(session, more_time=MoreTimePrompt(asked_at=now))
        return Transition(asked, say_prompt(asked))
    if now - session.more_time.asked_at < context.more_time_grace:
        return Transition(session)
    return to_attract(session, now)


def _work_timed_out(session: VoterSession, now: dt.datetime) -> Transition:
    screen = session.screen
    match screen:
        case ReadingDocument():
            return go(session, read_timed_out(screen), now)
        case Checking(identity=identity):
            return go(session, ErrorScreen("service_unreachable", "voter.error.no_answer", RetryCheck(identity)), now)
        case Registering():
            return registration_queued(session, screen, now)
        case _:
            return Transition(session)


"""Building blocks of voter-session transitions: moving to a screen, starting work, returning to attract.

Every move to a screen restarts the inactivity clock, drops the "more time?" prompt, says the new screen's prompt,
and emits :class:`WipePersonalData` whenever personal data leaves the session (always on a return to attract).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from dataclasses import dataclass, replace

from kiosk.core.identity import Identity
from kiosk.core.iin import masked
from kiosk.core.voter_session_effects import (
    Effect,
    Print,
    PrintJob,
    Speak,
    StartCheck,
    StartDocumentRead,
    WipePersonalData,
)
from kiosk.core.voter_session_prompts import SpokenText, params, spoken_prompt
from kiosk.core.voter_session_states import (
    AskCommission,
    AskReason,
    Attract,
    Checking,
    DocumentKind,
    ReadingDocument,
    Screen,
    VoterSession,
    holds_personal_data,
)

_IDEMPOTENCY_LABEL = b"kiosk voter session: temporary registration idempotency key "


@dataclass(frozen=True, slots=True)
class Transition:
    """The next state and the effects the caller performs, in order.

    ``ignored`` is True when the event means nothing in this state: the state and effects are then unchanged.
    """

    state: VoterSession
    effects: tuple[Effect, ...] = ()
    ignored: bool = False


def ignore(session: VoterSession) -> Transition:
    """The event does not apply here: nothing changes."""
    return Transition(session, (), ignored=True)


def say(session: VoterSession, *texts: SpokenText) -> tuple[Speak, ...]:
    """Speak effects for ``texts`` in the session's language."""
    return tuple(Speak(text.translation_key, text.params, session.language) for text in texts)


def say_key(session: VoterSession, translation_key: str, **values: object) -> Speak:
    """One Speak effect for ``translation_key`` with ``values`` as its parameters."""
    return Speak(translation_key, params(**values), session.language)


def say_prompt(session: VoterSession) -> tuple[Speak, ...]:
    """Speak effects for the current state's prompt."""
    return say(session, *spoken_prompt(session))


def _wipe_if_dropped(old: Screen, new: Screen) -> tuple[Effect, ...]:
    if isinstance(new, Attract) or (holds_personal_data(old) and not holds_personal_data(new)):
        return (WipePersonalData(),)
    return ()


def go(session: VoterSession, screen: Screen, now: dt.datetime, *effects: Effect) -> Transition:
    """Move to ``screen``: restart the inactivity clock, drop the "more time?" prompt, say the new prompt."""
    moved = replace(session, screen=screen, screen_since=now, last_activity=now, more_time=None)
    return Transition(moved, (*_wipe_if_dropped(session.screen, screen), *effects, *say_prompt(moved)))


def update(session: VoterSession, screen: Screen, now: dt.datetime | None, *effects: Effect) -> Transition:
    """Change the data of the current screen; ``now`` is the voter's activity time, None for a device report."""
    updated = replace(session, screen=screen) if now is None else replace(session, screen=screen, last_activity=now)
    return Transition(updated, (*_wipe_if_dropped(session.screen, screen), *effects))


def to_attract(session: VoterSession, now: dt.datetime) -> Transition:
    """Back to the attract screen in the default language, every personal datum wiped."""
    fresh = VoterSession(context=session.context, screen=Attract(), language=session.context.default_language,
                         screen_since=now, last_activity=now, more_time=None,
                         request_counter=session.request_counter)
    return Transition(fresh, (WipePersonalData(), *say_prompt(fresh)))


def new_request(session: VoterSession) -> tuple[VoterSession, int]:
    """The session with its request counter advanced, and the new request's number."""
    request_id = session.request_counter + 1
    return replace(session, request_counter=request_id), request_id


def start_read(session: VoterSession, kind: DocumentKind, now: dt.datetime,
               code_payload: str | None = None) -> Transition:
    """Start reading a card or a digital document."""
    counted, request_id = new_request(session)
    return go(counted, ReadingDocument(request_id, kind), now,
              StartDocumentRead(request_id, kind, code_payload))


def start_check(session: VoterSession, identity: Identity, now: dt.datetime) -> Transition:
    """Start the registration check for ``identity``."""
    counted, request_id = new_request(session)
    return go(counted, Checking(request_id, identity), now, StartCheck(request_id, identity))


def ask_commission(session: VoterSession, reason: AskReason, now: dt.datetime, identity: Identity | None = None,
                   reference: str | None = None) -> Transition:
    """Send the voter to the commission's desk and print the slip saying why."""
    counted, request_id = new_request(session)
    station = session.context.station
    job = PrintJob(kind="commission_slip", language=session.language, station_number=station.number,
                   station_address=station.address, issued_at=now,
                   masked_iin=masked(identity.iin.value) if identity is not None else None,
                   reference=reference, reason=reason, desk=station.commission_desk)
    screen = AskCommission(reason=reason, desk=station.commission_desk, print_request_id=request_id,
                           print_status="printing")
    return go(counted, screen, now, Print(request_id, job))


def idempotency_key(key_seed: bytes, counter: int) -> str:
    """The idempotency key of consent number ``counter``: a UUID derived from the injected random seed."""
    digest = hmac.new(key_seed, _IDEMPOTENCY_LABEL + str(counter).encode("ascii"), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))

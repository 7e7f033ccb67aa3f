"""A commission member's work on a voter's written request, as a pure state machine (DESIGN.md section 2).

``next_state(session, event, now)`` returns a :class:`Transition`: the next session, the effects the caller
performs (read a document, run the check, send the decision, print the refusal, wipe), and, when the member's
input was refused, the :data:`~kiosk.core.commission_reasons.DecisionProblem` saying why. It does no I/O, reads
no clock and never raises.

The flow: identify the voter (card, digital document, or the IIN typed from the presented document; the
identity's ``source`` records which) -> the registration check for the commission (the registered address and
whether it is inside this station's boundaries) -> include, or refuse with a reason from the fixed list and a
free text -> the decision goes through the outbox -> a refusal is printed in Kazakh or Russian.

Refused, with nothing sent: an unknown reason, an empty or oversized text, a decision when no check for that
voter is on the screen, and a second decision for the same check (the first one is on its way or answered).

This session is its own type, apart from ``kiosk.core.voter_session``: no voter screen can hold a
:class:`CommissionSession`, a :class:`~kiosk.core.commission_auth.MemberIdentity` or a registered address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field, replace
from typing import ClassVar, Literal, assert_never

from kiosk.core.commission_auth import MemberIdentity, can
from kiosk.core.commission_reasons import DecisionDraft, DecisionProblem, validate_decision
from kiosk.core.commission_session_events import (
    CheckAnswered,
    CheckFailed,
    CommissionDocumentKind,
    CommissionEffect,
    CommissionEvent,
    DecisionAnswered,
    DecisionQueued,
    DecisionRejected,
    DecisionSubmitted,
    DocumentFailed,
    DocumentRead,
    IinEntered,
    MethodChosen,
    NextVoter,
    Printed,
    PrintFailed,
    PrintRefusal,
    RefusalPrintChosen,
    RefusalRecord,
    SendDecision,
    StartCheck,
    StartDocumentRead,
    TryAgain,
    WipeVoterData,
)
from kiosk.core.identity import Identity, typed_iin_identity
from kiosk.core.iin import IinRejection, parse_iin, rejection
from kiosk.core.registration import ListDecisionResult, RegistrationCheck, Station

CommissionScreenName = Literal[
    "identify", "typing_iin", "reading_document", "checking", "checked", "sending", "decided", "error"
]
DecisionState = Literal["sending", "answered", "queued", "rejected"]
PrintState = Literal["none", "printing", "printed", "failed"]
_MINIMUM_KEY_SEED_BYTES = 16
_DECISION_ID_LABEL = b"kiosk commission session: decision id "


@dataclass(frozen=True, slots=True)
class CommissionContext:
    """What the session needs from configuration: this station."""

    station: Station


@dataclass(frozen=True, slots=True)
class Identify:
    """Choose how the voter is identified. Holds nothing of any voter."""

    name: ClassVar[CommissionScreenName] = "identify"


@dataclass(frozen=True, slots=True, repr=False)
class TypingIin:
    """The member types the IIN from the presented document; ``problem`` says what was wrong with the last one."""

    problem: IinRejection | None = None

    name: ClassVar[CommissionScreenName] = "typing_iin"

    def __repr__(self) -> str:
        return f"TypingIin(problem={self.problem})"


@dataclass(frozen=True, slots=True)
class ReadingVoterDocument:
    """The voter's document is being read (request ``request_id``)."""

    request_id: int
    kind: CommissionDocumentKind

    name: ClassVar[CommissionScreenName] = "reading_document"


@dataclass(frozen=True, slots=True)
class CheckingVoter:
    """The commission's registration check for ``identity`` is under way."""

    request_id: int
    identity: Identity

    name: ClassVar[CommissionScreenName] = "checking"


@dataclass(frozen=True, slots=True)
class Checked:
    """The check's answer, with the registered address and whether it is inside this station's boundaries."""

    identity: Identity
    check: RegistrationCheck
    checked_at: dt.datetime

    name: ClassVar[CommissionScreenName] = "checked"

    @property
    def inside_boundaries(self) -> bool | None:
        """True or False from the service; None when the voter has no registered address."""
        return None if self.check.registration is None else self.check.registration.inside_boundaries


@dataclass(frozen=True, slots=True)
class Deciding:
    """A decision about a checked voter: on its way (``state`` "sending"), answered, queued or rejected.

    ``result`` is the service's answer once there is one; ``local_reference`` the outbox's when only queued;
    ``print_request_id`` and ``print_state`` follow the refusal's printing.
    """

    request_id: int
    decision_id: str
    checked: Checked
    draft: DecisionDraft
    decided_at: dt.datetime
    state: DecisionState = "sending"
    result: ListDecisionResult | None = None
    local_reference: str | None = None
    rejection_reason: str | None = None
    print_request_id: int | None = None
    print_state: PrintState = "none"

    @property
    def name(self) -> CommissionScreenName:
        """"sending" until there is an answer (or the outbox holds it), then "decided"."""
        return "sending" if self.state == "sending" else "decided"

    @property
    def refusal_printable(self) -> bool:
        """A refusal the service recorded (so it has a decision number) may be printed for the voter."""
        return self.result is not None and self.result.outcome == "refusal_recorded"


@dataclass(frozen=True, slots=True)
class CommissionError:
    """Something failed; ``retry`` is what "try again" repeats (a check for an identity, a read of a kind)."""

    translation_key: str
    retry: Identity | CommissionDocumentKind | None = None

    name: ClassVar[CommissionScreenName] = "error"


CommissionScreen = Identify | TypingIin | ReadingVoterDocument | CheckingVoter | Checked | Deciding | CommissionError


@dataclass(frozen=True, slots=True)
class CommissionSession:
    """A logged-in member's session: whose it is, the screen, and the counter numbering each piece of work.

    ``session_seed`` (fresh random bytes from the caller for each session) keys the decision identifiers, so two
    sessions never share one even though each counts its work from 1.
    """

    context: CommissionContext
    member: MemberIdentity
    screen: CommissionScreen
    session_seed: bytes = field(repr=False)
    request_counter: int = 0

    def __post_init__(self) -> None:
        if len(self.session_seed) < _MINIMUM_KEY_SEED_BYTES:
            raise ValueError("the session seed needs at least 16 random bytes")


@dataclass(frozen=True, slots=True)
class Transition:
    """The result of one event: the next session, effects to perform, and the problem when input was refused."""

    state: CommissionSession
    effects: tuple[CommissionEffect, ...] = ()
    problem: DecisionProblem | None = None
    ignored: bool = False


@dataclass(frozen=True, slots=True)
class SessionDenied:
    """The logged-in role may not work with voters (a technician); ``translation_key`` says so."""

    translation_key: str = "commission.denied"


def start_commission_session(
    context: CommissionContext, member: MemberIdentity, session_seed: bytes
) -> CommissionSession | SessionDenied:
    """A new session for ``member`` (``session_seed``: 16 or more fresh random bytes), or :class:`SessionDenied`
    when their role may not check voters."""
    if not can(member.role, "check_registration"):
        return SessionDenied()
    return CommissionSession(context, member, Identify(), session_seed)


def holds_voter_data(screen: CommissionScreen) -> bool:
    """True when ``screen`` holds anything of a voter."""
    return isinstance(screen, CheckingVoter | Checked | Deciding) or (
        isinstance(screen, CommissionError) and isinstance(screen.retry, Identity)
    )


def decision_id(session: CommissionSession, request_id: int) -> str:
    """The identifier of the decision started as request ``request_id`` (keyed by the session's seed)."""
    digest = hmac.new(session.session_seed, _DECISION_ID_LABEL + str(request_id).encode("ascii"), hashlib.sha256)
    return "D-" + digest.hexdigest()[:24]


def next_state(session: CommissionSession, event: CommissionEvent, now: dt.datetime) -> Transition:
    """The transition ``event`` causes in ``session`` at ``now``. Pure; never raises."""
    screen = session.screen
    match event:
        case NextVoter():
            if isinstance(screen, Deciding) and screen.state == "sending":
                return Transition(session, problem="already_sent")  # wait for the outbox to hold it
            return _to_identify(session)
        case DecisionSubmitted():
            return _on_decision(session, event, now)
        case DecisionAnswered() | DecisionQueued() | DecisionRejected() if isinstance(screen, Deciding):
            return _on_decision_report(session, screen, event)
        case RefusalPrintChosen() | Printed() | PrintFailed() if isinstance(screen, Deciding):
            return _on_printing(session, screen, event)
    return _on_identification(session, event, now)


def _on_identification(session: CommissionSession, event: CommissionEvent, now: dt.datetime) -> Transition:
    """Choosing a method, typing the IIN, the document read and the check, and trying again."""
    screen = session.screen
    match event:
        case MethodChosen(method=method) if isinstance(screen, Identify | CommissionError | TypingIin):
            if method == "keypad":
                return _go(session, TypingIin())
            return _start_read(session, "id_card" if method == "card" else "digital_document")
        case IinEntered(text=text) if isinstance(screen, TypingIin):
            problem = rejection(text)
            if problem is not None:
                return _go(session, TypingIin(problem))
            return _start_check(session, typed_iin_identity_of(text))
        case DocumentRead(request_id=request_id, identity=identity) if isinstance(
            screen, ReadingVoterDocument
        ) and screen.request_id == request_id:
            return _start_check(session, identity)
        case DocumentFailed(request_id=request_id, translation_key=key) if isinstance(
            screen, ReadingVoterDocument
        ) and screen.request_id == request_id:
            return _go(session, CommissionError(key, screen.kind))
        case CheckAnswered(request_id=request_id, check=check) if isinstance(
            screen, CheckingVoter
        ) and screen.request_id == request_id:
            return _go(session, Checked(screen.identity, check, now))
        case CheckFailed(request_id=request_id, translation_key=key, retryable=retryable) if isinstance(
            screen, CheckingVoter
        ) and screen.request_id == request_id:
            return _go(session, CommissionError(key, screen.identity if retryable else None))
        case TryAgain() if isinstance(screen, CommissionError) and isinstance(screen.retry, Identity):
            return _start_check(session, screen.retry)
        case TryAgain() if isinstance(screen, CommissionError) and isinstance(screen.retry, str):
            return _start_read(session, screen.retry)
    return Transition(session, ignored=True)


def _on_printing(
    session: CommissionSession, screen: Deciding, event: RefusalPrintChosen | Printed | PrintFailed
) -> Transition:
    match event:
        case RefusalPrintChosen(language=language) if screen.refusal_printable and screen.print_state != "printing":
            return _print(session, screen, language)
        case Printed(request_id=request_id) if screen.print_request_id == request_id:
            return _go(session, replace(screen, print_state="printed"))
        case PrintFailed(request_id=request_id) if screen.print_request_id == request_id:
            return _go(session, replace(screen, print_state="failed"))
    return Transition(session, ignored=True)


def typed_iin_identity_of(text: str) -> Identity:
    """The identity for an IIN the member typed (call only after ``rejection(text)`` found nothing wrong)."""
    return typed_iin_identity(parse_iin(text))


def refusal_record(session: CommissionSession, screen: Deciding) -> RefusalRecord | None:
    """What the printed refusal states, once the service recorded it (None before, or for an inclusion)."""
    if not screen.refusal_printable or screen.result is None or screen.result.decision_number is None:
        return None
    draft = screen.draft
    assert draft.reason is not None and draft.text is not None  # a validated refusal has both
    return RefusalRecord(
        station=session.context.station,
        member=session.member,
        decided_at_iso=screen.decided_at.isoformat(timespec="seconds"),
        voter=screen.checked.identity,
        reason=draft.reason,
        text=draft.text,
        decision_number=screen.result.decision_number,
    )


# --- steps ----------------------------------------------------------------------------------------------------------


def _go(session: CommissionSession, screen: CommissionScreen) -> Transition:
    effects: tuple[CommissionEffect, ...] = ()
    if holds_voter_data(session.screen) and not holds_voter_data(screen):
        effects = (WipeVoterData(),)
    return Transition(replace(session, screen=screen), effects)


def _to_identify(session: CommissionSession) -> Transition:
    return Transition(replace(session, screen=Identify()), (WipeVoterData(),))


def _start_read(session: CommissionSession, kind: CommissionDocumentKind) -> Transition:
    request_id = session.request_counter + 1
    moved = _go(replace(session, request_counter=request_id), ReadingVoterDocument(request_id, kind))
    return replace(moved, effects=(*moved.effects, StartDocumentRead(request_id, kind)))


def _start_check(session: CommissionSession, identity: Identity) -> Transition:
    request_id = session.request_counter + 1
    started = replace(session, request_counter=request_id, screen=CheckingVoter(request_id, identity))
    return Transition(started, (StartCheck(request_id, identity, session.member.member_id),))


def _on_decision(session: CommissionSession, event: DecisionSubmitted, now: dt.datetime) -> Transition:
    screen = session.screen
    if not can(session.member.role, "decide_inclusion"):
        return Transition(session, problem="not_permitted")
    if isinstance(screen, Deciding) and screen.checked.identity.iin.value == event.iin:
        return Transition(session, problem="already_sent")
    if not isinstance(screen, Checked) or screen.identity.iin.value != event.iin:
        return Transition(session, problem="not_checked")
    draft = validate_decision(event.decision, event.reason_code, event.reason_text)
    if not isinstance(draft, DecisionDraft):
        return Transition(session, problem=draft)
    request_id = session.request_counter + 1
    identifier = decision_id(session, request_id)
    deciding = Deciding(request_id, identifier, screen, draft, now)
    effect = SendDecision(request_id, identifier, screen.identity, draft, session.member)
    return Transition(replace(session, request_counter=request_id, screen=deciding), (effect,))


def _on_decision_report(
    session: CommissionSession, screen: Deciding, event: DecisionAnswered | DecisionQueued | DecisionRejected
) -> Transition:
    if event.request_id != screen.request_id or screen.state in ("answered", "rejected"):
        return Transition(session, ignored=True)  # a stale report, or one after the final answer
    match event:
        case DecisionAnswered(result=result):
            return _go(session, replace(screen, state="answered", result=result))
        case DecisionQueued(local_reference=local_reference):
            return _go(session, replace(screen, state="queued", local_reference=local_reference))
        case DecisionRejected(reason=reason):
            return _go(session, replace(screen, state="rejected", rejection_reason=reason))
    assert_never(event)


def _print(session: CommissionSession, screen: Deciding, language: Literal["kk", "ru"]) -> Transition:
    record = refusal_record(session, screen)
    if record is None:
        return Transition(session, ignored=True)
    request_id = session.request_counter + 1
    printing = replace(screen, print_request_id=request_id, print_state="printing")
    moved = replace(session, request_counter=request_id, screen=printing)
    return Transition(moved, (PrintRefusal(request_id, language, record),))

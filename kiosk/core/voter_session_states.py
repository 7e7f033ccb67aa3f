"""The voter's self-service session as plain data: one frozen dataclass per screen, and the session around it.

Personal data (an identity, an answer, typed digits, a registration reference) lives only in the screen
dataclasses, so replacing the screen with :class:`Attract` drops all of it. The session itself holds what is not
personal: the station configuration, the language, the clock readings the time limits need, and a counter that
numbers each piece of work so that a late reply to an abandoned request is never shown to the next voter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from kiosk.core.identity import Identity
from kiosk.core.iin import IinRejection
from kiosk.core.registration import Language, RegistrationCheck, Station
from kiosk.core.voter_session_keypad import KeypadFeedback, keypad_feedback

ScreenName = Literal[
    "attract", "identify", "insert_card", "show_code", "keypad", "reading_document", "checking", "answer",
    "consent", "confirmation", "registering", "receipt", "ask_commission", "error",
]
DocumentKind = Literal["id_card", "digital_document"]
IdentifyMethod = Literal["card", "qr", "keypad"]
AnswerKind = Literal["listed_here", "listed_elsewhere", "not_listed", "not_eligible"]
ReceiptOutcome = Literal["created", "already_registered", "listed_elsewhere", "refused", "queued"]
PrintStatus = Literal["none", "printing", "printed", "failed"]
ErrorKind = Literal["service_unreachable", "service_refused", "document_unreadable", "card_removed", "invalid_iin"]
AskReason = Literal[
    "not_listed", "not_eligible", "registration_refused", "registration_queued",
    "receipt_not_printed", "service_unreachable", "service_refused", "document_unreadable", "card_removed",
    "invalid_iin",
]

# DESIGN.md section 2: no time limit shorter than 60 s without a "more time" choice.
MINIMUM_INACTIVITY_LIMIT = dt.timedelta(seconds=60)
_MINIMUM_KEY_SEED_BYTES = 16


@dataclass(frozen=True, slots=True)
class SessionContext:
    """What the session needs from configuration: the station, the time limits, and injected randomness.

    ``key_seed`` (fresh random bytes from the caller at start-up) derives each registration's idempotency key,
    so :func:`kiosk.core.voter_session.next_state` stays pure and a restart never repeats a key.
    """

    station: Station
    key_seed: bytes = field(repr=False)
    default_language: Language = "kk"
    inactivity_limit: dt.timedelta = MINIMUM_INACTIVITY_LIMIT
    more_time_grace: dt.timedelta = dt.timedelta(seconds=30)
    work_limit: dt.timedelta = dt.timedelta(seconds=45)

    def __post_init__(self) -> None:
        if self.inactivity_limit < MINIMUM_INACTIVITY_LIMIT:
            raise ValueError("the inactivity limit may not be shorter than 60 s (DESIGN.md section 2)")
        if self.more_time_grace <= dt.timedelta(0) or self.work_limit <= dt.timedelta(0):
            raise ValueError("time limits must be positive")
        if len(self.key_seed) < _MINIMUM_KEY_SEED_BYTES:
            raise ValueError("the key seed needs at least 16 random bytes")


@dataclass(frozen=True, slots=True)
class Attract:
    """The attract screen: choose a language, insert a card or show a digital document. Holds nothing personal."""

    name: ClassVar[ScreenName] = "attract"


@dataclass(frozen=True, slots=True)
class ChooseMethod:
    """Identify: choose the ID card, a digital document's QR code, or typing the IIN."""

    name: ClassVar[ScreenName] = "identify"


@dataclass(frozen=True, slots=True)
class InsertCard:
    """Waiting for the voter to insert the ID card."""

    name: ClassVar[ScreenName] = "insert_card"


@dataclass(frozen=True, slots=True)
class ShowCode:
    """Waiting for the voter to show a digital document's QR code to the camera."""

    name: ClassVar[ScreenName] = "show_code"


@dataclass(frozen=True, slots=True)
class KeypadEntry:
    """Typing the IIN: the digits so far and what the check rules say about them. Build with :func:`keypad_entry`."""

    digits: str
    feedback: KeypadFeedback

    name: ClassVar[ScreenName] = "keypad"

    def __repr__(self) -> str:
        return f"KeypadEntry(digits={len(self.digits)} typed, feedback={self.feedback})"


def keypad_entry(digits: str = "") -> KeypadEntry:
    """The keypad screen holding ``digits``, with its feedback computed."""
    return KeypadEntry(digits=digits, feedback=keypad_feedback(digits))


@dataclass(frozen=True, slots=True)
class ReadingDocument:
    """A card or digital document is being read (request ``request_id``)."""

    request_id: int
    kind: DocumentKind

    name: ClassVar[ScreenName] = "reading_document"


@dataclass(frozen=True, slots=True)
class Checking:
    """The registration check for ``identity`` is under way (request ``request_id``)."""

    request_id: int
    identity: Identity

    name: ClassVar[ScreenName] = "checking"


@dataclass(frozen=True, slots=True)
class Answer:
    """The check's answer. ``check`` never carries the registered address (commission-only data).

    ``temporary_registration_offered`` is decided once, when the answer arrives: not listed, the service says
    the voter may register temporarily, the station offers it, and a document (not a typed IIN) identified them.
    """

    identity: Identity
    check: RegistrationCheck
    temporary_registration_offered: bool

    name: ClassVar[ScreenName] = "answer"

    @property
    def kind(self) -> AnswerKind:
        """Which of the four answers this is."""
        return self.check.status


@dataclass(frozen=True, slots=True)
class Consent:
    """Asking the voter's consent to register temporarily at this station's address."""

    identity: Identity
    check: RegistrationCheck

    name: ClassVar[ScreenName] = "consent"


@dataclass(frozen=True, slots=True)
class Confirmation:
    """Consent given: confirm the temporary registration. ``idempotency_key`` was made once, at consent."""

    identity: Identity
    check: RegistrationCheck
    idempotency_key: str

    name: ClassVar[ScreenName] = "confirmation"

    def __repr__(self) -> str:
        return f"Confirmation(identity={self.identity!r}, check={self.check.status})"


@dataclass(frozen=True, slots=True)
class Registering:
    """The temporary registration is being sent (request ``request_id``); the outbox already holds it."""

    request_id: int
    identity: Identity
    idempotency_key: str

    name: ClassVar[ScreenName] = "registering"

    def __repr__(self) -> str:
        return f"Registering(request_id={self.request_id}, identity={self.identity!r})"


@dataclass(frozen=True, slots=True)
class RegistrationReceipt:
    """The temporary registration's result; ``queued`` when the outbox holds it and the service has not answered.

    ``station`` is the station of the result (this one when created or queued, the other one when the voter is
    already registered or listed elsewhere); ``reason`` is the service's refusal code.
    """

    outcome: ReceiptOutcome
    station: Station | None
    reference: str | None
    reason: str | None
    print_request_id: int | None
    print_status: PrintStatus

    name: ClassVar[ScreenName] = "receipt"


@dataclass(frozen=True, slots=True)
class AskCommission:
    """Send the voter to the commission at ``desk``, with a printed slip saying why."""

    reason: AskReason
    desk: int
    print_request_id: int
    print_status: PrintStatus

    name: ClassVar[ScreenName] = "ask_commission"


@dataclass(frozen=True, slots=True)
class RetryCheck:
    """Trying again repeats the registration check for the same identity (nothing the voter gave is lost)."""

    identity: Identity


@dataclass(frozen=True, slots=True)
class RetryRead:
    """Trying again waits for the same kind of document again."""

    kind: DocumentKind


@dataclass(frozen=True, slots=True)
class RetryTyping:
    """Trying again returns to the keypad with the digits typed, so the voter can correct them."""

    digits: str

    def __repr__(self) -> str:
        return f"RetryTyping(digits={len(self.digits)} typed)"


RetryTarget = RetryCheck | RetryRead | RetryTyping


@dataclass(frozen=True, slots=True)
class ErrorScreen:
    """Something went wrong; the screen always says what to do next (see ``next_step_key``).

    ``detail_key`` is the translation key of the cause (for example "service.timeout" or
    "iin.check_digit_mismatch"); ``retry`` is what "try again" does, or None when trying again cannot help.
    """

    kind: ErrorKind
    detail_key: str
    retry: RetryTarget | None
    iin_rejection: IinRejection | None = None

    name: ClassVar[ScreenName] = "error"

    @property
    def next_step_key(self) -> str:
        """The translation key of what the voter should do next."""
        return f"voter.error.{self.kind}.next"


Screen = (
    Attract | ChooseMethod | InsertCard | ShowCode | KeypadEntry | ReadingDocument | Checking | Answer | Consent
    | Confirmation | Registering | RegistrationReceipt | AskCommission | ErrorScreen
)

# Screens on which the kiosk, not the voter, is working: no inactivity limit, but a limit on the work itself.
WORK_SCREENS: tuple[type[Screen], ...] = (ReadingDocument, Checking, Registering)


@dataclass(frozen=True, slots=True)
class MoreTimePrompt:
    """The "more time?" question layered over the current screen, asked at ``asked_at``."""

    asked_at: dt.datetime


@dataclass(frozen=True, slots=True)
class VoterSession:
    """One state of the voter's session: the screen, and what the session keeps across screens.

    ``last_activity`` is the last touch, key press or screen change; ``screen_since`` when the screen was
    entered; ``more_time`` the "more time?" prompt when it is showing; ``request_counter`` the number of the
    last request started (kept across voters, it is not personal).
    """

    context: SessionContext
    screen: Screen
    language: Language
    screen_since: dt.datetime
    last_activity: dt.datetime
    more_time: MoreTimePrompt | None = None
    request_counter: int = 0


def start_session(context: SessionContext, now: dt.datetime) -> VoterSession:
    """The first state: the attract screen in the station's default language."""
    return VoterSession(context=context, screen=Attract(), language=context.default_language, screen_since=now,
                        last_activity=now)


def is_work_screen(screen: Screen) -> bool:
    """True on screens where the kiosk is reading, checking or registering (the voter waits)."""
    return isinstance(screen, WORK_SCREENS)


def holds_personal_data(screen: Screen) -> bool:
    """True when the screen holds a personal datum (identity, answer, typed digits, registration reference)."""
    match screen:
        case Checking() | Answer() | Consent() | Confirmation() | Registering():
            return True
        case KeypadEntry(digits=digits):
            return digits != ""
        case RegistrationReceipt(reference=reference):
            return reference is not None
        case ErrorScreen(retry=RetryCheck()):
            return True
        case ErrorScreen(retry=RetryTyping(digits=digits)):
            return digits != ""
        case _:
            return False

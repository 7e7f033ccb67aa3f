"""What can happen to a voter session: the voter's actions, the devices' reports, the services' replies, time.

Replies to work the session started carry that work's ``request_id`` (from the effect that started it); a reply
whose number is not the one the current screen waits for is ignored, so a late answer is never shown to the
next voter. The replies the commission session shares (document read or failed, check answered, printed or
not) live in ``kiosk.core.session_replies`` and are exported here too.

Service failures come in two kinds (``kiosk.egov.errors`` names the exceptions; core does not import it):
:class:`ServiceNotReached` when no trustworthy answer came back (``ServiceUnreachable``, ``ServiceTimeout``,
``ServiceUnavailable``, ``ResponseNotTrusted``, ``MalformedResponse``: trying again may help), and
:class:`ServiceRefused` when the service refused the request itself (``ServiceRejected``). Each carries the
error's ``translation_key``.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.registration import Language, TemporaryRegistrationResult
from kiosk.core.session_replies import CheckAnswered, DocumentFailed, DocumentRead, Printed, PrintFailed
from kiosk.core.voter_session_states import IdentifyMethod

__all__ = [
    "VOTER_ACTIONS", "Activity", "AskCommissionChosen", "Back", "CardInserted", "CardRemoved", "CheckAnswered",
    "Confirmed", "ConsentDeclined", "ConsentGiven", "DigitErased", "DigitTyped", "DigitsCleared", "DocumentFailed",
    "DocumentRead", "Finish", "Help", "IinSubmitted", "LanguageChosen", "MethodChosen", "MoreTimeChosen",
    "PrintFailed", "Printed", "QrScanned", "RegistrationAnswered", "RegistrationQueued", "ServiceNotReached",
    "ServiceRefused", "TemporaryRegistrationChosen", "Tick", "TryAgainChosen", "VoterEvent",
]


@dataclass(frozen=True, slots=True)
class LanguageChosen:
    """The voter chose a language (on the attract screen, or to switch on any screen)."""

    language: Language


@dataclass(frozen=True, slots=True)
class MethodChosen:
    """The voter chose how to identify: ID card, digital document QR code, or typing the IIN."""

    method: IdentifyMethod


@dataclass(frozen=True, slots=True)
class DigitTyped:
    """A digit key on the keypad (``digit`` is one character "0".."9"; anything else is ignored)."""

    digit: str


@dataclass(frozen=True, slots=True)
class DigitErased:
    """The erase key: remove the last digit typed."""


@dataclass(frozen=True, slots=True)
class DigitsCleared:
    """The clear key: remove every digit typed."""


@dataclass(frozen=True, slots=True)
class IinSubmitted:
    """The voter asked to check the IIN typed on the keypad."""


@dataclass(frozen=True, slots=True)
class CardInserted:
    """The reader reports a card present."""


@dataclass(frozen=True, slots=True)
class CardRemoved:
    """The reader reports the card gone."""


@dataclass(frozen=True, slots=True)
class QrScanned:
    """The scanner decoded a code; ``payload`` goes to the digital-document reader unread by the session."""

    payload: str

    def __repr__(self) -> str:
        return f"QrScanned(payload={len(self.payload)} characters)"


@dataclass(frozen=True, slots=True)
class ServiceNotReached:
    """No trustworthy answer to request ``request_id`` (see the module docstring for which errors)."""

    request_id: int
    translation_key: str = "service.unreachable"


@dataclass(frozen=True, slots=True)
class ServiceRefused:
    """The service refused request ``request_id`` (``ServiceRejected``)."""

    request_id: int
    translation_key: str = "service.rejected"


@dataclass(frozen=True, slots=True)
class TemporaryRegistrationChosen:
    """On a "not listed" answer, the voter chose to register temporarily at this station."""


@dataclass(frozen=True, slots=True)
class ConsentGiven:
    """The voter consented to temporary registration."""


@dataclass(frozen=True, slots=True)
class ConsentDeclined:
    """The voter declined temporary registration."""


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The voter confirmed the temporary registration."""


@dataclass(frozen=True, slots=True)
class RegistrationAnswered:
    """The service answered temporary registration request ``request_id``."""

    request_id: int
    result: TemporaryRegistrationResult


@dataclass(frozen=True, slots=True)
class RegistrationQueued:
    """The registration for request ``request_id`` waits in the outbox: saved, not yet confirmed by the service."""

    request_id: int


@dataclass(frozen=True, slots=True)
class AskCommissionChosen:
    """The voter chose to go to the commission (a slip is printed)."""


@dataclass(frozen=True, slots=True)
class TryAgainChosen:
    """On an error screen, the voter chose to try again."""


@dataclass(frozen=True, slots=True)
class Back:
    """Escape or the back button."""


@dataclass(frozen=True, slots=True)
class Help:
    """The help key or the repeat button: say the current prompt again."""


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed. The time itself is the ``now`` given to ``next_state`` with every event."""


@dataclass(frozen=True, slots=True)
class Activity:
    """A touch or key press anywhere: the voter is still there."""


@dataclass(frozen=True, slots=True)
class MoreTimeChosen:
    """The voter answered "more time" to the inactivity question."""


@dataclass(frozen=True, slots=True)
class Finish:
    """The voter is done: back to the attract screen, wiping everything."""


VoterEvent = (
    LanguageChosen | MethodChosen | DigitTyped | DigitErased | DigitsCleared | IinSubmitted | CardInserted
    | CardRemoved | QrScanned | DocumentRead | DocumentFailed | CheckAnswered | ServiceNotReached | ServiceRefused
    | TemporaryRegistrationChosen | ConsentGiven | ConsentDeclined | Confirmed | RegistrationAnswered
    | RegistrationQueued | Printed | PrintFailed | AskCommissionChosen | TryAgainChosen | Back | Help | Tick
    | Activity | MoreTimeChosen | Finish
)

# Events that come from the voter's hands (touch, keys, card, code): handling one counts as activity.
VOTER_ACTIONS: tuple[type[VoterEvent], ...] = (
    LanguageChosen, MethodChosen, DigitTyped, DigitErased, DigitsCleared, IinSubmitted, CardInserted, QrScanned,
    TemporaryRegistrationChosen, ConsentGiven, ConsentDeclined, Confirmed, AskCommissionChosen, TryAgainChosen,
    Back, Help, Activity, MoreTimeChosen, Finish,
)

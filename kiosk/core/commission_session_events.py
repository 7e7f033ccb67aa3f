"""What can happen in a commission session, and what the session asks its caller to do (effects).

Replies to work the session started carry that work's ``request_id``; a reply whose number is not the one the
screen waits for is ignored, so a late answer about one voter never reaches the next voter's screen. The replies
the voter session shares (document read or failed, check answered, printed or not) live in
``kiosk.core.session_replies`` and are exported here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kiosk.core.commission_auth import MemberIdentity
from kiosk.core.commission_reasons import DecisionDraft, RefusalReason
from kiosk.core.identity import Identity
from kiosk.core.registration import ListDecisionResult, Station
from kiosk.core.session_replies import CheckAnswered, DocumentFailed, DocumentRead, Printed, PrintFailed

CommissionMethod = Literal["card", "qr", "keypad"]
CommissionDocumentKind = Literal["id_card", "digital_document"]
RefusalLanguage = Literal["kk", "ru"]  # the voter's copy of a refusal is in Kazakh or Russian

__all__ = [
    "CheckAnswered", "CheckFailed", "CommissionDocumentKind", "CommissionEffect", "CommissionEvent",
    "CommissionMethod", "DecisionAnswered", "DecisionQueued", "DecisionRejected", "DecisionSubmitted",
    "DocumentFailed", "DocumentRead", "IinEntered", "MethodChosen", "NextVoter", "PrintFailed", "PrintRefusal",
    "Printed", "RefusalLanguage", "RefusalPrintChosen", "RefusalRecord", "SendDecision", "StartCheck",
    "StartDocumentRead", "TryAgain", "WipeVoterData",
]


# --- events -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MethodChosen:
    """The member chose how the voter is identified: their ID card, a digital document, or the IIN typed from it."""

    method: CommissionMethod


@dataclass(frozen=True, slots=True, repr=False)
class IinEntered:
    """The member typed the IIN from the presented document and asked for the check."""

    text: str

    def __repr__(self) -> str:
        return f"IinEntered({len(self.text)} characters)"


@dataclass(frozen=True, slots=True)
class CheckFailed:
    """No answer to the check; ``retryable`` when trying again may help (not reached, not trusted)."""

    request_id: int
    translation_key: str
    retryable: bool


@dataclass(frozen=True, slots=True, repr=False)
class DecisionSubmitted:
    """The member decided about the voter whose IIN the screen shows (``iin``, as the screen has it).

    ``reason_code`` and ``reason_text`` come straight from the form; the session validates them.
    """

    iin: str
    decision: str
    reason_code: str | None = None
    reason_text: str | None = None

    def __repr__(self) -> str:
        return f"DecisionSubmitted({self.decision}, reason={self.reason_code})"


@dataclass(frozen=True, slots=True)
class DecisionAnswered:
    """The service's verified answer to the decision (through the outbox)."""

    request_id: int
    result: ListDecisionResult


@dataclass(frozen=True, slots=True)
class DecisionQueued:
    """The outbox holds the decision and keeps sending it; no answer yet (``local_reference`` is the outbox's)."""

    request_id: int
    local_reference: str


@dataclass(frozen=True, slots=True)
class DecisionRejected:
    """The service refused the request itself (``reason`` its code); the commission must act."""

    request_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class RefusalPrintChosen:
    """The voter chose the language of their copy of the refusal."""

    language: RefusalLanguage


@dataclass(frozen=True, slots=True)
class TryAgain:
    """Repeat what failed (the check, or the document read)."""


@dataclass(frozen=True, slots=True)
class NextVoter:
    """Done with this voter: forget them and go back to identification."""


CommissionEvent = (
    MethodChosen | IinEntered | DocumentRead | DocumentFailed | CheckAnswered | CheckFailed | DecisionSubmitted
    | DecisionAnswered | DecisionQueued | DecisionRejected | RefusalPrintChosen | Printed | PrintFailed | TryAgain
    | NextVoter
)


# --- effects -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StartDocumentRead:
    """Read a voter's document of ``kind``; answer with ``DocumentRead`` or ``DocumentFailed``."""

    request_id: int
    kind: CommissionDocumentKind


@dataclass(frozen=True, slots=True)
class StartCheck:
    """Run the registration check for the commission (purpose "commission", ``member_id``)."""

    request_id: int
    identity: Identity
    member_id: str


@dataclass(frozen=True, slots=True)
class SendDecision:
    """Queue the decision in the outbox (it is journalled there) and send it.

    ``decision_id`` names this one decision: performing the same effect twice must not queue it twice.
    """

    request_id: int
    decision_id: str
    identity: Identity
    draft: DecisionDraft
    member: MemberIdentity


@dataclass(frozen=True, slots=True, repr=False)
class RefusalRecord:
    """Everything the printed refusal states: station, member, time, voter, reason, text, decision number."""

    station: Station
    member: MemberIdentity
    decided_at_iso: str
    voter: Identity
    reason: RefusalReason
    text: str
    decision_number: str

    def __repr__(self) -> str:
        return f"RefusalRecord(decision_number={self.decision_number}, reason={self.reason})"


@dataclass(frozen=True, slots=True)
class PrintRefusal:
    """Print the signed refusal document in ``language``; answer with ``Printed`` or ``PrintFailed``."""

    request_id: int
    language: RefusalLanguage
    record: RefusalRecord


@dataclass(frozen=True, slots=True)
class WipeVoterData:
    """Forget the voter: nothing of them stays on the screen or in the caller's memory."""


CommissionEffect = StartDocumentRead | StartCheck | SendDecision | PrintRefusal | WipeVoterData

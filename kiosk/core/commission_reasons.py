"""The commission's decision and its validation: the fixed list of refusal reasons, the free text, the problems.

A refusal needs a reason from :data:`REFUSAL_REASONS` and a free text (required, at most
:data:`MAX_REASON_TEXT` characters, no control characters but line breaks); an inclusion takes neither. What is
wrong with a draft is a value (:data:`DecisionProblem`), each with its own translation key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Decision = Literal["include", "refuse"]

RefusalReason = Literal[
    "address_outside_boundaries",  # registered at an address outside this station's boundaries
    "no_registration",  # no permanent registration anywhere
    "listed_elsewhere",  # already on another station's list
    "not_eligible_age",  # under 18 on voting day
    "citizenship_not_confirmed",  # citizenship of Kazakhstan not confirmed
    "document_invalid",  # the presented identity document is invalid or expired
    "other",  # anything else: the free text says what
]
REFUSAL_REASONS: tuple[RefusalReason, ...] = get_args(RefusalReason)

# How each reason is named on the screen and on the printed decision (kk/ru/en catalogues).
REFUSAL_REASON_KEYS: dict[RefusalReason, str] = {
    "address_outside_boundaries": "commission.reason.address_outside_boundaries",
    "no_registration": "commission.reason.no_registration",
    "listed_elsewhere": "commission.reason.listed_elsewhere",
    "not_eligible_age": "commission.reason.not_eligible_age",
    "citizenship_not_confirmed": "commission.reason.citizenship_not_confirmed",
    "document_invalid": "commission.reason.document_invalid",
    "other": "commission.reason.other",
}

MAX_REASON_TEXT = 500  # characters: a few sentences on an A5 page

DecisionProblem = Literal[
    "unknown_reason",  # a reason code not in the fixed list
    "reason_required",  # a refusal without a reason code
    "text_required",  # a refusal without free text (or only spaces)
    "text_too_long",  # more than MAX_REASON_TEXT characters
    "text_invalid",  # control characters other than line breaks
    "unexpected_reason",  # an inclusion carrying a reason or text
    "unknown_decision",  # neither include nor refuse
    "not_checked",  # no registration check for this voter on the screen
    "already_sent",  # this check's decision was already sent
    "not_permitted",  # the logged-in role may not decide
]

DECISION_PROBLEM_KEYS: dict[DecisionProblem, str] = {
    "unknown_reason": "commission.decision.unknown_reason",
    "reason_required": "commission.decision.reason_required",
    "text_required": "commission.decision.text_required",
    "text_too_long": "commission.decision.text_too_long",
    "text_invalid": "commission.decision.text_invalid",
    "unexpected_reason": "commission.decision.unexpected_reason",
    "unknown_decision": "commission.decision.unknown_decision",
    "not_checked": "commission.decision.not_checked",
    "already_sent": "commission.decision.already_sent",
    "not_permitted": "commission.decision.not_permitted",
}

_LINE_BREAKS = frozenset("\n\r")


@dataclass(frozen=True, slots=True)
class DecisionDraft:
    """A decision as validated: include, or refuse with a known reason and a cleaned free text.

    ``repr`` hides the free text (it may name the voter).
    """

    decision: Decision
    reason: RefusalReason | None = None
    text: str | None = None

    def __repr__(self) -> str:
        return f"DecisionDraft({self.decision}, reason={self.reason})"


def validate_decision(
    decision: str, reason_code: str | None, reason_text: str | None
) -> DecisionDraft | DecisionProblem:
    """The draft, or the first problem with it. The free text is kept with surrounding spaces stripped."""
    if decision == "include":
        if reason_code is not None or (reason_text is not None and reason_text.strip()):
            return "unexpected_reason"
        return DecisionDraft("include")
    if decision != "refuse":
        return "unknown_decision"
    if reason_code is None or not reason_code:
        return "reason_required"
    if reason_code not in REFUSAL_REASONS:
        return "unknown_reason"
    text = (reason_text or "").strip()
    if not text:
        return "text_required"
    if len(text) > MAX_REASON_TEXT:
        return "text_too_long"
    if any(not character.isprintable() and character not in _LINE_BREAKS for character in text):
        return "text_invalid"
    return DecisionDraft("refuse", reason_code, text)

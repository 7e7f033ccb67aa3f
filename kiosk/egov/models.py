"""Strict parsing of the service's JSON answers into ``kiosk.core.registration`` types.

A signed answer that does not follow the contract raises :class:`MalformedResponse`: nothing is guessed.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any, TypeVar, get_args

from kiosk.core.registration import (
    LANGUAGES,
    Ballot,
    CheckStatus,
    DecisionOutcome,
    ListDecisionResult,
    Localized,
    RegisteredAddress,
    RegistrationCheck,
    RegistrationOutcome,
    Station,
    TemporaryRegistrationResult,
)
from kiosk.egov.errors import MalformedResponse

T = TypeVar("T")


def _get(data: Any, name: str, kind: type[T], *, optional: bool = False) -> T:
    if not isinstance(data, dict):
        raise MalformedResponse(f"expected an object holding '{name}'")
    value = data.get(name)
    if value is None and optional:
        return None  # type: ignore[return-value]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise MalformedResponse(f"the field '{name}' is missing or not a {kind.__name__}")
    return value


def _choice(data: Any, name: str, allowed: tuple[str, ...]) -> str:
    value = _get(data, name, str)
    if value not in allowed:
        raise MalformedResponse(f"the field '{name}' has an unknown value")
    return value


def localized(data: Any, name: str) -> Localized:
    """A kk/ru/en text object."""
    texts = _get(data, name, dict)
    return Localized(*(_get(texts, language, str) for language in LANGUAGES))


def station(data: Any) -> Station:
    """A station object."""
    hours = _get(data, "hours", dict)
    return Station(
        number=_get(data, "number", int),
        region=_get(data, "region", str),
        address=localized(data, "address"),
        directions=localized(data, "directions"),
        opens=_get(hours, "opens", str),
        closes=_get(hours, "closes", str),
        offers_temporary_registration=_get(data, "offers_temporary_registration", bool),
        commission_desk=_get(data, "commission_desk", int),
    )


def _optional_station(data: Any) -> Station | None:
    value = _get(data, "station", dict, optional=True)
    return None if value is None else station(value)


def registration_check(data: Any) -> RegistrationCheck:
    """The answer of POST /v1/registration-check."""
    status: CheckStatus = _choice(data, "status", get_args(CheckStatus))  # type: ignore[assignment]
    registration = _get(data, "registration", dict, optional=True)
    registered = (
        None
        if registration is None
        else RegisteredAddress(localized(registration, "address"), _get(registration, "inside_boundaries", bool))
    )
    if status == "listed_here":
        ballots = tuple(
            Ballot(_get(item, "kind", str), localized(item, "district"), _get(item, "colour", str))
            for item in _get(data, "ballots", list)
        )
        return RegistrationCheck(status, station(_get(data, "station", dict)), ballots, registration=registered)
    if status == "listed_elsewhere":
        return RegistrationCheck(status, station(_get(data, "station", dict)), registration=registered)
    if status == "not_listed":
        return RegistrationCheck(
            status, may_register_temporarily=_get(data, "may_register_temporarily", bool), registration=registered
        )
    return RegistrationCheck(status, not_eligible_reason=_get(data, "reason", str), registration=registered)


def temporary_registration(data: Any) -> TemporaryRegistrationResult:
    """The answer of POST /v1/temporary-registrations."""
    outcome: RegistrationOutcome = _choice(data, "outcome", get_args(RegistrationOutcome))  # type: ignore[assignment]
    if outcome == "created":
        return TemporaryRegistrationResult(outcome, _get(data, "reference", str), station(_get(data, "station", dict)))
    if outcome == "refused":
        return TemporaryRegistrationResult(outcome, reason=_get(data, "reason", str))
    return TemporaryRegistrationResult(outcome, station=station(_get(data, "station", dict)))


def list_decision(data: Any) -> ListDecisionResult:
    """The answer of POST /v1/list-decisions."""
    outcome: DecisionOutcome = _choice(data, "outcome", get_args(DecisionOutcome))  # type: ignore[assignment]
    if outcome in ("included", "refusal_recorded"):
        return ListDecisionResult(outcome, decision_number=_get(data, "decision_number", str))
    if outcome == "refused":
        return ListDecisionResult(outcome, reason=_get(data, "reason", str))
    return ListDecisionResult(outcome, station=_optional_station(data))


MAX_DOCUMENT_FIELDS = 32
MAX_DOCUMENT_TEXT = 500
MAX_SIGNATURE_TEXT = 200


@dataclass(frozen=True, slots=True)
class SignedDigitalDocument:
    """A digital document as the service sent it: its fields, not yet trusted, and the issuer's signature.

    ``document`` is kept exactly as received because the issuer signed its canonical form
    (docs/digital-document-qr.md); ``kiosk.documents.digital`` verifies it before reading any field.
    ``repr`` shows no field of the document.
    """

    document: dict[str, str | None]
    key_id: str
    algorithm: str
    signature: bytes

    def __repr__(self) -> str:
        return f"SignedDigitalDocument(key_id={self.key_id}, algorithm={self.algorithm}, fields={len(self.document)})"

    __str__ = __repr__


def digital_document(data: Any) -> SignedDigitalDocument:
    """The answer of POST /v1/digital-documents: string (or null) fields and a base64url issuer signature."""
    document = _get(data, "document", dict)
    if len(document) > MAX_DOCUMENT_FIELDS:
        raise MalformedResponse("the digital document has too many fields")
    for value in document.values():
        if value is not None and (not isinstance(value, str) or len(value) > MAX_DOCUMENT_TEXT):
            raise MalformedResponse("a digital document field is not a short text")
    signature = _get(data, "signature", dict)
    value = _get(signature, "value", str)
    if len(value) > MAX_SIGNATURE_TEXT or not value.isascii():
        raise MalformedResponse("the digital document's signature is not base64url")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedResponse("the digital document's signature is not base64url") from error
    return SignedDigitalDocument(
        document=dict(document),
        key_id=_get(signature, "key_id", str),
        algorithm=_get(signature, "algorithm", str),
        signature=raw,
    )

"""Reading a digital document shown as a QR code: parse the payload, fetch the document with the one-time code,
verify the issuer's signature against a pinned key, its expiry and the IIN (docs/digital-document-qr.md).

Nothing in the document is looked at before its signature verifies. Every refusal is a
:class:`DigitalDocumentError` with its own translation key; messages carry no personal data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final, Literal, Protocol

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.core.canonical_json import canonical_json_bytes
from kiosk.core.identity import Identity
from kiosk.core.iin import IinRejection, InvalidIin, parse_iin
from kiosk.documents.errors import DocumentError
from kiosk.documents.qr_payload import parse_qr_payload
from kiosk.egov.errors import ServiceRejected
from kiosk.egov.models import SignedDigitalDocument

DOCUMENT_FORMAT: Final = "kz-digital-document/1"
SIGNATURE_ALGORITHM: Final = "ecdsa-p256-sha256"
# Domain separation: the issuer key signs these bytes and nothing that could be mistaken for them.
SIGNING_CONTEXT: Final = b"kz-digital-document-v1\n"
P256_COORDINATE_BYTES: Final = 32
# How far ahead of the kiosk's clock the issuer's may be before a fresh presentation looks "not yet issued".
CLOCK_SKEW: Final = dt.timedelta(minutes=2)
REQUIRED_TEXT_FIELDS: Final = (
    "format", "issuer", "iin", "surname", "given_names", "document_kind", "document_number", "document_expiry",
    "issued_at", "presentation_expires_at",
)

CodeRefusal = Literal["unknown_code", "code_used", "code_expired"]
_CODE_REFUSALS: Final[dict[str, CodeRefusal]] = {
    "unknown_code": "unknown_code", "code_used": "code_used", "code_expired": "code_expired",
}


class DigitalDocumentError(DocumentError):
    """Root of refusals of a digital document."""

    translation_key = "document.digital.error"


class DigitalDocumentCodeRefused(DigitalDocumentError):
    """The service refused the QR code's one-time code; ``reason`` says whether unknown, used or expired."""

    def __init__(self, reason: CodeRefusal) -> None:
        super().__init__(f"the digital-document code was refused ({reason})")
        self.reason = reason
        self.translation_key = f"document.digital.{reason}"


class UnknownDocumentIssuer(DigitalDocumentError):
    """The document is signed by an issuer whose key this kiosk has not pinned."""

    translation_key = "document.digital.unknown_issuer"

    def __init__(self, key_id: str) -> None:
        super().__init__(f"the digital document's issuer key {key_id[:40]!r} is not pinned")
        self.key_id = key_id


class BadIssuerSignature(DigitalDocumentError):
    """The issuer signature does not verify: the document was changed, or not signed by that issuer."""

    translation_key = "document.digital.bad_signature"


class MalformedDigitalDocument(DigitalDocumentError):
    """A document with a valid signature whose fields do not follow the format."""

    translation_key = "document.digital.malformed"


class PresentationExpired(DigitalDocumentError):
    """The short-lived presentation of the document is over; the voter shows a fresh code."""

    translation_key = "document.digital.presentation_expired"


class PresentationNotYetValid(DigitalDocumentError):
    """The presentation claims to be issued in the future: the kiosk's or the issuer's clock is wrong."""

    translation_key = "document.digital.presentation_not_yet_valid"


class DigitalDocumentExpired(DigitalDocumentError):
    """The identity document itself has expired."""

    translation_key = "document.digital.document_expired"


class DigitalDocumentIinInvalid(DigitalDocumentError):
    """The document's IIN is not a valid IIN; ``reason`` says which rule it breaks."""

    translation_key = "document.digital.iin_invalid"

    def __init__(self, reason: IinRejection) -> None:
        super().__init__(f"the digital document's IIN is not valid ({reason.value})")
        self.reason = reason


class DigitalDocumentService(Protocol):
    """What exchanges a one-time code for a signed document (``kiosk.egov.client.EgovClient`` does)."""

    def digital_document(self, code: str) -> SignedDigitalDocument:
        """The signed document for ``code``."""
        ...


def canonical_document_bytes(document: Mapping[str, str | None]) -> bytes:
    """What the issuer signs: the signing context, then the document in RFC 8785 (JCS) form.

    All values are strings or null (``kiosk.core.canonical_json``). A lone surrogate cannot be encoded: ValueError.
    """
    try:
        return SIGNING_CONTEXT + canonical_json_bytes(document)
    except ValueError as error:
        raise ValueError("the document cannot be put in canonical form") from error


def read_digital_document(
    payload_text: str,
    client: DigitalDocumentService,
    issuers: Mapping[str, ec.EllipticCurvePublicKey],
    now: dt.datetime,
) -> Identity:
    """The verified identity behind a scanned digital-document QR payload.

    ``now`` is timezone-aware; the document's expiry date is compared with ``now``'s date in its own time zone
    (pass the station's local time). Raises a ``QrPayloadError`` for a payload that is not a digital-document
    code, a :class:`DigitalDocumentError` for a document that is refused, and a ``ServiceError`` when the service
    cannot be asked.
    """
    code = parse_qr_payload(payload_text)
    try:
        signed = client.digital_document(code.code)
    except ServiceRejected as rejected:
        refusal = _CODE_REFUSALS.get(rejected.reason)
        if refusal is None:
            raise
        raise DigitalDocumentCodeRefused(refusal) from rejected
    return verify_digital_document(signed, issuers, now)


def verify_digital_document(
    signed: SignedDigitalDocument, issuers: Mapping[str, ec.EllipticCurvePublicKey], now: dt.datetime
) -> Identity:
    """Check the issuer signature, the presentation and document expiry and the IIN; the identity if all pass."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    _verify_signature(signed, issuers)
    document = signed.document
    fields = {name: _text(document, name) for name in REQUIRED_TEXT_FIELDS}
    patronymic = document.get("patronymic")
    if fields["format"] != DOCUMENT_FORMAT:
        raise MalformedDigitalDocument("the digital document has an unknown format")
    issued_at = _instant(fields["issued_at"], "issued_at")
    presentation_expires_at = _instant(fields["presentation_expires_at"], "presentation_expires_at")
    document_expiry = _date(fields["document_expiry"], "document_expiry")
    if now >= presentation_expires_at:
        raise PresentationExpired("the digital document's presentation has expired; show a fresh code")
    if issued_at > now + CLOCK_SKEW:
        raise PresentationNotYetValid("the digital document is dated in the future; check the clock")
    if document_expiry < now.date():
        raise DigitalDocumentExpired("the identity document has expired")
    try:
        iin = parse_iin(fields["iin"])
    except InvalidIin as error:
        raise DigitalDocumentIinInvalid(error.reason) from error
    return Identity(
        iin=iin,
        source="digital_document",
        checks_passed=frozenset({"issuer_signature", "document_not_expired", "iin_check_digit"}),
        surname=fields["surname"],
        given_names=fields["given_names"],
        patronymic=patronymic or None,
        document_number=fields["document_number"],
        document_expiry=document_expiry,
    )


def _verify_signature(signed: SignedDigitalDocument, issuers: Mapping[str, ec.EllipticCurvePublicKey]) -> None:
    key = issuers.get(signed.key_id)
    if key is None:
        raise UnknownDocumentIssuer(signed.key_id)
    if signed.algorithm != SIGNATURE_ALGORITHM:
        raise BadIssuerSignature("the digital document is signed with an unsupported algorithm")
    if signed.document.get("issuer") != signed.key_id:
        # The signature must be by the issuer the document names, or a document could borrow another's key id.
        raise BadIssuerSignature("the digital document's signature is not by its named issuer")
    if len(signed.signature) != 2 * P256_COORDINATE_BYTES:
        raise BadIssuerSignature("the digital document's signature has the wrong length")
    r = int.from_bytes(signed.signature[:P256_COORDINATE_BYTES], "big")
    s = int.from_bytes(signed.signature[P256_COORDINATE_BYTES:], "big")
    try:
        key.verify(encode_dss_signature(r, s), canonical_document_bytes(signed.document), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as error:
        raise BadIssuerSignature("the digital document's issuer signature does not verify") from error


def _text(document: Mapping[str, str | None], name: str) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MalformedDigitalDocument(f"the digital document's field '{name}' is missing or empty")
    return value


def _instant(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise MalformedDigitalDocument(f"the digital document's field '{name}' is not a date and time") from error
    if value.tzinfo is None:
        raise MalformedDigitalDocument(f"the digital document's field '{name}' has no time zone")
    return value


def _date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise MalformedDigitalDocument(f"the digital document's field '{name}' is not a date") from error

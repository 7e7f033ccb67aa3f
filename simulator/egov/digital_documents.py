"""The simulated digital-documents issuer: one-time codes for the QR, and signed documents for the codes
(docs/digital-document-qr.md).

The issuer key is separate from the service's response key, as the real issuer is separate from the
operator of the registration services; the kiosk pins it under ``document_issuers``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, ClassVar

from kiosk.documents.digital import DOCUMENT_FORMAT, SIGNATURE_ALGORITHM, canonical_document_bytes
from kiosk.documents.qr_payload import CODE_BYTES, encode_code, format_qr_payload
from simulator.egov.signing_key import SimSigningKey

CODE_LIFETIME = dt.timedelta(minutes=3)
MAX_CODE_LIFETIME = dt.timedelta(hours=1)
PRESENTATION_LIFETIME = dt.timedelta(minutes=5)
ID_CARD_VALIDITY_DAYS = 3650  # Kazakh identity cards are issued for ten years
DOCUMENT_NUMBER_DIGITS = 9

Answer = dict[str, Any]


class DocumentIssuerKey(SimSigningKey):
    """The issuer's signing key (ECDSA P-256); key ids start with ``ddi``."""

    key_id_prefix: ClassVar[str] = "ddi"


@dataclass(frozen=True, slots=True)
class IssuedCode:
    """A one-time code as a phone app would show it."""

    code: str
    qr_payload: str
    expires_at: dt.datetime

    def as_answer(self) -> Answer:
        """The control endpoint's JSON answer."""
        return {"code": self.code, "qr_payload": self.qr_payload,
                "expires_at": self.expires_at.isoformat(timespec="seconds")}


def new_code(valid_for: dt.timedelta = CODE_LIFETIME) -> IssuedCode:
    """A fresh random code valid for ``valid_for`` from now."""
    raw = secrets.token_bytes(CODE_BYTES)
    return IssuedCode(encode_code(raw), format_qr_payload(raw), dt.datetime.now(dt.UTC) + valid_for)


def _digest(iin: str) -> int:
    return int.from_bytes(hashlib.sha256(f"digital-document:{iin}".encode()).digest()[:8], "big")


def document_number(iin: str) -> str:
    """The person's (synthetic) identity card number: 9 digits, the same every time."""
    return f"{_digest(iin) % 10**DOCUMENT_NUMBER_DIGITS:0{DOCUMENT_NUMBER_DIGITS}d}"


def document_expiry(iin: str, today: dt.date) -> dt.date:
    """The person's (synthetic) card expiry: between a month and ten years after ``today``."""
    return today + dt.timedelta(days=30 + _digest(iin) % (ID_CARD_VALIDITY_DAYS - 30))


def signed_document(
    person: Answer, issuer: DocumentIssuerKey, *, now: dt.datetime, expiry: dt.date | None = None
) -> Answer:
    """The answer of POST /v1/digital-documents for ``person`` (a registry voter row as a dict)."""
    iin = str(person["iin"])
    document: dict[str, str | None] = {
        "format": DOCUMENT_FORMAT,
        "issuer": issuer.key_id,
        "iin": iin,
        "surname": person["surname"],
        "given_names": person["given_name"],
        "patronymic": person["patronymic"] or None,
        "document_kind": "id_card",
        "document_number": document_number(iin),
        "document_expiry": (expiry or document_expiry(iin, now.date())).isoformat(),
        "issued_at": _utc_text(now),
        "presentation_expires_at": _utc_text(now + PRESENTATION_LIFETIME),
    }
    signature = issuer.sign(canonical_document_bytes(document))
    return {
        "document": document,
        "signature": {
            "key_id": issuer.key_id,
            "algorithm": SIGNATURE_ALGORITHM,
            "value": base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii"),
        },
    }


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")

"""Journal entries as plain data, their canonical encoding and hash (no I/O).

An entry's hash is SHA-256 over a domain tag and the entry's canonical JSON (keys sorted, no spaces, ASCII
only), which covers every field except the hash and the signature themselves, including ``previous_hash``:
that is the chain. The device key signs the 32-byte hash (ECDSA P-256 / SHA-256, raw r || s).

Only codes enter an entry: every text field must match ``CODE_PATTERN`` and hold no run of 12 digits, so a
name, an address or an IIN cannot be written by mistake. A voter appears only as ``subject``, the station
secret's HMAC of the IIN (``kiosk.journal.secret``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

from kiosk.journal.errors import InvalidEntry

FORMAT_VERSION = 1
HASH_DOMAIN = b"kz-kiosk-journal-entry/1\x00"
GENESIS_HASH = "0" * 64  # the previous_hash of sequence 1
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,79}")
_IIN_LIKE = re.compile(r"\d{12}")
_HEX_HASH = re.compile(r"[0-9a-f]{64}")
MAX_EVIDENCE_FIELD = 2048

EntryKind = Literal[
    "journal_started",
    "session_started",
    "session_ended",
    "check",
    "temporary_registration_queued",
    "temporary_registration_sent",
    "temporary_registration_confirmed",
    "temporary_registration_rejected",
    "list_decision_queued",
    "list_decision_sent",
    "list_decision_confirmed",
    "list_decision_rejected",
    "service_error",
]
ENTRY_KINDS: tuple[EntryKind, ...] = get_args(EntryKind)

# Entries a power cut must not take away: written with synchronous=FULL, and they advance the signed head.
DURABLE_KINDS: frozenset[EntryKind] = frozenset(
    {
        "journal_started",
        "temporary_registration_queued",
        "temporary_registration_confirmed",
        "temporary_registration_rejected",
        "list_decision_queued",
        "list_decision_confirmed",
        "list_decision_rejected",
    }
)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What proves a service answer without keeping its body: the RFC 9421 response signature and its inputs.

    ``content_digest`` is the response's Content-Digest (RFC 9530) over the body; ``signature`` and
    ``signature_input`` are the service's; ``request_signature`` is our request's Signature header, which
    the service's signature covers (so the answer is bound to this request). None of them is personal data.
    """

    content_digest: str
    signature: str
    signature_input: str
    request_signature: str

    def as_dict(self) -> dict[str, str]:
        """The evidence as a JSON object."""
        return {
            "content_digest": self.content_digest,
            "signature": self.signature,
            "signature_input": self.signature_input,
            "request_signature": self.request_signature,
        }

    @classmethod
    def from_dict(cls, data: Any) -> Evidence:
        """Parse the JSON form; raise :class:`InvalidEntry` when a field is missing or not short ASCII text."""
        if not isinstance(data, dict):
            raise InvalidEntry("evidence must be an object")
        values = []
        for name in ("content_digest", "signature", "signature_input", "request_signature"):
            value = data.get(name)
            if not isinstance(value, str) or not value.isascii() or len(value) > MAX_EVIDENCE_FIELD:
                raise InvalidEntry(f"evidence field '{name}' is missing or not short ASCII text")
            values.append(value)
        return cls(*values)


@dataclass(frozen=True, slots=True)
class EntryContent:
    """The signed fields of an entry (everything but its hash and signature)."""

    sequence: int
    recorded_at: str
    kind: EntryKind
    key_id: str
    previous_hash: str
    subject: str | None = None
    outcome: str | None = None
    reason: str | None = None
    reference: str | None = None
    local_reference: str | None = None
    station: int | None = None
    evidence: Evidence | None = None

    def as_dict(self) -> dict[str, Any]:
        """The fields as a JSON object (the canonical encoding's input)."""
        return {
            "version": FORMAT_VERSION,
            "sequence": self.sequence,
            "recorded_at": self.recorded_at,
            "kind": self.kind,
            "key_id": self.key_id,
            "previous_hash": self.previous_hash,
            "subject": self.subject,
            "outcome": self.outcome,
            "reason": self.reason,
            "reference": self.reference,
            "local_reference": self.local_reference,
            "station": self.station,
            "evidence": None if self.evidence is None else self.evidence.as_dict(),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """A journal entry: its signed content, the hash of that content and the device's signature of the hash."""

    content: EntryContent
    entry_hash: str
    signature: bytes

    def as_dict(self) -> dict[str, Any]:
        """The whole entry as a JSON object (the export's line format)."""
        data = self.content.as_dict()
        data["entry_hash"] = self.entry_hash
        data["signature"] = base64.b64encode(self.signature).decode("ascii")
        return data


def canonical_bytes(content: EntryContent) -> bytes:
    """The canonical encoding: JSON with sorted keys, no whitespace, ASCII only."""
    return json.dumps(content.as_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def hash_content(content: EntryContent) -> str:
    """SHA-256 (hex) over the domain tag and the canonical encoding."""
    return hashlib.sha256(HASH_DOMAIN + canonical_bytes(content)).hexdigest()


def check_code(name: str, value: str | None, *, digits_allowed: bool = False) -> None:
    """Refuse a text field that is not a short code, or that holds 12 digits in a row (an IIN, perhaps).

    ``digits_allowed`` lifts the digit-run rule for identifiers made of hex digits (the key identifier).
    """
    if value is None:
        return
    if not isinstance(value, str) or CODE_PATTERN.fullmatch(value) is None:
        raise InvalidEntry(f"the journal field '{name}' must be a short code")
    if not digits_allowed and _IIN_LIKE.search(value):
        raise InvalidEntry(f"the journal field '{name}' must be a short code")


def check_content(content: EntryContent) -> None:
    """Validate every field of ``content``; raise :class:`InvalidEntry` on the first that is wrong."""
    if content.kind not in ENTRY_KINDS:
        raise InvalidEntry("unknown journal entry kind")
    if not isinstance(content.sequence, int) or isinstance(content.sequence, bool) or content.sequence < 1:
        raise InvalidEntry("the sequence number must be a positive integer")
    if content.station is not None and (not isinstance(content.station, int) or isinstance(content.station, bool)):
        raise InvalidEntry("the station must be an integer")
    if content.subject is not None and _HEX_HASH.fullmatch(content.subject) is None:
        raise InvalidEntry("the subject must be a keyed hash (64 hex digits)")
    if _HEX_HASH.fullmatch(content.previous_hash) is None:
        raise InvalidEntry("the previous hash must be 64 hex digits")
    check_code("key_id", content.key_id, digits_allowed=True)
    for name in ("recorded_at", "outcome", "reason", "reference", "local_reference"):
        check_code(name, getattr(content, name))


def entry_from_dict(data: Any) -> Entry:
    """Parse an entry's JSON form (an export line); raise :class:`InvalidEntry` when it does not follow it."""
    if not isinstance(data, dict):
        raise InvalidEntry("an entry must be a JSON object")
    try:
        if data.get("version") != FORMAT_VERSION:
            raise InvalidEntry("unknown entry format version")
        station = data.get("station")
        content = EntryContent(
            sequence=data["sequence"],
            recorded_at=data["recorded_at"],
            kind=data["kind"],
            key_id=data["key_id"],
            previous_hash=data["previous_hash"],
            subject=data.get("subject"),
            outcome=data.get("outcome"),
            reason=data.get("reason"),
            reference=data.get("reference"),
            local_reference=data.get("local_reference"),
            station=station,
            evidence=None if data.get("evidence") is None else Evidence.from_dict(data["evidence"]),
        )
        entry_hash = data["entry_hash"]
        signature = base64.b64decode(data["signature"], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise InvalidEntry("an entry is missing a field or has a wrong type") from error
    check_content(content)
    if not isinstance(entry_hash, str) or _HEX_HASH.fullmatch(entry_hash) is None:
        raise InvalidEntry("the entry hash must be 64 hex digits")
    return Entry(content, entry_hash, signature)

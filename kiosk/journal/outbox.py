"""The outbox: temporary registrations and list decisions, kept until the service's verified answer is recorded.

An item is written (with a fresh idempotency key) in the same durable transaction as its journal entry
``<kind>_queued``, *before* anything is sent, so a crash, a power cut or a dead network loses nothing: the
sender (``kiosk.journal.sender``) sends pending items oldest first and resends them after a restart. The
service answers a repeated idempotency key with its first answer and creates nothing, so a resend after a
crash that happened after the service recorded the item yields the original reference, never a duplicate.

The request must keep the IIN until it is sent, yet the journal file must never hold an IIN: the request
is sealed with AES-256-GCM under the station secret's sealing key (the idempotency key is the associated
data, so a sealed request cannot be moved to another item) and the ciphertext is cleared once the item is
final. The row itself carries the voter only as the keyed hash (``subject``).

States: ``pending`` until a verified answer; ``confirmed`` with the service's answer (also a business
refusal such as ``listed_elsewhere`` is a confirmed, verified answer); ``rejected`` when the service
refused the request itself (a 4xx other than authentication), which the commission must see.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.core.iin import Iin, parse_iin
from kiosk.core.registration import ListDecisionResult, TemporaryRegistrationResult
from kiosk.journal.entries import EntryKind, Evidence, check_code
from kiosk.journal.errors import JournalTampered, UnknownItem
from kiosk.journal.journal import Journal

OutboxKind = Literal["temporary_registration", "list_decision"]
ItemState = Literal["pending", "confirmed", "rejected"]
Decision = Literal["include", "refuse"]
NONCE_BYTES = 12
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people
_REFERENCE_LENGTH = 8


@dataclass(frozen=True, slots=True, repr=False)
class TemporaryRegistrationRequest:
    """A temporary registration to send. ``repr`` hides the IIN and the document number."""

    iin: Iin
    document_kind: str
    document_number: str

    def __repr__(self) -> str:
        return "TemporaryRegistrationRequest(<hidden>)"


@dataclass(frozen=True, slots=True, repr=False)
class ListDecisionRequest:
    """A commission's list decision to send. ``repr`` hides the IIN, member and free text."""

    iin: Iin
    decision: Decision
    member_id: str
    reason_code: str | None = None
    reason_text: str | None = None

    def __repr__(self) -> str:
        return f"ListDecisionRequest({self.decision}, <hidden>)"


OutboxRequest = TemporaryRegistrationRequest | ListDecisionRequest


@dataclass(frozen=True, slots=True)
class Answer:
    """The service's verified answer as the outbox keeps it: codes only, no personal data."""

    outcome: str
    reference: str | None = None
    reason: str | None = None
    station: int | None = None

    @classmethod
    def of(cls, result: TemporaryRegistrationResult | ListDecisionResult) -> Answer:
        """The kept form of a parsed service result."""
        reference = result.reference if isinstance(result, TemporaryRegistrationResult) else result.decision_number
        station = None if result.station is None else result.station.number
        return cls(result.outcome, reference, result.reason, station)


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """Where an outbox item stands, for the screen and the commission."""

    local_reference: str
    kind: OutboxKind
    state: ItemState
    attempts: int
    answer: Answer | None
    last_error: str | None


@dataclass(frozen=True, slots=True, repr=False)
class PendingItem:
    """A pending item with its unsealed request, handed to the sender."""

    local_reference: str
    idempotency_key: str
    kind: OutboxKind
    subject: str
    request: OutboxRequest
    attempts: int

    def __repr__(self) -> str:
        return f"PendingItem({self.local_reference}, {self.kind}, attempts={self.attempts})"


def kind_of(request: OutboxRequest) -> OutboxKind:
    """Which endpoint a request goes to."""
    return "temporary_registration" if isinstance(request, TemporaryRegistrationRequest) else "list_decision"


def _entry_kind(kind: OutboxKind, step: Literal["queued", "sent", "confirmed", "rejected"]) -> EntryKind:
    return f"{kind}_{step}"  # type: ignore[return-value]


class Outbox:
    """The outbox table beside the journal; every state change is journalled in the same transaction."""

    def __init__(self, journal: Journal, *, clock: Callable[[], float] = time.time) -> None:
        self.journal = journal
        self._clock = clock
        self._sealer = AESGCM(journal.secret.sealing_key)

    def enqueue(self, request: OutboxRequest) -> str:
        """Write the request and its ``queued`` journal entry durably, before any send; return its local reference."""
        kind = kind_of(request)
        if isinstance(request, ListDecisionRequest):
            check_code("reason_code", request.reason_code)
        idempotency_key = str(uuid.uuid4())
        local_reference = "Q-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))
        subject = self.journal.subject(request.iin)
        sealed = self._seal(request, idempotency_key)
        now = self._clock()
        with self.journal.transaction(durable=True) as writer:
            entry = writer.append(_entry_kind(kind, "queued"), subject=subject, local_reference=local_reference)
            writer.connection.execute(
                "INSERT INTO outbox(local_reference, idempotency_key, kind, subject, sealed_request, state, created_at,"
                " attempts, next_attempt_at, queued_sequence) VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?)",
                (local_reference, idempotency_key, kind, subject, sealed, now, now, entry.content.sequence),
            )
        return local_reference

    def due(self, *, now: float | None = None) -> list[PendingItem]:
        """Pending items whose next attempt is due, oldest first."""
        now = self._clock() if now is None else now
        with self.journal.read() as connection:
            rows = connection.execute(
                "SELECT local_reference, idempotency_key, kind, subject, sealed_request, attempts FROM outbox"
                " WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY created_at, rowid",
                (now,),
            ).fetchall()
        return [
            PendingItem(
                row["local_reference"],
                row["idempotency_key"],
                row["kind"],
                row["subject"],
                self._unseal(row["sealed_request"], row["idempotency_key"], row["kind"]),
                row["attempts"],
            )
            for row in rows
        ]

    def next_attempt_at(self) -> float | None:
        """When the earliest pending item is due, None when nothing is pending."""
        with self.journal.read() as connection:
            row = connection.execute("SELECT MIN(next_attempt_at) FROM outbox WHERE state = 'pending'").fetchone()
        return None if row[0] is None else float(row[0])

    def mark_sent(self, item: PendingItem) -> None:
        """Journal that an attempt is being made and count it (routine, not durable: the queued entry is)."""
        with self.journal.transaction(durable=False) as writer:
            writer.append(_entry_kind(item.kind, "sent"), subject=item.subject, local_reference=item.local_reference)
            writer.connection.execute(
                "UPDATE outbox SET attempts = attempts + 1 WHERE local_reference = ? AND state = 'pending'",
                (item.local_reference,),
            )

    def record_answer(self, item: PendingItem, answer: Answer, evidence: Evidence | None) -> None:
        """The verified answer: journal ``<kind>_confirmed`` with its evidence, mark confirmed, clear the request."""
        with self.journal.transaction(durable=True) as writer:
            entry = writer.append(
                _entry_kind(item.kind, "confirmed"),
                subject=item.subject,
                local_reference=item.local_reference,
                outcome=answer.outcome,
                reason=answer.reason,
                reference=answer.reference,
                station=answer.station,
                evidence=evidence,
            )
            self._finish(writer.connection, item, "confirmed", entry.content.sequence, answer, None)

    def record_rejection(self, item: PendingItem, reason: str, evidence: Evidence | None) -> None:
        """The service refused the request itself: journal ``<kind>_rejected`` and mark the item final."""
        with self.journal.transaction(durable=True) as writer:
            entry = writer.append(
                _entry_kind(item.kind, "rejected"),
                subject=item.subject,
                local_reference=item.local_reference,
                reason=reason,
                evidence=evidence,
            )
            self._finish(writer.connection, item, "rejected", entry.content.sequence, None, reason)

    def record_failure(self, item: PendingItem, error_code: str, *, retry_at: float) -> None:
        """A failed attempt (no trusted answer): journal ``service_error`` and schedule the next attempt."""
        with self.journal.transaction(durable=False) as writer:
            writer.append("service_error", local_reference=item.local_reference, reason=error_code)
            writer.connection.execute(
                "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE local_reference = ? AND state = 'pending'",
                (retry_at, error_code, item.local_reference),
            )

    def status(self, local_reference: str) -> ItemStatus:
        """The state of one item; raise :class:`UnknownItem` when there is none with this reference."""
        with self.journal.read() as connection:
            row = connection.execute(
                "SELECT local_reference, kind, state, attempts, answer, last_error FROM outbox"
                " WHERE local_reference = ?",
                (local_reference,),
            ).fetchone()
        if row is None:
            raise UnknownItem("no queued item has this reference")
        return _status(row)

    def statuses(self) -> list[ItemStatus]:
        """Every item, oldest first (for the commission's view and for tests)."""
        with self.journal.read() as connection:
            rows = connection.execute(
                "SELECT local_reference, kind, state, attempts, answer, last_error FROM outbox"
                " ORDER BY created_at, rowid"
            ).fetchall()
        return [_status(row) for row in rows]

    def _finish(
        self, connection: Any, item: PendingItem, state: ItemState, sequence: int, answer: Answer | None,
        error: str | None,
    ) -> None:
        kept = None if answer is None else json.dumps(
            {"outcome": answer.outcome, "reference": answer.reference, "reason": answer.reason,
             "station": answer.station}
        )
        connection.execute(
            "UPDATE outbox SET state = ?, result_sequence = ?, answer = ?, last_error = ?, sealed_request = NULL"
            " WHERE local_reference = ? AND state = 'pending'",
            (state, sequence, kept, error, item.local_reference),
        )

    def _seal(self, request: OutboxRequest, idempotency_key: str) -> bytes:
        if isinstance(request, TemporaryRegistrationRequest):
            fields: dict[str, Any] = {
                "iin": request.iin.value,
                "document_kind": request.document_kind,
                "document_number": request.document_number,
            }
        else:
            fields = {
                "iin": request.iin.value,
                "decision": request.decision,
                "member_id": request.member_id,
                "reason_code": request.reason_code,
                "reason_text": request.reason_text,
            }
        nonce = os.urandom(NONCE_BYTES)
        plain = json.dumps(fields, ensure_ascii=False).encode("utf-8")
        return nonce + self._sealer.encrypt(nonce, plain, idempotency_key.encode("ascii"))

    def _unseal(self, sealed: bytes | None, idempotency_key: str, kind: OutboxKind) -> OutboxRequest:
        if sealed is None or len(sealed) <= NONCE_BYTES:
            raise JournalTampered("a pending outbox item has lost its request")
        try:
            plain = self._sealer.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], idempotency_key.encode("ascii"))
        except InvalidTag as error:
            raise JournalTampered("a pending outbox item's request does not open with the station secret") from error
        fields = json.loads(plain.decode("utf-8"))
        iin = parse_iin(fields["iin"])
        if kind == "temporary_registration":
            return TemporaryRegistrationRequest(iin, fields["document_kind"], fields["document_number"])
        return ListDecisionRequest(
            iin, fields["decision"], fields["member_id"], fields.get("reason_code"), fields.get("reason_text")
        )


def _status(row: Any) -> ItemStatus:
    answer = None
    if row["answer"] is not None:
        data = json.loads(row["answer"])
        answer = Answer(data["outcome"], data.get("reference"), data.get("reason"), data.get("station"))
    return ItemStatus(row["local_reference"], row["kind"], row["state"], row["attempts"], answer, row["last_error"])

"""Sends the outbox: one background thread, oldest item first, verified answers recorded, failures retried.

Retry policy (DESIGN.md section 7: never lost, never duplicated):

- no trusted answer (``ServiceUnreachable``, ``ServiceTimeout``, ``ServiceUnavailable``, ``ResponseNotTrusted``,
  a ``MalformedResponse``, or a 401 authentication refusal such as a clock out of the window): the item stays
  pending and is retried with exponential backoff; nothing was recorded by the service, or it was recorded
  under the idempotency key and the resend returns that same answer;
- a verified answer, business refusals included: recorded, never resent;
- any other verified 4xx refusal of the request: recorded as ``rejected`` (the commission must act), never resent.

:meth:`OutboxSender.submit` is the screen's call: it queues the request durably, then waits at most
``budget`` seconds for the verified answer and says honestly which it got: ``Confirmed`` or ``Queued``
(or ``Rejected``). A queued item keeps being sent in the background; :meth:`OutboxSender.status` tells
where it stands.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from kiosk.core.iin import Iin
from kiosk.core.registration import ListDecisionResult, TemporaryRegistrationResult
from kiosk.egov.errors import ServiceError, ServiceRejected
from kiosk.errors import KioskError
from kiosk.journal.entries import Evidence
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.outbox import (
    Answer,
    ItemStatus,
    ListDecisionRequest,
    Outbox,
    OutboxRequest,
    PendingItem,
    TemporaryRegistrationRequest,
)

log = logging.getLogger(__name__)

AUTHENTICATION_FAILED = 401  # RFC 9110 15.5.2: the service did not accept our signature this time


class OutboxTransport(Protocol):
    """The two changing calls of the service client (``EgovClient`` has them)."""

    def temporary_registration(
        self, iin: Iin, *, document_kind: str, document_number: str, idempotency_key: str
    ) -> TemporaryRegistrationResult:
        """Register temporarily; a repeated idempotency key repeats the first answer."""
        ...

    def list_decision(
        self,
        iin: Iin,
        *,
        decision: str,
        member_id: str,
        idempotency_key: str,
        reason_code: str | None = None,
        reason_text: str | None = None,
    ) -> ListDecisionResult:
        """Send a list decision; a repeated idempotency key repeats the first answer."""
        ...


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff between attempts of one item: ``initial * factor**(attempts-1)``, capped."""

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 60.0

    def delay(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt."""
        return float(min(self.maximum, self.initial * self.factor ** max(attempts - 1, 0)))


@dataclass(frozen=True, slots=True)
class Confirmed:
    """The service's verified answer arrived within the budget."""

    local_reference: str
    answer: Answer
    result: TemporaryRegistrationResult | ListDecisionResult | None


@dataclass(frozen=True, slots=True)
class Queued:
    """Kept safely and still being sent: the screen must say it is not yet confirmed."""

    local_reference: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """The service refused the request itself (``reason`` is its code); the commission must act."""

    local_reference: str
    reason: str


SubmitOutcome = Confirmed | Queued | Rejected
SendOutcome = Literal["confirmed", "rejected", "retry"]


class OutboxSender:
    """Delivers outbox items through a transport and records each verified answer."""

    def __init__(
        self,
        outbox: Outbox,
        transport: OutboxTransport,
        *,
        evidence: ResponseEvidence | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.outbox = outbox
        self._transport = transport
        self._evidence = evidence
        self._backoff = backoff or Backoff()
        self._clock = clock
        self._results: dict[str, TemporaryRegistrationResult | ListDecisionResult] = {}
        self._changed = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # --- the screen's calls ---------------------------------------------------------------------------

    def submit(self, request: OutboxRequest, *, budget: float) -> SubmitOutcome:
        """Queue ``request`` durably, then wait up to ``budget`` seconds for its verified answer."""
        local_reference = self.outbox.enqueue(request)
        self.start()
        self.wake()
        deadline = time.monotonic() + budget
        with self._changed:
            while True:
                status = self.outbox.status(local_reference)
                if status.state != "pending":
                    return self._outcome(status)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return Queued(local_reference)
                self._changed.wait(remaining)

    def status(self, local_reference: str) -> SubmitOutcome:
        """Where a submitted item stands now."""
        status = self.outbox.status(local_reference)
        return Queued(local_reference) if status.state == "pending" else self._outcome(status)

    def _outcome(self, status: ItemStatus) -> SubmitOutcome:
        if status.state == "rejected":
            return Rejected(status.local_reference, status.last_error or "unknown")
        assert status.answer is not None  # a confirmed item always has its answer (Outbox._finish)
        return Confirmed(status.local_reference, status.answer, self._results.get(status.local_reference))

    # --- the background thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sending thread (it first sends whatever a previous run left pending)."""
        with self._changed:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to stop after its current attempt, and wait for it."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        """Tell the thread there may be new work."""
        with self._changed:
            self._changed.notify_all()

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._stopping:
                    return
            try:
                self.send_due()
            except KioskError as error:  # the journal itself failed: say so, keep the items, try again later
                log.error("outbox: %s", error.message)
            next_at = self.outbox.next_attempt_at()
            with self._changed:
                if self._stopping:
                    return
                wait = 5.0 if next_at is None else max(0.0, min(5.0, next_at - self._clock()))
                if wait > 0:
                    self._changed.wait(wait)

    # --- sending ---------------------------------------------------------------------------------------

    def send_due(self) -> int:
        """Send due items oldest first; stop the round at the first one without a trusted answer. Return sent."""
        sent = 0
        for item in self.outbox.due():
            with self._changed:
                if self._stopping:
                    break
            outcome = self.send(item)
            sent += outcome != "retry"
            if outcome == "retry":
                break
        return sent

    def send(self, item: PendingItem) -> SendOutcome:
        """One attempt for one item, with its result recorded in the journal and the outbox."""
        self.outbox.mark_sent(item)
        if self._evidence is not None:
            self._evidence.clear()
        try:
            result = self._deliver(item)
        except ServiceRejected as error:
            if error.http_status == AUTHENTICATION_FAILED:
                return self._retry(item, attempts=item.attempts + 1, code=f"rejected:{error.reason}")
            self.outbox.record_rejection(item, _code(error.reason), self._take_evidence())
            self._notify()
            return "rejected"
        except ServiceError as error:
            return self._retry(item, attempts=item.attempts + 1, code=error.translation_key)
        self.outbox.record_answer(item, Answer.of(result), self._take_evidence())
        self._results[item.local_reference] = result
        self._notify()
        return "confirmed"

    def _deliver(self, item: PendingItem) -> TemporaryRegistrationResult | ListDecisionResult:
        request = item.request
        if isinstance(request, TemporaryRegistrationRequest):
            return self._transport.temporary_registration(
                request.iin,
                document_kind=request.document_kind,
                document_number=request.document_number,
                idempotency_key=item.idempotency_key,
            )
        assert isinstance(request, ListDecisionRequest)
        return self._transport.list_decision(
            request.iin,
            decision=request.decision,
            member_id=request.member_id,
            idempotency_key=item.idempotency_key,
            reason_code=request.reason_code,
            reason_text=request.reason_text,
        )

    def _retry(self, item: PendingItem, *, attempts: int, code: str) -> SendOutcome:
        log.warning("outbox: item %s not delivered (%s), retrying", item.local_reference, code)
        self.outbox.record_failure(item, _code(code), retry_at=self._clock() + self._backoff.delay(attempts))
        return "retry"

    def _take_evidence(self) -> Evidence | None:
        return None if self._evidence is None else self._evidence.take()

    def _notify(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _code(text: str) -> str:
    """A service-supplied reason made safe for the journal's code fields."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "_.:-") else "_" for c in text)[:80]
    if not cleaned or not cleaned[0].isalnum():
        cleaned = "x" + cleaned[:79]
    return cleaned

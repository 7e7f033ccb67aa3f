"""Performs the commission session's effects: the check, the decision through the outbox, the refusal's printing.

``kiosk.core.commission_session`` decides; :class:`CommissionDesk` does, and answers each effect with the event
the session expects. It is called off the UI thread (every call may wait on the network or the printer).

- The check asks the service with purpose "commission" and the member's id, and journals a ``check`` entry
  (outcome the check's status, reason where the registered address lies; codes only).
- A decision is queued in the outbox (durably, journalled, with its own idempotency key) and its codes in the
  :class:`~kiosk.commission_day.DecisionRegister`; the same ``decision_id`` performed twice is not queued
  again: the second call reports where the first one stands.
- The refusal is rendered, signed (PAdES) and sent to the document printer on A5.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Protocol

from asn1crypto import x509 as asn1_x509

from drivers.errors import DriverError
from drivers.keystore import KeyStore
from drivers.printer.receipt_printer import DocumentPrinter
from kiosk.commission_day import DecisionRegister
from kiosk.commission_documents import refusal_document
from kiosk.core.commission_session_events import (
    CheckAnswered,
    CheckFailed,
    DecisionAnswered,
    DecisionQueued,
    DecisionRejected,
    Printed,
    PrintFailed,
    PrintRefusal,
    RefusalLanguage,
    SendDecision,
    StartCheck,
)
from kiosk.core.iin import Iin
from kiosk.core.registration import ListDecisionResult, RegistrationCheck
from kiosk.egov.errors import ServiceError, ServiceRejected
from kiosk.errors import KioskError
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import ListDecisionRequest
from kiosk.journal.sender import Confirmed, OutboxSender, Queued, SubmitOutcome
from kiosk.printouts import Translate

_POLL_SECONDS = 0.02  # the sender's own condition is private; a short poll costs nothing next to a round trip


class CommissionCheckService(Protocol):
    """The registration check of the service client (``EgovClient`` has it)."""

    def registration_check(
        self, iin: Iin, *, purpose: str = "voter", member_id: str | None = None
    ) -> RegistrationCheck:
        """Where the voter is listed; with purpose "commission", also the registered address."""
        ...


class CommissionDesk:
    """The commission session's hands: service, outbox, journal, signing key and printer."""

    def __init__(
        self,
        *,
        service: CommissionCheckService,
        sender: OutboxSender,
        register: DecisionRegister,
        journal: Journal,
        keystore: KeyStore,
        certificate: asn1_x509.Certificate,
        printer: DocumentPrinter,
        translator_for: Callable[[RefusalLanguage], Translate],
        budget: float = 8.0,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._service = service
        self._sender = sender
        self._register = register
        self._journal = journal
        self._keystore = keystore
        self._certificate = certificate
        self._printer = printer
        self._translator_for = translator_for
        self._budget = budget
        self._clock = clock

    def check(self, effect: StartCheck) -> CheckAnswered | CheckFailed:
        """Run the commission's registration check and journal it."""
        try:
            check = self._service.registration_check(
                effect.identity.iin, purpose="commission", member_id=effect.member_id
            )
        except ServiceRejected as error:
            return CheckFailed(effect.request_id, error.translation_key, retryable=False)
        except ServiceError as error:
            return CheckFailed(effect.request_id, error.translation_key, retryable=True)
        self._journal.append("check", iin=effect.identity.iin, outcome=check.status, reason=_where(check))
        return CheckAnswered(effect.request_id, check)

    def send_decision(self, effect: SendDecision) -> DecisionAnswered | DecisionQueued | DecisionRejected:
        """Queue the decision (once per ``decision_id``), send it, and report where it stands."""
        local_reference = self._register.local_reference_for(effect.decision_id)
        if local_reference is not None:
            return _report(effect.request_id, self._sender.status(local_reference))
        draft = effect.draft
        request = ListDecisionRequest(
            effect.identity.iin, draft.decision, effect.member.member_id, draft.reason, draft.text
        )
        local_reference = self._sender.outbox.enqueue(request)
        self._register.record(effect.decision_id, local_reference, draft.decision, draft.reason, self._clock())
        self._sender.start()
        self._sender.wake()
        return _report(effect.request_id, self._wait(local_reference))

    def _wait(self, local_reference: str) -> SubmitOutcome:
        """Where the item stands once answered, or after ``budget`` seconds (then it is only queued)."""
        deadline = time.monotonic() + self._budget
        while True:
            outcome = self._sender.status(local_reference)
            if not isinstance(outcome, Queued) or time.monotonic() >= deadline:
                return outcome
            time.sleep(_POLL_SECONDS)

    def refusal_pdf(self, effect: PrintRefusal) -> bytes:
        """The signed refusal document of ``effect`` (also for the simulator's control panel and tests)."""
        return refusal_document(
            effect.record,
            language=effect.language,
            translate=self._translator_for(effect.language),
            keystore=self._keystore,
            certificate=self._certificate,
        )

    def print_refusal(self, effect: PrintRefusal) -> Printed | PrintFailed:
        """Sign the refusal and print it on A5."""
        try:
            pdf = self.refusal_pdf(effect)
            self._printer.print_pdf(pdf, paper="A5", kind="commission_refusal")
        except (DriverError, KioskError) as error:
            return PrintFailed(effect.request_id, error.translation_key)
        return Printed(effect.request_id)


def _where(check: RegistrationCheck) -> str:
    if check.registration is None:
        return "commission:no_registration"
    return "commission:inside" if check.registration.inside_boundaries else "commission:outside"


def _report(request_id: int, outcome: SubmitOutcome) -> DecisionAnswered | DecisionQueued | DecisionRejected:
    match outcome:
        case Confirmed(answer=answer, result=result):
            if not isinstance(result, ListDecisionResult):
                # Answered before a restart: the outbox kept the codes, not the full station description.
                result = ListDecisionResult(answer.outcome, answer.reference, None, answer.reason)  # type: ignore[arg-type]
            return DecisionAnswered(request_id, result)
        case Queued(local_reference=local_reference):
            return DecisionQueued(request_id, local_reference)
    return DecisionRejected(request_id, outcome.reason)

"""Everything the voter runtime needs, handed in once by the composition root (``VoterParts``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.card.channel import CardChannel, CardReader
from drivers.printer.receipt_printer import ReceiptPrinter
from drivers.scanner.code_scanner import CodeScanner
from drivers.speech.speaker import Speaker
from kiosk.core.identity import Identity
from kiosk.core.iin import Iin
from kiosk.core.registration import Language, RegistrationCheck, Station
from kiosk.documents.digital import DigitalDocumentService
from kiosk.i18n import Translator
from kiosk.journal.outbox import OutboxRequest
from kiosk.journal.sender import SubmitOutcome

IdentifyCard = Callable[[CardChannel, dt.date], Identity]
"""Reads and verifies the document on a card channel on the given day (``kiosk.documents.identify.identify_card``
with the configured trust bound in)."""

Post = Callable[[Callable[[], None]], None]
"""Runs a callable later on the thread that owns the session (the UI passes ``Clock.schedule_once``)."""


class RegistrationService(DigitalDocumentService, Protocol):
    """The service calls the voter runtime makes (``kiosk.egov.client.EgovClient`` has them)."""

    def registration_check(self, iin: Iin, *, purpose: str = "voter", member_id: str | None = None
                           ) -> RegistrationCheck:
        """Where the voter with ``iin`` is listed, seen from this station."""
        ...


class Submitter(Protocol):
    """Queues a change durably and waits a while for its answer (``kiosk.journal.sender.OutboxSender``)."""

    def submit(self, request: OutboxRequest, *, budget: float) -> SubmitOutcome:
        """Queue ``request``, then wait up to ``budget`` seconds for its verified answer."""
        ...


@dataclass(frozen=True, slots=True)
class VoterParts:
    """The voter runtime's parts. ``clock`` gives the station's local time (timezone-aware).

    ``key_seed`` is fresh randomness (at least 16 bytes) for the session's idempotency keys;
    ``document_issuers`` are the pinned digital-document issuer keys; ``scanner`` is None where the station
    has no camera or HID scanner.
    """

    client: RegistrationService
    card_reader: CardReader
    identify_card: IdentifyCard
    scanner: CodeScanner | None
    sender: Submitter
    printer: ReceiptPrinter
    speaker: Speaker
    translator: Callable[[Language], Translator]
    station: Station
    clock: Callable[[], dt.datetime]
    key_seed: bytes = field(repr=False)
    document_issuers: Mapping[str, ec.EllipticCurvePublicKey] = field(default_factory=dict)
    default_language: Language = "kk"
    registration_budget: float = 8.0
    tick_seconds: float = 1.0
    inactivity_limit: dt.timedelta = dt.timedelta(seconds=60)
    more_time_grace: dt.timedelta = dt.timedelta(seconds=30)

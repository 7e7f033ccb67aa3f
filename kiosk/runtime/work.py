"""The slow work of a voter session, done on a worker thread: each function returns the event that reports it.

Failures become events carrying the failing part's ``translation_key`` (never its message, never personal
data): the session decides what the voter sees. Service failures split as ``kiosk.core.voter_session_events``
describes: a refusal by the service (``ServiceRejected``) is ``ServiceRefused``; every other ``ServiceError`` is
``ServiceNotReached``. A fault nobody foresaw is reported as ``error.internal`` and logged by its class name only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.card.channel import CardChannel
from drivers.errors import DriverError
from drivers.printer.receipt_printer import ReceiptPrinter
from kiosk.core.identity import DocumentSource, Identity
from kiosk.core.registration import Station, TemporaryRegistrationResult
from kiosk.core.voter_session_effects import PrintJob
from kiosk.core.voter_session_events import (
    CheckAnswered,
    DocumentFailed,
    DocumentRead,
    Printed,
    PrintFailed,
    RegistrationAnswered,
    RegistrationQueued,
    ServiceNotReached,
    ServiceRefused,
    VoterEvent,
)
from kiosk.documents.digital import read_digital_document
from kiosk.egov.errors import ServiceError, ServiceRejected
from kiosk.errors import KioskError
from kiosk.i18n import Translator
from kiosk.journal.outbox import TemporaryRegistrationRequest
from kiosk.journal.sender import Confirmed, Queued, Rejected
from kiosk.runtime.parts import IdentifyCard, RegistrationService, Submitter
from kiosk.runtime.printing import printout_for

log = logging.getLogger(__name__)

INTERNAL_ERROR_KEY = "error.internal"
CARD_REMOVED_KEY = "card.removed"

# What the service calls each document source (simulator/egov/server.py DOCUMENT_KINDS, docs of the API).
SERVICE_DOCUMENT_KINDS: dict[DocumentSource, str] = {
    "id_card": "id_card",
    "emrtd": "passport",
    "digital_document": "digital_document",
    "typed_iin": "typed_iin",
}

def _service_failure(request_id: int, error: ServiceError) -> VoterEvent:
    if isinstance(error, ServiceRejected):
        return ServiceRefused(request_id, error.translation_key)
    return ServiceNotReached(request_id, error.translation_key)


def _unforeseen(what: str, error: BaseException) -> str:
    log.error("voter runtime: %s failed unexpectedly (%s)", what, type(error).__name__)
    return INTERNAL_ERROR_KEY


def read_card(request_id: int, channel: CardChannel | None, identify: IdentifyCard, today: dt.date) -> VoterEvent:
    """Read the document on ``channel`` (None: the card is already gone)."""
    if channel is None:
        return DocumentFailed(request_id, CARD_REMOVED_KEY)
    try:
        return DocumentRead(request_id, identify(channel, today))
    except (KioskError, DriverError) as error:
        return DocumentFailed(request_id, getattr(error, "translation_key", INTERNAL_ERROR_KEY))
    except Exception as error:  # a reader bug must become an error screen, not a frozen kiosk
        return DocumentFailed(request_id, _unforeseen("card read", error))


def read_code(request_id: int, payload: str, client: RegistrationService,
              issuers: Mapping[str, ec.EllipticCurvePublicKey], now: dt.datetime) -> VoterEvent:
    """Fetch and verify the digital document a scanned QR payload names."""
    try:
        return DocumentRead(request_id, read_digital_document(payload, client, issuers, now))
    except ServiceError as error:
        return _service_failure(request_id, error)
    except KioskError as error:
        return DocumentFailed(request_id, error.translation_key)
    except Exception as error:
        return DocumentFailed(request_id, _unforeseen("digital document read", error))


def check_registration(request_id: int, identity: Identity, client: RegistrationService) -> VoterEvent:
    """Ask the registration service where the voter is listed."""
    try:
        return CheckAnswered(request_id, client.registration_check(identity.iin))
    except ServiceError as error:
        return _service_failure(request_id, error)
    except Exception as error:
        return ServiceNotReached(request_id, _unforeseen("registration check", error))


def register_temporarily(request_id: int, identity: Identity, sender: Submitter, budget: float) -> VoterEvent:
    """Queue the temporary registration in the outbox, then wait up to ``budget`` seconds for the answer.

    The outbox gives the item its own idempotency key when it is queued, so however often it is resent the
    service creates one registration; this function submits once per consent.
    """
    request = TemporaryRegistrationRequest(iin=identity.iin, document_kind=SERVICE_DOCUMENT_KINDS[identity.source],
                                           document_number=identity.document_number or "")
    try:
        outcome = sender.submit(request, budget=budget)
    except KioskError as error:
        # The outbox could not even store it: nothing is on its way, so this is not "queued".
        log.error("voter runtime: the outbox refused a registration (%s)", error.translation_key)
        return ServiceRefused(request_id, error.translation_key)
    match outcome:
        case Confirmed(result=TemporaryRegistrationResult() as result):
            return RegistrationAnswered(request_id, result)
        case Queued() | Confirmed():
            return RegistrationQueued(request_id)
        case Rejected():
            return ServiceRefused(request_id, "service.rejected")


def print_job(request_id: int, job: PrintJob, printer: ReceiptPrinter, translate: Translator,
              station: Station) -> VoterEvent:
    """Lay ``job`` out in the voter's language and print it."""
    try:
        printer.print(printout_for(job, translate, station))
    except (KioskError, DriverError) as error:
        return PrintFailed(request_id, getattr(error, "translation_key", INTERNAL_ERROR_KEY))
    except Exception as error:
        return PrintFailed(request_id, _unforeseen("printing", error))
    return Printed(request_id)

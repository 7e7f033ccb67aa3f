"""Turns the voter session's ``PrintJob`` (plain data) into the ``Printout`` the printer lays out.

The session knows why it prints; ``kiosk.printouts`` knows how a receipt and a slip look. A registration the
outbox holds but the service has not confirmed has no service reference yet, so it is never printed as a
registration receipt: the voter gets the commission's slip saying the service could not confirm it.
"""

from __future__ import annotations

from typing import Final

from drivers.printer.printout import Printout
from kiosk.core.registration import Station
from kiosk.core.voter_session_effects import PrintJob
from kiosk.core.voter_session_states import AskReason
from kiosk.printouts import SlipReason, Translate, ask_commission_slip, temporary_registration_receipt

# Which slip text says best why the session sent the voter to the commission (kiosk/printouts.py SlipReason).
SLIP_REASONS: Final[dict[AskReason, SlipReason]] = {
    "not_listed": "not_listed",
    "not_eligible": "not_eligible",
    "registration_refused": "not_listed",
    "registration_queued": "service_unavailable",
    "receipt_not_printed": "service_unavailable",
    "service_unreachable": "service_unavailable",
    "service_refused": "service_unavailable",
    "document_unreadable": "service_unavailable",
    "card_removed": "service_unavailable",
    "invalid_iin": "service_unavailable",
}


def printout_for(job: PrintJob, translate: Translate, station: Station) -> Printout:
    """The printout for ``job`` at ``station`` (this kiosk's), in ``job.language`` through ``translate``."""
    masked_iin = job.masked_iin or ""  # printouts mask again; an already masked IIN stays as it is
    if job.kind == "temporary_registration_receipt" and job.outcome == "created" and job.reference:
        return temporary_registration_receipt(translate=translate, language=job.language, station=station,
                                              iin=masked_iin, reference=job.reference, printed_at=job.issued_at)
    reason: SlipReason = "service_unavailable" if job.reason is None else SLIP_REASONS[job.reason]
    return ask_commission_slip(translate=translate, language=job.language, station=station, iin=masked_iin,
                               reason=reason, printed_at=job.issued_at, reference=job.reference)

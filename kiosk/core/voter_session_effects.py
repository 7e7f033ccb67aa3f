"""What the caller must do after a voter-session transition: plain data, performed outside kiosk.core.

Work the caller starts (a document read, a check, a registration, a print job) carries a ``request_id``; the
caller reports the outcome with an event carrying the same number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from kiosk.core.identity import Identity
from kiosk.core.registration import Language, Localized
from kiosk.core.voter_session_states import AskReason, DocumentKind, ReceiptOutcome

PrintKind = Literal["temporary_registration_receipt", "commission_slip"]


@dataclass(frozen=True, slots=True)
class Speak:
    """Say the text ``translation_key`` (with ``params`` filled in) in ``language``."""

    translation_key: str
    params: tuple[tuple[str, str], ...]
    language: Language


@dataclass(frozen=True, slots=True)
class StartDocumentRead:
    """Read a document: the inserted ID card, or the digital document named by ``code_payload`` (a QR code)."""

    request_id: int
    kind: DocumentKind
    code_payload: str | None = None

    def __repr__(self) -> str:
        return f"StartDocumentRead(request_id={self.request_id}, kind={self.kind})"


@dataclass(frozen=True, slots=True)
class StartCheck:
    """Run the registration check for ``identity`` at this station."""

    request_id: int
    identity: Identity


@dataclass(frozen=True, slots=True)
class StartTemporaryRegistration:
    """Write the temporary registration to the outbox with ``idempotency_key``, then send it."""

    request_id: int
    identity: Identity
    idempotency_key: str

    def __repr__(self) -> str:
        return f"StartTemporaryRegistration(request_id={self.request_id}, identity={self.identity!r})"


@dataclass(frozen=True, slots=True)
class PrintJob:
    """What goes on a printed receipt or slip, in the voter's language; the IIN only masked."""

    kind: PrintKind
    language: Language
    station_number: int
    station_address: Localized
    issued_at: dt.datetime
    masked_iin: str | None
    reference: str | None = None
    outcome: ReceiptOutcome | None = None
    reason: AskReason | None = None
    desk: int | None = None


@dataclass(frozen=True, slots=True)
class Print:
    """Print ``job``; report :class:`~kiosk.core.voter_session_events.Printed` or ``PrintFailed``."""

    request_id: int
    job: PrintJob


@dataclass(frozen=True, slots=True)
class WipePersonalData:
    """Clear every personal datum held outside the session: widgets, view properties, readers' buffers."""


Effect = Speak | StartDocumentRead | StartCheck | StartTemporaryRegistration | Print | WipePersonalData

"""What the dock can do, as plain methods returning JSON values: the server only routes requests here.

Every action works on the simulated parts the kiosk app was handed (its card slot, its code scanner, its printer,
its speaker's history) and on the simulated service through its control endpoints. Methods block (making a card
signs certificates, issuing a QR code is an HTTPS call): the server runs them off its event loop, one at a time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from simulator.cards.world import (
    CARD_PROFILES,
    EMRTD_FAULTS,
    ID_CARD_FAULTS,
    CardProfile,
    CardWorldError,
    card_for,
)
from simulator.dock.card_slots import CardSlot
from simulator.dock.errors import DockRequestError
from simulator.dock.service_control import ServiceControl
from simulator.dock.spoken import SpokenLine
from simulator.dock.voters import CATEGORY_LABELS, parse_category, sample, summary, valid_iin
from simulator.egov.faults import FAULT_KINDS
from simulator.printer import SimPrinter, SimPrintJob
from simulator.scanner import SimCodeScanner

MAX_EVENTS: Final = 50
MAX_SPOKEN: Final = 50
MAX_QR_TEXT: Final = 4000
MEMBER_CARD_PIN: Final = "1234"  # the simulated commission member card's PIN (shown on the dock's button)
MEMBER_CARD_IIN: Final = "850714400420"  # a valid IIN for the simulated member (not a registry voter)

JobFile = Literal["pdf", "png"]


SpokenHistory = Callable[[], Sequence[SpokenLine]]
"""Everything the kiosk's speaker has said so far, oldest first."""


@dataclass(frozen=True, slots=True)
class InsertedCard:
    """The card the dock last put in the slot."""

    iin: str
    profile: CardProfile
    faults: tuple[str, ...]
    mrz: tuple[str, ...]
    inserted_at: float


class DockControls:
    """The dock's actions and state, over the kiosk's simulated parts.

    ``home`` is the simulator's state directory (its registry and card issuers), ``station`` the kiosk's.
    ``printer`` and ``spoken`` are optional so the dock also runs beside a kiosk without them.
    """

    def __init__(
        self,
        *,
        home: Path,
        station: int,
        slot: CardSlot,
        scanner: SimCodeScanner,
        service: ServiceControl,
        printer: SimPrinter | None = None,
        spoken: SpokenHistory | None = None,
    ) -> None:
        self._home = home
        self._station = station
        self._slot = slot
        self._scanner = scanner
        self._service = service
        self._printer = printer
        self._spoken = spoken
        self._lock = threading.Lock()
        self._card: InsertedCard | None = None
        self._events: deque[dict[str, Any]] = deque(maxlen=MAX_EVENTS)

    @property
    def registry(self) -> Path:
        """The simulated registry."""
        return self._home / "registry.sqlite"

    # --- voters ---------------------------------------------------------------------------------------

    def voters(self, category: object, limit: int = 8) -> list[dict[str, Any]]:
        """Sample voters of ``category`` at this kiosk's station."""
        chosen = parse_category(category)
        return [voter.as_json() for voter in sample(self.registry, chosen, station=self._station, limit=limit)]

    def voter(self, iin: object) -> dict[str, Any]:
        """Who a typed IIN is (a registry voter, or a valid IIN nobody has)."""
        return summary(self.registry, valid_iin(iin)).as_json()

    # --- cards ----------------------------------------------------------------------------------------

    def insert_card(self, iin: object, profile: object, faults: object = ()) -> dict[str, Any]:
        """Make ``profile``'s card for ``iin`` with ``faults`` and put it in the slot (replacing any card)."""
        person = valid_iin(iin)
        if profile not in CARD_PROFILES:
            raise DockRequestError(400, "unknown_profile",
                                   f"unknown card profile; expected one of {', '.join(CARD_PROFILES)}")
        fault_names = _string_list(faults, "faults")
        try:
            simulated = card_for(self._home, person, profile, fault_names)
        except CardWorldError as error:
            raise DockRequestError(400, "card", str(error)) from None
        with self._lock:
            self._slot.insert(simulated)
            self._card = InsertedCard(person, simulated.details.profile, tuple(fault_names),
                                      simulated.details.mrz_lines, time.time())
            self._event("card inserted", f"{simulated.details.profile} for {person}"
                        + (f" with {', '.join(fault_names)}" if fault_names else ""))
        return self.card_state()

    def insert_member_card(self, role: object = "chair") -> dict[str, Any]:
        """Put a commission member card (PIN :data:`MEMBER_CARD_PIN`) of ``role`` in the slot (commission mode)."""
        from simulator.cards.member_card import SimMemberCard  # noqa: PLC0415  (cards load when first made)
        from simulator.cards.national_pki import COMMISSION_ROLE_UNITS, Person  # noqa: PLC0415
        from simulator.cards.world import SimulatedCard, document_details, prepare_card_issuers  # noqa: PLC0415

        if role not in COMMISSION_ROLE_UNITS:  # so the role below is one of the Literal's values
            raise DockRequestError(400, "unknown_role",
                                   f"unknown commission role; expected one of {', '.join(COMMISSION_ROLE_UNITS)}")
        details = document_details(self._home, MEMBER_CARD_IIN, "id-card", today=dt.date.today())
        person = Person(iin=details.iin, surname=details.surname, given_name=details.given_name,
                        patronymic=details.patronymic)
        credential = prepare_card_issuers(self._home).national_pki.issue_commission_member_certificate(
            person, role=role)
        card = SimMemberCard.issue_member(credential, pin=MEMBER_CARD_PIN)
        with self._lock:
            self._slot.insert(SimulatedCard(card=card, details=details, faults=(), remove_after_apdus=None))
            self._card = InsertedCard(details.iin, "id-card", ("member-card",), (), time.time())
            self._event("member card inserted", f"{role}, PIN {MEMBER_CARD_PIN}")
        return self.card_state()

    def remove_card(self) -> dict[str, Any]:
        """Take the card out of the slot."""
        with self._lock:
            self._slot.remove()
            if self._card is not None:
                self._event("card removed", self._card.profile)
            self._card = None
        return self.card_state()

    def card_state(self) -> dict[str, Any]:
        """The slot, whether a card is in it, and which card the dock put there."""
        present = self._slot.card_present()
        card = self._card
        return {
            "slot": self._slot.kind,
            "reader": self._slot.reader_name,
            "present": present,
            "card": None if card is None else {
                "iin": card.iin, "profile": card.profile, "faults": list(card.faults), "mrz": list(card.mrz),
                "inserted_at": _iso(card.inserted_at), "pulled_out_by_fault": not present,
            },
        }

    # --- digital documents ----------------------------------------------------------------------------

    def show_digital_document(
        self, iin: object, *, valid_for_seconds: object = None, document_expiry: object = None
    ) -> dict[str, Any]:
        """Issue a one-time code for ``iin`` through the service and hold its QR code up to the scanner."""
        person = valid_iin(iin)
        seconds = _optional_int(valid_for_seconds, "valid_for_seconds")
        expiry = _optional_date(document_expiry, "document_expiry")
        issued = self._service.issue_digital_document(person, valid_for_seconds=seconds, document_expiry=expiry)
        payload = issued.get("qr_payload")
        if not isinstance(payload, str):
            raise DockRequestError(502, "service_answer", "the simulated service issued no QR payload")
        self._scanner.show(payload)
        self._event("QR shown", f"digital document of {person}, code valid until {issued.get('expires_at')}")
        return {"iin": person, "qr_payload": payload, "expires_at": issued.get("expires_at"),
                "waiting": self._scanner.waiting}

    def show_qr_text(self, text: object) -> dict[str, Any]:
        """Hold up a QR code of any text (a foreign code, garbage, an expired payload copied earlier)."""
        if not isinstance(text, str) or not text or len(text) > MAX_QR_TEXT:
            raise DockRequestError(400, "invalid_text", f"send 1..{MAX_QR_TEXT} characters of text")
        try:
            self._scanner.show(text)
        except ValueError as error:
            raise DockRequestError(400, "invalid_text", str(error)) from None
        self._event("QR shown", f"{len(text)} characters of text")
        return {"waiting": self._scanner.waiting}

    # --- service faults -------------------------------------------------------------------------------

    def faults(self) -> dict[str, Any]:
        """The service's injected faults now."""
        return self._service.faults()

    def set_faults(self, settings: object, *, clear: bool = False) -> dict[str, Any]:
        """Change service faults (``latency_ms`` and the probabilities of :data:`FAULT_KINDS`)."""
        if not isinstance(settings, dict):
            raise DockRequestError(400, "invalid_faults", "send the fault settings as a JSON object")
        answer = self._service.set_faults(settings, clear=clear)
        active = [name for name, value in answer.items() if value]
        self._event("service faults", ", ".join(f"{name}={answer[name]}" for name in active) or "none")
        return answer

    # --- printer and speech ---------------------------------------------------------------------------

    def printer_state(self) -> dict[str, Any] | None:
        """The printer's status and its jobs, newest first (None without a printer)."""
        if self._printer is None:
            return None
        return {"status": self._printer.status(),
                "jobs": [_job_json(job) for job in reversed(self._printer.jobs)]}

    def set_printer(self, *, online: object = None, paper: object = None) -> dict[str, Any] | None:
        """Switch the printer on/off line (``online`` bool) and load paper or run out (``paper`` "load"/"out")."""
        printer = self._require_printer()
        if online is not None:
            if not isinstance(online, bool):
                raise DockRequestError(400, "invalid_printer", "online must be true or false")
            printer.set_online(online)
        if paper is not None:
            if paper == "load":
                printer.load_paper(None)
            elif paper == "out":
                printer.run_out_of_paper()
            else:
                raise DockRequestError(400, "invalid_printer", "paper must be 'load' or 'out'")
        self._event("printer", printer.status())
        return self.printer_state()

    def job_file(self, job_id: str, kind: JobFile) -> Path:
        """The PDF or PNG file of one printed job (only files of recorded jobs are ever served)."""
        printer = self._require_printer()
        for job in printer.jobs:
            if job.job_id == job_id:
                path = job.pdf_path if kind == "pdf" else job.png_path
                if path is not None and path.is_file():
                    return path
        raise DockRequestError(404, "no_such_file", "no such printed file")

    def spoken(self) -> list[dict[str, str]]:
        """The last things the kiosk said, newest first."""
        if self._spoken is None:
            return []
        lines = list(self._spoken())[-MAX_SPOKEN:]
        return [{"language": line.language, "text": line.text} for line in reversed(lines)]

    # --- everything at once ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """What the page shows: station, card, scanner, printer, speech and the dock's recent actions."""
        return {
            "station": self._station,
            "categories": [{"name": name, "label": label} for name, label in CATEGORY_LABELS.items()],
            "profiles": list(CARD_PROFILES),
            "card_faults": {"id-card": [*ID_CARD_FAULTS, "removed-after-N"],
                            "emrtd": [*EMRTD_FAULTS, "removed-after-N"]},
            "service_fault_kinds": ["latency_ms", *FAULT_KINDS],
            "card": self.card_state(),
            "scanner": {"waiting": self._scanner.waiting},
            "printer": self.printer_state(),
            "spoken": self.spoken(),
            "events": list(reversed(self._events)),
        }

    def _require_printer(self) -> SimPrinter:
        if self._printer is None:
            raise DockRequestError(404, "no_printer", "this kiosk has no simulated printer")
        return self._printer

    def _event(self, what: str, detail: str) -> None:
        self._events.append({"at": _iso(time.time()), "what": what, "detail": detail})


def _job_json(job: SimPrintJob) -> dict[str, Any]:
    return {"job_id": job.job_id, "kind": job.kind, "source": job.source,
            "pdf": f"printer/jobs/{job.job_id}.pdf",
            "png": None if job.png_path is None else f"printer/jobs/{job.job_id}.png",
            "file": job.pdf_path.name}


def _string_list(value: object, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise DockRequestError(400, f"invalid_{name}", f"{name} must be a list of names")
    return [str(item) for item in value if item]


def _optional_int(value: object, name: str) -> int | None:
    if value is None or value == "":
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise DockRequestError(400, f"invalid_{name}", f"{name} must be a whole number")
    return value


def _optional_date(value: object, name: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise DockRequestError(400, f"invalid_{name}", f"{name} must be a date YYYY-MM-DD") from None


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="seconds")

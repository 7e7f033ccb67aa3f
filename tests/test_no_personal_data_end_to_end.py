"""Leak test, end to end without the UI (issue 7, item 6).

Voters go through the real session state machine (``kiosk.core.voter_session.next_state``) whose effects are
performed by the voter runtime's own work functions (``kiosk.runtime.work``) over the real parts: the signed
client against the simulated service, the outbox and its sender over the journal, and the simulator's
printer (PDF and PNG files). A commission decision goes through the outbox as well. Python logging is
captured at DEBUG for every logger; the service writes its own log file.

Then every log record, the service's log, the journal with its WAL and head, the station secret's folder,
new temporary files, and the text of every printout (``pdftotext``) are searched for the IINs, names,
document numbers and addresses used. None may appear, except on the documents meant to carry them: a
receipt or slip carries the station's address, the IIN masked to its last four digits, and never a name.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from support.ci import require_program
from support.egov import RunningService

from drivers.keystore.keyfile import FileKeyStore
from kiosk.core.identity import REQUIRED_CHECKS, Identity, typed_iin_identity
from kiosk.core.iin import parse_iin
from kiosk.core.registration import Station
from kiosk.core.voter_session import next_state
from kiosk.core.voter_session_effects import (
    Effect,
    Print,
    Speak,
    StartCheck,
    StartDocumentRead,
    StartTemporaryRegistration,
)
from kiosk.core.voter_session_events import (
    AskCommissionChosen,
    CardInserted,
    ConsentGiven,
    DigitTyped,
    DocumentRead,
    Finish,
    IinSubmitted,
    LanguageChosen,
    MethodChosen,
    TemporaryRegistrationChosen,
    VoterEvent,
)
from kiosk.core.voter_session_events import Confirmed as VoterConfirmed
from kiosk.core.voter_session_states import SessionContext, VoterSession, start_session
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.i18n.translator import translator
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import ListDecisionRequest, Outbox
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import Backoff, Confirmed, OutboxSender
from kiosk.runtime import work
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters
from simulator.printer import SimPrinter

POLICY = RetryPolicy(attempts=2, connect_timeout=1.0, read_timeout=3.0, deadline=6.0, backoff=0.05)
REGISTRATION_BUDGET = 10.0
NOW = dt.datetime(2026, 3, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
MAX_STEPS = 60
COMMISSION_NOTE = "Проживает: улица Абая, дом 12, кв. 5"


@dataclass
class Voter:
    """A registry voter as the test knows them: what must not leak."""

    iin: str
    names: list[str]
    address: list[str]
    document_number: str


@dataclass
class Kiosk:
    """The real parts one kiosk uses, in a temporary state directory."""

    state: Path
    client: EgovClient
    sender: OutboxSender
    journal: Journal
    printer: SimPrinter
    station: Station
    printed: list[Path] = field(default_factory=list)


def registry_voter(service: RunningService, iin: str, index: int) -> Voter:
    """Names and home address of ``iin`` from the registry's SQLite file."""
    connection = sqlite3.connect(service.paths.database)
    try:
        names = connection.execute("SELECT surname, given_name, patronymic FROM voters WHERE iin = ?",
                                   (iin,)).fetchone()
        address = connection.execute(
            "SELECT a.text_kk, a.text_ru, a.text_en FROM voters v JOIN addresses a ON a.id = v.address_id"
            " WHERE v.iin = ?", (iin,)).fetchone()
    finally:
        connection.close()
    return Voter(iin, [name for name in names if name], [text for text in address or () if text],
                 f"N{index:07d}Q")


@pytest.fixture
def kiosk(service: RunningService, tmp_path: Path) -> Iterator[Kiosk]:
    """A kiosk with its journal, outbox, sender and simulated printer in ``tmp_path``."""
    service.set_faults(clear=True)
    config = service.config
    key: FileKeyStore = open_device_key(config)  # type: ignore[assignment]
    journal = Journal.open(tmp_path / "journal" / "journal.sqlite3", signer=key,
                           secret=load_or_create_secret(tmp_path / "secrets" / "station-secret"),
                           head_path=tmp_path / "journal" / "journal.sqlite3.head")
    evidence = ResponseEvidence()
    client = EgovClient(base_url=config.service.base_url, signer=key, service_keys=config.service.service_keys,
                        ca_file=str(config.service.ca_file), station=config.station, policy=POLICY,
                        session=evidence.install(requests.Session()))
    sender = OutboxSender(Outbox(journal), client, evidence=evidence, backoff=Backoff(initial=0.1, maximum=0.5))
    printer = SimPrinter(tmp_path / "printouts")
    made = Kiosk(tmp_path, client, sender, journal, printer, client.station_info())
    yield made
    sender.stop()
    client.close()
    journal.close()


class Walk:
    """A voter session driven by events; its effects performed by the runtime's work functions."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.kiosk = kiosk
        context = SessionContext(station=kiosk.station, key_seed=bytes(range(32)), default_language="ru")
        self.session: VoterSession = start_session(context, NOW)
        self.now = NOW
        self.identity: Identity | None = None
        self.printed = 0
        self.spoken: list[str] = []

    def send(self, event: VoterEvent) -> None:
        """Send a voter's event, then perform every effect until the session waits for the voter again."""
        queue: list[VoterEvent] = [event]
        steps = 0
        while queue:
            steps += 1
            assert steps < MAX_STEPS, "the session did not settle"
            self.now += dt.timedelta(seconds=1)
            transition = next_state(self.session, queue.pop(0), self.now)
            self.session = transition.state
            for effect in transition.effects:
                produced = self.perform(effect)
                if produced is not None:
                    queue.append(produced)

    def perform(self, effect: Effect) -> VoterEvent | None:
        """What the runtime would do for ``effect``; the event it reports back, if any."""
        language = self.session.language
        if isinstance(effect, Speak):  # the speaker's text: kept to search it like a printout
            self.spoken.append(translator(language)(effect.translation_key, **dict(effect.params)))
            return None
        if isinstance(effect, StartDocumentRead):  # the card reader's verified identity (its reading is tested
            assert self.identity is not None      # with the simulated cards elsewhere)
            return DocumentRead(effect.request_id, self.identity)
        if isinstance(effect, StartCheck):
            return work.check_registration(effect.request_id, effect.identity, self.kiosk.client)
        if isinstance(effect, StartTemporaryRegistration):
            return work.register_temporarily(effect.request_id, effect.identity, self.kiosk.sender,
                                             REGISTRATION_BUDGET)
        if isinstance(effect, Print):
            before = {job.pdf_path for job in self.kiosk.printer.jobs}
            event = work.print_job(effect.request_id, effect.job, self.kiosk.printer, translator(language),
                                   self.kiosk.station)
            self.kiosk.printed += [job.pdf_path for job in self.kiosk.printer.jobs if job.pdf_path not in before]
            return event
        return None  # WipePersonalData: the session itself forgets; nothing else holds the data here

    @property
    def screen(self) -> str:
        """The current screen's class name."""
        return type(self.session.screen).__name__


def card_voter(kiosk: Kiosk, voter: Voter) -> Walk:
    """A voter who identifies with the ID card (the reader's identity carries names and document number)."""
    walk = Walk(kiosk)
    walk.identity = Identity(iin=parse_iin(voter.iin), source="id_card", checks_passed=REQUIRED_CHECKS["id_card"],
                             surname=voter.names[0], given_names=" ".join(voter.names[1:]) or None,
                             document_number=voter.document_number)
    walk.send(LanguageChosen("ru"))
    walk.send(MethodChosen("card"))
    walk.send(CardInserted())
    return walk


def keypad_voter(kiosk: Kiosk, voter: Voter) -> Walk:
    """A voter who types the IIN."""
    walk = Walk(kiosk)
    walk.identity = typed_iin_identity(parse_iin(voter.iin))
    walk.send(LanguageChosen("kk"))
    walk.send(MethodChosen("keypad"))
    for digit in voter.iin:
        walk.send(DigitTyped(digit))
    walk.send(IinSubmitted())
    return walk


def pdf_text(path: Path) -> str:
    """The text of a printed PDF."""
    finished = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True, timeout=30)
    return finished.stdout


def find(values: list[str], texts: dict[str, str], files: list[Path]) -> list[str]:
    """Where any of ``values`` appears (by place and index, never the value itself)."""
    found = []
    for name, content in texts.items():
        found += [f"{name}: value {index}" for index, value in enumerate(values) if value and value in content]
    for path in files:
        data = path.read_bytes()
        found += [f"{path}: value {index}" for index, value in enumerate(values)
                  if value and value.encode("utf-8") in data]
    return found


def test_voter_and_commission_flows_leak_no_personal_data(
    service: RunningService, kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    require_program("pdftotext", "poppler-utils")
    caplog.set_level(logging.DEBUG)  # every logger, at DEBUG
    temporary_before = set(Path(tempfile.gettempdir()).iterdir())
    database = service.paths.database
    listed = sample_voters(database, "listed_here", 30, station=service.station)[-1]
    elsewhere = sample_voters(database, "listed_elsewhere", 30, station=service.station)[-1]
    not_listed = sample_voters(database, "not_listed", 40, station=service.station)[-3:]
    unregistered = sample_voters(database, "no_registration", 60)[-2:]
    voters = [registry_voter(service, iin, index) for index, iin in
              enumerate([listed, elsewhere, *not_listed, *unregistered])]
    by_iin = {voter.iin: voter for voter in voters}

    # 1. Listed here, by card; 2. listed elsewhere, typed.
    walk = card_voter(kiosk, by_iin[listed])
    assert walk.screen == "Answer"
    walk.send(Finish())
    walk = keypad_voter(kiosk, by_iin[elsewhere])
    assert walk.screen == "Answer"
    walk.send(Finish())
    # 3. Not listed here (has an address elsewhere): sent to the commission with a printed slip.
    walk = card_voter(kiosk, by_iin[not_listed[0]])
    walk.send(AskCommissionChosen())
    walk.send(Finish())
    # 4. No registration: temporary registration through the outbox, with a printed receipt.
    receipts = 0
    for iin in unregistered:
        walk = card_voter(kiosk, by_iin[iin])
        assert walk.screen == "Answer"
        walk.send(TemporaryRegistrationChosen())
        walk.send(ConsentGiven())
        walk.send(VoterConfirmed())
        assert walk.screen == "RegistrationReceipt", walk.screen
        receipts += 1
        walk.send(Finish())
    # 5. The commission includes one voter and refuses another with a free-text note naming an address.
    for iin, decision in ((not_listed[1], "include"), (not_listed[2], "refuse")):
        request = ListDecisionRequest(parse_iin(iin), decision, "member-7",  # type: ignore[arg-type]
                                      "outside_boundaries" if decision == "refuse" else None,
                                      COMMISSION_NOTE if decision == "refuse" else None)
        assert isinstance(kiosk.sender.submit(request, budget=REGISTRATION_BUDGET), Confirmed)

    assert len(kiosk.printed) >= receipts + 1, "every receipt and the slip were printed"
    wal_files = [path for path in kiosk.state.rglob("*-wal")]
    assert wal_files, "the journal's WAL is searched while it still holds the recent entries"
    secret_values = [value for voter in voters for value in (voter.iin, *voter.names, voter.document_number)]
    addresses = [text for voter in voters for text in voter.address] + [COMMISSION_NOTE, "улица Абая"]
    state_files = [path for path in kiosk.state.rglob("*") if path.is_file() and path.suffix not in (".pdf", ".png")]
    assert find(secret_values + addresses, {}, state_files) == []  # while running (WAL not checkpointed)
    kiosk.sender.stop()
    kiosk.journal.close()

    # Printouts: the station's address and a masked IIN only; no name, no full IIN, no home address.
    printout_texts = {str(path): pdf_text(path) for path in kiosk.printed}
    assert find(secret_values + addresses, printout_texts, []) == []
    station_address = kiosk.station.address.ru.split(",")[0]
    for text in printout_texts.values():
        assert station_address in text or kiosk.station.address.kk.split(",")[0] in text
        assert "••••" in text or any(voter.iin[-4:] in text for voter in voters)  # the masked IIN

    server_log = service.paths.root / "server.log"
    logs = {"captured records": "\n".join(record.getMessage() for record in caplog.records),
            "captured text": caplog.text, "spoken": "\n".join(walk.spoken)}
    state_files = [path for path in kiosk.state.rglob("*") if path.is_file() and path.suffix not in (".pdf", ".png")]
    new_temporary = [path for path in Path(tempfile.gettempdir()).iterdir()
                     if path not in temporary_before and path.is_file()]
    assert server_log.exists(), "the service writes its log file there"
    files = state_files + new_temporary + [server_log]
    assert caplog.records, "the flows logged something (the capture works)"
    assert find(secret_values + addresses, logs, files) == []


def test_the_search_finds_planted_personal_data(tmp_path: Path) -> None:
    planted = tmp_path / "planted.log"
    planted.write_text("registered 900115300018 Сейткали at улица Абая")
    assert find(["900115300018", "Сейткали"], {"log": "nothing personal"}, [planted]) == [
        f"{planted}: value 0", f"{planted}: value 1"]
    assert find(["улица Абая"], {"log": "at улица Абая"}, [planted]) == ["log: value 0", f"{planted}: value 0"]

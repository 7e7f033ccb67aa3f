"""The commission desk's world for tests: the real simulated service, an in-process member reader holding a
``SimMemberCard`` (PIN :data:`PIN`), an optional second reader for voters, the simulated scanner and printer.

Imported by the commission runtime tests and the commission UI tests (their conftest puts this directory on the
path).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import requests
from asn1crypto import x509 as asn1_x509
from runtime_world import ManualClock
from support.egov import RunningService

from drivers.card.channel import CardChannel
from drivers.keystore import KeyStore
from kiosk.commission_day import DecisionRegister
from kiosk.commission_desk import CommissionDesk
from kiosk.commission_documents import self_issued_device_certificate
from kiosk.core.commission_auth import AuthPolicy
from kiosk.core.identity import Identity
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from kiosk.documents.identify import identify_card
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.i18n import translator
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import Outbox
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import Backoff, OutboxSender
from kiosk.runtime.commission import CommissionParts, member_card_reader
from kiosk.wiring import open_device_key
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.member_card import SimMemberCard
from simulator.cards.national_pki import CommissionRole, Person, SimNationalPki
from simulator.cards.world import card_for, insert_in_process, prepare_card_issuers
from simulator.egov.population import VoterCategory, sample_voters
from simulator.printer import SimPrinter
from simulator.scanner import SimCodeScanner

QUICK = RetryPolicy(attempts=1, connect_timeout=1.0, read_timeout=3.0, deadline=4.0, backoff=0.05)
PIN = "1234"
MEMBER = Person(iin="850714400420", surname="Жұмабаева", given_name="Әсел", patronymic="Серікқызы")
# Short delays, so the tests see them grow without waiting: the injected clock moves them on.
POLICY = AuthPolicy(delays=(dt.timedelta(0), dt.timedelta(seconds=2), dt.timedelta(seconds=5)),
                    lockout_after=4, lockout_duration=dt.timedelta(minutes=15),
                    inactivity_limit=dt.timedelta(minutes=5))


@dataclass
class CommissionWorld:
    """One commission desk under test, with the controls a test needs."""

    service: RunningService
    client: EgovClient
    journal: Journal
    sender: OutboxSender
    register: DecisionRegister
    desk: CommissionDesk
    keystore: KeyStore
    certificate: asn1_x509.Certificate
    pki: SimNationalPki
    member_reader: InProcessCardReader
    voter_reader: InProcessCardReader
    scanner: SimCodeScanner
    printer: SimPrinter
    clock: ManualClock
    export_directory: Path
    parts: CommissionParts = field(init=False)

    def __post_init__(self) -> None:
        trust = self.service.config.document_trust()

        def identify(channel: CardChannel, today: dt.date) -> Identity:
            return identify_card(channel, trust, today=today)

        self.parts = CommissionParts(
            member_reader=self.member_reader,
            read_member=member_card_reader(SIMULATOR_PROFILE, self.pki.commission_ca.certificate, None),
            desk=self.desk, register=self.register, journal=self.journal, summary_printer=self.printer,
            keystore=self.keystore, certificate=self.certificate, export_directory=self.export_directory,
            station=self.client.station_info(), translator=translator, clock=self.clock, documents=self.client,
            scanner=self.scanner, document_issuers=self.service.config.document_issuers, auth_policy=POLICY,
            tick_seconds=0.2,
        )

    def with_voter_reader(self) -> CommissionParts:
        """The same desk with a second card reader for voters' ID cards."""
        trust = self.service.config.document_trust()

        def identify(channel: CardChannel, today: dt.date) -> Identity:
            return identify_card(channel, trust, today=today)

        return replace(self.parts, voter_reader=self.voter_reader, identify_card=identify)

    def member_card(self, *, role: CommissionRole = "chair", pin_tries: int = 10) -> SimMemberCard:
        """A fresh member card (PIN :data:`PIN`)."""
        credential = self.pki.issue_commission_member_certificate(MEMBER, role=role)
        return SimMemberCard.issue_member(credential, pin=PIN, pin_tries=pin_tries)

    def insert_member_card(self, card: SimMemberCard | None = None) -> SimMemberCard:
        """Put a member card into the member reader."""
        chosen = card or self.member_card()
        self.member_reader.insert(chosen)
        return chosen

    def insert_voter_card(self, iin: str) -> None:
        """Put the voter's national ID card into the voters' reader."""
        insert_in_process(self.voter_reader, card_for(self.service.paths.root, iin, "id-card"))

    def voter(self, category: VoterCategory, *, here: bool = True) -> str:
        """A voter of ``category``; ``here``: registered inside this station's boundaries, else outside."""
        candidates = sample_voters(self.service.paths.database, category, 200,
                                   station=self.service.station if here else None)
        if not here:
            inside = set(sample_voters(self.service.paths.database, category, 10_000, station=self.service.station))
            candidates = [iin for iin in candidates if iin not in inside]
        return random.choice(candidates)

    def outbox_items(self) -> int:
        """How many items the outbox holds (each decision queued once)."""
        return len(self.sender.outbox.statuses())

    def close(self) -> None:
        """Stop the sender, close the journal and the client."""
        self.member_reader.remove()
        self.voter_reader.remove()
        self.sender.stop(timeout=2)
        self.scanner.close()
        self.journal.close()
        self.client.close()


@contextmanager
def commission_world(service: RunningService, directory: Path) -> Iterator[CommissionWorld]:
    """A fresh commission desk (journal, outbox, register, devices) talking to ``service``."""
    config = service.config
    keystore = open_device_key(config)
    journal = Journal.open(directory / "journal" / "journal.sqlite3", signer=keystore,
                           secret=load_or_create_secret(directory / "secret" / "station-secret"))
    evidence = ResponseEvidence()
    client = EgovClient(base_url=config.service.base_url, signer=keystore, service_keys=config.service.service_keys,
                        ca_file=str(config.service.ca_file), station=config.station, policy=QUICK,
                        session=evidence.install(requests.Session()))
    sender = OutboxSender(Outbox(journal), client, evidence=evidence, backoff=Backoff(initial=0.05, maximum=0.2))
    register = DecisionRegister(journal)
    certificate = self_issued_device_certificate(keystore, station=config.station)
    printer = SimPrinter(directory / "printer")
    desk = CommissionDesk(service=client, sender=sender, register=register, journal=journal, keystore=keystore,
                          certificate=certificate, printer=printer,
                          translator_for=translator, budget=6.0)
    world = CommissionWorld(
        service=service, client=client, journal=journal, sender=sender, register=register, desk=desk,
        keystore=keystore, certificate=certificate, pki=prepare_card_issuers(service.paths.root).national_pki,
        member_reader=InProcessCardReader("Member slot"), voter_reader=InProcessCardReader("Voter slot"),
        scanner=SimCodeScanner(), printer=printer, clock=ManualClock(), export_directory=directory / "export")
    try:
        yield world
    finally:
        world.close()

"""The voter runtime's world for tests: real simulated service, in-process card reader, simulated devices.

Imported by the runtime tests (their directory is on the path) and by the UI tests (their conftest adds it).
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from support.egov import RunningService

from drivers.card.channel import CardChannel
from drivers.keystore.keyfile import FileKeyStore
from kiosk.core.identity import Identity
from kiosk.core.registration import Station
from kiosk.documents.identify import identify_card
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.i18n import translator
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import Outbox
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import Backoff, OutboxSender
from kiosk.runtime.parts import VoterParts
from kiosk.wiring import service_client
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.world import card_for, insert_in_process
from simulator.egov.population import VoterCategory, sample_voters
from simulator.printer import SimPrinter
from simulator.scanner import SimCodeScanner
from simulator.speech import SimSpeaker

QUICK = RetryPolicy(attempts=2, connect_timeout=1.0, read_timeout=2.5, deadline=4.0, backoff=0.05)
ALMATY = dt.timezone(dt.timedelta(hours=5))


class ManualClock:
    """The station's local time, moved on by the test."""

    def __init__(self) -> None:
        self._now = dt.datetime.now(ALMATY)
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``."""
        with self._lock:
            self._now += dt.timedelta(seconds=seconds)


class QueuedPoster:
    """A ``post`` for tests: reports wait in a queue until the test's thread runs them."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Callable[[], None]] = queue.Queue()

    def __call__(self, callback: Callable[[], None]) -> None:
        self._queue.put(callback)

    def run_pending(self) -> int:
        """Run what is queued now; return how many."""
        ran = 0
        while True:
            try:
                callback = self._queue.get_nowait()
            except queue.Empty:
                return ran
            callback()
            ran += 1

    def run_until(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        """Run reports as they come until ``condition`` holds; AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError("the runtime did not reach the expected state in time")
            try:
                callback = self._queue.get(timeout=min(remaining, 0.05))
            except queue.Empty:
                continue
            callback()


@dataclass
class VoterWorld:
    """The parts of one kiosk under test, with the controls a test needs."""

    service: RunningService
    client: EgovClient
    reader: InProcessCardReader
    scanner: SimCodeScanner
    printer: SimPrinter
    speaker: SimSpeaker
    clock: ManualClock
    sender: OutboxSender
    journal: Journal
    station: Station
    parts: VoterParts = field(init=False)

    def __post_init__(self) -> None:
        trust = self.service.config.document_trust()

        def identify(channel: CardChannel, today: dt.date) -> Identity:
            return identify_card(channel, trust, today=today)

        self.parts = VoterParts(
            client=self.client, card_reader=self.reader, identify_card=identify, scanner=self.scanner,
            sender=self.sender, printer=self.printer, speaker=self.speaker, translator=translator,
            station=self.station, clock=self.clock, key_seed=bytes(range(32)),
            document_issuers=self.service.config.document_issuers, registration_budget=3.0,
        )

    def voter(self, category: VoterCategory, index: int = 0) -> str:
        """The IIN of the ``index``-th voter of ``category`` as seen from this station."""
        iins = sample_voters(self.service.paths.database, category, index + 1, station=self.service.station)
        return iins[index]

    def insert_card(self, iin: str, faults: tuple[str, ...] = ()) -> None:
        """Insert the national ID card of ``iin`` (with card faults such as ``removed-after-3``)."""
        insert_in_process(self.reader, card_for(self.service.paths.root, iin, "id-card", faults))

    def without_temporary_registration(self) -> VoterParts:
        """The same parts at a station that does not offer temporary registration."""
        return replace(self.parts, station=replace(self.station, offers_temporary_registration=False))

    def close(self) -> None:
        """Stop the sender, close the journal and the client."""
        self.sender.stop(timeout=2)
        self.speaker.close()
        self.scanner.close()
        self.journal.close()
        self.client.close()


@contextmanager
def voter_world(service: RunningService, directory: Path) -> Iterator[VoterWorld]:
    """A fresh kiosk (journal, outbox, devices) talking to ``service``."""
    client = service_client(service.config, policy=QUICK)
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    journal = Journal.open(directory / "journal.sqlite3", signer=key,
                           secret=load_or_create_secret(directory / "station-secret"),
                           head_path=directory / "journal.sqlite3.head")
    sender = OutboxSender(Outbox(journal), client, backoff=Backoff(initial=0.2, maximum=1.0))
    world = VoterWorld(service=service, client=client, reader=InProcessCardReader(), scanner=SimCodeScanner(),
                       printer=SimPrinter(directory / "printer"), speaker=SimSpeaker(directory / "speech"),
                       clock=ManualClock(),
                       sender=sender, journal=journal, station=client.station_info())
    try:
        yield world
    finally:
        world.close()


def personal_data_paths(root: object, needles: tuple[str, ...], *, skip: frozenset[str] = frozenset(),
                        limit: int = 200_000) -> list[str]:
    """Where under ``root`` (attributes, slots, items) a string holding one of ``needles`` is reachable.

    Attribute names in ``skip`` are not followed (the devices a runtime was handed hold their own state).
    """
    found: list[str] = []
    seen: set[int] = set()
    stack: list[tuple[object, str]] = [(root, "root")]
    while stack and len(seen) < limit:
        value, path = stack.pop()
        if isinstance(value, str):
            if any(needle in value for needle in needles):
                found.append(path)
            continue
        if isinstance(value, bytes | int | float | bool | type(None)) or (callable(value) and not hasattr(
                value, "__dict__")) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            stack.extend((item, f"{path}[{key!r}]") for key, item in value.items())
            stack.extend((key, f"{path}.key") for key in value)
            continue
        if isinstance(value, list | tuple | set | frozenset):
            stack.extend((item, f"{path}[{index}]") for index, item in enumerate(value))
            continue
        if isinstance(value, threading.Thread | type(threading.Lock())) or type(value).__module__ in (
                "threading", "queue", "concurrent.futures.thread"):
            continue
        names: list[str] = list(getattr(value, "__dict__", {}))
        for klass in type(value).__mro__:
            names.extend(getattr(klass, "__slots__", ()))
        for name in names:
            if name in skip or name.startswith("__"):
                continue
            try:
                attribute = getattr(value, name)
            except AttributeError:
                continue
            stack.append((attribute, f"{path}.{name}"))
    return found

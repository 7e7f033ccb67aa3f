"""Network faults against the real simulated service (issue 7, item 4).

Every fault the simulator injects (latency below and far beyond the client's deadline, dropped connections,
5xx bursts, unsigned, wrongly signed and replayed answers, and a seeded random mix) is aimed at the three
kinds of question: registration checks, temporary registrations (through the outbox sender) and list
decisions. For every call the tests assert that:

- an answer the client returns is the registry's truth, read from its SQLite file (a wrong answer is counted
  and must stay at 0);
- a call without an answer ends within the policy's deadline with a typed ``ServiceError`` whose translation
  key is in the catalogues;
- when the fault ends, the same client (and the same outbox sender) recovers without help.

Real waiting stays short: a 30-second outage is simulated by latency far larger than the short policy's
timeouts. The figures (faults injected, calls made, wrong answers) are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import logging
import random
import secrets
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from support.egov import RunningService, start_service

from kiosk.core.iin import Iin, parse_iin
from kiosk.core.registration import RegistrationCheck
from kiosk.egov import models
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.egov.errors import (
    ResponseNotTrusted,
    ServiceError,
    ServiceTimeout,
    ServiceUnavailable,
    ServiceUnreachable,
)
from kiosk.i18n.catalogues import compiled
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import ListDecisionRequest, Outbox, TemporaryRegistrationRequest
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import Backoff, Confirmed, OutboxSender, Queued, SubmitOutcome
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters
from simulator.egov.registry import Registry

# Short enough that a fault costs about two seconds of real time, long enough for a loaded CI machine.
SHORT = RetryPolicy(attempts=3, connect_timeout=0.5, read_timeout=0.8, deadline=2.0, backoff=0.05)
# How late a failing call may end: the deadline plus one scheduling slice of a busy machine.
DEADLINE_SLACK = 0.5
OUTAGE_MS = 30_000  # the "latency up to 30 s": far beyond every timeout of SHORT
MIXED_SEED = 20260301
MIXED_ROUNDS = 24
SUBMIT_BUDGET = 1.0
RECOVERY_BUDGET = 20.0


@dataclass
class Tally:
    """What this module did: printed at the end for the lead's report."""

    faults_injected: int = 0
    calls: int = 0
    answers: int = 0
    typed_errors: int = 0
    wrong_answers: int = 0
    by_fault: dict[str, int] = field(default_factory=dict)

    def injected(self, kind: str, count: int) -> None:
        """Count ``count`` requests that met fault ``kind``."""
        self.faults_injected += count
        self.by_fault[kind] = self.by_fault.get(kind, 0) + count


TALLY = Tally()


class CountingSession(requests.Session):
    """A session that counts the HTTP requests it sends (each is one attempt that can meet a fault)."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        """Count, then send."""
        self.sent += 1
        return super().send(request, **kwargs)


class FailedAttempts(logging.Handler):
    """Counts the client's 'attempt failed' warnings: in a random mix, each is a fault that struck."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count one failed attempt."""
        if "attempt" in record.getMessage():
            self.count += 1


@pytest.fixture(scope="module")
def faulty_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """A service of this module's own (faults are per process; voters used here are used by nobody else)."""
    running = start_service(tmp_path_factory.mktemp("egov-faults"), voters=4000, stations=4, seed=71)
    yield running
    running.stop()
    print(
        f"\nnetwork faults: {TALLY.faults_injected} faults injected {TALLY.by_fault}; {TALLY.calls} calls, "
        f"{TALLY.answers} answers, {TALLY.typed_errors} typed errors, wrong answers shown: {TALLY.wrong_answers}"
    )


@pytest.fixture(autouse=True)
def faults_off(faulty_service: RunningService) -> Iterator[None]:
    """Every test starts and ends with the faults switched off."""
    faulty_service.set_faults(clear=True)
    yield
    faulty_service.set_faults(clear=True)


@pytest.fixture
def session() -> CountingSession:
    """The client's HTTP session, counting attempts."""
    return CountingSession()


@pytest.fixture
def client(faulty_service: RunningService, session: CountingSession) -> Iterator[EgovClient]:
    """A client with the short policy, signing with the service's enrolled simulated kiosk key."""
    config = faulty_service.config
    made = EgovClient(
        base_url=config.service.base_url,
        signer=open_device_key(config),
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=SHORT,
        session=session,
    )
    yield made
    made.close()


@pytest.fixture
def sender(faulty_service: RunningService, client: EgovClient, tmp_path: Path) -> Iterator[OutboxSender]:
    """An outbox sender over a fresh journal, retrying quickly."""
    journal = Journal.open(
        tmp_path / "journal.sqlite3",
        signer=open_device_key(faulty_service.config),
        secret=load_or_create_secret(tmp_path / "station-secret"),
        head_path=tmp_path / "journal.sqlite3.head",
    )
    made = OutboxSender(Outbox(journal), client, backoff=Backoff(initial=0.1, factor=2.0, maximum=0.5))
    yield made
    made.stop()
    journal.close()


# --- the registry's truth ------------------------------------------------------------------------------------


class Voters:
    """Hands out voters of a category that no test of this module has used yet."""

    def __init__(self, service: RunningService) -> None:
        self._service = service
        self._taken: set[str] = set()

    def take(self, category: str, *, here: bool = True) -> Iin:
        """A fresh voter of ``category`` (at the kiosk's station when ``here``)."""
        station = self._service.station if here else None
        for iin in sample_voters(self._service.paths.database, category, 2000, station=station):  # type: ignore[arg-type]
            if iin not in self._taken:
                self._taken.add(iin)
                return parse_iin(iin)
        raise AssertionError(f"no unused voter of category {category} is left")


@pytest.fixture(scope="module")
def voters(faulty_service: RunningService) -> Voters:
    """The module's supply of unused voters."""
    return Voters(faulty_service)


def true_check(service: RunningService, iin: Iin) -> RegistrationCheck:
    """What the registry's SQLite file says a voter check from the kiosk's station must answer."""
    registry = Registry(service.paths.database)
    try:
        return models.registration_check(registry.registration_check(iin.value, service.station, for_commission=False))
    finally:
        registry.close()


def _rows(service: RunningService, query: str, *parameters: object) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(service.paths.database)
    try:
        return connection.execute(query, parameters).fetchall()
    finally:
        connection.close()


def registrations_of(service: RunningService, iin: Iin) -> list[tuple[str, int]]:
    """The registry's temporary registrations of ``iin``: (reference, station)."""
    return [(str(reference), int(station)) for reference, station in _rows(
        service, "SELECT reference, station_number FROM temporary_registrations WHERE iin = ?", iin.value)]


def decisions_of(service: RunningService, iin: Iin) -> list[tuple[str, str]]:
    """The registry's list decisions about ``iin``: (decision number as the service words it, decision)."""
    return [(f"LD-{station}-{number:05d}", str(decision)) for number, station, decision in _rows(
        service, "SELECT decision_number, station_number, decision FROM list_decisions WHERE iin = ?", iin.value)]


# --- what every call must satisfy ------------------------------------------------------------------------------


TRANSLATED = compiled("en").singular_keys & compiled("kk").singular_keys & compiled("ru").singular_keys


def assert_typed_and_in_time(error: BaseException, started: float) -> ServiceError:
    """A failed call: a typed service error with a translated message, within the deadline."""
    elapsed = time.monotonic() - started
    assert isinstance(error, ServiceError), f"untyped error {type(error).__name__}"
    assert error.translation_key in TRANSLATED, error.translation_key
    assert elapsed <= SHORT.deadline + DEADLINE_SLACK, f"{elapsed:.2f} s is past the deadline"
    TALLY.typed_errors += 1
    return error


def checked(service: RunningService, client: EgovClient, iin: Iin) -> RegistrationCheck | ServiceError:
    """Ask once; an answer is compared with the registry's truth, a failure with the error contract."""
    TALLY.calls += 1
    started = time.monotonic()
    try:
        answer = client.registration_check(iin)
    except Exception as error:
        return assert_typed_and_in_time(error, started)
    assert time.monotonic() - started <= SHORT.deadline + DEADLINE_SLACK
    TALLY.answers += 1
    if answer != true_check(service, iin):
        TALLY.wrong_answers += 1
        raise AssertionError("the client returned an answer that is not the registry's truth")
    return answer


# --- registration checks ---------------------------------------------------------------------------------------


CHECK_FAULTS: dict[str, dict[str, Any]] = {
    "latency_beyond_deadline": {"latency_ms": OUTAGE_MS},
    "connection_reset": {"drop": 1.0},
    "server_error_burst": {"error": 1.0},
    "unsigned": {"unsigned": 1.0},
    "bad_signature": {"bad_signature": 1.0},
    "replay": {"replay": 1.0},
}
EXPECTED_ERROR: dict[str, type[ServiceError]] = {
    "latency_beyond_deadline": ServiceTimeout,
    "connection_reset": ServiceUnreachable,
    "server_error_burst": ServiceUnavailable,
    "unsigned": ResponseNotTrusted,
    "bad_signature": ResponseNotTrusted,
    "replay": ResponseNotTrusted,
}


@pytest.mark.parametrize("fault", list(CHECK_FAULTS))
def test_a_check_under_a_fault_fails_typed_in_time_then_recovers(
    faulty_service: RunningService, client: EgovClient, session: CountingSession, voters: Voters, fault: str
) -> None:
    listed, elsewhere = voters.take("listed_here"), voters.take("listed_elsewhere")
    assert checked(faulty_service, client, elsewhere).status == "listed_elsewhere"  # type: ignore[union-attr]
    faulty_service.set_faults(**CHECK_FAULTS[fault])
    before = session.sent
    for iin in (listed, elsewhere, voters.take("under_age"), voters.take("not_listed")):
        outcome = checked(faulty_service, client, iin)
        assert isinstance(outcome, EXPECTED_ERROR[fault]), f"{fault}: {outcome!r}"
    TALLY.injected(fault, session.sent - before)
    assert session.sent - before >= 4  # every call met the fault at least once
    faulty_service.set_faults(clear=True)
    assert checked(faulty_service, client, listed).status == "listed_here"  # type: ignore[union-attr]
    assert checked(faulty_service, client, elsewhere).status == "listed_elsewhere"  # type: ignore[union-attr]


def test_latency_inside_the_deadline_still_answers(
    faulty_service: RunningService, client: EgovClient, voters: Voters
) -> None:
    faulty_service.set_faults(latency_ms=int(SHORT.read_timeout * 1000 * 0.6))
    for category in ("listed_here", "listed_elsewhere", "not_listed", "under_age"):
        outcome = checked(faulty_service, client, voters.take(category))
        assert isinstance(outcome, RegistrationCheck), repr(outcome)
    TALLY.injected("latency_inside_deadline", 4)


def test_half_the_requests_dropped_or_failing_never_gives_a_wrong_answer(
    faulty_service: RunningService, client: EgovClient, voters: Voters
) -> None:
    counter = FailedAttempts()
    logging.getLogger("kiosk.egov.client").addHandler(counter)
    try:
        faulty_service.set_faults(drop=0.25, error=0.25)
        outcomes = [checked(faulty_service, client, voters.take(category))
                    for category in ("listed_here", "listed_elsewhere", "not_listed", "under_age") * 3]
    finally:
        logging.getLogger("kiosk.egov.client").removeHandler(counter)
    TALLY.injected("drop_or_error_half", counter.count)
    assert counter.count > 0  # the faults did strike
    assert any(isinstance(outcome, RegistrationCheck) for outcome in outcomes)  # retries get answers through


# --- temporary registrations through the outbox ----------------------------------------------------------------


def wait_confirmed(sender: OutboxSender, local_reference: str) -> Confirmed:
    """Wait (bounded) for the background sender to confirm an item by itself."""
    deadline = time.monotonic() + RECOVERY_BUDGET
    while time.monotonic() < deadline:
        outcome = sender.status(local_reference)
        if isinstance(outcome, Confirmed):
            return outcome
        sender.wake()
        time.sleep(0.05)
    raise AssertionError("the outbox did not deliver the item after the fault ended")


def assert_registration_true(service: RunningService, iin: Iin, outcome: Confirmed) -> None:
    """A confirmed registration names the registry's one registration of this voter."""
    rows = registrations_of(service, iin)
    if len(rows) != 1 or outcome.answer.outcome != "created" or outcome.answer.reference != rows[0][0]:
        TALLY.wrong_answers += 1
        raise AssertionError(f"registry holds {len(rows)} registrations; the kiosk was told {outcome.answer}")
    assert rows[0][1] == service.station


def submit_timed(sender: OutboxSender, request: TemporaryRegistrationRequest | ListDecisionRequest) -> SubmitOutcome:
    """Submit with the screen's budget; the screen gets its answer (confirmed or honestly queued) in time."""
    TALLY.calls += 1
    started = time.monotonic()
    outcome = sender.submit(request, budget=SUBMIT_BUDGET)
    # The budget bounds the wait; one attempt already under way may finish its own deadline first.
    assert time.monotonic() - started <= SUBMIT_BUDGET + SHORT.deadline + DEADLINE_SLACK
    return outcome


@pytest.mark.parametrize("fault", list(CHECK_FAULTS))
def test_a_registration_under_a_fault_is_queued_then_made_exactly_once(
    faulty_service: RunningService, sender: OutboxSender, session: CountingSession, voters: Voters, fault: str
) -> None:
    if fault == "replay":  # give the replay fault an earlier registration answer to send back
        warm = submit_timed(sender, TemporaryRegistrationRequest(voters.take("no_registration"), "id_card", "W1"))
        assert isinstance(warm, Confirmed)
    iins = [voters.take("no_registration") for _ in range(2)]
    faulty_service.set_faults(**CHECK_FAULTS[fault])
    before = session.sent
    outcomes = [submit_timed(sender, TemporaryRegistrationRequest(iin, "id_card", f"N{index:07d}"))
                for index, iin in enumerate(iins)]
    assert all(isinstance(outcome, Queued) for outcome in outcomes), outcomes  # honest: not yet confirmed
    TALLY.injected(f"registration_{fault}", session.sent - before)
    time.sleep(0.3)  # the sender keeps trying under the fault
    faulty_service.set_faults(clear=True)
    for iin, outcome in zip(iins, outcomes, strict=True):
        assert_registration_true(faulty_service, iin, wait_confirmed(sender, outcome.local_reference))
    for status in sender.outbox.statuses():
        assert status.state == "confirmed"
    # Under the 30 s latency the delayed originals are still asleep in the server: when they wake they carry
    # the same idempotency keys and get the same answers, creating nothing.


def test_a_registration_retried_after_its_answer_was_lost_is_not_made_twice(
    faulty_service: RunningService, client: EgovClient, session: CountingSession, voters: Voters
) -> None:
    """Answers lost to a timeout, then the resend with the same key: one registration, the true reference.

    Whether the timed-out originals reach the registry depends on the server (aiohttp drops a request whose
    connection closed before its body was read); either way there is at most one registration before the
    resend and exactly one after it.
    """
    iin = voters.take("no_registration")
    key = secrets.token_hex(16)
    faulty_service.set_faults(latency_ms=int(SHORT.read_timeout * 1000) + 400)
    before = session.sent
    TALLY.calls += 1
    started = time.monotonic()
    with pytest.raises(ServiceError) as raised:
        client.temporary_registration(iin, document_kind="passport", document_number="P1", idempotency_key=key)
    assert_typed_and_in_time(raised.value, started)
    TALLY.injected("registration_answer_lost", session.sent - before)
    faulty_service.set_faults(clear=True)
    time.sleep(0.6)  # the delayed originals wake up (and are dropped or answered idempotently)
    assert len(registrations_of(faulty_service, iin)) <= 1
    TALLY.calls += 1
    again = client.temporary_registration(iin, document_kind="passport", document_number="P1", idempotency_key=key)
    TALLY.answers += 1
    rows = registrations_of(faulty_service, iin)
    if len(rows) != 1 or again.outcome != "created" or again.reference != rows[0][0]:
        TALLY.wrong_answers += 1
        raise AssertionError("the resend did not get the registry's one registration")


# --- list decisions ----------------------------------------------------------------------------------------


def decide_until_answered(
    service: RunningService, client: EgovClient, iin: Iin, key: str, *, budget: float
) -> tuple[int, Any]:
    """Send one decision with one idempotency key until a verified answer comes; return failures and answer."""
    failures = 0
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        TALLY.calls += 1
        started = time.monotonic()
        try:
            answer = client.list_decision(iin, decision="include", member_id="M-3", idempotency_key=key)
        except Exception as error:
            assert_typed_and_in_time(error, started)
            failures += 1
            continue
        TALLY.answers += 1
        return failures, answer
    return failures, None


def assert_decision_true(service: RunningService, iin: Iin, answer: Any) -> None:
    """An inclusion answer names the registry's one decision; the voter is now listed here."""
    rows = decisions_of(service, iin)
    if len(rows) != 1 or answer.outcome != "included" or answer.decision_number != rows[0][0]:
        TALLY.wrong_answers += 1
        raise AssertionError(f"registry holds {len(rows)} decisions; the kiosk was told {answer.outcome}")


@pytest.mark.parametrize("fault", list(CHECK_FAULTS))
def test_a_list_decision_under_a_fault_fails_typed_then_is_recorded_once(
    faulty_service: RunningService, client: EgovClient, session: CountingSession, voters: Voters, fault: str
) -> None:
    if fault == "replay":  # an earlier decision answer for the replay fault to send back
        failures, warm = decide_until_answered(faulty_service, client, voters.take("not_listed"),
                                               secrets.token_hex(16), budget=5)
        assert warm is not None and failures == 0
    iin, key = voters.take("not_listed"), secrets.token_hex(16)
    faulty_service.set_faults(**CHECK_FAULTS[fault])
    before = session.sent
    failures, answer = decide_until_answered(faulty_service, client, iin, key, budget=SHORT.deadline * 1.5)
    assert answer is None and failures >= 1
    TALLY.injected(f"decision_{fault}", session.sent - before)
    faulty_service.set_faults(clear=True)
    _, answer = decide_until_answered(faulty_service, client, iin, key, budget=5)
    assert answer is not None
    assert_decision_true(faulty_service, iin, answer)
    assert checked(faulty_service, client, iin).status == "listed_here"  # type: ignore[union-attr]


def test_list_decisions_through_the_outbox_survive_a_reset_burst(
    faulty_service: RunningService, sender: OutboxSender, session: CountingSession, voters: Voters
) -> None:
    iins = [voters.take("not_listed") for _ in range(3)]
    faulty_service.set_faults(drop=1.0)
    before = session.sent
    outcomes = [submit_timed(sender, ListDecisionRequest(iin, "include", "M-4")) for iin in iins]
    assert all(isinstance(outcome, Queued) for outcome in outcomes)
    TALLY.injected("decision_outbox_drop", session.sent - before)
    faulty_service.set_faults(clear=True)
    for iin, outcome in zip(iins, outcomes, strict=True):
        confirmed = wait_confirmed(sender, outcome.local_reference)
        rows = decisions_of(faulty_service, iin)
        if len(rows) != 1 or confirmed.answer.reference != rows[0][0]:
            TALLY.wrong_answers += 1
            raise AssertionError("the outbox's decision is not the registry's one decision")


# --- a seeded random mix -----------------------------------------------------------------------------------


MIXES: list[tuple[str, dict[str, Any]]] = [
    ("none", {}),
    ("latency_beyond_deadline", {"latency_ms": OUTAGE_MS}),
    ("latency_inside_deadline", {"latency_ms": 300}),
    ("random_mix", {"drop": 0.2, "error": 0.2, "unsigned": 0.1, "bad_signature": 0.1, "replay": 0.1}),
    *((name, settings) for name, settings in CHECK_FAULTS.items() if name != "latency_beyond_deadline"),
]


def test_a_seeded_mix_of_faults_on_all_three_questions(
    faulty_service: RunningService, client: EgovClient, sender: OutboxSender, session: CountingSession,
    voters: Voters,
) -> None:
    rng = random.Random(MIXED_SEED)
    counter = FailedAttempts()
    logging.getLogger("kiosk.egov.client").addHandler(counter)
    queued: list[tuple[Iin, str]] = []
    decided: list[tuple[Iin, str]] = []
    try:
        for _ in range(MIXED_ROUNDS):
            _mix_name, settings = rng.choice(MIXES)
            faulty_service.set_faults(clear=True, **settings)
            question = rng.choice(("check", "registration", "decision"))
            if question == "check":
                checked(faulty_service, client, voters.take(rng.choice(("listed_here", "listed_elsewhere",
                                                                        "not_listed", "under_age"))))
            elif question == "registration":
                iin = voters.take("no_registration")
                outcome = submit_timed(sender, TemporaryRegistrationRequest(iin, "passport", "M0000001"))
                if isinstance(outcome, Confirmed):
                    assert_registration_true(faulty_service, iin, outcome)
                queued.append((iin, outcome.local_reference))
            else:
                iin, key = voters.take("not_listed"), secrets.token_hex(16)
                _, answer = decide_until_answered(faulty_service, client, iin, key, budget=SHORT.deadline)
                if answer is not None:
                    assert_decision_true(faulty_service, iin, answer)
                decided.append((iin, key))
    finally:
        logging.getLogger("kiosk.egov.client").removeHandler(counter)
    TALLY.injected("seeded_mix", counter.count)
    faulty_service.set_faults(clear=True)
    for iin, local_reference in queued:
        assert_registration_true(faulty_service, iin, wait_confirmed(sender, local_reference))
    for iin, key in decided:
        _, answer = decide_until_answered(faulty_service, client, iin, key, budget=5)
        assert answer is not None
        assert_decision_true(faulty_service, iin, answer)
    assert session.sent > MIXED_ROUNDS

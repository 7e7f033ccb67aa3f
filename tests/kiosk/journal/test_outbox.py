"""The outbox against the real simulated service: queued before sending, confirmed with evidence, resent after
failures, reconciled by idempotency key, honest about what is only queued."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import JournalPlace
from support.egov import RunningService

from kiosk.core.iin import make_iin, parse_iin
from kiosk.core.registration import ListDecisionResult, TemporaryRegistrationResult
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.egov.errors import ServiceRejected
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import ListDecisionRequest, Outbox, TemporaryRegistrationRequest
from kiosk.journal.sender import Backoff, Confirmed, OutboxSender, Queued, Rejected
from kiosk.journal.verify import verify
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters

QUICK = RetryPolicy(attempts=1, connect_timeout=1.0, read_timeout=1.5, deadline=2.0, backoff=0.05)


pytestmark = pytest.mark.usefixtures("no_faults")


@pytest.fixture
def kiosk_place(service: RunningService, tmp_path: Path) -> JournalPlace:
    """A journal signed by the service's enrolled simulated device key."""
    key = open_device_key(service.config)
    return JournalPlace(tmp_path / "j" / "journal.sqlite3", tmp_path / "j" / "journal.sqlite3.head",
                        tmp_path / "s" / "secret", key)


@pytest.fixture
def parts(service: RunningService, kiosk_place: JournalPlace) -> Iterator[tuple[Journal, OutboxSender, EgovClient]]:
    journal = kiosk_place.open()
    evidence = ResponseEvidence()
    config = service.config
    client = EgovClient(
        base_url=config.service.base_url, signer=kiosk_place.key, service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file), station=config.station, policy=QUICK,
        session=evidence.install(requests.Session()),
    )
    sender = OutboxSender(Outbox(journal), client, evidence=evidence, backoff=Backoff(initial=0.05, maximum=0.2))
    yield journal, sender, client
    sender.stop()
    client.close()
    journal.close()


def _voter(service: RunningService, category: str) -> str:
    """A voter of ``category`` still in it (the session's service is shared: pick at random among the first 40)."""
    candidates = sample_voters(service.paths.database, category, 40, station=service.station)  # type: ignore[arg-type]
    return random.choice(candidates)


def _registrations(service: RunningService, iin: str) -> int:
    connection = sqlite3.connect(service.paths.database)
    try:
        count = connection.execute("SELECT COUNT(*) FROM temporary_registrations WHERE iin = ?", (iin,)).fetchone()
        return int(count[0])
    finally:
        connection.close()


def test_submit_confirms_with_the_service_reference_and_evidence(
    service: RunningService, parts: tuple[Journal, OutboxSender, EgovClient], kiosk_place: JournalPlace
) -> None:
    journal, sender, _ = parts
    iin = _voter(service, "no_registration")
    outcome = sender.submit(TemporaryRegistrationRequest(parse_iin(iin), "id_card", "N0000001"), budget=10)
    assert isinstance(outcome, Confirmed)
    assert outcome.answer.outcome == "created" and outcome.answer.reference
    assert isinstance(outcome.result, TemporaryRegistrationResult)
    assert outcome.result.reference == outcome.answer.reference
    kinds = [entry.content.kind for entry in journal.entries()]
    assert kinds[-3:] == ["temporary_registration_queued", "temporary_registration_sent",
                          "temporary_registration_confirmed"]
    confirmed = journal.entries()[-1].content
    assert confirmed.reference == outcome.answer.reference
    assert confirmed.evidence is not None and confirmed.evidence.content_digest.startswith("sha-256=")
    assert confirmed.evidence.signature.startswith("egov=")
    assert _registrations(service, iin) == 1
    assert verify(kiosk_place.journal_path, kiosk_place.key.public_key()).ok


def test_resend_of_an_answered_item_returns_the_original_reference(
    service: RunningService, parts: tuple[Journal, OutboxSender, EgovClient]
) -> None:
    _, sender, client = parts
    iin = _voter(service, "no_registration")
    local_reference = sender.outbox.enqueue(TemporaryRegistrationRequest(parse_iin(iin), "id_card", "N0000002"))
    (item,) = sender.outbox.due()
    # The service records the item, then the kiosk "crashes" before recording the answer.
    first = client.temporary_registration(item.request.iin, document_kind="id_card",
                                          document_number="N0000002", idempotency_key=item.idempotency_key)
    assert sender.send(item) == "confirmed"
    status = sender.outbox.status(local_reference)
    assert status.state == "confirmed" and status.answer is not None
    assert status.answer.reference == first.reference
    assert _registrations(service, iin) == 1


def test_unreachable_service_queues_honestly_and_recovers(
    service: RunningService, parts: tuple[Journal, OutboxSender, EgovClient]
) -> None:
    _, sender, _ = parts
    iin = _voter(service, "no_registration")
    service.set_faults(drop=1.0)
    outcome = sender.submit(TemporaryRegistrationRequest(parse_iin(iin), "id_card", "N0000003"), budget=1.0)
    assert isinstance(outcome, Queued)
    assert isinstance(sender.status(outcome.local_reference), Queued)
    service.set_faults(clear=True)
    sender.wake()
    for _ in range(100):
        final = sender.status(outcome.local_reference)
        if isinstance(final, Confirmed):
            break
        time.sleep(0.1)
    assert isinstance(final, Confirmed) and final.answer.outcome == "created"
    assert _registrations(service, iin) == 1
    assert sender.outbox.status(outcome.local_reference).attempts > 1
    failures = [e for e in sender.outbox.journal.entries() if e.content.kind == "service_error"]
    assert failures and failures[-1].content.reason == "service.unreachable"


def test_verified_business_refusal_is_confirmed_and_not_resent(
    service: RunningService, parts: tuple[Journal, OutboxSender, EgovClient]
) -> None:
    _, sender, _ = parts
    iin = _voter(service, "not_listed")  # has a permanent registration: refused
    outcome = sender.submit(TemporaryRegistrationRequest(parse_iin(iin), "id_card", "N0000004"), budget=10)
    assert isinstance(outcome, Confirmed) and outcome.answer.outcome == "refused"
    assert sender.outbox.due(now=1e12) == []


def test_list_decision_goes_through_the_outbox(
    service: RunningService, parts: tuple[Journal, OutboxSender, EgovClient]
) -> None:
    journal, sender, _ = parts
    iin = _voter(service, "not_listed")
    request = ListDecisionRequest(parse_iin(iin), "refuse", "member-1", "outside_boundaries", "Адрес вне участка")
    outcome = sender.submit(request, budget=10)
    assert isinstance(outcome, Confirmed) and outcome.answer.outcome == "refusal_recorded"
    assert isinstance(outcome.result, ListDecisionResult)
    assert journal.entries()[-1].content.kind == "list_decision_confirmed"


class RefusingTransport:
    """A service stand-in that refuses every request with a verified 422 (as for a reused idempotency key)."""

    def __init__(self) -> None:
        self.calls = 0

    def temporary_registration(self, *args: object, **kwargs: object) -> TemporaryRegistrationResult:
        self.calls += 1
        raise ServiceRejected("refused", http_status=422, reason="idempotency_key_reused")

    def list_decision(self, *args: object, **kwargs: object) -> ListDecisionResult:
        self.calls += 1
        raise ServiceRejected("refused", http_status=422, reason="idempotency_key_reused")


def test_refused_request_is_final_and_never_retried(journal: Journal) -> None:
    transport = RefusingTransport()
    sender = OutboxSender(Outbox(journal), transport)
    iin = parse_iin(sample_iin())
    outcome = sender.submit(TemporaryRegistrationRequest(iin, "id_card", "N1"), budget=5)
    sender.stop()
    assert isinstance(outcome, Rejected) and outcome.reason == "idempotency_key_reused"
    assert sender.send_due() == 0 and transport.calls == 1
    assert journal.entries()[-1].content.kind == "temporary_registration_rejected"


def sample_iin() -> str:
    """A valid IIN (not a real person's)."""
    made = make_iin(dt.date(1985, 3, 4), "female", 123)
    assert made is not None
    return made.value

"""Leak check: after registrations and list decisions go through the outbox and journal, no IIN, name or
document number used appears in the journal file, its WAL, its head, the logs or any file left in the state
directory or the temporary directory."""

from __future__ import annotations

import logging
import random
import sqlite3
import tempfile
from pathlib import Path

import pytest
import requests
from conftest import JournalPlace
from support.egov import RunningService

from kiosk.core.iin import parse_iin
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.outbox import ListDecisionRequest, Outbox, TemporaryRegistrationRequest
from kiosk.journal.sender import Backoff, Confirmed, OutboxSender, Queued
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters

QUICK = RetryPolicy(attempts=1, connect_timeout=1.0, read_timeout=1.5, deadline=2.0, backoff=0.05)


def find_personal_data(paths: list[Path], texts: list[str], secrets_used: list[str]) -> list[str]:
    """Which of ``secrets_used`` appear (UTF-8, or as ASCII digits) in the files or texts: where, not what."""
    found = []
    needles = [value.encode("utf-8") for value in secrets_used if value]
    for path in paths:
        data = path.read_bytes()
        found += [f"{path.name}: value {index}" for index, needle in enumerate(needles) if needle in data]
    for number, text in enumerate(texts):
        found += [f"text {number}: value {index}" for index, value in enumerate(secrets_used) if value in text]
    return found


def _names(service: RunningService, iins: list[str]) -> list[str]:
    connection = sqlite3.connect(service.paths.database)
    try:
        names: list[str] = []
        for iin in iins:
            row = connection.execute("SELECT surname, given_name, patronymic FROM voters WHERE iin = ?", (iin,))
            names += [part for part in row.fetchone() if part]
        return names
    finally:
        connection.close()


pytestmark = pytest.mark.usefixtures("no_faults")


def test_journal_wal_logs_and_files_hold_no_personal_data(
    service: RunningService, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    place = JournalPlace(tmp_path / "j" / "journal.sqlite3", tmp_path / "j" / "journal.sqlite3.head",
                         tmp_path / "s" / "secret", open_device_key(service.config))
    registering = random.sample(sample_voters(service.paths.database, "no_registration", 40), 3)
    deciding = random.sample(sample_voters(service.paths.database, "not_listed", 40, station=service.station), 2)
    documents = [f"N{index:07d}X" for index in range(len(registering))]
    free_text = "Жительница улицы Абая, 12"
    before = {path for path in Path(tempfile.gettempdir()).iterdir()}

    journal = place.open()
    evidence = ResponseEvidence()
    config = service.config
    client = EgovClient(
        base_url=config.service.base_url, signer=place.key, service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file), station=config.station, policy=QUICK,
        session=evidence.install(requests.Session()),
    )
    sender = OutboxSender(Outbox(journal), client, evidence=evidence, backoff=Backoff(initial=0.05, maximum=0.1))
    outcomes = []
    service.set_faults(drop=1.0)  # one item waits in the outbox with its sealed request
    outcomes.append(sender.submit(TemporaryRegistrationRequest(parse_iin(registering[0]), "id_card", documents[0]),
                                  budget=0.5))
    service.set_faults(clear=True)
    for iin, document in zip(registering[1:], documents[1:], strict=True):
        outcomes.append(sender.submit(TemporaryRegistrationRequest(parse_iin(iin), "passport", document), budget=10))
    for iin in deciding:
        outcomes.append(sender.submit(ListDecisionRequest(parse_iin(iin), "refuse", "member-7", "outside_boundaries",
                                                          free_text), budget=10))
    assert isinstance(outcomes[0], Queued)
    assert all(isinstance(outcome, Confirmed) for outcome in outcomes[1:])

    # While running (WAL not yet checkpointed) and after closing: the journal, WAL, head and secret directory.
    iins = registering + deciding
    personal = iins + _names(service, iins) + documents + [free_text, "Абая"]
    state_files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert any(path.name.endswith("-wal") for path in state_files)
    assert find_personal_data(state_files, [], personal) == []
    sender.stop()
    client.close()
    journal.close()
    state_files = [path for path in tmp_path.rglob("*") if path.is_file()]
    new_temporary = [path for path in Path(tempfile.gettempdir()).iterdir() if path not in before and path.is_file()]
    logs = [record.getMessage() for record in caplog.records] + [caplog.text]
    assert find_personal_data(state_files + new_temporary, logs, personal) == []
    assert repr(outcomes) and all(iin not in repr(outcomes) for iin in iins)


def test_the_leak_check_itself_finds_a_planted_iin(tmp_path: Path) -> None:
    planted = tmp_path / "planted.log"
    planted.write_text("voter 900101300018 registered")
    assert find_personal_data([planted], ["Сейткали"], ["900101300018", "Сейткали"]) == [
        "planted.log: value 0", "text 0: value 1"]

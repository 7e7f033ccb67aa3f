"""The journal: chained, signed, append-only entries holding codes and keyed hashes only."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from conftest import JournalPlace

from kiosk.core.iin import make_iin, parse_iin
from kiosk.journal.entries import GENESIS_HASH, Evidence, hash_content
from kiosk.journal.errors import InvalidEntry, JournalTampered, JournalUnavailable
from kiosk.journal.head import read_head
from kiosk.journal.journal import Journal
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.verify import verify


def _valid_iin() -> str:
    made = make_iin(dt.date(1990, 1, 1), "male", 17)
    assert made is not None
    return made.value


def test_entries_chain_from_genesis_and_verify(journal: Journal, place: JournalPlace) -> None:
    journal.append("session_started")
    journal.append("check", iin=parse_iin(_valid_iin()), outcome="listed_here", station=12)
    entries = journal.entries()
    assert [e.content.sequence for e in entries] == [1, 2, 3]
    assert entries[0].content.kind == "journal_started" and entries[0].content.previous_hash == GENESIS_HASH
    for earlier, later in itertools.pairwise(entries):
        assert later.content.previous_hash == earlier.entry_hash
    assert all(hash_content(e.content) == e.entry_hash for e in entries)
    report = verify(place.journal_path, place.key.public_key(), head_path=place.head_path)
    assert report.ok, report.problems
    assert report.last_sequence == 3


def test_iin_is_stored_as_hmac_under_the_station_secret(journal: Journal, place: JournalPlace) -> None:
    iin = _valid_iin()
    entry = journal.append("check", iin=parse_iin(iin), outcome="not_listed")
    expected = hmac.new(place.secret.subject_key, iin.encode(), hashlib.sha256).hexdigest()
    assert entry.content.subject == expected
    assert iin.encode() not in place.journal_path.read_bytes()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("outcome", "Айгерим Сейткали"),  # a name: not a code
        ("reason", "lives at 5 Abay street"),  # spaces: not a code
        ("reference", "TR-" + "900101300018"),  # 12 digits in a row: perhaps an IIN
        ("local_reference", "x" * 200),  # oversized
        ("outcome", ""),
    ],
)
def test_fields_that_might_carry_personal_data_are_refused(journal: Journal, field: str, value: str) -> None:
    before = len(journal.entries())
    with pytest.raises(InvalidEntry):
        journal.append("check", **{field: value})
    assert len(journal.entries()) == before  # nothing half-written


def test_subject_must_be_a_keyed_hash(journal: Journal) -> None:
    with pytest.raises(InvalidEntry):
        journal.append("check", subject=_valid_iin())


def test_durable_kind_needs_a_durable_transaction(journal: Journal) -> None:
    with pytest.raises(InvalidEntry), journal.transaction(durable=False) as writer:
        writer.append("temporary_registration_queued", local_reference="Q-ABC")


def test_sql_update_and_delete_are_refused(journal: Journal, place: JournalPlace) -> None:
    journal.append("check", outcome="listed_here")
    connection = sqlite3.connect(place.journal_path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE journal SET outcome = 'not_listed' WHERE sequence = 2")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM journal WHERE sequence = 2")
        with pytest.raises(sqlite3.DatabaseError, match="in sequence"):
            connection.execute(
                "INSERT INTO journal(position, sequence, recorded_at, kind, key_id, previous_hash, entry_hash,"
                " signature) VALUES (9, 9, 'x', 'check', 'k', ?, ?, x'00')",
                (GENESIS_HASH, "1" * 64),
            )
    finally:
        connection.close()


def test_head_follows_durable_entries_only(journal: Journal, place: JournalPlace) -> None:
    head_before = read_head(place.head_path)
    assert head_before is not None and head_before.sequence == 1
    journal.append("check", outcome="listed_here")  # routine: the head stays
    head = read_head(place.head_path)
    assert head is not None and head.sequence == 1
    queued = journal.transaction(durable=True)
    with queued as writer:
        entry = writer.append("temporary_registration_queued", local_reference="Q-ABCDEFGH")
    head = read_head(place.head_path)
    assert head is not None and (head.sequence, head.entry_hash) == (3, entry.entry_hash)
    assert head.verify(place.key.public_key())


def test_reopen_moves_the_head_over_entries_a_crash_left_behind(place: JournalPlace) -> None:
    journal = place.open()
    old_head = place.head_path.read_bytes()
    journal.append("temporary_registration_queued", local_reference="Q-ABCDEFGH")
    journal.close()
    place.head_path.write_bytes(old_head)  # as if killed between the commit and the head write
    reopened = place.open()
    head = read_head(place.head_path)
    assert head is not None and head.sequence == 2
    reopened.close()


def test_open_refuses_a_journal_cut_before_its_head(place: JournalPlace) -> None:
    journal = place.open()
    journal.append("temporary_registration_queued", local_reference="Q-ABCDEFGH")
    journal.close()
    _raw_delete(place.journal_path, "sequence = 2")
    with pytest.raises(JournalTampered):
        place.open()


def test_open_refuses_entries_without_their_head(place: JournalPlace) -> None:
    place.open().close()
    place.head_path.unlink()
    with pytest.raises(JournalTampered):
        place.open()


def test_evidence_is_kept_with_the_entry(journal: Journal, place: JournalPlace) -> None:
    evidence = Evidence("sha-256=:AAAA:", "egov=:BBBB:", 'egov=("@status");keyid="svc"', "kiosk=:CCCC:")
    journal.append("check", outcome="created", evidence=evidence)
    assert journal.entries()[-1].content.evidence == evidence
    assert verify(place.journal_path, place.key.public_key(), head_path=place.head_path).ok


def test_station_secret_is_private_and_stable(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "station-secret"
    first = load_or_create_secret(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_bytes()) == 32
    assert load_or_create_secret(path).subject_key == first.subject_key
    assert "subject_key" not in repr(first) and first.subject_key.hex() not in repr(first)
    os.chmod(path, 0o644)
    with pytest.raises(JournalUnavailable):
        load_or_create_secret(path)


def test_station_secret_of_wrong_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    path.write_bytes(b"short")
    path.chmod(0o600)
    with pytest.raises(JournalUnavailable):
        load_or_create_secret(path)


def _raw_delete(path: Path, condition: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute("DROP TRIGGER journal_refuses_delete")
        connection.execute(f"DELETE FROM journal WHERE {condition}")
        connection.commit()
    finally:
        connection.close()

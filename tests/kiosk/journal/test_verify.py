"""The verifier names what was done to a journal and where: edited, deleted, inserted, reordered, truncated."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import JournalPlace
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.keystore.keyfile import FileKeyStore
from kiosk.journal.entries import EntryKind
from kiosk.journal.errors import InvalidExport, JournalUnavailable
from kiosk.journal.journal import Journal
from kiosk.journal.verify import VerificationReport, export, verify, verify_export

ENTRIES = 8  # journal_started + 7


def _fill(journal: Journal) -> None:
    for index in range(ENTRIES - 1):
        kind: EntryKind = "temporary_registration_queued" if index % 2 else "check"
        journal.append(kind, outcome="listed_here", local_reference=f"Q-ITEM{index}")


def _tamper(path: Path, *statements: str) -> None:
    connection = sqlite3.connect(path)
    try:
        for trigger in ("journal_refuses_update", "journal_refuses_delete", "journal_appends_in_order"):
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            connection.execute(statement)
        connection.commit()
    finally:
        connection.close()


def _without_constraints(path: Path) -> None:
    """Rebuild the journal table as a plain copy: what someone editing the file by hand can always do."""
    _tamper(
        path,
        "CREATE TABLE plain AS SELECT * FROM journal",
        "DROP TABLE journal",
        "ALTER TABLE plain RENAME TO journal",
    )


def _kinds(report: VerificationReport) -> list[tuple[str, int | None]]:
    return [(problem.kind, problem.sequence) for problem in report.problems]


@pytest.fixture
def filled(journal: Journal, place: JournalPlace) -> JournalPlace:
    _fill(journal)
    journal.close()
    return place


def _verify(place: JournalPlace) -> VerificationReport:
    return verify(place.journal_path, place.key.public_key(), head_path=place.head_path)


def test_untouched_journal_verifies(filled: JournalPlace) -> None:
    report = _verify(filled)
    # The head names the newest durable entry; the routine entry after it is chained and signed.
    assert report.ok and report.entries == ENTRIES and report.head_sequence == ENTRIES - 1


def test_edited_entry_is_named(filled: JournalPlace) -> None:
    _tamper(filled.journal_path, "UPDATE journal SET outcome = 'not_listed' WHERE sequence = 4")
    assert _kinds(_verify(filled)) == [("edited", 4)]


def test_deleted_entry_is_named(filled: JournalPlace) -> None:
    _tamper(filled.journal_path, "DELETE FROM journal WHERE sequence = 5")
    assert _kinds(_verify(filled)) == [("deleted", 5)]


def test_deleted_entries_renumbered_to_hide_the_gap_are_found(filled: JournalPlace) -> None:
    _tamper(
        filled.journal_path,
        "DELETE FROM journal WHERE sequence = 5",
        "UPDATE journal SET position = position - 1, sequence = sequence - 1 WHERE sequence > 5",
    )
    report = _verify(filled)
    assert not report.ok
    assert ("edited", 5) in _kinds(report)


def test_forged_entry_is_named_as_inserted(filled: JournalPlace) -> None:
    _without_constraints(filled.journal_path)
    _tamper(
        filled.journal_path,
        "INSERT INTO journal(position, sequence, recorded_at, kind, key_id, previous_hash, outcome, entry_hash,"
        " signature) SELECT 100, 3, recorded_at, kind, key_id, previous_hash, 'created', '"
        + "ab" * 32
        + "', signature FROM journal WHERE sequence = 3",
    )
    assert _kinds(_verify(filled)) == [("inserted", 3)]


def test_entry_appended_with_another_key_is_inserted(filled: JournalPlace) -> None:
    intruder = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    # The intruder's key cannot sign for this device, so the row written after the tail does not verify.
    _tamper(
        filled.journal_path,
        "INSERT INTO journal(position, sequence, recorded_at, kind, key_id, previous_hash, entry_hash, signature)"
        f" SELECT 9, 9, recorded_at, 'check', '{intruder.key_id}', entry_hash, '" + "cd" * 32 + "', signature"
        " FROM journal WHERE sequence = 8",
    )
    assert _kinds(_verify(filled)) == [("inserted", 9)]


def test_reordered_entries_are_named(filled: JournalPlace) -> None:
    columns = (
        "sequence, recorded_at, kind, key_id, previous_hash, subject, outcome, reason, reference, local_reference,"
        " station, evidence, entry_hash, signature"
    )
    _tamper(
        filled.journal_path,
        "CREATE TABLE swapped AS SELECT CASE position WHEN 3 THEN 4 WHEN 4 THEN 3 ELSE position END AS position,"
        f" {columns} FROM journal",
        "DROP TABLE journal",
        "ALTER TABLE swapped RENAME TO journal",
    )
    assert _kinds(_verify(filled)) == [("reordered", 3)]


def test_truncated_tail_is_named(filled: JournalPlace) -> None:
    _tamper(filled.journal_path, "DELETE FROM journal WHERE sequence >= 7")
    assert _kinds(_verify(filled)) == [("truncated", 7)]


def test_missing_head_is_reported(filled: JournalPlace) -> None:
    filled.head_path.unlink()
    assert _kinds(_verify(filled)) == [("head_missing", None)]


def test_head_from_another_key_is_reported(filled: JournalPlace, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    stranger = JournalPlace(other / "j.sqlite3", other / "j.head", other / "secret", FileKeyStore(
        ec.generate_private_key(ec.SECP256R1())))
    stranger.open().close()
    filled.head_path.write_bytes(stranger.head_path.read_bytes())
    assert ("head_invalid", 1) in _kinds(_verify(filled))


def test_external_count_catches_a_rollback_of_journal_and_head(filled: JournalPlace) -> None:
    # A consistent older pair (journal and head both cut back) passes the head check, not an external count.
    _tamper(filled.journal_path, "DELETE FROM journal WHERE sequence > 4")
    report = verify(filled.journal_path, filled.key.public_key(), head_path=filled.head_path, at_least=ENTRIES)
    assert ("truncated", 5) in _kinds(report)


def test_verify_refuses_a_missing_journal(place: JournalPlace) -> None:
    with pytest.raises(JournalUnavailable):
        _verify(place)


# --- exports -----------------------------------------------------------------------------------------


def _export(place: JournalPlace, tmp_path: Path) -> Path:
    destination = tmp_path / "export.jsonl"
    result = export(place.journal_path, destination, place.key, place.key.public_key(), head_path=place.head_path)
    assert result.report.ok and result.entries == ENTRIES
    return destination


def test_export_verifies_with_its_detached_signature(filled: JournalPlace, tmp_path: Path) -> None:
    destination = _export(filled, tmp_path)
    assert verify_export(destination, filled.key.public_key()).ok
    lines = destination.read_text().splitlines()
    assert len(lines) == ENTRIES + 1 and json.loads(lines[0])["entries"] == ENTRIES


def test_export_refuses_to_overwrite(filled: JournalPlace, tmp_path: Path) -> None:
    _export(filled, tmp_path)
    with pytest.raises(InvalidExport):
        _export(filled, tmp_path)


def test_export_with_a_changed_line_fails_signature_and_names_the_entry(filled: JournalPlace, tmp_path: Path) -> None:
    destination = _export(filled, tmp_path)
    lines = destination.read_text().splitlines()
    entry = json.loads(lines[3])
    entry["outcome"] = "created"
    lines[3] = json.dumps(entry, sort_keys=True)
    destination.write_text("\n".join(lines) + "\n")
    assert _kinds(verify_export(destination, filled.key.public_key())) == [("export_signature", None), ("edited", 3)]


def test_export_cut_short_is_truncated(filled: JournalPlace, tmp_path: Path) -> None:
    destination = _export(filled, tmp_path)
    lines = destination.read_text().splitlines()
    destination.write_text("\n".join(lines[:-2]) + "\n")
    kinds = _kinds(verify_export(destination, filled.key.public_key()))
    assert ("export_signature", None) in kinds and ("truncated", 7) in kinds


def test_export_with_lines_swapped_is_reordered(filled: JournalPlace, tmp_path: Path) -> None:
    destination = _export(filled, tmp_path)
    lines = destination.read_text().splitlines()
    lines[2], lines[3] = lines[3], lines[2]
    destination.write_text("\n".join(lines) + "\n")
    assert ("reordered", 2) in _kinds(verify_export(destination, filled.key.public_key()))


def test_export_that_is_not_an_export_is_refused(tmp_path: Path, place: JournalPlace) -> None:
    bogus = tmp_path / "bogus.jsonl"
    bogus.write_text("hello\n")
    (tmp_path / "bogus.jsonl.sig").write_text("{}")
    with pytest.raises(InvalidExport):
        verify_export(bogus, place.key.public_key())
    with pytest.raises(InvalidExport):
        verify_export(tmp_path / "absent.jsonl", place.key.public_key())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_changed_byte_of_an_export_is_detected(filled: JournalPlace, tmp_path_factory: pytest.TempPathFactory,
                                                   data: st.DataObject) -> None:
    directory = tmp_path_factory.mktemp("export")
    destination = directory / "export.jsonl"
    export(filled.journal_path, destination, filled.key, filled.key.public_key(), head_path=filled.head_path)
    original = destination.read_bytes()
    position = data.draw(st.integers(0, len(original) - 1))
    replacement = data.draw(st.integers(0, 255).filter(lambda value: value != original[position]))
    destination.write_bytes(original[:position] + bytes([replacement]) + original[position + 1:])
    try:
        report = verify_export(destination, filled.key.public_key())
    except InvalidExport:
        return  # the header itself was broken: refused outright
    assert not report.ok

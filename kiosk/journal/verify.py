"""Verify a journal or a signed export, and write signed exports for the territorial commission.

What is checked, and what each finding means (the sequence number says where):

- ``edited``: an entry whose content no longer matches its hash, or whose hash the device did not sign,
  in a place the chain or the head vouches for;
- ``inserted``: an entry the device did not sign beyond what is vouched for, a forged entry claiming the
  number of a genuine one, or a second copy of a genuine entry;
- ``deleted``: a gap in the sequence numbers before the newest entry;
- ``reordered``: a genuine entry stored after a genuine entry with a higher number;
- ``truncated``: the journal ends before the sequence of its signed head record (``kiosk.journal.head``
  explains the approach and its limits) or before an externally known count (``at_least``);
- ``chain_broken``: two genuine neighbours that do not link (only possible with the device key);
- ``head_missing`` / ``head_invalid`` / ``head_mismatch``: the head record is absent, not signed by the
  device, or names a different entry; ``malformed``: a record that cannot be read at all;
- ``export_signature``: an export whose detached signature does not match the file.

An export is JSON lines: a header (format, key id, time, number of entries, head record), then one entry per
line in the journal's order. The detached signature (``<export>.sig``) is the device's ECDSA signature over
the SHA-256 of the whole export file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.egov.signatures import RawSigner
from kiosk.journal.entries import GENESIS_HASH, Entry, entry_from_dict, hash_content
from kiosk.journal.errors import InvalidEntry, InvalidExport, JournalUnavailable
from kiosk.journal.head import HeadRecord, read_head, verify_raw
from kiosk.journal.journal import connect, default_head_path, entry_from_row, read_rows, utc_now

EXPORT_FORMAT = "kz-kiosk-journal-export/1"
EXPORT_SIGNATURE_FORMAT = "kz-kiosk-journal-export-signature/1"
MAX_EXPORT_LINE = 16 * 1024
MAX_SIGNATURE_FILE = 4096

ProblemKind = Literal[
    "malformed",
    "edited",
    "inserted",
    "deleted",
    "reordered",
    "truncated",
    "chain_broken",
    "head_missing",
    "head_invalid",
    "head_mismatch",
    "export_signature",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding: what is wrong and at which sequence number (None when it concerns no single entry)."""

    kind: ProblemKind
    sequence: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The finding as a JSON object."""
        return {"kind": self.kind, "sequence": self.sequence, "message": self.message}


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """The verifier's findings; ``ok`` when there are none."""

    entries: int
    last_sequence: int
    head_sequence: int | None
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON object."""
        return {
            "ok": self.ok,
            "entries": self.entries,
            "last_sequence": self.last_sequence,
            "head_sequence": self.head_sequence,
            "problems": [problem.as_dict() for problem in self.problems],
        }


@dataclass(frozen=True, slots=True)
class _Record:
    """One stored record: the entry if it could be read, else what it claimed to be."""

    entry: Entry | None
    claimed_sequence: int | None


@dataclass(frozen=True, slots=True)
class ExportResult:
    """Where an export was written, how many entries it holds, and the verification of the journal it copies."""

    path: Path
    signature_path: Path
    entries: int
    file_sha256: str
    report: VerificationReport


def check_records(
    records: Sequence[_Record],
    public_key: ec.EllipticCurvePublicKey,
    *,
    head: HeadRecord | None,
    head_problem: Problem | None = None,
    at_least: int | None = None,
) -> VerificationReport:
    """Check records given in storage order against the key, the chain, the head and an external count."""
    problems: list[Problem] = [] if head_problem is None else [head_problem]
    genuine, unsigned = _sort_records(records, public_key, problems)
    vouched_until = max(max(genuine, default=0), head.sequence if head is not None else 0)
    edited = _classify_unsigned(unsigned, genuine, vouched_until, problems)
    last = max(genuine.keys() | edited, default=0)
    _check_chain(genuine, edited, last, problems)
    if head is not None:
        if last < head.sequence:
            problems.append(_gap("truncated", last + 1, head.sequence))
        elif head.sequence > 0:
            at_head = genuine.get(head.sequence)
            if at_head is not None and at_head.entry_hash != head.entry_hash:
                problems.append(
                    Problem("head_mismatch", head.sequence, f"entry {head.sequence} is not the one the head names")
                )
    if at_least is not None and last < at_least:
        problems.append(_gap("truncated", last + 1, at_least))
    problems.sort(key=lambda problem: (problem.sequence is not None, problem.sequence or 0))
    return VerificationReport(
        entries=len(records),
        last_sequence=last,
        head_sequence=None if head is None else head.sequence,
        problems=tuple(problems),
    )


def _sort_records(
    records: Sequence[_Record], public_key: ec.EllipticCurvePublicKey, problems: list[Problem]
) -> tuple[dict[int, Entry], list[Entry]]:
    """Split records into genuine entries (by sequence) and unsigned ones; report unreadable, repeated, moved."""
    genuine: dict[int, Entry] = {}
    unsigned: list[Entry] = []
    highest = 0
    for record in records:
        entry = record.entry
        if entry is None:
            problems.append(Problem("malformed", record.claimed_sequence, "a record cannot be read as an entry"))
            continue
        sequence = entry.content.sequence
        signed = hash_content(entry.content) == entry.entry_hash and verify_raw(
            public_key, entry.signature, bytes.fromhex(entry.entry_hash)
        )
        if not signed:
            unsigned.append(entry)
        elif sequence in genuine:
            problems.append(Problem("inserted", sequence, f"entry {sequence} appears a second time"))
        else:
            if sequence < highest:
                problems.append(Problem("reordered", sequence, f"entry {sequence} is stored after entry {highest}"))
            highest = max(highest, sequence)
            genuine[sequence] = entry
    return genuine, unsigned


def _classify_unsigned(
    unsigned: list[Entry], genuine: dict[int, Entry], vouched_until: int, problems: list[Problem]
) -> set[int]:
    """An unsigned entry in a vouched-for free slot was edited; anywhere else it was inserted."""
    edited: set[int] = set()
    for entry in unsigned:
        sequence = entry.content.sequence
        if sequence in genuine or sequence in edited or sequence > vouched_until:
            problems.append(Problem("inserted", sequence, f"entry {sequence} was not written by this device"))
        else:
            edited.add(sequence)
            problems.append(Problem("edited", sequence, f"entry {sequence} was changed after it was signed"))
    return edited


def _check_chain(genuine: dict[int, Entry], edited: set[int], last: int, problems: list[Problem]) -> None:
    """Walk 1..last: report gaps as deleted and genuine neighbours that do not link."""
    previous_hash: str | None = GENESIS_HASH
    missing_from: int | None = None
    for sequence in range(1, last + 1):
        entry = genuine.get(sequence)
        if entry is None:
            if sequence not in edited and missing_from is None:
                missing_from = sequence
            if sequence in edited and missing_from is not None:
                problems.append(_gap("deleted", missing_from, sequence - 1))
                missing_from = None
            previous_hash = None
            continue
        if missing_from is not None:
            problems.append(_gap("deleted", missing_from, sequence - 1))
            missing_from = None
        if previous_hash is not None and entry.content.previous_hash != previous_hash:
            problems.append(Problem("chain_broken", sequence, f"entry {sequence} does not link to its predecessor"))
        previous_hash = entry.entry_hash


def _gap(kind: ProblemKind, first: int, last: int) -> Problem:
    span = f"entry {first}" if first == last else f"entries {first} to {last}"
    where = "from the end" if kind == "truncated" else "from the middle"
    return Problem(kind, first, f"{span} missing {where}")


def _load_head(head_path: Path, public_key: ec.EllipticCurvePublicKey) -> tuple[HeadRecord | None, Problem | None]:
    try:
        head = read_head(head_path)
    except ValueError:
        return None, Problem("head_invalid", None, "the head record cannot be read")
    if head is None:
        return None, Problem("head_missing", None, "the head record is missing: a cut tail cannot be detected")
    if not head.verify(public_key):
        return None, Problem("head_invalid", head.sequence, "the head record is not signed by this device")
    return head, None


def _journal_snapshot(
    journal_path: Path, public_key: ec.EllipticCurvePublicKey, head_path: Path
) -> tuple[list[_Record], HeadRecord | None, Problem | None]:
    if not journal_path.exists():
        raise JournalUnavailable("the journal file does not exist")
    # The head first: it is written after each commit, so the rows read next are at least as new as it.
    head, head_problem = _load_head(head_path, public_key)
    connection = connect(journal_path, read_only=True)
    try:
        connection.execute("BEGIN")
        rows = read_rows(connection)
        connection.execute("COMMIT")
    except sqlite3.Error as error:
        raise JournalUnavailable("cannot read the journal file") from error
    finally:
        connection.close()
    records = []
    for row in rows:
        try:
            records.append(_Record(entry_from_row(row), row["sequence"]))
        except InvalidEntry:
            records.append(_Record(None, row["position"]))
    return records, head, head_problem


def verify(
    journal_path: Path,
    public_key: ec.EllipticCurvePublicKey,
    *,
    head_path: Path | None = None,
    at_least: int | None = None,
) -> VerificationReport:
    """Verify the journal file against the device's public key and its signed head (and ``at_least`` entries)."""
    records, head, head_problem = _journal_snapshot(
        journal_path, public_key, head_path or default_head_path(journal_path)
    )
    return check_records(records, public_key, head=head, head_problem=head_problem, at_least=at_least)


def signature_path_for(export_path: Path) -> Path:
    """Where the detached signature of ``export_path`` is written."""
    return export_path.with_name(export_path.name + ".sig")


def export(
    journal_path: Path,
    destination: Path,
    signer: RawSigner,
    public_key: ec.EllipticCurvePublicKey,
    *,
    head_path: Path | None = None,
) -> ExportResult:
    """Write the journal as signed JSON lines to ``destination`` (refusing to overwrite) with ``<destination>.sig``.

    Entries are copied as stored, also when the journal does not verify: the returned report says so, and the
    same findings show when the export is verified.
    """
    records, head, head_problem = _journal_snapshot(
        journal_path, public_key, head_path or default_head_path(journal_path)
    )
    report = check_records(records, public_key, head=head, head_problem=head_problem)
    header = {
        "format": EXPORT_FORMAT,
        "exported_at": utc_now(),
        "key_id": signer.key_id,
        "entries": len(records),
        "head": None if head is None else head.as_dict(),
    }
    lines = [json.dumps(header, sort_keys=True, ensure_ascii=True)]
    for record in records:
        lines.append(json.dumps(None if record.entry is None else record.entry.as_dict(), sort_keys=True))
    data = ("\n".join(lines) + "\n").encode("ascii")
    digest = hashlib.sha256(data).digest()
    signature = {
        "format": EXPORT_SIGNATURE_FORMAT,
        "file_sha256": digest.hex(),
        "key_id": signer.key_id,
        "signature": base64.b64encode(signer.sign(digest)).decode("ascii"),
    }
    signature_path = signature_path_for(destination)
    _write_new(destination, data)
    _write_new(signature_path, json.dumps(signature, sort_keys=True).encode("ascii"))
    return ExportResult(destination, signature_path, len(records), digest.hex(), report)


def _write_new(path: Path, data: bytes) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except FileExistsError as error:
        raise InvalidExport(f"refusing to overwrite {path}") from error
    except OSError as error:
        raise InvalidExport(f"cannot write {path}") from error


def verify_export(
    export_path: Path,
    public_key: ec.EllipticCurvePublicKey,
    *,
    signature_path: Path | None = None,
    at_least: int | None = None,
) -> VerificationReport:
    """Verify an export: its detached signature over the file digest, then every entry as :func:`verify` does."""
    signature_path = signature_path or signature_path_for(export_path)
    try:
        data = export_path.read_bytes()
        signature_text = signature_path.read_bytes()[: MAX_SIGNATURE_FILE + 1]
    except OSError as error:
        raise InvalidExport("cannot read the export or its signature") from error
    problems: list[Problem] = []
    digest = hashlib.sha256(data).digest()
    if not _export_signature_valid(signature_text, digest, public_key):
        problems.append(Problem("export_signature", None, "the export's detached signature does not match the file"))
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    header = _parse_json(lines[0]) if lines else None
    if not isinstance(header, dict) or header.get("format") != EXPORT_FORMAT:
        raise InvalidExport("the file is not a journal export")
    head: HeadRecord | None = None
    head_problem: Problem | None = None
    if header.get("head") is None:
        head_problem = Problem("head_missing", None, "the export carries no head record")
    else:
        try:
            head = HeadRecord.from_dict(header["head"])
        except ValueError:
            head_problem = Problem("head_invalid", None, "the export's head record cannot be read")
        else:
            if not head.verify(public_key):
                head = None
                head_problem = Problem("head_invalid", None, "the export's head is not signed by the device")
    records: list[_Record] = []
    for index, line in enumerate(lines[1:], start=1):
        parsed = _parse_json(line) if len(line) <= MAX_EXPORT_LINE else None
        try:
            records.append(_Record(entry_from_dict(parsed), None))
        except InvalidEntry:
            records.append(_Record(None, index))
    declared = header.get("entries")
    if declared != len(records):
        problems.append(Problem("truncated", None, f"the export declares {declared} entries and holds {len(records)}"))
    report = check_records(records, public_key, head=head, head_problem=head_problem, at_least=at_least)
    return VerificationReport(
        report.entries, report.last_sequence, report.head_sequence, tuple(problems) + report.problems
    )


def _parse_json(line: bytes) -> Any:
    try:
        return json.loads(line.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _export_signature_valid(text: bytes, digest: bytes, public_key: ec.EllipticCurvePublicKey) -> bool:
    if len(text) > MAX_SIGNATURE_FILE:
        return False
    parsed = _parse_json(text)
    if not isinstance(parsed, dict) or parsed.get("format") != EXPORT_SIGNATURE_FORMAT:
        return False
    if parsed.get("file_sha256") != digest.hex():
        return False
    try:
        signature = base64.b64decode(str(parsed.get("signature")), validate=True)
    except (binascii.Error, ValueError):
        return False
    return verify_raw(public_key, signature, digest)

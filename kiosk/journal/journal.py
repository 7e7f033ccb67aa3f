"""The audit journal: an append-only, hash-chained, device-signed SQLite table (DESIGN.md section 7).

Each append runs in one ``BEGIN IMMEDIATE`` transaction that reads the newest entry, chains to its hash,
signs the new entry's hash with the device key and inserts it, so an entry is either fully there or not at
all. The file is in WAL mode; durable kinds (``entries.DURABLE_KINDS``) commit with ``synchronous=FULL`` and
then advance the signed head record (``kiosk.journal.head``); routine kinds commit with ``synchronous=NORMAL``
(a power cut may take the newest of them, never break the chain). The outbox shares the file and, through
:meth:`Journal.transaction`, the transaction of its journal entries.

The journal stores no personal data: a voter is the station secret's HMAC of the IIN, text fields are codes.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from drivers.keystore import KeyStore
from kiosk.config import kiosk_home
from kiosk.core.iin import Iin
from kiosk.journal.entries import (
    DURABLE_KINDS,
    GENESIS_HASH,
    Entry,
    EntryContent,
    EntryKind,
    Evidence,
    check_content,
    hash_content,
)
from kiosk.journal.errors import InvalidEntry, JournalTampered, JournalUnavailable
from kiosk.journal.head import HeadRecord, read_head, sign_head, verify_raw, write_head
from kiosk.journal.schema import SCHEMA
from kiosk.journal.secret import StationSecret

BUSY_TIMEOUT_MS = 10_000
_COLUMNS = (
    "sequence, recorded_at, kind, key_id, previous_hash, subject, outcome, reason, reference, local_reference,"
    " station, evidence, entry_hash, signature"
)


def utc_now() -> str:
    """The current UTC time as ISO 8601 with milliseconds and a ``Z``."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def default_journal_path() -> Path:
    """The journal file under the kiosk's home directory."""
    return kiosk_home() / "journal" / "journal.sqlite3"


def default_secret_path() -> Path:
    """The station secret, in its own directory apart from the journal."""
    return kiosk_home() / "secrets" / "station-secret"


def default_head_path(journal_path: Path) -> Path:
    """Where the head record of ``journal_path`` lives unless configured otherwise."""
    return journal_path.with_name(journal_path.name + ".head")


def connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """Open the journal file (WAL, autocommit mode: transactions are explicit)."""
    try:
        if read_only:
            connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
        else:
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA secure_delete=ON")
        connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.row_factory = sqlite3.Row
    except sqlite3.Error as error:
        raise JournalUnavailable("cannot open the journal file") from error
    return connection


def entry_from_row(row: sqlite3.Row) -> Entry:
    """Rebuild an entry from its row; raise :class:`InvalidEntry` when the row does not hold a valid entry."""
    try:
        evidence = None if row["evidence"] is None else Evidence.from_dict(json.loads(row["evidence"]))
        content = EntryContent(
            sequence=row["sequence"],
            recorded_at=row["recorded_at"],
            kind=row["kind"],
            key_id=row["key_id"],
            previous_hash=row["previous_hash"],
            subject=row["subject"],
            outcome=row["outcome"],
            reason=row["reason"],
            reference=row["reference"],
            local_reference=row["local_reference"],
            station=row["station"],
            evidence=evidence,
        )
    except (json.JSONDecodeError, TypeError) as error:
        raise InvalidEntry("a journal row cannot be read") from error
    check_content(content)
    signature = row["signature"]
    if not isinstance(signature, bytes) or not isinstance(row["entry_hash"], str):
        raise InvalidEntry("a journal row's hash or signature has the wrong type")
    return Entry(content, row["entry_hash"], signature)


def read_rows(connection: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every journal row in storage order (by position)."""
    return list(connection.execute(f"SELECT position, {_COLUMNS} FROM journal ORDER BY position"))  # noqa: S608


class JournalWriter:
    """Appends entries inside one open transaction; handed out by :meth:`Journal.transaction`."""

    def __init__(self, journal: Journal, connection: sqlite3.Connection, *, durable: bool) -> None:
        self.connection = connection
        self._journal = journal
        self._durable = durable
        self.appended: list[Entry] = []

    def append(
        self,
        kind: EntryKind,
        *,
        iin: Iin | None = None,
        subject: str | None = None,
        outcome: str | None = None,
        reason: str | None = None,
        reference: str | None = None,
        local_reference: str | None = None,
        station: int | None = None,
        evidence: Evidence | None = None,
    ) -> Entry:
        """Chain, sign and insert one entry; a voter is given as ``iin`` (hashed here) or as its ``subject``."""
        if kind in DURABLE_KINDS and not self._durable:
            raise InvalidEntry("a durable entry needs a durable transaction")
        if iin is not None:
            subject = self._journal.subject(iin)
        last = self.connection.execute("SELECT sequence, entry_hash FROM journal ORDER BY position DESC LIMIT 1")
        row = last.fetchone()
        sequence, previous_hash = (1, GENESIS_HASH) if row is None else (row[0] + 1, row[1])
        content = EntryContent(
            sequence=sequence,
            recorded_at=self._journal.clock(),
            kind=kind,
            key_id=self._journal.signer.key_id,
            previous_hash=previous_hash,
            subject=subject,
            outcome=outcome,
            reason=reason,
            reference=reference,
            local_reference=local_reference,
            station=station,
            evidence=evidence,
        )
        check_content(content)
        entry_hash = hash_content(content)
        signature = self._journal.signer.sign(bytes.fromhex(entry_hash))
        self.connection.execute(
            f"INSERT INTO journal(position, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
                sequence,
                sequence,
                content.recorded_at,
                kind,
                content.key_id,
                previous_hash,
                subject,
                outcome,
                reason,
                reference,
                local_reference,
                station,
                None if evidence is None else json.dumps(evidence.as_dict(), sort_keys=True),
                entry_hash,
                signature,
            ),
        )
        entry = Entry(content, entry_hash, signature)
        self.appended.append(entry)
        return entry


class Journal:
    """The station's audit journal; thread-safe (one connection behind one lock). Open with :meth:`open`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        *,
        path: Path,
        signer: KeyStore,
        secret: StationSecret,
        head_path: Path,
        clock: Callable[[], str],
    ) -> None:
        self.path = path
        self.signer = signer
        self.secret = secret
        self.head_path = head_path
        self.clock = clock
        self._connection = connection
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        signer: KeyStore,
        secret: StationSecret,
        head_path: Path | None = None,
        clock: Callable[[], str] = utc_now,
    ) -> Journal:
        """Open or create the journal; raise :class:`JournalTampered` when it no longer reaches its signed head."""
        head_path = head_path or default_head_path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        head_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        connection = connect(path)
        try:
            connection.executescript(SCHEMA)
        except sqlite3.Error as error:
            connection.close()
            raise JournalUnavailable("cannot prepare the journal file") from error
        journal = cls(connection, path=path, signer=signer, secret=secret, head_path=head_path, clock=clock)
        try:
            journal._reconcile_head()
        except BaseException:
            connection.close()
            raise
        return journal

    def subject(self, iin: Iin) -> str:
        """The keyed hash standing for ``iin``."""
        return self.secret.subject(iin)

    @contextmanager
    def transaction(self, *, durable: bool) -> Iterator[JournalWriter]:
        """One atomic write: entries appended through the writer (and the caller's own SQL) commit together.

        ``durable`` commits with ``synchronous=FULL`` and then advances the signed head.
        """
        with self._lock:
            connection = self._connection
            try:
                connection.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as error:
                raise JournalUnavailable("cannot start a journal transaction") from error
            writer = JournalWriter(self, connection, durable=durable)
            try:
                yield writer
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            try:
                connection.execute("COMMIT")
            except sqlite3.Error as error:
                connection.execute("ROLLBACK")
                raise JournalUnavailable("cannot commit to the journal") from error
            if durable and writer.appended:
                newest = writer.appended[-1]
                write_head(self.head_path, sign_head(self.signer, newest.content.sequence, newest.entry_hash))

    def append(self, kind: EntryKind, **fields: Any) -> Entry:
        """Append one entry in its own transaction (durable when its kind is); see :meth:`JournalWriter.append`."""
        with self.transaction(durable=kind in DURABLE_KINDS) as writer:
            return writer.append(kind, **fields)

    def entries(self) -> list[Entry]:
        """Every entry, oldest first (as stored; use ``kiosk.journal.verify`` to check them)."""
        with self._lock:
            return [entry_from_row(row) for row in read_rows(self._connection)]

    def head(self) -> HeadRecord | None:
        """The signed head record as last written."""
        try:
            return read_head(self.head_path)
        except ValueError as error:
            raise JournalTampered("the journal's head record is damaged") from error

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, for reads by the outbox."""
        with self._lock:
            yield self._connection

    def _reconcile_head(self) -> None:
        """Check the journal still reaches its signed head; move the head forward over entries a crash left behind."""
        public_key = self.signer.public_key()
        head = self.head()
        newest = self._connection.execute(
            "SELECT sequence, entry_hash FROM journal ORDER BY position DESC LIMIT 1"
        ).fetchone()
        if head is None:
            if newest is not None:
                raise JournalTampered("the journal has entries but its head record is missing")
            write_head(self.head_path, sign_head(self.signer, 0, GENESIS_HASH))
            self.append("journal_started")
            return
        if not head.verify(public_key):
            raise JournalTampered("the journal's head record is not signed by this device")
        last_sequence = 0 if newest is None else newest["sequence"]
        if last_sequence < head.sequence:
            raise JournalTampered(f"the journal ends at entry {last_sequence}, before its head {head.sequence}")
        if head.sequence > 0:
            at_head = self._connection.execute(
                "SELECT entry_hash FROM journal WHERE sequence = ?", (head.sequence,)
            ).fetchone()
            if at_head is None or at_head[0] != head.entry_hash:
                raise JournalTampered(f"entry {head.sequence} is not the one the head record names")
        if last_sequence > head.sequence:
            # Entries committed after the last head update (a crash between commit and head write, or routine
            # entries): accept them only when each is signed and chained, then move the head over them.
            previous = head.entry_hash
            rows = self._connection.execute(
                f"SELECT {_COLUMNS} FROM journal WHERE sequence > ? ORDER BY position", (head.sequence,)  # noqa: S608
            )
            for row in rows:
                entry = entry_from_row(row)
                if (
                    entry.content.previous_hash != previous
                    or hash_content(entry.content) != entry.entry_hash
                    or not verify_raw(public_key, entry.signature, bytes.fromhex(entry.entry_hash))
                ):
                    raise JournalTampered(f"entry {entry.content.sequence} after the head does not verify")
                previous = entry.entry_hash
            # Routine entries may still sit unsynced in the WAL: make them durable before the head vouches for them.
            self._connection.execute("PRAGMA wal_checkpoint(FULL)")
            write_head(self.head_path, sign_head(self.signer, last_sequence, previous))

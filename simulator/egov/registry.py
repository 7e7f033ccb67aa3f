"""The simulated service's state in SQLite: the population (written by ``population``), enrolled devices,
seen nonces, temporary registrations, list decisions and idempotent answers.

Every business operation runs in one ``BEGIN IMMEDIATE`` transaction, so an answer is either fully recorded
(with its idempotency key) or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.core.iin import parse_iin

ADULT_AGE = 18

SERVICE_SCHEMA = """
CREATE TABLE IF NOT EXISTS devices(
    key_id TEXT PRIMARY KEY, public_key_pem TEXT NOT NULL, station_number INTEGER NOT NULL,
    enrolled_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS enrollment_codes(
    code_hash TEXT PRIMARY KEY, station_number INTEGER NOT NULL, expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS seen_nonces(
    key_id TEXT NOT NULL, nonce TEXT NOT NULL, expires_at REAL NOT NULL, PRIMARY KEY(key_id, nonce))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotent_answers(
    idempotency_key TEXT PRIMARY KEY, endpoint TEXT NOT NULL, fingerprint TEXT NOT NULL, answer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS temporary_registrations(
    reference TEXT PRIMARY KEY, iin TEXT NOT NULL UNIQUE, station_number INTEGER NOT NULL,
    document_kind TEXT NOT NULL, document_number TEXT NOT NULL, device_key_id TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS list_decisions(
    decision_number INTEGER PRIMARY KEY AUTOINCREMENT, iin TEXT NOT NULL, station_number INTEGER NOT NULL,
    decision TEXT NOT NULL, reason_code TEXT, reason_text TEXT, member_id TEXT NOT NULL,
    device_key_id TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digital_document_codes(
    code_hash TEXT PRIMARY KEY, iin TEXT NOT NULL, expires_at REAL NOT NULL, document_expiry TEXT NULL,
    used INTEGER NOT NULL DEFAULT 0);
"""

Answer = dict[str, Any]


CodeUseOutcome = Literal["valid", "unknown", "used", "expired"]


class IdempotencyConflict(Exception):
    """The idempotency key was used before for a different request."""


@dataclass(frozen=True, slots=True)
class Device:
    """An enrolled kiosk: its key and station."""

    key_id: str
    public_key: ec.EllipticCurvePublicKey
    station_number: int
    revoked: bool


@dataclass(frozen=True, slots=True)
class DigitalDocumentCodeUse:
    """What presenting a digital-document code found; ``iin`` and ``document_expiry`` only when ``valid``."""

    outcome: CodeUseOutcome
    iin: str | None = None
    document_expiry: dt.date | None = None


class Registry:
    """Queries and updates the simulated registry; one instance per server process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SERVICE_SCHEMA)
        self.voting_day = dt.date.fromisoformat(self._meta("voting_day"))
        self._devices: dict[str, Device] = {}
        # Stations and ballots do not change while the service runs: answer them from memory.
        self._stations: dict[int, Answer | None] = {}
        self._ballots: dict[int, list[Answer]] = {}

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def _meta(self, key: str) -> str:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise LookupError(f"the population database has no '{key}'; generate it first")
        return str(row["value"])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # --- devices and nonces -------------------------------------------------------------------------

    def enroll_device(self, public_key: ec.EllipticCurvePublicKey, key_id: str, station_number: int) -> None:
        """Record a device key as enrolled for a station (replaces a previous enrolment of the same key)."""
        pem = public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        self._db.execute(
            "INSERT OR REPLACE INTO devices(key_id, public_key_pem, station_number, enrolled_at, revoked)"
            " VALUES (?, ?, ?, ?, 0)",
            (key_id, pem, station_number, dt.datetime.now(dt.UTC).isoformat()),
        )
        self._devices.pop(key_id, None)

    def add_enrollment_code(self, code: str, station_number: int, valid_for: dt.timedelta) -> None:
        """Store a one-time enrolment code (hashed) that a technician types when enrolling a kiosk."""
        self._db.execute(
            "INSERT INTO enrollment_codes(code_hash, station_number, expires_at) VALUES (?, ?, ?)",
            (_sha256(code), station_number, time.time() + valid_for.total_seconds()),
        )

    def use_enrollment_code(self, code: str, station_number: int) -> bool:
        """Consume a valid, unused, unexpired code for the station; False if there is none."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE enrollment_codes SET used = 1 WHERE code_hash = ? AND station_number = ? AND used = 0"
                " AND expires_at > ?",
                (_sha256(code), station_number, time.time()),
            )
            return cursor.rowcount == 1

    def device(self, key_id: str) -> Device | None:
        """The enrolled device with this key, if any (cached)."""
        cached = self._devices.get(key_id)
        if cached is not None:
            return cached
        row = self._db.execute(
            "SELECT public_key_pem, station_number, revoked FROM devices WHERE key_id = ?", (key_id,)
        ).fetchone()
        if row is None:
            return None
        public_key = serialization.load_pem_public_key(row["public_key_pem"].encode("ascii"))
        assert isinstance(public_key, ec.EllipticCurvePublicKey)
        device = Device(key_id, public_key, int(row["station_number"]), bool(row["revoked"]))
        self._devices[key_id] = device
        return device

    def remember_nonce(self, key_id: str, nonce: str, keep_until: float) -> bool:
        """Record a nonce; False when it was seen before (a replay). Expired nonces are pruned now and then."""
        try:
            self._db.execute(
                "INSERT INTO seen_nonces(key_id, nonce, expires_at) VALUES (?, ?, ?)", (key_id, nonce, keep_until)
            )
        except sqlite3.IntegrityError:
            return False
        if nonce.startswith("A"):  # prune on roughly 1 request in 64 (base64url's first character)
            self._db.execute("DELETE FROM seen_nonces WHERE expires_at < ?", (time.time(),))
        return True

    # --- digital-document codes -----------------------------------------------------------------------

    def add_digital_document_code(
        self, code: str, iin: str, expires_at: float, document_expiry: dt.date | None = None
    ) -> None:
        """Store a one-time digital-document code (hashed) for a person; ``document_expiry`` overrides theirs."""
        self._db.execute(
            "INSERT INTO digital_document_codes(code_hash, iin, expires_at, document_expiry) VALUES (?, ?, ?, ?)",
            (_sha256(code), iin, expires_at, None if document_expiry is None else document_expiry.isoformat()),
        )

    def use_digital_document_code(self, code: str) -> DigitalDocumentCodeUse:
        """Consume a code: valid once, then used; unknown and expired codes are reported as such."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT iin, expires_at, document_expiry, used FROM digital_document_codes WHERE code_hash = ?",
                (_sha256(code),),
            ).fetchone()
            if row is None:
                return DigitalDocumentCodeUse("unknown")
            if row["used"]:
                return DigitalDocumentCodeUse("used")
            if row["expires_at"] <= time.time():
                return DigitalDocumentCodeUse("expired")
            db.execute("UPDATE digital_document_codes SET used = 1 WHERE code_hash = ?", (_sha256(code),))
            expiry = row["document_expiry"]
            return DigitalDocumentCodeUse(
                "valid", str(row["iin"]), None if expiry is None else dt.date.fromisoformat(expiry)
            )

    def person(self, iin: str) -> Answer | None:
        """A person's identity fields (iin, surname, given_name, patronymic, birth_date), or None."""
        row = self._db.execute(
            "SELECT iin, surname, given_name, patronymic, birth_date FROM voters WHERE iin = ?", (iin,)
        ).fetchone()
        return None if row is None else dict(row)

    # --- questions ----------------------------------------------------------------------------------

    def station_numbers(self) -> list[int]:
        """All station numbers, those offering temporary registration first."""
        rows = self._db.execute("SELECT number FROM stations ORDER BY offers_temporary_registration DESC, number")
        return [int(row[0]) for row in rows]

    def station(self, number: int) -> Answer | None:
        """The public description of a station, or None if there is no such station."""
        if number not in self._stations:
            self._stations[number] = self._load_station(number)
        return self._stations[number]

    def _load_station(self, number: int) -> Answer | None:
        row = self._db.execute("SELECT * FROM stations WHERE number = ?", (number,)).fetchone()
        if row is None:
            return None
        return {
            "number": row["number"],
            "region": row["region_code"],
            "address": {lang: row[f"address_{lang}"] for lang in ("kk", "ru", "en")},
            "directions": {lang: row[f"directions_{lang}"] for lang in ("kk", "ru", "en")},
            "hours": {"opens": row["opens"], "closes": row["closes"]},
            "offers_temporary_registration": bool(row["offers_temporary_registration"]),
            "commission_desk": row["commission_desk"],
        }

    def ballots(self, station_number: int) -> list[Answer]:
        """The ballots a voter of this station receives, in order."""
        if station_number not in self._ballots:
            self._ballots[station_number] = self._load_ballots(station_number)
        return self._ballots[station_number]

    def _load_ballots(self, station_number: int) -> list[Answer]:
        rows = self._db.execute(
            "SELECT * FROM ballots WHERE station_number = ? ORDER BY position", (station_number,)
        ).fetchall()
        return [
            {
                "kind": row["kind"],
                "district": {lang: row[f"district_{lang}"] for lang in ("kk", "ru", "en")},
                "colour": row["colour"],
            }
            for row in rows
        ]

    def _voter(self, iin: str) -> sqlite3.Row | None:
        return self._db.execute(
            "SELECT v.iin, v.birth_date, v.address_id, v.listed_station, a.station_number AS address_station,"
            " a.text_kk, a.text_ru, a.text_en FROM voters v LEFT JOIN addresses a ON a.id = v.address_id"
            " WHERE v.iin = ?",
            (iin,),
        ).fetchone()

    def _is_adult(self, iin: str) -> bool:
        return parse_iin(iin).age_on(self.voting_day) >= ADULT_AGE

    def registration_check(self, iin: str, station_number: int, *, for_commission: bool) -> Answer:
        """Where the voter is listed, as seen from ``station_number``.

        The voter's own address is included only for a commission member (``for_commission``).
        """
        voter = self._voter(iin)
        answer: Answer
        if not self._is_adult(iin):
            answer = {"status": "not_eligible", "reason": "under_age"}
        elif voter is not None and voter["listed_station"] == station_number:
            answer = {
                "status": "listed_here",
                "station": self.station(station_number),
                "ballots": self.ballots(station_number),
            }
        elif voter is not None and voter["listed_station"] is not None:
            answer = {"status": "listed_elsewhere", "station": self.station(voter["listed_station"])}
        else:
            here = self.station(station_number)
            has_registration = voter is not None and voter["address_id"] is not None
            answer = {
                "status": "not_listed",
                "may_register_temporarily": bool(
                    voter is not None and here and here["offers_temporary_registration"] and not has_registration
                ),
            }
        if for_commission:
            has_address = voter is not None and voter["address_id"] is not None
            answer["registration"] = (
                {
                    "address": {lang: voter[f"text_{lang}"] for lang in ("kk", "ru", "en")},
                    "inside_boundaries": voter["address_station"] == station_number,
                }
                if voter is not None and has_address
                else None
            )
        return answer

    # --- changes ------------------------------------------------------------------------------------

    def _idempotent(
        self, db: sqlite3.Connection, endpoint: str, idempotency_key: str, fingerprint: str
    ) -> Answer | None:
        row = db.execute(
            "SELECT endpoint, fingerprint, answer FROM idempotent_answers WHERE idempotency_key = ?",
            (idempotency_key,),
        ).fetchone()
        if row is None:
            return None
        if row["endpoint"] != endpoint or row["fingerprint"] != fingerprint:
            raise IdempotencyConflict(idempotency_key)
        return json.loads(row["answer"])

    @staticmethod
    def _store(db: sqlite3.Connection, endpoint: str, idempotency_key: str, fingerprint: str, answer: Answer) -> None:
        db.execute(
            "INSERT INTO idempotent_answers(idempotency_key, endpoint, fingerprint, answer) VALUES (?, ?, ?, ?)",
            (idempotency_key, endpoint, fingerprint, json.dumps(answer, ensure_ascii=False)),
        )

    def temporary_registration(
        self,
        *,
        iin: str,
        station_number: int,
        document_kind: str,
        document_number: str,
        idempotency_key: str,
        device_key_id: str,
    ) -> Answer:
        """Register the voter temporarily at the station's address, once; repeat answers for a repeated key."""
        fingerprint = _fingerprint(iin, station_number, document_kind, document_number)
        with self._transaction() as db:
            earlier = self._idempotent(db, "temporary_registration", idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
            answer = self._decide_temporary_registration(db, iin, station_number, document_kind,
                                                         document_number, device_key_id)
            self._store(db, "temporary_registration", idempotency_key, fingerprint, answer)
            return answer

    def _decide_temporary_registration(
        self,
        db: sqlite3.Connection,
        iin: str,
        station_number: int,
        document_kind: str,
        document_number: str,
        device_key_id: str,
    ) -> Answer:
        here = self.station(station_number)
        voter = self._voter(iin)
        existing = db.execute(
            "SELECT reference, station_number FROM temporary_registrations WHERE iin = ?", (iin,)
        ).fetchone()
        refusal: str | None = None
        if here is None or not here["offers_temporary_registration"]:
            refusal = "not_offered_here"
        elif voter is None:
            refusal = "person_not_found"
        elif not self._is_adult(iin):
            refusal = "under_age"
        if refusal is not None:
            return {"outcome": "refused", "reason": refusal}
        assert voter is not None
        if existing is not None:
            return {"outcome": "already_registered", "station": self.station(existing["station_number"])}
        if voter["listed_station"] is not None:
            return {"outcome": "listed_elsewhere", "station": self.station(voter["listed_station"])}
        if voter["address_id"] is not None:
            return {"outcome": "refused", "reason": "has_permanent_registration"}
        count = db.execute(
            "SELECT COUNT(*) FROM temporary_registrations WHERE station_number = ?", (station_number,)
        ).fetchone()[0]
        reference = f"TR-{station_number}-{count + 1:05d}"
        db.execute(
            "INSERT INTO temporary_registrations(reference, iin, station_number, document_kind, document_number,"
            " device_key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (reference, iin, station_number, document_kind, document_number, device_key_id,
             dt.datetime.now(dt.UTC).isoformat()),
        )
        db.execute("UPDATE voters SET listed_station = ? WHERE iin = ?", (station_number, iin))
        return {"outcome": "created", "reference": reference, "station": here}

    def list_decision(
        self,
        *,
        iin: str,
        station_number: int,
        decision: Literal["include", "refuse"],
        reason_code: str | None,
        reason_text: str | None,
        member_id: str,
        idempotency_key: str,
        device_key_id: str,
    ) -> Answer:
        """Record a commission's decision; an inclusion keeps each voter in one list only."""
        fingerprint = _fingerprint(iin, station_number, decision, reason_code, reason_text, member_id)
        with self._transaction() as db:
            earlier = self._idempotent(db, "list_decision", idempotency_key, fingerprint)
            if earlier is not None:
                return earlier
            voter = self._voter(iin)
            answer: Answer
            if decision == "include" and voter is not None and voter["listed_station"] == station_number:
                answer = {"outcome": "already_listed_here", "station": self.station(station_number)}
            elif decision == "include" and voter is not None and voter["listed_station"] is not None:
                answer = {"outcome": "listed_elsewhere", "station": self.station(voter["listed_station"])}
            elif decision == "include" and (voter is None or not self._is_adult(iin)):
                answer = {"outcome": "refused", "reason": "not_eligible"}
            else:
                cursor = db.execute(
                    "INSERT INTO list_decisions(iin, station_number, decision, reason_code, reason_text, member_id,"
                    " device_key_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (iin, station_number, decision, reason_code, reason_text, member_id, device_key_id,
                     dt.datetime.now(dt.UTC).isoformat()),
                )
                if decision == "include":
                    db.execute("UPDATE voters SET listed_station = ? WHERE iin = ?", (station_number, iin))
                answer = {
                    "outcome": "included" if decision == "include" else "refusal_recorded",
                    "decision_number": f"LD-{station_number}-{cursor.lastrowid:05d}",
                }
            self._store(db, "list_decision", idempotency_key, fingerprint, answer)
            return answer


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fingerprint(*parts: object) -> str:
    return _sha256(json.dumps(parts, ensure_ascii=False))

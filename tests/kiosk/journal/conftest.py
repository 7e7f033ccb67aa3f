"""Fixtures for the journal tests: a device key, a station secret, and an open journal in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.keystore.keyfile import FileKeyStore
from kiosk.journal.journal import Journal
from kiosk.journal.secret import StationSecret, load_or_create_secret


@dataclass
class JournalPlace:
    """Where a test's journal, head and secret live, and the key that signs it."""

    journal_path: Path
    head_path: Path
    secret_path: Path
    key: FileKeyStore

    @property
    def secret(self) -> StationSecret:
        """The station secret (created on first use)."""
        return load_or_create_secret(self.secret_path)

    def open(self) -> Journal:
        """Open (or create) the journal."""
        return Journal.open(self.journal_path, signer=self.key, secret=self.secret, head_path=self.head_path)


@pytest.fixture
def place(tmp_path: Path) -> JournalPlace:
    """A fresh place for a journal, with its own device key."""
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    return JournalPlace(tmp_path / "journal" / "journal.sqlite3", tmp_path / "journal" / "journal.sqlite3.head",
                        tmp_path / "secrets" / "station-secret", key)


@pytest.fixture
def journal(place: JournalPlace) -> Iterator[Journal]:
    """An open journal (closed after the test)."""
    opened = place.open()
    yield opened
    opened.close()

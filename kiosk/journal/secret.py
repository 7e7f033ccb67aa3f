"""The station secret: 32 random bytes kept apart from the journal, readable by the kiosk's user only.

Two independent keys are derived from it with HKDF-SHA256 (RFC 5869), so that the keyed IIN hash in the
journal and the key sealing queued requests in the outbox never share key material:

- ``subject_key``: HMAC-SHA256 key turning an IIN into the journal's ``subject`` (an IIN never enters the file);
- ``sealing_key``: AES-256-GCM key for the outbox's queued requests (they must hold the IIN until sent).

Limits: the IIN space is small (a few hundred million valid numbers), so anyone holding the secret can
recover IINs from subjects by trying them all; the secret's file permissions (0600, directory 0700) and
keeping it off exports are what protect it. Without the secret a subject reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kiosk.core.iin import Iin
from kiosk.journal.errors import JournalUnavailable

SECRET_BYTES = 32
_SUBJECT_INFO = b"kz-kiosk journal subject v1"
_SEALING_INFO = b"kz-kiosk outbox sealing v1"


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


@dataclass(frozen=True, slots=True, repr=False)
class StationSecret:
    """The station secret's two derived keys. ``repr`` shows nothing of them."""

    subject_key: bytes
    sealing_key: bytes

    @classmethod
    def from_bytes(cls, secret: bytes) -> StationSecret:
        """Derive the keys from the 32 secret bytes."""
        if len(secret) != SECRET_BYTES:
            raise JournalUnavailable("the station secret must be exactly 32 bytes", translation_key="journal.secret")
        return cls(_derive(secret, _SUBJECT_INFO), _derive(secret, _SEALING_INFO))

    def subject(self, iin: Iin) -> str:
        """The keyed hash (HMAC-SHA256, hex) standing for ``iin`` in the journal and the outbox."""
        return hmac.new(self.subject_key, iin.value.encode("ascii"), hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "StationSecret(<hidden>)"


def load_or_create_secret(path: Path) -> StationSecret:
    """Read the secret at ``path``, creating it (0600, parent 0700) on first use; refuse a readable-by-others file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(os.urandom(SECRET_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise JournalUnavailable(
                "the station secret is readable by other users (expected mode 0600)", translation_key="journal.secret"
            )
        secret = path.read_bytes()
    except OSError as error:
        raise JournalUnavailable(
            "cannot read or create the station secret", translation_key="journal.secret"
        ) from error
    return StationSecret.from_bytes(secret)

"""The signed head record: the last durable entry's sequence number and hash, kept in a file beside the journal.

Hash chaining detects an edited, inserted, deleted or reordered entry, but not the loss of the newest entries:
a shortened chain is still a valid chain. The head record closes that gap. After every durable entry the
kiosk rewrites it (temporary file, fsync, rename, fsync of the directory), signed by the device key; a
verifier that finds the journal ending before the head's sequence reports the tail as truncated.

Limits (documented for the commission): whoever can replace *both* the journal and the head file with an
older, consistent pair (a backup taken earlier) rolls the journal back undetected, because both were signed
by the device at the time. Defeating that needs a counter the attacker cannot rewind: the head printed on
the end-of-day summary, the count in the last export the commission received (pass it as ``expected_head``
to the verifier), or a monotonic counter in the key's token. Entries written after the last head update
(at most the non-durable ones since the last durable entry, or one entry lost to a crash between commit and
head write) are verified by their chain and signatures but are not protected against truncation.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from kiosk.egov.signatures import RawSigner
from kiosk.journal.errors import JournalUnavailable

HEAD_FORMAT = "kz-kiosk-journal-head/1"
_HEAD_DOMAIN = b"kz-kiosk-journal-head/1\x00"
_HEX_HASH = re.compile(r"[0-9a-f]{64}")
MAX_HEAD_BYTES = 4096
P256_SIGNATURE_BYTES = 64


@dataclass(frozen=True, slots=True)
class HeadRecord:
    """The newest durable entry a journal is known to have had: sequence 0 means "created, still empty"."""

    sequence: int
    entry_hash: str
    key_id: str
    signature: bytes

    def signed_digest(self) -> bytes:
        """SHA-256 over the domain tag and the canonical JSON of sequence, hash and key id (what is signed)."""
        return head_digest(self.sequence, self.entry_hash, self.key_id)

    def as_dict(self) -> dict[str, Any]:
        """The JSON form written to the head file and to exports."""
        return {
            "format": HEAD_FORMAT,
            "sequence": self.sequence,
            "entry_hash": self.entry_hash,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Any) -> HeadRecord:
        """Parse the JSON form; raise ``ValueError`` when it does not follow it."""
        if not isinstance(data, dict) or data.get("format") != HEAD_FORMAT:
            raise ValueError("not a journal head record")
        sequence, entry_hash, key_id = data.get("sequence"), data.get("entry_hash"), data.get("key_id")
        if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
            raise ValueError("the head's sequence is not a number")
        if not isinstance(entry_hash, str) or _HEX_HASH.fullmatch(entry_hash) is None:
            raise ValueError("the head's hash is not 64 hex digits")
        if not isinstance(key_id, str):
            raise ValueError("the head's key id is missing")
        try:
            signature = base64.b64decode(str(data.get("signature")), validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValueError("the head's signature is not base64") from error
        return cls(sequence, entry_hash, key_id, signature)

    def verify(self, public_key: ec.EllipticCurvePublicKey) -> bool:
        """True when the device key signed this head."""
        return verify_raw(public_key, self.signature, self.signed_digest())


def head_digest(sequence: int, entry_hash: str, key_id: str) -> bytes:
    """The bytes a head record's signature covers."""
    canonical = json.dumps(
        {"entry_hash": entry_hash, "key_id": key_id, "sequence": sequence}, sort_keys=True, separators=(",", ":")
    ).encode("ascii")
    return hashlib.sha256(_HEAD_DOMAIN + canonical).digest()


def sign_head(signer: RawSigner, sequence: int, entry_hash: str) -> HeadRecord:
    """A head record for ``sequence`` / ``entry_hash`` signed by ``signer``."""
    digest = head_digest(sequence, entry_hash, signer.key_id)
    return HeadRecord(sequence, entry_hash, signer.key_id, signer.sign(digest))


def verify_raw(public_key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    """Check a raw r || s ECDSA P-256 / SHA-256 signature of ``data``."""
    if len(signature) != P256_SIGNATURE_BYTES:
        return False
    half = P256_SIGNATURE_BYTES // 2
    der = encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
    try:
        public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def write_head(path: Path, head: HeadRecord) -> None:
    """Replace the head file atomically and durably (write a temporary file, fsync, rename, fsync the directory)."""
    temporary = path.with_name(path.name + ".tmp")
    data = json.dumps(head.as_dict(), sort_keys=True).encode("ascii")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        raise JournalUnavailable("cannot write the journal's head record") from error


def read_head(path: Path) -> HeadRecord | None:
    """The head record at ``path``, None when there is none; ``ValueError`` when it is damaged."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_HEAD_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise JournalUnavailable("cannot read the journal's head record") from error
    if len(data) > MAX_HEAD_BYTES:
        raise ValueError("the head record is too large")
    try:
        parsed = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("the head record is not JSON") from error
    return HeadRecord.from_dict(parsed)

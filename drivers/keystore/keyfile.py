"""A device key kept in an encrypted PKCS#8 file: only for machines without a PKCS#11 token."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import ClassVar, Self

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from drivers.keystore import KeyStoreError

P256_COORDINATE_BYTES = 32
MAX_KEY_FILE_BYTES = 64 * 1024  # an encrypted P-256 PEM is under 1 KiB; never read an arbitrary file whole


def key_id_for(public_key: ec.EllipticCurvePublicKey, prefix: str = "dev") -> str:
    """A stable key identifier: a prefix and the first 16 hex digits of the SHA-256 of the public key (DER)."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"{prefix}-{hashlib.sha256(der).hexdigest()[:16]}"


def raw_signature(der_signature: bytes) -> bytes:
    """Convert a DER ECDSA signature into RFC 9421's r || s form."""
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(P256_COORDINATE_BYTES, "big") + s.to_bytes(P256_COORDINATE_BYTES, "big")


class FileKeyStore:
    """An ECDSA P-256 key in an encrypted PKCS#8 PEM file, unlocked with a passphrase.

    A subclass for another key (the commission's) changes ``key_name`` (used in messages), ``key_id_prefix``
    and, if it must, ``signature_algorithm``.
    """

    key_name: ClassVar[str] = "device key"
    key_id_prefix: ClassVar[str] = "dev"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise KeyStoreError(f"the {self.key_name} must be an EC P-256 key", translation_key="keystore.wrong_key")
        self._private_key = private_key
        self._key_id = key_id_for(private_key.public_key(), self.key_id_prefix)

    @classmethod
    def create(cls, path: Path, passphrase: bytes) -> Self:
        """Generate a new key and write it encrypted to ``path`` (refuses to overwrite)."""
        if not passphrase:
            raise KeyStoreError("an empty passphrase is not allowed", translation_key="keystore.passphrase")
        private_key = ec.generate_private_key(ec.SECP256R1())
        pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as error:
            raise KeyStoreError(f"a key file already exists at {path}", translation_key="keystore.exists") from error
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        return cls(private_key)

    @classmethod
    def open(cls, path: Path, passphrase: bytes) -> Self:
        """Load and decrypt the key at ``path``."""
        try:
            with path.open("rb") as handle:
                pem = handle.read(MAX_KEY_FILE_BYTES)
        except OSError as error:
            raise KeyStoreError(f"cannot read the key file {path}", translation_key="keystore.missing") from error
        try:
            private_key = serialization.load_pem_private_key(pem, password=passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise KeyStoreError(
                f"the {cls.key_name} file cannot be decrypted (wrong passphrase, not encrypted, or damaged)",
                translation_key="keystore.locked",
            ) from error
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise KeyStoreError(f"the {cls.key_name} must be an EC P-256 key", translation_key="keystore.wrong_key")
        return cls(private_key)

    @property
    def key_id(self) -> str:
        """The identifier derived from the public key (``<key_id_prefix>-...``)."""
        return self._key_id

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The public half of the key."""
        return self._private_key.public_key()

    def signature_algorithm(self) -> ec.ECDSA:
        """ECDSA with SHA-256, with the random nonces OpenSSL chooses."""
        return ec.ECDSA(hashes.SHA256())

    def sign(self, data: bytes) -> bytes:
        """Raw r || s ECDSA P-256 / SHA-256 signature."""
        return raw_signature(self._private_key.sign(data, self.signature_algorithm()))

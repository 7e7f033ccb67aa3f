"""A device key kept in an encrypted PKCS#8 file: only for machines without a PKCS#11 token."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from drivers.keystore import KeyStoreError

P256_COORDINATE_BYTES = 32


def key_id_for(public_key: ec.EllipticCurvePublicKey, prefix: str = "dev") -> str:
    """A stable key identifier: a prefix and the first 16 hex digits of the SHA-256 of the public key (DER)."""
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f"{prefix}-{hashlib.sha256(der).hexdigest()[:16]}"


def raw_signature(der_signature: bytes) -> bytes:
    """Convert a DER ECDSA signature into RFC 9421's r || s form."""
    r, s = decode_dss_signature(der_signature)
    return r.to_bytes(P256_COORDINATE_BYTES, "big") + s.to_bytes(P256_COORDINATE_BYTES, "big")


class FileKeyStore:
    """An ECDSA P-256 key in an encrypted PKCS#8 PEM file, unlocked with a passphrase."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise KeyStoreError("the device key must be an EC P-256 key", translation_key="keystore.wrong_key")
        self._private_key = private_key
        self._key_id = key_id_for(private_key.public_key())

    @classmethod
    def create(cls, path: Path, passphrase: bytes) -> FileKeyStore:
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
    def open(cls, path: Path, passphrase: bytes) -> FileKeyStore:
        """Load and decrypt the key at ``path``."""
        try:
            pem = path.read_bytes()
        except OSError as error:
            raise KeyStoreError(f"cannot read the key file {path}", translation_key="keystore.missing") from error
        try:
            private_key = serialization.load_pem_private_key(pem, password=passphrase)
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise KeyStoreError(
                "the key file cannot be decrypted (wrong passphrase or damaged file)",
                translation_key="keystore.locked",
            ) from error
        if not isinstance(private_key, ec.EllipticCurvePrivateKey):
            raise KeyStoreError("the device key must be an EC P-256 key", translation_key="keystore.wrong_key")
        return cls(private_key)

    @property
    def key_id(self) -> str:
        """The identifier derived from the public key."""
        return self._key_id

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The public half of the key."""
        return self._private_key.public_key()

    def sign(self, data: bytes) -> bytes:
        """Raw r || s ECDSA P-256 / SHA-256 signature."""
        return raw_signature(self._private_key.sign(data, ec.ECDSA(hashes.SHA256())))

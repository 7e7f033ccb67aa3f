"""An ECDSA P-256 signing key of a simulated party, kept unencrypted in a PEM file under the simulator's home.

The service's response key (``server.ServiceKey``) and the digital-documents issuer's key
(``digital_documents.DocumentIssuerKey``) are two of these, told apart by their key id prefix. Unencrypted on
purpose: the simulator's keys protect nothing real, and a developer can read them.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Self

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.keystore.keyfile import key_id_for, raw_signature


class SimSigningKey:
    """A P-256 key that signs in RFC 9421's raw r || s form (a ``RawSigner``); key ids are ``<prefix>-...``."""

    key_id_prefix: ClassVar[str] = "sim"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        self.private_key = private_key
        self.key_id = key_id_for(private_key.public_key(), prefix=self.key_id_prefix)

    @classmethod
    def load_or_create(cls, path: Path) -> Self:
        """Read the key from ``path``, creating it (readable by the owner only) on first use."""
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise TypeError(f"{path} does not hold an EC private key")
            return cls(key)
        created = cls.ephemeral()
        path.write_bytes(created.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        path.chmod(0o600)
        return created

    @classmethod
    def ephemeral(cls) -> Self:
        """A fresh key that is never stored (for a service state built in a test)."""
        return cls(ec.generate_private_key(ec.SECP256R1()))

    def sign(self, data: bytes) -> bytes:
        """Raw r || s ECDSA P-256 / SHA-256 signature."""
        return raw_signature(self.private_key.sign(data, ec.ECDSA(hashes.SHA256())))

    def public_pem(self) -> str:
        """The public key as PEM, as the kiosk pins it."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

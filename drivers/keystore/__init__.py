"""The device key: a `KeyStore` signs with a private key that never leaves it.

Signatures are ECDSA P-256 over SHA-256, returned raw (r || s, 64 bytes), the form RFC 9421's
``ecdsa-p256-sha256`` uses and the form a PKCS#11 token produces.
"""

from __future__ import annotations

from typing import Protocol

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.errors import DriverError


class KeyStoreError(DriverError):
    """The device key could not be created, opened or used."""

    translation_key = "keystore.error"


class KeyStore(Protocol):
    """Holds the device's private key and signs with it."""

    @property
    def key_id(self) -> str:
        """The identifier the service knows this key by (the ``keyid`` of RFC 9421)."""
        ...

    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The public half of the device key."""
        ...

    def sign(self, data: bytes) -> bytes:
        """ECDSA P-256 / SHA-256 signature of ``data``, raw r || s (64 bytes)."""
        ...

"""Typed errors of ICAO 9303 access control, secure messaging and passive authentication.

Each failure reason is its own class with its own translation key, so a person is told which check failed
("the access key from the MRZ is wrong", "the document signer is not trusted") and the caller can branch on
the class. Messages carry no personal data: never the MRZ, a document number or a data-group content.
"""

from __future__ import annotations

from typing import Literal

from kiosk.documents.errors import DocumentError


class IcaoError(DocumentError):
    """Root of the eMRTD protocol errors."""

    translation_key = "document.icao.error"


class BacError(IcaoError):
    """Basic Access Control failed: the cryptogram did not verify or was malformed."""

    translation_key = "document.icao.bac.failed"


class BacAuthenticationError(BacError):
    """The other side's cryptogram has a wrong MAC or echoes the wrong challenge (usually a wrong MRZ)."""

    translation_key = "document.icao.bac.wrong_key"


SecureMessagingFailure = Literal[
    "bad_mac",  # DO'8E' does not match the MAC computed over the protected data
    "missing_mac",  # no DO'8E' where one is required
    "missing_status",  # a protected response without DO'99'
    "bad_padding",  # the decrypted DO'87' does not end in ISO/IEC 9797-1 padding method 2
    "malformed",  # truncated or otherwise not the structure Part 11 section 9.8 prescribes
    "unprotected_status",  # the card answered with a bare status word: the session is over
]


class SecureMessagingError(IcaoError):
    """A protected APDU failed to verify or decode; ``reason`` says which rule it broke.

    ``status_word`` is set for ``"unprotected_status"``: the bare status word the card sent (for example
    0x6987 "expected secure messaging data objects missing", or 0x6A82 "file not found").
    """

    def __init__(
        self, reason: SecureMessagingFailure, message: str, *, status_word: int | None = None
    ) -> None:
        super().__init__(message, translation_key=f"document.icao.secure_messaging.{reason}")
        self.reason: SecureMessagingFailure = reason
        self.status_word = status_word


class PassiveAuthenticationError(IcaoError):
    """Passive authentication failed; the subclass says why."""

    translation_key = "document.icao.passive_auth.failed"


class MalformedSodError(PassiveAuthenticationError):
    """EF.SOD is not a CMS SignedData over an LDS Security Object, or uses an unsupported algorithm."""

    translation_key = "document.icao.passive_auth.malformed_sod"


class SodSignatureError(PassiveAuthenticationError):
    """The document signer's signature over EF.SOD, or its messageDigest attribute, does not verify."""

    translation_key = "document.icao.passive_auth.bad_signature"


class DataGroupHashMismatchError(PassiveAuthenticationError):
    """A data group read from the chip does not match its hash in EF.SOD, or EF.SOD does not list it."""

    translation_key = "document.icao.passive_auth.hash_mismatch"

    def __init__(self, data_group: int, message: str) -> None:
        super().__init__(message)
        self.data_group = data_group


class UnknownCscaError(PassiveAuthenticationError):
    """The document signer certificate was not issued by any configured CSCA certificate."""

    translation_key = "document.icao.passive_auth.unknown_csca"


CertificateRole = Literal["document_signer", "csca"]


class ExpiredCertificateError(PassiveAuthenticationError):
    """The document signer or CSCA certificate is not valid on the day of the check (expired or not yet)."""

    translation_key = "document.icao.passive_auth.expired_certificate"

    def __init__(self, role: CertificateRole, message: str) -> None:
        super().__init__(message)
        self.role: CertificateRole = role

"""The payload of a digital-document QR code: ``KZDD1:`` and a one-time code (docs/digital-document-qr.md).

The parser is strict and cheap: the length is checked before anything else, every other check is a single pass
or a bounded regular expression, so no input can make it slow. Every refusal is a :class:`QrPayloadError`
subclass with its own translation key; messages never repeat what the QR code said.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Final, Literal

from kiosk.documents.errors import DocumentError

PREFIX: Final = "KZDD"  # docs/digital-document-qr.md, "What the QR code carries"
SUPPORTED_VERSION: Final = 1
SEPARATOR: Final = ":"
CODE_BYTES: Final = 32  # 256 random bits: guessing a live code is hopeless
CODE_CHARACTERS: Final = 43  # base64url of 32 bytes without padding (RFC 4648 section 5)
MAX_PAYLOAD_CHARACTERS: Final = 512  # far above a real payload (49), far below anything slow to look at

_CODE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERSIONED = re.compile(r"KZDD(0|[1-9][0-9]{0,3}):(.*)", re.DOTALL)  # no leading zeros: one spelling
_REPLACEMENT_CHARACTER: Final = "\ufffd"

ForeignKind = Literal["url", "wifi", "payment", "contact"]

# Other apps' QR codes, recognised by how they start (compared case-insensitively) so the voter can be told what
# they showed. EMVCo merchant-presented QR: "Payload Format Indicator" ID 00, length 02, value 01 comes first
# (EMV QRCPS-MPM section 3.3); GOST R 56042-2014 payment QR starts with "ST0001" and the encoding digit.
_FOREIGN_PREFIXES: Final[tuple[tuple[str, ForeignKind], ...]] = (
    ("http://", "url"),
    ("https://", "url"),
    ("www.", "url"),
    ("wifi:", "wifi"),
    ("000201", "payment"),
    ("st0001", "payment"),
    ("begin:vcard", "contact"),
    ("mecard:", "contact"),
    ("mailto:", "contact"),
    ("tel:", "contact"),
    ("smsto:", "contact"),
)


class QrPayloadError(DocumentError):
    """Root of refusals of a scanned QR payload."""

    translation_key = "document.qr.error"


class QrPayloadTooLong(QrPayloadError):
    """The payload is longer than any digital-document QR code can be."""

    translation_key = "document.qr.too_long"

    def __init__(self, length: int) -> None:
        super().__init__(f"the QR code holds {length} characters, at most {MAX_PAYLOAD_CHARACTERS} are expected")
        self.length = length


class QrPayloadEmpty(QrPayloadError):
    """The scan gave no text at all."""

    translation_key = "document.qr.empty"

    def __init__(self) -> None:
        super().__init__("the QR code is empty")


class QrPayloadBinary(QrPayloadError):
    """The payload holds control characters or bytes that are not UTF-8: binary content or a misread."""

    translation_key = "document.qr.binary"

    def __init__(self) -> None:
        super().__init__("the QR code holds binary data, not a digital document")


class UnknownQrFormat(QrPayloadError):
    """The payload is not a digital-document QR code."""

    translation_key = "document.qr.unknown_format"

    def __init__(self, message: str = "the QR code is not a digital document") -> None:
        super().__init__(message)


class ForeignQrCode(UnknownQrFormat):
    """A QR code of another kind (web address, Wi-Fi, payment, contact); ``kind`` says which."""

    def __init__(self, kind: ForeignKind) -> None:
        super().__init__(f"the QR code is a {kind} code, not a digital document")
        self.kind = kind
        self.translation_key = f"document.qr.foreign.{kind}"


class UnsupportedQrVersion(QrPayloadError):
    """A digital-document QR code of a format version this kiosk does not know."""

    translation_key = "document.qr.unsupported_version"

    def __init__(self, version: int) -> None:
        super().__init__(f"digital-document QR format version {version} is not supported")
        self.version = version


class MalformedQrPayload(QrPayloadError):
    """The payload starts like a digital-document QR code but its code is not well formed."""

    translation_key = "document.qr.malformed"


@dataclass(frozen=True, slots=True)
class DigitalDocumentCode:
    """A well-formed one-time code from a digital-document QR; ``repr`` hides it (it is a bearer token)."""

    version: int
    code: str

    def __repr__(self) -> str:
        return f"DigitalDocumentCode(version={self.version}, code=…)"

    __str__ = __repr__


def parse_qr_payload(payload: str | bytes) -> DigitalDocumentCode:
    """Parse a scanned QR payload into its one-time code, or raise a :class:`QrPayloadError` saying why not."""
    if len(payload) > MAX_PAYLOAD_CHARACTERS:
        raise QrPayloadTooLong(len(payload))
    if not payload:
        raise QrPayloadEmpty()
    text = _as_text(payload)
    if _has_binary(text):
        raise QrPayloadBinary()
    if not text.startswith(PREFIX):
        raise _foreign_or_unknown(text)
    match = _VERSIONED.fullmatch(text)
    if match is None:
        raise MalformedQrPayload("the digital-document QR code has no version and separator")
    version = int(match.group(1))
    if version != SUPPORTED_VERSION:
        raise UnsupportedQrVersion(version)
    code = match.group(2)
    if not is_well_formed_code(code):
        raise MalformedQrPayload("the code in the digital-document QR code is not well formed")
    return DigitalDocumentCode(version=version, code=code)


def format_qr_payload(code_bytes: bytes) -> str:
    """The QR payload for 32 random code bytes (the issuer's side; the simulator uses it)."""
    if len(code_bytes) != CODE_BYTES:
        raise ValueError(f"a code is {CODE_BYTES} bytes")
    return f"{PREFIX}{SUPPORTED_VERSION}{SEPARATOR}{encode_code(code_bytes)}"


def encode_code(code_bytes: bytes) -> str:
    """base64url without padding, the form the code has in the QR and in the service request."""
    return base64.urlsafe_b64encode(code_bytes).rstrip(b"=").decode("ascii")


def _as_text(payload: str | bytes) -> str:
    if isinstance(payload, str):
        return payload
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as error:
        raise QrPayloadBinary() from error


def _has_binary(text: str) -> bool:
    # C0 and C1 control characters, DEL, lone surrogates and U+FFFD (what a decoder leaves for bad bytes).
    return any(
        ord(character) < 0x20
        or 0x7F <= ord(character) <= 0x9F
        or 0xD800 <= ord(character) <= 0xDFFF
        or character == _REPLACEMENT_CHARACTER
        for character in text
    )


def _foreign_or_unknown(text: str) -> UnknownQrFormat:
    start = text[:16].lower()
    for prefix, kind in _FOREIGN_PREFIXES:
        if start.startswith(prefix):
            return ForeignQrCode(kind)
    return UnknownQrFormat()


def is_well_formed_code(code: str) -> bool:
    """True for a code in its one accepted form: 43 characters of base64url for 32 bytes, low bits zero."""
    if _CODE.fullmatch(code) is None:
        return False
    try:
        decoded = base64.urlsafe_b64decode(code + "=")
    except (binascii.Error, ValueError):
        return False
    # The last character carries 2 unused bits; only the form with those bits zero is accepted, so every code
    # has exactly one spelling.
    return len(decoded) == CODE_BYTES and encode_code(decoded) == code

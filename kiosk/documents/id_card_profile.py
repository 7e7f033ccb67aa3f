"""The national ID card's PKI profile: where the card keeps its certificate and key, as configuration.

DESIGN.md section 5: the issuer's card specification is not public, so the application identifier, the file
identifiers, the read chunk size and the key reference are not constants in the reader but a named profile that
the station's configuration chooses (or spells out). The simulator's card implements the same profile.

Only one profile exists today, :data:`SIMULATOR_PROFILE` (``kz-id-pki-sim-v1``). Its values are the
simulator's own choices, not the issuer's: they are to be replaced by a profile with the issuer's values once the
card specification is known, and a real card will not answer to them.

What the profile assumes of the card (ISO/IEC 7816-4:2020):

- SELECT by DF name (11.2.2, P1 = 04) opens the PKI application;
- the authentication certificate is one transparent EF holding a DER X.509 certificate, possibly followed by
  padding; READ BINARY (11.3.3) reads it, by short file identifier when the profile gives one;
- INTERNAL AUTHENTICATE (11.5.2, INS 88) with P2 = the key reference signs the command data (the kiosk's
  challenge) with the private key certified for authentication: ECDSA with SHA-256 over the challenge, the
  signature as plain ``r || s`` (each the curve's byte length), as BSI TR-03111 5.2.1 defines the plain format.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kiosk.documents.errors import DocumentError

# ISO/IEC 7816-4:2020 12.2.3: an AID is 5 to 16 bytes; a first nibble F marks a proprietary, unregistered AID.
MIN_AID_LENGTH = 5
MAX_AID_LENGTH = 16
# ISO/IEC 7816-4:2020 7.2.1 and 11.3.3: a short EF identifier is 1..30 (31 is reserved); a file identifier is
# two bytes, and 3F00 (the MF), 3FFF and FFFF are reserved.
MAX_SHORT_FILE_ID = 30
RESERVED_FILE_IDS = frozenset({0x3F00, 0x3FFF, 0xFFFF})
# ISO/IEC 7816-4:2020 5.1: a short Le asks for at most 256 bytes.
MAX_SHORT_READ = 256
# ISO/IEC 7816-4:2020 11.3.3: READ BINARY with an even INS addresses offsets 0..7FFF (P1 b8 = 0).
MAX_FILE_OFFSET = 0x7FFF
MIN_CHALLENGE_LENGTH = 8
MAX_CHALLENGE_LENGTH = 255  # one short Lc
DEFAULT_CHALLENGE_LENGTH = 32  # 256 bits of freshness
DEFAULT_MAX_CERTIFICATE_LENGTH = 8192  # authentication certificates are 1-2 KB; leaves room for RSA-4096


class IdCardProfileError(DocumentError):
    """The configured ID card profile is missing a value or holds one the card protocol cannot use."""

    translation_key = "document.id_card.profile_invalid"

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"ID card profile: {field_name}: {problem}")
        self.field_name = field_name
        self.problem = problem


@dataclass(frozen=True, slots=True)
class IdCardProfile:
    """Where a national ID card keeps its PKI objects; see the module docstring for what is assumed.

    ``certificate_short_file_id`` lets the first READ BINARY address the EF directly (one SELECT fewer);
    ``ca_certificate_file_id`` names an optional EF with the issuing CA's certificate, read only when that CA is
    not configured; ``key_reference`` is P2 of INTERNAL AUTHENTICATE, or None for a card without an
    authentication key (then the reader skips card authentication and says so in the identity's checks);
    ``read_chunk_size`` is the Le of each short READ BINARY; ``challenge_length`` the bytes of the kiosk's
    challenge; ``max_certificate_length`` the longest certificate the reader accepts.
    """

    name: str
    application_id: bytes
    certificate_file_id: int
    read_chunk_size: int
    key_reference: int | None
    certificate_short_file_id: int | None = None
    ca_certificate_file_id: int | None = None
    ca_certificate_short_file_id: int | None = None
    challenge_length: int = DEFAULT_CHALLENGE_LENGTH
    max_certificate_length: int = DEFAULT_MAX_CERTIFICATE_LENGTH

    def __post_init__(self) -> None:
        if not self.name:
            raise IdCardProfileError("name", "must not be empty")
        if not MIN_AID_LENGTH <= len(self.application_id) <= MAX_AID_LENGTH:
            raise IdCardProfileError("application_id", f"must be {MIN_AID_LENGTH} to {MAX_AID_LENGTH} bytes")
        _check_file_id("certificate_file_id", self.certificate_file_id)
        if self.ca_certificate_file_id is not None:
            _check_file_id("ca_certificate_file_id", self.ca_certificate_file_id)
            if self.ca_certificate_file_id == self.certificate_file_id:
                raise IdCardProfileError("ca_certificate_file_id", "must differ from certificate_file_id")
        elif self.ca_certificate_short_file_id is not None:
            raise IdCardProfileError("ca_certificate_short_file_id", "needs ca_certificate_file_id")
        for field_name in ("certificate_short_file_id", "ca_certificate_short_file_id"):
            value = getattr(self, field_name)
            if value is not None and not 1 <= value <= MAX_SHORT_FILE_ID:
                raise IdCardProfileError(field_name, f"must be 1..{MAX_SHORT_FILE_ID}")
        if (
            self.certificate_short_file_id is not None
            and self.certificate_short_file_id == self.ca_certificate_short_file_id
        ):
            raise IdCardProfileError("ca_certificate_short_file_id", "must differ from certificate_short_file_id")
        if not 1 <= self.read_chunk_size <= MAX_SHORT_READ:
            raise IdCardProfileError("read_chunk_size", f"must be 1..{MAX_SHORT_READ}")
        if self.key_reference is not None and not 0 <= self.key_reference <= 0xFF:
            raise IdCardProfileError("key_reference", "must fit in one byte (P2)")
        if not MIN_CHALLENGE_LENGTH <= self.challenge_length <= MAX_CHALLENGE_LENGTH:
            raise IdCardProfileError("challenge_length", f"must be {MIN_CHALLENGE_LENGTH}..{MAX_CHALLENGE_LENGTH}")
        if not 1 <= self.max_certificate_length <= MAX_FILE_OFFSET + 1:
            raise IdCardProfileError("max_certificate_length", f"must be 1..{MAX_FILE_OFFSET + 1}")


def _check_file_id(field_name: str, value: int) -> None:
    if not 0 <= value <= 0xFFFF:
        raise IdCardProfileError(field_name, "must be a two-byte file identifier")
    if value in RESERVED_FILE_IDS:
        raise IdCardProfileError(field_name, f"{value:04X} is reserved")


SIMULATOR_PROFILE = IdCardProfile(
    name="kz-id-pki-sim-v1",
    # 'F' + "KZIDPKI" in ASCII: a proprietary AID (ISO/IEC 7816-4:2020 12.2.3), registered to nobody.
    application_id=bytes.fromhex("F04B5A4944504B49"),
    certificate_file_id=0xA001,
    certificate_short_file_id=1,
    ca_certificate_file_id=0xA002,
    ca_certificate_short_file_id=2,
    # ISO/IEC 7816-4:2020 Table 65 style: b8 = 1, a key specific to the selected application, number 1.
    key_reference=0x81,
    read_chunk_size=MAX_SHORT_READ,
    challenge_length=DEFAULT_CHALLENGE_LENGTH,
    max_certificate_length=DEFAULT_MAX_CERTIFICATE_LENGTH,
)
"""The simulator's profile, ``kz-id-pki-sim-v1``: the simulator's values, to be replaced by the issuer's."""

KNOWN_PROFILES: Mapping[str, IdCardProfile] = {SIMULATOR_PROFILE.name: SIMULATOR_PROFILE}
"""Profiles the configuration can name without spelling out their values."""

_REQUIRED_FIELDS = ("name", "application_id", "certificate_file_id", "read_chunk_size", "key_reference")
_OPTIONAL_FIELDS = (
    "certificate_short_file_id",
    "ca_certificate_file_id",
    "ca_certificate_short_file_id",
    "challenge_length",
    "max_certificate_length",
)


def from_mapping(mapping: Mapping[str, object]) -> IdCardProfile:
    """The profile a configuration section describes; ``IdCardProfileError`` names the first bad field.

    A section holding only ``name`` picks a known profile (``{"name": "kz-id-pki-sim-v1"}``). Otherwise every
    required field is given: ``application_id`` as hex text, file identifiers as hex text (``"A001"``) or
    integers, ``key_reference`` as hex text, an integer or null (no card authentication key), sizes as integers.
    Unknown fields are refused, so a misspelt one is not silently ignored.
    """
    unknown = sorted(set(mapping) - set(_REQUIRED_FIELDS) - set(_OPTIONAL_FIELDS))
    if unknown:
        raise IdCardProfileError(unknown[0], "is not a profile field")
    name = mapping.get("name")
    if not isinstance(name, str) or not name:
        raise IdCardProfileError("name", "must be a non-empty string")
    if set(mapping) == {"name"}:
        known = KNOWN_PROFILES.get(name)
        if known is None:
            raise IdCardProfileError("name", f"{name!r} is not a known profile; spell out its fields")
        return known
    for field_name in _REQUIRED_FIELDS:
        if field_name not in mapping:
            raise IdCardProfileError(field_name, "is missing")
    key_reference = mapping["key_reference"]
    return IdCardProfile(
        name=name,
        application_id=_hex_bytes("application_id", mapping["application_id"]),
        certificate_file_id=_hex_or_int("certificate_file_id", mapping["certificate_file_id"]),
        read_chunk_size=_integer("read_chunk_size", mapping["read_chunk_size"]),
        key_reference=None if key_reference is None else _hex_or_int("key_reference", key_reference),
        certificate_short_file_id=_optional(mapping, "certificate_short_file_id", _integer),
        ca_certificate_file_id=_optional(mapping, "ca_certificate_file_id", _hex_or_int),
        ca_certificate_short_file_id=_optional(mapping, "ca_certificate_short_file_id", _integer),
        challenge_length=_integer("challenge_length", mapping.get("challenge_length", DEFAULT_CHALLENGE_LENGTH)),
        max_certificate_length=_integer(
            "max_certificate_length", mapping.get("max_certificate_length", DEFAULT_MAX_CERTIFICATE_LENGTH)
        ),
    )


def _optional(
    mapping: Mapping[str, object], field_name: str, parse: Callable[[str, object], int]
) -> int | None:
    value = mapping.get(field_name)
    return None if value is None else parse(field_name, value)


def _hex_bytes(field_name: str, value: object) -> bytes:
    if not isinstance(value, str):
        raise IdCardProfileError(field_name, "must be hex text")
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise IdCardProfileError(field_name, "must be hex text") from None


def _hex_or_int(field_name: str, value: object) -> int:
    if isinstance(value, bool):
        raise IdCardProfileError(field_name, "must be hex text or an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        digits = value.removeprefix("0x").removeprefix("0X")
        if digits and all(character in "0123456789abcdefABCDEF" for character in digits):
            return int(digits, 16)
    raise IdCardProfileError(field_name, "must be hex text or an integer")


def _integer(field_name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise IdCardProfileError(field_name, "must be an integer")
    return value

"""Command and response APDUs (ISO/IEC 7816-4 section 5.1) and the meaning of status words.

Bytes are built and parsed here, apart from any transport, so tests compare exact bytes. ``Nc`` is the number
of command data bytes and ``Ne`` the number of response bytes expected; :class:`CommandApdu` keeps ``Ne`` in
``le`` (``None`` when absent) and chooses the short or extended encoding itself.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from kiosk.documents.errors import DocumentError

HEADER_LENGTH = 4  # CLA INS P1 P2
STATUS_WORD_LENGTH = 2  # SW1 SW2
# ISO/IEC 7816-4 section 5.1: short fields carry Nc 1..255 and Ne 1..256 (Le '00' means 256) ...
MAX_SHORT_DATA = 255
MAX_SHORT_LE = 256
# ... extended fields Nc 1..65535 and Ne 1..65536 (Le '0000' means 65536).
MAX_EXTENDED_DATA = 65535
MAX_EXTENDED_LE = 65536
SW_SUCCESS = 0x9000  # ISO/IEC 7816-4 section 5.1.3: normal processing


class ApduFormatError(DocumentError):
    """Bytes that are not a well-formed command or response APDU."""

    translation_key = "document.malformed"


@dataclass(frozen=True, slots=True)
class CommandApdu:
    """One command: header bytes, command data and the expected response length ``le`` (Ne) or None."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            if not 0 <= getattr(self, name) <= 0xFF:
                raise ValueError(f"{name} must be one byte")
        if len(self.data) > MAX_EXTENDED_DATA:
            raise ValueError(f"command data is limited to {MAX_EXTENDED_DATA} bytes")
        if self.le is not None and not 1 <= self.le <= MAX_EXTENDED_LE:
            raise ValueError(f"le must be 1..{MAX_EXTENDED_LE} or None")

    @property
    def needs_extended_length(self) -> bool:
        """True when Nc or Ne does not fit the short fields (ISO/IEC 7816-4 section 5.1)."""
        return len(self.data) > MAX_SHORT_DATA or (self.le is not None and self.le > MAX_SHORT_LE)

    def to_bytes(self, *, extended: bool = False) -> bytes:
        """Encode as case 1, 2, 3 or 4; extended fields when needed or when ``extended`` asks for them."""
        header = bytes([self.cla, self.ins, self.p1, self.p2])
        if not self.data and self.le is None:
            return header  # case 1
        if extended or self.needs_extended_length:
            # ISO/IEC 7816-4 section 5.1: one '00' byte opens the extended fields; Lc and Le are then 2 bytes
            # each, and when both are present Le has no leading '00' of its own.
            body = b"\x00"
            if self.data:
                body += len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                body += (self.le % MAX_EXTENDED_LE).to_bytes(2, "big")
            return header + body
        body = b""
        if self.data:
            body += bytes([len(self.data)]) + self.data
        if self.le is not None:
            body += bytes([self.le % MAX_SHORT_LE])
        return header + body


def parse_command(raw: bytes) -> CommandApdu:
    """Parse a command APDU in any of the seven encodings; ApduFormatError for anything else."""
    if len(raw) < HEADER_LENGTH:
        raise ApduFormatError("command APDU shorter than its 4-byte header")
    cla, ins, p1, p2 = raw[:HEADER_LENGTH]
    body = bytes(raw[HEADER_LENGTH:])
    data, le = _parse_command_body(body)
    return CommandApdu(cla=cla, ins=ins, p1=p1, p2=p2, data=data, le=le)


def _parse_command_body(body: bytes) -> tuple[bytes, int | None]:
    if not body:
        return b"", None  # case 1
    if len(body) == 1:
        return b"", body[0] or MAX_SHORT_LE  # case 2S
    if body[0] != 0:
        return _parse_short_body(body)
    return _parse_extended_body(body)


def _parse_short_body(body: bytes) -> tuple[bytes, int | None]:
    length = body[0]
    if len(body) == 1 + length:
        return body[1:], None  # case 3S
    if len(body) == 2 + length:
        return body[1:-1], body[-1] or MAX_SHORT_LE  # case 4S
    raise ApduFormatError("command APDU length does not match its short Lc")


def _parse_extended_body(body: bytes) -> tuple[bytes, int | None]:
    # body[0] is the '00' that opens the extended fields.
    if len(body) < 3:
        raise ApduFormatError("command APDU with a truncated extended length field")
    field = int.from_bytes(body[1:3], "big")
    if len(body) == 3:
        return b"", field or MAX_EXTENDED_LE  # case 2E
    if field == 0:
        raise ApduFormatError("extended Lc of zero")
    if len(body) == 3 + field:
        return body[3:], None  # case 3E
    if len(body) == 5 + field:
        return body[3:-2], int.from_bytes(body[-2:], "big") or MAX_EXTENDED_LE  # case 4E
    raise ApduFormatError("command APDU length does not match its extended Lc")


@dataclass(frozen=True, slots=True)
class ResponseApdu:
    """One response: the data field and the status word SW1-SW2 as one integer."""

    data: bytes
    sw: int

    @property
    def sw1(self) -> int:
        """The first status byte."""
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        """The second status byte."""
        return self.sw & 0xFF

    @property
    def ok(self) -> bool:
        """True for 9000, normal processing."""
        return self.sw == SW_SUCCESS

    def to_bytes(self) -> bytes:
        """Data followed by SW1 SW2."""
        return self.data + self.sw.to_bytes(STATUS_WORD_LENGTH, "big")


def parse_response(raw: bytes) -> ResponseApdu:
    """Split a response into data and status word; ApduFormatError if it is too short or too long."""
    if len(raw) < STATUS_WORD_LENGTH:
        raise ApduFormatError("response APDU shorter than its 2-byte status word")
    if len(raw) > MAX_EXTENDED_LE + STATUS_WORD_LENGTH:
        raise ApduFormatError(f"response APDU longer than {MAX_EXTENDED_LE} data bytes")
    return ResponseApdu(data=bytes(raw[:-STATUS_WORD_LENGTH]), sw=int.from_bytes(raw[-2:], "big"))


StatusCategory = Literal["normal", "warning", "execution_error", "checking_error", "unknown"]


@dataclass(frozen=True, slots=True)
class StatusWordMeaning:
    """What a status word means; ``parameter`` is the variable part (xx of 61xx and 6Cxx, x of 63Cx)."""

    sw: int
    category: StatusCategory
    meaning: str
    translation_key: str
    parameter: int | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    value: int
    mask: int  # bits of the status word that must equal ``value``; the rest is the parameter
    category: StatusCategory
    meaning: str
    key: str  # tail of the translation key, after "document.card."
    has_parameter: bool = False  # the bits outside ``mask`` are a count (61xx, 63Cx, 6Cxx)


_EXACT = 0xFFFF
_ANY_SW2 = 0xFF00
_LOW_NIBBLE = 0xFFF0

# ISO/IEC 7816-4 section 5.1.3, tables 5 and 6 ("SW1-SW2"), and ICAO 9303 Part 11 section 9.8.6 for the
# secure-messaging errors. Exact entries come before the ranges that contain them; the first match wins.
_STATUS_WORDS: tuple[_Entry, ...] = (
    _Entry(0x9000, _EXACT, "normal", "normal processing", "ok"),
    _Entry(0x6100, _ANY_SW2, "normal", "more response bytes available", "more_data", True),
    _Entry(0x6200, _EXACT, "warning", "no information given, memory unchanged", "warning"),
    _Entry(0x6281, _EXACT, "warning", "part of returned data may be corrupted", "data_corrupted"),
    _Entry(0x6282, _EXACT, "warning", "end of file or record reached before reading Ne bytes", "end_of_file"),
    _Entry(0x6283, _EXACT, "warning", "selected file deactivated", "file_deactivated"),
    _Entry(0x6284, _EXACT, "warning", "file control information not formatted", "fci_not_formatted"),
    _Entry(0x6300, _EXACT, "warning", "no information given, memory changed (often: verification failed)",
           "verification_failed"),
    _Entry(0x6381, _EXACT, "warning", "file filled up by the last write", "file_full"),
    _Entry(0x63C0, _LOW_NIBBLE, "warning", "verification failed, counter gives the remaining tries",
           "remaining_tries", True),
    _Entry(0x6400, _EXACT, "execution_error", "execution error, memory unchanged", "execution_error"),
    _Entry(0x6581, _EXACT, "execution_error", "memory failure", "memory_failure"),
    _Entry(0x6700, _EXACT, "checking_error", "wrong length", "wrong_length"),
    _Entry(0x6881, _EXACT, "checking_error", "logical channel not supported", "channel_not_supported"),
    _Entry(0x6882, _EXACT, "checking_error", "secure messaging not supported", "sm_not_supported"),
    _Entry(0x6883, _EXACT, "checking_error", "last command of the chain expected", "chain_last_expected"),
    _Entry(0x6884, _EXACT, "checking_error", "command chaining not supported", "chaining_not_supported"),
    _Entry(0x6981, _EXACT, "checking_error", "command incompatible with file structure", "incompatible_file"),
    _Entry(0x6982, _EXACT, "checking_error", "security status not satisfied", "security_status"),
    _Entry(0x6983, _EXACT, "checking_error", "authentication method blocked", "auth_blocked"),
    _Entry(0x6984, _EXACT, "checking_error", "reference data not usable", "reference_data_unusable"),
    _Entry(0x6985, _EXACT, "checking_error", "conditions of use not satisfied", "conditions_not_satisfied"),
    _Entry(0x6986, _EXACT, "checking_error", "command not allowed (no current EF)", "command_not_allowed"),
    _Entry(0x6987, _EXACT, "checking_error", "expected secure messaging data objects missing",
           "sm_objects_missing"),
    _Entry(0x6988, _EXACT, "checking_error", "incorrect secure messaging data objects",
           "sm_objects_incorrect"),
    _Entry(0x6A80, _EXACT, "checking_error", "incorrect parameters in the command data field",
           "incorrect_data"),
    _Entry(0x6A81, _EXACT, "checking_error", "function not supported", "function_not_supported"),
    _Entry(0x6A82, _EXACT, "checking_error", "file or application not found", "file_not_found"),
    _Entry(0x6A83, _EXACT, "checking_error", "record not found", "record_not_found"),
    _Entry(0x6A84, _EXACT, "checking_error", "not enough memory space in the file", "not_enough_memory"),
    _Entry(0x6A86, _EXACT, "checking_error", "incorrect parameters P1-P2", "incorrect_p1_p2"),
    _Entry(0x6A87, _EXACT, "checking_error", "Nc inconsistent with parameters P1-P2", "nc_inconsistent"),
    _Entry(0x6A88, _EXACT, "checking_error", "referenced data or reference data not found",
           "reference_data_not_found"),
    _Entry(0x6B00, _EXACT, "checking_error", "wrong parameters P1-P2 (offset outside the file)",
           "wrong_offset"),
    _Entry(0x6C00, _ANY_SW2, "checking_error", "wrong Le field, SW2 gives the exact length", "wrong_le",
           True),
    _Entry(0x6D00, _EXACT, "checking_error", "instruction code not supported or invalid",
           "instruction_not_supported"),
    _Entry(0x6E00, _EXACT, "checking_error", "class not supported", "class_not_supported"),
    _Entry(0x6F00, _EXACT, "checking_error", "no precise diagnosis", "no_diagnosis"),
    # Ranges of the categories, for status words with no entry of their own.
    _Entry(0x6200, _ANY_SW2, "warning", "warning, memory unchanged", "warning"),
    _Entry(0x6300, _ANY_SW2, "warning", "warning, memory changed", "warning"),
    _Entry(0x6400, _ANY_SW2, "execution_error", "execution error, memory unchanged", "execution_error"),
    _Entry(0x6500, _ANY_SW2, "execution_error", "execution error, memory changed", "execution_error"),
    _Entry(0x6600, _ANY_SW2, "execution_error", "security-related issue", "execution_error"),
    _Entry(0x6800, _ANY_SW2, "checking_error", "functions in CLA not supported",
           "cla_function_not_supported"),
    _Entry(0x6900, _ANY_SW2, "checking_error", "command not allowed", "command_not_allowed"),
    _Entry(0x6A00, _ANY_SW2, "checking_error", "wrong parameters P1-P2", "incorrect_p1_p2"),
)

_UNKNOWN_KEY = "unknown_status"


def describe_status(sw: int) -> StatusWordMeaning:
    """The meaning of status word ``sw`` from the table (an "unknown" meaning when nothing matches)."""
    for entry in _STATUS_WORDS:
        if sw & entry.mask == entry.value:
            parameter = sw & ~entry.mask & 0xFFFF if entry.has_parameter else None
            return StatusWordMeaning(
                sw=sw,
                category=entry.category,
                meaning=entry.meaning,
                translation_key=f"document.card.{entry.key}",
                parameter=parameter,
            )
    return StatusWordMeaning(
        sw=sw,
        category="unknown",
        meaning="status word not defined by ISO/IEC 7816-4",
        translation_key=f"document.card.{_UNKNOWN_KEY}",
    )


class CardStatusError(DocumentError):
    """The card answered a command with a status word other than the one expected."""

    translation_key = "document.card.unknown_status"

    def __init__(self, sw: int) -> None:
        status = describe_status(sw)
        super().__init__(f"card returned status {sw:04X}: {status.meaning}",
                         translation_key=status.translation_key)
        self.sw = sw
        self.meaning = status.meaning
        self.status = status


def check(response: ResponseApdu, *, also_accept: Collection[int] = ()) -> ResponseApdu:
    """Return ``response`` if its status is 9000 (or in ``also_accept``); raise CardStatusError otherwise."""
    if response.ok or response.sw in also_accept:
        return response
    raise CardStatusError(response.sw)

"""Command and response APDUs (ISO/IEC 7816-4:2020 section 5.1), encoded and parsed byte-exactly.

A command is one of four cases: no data and no Le (1), Le only (2), data only (3), data and Le (4), each in
short or extended form. ``le`` here is the number of bytes expected, 1..65536: the encodings "00" (short)
and "0000" (extended) stand for the maximum, 256 and 65536.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.card.errors import MalformedApduError

SHORT_MAX_DATA = 255  # ISO/IEC 7816-4 5.1: Lc 01..FF in one byte
SHORT_MAX_LE = 256  # Le "00" in short form
EXTENDED_MAX_DATA = 65535  # Lc 0001..FFFF after the 00 marker
EXTENDED_MAX_LE = 65536  # Le "0000" in extended form
HEADER_LENGTH = 4  # CLA INS P1 P2
STATUS_WORD_LENGTH = 2  # SW1 SW2 close every response (ISO/IEC 7816-4 5.6)


@dataclass(frozen=True, slots=True)
class CommandApdu:
    """One command APDU; ``le`` is None when no response data is expected (cases 1 and 3)."""

    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    le: int | None = None

    def __post_init__(self) -> None:
        for name in ("cla", "ins", "p1", "p2"):
            value = getattr(self, name)
            if not 0 <= value <= 0xFF:
                raise MalformedApduError(f"{name} {value} does not fit in one byte")
        if len(self.data) > EXTENDED_MAX_DATA:
            raise MalformedApduError(f"command data of {len(self.data)} bytes exceeds {EXTENDED_MAX_DATA}")
        if self.le is not None and not 1 <= self.le <= EXTENDED_MAX_LE:
            raise MalformedApduError(f"Le {self.le} outside 1..{EXTENDED_MAX_LE}")

    @property
    def is_extended(self) -> bool:
        """True when the command needs the extended length form (its data or Le is too long for short)."""
        return len(self.data) > SHORT_MAX_DATA or (self.le is not None and self.le > SHORT_MAX_LE)

    def encode(self, *, extended: bool = False) -> bytes:
        """The shortest valid encoding (short form unless data or Le need extended), or extended when asked."""
        header = bytes((self.cla, self.ins, self.p1, self.p2))
        if not self.data and self.le is None:
            return header  # case 1 has no length fields in either form
        if extended or self.is_extended:
            # ISO/IEC 7816-4 5.1: extended Lc is 00 + 2 bytes; extended Le is 2 bytes after Lc, or
            # 00 + 2 bytes when there is no data. 65536 is encoded as 0000.
            body = b""
            if self.data:
                body = b"\x00" + len(self.data).to_bytes(2, "big") + self.data
            if self.le is not None:
                le_field = (self.le % EXTENDED_MAX_LE).to_bytes(2, "big")
                body += le_field if self.data else b"\x00" + le_field
            return header + body
        body = bytes((len(self.data),)) + self.data if self.data else b""
        if self.le is not None:
            body += bytes((self.le % SHORT_MAX_LE,))
        return header + body

    def with_le(self, le: int) -> CommandApdu:
        """The same command asking for ``le`` bytes (used to re-send after ``6Cxx``)."""
        return CommandApdu(self.cla, self.ins, self.p1, self.p2, self.data, le)


def parse_command_apdu(apdu: bytes) -> CommandApdu:
    """Parse a command APDU in any of the seven encodings of ISO/IEC 7816-4 5.1 (Table 2)."""
    if len(apdu) < HEADER_LENGTH:
        raise MalformedApduError(f"command APDU of {len(apdu)} bytes is shorter than its header")
    cla, ins, p1, p2 = apdu[:4]
    body = apdu[4:]
    if not body:  # case 1
        return CommandApdu(cla, ins, p1, p2)
    if len(body) == 1:  # case 2S
        return CommandApdu(cla, ins, p1, p2, le=body[0] or SHORT_MAX_LE)
    if body[0] != 0:  # case 3S or 4S: Lc in one byte
        length = body[0]
        if len(body) == 1 + length:
            return CommandApdu(cla, ins, p1, p2, body[1:])
        if len(body) == 2 + length:
            return CommandApdu(cla, ins, p1, p2, body[1:-1], body[-1] or SHORT_MAX_LE)
        raise MalformedApduError(f"short Lc {length} does not match a body of {len(body)} bytes")
    return _parse_extended(cla, ins, p1, p2, body)


def _parse_extended(cla: int, ins: int, p1: int, p2: int, body: bytes) -> CommandApdu:
    """Cases 2E, 3E and 4E: the body starts with 00 and carries 2-byte length fields."""
    if len(body) == 3:  # case 2E
        return CommandApdu(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big") or EXTENDED_MAX_LE)
    length = int.from_bytes(body[1:3], "big") if len(body) > 3 else 0
    if length == 0:
        raise MalformedApduError(f"extended command body of {len(body)} bytes has no valid Lc")
    if len(body) == 3 + length:  # case 3E
        return CommandApdu(cla, ins, p1, p2, body[3:])
    if len(body) == 5 + length:  # case 4E
        return CommandApdu(cla, ins, p1, p2, body[3:-2], int.from_bytes(body[-2:], "big") or EXTENDED_MAX_LE)
    raise MalformedApduError(f"extended Lc {length} does not match a body of {len(body)} bytes")

@dataclass(frozen=True, slots=True)
class ResponseApdu:
    """One response APDU: the data field and the status word ``SW1 SW2`` as one integer."""

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
    def is_success(self) -> bool:
        """True for ``9000`` (ISO/IEC 7816-4 5.6, normal processing)."""
        return self.sw == SW_SUCCESS

    def encode(self) -> bytes:
        """Data followed by SW1 SW2."""
        return self.data + self.sw.to_bytes(2, "big")


def parse_response_apdu(response: bytes) -> ResponseApdu:
    """Split a response into data and status word; a response shorter than two bytes is malformed."""
    if len(response) < STATUS_WORD_LENGTH:
        raise MalformedApduError(f"response APDU of {len(response)} bytes has no status word")
    if len(response) > EXTENDED_MAX_LE + STATUS_WORD_LENGTH:
        raise MalformedApduError(f"response APDU longer than {EXTENDED_MAX_LE} data bytes")
    return ResponseApdu(bytes(response[:-2]), int.from_bytes(response[-2:], "big"))


# Status words used by the transport layer (ISO/IEC 7816-4:2020 5.6, Table 5 and 6).
SW_SUCCESS = 0x9000
SW1_MORE_DATA = 0x61  # 61xx: xx more bytes available through GET RESPONSE (00 means 256 or more)
SW1_WRONG_LE = 0x6C  # 6Cxx: wrong Le field, xx is the exact number of available bytes
INS_GET_RESPONSE = 0xC0  # ISO/IEC 7816-4 11.7.1

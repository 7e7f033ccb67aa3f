"""BER-TLV data objects as smart cards and ICAO 9303 files use them.

The subset of ITU-T X.690 (section 8.1) that ISO/IEC 7816-4 (section 5.2.2, "BER-TLV data objects") allows:

- tags of one to three bytes; the first byte carries the class (bits 8-7), the constructed flag (bit 6) and
  either the tag number or ``11111`` meaning "more tag bytes follow", each with bit 8 set except the last;
- definite lengths only: short form (one byte, 0..127) or long form (``81``..``84`` then 1..4 length bytes).

A tag is handled as one integer holding all its bytes (``0x5F1F``, ``0x7F61``, ``0x87``), which is how the
specifications write them. Parsing is strict: anything the rules above do not allow raises :class:`TlvError`.
Long-form lengths with leading zero bytes (``82 00 05``) are BER and accepted; encoding always writes the
shortest form (DER, X.690 section 10.1), which is what ICAO 9303 Part 10 requires of the LDS.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.documents.errors import DocumentError

# ISO/IEC 7816-4 section 5.2.2.1: tag fields are one, two or three bytes long.
MAX_TAG_BYTES = 3
# ISO/IEC 7816-4 section 5.2.2.2: long-form lengths here use at most four subsequent bytes (81..84).
MAX_LENGTH_BYTES = 4
MAX_LENGTH = (1 << (8 * MAX_LENGTH_BYTES)) - 1

_CONSTRUCTED_BIT = 0x20  # X.690 section 8.1.2.5: bit 6 of the first tag byte
_TAG_NUMBER_MASK = 0x1F  # X.690 section 8.1.2.4: low five bits all ones mean "tag number follows"
_MORE_TAG_BYTES = 0x80  # X.690 section 8.1.2.4.2: bit 8 set on every subsequent tag byte but the last
_LONG_FORM = 0x80  # X.690 section 8.1.3.5: bit 8 of the first length byte selects the long form
_INDEFINITE_LENGTH = 0x80  # X.690 section 8.1.3.6: not allowed by ISO/IEC 7816-4
# ISO/IEC 7816-4 section 5.2.2.1: '00' and 'FF' are invalid first tag bytes (they are padding there).
_INVALID_FIRST_TAG_BYTES = frozenset({0x00, 0xFF})


class TlvError(DocumentError):
    """The bytes are not well-formed BER-TLV (truncated, bad tag or length, or bytes left over)."""

    translation_key = "document.malformed"


@dataclass(frozen=True, slots=True)
class Tlv:
    """One data object: ``tag`` is all the tag bytes as one integer, ``value`` the content bytes."""

    tag: int
    value: bytes

    @property
    def constructed(self) -> bool:
        """True when the value is itself a sequence of data objects (bit 6 of the first tag byte)."""
        return bool(_first_tag_byte(self.tag) & _CONSTRUCTED_BIT)

    def children(self) -> list[Tlv]:
        """The data objects inside a constructed object's value; TlvError for a primitive one."""
        if not self.constructed:
            raise TlvError(f"data object {self.tag:X} is primitive and has no children")
        return parse_all(self.value)

    def to_bytes(self) -> bytes:
        """The encoded object: tag, shortest length, value."""
        return encode_tlv(self.tag, self.value)


def parse_one(data: bytes, offset: int = 0) -> tuple[Tlv, int]:
    """Parse the data object starting at ``offset``; return it and the offset just after it."""
    if offset < 0:
        raise ValueError("offset must not be negative")
    tag, position = _parse_tag(data, offset)
    length, position = _parse_length(data, position)
    end = position + length
    if end > len(data):
        raise TlvError(f"data object {tag:X} is truncated: {length} value bytes announced, "
                       f"{len(data) - position} present")
    return Tlv(tag=tag, value=bytes(data[position:end])), end


def parse_all(data: bytes) -> list[Tlv]:
    """Parse consecutive data objects that must use every byte of ``data`` (empty input gives [])."""
    elements: list[Tlv] = []
    position = 0
    while position < len(data):
        element, position = parse_one(data, position)
        elements.append(element)
    return elements


def find(elements: Sequence[Tlv], tag: int) -> Tlv | None:
    """The first element with ``tag`` (no descent into children), or None."""
    for element in elements:
        if element.tag == tag:
            return element
    return None


def encode_length(length: int) -> bytes:
    """The shortest length field for ``length`` (X.690 section 10.1); ValueError if it cannot be encoded."""
    if length < 0 or length > MAX_LENGTH:
        raise ValueError(f"length must be 0..{MAX_LENGTH}")
    if length < _LONG_FORM:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([_LONG_FORM | len(body)]) + body


def encode_tlv(tag: int, value: bytes) -> bytes:
    """Encode one data object; ValueError if ``tag`` is not a well-formed tag of at most three bytes."""
    tag_bytes = _tag_bytes(tag)
    try:
        parsed_tag, end = _parse_tag(tag_bytes, 0)
    except TlvError as error:
        raise ValueError(f"not a valid tag: {tag:X}") from error
    if end != len(tag_bytes) or parsed_tag != tag:
        raise ValueError(f"not a valid tag: {tag:X}")
    return tag_bytes + encode_length(len(value)) + bytes(value)


def _tag_bytes(tag: int) -> bytes:
    if tag < 0:
        raise ValueError("tag must not be negative")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def _first_tag_byte(tag: int) -> int:
    return _tag_bytes(tag)[0]


def _parse_tag(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise TlvError("data object is truncated: tag missing")
    first = data[offset]
    if first in _INVALID_FIRST_TAG_BYTES:
        raise TlvError(f"invalid first tag byte {first:02X}")
    tag = first
    position = offset + 1
    if first & _TAG_NUMBER_MASK != _TAG_NUMBER_MASK:
        return tag, position
    while True:
        if position >= len(data):
            raise TlvError("data object is truncated inside its tag")
        if position - offset >= MAX_TAG_BYTES:
            raise TlvError(f"tag longer than {MAX_TAG_BYTES} bytes")
        following = data[position]
        # X.690 section 8.1.2.4.2 c): the first subsequent byte must not be 80 (a padded tag number).
        if position == offset + 1 and following == _MORE_TAG_BYTES:
            raise TlvError("tag number is not minimally encoded")
        tag = (tag << 8) | following
        position += 1
        if not following & _MORE_TAG_BYTES:
            return tag, position


def _parse_length(data: bytes, offset: int) -> tuple[int, int]:
    if offset >= len(data):
        raise TlvError("data object is truncated: length missing")
    first = data[offset]
    if first < _LONG_FORM:
        return first, offset + 1
    if first == _INDEFINITE_LENGTH:
        raise TlvError("indefinite length is not allowed")
    count = first & ~_LONG_FORM
    if count > MAX_LENGTH_BYTES:
        raise TlvError(f"length field of {count} bytes is longer than {MAX_LENGTH_BYTES}")
    end = offset + 1 + count
    if end > len(data):
        raise TlvError("data object is truncated inside its length")
    return int.from_bytes(data[offset + 1:end], "big"), end

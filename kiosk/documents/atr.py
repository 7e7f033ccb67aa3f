"""What a card's answer-to-reset says about it: its historical bytes, and whether it takes extended lengths.

Both document readers ask this before reading (the ID card, ``kiosk.documents.id_card``, and the eMRTD,
``kiosk.documents.emrtd``): with extended Lc and Le a certificate or a data group comes in one READ BINARY.
"""

from __future__ import annotations

from typing import Final

# ISO/IEC 7816-4:2020 12.1.1: historical bytes starting 80 hold compact-TLV objects (starting 00, the same
# followed by a three-byte status indicator); tag 7 is card capabilities, whose third byte has b7 set when
# extended Lc and Le fields are supported (Table 120).
HISTORICAL_COMPACT_TLV: Final = 0x80
HISTORICAL_COMPACT_TLV_WITH_STATUS: Final = 0x00
STATUS_INDICATOR_BYTES: Final = 3
CARD_CAPABILITIES_TAG: Final = 0x7
EXTENDED_LENGTH_BIT: Final = 0x40


def historical_bytes(atr: bytes) -> bytes:
    """The historical bytes of an ATR (ISO/IEC 7816-3:2006 8.2), or b"" when the ATR is too short for them.

    T0's low nibble counts them; its high nibble and each TDi's announce which interface bytes follow.
    """
    if len(atr) < 2:
        return b""
    count = atr[1] & 0x0F
    indicators = atr[1] >> 4
    position = 2
    while True:
        position += bin(indicators & 0x07).count("1")  # TAi, TBi, TCi
        if not indicators & 0x08:  # no TDi: the interface bytes end here
            break
        if position >= len(atr):
            return b""
        indicators = atr[position] >> 4
        position += 1
    historical = atr[position : position + count]
    return historical if len(historical) == count else b""


def offers_extended_length(atr: bytes) -> bool:
    """True when the ATR's card capabilities announce extended Lc and Le (ISO/IEC 7816-4:2020 12.1.1.10).

    Only the compact-TLV formats of the historical bytes (category 80, or 00 with three status bytes at the
    end) carry card capabilities; anything else, or a malformed object, counts as "not offered".
    """
    historical = historical_bytes(atr)
    if not historical:
        return False
    if historical[0] == HISTORICAL_COMPACT_TLV:
        objects = historical[1:]
    elif historical[0] == HISTORICAL_COMPACT_TLV_WITH_STATUS and len(historical) > STATUS_INDICATOR_BYTES:
        objects = historical[1:-STATUS_INDICATOR_BYTES]
    else:
        return False
    position = 0
    while position < len(objects):
        tag, length = objects[position] >> 4, objects[position] & 0x0F
        value = objects[position + 1 : position + 1 + length]
        if len(value) != length:
            return False
        if tag == CARD_CAPABILITIES_TAG:
            return length >= 3 and bool(value[2] & EXTENDED_LENGTH_BIT)
        position += 1 + length
    return False

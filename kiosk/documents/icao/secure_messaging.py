"""Secure messaging after BAC (ICAO 9303 Part 11 section 9.8), the reader's side and the card's side.

A protected command keeps the header (with CLA bits b4 b3 set, '0C') and carries in its data field:

- DO'87' = '01' || 3DES-CBC(KS_enc, pad(data)) for an even INS, or DO'85' = 3DES-CBC(KS_enc, pad(data)) for an
  odd INS (whose data is itself BER-TLV), when the plain command has data;
- DO'97' = Le, when the plain command expects response data;
- DO'8E' = MAC(KS_mac, pad(SSC || pad(header) || DO'87' || DO'97')), always.

A protected response carries DO'87' (or DO'85') with the encrypted data if there is any, DO'99' with the
status word (always), and DO'8E' = MAC(KS_mac, pad(SSC || DO'87' || DO'99')). The send sequence counter (SSC)
is incremented before every MAC, computed or checked, so each command and each response uses its own value
(Part 11 section 9.8.2). Any failure is a :class:`SecureMessagingError`: after it the session is over, and
the caller must authenticate again (Part 11 section 9.8.6.3).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from kiosk.documents import tlv
from kiosk.documents.apdu import (
    EXTENDED_MAX_LE,
    SHORT_MAX_DATA,
    SHORT_MAX_LE,
    SW_SUCCESS,
    CommandApdu,
    ResponseApdu,
)
from kiosk.documents.icao import cipher
from kiosk.documents.icao.bac import SessionKeys
from kiosk.documents.icao.errors import SecureMessagingError

# Part 11 section 9.8 and ISO/IEC 7816-4 section 10.2: secure-messaging data objects.
TAG_PLAIN_VALUE_ENCRYPTED = 0x85  # cryptogram of BER-TLV data (odd INS), no padding-content indicator
TAG_PADDED_ENCRYPTED = 0x87  # padding-content indicator byte followed by the cryptogram (even INS)
TAG_EXPECTED_LENGTH = 0x97  # Le, protected by the MAC
TAG_PROCESSING_STATUS = 0x99  # SW1-SW2 of the plain response, protected by the MAC
TAG_CHECKSUM = 0x8E  # the cryptographic checksum (MAC)
PADDING_INDICATOR = 0x01  # ISO/IEC 7816-4 table 52: '01' = padded with method 2 ('80' then '00's)
SM_CLA_BITS = 0x0C  # ISO/IEC 7816-4 section 5.4.1: b4 b3 = 11, SM with the header authenticated
_SSC_MODULUS = 1 << 64  # the SSC is 8 bytes and wraps around
_SSC_SIZE = 8
_STATUS_WORD_SIZE = 2
_ENCRYPTED_TAGS = (TAG_PLAIN_VALUE_ENCRYPTED, TAG_PADDED_ENCRYPTED)


class _Session:
    """What both sides share: the session keys and the send sequence counter."""

    def __init__(self, keys: SessionKeys) -> None:
        self._encryption_key = keys.encryption_key
        self._mac_key = keys.mac_key
        self._counter = keys.send_sequence_counter

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<secret>)"

    @property
    def send_sequence_counter(self) -> int:
        """The SSC as last used for a MAC (the value from BAC before any message)."""
        return self._counter

    def _next_mac(self, data: bytes) -> bytes:
        self._counter = (self._counter + 1) % _SSC_MODULUS
        return cipher.retail_mac(self._mac_key, self._counter.to_bytes(_SSC_SIZE, "big") + data)

    def _encrypted_object(self, tag: int, plain: bytes) -> bytes:
        encrypted = cipher.encrypt(self._encryption_key, cipher.pad(plain))
        if tag == TAG_PADDED_ENCRYPTED:
            encrypted = bytes([PADDING_INDICATOR]) + encrypted
        return tlv.encode_tlv(tag, encrypted)

    def _decrypt_object(self, element: tlv.Tlv) -> bytes:
        encrypted = element.value
        if element.tag == TAG_PADDED_ENCRYPTED:
            if not encrypted or encrypted[0] != PADDING_INDICATOR:
                raise SecureMessagingError("malformed", "DO'87' does not announce padding method 2")
            encrypted = encrypted[1:]
        if not encrypted or len(encrypted) % cipher.BLOCK_SIZE:
            raise SecureMessagingError("malformed", "the cryptogram is not a whole number of blocks")
        return cipher.unpad(cipher.decrypt(self._encryption_key, encrypted))

    def _check_mac(self, message: _Message, header: bytes) -> None:
        """Check the trailing DO'8E' over ``header`` and the bytes before it (SSC incremented first)."""
        elements = message.elements
        if not elements or elements[-1].tag != TAG_CHECKSUM:
            raise SecureMessagingError("missing_mac", "the message has no DO'8E' at its end")
        if any(element.tag == TAG_CHECKSUM for element in elements[:-1]):
            raise SecureMessagingError("malformed", "the message has more than one DO'8E'")
        # The MAC covers the objects as sent, so a non-minimal length encoding is checked as it is.
        expected = self._next_mac(header + message.before_checksum)
        checksum = elements[-1].value
        if len(checksum) != cipher.MAC_SIZE or not hmac.compare_digest(expected, checksum):
            raise SecureMessagingError("bad_mac", "the message MAC does not verify")


class SecureMessaging(_Session):
    """The reader's side of a secure-messaging session: wrap commands, unwrap the card's responses.

    Use one instance per session, and every wrapped command with exactly one unwrapped response, in order.
    """

    def wrap_command(self, command: CommandApdu) -> CommandApdu:
        """The protected form of a plain command (Part 11 section 9.8.4)."""
        if command.cla & SM_CLA_BITS:
            raise ValueError("the plain command already has secure-messaging bits in its CLA")
        cla = command.cla | SM_CLA_BITS
        objects = b""
        if command.data:
            tag = TAG_PLAIN_VALUE_ENCRYPTED if command.ins & 1 else TAG_PADDED_ENCRYPTED
            objects += self._encrypted_object(tag, command.data)
        if command.le is not None:
            objects += tlv.encode_tlv(TAG_EXPECTED_LENGTH, _encode_le(command.le))
        header = cipher.pad(bytes([cla, command.ins, command.p1, command.p2]))
        objects += tlv.encode_tlv(TAG_CHECKSUM, self._next_mac(header + objects))
        # Ask for all the card has; the extended form when the protected data or Le needs it.
        extended = (command.le is not None and command.le > SHORT_MAX_LE) or len(objects) > SHORT_MAX_DATA
        return CommandApdu(cla=cla, ins=command.ins, p1=command.p1, p2=command.p2, data=objects,
                           le=EXTENDED_MAX_LE if extended else SHORT_MAX_LE)

    def unwrap_response(self, response: ResponseApdu) -> ResponseApdu:
        """The plain response inside a protected one, after checking its MAC (Part 11 section 9.8.5).

        A response with no data and an error status is the card ending the session (for example '6987' or
        '6988' when it rejected our MAC): :class:`SecureMessagingError` ``"unprotected_status"`` carries it.
        """
        if not response.data and response.sw != SW_SUCCESS:
            raise SecureMessagingError(
                "unprotected_status", f"the card answered {response.sw:04X} without secure messaging",
                status_word=response.sw,
            )
        message = _parse(response.data)
        self._check_mac(message, b"")
        body = message.elements[:-1]
        encrypted = [element for element in body if element.tag in _ENCRYPTED_TAGS]
        statuses = [element for element in body if element.tag == TAG_PROCESSING_STATUS]
        if not statuses:
            raise SecureMessagingError("missing_status", "the protected response has no DO'99'")
        if len(statuses) > 1 or len(encrypted) > 1 or len(encrypted) + len(statuses) != len(body):
            raise SecureMessagingError("malformed", "unexpected data objects in the protected response")
        if len(statuses[0].value) != _STATUS_WORD_SIZE:
            raise SecureMessagingError("malformed", "DO'99' is not two bytes")
        data = self._decrypt_object(encrypted[0]) if encrypted else b""
        return ResponseApdu(data=data, sw=int.from_bytes(statuses[0].value, "big"))


class CardSecureMessaging(_Session):
    """The card's side of a session, for the simulator: unwrap the reader's commands, wrap the responses.

    On a :class:`SecureMessagingError` a card answers '6987' (missing objects) or '6988' (wrong MAC or
    objects) without secure messaging and ends the session (Part 11 section 9.8.6.3).
    """

    def unwrap_command(self, command: CommandApdu) -> CommandApdu:
        """The plain command inside a protected one, after checking its MAC."""
        if command.cla & SM_CLA_BITS != SM_CLA_BITS:
            raise SecureMessagingError("missing_mac", "the command is not protected by secure messaging")
        message = _parse(command.data)
        header = cipher.pad(bytes([command.cla, command.ins, command.p1, command.p2]))
        self._check_mac(message, header)
        body = message.elements[:-1]
        encrypted = [element for element in body if element.tag in _ENCRYPTED_TAGS]
        lengths = [element for element in body if element.tag == TAG_EXPECTED_LENGTH]
        if len(encrypted) > 1 or len(lengths) > 1 or len(encrypted) + len(lengths) != len(body):
            raise SecureMessagingError("malformed", "unexpected data objects in the protected command")
        data = self._decrypt_object(encrypted[0]) if encrypted else b""
        le = _decode_le(lengths[0].value) if lengths else None
        return CommandApdu(cla=command.cla & ~SM_CLA_BITS & 0xFF, ins=command.ins, p1=command.p1,
                           p2=command.p2, data=data, le=le)

    def wrap_response(self, response: ResponseApdu) -> ResponseApdu:
        """The protected form of a plain response: DO'87' (if data), DO'99', DO'8E'."""
        objects = b""
        if response.data:
            objects += self._encrypted_object(TAG_PADDED_ENCRYPTED, response.data)
        objects += tlv.encode_tlv(TAG_PROCESSING_STATUS, response.sw.to_bytes(_STATUS_WORD_SIZE, "big"))
        objects += tlv.encode_tlv(TAG_CHECKSUM, self._next_mac(objects))
        return ResponseApdu(data=objects, sw=response.sw)


@dataclass(frozen=True, slots=True)
class _Message:
    """The data objects of a protected message and the raw bytes in front of the last one."""

    elements: list[tlv.Tlv]
    before_checksum: bytes


def _parse(data: bytes) -> _Message:
    elements: list[tlv.Tlv] = []
    start = position = 0
    try:
        while position < len(data):
            start = position
            element, position = tlv.parse_one(data, position)
            elements.append(element)
    except tlv.TlvError as error:
        raise SecureMessagingError("malformed", "the data objects are not valid BER-TLV") from error
    return _Message(elements=elements, before_checksum=bytes(data[:start]))


def _encode_le(le: int) -> bytes:
    # ISO/IEC 7816-4 section 10.2: DO'97' holds Le as the plain APDU would ('00' = 256, '0000' = 65536).
    if le <= SHORT_MAX_LE:
        return bytes([le % SHORT_MAX_LE])
    return (le % EXTENDED_MAX_LE).to_bytes(2, "big")


def _decode_le(value: bytes) -> int:
    if len(value) == 1:
        return value[0] or SHORT_MAX_LE
    if len(value) == 2:
        return int.from_bytes(value, "big") or EXTENDED_MAX_LE
    raise SecureMessagingError("malformed", "DO'97' is neither one nor two bytes")

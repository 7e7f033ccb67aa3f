"""The card transport interface: ``CardChannel`` for APDUs, ``CardReader`` for insertion and removal.

Document readers talk only to these protocols, so the same code runs on pcscd with a real reader, on pcscd
with the simulator's vpcd card, and on the in-process virtual card. Every backend sends its APDUs through
``exchange_apdu``, which does the ``61xx``/``6Cxx`` handling that PC/SC leaves to the application
(ISO/IEC 7816-4:2020 5.3.4 and 5.6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Protocol, Self

from drivers.card.apdu import (
    HEADER_LENGTH,
    INS_GET_RESPONSE,
    SHORT_MAX_LE,
    SW1_MORE_DATA,
    SW1_WRONG_LE,
    CommandApdu,
    parse_command_apdu,
    parse_response_apdu,
)
from drivers.card.errors import MalformedApduError, ReaderNotFoundError, ResponseTooLongError

RawTransmit = Callable[[bytes], bytes]
"""Sends one command APDU to the card as it is and returns the card's raw response (data + SW1 SW2)."""

MAX_GET_RESPONSE_ROUNDS = 1024
"""More ``61xx`` rounds than this (256 KiB at 256 bytes a round) means a faulty or hostile card."""


class CardChannel(Protocol):
    """A connection to one inserted card."""

    def atr(self) -> bytes:
        """The card's answer-to-reset."""
        ...

    def transmit(self, apdu: bytes) -> bytes:
        """Send one command APDU; return the whole response, data followed by SW1 SW2.

        ``61xx`` responses are completed with GET RESPONSE and ``6Cxx`` answered by re-sending with the
        right Le, so callers see the final status word only. Raises ``CardRemovedError`` when the card
        leaves mid-exchange.
        """
        ...

    def close(self) -> None:
        """Release the card (idempotent)."""
        ...

    def __enter__(self) -> Self:
        """Use the channel in a ``with`` block; it is closed at the end."""
        ...

    def __exit__(
        self,
        exception_type: type[BaseException] | None,
        exception: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the channel."""
        ...


class CardReader(Protocol):
    """One card slot: waits for a card to arrive and notices when it leaves."""

    @property
    def name(self) -> str:
        """The reader's name (PC/SC reader name or the virtual slot's name)."""
        ...

    def wait_for_card(self, timeout: float) -> CardChannel:
        """Wait up to ``timeout`` seconds for a card, connect to it and return its channel.

        A card already present counts. Raises ``CardTimeoutError`` when none arrives in time,
        ``ReaderNotFoundError`` when the reader is missing, ``ReaderBusyError`` when another
        application holds the card.
        """
        ...

    def wait_for_removal(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the slot to be empty; True when it is."""
        ...

    def card_present(self) -> bool:
        """True when a card sits in the reader right now."""
        ...


def select_reader_name(reader_names: Iterable[str], reader_prefix: str) -> str:
    """The first reader whose name starts with ``reader_prefix`` (PC/SC names carry slot numbers)."""
    names = tuple(reader_names)
    for name in names:
        if name.startswith(reader_prefix):
            return name
    raise ReaderNotFoundError(reader_prefix, names)


def get_response_class(cla: int) -> int:
    """The CLA for GET RESPONSE after a command sent with ``cla``: same logical channel, no SM, no chaining.

    ISO/IEC 7816-4:2020 5.4.1: first interindustry classes (b8-b6 = 000) keep the channel in b2-b1; further
    interindustry classes (b8-b7 = 01) keep it in b4-b1. Proprietary classes fall back to 00.
    """
    if cla & 0xE0 == 0x00:
        return cla & 0x03
    if cla & 0xC0 == 0x40:
        return 0x40 | (cla & 0x0F)
    return 0x00


def _send_fixing_le(send: RawTransmit, apdu: bytes) -> bytes:
    """Send once; on ``6Cxx`` re-send the same command with Le = xx (ISO/IEC 7816-4:2020 5.6, Table 6)."""
    response = send(apdu)
    if len(response) == 2 and response[0] == SW1_WRONG_LE:
        exact_le = response[1] or SHORT_MAX_LE
        response = send(parse_command_apdu(apdu).with_le(exact_le).encode())
    return response


def exchange_apdu(send: RawTransmit, apdu: bytes) -> bytes:
    """Send ``apdu`` through ``send`` and return the complete response, handling ``6Cxx`` and ``61xx``.

    ``61xx`` means xx further bytes (00: 256 or more) wait behind GET RESPONSE (ISO/IEC 7816-4:2020 5.3.4,
    11.7.1); the data of every round is joined and the last round's status word closes the result.
    """
    if len(apdu) < HEADER_LENGTH:
        raise MalformedApduError(f"command APDU of {len(apdu)} bytes is shorter than its header")
    response = parse_response_apdu(_send_fixing_le(send, apdu))
    if response.sw1 != SW1_MORE_DATA:
        return response.encode()
    collected = bytearray(response.data)
    cla = get_response_class(apdu[0])
    for _ in range(MAX_GET_RESPONSE_ROUNDS):
        get_response = CommandApdu(cla, INS_GET_RESPONSE, 0x00, 0x00, le=response.sw2 or SHORT_MAX_LE)
        response = parse_response_apdu(_send_fixing_le(send, get_response.encode()))
        collected += response.data
        if response.sw1 != SW1_MORE_DATA:
            return bytes(collected) + response.sw.to_bytes(2, "big")
    raise ResponseTooLongError(
        f"card still signalled more data after {MAX_GET_RESPONSE_ROUNDS} GET RESPONSE rounds"
    )

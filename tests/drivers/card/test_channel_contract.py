"""One contract for every card channel: the in-process virtual reader and PC/SC through pcscd + vpcd.

Each test runs on both backends; the PC/SC runs need pcscd (the session fixture starts it as root).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

import pytest

from drivers.card.channel import CardChannel, CardReader
from drivers.card.errors import (
    CardCommunicationError,
    CardRemovedError,
    CardTimeoutError,
    ReaderBusyError,
    ReaderNotFoundError,
)
from drivers.card.pcsc import PcscCardReader
from simulator.cards.inprocess import InProcessCardReader, select_in_process_reader
from simulator.cards.virtual import Application, ElementaryFile, FileSystemCard, build_t1_atr
from simulator.cards.vpcd import VPCD_READER_PREFIX, VpcdCardClient

AID = bytes.fromhex("A0000002471001")
CONTENT = bytes(i * 7 % 251 for i in range(20_000))
ATR = build_t1_atr(bytes.fromhex("8073008040"))  # card capabilities: extended Lc/Le (ISO/IEC 7816-4 12.1.1)
WAIT = 5.0


def make_card(content: bytes = CONTENT, **options: object) -> FileSystemCard:
    return FileSystemCard(
        applications=(Application(AID, (ElementaryFile(0x0101, content, short_file_id=1),)),),
        atr_bytes=ATR,
        **options,  # type: ignore[arg-type]
    )


class Slot(Protocol):
    """What the contract needs from a backend: a reader plus the simulator's controls."""

    @property
    def reader(self) -> CardReader: ...

    def insert(self, card: FileSystemCard) -> None: ...
    def remove(self) -> None: ...
    def remove_after_apdus(self, count: int) -> None: ...
    def reader_by_prefix(self, prefix: str) -> CardReader: ...


@dataclass
class InProcessSlot:
    reader: InProcessCardReader

    def insert(self, card: FileSystemCard) -> None:
        self.reader.insert(card)

    def remove(self) -> None:
        self.reader.remove()

    def remove_after_apdus(self, count: int) -> None:
        self.reader.remove_after_apdus(count)

    def reader_by_prefix(self, prefix: str) -> CardReader:
        return select_in_process_reader([self.reader], prefix)


@dataclass
class PcscSlot:
    reader: PcscCardReader
    client: VpcdCardClient

    def insert(self, card: FileSystemCard) -> None:
        self.client.insert(card)
        assert self.client.wait_until_connected(WAIT)

    def remove(self) -> None:
        self.client.remove()

    def remove_after_apdus(self, count: int) -> None:
        self.client.drop_after_apdus(count)

    def reader_by_prefix(self, prefix: str) -> CardReader:
        return PcscCardReader(prefix)


@pytest.fixture(params=["in_process", pytest.param("pcsc", marks=pytest.mark.pcscd)])
def slot(request: pytest.FixtureRequest) -> Iterator[Slot]:
    if request.param == "in_process":
        yield InProcessSlot(InProcessCardReader())
        return
    request.getfixturevalue("pcscd")
    reader = PcscCardReader(VPCD_READER_PREFIX)
    client = VpcdCardClient()
    try:
        # Start every test from an empty slot, as a voter would find it.
        assert reader.wait_for_removal(WAIT)
        yield PcscSlot(reader, client)
    finally:
        client.close()  # the next test's setup waits until pcscd has seen the slot empty
        reader.close()


@pytest.fixture
def channel(slot: Slot) -> Iterator[CardChannel]:
    slot.insert(make_card())
    card_channel = slot.reader.wait_for_card(WAIT)
    yield card_channel
    card_channel.close()


def transmit(channel: CardChannel, apdu: str) -> tuple[bytes, str]:
    response = channel.transmit(bytes.fromhex(apdu.replace(" ", "")))
    return response[:-2], response[-2:].hex().upper()


def select_content(channel: CardChannel) -> None:
    assert transmit(channel, f"00A4040C07{AID.hex()}")[1] == "9000"
    assert transmit(channel, "00A4020C020101")[1] == "9000"


def test_atr(channel: CardChannel) -> None:
    assert channel.atr() == ATR


def test_card_presence(slot: Slot, channel: CardChannel) -> None:
    assert slot.reader.card_present()
    assert not slot.reader.wait_for_removal(0.05)


def test_select_and_read_binary(channel: CardChannel) -> None:
    assert transmit(channel, "00A4040C03A00000")[1] == "6A82"
    select_content(channel)
    assert transmit(channel, "00B0000010") == (CONTENT[:16], "9000")
    assert transmit(channel, "00B07FF000")[1] == "6B00"
    assert transmit(channel, "00B04E1C10") == (CONTENT[19996:], "6282")
    assert transmit(channel, "00B0810008") == (CONTENT[:8], "9000")


def test_get_response_chaining(slot: Slot) -> None:
    slot.insert(make_card(get_response_chunk=50))
    with slot.reader.wait_for_card(WAIT) as channel:
        select_content(channel)
        assert transmit(channel, "00B0000000") == (CONTENT[:256], "9000")
        fcp, status = transmit(channel, "00A4020402010100")
        assert status == "9000" and fcp.startswith(b"\x62")


def test_wrong_le_is_resent(slot: Slot) -> None:
    slot.insert(make_card(content=b"0123456789", exact_le=True))
    with slot.reader.wait_for_card(WAIT) as channel:
        select_content(channel)
        assert transmit(channel, "00B0000000") == (b"0123456789", "9000")
        assert transmit(channel, "00B0000204") == (b"2345", "9000")


def test_extended_length_read(channel: CardChannel) -> None:
    select_content(channel)
    assert transmit(channel, "00B00000000000") == (CONTENT, "9000")
    assert transmit(channel, "00B000640010 00".replace(" ", "")[:14]) == (CONTENT[100 : 100 + 0x1000], "9000")


def test_removed_mid_read_then_next_card_is_served(slot: Slot) -> None:
    slot.insert(make_card())
    channel = slot.reader.wait_for_card(WAIT)
    select_content(channel)
    slot.remove_after_apdus(3)
    with pytest.raises(CardRemovedError) as raised:
        for offset in range(0, len(CONTENT), 200):
            channel.transmit(bytes((0x00, 0xB0, offset >> 8, offset & 0xFF, 200)))
    assert raised.value.translation_key == "card.removed"
    with pytest.raises(CardRemovedError):  # the channel stays dead
        channel.transmit(bytes.fromhex("00B0000010"))
    assert slot.reader.wait_for_removal(WAIT)
    channel.close()

    next_content = b"the next voter's card"
    slot.insert(make_card(content=next_content))
    with slot.reader.wait_for_card(WAIT) as next_channel:
        select_content(next_channel)
        assert transmit(next_channel, "00B0000000") == (next_content, "9000")


def test_channel_to_a_replaced_card_is_dead(slot: Slot, channel: CardChannel) -> None:
    slot.remove()
    assert slot.reader.wait_for_removal(WAIT)
    slot.insert(make_card())
    with pytest.raises(CardRemovedError):
        channel.transmit(bytes.fromhex("00A4040C07") + AID)
    # The dead channel still holds the reader (PC/SC exclusive mode) until it is closed.
    with pytest.raises(ReaderBusyError):
        slot.reader.wait_for_card(WAIT)
    channel.close()
    with slot.reader.wait_for_card(WAIT) as new_channel:
        assert transmit(new_channel, f"00A4040C07{AID.hex()}")[1] == "9000"


def test_empty_slot_times_out(slot: Slot) -> None:
    with pytest.raises(CardTimeoutError) as raised:
        slot.reader.wait_for_card(0.2)
    assert raised.value.translation_key == "card.timeout"
    assert not slot.reader.card_present()
    assert slot.reader.wait_for_removal(0.05)


def test_no_reader_matching_the_prefix(slot: Slot) -> None:
    with pytest.raises(ReaderNotFoundError) as raised:
        slot.reader_by_prefix("No Such Reader").wait_for_card(0.1)
    assert raised.value.translation_key == "card.reader_not_found"
    assert raised.value.reader_prefix == "No Such Reader"


def test_second_connection_is_refused_while_the_first_is_open(slot: Slot, channel: CardChannel) -> None:
    with pytest.raises(ReaderBusyError) as raised:
        slot.reader.wait_for_card(WAIT)
    assert raised.value.translation_key == "card.reader_busy"
    channel.close()
    with slot.reader.wait_for_card(WAIT) as again:
        assert again.atr() == ATR


def test_closed_channel_refuses_to_transmit(channel: CardChannel) -> None:
    channel.close()
    channel.close()  # idempotent
    with pytest.raises(CardCommunicationError):
        channel.transmit(bytes.fromhex("00A4040C07") + AID)

"""``exchange_apdu``: the 61xx GET RESPONSE and 6Cxx re-send logic every backend shares."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.card.channel import (
    MAX_GET_RESPONSE_ROUNDS,
    exchange_apdu,
    get_response_class,
    select_reader_name,
)
from drivers.card.errors import CardError, MalformedApduError, ReaderNotFoundError, ResponseTooLongError


class ScriptedCard:
    """Answers each APDU with the next scripted response and records what it was sent."""

    def __init__(self, *responses: str) -> None:
        self.responses = [bytes.fromhex(response) for response in responses]
        self.sent: list[str] = []

    def __call__(self, apdu: bytes) -> bytes:
        self.sent.append(apdu.hex().upper())
        return self.responses.pop(0)


def test_plain_response_passes_through() -> None:
    card = ScriptedCard("01029000")
    assert exchange_apdu(card, bytes.fromhex("00B0000002")) == bytes.fromhex("01029000")
    assert card.sent == ["00B0000002"]


def test_61xx_is_completed_with_get_response() -> None:
    card = ScriptedCard("AABB6103", "CCDDEE6100", "FF" * 256 + "6102", "11229000")
    response = exchange_apdu(card, bytes.fromhex("00B0000000"))
    assert response == bytes.fromhex("AABBCCDDEE" + "FF" * 256 + "1122" + "9000")
    assert card.sent == ["00B0000000", "00C0000003", "00C0000000", "00C0000002"]


def test_final_warning_status_is_kept_after_chaining() -> None:
    card = ScriptedCard("AA6101", "BB6282")
    assert exchange_apdu(card, bytes.fromhex("00B0000010")) == bytes.fromhex("AABB6282")


def test_6cxx_resends_with_exact_le() -> None:
    card = ScriptedCard("6C05", "01020304059000")
    assert exchange_apdu(card, bytes.fromhex("00B0000000")) == bytes.fromhex("01020304059000")
    assert card.sent == ["00B0000000", "00B0000005"]


def test_6cxx_on_a_case_3_command_adds_le() -> None:
    card = ScriptedCard("6C10", "00" * 16 + "9000")
    exchange_apdu(card, bytes.fromhex("00A4040C02A0B1"))
    assert card.sent[1] == "00A4040C02A0B110"


def test_6c00_means_256() -> None:
    card = ScriptedCard("6C00", "00" * 256 + "9000")
    exchange_apdu(card, bytes.fromhex("00B0000010"))
    assert card.sent[1] == "00B0000000"


def test_6cxx_during_get_response_is_resent_too() -> None:
    card = ScriptedCard("AA6110", "6C04", "BBCCDDEE9000")
    assert exchange_apdu(card, bytes.fromhex("00B0000000")) == bytes.fromhex("AABBCCDDEE9000")
    assert card.sent == ["00B0000000", "00C0000010", "00C0000004"]


def test_6cxx_is_resent_only_once() -> None:
    card = ScriptedCard("6C05", "6C06")
    assert exchange_apdu(card, bytes.fromhex("00B0000000")) == bytes.fromhex("6C06")


def test_get_response_keeps_the_logical_channel() -> None:
    card = ScriptedCard("AA6101", "BB9000")
    exchange_apdu(card, bytes.fromhex("03B0000000"))
    assert card.sent[1] == "03C0000001"
    assert get_response_class(0x0C) == 0x00  # secure messaging bits are dropped
    assert get_response_class(0x4D) == 0x4D
    assert get_response_class(0x6D) == 0x4D  # further interindustry: SM bit b6 dropped
    assert get_response_class(0x80) == 0x00


def test_endless_61xx_is_cut_off() -> None:
    def endless(apdu: bytes) -> bytes:
        return b"\x00\x61\x01"

    with pytest.raises(ResponseTooLongError) as raised:
        exchange_apdu(endless, bytes.fromhex("00B0000000"))
    assert raised.value.translation_key == "card.response.too_long"
    assert MAX_GET_RESPONSE_ROUNDS >= 256


@pytest.mark.parametrize("response", ["", "90"])
def test_response_without_status_word_is_a_typed_error(response: str) -> None:
    with pytest.raises(MalformedApduError):
        exchange_apdu(ScriptedCard(response), bytes.fromhex("00B0000000"))


def test_command_shorter_than_a_header_is_not_sent() -> None:
    card = ScriptedCard()
    with pytest.raises(MalformedApduError):
        exchange_apdu(card, b"\x00\xa4")
    assert card.sent == []


def test_reader_selected_by_prefix() -> None:
    names = ["Other Reader 00 00", "Virtual PCD 00 00", "Virtual PCD 00 01"]
    assert select_reader_name(names, "Virtual PCD") == "Virtual PCD 00 00"
    assert select_reader_name(names, "Virtual PCD 00 01") == "Virtual PCD 00 01"
    with pytest.raises(ReaderNotFoundError) as raised:
        select_reader_name(names, "ACS ACR39U")
    assert raised.value.translation_key == "card.reader_not_found"
    assert raised.value.available == tuple(names)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=20), st.binary(min_size=4, max_size=20))
def test_random_card_answers_raise_only_typed_errors(answers: list[bytes], apdu: bytes) -> None:
    queue = list(answers)

    def card(sent: bytes) -> bytes:
        return queue.pop(0) if queue else b"\x90\x00"

    try:
        response = exchange_apdu(card, apdu)
    except CardError:
        return
    assert len(response) >= 2

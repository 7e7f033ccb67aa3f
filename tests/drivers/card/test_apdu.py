"""Command/response APDU encoding and parsing (ISO/IEC 7816-4 5.1), including bad input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.card.apdu import CommandApdu, ResponseApdu, parse_command_apdu, parse_response_apdu
from drivers.card.errors import CardError, MalformedApduError


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ("00A40000", CommandApdu(0x00, 0xA4, 0x00, 0x00)),  # case 1
        ("00B0000010", CommandApdu(0x00, 0xB0, 0x00, 0x00, le=16)),  # case 2S
        ("00B0000000", CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256)),  # case 2S, Le 00 = 256
        ("00A4040C02A0B1", CommandApdu(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0B1"))),  # case 3S
        ("00A4040002A0B100", CommandApdu(0x00, 0xA4, 0x04, 0x00, bytes.fromhex("A0B1"), 256)),  # case 4S
        ("00B0000000FFFF", CommandApdu(0x00, 0xB0, 0x00, 0x00, le=65535)),  # case 2E
        ("00B00000000000", CommandApdu(0x00, 0xB0, 0x00, 0x00, le=65536)),  # case 2E, 0000 = 65536
        ("00B0000000012C", CommandApdu(0x00, 0xB0, 0x00, 0x00, le=300)),  # case 2E
    ],
)
def test_known_encodings_round_trip(encoded: str, expected: CommandApdu) -> None:
    raw = bytes.fromhex(encoded)
    assert parse_command_apdu(raw) == expected
    assert expected.encode() == raw


def test_long_data_uses_extended_case_3_and_4() -> None:
    data = bytes(300)
    case3 = CommandApdu(0x00, 0xD6, 0x00, 0x00, data)
    assert case3.encode() == bytes.fromhex("00D6000000012C") + data
    case4 = CommandApdu(0x00, 0x88, 0x00, 0x00, data, 65536)
    assert case4.encode() == bytes.fromhex("008800000001 2C".replace(" ", "")) + data + b"\x00\x00"
    assert parse_command_apdu(case4.encode()) == case4


@pytest.mark.parametrize(
    "encoded",
    [
        "",  # empty
        "00A400",  # truncated header
        "00A4040C05A0B1",  # short Lc larger than the data
        "00A4040C01A0B1C2D3",  # short Lc smaller than the data
        "00B000000001",  # extended marker with a truncated length
        "00D60000000000AA",  # extended Lc of zero
        "00D6000000000301",  # extended Lc of 3 with one data byte
    ],
)
def test_malformed_commands_are_rejected(encoded: str) -> None:
    with pytest.raises(MalformedApduError) as raised:
        parse_command_apdu(bytes.fromhex(encoded))
    assert raised.value.translation_key == "card.apdu.malformed"


@pytest.mark.parametrize(
    "fields",
    [
        {"cla": 256, "ins": 0, "p1": 0, "p2": 0},
        {"cla": 0, "ins": 0, "p1": -1, "p2": 0},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "le": 0},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "le": 65537},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "data": bytes(65536)},
    ],
)
def test_out_of_range_fields_are_rejected(fields: dict[str, object]) -> None:
    with pytest.raises(MalformedApduError):
        CommandApdu(**fields)  # type: ignore[arg-type]


def test_response_split_and_status() -> None:
    response = parse_response_apdu(bytes.fromhex("0102039000"))
    assert response == ResponseApdu(b"\x01\x02\x03", 0x9000)
    assert response.is_success and response.sw1 == 0x90 and response.sw2 == 0x00
    assert response.encode() == bytes.fromhex("0102039000")
    assert not parse_response_apdu(bytes.fromhex("6A82")).is_success


@pytest.mark.parametrize("raw", [b"", b"\x90"])
def test_response_without_status_word_is_malformed(raw: bytes) -> None:
    with pytest.raises(MalformedApduError):
        parse_response_apdu(raw)


commands = st.builds(
    CommandApdu,
    cla=st.integers(0, 255),
    ins=st.integers(0, 255),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=600),
    le=st.none() | st.integers(1, 65536),
)


@settings(max_examples=200, deadline=None)
@given(commands)
def test_encode_then_parse_is_identity(command: CommandApdu) -> None:
    assert parse_command_apdu(command.encode()) == command


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_raise_only_typed_errors(raw: bytes) -> None:
    try:
        command = parse_command_apdu(raw)
    except CardError:
        return
    assert command.encode() == raw or raw[4:5] == b"\x00"  # the only ambiguity: a short form written long

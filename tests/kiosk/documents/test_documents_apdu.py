"""Command and response APDUs (ISO/IEC 7816-4 section 5.1) and the status-word table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.card.errors import MalformedApduError
from kiosk.documents.apdu import (
    CardStatusError,
    CommandApdu,
    ResponseApdu,
    check,
    describe_status,
    parse_command_apdu,
    parse_response_apdu,
)
from kiosk.documents.errors import DocumentError


@pytest.mark.parametrize(
    ("command", "encoded"),
    [
        # case 1
        (CommandApdu(0x00, 0x84, 0x00, 0x00), "00840000"),
        # case 2S; GET CHALLENGE of ICAO 9303 Part 11 section 4.3.4.1
        (CommandApdu(0x00, 0x84, 0x00, 0x00, le=8), "0084000008"),
        (CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256), "00B0000000"),
        # case 3S; SELECT EF.COM of the ICAO 9303 Part 11 worked example
        (CommandApdu(0x00, 0xA4, 0x02, 0x0C, bytes.fromhex("011E")), "00A4020C02011E"),
        # case 4S
        (CommandApdu(0x00, 0xA4, 0x04, 0x00, bytes.fromhex("A0000002471001"), le=256),
         "00A4040007A000000247100100"),
        (CommandApdu(0x0C, 0xB0, 0x00, 0x00, bytes(13), le=256), "0CB000000D" + "00" * 13 + "00"),
        # case 2E
        (CommandApdu(0x00, 0xB0, 0x00, 0x00, le=257), "00B0000000" "0101"),
        (CommandApdu(0x00, 0xB0, 0x00, 0x00, le=65536), "00B0000000" "0000"),
        # case 3E
        (CommandApdu(0x00, 0xD6, 0x00, 0x00, bytes(256)), "00D6000000" "0100" + "00" * 256),
        # case 4E: data too long for short Lc, Le written as 2 bytes without a second leading 00
        (CommandApdu(0x00, 0x88, 0x00, 0x00, bytes(300), le=256), "00880000" "00012C" + "00" * 300 + "0100"),
        # case 4E: short data but Le above 256
        (CommandApdu(0x00, 0xB1, 0x00, 0x00, bytes.fromhex("5402"), le=65536),
         "00B10000" "000002" "5402" "0000"),
    ],
)
def test_encodings_and_parse_back(command: CommandApdu, encoded: str) -> None:
    assert command.encode() == bytes.fromhex(encoded)
    assert parse_command_apdu(bytes.fromhex(encoded)) == command


def test_forced_extended_encoding() -> None:
    command = CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256)
    assert command.encode(extended=True) == bytes.fromhex("00B00000000100")
    assert parse_command_apdu(command.encode(extended=True)) == command
    case_1 = CommandApdu(0x00, 0x84, 0x00, 0x00)
    assert case_1.encode(extended=True) == bytes.fromhex("00840000")


def test_is_extended_boundaries() -> None:
    assert not CommandApdu(0, 0xB0, 0, 0, bytes(255), le=256).is_extended
    assert CommandApdu(0, 0xB0, 0, 0, bytes(256)).is_extended
    assert CommandApdu(0, 0xB0, 0, 0, le=257).is_extended


@pytest.mark.parametrize(
    "arguments",
    [
        {"cla": 256, "ins": 0, "p1": 0, "p2": 0},
        {"cla": 0, "ins": -1, "p1": 0, "p2": 0},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "le": 0},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "le": 65537},
        {"cla": 0, "ins": 0, "p1": 0, "p2": 0, "data": bytes(65536)},
    ],
)
def test_invalid_command_fields_are_refused(arguments: dict[str, object]) -> None:
    with pytest.raises(MalformedApduError):
        CommandApdu(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "hex_data",
    [
        "",
        "00",
        "00A402",  # header truncated
        "00A4020C03011E",  # short Lc says 3, 2 bytes follow
        "00A4020C02011E0000",  # short Lc plus two trailing bytes
        "00B0000000AB",  # extended marker with a 1-byte field
        "00B00000000002AA",  # extended Lc 2, only 1 byte of data
        "00B000000000000102",  # extended Lc 0 with more bytes
        "00B00000000002AABB00",  # extended Lc 2 plus a one-byte Le
    ],
)
def test_malformed_commands_raise(hex_data: str) -> None:
    with pytest.raises(MalformedApduError):
        parse_command_apdu(bytes.fromhex(hex_data))


def test_parse_response() -> None:
    response = parse_response_apdu(bytes.fromhex("60145F019000"))
    assert response == ResponseApdu(bytes.fromhex("60145F01"), 0x9000)
    assert response.is_success
    assert (response.sw1, response.sw2) == (0x90, 0x00)
    assert response.encode() == bytes.fromhex("60145F019000")
    empty = parse_response_apdu(bytes.fromhex("6A82"))
    assert empty.data == b""
    assert not empty.is_success
    assert (empty.sw1, empty.sw2) == (0x6A, 0x82)


@pytest.mark.parametrize("raw", [b"", b"\x90"])
def test_short_response_raises(raw: bytes) -> None:
    with pytest.raises(MalformedApduError) as caught:
        parse_response_apdu(raw)
    assert caught.value.translation_key == "card.apdu.malformed"


def test_oversized_response_raises() -> None:
    with pytest.raises(MalformedApduError):
        parse_response_apdu(bytes(65536) + b"\x90\x00\x00")
    assert len(parse_response_apdu(bytes(65536) + b"\x90\x00").data) == 65536


@pytest.mark.parametrize(
    ("sw", "key", "parameter"),
    [
        (0x9000, "ok", None),
        (0x6282, "end_of_file", None),
        (0x6700, "wrong_length", None),
        (0x6982, "security_status", None),
        (0x6983, "auth_blocked", None),
        (0x6985, "conditions_not_satisfied", None),
        (0x6987, "sm_objects_missing", None),
        (0x6988, "sm_objects_incorrect", None),
        (0x6A80, "incorrect_data", None),
        (0x6A82, "file_not_found", None),
        (0x6A86, "incorrect_p1_p2", None),
        (0x6B00, "wrong_offset", None),
        (0x6D00, "instruction_not_supported", None),
        (0x6E00, "class_not_supported", None),
        (0x63C2, "remaining_tries", 2),
        (0x63C0, "remaining_tries", 0),
        (0x6C10, "wrong_le", 0x10),
        (0x6C00, "wrong_le", 0),
        (0x6112, "more_data", 0x12),
        (0x6300, "verification_failed", None),
        (0x6A99, "incorrect_p1_p2", None),  # a 6Axx with no entry of its own falls to its range
        (0x1234, "unknown_status", None),
    ],
)
def test_status_word_table(sw: int, key: str, parameter: int | None) -> None:
    status = describe_status(sw)
    assert status.sw == sw
    assert status.translation_key == f"document.card.{key}"
    assert status.parameter == parameter


def test_status_categories() -> None:
    assert describe_status(0x9000).category == "normal"
    assert describe_status(0x6282).category == "warning"
    assert describe_status(0x6581).category == "execution_error"
    assert describe_status(0x6A82).category == "checking_error"
    assert describe_status(0x0000).category == "unknown"


def test_check_passes_success_and_raises_otherwise() -> None:
    ok = ResponseApdu(b"\x01", 0x9000)
    assert check(ok) is ok
    with pytest.raises(CardStatusError) as caught:
        check(ResponseApdu(b"", 0x6982))
    error = caught.value
    assert isinstance(error, DocumentError)
    assert error.sw == 0x6982
    assert error.meaning == "security status not satisfied"
    assert error.translation_key == "document.card.security_status"
    assert "6982" in error.message


def test_check_also_accepts_listed_warnings() -> None:
    end_of_file = ResponseApdu(b"\x01\x02", 0x6282)
    assert check(end_of_file, also_accept={0x6282}) is end_of_file
    with pytest.raises(CardStatusError):
        check(end_of_file)


_commands = st.builds(
    CommandApdu,
    cla=st.integers(0, 255),
    ins=st.integers(0, 255),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.one_of(st.binary(max_size=300), st.binary(min_size=250, max_size=260)),
    le=st.one_of(st.none(), st.integers(1, 65536), st.sampled_from([255, 256, 257, 65535])),
)


@settings(max_examples=200, deadline=None)
@given(_commands, st.booleans())
def test_command_round_trip(command: CommandApdu, extended: bool) -> None:
    assert parse_command_apdu(command.encode(extended=extended)) == command


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_commands_only_raise_format_error(raw: bytes) -> None:
    try:
        command = parse_command_apdu(raw)
    except MalformedApduError:
        return
    # Whatever parses must encode back to the same bytes in one of its two encodings.
    assert raw in (command.encode(), command.encode(extended=True))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_responses_only_raise_format_error(raw: bytes) -> None:
    try:
        response = parse_response_apdu(raw)
    except MalformedApduError:
        assert len(raw) < 2
        return
    assert response.encode() == raw
    describe_status(response.sw)
    try:
        check(response)
    except CardStatusError as error:
        assert error.sw == response.sw


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 0xFFFF))
def test_every_status_word_has_a_meaning(sw: int) -> None:
    status = describe_status(sw)
    assert status.translation_key.startswith("document.card.")
    assert status.meaning

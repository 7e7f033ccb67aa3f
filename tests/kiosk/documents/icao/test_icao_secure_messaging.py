"""Secure messaging against the worked example of ICAO 9303 Part 11, both sides, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents import tlv
from kiosk.documents.apdu import CommandApdu, ResponseApdu, parse_command_apdu, parse_response_apdu
from kiosk.documents.icao import bac, cipher
from kiosk.documents.icao.errors import IcaoError, SecureMessagingError
from kiosk.documents.icao.secure_messaging import CardSecureMessaging, SecureMessaging

# tests/vectors/icao9303.json is a copy of ../shared/vectors/icao9303.json, so that a clean clone runs them.
_ALL = json.loads((Path(__file__).parents[3] / "vectors" / "icao9303.json").read_text())
BAC = _ALL["bac"]
EXCHANGES = _ALL["secure_messaging"]


def vector_session_keys() -> bac.SessionKeys:
    return bac.SessionKeys(
        encryption_key=bytes.fromhex(BAC["ks_enc"]),
        mac_key=bytes.fromhex(BAC["ks_mac"]),
        send_sequence_counter=int(BAC["ssc"], 16),
    )


def test_reader_wraps_and_unwraps_the_vector_exchanges() -> None:
    session = SecureMessaging(vector_session_keys())
    initial = int(BAC["ssc"], 16)
    for number, exchange in enumerate(EXCHANGES):
        plain = parse_command_apdu(bytes.fromhex(exchange["plain_command"]))
        protected = session.wrap_command(plain)
        assert protected.encode().hex().upper() == exchange["protected_command"]
        assert session.send_sequence_counter == initial + 2 * number + 1
        response = session.unwrap_response(parse_response_apdu(bytes.fromhex(exchange["protected_response"])))
        assert response.data.hex().upper() == exchange["plain_response_data"]
        assert response.sw == 0x9000
        assert session.send_sequence_counter == initial + 2 * number + 2


def test_card_unwraps_and_wraps_the_vector_exchanges() -> None:
    card = CardSecureMessaging(vector_session_keys())
    for exchange in EXCHANGES:
        command = card.unwrap_command(parse_command_apdu(bytes.fromhex(exchange["protected_command"])))
        assert command.encode().hex().upper() == exchange["plain_command"]
        plain_response = ResponseApdu(data=bytes.fromhex(exchange["plain_response_data"]), sw=0x9000)
        assert card.wrap_response(plain_response).encode().hex().upper() == exchange["protected_response"]


def test_session_keys_do_not_show_in_repr() -> None:
    assert BAC["ks_enc"].lower() not in repr(SecureMessaging(vector_session_keys())).lower()


def _pair() -> tuple[SecureMessaging, CardSecureMessaging]:
    return SecureMessaging(vector_session_keys()), CardSecureMessaging(vector_session_keys())


commands = st.builds(
    CommandApdu,
    cla=st.sampled_from([0x00, 0x80]),
    ins=st.sampled_from([0xA4, 0xB0, 0xB1, 0x84, 0x88]),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=600),
    le=st.none() | st.integers(1, 65536),
)


@settings(max_examples=200, deadline=None)
@given(command=commands, response_data=st.binary(max_size=1000),
       sw=st.sampled_from([0x9000, 0x6282, 0x6A82, 0x6B00]))
def test_round_trip_reader_to_card_and_back(command: CommandApdu, response_data: bytes, sw: int) -> None:
    reader, card = _pair()
    protected = reader.wrap_command(command)
    on_the_wire = parse_command_apdu(protected.encode())  # what the card receives, short or extended
    assert card.unwrap_command(on_the_wire) == command
    wrapped = card.wrap_response(ResponseApdu(data=response_data, sw=sw))
    unwrapped = reader.unwrap_response(parse_response_apdu(wrapped.encode()))
    assert unwrapped == ResponseApdu(data=response_data, sw=sw)
    assert reader.send_sequence_counter == card.send_sequence_counter


def test_long_read_uses_extended_length() -> None:
    reader, card = _pair()
    protected = reader.wrap_command(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4000))
    encoded = protected.encode()
    assert encoded[4] == 0x00 and encoded[-2:] == b"\x00\x00"  # extended Lc and Le '0000'
    assert card.unwrap_command(parse_command_apdu(encoded)).le == 4000


def _vector_response(index: int) -> ResponseApdu:
    return parse_response_apdu(bytes.fromhex(EXCHANGES[index]["protected_response"]))


def _reader_after_command(index: int) -> SecureMessaging:
    reader = SecureMessaging(vector_session_keys())
    for number in range(index + 1):
        reader.wrap_command(parse_command_apdu(bytes.fromhex(EXCHANGES[number]["plain_command"])))
        if number < index:
            reader.unwrap_response(_vector_response(number))
    return reader


def _expect(reason: str, reader: SecureMessaging, response: ResponseApdu) -> SecureMessagingError:
    with pytest.raises(SecureMessagingError) as raised:
        reader.unwrap_response(response)
    assert raised.value.reason == reason
    assert raised.value.translation_key == f"document.icao.secure_messaging.{reason}"
    return raised.value


def test_tampered_response_data_fails_the_mac() -> None:
    response = _vector_response(2)
    tampered = bytearray(response.data)
    tampered[5] ^= 0x40
    _expect("bad_mac", _reader_after_command(2), ResponseApdu(bytes(tampered), 0x9000))


def test_replayed_response_fails_the_mac() -> None:
    # The response to the first READ BINARY, offered again for the second: the SSC differs.
    _expect("bad_mac", _reader_after_command(2), _vector_response(1))


def test_response_without_mac_is_refused() -> None:
    response = _vector_response(0)
    _expect("missing_mac", _reader_after_command(0), ResponseApdu(response.data[:4], 0x9000))


def _protected_response(objects_before_mac: bytes) -> ResponseApdu:
    """A response as a card would MAC it for the first command of a session (SSC two past the start)."""
    keys = vector_session_keys()
    counter = (keys.send_sequence_counter + 2).to_bytes(8, "big")
    mac = cipher.retail_mac(keys.mac_key, counter + objects_before_mac)
    return ResponseApdu(objects_before_mac + tlv.encode_tlv(0x8E, mac), 0x9000)


def _reader_after_read_binary() -> SecureMessaging:
    reader = SecureMessaging(vector_session_keys())
    reader.wrap_command(CommandApdu(0x00, 0xB0, 0, 0, le=4))
    return reader


def test_response_without_status_is_refused() -> None:
    keys = vector_session_keys()
    # A faulty card: DO'87' and a correct DO'8E', but no DO'99'.
    encrypted = b"\x01" + cipher.encrypt(keys.encryption_key, cipher.pad(b"\x01\x02\x03\x04"))
    response = _protected_response(tlv.encode_tlv(0x87, encrypted))
    _expect("missing_status", _reader_after_read_binary(), response)


def test_control_the_helper_builds_an_accepted_response() -> None:
    keys = vector_session_keys()
    encrypted = b"\x01" + cipher.encrypt(keys.encryption_key, cipher.pad(b"\x01\x02\x03\x04"))
    response = _protected_response(tlv.encode_tlv(0x87, encrypted) + tlv.encode_tlv(0x99, b"\x90\x00"))
    assert _reader_after_read_binary().unwrap_response(response) == ResponseApdu(b"\x01\x02\x03\x04", 0x9000)


def test_bad_padding_inside_a_valid_mac_is_refused() -> None:
    keys = vector_session_keys()
    encrypted = b"\x01" + cipher.encrypt(keys.encryption_key, b"\x01" * 8)  # no '80' marker
    response = _protected_response(tlv.encode_tlv(0x87, encrypted) + tlv.encode_tlv(0x99, b"\x90\x00"))
    _expect("bad_padding", _reader_after_read_binary(), response)


def test_unexpected_object_inside_a_valid_mac_is_refused() -> None:
    response = _protected_response(tlv.encode_tlv(0x99, b"\x90\x00") + tlv.encode_tlv(0x53, b"\x00"))
    _expect("malformed", _reader_after_read_binary(), response)


def test_short_status_object_is_refused() -> None:
    _expect("malformed", _reader_after_read_binary(), _protected_response(tlv.encode_tlv(0x99, b"\x90")))


@pytest.mark.parametrize("cut", [1, 3, 10, 20])
def test_truncated_response_is_refused(cut: int) -> None:
    response = _vector_response(2)
    with pytest.raises(SecureMessagingError) as raised:
        _reader_after_command(2).unwrap_response(ResponseApdu(response.data[:-cut], 0x9000))
    assert raised.value.reason in {"malformed", "missing_mac"}


def test_bare_error_status_ends_the_session_with_its_status_word() -> None:
    error = _expect("unprotected_status", _reader_after_command(0), ResponseApdu(b"", 0x6988))
    assert error.status_word == 0x6988


def test_card_refuses_a_tampered_command() -> None:
    _, card = _pair()
    protected = bytearray(bytes.fromhex(EXCHANGES[0]["protected_command"]))
    protected[8] ^= 0x01
    with pytest.raises(SecureMessagingError) as raised:
        card.unwrap_command(parse_command_apdu(bytes(protected)))
    assert raised.value.reason == "bad_mac"


def test_card_refuses_a_plain_command() -> None:
    _, card = _pair()
    with pytest.raises(SecureMessagingError) as raised:
        card.unwrap_command(parse_command_apdu(bytes.fromhex(EXCHANGES[0]["plain_command"])))
    assert raised.value.reason == "missing_mac"


def test_reader_refuses_a_command_already_protected() -> None:
    reader, _ = _pair()
    with pytest.raises(ValueError):
        reader.wrap_command(CommandApdu(0x0C, 0xB0, 0, 0, le=4))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=80), sw=st.integers(0, 0xFFFF))
def test_random_responses_raise_only_typed_errors(data: bytes, sw: int) -> None:
    with pytest.raises(IcaoError):
        _reader_after_command(2).unwrap_response(ResponseApdu(data, sw))


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, 40), value=st.integers(0, 255), cut=st.integers(0, 42))
def test_mutated_responses_raise_only_typed_errors(position: int, value: int, cut: int) -> None:
    data = bytearray(_vector_response(2).data)
    data[position % len(data)] = value
    mutated = bytes(data[: len(data) - cut])
    if mutated == _vector_response(2).data:
        return
    with pytest.raises(IcaoError):
        _reader_after_command(2).unwrap_response(ResponseApdu(mutated, 0x9000))


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=80), header=st.binary(min_size=4, max_size=4))
def test_random_commands_raise_only_typed_errors_on_the_card(data: bytes, header: bytes) -> None:
    _, card = _pair()
    with pytest.raises(IcaoError):
        card.unwrap_command(CommandApdu(header[0] | 0x0C, header[1], header[2], header[3], data=data))

"""3DES-CBC, padding method 2 and the retail MAC of ICAO 9303 Part 11 section 9.8.6."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents.icao import cipher
from kiosk.documents.icao.errors import SecureMessagingError

KEY = bytes.fromhex("979EC13B1CBFE9DCD01AB0FED307EAE5")  # KS_enc of the Part 11 worked example


@pytest.mark.parametrize(
    ("data", "padded"),
    [
        (b"", b"\x80" + bytes(7)),
        (b"\x01" * 7, b"\x01" * 7 + b"\x80"),
        (b"\x01" * 8, b"\x01" * 8 + b"\x80" + bytes(7)),
    ],
)
def test_padding_method_2(data: bytes, padded: bytes) -> None:
    assert cipher.pad(data) == padded
    assert cipher.unpad(padded) == data


@pytest.mark.parametrize(
    "padded",
    [b"", b"\x01" * 7, bytes(8), b"\x01" * 8, b"\x80" + bytes(15), b"\x01" * 7 + b"\x81"],
)
def test_bad_padding_is_refused(padded: bytes) -> None:
    with pytest.raises(SecureMessagingError) as raised:
        cipher.unpad(padded)
    assert raised.value.reason == "bad_padding"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=100))
def test_encrypt_decrypt_round_trip(data: bytes) -> None:
    encrypted = cipher.encrypt(KEY, cipher.pad(data))
    assert len(encrypted) % 8 == 0
    assert cipher.unpad(cipher.decrypt(KEY, encrypted)) == data


def test_two_key_3des_is_not_single_des() -> None:
    single_des_key = KEY[:8] * 2  # K1 = K2 makes 3DES EDE collapse to DES
    assert cipher.encrypt(KEY, bytes(8)) != cipher.encrypt(single_des_key, bytes(8))


def test_retail_mac_is_8_bytes_and_depends_on_both_key_halves() -> None:
    mac = cipher.retail_mac(KEY, b"message")
    assert len(mac) == 8
    assert cipher.retail_mac(KEY[:8] + bytes(8), b"message") != mac
    assert cipher.retail_mac(bytes(8) + KEY[8:], b"message") != mac


def test_wrong_key_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        cipher.encrypt(bytes(24), bytes(8))

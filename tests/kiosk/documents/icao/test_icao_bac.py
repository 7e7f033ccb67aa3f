"""BAC against the worked example of ICAO 9303 Part 11 (../shared/vectors/icao9303.json) and both sides."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents.icao import bac, cipher
from kiosk.documents.icao.errors import BacAuthenticationError, BacError, IcaoError

# tests/vectors/icao9303.json is a copy of ../shared/vectors/icao9303.json, so that a clean clone runs them.
VECTORS = json.loads((Path(__file__).parents[3] / "vectors" / "icao9303.json").read_text())["bac"]


def h(name: str) -> bytes:
    return bytes.fromhex(VECTORS[name])


def scripted(*values: bytes) -> Callable[[int], bytes]:
    """A random source that hands out the given values in order (and fails if asked for more)."""
    queue = list(values)

    def random_bytes(size: int) -> bytes:
        value = queue.pop(0)
        assert len(value) == size
        return value

    return random_bytes


def test_key_seed_is_sha1_prefix_of_mrz_information() -> None:
    mrz = VECTORS["mrz_information"]
    assert hashlib.sha1(mrz.encode()).digest() == h("sha1_of_mrz_information")
    assert bac.key_seed(mrz) == h("k_seed")


def test_document_keys_match_vector() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    assert keys.encryption_key == h("k_enc")
    assert keys.mac_key == h("k_mac")


def test_keys_do_not_show_in_repr() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    assert VECTORS["k_enc"].lower() not in repr(keys).lower()
    assert "AB94" not in repr(keys)


def test_adjust_parity_gives_odd_parity_and_keeps_high_bits() -> None:
    for byte in range(256):
        adjusted = bac.adjust_parity(bytes([byte]))[0]
        assert bin(adjusted).count("1") % 2 == 1
        assert adjusted >> 1 == byte >> 1


def test_non_ascii_mrz_information_is_refused() -> None:
    with pytest.raises(ValueError):
        bac.key_seed("L898902C<3690806194062Ә")


def test_reader_builds_vector_cryptogram() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    authentication = bac.start_mutual_authentication(
        keys, h("rnd_ic"), random_bytes=scripted(h("rnd_ifd"), h("k_ifd"))
    )
    assert authentication.command_data == h("e_ifd") + h("m_ifd")


def test_reader_accepts_vector_response_and_derives_session_keys() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    authentication = bac.start_mutual_authentication(
        keys, h("rnd_ic"), random_bytes=scripted(h("rnd_ifd"), h("k_ifd"))
    )
    session = bac.finish_mutual_authentication(keys, authentication, h("mutual_authenticate_response"))
    assert bytes(a ^ b for a, b in zip(h("k_ifd"), h("k_ic"), strict=True)) == h("session_key_seed")
    assert session.encryption_key == h("ks_enc")
    assert session.mac_key == h("ks_mac")
    assert session.send_sequence_counter.to_bytes(8, "big") == h("ssc")


def test_card_answers_vector_response() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    response, session = bac.answer_mutual_authentication(
        keys, h("rnd_ic"), h("e_ifd") + h("m_ifd"), random_bytes=scripted(h("k_ic"))
    )
    assert response == h("mutual_authenticate_response")
    assert session.encryption_key == h("ks_enc")
    assert session.mac_key == h("ks_mac")
    assert session.send_sequence_counter.to_bytes(8, "big") == h("ssc")


@settings(max_examples=50, deadline=None)
@given(rnd_ic=st.binary(min_size=8, max_size=8), rnd_ifd=st.binary(min_size=8, max_size=8),
       k_ifd=st.binary(min_size=16, max_size=16), k_ic=st.binary(min_size=16, max_size=16))
def test_round_trip_both_sides_agree(rnd_ic: bytes, rnd_ifd: bytes, k_ifd: bytes, k_ic: bytes) -> None:
    keys = bac.document_keys("D23145890<734081231204159")
    authentication = bac.start_mutual_authentication(keys, rnd_ic, random_bytes=scripted(rnd_ifd, k_ifd))
    response, card_session = bac.answer_mutual_authentication(
        keys, rnd_ic, authentication.command_data, random_bytes=scripted(k_ic)
    )
    reader_session = bac.finish_mutual_authentication(keys, authentication, response)
    assert reader_session == card_session


def test_wrong_mrz_is_refused_by_the_card() -> None:
    reader_keys = bac.document_keys("L898902C<369080619406236")
    card_keys = bac.document_keys("L898902C<369080619406237")
    authentication = bac.start_mutual_authentication(reader_keys, h("rnd_ic"))
    with pytest.raises(BacAuthenticationError) as raised:
        bac.answer_mutual_authentication(card_keys, h("rnd_ic"), authentication.command_data)
    assert raised.value.translation_key == "document.icao.bac.wrong_key"


def test_card_refuses_a_replayed_cryptogram_for_another_challenge() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    with pytest.raises(BacAuthenticationError):
        bac.answer_mutual_authentication(keys, bytes(8), h("e_ifd") + h("m_ifd"))


def test_reader_refuses_response_for_another_challenge() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    authentication = bac.start_mutual_authentication(keys, h("rnd_ic"))  # fresh RND.IFD, not the vector's
    with pytest.raises(BacAuthenticationError):
        bac.finish_mutual_authentication(keys, authentication, h("mutual_authenticate_response"))


@pytest.mark.parametrize("position", [0, 31, 32, 39])
def test_reader_refuses_tampered_response(position: int) -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    authentication = bac.start_mutual_authentication(
        keys, h("rnd_ic"), random_bytes=scripted(h("rnd_ifd"), h("k_ifd"))
    )
    tampered = bytearray(h("mutual_authenticate_response"))
    tampered[position] ^= 0x01
    with pytest.raises(BacAuthenticationError):
        bac.finish_mutual_authentication(keys, authentication, bytes(tampered))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_any_response_raises_only_typed_errors(response: bytes) -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    authentication = bac.start_mutual_authentication(
        keys, h("rnd_ic"), random_bytes=scripted(h("rnd_ifd"), h("k_ifd"))
    )
    with pytest.raises(IcaoError):
        bac.finish_mutual_authentication(keys, authentication, response)


@pytest.mark.parametrize("length", [0, 39, 41])
def test_wrong_length_is_a_bac_error(length: int) -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    with pytest.raises(BacError):
        bac.answer_mutual_authentication(keys, h("rnd_ic"), bytes(length))


def test_short_challenge_is_a_bac_error() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    with pytest.raises(BacError):
        bac.start_mutual_authentication(keys, bytes(7))


def test_retail_mac_of_vector_cryptogram() -> None:
    assert cipher.retail_mac(h("k_mac"), h("e_ifd")) == h("m_ifd")


def test_bac_commands_encode_as_part_11_shows() -> None:
    keys = bac.document_keys(VECTORS["mrz_information"])
    authentication = bac.start_mutual_authentication(
        keys, h("rnd_ic"), random_bytes=scripted(h("rnd_ifd"), h("k_ifd"))
    )
    assert bac.get_challenge_command().encode() == bytes.fromhex("0084000008")
    expected = bytes.fromhex("0082000028") + h("e_ifd") + h("m_ifd") + b"\x28"
    assert bac.mutual_authenticate_command(authentication).encode() == expected

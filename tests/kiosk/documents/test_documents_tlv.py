"""BER-TLV parsing and encoding (ISO/IEC 7816-4 section 5.2.2, X.690 section 8.1)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents.errors import DocumentError
from kiosk.documents.tlv import (
    MAX_LENGTH,
    Tlv,
    TlvError,
    encode_length,
    encode_tlv,
    find,
    parse_all,
    parse_one,
)

# EF.COM of the ICAO 9303 Part 11 worked example (decrypted from the secure-messaging vectors):
# 60 14 | 5F01 04 "0106" | 5F36 06 "040000" | 5C 02 61 75
EF_COM = bytes.fromhex("60145F0104303130365F36063034303030305C026175")


def test_parses_ef_com_with_two_byte_tags() -> None:
    [com] = parse_all(EF_COM)
    assert com.tag == 0x60
    assert com.constructed
    children = com.children()
    assert [child.tag for child in children] == [0x5F01, 0x5F36, 0x5C]
    assert children[0].value == b"0106"
    assert children[1].value == b"040000"
    assert children[2].value == bytes([0x61, 0x75])
    assert not children[2].constructed
    assert find(children, 0x5F36) == children[1]
    assert find(children, 0x5F1F) is None


def test_parse_one_returns_offset_after_element() -> None:
    data = bytes.fromhex("8701AA" "990290 00".replace(" ", ""))
    first, offset = parse_one(data)
    assert first == Tlv(0x87, b"\xaa")
    assert offset == 3
    second, offset = parse_one(data, offset)
    assert second == Tlv(0x99, bytes.fromhex("9000"))
    assert offset == len(data)


def test_three_byte_tag() -> None:
    [element] = parse_all(bytes.fromhex("DF8101" "01" "FF"))
    assert element.tag == 0xDF8101
    assert element.value == b"\xff"
    assert encode_tlv(0xDF8101, b"\xff") == bytes.fromhex("DF810101FF")


def test_long_form_lengths() -> None:
    value = bytes(range(256)) * 2
    encoded = encode_tlv(0x7F61, value)
    assert encoded[:5] == bytes.fromhex("7F61820200")
    [element] = parse_all(encoded)
    assert element.value == value


def test_non_minimal_long_form_length_is_accepted() -> None:
    assert parse_all(bytes.fromhex("04820002ABCD")) == [Tlv(0x04, bytes.fromhex("ABCD"))]


@pytest.mark.parametrize(
    ("length", "encoded"),
    [
        (0, "00"),
        (0x7F, "7F"),
        (0x80, "8180"),
        (0xFF, "81FF"),
        (0x100, "820100"),
        (0xFFFF, "82FFFF"),
        (0x10000, "83010000"),
        (0xFFFFFFFF, "84FFFFFFFF"),
    ],
)
def test_encode_length(length: int, encoded: str) -> None:
    assert encode_length(length) == bytes.fromhex(encoded)


@pytest.mark.parametrize("length", [-1, MAX_LENGTH + 1])
def test_encode_length_rejects_out_of_range(length: int) -> None:
    with pytest.raises(ValueError):
        encode_length(length)


@pytest.mark.parametrize("tag", [0x00, 0xFF, 0x1F, 0x5F81, 0x5F8080, 0xDF818181, 0x5F8001, -1])
def test_encode_rejects_malformed_tags(tag: int) -> None:
    with pytest.raises(ValueError):
        encode_tlv(tag, b"")


def test_children_of_primitive_raises() -> None:
    with pytest.raises(TlvError):
        Tlv(0x04, b"\x01\x02").children()


def test_empty_input_is_empty_list() -> None:
    assert parse_all(b"") == []


@pytest.mark.parametrize(
    "hex_data",
    [
        "5F",  # tag announces a second byte that is missing
        "5F81",  # second tag byte says more follow, nothing follows
        "87",  # length missing
        "8703AABB",  # value shorter than the length
        "8782",  # long-form length with its length bytes missing
        "878201",  # long-form length cut inside
        "8701AA99",  # second element truncated
    ],
)
def test_truncated_input_raises(hex_data: str) -> None:
    with pytest.raises(TlvError):
        parse_all(bytes.fromhex(hex_data))


@pytest.mark.parametrize(
    ("hex_data", "reason"),
    [
        ("308000000000", "indefinite"),
        ("0485FFFFFFFFFF", "longer than"),
        ("04FF", "longer than"),
        ("5F81818101", "tag longer"),
        ("5F800101AA", "minimally"),
        ("000100", "first tag byte"),
        ("FF0100", "first tag byte"),
    ],
)
def test_malformed_input_raises(hex_data: str, reason: str) -> None:
    with pytest.raises(TlvError, match=reason):
        parse_all(bytes.fromhex(hex_data))


def test_four_byte_length_larger_than_data_is_truncation_not_allocation() -> None:
    with pytest.raises(TlvError, match="truncated"):
        parse_all(bytes.fromhex("0484FFFFFFFF00"))


def test_trailing_garbage_raises() -> None:
    with pytest.raises(TlvError):
        parse_all(bytes.fromhex("8701AA" "00"))
    with pytest.raises(TlvError):
        parse_all(bytes.fromhex("8701AA" "87"))


def test_error_is_a_document_error_with_translation_key() -> None:
    with pytest.raises(DocumentError) as caught:
        parse_all(b"\x87")
    assert caught.value.translation_key == "document.malformed"


def test_negative_offset_is_a_caller_bug() -> None:
    with pytest.raises(ValueError):
        parse_one(b"\x87\x00", -1)


# Valid tags: one byte (tag number 0..30, not 00/FF), or a first byte with tag number 31 followed by one or
# two subsequent bytes, the first not 80 (X.690 8.1.2.4.2 c).
_one_byte_tags = st.integers(min_value=1, max_value=0xFE).filter(lambda b: b & 0x1F != 0x1F)
_first_bytes_of_long_tags = st.sampled_from([0x1F, 0x3F, 0x5F, 0x7F, 0x9F, 0xBF, 0xDF])
_two_byte_tags = st.builds(
    lambda first, second: (first << 8) | second, _first_bytes_of_long_tags, st.integers(0x00, 0x7F)
)
_three_byte_tags = st.builds(
    lambda first, second, third: (first << 16) | (second << 8) | third,
    _first_bytes_of_long_tags,
    st.integers(0x81, 0xFF),
    st.integers(0x00, 0x7F),
)
tags = st.one_of(_one_byte_tags, _two_byte_tags, _three_byte_tags)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(tags, st.binary(max_size=300)), max_size=5))
def test_round_trip(elements: list[tuple[int, bytes]]) -> None:
    encoded = b"".join(encode_tlv(tag, value) for tag, value in elements)
    parsed = parse_all(encoded)
    assert [(element.tag, element.value) for element in parsed] == elements
    assert b"".join(element.to_bytes() for element in parsed) == encoded


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(_one_byte_tags.filter(lambda b: b & 0x20), st.sampled_from([0x30, 0x60, 0x7F61, 0x7F8101])),
    st.lists(st.tuples(tags, st.binary(max_size=40)), max_size=4),
)
def test_nested_round_trip(constructed_tag: int, inner: list[tuple[int, bytes]]) -> None:
    body = b"".join(encode_tlv(tag, value) for tag, value in inner)
    [outer] = parse_all(encode_tlv(constructed_tag, body))
    assert outer.constructed
    assert [(child.tag, child.value) for child in outer.children()] == inner


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_LENGTH))
def test_length_round_trip(length: int) -> None:
    encoded = encode_length(length)
    # A fake object with that length header and no value: parsing must report truncation, not succeed.
    if length:
        with pytest.raises(TlvError, match="truncated"):
            parse_all(b"\x04" + encoded)
    assert len(encoded) == (1 if length < 0x80 else 1 + (length.bit_length() + 7) // 8)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_tlv_error(data: bytes) -> None:
    try:
        elements = parse_all(data)
    except TlvError:
        return
    for element in elements:
        if element.constructed:
            with contextlib.suppress(TlvError):
                element.children()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_valid_input_only_raises_tlv_error(data: st.DataObject) -> None:
    encoded = bytearray(EF_COM)
    index = data.draw(st.integers(0, len(encoded) - 1))
    encoded[index] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(encoded)))
    try:
        for element in parse_all(bytes(encoded[:cut])):
            if element.constructed:
                element.children()
    except TlvError:
        pass

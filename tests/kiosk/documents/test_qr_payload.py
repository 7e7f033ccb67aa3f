"""The digital-document QR payload parser: the one accepted form, each refusal with its reason, and fuzzing."""

from __future__ import annotations

import secrets
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents.errors import DocumentError
from kiosk.documents.qr_payload import (
    MAX_PAYLOAD_CHARACTERS,
    ForeignQrCode,
    MalformedQrPayload,
    QrPayloadBinary,
    QrPayloadEmpty,
    QrPayloadError,
    QrPayloadTooLong,
    UnknownQrFormat,
    UnsupportedQrVersion,
    encode_code,
    format_qr_payload,
    parse_qr_payload,
)

CODE = encode_code(bytes(range(32)))
PAYLOAD = "KZDD1:" + CODE


def test_a_well_formed_payload_gives_its_code() -> None:
    parsed = parse_qr_payload(PAYLOAD)
    assert parsed.version == 1
    assert parsed.code == CODE
    assert len(PAYLOAD) == 49


def test_bytes_in_utf8_are_accepted_like_text() -> None:
    assert parse_qr_payload(PAYLOAD.encode()).code == CODE


def test_format_and_parse_round_trip() -> None:
    raw = secrets.token_bytes(32)
    assert parse_qr_payload(format_qr_payload(raw)).code == encode_code(raw)
    with pytest.raises(ValueError):
        format_qr_payload(b"short")


def test_repr_does_not_show_the_code() -> None:
    assert CODE not in repr(parse_qr_payload(PAYLOAD))
    assert CODE not in str(parse_qr_payload(PAYLOAD))


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ("https://egov.kz/cms/ru", "url"),
        ("HTTP://EXAMPLE.KZ", "url"),
        ("www.example.kz/path", "url"),
        ("WIFI:T:WPA;S:PollingStation;P:secret;;", "wifi"),
        ("00020101021126360012kz.kaspi.pay0112770112345675204599953033985802KZ6304ABCD", "payment"),
        ("ST00012|Name=ООО Ромашка|PersonalAcc=40702810138250123017", "payment"),
        ("BEGIN:VCARD\nVERSION:3.0\nEND:VCARD".replace("\n", " "), "contact"),
        ("MECARD:N:Doe,John;TEL:123;;", "contact"),
        ("mailto:someone@example.kz", "contact"),
        ("tel:+77010000000", "contact"),
    ],
)
def test_other_apps_codes_are_named(payload: str, kind: str) -> None:
    with pytest.raises(ForeignQrCode) as raised:
        parse_qr_payload(payload)
    assert raised.value.kind == kind
    assert raised.value.translation_key == f"document.qr.foreign.{kind}"
    assert payload not in raised.value.message


@pytest.mark.parametrize("payload", ["hello", "Сәлем, әлем", "kzdd1:" + CODE, " KZDD1:" + CODE, "KZD1:" + CODE])
def test_plain_text_and_near_misses_are_of_unknown_format(payload: str) -> None:
    with pytest.raises(UnknownQrFormat) as raised:
        parse_qr_payload(payload)
    assert type(raised.value) is UnknownQrFormat
    assert raised.value.translation_key == "document.qr.unknown_format"


@pytest.mark.parametrize("payload", ["KZDD2:" + CODE, "KZDD0:" + CODE, "KZDD7:short"])
def test_other_versions_are_unsupported(payload: str) -> None:
    with pytest.raises(UnsupportedQrVersion) as raised:
        parse_qr_payload(payload)
    assert raised.value.translation_key == "document.qr.unsupported_version"


@pytest.mark.parametrize(
    "payload",
    [
        "KZDD",
        "KZDD1",
        "KZDD1" + CODE,
        "KZDD:" + CODE,
        "KZDD12345:" + CODE,
        "KZDD01:" + CODE,  # the version has no leading zeros
        "KZDD1:",
        "KZDD1:" + CODE[:-1],  # truncated
        "KZDD1:" + CODE + "A",  # one character too many
        "KZDD1:" + CODE + "=",  # padding is not part of the form
        "KZDD1:" + CODE + " ",  # no white space
        "KZDD1:" + CODE[:-1] + "+",  # standard base64, not base64url
        "KZDD1:" + CODE[:-1] + "B",  # unused low bits set: not the canonical spelling
        "KZDD1:" + "é" * 43,
    ],
)
def test_malformed_digital_document_payloads(payload: str) -> None:
    with pytest.raises(MalformedQrPayload) as raised:
        parse_qr_payload(payload)
    assert raised.value.translation_key == "document.qr.malformed"
    assert isinstance(raised.value, DocumentError)


@pytest.mark.parametrize(
    "payload",
    ["KZDD1:" + CODE + "\n", "\x00\x01\x02", "KZDD1:\x07" + CODE[1:], "abc\x85", "a\ufffdb", "\ud800", b"\xff\xfe\x00"],
)
def test_binary_content_is_refused(payload: str | bytes) -> None:
    with pytest.raises(QrPayloadBinary) as raised:
        parse_qr_payload(payload)
    assert raised.value.translation_key == "document.qr.binary"


def test_empty_is_refused() -> None:
    for empty in ("", b""):
        with pytest.raises(QrPayloadEmpty):
            parse_qr_payload(empty)


def test_oversized_is_refused_before_anything_else_quickly() -> None:
    with pytest.raises(QrPayloadTooLong) as raised:
        parse_qr_payload("KZDD1:" + "A" * MAX_PAYLOAD_CHARACTERS)
    assert raised.value.translation_key == "document.qr.too_long"
    started = time.perf_counter()
    with pytest.raises(QrPayloadTooLong):
        parse_qr_payload("\x00" * 50_000_000)
    assert time.perf_counter() - started < 0.5
    assert parse_qr_payload(PAYLOAD)  # the limit leaves the real form untouched


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=600), st.binary(max_size=600)))
def test_random_input_raises_only_typed_errors(payload: str | bytes) -> None:
    try:
        parsed = parse_qr_payload(payload)
    except QrPayloadError as error:
        assert error.translation_key.startswith("document.qr.")
    else:
        assert parsed.code == (payload.decode() if isinstance(payload, bytes) else payload)[6:]


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(PAYLOAD) - 1), st.characters(), st.booleans())
def test_mutated_payloads_raise_only_typed_errors(position: int, character: str, insert: bool) -> None:
    mutated = PAYLOAD[:position] + character + PAYLOAD[position + (0 if insert else 1):]
    started = time.perf_counter()
    try:
        parsed = parse_qr_payload(mutated)
    except QrPayloadError:
        pass
    else:
        # Only the code itself may change and still parse: into another well-formed code.
        assert mutated.startswith("KZDD1:")
        assert parsed.code == mutated[6:]
    assert time.perf_counter() - started < 0.1

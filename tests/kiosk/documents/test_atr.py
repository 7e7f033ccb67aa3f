"""The ATR: historical bytes (ISO/IEC 7816-3) and the extended-length capability (ISO/IEC 7816-4 12.1.1)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.documents.atr import historical_bytes, offers_extended_length
from simulator.cards.virtual import DEFAULT_ATR, build_t1_atr


def test_historical_bytes_and_extended_length_from_the_atr() -> None:
    contract_atr = build_t1_atr(bytes.fromhex("8073008040"))
    assert historical_bytes(contract_atr) == bytes.fromhex("8073008040")
    assert offers_extended_length(contract_atr)
    assert historical_bytes(DEFAULT_ATR) == b""
    assert not offers_extended_length(DEFAULT_ATR)
    assert not offers_extended_length(build_t1_atr())
    assert not offers_extended_length(build_t1_atr(bytes.fromhex("8073008000")))
    assert not offers_extended_length(build_t1_atr(bytes.fromhex("8073948000")))
    assert not offers_extended_length(build_t1_atr(bytes.fromhex("807300")))  # capabilities cut short
    assert not offers_extended_length(build_t1_atr(bytes.fromhex("4F0C")))  # not compact-TLV
    # Category 00: compact-TLV, then three status bytes.
    assert offers_extended_length(build_t1_atr(bytes.fromhex("00730000C0" "009000")))
    assert offers_extended_length(build_t1_atr(bytes.fromhex("00730000C0829000")))
    assert not offers_extended_length(b"\x3b")
    assert not offers_extended_length(bytes.fromhex("3B80800101"))
    assert not offers_extended_length(bytes.fromhex("3B8F80"))  # TD1 announces TD2, which is missing


def test_interface_bytes_before_the_historical_bytes_are_skipped() -> None:
    # TA1 TB1 TC1 before TD1, and the historical bytes after TD2.
    atr = bytes.fromhex("3BF81300008131FE45") + bytes.fromhex("8073008040") + b"\x00\x00\x00"
    assert historical_bytes(atr)[:5] == bytes.fromhex("8073008040")
    assert offers_extended_length(atr)


@given(st.binary(max_size=40))
@settings(max_examples=300, deadline=None)
def test_atr_parsing_never_raises(atr: bytes) -> None:
    assert isinstance(offers_extended_length(atr), bool)
    assert len(historical_bytes(atr)) <= max(0, len(atr) - 2)

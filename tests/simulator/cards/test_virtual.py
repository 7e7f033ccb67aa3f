"""The generic ISO/IEC 7816-4 file-system card the card profiles build on."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.cards.virtual import (
    DEFAULT_ATR,
    Application,
    ElementaryFile,
    FileSystemCard,
    build_t1_atr,
)

AID = bytes.fromhex("A000000247100F")
CONTENT = bytes(range(256)) * 4 + b"tail"  # 1028 bytes
SMALL = b"small file"


def make_card(**options: object) -> FileSystemCard:
    card = FileSystemCard(
        master_files=(ElementaryFile(0x2F00, b"directory"),),
        applications=(
            Application(
                AID,
                (ElementaryFile(0x0101, CONTENT, short_file_id=1), ElementaryFile(0x011E, SMALL, 0x1E)),
                file_id=0x5000,
            ),
        ),
        **options,  # type: ignore[arg-type]
    )
    card.power_on()
    return card


def send(card: FileSystemCard, apdu: str) -> tuple[bytes, str]:
    response = card.process(bytes.fromhex(apdu.replace(" ", "")))
    return response[:-2], response[-2:].hex().upper()


def select_content(card: FileSystemCard) -> None:
    assert send(card, f"00A4040C07{AID.hex()}")[1] == "9000"
    assert send(card, "00A4020C020101")[1] == "9000"


def test_default_atr_is_the_t1_atr_without_historical_bytes() -> None:
    assert build_t1_atr() == DEFAULT_ATR == bytes.fromhex("3B80800101")


def test_atr_checksum_covers_historical_bytes() -> None:
    atr = build_t1_atr(bytes.fromhex("8073008040"))
    assert atr[:4] == bytes.fromhex("3B858001")
    check = 0
    for byte in atr[1:]:
        check ^= byte
    assert check == 0
    with pytest.raises(ValueError):
        build_t1_atr(bytes(16))


def test_select_by_aid_then_file_id_and_read() -> None:
    card = make_card()
    select_content(card)
    assert send(card, "00B0000004") == (CONTENT[:4], "9000")
    assert send(card, "00B0010010") == (CONTENT[256:272], "9000")


def test_select_unknown_aid_and_file_give_6a82() -> None:
    card = make_card()
    assert send(card, "00A4040C03A00000")[1] == "6A82"
    select_content(card)
    assert send(card, "00A4020C020999")[1] == "6A82"


def test_select_with_fcp_reports_size_and_file_id() -> None:
    card = make_card()
    send(card, f"00A4040C07{AID.hex()}")
    fcp, status = send(card, "00A4020402010100")
    assert status == "9000"
    assert fcp == bytes.fromhex("620E 80020404 820101 83020101 880108".replace(" ", ""))


def test_select_fcp_of_an_application() -> None:
    fcp, status = send(make_card(), f"00A4040007{AID.hex()}00")
    assert status == "9000" and fcp == b"\x62\x0c\x82\x01\x38\x84\x07" + AID


def test_select_master_file_and_path() -> None:
    card = make_card()
    assert send(card, "00A4000C00")[1] == "9000"  # no data: the MF (this encoding is case 2, Le 256)
    assert send(card, "00A4000C023F00")[1] == "9000"
    assert send(card, "00A4020C022F00")[1] == "9000"
    assert send(card, "00B0000009") == (b"directory", "9000")
    assert send(card, "00A4080C0450000101")[1] == "9000"
    assert send(card, "00B0000002") == (CONTENT[:2], "9000")
    assert send(card, "00A4080C0450000999")[1] == "6A82"
    assert send(card, "00A4080C03500001")[1] == "6700"


def test_select_by_file_id_reaches_the_application() -> None:
    card = make_card()
    assert send(card, "00A4000C025000")[1] == "9000"
    assert send(card, "00A4020C020101")[1] == "9000"


@pytest.mark.parametrize(
    ("apdu", "status"),
    [
        ("00A4050C020101", "6A86"),  # unsupported P1
        ("00A4020D020101", "6A86"),  # "next occurrence" is not supported
        ("00A4020C03010101", "6700"),  # file id of three bytes
        ("00B0000004", "6986"),  # READ BINARY with no current EF
        ("0CB0000004", "6882"),  # secure messaging is not offered by the generic card
        ("80B0000004", "6E00"),  # proprietary class
        ("00CA000000", "6D00"),  # unknown instruction
        ("00B081", "6700"),  # truncated header
        ("00A4040C05A0", "6700"),  # Lc larger than the data
    ],
)
def test_error_status_words(apdu: str, status: str) -> None:
    assert send(make_card(), apdu)[1] == status


def test_read_past_the_end() -> None:
    card = make_card()
    select_content(card)
    assert send(card, "00B0040010") == (b"tail", "6282")  # 1024 + 16 runs past 1028
    assert send(card, "00B0040400") == (b"", "9000")  # Le 00 = "as much as there is"
    assert send(card, "00B0040501") == (b"", "6B00")  # offset beyond the end
    assert send(card, "00B0000000")[1] == "9000"
    assert send(card, "00B00000")[1] == "6700"  # no Le at all


def test_read_by_short_file_id_makes_it_current() -> None:
    card = make_card()
    send(card, f"00A4040C07{AID.hex()}")
    assert send(card, "00B09E0005") == (SMALL[:5], "9000")  # SFI 1E, offset 0
    assert send(card, "00B0000500") == (SMALL[5:], "9000")
    assert send(card, "00B0810004") == (CONTENT[:4], "9000")
    assert send(card, "00B0850004")[1] == "6A82"  # no EF with SFI 5
    assert send(card, "00B0C10004")[1] == "6A86"  # P1 bits 7-6 must be 0


def test_extended_le_reads_a_whole_file() -> None:
    card = make_card()
    select_content(card)
    data, status = send(card, "00B00000000000")
    assert (data, status) == (CONTENT, "9000")
    data, status = send(card, "00B0000000012C")
    assert (data, status) == (CONTENT[:300], "9000")


def test_extended_length_can_be_switched_off() -> None:
    card = make_card(extended_length=False)
    select_content(card)
    assert send(card, "00B00000000000")[1] == "6700"


def test_get_response_chunks() -> None:
    card = make_card(get_response_chunk=100)
    select_content(card)
    first, status = send(card, "00B000000000FA")  # 250 bytes: 100 now, 150 behind 61xx
    assert first == CONTENT[:100] and status == "6196"
    second, status = send(card, "00C0000096")
    assert second == CONTENT[100:200] and status == "6132"
    third, status = send(card, "00C0000032")
    assert third == CONTENT[200:250] and status == "9000"


def test_get_response_chunks_keep_a_warning_status() -> None:
    card = make_card(get_response_chunk=2)
    select_content(card)
    assert send(card, "00B0040006") == (b"ta", "6102")  # 4 bytes left in the file, 6 asked for
    assert send(card, "00C0000002") == (b"il", "6282")


def test_get_response_without_pending_data_is_not_supported() -> None:
    assert send(make_card(get_response_chunk=4), "00C0000004")[1] == "6D00"


def test_exact_le_answers_6cxx() -> None:
    card = make_card(exact_le=True)
    send(card, f"00A4040C07{AID.hex()}")
    send(card, "00A4020C02011E")
    assert send(card, "00B0000000") == (b"", "6C0A")
    assert send(card, "00B000000A") == (SMALL, "9000")


def test_power_cycle_forgets_the_selection() -> None:
    card = make_card()
    select_content(card)
    card.power_off()
    card.power_on()
    assert send(card, "00B0000004")[1] == "6986"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_commands_always_get_a_status_word(apdu: bytes) -> None:
    card = make_card(get_response_chunk=32)
    response = card.process(apdu)
    assert len(response) >= 2


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 1100), st.integers(1, 300))
def test_any_offset_and_length_reads_the_right_slice(offset: int, length: int) -> None:
    card = make_card()
    select_content(card)
    apdu = bytes((0x00, 0xB0, offset >> 8, offset & 0xFF))
    apdu += bytes((length % 256,)) if length <= 256 else b"\x00" + length.to_bytes(2, "big")
    response = card.process(apdu)
    data, status = response[:-2], response[-2:].hex().upper()
    if offset > len(CONTENT):
        assert status == "6B00"
    else:
        assert data == CONTENT[offset : offset + length]
        assert status in {"9000", "6282"}

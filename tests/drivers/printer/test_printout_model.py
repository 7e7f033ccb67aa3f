"""The neutral printout model: what it accepts and refuses."""

from __future__ import annotations

import pytest

from drivers.printer.printout import (
    MAX_CODE_PAYLOAD,
    Code,
    KeyValue,
    Paragraph,
    Printout,
    Separator,
    Title,
    is_document_kind,
)


def test_texts_lists_every_human_readable_string_in_order() -> None:
    printout = Printout(
        kind="receipt",
        language="kk",
        blocks=(Title("Уақытша тіркеу"), KeyValue("ЖСН", "••••1234"), Separator(), Code("REF-1", caption="REF-1"),
                Code("REF-2"), Paragraph("Сақтаңыз")),
    )
    assert printout.texts() == ("Уақытша тіркеу", "ЖСН", "••••1234", "REF-1", "Сақтаңыз")


def test_a_printout_without_blocks_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one block"):
        Printout(kind="receipt", language="en", blocks=())


@pytest.mark.parametrize("kind", ["", "receipt/../../etc", "квитанция", "a b", "x" * 41, "receipt.pdf"])
def test_a_kind_that_cannot_name_a_file_is_refused(kind: str) -> None:
    assert not is_document_kind(kind)
    with pytest.raises(ValueError, match="kind"):
        Printout(kind=kind, language="en", blocks=(Separator(),))


def test_codes_refuse_empty_oversized_and_non_ascii_barcode_payloads() -> None:
    with pytest.raises(ValueError, match="payload"):
        Code("")
    with pytest.raises(ValueError, match="limited"):
        Code("A" * (MAX_CODE_PAYLOAD + 1))
    with pytest.raises(ValueError, match="ASCII"):
        Code("ЖСН-1", symbology="code128")
    assert Code("ЖСН-1", symbology="qr").payload == "ЖСН-1"  # QR carries UTF-8

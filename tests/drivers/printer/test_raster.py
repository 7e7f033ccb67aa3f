"""The receipt raster: size, 1-bit output, readable codes, wrapping, and what does not fit."""

from __future__ import annotations

import pytest
import zxingcpp
from PIL import Image

from drivers.printer.errors import PrinterUnsupported
from drivers.printer.printout import Code, KeyValue, Paragraph, Printout, Separator, Title
from drivers.printer.raster import _load_font, render_raster, wrap_text


def _printout(*blocks: Title | Paragraph | KeyValue | Code | Separator) -> Printout:
    return Printout(kind="test", language="kk", blocks=blocks)


def _dark_rows(image: Image.Image) -> int:
    grey = image.convert("L")
    return sum(1 for y in range(grey.height) if grey.crop((0, y, grey.width, y + 1)).getextrema()[0] == 0)


@pytest.mark.parametrize("width", [384, 512, 576])
def test_the_raster_is_one_bit_and_exactly_the_paper_width(width: int) -> None:
    image = render_raster(_printout(Title("Уақытша тіркеу"), Paragraph("Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі")), width_dots=width)
    assert image.mode == "1"
    assert image.width == width
    histogram = image.convert("L").histogram()
    assert {level for level, count in enumerate(histogram) if count} == {0, 255}


def test_the_qr_code_decodes_to_the_reference_with_kazakh_text() -> None:
    image = render_raster(_printout(Code("Тіркеу-412 ұқ", caption="Тіркеу-412")))
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert [result.text for result in results] == ["Тіркеу-412 ұқ"]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_a_code128_barcode_decodes_to_its_payload() -> None:
    image = render_raster(_printout(Code("TR-412-7Q9K2M", symbology="code128")))
    results = zxingcpp.read_barcodes(image.convert("L"))
    assert [(result.text, result.format) for result in results] == [("TR-412-7Q9K2M", zxingcpp.BarcodeFormat.Code128)]


def test_long_text_wraps_instead_of_running_off_the_paper() -> None:
    short = render_raster(_printout(Paragraph("Қызылорда")))
    long = render_raster(_printout(Paragraph("Қызылорда облысы, Әйтеке би көшесі, 25 " * 6)))
    assert long.width == short.width
    assert _dark_rows(long) > 4 * _dark_rows(short)


def test_wrapping_keeps_every_word_and_respects_the_width() -> None:
    font = _load_font(24, "regular")
    text = "Сіз дауыс беру күніне уақытша тіркелдіңіз " + "Ө" * 80
    lines = wrap_text(text, font, 300)
    assert all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_wrapping_never_breaks_at_a_no_break_space() -> None:
    font = _load_font(24, "regular")
    lines = wrap_text("17 марта 2024\u202fг., 14:05 " * 5, font, 260)
    assert not any(line.endswith("2024") for line in lines)


def test_a_key_value_row_too_long_for_one_line_moves_the_value_below() -> None:
    one_line = render_raster(_printout(KeyValue("ЖСН", "••••1234")))
    two_lines = render_raster(_printout(KeyValue("Мекенжайы", "Қызылорда қ., Әйтеке би көшесі, 25, №12 мектеп")))
    assert two_lines.height > one_line.height * 1.5


def test_a_qr_code_too_large_for_the_paper_is_unsupported() -> None:
    with pytest.raises(PrinterUnsupported):
        render_raster(_printout(Code("№" * 256)), width_dots=200)  # 768 UTF-8 bytes: a QR of version 25


def test_a_barcode_too_wide_for_the_paper_is_unsupported() -> None:
    with pytest.raises(PrinterUnsupported, match="too wide"):
        render_raster(_printout(Code("A1B2C3D4E5" * 10, symbology="code128")), width_dots=384)


def test_paper_narrower_than_a_printout_needs_is_unsupported() -> None:
    with pytest.raises(PrinterUnsupported, match="narrow"):
        render_raster(_printout(Separator()), width_dots=100)

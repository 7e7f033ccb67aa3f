"""Printouts as PDF: embedded font, Kazakh text extractable, page sizes, codes readable."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from support.ci import require_program

from drivers.printer.pdf import render_pdf
from drivers.printer.printout import Code, KeyValue, Paragraph, Printout, Separator, Title

KAZAKH = "Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"
PRINTOUT = Printout(
    kind="receipt",
    language="kk",
    blocks=(Title("Уақытша тіркеу"), Paragraph(KAZAKH), KeyValue("Мекенжайы", "Қызылорда қ., Әйтеке би көшесі, 25"),
            Separator(), Code("TR-412-7Q9K2M", caption="TR-412-7Q9K2M"), Code("TR-412", symbology="code128")),
)


@pytest.fixture
def poppler() -> None:
    """pdftotext and pdffonts (poppler-utils), which read the PDFs back."""
    require_program("pdftotext", "poppler-utils")


def _write(tmp_path: Path, pdf: bytes) -> Path:
    path = tmp_path / "printout.pdf"
    path.write_bytes(pdf)
    return path


@pytest.mark.usefixtures("poppler")
def test_kazakh_text_is_real_text_in_an_embedded_font(tmp_path: Path) -> None:
    path = _write(tmp_path, render_pdf(PRINTOUT))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert KAZAKH in text
    assert "Уақытша тіркеу" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout.decode()
    assert "DejaVuSans" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # every font embedded


@pytest.mark.usefixtures("poppler")
@pytest.mark.parametrize(("paper", "width_pt", "height_pt"), [("A5", 420, 595), ("A4", 595, 842)])
def test_sheet_sizes(tmp_path: Path, paper: str, width_pt: int, height_pt: int) -> None:
    path = _write(tmp_path, render_pdf(PRINTOUT, paper=paper))  # type: ignore[arg-type]
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(value) for value in size.split(":")[1].split("pts")[0].split("x"))
    assert (round(width), round(height)) == (width_pt, height_pt)


@pytest.mark.usefixtures("poppler")
def test_a_receipt_page_is_80_mm_wide_and_as_long_as_its_content(tmp_path: Path) -> None:
    short = Printout(kind="receipt", language="en", blocks=(Title("Short"),))
    info = []
    for printout in (short, PRINTOUT):
        path = _write(tmp_path, render_pdf(printout))
        output = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
        info.append(next(line for line in output.splitlines() if line.startswith("Page size")))
    widths = [float(line.split(":")[1].split("x")[0]) for line in info]
    heights = [float(line.split("x")[1].split("pts")[0]) for line in info]
    assert [round(width / 72 * 25.4) for width in widths] == [80, 80]
    assert heights[0] < 30 / 25.4 * 72 < heights[1]
    assert "Pages:           1" in output


@pytest.mark.usefixtures("poppler")
def test_the_codes_in_the_pdf_scan(tmp_path: Path) -> None:
    path = _write(tmp_path, render_pdf(PRINTOUT))
    subprocess.run(["pdftoppm", "-png", "-r", "200", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    with Image.open(tmp_path / "page.png") as page:
        found = {(result.format, result.text) for result in zxingcpp.read_barcodes(page.convert("L"))}
    assert found == {(zxingcpp.BarcodeFormat.QRCode, "TR-412-7Q9K2M"), (zxingcpp.BarcodeFormat.Code128, "TR-412")}


def test_rendering_is_reproducible() -> None:
    assert render_pdf(PRINTOUT, paper="A5") == render_pdf(PRINTOUT, paper="A5")

"""Lay out a ``Printout`` as a PDF (fpdf2) with DejaVu Sans embedded, on a receipt-sized page or on A5/A4.

Used by the CUPS backend (a printout on an office printer) and by the simulator's printer. Text stays
text (searchable, sharp at any zoom); codes are drawn as vector rectangles from the same module patterns
the raster backend uses.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fpdf import FPDF

from drivers.printer.codes import code128_modules, qr_modules
from drivers.printer.errors import PrinterUnsupported
from drivers.printer.fonts import font_path
from drivers.printer.printout import Block, Code, KeyValue, Paragraph, Printout, Separator, TextSize, Title

PdfPaper = Literal["receipt", "A5", "A4"]

RECEIPT_WIDTH_MM = 80.0
# ISO 216 sheet sizes, given in millimetres rather than by name (fpdf2 warns that it changed its A5 once).
_SHEETS_MM: dict[str, tuple[float, float]] = {"A5": (148.0, 210.0), "A4": (210.0, 297.0)}
_MARGINS_MM: dict[PdfPaper, float] = {"receipt": 4.0, "A5": 12.0, "A4": 18.0}
_TEXT_POINTS: dict[TextSize, float] = {"small": 8.0, "normal": 10.0, "large": 13.0}
_TITLE_POINTS = 15.0
_POINT_MM = 25.4 / 72
_LINE_FACTOR = 1.35
_BLOCK_GAP_MM = 1.6
_INDENT_MM = 4.0
_QR_TARGET_MM = 30.0
_BAR_MODULE_MM = 0.33
_BAR_HEIGHT_MM = 10.0
_FAMILY = "DejaVuSans"
_MEASURING_HEIGHT_MM = 5000.0  # a page long enough that no receipt reaches its end while it is measured
# A fixed creation date keeps the files reproducible; the printout itself states when it was printed.
_FIXED_CREATION_DATE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def render_pdf(printout: Printout, *, paper: PdfPaper = "receipt") -> bytes:
    """``printout`` as PDF bytes; a "receipt" page is 80 mm wide and exactly as long as its content."""
    if paper == "receipt":
        measured = _layout(printout, paper, (RECEIPT_WIDTH_MM, _MEASURING_HEIGHT_MM))
        height = measured.get_y() + _MARGINS_MM[paper]
        return bytes(_layout(printout, paper, (RECEIPT_WIDTH_MM, height)).output())
    return bytes(_layout(printout, paper, _SHEETS_MM[paper]).output())


def _layout(printout: Printout, paper: PdfPaper, page_format: str | tuple[float, float]) -> FPDF:
    pdf = FPDF(orientation="portrait", unit="mm", format=page_format)
    pdf.add_font(_FAMILY, "", str(font_path("regular")))
    pdf.add_font(_FAMILY, "B", str(font_path("bold")))
    margin = _MARGINS_MM[paper]
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(auto=paper != "receipt", margin=margin)
    pdf.set_title(printout.kind)
    pdf.set_lang(printout.language)
    pdf.set_creation_date(_FIXED_CREATION_DATE)
    pdf.add_page()
    for block in printout.blocks:
        _draw_block(pdf, block)
        pdf.ln(_BLOCK_GAP_MM)
    return pdf


def _line_height(points: float) -> float:
    return points * _POINT_MM * _LINE_FACTOR


def _draw_block(pdf: FPDF, block: Block) -> None:
    match block:
        case Title(text=text):
            pdf.set_font(_FAMILY, "B", _TITLE_POINTS)
            pdf.multi_cell(0, _line_height(_TITLE_POINTS), text, align="C", new_x="LMARGIN", new_y="NEXT")
        case Paragraph(text=text, emphasis=emphasis, align=align, size=size):
            pdf.set_font(_FAMILY, "B" if emphasis else "", _TEXT_POINTS[size])
            pdf.multi_cell(
                0, _line_height(_TEXT_POINTS[size]), text, align="C" if align == "center" else "L",
                new_x="LMARGIN", new_y="NEXT",
            )
        case KeyValue():
            _draw_key_value(pdf, block)
        case Code():
            _draw_code(pdf, block)
        case Separator():
            y = pdf.get_y() + 0.5
            pdf.set_line_width(0.3)
            pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
            pdf.ln(1.0)
        case _:
            raise PrinterUnsupported(f"no PDF layout for {type(block).__name__}")


def _draw_key_value(pdf: FPDF, row: KeyValue) -> None:
    points = _TEXT_POINTS["normal"]
    height = _line_height(points)
    pdf.set_font(_FAMILY, "", points)
    key_width = pdf.get_string_width(row.key)
    pdf.set_font(_FAMILY, "B" if row.emphasis else "", points)
    value_width = pdf.get_string_width(row.value)
    if "\n" not in row.value and key_width + 3 + value_width <= pdf.epw:
        pdf.set_font(_FAMILY, "", points)
        pdf.cell(key_width + 1, height, row.key)
        pdf.set_font(_FAMILY, "B" if row.emphasis else "", points)
        pdf.cell(0, height, row.value, align="R", new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font(_FAMILY, "", points)
    pdf.multi_cell(0, height, row.key, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FAMILY, "B" if row.emphasis else "", points)
    pdf.set_x(pdf.l_margin + _INDENT_MM)
    pdf.multi_cell(pdf.epw - _INDENT_MM, height, row.value, align="L", new_x="LMARGIN", new_y="NEXT")


def _draw_code(pdf: FPDF, block: Code) -> None:
    pdf.set_fill_color(0)
    if block.symbology == "qr":
        modules = qr_modules(block.payload)
        module = min(_QR_TARGET_MM, pdf.epw) / len(modules)
        rows = [[index for index, dark in enumerate(row) if dark] for row in modules]
        width = height = module * len(modules)
    else:
        pattern = code128_modules(block.payload)
        module = min(_BAR_MODULE_MM, pdf.epw / len(pattern))
        rows = [[index for index, bar in enumerate(pattern) if bar == "1"]]
        width, height = module * len(pattern), _BAR_HEIGHT_MM
    if pdf.will_page_break(height):
        pdf.add_page()
    left = pdf.l_margin + (pdf.epw - width) / 2
    top = pdf.get_y()
    row_height = height / len(rows)
    for row_index, dark_columns in enumerate(rows):
        for start, length in _runs(dark_columns):
            pdf.rect(left + start * module, top + row_index * row_height, length * module, row_height, style="F")
    pdf.set_y(top + height)
    if block.caption is not None:
        points = _TEXT_POINTS["small"]
        pdf.set_font(_FAMILY, "", points)
        pdf.multi_cell(0, _line_height(points), block.caption, align="C", new_x="LMARGIN", new_y="NEXT")


def _runs(columns: list[int]) -> list[tuple[int, int]]:
    """Consecutive dark columns merged into (start, length) runs: fewer, seamless rectangles."""
    runs: list[tuple[int, int]] = []
    for column in columns:
        if runs and runs[-1][0] + runs[-1][1] == column:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((column, 1))
    return runs

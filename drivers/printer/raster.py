"""Draw a ``Printout`` as a 1-bit raster image the width of a receipt roll.

The ESC/POS backend sends this image to the printer (ESC/POS code pages have no Kazakh letters), and the
simulator saves the very same image as PNG: what a test or a developer looks at is what the roll shows.
"""

from __future__ import annotations

import functools

from PIL import Image, ImageDraw, ImageFont

from drivers.printer.codes import code128_modules, qr_modules
from drivers.printer.errors import PrinterUnsupported
from drivers.printer.fonts import FontWeight, font_path
from drivers.printer.printout import Block, Code, KeyValue, Paragraph, Printout, Separator, TextSize, Title

RECEIPT_WIDTH_DOTS = 576  # an 80 mm roll prints 72 mm at 8 dots/mm (203 dpi)
REFERENCE_DPI = 203
WHITE = 255
BLACK = 0

# Text heights in dots at 203 dpi: "normal" is about 3 mm, the size of the printers' own 12x24 font A.
_TEXT_SIZES: dict[TextSize, int] = {"small": 20, "normal": 24, "large": 32}
_TITLE_SIZE = 36
_MARGIN = 8  # dots kept clear at each side; the printable width already excludes the roll's edges
_LINE_GAP = 4
_BLOCK_GAP = 10
_INDENT = 24
_QR_TARGET_DOTS = 240  # about 30 mm: scannable by the kiosk's camera and a phone at arm's length
_BAR_HEIGHT_MM = 10
_BAR_MODULE_DOTS = 2  # 0.25 mm bars print cleanly on thermal paper


class _Canvas:
    """Sizes scaled to the printer's resolution, and the fonts at those sizes."""

    def __init__(self, width_dots: int, dpi: int) -> None:
        if width_dots < 200:
            raise PrinterUnsupported(f"a paper width of {width_dots} dots is too narrow for a printout")
        self.width = width_dots
        self.scale = dpi / REFERENCE_DPI
        self.margin = self.dots(_MARGIN)
        self.text_width = width_dots - 2 * self.margin

    def dots(self, at_reference: float) -> int:
        return max(1, round(at_reference * self.scale))

    def font(self, size: int, weight: FontWeight) -> ImageFont.FreeTypeFont:
        return _load_font(self.dots(size), weight)


@functools.lru_cache(maxsize=16)
def _load_font(size: int, weight: FontWeight) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(weight)), size)


def render_raster(printout: Printout, *, width_dots: int = RECEIPT_WIDTH_DOTS, dpi: int = REFERENCE_DPI) -> Image.Image:
    """``printout`` as a mode "1" image ``width_dots`` wide (black text on white), ready for the print head."""
    canvas = _Canvas(width_dots, dpi)
    parts = [_render_block(block, canvas) for block in printout.blocks]
    gap = canvas.dots(_BLOCK_GAP)
    height = sum(part.height for part in parts) + gap * (len(parts) + 1)
    page = Image.new("L", (width_dots, height), WHITE)
    y = gap
    for part in parts:
        page.paste(part, (0, y))
        y += part.height + gap
    # A hard threshold, not dithering: grey anti-aliasing pixels would print as speckles around letters.
    return page.convert("1", dither=Image.Dither.NONE)


def _render_block(block: Block, canvas: _Canvas) -> Image.Image:
    match block:
        case Title(text=text):
            return _text_lines(text, canvas.font(_TITLE_SIZE, "bold"), canvas, align="center")
        case Paragraph(text=text, emphasis=emphasis, align=align, size=size):
            font = canvas.font(_TEXT_SIZES[size], "bold" if emphasis else "regular")
            return _text_lines(text, font, canvas, align=align)
        case KeyValue():
            return _key_value(block, canvas)
        case Code():
            return _code(block, canvas)
        case Separator():
            return _separator(canvas)
    raise PrinterUnsupported(f"no raster layout for {type(block).__name__}")


def wrap_text(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` at word boundaries; over-long words are split."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        # Break at ordinary spaces only: no-break spaces ("2024\u202fж.") keep their words together.
        for word in filter(None, paragraph.split(" ")):
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            for character in word:
                if line and font.getlength(line + character) > width:
                    lines.append(line)
                    line = ""
                line += character
        lines.append(line)
    return lines


def _text_lines(
    text: str, font: ImageFont.FreeTypeFont, canvas: _Canvas, *, align: str, indent: int = 0
) -> Image.Image:
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + canvas.dots(_LINE_GAP)
    available = canvas.text_width - indent
    lines = wrap_text(text, font, available)
    image = Image.new("L", (canvas.width, line_height * len(lines)), WHITE)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        x = canvas.margin + indent
        if align == "center":
            x = canvas.margin + indent + round((available - font.getlength(line)) / 2)
        draw.text((x, index * line_height), line, font=font, fill=BLACK)
    return image


def _key_value(row: KeyValue, canvas: _Canvas) -> Image.Image:
    key_font = canvas.font(_TEXT_SIZES["normal"], "regular")
    value_font = canvas.font(_TEXT_SIZES["normal"], "bold" if row.emphasis else "regular")
    key_width = key_font.getlength(row.key)
    value_width = value_font.getlength(row.value)
    gap = canvas.dots(16)
    if "\n" not in row.value and key_width + gap + value_width <= canvas.text_width:
        ascent, descent = max(key_font.getmetrics(), value_font.getmetrics())
        image = Image.new("L", (canvas.width, ascent + descent + canvas.dots(_LINE_GAP)), WHITE)
        draw = ImageDraw.Draw(image)
        draw.text((canvas.margin, 0), row.key, font=key_font, fill=BLACK)
        draw.text((canvas.width - canvas.margin - round(value_width), 0), row.value, font=value_font, fill=BLACK)
        return image
    # Too long for one line (an address): the label, then the value indented below it.
    key = _text_lines(row.key, key_font, canvas, align="left")
    value = _text_lines(row.value, value_font, canvas, align="left", indent=canvas.dots(_INDENT))
    return _stack(canvas, key, value)


def _code(block: Code, canvas: _Canvas) -> Image.Image:
    symbol = _qr_image(block.payload, canvas) if block.symbology == "qr" else _code128_image(block.payload, canvas)
    framed = Image.new("L", (canvas.width, symbol.height), WHITE)
    framed.paste(symbol, ((canvas.width - symbol.width) // 2, 0))
    if block.caption is None:
        return framed
    caption = _text_lines(block.caption, canvas.font(_TEXT_SIZES["small"], "regular"), canvas, align="center")
    return _stack(canvas, framed, caption)


def _qr_image(payload: str, canvas: _Canvas) -> Image.Image:
    modules = qr_modules(payload)
    count = len(modules)
    module_dots = min(canvas.width // count, max(2, canvas.dots(_QR_TARGET_DOTS) // count))
    if module_dots < 2:
        raise PrinterUnsupported("the QR code is too large for the paper width")
    image = Image.new("L", (count, count), WHITE)
    image.putdata([BLACK if dark else WHITE for row in modules for dark in row])
    return image.resize((count * module_dots, count * module_dots), Image.Resampling.NEAREST)


def _code128_image(payload: str, canvas: _Canvas) -> Image.Image:
    pattern = code128_modules(payload)
    module_dots = _BAR_MODULE_DOTS if len(pattern) * _BAR_MODULE_DOTS <= canvas.width else 1
    if len(pattern) * module_dots > canvas.width:
        raise PrinterUnsupported("the barcode is too wide for the paper width")
    height = round(_BAR_HEIGHT_MM * 8 * canvas.scale)
    row = Image.new("L", (len(pattern), 1), WHITE)
    row.putdata([BLACK if bar == "1" else WHITE for bar in pattern])
    return row.resize((len(pattern) * module_dots, height), Image.Resampling.NEAREST)


def _separator(canvas: _Canvas) -> Image.Image:
    thickness = canvas.dots(2)
    image = Image.new("L", (canvas.width, thickness), WHITE)
    ImageDraw.Draw(image).rectangle((canvas.margin, 0, canvas.width - canvas.margin - 1, thickness - 1), fill=BLACK)
    return image


def _stack(canvas: _Canvas, *parts: Image.Image) -> Image.Image:
    image = Image.new("L", (canvas.width, sum(part.height for part in parts)), WHITE)
    y = 0
    for part in parts:
        image.paste(part, (0, y))
        y += part.height
    return image

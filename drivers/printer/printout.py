"""A printout as plain data: what to print, not how. Kiosk code builds it; each backend renders it.

The model is deliberately small (titles, paragraphs, key-value rows, a code, separators) so that the same
printout looks alike on an 80 mm thermal roll, an A5 sheet and the simulator's PNG and PDF files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Alignment = Literal["left", "center"]
TextSize = Literal["small", "normal", "large"]
Symbology = Literal["qr", "code128"]

MAX_CODE_PAYLOAD = 256  # a reference or short link; anything longer is a layout mistake, not a reference


@dataclass(frozen=True, slots=True)
class Title:
    """A heading, printed large, bold and centred."""

    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Running text, wrapped to the paper width."""

    text: str
    emphasis: bool = False
    align: Alignment = "left"
    size: TextSize = "normal"


@dataclass(frozen=True, slots=True)
class KeyValue:
    """A labelled value (``Station: 101``): the label on the left, the value after it or below it."""

    key: str
    value: str
    emphasis: bool = False


@dataclass(frozen=True, slots=True)
class Code:
    """A machine-readable code (QR or Code 128) of ``payload``, centred, with an optional caption below."""

    payload: str
    symbology: Symbology = "qr"
    caption: str | None = None

    def __post_init__(self) -> None:
        if not self.payload:
            raise ValueError("a code needs a payload")
        if len(self.payload) > MAX_CODE_PAYLOAD:
            raise ValueError(f"a code payload is limited to {MAX_CODE_PAYLOAD} characters")
        if self.symbology == "code128" and not (self.payload.isascii() and self.payload.isprintable()):
            raise ValueError("a Code 128 payload must be printable ASCII")


@dataclass(frozen=True, slots=True)
class Separator:
    """A horizontal rule between sections."""


def is_document_kind(kind: str) -> bool:
    """True for a document kind usable in job titles and file names: 1-40 ASCII letters, digits, "_"."""
    return 0 < len(kind) <= 40 and kind.isascii() and kind.replace("_", "").isalnum()


Block = Title | Paragraph | KeyValue | Code | Separator


@dataclass(frozen=True, slots=True)
class Printout:
    """A document to print.

    ``kind`` names the document ("receipt", "commission_slip") for job titles and file names: it never
    carries personal data. ``language`` is the language it is written in (kk, ru or en).
    """

    kind: str
    language: str
    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        if not self.blocks:
            raise ValueError("a printout needs at least one block")
        if not is_document_kind(self.kind):
            raise ValueError("a printout kind is a short ASCII name such as 'receipt'")

    def texts(self) -> tuple[str, ...]:
        """Every human-readable string of the printout, in order (for tests and accessibility)."""
        result: list[str] = []
        for block in self.blocks:
            match block:
                case Title(text=text) | Paragraph(text=text):
                    result.append(text)
                case KeyValue(key=key, value=value):
                    result.extend((key, value))
                case Code(caption=caption) if caption is not None:
                    result.append(caption)
        return tuple(result)

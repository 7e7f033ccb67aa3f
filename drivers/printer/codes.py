"""The module patterns of printed codes, from maintained encoders: segno for QR, python-barcode for Code 128.

Backends only draw the dark modules these functions return, so a QR code on the thermal roll, in the PDF
and in the simulator's PNG is the same symbol.
"""

from __future__ import annotations

import barcode  # python-barcode ships no type information
import barcode.errors
import segno

from drivers.printer.errors import PrinterUnsupported

QR_QUIET_ZONE = 4  # ISO/IEC 18004 section 7.3.7: a quiet zone 4 modules wide
CODE128_QUIET_ZONE = 10  # ISO/IEC 15417 section 4.4.2: at least 10 modules each side


def qr_modules(payload: str) -> list[list[bool]]:
    """The QR symbol of ``payload`` as rows of dark (True) and light modules, quiet zone included.

    Error correction level M at least (segno raises it for free when the version has room): a receipt
    gets creased in a pocket before it is scanned at the commission's desk.
    """
    try:
        symbol = segno.make_qr(payload, error="m")
    except segno.DataOverflowError as overflow:
        raise PrinterUnsupported("the payload does not fit in a QR code") from overflow
    return [[bool(module) for module in row] for row in symbol.matrix_iter(border=QR_QUIET_ZONE)]


def code128_modules(payload: str) -> str:
    """The Code 128 bar pattern of ``payload`` as a string of "1" (bar) and "0" (space), quiet zones included."""
    try:
        pattern: str = barcode.get("code128", payload).build()[0]
    except (ValueError, barcode.errors.BarcodeError) as error:
        raise PrinterUnsupported("the payload cannot be encoded as Code 128") from error
    quiet = "0" * CODE128_QUIET_ZONE
    return quiet + pattern + quiet

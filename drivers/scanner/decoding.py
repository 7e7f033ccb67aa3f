"""Finding and decoding a QR code in one image with zxing-cpp: the camera backend and the simulator share it.

A frame is what zxing-cpp reads: a grayscale ``(height, width)`` or BGR ``(height, width, 3)`` uint8 array
(what OpenCV's ``VideoCapture.read`` gives), a memoryview cast to such a shape, or a PIL image.
"""

from __future__ import annotations

from typing import Any

import zxingcpp

Frame = Any
"""An image zxing-cpp can read (see the module docstring); typed loosely because numpy is optional here."""

# Binary or unknown-charset content has no trustworthy text: hand on its bytes as UTF-8 with replacement
# characters, which the payload parser refuses as binary instead of guessing a meaning.
_QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_TEXT_CONTENT = frozenset({zxingcpp.ContentType.Text, zxingcpp.ContentType.Mixed, zxingcpp.ContentType.GS1})


def decode_qr(frame: Frame) -> str | None:
    """The text of the first valid QR code in ``frame``, or None when the frame shows none."""
    barcodes = zxingcpp.read_barcodes(frame, formats=_QR_ONLY, text_mode=zxingcpp.TextMode.Plain)
    for barcode in barcodes:
        if not barcode.valid:
            continue
        if barcode.content_type in _TEXT_CONTENT:
            return str(barcode.text)
        return bytes(barcode.bytes).decode("utf-8", errors="replace")
    return None

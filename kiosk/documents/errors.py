"""Errors raised while reading or verifying an identity document."""

from __future__ import annotations

from kiosk.errors import KioskError


class DocumentError(KioskError):
    """Root of document errors: the document could not be read or did not verify."""

    translation_key = "document.error"

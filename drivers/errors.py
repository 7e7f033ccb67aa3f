"""The root of the errors raised by the hardware drivers."""

from __future__ import annotations


class DriverError(Exception):
    """Root of driver errors; ``translation_key`` names the text shown to a person."""

    translation_key: str = "driver.error"

    def __init__(self, message: str, *, translation_key: str | None = None) -> None:
        super().__init__(message)
        if translation_key is not None:
            self.translation_key = translation_key

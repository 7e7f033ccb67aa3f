"""The root of every error the kiosk raises on purpose.

Each error carries a ``translation_key`` (a message id in the kk/ru/en catalogues) so that whatever a
person sees or hears about it can be said in their language, and an English ``message`` for logs and
for the command line. Messages never contain personal data: no IIN, no name, no address.
"""

from __future__ import annotations


class KioskError(Exception):
    """Root of the kiosk's own errors; ``translation_key`` names the text shown to a person."""

    translation_key: str = "error.internal"

    def __init__(self, message: str, *, translation_key: str | None = None) -> None:
        super().__init__(message)
        if translation_key is not None:
            self.translation_key = translation_key

    @property
    def message(self) -> str:
        """The English one-line description (no personal data)."""
        return str(self.args[0]) if self.args else self.__class__.__name__

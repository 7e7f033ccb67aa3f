"""Typed errors of the card transport layer (PC/SC, in-process and vpcd virtual cards).

Every backend turns its own failures into these at its edge, so document readers handle one set of errors
whichever channel they were handed. Messages name readers and codes only, never anything read from a card.
"""

from __future__ import annotations

from drivers.errors import DriverError


class CardError(DriverError):
    """Root of card transport errors."""

    translation_key = "card.error"


class CardServiceUnavailableError(CardError):
    """The smart-card service is not running (PC/SC ``SCARD_E_NO_SERVICE``, 0x8010001D)."""

    translation_key = "card.service_unavailable"


class ReaderNotFoundError(CardError):
    """No connected reader has a name starting with the configured prefix."""

    translation_key = "card.reader_not_found"

    def __init__(self, reader_prefix: str, available: tuple[str, ...] = ()) -> None:
        listed = ", ".join(available) if available else "none"
        super().__init__(f"no card reader whose name starts with {reader_prefix!r} (readers: {listed})")
        self.reader_prefix = reader_prefix
        self.available = available


class NoCardError(CardError):
    """The reader holds no card (or a card that does not answer) when one was needed."""

    translation_key = "card.no_card"


class CardRemovedError(CardError):
    """The card was taken out (or lost power) while it was in use; whatever was being read is lost."""

    translation_key = "card.removed"


class ReaderBusyError(CardError):
    """Another application holds the reader or card (PC/SC sharing violation)."""

    translation_key = "card.reader_busy"


class CardTimeoutError(CardError):
    """Nothing happened within the time allowed (no card inserted, or the reader did not answer)."""

    translation_key = "card.timeout"


class CardCommunicationError(CardError):
    """The reader or service failed in a way not covered above; ``code`` keeps the native error code."""

    translation_key = "card.communication"

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class MalformedApduError(CardError):
    """A command or response APDU does not have a valid ISO/IEC 7816-4 structure."""

    translation_key = "card.apdu.malformed"


class ResponseTooLongError(CardError):
    """The card kept answering ``61xx`` beyond any plausible response length (a faulty or hostile card)."""

    translation_key = "card.response.too_long"

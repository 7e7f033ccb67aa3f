"""The ``CodeScanner`` interface: something that reads the text of a code a person holds up."""

from __future__ import annotations

from typing import Protocol


class CodeScanner(Protocol):
    """A source of scanned codes (camera, HID keyboard wedge, or the simulator's scanner)."""

    def read(self, timeout: float) -> str | None:
        """The text of the next code seen within ``timeout`` seconds, or None when none was.

        Raises a ``drivers.scanner.errors.ScannerError`` when the device fails; a code that is not what the
        caller wants is still returned (the caller's parser says why it is refused).
        """
        ...

    def close(self) -> None:
        """Release the device; ``read`` afterwards raises ``ScannerClosed``. Closing twice is harmless."""
        ...

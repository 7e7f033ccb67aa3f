"""The printer interfaces: ``ReceiptPrinter`` prints a ``Printout``; ``DocumentPrinter`` prints a finished PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from drivers.printer.printout import Printout

PrinterStatus = Literal["ready", "paper_low", "paper_out", "offline", "unknown"]
"""What the printer says about itself; "unknown" when the backend cannot ask (a plain device file)."""

PaperSize = Literal["A4", "A5"]


@dataclass(frozen=True, slots=True)
class PrintJob:
    """A job handed to the printer: ``job_id`` is the backend's own name for it (a CUPS request id, a counter)."""

    job_id: str
    kind: str


class ReceiptPrinter(Protocol):
    """A printer for the kiosk's printouts (receipts and slips)."""

    def print(self, printout: Printout) -> PrintJob:
        """Print ``printout``; raise ``PrinterOffline``, ``PaperOut`` or another ``PrinterError`` on failure."""
        ...

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for an unreachable printer (that is "offline")."""
        ...


class DocumentPrinter(Protocol):
    """A printer for finished, possibly signed PDF documents (the commission's reasoned refusal on A5)."""

    def print_pdf(self, pdf: bytes, *, paper: PaperSize, kind: str) -> PrintJob:
        """Print the PDF bytes unchanged on ``paper``; ``kind`` names the document for the job title."""
        ...

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for an unreachable printer (that is "offline")."""
        ...

"""The printer interfaces: ``ReceiptPrinter`` prints a ``Printout``; ``DocumentPrinter`` prints a finished PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, Protocol, get_args

from drivers.printer.errors import PrinterUnsupported
from drivers.printer.printout import Printout, is_document_kind

PrinterStatus = Literal["ready", "paper_low", "paper_out", "offline", "unknown"]
"""What the printer says about itself; "unknown" when the backend cannot ask (a plain device file)."""

PaperSize = Literal["A4", "A5"]
PDF_MAGIC: Final = b"%PDF-"  # ISO 32000-1 7.5.2: a PDF file starts with its header "%PDF-1.n"


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


def check_document_job(pdf: bytes, *, paper: str, kind: str) -> None:
    """Refuse, before printing, what no ``DocumentPrinter.print_pdf`` prints (``PrinterUnsupported``).

    That is a ``kind`` unfit for a job title, bytes that are not a PDF, or a paper size not offered.
    """
    if not is_document_kind(kind):
        raise PrinterUnsupported("a document kind is a short ASCII name such as 'refusal'")
    if not pdf.startswith(PDF_MAGIC):
        raise PrinterUnsupported("the document to print is not a PDF")
    if paper not in get_args(PaperSize):
        raise PrinterUnsupported(f"paper size {paper!r} is not offered")

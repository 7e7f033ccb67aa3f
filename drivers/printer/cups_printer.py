"""A CUPS printer for A4/A5 sheets, through the ``lp`` and ``lpstat`` commands of cups-client.

Finished documents (the commission's signed refusal) are sent byte for byte with ``print_pdf``; a kiosk
``Printout`` is laid out as a PDF first (``drivers.printer.pdf``). The PDF goes to ``lp`` on standard input,
so no file with personal data is ever left in a spool directory of ours.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Literal

from drivers.printer.errors import PrinterDependencyMissing, PrinterOffline, PrintJobFailed
from drivers.printer.pdf import render_pdf
from drivers.printer.printout import Printout
from drivers.printer.receipt_printer import PaperSize, PrinterStatus, PrintJob, check_document_job

CUPS_PACKAGE = "cups-client"
_REQUEST_ID = re.compile(r"request id is (\S+)")
_COMMAND_TIMEOUT_SECONDS = 30
# lp's complaints that mean "the queue is not there or not taking jobs" rather than "this job is bad".
_OFFLINE_HINTS = ("does not exist", "not accepting", "unable to connect", "no default destination", "scheduler")


class CupsPrinter:
    """A ``ReceiptPrinter`` and ``DocumentPrinter`` on the CUPS queue ``queue`` (``None``: the default queue)."""

    def __init__(
        self,
        queue: str | None = None,
        *,
        paper: PaperSize = "A5",
        lp_command: str = "lp",
        lpstat_command: str = "lpstat",
    ) -> None:
        self._queue = queue
        self._paper: PaperSize = paper
        self._lp_command = lp_command
        self._lpstat_command = lpstat_command

    def print(self, printout: Printout) -> PrintJob:
        """Lay ``printout`` out on this printer's paper size and print it."""
        return self.print_pdf(render_pdf(printout, paper=self._paper), paper=self._paper, kind=printout.kind)

    def print_pdf(self, pdf: bytes, *, paper: PaperSize, kind: str) -> PrintJob:
        """Send ``pdf`` unchanged to the queue on ``paper``; the job is titled ``kind`` (never personal data)."""
        check_document_job(pdf, paper=paper, kind=kind)
        arguments = [self._executable(self._lp_command), "-t", kind, "-o", f"media={paper}", "-o", "fit-to-page"]
        if self._queue is not None:
            arguments += ["-d", self._queue]
        arguments.append("-")  # the document comes on standard input
        completed = self._run(arguments, input_bytes=pdf)
        if completed.returncode != 0:
            detail = _first_line(completed.stderr)
            if any(hint in detail.lower() for hint in _OFFLINE_HINTS):
                raise PrinterOffline(f"the CUPS queue cannot take jobs: {detail}")
            raise PrintJobFailed("lp refused the job", detail=detail)
        match = _REQUEST_ID.search(completed.stdout.decode("utf-8", "replace"))
        if match is None:
            raise PrintJobFailed("lp did not report a request id", detail=_first_line(completed.stdout))
        return PrintJob(job_id=match.group(1), kind=kind)

    def status(self) -> PrinterStatus:
        """The queue's state from ``lpstat -p``: idle or printing is "ready", disabled or missing is "offline".

        CUPS does not know the paper level of most office printers, so this never says "paper_low".
        """
        arguments = [self._executable(self._lpstat_command), "-p"]
        if self._queue is not None:
            arguments.append(self._queue)
        completed = self._run(arguments, input_bytes=None)
        text = completed.stdout.decode("utf-8", "replace").lower()
        if completed.returncode != 0 or not text.strip():
            return "offline"
        return _queue_state(text)

    def _executable(self, command: str) -> str:
        found = shutil.which(command)
        if found is None:
            raise PrinterDependencyMissing(f"the {command!r} command", CUPS_PACKAGE)
        return found

    def _run(self, arguments: list[str], *, input_bytes: bytes | None) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(  # noqa: S603 - fixed executable found with which(); arguments are no shell text
                arguments, input=input_bytes, capture_output=True, timeout=_COMMAND_TIMEOUT_SECONDS, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise PrinterOffline("the print system did not answer in time") from error


def _queue_state(lpstat_text: str) -> Literal["ready", "offline", "unknown"]:
    if "disabled" in lpstat_text:
        return "offline"
    if "is idle" in lpstat_text or "now printing" in lpstat_text:
        return "ready"
    return "unknown"


def _first_line(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[0][:200] if lines else "no reason given"

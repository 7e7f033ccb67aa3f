"""The simulator's printer: a stateful fake ``ReceiptPrinter`` and ``DocumentPrinter`` that writes files.

Every printout becomes a PNG (the exact 1-bit raster an 80 mm ESC/POS printer would receive) and a PDF
(laid out by fpdf2 with DejaVu Sans embedded) in ``output_directory``; finished PDFs are stored as they
came. Controls switch it offline or out of paper so the kiosk's error paths can be driven, and the job
history lets tests and the simulator's control panel see what was printed.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drivers.printer.errors import PaperOut, PrinterOffline
from drivers.printer.pdf import render_pdf
from drivers.printer.printout import Printout
from drivers.printer.raster import RECEIPT_WIDTH_DOTS, render_raster
from drivers.printer.receipt_printer import PaperSize, PrinterStatus, PrintJob, check_document_job

PAPER_LOW_JOBS = 5  # below this many jobs left on the roll the printer reports "paper_low"
_PREVIEW_DPI = 100

JobSource = Literal["printout", "pdf"]


@dataclass(frozen=True, slots=True)
class SimPrintJob:
    """One finished job: what it was, and the files it left."""

    job_id: str
    kind: str
    source: JobSource
    pdf_path: Path
    png_path: Path | None
    printout: Printout | None = None


class SimPrinter:
    """A virtual printer writing ``<job>-<kind>.pdf`` and ``.png`` files into ``output_directory``.

    ``paper_jobs`` is how many jobs the roll holds (None: endless). Safe to use from several threads.
    """

    def __init__(
        self, output_directory: Path, *, width_dots: int = RECEIPT_WIDTH_DOTS, paper_jobs: int | None = None
    ) -> None:
        self._directory = output_directory
        self._width_dots = width_dots
        self._lock = threading.Lock()
        self._online = True
        self._paper_jobs = paper_jobs
        self._jobs: list[SimPrintJob] = []

    # --- controls -----------------------------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        """Switch the printer on line or off line (unplugged, cover open)."""
        with self._lock:
            self._online = online

    def load_paper(self, jobs: int | None = None) -> None:
        """Put in a new roll holding ``jobs`` jobs (None: endless)."""
        with self._lock:
            self._paper_jobs = jobs

    def run_out_of_paper(self) -> None:
        """Empty the roll now."""
        self.load_paper(0)

    @property
    def jobs(self) -> tuple[SimPrintJob, ...]:
        """Every job printed so far, oldest first."""
        with self._lock:
            return tuple(self._jobs)

    @property
    def last_job(self) -> SimPrintJob | None:
        """The most recent job, if any."""
        with self._lock:
            return self._jobs[-1] if self._jobs else None

    def clear_history(self) -> None:
        """Forget the job history (the files stay)."""
        with self._lock:
            self._jobs.clear()

    # --- ReceiptPrinter and DocumentPrinter --------------------------------------------------------

    def status(self) -> PrinterStatus:
        """"offline", "paper_out", "paper_low" or "ready", from the controls."""
        with self._lock:
            return self._status_locked()

    def print(self, printout: Printout) -> PrintJob:
        """Print ``printout`` as PNG (the receipt raster) and PDF (receipt-sized page)."""
        self._refuse_if_unable()
        image = render_raster(printout, width_dots=self._width_dots)
        pdf = render_pdf(printout, paper="receipt")
        with self._lock:
            job_id, stem = self._start_job_locked(printout.kind)
            pdf_path = stem.with_suffix(".pdf")
            png_path = stem.with_suffix(".png")
            pdf_path.write_bytes(pdf)
            image.save(png_path, format="PNG")
            self._jobs.append(SimPrintJob(job_id, printout.kind, "printout", pdf_path, png_path, printout))
        return PrintJob(job_id=job_id, kind=printout.kind)

    def print_pdf(self, pdf: bytes, *, paper: PaperSize, kind: str) -> PrintJob:
        """Store ``pdf`` unchanged; a PNG preview of its first page is added when ``pdftoppm`` is installed."""
        check_document_job(pdf, paper=paper, kind=kind)
        with self._lock:
            job_id, stem = self._start_job_locked(kind)
            pdf_path = stem.with_suffix(".pdf")
            pdf_path.write_bytes(pdf)
            png_path = _pdf_preview(pdf_path)
            self._jobs.append(SimPrintJob(job_id, kind, "pdf", pdf_path, png_path))
        return PrintJob(job_id=job_id, kind=kind)

    def _refuse_if_unable(self) -> None:
        """Fail fast, before the (slow) rendering; the check under the job's lock is the one that counts."""
        with self._lock:
            self._check_locked()

    def _check_locked(self) -> None:
        status = self._status_locked()
        if status == "offline":
            raise PrinterOffline("the simulated printer is offline")
        if status == "paper_out":
            raise PaperOut("the simulated printer is out of paper")

    def _status_locked(self) -> PrinterStatus:
        if not self._online:
            return "offline"
        if self._paper_jobs is None:
            return "ready"
        if self._paper_jobs <= 0:
            return "paper_out"
        return "paper_low" if self._paper_jobs < PAPER_LOW_JOBS else "ready"

    def _start_job_locked(self, kind: str) -> tuple[str, Path]:
        self._check_locked()
        if self._paper_jobs is not None:
            self._paper_jobs -= 1
        self._directory.mkdir(parents=True, exist_ok=True)
        number = len(list(self._directory.glob("job-*.pdf"))) + 1
        job_id = f"sim-{number}"
        return job_id, self._directory / f"job-{number:04d}-{kind}"


def _pdf_preview(pdf_path: Path) -> Path | None:
    """A PNG of the PDF's first page via poppler's ``pdftoppm`` (poppler-utils), or None without it."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        return None
    prefix = pdf_path.with_suffix("")
    subprocess.run(  # noqa: S603 - fixed executable, file names we made
        [pdftoppm, "-png", "-r", str(_PREVIEW_DPI), "-singlefile", "-f", "1", "-l", "1", str(pdf_path), str(prefix)],
        check=True, capture_output=True, timeout=30,
    )
    return prefix.with_suffix(".png")

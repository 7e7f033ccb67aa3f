"""The simulator's printer: files written, job history, and the offline / out-of-paper controls."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from support.ci import require_program
from support.printout_texts import STATION, translator

from drivers.printer.errors import PaperOut, PrinterOffline, PrinterUnsupported
from drivers.printer.pdf import render_pdf
from drivers.printer.printout import Printout, Title
from drivers.printer.raster import render_raster
from drivers.printer.receipt_printer import DocumentPrinter, ReceiptPrinter
from kiosk.core.iin import Iin, make_iin
from kiosk.core.registration import LANGUAGES, Language
from kiosk.printouts import temporary_registration_receipt
from simulator.printer import PAPER_LOW_JOBS, SimPrinter

_MADE_IIN = make_iin(dt.date(1985, 4, 12), "female", 123)
assert _MADE_IIN is not None
IIN: Iin = _MADE_IIN
PRINTED_AT = dt.datetime(2024, 3, 17, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=5)))
SHORT = Printout(kind="slip", language="en", blocks=(Title("Go to desk 3"),))


def _receipt(language: Language) -> Printout:
    return temporary_registration_receipt(
        translate=translator(language), language=language, station=STATION, iin=IIN.value,
        reference="TR-412-7Q9K2M", printed_at=PRINTED_AT,
    )


def test_it_is_both_a_receipt_printer_and_a_document_printer(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path)
    as_receipt_printer: ReceiptPrinter = printer
    as_document_printer: DocumentPrinter = printer
    assert as_receipt_printer.status() == as_document_printer.status() == "ready"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_receipt_is_written_as_the_exact_raster_png_and_a_pdf(tmp_path: Path, language: Language) -> None:
    printer = SimPrinter(tmp_path / "out")
    receipt = _receipt(language)
    job = printer.print(receipt)
    recorded = printer.last_job
    assert recorded is not None
    assert (recorded.job_id, recorded.kind, recorded.source, recorded.printout) == (
        job.job_id, "temporary_registration_receipt", "printout", receipt
    )
    assert recorded.png_path is not None
    with Image.open(recorded.png_path) as png:
        assert png.mode == "1"
        assert png.tobytes() == render_raster(receipt).tobytes()
        assert [result.text for result in zxingcpp.read_barcodes(png.convert("L"))] == ["TR-412-7Q9K2M"]
    assert recorded.pdf_path.read_bytes() == render_pdf(receipt)
    assert recorded.pdf_path.parent == tmp_path / "out"


def test_jobs_are_numbered_and_kept_in_order(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path)
    ids = [printer.print(SHORT).job_id for _ in range(3)]
    assert ids == ["sim-1", "sim-2", "sim-3"]
    assert [job.job_id for job in printer.jobs] == ids
    assert len({job.pdf_path for job in printer.jobs}) == 3
    printer.clear_history()
    assert printer.jobs == ()
    assert printer.print(SHORT).job_id == "sim-4"  # files of earlier jobs are never overwritten


def test_offline_refuses_and_writes_nothing(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path)
    printer.set_online(False)
    assert printer.status() == "offline"
    with pytest.raises(PrinterOffline) as raised:
        printer.print(SHORT)
    assert raised.value.translation_key == "printer.offline"
    assert printer.jobs == ()
    assert list(tmp_path.iterdir()) == []
    printer.set_online(True)
    printer.print(SHORT)
    assert len(printer.jobs) == 1


def test_the_roll_runs_low_then_out(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path, paper_jobs=PAPER_LOW_JOBS)
    assert printer.status() == "ready"
    printer.print(SHORT)
    assert printer.status() == "paper_low"
    printer.load_paper(1)
    printer.print(SHORT)
    assert printer.status() == "paper_out"
    with pytest.raises(PaperOut) as raised:
        printer.print(SHORT)
    assert raised.value.translation_key == "printer.paper_out"
    assert len(printer.jobs) == 2
    printer.load_paper()
    assert printer.status() == "ready"


def test_run_out_of_paper_now(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path)
    printer.run_out_of_paper()
    with pytest.raises(PaperOut):
        printer.print_pdf(b"%PDF-1.7\n%%EOF\n", paper="A5", kind="refusal")


def test_a_finished_pdf_is_stored_unchanged_with_a_preview(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path)
    document = render_pdf(SHORT, paper="A5")
    job = printer.print_pdf(document, paper="A5", kind="refusal")
    recorded = printer.last_job
    assert recorded is not None
    assert (recorded.job_id, recorded.kind, recorded.source, recorded.printout) == (job.job_id, "refusal", "pdf", None)
    assert recorded.pdf_path.read_bytes() == document
    if shutil.which("pdftoppm") is None:
        assert recorded.png_path is None
    else:
        assert recorded.png_path is not None
        with Image.open(recorded.png_path) as preview:
            assert preview.height > preview.width  # an A5 portrait page


@pytest.mark.parametrize(
    ("document", "paper", "kind"), [(b"GIF89a", "A5", "refusal"), (b"%PDF-1.7", "B5", "refusal"),
                                    (b"%PDF-1.7", "A5", "../../etc/passwd")],
)
def test_what_a_printer_cannot_take_is_unsupported(tmp_path: Path, document: bytes, paper: str, kind: str) -> None:
    printer = SimPrinter(tmp_path)
    with pytest.raises(PrinterUnsupported):
        printer.print_pdf(document, paper=paper, kind=kind)  # type: ignore[arg-type]
    assert printer.jobs == ()


def test_receipt_pdfs_carry_kazakh_text(tmp_path: Path) -> None:
    require_program("pdftotext", "poppler-utils")
    printer = SimPrinter(tmp_path)
    printer.print(_receipt("kk"))
    recorded = printer.last_job
    assert recorded is not None
    text = subprocess.run(["pdftotext", str(recorded.pdf_path), "-"], capture_output=True, check=True).stdout.decode()
    for phrase in ("Уақытша тіркеу", "Қызылорда қ., Әйтеке би көшесі", "комиссияға көрсетіңіз", "1239"):
        assert phrase in text
    assert IIN.value not in text

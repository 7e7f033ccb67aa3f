"""The CUPS backend. Only the cups-client commands are faked (small scripts standing in for lp and lpstat);
the subprocess handling, the PDF and the parsing are real."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from drivers.printer.cups_printer import CupsPrinter
from drivers.printer.errors import (
    PrinterDependencyMissing,
    PrinterOffline,
    PrinterUnsupported,
    PrintJobFailed,
)
from drivers.printer.printout import KeyValue, Printout, Title

PRINTOUT = Printout(kind="refusal", language="kk", blocks=(Title("Шешім"), KeyValue("Учаске", "412")))
MINIMAL_PDF = b"%PDF-1.7\n%signed refusal stand-in\n%%EOF\n"


def _fake_command(directory: Path, name: str, script: str) -> str:
    path = directory / name
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


@pytest.fixture
def fake_lp(tmp_path: Path) -> tuple[str, Path]:
    """An lp that records its arguments and the document it was given, and answers like CUPS does."""
    record = tmp_path / "record"
    record.mkdir()
    command = _fake_command(
        tmp_path, "lp",
        f'printf "%s\\n" "$@" > {record}/arguments\ncat > {record}/document\n'
        'echo "request id is kiosk-a5-17 (1 file(s))"\n',
    )
    return command, record


def test_a_finished_pdf_goes_to_lp_unchanged_on_a5(fake_lp: tuple[str, Path]) -> None:
    command, record = fake_lp
    job = CupsPrinter("kiosk-a5", lp_command=command).print_pdf(MINIMAL_PDF, paper="A5", kind="refusal")
    assert job.job_id == "kiosk-a5-17"
    assert job.kind == "refusal"
    assert (record / "document").read_bytes() == MINIMAL_PDF
    arguments = (record / "arguments").read_text().splitlines()
    assert arguments == ["-t", "refusal", "-o", "media=A5", "-o", "fit-to-page", "-d", "kiosk-a5", "-"]


def test_without_a_queue_lp_uses_the_default_destination(fake_lp: tuple[str, Path]) -> None:
    command, record = fake_lp
    CupsPrinter(lp_command=command).print_pdf(MINIMAL_PDF, paper="A4", kind="summary")
    arguments = (record / "arguments").read_text().splitlines()
    assert "-d" not in arguments
    assert "media=A4" in arguments


def test_a_printout_is_laid_out_as_a_pdf_on_the_printer_paper(fake_lp: tuple[str, Path]) -> None:
    command, record = fake_lp
    CupsPrinter("office", paper="A4", lp_command=command).print(PRINTOUT)
    document = (record / "document").read_bytes()
    assert document.startswith(b"%PDF-")
    assert b"DejaVu" in document  # the Kazakh-capable font is embedded
    assert "media=A4" in (record / "arguments").read_text()


def test_a_missing_queue_is_offline(tmp_path: Path) -> None:
    command = _fake_command(
        tmp_path, "lp", 'cat > /dev/null\necho "lp: The printer or class does not exist." >&2\nexit 1\n'
    )
    with pytest.raises(PrinterOffline) as raised:
        CupsPrinter("gone", lp_command=command).print(PRINTOUT)
    assert raised.value.translation_key == "printer.offline"


def test_another_lp_failure_is_a_failed_job_with_its_reason(tmp_path: Path) -> None:
    command = _fake_command(tmp_path, "lp", 'cat > /dev/null\necho "lp: Unsupported document-format" >&2\nexit 1\n')
    with pytest.raises(PrintJobFailed) as raised:
        CupsPrinter("q", lp_command=command).print_pdf(MINIMAL_PDF, paper="A5", kind="refusal")
    assert raised.value.detail == "lp: Unsupported document-format"


def test_an_answer_without_a_request_id_is_a_failed_job(tmp_path: Path) -> None:
    command = _fake_command(tmp_path, "lp", "cat > /dev/null\necho hello\n")
    with pytest.raises(PrintJobFailed, match="request id"):
        CupsPrinter("q", lp_command=command).print_pdf(MINIMAL_PDF, paper="A5", kind="refusal")


@pytest.mark.parametrize(
    ("document", "paper", "kind"),
    [(b"<html>not a pdf", "A5", "refusal"), (MINIMAL_PDF, "Letter", "refusal"), (MINIMAL_PDF, "A5", "../x")],
)
def test_what_cannot_be_printed_is_refused_before_lp_runs(
    fake_lp: tuple[str, Path], document: bytes, paper: str, kind: str
) -> None:
    command, record = fake_lp
    with pytest.raises(PrinterUnsupported):
        CupsPrinter("q", lp_command=command).print_pdf(document, paper=paper, kind=kind)  # type: ignore[arg-type]
    assert not (record / "arguments").exists()


def test_a_machine_without_cups_client_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(PrinterDependencyMissing) as raised:
        CupsPrinter("q", lp_command=str(tmp_path / "no-lp")).print_pdf(MINIMAL_PDF, paper="A5", kind="refusal")
    assert raised.value.package == "cups-client"


@pytest.mark.parametrize(
    ("lpstat_output", "exit_status", "expected"),
    [
        ("printer kiosk-a5 is idle.  enabled since Sun 17 Mar 2024 07:00:00", 0, "ready"),
        ("printer kiosk-a5 now printing kiosk-a5-17.  enabled since Sun 17 Mar 2024", 0, "ready"),
        ("printer kiosk-a5 disabled since Sun 17 Mar 2024 -\n\tPaused", 0, "offline"),
        ("", 1, "offline"),
        ("printer kiosk-a5 is something new", 0, "unknown"),
    ],
)
def test_status_reads_lpstat(tmp_path: Path, lpstat_output: str, exit_status: int, expected: str) -> None:
    command = _fake_command(tmp_path, "lpstat", f"printf '%s\\n' '{lpstat_output}'\nexit {exit_status}\n")
    assert CupsPrinter("kiosk-a5", lpstat_command=command).status() == expected

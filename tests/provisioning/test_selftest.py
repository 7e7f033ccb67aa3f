"""The self-test's report and its checks of local parts: renderings, thresholds, the clock, speech, disk, the
journal, and the printer's states through the simulator's printer."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support.ci import require_program

from drivers.keystore.keyfile import FileKeyStore
from drivers.speech.espeak import EspeakSpeaker, WriteWavFiles
from kiosk.config import ConfigError
from kiosk.journal.journal import Journal
from kiosk.journal.secret import load_or_create_secret
from provisioning.selftest import (
    CHECK_TITLES,
    CheckResult,
    SelftestReport,
    fail,
    ok,
    render_printout,
    render_text,
    run_selftest,
    warn,
)
from provisioning.selftest_devices import (
    check_card_reader,
    check_disk,
    check_journal,
    check_printer,
    check_scanner,
    check_speech,
)
from provisioning.selftest_service import ClockReading, check_clock
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.virtual import FileSystemCard
from simulator.printer import SimPrinter
from simulator.scanner import SimCodeScanner

STARTED = dt.datetime(2026, 3, 15, 8, 0, 0, tzinfo=dt.UTC)


def report_of(*checks: CheckResult) -> SelftestReport:
    return SelftestReport(STARTED, 101, "dev-0123", checks)


# --- the report ---------------------------------------------------------------------------------------------


def test_warnings_pass_failures_do_not() -> None:
    assert report_of(ok("disk", "9 GiB"), warn("printer", "paper low", part="printer", remedy="roll")).passed
    failed = report_of(ok("disk", "9 GiB"), fail("printer", "offline", part="printer", remedy="switch it on"))
    assert not failed.passed
    assert [check.name for check in failed.failures] == ["printer"]


def test_text_report_is_aligned_and_says_what_to_do() -> None:
    report = report_of(
        ok("card_reader", "Virtual PCD 00 00: card answered"),
        fail("printer", "SimPrinter: offline", part="printer", remedy="Switch the printer on"),
        warn("clock", "kiosk clock 7.0 s ahead of the service", part="clock", remedy="Set the clock"),
    )
    text = render_text(report)
    lines = text.splitlines()
    assert lines[0] == "Self-test 2026-03-15T08:00:00+00:00, station 101, device key dev-0123"
    rows = [line for line in lines if re.match(r"(OK|WARN|FAIL) +[A-Z]", line)]
    assert len(rows) == 3
    value_column = {row.index(value) for row, value in zip(rows, ("Virtual", "SimPrinter", "kiosk clock"), strict=True)}
    assert len(value_column) == 1  # every value starts in the same column
    assert "FAIL: printer: Switch the printer on" in lines
    assert "WARN: clock: Set the clock" in lines
    assert lines[-1] == "FAILED: 1 check(s) failed, 1 warning(s)"


def test_json_report() -> None:
    report = report_of(ok("disk", "9 GiB"), fail("printer", "offline", part="printer", remedy="switch it on"))
    document = json.loads(json.dumps(report.as_dict()))
    assert document["passed"] is False
    assert document["station"] == 101
    assert document["checks"][1] == {"name": "printer", "status": "fail", "value": "offline", "part": "printer",
                                     "remedy": "switch it on"}


def test_printed_report_holds_every_check() -> None:
    report = report_of(ok("disk", "9.1 GiB free"), warn("printer", "paper low", part="printer", remedy="new roll"))
    printout = render_printout(report)
    assert printout.kind == "selftest_report"
    texts = printout.texts()
    assert "OK Free disk" in texts
    assert "9.1 GiB free" in texts
    assert "printer: new roll" in texts
    assert "PASSED with 1 warning(s)" in texts


def test_a_check_that_raises_fails_alone() -> None:
    def broken() -> CheckResult:
        raise RuntimeError("boom")

    report = run_selftest([("printer", broken), ("disk", lambda: ok("disk", "plenty"))], station=None,
                          device_key_id=None, now=lambda: STARTED)
    assert report.result("printer").status == "fail"
    assert report.result("printer").part == CHECK_TITLES["printer"]
    assert "RuntimeError" in report.result("printer").value
    assert report.result("disk").status == "ok"


# --- the clock ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "status"),
    [(0.5, "ok"), (-4.4, "ok"), (5.6, "warn"), (-12.0, "warn"), (29.4, "warn"), (31.6, "fail"), (-300.0, "fail")],
)
def test_clock_thresholds(offset: float, status: str) -> None:
    service_time = dt.datetime(2026, 3, 15, 8, 0, 0, tzinfo=dt.UTC)
    # The service's whole second stands for its middle: a local time of hh:mm:00.5 is no skew at all.
    local = service_time + dt.timedelta(seconds=0.5 + offset)
    result = check_clock(ClockReading(service_time, local, "signed"))
    assert result.status == status, result.value
    if status != "ok":
        assert result.part == "clock"
        assert "timedatectl set-ntp true" in (result.remedy or "")
    assert ("ahead of" if offset > 0 else "behind") in result.value


def test_clock_without_a_service_time_is_a_warning() -> None:
    result = check_clock(None)
    assert result.status == "warn"
    assert "not checked" in result.value


def test_clock_from_an_unsigned_answer_says_so() -> None:
    now = dt.datetime(2026, 3, 15, 8, 0, 0, tzinfo=dt.UTC)
    assert "unsigned" in check_clock(ClockReading(now, now, "unsigned")).value


# --- disk ---------------------------------------------------------------------------------------------------


def test_disk_thresholds(tmp_path: Path) -> None:
    free = shutil.disk_usage(tmp_path).free
    assert check_disk(tmp_path, fail_below=1, warn_below=2).status == "ok"
    assert check_disk(tmp_path, fail_below=1, warn_below=free * 2).status == "warn"
    failed = check_disk(tmp_path, fail_below=free * 2, warn_below=free * 4)
    assert failed.status == "fail"
    assert failed.part == "disk"
    assert "never the journal" in (failed.remedy or "")


def test_disk_of_a_directory_not_yet_made(tmp_path: Path) -> None:
    result = check_disk(tmp_path / "not" / "yet")
    assert result.status == "ok"
    assert str(tmp_path) in result.value


# --- journal ------------------------------------------------------------------------------------------------


def make_journal(tmp_path: Path, key: FileKeyStore, entries: int) -> Path:
    path = tmp_path / "journal" / "journal.sqlite3"
    journal = Journal.open(path, signer=key, secret=load_or_create_secret(tmp_path / "secret"))
    try:
        for _ in range(entries):
            journal.append("service_error", reason="timeout")
    finally:
        journal.close()
    return path


def test_journal_absent_is_fine(tmp_path: Path) -> None:
    result = check_journal(tmp_path / "journal.sqlite3", lambda: pytest.fail("the key is not needed"))
    assert result.status == "ok"
    assert "no journal yet" in result.value


def test_journal_verified(tmp_path: Path) -> None:
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    path = make_journal(tmp_path, key, 4)
    result = check_journal(path, key.public_key)
    assert result.status == "ok", result.value
    assert result.value.startswith("5 entries verified")  # the journal opens with its own first entry


def test_journal_signed_by_another_key_fails(tmp_path: Path) -> None:
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    path = make_journal(tmp_path, key, 3)
    other = ec.generate_private_key(ec.SECP256R1()).public_key()
    result = check_journal(path, lambda: other)
    assert result.status == "fail"
    assert result.part == "audit journal"
    assert "kiosk-provision journal export" in (result.remedy or "")


def test_journal_with_a_deleted_entry_fails(tmp_path: Path) -> None:
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    path = make_journal(tmp_path, key, 5)
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER journal_refuses_delete")
    connection.execute("DELETE FROM journal WHERE sequence = 3")
    connection.commit()
    connection.close()
    result = check_journal(path, key.public_key)
    assert result.status == "fail"
    assert "deleted" in result.value


def test_journal_without_the_key_is_a_warning(tmp_path: Path) -> None:
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    path = make_journal(tmp_path, key, 1)

    def no_key() -> ec.EllipticCurvePublicKey:
        raise ConfigError("configuration: 'device_key' is missing")

    result = check_journal(path, no_key)
    assert result.status == "warn"
    assert "device key" in result.value


# --- speech -------------------------------------------------------------------------------------------------


def test_speech_without_espeak_fails(tmp_path: Path) -> None:
    result = check_speech(lambda directory: EspeakSpeaker(WriteWavFiles(directory),
                                                          espeak_command=str(tmp_path / "espeak-ng")))
    assert result.status == "fail"
    assert result.part == "speech (espeak-ng)"
    assert result.remedy == "Install it: apt-get install espeak-ng"


def test_speech_with_the_three_voices(tmp_path: Path) -> None:
    require_program("espeak-ng", "espeak-ng")
    result = check_speech(work_directory=tmp_path)
    assert result.status == "ok", result.value
    assert result.value.startswith("voices kk, ru, en; 3 WAV files")
    assert list(tmp_path.iterdir()) == []  # the WAV files were temporary


def test_speech_names_a_missing_voice(tmp_path: Path) -> None:
    # An espeak-ng that knows Russian and English only (its voice list in espeak-ng's own format).
    program = tmp_path / "espeak-ng"
    program.write_text(
        "#!/bin/sh\n"
        "echo 'Pty Language       Age/Gender VoiceName          File                 Other Languages'\n"
        "echo ' 5  ru              --/M      Russian            zle/ru'\n"
        "echo ' 2  en-gb           --/M      English_(Great_Britain) gmw/en               (en 2)'\n"
    )
    program.chmod(0o755)
    result = check_speech(lambda directory: EspeakSpeaker(WriteWavFiles(directory), espeak_command=str(program)))
    assert result.status == "fail"
    assert result.value == "no espeak-ng voice for kk"


# --- printer and scanner (the simulator's) -----------------------------------------------------------------


def test_printer_states(tmp_path: Path) -> None:
    printer = SimPrinter(tmp_path)
    assert check_printer(lambda: printer).status == "ok"
    printer.load_paper(2)
    low = check_printer(lambda: printer)
    assert (low.status, low.value) == ("warn", "SimPrinter: paper low")
    printer.run_out_of_paper()
    out = check_printer(lambda: printer)
    assert (out.status, out.part) == ("fail", "printer")
    printer.load_paper(None)
    printer.set_online(False)
    offline = check_printer(lambda: printer)
    assert (offline.status, offline.value) == ("fail", "SimPrinter: offline")
    assert "Switch the printer on" in (offline.remedy or "")


def test_printer_not_configured() -> None:
    result = check_printer(None)
    assert (result.status, result.part) == ("fail", "printer")


def test_scanner_present_and_absent() -> None:
    assert check_scanner(SimCodeScanner).status == "ok"
    missing = check_scanner(None)
    assert (missing.status, missing.part) == ("fail", "code scanner")


def test_scanner_that_cannot_open() -> None:
    from drivers.scanner.errors import CameraUnavailable  # noqa: PLC0415

    def camera() -> SimCodeScanner:
        raise CameraUnavailable("the camera /dev/video0 cannot be opened")

    result = check_scanner(camera)
    assert result.status == "fail"
    assert "web camera" in (result.remedy or "")


# --- card reader (in-process slot) --------------------------------------------------------------------------


def test_reader_without_a_card_is_a_warning() -> None:
    reader = InProcessCardReader()
    result = check_card_reader(lambda: reader)
    assert result.status == "warn"
    assert result.value == "In-process Virtual Reader 00: connected, no card inserted"


def test_reader_with_an_answering_card() -> None:
    reader = InProcessCardReader()
    reader.insert(FileSystemCard())
    result = check_card_reader(lambda: reader)
    assert result.status == "ok", result.value
    assert "card answered" in result.value
    assert "SELECT MF status" in result.value


def test_reader_configured_as_in_process_outside_the_simulator() -> None:
    def configured() -> InProcessCardReader:
        raise ConfigError("configuration: 'card_reader.kind' is 'in_process', which exists only inside kiosk run")

    result = check_card_reader(configured)
    assert (result.status, result.part) == ("fail", "card reader")

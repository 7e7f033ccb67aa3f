"""``kiosk identify`` without a card reader: usage and configuration errors, and digital documents (``--qr``)
against the running simulated service; ``kiosk-sim card`` usage errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.egov import RunningService

from simulator.egov.population import sample_voters


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def identify(*args: str) -> subprocess.CompletedProcess[str]:
    return run("kiosk.cli", "identify", *args)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_help_says_it_is_the_technicians_tool() -> None:
    result = identify("--help")
    assert result.returncode == 0
    assert "technician" in result.stdout and "--json" in result.stdout and "masked" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--document-number", "N1"], "go together"),
        (["--document-number", "N1", "--birth-date", "1990-01-01"], "go together"),
        (["--mrz", "X", "--document-number", "N1", "--birth-date", "1990-01-01", "--expiry-date", "2030-01-01"],
         "not both"),
        (["--qr", "KZDD1:abc", "--mrz", "X"], "takes no MRZ"),
        (["--mrz", "P<KAZ\\nshort"], "access key is not valid"),
        (["--document-number", "N1", "--birth-date", "1990-02-31", "--expiry-date", "2030-01-01"],
         "access key is not valid"),
    ],
)
def test_inconsistent_options_are_usage_errors(args: list[str], message: str, tmp_path: Path) -> None:
    result = identify("--config", str(tmp_path / "none.json"), *args)
    assert result.returncode == 2
    assert message in one_line(result)


@pytest.mark.parametrize("args", [["--timeout", "0"], ["--timeout", "soon"], ["--colour"], ["extra"]])
def test_bad_arguments_are_usage_errors(args: list[str]) -> None:
    result = identify(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_a_missing_configuration_is_a_one_line_error(tmp_path: Path) -> None:
    result = identify("--json", "--config", str(tmp_path / "none.json"))
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["reason"] == "config.invalid"
    assert "no configuration" in one_line(result)


def test_a_configuration_without_trust_anchors_says_what_is_missing(service: RunningService, tmp_path: Path) -> None:
    data = json.loads(service.paths.kiosk_config.read_text())
    del data["trust"]
    config = service.paths.root / "kiosk-without-trust.json"  # beside the original: relative paths still hold
    config.write_text(json.dumps(data))
    result = identify("--config", str(config), "--timeout", "1")
    assert result.returncode == 2
    assert "'trust' is missing" in one_line(result)


def test_the_in_process_reader_is_refused_outside_the_simulator(service: RunningService) -> None:
    data = json.loads(service.paths.kiosk_config.read_text())
    data["card_reader"] = {"kind": "in_process"}
    config = service.paths.root / "kiosk-in-process.json"
    config.write_text(json.dumps(data))
    result = identify("--config", str(config), "--timeout", "1")
    assert result.returncode == 2
    assert "kiosk run --simulator" in one_line(result)


# --- digital documents ---------------------------------------------------------------------------------------


def qr_payload(service: RunningService, iin: str, *extra: str) -> str:
    issued = run("simulator.cli", "--home", str(service.paths.root), "qr", "issue", iin, *extra)
    assert issued.returncode == 0, issued.stderr
    return issued.stdout.strip()


def test_a_digital_document_is_identified(service: RunningService) -> None:
    iin = sample_voters(service.paths.database, "listed_here", 1, station=service.station)[0]
    result = identify("--json", "--config", str(service.paths.kiosk_config), "--qr", qr_payload(service, iin))
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["iin"] == iin and identity["source"] == "digital_document"
    assert set(identity["checks_passed"]) == {"issuer_signature", "document_not_expired", "iin_check_digit"}


def test_a_used_code_is_refused(service: RunningService) -> None:
    iin = sample_voters(service.paths.database, "listed_here", 1, station=service.station)[0]
    payload = qr_payload(service, iin)
    assert identify("--config", str(service.paths.kiosk_config), "--qr", payload).returncode == 0
    again = identify("--json", "--config", str(service.paths.kiosk_config), "--qr", payload)
    assert again.returncode == 1
    assert json.loads(again.stdout)["error"]["reason"] == "document.digital.code_used"


def test_an_expired_document_is_refused(service: RunningService) -> None:
    iin = sample_voters(service.paths.database, "listed_here", 1, station=service.station)[0]
    payload = qr_payload(service, iin, "--document-expiry", "2020-01-01")
    result = identify("--json", "--config", str(service.paths.kiosk_config), "--qr", payload)
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["reason"] == "document.digital.document_expired"


def test_a_payload_that_is_not_a_digital_document_is_refused(service: RunningService) -> None:
    result = identify("--json", "--config", str(service.paths.kiosk_config), "--qr", "https://example.com/")
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["reason"].startswith("document.qr.")


# --- kiosk-sim card usage ----------------------------------------------------------------------------------


def sim(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("simulator.cli", "--home", str(home), "card", *args)


@pytest.mark.parametrize(
    "args",
    [
        ["insert", "--profile", "smart-card", "--iin", "900101300176"],
        ["insert", "--profile", "id-card"],
        ["insert", "--profile", "id-card", "--iin", "900101300176", "--fault", "melted"],
        ["insert", "--profile", "id-card", "--iin", "900101300176", "--slot", "2"],
        ["remove", "--slot", "7"],
    ],
)
def test_bad_card_arguments_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    result = sim(tmp_path, *args)
    assert result.returncode == 2
    assert "usage:" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "id-card", "--iin", "900101300177"], "not a valid IIN"),
        (["--profile", "id-card", "--iin", "900101300176", "--fault", "tampered-dg1"], "does not apply"),
        (["--profile", "emrtd-td1", "--iin", "900101300176", "--fault", "passport-without-iin"], "emrtd-td3 only"),
    ],
)
def test_impossible_cards_are_refused_before_anything_starts(tmp_path: Path, args: list[str], message: str) -> None:
    result = sim(tmp_path, "insert", *args)
    assert result.returncode == 2
    assert message in one_line(result)
    assert not list(tmp_path.glob("card-slot-*.pid"))


def test_an_empty_slot_has_nothing_to_remove(tmp_path: Path) -> None:
    result = sim(tmp_path, "remove", "--slot", "1")
    assert result.returncode == 0 and "no card" in result.stdout
    status = sim(tmp_path, "status")
    assert status.returncode == 0 and "slot 1 (Virtual PCD 00 01): empty" in status.stdout


def test_a_stale_pid_file_is_not_signalled(tmp_path: Path) -> None:
    (tmp_path / "card-slot-0.pid").write_text(f"{os.getpid()}\n")  # this test's own PID: not a card daemon
    result = sim(tmp_path, "remove")
    assert result.returncode == 0 and "no card" in result.stdout
    assert not (tmp_path / "card-slot-0.pid").exists()

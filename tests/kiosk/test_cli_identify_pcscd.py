"""``kiosk-sim card insert`` + ``kiosk identify`` through real pcscd + vpcd, as a technician runs them.

The cards go into the second vpcd slot ("Virtual PCD 00 01", port 35964), out of the way of the contract tests.
Other suites use that slot too: an insert that vpcd does not take in time (another card holds the slot) is
retried until the slot is free.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.egov import RunningService

from simulator.cards.daemon import pid_file, read_pid
from simulator.dock.processes import PcscdHandle
from simulator.egov.population import sample_voters
from simulator.process_liveness import process_running

pytestmark = pytest.mark.pcscd

SLOT = "1"
READER_PREFIX = "Virtual PCD 00 01"
BUSY_PATIENCE_SECONDS = 120.0


def run(*command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, timeout=timeout,
                          check=False, env={**os.environ, "PYTHONWARNINGS": "ignore"})


class Technician:
    """Runs ``kiosk-sim`` and ``kiosk`` against one simulated world, with a configuration for slot 1."""

    def __init__(self, service: RunningService, config: Path) -> None:
        self.home = service.paths.root
        self.config = config

    def sim(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run("simulator.cli", "--home", str(self.home), *args)

    def insert(self, profile: str, iin: str, *faults: str) -> dict[str, Any]:
        """Insert a card into slot 1, waiting while another suite's card holds the slot."""
        fault_args = [argument for fault in faults for argument in ("--fault", fault)]
        deadline = time.monotonic() + BUSY_PATIENCE_SECONDS
        while True:
            result = self.sim("card", "insert", "--profile", profile, "--iin", iin, "--slot", SLOT, "--json",
                              *fault_args)
            if result.returncode == 0:
                report: dict[str, Any] = json.loads(result.stdout)
                return report
            if "did not take the card" not in result.stderr or time.monotonic() > deadline:
                raise AssertionError(f"card insert failed ({result.returncode}): {result.stderr}")

    def remove(self) -> subprocess.CompletedProcess[str]:
        return self.sim("card", "remove", "--slot", SLOT)

    def identify(self, *args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
        return run("kiosk.cli", "identify", "--config", str(config or self.config), "--timeout", "5", *args)


def slot_config(service: RunningService, directory: Path, reader_prefix: str) -> Path:
    """The simulator's kiosk configuration, with absolute paths and another card reader."""
    data = json.loads(service.paths.kiosk_config.read_text())
    root = service.paths.root
    data["service"]["ca_file"] = str(root / data["service"]["ca_file"])
    data["device_key"]["path"] = str(root / data["device_key"]["path"])
    data["device_key"]["passphrase_file"] = str(root / data["device_key"]["passphrase_file"])
    data["trust"] = {name: [str(root / file) for file in files] for name, files in data["trust"].items()}
    data["card_reader"] = {"kind": "pcsc", "reader_prefix": reader_prefix}
    path = directory / f"kiosk-{reader_prefix.replace(' ', '-')}.json"
    path.write_text(json.dumps(data))
    return path


@pytest.fixture(scope="module")
def technician(
    pcscd: PcscdHandle, service: RunningService, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Technician]:
    person = Technician(service, slot_config(service, tmp_path_factory.mktemp("config"), READER_PREFIX))
    yield person
    person.remove()


@pytest.fixture(scope="module")
def voter(service: RunningService) -> str:
    return sample_voters(service.paths.database, "listed_here", 1, station=service.station)[0]


def access_key(report: dict[str, Any]) -> list[str]:
    details = report["details"]
    return ["--document-number", details["document_number"], "--birth-date", details["birth_date"],
            "--expiry-date", details["expiry_date"]]


def error_of(result: subprocess.CompletedProcess[str]) -> dict[str, str]:
    error: dict[str, str] = json.loads(result.stdout)["error"]
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr  # one line for the technician
    return error


EXPECTED_CHECKS = {
    "id-card": {"certificate_chain", "certificate_validity", "card_authentication", "iin_check_digit"},
    "emrtd-td1": {"basic_access_control", "passive_authentication", "data_group_hashes", "mrz_check_digits",
                  "certificate_chain", "certificate_validity", "document_not_expired", "iin_check_digit"},
}
EXPECTED_CHECKS["emrtd-td3"] = EXPECTED_CHECKS["emrtd-td1"]


@pytest.mark.parametrize("profile", ["id-card", "emrtd-td1", "emrtd-td3"])
def test_each_profile_identifies_the_voter(technician: Technician, voter: str, profile: str) -> None:
    report = technician.insert(profile, voter)
    assert report["reader"] == READER_PREFIX
    result = technician.identify("--json", *(access_key(report) if profile != "id-card" else []))
    assert result.returncode == 0, result.stderr
    identity = json.loads(result.stdout)
    assert identity["iin"] == voter
    assert identity["source"] == ("id_card" if profile == "id-card" else "emrtd")
    assert set(identity["checks_passed"]) == EXPECTED_CHECKS[profile]
    assert identity["surname"]


def test_the_plain_output_masks_the_iin(technician: Technician, voter: str) -> None:
    technician.insert("id-card", voter)
    result = technician.identify()
    assert result.returncode == 0, result.stderr
    assert voter not in result.stdout and voter[-4:] in result.stdout
    assert "Checks passed: card_authentication" in result.stdout


def test_a_scanned_mrz_opens_the_chip(technician: Technician, voter: str) -> None:
    report = technician.insert("emrtd-td1", voter)
    result = technician.identify("--json", "--mrz", "\\n".join(report["details"]["mrz"]))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["document_number"] == report["details"]["document_number"]


def test_a_clone_fails_card_authentication(technician: Technician, voter: str) -> None:
    technician.insert("id-card", voter, "clone")
    result = technician.identify("--json")
    assert result.returncode == 1
    error = error_of(result)
    assert error["reason"] == "document.id_card.card_authentication_failed"
    assert "refused" in error["message"] and voter not in result.stderr


def test_a_wrong_mrz_key_is_refused(technician: Technician, voter: str) -> None:
    report = technician.insert("emrtd-td3", voter)
    details = report["details"]
    result = technician.identify("--json", "--document-number", "N00000000", "--birth-date", details["birth_date"],
                                 "--expiry-date", details["expiry_date"])
    assert result.returncode == 1
    assert error_of(result)["reason"] == "document.icao.bac.wrong_key"


def test_tampered_dg1_fails_passive_authentication(technician: Technician, voter: str) -> None:
    report = technician.insert("emrtd-td1", voter, "tampered-dg1")
    result = technician.identify("--json", *access_key(report))
    assert result.returncode == 1
    assert error_of(result)["reason"] == "document.icao.passive_auth.hash_mismatch"


def test_an_emrtd_without_its_access_key_says_to_pass_it(technician: Technician, voter: str) -> None:
    technician.insert("emrtd-td1", voter)
    result = technician.identify()
    assert result.returncode == 2
    assert "--document-number" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_card_pulled_out_mid_read_is_reported(technician: Technician, voter: str) -> None:
    report = technician.insert("emrtd-td1", voter, "removed-after-3")
    result = technician.identify("--json", *access_key(report))
    assert result.returncode == 3
    assert error_of(result)["reason"] == "document.emrtd.card_removed"
    status = json.loads(technician.sim("card", "status", "--json").stdout)
    assert status[int(SLOT)]["card"]["inserted"] is False  # the daemon still holds the slot, the card is out


def test_remove_stops_the_daemon(technician: Technician, voter: str) -> None:
    report = technician.insert("id-card", voter)
    pid = report["pid"]
    assert read_pid(technician.home, int(SLOT)) == pid and process_running(pid)
    status = json.loads(technician.sim("card", "status", "--json").stdout)
    assert status[int(SLOT)]["pid"] == pid and status[int(SLOT)]["card"]["details"]["profile"] == "id-card"
    removed = technician.remove()
    assert removed.returncode == 0 and str(pid) in removed.stdout
    assert not process_running(pid)
    assert not pid_file(technician.home, int(SLOT)).exists()
    assert json.loads(technician.sim("card", "status", "--json").stdout)[int(SLOT)]["pid"] is None


def test_insert_replaces_the_card_in_the_slot(technician: Technician, voter: str) -> None:
    first = technician.insert("id-card", voter)
    second = technician.insert("emrtd-td3", voter)
    assert not process_running(first["pid"]) and process_running(second["pid"])
    result = technician.identify("--json", *access_key(second))
    assert result.returncode == 0 and json.loads(result.stdout)["source"] == "emrtd"


def test_no_card_times_out(technician: Technician) -> None:
    technician.remove()
    deadline = time.monotonic() + BUSY_PATIENCE_SECONDS
    while True:  # another suite's card may sit in the slot for a moment
        result = run("kiosk.cli", "identify", "--json", "--config", str(technician.config), "--timeout", "1")
        if result.returncode == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert result.returncode == 3
    assert error_of(result)["reason"] == "card.timeout"


def test_no_reader_is_reported(technician: Technician, service: RunningService, tmp_path: Path) -> None:
    config = slot_config(service, tmp_path, "No Such Reader")
    result = technician.identify("--json", config=config)
    assert result.returncode == 3
    assert error_of(result)["reason"] == "card.reader_not_found"

"""``kiosk check`` as a technician runs it, against the running simulated service."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.egov import RunningService

from simulator.egov.population import sample_voters


def _kiosk(*args: str, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    if config is not None:
        environment["KIOSK_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def _iin(service: RunningService, category: str) -> str:
    return sample_voters(service.paths.database, category, 1, station=service.station)[0]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("category", "expected_status", "expected_text"),
    [
        ("listed_here", "listed_here", "Listed here: station"),
        ("listed_elsewhere", "listed_elsewhere", "Listed at another station"),
        ("not_listed", "not_listed", "Not on any voter list"),
        ("under_age", "not_eligible", "Not eligible"),
    ],
)
def test_each_kind_of_answer(service: RunningService, category: str, expected_status: str, expected_text: str) -> None:
    service.set_faults(clear=True)
    iin = _iin(service, category)
    as_json = _kiosk("check", iin, "--json", config=service.paths.kiosk_config)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["status"] == expected_status
    as_text = _kiosk("check", iin, config=service.paths.kiosk_config)
    assert expected_text in as_text.stdout
    assert iin not in as_text.stderr


def test_listed_here_prints_the_ballots(service: RunningService) -> None:
    result = _kiosk("check", _iin(service, "listed_here"), config=service.paths.kiosk_config)
    assert "Ballots:" in result.stdout and "paper" in result.stdout


@pytest.mark.parametrize(("text", "reason"), [("12345", "exactly 12 digits"), ("850415300013", "mistyped")])
def test_invalid_iin_exits_2_with_the_reason(text: str, reason: str) -> None:
    result = _kiosk("check", text, config=Path("/nonexistent.json"))
    assert result.returncode == 2
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreachable_service_exits_3_and_says_so(service: RunningService, tmp_path: Path) -> None:
    config = json.loads(service.paths.kiosk_config.read_text())
    config["service"]["base_url"] = "https://127.0.0.1:9"  # discard port: nothing listens there
    config["service"]["ca_file"] = str(service.paths.ca)
    config["device_key"]["path"] = str(service.paths.device_key)
    config["device_key"]["passphrase_file"] = str(service.paths.device_passphrase)
    broken = tmp_path / "kiosk.json"
    broken.write_text(json.dumps(config))
    result = _kiosk("check", _iin(service, "listed_here"), config=broken)
    assert result.returncode == 3
    assert "cannot be reached" in result.stderr


def test_missing_configuration_is_a_one_line_reason(tmp_path: Path) -> None:
    result = _kiosk("check", "850415300012", config=tmp_path / "none.json")
    assert result.returncode == 1
    assert "no configuration" in result.stderr


def test_bad_arguments_get_usage() -> None:
    result = _kiosk("check")
    assert result.returncode == 2
    assert "usage:" in result.stderr

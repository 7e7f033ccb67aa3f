"""``kiosk run --config`` refuses to start on a bad station configuration: one line on stderr, its own exit
status, and nothing shown (the UI is never even imported). Run as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from support.commission import make_commission
from support.station_files import StationFiles, provision

from kiosk.cli_run import EXIT_CONFIG, REFUSAL_EXIT_CODES
from kiosk.core.station_config import (
    MalformedStationConfig,
    StationConfigExpired,
    StationConfigForOtherStation,
    StationConfigMissing,
    StationConfigNotYetValid,
    StationConfigTampered,
    StationConfigUnknownSigner,
    StationConfigUnsigned,
)
from kiosk.station_config_verify import CommissionCertificatesUnavailable

REPOSITORY = Path(__file__).resolve().parents[2]
# Runs `kiosk run` in a fresh interpreter and exits 99 if anything imported Kivy (a window could have opened).
RUN_AND_CHECK_NO_UI = (
    "import sys\n"
    "from kiosk.cli import main\n"
    "status = main(['run', *sys.argv[1:]])\n"
    "sys.exit(99 if 'kivy' in sys.modules else status)\n"
)
CODES = dict(REFUSAL_EXIT_CODES)


@pytest.fixture
def station(tmp_path: Path) -> StationFiles:
    return provision(tmp_path)


def run_kiosk(station: StationFiles, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "KIOSK_HOME": str(station.home), "SDL_VIDEODRIVER": "offscreen",
                   "KIVY_NO_ARGS": "1"}
    environment.pop("KIOSK_CONFIG", None)
    return subprocess.run(  # noqa: PLW1510  (the status is what is checked)
        [sys.executable, "-c", RUN_AND_CHECK_NO_UI, "--config", str(station.config_path), *arguments],
        capture_output=True, text=True, timeout=60, env=environment, cwd=REPOSITORY,
    )


def tamper(station: StationFiles) -> None:
    envelope = json.loads(station.install().read_text())
    envelope["config"]["commission_desk"] = 9
    station.installed.write_text(json.dumps(envelope))


def unsigned(station: StationFiles) -> None:
    station.installed.write_text(json.dumps(station.document()))


def other_commission(station: StationFiles) -> None:
    station.install(make_commission(station.home.parent / "other-commission"))


REFUSALS: dict[str, tuple[Callable[[StationFiles], object], type[Exception], str]] = {
    "missing": (lambda station: None, StationConfigMissing, "no station configuration is installed"),
    "malformed": (lambda station: station.installed.write_text("{not json"), MalformedStationConfig,
                  "not valid JSON"),
    "unsigned": (unsigned, StationConfigUnsigned, "no commission signature"),
    "unknown signer": (other_commission, StationConfigUnknownSigner, "not a pinned commission key"),
    "tampered": (tamper, StationConfigTampered, "changed after signing"),
    "other station": (lambda station: station.install(station=102), StationConfigForOtherStation,
                      "for station 102, but this kiosk is enrolled for station 101"),
    "expired": (lambda station: station.install(valid_until="2021-01-01T00:00:00+05:00"), StationConfigExpired,
                "expired"),
    "not yet valid": (lambda station: station.install(valid_from="2098-01-01T00:00:00+05:00"),
                      StationConfigNotYetValid, "valid only from"),
    "no commission certificates": (
        lambda station: (station.install(), (station.home / "commission-certs.pem").unlink()),
        CommissionCertificatesUnavailable, "cannot read the commission certificates"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refused_configuration_stops_the_start_with_its_reason_and_status(
        station: StationFiles, case: str) -> None:
    prepare, error_class, reason = REFUSALS[case]
    prepare(station)
    finished = run_kiosk(station)
    assert finished.returncode == CODES[error_class], finished.stderr
    assert finished.stdout == ""
    lines = finished.stderr.splitlines()
    assert len(lines) == 1, finished.stderr
    assert lines[0].startswith("kiosk: refusing to start: ")
    assert reason in lines[0]
    assert f"({error_class.translation_key})" in lines[0]


def test_every_refusal_has_its_own_status() -> None:
    statuses = [code for _, code in REFUSAL_EXIT_CODES]
    assert len(set(statuses)) == len(statuses)
    assert all(code not in (0, 1, 2, 99, EXIT_CONFIG) for code in statuses)


def test_a_missing_local_configuration_is_refused_before_anything_else(station: StationFiles) -> None:
    station.config_path.unlink()
    finished = run_kiosk(station)
    assert finished.returncode == EXIT_CONFIG
    assert finished.stderr.count("\n") == 1 and "no configuration at" in finished.stderr


def test_a_wrong_device_section_names_the_field(station: StationFiles) -> None:
    station.install()
    station.write_config(printer={"kind": "escpos", "transport": "parallel"})
    finished = run_kiosk(station)
    assert finished.returncode == EXIT_CONFIG
    assert "'printer.transport' must be one of usb, network, file" in finished.stderr


def test_local_trust_files_that_differ_from_the_pinned_ones_are_refused(station: StationFiles) -> None:
    station.install(trust_anchors={"national_ca_roots": ["sha256:" + "ab" * 32], "national_ca_intermediates": [],
                                   "csca_certificates": ["sha256:" + "cd" * 32]})
    finished = run_kiosk(station)
    assert finished.returncode == EXIT_CONFIG
    assert "'trust.national_ca_roots' does not hold the certificates the station configuration pins" in \
        finished.stderr


def test_the_installed_kiosk_command_refuses_too(station: StationFiles) -> None:
    environment = {**os.environ, "KIOSK_HOME": str(station.home)}
    environment.pop("KIOSK_CONFIG", None)
    finished = subprocess.run(  # noqa: PLW1510
        [str(Path(sys.executable).with_name("kiosk")), "run", "--config", str(station.config_path), "--windowed"],
        capture_output=True, text=True, timeout=60, env=environment,
    )
    assert finished.returncode == CODES[StationConfigMissing]
    assert finished.stderr.startswith("kiosk: refusing to start: no station configuration is installed at ")

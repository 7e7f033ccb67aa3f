"""Without pcscd: ``kiosk identify`` and ``kiosk-sim card insert`` each say so in one line.

These run only while no pcscd is running (a session that started one for its ``pcscd`` tests skips them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.pcscd import list_readers

from simulator.egov.world import prepare, write_kiosk_config


@pytest.fixture
def no_pcscd() -> None:
    if list_readers() is not None:
        pytest.skip("pcscd is running")


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def test_identify_says_pcscd_is_not_running(no_pcscd: None, tmp_path: Path) -> None:
    paths, station = prepare(tmp_path / "sim", voters=30, stations=2, seed=1)
    write_kiosk_config(paths, base_url="https://127.0.0.1:1", station=station)
    result = run("kiosk.cli", "identify", "--json", "--config", str(paths.kiosk_config), "--timeout", "1")
    assert result.returncode == 3
    assert json.loads(result.stdout)["error"]["reason"] == "card.service_unavailable"
    assert "pcscd" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_card_insert_says_vpcd_is_not_there(no_pcscd: None, tmp_path: Path) -> None:
    result = run("simulator.cli", "--home", str(tmp_path), "card", "insert", "--profile", "id-card",
                 "--iin", "900101300176", "--slot", "1", "--wait", "1")
    assert result.returncode == 1
    assert "nothing listens on the vpcd port 35964" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "card-slot-1.pid").exists()

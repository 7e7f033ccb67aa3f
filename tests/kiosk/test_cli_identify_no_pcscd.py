"""Without pcscd: ``kiosk identify`` and ``kiosk-sim card insert`` each say so in one line.

Whether or not a pcscd runs on this machine (the session fixture starts one), each command runs in a child
process that cannot reach it: ``kiosk identify`` with ``PCSCLITE_CSOCK_NAME`` naming a socket that does not exist
(libpcsclite takes the daemon's socket path from it, so ``SCardEstablishContext`` answers SCARD_E_NO_SERVICE),
and ``kiosk-sim card insert`` in a network namespace of its own (``unshare --net``), where nothing listens on
the vpcd port.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from simulator.egov.world import prepare, write_kiosk_config


def run(*command: str, extra_environment: dict[str, str] | None = None,
        prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*prefix, sys.executable, "-m", *command], capture_output=True, text=True, timeout=60,
                          check=False, env={**os.environ, "PYTHONWARNINGS": "ignore", **(extra_environment or {})})


def in_own_network_namespace() -> tuple[str, ...]:
    """``unshare`` arguments that give the child a network namespace of its own (loopback down, no listeners)."""
    unshare = shutil.which("unshare")
    assert unshare is not None, "unshare (util-linux) is needed to hide the vpcd port from the child"
    # Root makes the namespace directly; anyone else needs a user namespace in which they are root.
    return (unshare, "--net") if os.geteuid() == 0 else (unshare, "--map-root-user", "--net")


def test_identify_says_pcscd_is_not_running(tmp_path: Path) -> None:
    paths, station = prepare(tmp_path / "sim", voters=30, stations=2, seed=1)
    write_kiosk_config(paths, base_url="https://127.0.0.1:1", station=station)
    result = run("kiosk.cli", "identify", "--json", "--config", str(paths.kiosk_config), "--timeout", "1",
                 extra_environment={"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd-here.comm")})
    assert result.returncode == 3
    assert json.loads(result.stdout)["error"]["reason"] == "card.service_unavailable"
    assert "pcscd" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_card_insert_says_vpcd_is_not_there(tmp_path: Path) -> None:
    result = run("simulator.cli", "--home", str(tmp_path), "card", "insert", "--profile", "id-card",
                 "--iin", "900101300176", "--slot", "1", "--wait", "1", prefix=in_own_network_namespace())
    assert result.returncode == 1
    assert "nothing listens on the vpcd port 35964" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "card-slot-1.pid").exists()

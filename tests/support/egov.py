"""A running simulated service for tests: ``kiosk-sim egov serve`` in a child process on 127.0.0.1.

The process is started with a free port and stopped by its PID; its state directory is a temporary one.
"""

from __future__ import annotations

import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, load_config
from simulator.egov.world import SimulatorPaths, prepare

START_TIMEOUT = 60.0


@dataclass
class RunningService:
    """A simulated service process and what a test needs to talk to it."""

    process: subprocess.Popen[bytes]
    paths: SimulatorPaths
    base_url: str
    station: int

    @property
    def config(self) -> KioskConfig:
        """The kiosk configuration the service wrote for its simulated kiosk."""
        return load_config(self.paths.kiosk_config)

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Change injected faults through the control endpoint; ``clear=True`` switches them off first."""
        context = ssl.create_default_context(cafile=str(self.paths.ca))
        request = urllib.request.Request(
            self.base_url + "/_sim/faults",
            method="POST",
            data=json.dumps(settings).encode(),
            headers={"X-Sim-Control": self.paths.control_token.read_text().strip(), "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    def stop(self) -> None:
        """Stop the process by its PID and wait for it."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_service(
    root: Path, *, voters: int = 1500, stations: int = 6, seed: int = 11, workers: int = 1
) -> RunningService:
    """Prepare a world under ``root`` and start serving it on a free loopback port."""
    paths, station = prepare(root, seed=seed, voters=voters, stations=stations)
    ready = root / "ready"
    ready.unlink(missing_ok=True)
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "simulator.cli",
            "--home",
            str(root),
            "egov",
            "serve",
            "--port",
            "0",
            "--station",
            str(station),
            "--ready-file",
            str(ready),
            "--workers",
            str(workers),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while not ready.exists() or not ready.read_text():
        if process.poll() is not None:
            raise RuntimeError(f"kiosk-sim exited with {process.returncode}: {(root / 'server.log').read_text()}")
        if time.monotonic() > deadline:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            raise RuntimeError("kiosk-sim did not start in time")
        time.sleep(0.02)
    return RunningService(process, paths, ready.read_text(), station)

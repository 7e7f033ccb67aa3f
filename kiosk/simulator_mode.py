"""``kiosk run --simulator`` until the touchscreen lands: start the simulated services, answer a sample
voter of each kind through the real signed client, and keep the service up for ``kiosk check``."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kiosk.cli import describe
from kiosk.config import kiosk_home, load_config
from kiosk.core.iin import parse_iin
from kiosk.egov.errors import ServiceError
from kiosk.wiring import service_client

READY_TIMEOUT = 120.0


def start_simulated_service(home: Path, port: int = 8443) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``kiosk-sim egov serve`` as a child process; return it and its base URL once it listens."""
    ready_file = Path(tempfile.mkdtemp()) / "ready"
    process = subprocess.Popen(  # noqa: S603  (our own module, fixed arguments)
        [sys.executable, "-m", "simulator.cli", "--home", str(home), "egov", "serve", "--port", str(port),
         "--ready-file", str(ready_file)],
    )
    deadline = time.monotonic() + READY_TIMEOUT
    while not ready_file.exists():
        if process.poll() is not None:
            raise RuntimeError(f"the simulated service exited with status {process.returncode}")
        if time.monotonic() > deadline:
            process.terminate()
            raise RuntimeError("the simulated service did not start in time")
        time.sleep(0.05)
    return process, ready_file.read_text()


def run_simulator_demo() -> int:
    """Start the simulated world, show one answer of each kind, then serve until Ctrl-C."""
    from simulator.egov.population import sample_voters  # noqa: PLC0415  (simulator mode only)

    home = Path(os.environ.get("KIOSK_SIM_HOME") or kiosk_home() / "sim")
    process, base_url = start_simulated_service(home)
    try:
        config = load_config(home / "kiosk.json")
        client = service_client(config)
        print(f"\nSimulated services at {base_url}; this kiosk is station {config.station}.\n")
        for category in ("listed_here", "listed_elsewhere", "not_listed", "under_age"):
            for iin_text in sample_voters(home / "registry.sqlite", category, 1, station=config.station):
                try:
                    answer = describe(client.registration_check(parse_iin(iin_text)))
                except ServiceError as error:
                    answer = f"error: {error.message}"
                print(f"[{category}] IIN {iin_text}:\n{answer}\n")
        client.close()
        print("Try `.venv/bin/kiosk check IIN` or `.venv/bin/kiosk-sim egov faults --set error=1`; Ctrl-C stops.")
        process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)
    return 0

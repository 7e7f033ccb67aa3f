"""Whether a process still runs, and waiting until it does not: for the processes the simulator starts and stops
by their PID (the card daemons, pcscd, the simulated service, Xvfb)."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

POLL_SECONDS = 0.01


def process_running(pid: int) -> bool:
    """True while ``pid`` is a live process (a zombie waiting for its parent counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    return stat.rpartition(")")[2].split()[0] != "Z"


def wait_until_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` has exited, reaping it when it is our child; True when it has within ``timeout``."""
    deadline = time.monotonic() + timeout
    while process_running(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True

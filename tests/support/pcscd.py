"""Starting (or reusing) pcscd with the vsmartcard-vpcd readers for tests and benchmarks.

Only one pcscd can run per machine (fixed socket ``/run/pcscd/pcscd.comm``, PLATFORM.md), so a running one
is reused and left alone; one started here is stopped by its own PID, waiting until it is gone, so that the
next start does not fail with "Another pcscd seems to be running".
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from smartcard import scard

VPCD_READER_NAMES = ("Virtual PCD 00 00", "Virtual PCD 00 01")
PID_FILE = Path("/run/pcscd/pcscd.pid")
START_TIMEOUT_SECONDS = 10.0
STOP_TIMEOUT_SECONDS = 10.0


class PcscdUnavailableError(RuntimeError):
    """pcscd is not running and cannot be started here (not root, not installed, or it failed)."""


@dataclass
class PcscdService:
    """A pcscd serving the vpcd readers; ``process`` is None when an already running one was reused."""

    process: subprocess.Popen[bytes] | None
    log_path: Path | None

    @property
    def started_here(self) -> bool:
        """True when this service was started by us (and so is ours to stop)."""
        return self.process is not None

    def stop(self) -> None:
        """Stop pcscd if we started it, and wait until its PID is gone; a reused one is left running."""
        if self.process is None:
            return
        pid = self.process.pid
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        wait_until_gone(pid, STOP_TIMEOUT_SECONDS)
        self.process = None

    def restart(self) -> None:
        """Stop and start again the pcscd we started (a reused one is not ours to restart)."""
        if self.process is None or self.log_path is None:
            raise PcscdUnavailableError("this pcscd was not started here; refusing to restart it")
        log_directory = self.log_path.parent
        self.stop()
        restarted = start_or_reuse_pcscd(log_directory)
        self.process, self.log_path = restarted.process, restarted.log_path


def list_readers() -> list[str] | None:
    """The PC/SC reader names, or None when no pcscd answers."""
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return None
    try:
        result, readers = scard.SCardListReaders(context, [])
        if result == scard.SCARD_S_SUCCESS:
            return list(readers)
        if result & 0xFFFFFFFF == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return None
    finally:
        scard.SCardReleaseContext(context)


def pid_alive(pid: int) -> bool:
    """True while a process with ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until_gone(pid: int, timeout: float) -> None:
    """Wait until ``pid`` has exited; raise when it outlives ``timeout``."""
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() > deadline:
            raise PcscdUnavailableError(f"pcscd (pid {pid}) did not exit within {timeout} s")
        time.sleep(0.01)


def _wait_for_vpcd_readers(timeout: float, process: subprocess.Popen[bytes] | None) -> list[str]:
    deadline = time.monotonic() + timeout
    readers: list[str] | None = None
    while time.monotonic() < deadline:
        readers = list_readers()
        if readers is not None and all(
            any(reader.startswith(name) for reader in readers) for name in VPCD_READER_NAMES
        ):
            return readers
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.01)
    raise PcscdUnavailableError(
        f"the vpcd readers {VPCD_READER_NAMES} did not appear (readers: {readers}); "
        "is vsmartcard-vpcd installed (/etc/reader.conf.d/vpcd)?"
    )


def _pcscd_binary() -> str | None:
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")


def start_or_reuse_pcscd(log_directory: Path, timeout: float = START_TIMEOUT_SECONDS) -> PcscdService:
    """A pcscd with the vpcd readers: the running one, or ``pcscd -f`` started now (needs root)."""
    if list_readers() is not None:
        _wait_for_vpcd_readers(timeout, None)
        return PcscdService(process=None, log_path=None)
    binary = _pcscd_binary()
    if binary is None:
        raise PcscdUnavailableError("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)")
    if os.geteuid() != 0:
        raise PcscdUnavailableError("pcscd is not running and starting it needs root")
    if PID_FILE.exists():
        # A pcscd that is shutting down still holds the socket: starting another now would fail.
        try:
            old_pid = int(PID_FILE.read_text().strip())
        except ValueError:
            old_pid = 0
        if old_pid > 0:
            wait_until_gone(old_pid, timeout)
    log_path = log_directory / "pcscd.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([binary, "-f"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    service = PcscdService(process=process, log_path=log_path)
    try:
        _wait_for_vpcd_readers(timeout, process)
    except PcscdUnavailableError as error:
        service.stop()
        log_tail = log_path.read_text(errors="replace")[-2000:]
        raise PcscdUnavailableError(f"{error}; pcscd log:\n{log_tail}") from error
    return service

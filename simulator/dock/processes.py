"""What simulator mode starts beside the kiosk app, each stopped by its own PID and only if we started it:
the simulated service (``kiosk-sim egov serve``), pcscd with the vpcd readers, and Xvfb.

Only one pcscd can run per machine (PLATFORM.md): a running one is reused and left alone; after stopping ours we
wait until its PID is gone, so that the next start does not fail with "Another pcscd seems to be running".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from simulator.process_liveness import wait_until_gone

SERVICE_START_TIMEOUT_SECONDS: Final = 120.0  # the first start generates the population
PCSCD_START_TIMEOUT_SECONDS: Final = 10.0
XVFB_START_TIMEOUT_SECONDS: Final = 10.0
STOP_TIMEOUT_SECONDS: Final = 10.0
VPCD_READER_CONFIG: Final = Path("/etc/reader.conf.d/vpcd")
VPCD_READER_NAMES: Final = ("Virtual PCD 00 00", "Virtual PCD 00 01")
PCSCD_PID_FILE: Final = Path("/run/pcscd/pcscd.pid")
PCSCD_LOG_TAIL_CHARACTERS: Final = 2000
XVFB_SCREEN: Final = "1280x800x24"


class SimulatorStartError(RuntimeError):
    """A part of simulator mode could not be started; the message says which and why."""

    translation_key = "simulator.start"


def stop_process(process: subprocess.Popen[Any], *, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    """Stop ``process`` by its PID (SIGTERM, then SIGKILL after ``timeout``) and reap it; idempotent."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


# --- the simulated service -------------------------------------------------------------------------------


@dataclass
class ServiceProcess:
    """``kiosk-sim egov serve`` running as our child, and the base URL it listens on."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def stop(self) -> None:
        """Stop the service by its PID."""
        stop_process(self.process)


def start_service(home: Path, *, station: int, port: int = 0) -> ServiceProcess:
    """Start the simulated service for ``home`` (prepared already) on loopback; return once it listens.

    Its output goes to ``<home>/service.log``; it writes ``<home>/kiosk.json`` before it says it is ready.
    """
    ready_directory = Path(tempfile.mkdtemp(prefix="kiosk-sim-ready-"))
    ready_file = ready_directory / "ready"
    log_path = home / "service.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603  (our own module, fixed arguments)
            [sys.executable, "-m", "simulator.cli", "--home", str(home), "egov", "serve", "--port", str(port),
             "--station", str(station), "--ready-file", str(ready_file)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        deadline = time.monotonic() + SERVICE_START_TIMEOUT_SECONDS
        while not ready_file.exists():
            if process.poll() is not None:
                raise SimulatorStartError(
                    f"the simulated service exited with status {process.returncode}; see {log_path}")
            if time.monotonic() > deadline:
                raise SimulatorStartError(f"the simulated service did not start in time; see {log_path}")
            time.sleep(0.02)
        base_url = ready_file.read_text().strip()
    except BaseException:
        stop_process(process)
        raise
    finally:
        shutil.rmtree(ready_directory, ignore_errors=True)
    return ServiceProcess(process, base_url, log_path)


# --- pcscd ------------------------------------------------------------------------------------------------


@dataclass
class PcscdHandle:
    """A pcscd serving the vpcd readers; ``process`` is None when a running one was reused (not ours).

    ``log_path`` is where our pcscd writes (None for a reused one). The test suite and the benchmarks start
    pcscd through this too.
    """

    process: subprocess.Popen[bytes] | None
    log_path: Path | None = None

    @property
    def started_here(self) -> bool:
        """True when we started this pcscd (and so stop it)."""
        return self.process is not None

    def stop(self) -> None:
        """Stop our pcscd by its PID and wait until it is gone; a reused one is left running."""
        if self.process is None:
            return
        pid = self.process.pid
        stop_process(self.process)
        if not wait_until_gone(pid, STOP_TIMEOUT_SECONDS):
            raise SimulatorStartError(f"pcscd (pid {pid}) did not exit within {STOP_TIMEOUT_SECONDS:.0f} s")
        self.process = None

    def restart(self) -> None:
        """Stop and start again the pcscd we started (a reused one is not ours to restart)."""
        if self.process is None or self.log_path is None:
            raise SimulatorStartError("this pcscd was not started here; refusing to restart it")
        log_directory = self.log_path.parent
        self.stop()
        restarted = start_or_reuse_pcscd(log_directory)
        self.process, self.log_path = restarted.process, restarted.log_path


def pcsc_reader_names() -> list[str] | None:
    """The PC/SC reader names, or None when no pcscd answers (or pyscard is missing)."""
    try:
        from smartcard import scard  # noqa: PLC0415  (pyscard is optional for the in-process reader)
    except ImportError:
        return None
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        return None
    try:
        result, readers = scard.SCardListReaders(context, [])
        if result == scard.SCARD_S_SUCCESS:
            return list(readers)
        return []  # no readers (SCARD_E_NO_READERS_AVAILABLE) or another failure: none usable
    finally:
        scard.SCardReleaseContext(context)


def _has_vpcd_readers(readers: list[str] | None) -> bool:
    return readers is not None and all(any(reader.startswith(name) for reader in readers)
                                       for name in VPCD_READER_NAMES)


def pcscd_unavailable_reason() -> str | None:
    """Why pcscd with the vpcd readers cannot be used here, or None when it can (running, or startable)."""
    readers = pcsc_reader_names()
    if readers is not None:
        return None if _has_vpcd_readers(readers) else "the running pcscd has no vpcd readers"
    if _pcscd_binary() is None:
        return "pcscd is not installed"
    if not VPCD_READER_CONFIG.exists():
        return "vsmartcard-vpcd is not installed"
    if os.geteuid() != 0:
        return "pcscd is not running and starting it needs root"
    return None


def start_or_reuse_pcscd(log_directory: Path) -> PcscdHandle:
    """A pcscd with the vpcd readers: the running one, or ``pcscd -f`` started now (needs root).

    Ours writes to ``<log_directory>/pcscd.log``; when it does not come up, the error ends with that log's tail.
    """
    if pcsc_reader_names() is not None:
        _wait_for_vpcd_readers(None)
        return PcscdHandle(process=None)
    binary = _pcscd_binary()
    if binary is None:
        raise SimulatorStartError("pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)")
    if os.geteuid() != 0:
        raise SimulatorStartError("pcscd is not running and starting it needs root")
    if PCSCD_PID_FILE.exists():  # one shutting down still holds the socket: wait for it to go
        with contextlib.suppress(ValueError, OSError):
            old_pid = int(PCSCD_PID_FILE.read_text().strip())
            if old_pid > 0:
                wait_until_gone(old_pid, PCSCD_START_TIMEOUT_SECONDS)
    log_directory.mkdir(parents=True, exist_ok=True)
    log_path = log_directory / "pcscd.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([binary, "-f"], stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                                   start_new_session=True)
    handle = PcscdHandle(process=process, log_path=log_path)
    try:
        _wait_for_vpcd_readers(process)
    except SimulatorStartError as error:
        handle.stop()
        log_tail = log_path.read_text(errors="replace")[-PCSCD_LOG_TAIL_CHARACTERS:]
        raise SimulatorStartError(f"{error}; pcscd log ({log_path}):\n{log_tail}") from error
    except BaseException:
        handle.stop()
        raise
    return handle


def _wait_for_vpcd_readers(process: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + PCSCD_START_TIMEOUT_SECONDS
    readers: list[str] | None = None
    while time.monotonic() < deadline:
        readers = pcsc_reader_names()
        if _has_vpcd_readers(readers):
            return
        if process is not None and process.poll() is not None:
            break
        time.sleep(0.01)
    raise SimulatorStartError(f"the vpcd readers {VPCD_READER_NAMES} did not appear (readers: {readers}); "
                              f"is vsmartcard-vpcd installed ({VPCD_READER_CONFIG})?")


def _pcscd_binary() -> str | None:
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/sbin")


# --- Xvfb -------------------------------------------------------------------------------------------------


@dataclass
class XvfbHandle:
    """An Xvfb server we started, and its display name (``:N``)."""

    process: subprocess.Popen[bytes]
    display: str

    def stop(self) -> None:
        """Stop Xvfb by its PID."""
        stop_process(self.process)


def xvfb_available() -> bool:
    """True when the ``Xvfb`` binary is installed."""
    return shutil.which("Xvfb") is not None


def start_xvfb(screen: str = XVFB_SCREEN) -> XvfbHandle:
    """Start Xvfb on a free display (it picks the number and reports it through ``-displayfd``)."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise SimulatorStartError("Xvfb is not installed")
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(  # noqa: S603  (fixed arguments)
            [binary, "-displayfd", str(write_end), "-screen", "0", screen, "-nolisten", "tcp"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
    finally:
        os.close(write_end)
    try:
        number = _read_display_number(read_end, process)
    except BaseException:
        stop_process(process)
        raise
    finally:
        os.close(read_end)
    return XvfbHandle(process, f":{number}")


def _read_display_number(read_end: int, process: subprocess.Popen[bytes]) -> int:
    import selectors  # noqa: PLC0415  (only Xvfb start-up waits on a pipe)

    received = b""
    deadline = time.monotonic() + XVFB_START_TIMEOUT_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(read_end, selectors.EVENT_READ)
        while not received.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                raise SimulatorStartError("Xvfb did not report its display in time")
            chunk = os.read(read_end, 64)
            if not chunk:
                raise SimulatorStartError(f"Xvfb exited (status {process.poll()}) before reporting its display")
            received += chunk
    return int(received.strip())

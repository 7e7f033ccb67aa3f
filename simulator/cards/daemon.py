"""A simulated card held in a vpcd slot by a background process: ``kiosk-sim card insert`` / ``remove`` / ``status``.

vpcd treats a connected client as an inserted card (``simulator.cards.vpcd``), so a card stays in the reader only
as long as a process holds that connection. :func:`start_card_daemon` starts ``python -m simulator.cards.daemon``
in its own session; the daemon builds the card (``simulator.cards.world.card_for``), connects to the slot's vpcd
port (35963 + slot), and once vpcd has powered the card up (asked for its ATR) writes its PID to
``<home>/card-slot-N.pid`` and a description to ``card-slot-N.json`` and tells the starting process, which then
returns. When nothing listens on the port (pcscd or vsmartcard-vpcd missing), or vpcd does not take the card in
time (another card holds the slot), the daemon reports that in one line and exits.

:func:`stop_card_daemon` stops the daemon by the PID in its file, after checking that the PID is still that
daemon, and waits until it is gone. Inserting into an occupied slot stops the old card's daemon first.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, Final

from kiosk.core.iin import InvalidIin, parse_iin
from simulator.cards.virtual import VirtualCard
from simulator.cards.vpcd import VPCD_PORT, VpcdCardClient
from simulator.cards.world import CARD_PROFILES, CardProfile, CardWorldError, SimulatedCard, card_for, split_faults
from simulator.process_liveness import process_running, wait_until_gone

SLOTS: Final = (0, 1)
"""The slots vsmartcard-vpcd's default configuration offers (PLATFORM.md): ``Virtual PCD 00 00`` and ``00 01``."""
DEFAULT_CONNECT_WAIT_SECONDS = 5.0
STOP_TIMEOUT_SECONDS = 10.0
_STARTUP_MARGIN_SECONDS = 30.0  # building the card and starting Python, on top of the connect wait
_POLL_SECONDS = 0.1
_DAEMON_MODULE = "simulator.cards.daemon"


class CardDaemonError(RuntimeError):
    """The card could not be put into (or taken out of) the slot; the message is the one-line reason."""

    translation_key: str = "simulator.cards.daemon_failed"


def reader_name(slot: int) -> str:
    """The PC/SC reader name prefix of a vpcd slot."""
    return f"Virtual PCD 00 {slot:02d}"


def vpcd_port(slot: int) -> int:
    """The TCP port vpcd listens on for ``slot``."""
    return VPCD_PORT + slot


def pid_file(home: Path, slot: int) -> Path:
    """Where the daemon holding ``slot`` writes its PID."""
    return home / f"card-slot-{slot}.pid"


def state_file(home: Path, slot: int) -> Path:
    """Where the daemon holding ``slot`` describes its card (profile, IIN, faults, whether still inserted)."""
    return home / f"card-slot-{slot}.json"


def log_file(home: Path, slot: int) -> Path:
    """The daemon's log (its standard error)."""
    return home / f"card-slot-{slot}.log"


# --- the starting side -------------------------------------------------------------------------------------


def start_card_daemon(
    home: Path,
    *,
    slot: int,
    profile: CardProfile,
    iin: str,
    faults: Sequence[str] = (),
    wait: float = DEFAULT_CONNECT_WAIT_SECONDS,
) -> dict[str, Any]:
    """Insert a card into ``slot`` through a daemon; its report (pid, reader, document details) once connected.

    A card already in the slot is taken out first. Raises ``CardWorldError`` for a request no card can meet
    (invalid IIN, unknown profile or fault), before anything is started, and :class:`CardDaemonError` with the
    daemon's one-line reason when the card cannot be connected.
    """
    if slot not in SLOTS:
        raise CardWorldError(f"slot must be one of {', '.join(map(str, SLOTS))}")
    check_request(iin, profile, faults)
    home.mkdir(parents=True, exist_ok=True)
    stop_card_daemon(home, slot)
    command = [sys.executable, "-m", _DAEMON_MODULE, "--home", str(home), "--slot", str(slot),
               "--profile", profile, "--iin", iin, "--wait", str(wait)]
    for fault in faults:
        command += ["--fault", fault]
    with log_file(home, slot).open("ab") as log:
        process = subprocess.Popen(  # noqa: S603  (our own module, arguments from a parsed command line)
            command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, start_new_session=True,
        )
    assert process.stdout is not None
    line = _read_line(process.stdout, wait + _STARTUP_MARGIN_SECONDS)
    process.stdout.close()
    if not line:
        if process.poll() is None:
            _terminate(process.pid, child=True)
            raise CardDaemonError(f"the card daemon did not report within {wait + _STARTUP_MARGIN_SECONDS:.0f} s")
        raise CardDaemonError(
            f"the card daemon exited with status {process.wait()} (log: {log_file(home, slot)})"
        )
    report: dict[str, Any] = json.loads(line)
    if "error" in report:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
        raise CardDaemonError(str(report["error"]))
    return report  # the daemon lives on in its own session; nobody here waits for it


def check_request(iin: str, profile: CardProfile, faults: Sequence[str]) -> None:
    """Raise ``CardWorldError`` when no card can be made for ``iin`` with ``profile`` and ``faults``."""
    if profile not in CARD_PROFILES:
        raise CardWorldError(f"unknown card profile {profile!r}; expected one of {', '.join(CARD_PROFILES)}")
    try:
        parse_iin(iin)
    except InvalidIin as error:
        raise CardWorldError(f"not a valid IIN: {error.message}") from None
    split_faults(profile, faults)


def _read_line(stream: Any, timeout: float) -> bytes:
    selector = selectors.DefaultSelector()
    selector.register(stream, selectors.EVENT_READ)
    try:
        if not selector.select(timeout):
            return b""
    finally:
        selector.close()
    return bytes(stream.readline())


def stop_card_daemon(home: Path, slot: int, *, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
    """Take the card out of ``slot``: stop its daemon by PID and wait until it is gone; the PID, or None if empty.

    A PID file left by a daemon that no longer runs (or a PID now used by another program) is only removed.
    """
    pid = read_pid(home, slot)
    stopped: int | None = None
    if pid is not None and is_card_daemon(pid):
        _terminate(pid, child=False, timeout=timeout)
        stopped = pid
    for path in (pid_file(home, slot), state_file(home, slot)):
        path.unlink(missing_ok=True)
    return stopped


def _terminate(pid: int, *, child: bool, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not wait_until_gone(pid, timeout):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not wait_until_gone(pid, timeout):
            raise CardDaemonError(f"the card daemon (pid {pid}) did not stop")
    if child:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def read_pid(home: Path, slot: int) -> int | None:
    """The PID in the slot's PID file, or None when there is no readable one."""
    try:
        return int(pid_file(home, slot).read_text().strip())
    except (OSError, ValueError):
        return None


def is_card_daemon(pid: int) -> bool:
    """True when ``pid`` runs and is a card daemon (so a reused PID is never signalled)."""
    if not process_running(pid):
        return False
    try:
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc to ask: the PID file is all there is
    return _DAEMON_MODULE.encode() in command_line.split(b"\0")


@dataclass(frozen=True, slots=True)
class SlotStatus:
    """What holds a slot: the daemon's PID and its description, or nothing."""

    slot: int
    reader: str
    pid: int | None
    card: dict[str, Any] | None

    def as_json(self) -> dict[str, Any]:
        """The status as JSON values."""
        return {"slot": self.slot, "reader": self.reader, "pid": self.pid, "card": self.card}


def slot_status(home: Path, slot: int) -> SlotStatus:
    """Whether a card daemon holds ``slot`` and which card it serves."""
    pid = read_pid(home, slot)
    if pid is None or not is_card_daemon(pid):
        return SlotStatus(slot, reader_name(slot), None, None)
    try:
        card = json.loads(state_file(home, slot).read_text())
    except (OSError, ValueError):
        card = None
    return SlotStatus(slot, reader_name(slot), pid, card)


# --- the daemon ----------------------------------------------------------------------------------------


class _WatchedCard:
    """Passes everything to the card and notes when vpcd first powers it up or asks for its ATR."""

    def __init__(self, card: VirtualCard) -> None:
        self._card = card
        self.taken = threading.Event()

    @property
    def atr(self) -> bytes:
        self.taken.set()
        return self._card.atr

    def power_on(self) -> None:
        self.taken.set()
        self._card.power_on()

    def power_off(self) -> None:
        self._card.power_off()

    def process(self, apdu: bytes) -> bytes:
        return self._card.process(apdu)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(text)
    temporary.replace(path)


def _report(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _describe(simulated: SimulatedCard, slot: int, inserted: bool) -> dict[str, Any]:
    return {
        "slot": slot,
        "reader": reader_name(slot),
        "pid": os.getpid(),
        "faults": list(simulated.faults),
        "inserted": inserted,
        "details": simulated.details.as_json(),
    }


def run_daemon(home: Path, slot: int, profile: CardProfile, iin: str, faults: Sequence[str], wait: float) -> int:
    """The daemon's body: build the card, hold the vpcd connection until SIGTERM; the exit status."""
    stop = threading.Event()

    def on_signal(_number: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        simulated = card_for(home, iin, profile, faults)
    except CardWorldError as error:
        _report({"error": str(error)})
        return 2
    watched = _WatchedCard(simulated.card)
    port = vpcd_port(slot)
    client = VpcdCardClient(port=port)
    try:
        client.insert(watched)
        client.drop_after_apdus(simulated.remove_after_apdus)
        if not watched.taken.wait(wait):
            if client.connections == 0:
                reason = (f"nothing listens on the vpcd port {port}: is pcscd running with vsmartcard-vpcd "
                          f"(reader {reader_name(slot)!r})?")
            else:
                reason = f"vpcd did not take the card within {wait:.0f} s: does another card hold slot {slot}?"
            _report({"error": reason})
            return 1
        description = _describe(simulated, slot, inserted=True)
        _write_atomically(state_file(home, slot), json.dumps(description, ensure_ascii=False))
        _write_atomically(pid_file(home, slot), f"{os.getpid()}\n")
        _report({"ready": True, **description})
        sys.stdout.close()
        inserted = True
        while not stop.wait(_POLL_SECONDS):
            if inserted and not client.inserted:  # the removed-after-N fault pulled the card out
                inserted = False
                _write_atomically(state_file(home, slot),
                                  json.dumps(_describe(simulated, slot, inserted=False), ensure_ascii=False))
        return 0
    finally:
        client.close()
        if read_pid(home, slot) == os.getpid():
            pid_file(home, slot).unlink(missing_ok=True)
            state_file(home, slot).unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m simulator.cards.daemon`` (started by :func:`start_card_daemon`)."""
    parser = argparse.ArgumentParser(prog="python -m simulator.cards.daemon",
                                     description="Hold a simulated card in a vpcd slot until SIGTERM.")
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--slot", required=True, type=int, choices=SLOTS)
    parser.add_argument("--profile", required=True, choices=CARD_PROFILES)
    parser.add_argument("--iin", required=True)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--wait", type=float, default=DEFAULT_CONNECT_WAIT_SECONDS)
    args = parser.parse_args(argv)
    return run_daemon(args.home, args.slot, args.profile, args.iin, args.fault, args.wait)


if __name__ == "__main__":
    sys.exit(main())

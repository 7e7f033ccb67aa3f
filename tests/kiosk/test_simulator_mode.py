"""Simulator mode's composition: the headless run end to end (service child, dock, card to answer, clean stop),
over the in-process reader and over pcscd with vpcd; the display and card-reader choices."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from kiosk.simulator_mode import Choices, choose_card_slot, prepare_display
from simulator.dock.processes import pcsc_reader_names, stop_process, xvfb_available
from simulator.egov.world import prepare
from simulator.process_liveness import process_running

START_TIMEOUT = 90.0
ANSWER_TIMEOUT = 30.0


@dataclass
class HeadlessRun:
    """``python -m kiosk.simulator_mode --no-ui`` running, its ready description and its output lines."""

    process: subprocess.Popen[str]
    ready: dict[str, Any]
    lines: queue.Queue[str]

    def dock(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(self.ready["dock_url"] + path, method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def wait_for_line(self, wanted: str, timeout: float = ANSWER_TIMEOUT) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if line.strip() == wanted:
                return seen
        raise AssertionError(f"{wanted!r} not printed within {timeout} s; saw {seen}")


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


@contextlib.contextmanager
def simulator_mode(home: Path, *arguments: str, environment: dict[str, str] | None = None) -> Iterator[HeadlessRun]:
    prepare(home, voters=1500, stations=6, seed=11)  # small and quick; simulator mode reuses a prepared world
    ready_file = home / "ready.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk.simulator_mode", "--home", str(home), "--ready-file", str(ready_file),
         *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**(environment or os.environ), "PYTHONUNBUFFERED": "1"},
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not ready_file.exists():
            assert process.poll() is None, "simulator mode exited early:\n" + "".join(list(lines.queue))
            assert time.monotonic() < deadline, "simulator mode did not start in time"
            time.sleep(0.05)
        yield HeadlessRun(process, json.loads(ready_file.read_text()), lines)
    finally:
        stop_process(process, timeout=30)


def _listed_here(run: HeadlessRun) -> str:
    voters = run.dock("GET", "api/voters?category=listed_here&limit=1")
    return str(voters[0]["iin"])


@pytest.mark.slow
def test_headless_simulator_mode_answers_a_card_and_stops_what_it_started(tmp_path: Path) -> None:
    home = tmp_path / "sim"
    with simulator_mode(home, "--no-ui", "--card-reader", "in_process") as run:
        ready = run.ready
        assert ready["card_slot"] == "in_process" and "in-process" in ready["card_reader"]
        assert (home / "dock-url").read_text().strip() == ready["dock_url"]
        assert ready["dock_url"].startswith("http://127.0.0.1:")
        assert ready["service_url"].startswith("https://127.0.0.1:")
        assert process_running(ready["service_pid"])
        state = run.dock("GET", "api/state")
        assert state["station"] == ready["station"] and state["card"]["slot"] == "in_process"

        run.dock("POST", "api/card/insert", {"iin": _listed_here(run), "profile": "id-card"})
        run.wait_for_line("screen: Answer")
        assert run.dock("GET", "api/state")["spoken"], "the answer is spoken"

        os.kill(run.process.pid, signal.SIGTERM)
        assert run.process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while process_running(ready["service_pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(ready["service_pid"]), "the service child outlived simulator mode"
    assert (home / "journal" / "journal.sqlite3").exists()


@pytest.mark.slow
@pytest.mark.pcscd
def test_headless_simulator_mode_reads_a_virtual_card_through_pcscd(pcscd: Any, tmp_path: Path) -> None:
    with simulator_mode(tmp_path / "sim", "--no-ui", "--card-reader", "pcsc") as run:
        assert run.ready["card_slot"] == "vpcd" and "already running" in run.ready["card_reader"]
        run.dock("POST", "api/card/insert", {"iin": _listed_here(run), "profile": "id-card"})
        run.wait_for_line("screen: Answer")
        run.dock("POST", "api/card/remove")
        os.kill(run.process.pid, signal.SIGTERM)
        assert run.process.wait(timeout=30) == 0
    assert pcsc_reader_names() is not None, "a pcscd simulator mode did not start must be left running"


@pytest.mark.slow
@pytest.mark.ui
def test_the_app_runs_without_a_display_and_answers_a_card(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if name not in ("DISPLAY", "SDL_VIDEODRIVER")}
    environment.update(KIVY_NO_CONSOLELOG="1", KIVY_NO_FILELOG="1", KIVY_HOME=str(tmp_path / "kivy"))
    with simulator_mode(tmp_path / "sim", "--card-reader", "in_process", environment=environment) as run:
        display = run.ready["display"]
        assert display.startswith(("Xvfb on :", "SDL offscreen"))
        station = str(run.ready["station"])
        before = len(run.dock("GET", "api/state")["spoken"])
        run.dock("POST", "api/card/insert", {"iin": _listed_here(run), "profile": "id-card"})
        deadline = time.monotonic() + ANSWER_TIMEOUT
        said: list[str] = []
        while time.monotonic() < deadline and not any(station in text for text in said):
            spoken = run.dock("GET", "api/state")["spoken"]  # newest first
            said = [line["text"] for line in spoken[: len(spoken) - before]]
            time.sleep(0.2)
        assert any(station in text for text in said), f"no answer naming station {station} was spoken: {said}"
        os.kill(run.process.pid, signal.SIGTERM)
        assert run.process.wait(timeout=30) == 0
    if display.startswith("Xvfb"):
        pid = int(display.rsplit("pid ", 1)[1].rstrip(")"))
        deadline = time.monotonic() + 10
        while process_running(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not process_running(pid), "the Xvfb simulator mode started outlived it"


def test_a_missing_display_gets_xvfb_or_offscreen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    if xvfb_available():
        choices = Choices()
        with contextlib.ExitStack() as stack:
            prepare_display(stack, choices)
            display = os.environ["DISPLAY"]
            assert display.startswith(":") and "Xvfb" in choices.display
            assert Path(f"/tmp/.X11-unix/X{display[1:]}").exists()
        # stopped on exit: its socket is gone
        deadline = time.monotonic() + 5
        while Path(f"/tmp/.X11-unix/X{display[1:]}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not Path(f"/tmp/.X11-unix/X{display[1:]}").exists()
        monkeypatch.delenv("DISPLAY")
    monkeypatch.setenv("PATH", str(tmp_path))  # no Xvfb on this PATH
    choices = Choices()
    with contextlib.ExitStack() as stack:
        prepare_display(stack, choices)
    assert os.environ["SDL_VIDEODRIVER"] == "offscreen" and "offscreen" in choices.display
    assert "DISPLAY" not in os.environ


def test_a_present_display_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.delenv("SDL_VIDEODRIVER", raising=False)
    choices = Choices()
    with contextlib.ExitStack() as stack:
        prepare_display(stack, choices)
    assert choices.display == "X display :42" and "SDL_VIDEODRIVER" not in os.environ


def test_the_in_process_reader_is_chosen_when_asked(tmp_path: Path) -> None:
    choices = Choices()
    with contextlib.ExitStack() as stack:
        slot, reader = choose_card_slot(stack, tmp_path, "in_process", choices)
    assert slot.kind == "in_process" and reader is not None and slot.reader_name == reader.name
    assert "in-process" in choices.card_reader

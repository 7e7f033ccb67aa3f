"""Cold start of the voter app: median seconds from process start to the attract screen drawn, and resident memory.

Run from the repository root (no display needed: Xvfb is started when DISPLAY is unset, else SDL offscreen):

    .venv/bin/python benchmarks/ui_cold_start.py [--runs 5]

The simulated service is started once, outside the measurement, and one uncounted warm-up run fills the OS
file cache and Mesa's shader cache. Each run is a fresh Python process (the kiosk
app as ``kiosk run`` builds it in simulator mode: signed service client and the station's details fetched from
the service, journal and outbox, in-process card reader, simulated scanner, printer and speaker, then the Kivy
app); the clock starts just before the process is spawned and stops at the first frame flipped to the screen
with the attract screen current. VmRSS is read from /proc at that moment. Budgets (issue 4): 2.5 s, 250 MB.
"""

# ruff: noqa: PLC0415  (the parent must not pay for what the measured child imports, nor the child before its clock)

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET_SECONDS = 2.5
BUDGET_MEGABYTES = 250.0
CHILD_TIMEOUT_SECONDS = 60.0


def quiet_kivy_environment(kivy_home: Path) -> dict[str, str]:
    """Kivy without console or file logs, argument parsing, or a user configuration (PLATFORM.md).

    Mesa's shader cache stays on, as on a station after its first boot: the uncounted warm-up run fills it.
    Without it llvmpipe compiles every shader again and the first frame alone takes seconds.
    """
    return {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1",
            "KIVY_NO_CONFIG": "1", "KIVY_HOME": str(kivy_home)}


def resident_megabytes() -> float:
    """This process's VmRSS in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def when_screen_drawn(screen_name: str, on_drawn: Any) -> None:
    """Call ``on_drawn()`` (on the UI thread) at the first frame flipped while ``screen_name`` is current."""
    from kivy.app import App
    from kivy.clock import Clock

    def look(_delta: float) -> bool:
        app = App.get_running_app()
        if app is None or app.root is None or app.root.ids.screens.current != screen_name:
            return True
        from kivy.core.window import Window

        def flipped(*_args: object) -> None:
            Window.unbind(on_flip=flipped)
            on_drawn()

        Window.bind(on_flip=flipped)
        return False

    Clock.schedule_interval(look, 0)


def child(home: Path, started_at: float) -> None:
    """One cold start: build the app's parts against the running service, run the app, report at the attract."""
    import dataclasses

    from kiosk.config import CardReaderConfig, load_config
    from kiosk.simulator_mode import Choices, build_voter_parts, choose_speaker
    from simulator.cards.inprocess import InProcessCardReader
    from simulator.printer import SimPrinter
    from simulator.scanner import SimCodeScanner

    config = dataclasses.replace(load_config(home / "kiosk.json"), card_reader=CardReaderConfig(kind="in_process"))
    stack = contextlib.ExitStack()
    parts = build_voter_parts(config, stack=stack, state_directory=home, card_reader=InProcessCardReader(),
                              scanner=SimCodeScanner(), printer=SimPrinter(home / "printouts"),
                              speaker=choose_speaker(stack, Choices(), wav_directory=home / "speech"))

    def drawn() -> None:
        seconds = time.time() - started_at
        print(json.dumps({"seconds": seconds, "resident_mb": resident_megabytes()}), flush=True)
        os._exit(0)  # measured: skip the clean-up, the parent removes the directory

    when_screen_drawn("attract", drawn)
    from kiosk.ui.app import run_voter_app

    run_voter_app(parts, fullscreen=False)


def measure(home: Path, kivy_home: Path) -> dict[str, float]:
    """Spawn one cold start and return its report."""
    environment = quiet_kivy_environment(kivy_home)
    started_at = time.time()
    completed = subprocess.run(
        [sys.executable, __file__, "--child", str(home), repr(started_at)],
        capture_output=True, text=True, env=environment, timeout=CHILD_TIMEOUT_SECONDS, check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
    if completed.returncode != 0 or not lines:
        raise SystemExit(f"the cold start failed (status {completed.returncode}):\n{completed.stderr[-3000:]}")
    report: dict[str, float] = json.loads(lines[-1])
    return report


def main() -> None:
    """Start the service and a display once, then time ``--runs`` cold starts."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("HOME", "STARTED_AT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), float(args.child[1]))
        return

    from kiosk.simulator_mode import Choices, prepare_display
    from simulator.dock.processes import start_service
    from simulator.egov.world import prepare

    with tempfile.TemporaryDirectory(prefix="ui-cold-start-") as directory, contextlib.ExitStack() as stack:
        home = Path(directory) / "sim"
        choices = Choices()
        prepare_display(stack, choices)
        _paths, station = prepare(home)
        service = start_service(home, station=station)
        stack.callback(service.stop)
        print(f"display: {choices.display}; service: {service.base_url}")
        measure(home, Path(directory) / "kivy-warm-up")  # not counted: the first start fills the OS file cache
        results = [measure(home, Path(directory) / f"kivy-{run}") for run in range(args.runs)]
    seconds = statistics.median(result["seconds"] for result in results)
    megabytes = statistics.median(result["resident_mb"] for result in results)
    print(f"load average (1, 5, 15 min): {' '.join(f'{value:.1f}' for value in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    print(f"runs: {args.runs}; each: " + ", ".join(f"{result['seconds']:.2f} s" for result in results))
    print(f"cold start to attract screen drawn: median {seconds:.2f} s "
          f"(budget {BUDGET_SECONDS} s, ratio {seconds / BUDGET_SECONDS:.2f})")
    print(f"resident memory at that point:      median {megabytes:.0f} MiB "
          f"(budget {BUDGET_MEGABYTES:.0f} MB, ratio {megabytes / BUDGET_MEGABYTES:.2f})")


if __name__ == "__main__":
    main()

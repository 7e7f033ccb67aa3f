"""Card to answer on screen: median milliseconds from PC/SC reporting the card present to the answer drawn.

Run as root from the repository root (starts pcscd if none is running and stops only the one it started; starts
Xvfb when DISPLAY is unset):

    .venv/bin/python benchmarks/card_to_answer.py [--runs 20]

The kiosk app runs in this process exactly as ``kiosk run --simulator`` composes it with pcscd: the voter app
(``kiosk.ui.app.run_voter_app``) on ``VoterParts`` whose card reader is ``PcscCardReader("Virtual PCD 00 00")``,
the simulated service on loopback (signed requests, verified answers). A driver thread, for each of ``--runs``
voters listed at this station, waits for the attract screen, connects that voter's virtual ID card to vpcd,
and starts the clock when PC/SC reports the card present (its own ``SCardGetStatusChange``, woken by the same
pcscd event as the kiosk's reader); the clock stops at the first frame flipped to the screen with the answer
screen current. Then it takes the card out and finishes the session. Budget (issue 4): 150 ms.
"""

# ruff: noqa: PLC0415  (Kivy reads its environment when first imported: it is imported after main() sets it)

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from smartcard import scard

if TYPE_CHECKING:
    from simulator.cards.vpcd import VpcdCardClient
    from simulator.cards.world import SimulatedCard

BUDGET_MS = 150.0
WAIT_SECONDS = 30.0
SETTLE_SECONDS = 0.3  # after the attract screen is back, as a voter would take a moment


class FrameWatch:
    """Notes the first frame flipped while a named screen is current (set up on the UI thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wanted: str | None = None
        self._drawn = threading.Event()
        self.drawn_at = 0.0
        self.screen_entered: dict[str, float] = {}

    def transition(self, transition: object) -> None:
        """A runtime listener (UI thread): when each screen of the session was entered."""
        name = transition.state.screen.name  # type: ignore[attr-defined]
        self.screen_entered.setdefault(name, time.perf_counter())

    def expect(self, screen_name: str) -> None:
        """Wait for ``screen_name`` from now on."""
        with self._lock:
            self._wanted = screen_name
            self._drawn.clear()

    def wait(self, timeout: float) -> float:
        """The ``perf_counter`` instant the expected screen was first drawn."""
        if not self._drawn.wait(timeout):
            raise SystemExit(f"the {self._wanted} screen was not drawn within {timeout} s")
        return self.drawn_at

    def flipped(self, *_args: object) -> None:
        """Window.on_flip: the frame just drawn is on the screen."""
        from kivy.app import App

        app = App.get_running_app()
        with self._lock:
            if self._wanted is None or app is None or app.root is None:
                return
            if app.root.ids.screens.current == self._wanted:
                self.drawn_at = time.perf_counter()
                self._wanted = None
                self._drawn.set()


def wait_until_present(reader_prefix: str, timeout: float) -> float:
    """Block until PC/SC reports a card in the reader named ``reader_prefix...``; the ``perf_counter`` then."""
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if result != scard.SCARD_S_SUCCESS:
        raise SystemExit("pcscd is not answering")
    try:
        result, readers = scard.SCardListReaders(context, [])
        reader = next(name for name in readers if name.startswith(reader_prefix))
        known = scard.SCARD_STATE_UNAWARE
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            milliseconds = max(1, int((deadline - time.monotonic()) * 1000))
            result, states = scard.SCardGetStatusChange(context, milliseconds, [(reader, known)])
            if result != scard.SCARD_S_SUCCESS:
                continue
            state = states[0][1]
            if state & scard.SCARD_STATE_PRESENT and not state & scard.SCARD_STATE_MUTE:
                return time.perf_counter()
            known = state & ~scard.SCARD_STATE_CHANGED
        raise SystemExit(f"PC/SC did not report the card within {timeout} s")
    finally:
        scard.SCardReleaseContext(context)


PHASES = (
    ("PC/SC present -> reading screen", "present", "reading_document"),
    ("card read and verified", "reading_document", "checking"),
    ("registration check (signed HTTPS)", "checking", "answer"),
    ("answer screen rendered and drawn", "answer", "drawn"),
)


def drive(cards: list[SimulatedCard], client: VpcdCardClient, watch: FrameWatch, results: list[float],
          phases: list[dict[str, float]], failure: list[str]) -> None:
    """The driver thread: insert each card at the attract screen and time it to the answer drawn."""
    from kivy.app import App
    from kivy.clock import Clock

    from kiosk.core.voter_session_events import Finish
    from simulator.cards.vpcd import VPCD_READER_PREFIX

    try:
        for simulated in cards:
            watch.wait(WAIT_SECONDS)  # the attract screen expected before (start, or the last Finish)
            time.sleep(SETTLE_SECONDS)
            watch.expect("answer")
            watch.screen_entered.clear()
            client.insert(simulated.card)
            present_at = wait_until_present(VPCD_READER_PREFIX, WAIT_SECONDS)
            drawn_at = watch.wait(WAIT_SECONDS)
            results.append((drawn_at - present_at) * 1000)
            instants = {**watch.screen_entered, "present": present_at, "drawn": drawn_at}
            phases.append({label: (instants[end] - instants[start]) * 1000 for label, start, end in PHASES
                           if start in instants and end in instants})
            watch.expect("attract")
            client.remove()
            runtime = App.get_running_app().runtime
            runtime.post_event(Finish())
        watch.wait(WAIT_SECONDS)
    except BaseException as error:  # reported by the main thread after the app stops
        failure.append(f"{type(error).__name__}: {error}")
    finally:
        Clock.schedule_once(lambda _delta: App.get_running_app().stop(), 0)


def main() -> None:
    """Start pcscd, the service, a display and the app; time ``--runs`` cards; print the median and ratio."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")

    from kiosk.config import CardReaderConfig, load_config
    from kiosk.simulator_mode import Choices, build_voter_parts, choose_speaker, prepare_display
    from kiosk.wiring import card_reader
    from simulator.cards.vpcd import VPCD_READER_PREFIX, VpcdCardClient
    from simulator.cards.world import card_for
    from simulator.dock.processes import start_or_reuse_pcscd, start_service
    from simulator.egov.population import sample_voters
    from simulator.egov.world import prepare
    from simulator.printer import SimPrinter
    from simulator.scanner import SimCodeScanner

    results: list[float] = []
    phases: list[dict[str, float]] = []
    failure: list[str] = []
    with tempfile.TemporaryDirectory(prefix="card-to-answer-") as directory, contextlib.ExitStack() as stack:
        home = Path(directory) / "sim"
        os.environ.setdefault("KIVY_HOME", str(Path(directory) / "kivy"))
        choices = Choices()
        prepare_display(stack, choices)
        from kiosk.ui.app import run_voter_app  # after the display is chosen: importing it opens the window
        pcscd = start_or_reuse_pcscd(Path(directory) / "logs")
        stack.callback(pcscd.stop)
        paths, station = prepare(home)
        service = start_service(home, station=station)
        stack.callback(service.stop)
        config = dataclasses.replace(load_config(paths.kiosk_config),
                                     card_reader=CardReaderConfig(kind="pcsc", reader_prefix=VPCD_READER_PREFIX))
        reader = card_reader(config)
        client = VpcdCardClient()
        stack.callback(client.close)
        scanner = SimCodeScanner()
        stack.callback(scanner.close)
        parts = build_voter_parts(config, stack=stack, state_directory=home, card_reader=reader, scanner=scanner,
                                  printer=SimPrinter(home / "printouts"),
                                  speaker=choose_speaker(stack, Choices(), wav_directory=home / "speech"))
        voters = sample_voters(paths.database, "listed_here", args.runs, station=station)
        cards = [card_for(home, iin, "id-card") for iin in voters]
        print(f"display: {choices.display}; pcscd: {'started here' if pcscd.started_here else 'already running'}; "
              f"service: {service.base_url}; {len(cards)} voters listed at station {station}")

        from kivy.clock import Clock
        from kivy.core.window import Window

        watch = FrameWatch()
        watch.expect("attract")
        Window.bind(on_flip=watch.flipped)

        def start_driver(_delta: float) -> None:
            from kivy.app import App

            App.get_running_app().runtime.add_listener(watch.transition)
            threading.Thread(target=drive, args=(cards, client, watch, results, phases, failure),
                             name="benchmark-driver", daemon=True).start()

        Clock.schedule_once(start_driver, 0)
        run_voter_app(parts, fullscreen=False)
    if failure:
        raise SystemExit(f"the benchmark failed: {failure[0]}")
    median = statistics.median(results)
    print(f"load average (1, 5, 15 min): {' '.join(f'{value:.1f}' for value in os.getloadavg())} "
          f"on {os.cpu_count()} CPUs")
    print(f"runs: {len(results)}; min {min(results):.1f} ms, max {max(results):.1f} ms")
    for label, _start, _end in PHASES:
        values = [phase[label] for phase in phases if label in phase]
        if values:
            print(f"  {label:<36} median {statistics.median(values):7.1f} ms")
    print(f"PC/SC card present -> answer drawn: median {median:.1f} ms "
          f"(budget {BUDGET_MS:.0f} ms, ratio {median / BUDGET_MS:.2f})")


if __name__ == "__main__":
    main()

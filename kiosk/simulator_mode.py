"""``kiosk run --simulator``: the kiosk app on simulated parts, with the developer dock to drive them.

The composition root of simulator mode and the only module of ``kiosk`` that imports ``simulator`` (DESIGN.md
section 3); the voter parts come from ``kiosk.wiring.build_voter_parts``, as on a real station. It prepares the
simulated world under the simulator's home (``$KIOSK_SIM_HOME`` or ``<kiosk home>/sim``), starts ``kiosk-sim egov
serve`` as a child, chooses the card reader (pcscd with the vpcd virtual reader when it runs or can be started
here, else the in-process reader), the simulated scanner and printer (printouts in ``<sim home>/printouts``), the
speaker (espeak-ng when it can be heard, else the simulator's), the journal and outbox (``<sim home>/journal``),
starts the dock, and runs the voter app. Everything it started is stopped by PID on the way out; a pcscd it did
not start is left alone.

``python -m kiosk.simulator_mode --no-ui`` runs the same composition with the voter session headless (screen
changes printed), until SIGINT or SIGTERM: for tests and benchmarks, and wherever no window is wanted.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import queue
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal

from drivers.card.channel import CardReader
from drivers.errors import DriverError
from kiosk.config import CardReaderConfig, KioskConfig, kiosk_home, load_config
from kiosk.config_sections import JournalFiles
from kiosk.egov.errors import ServiceError
from kiosk.errors import KioskError
from kiosk.runtime.parts import Speaker, VoterParts
from kiosk.wiring import build_voter_parts as build_parts
from kiosk.wiring import card_reader as configured_card_reader
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.vpcd import VPCD_READER_PREFIX, VpcdCardClient
from simulator.dock.card_slots import CardSlot, InProcessCardSlot, VpcdCardSlot
from simulator.dock.processes import (
    PcscdHandle,
    ServiceProcess,
    SimulatorStartError,
    pcscd_unavailable_reason,
    start_or_reuse_pcscd,
    start_service,
    start_xvfb,
    xvfb_available,
)
from simulator.dock.spoken import SpokenRecorder

if TYPE_CHECKING:  # the dock's server, the world and the simulated devices load in start_simulator
    from kiosk.runtime.commission import CommissionParts
    from simulator.dock.server import DockServer
    from simulator.printer import SimPrinter
    from simulator.scanner import SimCodeScanner

CardReaderChoice = Literal["auto", "pcsc", "in_process"]


@dataclass(frozen=True, slots=True)
class SimulatorOptions:
    """How to run simulator mode. ``home`` None: ``$KIOSK_SIM_HOME`` or ``<kiosk home>/sim``."""

    home: Path | None = None
    ui: bool = True
    fullscreen: bool = False
    card_reader: CardReaderChoice = "auto"
    dock_port: int = 0
    service_port: int = 0
    ready_file: Path | None = None
    commission: bool = False  # the commission member's app instead of the voter's


@dataclass
class Choices:
    """What simulator mode chose and why, for the banner and the ready file."""

    display: str = "none (headless)"
    card_reader: str = ""
    speaker: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class RunningSimulator:
    """Everything started, ready for the app: the voter parts, the dock and what was chosen."""

    home: Path
    config: KioskConfig
    parts: VoterParts
    dock: DockServer
    service: ServiceProcess
    choices: Choices
    recorder: SpokenRecorder
    printer: SimPrinter
    scanner: SimCodeScanner
    slot: CardSlot
    commission_parts: CommissionParts | None = None

    def describe(self) -> dict[str, Any]:
        """The ready file's content: where the dock and the service are and what was chosen."""
        return {"pid": os.getpid(), "home": str(self.home), "dock_url": self.dock.url,
                "service_url": self.service.base_url, "service_pid": self.service.process.pid,
                "station": self.config.station,
                "card_reader": self.choices.card_reader, "card_slot": self.slot.kind,
                "reader_name": self.slot.reader_name, "speaker": self.choices.speaker,
                "display": self.choices.display, "printouts": str(self.home / "printouts")}


def simulator_home(options: SimulatorOptions) -> Path:
    """The simulator's state directory."""
    if options.home is not None:
        return options.home
    configured = os.environ.get("KIOSK_SIM_HOME")
    return Path(configured) if configured else kiosk_home() / "sim"


# --- the parts ----------------------------------------------------------------------------------------------


def prepare_display(stack: contextlib.ExitStack, choices: Choices) -> None:
    """Give Kivy somewhere to draw: the present ``DISPLAY``, else Xvfb (stopped on exit), else SDL offscreen."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # Kivy must not parse simulator mode's own options
    if os.environ.get("DISPLAY"):
        choices.display = f"X display {os.environ['DISPLAY']}"
        return
    if xvfb_available():
        xvfb = start_xvfb()
        stack.callback(xvfb.stop)
        os.environ["DISPLAY"] = xvfb.display
        choices.display = f"Xvfb on {xvfb.display} (no DISPLAY was set; pid {xvfb.process.pid})"
        return
    os.environ["SDL_VIDEODRIVER"] = "offscreen"
    choices.display = "SDL offscreen (no DISPLAY and no Xvfb: nothing visible, use the dock and the printouts)"


def simulator_journal(home: Path) -> JournalFiles:
    """The simulator's journal, outbox and station secret: under ``<sim home>/journal``."""
    return JournalFiles(path=home / "journal" / "journal.sqlite3", secret_path=home / "journal" / "station-secret")


def choose_card_slot(
    stack: contextlib.ExitStack, home: Path, wanted: CardReaderChoice, choices: Choices
) -> tuple[CardSlot, InProcessCardReader | None]:
    """pcscd with the vpcd reader where it runs or can be started here (root), else the in-process reader.

    Returns the dock's slot and, when the card stays inside this process, the in-process reader.
    """
    reason = None if wanted == "in_process" else pcscd_unavailable_reason()
    if wanted == "pcsc" and reason is not None:
        raise SimulatorStartError(f"the PC/SC card reader was asked for, but {reason}")
    if wanted != "in_process" and reason is None:
        pcscd: PcscdHandle = start_or_reuse_pcscd(home / "logs")
        stack.callback(pcscd.stop)
        client = VpcdCardClient()
        stack.callback(client.close)
        origin = f"started here, pid {pcscd.process.pid}" if pcscd.process is not None else "already running"
        choices.card_reader = f"PC/SC reader {VPCD_READER_PREFIX!r} through pcscd ({origin}) and vsmartcard-vpcd"
        return VpcdCardSlot(client), None
    in_process = InProcessCardReader()
    why = "asked for" if wanted == "in_process" else reason
    choices.card_reader = f"in-process virtual reader ({why})"
    return InProcessCardSlot(in_process), in_process


def choose_speaker(stack: contextlib.ExitStack, choices: Choices, *, wav_directory: Path) -> Speaker:
    """espeak-ng through an audio player when both are installed, else the simulator's speaker (which records
    what is said, and writes it as WAV files into ``wav_directory`` when espeak-ng is there)."""
    from drivers.speech.errors import SpeechDependencyMissing  # noqa: PLC0415  (speech loads when chosen)
    from drivers.speech.espeak import EspeakSpeaker, find_player  # noqa: PLC0415

    espeak = shutil.which("espeak-ng") is not None
    if espeak:
        try:
            player = find_player()
        except SpeechDependencyMissing as missing:
            choices.notes.append(f"speech: {missing}")
        else:
            speaker = EspeakSpeaker(player)
            stack.callback(speaker.close)
            choices.speaker = f"espeak-ng through {player.player.name}"
            return speaker
    from simulator.speech import SimSpeaker  # noqa: PLC0415

    simulated = SimSpeaker(wav_directory, synthesize=espeak)
    stack.callback(simulated.close)
    if espeak:
        choices.speaker = f"simulated speaker: no audio player, WAV files in {wav_directory}; text in the dock"
    else:
        choices.speaker = "simulated speaker: espeak-ng is not installed; text in the dock"
    return simulated


def build_voter_parts(
    config: KioskConfig,
    *,
    stack: contextlib.ExitStack,
    state_directory: Path,
    card_reader: CardReader,
    scanner: SimCodeScanner,
    printer: SimPrinter,
    speaker: Speaker,
) -> VoterParts:
    """The voter parts of simulator mode: ``kiosk.wiring.build_voter_parts`` (the one builder, shared with a real
    station) on the simulated devices, with the journal under ``state_directory`` and the station asked of the
    simulated service."""
    return build_parts(config, stack=stack, journal_files=simulator_journal(state_directory),
                       card_reader=card_reader, scanner=scanner, printer=printer, speaker=speaker)


def build_commission_parts(
    config: KioskConfig,
    *,
    stack: contextlib.ExitStack,
    home: Path,
    card_reader: CardReader,
    scanner: SimCodeScanner,
    printer: SimPrinter,
) -> CommissionParts:
    """The commission runtime's parts: the member card in ``card_reader`` (trusted: the simulated territorial
    commission CA), the desk over the configured service, the journal and outbox in ``<home>/journal``, exports in
    ``<home>/exports``. With the one simulated reader, voters are identified by QR code or typed IIN."""
    # Loaded here: only commission mode needs them (the voter parts come from kiosk.wiring).
    import datetime as dt  # noqa: PLC0415
    import functools  # noqa: PLC0415

    import requests  # noqa: PLC0415
    from cryptography import x509  # noqa: PLC0415

    from kiosk.commission_day import DecisionRegister  # noqa: PLC0415
    from kiosk.commission_desk import CommissionDesk  # noqa: PLC0415
    from kiosk.commission_documents import self_issued_device_certificate  # noqa: PLC0415
    from kiosk.egov.client import EgovClient  # noqa: PLC0415
    from kiosk.i18n import translator  # noqa: PLC0415
    from kiosk.journal.evidence import ResponseEvidence  # noqa: PLC0415
    from kiosk.journal.journal import Journal  # noqa: PLC0415
    from kiosk.journal.outbox import Outbox  # noqa: PLC0415
    from kiosk.journal.secret import load_or_create_secret  # noqa: PLC0415
    from kiosk.journal.sender import OutboxSender  # noqa: PLC0415
    from kiosk.runtime.commission import CommissionParts, member_card_reader  # noqa: PLC0415
    from kiosk.wiring import open_device_key  # noqa: PLC0415
    from simulator.cards.world import CardIssuerPaths  # noqa: PLC0415

    evidence = ResponseEvidence()
    keystore = open_device_key(config)
    client = EgovClient(
        base_url=config.service.base_url, signer=keystore, service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file), station=config.station, session=evidence.install(requests.Session()),
    )
    stack.callback(client.close)
    journal_directory = home / "journal"
    journal = Journal.open(journal_directory / "journal.sqlite3", signer=keystore,
                           secret=load_or_create_secret(journal_directory / "station-secret"))
    stack.callback(journal.close)
    sender = OutboxSender(Outbox(journal), client, evidence=evidence)
    sender.start()
    stack.callback(sender.stop)
    register = DecisionRegister(journal)
    certificate = self_issued_device_certificate(keystore, station=config.station)
    translate = functools.cache(translator)
    desk = CommissionDesk(service=client, sender=sender, register=register, journal=journal, keystore=keystore,
                          certificate=certificate, printer=printer, translator_for=translate)
    commission_ca = x509.load_pem_x509_certificate(
        (CardIssuerPaths(home).national_pki / "commission-ca.pem").read_bytes())
    return CommissionParts(
        member_reader=card_reader, read_member=member_card_reader(config.id_card_profile, commission_ca, None),
        desk=desk, register=register, journal=journal, summary_printer=printer, keystore=keystore,
        certificate=certificate, export_directory=home / "exports", station=client.station_info(),
        translator=translate, clock=lambda: dt.datetime.now().astimezone(), documents=client, scanner=scanner,
        document_issuers=config.document_issuers,
    )


def start_simulator(options: SimulatorOptions, stack: contextlib.ExitStack) -> RunningSimulator:
    """Start every simulated part, the service and the dock (each stop registered on ``stack``)."""
    # Loaded here, not at the top, so that a process building only the voter parts (the cold-start benchmark)
    # does not pay for the dock's web server and the world's generators.
    from simulator.dock.controls import DockControls  # noqa: PLC0415
    from simulator.dock.server import DockServer  # noqa: PLC0415
    from simulator.dock.service_control import ServiceControl  # noqa: PLC0415
    from simulator.egov.world import prepare  # noqa: PLC0415
    from simulator.printer import SimPrinter  # noqa: PLC0415
    from simulator.scanner import SimCodeScanner  # noqa: PLC0415

    home = simulator_home(options)
    choices = Choices()
    if options.ui:
        prepare_display(stack, choices)
    paths, station = prepare(home)
    service = start_service(home, station=station, port=options.service_port)
    stack.callback(service.stop)
    config = load_config(paths.kiosk_config)
    slot, in_process = choose_card_slot(stack, home, options.card_reader, choices)
    reader_config = (CardReaderConfig(kind="in_process") if in_process is not None
                     else CardReaderConfig(kind="pcsc", reader_prefix=VPCD_READER_PREFIX))
    config = dataclasses.replace(config, card_reader=reader_config)
    reader = configured_card_reader(config, in_process=in_process)
    close_reader = getattr(reader, "close", None)
    if close_reader is not None:
        stack.callback(close_reader)
    scanner = SimCodeScanner()
    stack.callback(scanner.close)
    printer = SimPrinter(home / "printouts")
    recorder = SpokenRecorder(choose_speaker(stack, choices, wav_directory=home / "speech"))
    parts = build_voter_parts(config, stack=stack, state_directory=home, card_reader=reader, scanner=scanner,
                              printer=printer, speaker=recorder)
    commission_parts = None
    if options.commission:
        commission_parts = build_commission_parts(config, stack=stack, home=home, card_reader=reader,
                                                  scanner=scanner, printer=printer)
    controls = DockControls(home=home, station=config.station, slot=slot, scanner=scanner,
                            service=ServiceControl.for_home(home, service.base_url), printer=printer,
                            spoken=recorder.history)
    dock = DockServer(controls, port=options.dock_port)
    dock.start()
    stack.callback(dock.stop)
    dock.write_url_file(home)
    return RunningSimulator(home=home, config=config, parts=parts, dock=dock, service=service, choices=choices,
                            recorder=recorder, printer=printer, scanner=scanner, slot=slot,
                            commission_parts=commission_parts)


def banner(running: RunningSimulator) -> str:
    """The few lines printed at start: the dock's URL and what was chosen."""
    lines = [
        "",
        "Kiosk simulator",
        f"  dock (control panel): {running.dock.url}",
        f"  simulated service:    {running.service.base_url} (station {running.config.station}; "
        f"log {running.service.log_path})",
        f"  card reader:          {running.choices.card_reader}",
        f"  speech:               {running.choices.speaker}",
        f"  display:              {running.choices.display}",
        f"  printouts:            {running.home / 'printouts'}",
        "Open the dock in a browser to insert cards and show QR codes; Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines + running.choices.notes)


# --- running -----------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the run like Ctrl-C, so every clean-up (children stopped by PID) runs."""
    def interrupt(signal_number: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_headless(parts: VoterParts, stop: threading.Event, *, report: Callable[[str], None] = print) -> None:
    """Run the voter session without a window until ``stop``: posted work runs on this thread."""
    from kiosk.runtime.voter import VoterRuntime  # noqa: PLC0415

    posted: queue.Queue[Callable[[], None]] = queue.Queue()
    runtime = VoterRuntime(parts, posted.put)

    shown = [""]

    def screen_changed(transition: Any) -> None:
        name = type(transition.state.screen).__name__  # the screen's kind only: never what it shows
        if name != shown[0]:
            shown[0] = name
            report(f"screen: {name}")

    runtime.add_listener(screen_changed)
    runtime.start()
    try:
        while not stop.is_set():
            try:
                task = posted.get(timeout=0.2)
            except queue.Empty:
                continue
            task()
    finally:
        runtime.stop()


def run_simulator(options: SimulatorOptions) -> int:
    """Run simulator mode until the app closes (or, headless, until SIGINT or SIGTERM); 1 with the reason printed
    when a part cannot start."""
    with _terminate_as_interrupt(), contextlib.ExitStack() as stack:
        try:
            running = start_simulator(options, stack)
        except KeyboardInterrupt:
            return 130
        except (SimulatorStartError, KioskError, ServiceError, DriverError) as error:
            print(f"kiosk: simulator mode cannot start: {error}", file=sys.stderr)
            return 1
        print(banner(running), flush=True)
        if options.ready_file is not None:
            _write_private(options.ready_file, json.dumps(running.describe()))
        try:
            if options.ui and running.commission_parts is not None:
                from kiosk.ui.commission.app import run_commission_app  # noqa: PLC0415  (Kivy loads here only)

                run_commission_app(running.commission_parts, fullscreen=options.fullscreen)
            elif options.ui:
                from kiosk.ui.app import run_voter_app  # noqa: PLC0415  (Kivy loads only for the window)

                run_voter_app(running.parts, fullscreen=options.fullscreen)
            else:
                run_headless(running.parts, threading.Event())
        except KeyboardInterrupt:
            print("\nkiosk simulator: stopping", flush=True)
    return 0


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, readable by us only (it carries the dock's token)."""
    temporary = path.with_suffix(".tmp")
    temporary.unlink(missing_ok=True)
    temporary.touch(mode=0o600)
    temporary.write_text(text)
    temporary.replace(path)


def run_simulator_demo(*, fullscreen: bool = False, commission: bool = False) -> int:
    """What ``kiosk run --simulator [--commission]`` calls: simulator mode with the window."""
    return run_simulator(SimulatorOptions(fullscreen=fullscreen, commission=commission))


def build_parser() -> argparse.ArgumentParser:
    """Options of ``python -m kiosk.simulator_mode`` (the same as ``kiosk run --simulator``'s, plus test ones)."""
    parser = argparse.ArgumentParser(prog="kiosk.simulator_mode", description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=None, help="simulator state directory")
    parser.add_argument("--no-ui", action="store_true", help="no window: the voter session runs headless")
    parser.add_argument("--fullscreen", action="store_true", help="full-screen window, as on a station")
    parser.add_argument("--card-reader", choices=("auto", "pcsc", "in_process"), default="auto")
    parser.add_argument("--dock-port", type=int, default=0, help="the dock's port (0: any free port)")
    parser.add_argument("--commission", action="store_true",
                        help="the commission member's app (insert the member card from the dock, PIN 1234)")
    parser.add_argument("--ready-file", type=Path, default=None,
                        help="write a JSON description here once everything runs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m kiosk.simulator_mode``."""
    args = build_parser().parse_args(argv)
    return run_simulator(SimulatorOptions(home=args.home, ui=not args.no_ui, fullscreen=args.fullscreen,
                                          card_reader=args.card_reader, dock_port=args.dock_port,
                                          ready_file=args.ready_file, commission=args.commission))


if __name__ == "__main__":
    sys.exit(main())

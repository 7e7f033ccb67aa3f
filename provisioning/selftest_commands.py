"""``kiosk-provision selftest [--json] [--print] [--config F]``: test every part and report (issue 6, item 4).

The checks are bound to the parts the kiosk configuration names: the card reader (``card_reader``), the
service (``service``: TLS against ``ca_file``, a ping signed with ``device_key``), the journal under the
kiosk's home. The kiosk configuration has no printer or scanner section yet; until it has, those parts come
from ``--simulator`` (the simulator's printer, writing files under ``$KIOSK_HOME/sim/printer``, and its
scanner) or are reported as not configured.

Exit codes: 0 nothing failed (warnings allowed), 1 a check failed or the report could not be printed,
2 the configuration cannot be read (the one-line reason is printed).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.card.channel import CardReader
from drivers.errors import DriverError
from drivers.printer.errors import PrinterError
from drivers.printer.receipt_printer import ReceiptPrinter
from drivers.scanner.code_scanner import CodeScanner
from kiosk.config import KioskConfig, default_config_path, kiosk_home, load_config
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.errors import KioskError
from kiosk.journal.journal import default_head_path, default_journal_path
from kiosk.wiring import card_reader, open_device_key, service_client
from provisioning.selftest import Check, CheckName, SelftestReport, render_printout, render_text, run_selftest
from provisioning.selftest_devices import (
    check_card_reader,
    check_disk,
    check_journal,
    check_printer,
    check_scanner,
    check_speech,
)
from provisioning.selftest_service import ServiceProbe, check_clock, probe_service

EXIT_PASSED = 0
EXIT_FAILED = 1

# One quick attempt: the self-test reports a slow or absent service, it does not wait it out.
SELFTEST_POLICY = RetryPolicy(attempts=1, connect_timeout=3.0, read_timeout=5.0, deadline=8.0, backoff=0.1)


@dataclass(frozen=True, slots=True)
class SelftestParts:
    """The parts to test: how to open each device (None: not configured), the service, the journal."""

    config: KioskConfig
    card_reader: Callable[[], CardReader] | None
    scanner: Callable[[], CodeScanner] | None
    printer: Callable[[], ReceiptPrinter] | None
    journal_path: Path
    head_path: Path | None = None
    policy: RetryPolicy = SELFTEST_POLICY


def parts_from_config(
    config: KioskConfig, *, journal_path: Path | None = None, simulator: bool = False
) -> SelftestParts:
    """The parts as the configuration names them (and, with ``simulator``, the simulator's printer and scanner)."""
    printer: Callable[[], ReceiptPrinter] | None = None
    scanner: Callable[[], CodeScanner] | None = None
    if simulator:
        from simulator.printer import SimPrinter  # noqa: PLC0415  (only when simulator parts are asked for)
        from simulator.scanner import SimCodeScanner  # noqa: PLC0415

        directory = kiosk_home() / "sim" / "printer"
        printer = lambda: SimPrinter(directory)  # noqa: E731
        scanner = SimCodeScanner
    return SelftestParts(
        config=config,
        card_reader=lambda: card_reader(config),
        scanner=scanner,
        printer=printer,
        journal_path=journal_path or default_journal_path(),
    )


def build_checks(parts: SelftestParts) -> list[tuple[CheckName, Check]]:
    """Every check, in report order, bound to its part; the service is probed once for TLS, ping and clock."""
    config = parts.config
    probed: list[ServiceProbe] = []

    def probe() -> ServiceProbe:
        if not probed:
            probed.append(probe_service(
                base_url=config.service.base_url, ca_file=str(config.service.ca_file), open_client=open_client
            ))
        return probed[0]

    def open_client() -> EgovClient:
        return service_client(config, policy=parts.policy)

    def public_key() -> ec.EllipticCurvePublicKey:
        return open_device_key(config).public_key()

    head_path = parts.head_path or default_head_path(parts.journal_path)
    return [
        ("card_reader", lambda: check_card_reader(parts.card_reader)),
        ("scanner", lambda: check_scanner(parts.scanner)),
        ("printer", lambda: check_printer(parts.printer)),
        ("speech", check_speech),
        ("service_tls", lambda: probe().tls),
        ("service_ping", lambda: probe().ping),
        ("clock", lambda: check_clock(probe().clock)),
        ("disk", lambda: check_disk(parts.journal_path.parent)),
        ("journal", lambda: check_journal(parts.journal_path, public_key, head_path=head_path)),
    ]


def run(parts: SelftestParts) -> SelftestReport:
    """Run the self-test over ``parts``."""
    try:
        key_id: str | None = open_device_key(parts.config).key_id
    except (KioskError, DriverError):  # the signed ping reports why the key cannot be opened
        key_id = None
    return run_selftest(build_checks(parts), station=parts.config.station, device_key_id=key_id)


def print_report(report: SelftestReport, printer: Callable[[], ReceiptPrinter] | None) -> str | None:
    """Print the report as a receipt; the reason it could not be printed, or None when it was."""
    if printer is None:
        return "no printer configured"
    try:
        printer().print(render_printout(report))
    except PrinterError as error:
        return str(error)
    return None


def _selftest(arguments: argparse.Namespace) -> int:
    config = load_config(arguments.config or default_config_path())
    parts = parts_from_config(config, journal_path=arguments.journal, simulator=arguments.simulator)
    report = run(parts)
    print_problem = print_report(report, parts.printer) if arguments.print else None
    if arguments.json:
        document = report.as_dict()
        if arguments.print:
            document["printed"] = print_problem is None
            document["print_error"] = print_problem
        print(json.dumps(document, ensure_ascii=False))
    else:
        print(render_text(report))
        if arguments.print:
            print("report printed" if print_problem is None else f"report NOT printed: {print_problem}")
    return EXIT_PASSED if report.passed and print_problem is None else EXIT_FAILED


def register(areas: Any) -> None:
    """Add ``selftest`` to the ``kiosk-provision`` sub-commands (``areas`` is argparse's subparsers object)."""
    parser = areas.add_parser(
        "selftest",
        help="test the card reader, scanner, printer, speech, service link, clock, disk and journal",
        description="Test every part of the kiosk and report each as OK, WARN or FAIL with what to do.",
        epilog="exit codes: 0 nothing failed, 1 a check failed or the report was not printed, "
               "2 the configuration cannot be read",
    )
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="kiosk configuration (default: $KIOSK_CONFIG or the simulator's)")
    parser.add_argument("--journal", type=Path, metavar="FILE",
                        help="the journal file (default: under $KIOSK_HOME)")
    parser.add_argument("--print", action="store_true", help="also print the report as a receipt")
    parser.add_argument("--simulator", action="store_true",
                        help="test the simulator's printer and scanner (the configuration names none yet)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=_selftest)

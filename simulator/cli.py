"""The ``kiosk-sim`` command: the simulated world (government services, population, cards, QR codes)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kiosk.config import kiosk_home

CATEGORIES = ("listed_here", "listed_elsewhere", "not_listed", "no_registration", "under_age")


def _sim_home(args: argparse.Namespace) -> Path:
    return Path(args.home) if args.home else kiosk_home() / "sim"


def _serve(args: argparse.Namespace) -> int:
    from simulator.egov.world import prepare, serve  # noqa: PLC0415

    paths, station = prepare(_sim_home(args), seed=args.seed, voters=args.voters, stations=args.stations,
                             station=args.station)

    def ready(base_url: str) -> None:
        print(f"kiosk-sim: serving {base_url} for station {station}; kiosk configuration: {paths.kiosk_config}",
              flush=True)
        if args.ready_file:
            Path(args.ready_file).write_text(base_url)

    serve(paths, station=station, port=args.port, workers=args.workers, on_ready=ready)
    return 0


def _control(args: argparse.Namespace, method: str, payload: dict[str, Any] | None) -> dict[str, Any]:
    home = _sim_home(args)
    config = json.loads((home / "kiosk.json").read_text())
    token = (home / "control-token").read_text().strip()
    context = ssl.create_default_context(cafile=str(home / "tls" / "ca.pem"))
    request = urllib.request.Request(  # noqa: S310  (https to the loopback simulator only)
        config["service"]["base_url"] + "/_sim/faults",
        method=method,
        data=None if payload is None else json.dumps(payload).encode(),
        headers={"X-Sim-Control": token, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, context=context, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


def _parse_setting(text: str) -> tuple[str, float | int]:
    name, _, value = text.partition("=")
    if not value:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got '{text}'")
    try:
        number: float | int = int(value) if name == "latency_ms" else float(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number") from error
    return name, number


def _faults(args: argparse.Namespace) -> int:
    settings: dict[str, Any] = dict(args.set or [])
    if args.clear:
        settings["clear"] = True
    try:
        current = _control(args, "POST" if settings else "GET", settings or None)
    except FileNotFoundError:
        print("kiosk-sim: the simulated service has not been started (kiosk-sim egov serve)", file=sys.stderr)
        return 1
    except urllib.error.HTTPError as error:
        print(f"kiosk-sim: {json.loads(error.read()).get('error', {}).get('message', error)}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as error:
        print(f"kiosk-sim: cannot reach the simulated service ({error})", file=sys.stderr)
        return 1
    print(json.dumps(current))
    return 0


def _enrollment_code(args: argparse.Namespace) -> int:
    import secrets  # noqa: PLC0415

    from simulator.egov.registry import Registry  # noqa: PLC0415

    database = _sim_home(args) / "registry.sqlite"
    if not database.exists():
        print("kiosk-sim: no registry yet (kiosk-sim egov serve creates it)", file=sys.stderr)
        return 1
    code = secrets.token_hex(4).upper()
    registry = Registry(database)
    try:
        if registry.station(args.station) is None:
            print(f"kiosk-sim: station {args.station} does not exist", file=sys.stderr)
            return 1
        registry.add_enrollment_code(code, args.station, dt.timedelta(hours=args.hours))
    finally:
        registry.close()
    print(code)
    return 0


def _generate(args: argparse.Namespace) -> int:
    from simulator.egov.population import generate_population  # noqa: PLC0415

    try:
        summary = generate_population(Path(args.db), seed=args.seed, voters=args.voters, stations=args.stations)
    except ValueError as error:
        print(f"kiosk-sim: {error}", file=sys.stderr)
        return 2
    print(summary)
    return 0


def _sample(args: argparse.Namespace) -> int:
    from simulator.egov.population import sample_voters  # noqa: PLC0415

    database = Path(args.db) if args.db else _sim_home(args) / "registry.sqlite"
    if not database.exists():
        print(f"kiosk-sim: no population database at {database}", file=sys.stderr)
        return 1
    for iin in sample_voters(database, args.category, args.limit, station=args.station):
        print(iin)
    return 0


def _qr_issue(args: argparse.Namespace) -> int:
    from kiosk.core.iin import InvalidIin, parse_iin  # noqa: PLC0415
    from simulator.egov import digital_documents  # noqa: PLC0415
    from simulator.egov.registry import Registry  # noqa: PLC0415

    try:
        iin = parse_iin(args.iin).value
    except InvalidIin as error:
        print(f"kiosk-sim: {error.message}", file=sys.stderr)
        return 2
    database = _sim_home(args) / "registry.sqlite"
    if not database.exists():
        print("kiosk-sim: no registry yet (kiosk-sim egov serve creates it)", file=sys.stderr)
        return 1
    lifetime = dt.timedelta(seconds=args.valid_for)
    if not dt.timedelta(0) < lifetime <= digital_documents.MAX_CODE_LIFETIME:
        print("kiosk-sim: --valid-for must be 1..3600 seconds", file=sys.stderr)
        return 2
    registry = Registry(database)
    try:
        if registry.person(iin) is None:
            print("kiosk-sim: there is no such person in the registry", file=sys.stderr)
            return 1
        issued = digital_documents.new_code(lifetime)
        registry.add_digital_document_code(issued.code, iin, issued.expires_at.timestamp(), args.document_expiry)
    finally:
        registry.close()
    if args.png:
        from simulator.scanner import render_qr  # noqa: PLC0415

        render_qr(issued.qr_payload).save(args.png)
    print(json.dumps(issued.as_answer()) if args.json else issued.qr_payload)
    return 0


def _card_insert(args: argparse.Namespace) -> int:
    from simulator.cards.daemon import CardDaemonError, start_card_daemon  # noqa: PLC0415
    from simulator.cards.world import CardWorldError  # noqa: PLC0415

    try:
        report = start_card_daemon(_sim_home(args), slot=args.slot, profile=args.profile, iin=args.iin,
                                   faults=args.fault or [], wait=args.wait)
    except CardWorldError as error:
        print(f"kiosk-sim: {error}", file=sys.stderr)
        return 2
    except CardDaemonError as error:
        print(f"kiosk-sim: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    details = report["details"]
    print(f"kiosk-sim: {details['profile']} card in {report['reader']} (daemon pid {report['pid']})"
          + (f", faults: {', '.join(report['faults'])}" if report["faults"] else ""))
    if details["mrz"]:
        print("MRZ:\n" + "\n".join(details["mrz"]))
        print(f"access key: --document-number {details['document_number']} --birth-date {details['birth_date']}"
              f" --expiry-date {details['expiry_date']}")
    return 0


def _card_remove(args: argparse.Namespace) -> int:
    from simulator.cards.daemon import CardDaemonError, reader_name, stop_card_daemon  # noqa: PLC0415

    try:
        pid = stop_card_daemon(_sim_home(args), args.slot)
    except CardDaemonError as error:
        print(f"kiosk-sim: {error}", file=sys.stderr)
        return 1
    if pid is None:
        print(f"kiosk-sim: no card in {reader_name(args.slot)}")
    else:
        print(f"kiosk-sim: card removed from {reader_name(args.slot)} (daemon pid {pid} stopped)")
    return 0


def _card_status(args: argparse.Namespace) -> int:
    from kiosk.core.iin import masked  # noqa: PLC0415
    from simulator.cards.daemon import SLOTS, slot_status  # noqa: PLC0415

    statuses = [slot_status(_sim_home(args), slot) for slot in SLOTS]
    if args.json:
        print(json.dumps([status.as_json() for status in statuses], ensure_ascii=False))
        return 0
    for status in statuses:
        if status.pid is None:
            print(f"slot {status.slot} ({status.reader}): empty")
            continue
        card = status.card or {}
        details = card.get("details", {})
        state = "inserted" if card.get("inserted") else "pulled out by a fault (the daemon still runs)"
        faults = f", faults: {', '.join(card['faults'])}" if card.get("faults") else ""
        print(f"slot {status.slot} ({status.reader}): {details.get('profile')} for IIN "
              f"{masked(str(details.get('iin', '')))}, {state}{faults} (daemon pid {status.pid})")
    return 0


def _card_fault(text: str) -> str:
    from simulator.cards.world import CARD_FAULTS, EMRTD_FAULTS, ID_CARD_FAULTS, REMOVAL_FAULT_PATTERN  # noqa: PLC0415

    if text in ID_CARD_FAULTS or text in EMRTD_FAULTS or REMOVAL_FAULT_PATTERN.fullmatch(text):
        return text
    raise argparse.ArgumentTypeError(f"unknown fault '{text}'; choose from {', '.join(CARD_FAULTS)}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kiosk-sim``."""
    parser = argparse.ArgumentParser(prog="kiosk-sim", description="The simulated world of the kiosk.")
    parser.add_argument("--home", help="simulator state directory (default: $KIOSK_HOME/sim)")
    areas = parser.add_subparsers(dest="area", required=True)

    egov = areas.add_parser("egov", help="the simulated government services").add_subparsers(
        dest="command", required=True
    )
    serve = egov.add_parser("serve", help="run the HTTPS service on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8443, help="TCP port (0: any free port)")
    serve.add_argument("--station", type=int, default=None, help="station the simulated kiosk is enrolled for")
    serve.add_argument("--seed", type=int, default=2026)
    serve.add_argument("--voters", type=_positive, default=5000, help="population size on first start")
    serve.add_argument("--stations", type=_positive, default=40)
    serve.add_argument("--ready-file", help="write the base URL here once listening")
    serve.add_argument("--workers", type=_positive, default=1,
                       help="server processes sharing the port (faults are injected per process)")
    serve.set_defaults(handler=_serve)
    faults = egov.add_parser("faults", help="show or change injected faults of the running service")
    faults.add_argument("--set", action="append", type=_parse_setting, metavar="NAME=VALUE",
                        help="latency_ms, error, drop, unsigned, bad_signature, replay")
    faults.add_argument("--clear", action="store_true", help="switch every fault off")
    faults.set_defaults(handler=_faults)
    code = egov.add_parser("enrollment-code", help="issue a one-time device enrolment code for a station")
    code.add_argument("--station", type=int, required=True)
    code.add_argument("--hours", type=float, default=24.0)
    code.set_defaults(handler=_enrollment_code)

    population = areas.add_parser("population", help="the synthetic registry").add_subparsers(
        dest="command", required=True
    )
    generate = population.add_parser("generate", help="generate a seeded population into SQLite")
    generate.add_argument("--db", required=True, help="output database file")
    generate.add_argument("--seed", type=int, default=2026)
    generate.add_argument("--voters", type=_positive, default=5000)
    generate.add_argument("--stations", type=_positive, default=40)
    generate.set_defaults(handler=_generate)
    sample = population.add_parser("sample", help="print IINs of voters of one category")
    sample.add_argument("category", choices=CATEGORIES)
    sample.add_argument("--limit", type=_positive, default=5)
    sample.add_argument("--db", help="database (default: the simulated service's)")
    sample.add_argument("--station", type=int, default=None, help="only voters whose address lies in this station")
    sample.set_defaults(handler=_sample)

    _add_card_area(areas)

    qr = areas.add_parser("qr", help="digital documents shown as QR codes").add_subparsers(
        dest="command", required=True
    )
    issue = qr.add_parser("issue", help="issue a one-time digital-document code for a person; print its QR payload")
    issue.add_argument("iin")
    issue.add_argument("--valid-for", type=_positive, default=180, metavar="SECONDS", help="code lifetime (1..3600)")
    issue.add_argument("--document-expiry", type=dt.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                       help="make the document expire on this date (e.g. in the past, to test refusals)")
    issue.add_argument("--png", help="also render the QR code to this PNG file")
    issue.add_argument("--json", action="store_true", help="print code, payload and expiry as JSON")
    issue.set_defaults(handler=_qr_issue)
    return parser


def _add_card_area(areas: Any) -> None:
    from simulator.cards.world import CARD_FAULTS, CARD_PROFILES  # noqa: PLC0415

    card = areas.add_parser(
        "card", help="simulated identity cards in the vpcd readers of pcscd",
        description="Put a simulated card into a vpcd reader slot (a background process holds it there), take it "
                    "out, or show what is inserted. Needs pcscd running with vsmartcard-vpcd.",
    ).add_subparsers(dest="command", required=True)
    insert = card.add_parser("insert", help="insert a card for a person (replacing any card in the slot)")
    insert.add_argument("--profile", required=True, choices=CARD_PROFILES,
                        help="id-card: the PKI application; emrtd-td1: the ID card's ICAO chip; emrtd-td3: passport")
    insert.add_argument("--iin", required=True, help="a voter of the registry, or any valid IIN (made-up name)")
    insert.add_argument("--fault", action="append", type=_card_fault, metavar="NAME",
                        help=f"build in a fault (repeatable): {', '.join(CARD_FAULTS)}")
    insert.add_argument("--slot", type=int, choices=(0, 1), default=0,
                        help="0: 'Virtual PCD 00 00' (port 35963), 1: 'Virtual PCD 00 01' (port 35964)")
    insert.add_argument("--wait", type=float, default=5.0, metavar="SECONDS",
                        help="how long to wait for vpcd to take the card")
    insert.add_argument("--json", action="store_true", help="print the daemon's report (pid, MRZ, access key) as JSON")
    insert.set_defaults(handler=_card_insert)
    remove = card.add_parser("remove", help="take the card out: stop its process and wait until it is gone")
    remove.add_argument("--slot", type=int, choices=(0, 1), default=0)
    remove.set_defaults(handler=_card_remove)
    status = card.add_parser("status", help="show which card each slot holds")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=_card_status)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kiosk-sim``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())

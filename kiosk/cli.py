"""The ``kiosk`` command: ``run``, ``check``, ``identify``; every failure exits non-zero with a one-line reason."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from drivers.errors import DriverError
from kiosk.cli_identify import add_identify_parser
from kiosk.config import default_config_path, load_config
from kiosk.core.iin import InvalidIin, parse_iin
from kiosk.core.registration import RegistrationCheck
from kiosk.egov.errors import ResponseNotTrusted, ServiceError, ServiceRejected, ServiceUnreachable
from kiosk.errors import KioskError

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_UNTRUSTED = 4


def describe(check: RegistrationCheck) -> str:
    """A plain-English account of a registration check (for the technician's terminal)."""
    station = check.station
    if check.status == "listed_here" and station is not None:
        lines = [
            f"Listed here: station {station.number}, {station.address.en}.",
            f"Voting hours: {station.opens}-{station.closes}.",
            "Ballots:",
        ]
        lines += [f"  - {ballot.kind} ({ballot.district.en}), {ballot.colour} paper" for ballot in check.ballots]
        return "\n".join(lines)
    if check.status == "listed_elsewhere" and station is not None:
        return (
            f"Listed at another station: station {station.number}, {station.address.en}.\n"
            f"How to get there: {station.directions.en}"
        )
    if check.status == "not_listed":
        offer = (
            "Temporary registration at this station is possible with an ID document."
            if check.may_register_temporarily
            else "Ask the commission."
        )
        return f"Not on any voter list. {offer}"
    return f"Not eligible to vote ({check.not_eligible_reason})."


def _fail(message: str, code: int, *, as_json: bool, reason: str) -> int:
    if as_json:
        print(json.dumps({"error": {"reason": reason, "message": message}}))
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def _check(args: argparse.Namespace) -> int:
    try:
        iin = parse_iin(args.iin)
    except InvalidIin as error:
        return _fail(error.message, EXIT_USAGE, as_json=args.json, reason=f"invalid_iin.{error.reason.value}")
    from kiosk.wiring import service_client  # noqa: PLC0415  (keeps `kiosk --help` fast)

    try:
        client = service_client(load_config(args.config))
        try:
            check = client.registration_check(iin)
        finally:
            client.close()
    except ServiceUnreachable as error:
        return _fail(f"the service cannot be reached: {error.message}", EXIT_UNREACHABLE,
                     as_json=args.json, reason=error.translation_key)
    except ResponseNotTrusted as error:
        return _fail(f"{error.message} ({error.reason})", EXIT_UNTRUSTED, as_json=args.json,
                     reason=error.translation_key)
    except ServiceRejected as error:
        return _fail(error.message, EXIT_FAILURE, as_json=args.json, reason=f"rejected.{error.reason}")
    except (ServiceError, KioskError, DriverError) as error:
        return _fail(str(error), EXIT_FAILURE, as_json=args.json, reason=error.translation_key)
    if args.json:
        print(json.dumps(asdict(check), ensure_ascii=False, indent=2))
    else:
        print(describe(check))
    return 0


def _run(args: argparse.Namespace) -> int:
    if not args.simulator:
        return _fail("the touchscreen is not built yet; use --simulator", EXIT_USAGE, as_json=False,
                     reason="usage")
    from kiosk.simulator_mode import run_simulator_demo  # noqa: PLC0415  (composition root, simulator only)

    return run_simulator_demo()


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kiosk``."""
    parser = argparse.ArgumentParser(prog="kiosk", description="The polling-station kiosk.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run the kiosk")
    run.add_argument("--simulator", action="store_true", help="start the simulated services and devices")
    run.add_argument("--config", type=Path, default=None, help="configuration file")
    run.set_defaults(handler=_run)
    check = commands.add_parser("check", help="registration check of an IIN through the configured service")
    check.add_argument("iin", help="the 12-digit IIN")
    check.add_argument("--json", action="store_true", help="print JSON")
    check.add_argument("--config", type=Path, default=default_config_path(),
                       help="configuration file (default: %(default)s)")
    check.set_defaults(handler=_check)
    add_identify_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``kiosk``."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())

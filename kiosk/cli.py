"""The ``kiosk`` command: ``run``, ``check``, ``identify``; every failure exits non-zero with a one-line reason."""

from __future__ import annotations

import argparse
import json
import logging
import os
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

PRODUCTION_CONFIG = Path("/etc/polling-kiosk/kiosk.json")  # docs/deployment.md


def production_config_path() -> Path:
    """``kiosk run``'s configuration without ``--config``: ``$KIOSK_CONFIG``, else :data:`PRODUCTION_CONFIG`."""
    configured = os.environ.get("KIOSK_CONFIG")
    return Path(configured) if configured else PRODUCTION_CONFIG


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
    if args.simulator:
        from kiosk.simulator_mode import run_simulator_demo  # noqa: PLC0415  (composition root, simulator only)

        return run_simulator_demo(fullscreen=bool(args.fullscreen), commission=bool(args.commission))
    if args.commission:
        # The commission app needs the commission CA and the commission's name in the station configuration,
        # which the signed configuration does not carry yet; until it does it runs in simulator mode only.
        return _fail("--commission is available with --simulator only for now", EXIT_USAGE, as_json=False,
                     reason="usage")
    from kiosk.cli_run import run_station  # noqa: PLC0415  (keeps `kiosk --help` fast)

    config = args.config or production_config_path()
    return run_station(config, fullscreen=args.fullscreen is not False)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``kiosk``."""
    parser = argparse.ArgumentParser(prog="kiosk", description="The polling-station kiosk.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="run the kiosk",
        description="Run the voter touchscreen. On a station the signed station configuration is verified first: "
                    "a missing, unsigned, tampered, expired or other-station configuration stops the start "
                    "with a one-line reason and a non-zero exit status (see README).",
    )
    run.add_argument("--simulator", action="store_true", help="start the simulated services and devices")
    run.add_argument("--commission", action="store_true",
                     help="with --simulator: the commission member's app instead of the voters'")
    run.add_argument("--config", type=Path, default=None,
                     help=f"configuration file (default: $KIOSK_CONFIG, else {PRODUCTION_CONFIG})")
    window = run.add_mutually_exclusive_group()
    window.add_argument("--fullscreen", dest="fullscreen", action="store_true", default=None,
                        help="full screen without a border (the default on a station)")
    window.add_argument("--windowed", dest="fullscreen", action="store_false",
                        help="in a window (the default with --simulator)")
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

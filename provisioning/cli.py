"""``kiosk-provision``: the technician's tool (DESIGN.md section 9).

One module per area registers its subcommand here (``journal`` now; ``init``, ``enroll``, ``config``,
``selftest`` and ``fleet`` join the same way): each module has ``register(subcommands)`` that adds its
parser and sets ``handler`` to a function taking the parsed arguments and returning the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kiosk.errors import KioskError
from provisioning import (
    config_commands,
    enroll_commands,
    fleet,
    init_commands,
    journal_commands,
    selftest_commands,
)

EXIT_FAILURE = 2
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
AREAS: tuple[Registrar, ...] = (
    init_commands.register, enroll_commands.register, config_commands.register, fleet.register,
    journal_commands.register, selftest_commands.register,
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every area's subcommands."""
    parser = argparse.ArgumentParser(prog="kiosk-provision", description="Provision and audit a polling-station kiosk.")
    subcommands = parser.add_subparsers(dest="area", required=True, metavar="COMMAND")
    for register in AREAS:
        register(subcommands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; exit non-zero with a one-line reason on failure."""
    arguments = build_parser().parse_args(argv)
    try:
        status: int = arguments.handler(arguments)
    except KioskError as error:
        print(f"kiosk-provision: {error.message}", file=sys.stderr)
        return EXIT_FAILURE
    return status


if __name__ == "__main__":
    sys.exit(main())

"""``kiosk run`` on a real station: verify the signed station configuration, open the parts, run the app.

Nothing is shown to voters until the station configuration has verified: a refusal prints one line on stderr
and exits with the status of its kind (:data:`REFUSAL_EXIT_CODES`), before Kivy is even imported, so the
technician (or ``journalctl``) sees why and the screen never shows a half-started kiosk.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Final

from drivers.errors import DriverError
from kiosk.config import ConfigError, load_config
from kiosk.core.station_config import (
    MalformedStationConfig,
    StationConfigError,
    StationConfigExpired,
    StationConfigForOtherStation,
    StationConfigMissing,
    StationConfigNotYetValid,
    StationConfigTampered,
    StationConfigUnknownSigner,
    StationConfigUnsigned,
)
from kiosk.egov.errors import ServiceError
from kiosk.errors import KioskError
from kiosk.station_config_verify import CommissionCertificatesUnavailable

EXIT_FAILURE: Final = 1  # a part could not be opened (printer, scanner, speech, key, journal)
EXIT_CONFIG: Final = 10  # the local configuration file is missing or wrong
EXIT_STATION_CONFIG: Final = 11  # any other refusal of the station configuration
REFUSAL_EXIT_CODES: Final[tuple[tuple[type[StationConfigError], int], ...]] = (
    (StationConfigMissing, 12),
    (MalformedStationConfig, 13),
    (StationConfigUnsigned, 14),
    (StationConfigUnknownSigner, 15),
    (StationConfigTampered, 16),
    (StationConfigForOtherStation, 17),
    (StationConfigExpired, 18),
    (StationConfigNotYetValid, 19),
    (CommissionCertificatesUnavailable, 20),
)
"""The exit status of each refused station configuration (the first matching class wins)."""


def refusal_exit_code(error: StationConfigError) -> int:
    """The exit status for a refused station configuration."""
    for error_class, code in REFUSAL_EXIT_CODES:
        if isinstance(error, error_class):
            return code
    return EXIT_STATION_CONFIG


def _refuse(message: str, code: int) -> int:
    # One line, whatever the message holds: the unit's log shows it as one entry.
    print(f"kiosk: {' '.join(message.split())}", file=sys.stderr, flush=True)
    return code


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM (systemd stopping the unit) ends the run like Ctrl-C, so every part is closed on the way out."""
    def interrupt(signal_number: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_station(config_path: Path, *, fullscreen: bool) -> int:
    """Run the kiosk of a real station from the configuration at ``config_path``; the exit status."""
    from kiosk.wiring import start_station  # noqa: PLC0415  (the parts load after the arguments are read)

    with _terminate_as_interrupt(), contextlib.ExitStack() as stack:
        try:
            config = load_config(config_path)
        except ConfigError as error:
            return _refuse(f"cannot start: {error}", EXIT_CONFIG)
        try:
            running = start_station(config, stack)
        except StationConfigError as error:
            return _refuse(f"refusing to start: {error} ({error.translation_key})", refusal_exit_code(error))
        except ConfigError as error:
            return _refuse(f"refusing to start: {error}", EXIT_CONFIG)
        except (KioskError, DriverError, ServiceError) as error:
            return _refuse(f"cannot start: {error}", EXIT_FAILURE)
        except KeyboardInterrupt:
            return 130
        for warning in running.warnings:
            print(f"kiosk: warning: {warning}", file=sys.stderr, flush=True)
        station_config = running.station_config
        print(f"kiosk: station {station_config.station} (configuration serial {station_config.serial}) starting"
              + (f"; metrics at {running.metrics_url}" if running.metrics_url else ""), file=sys.stderr, flush=True)
        from kiosk.ui.app import run_voter_app  # noqa: PLC0415  (Kivy loads only once everything verified)

        try:
            run_voter_app(running.parts, fullscreen=fullscreen, station_config=station_config)
        except KeyboardInterrupt:
            print("kiosk: stopping", file=sys.stderr, flush=True)
    return 0

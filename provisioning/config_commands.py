"""``kiosk-provision config sign | apply | show``: the station configuration (docs/station-configuration.md).

- ``sign DOCUMENT``: the commission's side; validates an unsigned configuration and signs it.
- ``apply FILE``: verifies a signed configuration against the pinned commission certificates, for this kiosk's
  enrolled station and the current time, refuses one that is not newer than the installed one, and installs it
  atomically (temporary file, fsync, rename) as ``$KIOSK_HOME/station-config.json``.
- ``show [FILE]``: verifies and summarises the installed configuration (or FILE).

Exit codes as for every ``kiosk-provision`` command (``provisioning.init_commands``): 0 done, 1 refused (the
message says why, ``--json`` gives the translation key as the reason), 2 usage, 5 the commission key.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from kiosk.config import ConfigError, default_config_path, kiosk_home, load_config
from kiosk.core.station_config import (
    StationConfigError,
    StationConfigOlderSerial,
    check_applicable,
    config_document,
)
from kiosk.station_config_verify import (
    CommissionCertificatesUnavailable,
    VerifiedStationConfig,
    commission_keys_from_certificates,
    load_commission_certificates,
    read_config_file,
    read_json_strictly,
    sign_station_config,
    signed_file_bytes,
    verify_signed_config,
)
from provisioning.fleet_signer import add_commission_key_arguments, commission_signer
from provisioning.init_commands import (
    EXIT_CODES_HELP,
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    fail,
    run_reporting_errors,
)

INSTALLED_NAME = "station-config.json"
COMMISSION_CERTIFICATES_NAME = "commission-certs.pem"


def installed_config_path() -> Path:
    """Where the kiosk keeps its station configuration: ``$KIOSK_HOME/station-config.json``."""
    return kiosk_home() / INSTALLED_NAME


def default_commission_certificates() -> Path:
    """Where the pinned commission certificates are by default: ``$KIOSK_HOME/commission-certs.pem``."""
    return kiosk_home() / COMMISSION_CERTIFICATES_NAME


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a reader sees the old file or the new one, never a part of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    # The rename is durable only once the directory entry is on disk.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def summary(verified: VerifiedStationConfig) -> dict[str, Any]:
    """What ``show`` and ``apply`` print with ``--json``: the configuration, its signer and digest."""
    return {"key_id": verified.key_id, "digest": verified.digest, "config": config_document(verified.config)}


def apply_station_config(
    source: Path, target: Path, certificates: Path, *, enrolled_station: int, now: dt.datetime, allow_older: bool
) -> tuple[VerifiedStationConfig, bool]:
    """Verify ``source`` and install it at ``target``; the result and whether anything changed.

    An installed configuration that still verifies and is at least as new is kept (``StationConfigOlderSerial``)
    unless ``allow_older``; re-applying the very same configuration changes nothing.
    """
    keys = _commission_keys(certificates, now)
    data = read_config_file(source)
    verified = verify_signed_config(data, keys)
    check_applicable(verified.config, enrolled_station=enrolled_station, now=now)
    installed = _installed(target, keys)
    if installed is not None:
        if installed.digest == verified.digest:
            return verified, False
        if installed.config.serial >= verified.config.serial and not allow_older:
            raise StationConfigOlderSerial(verified.config.serial, installed.config.serial)
    write_atomically(target, data)
    return verified, True


def _installed(target: Path, keys: Any) -> VerifiedStationConfig | None:
    """The installed configuration when it still verifies; a damaged or foreign one may be replaced."""
    if not target.exists():
        return None
    try:
        return verify_signed_config(read_config_file(target), keys)
    except StationConfigError:
        return None


def _commission_keys(certificates: Path, now: dt.datetime) -> Any:
    keys = commission_keys_from_certificates(load_commission_certificates(certificates), now)
    if not keys:
        raise CommissionCertificatesUnavailable(
            f"none of the commission certificates in {certificates} may sign a configuration now"
        )
    return keys


def _enrolled_station(args: argparse.Namespace) -> int:
    if args.station is not None:
        return int(args.station)
    try:
        return load_config(args.config or default_config_path()).station
    except ConfigError as error:
        raise UsageError(f"give --station N (the local configuration cannot tell: {error.message})") from error


def _reporting(args: argparse.Namespace, action: Any) -> int:
    def guarded() -> int:
        try:
            return int(action())
        except StationConfigError as error:
            return fail(error.message, EXIT_FAILURE, as_json=args.json, reason=error.translation_key)

    return run_reporting_errors(args, guarded)


def _sign(args: argparse.Namespace) -> int:
    def action() -> int:
        document = read_json_strictly(read_config_file(args.document))
        if not isinstance(document, dict):
            raise UsageError(f"{args.document} is not a JSON object")
        with commission_signer(args) as signer:
            envelope = sign_station_config(document, signer)
        data = signed_file_bytes(envelope)
        if args.out is None:
            sys.stdout.buffer.write(data)
        else:
            write_atomically(args.out, data)
            print(f"signed station configuration written to {args.out}", file=sys.stderr)
        return EXIT_OK

    return _reporting(args, action)


def _apply(args: argparse.Namespace) -> int:
    def action() -> int:
        target = installed_config_path()
        verified, changed = apply_station_config(
            args.file, target, args.commission_certs or default_commission_certificates(),
            enrolled_station=_enrolled_station(args), now=dt.datetime.now(dt.UTC), allow_older=args.allow_older,
        )
        if args.json:
            print(json.dumps({**summary(verified), "installed": str(target), "changed": changed}, ensure_ascii=False))
        else:
            state = "installed" if changed else "already installed"
            print(f"station configuration serial {verified.config.serial} for station {verified.config.station} "
                  f"{state} at {target} (digest {verified.digest})")
        return EXIT_OK

    return _reporting(args, action)


def _show(args: argparse.Namespace) -> int:
    def action() -> int:
        now = dt.datetime.now(dt.UTC)
        verified = verify_signed_config(
            read_config_file(args.file or installed_config_path()),
            _commission_keys(args.commission_certs or default_commission_certificates(), now),
        )
        check_applicable(verified.config, enrolled_station=_enrolled_station(args), now=now)
        if args.json:
            print(json.dumps(summary(verified), ensure_ascii=False))
            return EXIT_OK
        config = verified.config
        print(f"station {config.station} ({config.region}), serial {config.serial}, signed by {verified.key_id}")
        print(f"address: {config.address.kk} / {config.address.ru} / {config.address.en}")
        print(f"voting day {config.voting_day.isoformat()}, {config.opens:%H:%M}-{config.closes:%H:%M} "
              f"({config.time_zone}); services: {', '.join(sorted(config.services))}; desk {config.commission_desk}")
        print(f"valid {config.valid_from.isoformat()} to {config.valid_until.isoformat()}; digest {verified.digest}")
        return EXIT_OK

    return _reporting(args, action)


def _add_verification_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--commission-certs", type=Path, metavar="PEM",
                        help="pinned commission certificates (default: $KIOSK_HOME/commission-certs.pem)")
    parser.add_argument("--station", type=int, metavar="N",
                        help="the station this kiosk is enrolled for (default: the local configuration's)")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="the local kiosk configuration to take the station from (default: $KIOSK_CONFIG)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def register(areas: Any) -> None:
    """Add ``config`` (sign, apply, show) to the ``kiosk-provision`` sub-commands."""
    parser = areas.add_parser(
        "config", help="sign, install or show the station configuration signed by the territorial commission",
        description="The station configuration signed by the territorial commission.", epilog=EXIT_CODES_HELP,
    )
    actions = parser.add_subparsers(dest="config_action", required=True, metavar="ACTION")

    sign = actions.add_parser("sign", help="sign a configuration document with the commission key (commission side)",
                              epilog=EXIT_CODES_HELP)
    sign.add_argument("document", type=Path, metavar="DOCUMENT", help="the unsigned configuration (JSON object)")
    sign.add_argument("--out", type=Path, metavar="FILE", help="where to write the signed file (default: stdout)")
    add_commission_key_arguments(sign)
    sign.add_argument("--json", action="store_true", help="report failures as JSON")
    sign.set_defaults(handler=_sign)

    apply = actions.add_parser("apply", help="verify a signed configuration and install it", epilog=EXIT_CODES_HELP)
    apply.add_argument("file", type=Path, metavar="FILE", help="the signed configuration")
    apply.add_argument("--allow-older", action="store_true",
                       help="install even when the installed configuration has the same or a higher serial")
    _add_verification_arguments(apply)
    apply.set_defaults(handler=_apply)

    show = actions.add_parser("show", help="verify and summarise the installed configuration", epilog=EXIT_CODES_HELP)
    show.add_argument("file", type=Path, nargs="?", metavar="FILE", help="a signed configuration (default: installed)")
    _add_verification_arguments(show)
    show.set_defaults(handler=_show)

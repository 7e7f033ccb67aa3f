"""``kiosk identify``: wait for an identity document on the configured reader (or take a digital document's QR
payload) and print the verified identity, the source and the checks passed.

Exit status: 0 identified; 1 refused (the document did not verify; the reason is printed); 2 usage or
configuration problem (including an eMRTD read without its MRZ access key); 3 no card in time, no reader, pcscd
not running, the card pulled out, or the service unreachable (for ``--qr``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from drivers.card.errors import CardError, CardServiceUnavailableError
from drivers.errors import DriverError
from kiosk.config import ConfigError, KioskConfig, default_config_path, load_config
from kiosk.core.identity import Identity
from kiosk.core.iin import masked
from kiosk.documents.emrtd import AccessKey, EmrtdCardRemovedError, EmrtdCommunicationError
from kiosk.documents.errors import DocumentError
from kiosk.documents.mrz import MrzError
from kiosk.egov.errors import ServiceError, ServiceUnreachable
from kiosk.errors import KioskError

EXIT_IDENTIFIED = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_NO_DOCUMENT = 3
DEFAULT_TIMEOUT_SECONDS = 30.0
MAX_TIMEOUT_SECONDS = 3600.0  # an hour is longer than anyone waits at a reader

SOURCE_NAMES = {
    "id_card": "national ID card (PKI application)",
    "emrtd": "ICAO eMRTD (identity card or passport chip)",
    "digital_document": "digital document (QR code)",
    "typed_iin": "typed IIN",
}

_DESCRIPTION = """\
Wait for an identity document on the configured card reader and print the verified identity, where it came
from and which checks it passed. A national ID card is read by its PKI application; a passport (or the ID
card's ICAO chip) needs its MRZ access key: --document-number, --birth-date and --expiry-date, or --mrz.
With --qr, a digital document's QR payload is verified through the configured service instead.

This is the technician's tool: without --json the IIN is masked; --json prints every field, the full IIN and
the names included. Exit status: 0 identified, 1 refused (with the reason), 2 usage or configuration error,
3 no card in time, no reader, pcscd not running, card pulled out, or service unreachable."""


def add_identify_parser(commands: Any) -> None:
    """Add ``identify`` to the ``kiosk`` sub-commands."""
    identify = commands.add_parser(
        "identify", help="read and verify an identity document (technician's tool)",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    identify.add_argument("--json", action="store_true", help="print every field as JSON (the full IIN included)")
    identify.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT_SECONDS, metavar="S",
                          help="how long to wait for a card (default: %(default)s)")
    identify.add_argument("--config", type=Path, default=default_config_path(),
                          help="configuration file (default: %(default)s)")
    identify.add_argument("--document-number", help="eMRTD access key: the document number")
    identify.add_argument("--birth-date", help="eMRTD access key: birth date (YYYY-MM-DD, DD.MM.YYYY or YYMMDD)")
    identify.add_argument("--expiry-date", help="eMRTD access key: expiry date (YYYY-MM-DD, DD.MM.YYYY or YYMMDD)")
    identify.add_argument("--mrz", help=r"eMRTD access key from the MRZ: 'LINE1\nLINE2[\nLINE3]'")
    identify.add_argument("--qr", metavar="PAYLOAD", help="a digital document's QR payload, instead of a card")
    identify.set_defaults(handler=identify_command)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= MAX_TIMEOUT_SECONDS:
        raise argparse.ArgumentTypeError("must be more than 0 and at most 3600 seconds")
    return value


def _fail(message: str, code: int, *, as_json: bool, reason: str) -> int:
    if as_json:
        print(json.dumps({"error": {"reason": reason, "message": message}}))
    print(f"kiosk: {message}", file=sys.stderr)
    return code


def identify_command(args: argparse.Namespace) -> int:
    """Run ``kiosk identify`` with parsed arguments; the exit status."""
    typed = (args.document_number, args.birth_date, args.expiry_date)
    if any(typed) and not all(typed):
        return _fail("--document-number, --birth-date and --expiry-date go together", EXIT_USAGE,
                     as_json=args.json, reason="usage")
    if args.mrz and any(typed):
        return _fail("give the access key either as --mrz or as the three typed fields, not both", EXIT_USAGE,
                     as_json=args.json, reason="usage")
    if args.qr is not None and (args.mrz or any(typed)):
        return _fail("--qr reads a digital document: it takes no MRZ access key", EXIT_USAGE,
                     as_json=args.json, reason="usage")
    today = dt.date.today()
    access_key: AccessKey | None = None
    try:
        if all(typed):
            access_key = AccessKey.from_typed(*typed)
        elif args.mrz:
            access_key = AccessKey.from_mrz(args.mrz.replace("\\n", "\n"), today=today)
    except MrzError as error:
        return _fail(f"the access key is not valid: {error.message}", EXIT_USAGE, as_json=args.json,
                     reason=error.translation_key)
    try:
        config = load_config(args.config)
        if args.qr is not None:
            identity = _identify_qr(config, args.qr)
        else:
            identity = _identify_card(config, access_key, args.timeout, today)
    except _Outcome as outcome:
        return _fail(outcome.message, outcome.code, as_json=args.json, reason=outcome.reason)
    except ConfigError as error:
        return _fail(error.message, EXIT_USAGE, as_json=args.json, reason=error.translation_key)
    _print_identity(identity, as_json=args.json)
    return EXIT_IDENTIFIED


class _Outcome(Exception):
    """A failure already sorted into its exit status (internal to this module)."""

    def __init__(self, message: str, code: int, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.reason = reason


def _identify_card(config: KioskConfig, access_key: AccessKey | None, timeout: float, today: dt.date) -> Identity:
    from kiosk.documents.identify import AccessKeyRequiredError, identify_card  # noqa: PLC0415
    from kiosk.wiring import card_reader  # noqa: PLC0415  (keeps `kiosk --help` fast)

    trust = config.document_trust()
    reader = card_reader(config)
    try:
        with reader.wait_for_card(timeout) as channel:
            return identify_card(channel, trust, access_key, today=today)
    except AccessKeyRequiredError as error:
        raise _Outcome(
            "this is an eMRTD (passport or the ID card's ICAO chip): pass its MRZ access key with "
            "--document-number, --birth-date and --expiry-date, or --mrz", EXIT_USAGE, error.translation_key,
        ) from error
    except (EmrtdCardRemovedError, EmrtdCommunicationError) as error:
        raise _Outcome(error.message, EXIT_NO_DOCUMENT, error.translation_key) from error
    except CardServiceUnavailableError as error:
        raise _Outcome(f"pcscd (the smart-card service) is not running: {error}", EXIT_NO_DOCUMENT,
                       error.translation_key) from error
    except CardError as error:
        raise _Outcome(str(error), EXIT_NO_DOCUMENT, error.translation_key) from error
    except KioskError as error:  # the document did not verify (DocumentError), or its IIN is invalid
        raise _Outcome(f"refused: {error.message}", EXIT_REFUSED, error.translation_key) from error
    except DriverError as error:
        raise _Outcome(str(error), EXIT_NO_DOCUMENT, error.translation_key) from error
    finally:
        close = getattr(reader, "close", None)
        if close is not None:
            with contextlib.suppress(DriverError):
                close()


def _identify_qr(config: KioskConfig, payload: str) -> Identity:
    from kiosk.documents.digital import read_digital_document  # noqa: PLC0415
    from kiosk.wiring import service_client  # noqa: PLC0415

    try:
        client = service_client(config)
    except DriverError as error:
        raise _Outcome(str(error), EXIT_USAGE, error.translation_key) from error
    try:
        return read_digital_document(payload, client, config.document_issuers, dt.datetime.now().astimezone())
    except ServiceUnreachable as error:
        raise _Outcome(f"the service cannot be reached: {error.message}", EXIT_NO_DOCUMENT,
                       error.translation_key) from error
    except (ServiceError, DocumentError) as error:
        raise _Outcome(f"refused: {error.message}", EXIT_REFUSED, error.translation_key) from error
    finally:
        client.close()


def identity_as_json(identity: Identity) -> dict[str, Any]:
    """Every field of ``identity`` as JSON values (the full IIN: for the technician's ``--json`` only)."""
    return {
        "iin": identity.iin.value,
        "source": identity.source,
        "checks_passed": sorted(identity.checks_passed),
        "surname": identity.surname,
        "given_names": identity.given_names,
        "patronymic": identity.patronymic,
        "document_number": identity.document_number,
        "document_expiry": identity.document_expiry.isoformat() if identity.document_expiry else None,
    }


def _print_identity(identity: Identity, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(identity_as_json(identity), ensure_ascii=False, indent=2))
        return
    names = " ".join(part for part in (identity.surname, identity.given_names, identity.patronymic) if part)
    lines = [
        f"Identified by {SOURCE_NAMES[identity.source]}.",
        f"IIN: {masked(identity.iin.value)} (masked; --json shows it)",
    ]
    if names:
        lines.append(f"Name: {names}")
    if identity.document_number or identity.document_expiry:
        number = identity.document_number or "-"
        expiry = identity.document_expiry.isoformat() if identity.document_expiry else "-"
        lines.append(f"Document: {number}, valid until {expiry}")
    lines.append(f"Checks passed: {', '.join(sorted(identity.checks_passed))}")
    print("\n".join(lines))

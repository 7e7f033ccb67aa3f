"""``kiosk-provision journal verify | export | verify-export``: check the audit journal, hand it to the commission.

Exit status: 0 when everything verifies, 1 when the verifier found problems (they are listed), 2 when the
command could not run (a missing file, an unusable key).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.keystore import KeyStoreError
from kiosk.config import default_config_path, load_config
from kiosk.journal.errors import JournalUnavailable
from kiosk.journal.journal import default_journal_path
from kiosk.journal.verify import VerificationReport, export, verify, verify_export
from kiosk.wiring import open_device_key

PROBLEMS_FOUND = 1


def register(subcommands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``journal`` and its subcommands."""
    parser = subcommands.add_parser("journal", help="verify or export the audit journal")
    actions = parser.add_subparsers(dest="journal_command", required=True, metavar="ACTION")

    check = actions.add_parser("verify", help="verify the journal's chain, signatures and head")
    _journal_options(check)
    _key_options(check)
    check.add_argument("--at-least", type=int, help="an entry count known from elsewhere (last export, summary)")
    check.set_defaults(handler=_verify)

    write = actions.add_parser("export", help="write a signed export for the territorial commission")
    _journal_options(write)
    write.add_argument("--output", type=Path, required=True, help="the export file to create (JSON lines)")
    write.add_argument("--config", type=Path, help="kiosk configuration naming the device key")
    write.set_defaults(handler=_export)

    check_export = actions.add_parser("verify-export", help="verify an export and its detached signature")
    check_export.add_argument("export", type=Path, help="the export file (its signature is <file>.sig)")
    check_export.add_argument("--signature", type=Path, help="the detached signature, if not <file>.sig")
    _key_options(check_export)
    check_export.add_argument("--at-least", type=int, help="an entry count known from elsewhere")
    check_export.add_argument("--json", action="store_true", help="print the report as JSON")
    check_export.set_defaults(handler=_verify_export)


def _journal_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--journal", type=Path, help="the journal file (default: under the kiosk's home)")
    parser.add_argument("--head", type=Path, help="the signed head record (default: <journal>.head)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _key_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--public-key", type=Path, help="the device's public key (PEM)")
    group.add_argument("--config", type=Path, help="kiosk configuration naming the device key (unlocks it)")


def _public_key(arguments: argparse.Namespace) -> ec.EllipticCurvePublicKey:
    if arguments.public_key is not None:
        try:
            key = serialization.load_pem_public_key(arguments.public_key.read_bytes())
        except (OSError, ValueError) as error:
            raise KeyStoreError("cannot read the public key file (PEM expected)") from error
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise KeyStoreError("the public key is not an EC key")
        return key
    return open_device_key(load_config(arguments.config or default_config_path())).public_key()


def _report(report: VerificationReport, *, as_json: bool, extra: dict[str, object] | None = None) -> int:
    if as_json:
        print(json.dumps({**report.as_dict(), **(extra or {})}, sort_keys=True))
    else:
        for key, value in (extra or {}).items():
            print(f"{key}: {value}")
        print(f"entries: {report.entries}, last sequence: {report.last_sequence}, head: {report.head_sequence}")
        for problem in report.problems:
            where = "-" if problem.sequence is None else str(problem.sequence)
            print(f"{problem.kind} at {where}: {problem.message}")
        print("OK" if report.ok else f"{len(report.problems)} problem(s) found")
    return 0 if report.ok else PROBLEMS_FOUND


def _journal_path(arguments: argparse.Namespace) -> Path:
    path: Path = arguments.journal or default_journal_path()
    if not path.exists():
        raise JournalUnavailable("the journal file does not exist")
    return path


def _verify(arguments: argparse.Namespace) -> int:
    journal_path = _journal_path(arguments)
    report = verify(journal_path, _public_key(arguments), head_path=arguments.head, at_least=arguments.at_least)
    return _report(report, as_json=arguments.json)


def _export(arguments: argparse.Namespace) -> int:
    journal_path = _journal_path(arguments)
    device_key = open_device_key(load_config(arguments.config or default_config_path()))
    result = export(journal_path, arguments.output, device_key, device_key.public_key(), head_path=arguments.head)
    extra: dict[str, object] = {
        "export": str(result.path),
        "signature": str(result.signature_path),
        "file_sha256": result.file_sha256,
    }
    return _report(result.report, as_json=arguments.json, extra=extra)


def _verify_export(arguments: argparse.Namespace) -> int:
    report = verify_export(
        arguments.export, _public_key(arguments), signature_path=arguments.signature, at_least=arguments.at_least
    )
    return _report(report, as_json=arguments.json)

"""``kiosk-provision init``: create the device key and write a certificate signing request for it.

The key is generated inside a PKCS#11 token and never leaves it (``--token LABEL --pin-file F [--module
PATH] [--key-label L]``). Only with an explicit ``--no-token`` is it written to an encrypted PKCS#8 file
instead (``--key-file PATH --passphrase-file F``), for a machine without any token.

The CSR (PKCS#10, RFC 2986) is signed by the device key itself. ``cryptography``'s CSR builder signs only
with a private key it holds in memory, so the to-be-signed ``CertificationRequestInfo`` is built with
asn1crypto, its DER is signed through the key store (the token), and the assembled request is loaded and its
signature checked with ``cryptography`` before it is written.

This module also holds what ``enroll`` shares with ``init``: the key-choice options and the exit codes.

Exit codes (every command of ``kiosk-provision`` that uses them):
  0  done
  1  refused or failed (the message says why)
  2  usage: a missing or contradictory option, an unreadable PIN or passphrase file
  3  the service cannot be reached
  4  the service's answer is not trusted (its signature does not verify)
  5  the device key: token not found, wrong PIN, PIN locked, key missing or duplicated, key file locked
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import csr as asn1_csr
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from drivers.errors import DriverError
from drivers.keystore import KeyStore, KeyStoreError
from drivers.keystore.keyfile import FileKeyStore
from drivers.keystore.pkcs11 import DEFAULT_KEY_LABEL, DEFAULT_MODULE, Pkcs11Token
from kiosk.config import kiosk_home

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 3
EXIT_UNTRUSTED = 4
EXIT_KEY = 5

EXIT_CODES_HELP = (
    "exit codes: 0 done, 1 refused or failed, 2 usage, 3 service unreachable, 4 service answer not trusted, "
    "5 device key (token, PIN, key)"
)
CSR_ORGANIZATIONAL_UNIT = "Polling-station kiosk"
# RFC 2986 section 4.1: version 0 ("v1") is the only CertificationRequestInfo version.
CSR_VERSION = "v1"
MAX_SECRET_FILE_BYTES = 4096


class UsageError(Exception):
    """The options given cannot work together, or a secret file cannot be read; exit 2."""


class CsrError(KeyStoreError):
    """The signing request signed through the key store does not verify (the key store signed wrongly)."""

    translation_key = "provisioning.csr_invalid"


@dataclass(frozen=True, slots=True)
class KeyChoice:
    """Where the device key lives: a token (label, PIN, module, key label) or, only with --no-token, a file."""

    token_label: str | None
    pin: str | None
    module: Path
    key_label: str
    key_file: Path | None
    passphrase: bytes | None

    @property
    def in_token(self) -> bool:
        """True for a PKCS#11 token, False for an encrypted key file."""
        return self.token_label is not None


def add_key_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say where the device key is, shared by ``init`` and ``enroll``."""
    token = parser.add_argument_group("device key in a PKCS#11 token (the normal case)")
    token.add_argument("--token", metavar="LABEL", help="label of the token holding the device key")
    token.add_argument("--pin-file", type=Path, metavar="FILE", help="file holding the token's user PIN")
    token.add_argument("--module", type=Path, default=DEFAULT_MODULE, metavar="PATH",
                       help=f"PKCS#11 module (default: {DEFAULT_MODULE})")
    token.add_argument("--key-label", default=DEFAULT_KEY_LABEL, metavar="LABEL",
                       help=f"label of the device key inside the token (default: {DEFAULT_KEY_LABEL})")
    keyfile = parser.add_argument_group("device key in an encrypted file (only where no token exists)")
    keyfile.add_argument("--no-token", action="store_true", help="use an encrypted PKCS#8 key file, not a token")
    keyfile.add_argument("--key-file", type=Path, metavar="PATH", help="the encrypted key file")
    keyfile.add_argument("--passphrase-file", type=Path, metavar="FILE", help="file holding the key file's passphrase")


def read_secret_file(path: Path, what: str) -> bytes:
    """The content of a PIN or passphrase file without its trailing line break; refuses empty or huge files."""
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_SECRET_FILE_BYTES + 1)
    except OSError as error:
        raise UsageError(f"cannot read the {what} file {path}") from error
    if len(content) > MAX_SECRET_FILE_BYTES:
        raise UsageError(f"the {what} file {path} is larger than {MAX_SECRET_FILE_BYTES} bytes")
    secret = content.rstrip(b"\r\n")
    if not secret:
        raise UsageError(f"the {what} file {path} is empty")
    return secret


def key_choice(args: argparse.Namespace) -> KeyChoice:
    """Check the key options for consistency and read the PIN or passphrase."""
    if args.no_token:
        if args.token is not None or args.pin_file is not None:
            raise UsageError("--no-token cannot be combined with --token or --pin-file")
        if args.key_file is None or args.passphrase_file is None:
            raise UsageError("--no-token needs --key-file and --passphrase-file")
        passphrase = read_secret_file(args.passphrase_file, "passphrase")
        return KeyChoice(None, None, args.module, args.key_label, args.key_file, passphrase)
    if args.key_file is not None or args.passphrase_file is not None:
        raise UsageError("--key-file and --passphrase-file need --no-token (a token is the normal place for the key)")
    if args.token is None or args.pin_file is None:
        raise UsageError("give --token LABEL and --pin-file FILE (or --no-token with a key file)")
    try:
        pin = read_secret_file(args.pin_file, "PIN").decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"the PIN file {args.pin_file} is not UTF-8 text") from error
    return KeyChoice(args.token, pin, args.module, args.key_label, None, None)


@contextmanager
def opened_key(choice: KeyChoice, *, create: bool) -> Iterator[KeyStore]:
    """The device key (created first when ``create``); a token is logged out when the block ends."""
    if not choice.in_token:
        assert choice.key_file is not None and choice.passphrase is not None  # key_choice guarantees both
        opener = FileKeyStore.create if create else FileKeyStore.open
        yield opener(choice.key_file, choice.passphrase)
        return
    assert choice.token_label is not None and choice.pin is not None
    with Pkcs11Token.open(label=choice.token_label, pin=choice.pin, module=choice.module) as token:
        yield token.generate_key(choice.key_label) if create else token.key(choice.key_label)


def build_csr(key: KeyStore) -> x509.CertificateSigningRequest:
    """A PKCS#10 request for the device key, subject CN=<key id>, OU=Polling-station kiosk, signed by the key.

    It asks for a digitalSignature-only, non-CA certificate (RFC 5280 sections 4.2.1.3 and 4.2.1.9).
    """
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    extensions = [
        {"extn_id": "key_usage", "critical": True, "extn_value": {"digital_signature"}},
        {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": False}},
    ]
    info = asn1_csr.CertificationRequestInfo({
        "version": CSR_VERSION,
        "subject": asn1_x509.Name.build({
            "common_name": key.key_id,
            "organizational_unit_name": CSR_ORGANIZATIONAL_UNIT,
        }),
        "subject_pk_info": asn1_keys.PublicKeyInfo.load(public_der),
        "attributes": [{"type": "extension_request", "values": [extensions]}],
    })
    raw = key.sign(info.dump())
    half = len(raw) // 2
    signature = encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))
    request = asn1_csr.CertificationRequest({
        "certification_request_info": info,
        "signature_algorithm": {"algorithm": "sha256_ecdsa"},  # ecdsa-with-SHA256, RFC 5758 section 3.2
        "signature": signature,
    })
    csr = x509.load_der_x509_csr(request.dump())
    if not csr.is_signature_valid:
        raise CsrError("the signing request signed with the device key does not verify")
    return csr


@dataclass(frozen=True, slots=True)
class InitResult:
    """What ``init`` made: the key's identifier, its public key, the CSR and where it was written."""

    key_id: str
    public_key_pem: str
    csr_pem: str
    csr_path: Path
    store: str
    token: str | None
    key_label: str | None
    key_file: Path | None

    def as_json(self) -> dict[str, Any]:
        """The result as a JSON object."""
        return {
            "key_id": self.key_id,
            "store": self.store,
            "token": self.token,
            "key_label": self.key_label,
            "key_file": None if self.key_file is None else str(self.key_file),
            "public_key_pem": self.public_key_pem,
            "csr_path": str(self.csr_path),
            "csr_pem": self.csr_pem,
        }


def initialise_device_key(choice: KeyChoice, csr_path: Path) -> InitResult:
    """Create the device key where ``choice`` says and write its CSR to ``csr_path``."""
    with opened_key(choice, create=True) as key:
        csr = build_csr(key)
        key_id = key.key_id
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
    csr_pem = csr.public_bytes(serialization.Encoding.PEM).decode("ascii")
    try:
        csr_path.parent.mkdir(parents=True, exist_ok=True)
        csr_path.write_text(csr_pem)
    except OSError as error:
        raise UsageError(f"cannot write the signing request to {csr_path}") from error
    return InitResult(
        key_id=key_id,
        public_key_pem=public_pem,
        csr_pem=csr_pem,
        csr_path=csr_path,
        store="pkcs11" if choice.in_token else "keyfile",
        token=choice.token_label,
        key_label=choice.key_label if choice.in_token else None,
        key_file=choice.key_file,
    )


def fail(message: str, code: int, *, as_json: bool, reason: str) -> int:
    """Report a failure: one line on stderr, and the reason as JSON on stdout with ``--json``."""
    if as_json:
        print(json.dumps({"error": {"reason": reason, "message": message}}))
    print(f"kiosk-provision: {message}", file=sys.stderr)
    return code


def run_reporting_errors(args: argparse.Namespace, action: Callable[[], int]) -> int:
    """Run ``action``, turning the errors every provisioning command shares into exit codes and one line."""
    try:
        return action()
    except UsageError as error:
        return fail(str(error), EXIT_USAGE, as_json=args.json, reason="usage")
    except KeyStoreError as error:
        return fail(str(error), EXIT_KEY, as_json=args.json, reason=error.translation_key)
    except DriverError as error:
        return fail(str(error), EXIT_FAILURE, as_json=args.json, reason=error.translation_key)


def _init(args: argparse.Namespace) -> int:
    def action() -> int:
        result = initialise_device_key(key_choice(args), args.csr or kiosk_home() / "device-csr.pem")
        if args.json:
            print(json.dumps(result.as_json()))
        else:
            where = f"token '{result.token}', key '{result.key_label}'" if result.token else str(result.key_file)
            print(f"device key {result.key_id} created in {where}; signing request written to {result.csr_path}")
        return EXIT_OK

    return run_reporting_errors(args, action)


def register(areas: Any) -> None:
    """Add ``init`` to the ``kiosk-provision`` sub-commands (``areas`` is argparse's subparsers object)."""
    parser = areas.add_parser(
        "init",
        help="create the device key (in a PKCS#11 token) and write its certificate signing request",
        description="Create the device key inside a PKCS#11 token (or, with --no-token, in an encrypted key "
        "file) and write a certificate signing request signed by it.",
        epilog=EXIT_CODES_HELP,
    )
    add_key_arguments(parser)
    parser.add_argument("--csr", type=Path, metavar="FILE",
                        help="where to write the signing request (default: $KIOSK_HOME/device-csr.pem)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=_init)

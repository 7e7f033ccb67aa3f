"""The territorial commission's signing key, for ``config sign`` and ``fleet``.

Two places for it, chosen by options shared by both commands:

- an encrypted PKCS#8 PEM file (``--commission-key FILE --passphrase-file F``). Signatures from a file key use
  deterministic ECDSA (RFC 6979), so signing the same configurations twice gives byte-identical files: the
  commission can rebuild a fleet and compare;
- a PKCS#11 token (``--commission-token LABEL --pin-file F [--module PATH] [--key-label L]``), where the key
  never leaves the token (the token's ECDSA nonces are its own, so signatures differ between runs while the
  signed configurations and their digests do not).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.keystore import KeyStore
from drivers.keystore.keyfile import FileKeyStore
from drivers.keystore.pkcs11 import DEFAULT_MODULE, Pkcs11Token
from kiosk.station_config_verify import COMMISSION_KEY_PREFIX
from provisioning.init_commands import UsageError, read_secret_file

DEFAULT_COMMISSION_KEY_LABEL = "commission-config"


class DeterministicFileSigner(FileKeyStore):
    """A commission key from an encrypted PKCS#8 file, signing with RFC 6979 deterministic ECDSA P-256.

    Loading and checking the key is the device key file's (``FileKeyStore``); only the key id (``tc-...``,
    ``commission_key_id``) and the nonces differ.
    """

    key_name: ClassVar[str] = "commission key"
    key_id_prefix: ClassVar[str] = COMMISSION_KEY_PREFIX

    def signature_algorithm(self) -> ec.ECDSA:
        """ECDSA with SHA-256 and deterministic nonces (RFC 6979 section 3.2)."""
        return ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


def add_commission_key_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say where the commission's signing key is."""
    group = parser.add_argument_group("the territorial commission's signing key (a file or a PKCS#11 token)")
    group.add_argument("--commission-key", type=Path, metavar="FILE", help="encrypted PKCS#8 PEM key file")
    group.add_argument("--passphrase-file", type=Path, metavar="FILE", help="file holding the key file's passphrase")
    group.add_argument("--commission-token", metavar="LABEL", help="label of the token holding the commission key")
    group.add_argument("--pin-file", type=Path, metavar="FILE", help="file holding the token's user PIN")
    group.add_argument("--module", type=Path, default=DEFAULT_MODULE, metavar="PATH",
                       help=f"PKCS#11 module (default: {DEFAULT_MODULE})")
    group.add_argument("--key-label", default=DEFAULT_COMMISSION_KEY_LABEL, metavar="LABEL",
                       help=f"label of the key inside the token (default: {DEFAULT_COMMISSION_KEY_LABEL})")


@contextmanager
def commission_signer(args: argparse.Namespace) -> Iterator[KeyStore]:
    """The signer the options name; a token is logged out when the block ends. ``UsageError`` for bad options."""
    in_file = args.commission_key is not None or args.passphrase_file is not None
    in_token = args.commission_token is not None or args.pin_file is not None
    if in_file == in_token:
        raise UsageError(
            "give either --commission-key FILE with --passphrase-file F, or --commission-token LABEL with --pin-file F"
        )
    if in_file:
        if args.commission_key is None or args.passphrase_file is None:
            raise UsageError("--commission-key and --passphrase-file go together")
        passphrase = read_secret_file(args.passphrase_file, "passphrase")
        yield DeterministicFileSigner.open(args.commission_key, passphrase)
        return
    if args.commission_token is None or args.pin_file is None:
        raise UsageError("--commission-token and --pin-file go together")
    try:
        pin = read_secret_file(args.pin_file, "PIN").decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"the PIN file {args.pin_file} is not UTF-8 text") from error
    with Pkcs11Token.open(label=args.commission_token, pin=pin, module=args.module) as token:
        yield token.key(args.key_label)

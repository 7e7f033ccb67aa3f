"""The kiosk's local configuration file (JSON): which station, which service, which device key, which card
reader, and which certificates identity documents are verified against.

The station configuration signed by the territorial commission replaces the station part of this in
production (provisioning); this file says where things are on this machine.

Sections added after the first version are optional, so every configuration written before them stays valid:

- ``trust`` (no default): ``national_ca_roots``, ``national_ca_intermediates`` and ``csca_certificates``, each a
  list of PEM files (paths relative to the configuration; a file may hold several certificates). Reading a
  document needs it: :meth:`KioskConfig.document_trust` reads the files, or says what is missing or unreadable.
- ``id_card_profile`` (default ``{"name": "kz-id-pki-sim-v1"}``, the simulator's): see
  ``kiosk.documents.id_card_profile.from_mapping``.
- ``card_reader`` (default: the first PC/SC reader): ``{"kind": "pcsc", "reader_prefix": "Virtual PCD 00 00"}``
  or ``{"kind": "in_process"}`` (the simulator's virtual slot, inside ``kiosk run --simulator`` only).
- ``device_key.kind`` ``"pkcs11"``: ``module``, ``token_label``, ``pin_file``, ``key_label`` (beside ``"keyfile"``).

The sections a real station needs (``kiosk run --config``; the simulator ignores them), each optional with the
default in brackets; ``kiosk.config_devices`` parses them:

- ``printer`` [``{"kind": "escpos", "transport": "file", "path": "/dev/usb/lp0"}``]: ``{"kind": "escpos",
  "transport": "usb", "vendor_id": "0x04b8", "product_id": "0x0e15"}`` (ids as integers or ``0x`` hex texts),
  ``{"kind": "escpos", "transport": "network", "host": "192.0.2.10", "port": 9100}`` or ``{"kind": "escpos",
  "transport": "file", "path": "/dev/usb/lp0"}``, each with an optional ``"profile"`` [``"TM-T20II"``]; or
  ``{"kind": "cups", "queue": "receipts", "paper": "A5"}`` (``queue`` null or absent: the default queue).
- ``scanner`` [``{"kind": "none"}``]: ``{"kind": "camera", "device": 0}`` (an OpenCV index or a path such as
  ``"/dev/video0"``), ``{"kind": "hid", "path": "/dev/ttyACM0"}``, or ``{"kind": "none"}``.
- ``speech`` [``{"kind": "espeak"}``]: ``{"kind": "espeak", "rate_wpm": 150, "volume": 100}`` (played through
  aplay or paplay) or ``{"kind": "none"}``.
- ``metrics`` [off]: ``{"enabled": true, "host": "127.0.0.1", "port": 9464, "allow_remote": false}``.
- ``journal`` [``$KIOSK_HOME/journal/journal.sqlite3`` and ``$KIOSK_HOME/secrets/station-secret``]:
  ``{"path": ..., "secret_path": ...}``.
- ``station_config`` [``$KIOSK_HOME/station-config.json`` and ``$KIOSK_HOME/commission-certs.pem``, where
  ``kiosk-provision config apply`` puts them]: ``{"path": ..., "commission_certificates": ...}``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.config_sections import (
    DEFAULT_PRINTER,
    DEFAULT_SCANNER,
    DEFAULT_SPEECH,
    ConfigError,
    JournalFiles,
    MetricsConfig,
    PrinterConfig,
    ScannerConfig,
    SpeechConfig,
    StationConfigFiles,
    parse_journal,
    parse_metrics,
    parse_printer,
    parse_scanner,
    parse_speech,
    parse_station_config_files,
    require_field,
)
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE, IdCardProfile, IdCardProfileError, from_mapping

CardReaderKind = Literal["pcsc", "in_process"]


def kiosk_home() -> Path:
    """Where the kiosk keeps its state: ``$KIOSK_HOME`` or ``~/.local/state/polling-kiosk``."""
    return Path(os.environ.get("KIOSK_HOME") or Path.home() / ".local/state/polling-kiosk")


def default_config_path() -> Path:
    """``$KIOSK_CONFIG``, else the configuration the simulator writes (``<home>/sim/kiosk.json``)."""
    configured = os.environ.get("KIOSK_CONFIG")
    return Path(configured) if configured else kiosk_home() / "sim" / "kiosk.json"


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """How to reach and trust the government services."""

    base_url: str
    ca_file: Path
    service_keys: dict[str, ec.EllipticCurvePublicKey]


@dataclass(frozen=True, slots=True)
class KeyFileConfig:
    """A device key in an encrypted PKCS#8 file, with the file holding its passphrase."""

    path: Path
    passphrase_file: Path


@dataclass(frozen=True, slots=True)
class Pkcs11KeyConfig:
    """A device key inside a PKCS#11 token: the module, the token's label, the PIN's file, the key's label."""

    module: Path
    token_label: str
    pin_file: Path
    key_label: str


@dataclass(frozen=True, slots=True)
class TrustFiles:
    """The PEM files holding the certificates identity documents are verified against (read when needed)."""

    national_ca_roots: tuple[Path, ...]
    national_ca_intermediates: tuple[Path, ...]
    csca_certificates: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class CardReaderConfig:
    """Which card reader to use: a PC/SC reader by name prefix ("" takes the first), or the in-process slot."""

    kind: CardReaderKind
    reader_prefix: str = ""


DEFAULT_CARD_READER = CardReaderConfig(kind="pcsc", reader_prefix="")
"""Without a ``card_reader`` section: the first reader pcscd lists."""


@dataclass(frozen=True, slots=True)
class DocumentTrust:
    """What the document readers need from the configuration: the trust anchors and the ID card profile."""

    national_ca_roots: tuple[x509.Certificate, ...]
    national_ca_intermediates: tuple[x509.Certificate, ...]
    csca_certificates: tuple[x509.Certificate, ...]
    id_card_profile: IdCardProfile


@dataclass(frozen=True, slots=True)
class KioskConfig:
    """Everything the kiosk needs to know about its place in the world."""

    station: int
    service: ServiceConfig
    device_key: KeyFileConfig | Pkcs11KeyConfig
    # Pinned digital-document issuer keys (docs/digital-document-qr.md); empty pins none, refusing every one.
    document_issuers: dict[str, ec.EllipticCurvePublicKey] = field(default_factory=dict)
    # None: the configuration predates identity documents; reading one then fails with a ConfigError.
    trust: TrustFiles | None = None
    id_card_profile: IdCardProfile = SIMULATOR_PROFILE
    card_reader: CardReaderConfig = DEFAULT_CARD_READER
    # What a real station needs beside (kiosk run --config); the simulator brings its own devices and files.
    printer: PrinterConfig = DEFAULT_PRINTER
    scanner: ScannerConfig = DEFAULT_SCANNER
    speech: SpeechConfig = DEFAULT_SPEECH
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    journal: JournalFiles = field(default_factory=lambda: parse_journal(None, Path(), kiosk_home()))
    station_files: StationConfigFiles = field(
        default_factory=lambda: parse_station_config_files(None, Path(), kiosk_home())
    )

    def document_trust(self) -> DocumentTrust:
        """The trust anchors (read from their files now) and the ID card profile.

        :class:`ConfigError` names the field when the ``trust`` section is missing or a file cannot be read or
        holds no PEM certificate. The files are read here rather than when the configuration is loaded, so
        commands that read no document (``kiosk check``) do not depend on them.
        """
        if self.trust is None:
            raise ConfigError(
                "configuration: 'trust' is missing: reading identity documents needs the national CA and "
                "CSCA certificates"
            )
        return DocumentTrust(
            national_ca_roots=_certificate_files(self.trust.national_ca_roots, "trust.national_ca_roots"),
            national_ca_intermediates=_certificate_files(
                self.trust.national_ca_intermediates, "trust.national_ca_intermediates"
            ),
            csca_certificates=_certificate_files(self.trust.csca_certificates, "trust.csca_certificates"),
            id_card_profile=self.id_card_profile,
        )


_require = require_field


def parse_public_key(pem: str, where: str) -> ec.EllipticCurvePublicKey:
    """An EC public key from PEM text; :class:`ConfigError` naming ``where`` otherwise."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError, UnsupportedAlgorithm) as error:  # a key on an unknown curve too
        raise ConfigError(f"configuration: '{where}' is not a PEM public key") from error
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(f"configuration: '{where}' must be an EC public key")
    return key


def parse_config(data: Any, *, relative_to: Path) -> KioskConfig:
    """Validate a parsed configuration document; relative paths are taken from ``relative_to``."""
    service = _require(data, "service", dict, "")
    keys = _require(service, "service_keys", dict, "service.")
    if not keys:
        raise ConfigError("configuration: 'service.service_keys' pins no key")
    device_key = _device_key(_require(data, "device_key", dict, ""), relative_to)
    issuers = data.get("document_issuers") if isinstance(data, dict) else None
    if issuers is None:  # configurations written before digital documents: no issuer pinned
        issuers = {}
    if not isinstance(issuers, dict):
        raise ConfigError("configuration: 'document_issuers' must be a dict")
    base_url = _require(service, "base_url", str, "service.")
    if not base_url.startswith("https://"):
        raise ConfigError("configuration: 'service.base_url' must be an https:// URL")
    return KioskConfig(
        station=_require(data, "station", int, ""),
        service=ServiceConfig(
            base_url=base_url,
            ca_file=relative_to / _require(service, "ca_file", str, "service."),
            service_keys={
                str(key_id): parse_public_key(_require(keys, key_id, str, "service.service_keys."), key_id)
                for key_id in keys
            },
        ),
        device_key=device_key,
        document_issuers={
            str(key_id): parse_public_key(
                _require(issuers, key_id, str, "document_issuers."), f"document_issuers.{key_id}"
            )
            for key_id in issuers
        },
        trust=_trust(data.get("trust"), relative_to),
        id_card_profile=_id_card_profile(data.get("id_card_profile")),
        card_reader=_card_reader(data.get("card_reader")),
        printer=parse_printer(data.get("printer"), relative_to),
        scanner=parse_scanner(data.get("scanner"), relative_to),
        speech=parse_speech(data.get("speech")),
        metrics=parse_metrics(data.get("metrics")),
        journal=parse_journal(data.get("journal"), relative_to, kiosk_home()),
        station_files=parse_station_config_files(data.get("station_config"), relative_to, kiosk_home()),
    )


def _device_key(section: dict[str, Any], relative_to: Path) -> KeyFileConfig | Pkcs11KeyConfig:
    kind = _require(section, "kind", str, "device_key.")
    if kind == "keyfile":
        return KeyFileConfig(
            path=relative_to / _require(section, "path", str, "device_key."),
            passphrase_file=relative_to / _require(section, "passphrase_file", str, "device_key."),
        )
    if kind == "pkcs11":
        return Pkcs11KeyConfig(
            module=relative_to / _require(section, "module", str, "device_key."),
            token_label=_require(section, "token_label", str, "device_key."),
            pin_file=relative_to / _require(section, "pin_file", str, "device_key."),
            key_label=_require(section, "key_label", str, "device_key."),
        )
    raise ConfigError("configuration: 'device_key.kind' must be 'keyfile' or 'pkcs11'")


_TRUST_LISTS = ("national_ca_roots", "national_ca_intermediates", "csca_certificates")


def _trust(section: Any, relative_to: Path) -> TrustFiles | None:
    if section is None:  # configurations written before identity documents
        return None
    if not isinstance(section, dict):
        raise ConfigError("configuration: 'trust' must be a dict")
    files = {name: _file_list(_require(section, name, list, "trust."), f"trust.{name}", relative_to)
             for name in _TRUST_LISTS}
    return TrustFiles(**files)


def _file_list(files: list[Any], where: str, relative_to: Path) -> tuple[Path, ...]:
    for position, name in enumerate(files):
        if not isinstance(name, str) or not name:
            raise ConfigError(f"configuration: '{where}[{position}]' must be a file path")
    return tuple(relative_to / name for name in files)


def _certificate_files(files: tuple[Path, ...], where: str) -> tuple[x509.Certificate, ...]:
    certificates: list[x509.Certificate] = []
    for position, path in enumerate(files):
        field_name = f"{where}[{position}]"
        try:
            pem = path.read_bytes()
        except OSError as error:
            raise ConfigError(f"configuration: '{field_name}' cannot be read ({path})") from error
        try:
            certificates += x509.load_pem_x509_certificates(pem)
        except ValueError as error:
            raise ConfigError(f"configuration: '{field_name}' is not a PEM certificate file ({path})") from error
    return tuple(certificates)


def _id_card_profile(section: Any) -> IdCardProfile:
    if section is None:
        return SIMULATOR_PROFILE
    if not isinstance(section, dict):
        raise ConfigError("configuration: 'id_card_profile' must be a dict")
    try:
        return from_mapping(section)
    except IdCardProfileError as error:
        raise ConfigError(f"configuration: 'id_card_profile.{error.field_name}' {error.problem}") from error


def _card_reader(section: Any) -> CardReaderConfig:
    if section is None:
        return DEFAULT_CARD_READER
    if not isinstance(section, dict):
        raise ConfigError("configuration: 'card_reader' must be a dict")
    kind = _require(section, "kind", str, "card_reader.")
    if kind == "pcsc":
        return CardReaderConfig(kind="pcsc", reader_prefix=_require(section, "reader_prefix", str, "card_reader."))
    if kind == "in_process":
        return CardReaderConfig(kind="in_process")
    raise ConfigError("configuration: 'card_reader.kind' must be 'pcsc' or 'in_process'")


def load_config(path: Path) -> KioskConfig:
    """Read and validate the configuration file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigError(
            f"no configuration at {path}: start the simulated services (kiosk-sim egov serve) or pass --config"
        ) from error
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the configuration at {path}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"the configuration at {path} is not valid JSON (line {error.lineno})") from error
    return parse_config(data, relative_to=path.parent)

"""The kiosk's local configuration file (JSON): which station, which service, which device key.

The station configuration signed by the territorial commission replaces the station part of this in
production (provisioning); this file says where things are on this machine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.errors import KioskError


class ConfigError(KioskError):
    """The configuration file is missing, unreadable or wrong; the message names the field."""

    translation_key = "config.invalid"


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
class KioskConfig:
    """Everything the kiosk needs to know about its place in the world."""

    station: int
    service: ServiceConfig
    device_key: KeyFileConfig
    # Pinned digital-document issuer keys (docs/digital-document-qr.md); empty pins none, refusing every one.
    document_issuers: dict[str, ec.EllipticCurvePublicKey] = field(default_factory=dict)


def _require(data: Any, name: str, kind: type, where: str) -> Any:
    if not isinstance(data, dict) or name not in data:
        raise ConfigError(f"configuration: '{where}{name}' is missing")
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"configuration: '{where}{name}' must be a {kind.__name__}")
    return value


def _public_key(pem: str, where: str) -> ec.EllipticCurvePublicKey:
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as error:
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
    device_key = _require(data, "device_key", dict, "")
    if _require(device_key, "kind", str, "device_key.") != "keyfile":
        raise ConfigError("configuration: 'device_key.kind' must be 'keyfile'")
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
                str(key_id): _public_key(_require(keys, key_id, str, "service.service_keys."), key_id)
                for key_id in keys
            },
        ),
        device_key=KeyFileConfig(
            path=relative_to / _require(device_key, "path", str, "device_key."),
            passphrase_file=relative_to / _require(device_key, "passphrase_file", str, "device_key."),
        ),
        document_issuers={
            str(key_id): _public_key(_require(issuers, key_id, str, "document_issuers."), f"document_issuers.{key_id}")
            for key_id in issuers
        },
    )


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

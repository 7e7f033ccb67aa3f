"""A provisioned station on disk for ``kiosk run`` tests: the local configuration, a device key file, trust
files, pinned commission certificates and (optionally) an installed signed station configuration."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.commission import SERVICE_KEY_PEM, Commission, make_commission, sample_document

from kiosk.station_config_verify import sign_station_config, signed_file_bytes

STATION = 101
DEVICE_KEY_PASSPHRASE = b"device passphrase"


def self_signed(name: str) -> x509.Certificate:
    """A throw-away CA certificate (a trust anchor for the local trust files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
            .not_valid_after(dt.datetime(2035, 1, 1, tzinfo=dt.UTC))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))


def fingerprint(certificate: x509.Certificate) -> str:
    """``sha256:<hex>`` as the station configuration pins certificates."""
    return "sha256:" + certificate.fingerprint(hashes.SHA256()).hex()


@dataclass
class StationFiles:
    """Paths of a provisioned station and the commission that signs its configuration."""

    home: Path
    config_path: Path
    commission: Commission
    root: x509.Certificate
    csca: x509.Certificate

    @property
    def installed(self) -> Path:
        """Where the signed station configuration is installed."""
        return self.home / "station-config.json"

    def document(self, **overrides: Any) -> dict[str, Any]:
        """A station configuration valid around now, pinning this station's trust files."""
        settings: dict[str, Any] = {
            "valid_from": "2020-01-01T00:00:00+05:00",
            "valid_until": "2099-01-01T00:00:00+05:00",
            "trust_anchors": {"national_ca_roots": [fingerprint(self.root)], "national_ca_intermediates": [],
                              "csca_certificates": [fingerprint(self.csca)]},
            "devices": {"card_reader": {"kind": "pcsc", "reader_prefix": ""}, "scanner": {"kind": "camera"},
                        "printer": {"kind": "escpos"}},
        }
        settings.update(overrides)
        return sample_document(**settings)

    def install(self, commission: Commission | None = None, **overrides: Any) -> Path:
        """Sign a configuration (by this station's commission unless another is given) and install it."""
        envelope = sign_station_config(self.document(**overrides), (commission or self.commission).signer)
        self.installed.write_bytes(signed_file_bytes(envelope))
        return self.installed

    def write_config(self, **sections: Any) -> Path:
        """Write the local configuration with extra ``sections`` (None removes one)."""
        data: dict[str, Any] = {
            "station": STATION,
            "service": {"base_url": "https://egov.example.kz", "ca_file": "service-ca.pem",
                        "service_keys": {"local-only": SERVICE_KEY_PEM}},
            "device_key": {"kind": "keyfile", "path": "device-key.pem", "passphrase_file": "device-passphrase"},
            "trust": {"national_ca_roots": ["roots.pem"], "national_ca_intermediates": [],
                      "csca_certificates": ["csca.pem"]},
            "printer": {"kind": "escpos", "transport": "file", "path": "printer.out"},
            "speech": {"kind": "none"},
        }
        for name, value in sections.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = value
        self.config_path.write_text(json.dumps(data, indent=2))
        return self.config_path


def provision(directory: Path) -> StationFiles:
    """A station under ``directory``: ``home/`` (KIOSK_HOME) and ``etc/kiosk.json``; nothing installed yet."""
    home = directory / "home"
    etc = directory / "etc"
    home.mkdir(parents=True)
    etc.mkdir(parents=True)
    commission = make_commission(directory / "commission")
    (home / "commission-certs.pem").write_bytes(commission.certificate_path.read_bytes())
    root, csca = self_signed("Test national root CA"), self_signed("Test CSCA")
    (etc / "roots.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (etc / "csca.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    (etc / "service-ca.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    device_key = ec.generate_private_key(ec.SECP256R1())
    (etc / "device-key.pem").write_bytes(device_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(DEVICE_KEY_PASSPHRASE)))
    (etc / "device-passphrase").write_bytes(DEVICE_KEY_PASSPHRASE + b"\n")
    (etc / "printer.out").touch()
    files = StationFiles(home=home, config_path=etc / "kiosk.json", commission=commission, root=root, csca=csca)
    files.write_config()
    return files

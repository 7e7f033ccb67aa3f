"""A territorial commission for station-configuration tests: a signing certificate from the simulator's
commission CA, its key as an encrypted PKCS#8 file, and a valid configuration document to sign."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.core.station_config import CONFIG_FORMAT
from provisioning.fleet_signer import DeterministicFileSigner
from simulator.cards.national_pki import SimNationalPki

PASSPHRASE = b"commission passphrase"
VOTING_DAY = dt.date(2026, 3, 15)
ALMATY = dt.timezone(dt.timedelta(hours=5))
# A moment inside the sample document's validity period.
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Commission:
    """A commission signing key (in memory and as files) and its certificate."""

    signer: DeterministicFileSigner
    certificate: x509.Certificate
    key_path: Path
    passphrase_path: Path
    certificate_path: Path


def issue_signing_certificate(
    pki: SimNationalPki, key: ec.EllipticCurvePrivateKey, *, not_before: dt.datetime, not_after: dt.datetime,
    digital_signature: bool = True,
) -> x509.Certificate:
    """A certificate for ``key`` issued by the simulator's territorial commission CA."""
    authority = pki.commission_ca
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([
            x509.NameAttribute(NameOID.COMMON_NAME, "Territorial Commission configuration signer"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.KeyUsage(
            digital_signature=digital_signature, content_commitment=not digital_signature, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False,
            decipher_only=False,
        ), critical=True)
        .sign(authority.private_key, hashes.SHA256())
    )


def make_commission(directory: Path, pki: SimNationalPki | None = None) -> Commission:
    """A fresh commission key and certificate (valid 2025-2028), written under ``directory``."""
    pki = pki or SimNationalPki.create(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = issue_signing_certificate(
        pki, key, not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), not_after=dt.datetime(2028, 1, 1, tzinfo=dt.UTC)
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / "commission-key.pem"
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE),
    ))
    passphrase_path = directory / "commission-passphrase"
    passphrase_path.write_bytes(PASSPHRASE + b"\n")
    certificate_path = directory / "commission-certs.pem"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return Commission(DeterministicFileSigner(key), certificate, key_path, passphrase_path, certificate_path)


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    """The SubjectPublicKeyInfo PEM of ``key``."""
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


SERVICE_KEY_PEM = public_pem(ec.generate_private_key(ec.SECP256R1()))
ISSUER_KEY_PEM = public_pem(ec.generate_private_key(ec.SECP256R1()))


def common_settings() -> dict[str, Any]:
    """The shared settings of a fleet (``--common``)."""
    return {
        "service_base_url": "https://egov.example.kz",
        "service_keys": {"svc-1": SERVICE_KEY_PEM},
        "document_issuer_keys": {"egov-mobile": ISSUER_KEY_PEM},
        "trust_anchors": {
            "national_ca_roots": ["sha256:" + "ab" * 32],
            "national_ca_intermediates": [],
            "csca_certificates": ["sha256:" + "cd" * 32],
        },
    }


def sample_document(**overrides: Any) -> dict[str, Any]:
    """A valid configuration document for station 101; ``overrides`` replace top-level members."""
    document: dict[str, Any] = {
        "format": CONFIG_FORMAT,
        "serial": 1,
        "station": 101,
        "region": "KZ-43",
        "address": {
            "kk": "Қызылорда қ., Әйтеке би көшесі, 12, №5 мектеп",
            "ru": "г. Кызылорда, ул. Айтеке би, 12, школа № 5",
            "en": "Kyzylorda, Aiteke bi St 12, School No 5",
        },
        "boundaries": "KZ-43/2026/PS-0101",
        "commission_desk": 2,
        "voting_day": VOTING_DAY.isoformat(),
        "opens": "07:00",
        "closes": "20:00",
        "time_zone": "Asia/Almaty",
        "services": ["registration_check", "temporary_registration"],
        **common_settings(),
        "languages": ["kk", "ru", "en"],
        "devices": {
            "card_reader": {"kind": "pcsc", "reader_prefix": ""},
            "scanner": {"kind": "camera"},
            "printer": {"kind": "escpos"},
        },
        "valid_from": "2026-01-15T00:00:00+05:00",
        "valid_until": "2026-03-17T00:00:00+05:00",
    }
    document.update(overrides)
    return document

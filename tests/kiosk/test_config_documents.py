"""The configuration sections for identity documents: ``trust``, ``id_card_profile``, ``card_reader``, and the
``pkcs11`` device key; every older configuration stays valid."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.config import (
    DEFAULT_CARD_READER,
    CardReaderConfig,
    ConfigError,
    KeyFileConfig,
    Pkcs11KeyConfig,
    load_config,
    parse_config,
)
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from simulator.egov.world import prepare, write_kiosk_config


def pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def certificate(name: str) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(1).not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )


SERVICE_KEY = ec.generate_private_key(ec.SECP256R1())
ROOT, NCA, OTHER, CSCA = (certificate(name) for name in ("Root", "NCA", "Other", "CSCA"))


def base(**extra: Any) -> dict[str, Any]:
    return {
        "station": 7,
        "service": {
            "base_url": "https://127.0.0.1:8443", "ca_file": "ca.pem", "service_keys": {"egov-1": pem(SERVICE_KEY)},
        },
        "device_key": {"kind": "keyfile", "path": "k.pem", "passphrase_file": "k.pass"},
        **extra,
    }


@pytest.fixture
def pem_files(tmp_path: Path) -> Path:
    (tmp_path / "certs").mkdir()
    for name, cert in (("root", ROOT), ("nca", NCA), ("csca", CSCA)):
        (tmp_path / "certs" / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    bundle = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in (NCA, OTHER))
    (tmp_path / "certs" / "bundle.pem").write_bytes(bundle)
    (tmp_path / "certs" / "garbage.pem").write_text("not a certificate\n")
    return tmp_path


def trust(**changes: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "national_ca_roots": ["certs/root.pem"],
        "national_ca_intermediates": ["certs/bundle.pem"],
        "csca_certificates": ["certs/csca.pem"],
    }
    section.update(changes)
    return {name: value for name, value in section.items() if value is not ...}


def refused(data: dict[str, Any], relative_to: Path, field_name: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(data, relative_to=relative_to)
    assert f"'{field_name}" in raised.value.message, raised.value.message
    assert raised.value.translation_key == "config.invalid"


# --- older configurations ---------------------------------------------------------------------------------


def test_a_configuration_without_the_new_sections_keeps_working() -> None:
    parsed = parse_config(base(), relative_to=Path("/x"))
    assert parsed.trust is None
    assert parsed.id_card_profile is SIMULATOR_PROFILE
    assert parsed.card_reader == DEFAULT_CARD_READER == CardReaderConfig(kind="pcsc", reader_prefix="")
    assert parsed.device_key == KeyFileConfig(Path("/x/k.pem"), Path("/x/k.pass"))
    with pytest.raises(ConfigError, match="'trust' is missing"):
        parsed.document_trust()


# --- trust -----------------------------------------------------------------------------------------------


def test_trust_anchors_are_loaded_relative_to_the_configuration(pem_files: Path) -> None:
    parsed = parse_config(base(trust=trust()), relative_to=pem_files)
    assert parsed.trust is not None
    assert parsed.trust.national_ca_roots == (pem_files / "certs/root.pem",)
    document_trust = parsed.document_trust()
    assert document_trust.national_ca_roots == (ROOT,)
    assert document_trust.national_ca_intermediates == (NCA, OTHER)  # a file may hold several certificates
    assert document_trust.csca_certificates == (CSCA,)
    assert document_trust.id_card_profile is SIMULATOR_PROFILE


def test_empty_lists_trust_nothing(pem_files: Path) -> None:
    parsed = parse_config(base(trust=trust(csca_certificates=[])), relative_to=pem_files)
    assert parsed.document_trust().csca_certificates == ()


@pytest.mark.parametrize("name", ["national_ca_roots", "national_ca_intermediates", "csca_certificates"])
def test_each_trust_list_is_required(pem_files: Path, name: str) -> None:
    refused(base(trust=trust(**{name: ...})), pem_files, f"trust.{name}")


@pytest.mark.parametrize(
    ("name", "value", "field_name"),
    [
        ("national_ca_roots", "certs/root.pem", "trust.national_ca_roots"),
        ("national_ca_roots", [5], "trust.national_ca_roots[0]"),
        ("national_ca_intermediates", {"a": 1}, "trust.national_ca_intermediates"),
        ("csca_certificates", ["certs/csca.pem", ""], "trust.csca_certificates[1]"),
    ],
)
def test_trust_lists_of_the_wrong_type_are_refused(pem_files: Path, name: str, value: Any, field_name: str) -> None:
    refused(base(trust=trust(**{name: value})), pem_files, field_name)


@pytest.mark.parametrize(
    ("name", "files", "field_name"),
    [
        ("national_ca_roots", ["certs/missing.pem"], "trust.national_ca_roots[0]"),
        ("national_ca_intermediates", ["certs/nca.pem", "certs/garbage.pem"], "trust.national_ca_intermediates[1]"),
        ("csca_certificates", ["certs"], "trust.csca_certificates[0]"),  # a directory cannot be read
    ],
)
def test_unreadable_or_non_pem_files_are_refused_when_documents_are_read(
    pem_files: Path, name: str, files: list[str], field_name: str
) -> None:
    parsed = parse_config(base(trust=trust(**{name: files})), relative_to=pem_files)  # `kiosk check` needs none
    with pytest.raises(ConfigError) as raised:
        parsed.document_trust()
    assert f"'{field_name}'" in raised.value.message, raised.value.message


def test_trust_of_the_wrong_type_is_refused(pem_files: Path) -> None:
    refused(base(trust=["certs/root.pem"]), pem_files, "trust")


# --- id_card_profile -----------------------------------------------------------------------------------------


def test_a_profile_named_or_spelt_out_is_parsed() -> None:
    assert parse_config(base(id_card_profile={"name": "kz-id-pki-sim-v1"}), relative_to=Path("/x")).id_card_profile \
        is SIMULATOR_PROFILE
    spelt = {"name": "issuer-v2", "application_id": "F04B5A4944504B4A", "certificate_file_id": "B001",
             "read_chunk_size": 200, "key_reference": None}
    profile = parse_config(base(id_card_profile=spelt), relative_to=Path("/x")).id_card_profile
    assert profile.name == "issuer-v2" and profile.certificate_file_id == 0xB001 and profile.key_reference is None


@pytest.mark.parametrize(
    ("section", "field_name"),
    [
        ("kz-id-pki-sim-v1", "id_card_profile"),
        ({"name": "unknown-profile"}, "id_card_profile.name"),
        ({"name": "x", "application_id": "F04B5A4944504B4A", "read_chunk_size": 200, "key_reference": 1},
         "id_card_profile.certificate_file_id"),
        ({"name": "x", "application_id": "zz", "certificate_file_id": 1, "read_chunk_size": 200, "key_reference": 1},
         "id_card_profile.application_id"),
        ({"name": "kz-id-pki-sim-v1", "colour": "red"}, "id_card_profile.colour"),
    ],
)
def test_bad_profiles_are_refused(section: Any, field_name: str) -> None:
    refused(base(id_card_profile=section), Path("/x"), field_name)


# --- card_reader -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"kind": "pcsc", "reader_prefix": "Virtual PCD 00 01"}, CardReaderConfig("pcsc", "Virtual PCD 00 01")),
        ({"kind": "in_process"}, CardReaderConfig("in_process")),
    ],
)
def test_card_readers_are_parsed(section: dict[str, Any], expected: CardReaderConfig) -> None:
    assert parse_config(base(card_reader=section), relative_to=Path("/x")).card_reader == expected


@pytest.mark.parametrize(
    ("section", "field_name"),
    [
        ("pcsc", "card_reader"),
        ({"reader_prefix": "x"}, "card_reader.kind"),
        ({"kind": "usb"}, "card_reader.kind"),
        ({"kind": "pcsc"}, "card_reader.reader_prefix"),
        ({"kind": "pcsc", "reader_prefix": 0}, "card_reader.reader_prefix"),
    ],
)
def test_bad_card_readers_are_refused(section: Any, field_name: str) -> None:
    refused(base(card_reader=section), Path("/x"), field_name)


# --- device_key pkcs11 -------------------------------------------------------------------------------------

PKCS11 = {"kind": "pkcs11", "module": "/usr/lib/softhsm/libsofthsm2.so", "token_label": "kiosk",
          "pin_file": "token.pin", "key_label": "kiosk-device"}


def test_a_pkcs11_device_key_is_parsed() -> None:
    parsed = parse_config(base(device_key=PKCS11), relative_to=Path("/etc/kiosk"))
    assert parsed.device_key == Pkcs11KeyConfig(
        module=Path("/usr/lib/softhsm/libsofthsm2.so"), token_label="kiosk", pin_file=Path("/etc/kiosk/token.pin"),
        key_label="kiosk-device",
    )


@pytest.mark.parametrize("name", ["module", "token_label", "pin_file", "key_label"])
def test_each_pkcs11_field_is_required_and_typed(name: str) -> None:
    missing = {key: value for key, value in PKCS11.items() if key != name}
    refused(base(device_key=missing), Path("/x"), f"device_key.{name}")
    refused(base(device_key={**PKCS11, name: 42}), Path("/x"), f"device_key.{name}")


def test_an_unknown_device_key_kind_is_refused() -> None:
    refused(base(device_key={"kind": "tpm"}), Path("/x"), "device_key.kind")


# --- what the simulator writes ---------------------------------------------------------------------------


def test_the_simulators_configuration_trusts_its_card_issuers(tmp_path: Path) -> None:
    paths, station = prepare(tmp_path / "sim", voters=30, stations=2, seed=3)
    write_kiosk_config(paths, base_url="https://127.0.0.1:1", station=station)
    written = json.loads(paths.kiosk_config.read_text())
    assert written["card_reader"] == {"kind": "pcsc", "reader_prefix": "Virtual PCD 00 00"}
    assert written["id_card_profile"] == {"name": SIMULATOR_PROFILE.name}
    document_trust = load_config(paths.kiosk_config).document_trust()
    root = x509.load_pem_x509_certificate((paths.root / "cards/national-pki/root.pem").read_bytes())
    assert document_trust.national_ca_roots == (root,)
    assert len(document_trust.national_ca_intermediates) == 2 and len(document_trust.csca_certificates) == 1

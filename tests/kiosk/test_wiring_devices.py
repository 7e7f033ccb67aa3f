"""The composition root opens what the configuration names: a PKCS#11 device key, and the card reader."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from support.softhsm import SoftHsmToken, softhsm_token

from drivers.card.pcsc import PcscCardReader
from drivers.keystore import KeyStoreError
from drivers.keystore.keyfile import FileKeyStore
from drivers.keystore.pkcs11 import Pkcs11Token, WrongPin
from kiosk.config import CardReaderConfig, ConfigError, KioskConfig, parse_config
from kiosk.wiring import card_reader, open_device_key
from simulator.cards.inprocess import InProcessCardReader

SERVICE_KEY = ec.generate_private_key(ec.SECP256R1())


def configuration(device_key: dict[str, Any], relative_to: Path) -> KioskConfig:
    service_pem = SERVICE_KEY.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    return parse_config({
        "station": 1,
        "service": {"base_url": "https://127.0.0.1:1", "ca_file": "ca.pem", "service_keys": {"k": service_pem}},
        "device_key": device_key,
    }, relative_to=relative_to)


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHsmToken]:
    yield from softhsm_token(tmp_path / "softhsm", monkeypatch)


@pytest.fixture
def key_label(softhsm: SoftHsmToken) -> str:
    label = f"device-{secrets.token_hex(4)}"  # the composition root keeps keys open per configuration
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        token.generate_key(label)
    return label


def pkcs11_section(softhsm: SoftHsmToken, key_label: str) -> dict[str, Any]:
    return {"kind": "pkcs11", "module": str(softhsm.module), "token_label": softhsm.label,
            "pin_file": "token.pin", "key_label": key_label}


def test_a_pkcs11_device_key_signs_inside_the_token(tmp_path: Path, softhsm: SoftHsmToken, key_label: str) -> None:
    softhsm.write_pin_file(tmp_path / "token.pin")
    config = configuration(pkcs11_section(softhsm, key_label), tmp_path)
    key = open_device_key(config)
    signature = key.sign(b"request")
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.public_key().verify(der, b"request", ec.ECDSA(hashes.SHA256()))
    assert open_device_key(config) is key  # one login per process: opened once, then reused


def test_a_missing_pin_file_is_a_key_store_error(tmp_path: Path, softhsm: SoftHsmToken, key_label: str) -> None:
    with pytest.raises(KeyStoreError, match="PIN file"):
        open_device_key(configuration(pkcs11_section(softhsm, key_label), tmp_path))


def test_a_wrong_pin_is_refused(tmp_path: Path, softhsm: SoftHsmToken, key_label: str) -> None:
    softhsm.write_pin_file(tmp_path / "token.pin", "000000")
    with pytest.raises(WrongPin):
        open_device_key(configuration(pkcs11_section(softhsm, key_label), tmp_path))


def test_a_key_file_device_key_still_opens(tmp_path: Path) -> None:
    FileKeyStore.create(tmp_path / "k.pem", b"secret")
    (tmp_path / "k.pass").write_text("secret\n")
    key = open_device_key(configuration({"kind": "keyfile", "path": "k.pem", "passphrase_file": "k.pass"}, tmp_path))
    assert key.key_id.startswith("dev-")


def test_the_configured_pcsc_reader_is_chosen_by_prefix(tmp_path: Path) -> None:
    config = replace(configuration({"kind": "keyfile", "path": "k", "passphrase_file": "p"}, tmp_path),
                     card_reader=CardReaderConfig("pcsc", "Virtual PCD 00 01"))
    reader = card_reader(config)
    assert isinstance(reader, PcscCardReader)
    assert reader._reader_prefix == "Virtual PCD 00 01"


def test_the_in_process_reader_exists_only_when_handed_over(tmp_path: Path) -> None:
    config = replace(configuration({"kind": "keyfile", "path": "k", "passphrase_file": "p"}, tmp_path),
                     card_reader=CardReaderConfig("in_process"))
    with pytest.raises(ConfigError, match="in_process"):
        card_reader(config)
    slot = InProcessCardReader()
    assert card_reader(config, in_process=slot) is slot

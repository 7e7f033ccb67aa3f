"""The kiosk configuration's pinned digital-document issuers (``document_issuers``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from kiosk.config import ConfigError, parse_config


def pem(key: Any) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


SERVICE_KEY = ec.generate_private_key(ec.SECP256R1())
ISSUER_KEY = ec.generate_private_key(ec.SECP256R1())


def config(**extra: Any) -> dict[str, Any]:
    return {
        "station": 7,
        "service": {
            "base_url": "https://127.0.0.1:8443", "ca_file": "ca.pem", "service_keys": {"egov-1": pem(SERVICE_KEY)},
        },
        "device_key": {"kind": "keyfile", "path": "k.pem", "passphrase_file": "k.pass"},
        **extra,
    }


def test_pinned_issuers_are_parsed() -> None:
    parsed = parse_config(config(document_issuers={"ddi-1": pem(ISSUER_KEY)}), relative_to=Path("/x"))
    assert list(parsed.document_issuers) == ["ddi-1"]
    assert parsed.document_issuers["ddi-1"].public_numbers() == ISSUER_KEY.public_key().public_numbers()


@pytest.mark.parametrize("absent", [{}, {"document_issuers": None}, {"document_issuers": {}}])
def test_a_configuration_without_issuers_pins_none(absent: dict[str, Any]) -> None:
    assert parse_config(config(**absent), relative_to=Path("/x")).document_issuers == {}


@pytest.mark.parametrize(
    "issuers",
    [["ddi-1"], {"ddi-1": 5}, {"ddi-1": "not a key"}, {"ddi-1": pem(rsa.generate_private_key(65537, 2048))}],
)
def test_bad_issuer_entries_are_configuration_errors(issuers: Any) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(config(document_issuers=issuers), relative_to=Path("/x"))
    assert "document_issuers" in raised.value.message

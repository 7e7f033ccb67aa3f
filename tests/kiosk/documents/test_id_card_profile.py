"""The ID card profile: the simulator's named default, and parsing one from configuration with typed errors."""

from __future__ import annotations

import pytest

from kiosk.documents.errors import DocumentError
from kiosk.documents.id_card_profile import (
    KNOWN_PROFILES,
    SIMULATOR_PROFILE,
    IdCardProfile,
    IdCardProfileError,
    from_mapping,
)

FULL = {
    "name": "issuer-v2",
    "application_id": "A000000999010203",
    "certificate_file_id": "C001",
    "certificate_short_file_id": 5,
    "ca_certificate_file_id": 0xC002,
    "ca_certificate_short_file_id": 6,
    "key_reference": "0x82",
    "read_chunk_size": 231,
    "challenge_length": 16,
    "max_certificate_length": 4096,
}


def test_simulator_profile_is_named_and_known() -> None:
    assert SIMULATOR_PROFILE.name == "kz-id-pki-sim-v1"
    assert KNOWN_PROFILES["kz-id-pki-sim-v1"] is SIMULATOR_PROFILE
    assert SIMULATOR_PROFILE.application_id[0] >> 4 == 0xF  # proprietary, unregistered AID
    assert SIMULATOR_PROFILE.read_chunk_size == 256
    assert SIMULATOR_PROFILE.key_reference == 0x81


def test_known_profile_by_name() -> None:
    assert from_mapping({"name": "kz-id-pki-sim-v1"}) is SIMULATOR_PROFILE


def test_full_mapping() -> None:
    profile = from_mapping(FULL)
    assert profile == IdCardProfile(
        name="issuer-v2",
        application_id=bytes.fromhex("A000000999010203"),
        certificate_file_id=0xC001,
        certificate_short_file_id=5,
        ca_certificate_file_id=0xC002,
        ca_certificate_short_file_id=6,
        key_reference=0x82,
        read_chunk_size=231,
        challenge_length=16,
        max_certificate_length=4096,
    )


def test_minimal_mapping_without_ca_file_or_key() -> None:
    profile = from_mapping({
        "name": "plain", "application_id": "F000000001", "certificate_file_id": 0x0101,
        "read_chunk_size": 128, "key_reference": None,
    })
    assert profile.key_reference is None
    assert profile.certificate_short_file_id is None
    assert profile.ca_certificate_file_id is None
    assert profile.challenge_length == 32


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        ({"name": ""}, "name"),
        ({"name": 7}, "name"),
        ({"application_id": "F0"}, "application_id"),
        ({"application_id": "zz00000000"}, "application_id"),
        ({"application_id": 123}, "application_id"),
        ({"application_id": "00" * 17}, "application_id"),
        ({"certificate_file_id": "3F00"}, "certificate_file_id"),
        ({"certificate_file_id": "1FFFF"}, "certificate_file_id"),
        ({"certificate_file_id": "A0-1"}, "certificate_file_id"),
        ({"certificate_file_id": True}, "certificate_file_id"),
        ({"certificate_short_file_id": 31}, "certificate_short_file_id"),
        ({"certificate_short_file_id": "5"}, "certificate_short_file_id"),
        ({"ca_certificate_file_id": "C001"}, "ca_certificate_file_id"),
        ({"ca_certificate_short_file_id": 5}, "ca_certificate_short_file_id"),
        ({"key_reference": 256}, "key_reference"),
        ({"key_reference": [1]}, "key_reference"),
        ({"read_chunk_size": 0}, "read_chunk_size"),
        ({"read_chunk_size": 257}, "read_chunk_size"),
        ({"read_chunk_size": 12.5}, "read_chunk_size"),
        ({"challenge_length": 4}, "challenge_length"),
        ({"max_certificate_length": 0x8001}, "max_certificate_length"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_values_name_their_field(change: dict[str, object], field_name: str) -> None:
    with pytest.raises(IdCardProfileError) as raised:
        from_mapping({**FULL, **change})
    assert raised.value.field_name == field_name
    assert raised.value.translation_key == "document.id_card.profile_invalid"
    assert isinstance(raised.value, DocumentError)


@pytest.mark.parametrize("missing", ["application_id", "certificate_file_id", "read_chunk_size", "key_reference"])
def test_missing_required_field(missing: str) -> None:
    mapping = {key: value for key, value in FULL.items() if key != missing}
    with pytest.raises(IdCardProfileError) as raised:
        from_mapping(mapping)
    assert raised.value.field_name == missing


def test_unknown_profile_name_alone_is_refused() -> None:
    with pytest.raises(IdCardProfileError) as raised:
        from_mapping({"name": "no-such-profile"})
    assert raised.value.field_name == "name"


def test_ca_short_file_id_without_ca_file() -> None:
    with pytest.raises(IdCardProfileError) as raised:
        IdCardProfile(name="x", application_id=bytes(5), certificate_file_id=0x0101, read_chunk_size=200,
                      key_reference=None, ca_certificate_short_file_id=3)
    assert raised.value.field_name == "ca_certificate_short_file_id"

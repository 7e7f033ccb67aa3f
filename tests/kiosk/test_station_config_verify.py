"""Verifying the commission's signature: each refused configuration has its own type, key and message."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st
from support.commission import NOW, Commission, issue_signing_certificate, make_commission, sample_document

from kiosk.core.station_config import (
    MalformedStationConfig,
    StationConfigError,
    StationConfigExpired,
    StationConfigForOtherStation,
    StationConfigMissing,
    StationConfigNotYetValid,
    StationConfigTampered,
    StationConfigUnknownSigner,
    StationConfigUnsigned,
)
from kiosk.documents.digital import SIGNING_CONTEXT as DIGITAL_CONTEXT
from kiosk.documents.digital import canonical_document_bytes
from kiosk.station_config_verify import (
    MAX_DOCUMENT_BYTES,
    SIGNING_CONTEXT,
    canonical_config_bytes,
    commission_key_id,
    commission_keys_from_certificates,
    config_digest,
    load_station_config,
    sign_station_config,
    signed_file_bytes,
    verify_signed_config,
)
from provisioning.fleet_signer import DeterministicFileSigner
from simulator.cards.national_pki import SimNationalPki


@pytest.fixture(scope="module")
def commission(tmp_path_factory: pytest.TempPathFactory) -> Commission:
    return make_commission(tmp_path_factory.mktemp("commission"))


@pytest.fixture(scope="module")
def keys(commission: Commission) -> dict[str, ec.EllipticCurvePublicKey]:
    return commission_keys_from_certificates([commission.certificate], NOW)


def _signed(commission: Commission, **overrides: Any) -> dict[str, Any]:
    return sign_station_config(sample_document(**overrides), commission.signer)


def _write(path: Path, envelope: Any) -> Path:
    path.write_bytes(signed_file_bytes(envelope) if isinstance(envelope, dict) else envelope)
    return path


def _refusal(path: Path, keys: dict[str, ec.EllipticCurvePublicKey], *, station: int = 101,
             now: dt.datetime = NOW) -> StationConfigError:
    with pytest.raises(StationConfigError) as refused:
        load_station_config(path, keys, station, now)
    return refused.value


def test_a_signed_configuration_loads(tmp_path: Path, commission: Commission, keys: Any) -> None:
    config = load_station_config(_write(tmp_path / "c.json", _signed(commission)), keys, 101, NOW)
    assert config.station == 101 and config.serial == 1


def test_each_refusal_has_its_own_type_key_and_message(tmp_path: Path, commission: Commission, keys: Any) -> None:
    other_commission = make_commission(tmp_path / "other")
    good = _signed(commission)
    tampered = json.loads(json.dumps(good))
    tampered["config"]["opens"] = "09:00"  # a later opening, after signing
    unsigned = json.loads(json.dumps(good))
    del unsigned["signature"]
    cases: list[tuple[Path, dict[str, Any], type[StationConfigError], str, str]] = [
        (tmp_path / "absent.json", {}, StationConfigMissing, "station_config.missing", "no station configuration"),
        (_write(tmp_path / "bare.json", json.dumps(sample_document()).encode()), {}, StationConfigUnsigned,
         "station_config.unsigned", "bare document with no commission signature"),
        (_write(tmp_path / "unsigned.json", unsigned), {}, StationConfigUnsigned, "station_config.unsigned",
         "carries no commission signature"),
        (_write(tmp_path / "tampered.json", tampered), {}, StationConfigTampered, "station_config.tampered",
         "changed after signing"),
        (_write(tmp_path / "stranger.json", sign_station_config(sample_document(), other_commission.signer)), {},
         StationConfigUnknownSigner, "station_config.unknown_signer", "not a pinned commission key"),
        (_write(tmp_path / "good.json", good), {"station": 7}, StationConfigForOtherStation,
         "station_config.other_station", "for station 101, but this kiosk is enrolled for station 7"),
        (_write(tmp_path / "good.json", good), {"now": dt.datetime(2026, 4, 1, tzinfo=dt.UTC)},
         StationConfigExpired, "station_config.expired", "expired at 2026-03-17"),
        (_write(tmp_path / "good.json", good), {"now": dt.datetime(2025, 12, 1, tzinfo=dt.UTC)},
         StationConfigNotYetValid, "station_config.not_yet_valid", "valid only from 2026-01-15"),
        (_write(tmp_path / "junk.json", b"{not json"), {}, MalformedStationConfig, "station_config.malformed",
         "not valid JSON (line 1)"),
    ]
    seen_keys = set()
    for path, options, kind, key, message in cases:
        refusal = _refusal(path, keys, **options)
        assert type(refusal) is kind, path.name
        assert refusal.translation_key == key
        assert message in refusal.message, (path.name, refusal.message)
        assert "Қызылорда" not in refusal.message and "Kyzylorda" not in refusal.message  # no address in a message
        seen_keys.add(key)
    assert len(seen_keys) == 8


@pytest.mark.parametrize(("mutate", "kind", "message"), [
    (lambda e: e["signature"].update(value=e["signature"]["value"][:-2] + "AA"), StationConfigTampered,
     "does not verify"),
    (lambda e: e["signature"].update(value="!!!!"), StationConfigTampered, "not a 64-byte"),
    (lambda e: e["signature"].update(value=base64.urlsafe_b64encode(b"\0" * 64).decode().rstrip("=")),
     StationConfigTampered, "does not verify"),
    (lambda e: e["signature"].update(algorithm="ed25519"), StationConfigTampered, "unsupported algorithm"),
    (lambda e: e["signature"].update(key_id="tc-0000000000000000"), StationConfigUnknownSigner, "not a pinned"),
    (lambda e: e["signature"].pop("algorithm"), MalformedStationConfig, "must have exactly"),
    (lambda e: e.update(signature=None), StationConfigUnsigned, "no commission signature"),
    (lambda e: e.update(comment="by hand"), MalformedStationConfig, "unknown field 'comment'"),
    (lambda e: e.update(format="kz-station-config-signed/9"), MalformedStationConfig, "format is not"),
    (lambda e: e.update(config=[1, 2]), MalformedStationConfig, "'config' must be a JSON object"),
    (lambda e: e["config"].update(station=102), StationConfigTampered, "does not verify"),
    (lambda e: e["config"]["address"].update(en="Elsewhere"), StationConfigTampered, "does not verify"),
])
def test_tampered_and_malformed_envelopes(commission: Commission, keys: Any, mutate: Any,
                                          kind: type[StationConfigError], message: str) -> None:
    envelope = _signed(commission)
    mutate(envelope)
    with pytest.raises(kind, match=message):
        verify_signed_config(signed_file_bytes(envelope), keys)


@pytest.mark.parametrize(("data", "message"), [
    (b'{"format": "a", "format": "b"}', "repeats the member 'format'"),
    (b'{"serial": 1.0}', "non-integer number"),
    (b'{"serial": NaN}', "non-integer number"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100_000, "nested too deeply|not valid JSON"),
    (b" " * (MAX_DOCUMENT_BYTES + 1), "larger than"),
    (b"", "not valid JSON"),
    (b"[]", "must be a JSON object"),
])
def test_files_that_are_not_strict_json_are_malformed(data: bytes, message: str, keys: Any) -> None:
    with pytest.raises(MalformedStationConfig, match=message):
        verify_signed_config(data, keys)


def test_a_signed_but_malformed_document_is_refused_after_the_signature(commission: Commission, keys: Any) -> None:
    with pytest.raises(MalformedStationConfig):
        sign_station_config(sample_document(debug=True), commission.signer)  # the signer refuses first
    document = sample_document(debug=True)
    envelope = {
        "format": "kz-station-config-signed/1",
        "config": document,
        "signature": {"algorithm": "ecdsa-p256-sha256", "key_id": commission.signer.key_id,
                      "value": base64.urlsafe_b64encode(commission.signer.sign(canonical_config_bytes(document)))
                      .decode().rstrip("=")},
    }
    with pytest.raises(MalformedStationConfig, match="unknown field 'debug'"):
        verify_signed_config(signed_file_bytes(envelope), keys)


def test_the_canonical_form_is_the_digital_documents_jcs_with_its_own_context() -> None:
    document = sample_document()
    signed = canonical_config_bytes(document)
    assert signed.startswith(SIGNING_CONTEXT)
    assert signed[len(SIGNING_CONTEXT):] == canonical_document_bytes(document)[len(DIGITAL_CONTEXT):]
    # RFC 8785: sorted members, no white space, UTF-8 unescaped, integers as written.
    assert b'"address":{"en":"Kyzylorda' in signed and "Қызылорда".encode() in signed
    assert b'"commission_desk":2,' in signed
    assert b'": ' not in signed and b'", "' not in signed
    reordered = dict(reversed(list(document.items())))
    assert canonical_config_bytes(reordered) == signed
    assert config_digest(reordered) == config_digest(document)


def test_signing_is_deterministic_for_a_file_key(commission: Commission) -> None:
    assert signed_file_bytes(_signed(commission)) == signed_file_bytes(_signed(commission))
    assert _signed(commission)["signature"]["key_id"] == commission_key_id(commission.signer.public_key())


def test_only_certificates_valid_now_and_for_signatures_give_keys(commission: Commission) -> None:
    pki = SimNationalPki.create(now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    old_key, encipher_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    expired = issue_signing_certificate(pki, old_key, not_before=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
                                        not_after=dt.datetime(2021, 1, 1, tzinfo=dt.UTC))
    not_for_signing = issue_signing_certificate(
        pki, encipher_key, not_before=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        not_after=dt.datetime(2028, 1, 1, tzinfo=dt.UTC), digital_signature=False,
    )
    keys = commission_keys_from_certificates([expired, not_for_signing, commission.certificate], NOW)
    assert list(keys) == [commission.signer.key_id]
    envelope = sign_station_config(sample_document(), DeterministicFileSigner(old_key))
    with pytest.raises(StationConfigUnknownSigner):
        verify_signed_config(signed_file_bytes(envelope), keys)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_are_refused_with_a_typed_error(data: bytes) -> None:
    keys = {"tc-0": ec.generate_private_key(ec.SECP256R1()).public_key()} if not data else {}
    with pytest.raises(StationConfigError):
        verify_signed_config(data, keys)


@settings(max_examples=200, deadline=None)
@given(position=st.integers(min_value=0), replacement=st.integers(min_value=0, max_value=255))
def test_any_changed_byte_of_a_signed_file_is_refused_or_changes_nothing(
    commission: Commission, keys: Any, position: int, replacement: int
) -> None:
    data = bytearray(signed_file_bytes(_signed(commission)))
    index = position % len(data)
    data[index] = replacement
    try:
        verified = verify_signed_config(bytes(data), keys)
    except StationConfigError:
        return
    # Only a change JSON ignores (white space) or an equivalent escape may pass; the signed content is the same.
    assert verified.document == sample_document()

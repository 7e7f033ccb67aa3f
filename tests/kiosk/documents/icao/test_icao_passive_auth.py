"""Passive authentication against EF.SOD files made by the simulator's PKI (and by OpenSSL, where present)."""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
from pathlib import Path

import pytest
from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.ci import require_program

from kiosk.documents import tlv
from kiosk.documents.icao.errors import (
    DataGroupHashMismatchError,
    ExpiredCertificateError,
    MalformedSodError,
    PassiveAuthenticationError,
    SodSignatureError,
    UnknownCscaError,
)
from kiosk.documents.icao.lds_security_object import LdsSecurityObject
from kiosk.documents.icao.passive_auth import parse_sod, verify_sod
from simulator.cards.emrtd_pki import IssuedCertificate, build_ef_sod, make_csca, make_document_signer

TD1_MRZ = (
    "I<UTOD231458907<<<<<<<<<<<<<<<"
    "7408122F1204159UTO<<<<<<<<<<<6"
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
DG1 = tlv.encode_tlv(0x61, tlv.encode_tlv(0x5F1F, TD1_MRZ.encode()))
DG2 = tlv.encode_tlv(0x75, bytes(range(256)) * 4)  # stands in for the face image: only its hash matters
DATA_GROUPS = {1: DG1, 2: DG2}
TODAY = dt.datetime.now(dt.UTC).date()

_CSCA = make_csca()
_SIGNER = make_document_signer(_CSCA)
_SOD = build_ef_sod(DATA_GROUPS, _SIGNER)


def test_genuine_sod_passes_every_check() -> None:
    result = verify_sod(_SOD, DATA_GROUPS, [_CSCA.certificate], TODAY)
    assert result.checks_passed == (
        "sod_signature", "message_digest", "document_signer_issued_by_csca", "certificates_valid",
        "data_group_hashes",
    )
    assert result.verified_data_groups == (1, 2)
    assert result.unread_data_groups == ()
    assert result.hash_algorithm == "sha256"
    assert "Simulator CSCA" in result.csca_subject


def test_unread_data_groups_are_reported_not_verified() -> None:
    result = verify_sod(_SOD, {1: DG1}, [_CSCA.certificate], TODAY)
    assert result.verified_data_groups == (1,)
    assert result.unread_data_groups == (2,)


def test_no_data_group_given_leaves_that_check_out() -> None:
    result = verify_sod(_SOD, {}, [_CSCA.certificate], TODAY)
    assert "data_group_hashes" not in result.checks_passed
    assert "sod_signature" in result.checks_passed


def test_parse_sod_lists_the_hashes() -> None:
    document = parse_sod(_SOD)
    assert sorted(document.data_group_hashes) == [1, 2]
    assert document.signature_algorithm == "ecdsa"
    assert document.document_signer == _SIGNER.certificate


@pytest.mark.parametrize("hash_algorithm", ["sha1", "sha224", "sha256", "sha384", "sha512"])
def test_each_hash_algorithm(hash_algorithm: str) -> None:
    sod = build_ef_sod(DATA_GROUPS, _SIGNER, hash_algorithm=hash_algorithm)  # type: ignore[arg-type]
    assert verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY).hash_algorithm == hash_algorithm


@pytest.fixture(scope="module")
def rsa_pki() -> tuple[IssuedCertificate, IssuedCertificate]:
    csca = make_csca(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    signer = make_document_signer(csca, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return csca, signer


@pytest.mark.parametrize("scheme", ["rsa_pkcs1v15", "rsa_pss"])
def test_rsa_signatures(rsa_pki: tuple[IssuedCertificate, IssuedCertificate], scheme: str) -> None:
    csca, signer = rsa_pki
    sod = build_ef_sod(DATA_GROUPS, signer, signature_scheme=scheme, hash_algorithm="sha384")  # type: ignore[arg-type]
    assert verify_sod(sod, DATA_GROUPS, [csca.certificate], TODAY).verified_data_groups == (1, 2)
    forged = build_ef_sod(DATA_GROUPS, signer, signature_scheme=scheme, faults={"wrong_signer_key"})  # type: ignore[arg-type]
    with pytest.raises(SodSignatureError):
        verify_sod(forged, DATA_GROUPS, [csca.certificate], TODAY)


def test_tampered_dg1_fails_with_its_number() -> None:
    tampered = DG1.replace(b"ERIKSSON", b"ERIKSSEN")
    with pytest.raises(DataGroupHashMismatchError) as raised:
        verify_sod(_SOD, {1: tampered, 2: DG2}, [_CSCA.certificate], TODAY)
    assert raised.value.data_group == 1
    assert raised.value.translation_key == "document.icao.passive_auth.hash_mismatch"
    assert "ERIKSS" not in raised.value.message


def test_tampered_hash_in_sod_fails() -> None:
    sod = build_ef_sod(DATA_GROUPS, _SIGNER, faults={"tampered_hash"})
    with pytest.raises(DataGroupHashMismatchError) as raised:
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)
    assert raised.value.data_group == 1


def test_data_group_not_listed_in_sod_fails() -> None:
    with pytest.raises(DataGroupHashMismatchError) as raised:
        verify_sod(_SOD, {1: DG1, 11: tlv.encode_tlv(0x6B, b"x")}, [_CSCA.certificate], TODAY)
    assert raised.value.data_group == 11


def test_sod_signed_with_another_key_fails() -> None:
    sod = build_ef_sod(DATA_GROUPS, _SIGNER, faults={"wrong_signer_key"})
    with pytest.raises(SodSignatureError) as raised:
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)
    assert raised.value.translation_key == "document.icao.passive_auth.bad_signature"


def test_wrong_message_digest_fails() -> None:
    sod = build_ef_sod(DATA_GROUPS, _SIGNER, faults={"tampered_message_digest"})
    with pytest.raises(SodSignatureError):
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)


def test_unknown_csca_fails() -> None:
    other_csca = make_csca(country="UT", common_name="Unknown CSCA")
    sod = build_ef_sod(DATA_GROUPS, make_document_signer(other_csca))
    with pytest.raises(UnknownCscaError) as raised:
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)
    assert raised.value.translation_key == "document.icao.passive_auth.unknown_csca"


def test_csca_impostor_with_the_same_name_fails() -> None:
    impostor = make_csca()  # same subject as the configured CSCA, its own key
    sod = build_ef_sod(DATA_GROUPS, make_document_signer(impostor))
    with pytest.raises(UnknownCscaError):
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)


def test_right_csca_is_found_among_several() -> None:
    others = [make_csca().certificate, make_csca(country="UT").certificate]
    assert verify_sod(_SOD, DATA_GROUPS, [*others, _CSCA.certificate], TODAY).verified_data_groups == (1, 2)


def test_no_csca_configured_fails() -> None:
    with pytest.raises(UnknownCscaError):
        verify_sod(_SOD, DATA_GROUPS, [], TODAY)


def test_expired_document_signer_fails() -> None:
    sod = build_ef_sod(DATA_GROUPS, make_document_signer(_CSCA, expired=True))
    with pytest.raises(ExpiredCertificateError) as raised:
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)
    assert raised.value.role == "document_signer"
    assert raised.value.translation_key == "document.icao.passive_auth.expired_certificate"


def test_document_signer_not_yet_valid_fails() -> None:
    with pytest.raises(ExpiredCertificateError) as raised:
        verify_sod(_SOD, DATA_GROUPS, [_CSCA.certificate], TODAY - dt.timedelta(days=30))
    assert raised.value.role == "document_signer"


def test_expired_csca_fails() -> None:
    now = dt.datetime.now(dt.UTC)
    csca = make_csca(not_before=now - dt.timedelta(days=10), not_after=now + dt.timedelta(days=1))
    sod = build_ef_sod(DATA_GROUPS, make_document_signer(csca))
    with pytest.raises(ExpiredCertificateError) as raised:
        verify_sod(sod, DATA_GROUPS, [csca.certificate], TODAY + dt.timedelta(days=5))
    assert raised.value.role == "csca"


@pytest.mark.parametrize(
    "ef_sod",
    [
        b"",
        b"\x77",
        b"\x77\x00",
        _SOD + b"\x00",  # bytes after the data object
        b"\x76" + _SOD[1:],  # wrong tag
        tlv.encode_tlv(0x77, b"\x30\x03\x02\x01\x00"),  # DER, but not a ContentInfo
        _SOD[:4] + b"\x31" + _SOD[5:],  # ContentInfo tagged as a SET
    ],
)
def test_malformed_sod_fails(ef_sod: bytes) -> None:
    with pytest.raises(MalformedSodError) as raised:
        verify_sod(ef_sod, DATA_GROUPS, [_CSCA.certificate], TODAY)
    assert raised.value.translation_key == "document.icao.passive_auth.malformed_sod"


def test_security_object_with_repeated_data_group_is_malformed() -> None:
    document = LdsSecurityObject({
        "version": 0,
        "hash_algorithm": {"algorithm": "sha256"},
        "data_group_hash_values": [
            {"data_group_number": 1, "data_group_hash_value": bytes(32)},
            {"data_group_number": 1, "data_group_hash_value": bytes(32)},
        ],
    })
    sod = _SOD.replace(parse_sod(_SOD).lds_security_object, document.dump())
    with pytest.raises(MalformedSodError):
        verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY)


@settings(max_examples=200, deadline=None)
@given(length=st.integers(0, len(_SOD) - 1))
def test_truncated_sod_is_malformed(length: int) -> None:
    with pytest.raises(MalformedSodError):
        verify_sod(_SOD[:length], DATA_GROUPS, [_CSCA.certificate], TODAY)


@settings(max_examples=200, deadline=None)
@given(length=st.integers(0, len(_SOD) - 5))
def test_truncated_sod_rewrapped_is_malformed(length: int) -> None:
    # The outer '77' length fixed up to match: the CMS inside is what is truncated.
    inner = tlv.parse_one(_SOD)[0].value
    with pytest.raises(MalformedSodError):
        verify_sod(tlv.encode_tlv(0x77, inner[:length]), DATA_GROUPS, [_CSCA.certificate], TODAY)


_RSA_CSCA = make_csca(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
_PSS_SOD = build_ef_sod(
    DATA_GROUPS,
    make_document_signer(_RSA_CSCA, key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    signature_scheme="rsa_pss",
)
_MUTATION_CASES = [(_SOD, _CSCA.certificate), (_PSS_SOD, _RSA_CSCA.certificate)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(_MUTATION_CASES), position=st.integers(0, 2000), value=st.integers(0, 255))
def test_mutated_sod_raises_only_typed_errors(
    case: tuple[bytes, x509.Certificate], position: int, value: int
) -> None:
    sod, csca = case
    mutated = bytearray(sod)
    mutated[position % len(sod)] = value
    # A typed error is the expected outcome (a mutation in an unsigned, unused field may even pass);
    # any other exception fails the test.
    with contextlib.suppress(PassiveAuthenticationError):
        verify_sod(bytes(mutated), DATA_GROUPS, [csca], TODAY)


def test_mutated_pss_salt_length_is_malformed() -> None:
    # Found by the test above: a negative salt length must not reach cryptography (it raises ValueError).
    salt = b"\xa2\x03\x02\x01\x20"  # [2] EXPLICIT INTEGER 32
    assert _PSS_SOD.count(salt) == 1
    with pytest.raises(MalformedSodError):
        verify_sod(_PSS_SOD.replace(salt, b"\xa2\x03\x02\x01\xe0"), DATA_GROUPS, [_RSA_CSCA.certificate], TODAY)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_sod_raises_only_typed_errors(data: bytes) -> None:
    with pytest.raises(PassiveAuthenticationError):
        verify_sod(tlv.encode_tlv(0x77, data), DATA_GROUPS, [_CSCA.certificate], TODAY)


def _openssl() -> str:
    return require_program("openssl", "openssl")


def test_openssl_verifies_the_simulator_sod(tmp_path: Path) -> None:
    openssl = _openssl()
    (tmp_path / "sod.der").write_bytes(tlv.parse_one(_SOD)[0].value)
    (tmp_path / "csca.pem").write_bytes(_CSCA.certificate.public_bytes(serialization.Encoding.PEM))
    subprocess.run(
        [openssl, "cms", "-verify", "-inform", "DER", "-in", "sod.der", "-CAfile", "csca.pem", "-purpose", "any",
         "-binary", "-out", "content.der"],
        cwd=tmp_path, check=True, capture_output=True,
    )
    assert (tmp_path / "content.der").read_bytes() == parse_sod(_SOD).lds_security_object


@pytest.mark.parametrize("pss", [False, True])
def test_sod_signed_by_openssl_verifies(
    tmp_path: Path, rsa_pki: tuple[IssuedCertificate, IssuedCertificate], pss: bool
) -> None:
    openssl = _openssl()
    csca, signer = rsa_pki
    content = parse_sod(build_ef_sod(DATA_GROUPS, signer)).lds_security_object
    (tmp_path / "lds.der").write_bytes(content)
    (tmp_path / "ds.pem").write_bytes(signer.certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "ds.key").write_bytes(signer.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    options = ["-keyopt", "rsa_padding_mode:pss", "-keyopt", "rsa_pss_saltlen:32"] if pss else []
    subprocess.run(
        [openssl, "cms", "-sign", "-in", "lds.der", "-binary", "-nodetach", "-econtent_type", "2.23.136.1.1.1",
         "-signer", "ds.pem", "-inkey", "ds.key", "-md", "sha384", *options, "-outform", "DER", "-out", "sod.der"],
        cwd=tmp_path, check=True, capture_output=True,
    )
    sod = tlv.encode_tlv(0x77, (tmp_path / "sod.der").read_bytes())
    result = verify_sod(sod, DATA_GROUPS, [csca.certificate], TODAY)
    assert result.verified_data_groups == (1, 2)
    assert parse_sod(sod).signature_algorithm == ("rsassa_pss" if pss else "rsassa_pkcs1v15")


def test_certificates_load_from_der() -> None:
    assert x509.load_der_x509_certificate(_CSCA.certificate_der()) == _CSCA.certificate


def test_signer_named_by_subject_key_identifier_verifies() -> None:
    sod = build_ef_sod(DATA_GROUPS, _SIGNER, signer_identifier="subject_key_identifier")
    assert verify_sod(sod, DATA_GROUPS, [_CSCA.certificate], TODAY).verified_data_groups == (1, 2)


def test_sod_without_the_document_signer_certificate_is_malformed() -> None:
    with pytest.raises(MalformedSodError):
        verify_sod(build_ef_sod(DATA_GROUPS, _SIGNER, include_certificate=False), DATA_GROUPS,
                   [_CSCA.certificate], TODAY)


def test_sod_naming_another_signer_is_malformed() -> None:
    # The certificate carried is not the one the SignerInfo names.
    content_info = cms.ContentInfo.load(tlv.parse_one(build_ef_sod(DATA_GROUPS, make_document_signer(_CSCA)))[0].value)
    content_info["content"]["certificates"] = [asn1_x509.Certificate.load(_SIGNER.certificate_der())]
    with pytest.raises(MalformedSodError):
        verify_sod(tlv.encode_tlv(0x77, content_info.dump(force=True)), DATA_GROUPS, [_CSCA.certificate], TODAY)

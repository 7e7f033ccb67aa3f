"""The simulator's eMRTD PKI: certificates as ICAO 9303 Part 12 shapes them, and EF.SOD with its faults."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from asn1crypto import cms
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.documents import tlv
from kiosk.documents.icao.errors import DataGroupHashMismatchError, ExpiredCertificateError, SodSignatureError
from kiosk.documents.icao.passive_auth import parse_sod, verify_sod
from simulator.cards.emrtd_pki import build_ef_sod, make_csca, make_document_signer

DATA_GROUPS = {1: tlv.encode_tlv(0x61, tlv.encode_tlv(0x5F1F, b"P<UTO" + b"<" * 83)), 2: b"\x75\x01\x00"}
TODAY = dt.datetime.now(dt.UTC).date()
CSCA = make_csca()
SIGNER = make_document_signer(CSCA)


def test_csca_is_a_self_signed_p256_ca() -> None:
    certificate = CSCA.certificate
    assert certificate.subject == certificate.issuer
    certificate.verify_directly_issued_by(certificate)
    key = certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature


def test_document_signer_is_issued_by_the_csca() -> None:
    certificate = SIGNER.certificate
    certificate.verify_directly_issued_by(CSCA.certificate)
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)[0].value == "KZ"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and not usage.key_cert_sign
    with pytest.raises(x509.ExtensionNotFound):  # an end-entity certificate: no CA constraints
        certificate.extensions.get_extension_for_class(x509.BasicConstraints)
    authority = certificate.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    subject_key = CSCA.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert authority.key_identifier == subject_key.digest


def test_certificates_are_valid_today_and_the_expired_one_is_not() -> None:
    for certificate in (CSCA.certificate, SIGNER.certificate):
        assert certificate.not_valid_before_utc.date() < TODAY < certificate.not_valid_after_utc.date()
    expired = make_document_signer(CSCA, expired=True).certificate
    assert expired.not_valid_after_utc.date() < TODAY


def test_sod_lists_the_hash_of_each_data_group() -> None:
    sod = build_ef_sod(DATA_GROUPS, SIGNER, hash_algorithm="sha512")
    assert sod[0] == 0x77
    document = parse_sod(sod)
    assert document.hash_algorithm == "sha512"
    assert dict(document.data_group_hashes) == {
        number: hashlib.sha512(data).digest() for number, data in DATA_GROUPS.items()
    }
    assert verify_sod(sod, DATA_GROUPS, [CSCA.certificate], TODAY).verified_data_groups == (1, 2)


def test_each_fault_breaks_its_own_check() -> None:
    with pytest.raises(SodSignatureError):
        verify_sod(build_ef_sod(DATA_GROUPS, SIGNER, faults={"wrong_signer_key"}), DATA_GROUPS,
                   [CSCA.certificate], TODAY)
    with pytest.raises(SodSignatureError):
        verify_sod(build_ef_sod(DATA_GROUPS, SIGNER, faults={"tampered_message_digest"}), DATA_GROUPS,
                   [CSCA.certificate], TODAY)
    with pytest.raises(DataGroupHashMismatchError):
        verify_sod(build_ef_sod(DATA_GROUPS, SIGNER, faults={"tampered_hash"}), DATA_GROUPS,
                   [CSCA.certificate], TODAY)
    with pytest.raises(ExpiredCertificateError):
        verify_sod(build_ef_sod(DATA_GROUPS, make_document_signer(CSCA, expired=True)), DATA_GROUPS,
                   [CSCA.certificate], TODAY)


def test_sod_needs_a_data_group() -> None:
    with pytest.raises(ValueError):
        build_ef_sod({}, SIGNER)


def test_rsa_scheme_with_an_ec_key_is_refused() -> None:
    with pytest.raises(ValueError):
        build_ef_sod(DATA_GROUPS, SIGNER, signature_scheme="rsa_pss")


def test_signer_identifier_and_certificate_options() -> None:
    by_key = cms.ContentInfo.load(tlv.parse_one(
        build_ef_sod(DATA_GROUPS, SIGNER, signer_identifier="subject_key_identifier"))[0].value)
    signer_info = by_key["content"]["signer_infos"][0]
    assert signer_info["sid"].name == "subject_key_identifier"
    assert signer_info["version"].native == "v3"
    bare = cms.ContentInfo.load(tlv.parse_one(build_ef_sod(DATA_GROUPS, SIGNER, include_certificate=False))[0].value)
    assert not bare["content"]["certificates"].native

"""The simulator's national CA: subjects as the NCA writes them, chains, validity options, commission roles, CRL."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulator.cards.national_pki import (
    COMMISSION_ROLE_UNITS,
    Person,
    SimNationalPki,
    new_key,
)

NOW = dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.UTC)
PERSON = Person(iin="900101301233", surname="Сейтқалиев", given_name="Әлихан", patronymic="Бауыржанұлы")


@pytest.fixture(scope="module")
def pki() -> SimNationalPki:
    return SimNationalPki.create(now=NOW)


def attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> list[str]:
    return [str(item.value) for item in name.get_attributes_for_oid(oid)]


def test_authentication_certificate_subject_follows_the_nca(pki: SimNationalPki) -> None:
    subject = pki.issue_authentication_certificate(PERSON).certificate.subject
    assert attribute(subject, NameOID.SERIAL_NUMBER) == ["IIN900101301233"]
    assert attribute(subject, NameOID.SURNAME) == ["СЕЙТҚАЛИЕВ"]
    assert attribute(subject, NameOID.COMMON_NAME) == ["СЕЙТҚАЛИЕВ ӘЛИХАН"]
    assert attribute(subject, NameOID.GIVEN_NAME) == ["БАУЫРЖАНҰЛЫ"]  # G is the patronymic
    assert attribute(subject, NameOID.COUNTRY_NAME) == ["KZ"]


def test_person_without_patronymic_has_no_given_name_attribute(pki: SimNationalPki) -> None:
    subject = pki.issue_authentication_certificate(Person("850714400420", "Smith", "Anna")).certificate.subject
    assert attribute(subject, NameOID.GIVEN_NAME) == []
    assert attribute(subject, NameOID.COMMON_NAME) == ["SMITH ANNA"]


def test_omit_iin_leaves_out_the_serial_number(pki: SimNationalPki) -> None:
    subject = pki.issue_authentication_certificate(PERSON, omit_iin=True).certificate.subject
    assert attribute(subject, NameOID.SERIAL_NUMBER) == []
    assert attribute(subject, NameOID.SURNAME) == ["СЕЙТҚАЛИЕВ"]


def test_chain_verifies_and_the_key_pair_matches(pki: SimNationalPki) -> None:
    credential = pki.issue_authentication_certificate(PERSON)
    credential.certificate.verify_directly_issued_by(pki.issuing_ca.certificate)
    pki.issuing_ca.certificate.verify_directly_issued_by(pki.root.certificate)
    pki.root.certificate.verify_directly_issued_by(pki.root.certificate)  # self-signed
    public_key = credential.certificate.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert public_key.public_numbers() == credential.private_key.public_key().public_numbers()
    signature = credential.private_key.sign(b"challenge", ec.ECDSA(hashes.SHA256()))
    public_key.verify(signature, b"challenge", ec.ECDSA(hashes.SHA256()))
    assert x509.load_der_x509_certificate(credential.certificate_der) == credential.certificate


def test_given_key_is_certified(pki: SimNationalPki) -> None:
    key = new_key()
    credential = pki.issue_authentication_certificate(PERSON, key=key)
    assert credential.private_key is key
    assert credential.certificate.public_key() == key.public_key()


def test_extensions_of_a_person_and_of_the_cas(pki: SimNationalPki) -> None:
    certificate = pki.issue_authentication_certificate(PERSON).certificate
    assert certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.CLIENT_AUTH in usages
    for ca in (pki.root.certificate, pki.issuing_ca.certificate, pki.commission_ca.certificate):
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
        assert ca.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign
    assert pki.issuing_ca.certificate.issuer == pki.root.certificate.subject
    assert pki.trusted_roots == (pki.root.certificate,)
    assert pki.intermediates == (pki.issuing_ca.certificate, pki.commission_ca.certificate)


def test_certificate_is_longer_than_one_short_read(pki: SimNationalPki) -> None:
    assert len(pki.issue_authentication_certificate(PERSON).certificate_der) > 256


def test_validity_options(pki: SimNationalPki) -> None:
    valid = pki.issue_authentication_certificate(PERSON).certificate
    assert valid.not_valid_before_utc < NOW < valid.not_valid_after_utc
    expired = pki.issue_authentication_certificate(PERSON, timing="expired").certificate
    assert expired.not_valid_after_utc < NOW
    assert expired.not_valid_after_utc.date() < NOW.date()
    future = pki.issue_authentication_certificate(PERSON, timing="not_yet_valid").certificate
    assert future.not_valid_before_utc > NOW
    assert future.not_valid_before_utc.date() > NOW.date()


def test_another_authority_is_another_root(pki: SimNationalPki) -> None:
    rogue = SimNationalPki.create(name="Rogue CA", now=NOW)
    assert rogue.root.certificate.subject != pki.root.certificate.subject
    certificate = rogue.issue_authentication_certificate(PERSON).certificate
    assert certificate.issuer != pki.issuing_ca.certificate.subject


def test_a_forger_copying_the_names_has_other_keys(pki: SimNationalPki) -> None:
    forger = SimNationalPki.create(now=NOW)
    assert forger.issuing_ca.certificate.subject == pki.issuing_ca.certificate.subject
    forged = forger.issue_authentication_certificate(PERSON).certificate
    with pytest.raises(InvalidSignature):
        forged.verify_directly_issued_by(pki.issuing_ca.certificate)


@pytest.mark.parametrize("role", list(COMMISSION_ROLE_UNITS))
def test_commission_member_certificate(pki: SimNationalPki, role: str) -> None:
    credential = pki.issue_commission_member_certificate(PERSON, role=role, commission="PEC 117")  # type: ignore[arg-type]
    subject = credential.certificate.subject
    assert attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME) == [COMMISSION_ROLE_UNITS[role]]  # type: ignore[index]
    assert attribute(subject, NameOID.ORGANIZATION_NAME) == ["PEC 117"]
    assert attribute(subject, NameOID.SERIAL_NUMBER) == ["IIN900101301233"]
    assert credential.certificate.issuer == pki.commission_ca.certificate.subject
    assert credential.certificate.issuer != pki.issuing_ca.certificate.subject
    credential.certificate.verify_directly_issued_by(pki.commission_ca.certificate)
    assert COMMISSION_ROLE_UNITS["member"] == "PEC member"


def test_revocation_is_marked_and_listed_in_a_signed_crl() -> None:
    pki = SimNationalPki.create(now=NOW)
    kept = pki.issue_authentication_certificate(PERSON)
    revoked = pki.issue_authentication_certificate(PERSON, revoked=True)
    assert pki.is_revoked(revoked.certificate)
    assert not pki.is_revoked(kept.certificate)
    crl = pki.certificate_revocation_list()
    assert crl.is_signature_valid(pki.issuing_ca.private_key.public_key())
    assert crl.issuer == pki.issuing_ca.certificate.subject
    assert crl.get_revoked_certificate_by_serial_number(revoked.certificate.serial_number) is not None
    assert crl.get_revoked_certificate_by_serial_number(kept.certificate.serial_number) is None
    pki.revoke(kept.certificate)
    assert pki.is_revoked(kept.certificate)
    assert len(pki.certificate_revocation_list()) == 2
    commission_crl = pki.certificate_revocation_list("commission")
    assert commission_crl.is_signature_valid(pki.commission_ca.private_key.public_key())

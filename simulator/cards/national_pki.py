"""The simulator's national certificate authority: a root CA, the issuing "NCA" and a territorial commission CA.

It issues what the national ID card carries (an authentication certificate for a person) and what commission
members log in with (a certificate naming their role), all ECDSA P-256 through ``cryptography``'s x509 builder.
Nothing here is a real authority's key; every key is generated on the fly.

Subjects follow the national CA's convention for individuals (as seen on its published certificates):
``CN`` = "SURNAME GIVENNAME", ``SN`` (surname) = SURNAME, ``serialNumber`` = "IIN" + the 12 digits, ``C`` = KZ and
``G`` (givenName, 2.5.4.42) holding the **patronymic**, not the given name; the given name appears only in the CN.
A commission member's certificate adds ``O`` = the commission and ``OU`` = the role ("PEC member").

Faults a fraudster or a broken card would bring can be asked for: an expired or not-yet-valid certificate, a
certificate under a root the kiosk does not know (make a second :class:`SimNationalPki` with another name), a
forged one that copies the NCA's name but not its key (``SimNationalPki.create(name=...)`` with the real name),
and revocation (recorded here; :meth:`SimNationalPki.certificate_revocation_list` signs a CRL for later use).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulator.cards.certificate_builder import certificate_builder

CertificateTiming = Literal["valid", "expired", "not_yet_valid"]
CommissionRole = Literal["member", "chair", "deputy_chair", "secretary"]

IIN_SERIAL_PREFIX = "IIN"  # the national CA writes serialNumber as "IIN" followed by the 12 digits
COUNTRY = "KZ"
DEFAULT_AUTHORITY_NAME = "Simulator National CA"

ROOT_VALIDITY = dt.timedelta(days=20 * 365)
ISSUING_CA_VALIDITY = dt.timedelta(days=10 * 365)
PERSON_VALIDITY = dt.timedelta(days=365)  # the national CA issues individuals' certificates for one year
_BACKDATE = dt.timedelta(days=1)  # a certificate made now is already valid for "today" in every time zone
_CRL_VALIDITY = dt.timedelta(days=1)

# The role as written in the OU of a commission member's certificate.
COMMISSION_ROLE_UNITS: dict[CommissionRole, str] = {
    "member": "PEC member",
    "chair": "PEC chair",
    "deputy_chair": "PEC deputy chair",
    "secretary": "PEC secretary",
}


@dataclass(frozen=True, slots=True)
class Person:
    """Whose certificate is issued: the IIN (12 digits) and the names as printed on the card."""

    iin: str
    surname: str
    given_name: str
    patronymic: str | None = None

    @property
    def common_name(self) -> str:
        """The CN the national CA writes: surname then given name, in capitals."""
        return f"{self.surname} {self.given_name}".upper()


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A certificate and its private key (the simulator is the authority and the card, so it holds both)."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    @property
    def certificate_der(self) -> bytes:
        """The certificate in DER, as a card file or the kiosk's configuration holds it."""
        return self.certificate.public_bytes(serialization.Encoding.DER)


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


# --- saving and loading (the simulator's state directory keeps one authority for good) ---------------------

PRIVATE_FILE_MODE = 0o600
_CREDENTIAL_FILES = {"root": "root", "issuing_ca": "nca", "commission_ca": "commission-ca"}


def write_pem_file(path: Path, data: bytes, *, private: bool) -> None:
    """Write PEM ``data`` to a new file at ``path``; a private key's file is created mode 0600 (never wider)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE if private else 0o644)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def private_key_pem(key: PrivateKeyTypes) -> bytes:
    """An unencrypted PKCS#8 PEM of a simulator key (the files are 0600 in a 0700 directory)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def save_credential(directory: Path, stem: str, certificate: x509.Certificate, key: PrivateKeyTypes) -> None:
    """Write ``<stem>.pem`` (the certificate) and ``<stem>-key.pem`` (its key, 0600) under ``directory``."""
    write_pem_file(directory / f"{stem}.pem", certificate.public_bytes(serialization.Encoding.PEM), private=False)
    write_pem_file(directory / f"{stem}-key.pem", private_key_pem(key), private=True)


def load_credential_files(directory: Path, stem: str) -> tuple[x509.Certificate, PrivateKeyTypes]:
    """The certificate and private key :func:`save_credential` wrote (``ValueError`` when they do not pair)."""
    certificate = x509.load_pem_x509_certificate((directory / f"{stem}.pem").read_bytes())
    key = serialization.load_pem_private_key((directory / f"{stem}-key.pem").read_bytes(), password=None)
    if key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise ValueError(f"{stem}-key.pem does not belong to {stem}.pem")
    return certificate, key


@dataclass
class SimNationalPki:
    """A root CA with two issuing CAs under it: the NCA (for people) and a territorial commission CA.

    Build it with :meth:`create`. ``revoked`` holds the serial numbers marked revoked, with the revocation time.
    """

    root: IssuedCredential
    issuing_ca: IssuedCredential
    commission_ca: IssuedCredential
    now: dt.datetime
    revoked: dict[int, dt.datetime] = field(default_factory=dict)

    @classmethod
    def create(cls, *, name: str = DEFAULT_AUTHORITY_NAME, now: dt.datetime | None = None) -> SimNationalPki:
        """A new authority; ``name`` prefixes the CA names (another name makes a root the kiosk does not know).

        ``now`` fixes the clock (UTC) for reproducible validity periods; it defaults to the current time.
        """
        moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        start = moment - _BACKDATE
        root_key = new_key()
        root_name = _ca_name(f"{name} Root")
        root_certificate = (
            certificate_builder(root_name, root_name, root_key, start, start + ROOT_VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ca_key_usage(), critical=True)
            .sign(root_key, hashes.SHA256())
        )
        root = IssuedCredential(root_certificate, root_key)
        return cls(
            root=root,
            issuing_ca=_issue_ca(root, _ca_name(f"{name} NCA"), start),
            commission_ca=_issue_ca(root, _ca_name(f"{name} Territorial Commission CA"), start),
            now=moment,
        )

    def save(self, directory: Path) -> None:
        """Write the three CA certificates (PEM) and their keys (PEM, 0600) into ``directory`` (created).

        Only the CAs are kept: the clock and the revocation list belong to one run of the simulator.
        """
        directory.mkdir(parents=True, exist_ok=True)
        for attribute, stem in _CREDENTIAL_FILES.items():
            credential: IssuedCredential = getattr(self, attribute)
            save_credential(directory, stem, credential.certificate, credential.private_key)

    @classmethod
    def load(cls, directory: Path, *, now: dt.datetime | None = None) -> SimNationalPki:
        """The authority :meth:`save` wrote, with its clock at ``now`` (default: the current time)."""
        credentials: dict[str, IssuedCredential] = {}
        for attribute, stem in _CREDENTIAL_FILES.items():
            certificate, key = load_credential_files(directory, stem)
            if not isinstance(key, ec.EllipticCurvePrivateKey):
                raise ValueError(f"{stem}-key.pem is not an EC key")
            credentials[attribute] = IssuedCredential(certificate, key)
        return cls(
            root=credentials["root"],
            issuing_ca=credentials["issuing_ca"],
            commission_ca=credentials["commission_ca"],
            now=(now or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        )

    @property
    def trusted_roots(self) -> tuple[x509.Certificate, ...]:
        """What a kiosk configured for this authority trusts."""
        return (self.root.certificate,)

    @property
    def intermediates(self) -> tuple[x509.Certificate, ...]:
        """The issuing CA certificates a kiosk is configured with."""
        return (self.issuing_ca.certificate, self.commission_ca.certificate)

    def issue_authentication_certificate(
        self,
        person: Person,
        *,
        timing: CertificateTiming = "valid",
        key: ec.EllipticCurvePrivateKey | None = None,
        revoked: bool = False,
        omit_iin: bool = False,
    ) -> IssuedCredential:
        """A person's authentication certificate from the NCA, with its key pair for the card.

        ``timing`` makes it expired (ended yesterday) or not yet valid (starts tomorrow); ``revoked`` marks its
        serial number revoked (see :meth:`certificate_revocation_list`); ``omit_iin`` leaves the serialNumber
        attribute out (a certificate a kiosk must refuse: it names nobody it can look up).
        """
        attributes = _person_name(person)
        if omit_iin:
            attributes = [attribute for attribute in attributes if attribute.oid != NameOID.SERIAL_NUMBER]
        return self._issue_person(
            self.issuing_ca, x509.Name(attributes), timing=timing, key=key, revoked=revoked
        )

    def issue_commission_member_certificate(
        self,
        person: Person,
        *,
        role: CommissionRole = "member",
        commission: str = "PEC 001",
        timing: CertificateTiming = "valid",
        key: ec.EllipticCurvePrivateKey | None = None,
        revoked: bool = False,
    ) -> IssuedCredential:
        """A commission member's certificate from the territorial commission CA: ``O`` the commission, ``OU`` the
        role (see ``COMMISSION_ROLE_UNITS``)."""
        subject = x509.Name([
            *_person_name(person),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, commission),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, COMMISSION_ROLE_UNITS[role]),
        ])
        return self._issue_person(self.commission_ca, subject, timing=timing, key=key, revoked=revoked)

    def revoke(self, certificate: x509.Certificate, *, when: dt.datetime | None = None) -> None:
        """Mark ``certificate`` revoked from ``when`` (default: the authority's clock)."""
        self.revoked[certificate.serial_number] = (when or self.now).replace(microsecond=0)

    def is_revoked(self, certificate: x509.Certificate) -> bool:
        """True when ``certificate``'s serial number has been marked revoked."""
        return certificate.serial_number in self.revoked

    def certificate_revocation_list(
        self, issuer: Literal["nca", "commission"] = "nca"
    ) -> x509.CertificateRevocationList:
        """A CRL signed by the chosen issuing CA, listing every revoked serial number (RFC 5280 section 5)."""
        authority = self.issuing_ca if issuer == "nca" else self.commission_ca
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(authority.certificate.subject)
            .last_update(self.now - _BACKDATE)
            .next_update(self.now + _CRL_VALIDITY)
        )
        for serial_number, when in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial_number).revocation_date(when).build()
            )
        return builder.sign(authority.private_key, hashes.SHA256())

    def _issue_person(
        self,
        authority: IssuedCredential,
        subject: x509.Name,
        *,
        timing: CertificateTiming,
        key: ec.EllipticCurvePrivateKey | None,
        revoked: bool,
    ) -> IssuedCredential:
        private_key = key if key is not None else new_key()
        start, end = _period(self.now, timing)
        issuer_key_identifier = x509.SubjectKeyIdentifier.from_public_key(authority.private_key.public_key())
        certificate = (
            certificate_builder(subject, authority.certificate.subject, private_key, start, end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_person_key_usage(), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_key_identifier), critical=False
            )
            .add_extension(_crl_distribution_point(authority), critical=False)
            .sign(authority.private_key, hashes.SHA256())
        )
        credential = IssuedCredential(certificate, private_key)
        if revoked:
            self.revoke(certificate)
        return credential


def _period(now: dt.datetime, timing: CertificateTiming) -> tuple[dt.datetime, dt.datetime]:
    if timing == "expired":
        end = now - _BACKDATE
        return end - PERSON_VALIDITY, end
    if timing == "not_yet_valid":
        start = now + _BACKDATE
        return start, start + PERSON_VALIDITY
    start = now - _BACKDATE
    return start, start + PERSON_VALIDITY


def _person_name(person: Person) -> list[x509.NameAttribute]:
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, person.common_name),
        x509.NameAttribute(NameOID.SURNAME, person.surname.upper()),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, IIN_SERIAL_PREFIX + person.iin),
        x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
    ]
    if person.patronymic:
        attributes.append(x509.NameAttribute(NameOID.GIVEN_NAME, person.patronymic.upper()))
    return attributes


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Simulator"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
    ])


def _issue_ca(root: IssuedCredential, subject: x509.Name, start: dt.datetime) -> IssuedCredential:
    key = new_key()
    root_key_identifier = x509.SubjectKeyIdentifier.from_public_key(root.private_key.public_key())
    certificate = (
        certificate_builder(subject, root.certificate.subject, key, start, start + ISSUING_CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(root_key_identifier), critical=False
        )
        .sign(root.private_key, hashes.SHA256())
    )
    return IssuedCredential(certificate, key)




def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
    )


def _person_key_usage() -> x509.KeyUsage:
    # An authentication key signs challenges and does key agreement for TLS client authentication.
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=True, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
    )


def _crl_distribution_point(authority: IssuedCredential) -> x509.CRLDistributionPoints:
    # A name under .invalid (RFC 6761): nothing can fetch it; it is there so certificates look like real ones.
    common_name = authority.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    slug = "-".join(str(common_name).lower().split())
    return x509.CRLDistributionPoints([
        x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(f"http://crl.simulator.invalid/{slug}.crl")],
            relative_name=None, reasons=None, crl_issuer=None,
        )
    ])

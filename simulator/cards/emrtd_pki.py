"""The simulated issuing state's PKI for eMRTDs: a CSCA, document signers, and EF.SOD over data groups.

For the simulator's virtual eMRTD and for tests of passive authentication (ICAO 9303 Part 12 for the
certificates, Part 10 section 4.6.2 for EF.SOD). Everything is generated here, on the fly; nothing in it is a
real state's key. Faults a real fraudster or a broken card would produce can be asked for: a SOD signed with
a key other than the certified one, a data-group hash that does not match, an expired document signer, a
document signer issued by a CSCA the kiosk does not know (make a second CSCA for that).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Literal

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from kiosk.documents import tlv
from kiosk.documents.icao.lds_security_object import LDS_SECURITY_OBJECT_OID, LdsSecurityObject
from kiosk.documents.icao.passive_auth import EF_SOD_TAG, HashAlgorithm
from simulator.cards.certificate_builder import certificate_builder

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
SignatureScheme = Literal["ecdsa", "rsa_pkcs1v15", "rsa_pss"]
SignerIdentifierKind = Literal["issuer_and_serial_number", "subject_key_identifier"]
SodFault = Literal[
    "wrong_signer_key",  # the signature is made with a fresh key, not the one in the DS certificate
    "tampered_hash",  # the hash of the lowest-numbered data group is altered before signing
    "tampered_message_digest",  # the messageDigest attribute does not match the signed content
]

CSCA_VALIDITY = dt.timedelta(days=15 * 365)  # Part 12 section 7.1.1: key usage period plus document validity
DOCUMENT_SIGNER_VALIDITY = dt.timedelta(days=11 * 365)  # Part 12: usage period (3 months) plus 10 years
_BACKDATE = dt.timedelta(days=1)  # so that a certificate made now is already valid for "today" everywhere
_SIGNED_DATA_VERSION = "v3"  # RFC 5652 section 5.1: v3 when eContentType is not id-data


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    """A certificate with its private key (the simulator is the issuing state, so it holds both)."""

    certificate: x509.Certificate
    private_key: PrivateKey

    def certificate_der(self) -> bytes:
        """The certificate in DER, as the kiosk's configuration stores CSCA certificates."""
        return self.certificate.public_bytes(serialization.Encoding.DER)


def new_key() -> ec.EllipticCurvePrivateKey:
    """A fresh ECDSA P-256 key."""
    return ec.generate_private_key(ec.SECP256R1())


def make_csca(
    *,
    country: str = "KZ",
    common_name: str = "Simulator CSCA",
    key: PrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
) -> IssuedCertificate:
    """A self-signed country signing CA certificate (ECDSA P-256 unless ``key`` says otherwise)."""
    private_key = key if key is not None else new_key()
    start = not_before if not_before is not None else _now() - _BACKDATE
    end = not_after if not_after is not None else start + CSCA_VALIDITY
    name = _name(country, common_name)
    builder = (
        certificate_builder(name, name, private_key, start, end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(certificate_sign=True), critical=True)
    )
    return IssuedCertificate(builder.sign(private_key, hashes.SHA256()), private_key)


def make_document_signer(
    csca: IssuedCertificate,
    *,
    common_name: str = "Simulator Document Signer",
    key: PrivateKey | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    expired: bool = False,
) -> IssuedCertificate:
    """A document signer certificate issued by ``csca``; ``expired`` makes one that ended yesterday."""
    private_key = key if key is not None else new_key()
    now = _now()
    if expired:
        start = not_before if not_before is not None else now - DOCUMENT_SIGNER_VALIDITY
        end = not_after if not_after is not None else now - _BACKDATE
    else:
        start = not_before if not_before is not None else now - _BACKDATE
        end = not_after if not_after is not None else start + DOCUMENT_SIGNER_VALIDITY
    country = csca.certificate.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value
    issuer_key_identifier = x509.SubjectKeyIdentifier.from_public_key(csca.private_key.public_key())
    builder = (
        certificate_builder(_name(str(country), common_name), csca.certificate.subject, private_key, start, end)
        .add_extension(_key_usage(certificate_sign=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(issuer_key_identifier), critical=False
        )
    )
    return IssuedCertificate(builder.sign(csca.private_key, hashes.SHA256()), private_key)


def build_ef_sod(
    data_groups: Mapping[int, bytes],
    signer: IssuedCertificate,
    *,
    hash_algorithm: HashAlgorithm = "sha256",
    signature_scheme: SignatureScheme | None = None,
    faults: Collection[SodFault] = (),
    signer_identifier: SignerIdentifierKind = "issuer_and_serial_number",
    include_certificate: bool = True,
) -> bytes:
    """EF.SOD (tag '77', CMS SignedData over an LDS Security Object) for ``data_groups`` (number -> file).

    ``signature_scheme`` defaults to ECDSA for an EC key and RSA PKCS#1 v1.5 for an RSA key; the digest
    algorithm of the signature is ``hash_algorithm`` as well. ``signer_identifier`` and
    ``include_certificate`` reproduce the variants states use (Part 10 section 4.6.2.2 allows both kinds of
    signer identifier; the document signer certificate should be included but sometimes is not).
    """
    if not data_groups:
        raise ValueError("EF.SOD needs at least one data group")
    hashes_by_group = {number: hashlib.new(hash_algorithm, data).digest() for number, data in data_groups.items()}
    if "tampered_hash" in faults:
        first = min(hashes_by_group)
        hashes_by_group[first] = bytes([hashes_by_group[first][0] ^ 0x01]) + hashes_by_group[first][1:]
    security_object = LdsSecurityObject({
        "version": 0,
        "hash_algorithm": {"algorithm": hash_algorithm},
        "data_group_hash_values": [
            {"data_group_number": number, "data_group_hash_value": value}
            for number, value in sorted(hashes_by_group.items())
        ],
    }).dump()
    digest = hashlib.new(hash_algorithm, security_object).digest()
    if "tampered_message_digest" in faults:
        digest = bytes([digest[0] ^ 0x01]) + digest[1:]
    signed_attributes = cms.CMSAttributes([
        {"type": "content_type", "values": [cms.ContentType(LDS_SECURITY_OBJECT_OID)]},
        {"type": "message_digest", "values": [digest]},
    ])
    scheme = signature_scheme or ("ecdsa" if isinstance(signer.private_key, ec.EllipticCurvePrivateKey)
                                  else "rsa_pkcs1v15")
    signing_key: PrivateKey = signer.private_key
    if "wrong_signer_key" in faults:
        signing_key = new_key() if isinstance(signing_key, ec.EllipticCurvePrivateKey) else (
            rsa.generate_private_key(public_exponent=65537, key_size=signing_key.key_size))
    # RFC 5652 section 5.4: the signature is over the DER of the attributes as a SET OF (tag '31').
    signature = _sign(signing_key, scheme, hash_algorithm, signed_attributes.dump())
    document_signer = asn1_x509.Certificate.load(signer.certificate_der())
    if signer_identifier == "issuer_and_serial_number":
        signer_id = cms.SignerIdentifier({"issuer_and_serial_number": {
            "issuer": document_signer.issuer, "serial_number": document_signer.serial_number}})
    else:
        signer_id = cms.SignerIdentifier({"subject_key_identifier": document_signer.key_identifier})
    signer_info = cms.SignerInfo({
        # RFC 5652 section 5.3: version 1 with issuer and serial number, 3 with a subject key identifier.
        "version": "v1" if signer_identifier == "issuer_and_serial_number" else "v3",
        "sid": signer_id,
        "digest_algorithm": {"algorithm": hash_algorithm},
        "signed_attrs": signed_attributes,
        "signature_algorithm": _signature_algorithm(scheme, hash_algorithm),
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": _SIGNED_DATA_VERSION,
        "digest_algorithms": [{"algorithm": hash_algorithm}],
        "encap_content_info": {"content_type": LDS_SECURITY_OBJECT_OID, "content": security_object},
        "signer_infos": [signer_info],
    })
    if include_certificate:
        signed_data["certificates"] = [document_signer]
    content_info = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tlv.encode_tlv(EF_SOD_TAG, content_info.dump())


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _name(country: str, common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, country),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Simulator"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])




def _key_usage(*, certificate_sign: bool) -> x509.KeyUsage:
    # Part 12 section 7.1.1: CSCA keyCertSign and cRLSign; document signer digitalSignature only.
    return x509.KeyUsage(
        digital_signature=not certificate_sign, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=certificate_sign, crl_sign=certificate_sign,
        encipher_only=False, decipher_only=False,
    )


_CRYPTOGRAPHY_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1, "sha224": hashes.SHA224, "sha256": hashes.SHA256,
    "sha384": hashes.SHA384, "sha512": hashes.SHA512,
}


def _sign(key: PrivateKey, scheme: SignatureScheme, hash_algorithm: HashAlgorithm, data: bytes) -> bytes:
    algorithm = _CRYPTOGRAPHY_HASHES[hash_algorithm]()
    if scheme == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(algorithm))
    if scheme == "rsa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), algorithm)
    if scheme == "rsa_pss" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PSS(mgf=padding.MGF1(algorithm), salt_length=algorithm.digest_size),
                        algorithm)
    raise ValueError(f"signature scheme {scheme} does not fit a {type(key).__name__}")


def _signature_algorithm(scheme: SignatureScheme, hash_algorithm: HashAlgorithm) -> cms.SignedDigestAlgorithm:
    if scheme == "rsa_pss":
        return cms.SignedDigestAlgorithm({
            "algorithm": "rsassa_pss",
            "parameters": {
                "hash_algorithm": {"algorithm": hash_algorithm},
                "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": {"algorithm": hash_algorithm}},
                "salt_length": hashlib.new(hash_algorithm).digest_size,
            },
        })
    suffix = "ecdsa" if scheme == "ecdsa" else "rsa"
    return cms.SignedDigestAlgorithm({"algorithm": f"{hash_algorithm}_{suffix}"})

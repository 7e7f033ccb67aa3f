"""Passive authentication of an eMRTD (ICAO 9303 Part 11 section 5.1; EF.SOD format: Part 10 section 4.6.2).

EF.SOD is a CMS SignedData (RFC 5652) inside application tag '77'. Its signed content is the LDS Security
Object, which lists a hash of every data group; the document signer (DS) signs it, and the DS certificate is
issued by the country signing CA (CSCA). Passive authentication proves that the data groups read from the chip
were written by the issuing state:

1. the signature of the only SignerInfo verifies, over the DER of its signed attributes (re-tagged from
   [0] IMPLICIT to SET OF, RFC 5652 section 5.4), under the DS certificate's public key;
2. its messageDigest attribute equals the hash of the LDS Security Object, and its contentType attribute
   names the LDS Security Object;
3. the DS certificate was issued (signed) by one of the configured CSCA certificates;
4. the DS and the CSCA certificates are both valid on the day of the check;
5. every data group read hashes to the value the LDS Security Object lists for it.

``cryptography`` cannot verify CMS, so asn1crypto parses the structure and ``cryptography`` checks the
signatures. Supported: ECDSA, RSA PKCS#1 v1.5 and RSASSA-PSS with SHA-1 or SHA-2. Certificates with
explicit EC domain parameters (some states issue them) are not supported by ``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

# Importing asn1crypto.tsp adds CMS attribute names (signing_certificate_v2, which pyhanko signs PDFs with) to
# cms's tables; once the first CMS attribute type is built those tables are fixed for the process, so it must come
# before any SOD is parsed, or a later refusal PDF cannot be signed.
from asn1crypto import (
    cms,
    tsp,  # noqa: F401
)
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kiosk.documents import tlv
from kiosk.documents.icao.errors import (
    DataGroupHashMismatchError,
    ExpiredCertificateError,
    MalformedSodError,
    SodSignatureError,
    UnknownCscaError,
)
from kiosk.documents.icao.lds_security_object import (
    LDS_SECURITY_OBJECT_OID,
    MAX_DATA_GROUP,
    MIN_DATA_GROUP,
    LdsSecurityObject,
)

EF_SOD_TAG = 0x77  # Part 10 section 4.6.2: EF.SOD is application tag 23, constructed
SIGNED_DATA_OID = "1.2.840.113549.1.7.2"  # RFC 5652 section 5.1: id-signedData

_MAX_PSS_SALT = 512  # no RSA key in use has a longer modulus than 4096 bits, so no longer salt fits

HashAlgorithm = Literal["sha1", "sha224", "sha256", "sha384", "sha512"]
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

PassiveAuthenticationCheck = Literal[
    "sod_signature",  # step 1
    "message_digest",  # step 2
    "document_signer_issued_by_csca",  # step 3
    "certificates_valid",  # step 4
    "data_group_hashes",  # step 5, for every data group given (at least one)
]


@dataclass(frozen=True, slots=True)
class SecurityObjectDocument:
    """EF.SOD taken apart: what passive authentication needs, with no check done yet."""

    hash_algorithm: HashAlgorithm  # of the data-group hashes
    data_group_hashes: Mapping[int, bytes]
    lds_security_object: bytes  # the DER of the signed content (eContent)
    signed_attributes: bytes  # DER of the signed attributes as SET OF, the bytes that are signed
    message_digest: bytes
    digest_algorithm: HashAlgorithm  # of the signature and the messageDigest attribute
    signature_algorithm: str  # asn1crypto's name: "ecdsa", "rsassa_pkcs1v15", "rsassa_pss"
    signature_hash: HashAlgorithm
    pss_salt_length: int | None  # for RSASSA-PSS
    signature: bytes
    document_signer: x509.Certificate


@dataclass(frozen=True, slots=True)
class PassiveAuthenticationResult:
    """Passive authentication passed: which checks ran, which data groups matched, who signed.

    ``unread_data_groups`` are listed in EF.SOD but were not given (not read), so they are not verified.
    Subjects are of the issuing state's certificates, never of the holder.
    """

    checks_passed: tuple[PassiveAuthenticationCheck, ...]
    verified_data_groups: tuple[int, ...]
    unread_data_groups: tuple[int, ...]
    hash_algorithm: HashAlgorithm
    document_signer_subject: str
    csca_subject: str


def parse_sod(ef_sod: bytes) -> SecurityObjectDocument:
    """Take EF.SOD apart; :class:`MalformedSodError` for anything that is not the Part 10 structure."""
    try:
        outer, end = tlv.parse_one(ef_sod)
    except tlv.TlvError as error:
        raise MalformedSodError("EF.SOD is not a well-formed data object") from error
    if outer.tag != EF_SOD_TAG or end != len(ef_sod):
        raise MalformedSodError("EF.SOD is not one data object with tag 77")
    try:
        return _parse_content_info(outer.value)
    except MalformedSodError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, UnsupportedAlgorithm) as error:
        # asn1crypto decodes lazily and reports bad encodings as ValueError or TypeError wherever read.
        raise MalformedSodError("EF.SOD is not a well-formed CMS SignedData") from error


def verify_sod(
    ef_sod: bytes,
    data_groups: Mapping[int, bytes],
    csca_certificates: Sequence[x509.Certificate],
    on: dt.date,
) -> PassiveAuthenticationResult:
    """Passive authentication of ``data_groups`` (number -> full file bytes as read) against EF.SOD.

    ``on`` is the day the certificates must be valid. Raises, in the order of the checks:
    :class:`MalformedSodError`, :class:`SodSignatureError`, :class:`UnknownCscaError`,
    :class:`ExpiredCertificateError`, :class:`DataGroupHashMismatchError`.
    """
    document = parse_sod(ef_sod)
    _verify_signature(document)
    checks: list[PassiveAuthenticationCheck] = ["sod_signature"]
    content_digest = hashlib.new(document.digest_algorithm, document.lds_security_object).digest()
    if not hmac.compare_digest(content_digest, document.message_digest):
        raise SodSignatureError("the messageDigest attribute does not match the LDS Security Object")
    checks.append("message_digest")
    csca = _issuing_csca(document.document_signer, csca_certificates)
    checks.append("document_signer_issued_by_csca")
    _check_validity(document.document_signer, "document_signer", on)
    _check_validity(csca, "csca", on)
    checks.append("certificates_valid")
    verified = _check_data_groups(document, data_groups)
    if verified:
        checks.append("data_group_hashes")
    return PassiveAuthenticationResult(
        checks_passed=tuple(checks),
        verified_data_groups=verified,
        unread_data_groups=tuple(sorted(set(document.data_group_hashes) - set(verified))),
        hash_algorithm=document.hash_algorithm,
        document_signer_subject=document.document_signer.subject.rfc4514_string(),
        csca_subject=csca.subject.rfc4514_string(),
    )


def _parse_content_info(der: bytes) -> SecurityObjectDocument:
    content_info = cms.ContentInfo.load(der, strict=True)
    if content_info["content_type"].dotted != SIGNED_DATA_OID:
        raise MalformedSodError("EF.SOD does not hold a CMS SignedData")
    signed_data = content_info["content"]
    encapsulated = signed_data["encap_content_info"]
    if encapsulated["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
        raise MalformedSodError("the signed content is not an LDS Security Object")
    content = encapsulated["content"]
    if not isinstance(content, cms.ParsableOctetString):
        raise MalformedSodError("the LDS Security Object is missing")
    lds_der = content.contents
    hash_algorithm, data_group_hashes = _parse_lds_security_object(lds_der)

    signer_infos = signed_data["signer_infos"]
    if len(signer_infos) != 1:
        raise MalformedSodError("EF.SOD must have exactly one signer")
    signer_info = signer_infos[0]
    signed_attributes = signer_info["signed_attrs"]
    if not isinstance(signed_attributes, cms.CMSAttributes) or not len(signed_attributes):
        raise MalformedSodError("the signer has no signed attributes")
    content_type, message_digest = _content_type_and_digest(signed_attributes)
    if content_type != LDS_SECURITY_OBJECT_OID:
        raise MalformedSodError("the contentType attribute does not name the LDS Security Object")
    digest_algorithm = _hash_name(signer_info["digest_algorithm"]["algorithm"].native)
    signature_algorithm = signer_info["signature_algorithm"]
    algorithm_name = signature_algorithm.signature_algo
    if algorithm_name not in {"ecdsa", "rsassa_pkcs1v15", "rsassa_pss"}:
        raise MalformedSodError(f"unsupported signature algorithm {algorithm_name}")
    salt_length: int | None = None
    if algorithm_name == "rsassa_pss":
        parameters = signature_algorithm["parameters"]
        signature_hash = _hash_name(parameters["hash_algorithm"]["algorithm"].native)
        mask_hash = _hash_name(parameters["mask_gen_algorithm"]["parameters"]["algorithm"].native)
        if mask_hash != signature_hash:
            raise MalformedSodError("RSASSA-PSS with a different MGF1 hash is not supported")
        salt_length = int(parameters["salt_length"].native)
        if not 0 <= salt_length <= _MAX_PSS_SALT:
            raise MalformedSodError("RSASSA-PSS salt length out of range")
    elif signature_algorithm["algorithm"].native in {"ecdsa", "rsassa_pkcs1v15"}:
        signature_hash = digest_algorithm  # the OID names no hash: the digest algorithm is the one
    else:
        signature_hash = _hash_name(signature_algorithm.hash_algo)
    # RFC 5652 section 5.4: the signature covers the DER of the attributes with the SET OF tag ('31'),
    # not the [0] IMPLICIT tag ('A0') they carry inside SignerInfo.
    signed_bytes = b"\x31" + signed_attributes.dump()[1:]
    return SecurityObjectDocument(
        hash_algorithm=hash_algorithm,
        data_group_hashes=data_group_hashes,
        lds_security_object=lds_der,
        signed_attributes=signed_bytes,
        message_digest=message_digest,
        digest_algorithm=digest_algorithm,
        signature_algorithm=algorithm_name,
        signature_hash=signature_hash,
        pss_salt_length=salt_length,
        signature=bytes(signer_info["signature"].native),
        document_signer=_signer_certificate(signed_data, signer_info["sid"]),
    )


def _parse_lds_security_object(der: bytes) -> tuple[HashAlgorithm, dict[int, bytes]]:
    security_object = LdsSecurityObject.load(der, strict=True)
    if security_object["version"].native not in (0, 1):
        raise MalformedSodError("unknown LDS Security Object version")
    hash_algorithm = _hash_name(security_object["hash_algorithm"]["algorithm"].native)
    digest_size = hashlib.new(hash_algorithm).digest_size
    hashes_by_group: dict[int, bytes] = {}
    for entry in security_object["data_group_hash_values"]:
        number = entry["data_group_number"].native
        value = entry["data_group_hash_value"].native
        if not MIN_DATA_GROUP <= number <= MAX_DATA_GROUP or number in hashes_by_group:
            raise MalformedSodError("the LDS Security Object lists an invalid or repeated data group")
        if len(value) != digest_size:
            raise MalformedSodError("a data-group hash has the wrong length for its algorithm")
        hashes_by_group[number] = value
    if not hashes_by_group:
        raise MalformedSodError("the LDS Security Object lists no data group")
    return hash_algorithm, hashes_by_group


def _content_type_and_digest(attributes: cms.CMSAttributes) -> tuple[str, bytes]:
    found: dict[str, list[object]] = {}
    for attribute in attributes:
        name = attribute["type"].native
        if name in found:
            raise MalformedSodError("a signed attribute is repeated")
        found[name] = list(attribute["values"])
    content_types, digests = found.get("content_type", []), found.get("message_digest", [])
    if len(content_types) != 1 or len(digests) != 1:
        raise MalformedSodError("the signed attributes need one contentType and one messageDigest")
    content_type, digest = content_types[0], digests[0]
    if not isinstance(content_type, cms.ContentType) or not isinstance(digest, cms.OctetString):
        raise MalformedSodError("malformed contentType or messageDigest attribute")
    return content_type.dotted, bytes(digest.native)


def _signer_certificate(signed_data: cms.SignedData, signer_id: cms.SignerIdentifier) -> x509.Certificate:
    candidates = [choice.chosen for choice in signed_data["certificates"] if choice.name == "certificate"]
    for candidate in candidates:
        if _identifies(signer_id, candidate):
            return _load_certificate(candidate.dump())
    raise MalformedSodError("EF.SOD does not carry the document signer certificate")


def _load_certificate(der: bytes) -> x509.Certificate:
    """Load and decode now every field used later, so that a bad encoding is reported as malformed here."""
    try:
        certificate = x509.load_der_x509_certificate(der)
        certificate.public_key()
        _ = (certificate.subject, certificate.issuer, certificate.not_valid_before_utc,
             certificate.not_valid_after_utc, certificate.subject.rfc4514_string())
    except (ValueError, TypeError, x509.InvalidVersion, UnsupportedAlgorithm) as error:
        raise MalformedSodError("the document signer certificate cannot be decoded or uses an "
                                "unsupported key") from error
    return certificate


def _identifies(signer_id: cms.SignerIdentifier, certificate: asn1_x509.Certificate) -> bool:
    if signer_id.name == "issuer_and_serial_number":
        chosen = signer_id.chosen
        return bool(
            chosen["serial_number"].native == certificate.serial_number and chosen["issuer"] == certificate.issuer
        )
    return bool(certificate.key_identifier is not None and signer_id.chosen.native == certificate.key_identifier)


def _hash_name(name: object) -> HashAlgorithm:
    if name not in _HASHES:
        raise MalformedSodError(f"unsupported hash algorithm {name}")
    return name  # type: ignore[return-value]  # checked against the keys of _HASHES just above


def _verify_signature(document: SecurityObjectDocument) -> None:
    public_key = document.document_signer.public_key()  # decodes: _load_certificate tried it
    algorithm = _HASHES[document.signature_hash]()
    data, signature = document.signed_attributes, document.signature
    try:
        if document.signature_algorithm == "ecdsa" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(algorithm))
        elif document.signature_algorithm == "rsassa_pkcs1v15" and isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif (
            document.signature_algorithm == "rsassa_pss"
            and isinstance(public_key, rsa.RSAPublicKey)
            and document.pss_salt_length is not None
        ):
            pss = padding.PSS(mgf=padding.MGF1(algorithm), salt_length=document.pss_salt_length)
            public_key.verify(signature, data, pss, algorithm)
        else:
            raise SodSignatureError("the signature algorithm does not match the document signer key")
    except InvalidSignature as error:
        raise SodSignatureError("the document signer's signature over EF.SOD does not verify") from error


def _issuing_csca(document_signer: x509.Certificate, cscas: Sequence[x509.Certificate]) -> x509.Certificate:
    for csca in cscas:
        if csca.subject != document_signer.issuer:
            continue
        try:
            document_signer.verify_directly_issued_by(csca)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue  # same name, other key (a CSCA renewal) or not its signature: try the next one
        return csca
    raise UnknownCscaError("the document signer certificate was not issued by a configured CSCA")


def _check_validity(certificate: x509.Certificate, role: Literal["document_signer", "csca"], on: dt.date) -> None:
    first_day = certificate.not_valid_before_utc.date()
    last_day = certificate.not_valid_after_utc.date()
    if not first_day <= on <= last_day:
        name = "document signer" if role == "document_signer" else "CSCA"
        raise ExpiredCertificateError(role, f"the {name} certificate is not valid on {on.isoformat()}")


def _check_data_groups(document: SecurityObjectDocument, data_groups: Mapping[int, bytes]) -> tuple[int, ...]:
    for number in sorted(data_groups):
        expected = document.data_group_hashes.get(number)
        if expected is None:
            raise DataGroupHashMismatchError(number, f"EF.SOD lists no hash for DG{number}")
        actual = hashlib.new(document.hash_algorithm, data_groups[number]).digest()
        if not hmac.compare_digest(actual, expected):
            raise DataGroupHashMismatchError(number, f"DG{number} does not match its hash in EF.SOD")
    return tuple(sorted(data_groups))

"""The national ID card reader, PKI profile (DESIGN.md section 5): certificate, chain, IIN, card authentication.

``read_id_card`` selects the card's PKI application, reads the authentication certificate, verifies it up to a
configured root, takes the IIN from the subject's serialNumber ("IIN" + 12 digits) and the names from the
subject, and then makes the card prove it holds the certified private key by signing a fresh random challenge
(INTERNAL AUTHENTICATE). Where the card keeps what is set by an :class:`IdCardProfile`.

Reading uses as few APDUs as the file allows: the first READ BINARY addresses the EF by its short file
identifier when the profile has one (no SELECT of the EF); a card that announces extended Lc/Le in its ATR
(card capabilities, ISO/IEC 7816-4:2020 12.1.1.10) gives the whole file in one extended READ BINARY; otherwise
the DER header in the first chunk says how many more chunks of the profile's size to ask for, and not one more.
The CA certificate EF is read only when the certificate's issuer is not among the configured certificates.

Failures are typed, each with its own translation key and no personal data in the message. A card pulled out
mid-read is not wrapped: the driver's ``CardRemovedError`` (``card.removed``) propagates, as do the other
``drivers.card.errors`` (a kiosk handles those the same way whatever document it was reading). Status words
other than the expected ones raise ``kiosk.documents.apdu.CardStatusError``; a card without the PKI
application raises :class:`NotAnIdCardError`, so the caller can try another document type.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from drivers.card.channel import CardChannel
from drivers.closing import ClosesOnExit
from kiosk.core.identity import Check, Identity
from kiosk.core.iin import Iin, IinRejection, InvalidIin, parse_iin
from kiosk.documents.apdu import (
    EXTENDED_MAX_LE,
    SHORT_MAX_LE,
    CommandApdu,
    ResponseApdu,
    check,
    parse_response_apdu,
)
from kiosk.documents.atr import offers_extended_length as card_offers_extended_length
from kiosk.documents.errors import DocumentError
from kiosk.documents.id_card_profile import IdCardProfile

CertificateRole = Literal["card", "issuing_ca", "root"]
"""Which certificate of the chain a validity error is about."""

RandomBytes = Callable[[int], bytes]
"""A source of random bytes for challenges, such as ``secrets.token_bytes``."""

# ISO/IEC 7816-4:2020 11.2.2 SELECT: P1 04 by DF name, 02 EF under the current DF; P2 0C no response data.
INS_SELECT = 0xA4
SELECT_BY_DF_NAME = 0x04
SELECT_EF_UNDER_CURRENT_DF = 0x02
SELECT_NO_RESPONSE_DATA = 0x0C
# ISO/IEC 7816-4:2020 11.3.3 READ BINARY, even INS: P1 b8 = 1 puts a short EF identifier in b5-b1 and the
# offset (0..255) in P2; P1 b8 = 0 gives a 15-bit offset in the current EF.
INS_READ_BINARY = 0xB0
READ_BY_SHORT_FILE_ID = 0x80
INS_INTERNAL_AUTHENTICATE = 0x88  # ISO/IEC 7816-4:2020 11.5.2; P1 00: algorithm implied by the key

SW_END_OF_FILE = 0x6282  # Table 5: end of file reached before reading Ne bytes (data returned)
SW_FILE_NOT_FOUND = 0x6A82  # Table 6: file or application not found
SW_WRONG_LENGTH = 0x6700  # Table 6: a card refusing an extended Le

# X.690 8.1.2 and 8.1.3: a certificate is a SEQUENCE (tag 30) with a definite length, short or long form.
_SEQUENCE_TAG = 0x30
_LONG_FORM = 0x80
_MAX_LENGTH_BYTES = 2  # 0x7FFF is the largest file READ BINARY can address; two length bytes cover it
_MAX_CHAIN_LENGTH = 4  # leaf, at most two intermediates, root

IIN_SERIAL_PREFIX = "IIN"  # the national CA writes the subject serialNumber as "IIN" + 12 digits


# --- errors -----------------------------------------------------------------------------------------------


class IdCardError(DocumentError):
    """The national ID card could not be read or did not verify; the subclass says why."""

    translation_key = "document.id_card.error"


class NotAnIdCardError(IdCardError):
    """The card has no application with the profile's AID (another document, or another issuer's card)."""

    translation_key = "document.id_card.not_an_id_card"


class MalformedCertificateError(IdCardError):
    """The certificate file is not one well-formed X.509 certificate (truncated, corrupted, or too long)."""

    translation_key = "document.id_card.malformed_certificate"


class UnknownRootError(IdCardError):
    """The certificate does not chain to any configured national CA root."""

    translation_key = "document.id_card.unknown_root"


class ChainSignatureError(IdCardError):
    """A certificate in the chain names a configured CA as its issuer but that CA's key did not sign it."""

    translation_key = "document.id_card.bad_chain_signature"


class IssuerNotCaError(IdCardError):
    """A certificate in the chain was issued by a certificate that may not issue certificates."""

    translation_key = "document.id_card.issuer_not_ca"


class CertificateExpiredError(IdCardError):
    """A certificate in the chain has expired; ``role`` says which ("card", "issuing_ca" or "root")."""

    translation_key = "document.id_card.certificate_expired"

    def __init__(self, role: CertificateRole) -> None:
        super().__init__(f"the {role.replace('_', ' ')} certificate has expired")
        self.role = role


class CertificateNotYetValidError(IdCardError):
    """A certificate in the chain is not valid yet; ``role`` says which."""

    translation_key = "document.id_card.certificate_not_yet_valid"

    def __init__(self, role: CertificateRole) -> None:
        super().__init__(f"the {role.replace('_', ' ')} certificate is not valid yet")
        self.role = role


class MissingIinError(IdCardError):
    """The certificate's subject has no serialNumber of the form "IIN" + 12 digits."""

    translation_key = "document.id_card.no_iin"


class InvalidCertificateIinError(IdCardError):
    """The certificate's IIN breaks an IIN rule; ``reason`` says which (the IIN itself is not kept)."""

    translation_key = "document.id_card.invalid_iin"

    def __init__(self, reason: IinRejection) -> None:
        super().__init__(f"the certificate's IIN is invalid: {reason.value}")
        self.reason = reason


class CardAuthenticationError(IdCardError):
    """The card did not prove it holds the certified private key (a clone, or a faulty card).

    ``sw`` is the status word when the card refused INTERNAL AUTHENTICATE, None when it signed wrongly.
    """

    translation_key = "document.id_card.card_authentication_failed"

    def __init__(self, message: str, *, sw: int | None = None) -> None:
        super().__init__(message)
        self.sw = sw


# --- result with APDU counts ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IdCardReading:
    """A verified identity with what reading it cost: for benchmarks and the station's diagnostics.

    ``apdus_used`` counts the command APDUs the reader sent (GET RESPONSE rounds the channel adds are not
    counted); ``minimum_apdus`` is the fewest the file sizes allow on this card (see :func:`minimum_apdus`).
    """

    identity: Identity
    apdus_used: int
    minimum_apdus: int
    certificate_length: int
    ca_certificate_length: int | None
    extended_length: bool


def minimum_apdus(
    profile: IdCardProfile,
    certificate_length: int,
    *,
    extended_length: bool,
    ca_certificate_length: int | None = None,
) -> int:
    """The fewest APDUs a reader needs: SELECT the application, read the file(s), INTERNAL AUTHENTICATE.

    A file costs a SELECT unless the profile gives its short file identifier, then one extended READ BINARY,
    or one short READ BINARY per 256 bytes.
    """

    def file_apdus(length: int, short_file_id: int | None) -> int:
        reads = 1 if extended_length else max(1, math.ceil(length / SHORT_MAX_LE))
        return reads + (0 if short_file_id is not None else 1)

    count = 1 + file_apdus(certificate_length, profile.certificate_short_file_id)
    if ca_certificate_length is not None:
        count += file_apdus(ca_certificate_length, profile.ca_certificate_short_file_id)
    if profile.key_reference is not None:
        count += 1
    return count


# --- the reader -------------------------------------------------------------------------------------------


def read_id_card(
    channel: CardChannel,
    profile: IdCardProfile,
    trusted_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    today: dt.date,
    rng: RandomBytes = secrets.token_bytes,
) -> Identity:
    """Read and verify the national ID card on ``channel``; the identity says which checks passed.

    ``trusted_roots`` are the configured national CA roots, ``intermediates`` the configured issuing CA
    certificates; ``today`` is the date validity is checked on; ``rng`` gives the challenge bytes.
    "card_authentication" is among the checks only when the profile has a key reference and the card signed
    the challenge with the certified key; with a key reference, any failure of that step raises
    :class:`CardAuthenticationError`, so a clone cannot skip it by claiming not to support the command.
    """
    return read_id_card_measured(channel, profile, trusted_roots, intermediates, today, rng).identity


def read_id_card_measured(
    channel: CardChannel,
    profile: IdCardProfile,
    trusted_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    today: dt.date,
    rng: RandomBytes = secrets.token_bytes,
) -> IdCardReading:
    """Like :func:`read_id_card`, also returning the APDUs used and the minimum the file sizes allow."""
    return read_verified_certificate(channel, profile, trusted_roots, intermediates, today, rng).reading


@dataclass(frozen=True, slots=True, repr=False)
class VerifiedCardCertificate:
    """The card's own certificate once every check of :func:`read_id_card` passed, and what the reading found."""

    certificate: x509.Certificate
    reading: IdCardReading

    def __repr__(self) -> str:
        return f"VerifiedCardCertificate(serial={self.certificate.serial_number:x})"  # the subject names a person


def read_verified_certificate(
    channel: CardChannel,
    profile: IdCardProfile,
    trusted_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    today: dt.date,
    rng: RandomBytes = secrets.token_bytes,
) -> VerifiedCardCertificate:
    """Read and verify the card as :func:`read_id_card` does, and also give its certificate.

    For cards whose certificate says more than the identity: a commission member card's role (OU) and
    commission (O) are read from it (``kiosk.commission_card``). Raises what :func:`read_id_card` raises.
    """
    counting = _CountingChannel(channel)
    extended_length = card_offers_extended_length(channel.atr())
    _select_application(counting, profile)
    certificate_der, extended_length = _read_certificate_file(
        counting, profile, profile.certificate_file_id, profile.certificate_short_file_id, extended_length
    )
    certificate = _load_certificate(certificate_der)
    known = [*trusted_roots, *intermediates]
    ca_certificate_length: int | None = None
    if profile.ca_certificate_file_id is not None and not any(
        certificate.issuer == candidate.subject for candidate in known
    ):
        # The issuing CA is not configured: the card may carry it (untrusted; it must still chain to a root).
        ca_der, extended_length = _read_certificate_file(
            counting, profile, profile.ca_certificate_file_id, profile.ca_certificate_short_file_id,
            extended_length, missing_is_empty=True,
        )
        if ca_der:
            ca_certificate_length = len(ca_der)
            intermediates = [*intermediates, _load_certificate(ca_der)]
    verify_chain(certificate, trusted_roots, intermediates, today)
    checks: set[Check] = {"certificate_chain", "certificate_validity"}
    holder = certificate_holder(certificate)
    checks.add("iin_check_digit")
    if profile.key_reference is not None:
        _authenticate_card(counting, profile, certificate, rng)
        checks.add("card_authentication")
    identity = Identity(
        iin=holder.iin,
        source="id_card",
        checks_passed=frozenset(checks),
        surname=holder.surname,
        given_names=holder.given_names,
        patronymic=holder.patronymic,
        document_expiry=certificate.not_valid_after_utc.date(),
    )
    reading = IdCardReading(
        identity=identity,
        apdus_used=counting.count,
        minimum_apdus=minimum_apdus(
            profile, len(certificate_der), extended_length=extended_length,
            ca_certificate_length=ca_certificate_length,
        ),
        certificate_length=len(certificate_der),
        ca_certificate_length=ca_certificate_length,
        extended_length=extended_length,
    )
    return VerifiedCardCertificate(certificate, reading)


class _CountingChannel(ClosesOnExit):
    """Passes APDUs to a channel and counts them."""

    def __init__(self, channel: CardChannel) -> None:
        self._channel = channel
        self.count = 0

    def atr(self) -> bytes:
        return self._channel.atr()

    def transmit(self, apdu: bytes) -> bytes:
        self.count += 1
        return self._channel.transmit(apdu)

    def close(self) -> None:
        self._channel.close()



def _send(channel: CardChannel, command: CommandApdu) -> ResponseApdu:
    return parse_response_apdu(channel.transmit(command.encode()))


def _select_application(channel: CardChannel, profile: IdCardProfile) -> None:
    response = _send(
        channel, CommandApdu(0x00, INS_SELECT, SELECT_BY_DF_NAME, SELECT_NO_RESPONSE_DATA, profile.application_id)
    )
    if response.sw == SW_FILE_NOT_FOUND:
        raise NotAnIdCardError("the card has no application with the profile's identifier")
    check(response)


def _read_certificate_file(
    channel: CardChannel,
    profile: IdCardProfile,
    file_id: int,
    short_file_id: int | None,
    extended_length: bool,
    *,
    missing_is_empty: bool = False,
) -> tuple[bytes, bool]:
    """The DER certificate at the start of an EF (padding after it is not read) and whether extended length
    still holds (a card that refused an extended read is read in short chunks from then on)."""
    if short_file_id is None:
        response = _send(channel, CommandApdu(
            0x00, INS_SELECT, SELECT_EF_UNDER_CURRENT_DF, SELECT_NO_RESPONSE_DATA, file_id.to_bytes(2, "big")
        ))
        if missing_is_empty and response.sw == SW_FILE_NOT_FOUND:
            return b"", extended_length
        check(response)
        first_p1, first_p2 = 0x00, 0x00
    else:
        first_p1, first_p2 = READ_BY_SHORT_FILE_ID | short_file_id, 0x00
    first_le = EXTENDED_MAX_LE if extended_length else profile.read_chunk_size
    response = _send(channel, CommandApdu(0x00, INS_READ_BINARY, first_p1, first_p2, le=first_le))
    if extended_length and response.sw == SW_WRONG_LENGTH:
        # The ATR promised extended length but the card (or the reader) refuses it: read in short chunks.
        extended_length = False
        response = _send(channel, CommandApdu(0x00, INS_READ_BINARY, first_p1, first_p2, le=profile.read_chunk_size))
    if missing_is_empty and response.sw == SW_FILE_NOT_FOUND:
        return b"", extended_length
    check(response, also_accept=(SW_END_OF_FILE,))
    content = bytearray(response.data)
    total = der_length(bytes(content), profile.max_certificate_length)
    while len(content) < total and response.sw != SW_END_OF_FILE and response.data:
        wanted = min(profile.read_chunk_size, total - len(content))
        offset = len(content)
        response = _send(channel, CommandApdu(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF, le=wanted))
        check(response, also_accept=(SW_END_OF_FILE,))
        content += response.data
    if len(content) < total:
        raise MalformedCertificateError("the certificate file ends before the length its header announces")
    return bytes(content[:total]), extended_length


def der_length(prefix: bytes, limit: int) -> int:
    """The total length (header included) of the DER SEQUENCE starting ``prefix`` (X.690 8.1.2-8.1.3).

    ``MalformedCertificateError`` when the prefix does not start a SEQUENCE with a definite length of at most
    ``limit`` bytes in all.
    """
    if len(prefix) < 2 or prefix[0] != _SEQUENCE_TAG:
        raise MalformedCertificateError("the certificate file does not start with a DER SEQUENCE")
    first = prefix[1]
    if first < _LONG_FORM:
        total = 2 + first
    else:
        count = first & ~_LONG_FORM
        if count == 0 or count > _MAX_LENGTH_BYTES or len(prefix) < 2 + count:
            raise MalformedCertificateError("the certificate's DER length is missing, indefinite or too long")
        total = 2 + count + int.from_bytes(prefix[2 : 2 + count], "big")
    if total > limit:
        raise MalformedCertificateError(f"the certificate announces {total} bytes, more than the {limit} allowed")
    return total


# What cryptography raises for a certificate it cannot parse; not all of them are ValueErrors.
_PARSE_ERRORS = (
    ValueError, TypeError, UnsupportedAlgorithm, x509.InvalidVersion, x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


def _load_certificate(der: bytes) -> x509.Certificate:
    """Parse the certificate and every field the reader uses, so a malformed one fails here, typed."""
    try:
        certificate = x509.load_der_x509_certificate(der)
        # cryptography parses some parts lazily: touch them now so their errors surface as ours.
        _ = certificate.subject, certificate.issuer, certificate.extensions
        _ = certificate.not_valid_before_utc, certificate.not_valid_after_utc
        _ = certificate.public_key(), certificate.signature_hash_algorithm
    except _PARSE_ERRORS as error:
        raise MalformedCertificateError(f"the certificate cannot be parsed ({type(error).__name__})") from None
    # signatureValue is the last field: a BIT STRING whose first content byte counts unused bits, 0 for a
    # signature in whole bytes (X.690 8.6.2). cryptography ignores that byte, so a certificate altered there
    # would still verify; refuse it, every byte of what the card holds must be the issuer's.
    signature = certificate.signature
    if not der.endswith(signature) or der[-len(signature) - 1] != 0:
        raise MalformedCertificateError("the certificate's signature field is not in canonical DER")
    return certificate


# --- chain verification -----------------------------------------------------------------------------------


def verify_chain(
    certificate: x509.Certificate,
    trusted_roots: Sequence[x509.Certificate],
    intermediates: Sequence[x509.Certificate],
    today: dt.date,
) -> list[x509.Certificate]:
    """The chain from ``certificate`` up to a trusted root (leaf first), verified; raises why it is not.

    Each link: an issuer found by name among the intermediates and roots, its signature over the certificate
    (``verify_directly_issued_by``), and the issuer allowed to issue (CA basic constraints, path length, and
    keyCertSign when key usage is present). Then every certificate in the chain must be valid on ``today``
    (whole days, UTC). A name that matches no configured certificate is an unknown root; a name that matches
    but whose key did not sign is a bad signature (a forgery copying a CA's name).
    """
    chain = [certificate]
    current = certificate
    while True:
        root = _signed_by(current, trusted_roots)
        if root is not None:
            _check_may_issue(root, len(chain) - 1)  # the leaf does not count towards a path length
            chain.append(root)
            break
        issuer = _signed_by(current, [c for c in intermediates if c not in chain])
        if issuer is None:
            raise UnknownRootError("the certificate does not chain to a configured national CA root")
        _check_may_issue(issuer, len(chain) - 1)
        chain.append(issuer)
        if len(chain) >= _MAX_CHAIN_LENGTH:
            raise UnknownRootError("the certificate chain is longer than any national CA chain")
        current = issuer
    for position, member in enumerate(chain):
        _check_validity(member, _role(position, len(chain)), today)
    return chain


def _signed_by(certificate: x509.Certificate, candidates: Sequence[x509.Certificate]) -> x509.Certificate | None:
    """The candidate whose subject is the certificate's issuer and whose key signed it.

    None when no candidate has the issuer's name; ``ChainSignatureError`` when some do but none signed.
    """
    named = [candidate for candidate in candidates if candidate.subject == certificate.issuer]
    for candidate in named:
        try:
            certificate.verify_directly_issued_by(candidate)
        except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        return candidate
    if named:
        raise ChainSignatureError("a certificate in the chain is not signed by the CA it names")
    return None


def _check_may_issue(issuer: x509.Certificate, intermediates_below: int) -> None:
    """RFC 5280 4.2.1.9 and 4.2.1.3: the issuer is a CA, its path length allows the CAs below, keyCertSign."""
    try:
        constraints = issuer.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        raise IssuerNotCaError("an issuer in the chain is not marked as a certificate authority") from None
    if not constraints.ca:
        raise IssuerNotCaError("an issuer in the chain is not marked as a certificate authority")
    if constraints.path_length is not None and intermediates_below > constraints.path_length:
        raise IssuerNotCaError("an issuer in the chain has more CAs below it than its path length allows")
    try:
        key_usage = issuer.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not key_usage.key_cert_sign:
        raise IssuerNotCaError("an issuer in the chain may not sign certificates")


def _role(position: int, length: int) -> CertificateRole:
    if position == 0:
        return "card"
    return "root" if position == length - 1 else "issuing_ca"


def _check_validity(certificate: x509.Certificate, role: CertificateRole, today: dt.date) -> None:
    if today < certificate.not_valid_before_utc.date():
        raise CertificateNotYetValidError(role)
    if today > certificate.not_valid_after_utc.date():
        raise CertificateExpiredError(role)


# --- the holder ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateHolder:
    """Who a national CA certificate names: the IIN and the names as the subject writes them."""

    iin: Iin
    surname: str | None
    given_names: str | None
    patronymic: str | None

    def __repr__(self) -> str:
        return f"CertificateHolder(iin={self.iin})"  # never the names


def certificate_holder(certificate: x509.Certificate) -> CertificateHolder:
    """The IIN from serialNumber ("IIN" + 12 digits, validated) and the names from the subject.

    The national CA's convention: SN is the surname, CN is "SURNAME GIVENNAME", G (givenName) holds the
    patronymic. The given name is what CN holds after the surname; None when CN does not start with it.
    """
    subject = certificate.subject
    serial_number = _single_attribute(subject, NameOID.SERIAL_NUMBER)
    if serial_number is None or not serial_number.startswith(IIN_SERIAL_PREFIX):
        raise MissingIinError("the certificate's subject has no IIN serial number")
    try:
        iin = parse_iin(serial_number.removeprefix(IIN_SERIAL_PREFIX))
    except InvalidIin as error:
        raise InvalidCertificateIinError(error.reason) from None
    surname = _single_attribute(subject, NameOID.SURNAME)
    common_name = _single_attribute(subject, NameOID.COMMON_NAME)
    given_names = None
    if surname and common_name and common_name.startswith(surname + " "):
        given_names = common_name.removeprefix(surname + " ").strip() or None
    return CertificateHolder(
        iin=iin,
        surname=surname or None,
        given_names=given_names,
        patronymic=_single_attribute(subject, NameOID.GIVEN_NAME) or None,
    )


def _single_attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attributes = name.get_attributes_for_oid(oid)
    if not attributes:
        return None
    if len(attributes) > 1:
        raise MalformedCertificateError("the certificate's subject repeats an attribute the reader uses")
    value = attributes[0].value
    if not isinstance(value, str):
        raise MalformedCertificateError("a subject attribute the reader uses is not text")
    return value


# --- card authentication --------------------------------------------------------------------------------------


def _authenticate_card(
    channel: CardChannel, profile: IdCardProfile, certificate: x509.Certificate, rng: RandomBytes
) -> None:
    """INTERNAL AUTHENTICATE over a fresh challenge; the plain ``r || s`` must verify with the certified key."""
    assert profile.key_reference is not None  # the caller checks
    public_key = certificate.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise CardAuthenticationError("the certificate's key is not an elliptic-curve key this profile signs with")
    challenge = rng(profile.challenge_length)
    if len(challenge) != profile.challenge_length:
        raise ValueError("the random source gave a challenge of the wrong length")
    response = _send(channel, CommandApdu(
        0x00, INS_INTERNAL_AUTHENTICATE, 0x00, profile.key_reference, challenge, le=SHORT_MAX_LE
    ))
    if not response.is_success:
        raise CardAuthenticationError(
            f"the card refused to sign the challenge (status {response.sw:04X})", sw=response.sw
        )
    size = (public_key.curve.key_size + 7) // 8
    if len(response.data) != 2 * size:
        raise CardAuthenticationError("the card's signature has the wrong length")
    r = int.from_bytes(response.data[:size], "big")
    s = int.from_bytes(response.data[size:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), challenge, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        raise CardAuthenticationError("the card's signature does not verify with the certified key") from None

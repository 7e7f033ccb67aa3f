"""Reading a commission member's (or technician's) card, and asking the card to verify the PIN.

The member card is a national-ID-style PKI card (``kiosk.documents.id_card``): the same application, the same
certificate EF and INTERNAL AUTHENTICATE. What differs is whom it must chain to: the territorial commission's
CA is the only trust anchor here, so a citizen's ordinary ID card (issued by the NCA) never logs anyone in,
and the role comes from the certificate's OU (``kiosk.core.commission_auth.ROLE_UNITS``).

The PIN is verified by the card (VERIFY, ISO/IEC 7816-4:2020 11.5.6, INS 20): the kiosk never stores or
compares it. The answers are values: right (9000), wrong with x tries left (63Cx), blocked (6983).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.x509.oid import NameOID

from drivers.card.channel import CardChannel
from kiosk.core.commission_auth import ROLE_UNITS, MemberIdentity
from kiosk.documents.apdu import CardStatusError, CommandApdu, parse_response_apdu
from kiosk.documents.errors import DocumentError
from kiosk.documents.id_card import read_verified_certificate
from kiosk.documents.id_card_profile import IdCardProfile

INS_VERIFY = 0x20  # ISO/IEC 7816-4:2020 11.5.6
PIN_REFERENCE = 0x81  # Table 65: specific (DF) reference data, PIN number 1
PIN_BLOCK_LENGTH = 8  # ASCII digits padded with FF (PKCS #15 "ascii-numeric", padChar FF)
PIN_PADDING = 0xFF
MIN_PIN_LENGTH = 4
SW_SUCCESS = 0x9000
SW_PIN_WRONG_MASK = 0xFFF0
SW_PIN_WRONG = 0x63C0  # Table 5: verification failed, low nibble = tries left
SW_AUTHENTICATION_BLOCKED = 0x6983  # Table 6


class MemberCardError(DocumentError):
    """The card is not a valid commission member card; the subclass says why."""

    translation_key = "commission.card.invalid"


class NotAMemberCard(MemberCardError):
    """The certificate names no commission role this kiosk knows (an ordinary ID card, for one)."""

    translation_key = "commission.card.no_role"


class WrongCommission(MemberCardError):
    """The certificate belongs to another commission than this station's."""

    translation_key = "commission.card.wrong_commission"


class PinFormatError(MemberCardError):
    """The PIN typed is not 4 to 8 digits (nothing was sent to the card)."""

    translation_key = "commission.login.pin_format"


@dataclass(frozen=True, slots=True)
class PinResult:
    """The card's answer to VERIFY: ``correct``, ``incorrect`` with ``tries_left``, or ``blocked``."""

    outcome: Literal["correct", "incorrect", "blocked"]
    tries_left: int | None = None


def read_member_card(
    channel: CardChannel,
    profile: IdCardProfile,
    commission_ca: x509.Certificate,
    today: dt.date,
    *,
    commission: str | None = None,
    rng: Callable[[int], bytes] = secrets.token_bytes,
) -> MemberIdentity:
    """The member on the card, verified: chains to ``commission_ca``, valid ``today``, the card holds the key.

    ``commission`` (the certificate's O) must match when given. Raises a ``DocumentError`` subclass
    (``UnknownRootError`` for a card of another authority, :class:`NotAMemberCard` for a card without a role).
    """
    # The ID card reader's checks, with the commission's CA as the only root; the role and the commission are
    # then read from the verified certificate itself (its OU and O).
    verified = read_verified_certificate(channel, profile, (commission_ca,), (), today, rng)
    certificate, identity = verified.certificate, verified.reading.identity
    role = ROLE_UNITS.get(_attribute(certificate, NameOID.ORGANIZATIONAL_UNIT_NAME) or "")
    if role is None:
        raise NotAMemberCard("the certificate names no commission role")
    organisation = _attribute(certificate, NameOID.ORGANIZATION_NAME) or ""
    if commission is not None and organisation != commission:
        raise WrongCommission("the member card belongs to another commission")
    return MemberIdentity(
        iin=identity.iin,
        surname=identity.surname,
        given_names=identity.given_names,
        role=role,
        commission=organisation,
        member_id=f"{certificate.serial_number:x}",
    )


def verify_pin(channel: CardChannel, pin: str) -> PinResult:
    """Ask the card to verify ``pin`` (VERIFY, INS 20, P2 = :data:`PIN_REFERENCE`); the answer as a value.

    Raises :class:`PinFormatError` before sending anything when ``pin`` is not 4-8 ASCII digits, and
    ``CardStatusError`` for a status word VERIFY does not define.
    """
    if not (pin.isascii() and pin.isdigit() and MIN_PIN_LENGTH <= len(pin) <= PIN_BLOCK_LENGTH):
        raise PinFormatError("a PIN is 4 to 8 digits")
    block = pin.encode("ascii") + bytes([PIN_PADDING]) * (PIN_BLOCK_LENGTH - len(pin))
    response = parse_response_apdu(channel.transmit(CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE, block).encode()))
    if response.sw == SW_SUCCESS:
        return PinResult("correct")
    if response.sw & SW_PIN_WRONG_MASK == SW_PIN_WRONG:
        tries_left = response.sw & 0x0F
        return PinResult("blocked", 0) if tries_left == 0 else PinResult("incorrect", tries_left)
    if response.sw == SW_AUTHENTICATION_BLOCKED:
        return PinResult("blocked", 0)
    raise CardStatusError(response.sw)


def _attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = certificate.subject.get_attributes_for_oid(oid)
    if len(values) != 1 or not isinstance(values[0].value, str):
        return None
    return values[0].value

"""Which document is on the reader, and reading it: the orchestration ``kiosk identify`` and the UI share.

A Kazakh identity card carries both the PKI application (DESIGN.md section 5, the profile's AID) and the ICAO
LDS1 application; a passport carries only the latter. :func:`identify_card` tries the PKI profile first, since it
needs nothing from the voter and proves the card holds its key; a card without it is read as an eMRTD, which
needs the MRZ access key (typed or scanned). Without a key it raises :class:`AccessKeyRequiredError` when the
card has the eMRTD application, so the caller can ask for the MRZ, and :class:`UnknownDocumentError` when the
card has neither application.

Errors are the readers' own typed errors (``kiosk.documents.id_card``, ``kiosk.documents.emrtd``,
``kiosk.documents.icao.errors``, ``kiosk.documents.mrz``) and the card transport's (``drivers.card.errors``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Protocol

from cryptography import x509

from drivers.card.channel import CardChannel
from kiosk.core.identity import Identity
from kiosk.documents.apdu import CommandApdu, check, parse_response_apdu
from kiosk.documents.emrtd import LDS1_AID, AccessKey, NoEmrtdApplicationError, read_emrtd
from kiosk.documents.errors import DocumentError
from kiosk.documents.id_card import NotAnIdCardError, RandomBytes, read_id_card
from kiosk.documents.id_card_profile import IdCardProfile

# ISO/IEC 7816-4:2020 11.2.2: SELECT by DF name (P1 04), no response data (P2 0C); 6A82: not found (Table 6).
INS_SELECT = 0xA4
SELECT_BY_DF_NAME = 0x04
SELECT_NO_RESPONSE_DATA = 0x0C
SW_FILE_NOT_FOUND = 0x6A82


class TrustConfiguration(Protocol):
    """What the readers verify against (``kiosk.config.DocumentTrust`` is one)."""

    @property
    def national_ca_roots(self) -> Sequence[x509.Certificate]:
        """The national CA roots ID card certificates must chain to."""
        ...

    @property
    def national_ca_intermediates(self) -> Sequence[x509.Certificate]:
        """The configured issuing CA certificates."""
        ...

    @property
    def csca_certificates(self) -> Sequence[x509.Certificate]:
        """The CSCA certificates eMRTD document signers must chain to."""
        ...

    @property
    def id_card_profile(self) -> IdCardProfile:
        """Where the ID card keeps its PKI application."""
        ...


class AccessKeyRequiredError(DocumentError):
    """The card is an eMRTD, whose chip opens only with the MRZ access key, and none was given."""

    translation_key = "document.emrtd.access_key_required"


class UnknownDocumentError(DocumentError):
    """The card has neither the ID card's PKI application nor an eMRTD application: not an identity document."""

    translation_key = "document.unknown_card"


def identify_card(
    channel: CardChannel,
    trust: TrustConfiguration,
    access_key: AccessKey | None = None,
    *,
    today: dt.date,
    rng: RandomBytes = secrets.token_bytes,
) -> Identity:
    """The verified identity of the document on ``channel``: an ID card by its PKI application, else an eMRTD.

    ``access_key`` opens an eMRTD's chip; ``today`` is the date validity is checked on; ``rng`` gives the ID
    card's challenge. Raises :class:`AccessKeyRequiredError` or :class:`UnknownDocumentError` (see the module
    docstring), and whatever the chosen reader raises.
    """
    try:
        return read_id_card(
            channel, trust.id_card_profile, trust.national_ca_roots, trust.national_ca_intermediates, today, rng
        )
    except NotAnIdCardError:
        pass  # not the PKI profile: perhaps an ICAO document
    if access_key is None:
        if has_emrtd_application(channel):
            raise AccessKeyRequiredError(
                "this document is read with its MRZ access key: give the document number, birth date and expiry"
            )
        raise UnknownDocumentError("the card is neither a national ID card nor an ICAO document")
    try:
        return read_emrtd(channel, access_key, trust.csca_certificates, today)
    except NoEmrtdApplicationError as error:
        raise UnknownDocumentError("the card is neither a national ID card nor an ICAO document") from error


def has_emrtd_application(channel: CardChannel) -> bool:
    """True when the card selects the LDS1 eMRTD application (ICAO 9303 Part 10 section 3.3)."""
    command = CommandApdu(0x00, INS_SELECT, SELECT_BY_DF_NAME, SELECT_NO_RESPONSE_DATA, data=LDS1_AID)
    response = parse_response_apdu(channel.transmit(command.encode()))
    if response.sw == SW_FILE_NOT_FOUND:
        return False
    check(response)
    return True

"""The simulator's national ID card, PKI application: ``SimIdCard`` implements the profile the kiosk reads.

It is a ``FileSystemCard`` with one application, selected by the profile's AID, holding the authentication
certificate (DER, 600-700 bytes for P-256, so more than one short READ BINARY) and optionally the issuing CA's
certificate, each a transparent EF with a short file identifier. On top of SELECT and READ BINARY it answers
INTERNAL AUTHENTICATE (ISO/IEC 7816-4:2020 11.5.2, INS 88), signing the command data with the card's private
key (ECDSA with SHA-256, plain ``r || s``; see ``kiosk.documents.id_card_profile``), and GET CHALLENGE
(11.5.3, INS 84).

Faults on request (``IdCardFault``): a truncated or corrupted certificate file, and a cloned card that carries
the certificate but not its private key, refusing INTERNAL AUTHENTICATE with ``6982`` or signing with another
key. Any instruction can be made to answer a chosen status word (``status_word_faults``). A card pulled out
mid-read is a reader control (``InProcessCardReader.remove_after_apdus``, ``VpcdCardClient.drop_after_apdus``),
and an expired or unknown-root certificate comes from ``simulator.cards.national_pki``.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from drivers.card.apdu import SHORT_MAX_LE, SW_SUCCESS, CommandApdu, ResponseApdu
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE, IdCardProfile
from simulator.cards.national_pki import IssuedCredential, new_key
from simulator.cards.virtual import (
    SW_INCORRECT_P1_P2,
    SW_WRONG_LENGTH,
    Application,
    ElementaryFile,
    FileSystemCard,
    Instruction,
    build_t1_atr,
)

IdCardFault = Literal[
    "truncated_certificate",  # the certificate EF ends halfway through the certificate its header announces
    "corrupted_certificate",  # one byte of the certificate's signature is flipped
    "clone_refuses",  # a clone without the private key: INTERNAL AUTHENTICATE answers 6982
    "clone_wrong_signature",  # a clone that signs challenges with a key of its own
]

INS_INTERNAL_AUTHENTICATE = 0x88  # ISO/IEC 7816-4:2020 11.5.2
INS_GET_CHALLENGE = 0x84  # ISO/IEC 7816-4:2020 11.5.3

SW_SECURITY_STATUS_NOT_SATISFIED = 0x6982  # ISO/IEC 7816-4:2020 Table 6
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_REFERENCE_DATA_NOT_FOUND = 0x6A88

# ISO/IEC 7816-4:2020 12.1.1: historical bytes "80" (compact-TLV follows) then card capabilities, tag 7 length 3.
# First software function table (Table 118): selection by full DF name, by path, by file identifier, and
# short EF identifiers supported (B4). Data coding byte (Table 119): data unit of one byte (01). Third byte
# (Table 120): b7 = extended Lc and Le fields supported.
_CARD_CAPABILITIES_TAG = 0x73
_SELECTION_METHODS = 0xB4
_DATA_CODING = 0x01
_EXTENDED_LENGTH_BIT = 0x40


def id_card_atr(*, extended_length: bool) -> bytes:
    """The card's T=1 ATR, announcing extended length support in its card capabilities when it has it."""
    third_byte = _EXTENDED_LENGTH_BIT if extended_length else 0x00
    return build_t1_atr(bytes((0x80, _CARD_CAPABILITIES_TAG, _SELECTION_METHODS, _DATA_CODING, third_byte)))


@dataclass
class SimIdCard(FileSystemCard):
    """A national ID card with the PKI application of ``profile``; build it with :meth:`issue`.

    ``authentication_key`` is the private key certified by the card's certificate, None for a clone that does
    not have it (INTERNAL AUTHENTICATE then answers ``6982``). ``status_word_faults`` maps an INS to the status
    word every command with that INS gets instead of its answer. ``apdus_processed`` counts the commands the
    card has answered (GET RESPONSE rounds included), for benchmarks.
    """

    authentication_key: ec.EllipticCurvePrivateKey | None = None
    profile: IdCardProfile = SIMULATOR_PROFILE
    status_word_faults: dict[int, int] = field(default_factory=dict)
    apdus_processed: int = field(default=0, init=False)

    @classmethod
    def issue(
        cls,
        credential: IssuedCredential,
        *,
        profile: IdCardProfile = SIMULATOR_PROFILE,
        ca_certificate_der: bytes | None = None,
        faults: Collection[IdCardFault] = (),
        status_word_faults: Mapping[int, int] | None = None,
        file_padding: int = 0,
        extended_length: bool = True,
        get_response_chunk: int | None = None,
    ) -> SimIdCard:
        """A card personalised with ``credential`` (certificate and key) under ``profile``.

        ``ca_certificate_der`` fills the profile's CA certificate EF (when the profile has one);
        ``file_padding`` appends that many FF bytes to the certificate EF, as cards whose EF is larger than the
        certificate do; ``extended_length`` is also announced in the ATR.
        """
        certificate = _apply_file_faults(credential.certificate_der, faults) + b"\xff" * file_padding
        files = [ElementaryFile(profile.certificate_file_id, certificate, profile.certificate_short_file_id)]
        if ca_certificate_der is not None and profile.ca_certificate_file_id is not None:
            files.append(
                ElementaryFile(profile.ca_certificate_file_id, ca_certificate_der, profile.ca_certificate_short_file_id)
            )
        key: ec.EllipticCurvePrivateKey | None = credential.private_key
        if "clone_refuses" in faults:
            key = None
        elif "clone_wrong_signature" in faults:
            key = new_key()
        return cls(
            applications=(Application(profile.application_id, tuple(files)),),
            atr_bytes=id_card_atr(extended_length=extended_length),
            extended_length=extended_length,
            get_response_chunk=get_response_chunk,
            authentication_key=key,
            profile=profile,
            status_word_faults=dict(status_word_faults or {}),
        )

    @property
    def instructions(self) -> dict[int, Instruction]:
        """SELECT and READ BINARY from ``FileSystemCard``, plus INTERNAL AUTHENTICATE and GET CHALLENGE."""
        return {
            **super().instructions,
            INS_INTERNAL_AUTHENTICATE: self.internal_authenticate,
            INS_GET_CHALLENGE: self.get_challenge,
        }

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU, counting it."""
        self.apdus_processed += 1
        return super().process(apdu)

    def execute(self, command: CommandApdu) -> ResponseApdu:
        """Run the instruction, unless a fault says to answer its INS with a fixed status word."""
        faulty_status = self.status_word_faults.get(command.ins)
        if faulty_status is not None:
            return ResponseApdu(b"", faulty_status)
        return super().execute(command)

    def internal_authenticate(self, command: CommandApdu) -> ResponseApdu:
        """Sign the command data with the authentication key (ISO/IEC 7816-4:2020 11.5.2).

        P1 = 00 (algorithm known from the key), P2 = the profile's key reference; Le is needed for the answer.
        """
        application = self._selection.application
        if application is None or application.aid != self.profile.application_id:
            return ResponseApdu(b"", SW_CONDITIONS_NOT_SATISFIED)  # the key lives in the PKI application
        if command.p1 != 0x00:
            return ResponseApdu(b"", SW_INCORRECT_P1_P2)
        if command.p2 != self.profile.key_reference:
            return ResponseApdu(b"", SW_REFERENCE_DATA_NOT_FOUND)
        if not command.data or command.le is None:
            return ResponseApdu(b"", SW_WRONG_LENGTH)
        if self.authentication_key is None:
            return ResponseApdu(b"", SW_SECURITY_STATUS_NOT_SATISFIED)
        signature = self.authentication_key.sign(command.data, ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(signature)
        size = (self.authentication_key.curve.key_size + 7) // 8
        return ResponseApdu(r.to_bytes(size, "big") + s.to_bytes(size, "big"), SW_SUCCESS)

    @staticmethod
    def get_challenge(command: CommandApdu) -> ResponseApdu:
        """Le random bytes (ISO/IEC 7816-4:2020 11.5.3); P1-P2 = 0000, no command data."""
        if command.p1 or command.p2:
            return ResponseApdu(b"", SW_INCORRECT_P1_P2)
        if command.data or command.le is None or command.le > SHORT_MAX_LE:
            return ResponseApdu(b"", SW_WRONG_LENGTH)
        return ResponseApdu(secrets.token_bytes(command.le), SW_SUCCESS)


def _apply_file_faults(certificate: bytes, faults: Collection[IdCardFault]) -> bytes:
    if "truncated_certificate" in faults:
        certificate = certificate[: len(certificate) // 2]
    if "corrupted_certificate" in faults:
        # The last byte is the end of the signature's s: any value stays well-formed DER, only the signature
        # stops verifying.
        certificate = certificate[:-1] + bytes((certificate[-1] ^ 0x5A,))
    return certificate

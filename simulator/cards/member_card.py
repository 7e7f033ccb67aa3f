"""The simulator's commission member card: the national ID card's PKI application plus a PIN the card verifies.

``SimMemberCard`` is a :class:`SimIdCard` personalised with a certificate from the territorial commission CA
(``SimNationalPki.issue_commission_member_certificate``, or :func:`issue_technician_certificate` for a kiosk
technician) and answers VERIFY (ISO/IEC 7816-4:2020 11.5.6, INS 20) for its PIN:

- P1 = 00 verifies the command data against the PIN reference P2 (:data:`PIN_REFERENCE`); P1 = FF with no data
  resets the verified state (11.5.6, "P1 = FF");
- no command data asks for the state: ``9000`` when verified, ``63Cx`` (x tries left) when not;
- a wrong PIN counts down and answers ``63Cx``; with no tries left the PIN is blocked, ``6983`` (Table 6);
- the verified state is volatile: a power cut (the card pulled out) clears it, the try counter is not.

The PIN travels in the format the kiosk sends (:data:`PIN_BLOCK_LENGTH` bytes: ASCII digits padded with FF),
the "ASCII numeric, padding FF" format PKCS #15 describes for a PIN object; the card compares whole blocks.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.x509.oid import NameOID

from drivers.card.apdu import SW_SUCCESS, CommandApdu, ResponseApdu
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE, IdCardProfile
from simulator.cards.id_card import SW_REFERENCE_DATA_NOT_FOUND, IdCardFault, SimIdCard
from simulator.cards.national_pki import CertificateTiming, IssuedCredential, Person, SimNationalPki, _person_name
from simulator.cards.virtual import SW_INCORRECT_P1_P2, SW_WRONG_LENGTH, Instruction

INS_VERIFY = 0x20  # ISO/IEC 7816-4:2020 11.5.6
VERIFY_P1_CHECK = 0x00  # 11.5.6: P1 00, verify (or, without data, ask the state)
VERIFY_P1_RESET = 0xFF  # 11.5.6: P1 FF, reset the verified state of the reference in P2
# ISO/IEC 7816-4:2020 Table 65: P2 b8 = 1 "specific reference data" (DF-specific), b5-b1 the number: PIN 1.
PIN_REFERENCE = 0x81
PIN_BLOCK_LENGTH = 8
PIN_PADDING = 0xFF
SW_PIN_WRONG_BASE = 0x63C0  # Table 5: 63Cx, verification failed, x further tries allowed
SW_AUTHENTICATION_BLOCKED = 0x6983  # Table 6: authentication method blocked
MAX_COUNTER_NIBBLE = 0x0F
DEFAULT_PIN_TRIES = 10  # more than the kiosk's lockout limit: the kiosk locks out before the card blocks

TECHNICIAN_ROLE_UNIT = "Kiosk technician"  # OU of a technician's certificate (beside COMMISSION_ROLE_UNITS)


def pin_block(pin: str) -> bytes:
    """The PIN as the card compares it: ASCII digits padded with FF to :data:`PIN_BLOCK_LENGTH` bytes."""
    if not (pin.isascii() and pin.isdigit()) or len(pin) > PIN_BLOCK_LENGTH:
        raise ValueError(f"a PIN is 1..{PIN_BLOCK_LENGTH} ASCII digits")
    return pin.encode("ascii") + bytes([PIN_PADDING]) * (PIN_BLOCK_LENGTH - len(pin))


@dataclass
class SimMemberCard(SimIdCard):
    """A member (or technician) card: the PKI application and a PIN; build it with :meth:`issue_member`.

    ``pin_tries_left`` counts down on each wrong PIN and returns to ``pin_tries_limit`` on a right one;
    ``pin_verified`` is the volatile security status.
    """

    pin: bytes = b""
    pin_tries_limit: int = DEFAULT_PIN_TRIES
    pin_tries_left: int = DEFAULT_PIN_TRIES
    pin_verified: bool = field(default=False, init=False)

    @classmethod
    def issue_member(
        cls,
        credential: IssuedCredential,
        *,
        pin: str,
        pin_tries: int = DEFAULT_PIN_TRIES,
        profile: IdCardProfile = SIMULATOR_PROFILE,
        faults: Collection[IdCardFault] = (),
        status_word_faults: Mapping[int, int] | None = None,
    ) -> SimMemberCard:
        """A card carrying ``credential`` whose PIN is ``pin`` with ``pin_tries`` tries (at most 15)."""
        if not 1 <= pin_tries <= MAX_COUNTER_NIBBLE:
            raise ValueError("the try counter must fit the x of 63Cx (1..15)")
        card = cls.issue(credential, profile=profile, faults=faults, status_word_faults=status_word_faults)
        assert isinstance(card, SimMemberCard)  # SimIdCard.issue builds ``cls``
        card.pin = pin_block(pin)
        card.pin_tries_limit = pin_tries
        card.pin_tries_left = pin_tries
        return card

    @property
    def instructions(self) -> dict[int, Instruction]:
        """Everything an ID card answers, plus VERIFY."""
        return {**super().instructions, INS_VERIFY: self.verify}

    def power_on(self) -> None:
        """Cold reset: the PIN is no longer verified."""
        super().power_on()
        self.pin_verified = False

    def power_off(self) -> None:
        """Power cut: the PIN is no longer verified (the try counter is kept, it is in the card's memory)."""
        super().power_off()
        self.pin_verified = False

    def verify(self, command: CommandApdu) -> ResponseApdu:
        """VERIFY (ISO/IEC 7816-4:2020 11.5.6) for the PIN reference :data:`PIN_REFERENCE`."""
        if command.p2 != PIN_REFERENCE:
            return ResponseApdu(b"", SW_REFERENCE_DATA_NOT_FOUND)
        if command.p1 == VERIFY_P1_RESET:
            if command.data:
                return ResponseApdu(b"", SW_WRONG_LENGTH)
            self.pin_verified = False
            return ResponseApdu(b"", SW_SUCCESS)
        if command.p1 != VERIFY_P1_CHECK:
            return ResponseApdu(b"", SW_INCORRECT_P1_P2)
        if self.pin_tries_left == 0:
            return ResponseApdu(b"", SW_AUTHENTICATION_BLOCKED)
        if not command.data:
            return ResponseApdu(b"", SW_SUCCESS if self.pin_verified else SW_PIN_WRONG_BASE | self.pin_tries_left)
        if len(command.data) != PIN_BLOCK_LENGTH:
            return ResponseApdu(b"", SW_WRONG_LENGTH)
        if command.data == self.pin:
            self.pin_tries_left = self.pin_tries_limit
            self.pin_verified = True
            return ResponseApdu(b"", SW_SUCCESS)
        self.pin_tries_left -= 1
        self.pin_verified = False
        if self.pin_tries_left == 0:
            return ResponseApdu(b"", SW_AUTHENTICATION_BLOCKED)
        return ResponseApdu(b"", SW_PIN_WRONG_BASE | self.pin_tries_left)


def issue_technician_certificate(
    pki: SimNationalPki,
    person: Person,
    *,
    commission: str = "PEC 001",
    timing: CertificateTiming = "valid",
) -> IssuedCredential:
    """A kiosk technician's certificate from the territorial commission CA: ``OU`` = :data:`TECHNICIAN_ROLE_UNIT`."""
    subject = x509.Name([
        *_person_name(person),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, commission),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TECHNICIAN_ROLE_UNIT),
    ])
    return pki._issue_person(pki.commission_ca, subject, timing=timing, key=None, revoked=False)

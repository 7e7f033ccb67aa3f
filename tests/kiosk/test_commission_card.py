"""The member card: read and verified against the commission CA only, role from the OU, PIN verified by the card."""

from __future__ import annotations

import datetime as dt

import pytest

from drivers.card.apdu import CommandApdu, parse_response_apdu
from kiosk.commission_card import (
    NotAMemberCard,
    PinFormatError,
    PinResult,
    WrongCommission,
    read_member_card,
    verify_pin,
)
from kiosk.documents.apdu import CardStatusError
from kiosk.documents.id_card import CardAuthenticationError, CertificateExpiredError, UnknownRootError
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from simulator.cards.id_card import SimIdCard
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.member_card import (
    INS_VERIFY,
    PIN_REFERENCE,
    SimMemberCard,
    issue_technician_certificate,
    pin_block,
)
from simulator.cards.national_pki import Person, SimNationalPki

WAIT = 2.0
HOLDER = Person(iin="900101301233", surname="Сейтқалиев", given_name="Әлихан", patronymic="Бауыржанұлы")
PIN = "4815"


@pytest.fixture(scope="module")
def pki() -> SimNationalPki:
    return SimNationalPki.create()


def read(reader: InProcessCardReader, pki: SimNationalPki, **options: object):  # type: ignore[no-untyped-def]
    with reader.wait_for_card(WAIT) as channel:
        return read_member_card(channel, SIMULATOR_PROFILE, pki.commission_ca.certificate, dt.date.today(),
                                **options)  # type: ignore[arg-type]


def test_a_member_card_gives_the_member_and_role(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    credential = pki.issue_commission_member_certificate(HOLDER, role="secretary", commission="PEC 101")
    reader.insert(SimMemberCard.issue_member(credential, pin=PIN))
    member = read(reader, pki, commission="PEC 101")
    assert member.role == "secretary" and member.commission == "PEC 101"
    assert member.iin.value == HOLDER.iin and member.surname == "СЕЙТҚАЛИЕВ" and member.given_names == "ӘЛИХАН"
    assert member.member_id == f"{credential.certificate.serial_number:x}"
    assert HOLDER.iin not in repr(member) and "ӘЛИХАН" not in repr(member)


def test_a_technician_card_gives_the_technician_role(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    reader.insert(SimMemberCard.issue_member(issue_technician_certificate(pki, HOLDER), pin=PIN))
    assert read(reader, pki).role == "technician"


def test_an_ordinary_id_card_never_logs_in(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    credential = pki.issue_authentication_certificate(HOLDER)
    # Even carrying the NCA's certificate, it does not chain to the commission CA, the only anchor here.
    reader.insert(SimIdCard.issue(credential, ca_certificate_der=pki.issuing_ca.certificate_der))
    with pytest.raises(UnknownRootError):
        read(reader, pki)


def test_a_certificate_without_a_role_is_refused(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    # Signed by the commission CA but with no OU: made through the NCA issuing path with the commission CA's key.
    credential = pki._issue_person(pki.commission_ca, pki.issue_authentication_certificate(HOLDER).certificate.subject,
                                   timing="valid", key=None, revoked=False)
    reader.insert(SimMemberCard.issue_member(credential, pin=PIN))
    with pytest.raises(NotAMemberCard) as raised:
        read(reader, pki)
    assert raised.value.translation_key == "commission.card.no_role"


def test_another_commission_is_refused(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    reader.insert(SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER, commission="PEC 7"),
                                             pin=PIN))
    with pytest.raises(WrongCommission):
        read(reader, pki, commission="PEC 101")


def test_expired_and_cloned_member_cards_are_refused(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    reader.insert(SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER, timing="expired"),
                                             pin=PIN))
    with pytest.raises(CertificateExpiredError):
        read(reader, pki)
    reader.insert(SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER), pin=PIN,
                                             faults={"clone_wrong_signature"}))
    with pytest.raises(CardAuthenticationError):
        read(reader, pki)


def test_the_card_verifies_the_pin_and_counts_tries(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    card = SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER), pin=PIN, pin_tries=3)
    reader.insert(card)
    with reader.wait_for_card(WAIT) as channel:
        assert verify_pin(channel, "0000") == PinResult("incorrect", 2)
        assert verify_pin(channel, PIN) == PinResult("correct")
        assert card.pin_tries_left == 3  # a right PIN restores the counter
        assert verify_pin(channel, "1111") == PinResult("incorrect", 2)
        assert verify_pin(channel, "2222") == PinResult("incorrect", 1)
        assert verify_pin(channel, "3333") == PinResult("blocked", 0)
        assert verify_pin(channel, PIN) == PinResult("blocked", 0)  # blocked stays blocked
    assert not card.pin_verified


def test_pin_format_is_checked_before_anything_is_sent(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    card = SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER), pin=PIN)
    reader.insert(card)
    with reader.wait_for_card(WAIT) as channel:
        for bad in ("", "123", "123456789", "12a4", "١٢٣٤"):
            with pytest.raises(PinFormatError):
                verify_pin(channel, bad)
    assert card.pin_tries_left == card.pin_tries_limit


def test_an_undefined_status_word_is_a_typed_error(pki: SimNationalPki) -> None:
    reader = InProcessCardReader()
    reader.insert(SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER), pin=PIN,
                                             status_word_faults={INS_VERIFY: 0x6A80}))
    with reader.wait_for_card(WAIT) as channel, pytest.raises(CardStatusError):
        verify_pin(channel, PIN)


# --- the simulated card's VERIFY, byte by byte (ISO/IEC 7816-4:2020 11.5.6) ----------------------------------------


def transmit(card: SimMemberCard, command: CommandApdu) -> int:
    return parse_response_apdu(card.process(command.encode())).sw


def test_verify_apdus(pki: SimNationalPki) -> None:
    card = SimMemberCard.issue_member(pki.issue_commission_member_certificate(HOLDER), pin=PIN, pin_tries=5)
    card.power_on()
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE)) == 0x63C5  # state query
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, 0x82, pin_block(PIN))) == 0x6A88  # other reference
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x01, PIN_REFERENCE, pin_block(PIN))) == 0x6A86
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE, b"4815")) == 0x6700  # not a block
    assert card.pin_tries_left == 5  # malformed commands cost no try
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE, pin_block(PIN))) == 0x9000
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE)) == 0x9000
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0xFF, PIN_REFERENCE)) == 0x9000  # reset
    assert transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE)) == 0x63C5
    transmit(card, CommandApdu(0x00, INS_VERIFY, 0x00, PIN_REFERENCE, pin_block(PIN)))
    card.power_off()
    card.power_on()
    assert not card.pin_verified  # pulling the card out forgets the PIN


def test_pin_block_format() -> None:
    assert pin_block("4815") == b"4815\xff\xff\xff\xff"
    with pytest.raises(ValueError, match="PIN"):
        pin_block("123456789")

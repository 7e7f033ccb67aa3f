"""The simulator's national ID card, APDU by APDU on the in-process reader: files, INTERNAL AUTHENTICATE, faults."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from drivers.card.channel import CardChannel
from kiosk.documents.id_card import card_offers_extended_length
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from simulator.cards.id_card import SimIdCard, id_card_atr
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.national_pki import IssuedCredential, Person, SimNationalPki

NOW = dt.datetime(2026, 3, 15, 9, 30, tzinfo=dt.UTC)
AID = SIMULATOR_PROFILE.application_id
SELECT_APPLICATION = bytes.fromhex("00A4040C08") + AID
CHALLENGE = bytes(range(32))


@pytest.fixture(scope="module")
def pki() -> SimNationalPki:
    return SimNationalPki.create(now=NOW)


@pytest.fixture(scope="module")
def credential(pki: SimNationalPki) -> IssuedCredential:
    return pki.issue_authentication_certificate(Person("900101301233", "Ivanov", "Ivan", "Ivanovich"))


def open_card(card: SimIdCard) -> CardChannel:
    reader = InProcessCardReader()
    reader.insert(card)
    return reader.wait_for_card(1.0)


@pytest.fixture
def channel(credential: IssuedCredential, pki: SimNationalPki) -> Iterator[CardChannel]:
    with open_card(SimIdCard.issue(credential, ca_certificate_der=pki.issuing_ca.certificate_der)) as card_channel:
        yield card_channel


def send(channel: CardChannel, apdu: bytes | str) -> tuple[bytes, int]:
    raw = bytes.fromhex(apdu) if isinstance(apdu, str) else apdu
    response = channel.transmit(raw)
    return response[:-2], int.from_bytes(response[-2:], "big")


def internal_authenticate(challenge: bytes = CHALLENGE, key_reference: int = 0x81) -> bytes:
    return bytes((0x00, 0x88, 0x00, key_reference, len(challenge))) + challenge + b"\x00"


def verify_plain_signature(credential: IssuedCredential, signature: bytes, challenge: bytes = CHALLENGE) -> None:
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    credential.private_key.public_key().verify(der, challenge, ec.ECDSA(hashes.SHA256()))


def test_atr_announces_extended_length_only_when_the_card_has_it(credential: IssuedCredential) -> None:
    assert card_offers_extended_length(id_card_atr(extended_length=True))
    assert not card_offers_extended_length(id_card_atr(extended_length=False))
    assert SimIdCard.issue(credential).atr == id_card_atr(extended_length=True)
    assert SimIdCard.issue(credential, extended_length=False).atr == id_card_atr(extended_length=False)


def test_select_application_and_read_by_short_file_id(channel: CardChannel, credential: IssuedCredential) -> None:
    assert send(channel, "00A4040C03F04B5A")[1] == 0x6A82  # a partial AID is not the application
    assert send(channel, SELECT_APPLICATION) == (b"", 0x9000)
    certificate = credential.certificate_der
    assert send(channel, "00B0810000") == (certificate[:256], 0x9000)
    # The SFI read made the EF current: the rest follows by offset.
    assert send(channel, "00B0010000") == (certificate[256:512], 0x9000)
    tail = len(certificate) - 512
    assert send(channel, bytes((0x00, 0xB0, 0x02, 0x00, tail))) == (certificate[512:], 0x9000)


def test_extended_read_gives_the_whole_file(channel: CardChannel, credential: IssuedCredential) -> None:
    send(channel, SELECT_APPLICATION)
    assert send(channel, "00B08100000000") == (credential.certificate_der, 0x9000)


def test_ca_certificate_file(channel: CardChannel, pki: SimNationalPki) -> None:
    send(channel, SELECT_APPLICATION)
    assert send(channel, "00A4020C02A002") == (b"", 0x9000)
    assert send(channel, "00B00000000000") == (pki.issuing_ca.certificate_der, 0x9000)


def test_short_only_card_refuses_extended_apdus(credential: IssuedCredential) -> None:
    with open_card(SimIdCard.issue(credential, extended_length=False)) as channel:
        send(channel, SELECT_APPLICATION)
        assert send(channel, "00B08100000000")[1] == 0x6700
        assert send(channel, "00B0810010") == (credential.certificate_der[:16], 0x9000)


def test_internal_authenticate_signs_the_challenge(channel: CardChannel, credential: IssuedCredential) -> None:
    send(channel, SELECT_APPLICATION)
    signature, status = send(channel, internal_authenticate())
    assert status == 0x9000
    verify_plain_signature(credential, signature)
    other, _ = send(channel, internal_authenticate(b"another challenge"))
    verify_plain_signature(credential, other, b"another challenge")


def test_internal_authenticate_refusals(channel: CardChannel) -> None:
    assert send(channel, internal_authenticate())[1] == 0x6985  # the PKI application is not selected
    send(channel, SELECT_APPLICATION)
    assert send(channel, internal_authenticate(key_reference=0x82))[1] == 0x6A88
    assert send(channel, "00880181" + "04" + "01020304" + "00")[1] == 0x6A86  # P1 must be 00
    assert send(channel, "0088008100")[1] == 0x6700  # no challenge
    assert send(channel, "008800810401020304")[1] == 0x6700  # no Le


def test_clone_without_the_private_key_refuses(credential: IssuedCredential) -> None:
    with open_card(SimIdCard.issue(credential, faults={"clone_refuses"})) as channel:
        send(channel, SELECT_APPLICATION)
        assert send(channel, "00B0810000")[0] == credential.certificate_der[:256]  # the certificate is there
        assert send(channel, internal_authenticate()) == (b"", 0x6982)


def test_clone_with_its_own_key_signs_wrongly(credential: IssuedCredential) -> None:
    with open_card(SimIdCard.issue(credential, faults={"clone_wrong_signature"})) as channel:
        send(channel, SELECT_APPLICATION)
        signature, status = send(channel, internal_authenticate())
        assert status == 0x9000
        with pytest.raises(InvalidSignature):
            verify_plain_signature(credential, signature)


def test_get_challenge(channel: CardChannel) -> None:
    first, status = send(channel, "0084000008")
    assert status == 0x9000 and len(first) == 8
    second, _ = send(channel, "0084000008")
    assert first != second
    assert send(channel, "0084010008")[1] == 0x6A86
    assert send(channel, "00840000")[1] == 0x6700


def test_truncated_and_corrupted_certificate_files(credential: IssuedCredential) -> None:
    certificate = credential.certificate_der
    with open_card(SimIdCard.issue(credential, faults={"truncated_certificate"})) as channel:
        send(channel, SELECT_APPLICATION)
        assert send(channel, "00B08100000000") == (certificate[: len(certificate) // 2], 0x9000)
    with open_card(SimIdCard.issue(credential, faults={"corrupted_certificate"})) as channel:
        send(channel, SELECT_APPLICATION)
        corrupted, _ = send(channel, "00B08100000000")
        assert len(corrupted) == len(certificate)
        assert corrupted[:-1] == certificate[:-1] and corrupted[-1] != certificate[-1]


def test_file_padding(credential: IssuedCredential) -> None:
    with open_card(SimIdCard.issue(credential, file_padding=40)) as channel:
        send(channel, SELECT_APPLICATION)
        assert send(channel, "00B08100000000") == (credential.certificate_der + b"\xff" * 40, 0x9000)


def test_status_word_fault_on_a_chosen_instruction(credential: IssuedCredential) -> None:
    card = SimIdCard.issue(credential, status_word_faults={0xB0: 0x6581})
    with open_card(card) as channel:
        assert send(channel, SELECT_APPLICATION) == (b"", 0x9000)
        assert send(channel, "00B0810000") == (b"", 0x6581)
        assert send(channel, internal_authenticate())[1] == 0x9000
    assert card.apdus_processed == 3


def test_get_response_card_answers_in_chunks(credential: IssuedCredential) -> None:
    card = SimIdCard.issue(credential, get_response_chunk=100)
    with open_card(card) as channel:
        send(channel, SELECT_APPLICATION)
        assert send(channel, "00B08100000000") == (credential.certificate_der, 0x9000)
    get_responses = math.ceil(len(credential.certificate_der) / 100) - 1
    assert card.apdus_processed == 2 + get_responses


def test_power_cycle_forgets_the_selection(credential: IssuedCredential) -> None:
    card = SimIdCard.issue(credential)
    card.power_on()
    assert card.process(SELECT_APPLICATION)[-2:] == b"\x90\x00"
    card.power_off()
    card.power_on()
    assert card.process(internal_authenticate())[-2:] == b"\x69\x85"

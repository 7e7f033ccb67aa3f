"""The simulator's eMRTD chip on the in-process channel, driven APDU by APDU with the reader-side ICAO classes."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator

import pytest
from PIL import Image

from drivers.card.channel import CardChannel
from kiosk.documents import tlv
from kiosk.documents.apdu import CommandApdu, ResponseApdu, parse_response_apdu
from kiosk.documents.emrtd import face_image, offers_extended_length
from kiosk.documents.icao import bac
from kiosk.documents.icao.errors import (
    DataGroupHashMismatchError,
    ExpiredCertificateError,
    SecureMessagingError,
    SodSignatureError,
    UnknownCscaError,
)
from kiosk.documents.icao.passive_auth import verify_sod
from kiosk.documents.icao.secure_messaging import SecureMessaging
from kiosk.documents.mrz import iin_from_td1, parse_mrz
from simulator.cards.emrtd import (
    LDS1_AID,
    EmrtdFaults,
    EmrtdHolder,
    EmrtdIssuer,
    SimEmrtd,
    emrtd_content,
    make_emrtd,
    make_emrtd_issuer,
    mrz_name_field,
)
from simulator.cards.inprocess import InProcessCardReader

TODAY = dt.date.today()
HOLDER = EmrtdHolder(surname="Әбдіхалықова-Серік", given_names="Гүлназ Нұрланқызы", iin="950315400026",
                     document_number="043218765", expiry_date=dt.date(TODAY.year + 4, 6, 30))
SELECT_LDS1 = CommandApdu(0x00, 0xA4, 0x04, 0x0C, data=LDS1_AID)


@pytest.fixture(scope="module")
def issuer() -> EmrtdIssuer:
    return make_emrtd_issuer()


def connect(card: SimEmrtd) -> CardChannel:
    reader = InProcessCardReader()
    reader.insert(card)
    return reader.wait_for_card(1.0)


def send(channel: CardChannel, command: CommandApdu) -> ResponseApdu:
    return parse_response_apdu(channel.transmit(command.encode()))


def open_session(channel: CardChannel, access_key: str) -> SecureMessaging:
    assert send(channel, SELECT_LDS1).sw == 0x9000
    keys = bac.document_keys(access_key)
    challenge = send(channel, bac.get_challenge_command())
    assert challenge.sw == 0x9000 and len(challenge.data) == 8
    authentication = bac.start_mutual_authentication(keys, challenge.data)
    answer = send(channel, bac.mutual_authenticate_command(authentication))
    assert answer.sw == 0x9000
    return SecureMessaging(bac.finish_mutual_authentication(keys, authentication, answer.data))


def protected(channel: CardChannel, session: SecureMessaging, command: CommandApdu) -> ResponseApdu:
    return session.unwrap_response(send(channel, session.wrap_command(command)))


def read_by_sfi(channel: CardChannel, session: SecureMessaging, short_file_id: int, le: int = 65_000) -> bytes:
    response = protected(channel, session, CommandApdu(0x00, 0xB0, 0x80 | short_file_id, 0x00, le=le))
    assert response.sw in (0x9000, 0x6282)
    return response.data


@pytest.fixture
def td1_card(issuer: EmrtdIssuer) -> Iterator[tuple[SimEmrtd, CardChannel]]:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    channel = connect(card)
    yield card, channel
    channel.close()


def test_names_are_transliterated_into_mrz_characters() -> None:
    assert mrz_name_field("Әбдіхалықова-Серік", "Гүлназ Нұрланқызы") == "ABDIKHALYKOVA<SERIK<<GULNAZ<NURLANKYZY"
    assert mrz_name_field("Щукин", "Юрий Ёсифович") == "SHCHUKIN<<IURII<ESIFOVICH"


@pytest.mark.parametrize("extended", [True, False])
def test_atr_announces_extended_length_as_configured(issuer: EmrtdIssuer, extended: bool) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer, extended_length=extended)
    assert offers_extended_length(card.atr) is extended


def test_files_are_refused_before_basic_access_control(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    _, channel = td1_card
    assert send(channel, SELECT_LDS1).sw == 0x9000
    assert send(channel, CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4)).sw == 0x6982
    assert send(channel, CommandApdu(0x0C, 0xB0, 0x81, 0x00, data=bytes(10), le=256)).sw == 0x6982


def test_mutual_authentication_with_a_wrong_key_is_refused(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    assert send(channel, SELECT_LDS1).sw == 0x9000
    wrong = bac.document_keys(card.access_key[:-1] + str((int(card.access_key[-1]) + 1) % 10))
    challenge = send(channel, bac.get_challenge_command()).data
    authentication = bac.start_mutual_authentication(wrong, challenge)
    assert send(channel, bac.mutual_authenticate_command(authentication)).sw == 0x6300
    assert not card.session_open


def test_a_challenge_serves_one_attempt_only(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    assert send(channel, SELECT_LDS1).sw == 0x9000
    keys = bac.document_keys(card.access_key)
    challenge = send(channel, bac.get_challenge_command()).data
    authentication = bac.start_mutual_authentication(keys, challenge)
    assert send(channel, bac.mutual_authenticate_command(authentication)).sw == 0x9000
    assert send(channel, bac.mutual_authenticate_command(authentication)).sw == 0x6985  # replay


def test_mutual_authentication_needs_the_application_selected(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    challenge = send(channel, bac.get_challenge_command()).data
    authentication = bac.start_mutual_authentication(bac.document_keys(card.access_key), challenge)
    assert send(channel, bac.mutual_authenticate_command(authentication)).sw == 0x6985


def test_td1_files_read_by_short_file_identifier(td1_card: tuple[SimEmrtd, CardChannel], issuer: EmrtdIssuer) -> None:
    card, channel = td1_card
    session = open_session(channel, card.access_key)
    ef_com = read_by_sfi(channel, session, 0x1E)
    dg1 = read_by_sfi(channel, session, 0x01)
    dg2 = read_by_sfi(channel, session, 0x02)
    ef_sod = read_by_sfi(channel, session, 0x1D)

    (com,) = tlv.parse_all(ef_com)
    assert com.tag == 0x60
    assert tlv.find(com.children(), 0x5C) == tlv.Tlv(0x5C, b"\x61\x75")
    (group,) = tlv.parse_all(dg1)
    assert group.tag == 0x61
    mrz_object = tlv.find(group.children(), 0x5F1F)
    assert mrz_object is not None
    mrz = parse_mrz(mrz_object.value.decode(), today=TODAY)
    assert mrz.format == "TD1" and mrz.issuing_state == "KAZ" and mrz.document_number == "043218765"
    assert mrz.lines[0][15:27] == HOLDER.iin
    assert iin_from_td1(mrz).value == HOLDER.iin
    assert mrz.surname == "ABDIKHALYKOVA SERIK"
    assert mrz.mrz_information == card.access_key

    portrait = Image.open(io.BytesIO(face_image(dg2)))
    assert portrait.format == "JPEG" and portrait.size == (24, 32)
    result = verify_sod(ef_sod, {1: dg1, 2: dg2}, [issuer.csca.certificate], TODAY)
    assert result.verified_data_groups == (1, 2)


def test_td3_passport_carries_the_iin_as_personal_number(issuer: EmrtdIssuer) -> None:
    content = emrtd_content(HOLDER, form="TD3", issuer=issuer)
    mrz = parse_mrz(content.mrz_lines, today=TODAY)
    assert mrz.format == "TD3" and mrz.document_type == "P" and mrz.optional_data == HOLDER.iin
    assert mrz.birth_date == dt.date(1995, 3, 15) and mrz.sex == "female"
    without = emrtd_content(HOLDER, form="TD3", issuer=issuer, passport_carries_iin=False, include_face=False)
    assert parse_mrz(without.mrz_lines, today=TODAY).optional_data == ""
    assert set(without.files) == {"EF.COM", "DG1", "EF.SOD"}


def test_read_binary_by_offset_after_the_short_file_identifier(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    session = open_session(channel, card.access_key)
    head = read_by_sfi(channel, session, 0x1D, le=4)
    rest = protected(channel, session, CommandApdu(0x00, 0xB0, 0x00, 0x04, le=16))
    assert rest.sw == 0x9000 and len(head + rest.data) == 20


def test_a_plain_command_ends_the_session(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    session = open_session(channel, card.access_key)
    assert send(channel, SELECT_LDS1).sw == 0x9000
    assert not card.session_open
    assert send(channel, session.wrap_command(CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4))).sw == 0x6982


def test_a_wrong_mac_ends_the_session_with_a_bare_6988(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    session = open_session(channel, card.access_key)
    wrapped = session.wrap_command(CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4))
    forged = CommandApdu(wrapped.cla, wrapped.ins, wrapped.p1, wrapped.p2, wrapped.data[:-1] + b"\x00", wrapped.le)
    response = send(channel, forged)
    assert response == ResponseApdu(b"", 0x6988)
    assert not card.session_open
    with pytest.raises(SecureMessagingError) as raised:
        session.unwrap_response(response)
    assert raised.value.reason == "unprotected_status"


def test_power_off_forgets_the_session(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    open_session(channel, card.access_key)
    card.power_off()
    card.power_on()
    assert not card.session_open


def test_a_short_length_card_refuses_extended_apdus(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer, extended_length=False)
    with connect(card) as channel:
        session = open_session(channel, card.access_key)
        assert send(channel, session.wrap_command(CommandApdu(0x00, 0xB0, 0x9D, 0x00, le=1000))).sw == 0x6700
        # The refusal ended the session; a short read of 231 bytes (the most one response carries) works after BAC.
        session = open_session(channel, card.access_key)
        assert len(read_by_sfi(channel, session, 0x1D, le=231)) == 231


def test_status_word_fault_is_answered_inside_secure_messaging(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    session = open_session(channel, card.access_key)
    card.status_word_faults[0xB0] = 0x6A82
    assert protected(channel, session, CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4)) == ResponseApdu(b"", 0x6A82)
    card.status_word_faults.clear()
    assert len(read_by_sfi(channel, session, 0x01, le=4)) == 4


def test_status_word_fault_on_a_plain_command(td1_card: tuple[SimEmrtd, CardChannel]) -> None:
    card, channel = td1_card
    card.status_word_faults[0x84] = 0x6D00
    assert send(channel, SELECT_LDS1).sw == 0x9000
    assert send(channel, bac.get_challenge_command()) == ResponseApdu(b"", 0x6D00)


def _verify(issuer: EmrtdIssuer, faults: EmrtdFaults) -> None:
    content = emrtd_content(HOLDER, form="TD1", issuer=issuer, faults=faults)
    verify_sod(content.files["EF.SOD"], {1: content.files["DG1"]}, [issuer.csca.certificate], TODAY)


def test_sod_faults_fail_passive_authentication_each_for_its_reason(issuer: EmrtdIssuer) -> None:
    _verify(issuer, EmrtdFaults())
    with pytest.raises(SodSignatureError):
        _verify(issuer, EmrtdFaults(bad_sod_signature=True))
    with pytest.raises(DataGroupHashMismatchError):
        _verify(issuer, EmrtdFaults(tampered_dg1=True))
    with pytest.raises(ExpiredCertificateError) as expired:
        _verify(issuer, EmrtdFaults(expired_document_signer=True))
    assert expired.value.role == "document_signer"
    with pytest.raises(UnknownCscaError):
        _verify(issuer, EmrtdFaults(unknown_csca=True))


def test_tampered_dg1_still_holds_a_well_formed_mrz(issuer: EmrtdIssuer) -> None:
    genuine = emrtd_content(HOLDER, form="TD1", issuer=issuer)
    tampered = emrtd_content(HOLDER, form="TD1", issuer=issuer, faults=EmrtdFaults(tampered_dg1=True))
    assert tampered.files["DG1"] != genuine.files["DG1"]
    text = tlv.parse_one(tlv.parse_one(tampered.files["DG1"])[0].value)[0].value.decode()
    assert parse_mrz(text, today=TODAY).surname != parse_mrz(genuine.mrz_lines, today=TODAY).surname


def test_truncated_and_corrupted_files(issuer: EmrtdIssuer) -> None:
    genuine = emrtd_content(HOLDER, form="TD1", issuer=issuer)
    damaged = emrtd_content(HOLDER, form="TD1", issuer=issuer,
                            faults=EmrtdFaults(truncated_files={"EF.SOD": 100}, corrupted_files={"DG1": 10}))
    assert damaged.files["EF.SOD"] == damaged.files["EF.SOD"][:100] and len(damaged.files["EF.SOD"]) == 100
    flipped = [i for i, (a, b) in enumerate(zip(genuine.files["DG1"], damaged.files["DG1"], strict=True)) if a != b]
    assert flipped == [10]


def test_repr_hides_personal_data(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    for text in (repr(card), repr(HOLDER)):
        assert HOLDER.iin not in text and HOLDER.document_number not in text

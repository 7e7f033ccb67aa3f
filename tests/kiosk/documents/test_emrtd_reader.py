"""The eMRTD reader against the simulator's chip on the in-process channel: both forms, every fault, fuzzing."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.card.channel import CardChannel
from kiosk.core.identity import REQUIRED_CHECKS
from kiosk.documents.apdu import CardStatusError, CommandApdu, ResponseApdu
from kiosk.documents.emrtd import (
    AccessKey,
    AccessKeyMismatchError,
    EmrtdCardRemovedError,
    EmrtdFileError,
    EmrtdReading,
    IinBirthDateMismatchError,
    NoEmrtdApplicationError,
    PassportWithoutIinError,
    max_read_length,
    minimum_apdus,
    read_emrtd,
    read_emrtd_document,
)
from kiosk.documents.errors import DocumentError
from kiosk.documents.icao.errors import (
    BacAuthenticationError,
    DataGroupHashMismatchError,
    ExpiredCertificateError,
    SecureMessagingError,
    SodSignatureError,
    UnknownCscaError,
)
from kiosk.documents.mrz import MrzFieldError, MrzIinMissingError, compose_td1, mrz_information
from simulator.cards.emrtd import (
    DocumentForm,
    EmrtdContent,
    EmrtdFaults,
    EmrtdHolder,
    EmrtdIssuer,
    FileName,
    SimEmrtd,
    card_from_content,
    emrtd_content,
    encode_dg1,
    make_emrtd,
    make_emrtd_issuer,
)
from simulator.cards.inprocess import InProcessCardReader

TODAY = dt.date.today()
HOLDER = EmrtdHolder(surname="Серікбаев", given_names="Асқар", iin="900101300017", document_number="N04512873",
                     expiry_date=dt.date(TODAY.year + 6, 2, 14))
PERSONAL = (HOLDER.iin, HOLDER.document_number, "SERIKBAEV", "ASKAR")


@pytest.fixture(scope="module")
def issuer() -> EmrtdIssuer:
    return make_emrtd_issuer()


def access_key(holder: EmrtdHolder = HOLDER) -> AccessKey:
    return AccessKey.from_typed(holder.document_number, holder.resolved_birth_date(), holder.expiry_date)


def connect(card: SimEmrtd, reader: InProcessCardReader | None = None) -> CardChannel:
    slot = reader if reader is not None else InProcessCardReader()
    slot.insert(card)
    return slot.wait_for_card(1.0)


def read(card: SimEmrtd, issuer: EmrtdIssuer, key: AccessKey | None = None, *, read_face: bool = False) -> EmrtdReading:
    with connect(card) as channel:
        return read_emrtd_document(channel, key or access_key(), [issuer.csca.certificate], TODAY,
                                   read_face=read_face)


def assert_no_personal_data(error: DocumentError) -> None:
    for value in PERSONAL:
        assert value not in error.message
    assert error.translation_key.startswith("document.")


# --- both forms ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["TD1", "TD3"])
@pytest.mark.parametrize("extended", [True, False])
def test_both_forms_are_read_and_verified(issuer: EmrtdIssuer, form: DocumentForm, extended: bool) -> None:
    card = make_emrtd(HOLDER, form=form, issuer=issuer, extended_length=extended)
    reading = read(card, issuer)
    identity = reading.identity
    assert identity.source == "emrtd"
    assert identity.iin.value == HOLDER.iin
    assert REQUIRED_CHECKS["emrtd"] <= identity.checks_passed
    assert {"certificate_chain", "certificate_validity", "document_not_expired"} <= identity.checks_passed
    assert (identity.surname, identity.given_names) == ("SERIKBAEV", "ASKAR")
    assert identity.document_number == HOLDER.document_number
    assert identity.document_expiry == HOLDER.expiry_date
    assert reading.mrz.format == form
    assert reading.extended_length is extended
    assert reading.passive_authentication.verified_data_groups == (1,)
    assert reading.passive_authentication.unread_data_groups == (2,)  # DG2 is not read by default
    assert set(reading.file_sizes) == {"EF.COM", "DG1", "EF.SOD"}
    assert reading.apdus_used == reading.apdus_minimum
    if extended:
        assert reading.apdus_used == 6  # SELECT, GET CHALLENGE, MUTUAL AUTHENTICATE, one read per file
    else:
        sod_reads = -(-reading.file_sizes["EF.SOD"] // 231)
        assert reading.apdus_used == 3 + 1 + 1 + sod_reads


def test_read_emrtd_returns_the_identity(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    with connect(card) as channel:
        identity = read_emrtd(channel, access_key(), [issuer.csca.certificate], TODAY)
    assert identity.iin.value == HOLDER.iin and identity.source == "emrtd"
    assert HOLDER.iin not in repr(identity)


def test_the_face_is_read_and_verified_only_when_asked(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD3", issuer=issuer)
    reading = read(card, issuer, read_face=True)
    assert reading.passive_authentication.verified_data_groups == (1, 2)
    assert reading.dg2 is not None and "DG2" in reading.file_sizes
    assert reading.apdus_used == reading.apdus_minimum == 7


def test_the_ef_com_must_list_dg1(issuer: EmrtdIssuer) -> None:
    content = emrtd_content(HOLDER, form="TD1", issuer=issuer)
    files = dict(content.files)
    files["EF.COM"] = files["EF.COM"].replace(b"\x5c\x02\x61\x75", b"\x5c\x02\x75\x75")
    with pytest.raises(EmrtdFileError) as raised:
        read(card_from_content(dataclasses.replace(content, files=files)), issuer)
    assert raised.value.file == "EF.COM" and raised.value.failure == "missing"


def test_a_passport_without_an_iin_is_verified_then_refused_with_its_own_error(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD3", issuer=issuer, passport_carries_iin=False)
    with pytest.raises(PassportWithoutIinError) as raised:
        read(card, issuer)
    assert raised.value.translation_key == "document.emrtd.passport_without_iin"
    assert "type the IIN" in raised.value.message
    assert_no_personal_data(raised.value)


def test_a_td1_card_without_an_iin_is_refused(issuer: EmrtdIssuer) -> None:
    foreign = dataclasses.replace(HOLDER, iin="A1B2C3")  # a foreign ID card's optional data
    content = _content_with_lines(issuer, compose_td1(
        document_type="ID", issuing_state="UTO", document_number=HOLDER.document_number, birth_date="900101",
        sex="M", expiry_date=f"{HOLDER.expiry_date:%y%m%d}", nationality="UTO", names="DOE<<JOHN",
        optional_data_1=foreign.iin))
    with pytest.raises(MrzIinMissingError):
        read(card_from_content(content), issuer)


def test_an_iin_whose_birth_date_differs_from_the_mrz_is_refused(issuer: EmrtdIssuer) -> None:
    holder = dataclasses.replace(HOLDER, birth_date=dt.date(1990, 1, 2))
    card = make_emrtd(holder, form="TD1", issuer=issuer)
    with pytest.raises(IinBirthDateMismatchError):
        read(card, issuer, key=access_key(holder))


def test_a_chip_whose_access_key_is_not_its_dg1_is_refused(issuer: EmrtdIssuer) -> None:
    other = dataclasses.replace(HOLDER, document_number="X99999999")
    content = emrtd_content(HOLDER, form="TD1", issuer=issuer)
    clone = dataclasses.replace(content, access_key=access_key(other).mrz_information)
    with pytest.raises(AccessKeyMismatchError):
        read(card_from_content(clone), issuer, key=access_key(other))


def _content_with_lines(issuer: EmrtdIssuer, lines: tuple[str, ...]) -> EmrtdContent:
    from simulator.cards.emrtd_pki import build_ef_sod  # noqa: PLC0415

    content = emrtd_content(HOLDER, form="TD1", issuer=issuer, include_face=False)
    dg1 = encode_dg1(lines)
    files = dict(content.files) | {"DG1": dg1, "EF.SOD": build_ef_sod({1: dg1}, issuer.document_signer)}
    return EmrtdContent(mrz_lines=lines, access_key=mrz_information(lines[0][5:14], lines[1][0:6], lines[1][8:14]),
                        files=files)


# --- the access key --------------------------------------------------------------------------------


def test_access_key_from_typed_fields_and_from_a_scanned_mrz_agree(issuer: EmrtdIssuer) -> None:
    content = emrtd_content(HOLDER, form="TD1", issuer=issuer)
    expected = content.access_key
    birth, expiry = HOLDER.resolved_birth_date(), HOLDER.expiry_date
    assert AccessKey.from_typed("n0451 2873", birth, expiry).mrz_information == expected
    assert AccessKey.from_typed("N04512873", f"{birth:%d.%m.%Y}", f"{expiry:%Y-%m-%d}").mrz_information == expected
    assert AccessKey.from_typed("N04512873", f"{birth:%y%m%d}", f"{expiry:%y%m%d}").mrz_information == expected
    assert AccessKey.from_mrz("\n".join(content.mrz_lines), today=TODAY).mrz_information == expected
    assert HOLDER.document_number not in repr(AccessKey.from_mrz(content.mrz_lines, today=TODAY))


def test_a_scanned_mrz_is_read_directly(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD3", issuer=issuer)
    content = emrtd_content(HOLDER, form="TD3", issuer=issuer)
    reading = read(card, issuer, key=AccessKey.from_mrz(content.mrz_lines, today=TODAY))
    assert reading.identity.iin.value == HOLDER.iin


def test_an_impossible_typed_date_is_refused() -> None:
    with pytest.raises(MrzFieldError):
        AccessKey.from_typed("N04512873", "31.02.1990", "01.01.2030")


# --- faults ----------------------------------------------------------------------------------------


def test_wrong_mrz_key_fails_basic_access_control(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    wrong = AccessKey.from_typed(HOLDER.document_number, HOLDER.resolved_birth_date(), dt.date(2031, 1, 1))
    with pytest.raises(BacAuthenticationError) as raised:
        read(card, issuer, key=wrong)
    assert raised.value.translation_key == "document.icao.bac.wrong_key"
    assert_no_personal_data(raised.value)


@pytest.mark.parametrize(
    ("faults", "error_type", "translation_key"),
    [
        (EmrtdFaults(tampered_dg1=True), DataGroupHashMismatchError, "document.icao.passive_auth.hash_mismatch"),
        (EmrtdFaults(unknown_csca=True), UnknownCscaError, "document.icao.passive_auth.unknown_csca"),
        (EmrtdFaults(expired_document_signer=True), ExpiredCertificateError,
         "document.icao.passive_auth.expired_certificate"),
        (EmrtdFaults(bad_sod_signature=True), SodSignatureError, "document.icao.passive_auth.bad_signature"),
    ],
    ids=["tampered_dg1", "unknown_csca", "expired_certificate", "bad_sod_signature"],
)
def test_passive_authentication_faults_each_have_their_reason(
    issuer: EmrtdIssuer, faults: EmrtdFaults, error_type: type[DocumentError], translation_key: str
) -> None:
    forms: tuple[DocumentForm, ...] = ("TD1", "TD3")
    for form in forms:
        card = make_emrtd(HOLDER, form=form, issuer=issuer, faults=faults)
        with pytest.raises(error_type) as raised:
            read(card, issuer)
        assert raised.value.translation_key == translation_key
        assert_no_personal_data(raised.value)


@pytest.mark.parametrize("name", ["EF.COM", "DG1", "EF.SOD"])
@pytest.mark.parametrize("extended", [True, False])
def test_truncated_files_are_reported_as_truncated(issuer: EmrtdIssuer, name: FileName, extended: bool) -> None:
    content = emrtd_content(HOLDER, form="TD1", issuer=issuer)
    genuine = content.files[name]
    for keep in (1, 3, len(genuine) // 2, len(genuine) - 1):
        truncated = dataclasses.replace(content, files=dict(content.files) | {name: genuine[:keep]})
        card = card_from_content(truncated, extended_length=extended)
        with pytest.raises(EmrtdFileError) as raised:
            read(card, issuer)
        assert (raised.value.file, raised.value.failure) == (name, "truncated")
        assert raised.value.translation_key == "document.emrtd.file_truncated"


@pytest.mark.parametrize(
    ("name", "offset", "error_type"),
    [
        ("EF.COM", 0, EmrtdFileError),  # the tag
        ("DG1", 0, EmrtdFileError),
        ("DG1", 20, DataGroupHashMismatchError),  # inside the MRZ: the hash no longer matches
        ("EF.SOD", 0, EmrtdFileError),
        ("EF.SOD", 300, DocumentError),  # somewhere in the CMS structure or the certificate
    ],
)
def test_corrupted_files_give_typed_errors(
    issuer: EmrtdIssuer, name: FileName, offset: int, error_type: type[DocumentError]
) -> None:
    card = make_emrtd(HOLDER, form="TD3", issuer=issuer, faults=EmrtdFaults(corrupted_files={name: offset}))
    with pytest.raises(error_type) as raised:
        read(card, issuer)
    assert_no_personal_data(raised.value)


def test_a_card_without_the_application(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    card.status_word_faults[0xA4] = 0x6A82
    with pytest.raises(NoEmrtdApplicationError) as raised:
        read(card, issuer)
    assert raised.value.translation_key == "document.emrtd.no_application"


@pytest.mark.parametrize(
    ("instruction", "status_word"),
    [(0xA4, 0x6A86), (0x84, 0x6D00), (0x82, 0x6A80), (0xB0, 0x6A82), (0xB0, 0x6982)],
)
def test_wrong_status_words_are_typed_card_status_errors(
    issuer: EmrtdIssuer, instruction: int, status_word: int
) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    card.status_word_faults[instruction] = status_word
    with pytest.raises(CardStatusError) as raised:
        read(card, issuer)
    assert raised.value.sw == status_word


class BareStatusOnSodCard(SimEmrtd):
    """A chip that answers the read of EF.SOD with a bare status word, outside secure messaging."""

    def handle(self, command: CommandApdu) -> ResponseApdu:
        if command.cla & 0x0C and command.p1 == 0x80 | 0x1D:
            return ResponseApdu(b"", 0x6A82)
        return super().handle(command)


def test_a_bare_status_word_under_secure_messaging_ends_the_read(issuer: EmrtdIssuer) -> None:
    card = make_emrtd(HOLDER, form="TD1", issuer=issuer)
    bare = BareStatusOnSodCard(applications=card.applications, atr_bytes=card.atr_bytes, access_key=card.access_key)
    with pytest.raises(SecureMessagingError) as raised:
        read(bare, issuer)
    assert raised.value.reason == "unprotected_status" and raised.value.status_word == 0x6A82


def test_card_removed_at_every_point_of_the_read_then_the_next_card_is_served(issuer: EmrtdIssuer) -> None:
    reader = InProcessCardReader()
    for count in range(6):
        channel = connect(make_emrtd(HOLDER, form="TD1", issuer=issuer), reader)
        reader.remove_after_apdus(count)
        with pytest.raises(EmrtdCardRemovedError) as raised:
            read_emrtd_document(channel, access_key(), [issuer.csca.certificate], TODAY)
        assert raised.value.translation_key == "document.emrtd.card_removed"
        channel.close()
        assert reader.wait_for_removal(1.0)
        with connect(make_emrtd(HOLDER, form="TD3", issuer=issuer), reader) as next_channel:
            identity = read_emrtd(next_channel, access_key(), [issuer.csca.certificate], TODAY)
        assert identity.iin.value == HOLDER.iin


# --- APDU budget and ATR ---------------------------------------------------------------------------


def test_max_read_length_fills_one_protected_response() -> None:
    assert max_read_length(extended=False) == 231
    assert max_read_length(extended=True) == 65511


def test_minimum_apdus() -> None:
    assert minimum_apdus([22, 95, 903], extended=True) == 6
    assert minimum_apdus([22, 95, 903], extended=False) == 3 + 1 + 1 + 4
    assert minimum_apdus([231, 232], extended=False) == 3 + 1 + 2


# --- fuzzing ---------------------------------------------------------------------------------------

_FUZZ_ISSUER = make_emrtd_issuer()
_FUZZ_CONTENT = {form: emrtd_content(HOLDER, form=form, issuer=_FUZZ_ISSUER, include_face=False)
                 for form in ("TD1", "TD3")}


@st.composite
def mutated_content(draw: st.DrawFn) -> tuple[EmrtdContent, bool]:
    content = _FUZZ_CONTENT[draw(st.sampled_from(["TD1", "TD3"]))]
    name: FileName = draw(st.sampled_from(["EF.COM", "DG1", "EF.SOD"]))
    data = bytearray(content.files[name])
    operation = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "replace"]))
    position = draw(st.integers(0, len(data) - 1))
    if operation == "flip":
        data[position] ^= 1 << draw(st.integers(0, 7))
    elif operation == "set":
        data[position] = draw(st.integers(0, 255))
    elif operation == "truncate":
        del data[position:]
    elif operation == "insert":
        data[position:position] = draw(st.binary(min_size=1, max_size=8))
    elif operation == "delete":
        del data[position:position + draw(st.integers(1, 8))]
    else:
        data = bytearray(draw(st.binary(max_size=300)))
    files: dict[FileName, bytes] = {**content.files, name: bytes(data)}
    return dataclasses.replace(content, files=files), draw(st.booleans())


@given(mutated_content())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_files_only_ever_raise_typed_errors(case: tuple[EmrtdContent, bool]) -> None:
    content, extended = case
    card = card_from_content(content, extended_length=extended)
    try:
        reading = read(card, _FUZZ_ISSUER)
    except DocumentError as error:
        assert_no_personal_data(error)
    else:
        # A mutation that leaves the verified data alone (EF.COM's versions, an unsigned byte) may pass.
        assert reading.identity.iin.value == HOLDER.iin

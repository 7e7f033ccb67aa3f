"""The national ID card reader against the simulator's card: in-process, and through real pcscd + vpcd.

The tests marked ``pcscd`` run on the second vpcd slot ("Virtual PCD 00 01") and wait for it to be empty
before inserting, since other suites may be using the virtual readers at the same time. Another suite may also
stop or restart the one shared pcscd under us; such a disturbance makes a test run again (up to four times) on
a recovered slot rather than fail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.card.channel import CardChannel, CardReader
from drivers.card.errors import (
    CardCommunicationError,
    CardError,
    CardRemovedError,
    CardServiceUnavailableError,
    ReaderBusyError,
    ReaderNotFoundError,
)
from drivers.card.pcsc import PcscCardReader
from kiosk.core.iin import IinRejection
from kiosk.documents.apdu import CardStatusError
from kiosk.documents.errors import DocumentError
from kiosk.documents.id_card import (
    CardAuthenticationError,
    CertificateExpiredError,
    CertificateNotYetValidError,
    ChainSignatureError,
    IdCardReading,
    InvalidCertificateIinError,
    IssuerNotCaError,
    MalformedCertificateError,
    MissingIinError,
    NotAnIdCardError,
    UnknownRootError,
    certificate_holder,
    der_length,
    minimum_apdus,
    read_id_card,
    read_id_card_measured,
    verify_chain,
)
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE, IdCardProfile
from simulator.cards.id_card import SimIdCard, id_card_atr
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.national_pki import IssuedCredential, Person, SimNationalPki
from simulator.cards.virtual import Application, ElementaryFile
from simulator.cards.vpcd import VpcdCardClient
from simulator.dock.processes import PcscdHandle, start_or_reuse_pcscd

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
TODAY = NOW.date()
HOLDER = Person(iin="900101301233", surname="Сейтқалиев", given_name="Әлихан", patronymic="Бауыржанұлы")
NEXT_HOLDER = Person(iin="850714400420", surname="Smith", given_name="Anna")
PCSC_READER_PREFIX = "Virtual PCD 00 01"
PCSC_VPCD_PORT = 35964
WAIT = 5.0
SLOT_BUSY_WAIT = 120.0  # other suites may hold the virtual reader; wait for them rather than fail


@pytest.fixture(scope="module")
def pki() -> SimNationalPki:
    return SimNationalPki.create(now=NOW)


@pytest.fixture(scope="module")
def credential(pki: SimNationalPki) -> IssuedCredential:
    return pki.issue_authentication_certificate(HOLDER)


def read(channel: CardChannel, pki: SimNationalPki, profile: IdCardProfile = SIMULATOR_PROFILE,
         *, intermediates: tuple[x509.Certificate, ...] | None = None, today: dt.date = TODAY) -> IdCardReading:
    return read_id_card_measured(
        channel, profile, pki.trusted_roots, pki.intermediates if intermediates is None else intermediates, today
    )


# --- the two channels ---------------------------------------------------------------------------------------


class Slot(Protocol):
    """A reader plus the simulator's controls over the card in it."""

    @property
    def reader(self) -> CardReader: ...

    def insert(self, card: SimIdCard) -> None: ...
    def remove_after_apdus(self, count: int) -> None: ...
    def apdus_on_the_wire(self) -> int: ...


@dataclass
class InProcessSlot:
    reader: InProcessCardReader
    card: SimIdCard | None = None

    def insert(self, card: SimIdCard) -> None:
        self.card = card
        self.reader.insert(card)

    def remove_after_apdus(self, count: int) -> None:
        self.reader.remove_after_apdus(count)

    def apdus_on_the_wire(self) -> int:
        assert self.card is not None
        return self.card.apdus_processed


class SlotDisturbed(Exception):
    """The virtual card could not be put into the PC/SC slot (vpcd not listening)."""


# What another suite running pcscd tests at the same time can do to ours: stop or restart the shared pcscd
# (the card then gives no response, or the service is gone) or hold the slot. Those attempts are retried.
PCSC_DISTURBANCES = (
    CardServiceUnavailableError, CardCommunicationError, ReaderNotFoundError, ReaderBusyError, SlotDisturbed
)
MAX_ATTEMPTS = 4


@dataclass
class PcscSlot:
    reader: PcscCardReader
    client: VpcdCardClient
    started_services: list[PcscdHandle]
    log_directory: Path
    baseline: int = 0

    def insert(self, card: SimIdCard) -> None:
        self.baseline = self.client.apdu_count
        self.client.insert(card)
        if not self.client.wait_until_connected(WAIT):
            raise SlotDisturbed("vpcd did not accept the card")

    def remove_after_apdus(self, count: int) -> None:
        self.client.drop_after_apdus(count)

    def apdus_on_the_wire(self) -> int:
        return self.client.apdu_count - self.baseline

    def recover(self) -> None:
        """Take the card out, make sure a pcscd with the vpcd readers runs, and wait for an empty slot."""
        self.client.remove()
        self.reader.close()
        time.sleep(0.5)  # a suite restarting pcscd brings it back within this
        service = start_or_reuse_pcscd(self.log_directory)
        if service.started_here:
            self.started_services.append(service)
        if not self.reader.wait_for_removal(SLOT_BUSY_WAIT):
            raise SlotDisturbed(f"the virtual reader {PCSC_READER_PREFIX!r} stayed occupied")


@pytest.fixture(scope="module")
def pcscd_started_during_recovery() -> Iterator[list[PcscdHandle]]:
    started: list[PcscdHandle] = []
    yield started
    for service in started:
        service.stop()


@pytest.fixture(params=["in_process", pytest.param("pcsc", marks=pytest.mark.pcscd)])
def slot(
    request: pytest.FixtureRequest, pcscd_started_during_recovery: list[PcscdHandle], tmp_path: Path
) -> Iterator[Slot]:
    if request.param == "in_process":
        yield InProcessSlot(InProcessCardReader())
        return
    request.getfixturevalue("pcscd")
    reader = PcscCardReader(PCSC_READER_PREFIX)
    if not reader.wait_for_removal(SLOT_BUSY_WAIT):
        reader.close()
        pytest.fail(f"the virtual reader {PCSC_READER_PREFIX!r} stayed occupied for {SLOT_BUSY_WAIT:.0f} s")
    client = VpcdCardClient(port=PCSC_VPCD_PORT)
    try:
        yield PcscSlot(reader, client, pcscd_started_during_recovery, tmp_path)
    finally:
        client.close()
        with contextlib.suppress(CardError):
            reader.wait_for_removal(WAIT)
        reader.close()


TestFunction = Callable[..., None]


def retried_when_pcscd_is_disturbed(test: TestFunction) -> TestFunction:
    """Run a slot test again (on a recovered slot) when another suite disturbed the shared pcscd."""

    @functools.wraps(test)
    def run(slot: Slot, *args: object, **kwargs: object) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                test(slot, *args, **kwargs)
                return
            except PCSC_DISTURBANCES:
                if not isinstance(slot, PcscSlot) or attempt == MAX_ATTEMPTS:
                    raise
                slot.recover()

    return run


# --- through both channels ----------------------------------------------------------------------------------


@retried_when_pcscd_is_disturbed
def test_read_and_verify(slot: Slot, pki: SimNationalPki, credential: IssuedCredential) -> None:
    slot.insert(SimIdCard.issue(credential))
    with slot.reader.wait_for_card(WAIT) as channel:
        reading = read(channel, pki)
    identity = reading.identity
    assert identity.source == "id_card"
    assert identity.iin.value == "900101301233"
    assert identity.surname == "СЕЙТҚАЛИЕВ"
    assert identity.given_names == "ӘЛИХАН"
    assert identity.patronymic == "БАУЫРЖАНҰЛЫ"
    assert identity.document_expiry == credential.certificate.not_valid_after_utc.date()
    assert identity.checks_passed == {
        "certificate_chain", "certificate_validity", "iin_check_digit", "card_authentication"
    }
    # SELECT application, one extended READ BINARY by short file identifier, INTERNAL AUTHENTICATE.
    assert reading.extended_length
    assert reading.apdus_used == reading.minimum_apdus == 3
    assert slot.apdus_on_the_wire() == 3
    assert reading.certificate_length == len(credential.certificate_der)


@retried_when_pcscd_is_disturbed
def test_short_reads_use_no_more_apdus_than_the_certificate_needs(
    slot: Slot, pki: SimNationalPki, credential: IssuedCredential
) -> None:
    slot.insert(SimIdCard.issue(credential, extended_length=False, file_padding=600))
    with slot.reader.wait_for_card(WAIT) as channel:
        reading = read(channel, pki)
    assert not reading.extended_length
    chunks = -(-len(credential.certificate_der) // 256)
    assert reading.apdus_used == reading.minimum_apdus == 1 + chunks + 1  # the padding is never read
    assert slot.apdus_on_the_wire() == reading.apdus_used


@retried_when_pcscd_is_disturbed
def test_card_removed_mid_read_then_the_next_card_is_read(
    slot: Slot, pki: SimNationalPki, credential: IssuedCredential
) -> None:
    slot.insert(SimIdCard.issue(credential, extended_length=False))
    with slot.reader.wait_for_card(WAIT) as channel:
        slot.remove_after_apdus(2)  # SELECT and the first chunk pass; the card leaves during the second chunk
        with pytest.raises(CardRemovedError) as raised:
            read_id_card(channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, TODAY)
    assert raised.value.translation_key == "card.removed"
    assert slot.reader.wait_for_removal(WAIT)

    slot.insert(SimIdCard.issue(pki.issue_authentication_certificate(NEXT_HOLDER)))
    with slot.reader.wait_for_card(WAIT) as next_channel:
        identity = read_id_card(next_channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, TODAY)
    assert identity.iin.value == "850714400420"
    assert "card_authentication" in identity.checks_passed


@pytest.mark.parametrize(("fault", "status"), [("clone_refuses", 0x6982), ("clone_wrong_signature", None)])
@retried_when_pcscd_is_disturbed
def test_clone_without_the_private_key_fails_card_authentication(
    slot: Slot, pki: SimNationalPki, credential: IssuedCredential, fault: str, status: int | None
) -> None:
    slot.insert(SimIdCard.issue(credential, faults={fault}))  # type: ignore[arg-type]
    with slot.reader.wait_for_card(WAIT) as channel, pytest.raises(CardAuthenticationError) as raised:
        read(channel, pki)
    assert raised.value.translation_key == "document.id_card.card_authentication_failed"
    assert raised.value.sw == status


@retried_when_pcscd_is_disturbed
def test_expired_certificate_is_rejected(slot: Slot, pki: SimNationalPki) -> None:
    slot.insert(SimIdCard.issue(pki.issue_authentication_certificate(HOLDER, timing="expired")))
    with slot.reader.wait_for_card(WAIT) as channel, pytest.raises(CertificateExpiredError) as raised:
        read(channel, pki)
    assert raised.value.translation_key == "document.id_card.certificate_expired"
    assert raised.value.role == "card"


@retried_when_pcscd_is_disturbed
def test_certificate_under_an_unknown_root_is_rejected(slot: Slot, pki: SimNationalPki) -> None:
    rogue = SimNationalPki.create(name="Rogue CA", now=NOW)
    credential = rogue.issue_authentication_certificate(HOLDER)
    # The card even carries its issuing CA, which chains only to the rogue root.
    slot.insert(SimIdCard.issue(credential, ca_certificate_der=rogue.issuing_ca.certificate_der))
    with slot.reader.wait_for_card(WAIT) as channel, pytest.raises(UnknownRootError) as raised:
        read(channel, pki)
    assert raised.value.translation_key == "document.id_card.unknown_root"


# --- in-process only: every other fault and bad input ----------------------------------------------------


def read_in_process(card: SimIdCard, pki: SimNationalPki, profile: IdCardProfile = SIMULATOR_PROFILE,
                    **options: object) -> IdCardReading:
    reader = InProcessCardReader()
    reader.insert(card)
    with reader.wait_for_card(1.0) as channel:
        return read(channel, pki, profile, **options)  # type: ignore[arg-type]


def test_not_yet_valid_certificate(pki: SimNationalPki) -> None:
    card = SimIdCard.issue(pki.issue_authentication_certificate(HOLDER, timing="not_yet_valid"))
    with pytest.raises(CertificateNotYetValidError) as raised:
        read_in_process(card, pki)
    assert raised.value.translation_key == "document.id_card.certificate_not_yet_valid"
    assert raised.value.role == "card"


def test_expired_chain_on_a_later_day_names_the_card_first(pki: SimNationalPki, credential: IssuedCredential) -> None:
    with pytest.raises(CertificateExpiredError) as raised:
        read_in_process(SimIdCard.issue(credential), pki, today=TODAY + dt.timedelta(days=30 * 365))
    assert raised.value.role == "card"


def test_forged_certificate_copying_the_nca_name_has_a_bad_signature(pki: SimNationalPki) -> None:
    forger = SimNationalPki.create(now=NOW)  # same names, other keys
    with pytest.raises(ChainSignatureError) as raised:
        read_in_process(SimIdCard.issue(forger.issue_authentication_certificate(HOLDER)), pki)
    assert raised.value.translation_key == "document.id_card.bad_chain_signature"


def test_corrupted_certificate_file(pki: SimNationalPki, credential: IssuedCredential) -> None:
    with pytest.raises(ChainSignatureError):
        read_in_process(SimIdCard.issue(credential, faults={"corrupted_certificate"}), pki)


@pytest.mark.parametrize("extended_length", [True, False])
def test_truncated_certificate_file(pki: SimNationalPki, credential: IssuedCredential, extended_length: bool) -> None:
    card = SimIdCard.issue(credential, faults={"truncated_certificate"}, extended_length=extended_length)
    with pytest.raises(MalformedCertificateError) as raised:
        read_in_process(card, pki)
    assert raised.value.translation_key == "document.id_card.malformed_certificate"


def test_certificate_without_iin(pki: SimNationalPki) -> None:
    card = SimIdCard.issue(pki.issue_authentication_certificate(HOLDER, omit_iin=True))
    with pytest.raises(MissingIinError) as raised:
        read_in_process(card, pki)
    assert raised.value.translation_key == "document.id_card.no_iin"


def test_certificate_with_an_invalid_iin(pki: SimNationalPki) -> None:
    card = SimIdCard.issue(pki.issue_authentication_certificate(replace(HOLDER, iin="900101301234")))
    with pytest.raises(InvalidCertificateIinError) as raised:
        read_in_process(card, pki)
    assert raised.value.reason is IinRejection.CHECK_DIGIT_MISMATCH
    assert raised.value.translation_key == "document.id_card.invalid_iin"
    assert "900101301234" not in str(raised.value)


def test_card_without_the_application(pki: SimNationalPki, credential: IssuedCredential) -> None:
    other = replace(SIMULATOR_PROFILE, application_id=bytes.fromhex("F000000001"))
    with pytest.raises(NotAnIdCardError) as raised:
        read_in_process(SimIdCard.issue(credential, profile=other), pki)
    assert raised.value.translation_key == "document.id_card.not_an_id_card"


def test_wrong_status_word_on_read_binary(pki: SimNationalPki, credential: IssuedCredential) -> None:
    with pytest.raises(CardStatusError) as raised:
        read_in_process(SimIdCard.issue(credential, status_word_faults={0xB0: 0x6581}), pki)
    assert raised.value.sw == 0x6581
    assert raised.value.translation_key == "document.card.memory_failure"


def test_wrong_status_word_on_select(pki: SimNationalPki, credential: IssuedCredential) -> None:
    with pytest.raises(CardStatusError) as raised:
        read_in_process(SimIdCard.issue(credential, status_word_faults={0xA4: 0x6F00}), pki)
    assert raised.value.sw == 0x6F00


@pytest.mark.parametrize("status", [0x6D00, 0x6A88, 0x6F00])
def test_card_refusing_internal_authenticate_is_not_let_off(
    pki: SimNationalPki, credential: IssuedCredential, status: int
) -> None:
    # A clone cannot skip card authentication by claiming not to know the instruction.
    with pytest.raises(CardAuthenticationError) as raised:
        read_in_process(SimIdCard.issue(credential, status_word_faults={0x88: status}), pki)
    assert raised.value.sw == status


def test_profile_without_key_reference_skips_card_authentication(
    pki: SimNationalPki, credential: IssuedCredential
) -> None:
    profile = replace(SIMULATOR_PROFILE, key_reference=None)
    reading = read_in_process(SimIdCard.issue(credential, faults={"clone_refuses"}, profile=profile), pki, profile)
    assert "card_authentication" not in reading.identity.checks_passed
    assert reading.identity.checks_passed == {"certificate_chain", "certificate_validity", "iin_check_digit"}
    assert reading.apdus_used == reading.minimum_apdus == 2


def test_profile_without_short_file_ids_selects_the_files(pki: SimNationalPki, credential: IssuedCredential) -> None:
    profile = replace(SIMULATOR_PROFILE, certificate_short_file_id=None, ca_certificate_short_file_id=None)
    card = SimIdCard.issue(credential, profile=profile, ca_certificate_der=pki.issuing_ca.certificate_der)
    reading = read_in_process(card, pki, profile, intermediates=())
    assert reading.ca_certificate_length == len(pki.issuing_ca.certificate_der)
    # SELECT app, SELECT EF + READ, SELECT CA EF + READ, INTERNAL AUTHENTICATE.
    assert reading.apdus_used == reading.minimum_apdus == 6


def test_issuing_ca_read_from_the_card_only_when_not_configured(
    pki: SimNationalPki, credential: IssuedCredential
) -> None:
    card = SimIdCard.issue(credential, ca_certificate_der=pki.issuing_ca.certificate_der)
    configured = read_in_process(card, pki)
    assert configured.ca_certificate_length is None and configured.apdus_used == 3
    from_card = read_in_process(card, pki, intermediates=())
    assert from_card.ca_certificate_length == len(pki.issuing_ca.certificate_der)
    assert from_card.apdus_used == from_card.minimum_apdus == 4
    with pytest.raises(UnknownRootError):  # neither configured nor on the card
        read_in_process(SimIdCard.issue(credential), pki, intermediates=())


def test_card_whose_atr_overstates_extended_length_is_read_in_chunks(
    pki: SimNationalPki, credential: IssuedCredential
) -> None:
    card = SimIdCard.issue(credential, extended_length=False)
    card.atr_bytes = id_card_atr(extended_length=True)
    reading = read_in_process(card, pki)
    assert not reading.extended_length
    assert reading.apdus_used == reading.minimum_apdus + 1  # the refused extended READ BINARY


def test_t0_style_card_with_get_response(pki: SimNationalPki, credential: IssuedCredential) -> None:
    card = SimIdCard.issue(credential, get_response_chunk=64)
    reading = read_in_process(card, pki)
    assert reading.apdus_used == 3
    assert card.apdus_processed > 3  # the channel completed the 61xx rounds


def test_challenge_comes_from_the_random_source(pki: SimNationalPki, credential: IssuedCredential) -> None:
    challenges: list[bytes] = []

    def recording_rng(size: int) -> bytes:
        challenges.append(bytes([len(challenges) + 1]) * size)
        return challenges[-1]

    reader = InProcessCardReader()
    reader.insert(SimIdCard.issue(credential))
    with reader.wait_for_card(1.0) as channel:
        read_id_card(channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, TODAY, recording_rng)
        read_id_card(channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, TODAY, recording_rng)
    assert [len(challenge) for challenge in challenges] == [32, 32]
    assert challenges[0] != challenges[1]


def test_commission_certificate_chains_through_the_commission_ca(pki: SimNationalPki) -> None:
    member = pki.issue_commission_member_certificate(HOLDER, role="chair")
    reading = read_in_process(SimIdCard.issue(member), pki)
    assert reading.identity.iin.value == HOLDER.iin
    with pytest.raises(UnknownRootError):
        read_in_process(SimIdCard.issue(member), pki, intermediates=(pki.issuing_ca.certificate,))


# --- chain rules --------------------------------------------------------------------------------------------


def sign_with(issuer: IssuedCredential, subject: IssuedCredential, *, ca: bool) -> x509.Certificate:
    """Re-issue ``subject``'s certificate under ``issuer`` (which may not be a CA), keeping its key."""
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject.certificate.subject)
        .issuer_name(issuer.certificate.subject)
        .public_key(subject.private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(issuer.private_key, hashes.SHA256())


def test_issuer_that_is_not_a_ca(pki: SimNationalPki, credential: IssuedCredential) -> None:
    victim = pki.issue_authentication_certificate(NEXT_HOLDER)
    issued_by_a_person = sign_with(credential, victim, ca=False)
    with pytest.raises(IssuerNotCaError) as raised:
        verify_chain(issued_by_a_person, pki.trusted_roots, [*pki.intermediates, credential.certificate], TODAY)
    assert raised.value.translation_key == "document.id_card.issuer_not_ca"


def test_path_length_of_the_issuing_ca(pki: SimNationalPki, credential: IssuedCredential) -> None:
    # The NCA has path length 0: a CA it certified may not issue in turn.
    sub_ca_holder = pki.issue_authentication_certificate(NEXT_HOLDER)
    sub_ca = IssuedCredential(sign_with(pki.issuing_ca, sub_ca_holder, ca=True), sub_ca_holder.private_key)
    leaf = sign_with(sub_ca, credential, ca=False)
    with pytest.raises(IssuerNotCaError):
        verify_chain(leaf, pki.trusted_roots, [*pki.intermediates, sub_ca.certificate], TODAY)


def test_expired_issuing_ca_is_named(pki: SimNationalPki, credential: IssuedCredential) -> None:
    chain = verify_chain(credential.certificate, pki.trusted_roots, pki.intermediates, TODAY)
    assert chain == [credential.certificate, pki.issuing_ca.certificate, pki.root.certificate]
    later = pki.issuing_ca.certificate.not_valid_after_utc.date() + dt.timedelta(days=1)
    leaf_holder = pki.issue_authentication_certificate(NEXT_HOLDER)
    long_leaf = (
        x509.CertificateBuilder()
        .subject_name(leaf_holder.certificate.subject)
        .issuer_name(pki.issuing_ca.certificate.subject)
        .public_key(leaf_holder.private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW)
        .not_valid_after(NOW + dt.timedelta(days=20 * 365))
        .sign(pki.issuing_ca.private_key, hashes.SHA256())
    )
    with pytest.raises(CertificateExpiredError) as raised:
        verify_chain(long_leaf, pki.trusted_roots, pki.intermediates, later)
    assert raised.value.role == "issuing_ca"


def test_holder_names_follow_the_nca_convention(pki: SimNationalPki) -> None:
    holder = certificate_holder(pki.issue_authentication_certificate(NEXT_HOLDER).certificate)
    assert (holder.surname, holder.given_names, holder.patronymic) == ("SMITH", "ANNA", None)
    assert "SMITH" not in repr(holder)


# --- the DER header -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "total"),
    [("3003020101", 5), ("308180", 131), ("30820100", 260), ("30820000", 4)],
)
def test_der_length(prefix: str, total: int) -> None:
    assert der_length(bytes.fromhex(prefix), 8192) == total


@pytest.mark.parametrize("prefix", ["", "30", "3180", "308000", "3083010000", "3082", "30821F41", "3100"])
def test_der_length_refuses(prefix: str) -> None:
    with pytest.raises(MalformedCertificateError):
        der_length(bytes.fromhex(prefix), 8000)


def test_minimum_apdus() -> None:
    assert minimum_apdus(SIMULATOR_PROFILE, 675, extended_length=True) == 3
    assert minimum_apdus(SIMULATOR_PROFILE, 675, extended_length=False) == 5
    assert minimum_apdus(SIMULATOR_PROFILE, 512, extended_length=False) == 4
    assert minimum_apdus(SIMULATOR_PROFILE, 675, extended_length=False, ca_certificate_length=500) == 7
    no_sfi = replace(SIMULATOR_PROFILE, certificate_short_file_id=None, key_reference=None)
    assert minimum_apdus(no_sfi, 675, extended_length=True) == 3


# --- fuzz: whatever the certificate file holds, only our typed errors come out ------------------------------


def card_with_file(content: bytes, credential: IssuedCredential, *, extended_length: bool) -> SimIdCard:
    application = Application(SIMULATOR_PROFILE.application_id, (ElementaryFile(0xA001, content, 1),))
    return SimIdCard(
        applications=(application,),
        atr_bytes=id_card_atr(extended_length=extended_length),
        extended_length=extended_length,
        authentication_key=credential.private_key,
    )


def read_file_content(
    content: bytes, pki: SimNationalPki, credential: IssuedCredential, extended: bool
) -> IdCardReading:
    return read_in_process(card_with_file(content, credential, extended_length=extended), pki)


def test_unused_bits_in_the_signature_field_are_refused(pki: SimNationalPki, credential: IssuedCredential) -> None:
    # cryptography ignores the unused-bits byte of signatureValue, so this alteration would still verify.
    altered = bytearray(credential.certificate_der)
    altered[-len(credential.certificate.signature) - 1] = 0x01
    with pytest.raises(MalformedCertificateError):
        read_file_content(bytes(altered), pki, credential, True)
    read_file_content(credential.certificate_der, pki, credential, True)  # the unaltered file reads


@given(data=st.data(), extended=st.booleans())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_mutated_certificate_raises_only_document_errors(
    pki: SimNationalPki, credential: IssuedCredential, data: st.DataObject, extended: bool
) -> None:
    original = bytearray(credential.certificate_der)
    mutation = data.draw(st.sampled_from(["flip", "replace", "truncate", "insert", "delete"]))
    position = data.draw(st.integers(0, len(original) - 1))
    if mutation == "flip":
        original[position] ^= 1 << data.draw(st.integers(0, 7))
    elif mutation == "replace":
        original[position] = data.draw(st.integers(0, 255).filter(lambda value: value != original[position]))
    elif mutation == "truncate":
        del original[position:]
    elif mutation == "insert":
        original[position:position] = data.draw(st.binary(min_size=1, max_size=8))
    else:
        del original[position : position + data.draw(st.integers(1, 8))]
    with pytest.raises(DocumentError):
        read_file_content(bytes(original), pki, credential, extended)


@given(content=st.binary(max_size=1500), extended=st.booleans())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_file_content_raises_only_document_errors(
    pki: SimNationalPki, credential: IssuedCredential, content: bytes, extended: bool
) -> None:
    with pytest.raises(DocumentError):
        read_file_content(content, pki, credential, extended)

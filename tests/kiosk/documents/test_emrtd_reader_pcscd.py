"""The eMRTD reader through real pcscd + vpcd with the simulator's chip (needs pcscd; the fixture starts it).

These tests use the second vpcd slot ("Virtual PCD 00 01", port 35964), since other suites use the first.
Other test runs may share pcscd: when the slot holds someone else's card, or pcscd reports the reader busy,
the tests wait and retry rather than fail.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.card.channel import CardChannel
from drivers.card.errors import CardError, CardRemovedError
from drivers.card.pcsc import PcscCardReader
from kiosk.core.identity import REQUIRED_CHECKS
from kiosk.documents.emrtd import AccessKey, EmrtdCardRemovedError, read_emrtd, read_emrtd_document
from kiosk.documents.icao.errors import (
    BacAuthenticationError,
    DataGroupHashMismatchError,
    ExpiredCertificateError,
    UnknownCscaError,
)
from simulator.cards.emrtd import (
    DocumentForm,
    EmrtdFaults,
    EmrtdHolder,
    EmrtdIssuer,
    SimEmrtd,
    emrtd_atr,
    make_emrtd,
    make_emrtd_issuer,
)
from simulator.cards.virtual import build_t1_atr
from simulator.cards.vpcd import VpcdCardClient
from simulator.dock.processes import pcsc_reader_names, start_or_reuse_pcscd

pytestmark = pytest.mark.pcscd

READER_PREFIX = "Virtual PCD 00 01"
VPCD_PORT = 35964
WAIT = 5.0
BUSY_PATIENCE_SECONDS = 120.0
TODAY = dt.date.today()
HOLDER = EmrtdHolder(surname="Жақсыбекова", given_names="Айгерім", iin="950315400026", document_number="N07733120",
                     expiry_date=dt.date(TODAY.year + 3, 9, 1))


def own_atr(extended_length: bool = True) -> bytes:
    """The eMRTD's ATR with a random tail in its historical bytes, so a test knows the card it reaches is its own."""
    historical = emrtd_atr(extended_length=extended_length)[4:-1]  # after TS T0 TD1 TD2, before TCK
    return build_t1_atr(historical + bytes((0x54,)) + os.urandom(4))  # COMPACT-TLV tag 5 (issuer's data), 4 bytes


@dataclass
class Slot:
    reader: PcscCardReader
    client: VpcdCardClient

    def insert_and_connect(self, card: SimEmrtd) -> CardChannel:
        """Insert ``card`` and connect to it, waiting while the slot is someone else's."""
        deadline = time.monotonic() + BUSY_PATIENCE_SECONDS
        while time.monotonic() < deadline:
            try:
                if self.reader.wait_for_removal(WAIT):
                    self.client.insert(card)
                    if self.client.wait_until_connected(WAIT):
                        channel = self.reader.wait_for_card(WAIT)
                        if channel.atr() == card.atr:
                            return channel
                        channel.close()  # someone else's card got there first
            except CardError:
                pass  # pcscd restarting under another session, or the slot busy: try again
            self.client.remove()
            time.sleep(0.2)
        pytest.fail(f"the reader {READER_PREFIX!r} stayed busy for {BUSY_PATIENCE_SECONDS:.0f} s")

    def remove(self) -> None:
        self.client.remove()
        assert self.reader.wait_for_removal(WAIT)


@pytest.fixture(scope="module")
def issuer() -> EmrtdIssuer:
    return make_emrtd_issuer()


@pytest.fixture
def slot(pcscd: object, tmp_path: Path) -> Iterator[Slot]:
    # Another test session on this machine may have stopped the pcscd this session reused: start our own then.
    own_service = start_or_reuse_pcscd(tmp_path) if pcsc_reader_names() is None else None
    reader = PcscCardReader(READER_PREFIX)
    client = VpcdCardClient(port=VPCD_PORT)
    try:
        yield Slot(reader, client)
    finally:
        client.close()
        reader.close()
        if own_service is not None:
            own_service.stop()


def card_for(
    issuer: EmrtdIssuer, form: DocumentForm = "TD1", *, extended_length: bool = True, faults: EmrtdFaults | None = None
) -> SimEmrtd:
    return make_emrtd(HOLDER, form=form, issuer=issuer, extended_length=extended_length, faults=faults,
                      atr_bytes=own_atr(extended_length))


def access_key() -> AccessKey:
    return AccessKey.from_typed(HOLDER.document_number, HOLDER.resolved_birth_date(), HOLDER.expiry_date)


@pytest.mark.parametrize("form", ["TD1", "TD3"])
@pytest.mark.parametrize("extended", [True, False])
def test_both_forms_read_and_verified_over_pcscd(
    slot: Slot, issuer: EmrtdIssuer, form: DocumentForm, extended: bool
) -> None:
    with slot.insert_and_connect(card_for(issuer, form, extended_length=extended)) as channel:
        reading = read_emrtd_document(channel, access_key(), [issuer.csca.certificate], TODAY)
    identity = reading.identity
    assert identity.iin.value == HOLDER.iin and identity.source == "emrtd"
    assert REQUIRED_CHECKS["emrtd"] <= identity.checks_passed
    assert reading.mrz.format == form
    assert reading.extended_length is extended  # learnt from the ATR pcscd passed on
    assert reading.apdus_used == reading.apdus_minimum


def test_card_pulled_out_mid_read_then_the_next_card_is_served(slot: Slot, issuer: EmrtdIssuer) -> None:
    channel = slot.insert_and_connect(card_for(issuer))
    slot.client.drop_after_apdus(4)  # SELECT, BAC, EF.COM answered; the read of DG1 meets an empty slot
    with pytest.raises(EmrtdCardRemovedError) as raised:
        read_emrtd(channel, access_key(), [issuer.csca.certificate], TODAY)
    assert raised.value.translation_key == "document.emrtd.card_removed"
    assert isinstance(raised.value.__cause__, CardRemovedError)
    channel.close()
    assert slot.reader.wait_for_removal(WAIT)

    with slot.insert_and_connect(card_for(issuer, "TD3")) as next_channel:
        identity = read_emrtd(next_channel, access_key(), [issuer.csca.certificate], TODAY)
    assert identity.iin.value == HOLDER.iin


def test_tampered_dg1_fails_passive_authentication(slot: Slot, issuer: EmrtdIssuer) -> None:
    with slot.insert_and_connect(card_for(issuer, faults=EmrtdFaults(tampered_dg1=True))) as channel, \
            pytest.raises(DataGroupHashMismatchError) as raised:
        read_emrtd(channel, access_key(), [issuer.csca.certificate], TODAY)
    assert raised.value.data_group == 1


def test_unknown_csca_expired_certificate_and_wrong_key_each_have_their_reason(
    slot: Slot, issuer: EmrtdIssuer
) -> None:
    reasons = []
    for faults, key in (
        (EmrtdFaults(unknown_csca=True), access_key()),
        (EmrtdFaults(expired_document_signer=True), access_key()),
        (EmrtdFaults(), AccessKey.from_typed(HOLDER.document_number, "01.01.1991", HOLDER.expiry_date)),
    ):
        with slot.insert_and_connect(card_for(issuer, faults=faults)) as channel:
            with pytest.raises((UnknownCscaError, ExpiredCertificateError, BacAuthenticationError)) as raised:
                read_emrtd(channel, key, [issuer.csca.certificate], TODAY)
            reasons.append(raised.value.translation_key)
        slot.remove()
    assert reasons == [
        "document.icao.passive_auth.unknown_csca",
        "document.icao.passive_auth.expired_certificate",
        "document.icao.bac.wrong_key",
    ]

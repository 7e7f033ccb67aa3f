"""``identify_card``: which reader reads which card, on the in-process channel with the simulator's cards."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.config import DocumentTrust
from kiosk.core.identity import REQUIRED_CHECKS, Identity
from kiosk.core.iin import parse_iin
from kiosk.documents.emrtd import AccessKey
from kiosk.documents.icao.errors import BacAuthenticationError
from kiosk.documents.id_card import CardAuthenticationError
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from kiosk.documents.identify import AccessKeyRequiredError, UnknownDocumentError, identify_card
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.virtual import Application, ElementaryFile, FileSystemCard, VirtualCard
from simulator.cards.world import CardIssuers, SimulatedCard, card_for, prepare_card_issuers

TODAY = dt.date.today()
PERSON = parse_iin("791102322070")  # born 1979-11-02, male


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sim")


@pytest.fixture(scope="module")
def issuers(home: Path) -> CardIssuers:
    return prepare_card_issuers(home)


@pytest.fixture(scope="module")
def trust(issuers: CardIssuers) -> DocumentTrust:
    return DocumentTrust(
        national_ca_roots=issuers.national_pki.trusted_roots,
        national_ca_intermediates=issuers.national_pki.intermediates,
        csca_certificates=(issuers.emrtd_issuer.csca.certificate,),
        id_card_profile=SIMULATOR_PROFILE,
    )


def identify(card: VirtualCard, trust: DocumentTrust, access_key: AccessKey | None = None) -> Identity:
    reader = InProcessCardReader()
    reader.insert(card)
    with reader.wait_for_card(1.0) as channel:
        return identify_card(channel, trust, access_key, today=TODAY)


def key_of(simulated: SimulatedCard) -> AccessKey:
    details = simulated.details
    return AccessKey.from_typed(details.document_number, details.birth_date, details.expiry_date)


def test_an_id_card_needs_no_access_key(home: Path, issuers: CardIssuers, trust: DocumentTrust) -> None:
    identity = identify(card_for(home, PERSON.value, "id-card", issuers=issuers).card, trust)
    assert identity.source == "id_card" and identity.iin == PERSON
    assert "card_authentication" in identity.checks_passed


def test_an_access_key_given_for_an_id_card_is_not_needed(
    home: Path, issuers: CardIssuers, trust: DocumentTrust
) -> None:
    passport = card_for(home, PERSON.value, "emrtd-td3", issuers=issuers)
    identity = identify(card_for(home, PERSON.value, "id-card", issuers=issuers).card, trust, key_of(passport))
    assert identity.source == "id_card"


@pytest.mark.parametrize("profile", ["emrtd-td1", "emrtd-td3"])
def test_an_emrtd_is_read_with_its_access_key(
    home: Path, issuers: CardIssuers, trust: DocumentTrust, profile: str
) -> None:
    simulated = card_for(home, PERSON.value, profile, issuers=issuers)  # type: ignore[arg-type]
    identity = identify(simulated.card, trust, key_of(simulated))
    assert identity.source == "emrtd" and identity.iin == PERSON
    assert REQUIRED_CHECKS["emrtd"] <= identity.checks_passed


def test_an_emrtd_scanned_mrz_opens_it(home: Path, issuers: CardIssuers, trust: DocumentTrust) -> None:
    simulated = card_for(home, PERSON.value, "emrtd-td1", issuers=issuers)
    key = AccessKey.from_mrz("\n".join(simulated.details.mrz_lines), today=TODAY)
    assert identify(simulated.card, trust, key).document_number == simulated.details.document_number


@pytest.mark.parametrize("profile", ["emrtd-td1", "emrtd-td3"])
def test_an_emrtd_without_access_key_asks_for_it(
    home: Path, issuers: CardIssuers, trust: DocumentTrust, profile: str
) -> None:
    simulated = card_for(home, PERSON.value, profile, issuers=issuers)  # type: ignore[arg-type]
    with pytest.raises(AccessKeyRequiredError) as raised:
        identify(simulated.card, trust)
    assert raised.value.translation_key == "document.emrtd.access_key_required"


def test_a_wrong_access_key_is_refused(home: Path, issuers: CardIssuers, trust: DocumentTrust) -> None:
    simulated = card_for(home, PERSON.value, "emrtd-td1", issuers=issuers)
    wrong = AccessKey.from_typed("000000000", simulated.details.birth_date, simulated.details.expiry_date)
    with pytest.raises(BacAuthenticationError):
        identify(simulated.card, trust, wrong)


@pytest.mark.parametrize("with_key", [False, True])
def test_a_card_with_neither_application_is_not_a_document(
    home: Path, issuers: CardIssuers, trust: DocumentTrust, with_key: bool
) -> None:
    other = FileSystemCard(applications=(Application(bytes.fromhex("A000000003101001"), (ElementaryFile(1, b"x"),)),))
    passport = card_for(home, PERSON.value, "emrtd-td3", issuers=issuers)
    with pytest.raises(UnknownDocumentError):
        identify(other, trust, key_of(passport) if with_key else None)


def test_a_clone_fails_card_authentication(home: Path, issuers: CardIssuers, trust: DocumentTrust) -> None:
    with pytest.raises(CardAuthenticationError):
        identify(card_for(home, PERSON.value, "id-card", ["clone"], issuers=issuers).card, trust)

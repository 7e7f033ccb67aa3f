"""The simulated world's persistent card issuers and the cards ``card_for`` makes (read in-process)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from drivers.card.errors import CardRemovedError
from kiosk.core.identity import Identity
from kiosk.core.iin import parse_iin
from kiosk.documents.emrtd import AccessKey, read_emrtd
from kiosk.documents.errors import DocumentError
from kiosk.documents.icao.errors import (
    DataGroupHashMismatchError,
    ExpiredCertificateError,
    SodSignatureError,
    UnknownCscaError,
)
from kiosk.documents.id_card import (
    CardAuthenticationError,
    CertificateExpiredError,
    ChainSignatureError,
    MissingIinError,
    UnknownRootError,
    read_id_card,
)
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from kiosk.documents.mrz import parse_mrz
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.world import (
    CARD_PROFILES,
    CardIssuerPaths,
    CardIssuers,
    CardWorldError,
    SimulatedCard,
    card_for,
    insert_in_process,
    load_card_issuers,
    prepare_card_issuers,
)
from simulator.egov.population import generate_population, sample_voters

TODAY = dt.date.today()
OUTSIDER = parse_iin("880615443213")  # born 1988-06-15, female; not in the generated registry


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sim")
    generate_population(root / "registry.sqlite", seed=5, voters=60, stations=2)
    prepare_card_issuers(root)
    return root


@pytest.fixture(scope="module")
def issuers(home: Path) -> CardIssuers:
    return load_card_issuers(home)


def voter(home: Path) -> str:
    return sample_voters(home / "registry.sqlite", "listed_here", 1)[0]


def read(simulated: SimulatedCard, issuers: CardIssuers) -> Identity:
    reader = InProcessCardReader()
    insert_in_process(reader, simulated)
    with reader.wait_for_card(1.0) as channel:
        if simulated.details.profile == "id-card":
            pki = issuers.national_pki
            return read_id_card(channel, SIMULATOR_PROFILE, pki.trusted_roots, pki.intermediates, TODAY)
        details = simulated.details
        key = AccessKey.from_typed(details.document_number, details.birth_date, details.expiry_date)
        return read_emrtd(channel, key, [issuers.emrtd_issuer.csca.certificate], TODAY)


# --- the issuers ---------------------------------------------------------------------------------------


def test_issuers_are_created_once_and_loaded_thereafter(tmp_path: Path) -> None:
    first = prepare_card_issuers(tmp_path)
    again = prepare_card_issuers(tmp_path)
    assert again.national_pki.root.certificate == first.national_pki.root.certificate
    assert again.national_pki.issuing_ca.certificate == first.national_pki.issuing_ca.certificate
    assert again.national_pki.commission_ca.certificate == first.national_pki.commission_ca.certificate
    assert again.emrtd_issuer.csca.certificate == first.emrtd_issuer.csca.certificate
    assert again.emrtd_issuer.document_signer.certificate == first.emrtd_issuer.document_signer.certificate
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".cards-")]  # staging cleaned up


def test_keys_are_private_and_certificates_are_where_the_kiosk_config_points(tmp_path: Path) -> None:
    prepare_card_issuers(tmp_path)
    paths = CardIssuerPaths(tmp_path)
    assert stat.S_IMODE(paths.cards.stat().st_mode) == 0o700
    keys = sorted(paths.cards.rglob("*-key.pem"))
    assert len(keys) == 5  # root, NCA, commission CA, CSCA, document signer
    assert all(stat.S_IMODE(key.stat().st_mode) == 0o600 for key in keys)
    for certificate in (*paths.national_ca_roots, *paths.national_ca_intermediates, *paths.csca_certificates):
        assert certificate.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_loading_without_issuers_says_so(tmp_path: Path) -> None:
    with pytest.raises(CardWorldError, match="no simulated card issuers"):
        load_card_issuers(tmp_path)


def test_a_key_that_does_not_match_its_certificate_is_refused(tmp_path: Path) -> None:
    prepare_card_issuers(tmp_path)
    paths = CardIssuerPaths(tmp_path)
    (paths.national_pki / "nca-key.pem").write_bytes((paths.national_pki / "root-key.pem").read_bytes())
    with pytest.raises(CardWorldError, match="damaged"):
        load_card_issuers(tmp_path)


# --- whose card ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", CARD_PROFILES)
def test_a_voter_gets_a_card_with_their_registry_names(home: Path, issuers: CardIssuers, profile: str) -> None:
    iin = voter(home)
    simulated = card_for(home, iin, profile, issuers=issuers)  # type: ignore[arg-type]
    assert simulated.details.in_registry
    identity = read(simulated, issuers)
    assert identity.iin.value == iin
    if profile == "id-card":
        assert identity.surname == simulated.details.surname.upper()
        assert "card_authentication" in identity.checks_passed
    else:
        assert identity.document_number == simulated.details.document_number
        assert "passive_authentication" in identity.checks_passed
        mrz = parse_mrz(simulated.details.mrz_lines, today=TODAY)
        assert mrz.format == ("TD1" if profile == "emrtd-td1" else "TD3")


def test_the_same_person_gets_the_same_document_number_and_expiry(home: Path, issuers: CardIssuers) -> None:
    iin = voter(home)
    first = card_for(home, iin, "emrtd-td1", issuers=issuers).details
    second = card_for(home, iin, "emrtd-td1", issuers=issuers).details
    passport = card_for(home, iin, "emrtd-td3", issuers=issuers).details
    assert (first.document_number, first.expiry_date) == (second.document_number, second.expiry_date)
    assert first.document_number == card_for(home, iin, "id-card", issuers=issuers).details.document_number
    assert passport.document_number.startswith("N") and passport.document_number != first.document_number
    assert first.expiry_date > TODAY


def test_someone_outside_the_registry_gets_a_made_up_name(home: Path, issuers: CardIssuers) -> None:
    simulated = card_for(home, OUTSIDER.value, "emrtd-td3", issuers=issuers)
    assert not simulated.details.in_registry
    assert simulated.details.birth_date == OUTSIDER.birth_date and simulated.details.sex == "F"
    assert simulated.details.surname and simulated.details.given_name
    assert read(simulated, issuers).iin == OUTSIDER


def test_repr_hides_personal_data(home: Path, issuers: CardIssuers) -> None:
    simulated = card_for(home, OUTSIDER.value, "emrtd-td1", issuers=issuers)
    assert OUTSIDER.value not in repr(simulated) and OUTSIDER.value not in repr(simulated.details)
    assert simulated.details.surname not in repr(simulated.details)


@pytest.mark.parametrize(
    ("iin", "profile", "faults", "message"),
    [
        ("123", "id-card", (), "not a valid IIN"),
        ("880615412345", "id-card", (), "not a valid IIN"),
        (OUTSIDER.value, "smart-card", (), "unknown card profile"),
        (OUTSIDER.value, "id-card", ("tampered-dg1",), "does not apply to id-card"),
        (OUTSIDER.value, "emrtd-td1", ("clone",), "does not apply to emrtd-td1"),
        (OUTSIDER.value, "emrtd-td1", ("passport-without-iin",), "emrtd-td3 only"),
        (OUTSIDER.value, "emrtd-td1", ("removed-after-x",), "does not apply"),
    ],
)
def test_impossible_requests_are_refused(
    home: Path, issuers: CardIssuers, iin: str, profile: str, faults: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CardWorldError, match=message):
        card_for(home, iin, profile, faults, issuers=issuers)  # type: ignore[arg-type]


# --- faults ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "fault", "error"),
    [
        ("id-card", "clone", CardAuthenticationError),
        ("id-card", "clone-wrong-signature", CardAuthenticationError),
        ("id-card", "expired-certificate", CertificateExpiredError),
        ("id-card", "unknown-root", UnknownRootError),
        ("id-card", "forged-issuer", ChainSignatureError),
        ("id-card", "no-iin", MissingIinError),
        ("emrtd-td1", "tampered-dg1", DataGroupHashMismatchError),
        ("emrtd-td3", "bad-sod-signature", SodSignatureError),
        ("emrtd-td1", "expired-document-signer", ExpiredCertificateError),
        ("emrtd-td3", "unknown-csca", UnknownCscaError),
        ("emrtd-td1", "removed-after-3", CardRemovedError),
        ("id-card", "removed-after-1", CardRemovedError),
    ],
)
def test_each_fault_is_refused_for_its_own_reason(
    home: Path, issuers: CardIssuers, profile: str, fault: str, error: type[Exception]
) -> None:
    simulated = card_for(home, voter(home), profile, [fault], issuers=issuers)  # type: ignore[arg-type]
    with pytest.raises(Exception) as raised:  # the type is checked below: a reader may wrap the error
        read(simulated, issuers)
    assert isinstance(raised.value, error) or isinstance(raised.value.__cause__, error)


def test_an_expired_document_reads_without_the_not_expired_check(home: Path, issuers: CardIssuers) -> None:
    simulated = card_for(home, voter(home), "emrtd-td1", ["expired-document"], issuers=issuers)
    assert simulated.details.expiry_date < TODAY
    identity = read(simulated, issuers)
    assert "document_not_expired" not in identity.checks_passed


def test_a_corrupted_sod_is_refused(home: Path, issuers: CardIssuers) -> None:
    simulated = card_for(home, voter(home), "emrtd-td3", ["corrupted-sod"], issuers=issuers)
    with pytest.raises(DocumentError):
        read(simulated, issuers)

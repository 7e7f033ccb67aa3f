"""The simulated world's card issuers, kept in the simulator's state directory, and the cards they make.

:func:`prepare_card_issuers` creates, once, the simulator national PKI (root, NCA and territorial commission CA)
and the eMRTD issuer (CSCA and document signer) under ``<home>/cards``, as PEM files (keys 0600 in a 0700
directory), and loads them on every later call; the kiosk configuration the simulator writes trusts exactly
these certificates (:class:`CardIssuerPaths`).

:func:`card_for` makes a card for one person: the national ID card's PKI application (``id-card``), or the
ICAO chip of the Kazakh identity card (``emrtd-td1``) or of a passport (``emrtd-td3``). A voter of the registry
gets their names, birth date and sex from the voters table; any other valid IIN gets a made-up name. The
document number and expiry date are derived from the IIN, so the same person's card opens with the same MRZ
access key every time. Faults (:data:`CARD_FAULTS`) build a broken or forged card; ``removed-after-N`` pulls
the card out after N APDUs (a control of the reader it sits in). ``kiosk-sim card insert`` serves the card
through vpcd (``simulator.cards.daemon``); the simulator's control panel inserts it into an
``InProcessCardReader`` with :func:`insert_in_process`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import shutil
import sqlite3
import tempfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, get_args

from kiosk.core.iin import InvalidIin, parse_iin
from simulator.cards.emrtd import (
    EF_SOD_ID,
    EmrtdFaults,
    EmrtdHolder,
    EmrtdIssuer,
    SimEmrtd,
    compose_mrz,
    make_emrtd,
    make_emrtd_issuer,
)
from simulator.cards.id_card import IdCardFault, SimIdCard
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.national_pki import DEFAULT_AUTHORITY_NAME, CertificateTiming, Person, SimNationalPki
from simulator.cards.virtual import Application, ElementaryFile
from simulator.egov import names

CardProfile = Literal["id-card", "emrtd-td1", "emrtd-td3"]
CARD_PROFILES: Final[tuple[CardProfile, ...]] = get_args(CardProfile)

IdCardFaultName = Literal[
    "clone",  # carries the certificate but not its private key: refuses INTERNAL AUTHENTICATE (6982)
    "clone-wrong-signature",  # a clone that signs the challenge with a key of its own
    "expired-certificate",  # the authentication certificate ended yesterday
    "not-yet-valid-certificate",  # the authentication certificate starts tomorrow
    "unknown-root",  # issued under a national CA root the kiosk does not trust
    "forged-issuer",  # issued by a CA that copies the NCA's name but not its key
    "truncated-certificate",  # the certificate file ends halfway
    "corrupted-certificate",  # one byte of the certificate's signature flipped
    "no-iin",  # the certificate's subject has no IIN serial number
]
EmrtdFaultName = Literal[
    "tampered-dg1",  # DG1 changed after EF.SOD was signed
    "bad-sod-signature",  # EF.SOD signed with a key other than the document signer's
    "expired-document-signer",  # the document signer certificate ended yesterday
    "unknown-csca",  # signed under a CSCA the kiosk does not trust
    "truncated-dg1",  # DG1 cut short on the chip
    "corrupted-sod",  # one byte of EF.SOD's signature flipped on the chip
    "expired-document",  # the document's expiry date has passed
    "passport-without-iin",  # a passport whose personal number is empty (emrtd-td3 only)
]
ID_CARD_FAULTS: Final[tuple[IdCardFaultName, ...]] = get_args(IdCardFaultName)
EMRTD_FAULTS: Final[tuple[EmrtdFaultName, ...]] = get_args(EmrtdFaultName)
REMOVAL_FAULT_PATTERN: Final = re.compile(r"removed-after-([0-9]{1,5})")
"""``removed-after-N``: the card leaves the reader instead of answering its (N+1)-th APDU (either profile)."""
CARD_FAULTS: Final[tuple[str, ...]] = (*ID_CARD_FAULTS, *EMRTD_FAULTS, "removed-after-N")
"""Every fault name, for help texts; ``removed-after-N`` stands for ``removed-after-0``, ``removed-after-1``..."""

CARDS_DIRECTORY = "cards"
NATIONAL_PKI_DIRECTORY = "national-pki"
EMRTD_ISSUER_DIRECTORY = "emrtd-issuer"
REGISTRY_FILE = "registry.sqlite"

_VALIDITY_YEARS = 10  # Kazakh identity documents are issued for ten years
_ID_CARD_NUMBER_DIGITS = 9
_PASSPORT_NUMBER_DIGITS = 8
_PASSPORT_NUMBER_PREFIX = "N"
_TRUNCATED_DG1_LENGTH = 8  # inside the MRZ data element: the header still parses, the content does not
_SOD_SIGNATURE_TAIL = 5  # EF.SOD ends with the signature; a byte this far from the end lies inside it


class CardWorldError(ValueError):
    """A card cannot be made as asked (bad IIN, unknown profile or fault); the message says which."""

    translation_key: str = "simulator.cards.bad_request"


@dataclass(frozen=True, slots=True)
class CardIssuerPaths:
    """Where the card issuers live under the simulator's state directory ``home``."""

    home: Path

    @property
    def cards(self) -> Path:
        """The directory of both issuers (0700)."""
        return self.home / CARDS_DIRECTORY

    @property
    def national_pki(self) -> Path:
        """The simulator national PKI: ``root``, ``nca``, ``commission-ca`` (``.pem`` and ``-key.pem``)."""
        return self.cards / NATIONAL_PKI_DIRECTORY

    @property
    def emrtd_issuer(self) -> Path:
        """The eMRTD issuer: ``csca`` and ``document-signer`` (``.pem`` and ``-key.pem``)."""
        return self.cards / EMRTD_ISSUER_DIRECTORY

    @property
    def national_ca_roots(self) -> tuple[Path, ...]:
        """The root certificate a kiosk trusts for ID cards."""
        return (self.national_pki / "root.pem",)

    @property
    def national_ca_intermediates(self) -> tuple[Path, ...]:
        """The issuing CA certificates a kiosk is configured with."""
        return (self.national_pki / "nca.pem", self.national_pki / "commission-ca.pem")

    @property
    def csca_certificates(self) -> tuple[Path, ...]:
        """The CSCA certificate a kiosk trusts for eMRTDs."""
        return (self.emrtd_issuer / "csca.pem",)


@dataclass(frozen=True, slots=True)
class CardIssuers:
    """The simulated authorities behind every simulated card."""

    national_pki: SimNationalPki
    emrtd_issuer: EmrtdIssuer


def prepare_card_issuers(home: Path) -> CardIssuers:
    """Create the issuers under ``home`` if they are not there yet, then load them.

    Both are written into a private staging directory that is renamed into place in one step, so two processes
    preparing the same home at once end up with one set of issuers, never a mix.
    """
    paths = CardIssuerPaths(home)
    if not paths.cards.exists():
        home.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".cards-", dir=home))  # mode 0700
        try:
            SimNationalPki.create().save(staging / NATIONAL_PKI_DIRECTORY)
            make_emrtd_issuer().save(staging / EMRTD_ISSUER_DIRECTORY)
            with contextlib.suppress(OSError):  # another process got there first: use theirs
                staging.rename(paths.cards)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return load_card_issuers(home)


def load_card_issuers(home: Path) -> CardIssuers:
    """The issuers :func:`prepare_card_issuers` made under ``home``; :class:`CardWorldError` when absent."""
    paths = CardIssuerPaths(home)
    try:
        return CardIssuers(
            national_pki=SimNationalPki.load(paths.national_pki), emrtd_issuer=EmrtdIssuer.load(paths.emrtd_issuer)
        )
    except FileNotFoundError as error:
        raise CardWorldError(
            f"no simulated card issuers under {paths.cards} (kiosk-sim egov serve or card insert creates them)"
        ) from error
    except ValueError as error:
        raise CardWorldError(f"the simulated card issuers under {paths.cards} are damaged ({error})") from error


# --- whose card --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class DocumentDetails:
    """What a simulated document says about its holder, and the MRZ access key a reader needs for a chip."""

    profile: CardProfile
    iin: str
    surname: str
    given_name: str
    patronymic: str | None
    birth_date: dt.date
    sex: Literal["M", "F"]
    document_number: str
    expiry_date: dt.date
    mrz_lines: tuple[str, ...]
    in_registry: bool

    def __repr__(self) -> str:
        return f"DocumentDetails({self.profile}, <personal data hidden>)"

    def as_json(self) -> dict[str, Any]:
        """The details as JSON values (dates in ISO form)."""
        return {
            "profile": self.profile,
            "iin": self.iin,
            "surname": self.surname,
            "given_name": self.given_name,
            "patronymic": self.patronymic,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "document_number": self.document_number,
            "expiry_date": self.expiry_date.isoformat(),
            "mrz": list(self.mrz_lines),
            "in_registry": self.in_registry,
        }

    def access_key_arguments(self) -> list[str]:
        """The ``kiosk identify`` options that open this document's chip (empty for the PKI ID card)."""
        if not self.mrz_lines:
            return []
        return ["--document-number", self.document_number, "--birth-date", self.birth_date.isoformat(),
                "--expiry-date", self.expiry_date.isoformat()]


@dataclass(frozen=True, slots=True, repr=False)
class SimulatedCard:
    """A card ready to insert: the card model, what it says, and the reader-side removal fault if asked for."""

    card: SimIdCard | SimEmrtd
    details: DocumentDetails
    faults: tuple[str, ...]
    remove_after_apdus: int | None

    def __repr__(self) -> str:
        return f"SimulatedCard({self.details.profile}, faults={list(self.faults)})"


def card_for(
    home: Path,
    iin: str,
    profile: CardProfile,
    faults: Collection[str] = (),
    *,
    today: dt.date | None = None,
    issuers: CardIssuers | None = None,
) -> SimulatedCard:
    """A card of ``profile`` for the person with ``iin``, faults built in (see the module docstring).

    ``home`` is the simulator's state directory (its issuers are created if missing, its registry is read if
    present); ``issuers`` skips loading them. Raises :class:`CardWorldError` for an invalid IIN, an unknown
    profile, or a fault the profile does not have.
    """
    if profile not in CARD_PROFILES:
        raise CardWorldError(f"unknown card profile {profile!r}; expected one of {', '.join(CARD_PROFILES)}")
    day = today if today is not None else dt.date.today()
    card_faults, remove_after = split_faults(profile, faults)
    details = document_details(home, iin, profile, today=day, passport_carries_iin=(
        "passport-without-iin" not in card_faults), expired="expired-document" in card_faults)
    authorities = issuers if issuers is not None else prepare_card_issuers(home)
    card: SimIdCard | SimEmrtd
    if profile == "id-card":
        card = _id_card(details, authorities.national_pki, card_faults)
    else:
        card = _emrtd(details, authorities.emrtd_issuer, card_faults)
    return SimulatedCard(card=card, details=details, faults=tuple(faults), remove_after_apdus=remove_after)


def insert_in_process(reader: InProcessCardReader, simulated: SimulatedCard) -> None:
    """Insert ``simulated`` into an in-process reader, with its removal fault (the control panel's "insert")."""
    reader.insert(simulated.card)
    reader.remove_after_apdus(simulated.remove_after_apdus)


def split_faults(profile: CardProfile, faults: Collection[str]) -> tuple[frozenset[str], int | None]:
    """The card's own faults and the APDU count of a ``removed-after-N`` fault; :class:`CardWorldError` for
    a fault the profile does not have."""
    allowed: tuple[str, ...] = ID_CARD_FAULTS if profile == "id-card" else EMRTD_FAULTS
    card_faults: set[str] = set()
    remove_after: int | None = None
    for fault in faults:
        removal = REMOVAL_FAULT_PATTERN.fullmatch(fault)
        if removal is not None:
            remove_after = int(removal.group(1))
        elif fault in allowed:
            card_faults.add(fault)
        else:
            raise CardWorldError(
                f"fault {fault!r} does not apply to {profile}; it has: {', '.join((*allowed, 'removed-after-N'))}"
            )
    if "passport-without-iin" in card_faults and profile != "emrtd-td3":
        raise CardWorldError("fault 'passport-without-iin' applies to emrtd-td3 only")
    return frozenset(card_faults), remove_after


def document_details(
    home: Path,
    iin: str,
    profile: CardProfile,
    *,
    today: dt.date,
    passport_carries_iin: bool = True,
    expired: bool = False,
) -> DocumentDetails:
    """Who the document names and its number, expiry and MRZ; see :func:`card_for`."""
    try:
        parsed = parse_iin(iin)
    except InvalidIin as error:
        raise CardWorldError(f"not a valid IIN: {error.message}") from None
    voter = _registry_voter(home / REGISTRY_FILE, parsed.value)
    if voter is not None:
        surname, given_name, patronymic, birth_date, sex_word = voter
    else:
        surname, given_name, patronymic = synthetic_names(parsed.value, female=parsed.sex == "female")
        birth_date, sex_word = parsed.birth_date, parsed.sex
    sex: Literal["M", "F"] = "M" if sex_word == "male" else "F"
    digest = hashlib.sha256(f"kz-sim-document:{profile}:{parsed.value}".encode()).digest()
    number_value = int.from_bytes(digest[:8], "big")
    if profile == "emrtd-td3":
        document_number = _PASSPORT_NUMBER_PREFIX + f"{number_value % 10**_PASSPORT_NUMBER_DIGITS:08d}"
    else:  # the PKI application and the ICAO chip are on one identity card: one number
        card_digest = hashlib.sha256(f"kz-sim-document:id-card:{parsed.value}".encode()).digest()
        document_number = f"{int.from_bytes(card_digest[:8], 'big') % 10**_ID_CARD_NUMBER_DIGITS:09d}"
        digest = card_digest
    expiry = _expiry(digest, today, expired=expired)
    mrz_lines: tuple[str, ...] = ()
    if profile != "id-card":
        holder = _holder(parsed.value, surname, given_name, birth_date, sex, document_number, expiry)
        mrz_lines = compose_mrz(holder, form="TD1" if profile == "emrtd-td1" else "TD3",
                                passport_carries_iin=passport_carries_iin)
    return DocumentDetails(
        profile=profile, iin=parsed.value, surname=surname, given_name=given_name, patronymic=patronymic,
        birth_date=birth_date, sex=sex, document_number=document_number, expiry_date=expiry, mrz_lines=mrz_lines,
        in_registry=voter is not None,
    )


def synthetic_names(iin: str, *, female: bool) -> tuple[str, str, str]:
    """A Kazakh surname, given name and patronymic chosen from the IIN (for people not in the registry)."""
    digest = hashlib.sha256(f"kz-sim-name:{iin}".encode()).digest()
    surname = names.KAZAKH_SURNAMES[digest[0] % len(names.KAZAKH_SURNAMES)]
    given_names = names.KAZAKH_FEMALE_NAMES if female else names.KAZAKH_MALE_NAMES
    given_name = given_names[digest[1] % len(given_names)]
    father = names.KAZAKH_MALE_NAMES[digest[2] % len(names.KAZAKH_MALE_NAMES)]
    return (
        names.feminine_surname(surname) if female else surname,
        given_name,
        names.kazakh_patronymic(father, female=female, kazakh_form=True),
    )


def _expiry(digest: bytes, today: dt.date, *, expired: bool) -> dt.date:
    # Somewhere in the ten years of validity, always ahead of today (or a year behind it for the fault).
    years_ahead = -1 if expired else 1 + digest[8] % (_VALIDITY_YEARS - 1)
    return dt.date(today.year + years_ahead, 1 + digest[9] % 12, 1 + digest[10] % 28)


def _registry_voter(database: Path, iin: str) -> tuple[str, str, str | None, dt.date, str] | None:
    if not database.is_file():
        return None
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA query_only=ON")
        row = connection.execute(
            "SELECT surname, given_name, patronymic, birth_date, sex FROM voters WHERE iin = ?", (iin,)
        ).fetchone()
    except sqlite3.Error:
        return None  # not a registry: the person is simply not in it
    finally:
        connection.close()
    if row is None:
        return None
    surname, given_name, patronymic, birth_date, sex = row
    return str(surname), str(given_name), patronymic or None, dt.date.fromisoformat(birth_date), str(sex)


def _holder(
    iin: str, surname: str, given_name: str, birth_date: dt.date, sex: Literal["M", "F"], number: str,
    expiry: dt.date,
) -> EmrtdHolder:
    return EmrtdHolder(surname=surname, given_names=given_name, iin=iin, document_number=number,
                       expiry_date=expiry, birth_date=birth_date, sex=sex)


# --- the two kinds of card ------------------------------------------------------------------------------


_ID_CARD_MODEL_FAULTS: Final[dict[str, IdCardFault]] = {
    "clone": "clone_refuses",
    "clone-wrong-signature": "clone_wrong_signature",
    "truncated-certificate": "truncated_certificate",
    "corrupted-certificate": "corrupted_certificate",
}
_TIMINGS: Final[dict[str, CertificateTiming]] = {
    "expired-certificate": "expired", "not-yet-valid-certificate": "not_yet_valid",
}


def _id_card(details: DocumentDetails, pki: SimNationalPki, faults: frozenset[str]) -> SimIdCard:
    authority = pki
    if "unknown-root" in faults:
        authority = SimNationalPki.create(name="Unknown National CA")
    elif "forged-issuer" in faults:
        authority = SimNationalPki.create(name=DEFAULT_AUTHORITY_NAME)  # the real names, other keys
    timing: CertificateTiming = next((_TIMINGS[fault] for fault in faults if fault in _TIMINGS), "valid")
    person = Person(iin=details.iin, surname=details.surname, given_name=details.given_name,
                    patronymic=details.patronymic)
    credential = authority.issue_authentication_certificate(person, timing=timing, omit_iin="no-iin" in faults)
    return SimIdCard.issue(
        credential,
        ca_certificate_der=authority.issuing_ca.certificate_der,
        faults=[_ID_CARD_MODEL_FAULTS[fault] for fault in sorted(faults) if fault in _ID_CARD_MODEL_FAULTS],
    )


def _emrtd(details: DocumentDetails, issuer: EmrtdIssuer, faults: frozenset[str]) -> SimEmrtd:
    holder = _holder(details.iin, details.surname, details.given_name, details.birth_date, details.sex,
                     details.document_number, details.expiry_date)
    model_faults = EmrtdFaults(
        truncated_files={"DG1": _TRUNCATED_DG1_LENGTH} if "truncated-dg1" in faults else {},
        bad_sod_signature="bad-sod-signature" in faults,
        tampered_dg1="tampered-dg1" in faults,
        expired_document_signer="expired-document-signer" in faults,
        unknown_csca="unknown-csca" in faults,
    )
    card = make_emrtd(holder, form="TD1" if details.profile == "emrtd-td1" else "TD3", issuer=issuer,
                      faults=model_faults, passport_carries_iin="passport-without-iin" not in faults)
    if "corrupted-sod" in faults:
        card = _with_corrupted_sod(card)
    return card


def _with_corrupted_sod(card: SimEmrtd) -> SimEmrtd:
    """The same chip with one byte near the end of EF.SOD (inside its signature) flipped."""
    (application,) = card.applications
    files = []
    for elementary in application.files:
        content = elementary.content
        if elementary.file_id == EF_SOD_ID:
            position = len(content) - _SOD_SIGNATURE_TAIL
            content = content[:position] + bytes((content[position] ^ 0xFF,)) + content[position + 1:]
        files.append(ElementaryFile(elementary.file_id, content, elementary.short_file_id))
    card.applications = (Application(application.aid, tuple(files), application.file_id),)
    return card

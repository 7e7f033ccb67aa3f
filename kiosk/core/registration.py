"""What the registration services answer, as plain data (no I/O): stations, ballots, check results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["kk", "ru", "en"]
LANGUAGES: tuple[Language, ...] = ("kk", "ru", "en")

CheckStatus = Literal["listed_here", "listed_elsewhere", "not_listed", "not_eligible"]
RegistrationOutcome = Literal["created", "already_registered", "listed_elsewhere", "refused"]
DecisionOutcome = Literal["included", "refusal_recorded", "already_listed_here", "listed_elsewhere", "refused"]


@dataclass(frozen=True, slots=True)
class Localized:
    """One text in Kazakh, Russian and English."""

    kk: str
    ru: str
    en: str

    def in_language(self, language: Language) -> str:
        """The text in ``language``."""
        return str(getattr(self, language))


@dataclass(frozen=True, slots=True)
class Station:
    """A polling station as the public may know it."""

    number: int
    region: str
    address: Localized
    directions: Localized
    opens: str
    closes: str
    offers_temporary_registration: bool
    commission_desk: int


@dataclass(frozen=True, slots=True)
class Ballot:
    """One ballot a voter receives: which election, which district, which colour of paper."""

    kind: str
    district: Localized
    colour: str


@dataclass(frozen=True, slots=True)
class RegisteredAddress:
    """The voter's registered address, shown to a commission member only."""

    address: Localized
    inside_boundaries: bool


@dataclass(frozen=True, slots=True)
class RegistrationCheck:
    """Where a voter is listed, seen from the asking station.

    ``station`` is the station of the list the voter is on (this one or another); ``ballots`` only when
    listed here; ``registration`` only for a commission member and only when the voter has a registration.
    """

    status: CheckStatus
    station: Station | None = None
    ballots: tuple[Ballot, ...] = ()
    may_register_temporarily: bool = False
    not_eligible_reason: str | None = None
    registration: RegisteredAddress | None = None


@dataclass(frozen=True, slots=True)
class TemporaryRegistrationResult:
    """The service's answer to a temporary registration."""

    outcome: RegistrationOutcome
    reference: str | None = None
    station: Station | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ListDecisionResult:
    """The service's answer to a commission's list decision."""

    outcome: DecisionOutcome
    decision_number: str | None = None
    station: Station | None = None
    reason: str | None = None

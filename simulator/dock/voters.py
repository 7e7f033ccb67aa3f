"""Choosing a voter for the dock: samples of each category at the kiosk's station, and one voter's summary.

Reads the simulated registry (read-only); the categories are those of ``simulator.egov.population``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kiosk.core.iin import InvalidIin, parse_iin
from simulator.dock.errors import DockRequestError
from simulator.egov.population import VOTER_CATEGORIES, VoterCategory, category_of, sample_voters

MAX_SAMPLE: Final = 50

CATEGORY_LABELS: Final[dict[VoterCategory, str]] = {
    "listed_here": "listed here",
    "listed_elsewhere": "listed elsewhere",
    "not_listed": "not listed",
    "no_registration": "no registration",
    "under_age": "under age",
}


@dataclass(frozen=True, slots=True)
class VoterSummary:
    """A synthetic voter as the dock lists it (the IIN is shown: the population is made up)."""

    iin: str
    surname: str | None
    given_name: str | None
    category: VoterCategory | None

    def as_json(self) -> dict[str, Any]:
        """JSON values; ``category`` None means the registry does not know this IIN."""
        return {"iin": self.iin, "surname": self.surname, "given_name": self.given_name,
                "category": self.category, "in_registry": self.category is not None}


def parse_category(text: object) -> VoterCategory:
    """``text`` as a voter category, or a 400 :class:`DockRequestError`."""
    for category in VOTER_CATEGORIES:
        if text == category:
            return category
    raise DockRequestError(400, "unknown_category", f"unknown category; expected one of {', '.join(VOTER_CATEGORIES)}")


def valid_iin(text: object) -> str:
    """``text`` as a valid IIN, or a 400 :class:`DockRequestError` saying what is wrong with it."""
    if not isinstance(text, str):
        raise DockRequestError(400, "invalid_iin", "the IIN must be a string of 12 digits")
    try:
        return parse_iin(text.strip()).value
    except InvalidIin as error:
        raise DockRequestError(400, "invalid_iin", f"not a valid IIN: {error.message}") from None


def sample(database: Path, category: VoterCategory, *, station: int, limit: int) -> list[VoterSummary]:
    """Up to ``limit`` voters of ``category`` whose address lies at ``station`` (any address for no registration)."""
    count = max(0, min(limit, MAX_SAMPLE))
    iins = sample_voters(database, category, count, station=station)
    names = _names(database, iins)
    result = []
    for iin in iins:
        surname, given_name = names.get(iin, (None, None))
        result.append(VoterSummary(iin, surname, given_name, category))
    return result


def summary(database: Path, iin: str) -> VoterSummary:
    """Who ``iin`` is in the registry (names and category), or an unknown person (a typed, made-up IIN)."""
    names = _names(database, [iin])
    if iin not in names:
        return VoterSummary(iin, None, None, None)
    surname, given_name = names[iin]
    return VoterSummary(iin, surname, given_name, category_of(database, iin))


def _names(database: Path, iins: list[str]) -> dict[str, tuple[str, str]]:
    if not iins:
        return {}
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA query_only=ON")
        placeholders = ",".join("?" * len(iins))
        rows = connection.execute(
            f"SELECT iin, surname, given_name FROM voters WHERE iin IN ({placeholders})",  # noqa: S608 (placeholders)
            iins,
        ).fetchall()
    finally:
        connection.close()
    return {str(iin): (str(surname), str(given_name)) for iin, surname, given_name in rows}

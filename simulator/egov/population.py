"""The seeded generator of the synthetic voter registry that the simulated government services serve.

One region per database: its stations (number, address, directions, boundaries, hours, services, the day's
ballots), the addresses inside each station's boundaries, and the voters (valid IINs, Kazakh and Russian names,
households sharing an address). Each voter falls in exactly one :data:`VoterCategory`; how many fall in each is
set by a :class:`VoterMix` and apportioned exactly.

Boundaries are blocks of houses: each station owns a few disjoint (street, house range) blocks of its
settlement, its own building stands in one of them, and every address row records the station whose blocks
contain it (``addresses.station_number``).

The same seed gives the same rows in every table; the database is written to a temporary file beside the
target and renamed into place, so a half-written registry is never left behind.
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import math
import os
import random
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, TypeVar

from kiosk.core.iin import FIRST_WEIGHTS, SECOND_WEIGHTS, Sex
from simulator.egov import names
from simulator.egov.places import (
    COMMON_STREETS,
    LANDMARKS,
    REGIONS,
    VILLAGE_LANDMARKS,
    Region,
    Settlement,
    Street,
    Trilingual,
)

SCHEMA_VERSION: Final = "1"
DEFAULT_VOTING_DAY: Final = dt.date(2026, 3, 15)
DEFAULT_REGION_CODE: Final = "KZ-43"  # Kyzylorda region
VOTING_AGE: Final = 18  # Constitution of Kazakhstan, art. 33: citizens vote from the age of 18
OLDEST_AGE: Final = 90
YOUNGEST_UNDER_AGE: Final = 14  # under-age voters in the registry are teenagers who might try the kiosk
DEFAULT_TEMPORARY_REGISTRATION_FRACTION: Final = 0.10

VoterCategory = Literal["listed_here", "listed_elsewhere", "not_listed", "no_registration", "under_age"]
"""Where a voter stands on voting day.

- ``listed_here``: registered, and listed at the station whose boundaries contain their address;
- ``listed_elsewhere``: registered, but listed at another station (they moved);
- ``not_listed``: registered, of age, listed nowhere;
- ``no_registration``: no registered address anywhere, listed nowhere;
- ``under_age``: registered, under 18 on voting day, listed nowhere.
"""

VOTER_CATEGORIES: Final[tuple[VoterCategory, ...]] = (
    "listed_here", "listed_elsewhere", "not_listed", "no_registration", "under_age",
)

BallotKind = Literal[
    "mazhilis",  # party list, one nationwide constituency
    "mazhilis_single_member",  # single-member territorial constituency of the Mazhilis
    "oblast_maslikhat",  # regional council
    "city_maslikhat",  # council of a city of republican rank (Almaty, Astana, Shymkent)
    "district_maslikhat",  # council of a district or of a city of regional rank
]
"""The kinds of ballot a station hands out."""

BallotColour = Literal["white", "blue", "green", "pink"]
BALLOT_COLOURS: Final[Mapping[BallotKind, BallotColour]] = {
    "mazhilis": "white",
    "mazhilis_single_member": "blue",
    "oblast_maslikhat": "green",
    "city_maslikhat": "green",
    "district_maslikhat": "pink",
}
"""The paper colour of each kind of ballot (synthetic, but fixed so voters can be told what to expect)."""

_VOTING_HOURS: Final = (  # (opens, closes, weight): most stations keep the usual 07:00-20:00
    ("07:00", "20:00", 85),
    ("06:00", "20:00", 5),
    ("08:00", "20:00", 5),
    ("07:00", "18:00", 5),
)
_FEWEST_BLOCKS_PER_STATION: Final = 3
_FEWEST_HOUSES_PER_BLOCK: Final = 8
_MOST_HOUSES_PER_BLOCK: Final = 150  # beyond that a station takes in more streets instead
_DWELLINGS_PER_HOUSEHOLD: Final = 2.0  # spare homes, so most households have an address of their own
_PEOPLE_PER_HOUSEHOLD: Final = 2.75  # the mean of _HOUSEHOLD_SIZE_WEIGHTS
_DWELLINGS_PER_HOUSE: Final = {"city": 70.0, "town": 30.0, "village": 1.0}  # rough means of _flat_count
_DISTRICT_COUNCIL_CONSTITUENCIES: Final = 15
_HOUSEHOLD_SIZE_WEIGHTS: Final = (20, 25, 20, 20, 10, 5)  # households of 1..6 registered people
_MALE_SHARE: Final = 0.48
_KAZAKH_FORM_SURNAME_SHARE: Final = 0.08  # Серікұлы as surname, no patronymic
_KAZAKH_FORM_PATRONYMIC_SHARE: Final = 0.55  # Серікұлы as patronymic; the rest Серікович

_T = TypeVar("_T")


class PopulationArgumentError(ValueError):
    """An argument to the generator is out of range; the message names the argument and the rule."""

    translation_key: str = "simulator.population.bad_argument"


@dataclass(frozen=True, slots=True)
class VoterMix:
    """The share of voters in each category other than ``listed_here``, which takes the rest."""

    listed_elsewhere: float = 0.02
    not_listed: float = 0.04
    no_registration: float = 0.03
    under_age: float = 0.03

    @property
    def listed_here(self) -> float:
        """The share left for voters listed at the station of their address."""
        return 1.0 - (self.listed_elsewhere + self.not_listed + self.no_registration + self.under_age)

    def fractions(self) -> dict[VoterCategory, float]:
        """Every category's share, in :data:`VOTER_CATEGORIES` order."""
        return {
            "listed_here": self.listed_here,
            "listed_elsewhere": self.listed_elsewhere,
            "not_listed": self.not_listed,
            "no_registration": self.no_registration,
            "under_age": self.under_age,
        }

    def validate(self) -> None:
        """Raise :class:`PopulationArgumentError` unless every share is in [0, 1] and they sum to at most 1."""
        for category, fraction in self.fractions().items():
            if category != "listed_here" and not 0.0 <= fraction <= 1.0:
                raise PopulationArgumentError(f"the {category} fraction must be between 0 and 1")
        if self.listed_here < -1e-9:
            raise PopulationArgumentError("the voter category fractions must sum to at most 1")


DEFAULT_MIX: Final = VoterMix()


@dataclass(frozen=True, slots=True)
class PopulationSummary:
    """What one generation wrote."""

    path: Path
    seed: int
    region_code: str
    voting_day: dt.date
    voters: int
    stations: int
    addresses: int
    stations_offering_temporary_registration: int
    category_counts: Mapping[VoterCategory, int] = field(default_factory=dict)


SCHEMA: Final = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE regions(code TEXT PRIMARY KEY, name_kk TEXT, name_ru TEXT, name_en TEXT);
CREATE TABLE stations(
    number INTEGER PRIMARY KEY, region_code TEXT,
    address_kk TEXT, address_ru TEXT, address_en TEXT,
    directions_kk TEXT, directions_ru TEXT, directions_en TEXT,
    boundary_ref TEXT, opens TEXT, closes TEXT,
    offers_temporary_registration INTEGER, commission_desk INTEGER);
CREATE TABLE ballots(
    station_number INTEGER, position INTEGER, kind TEXT,
    district_kk TEXT, district_ru TEXT, district_en TEXT, colour TEXT,
    PRIMARY KEY(station_number, position));
CREATE TABLE addresses(id INTEGER PRIMARY KEY, station_number INTEGER, text_kk TEXT, text_ru TEXT, text_en TEXT);
CREATE TABLE voters(
    iin TEXT PRIMARY KEY, surname TEXT, given_name TEXT, patronymic TEXT, birth_date TEXT, sex TEXT,
    address_id INTEGER NULL, listed_station INTEGER NULL);
"""
"""The registry's tables (schema_version 1). The service may add its own tables beside them."""

_INDEXES: Final = """
CREATE INDEX addresses_by_station ON addresses(station_number);
CREATE INDEX voters_by_address ON voters(address_id);
CREATE INDEX voters_by_listed_station ON voters(listed_station);
"""


# ---------------------------------------------------------------- public API


def generate_population(
    path: Path,
    *,
    seed: int,
    voters: int,
    stations: int,
    region_code: str = DEFAULT_REGION_CODE,
    voting_day: dt.date = DEFAULT_VOTING_DAY,
    mix: VoterMix = DEFAULT_MIX,
    temporary_registration_fraction: float = DEFAULT_TEMPORARY_REGISTRATION_FRACTION,
) -> PopulationSummary:
    """Write a fresh registry to ``path`` (replacing any file there) and say what it holds.

    At least one station offers temporary registration whenever the fraction is above 0. ``listed_elsewhere``
    voters need a second station: with one station their fraction must be 0.
    Do not regenerate a database that a running server has open.
    """
    region = _validated_region(region_code)
    _validate_sizes(voters=voters, stations=stations, mix=mix)
    if not 0.0 <= temporary_registration_fraction <= 1.0:
        raise PopulationArgumentError("temporary_registration_fraction must be between 0 and 1")
    path = Path(path)
    if not path.parent.is_dir():
        raise PopulationArgumentError("the directory for the population database does not exist")

    # Synthetic data, not secrets. A str seed is hashed with SHA-512: stable across runs, and seed -1 != 1.
    rng = random.Random(f"kiosk-population:{seed}")  # noqa: S311
    plan = _plan_stations(rng, region, stations, voters, voting_day, temporary_registration_fraction)
    counts = _apportion(mix.fractions(), voters)
    people = _People(rng, region, plan, voting_day)

    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        _write_database(temporary, seed, region, voting_day, plan, people, counts)
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            leftover.unlink(missing_ok=True)  # they belong to the database being replaced
        temporary.replace(path)
    finally:
        for partial in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            partial.unlink(missing_ok=True)

    return PopulationSummary(
        path=path,
        seed=seed,
        region_code=region.code,
        voting_day=voting_day,
        voters=voters,
        stations=stations,
        addresses=len(people.address_rows),
        stations_offering_temporary_registration=sum(1 for s in plan if s.offers_temporary_registration),
        category_counts=counts,
    )


def sample_voters(
    database: sqlite3.Connection | Path | str,
    category: VoterCategory,
    limit: int,
    *,
    station: int | None = None,
) -> list[str]:
    """Up to ``limit`` IINs of voters in ``category``, in a stable order (the order they were generated).

    With ``station``, only voters whose registered address lies inside that station's boundaries (so a kiosk
    at that station answers "listed here", "listed at station N", "not listed" or "not eligible" for them);
    ``no_registration`` voters have no address and are never restricted by station.
    Categories come from the registry tables as generated; a voter the service has since registered
    temporarily (listed, with no address) is in none of them.
    """
    if category not in VOTER_CATEGORIES:
        raise PopulationArgumentError(f"unknown voter category; expected one of {', '.join(VOTER_CATEGORIES)}")
    if limit < 0:
        raise PopulationArgumentError("limit must not be negative")
    with _connection(database) as connection:
        cutoff = _adult_cutoff(_voting_day(connection)).isoformat()
        condition = _CATEGORY_CONDITIONS[category]
        parameters: dict[str, object] = {"cutoff": cutoff, "limit": limit}
        station_condition = ""
        if station is not None and category != "no_registration":
            station_condition = "AND a.station_number = :station"
            parameters["station"] = station
        rows = connection.execute(
            f"""SELECT v.iin FROM voters v LEFT JOIN addresses a ON a.id = v.address_id
                WHERE {condition} {station_condition} ORDER BY v.rowid LIMIT :limit""",  # noqa: S608 (fixed text)
            parameters,
        ).fetchall()
    return [row[0] for row in rows]


def category_of(database: sqlite3.Connection | Path | str, iin: str) -> VoterCategory | None:
    """The category of the voter with this IIN, or None when the registry has no such voter."""
    with _connection(database) as connection:
        cutoff = _adult_cutoff(_voting_day(connection)).isoformat()
        for category in VOTER_CATEGORIES:
            found = connection.execute(
                f"""SELECT 1 FROM voters v LEFT JOIN addresses a ON a.id = v.address_id
                    WHERE v.iin = :iin AND {_CATEGORY_CONDITIONS[category]}""",  # noqa: S608 (fixed text)
                {"iin": iin, "cutoff": cutoff},
            ).fetchone()
            if found is not None:
                return category
    return None


def known_region_codes() -> tuple[str, ...]:
    """The region codes :func:`generate_population` accepts."""
    return tuple(REGIONS)


# ---------------------------------------------------------------- categories in SQL

_CATEGORY_CONDITIONS: Final[Mapping[VoterCategory, str]] = {
    "listed_here": "v.listed_station IS NOT NULL AND a.station_number = v.listed_station",
    "listed_elsewhere": "v.listed_station IS NOT NULL AND a.station_number <> v.listed_station",
    "not_listed": "v.address_id IS NOT NULL AND v.listed_station IS NULL AND v.birth_date <= :cutoff",
    "no_registration": "v.address_id IS NULL AND v.listed_station IS NULL",
    "under_age": "v.address_id IS NOT NULL AND v.listed_station IS NULL AND v.birth_date > :cutoff",
}


@contextlib.contextmanager
def _connection(database: sqlite3.Connection | Path | str) -> Iterator[sqlite3.Connection]:
    if isinstance(database, sqlite3.Connection):
        yield database
        return
    if not Path(database).is_file():
        raise PopulationArgumentError("the population database does not exist")
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA query_only=ON")  # sampling never writes (mode=ro would leave -wal/-shm behind)
    try:
        yield connection
    finally:
        connection.close()


def _voting_day(connection: sqlite3.Connection) -> dt.date:
    row = connection.execute("SELECT value FROM meta WHERE key = 'voting_day'").fetchone()
    if row is None:
        raise PopulationArgumentError("the database has no voting day: not a population database")
    return dt.date.fromisoformat(row[0])


def _adult_cutoff(voting_day: dt.date) -> dt.date:
    """The latest birth date of a person who is 18 on voting day (born 29 February: of age on 1 March)."""
    try:
        return voting_day.replace(year=voting_day.year - VOTING_AGE)
    except ValueError:  # voting day is 29 February and that year has none
        return dt.date(voting_day.year - VOTING_AGE, 2, 28)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


# ---------------------------------------------------------------- validation


def _validated_region(region_code: str) -> Region:
    region = REGIONS.get(region_code)
    if region is None:
        raise PopulationArgumentError(f"unknown region code; expected one of {', '.join(REGIONS)}")
    return region


def _validate_sizes(*, voters: int, stations: int, mix: VoterMix) -> None:
    if isinstance(voters, bool) or not isinstance(voters, int) or voters < 1:
        raise PopulationArgumentError("voters must be an integer of at least 1")
    if isinstance(stations, bool) or not isinstance(stations, int) or stations < 1:
        raise PopulationArgumentError("stations must be an integer of at least 1")
    mix.validate()
    if stations == 1 and mix.listed_elsewhere > 0:
        raise PopulationArgumentError("listed_elsewhere voters need at least 2 stations; set its fraction to 0")


def _apportion(fractions: Mapping[VoterCategory, float], total: int) -> dict[VoterCategory, int]:
    """Exact counts summing to ``total``, by largest remainder (ties to the earlier category)."""
    shares = {category: max(fraction, 0.0) * total for category, fraction in fractions.items()}
    counts = {category: int(share) for category, share in shares.items()}
    by_remainder = sorted(shares, key=lambda category: -(shares[category] - counts[category]))
    for category in by_remainder[: total - sum(counts.values())]:
        counts[category] += 1
    return counts


# ---------------------------------------------------------------- stations


@dataclass(slots=True)
class _Block:
    """Houses ``first_house``..``last_house`` of one street of a settlement: part of one station's boundaries."""

    street: int
    first_house: int
    last_house: int


@dataclass(slots=True)
class _Station:
    number: int
    settlement: int
    blocks: list[_Block]
    row: tuple[object, ...] = ()
    ballots: list[tuple[object, ...]] = field(default_factory=list)
    offers_temporary_registration: bool = False
    houses: list[tuple[int, int, int]] = field(default_factory=list)  # (street, house, flats; 0 = private)
    dwellings_before: list[int] = field(default_factory=list)  # dwellings in the houses before each house
    dwellings: int = 0


def _settlement_streets(region: Region, index: int) -> tuple[Street, ...]:
    """The streets of a settlement: its own first, then the common ones rotated so towns differ."""
    settlement = region.settlements[index]
    rotation = (index * 7) % len(COMMON_STREETS)
    common = COMMON_STREETS[rotation:] + COMMON_STREETS[:rotation]
    streets = settlement.local_streets + common
    if settlement.kind != "city":  # towns and villages have streets, not avenues or microdistricts
        streets = tuple(Street("street", street.name) for street in streets if street.kind != "microdistrict")
    return streets


def _plan_stations(
    rng: random.Random, region: Region, count: int, voters: int, voting_day: dt.date, temporary_fraction: float
) -> list[_Station]:
    per_settlement = _apportion_weights([s.weight for s in region.settlements], count)
    streets = [_settlement_streets(region, index) for index in range(len(region.settlements))]
    households_per_station = voters / count / _PEOPLE_PER_HOUSEHOLD
    plan: list[_Station] = []
    for settlement_index, settlement_count in enumerate(per_settlement):
        settlement = region.settlements[settlement_index]
        settlement_streets = streets[settlement_index]
        street_count = len(settlement_streets)
        blocks_per_station, houses_per_block = _block_size(
            households_per_station, _DWELLINGS_PER_HOUSE[settlement.kind]
        )
        for local_index in range(settlement_count):
            station = _Station(number=len(plan) + 1, settlement=settlement_index, blocks=[])
            for block_number in range(local_index * blocks_per_station, (local_index + 1) * blocks_per_station):
                # block numbers are unique within the settlement, so no two stations share a house
                first = (block_number // street_count) * houses_per_block + 1
                block = _Block(block_number % street_count, first, first + houses_per_block - 1)
                station.blocks.append(block)
                for house in range(block.first_house, block.last_house + 1):
                    flats = _flat_count(settlement, settlement_streets[block.street], block.street, house)
                    station.houses.append((block.street, house, flats))
                    station.dwellings_before.append(station.dwellings)
                    station.dwellings += max(flats, 1)
            plan.append(station)

    offering = 0
    if temporary_fraction > 0:
        offering = min(count, max(1, round(temporary_fraction * count)))
    chosen = set(rng.sample(range(count), offering))
    local_counter: dict[int, int] = {}
    for index, station in enumerate(plan):
        local_index = local_counter.get(station.settlement, 0)
        local_counter[station.settlement] = local_index + 1
        station.offers_temporary_registration = index in chosen
        station.row = _station_row(rng, region, station, local_index, streets[station.settlement], voting_day)
    _assign_ballots(region, plan)
    return plan


def _block_size(households_per_station: float, dwellings_per_house: float) -> tuple[int, int]:
    """How many blocks each station of a settlement covers, and how many houses each block has."""
    houses = households_per_station * _DWELLINGS_PER_HOUSEHOLD / dwellings_per_house
    blocks = max(_FEWEST_BLOCKS_PER_STATION, math.ceil(houses / _MOST_HOUSES_PER_BLOCK))
    return blocks, max(_FEWEST_HOUSES_PER_BLOCK, math.ceil(houses / blocks))


def _apportion_weights(weights: Sequence[float], total: int) -> list[int]:
    weight_sum = sum(weights)
    shares = [weight / weight_sum * total for weight in weights]
    counts = [int(share) for share in shares]
    order = sorted(range(len(weights)), key=lambda index: -(shares[index] - counts[index]))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _station_row(
    rng: random.Random,
    region: Region,
    station: _Station,
    local_index: int,
    streets: Sequence[Street],
    voting_day: dt.date,
) -> tuple[object, ...]:
    settlement = region.settlements[station.settlement]
    block = station.blocks[0]
    street = streets[block.street].full_name()
    house = block.first_house + rng.randrange(block.last_house - block.first_house + 1)
    building = _building(settlement, local_index)
    place = settlement.place
    address = (
        f"{building.kk}, {place.kk}, {street.kk}, {house}",
        f"{building.ru}, {place.ru}, {street.ru}, {house}",
        f"{building.en}, {house} {street.en}, {place.en}",
    )
    opens, closes = _weighted_choice(rng, [(o, c) for o, c, _ in _VOTING_HOURS], [w for *_, w in _VOTING_HOURS])
    boundary_ref = f"{region.code}/{voting_day.year}/PS-{station.number:04d}"
    return (
        station.number, region.code, *address, *_directions(rng, settlement), boundary_ref, opens, closes,
        int(station.offers_temporary_registration), 1 + rng.randrange(3),
    )


def _building(settlement: Settlement, local_index: int) -> Trilingual:
    number = local_index + 1
    if settlement.kind == "village" and local_index == 0:
        return Trilingual("Ауылдық мәдениет үйі", "Сельский дом культуры", "Village House of Culture")
    if number % 3 == 0:
        return Trilingual(f"№ {number} мектеп-гимназия", f"Школа-гимназия № {number}", f"School-Gymnasium No. {number}")
    return Trilingual(
        f"№ {number} жалпы орта білім беретін мектеп",
        f"Общеобразовательная школа № {number}",
        f"Secondary School No. {number}",
    )


def _directions(rng: random.Random, settlement: Settlement) -> tuple[str, str, str]:
    if settlement.kind == "village":
        landmark = VILLAGE_LANDMARKS[rng.randrange(len(VILLAGE_LANDMARKS))]
        if settlement.km_from_centre == 0:
            return (
                f"Ауыл орталығында. Бағдар: {landmark.kk}.",
                f"В центре села. Ориентир: {landmark.ru}.",
                f"In the village centre. Landmark: {landmark.en}.",
            )
        km = settlement.km_from_centre
        return (
            f"Аудан орталығынан {km} км. Бағдар: {landmark.kk}.",
            f"{km} км от районного центра. Ориентир: {landmark.ru}.",
            f"{km} km from the district centre. Landmark: {landmark.en}.",
        )
    highest_route = 80 if settlement.kind == "city" else 12
    routes = sorted(rng.sample(range(1, highest_route + 1), rng.randint(1, 3)))
    route_text = ", ".join(str(route) for route in routes)
    stop, landmark = rng.sample(LANDMARKS, 2)
    several = len(routes) > 1
    return (
        f"№ {route_text} автобус, «{stop.kk}» аялдамасы. Бағдар: {landmark.kk}.",
        f"{'Автобусы' if several else 'Автобус'} № {route_text}, остановка «{stop.ru}». Ориентир: {landmark.ru}.",
        f"{'Buses' if several else 'Bus'} {route_text} to the “{stop.en}” stop. Landmark: {landmark.en}.",
    )


def _assign_ballots(region: Region, plan: list[_Station]) -> None:
    """Give every station its ballots; neighbouring stations share constituencies, as on a real map."""
    total = len(plan)
    upper_districts = min(region.upper_council_districts, total)
    by_council: dict[Trilingual, list[_Station]] = {}
    for station in plan:
        council = region.settlements[station.settlement].council
        if council is not None:
            by_council.setdefault(council, []).append(station)
    council_district: dict[int, tuple[Trilingual, int]] = {}
    for council, members in by_council.items():
        districts = min(_DISTRICT_COUNCIL_CONSTITUENCIES, len(members))
        for index, station in enumerate(members):
            council_district[station.number] = (council, 1 + index * districts // len(members))

    upper_kind: BallotKind = "city_maslikhat" if region.upper_council_is_city else "oblast_maslikhat"
    for index, station in enumerate(plan):
        mazhilis_number = region.mazhilis_districts[index * len(region.mazhilis_districts) // total]
        upper_number = 1 + index * upper_districts // total
        upper = region.upper_council
        ballots: list[tuple[BallotKind, Trilingual]] = [
            ("mazhilis", Trilingual(
                "Республикалық сайлау округі", "Общереспубликанский избирательный округ", "Nationwide constituency"
            )),
            ("mazhilis_single_member", Trilingual(
                f"№ {mazhilis_number} бір мандатты аумақтық сайлау округі",
                f"Одномандатный территориальный избирательный округ № {mazhilis_number}",
                f"Single-member territorial constituency No. {mazhilis_number}",
            )),
            (upper_kind, Trilingual(
                f"{upper.kk}, № {upper_number} сайлау округі",
                f"{upper.ru}, избирательный округ № {upper_number}",
                f"{upper.en}, constituency No. {upper_number}",
            )),
        ]
        if station.number in council_district:
            council, number = council_district[station.number]
            ballots.append(("district_maslikhat", Trilingual(
                f"{council.kk}, № {number} сайлау округі",
                f"{council.ru}, избирательный округ № {number}",
                f"{council.en}, constituency No. {number}",
            )))
        station.ballots = [
            (station.number, position, kind, district.kk, district.ru, district.en, BALLOT_COLOURS[kind])
            for position, (kind, district) in enumerate(ballots, start=1)
        ]


def _weighted_choice(rng: random.Random, options: Sequence[_T], weights: Sequence[int]) -> _T:
    return rng.choices(options, weights=weights, k=1)[0]


# ---------------------------------------------------------------- voters and addresses


@dataclass(frozen=True, slots=True)
class _Family:
    kazakh: bool
    surname: str  # masculine form


@dataclass(frozen=True, slots=True)
class _Household:
    address_id: int
    station_index: int


class _People:
    """Makes voters in households that share an address, and the address rows they live at."""

    def __init__(self, rng: random.Random, region: Region, plan: list[_Station], voting_day: dt.date) -> None:
        self._rng = rng
        self._region = region
        self._plan = plan
        self.address_rows: list[tuple[int, int, str, str, str]] = []
        self._address_ids: dict[tuple[int, int, int, int], int] = {}
        self._street_names = [
            [street.full_name() for street in _settlement_streets(region, index)]
            for index in range(len(region.settlements))
        ]
        self._used_iins: set[str] = set()
        self._iin_prefixes: dict[tuple[dt.date, Sex], _IinPrefix] = {}
        self._feminine = {
            surname: names.feminine_surname(surname)
            for surname in names.KAZAKH_SURNAMES + names.RUSSIAN_SURNAMES
        }

        weights = [rng.uniform(0.6, 1.4) for _ in plan]  # stations differ in size, as real ones do
        self._station_cumulative = _cumulative(weights)
        self._household_cumulative = _cumulative([float(w) for w in _HOUSEHOLD_SIZE_WEIGHTS])

        cutoff = _adult_cutoff(voting_day)
        self._cutoff_ordinal = cutoff.toordinal()
        self._adult_span = cutoff.toordinal() - _years_before(voting_day, OLDEST_AGE + 1).toordinal()
        self._under_age_span = _years_before(voting_day, YOUNGEST_UNDER_AGE).toordinal() - cutoff.toordinal()

    def generate(self, counts: Mapping[VoterCategory, int]) -> Iterator[tuple[object, ...]]:
        """Voter rows, ``counts[c]`` of each category, in a seeded order; households are consecutive.

        Rows are made as they are consumed (500,000 at once would cost memory); the address rows they
        refer to are in :attr:`address_rows` once the iterator is exhausted.
        """
        rng = self._rng
        categories: list[VoterCategory] = []
        for category in VOTER_CATEGORIES:
            categories.extend([category] * counts[category])
        rng.shuffle(categories)

        household: _Household | None = None
        family = self._new_family()
        left_in_household = 0
        for category in categories:
            if category == "no_registration":
                yield self._voter(self._new_family(), category, None)
                continue
            if left_in_household == 0 or household is None:
                household = self._new_household()
                family = self._new_family()
                left_in_household = 1 + bisect.bisect_right(
                    self._household_cumulative, rng.random() * self._household_cumulative[-1]
                )
            left_in_household -= 1
            yield self._voter(family, category, household)

    def _new_family(self) -> _Family:
        rng = self._rng
        kazakh = rng.random() < self._region.kazakh_share
        surnames = names.KAZAKH_SURNAMES if kazakh else names.RUSSIAN_SURNAMES
        return _Family(kazakh, surnames[int(rng.random() * len(surnames))])

    def _new_household(self) -> _Household:
        rng = self._rng
        station_index = min(
            bisect.bisect_right(self._station_cumulative, rng.random() * self._station_cumulative[-1]),
            len(self._plan) - 1,
        )
        station = self._plan[station_index]
        # every dwelling (a flat, or a private house) equally likely, so big blocks of flats fill up and
        # private houses hold one household or, now and then, two
        dwelling = int(rng.random() * station.dwellings)
        house_index = bisect.bisect_right(station.dwellings_before, dwelling) - 1
        street_index, house, flats = station.houses[house_index]
        flat = dwelling - station.dwellings_before[house_index] + 1 if flats else 0
        settlement = self._region.settlements[station.settlement]
        key = (station.settlement, street_index, house, flat)
        address_id = self._address_ids.get(key)
        if address_id is None:
            address_id = len(self.address_rows) + 1
            self._address_ids[key] = address_id
            street = self._street_names[station.settlement][street_index]
            self.address_rows.append((address_id, station.number, *_address_text(settlement, street, house, flat)))
        return _Household(address_id, station_index)

    def _voter(self, family: _Family, category: VoterCategory, household: _Household | None) -> tuple[object, ...]:
        rng = self._rng
        sex: Sex = "male" if rng.random() < _MALE_SHARE else "female"
        surname, given_name, patronymic = self._names(family, female=sex == "female")
        if category == "under_age":
            ordinal = self._cutoff_ordinal + 1 + int(rng.random() * self._under_age_span)
        else:  # skewed towards younger adults, as a real register is
            ordinal = self._cutoff_ordinal - int(self._adult_span * rng.random() ** 1.3)
        birth_date = dt.date.fromordinal(ordinal)
        iin = self._unique_iin(birth_date, sex)

        address_id: int | None = None
        listed_station: int | None = None
        if household is not None:
            address_id = household.address_id
            if category == "listed_here":
                listed_station = self._plan[household.station_index].number
            elif category == "listed_elsewhere":
                other = int(rng.random() * (len(self._plan) - 1))
                if other >= household.station_index:
                    other += 1
                listed_station = self._plan[other].number
        return (iin, surname, given_name, patronymic, birth_date.isoformat(), sex, address_id, listed_station)

    def _names(self, family: _Family, *, female: bool) -> tuple[str, str, str | None]:
        rng = self._rng
        if family.kazakh:
            given_names = names.KAZAKH_FEMALE_NAMES if female else names.KAZAKH_MALE_NAMES
            given_name = given_names[int(rng.random() * len(given_names))]
            father = names.KAZAKH_MALE_NAMES[int(rng.random() * len(names.KAZAKH_MALE_NAMES))]
            style = rng.random()
            if style < _KAZAKH_FORM_SURNAME_SHARE:
                return names.kazakh_patronymic(father, female=female, kazakh_form=True), given_name, None
            patronymic = names.kazakh_patronymic(
                father, female=female, kazakh_form=style < _KAZAKH_FORM_SURNAME_SHARE + _KAZAKH_FORM_PATRONYMIC_SHARE
            )
        else:
            if female:
                given_name = names.RUSSIAN_FEMALE_NAMES[int(rng.random() * len(names.RUSSIAN_FEMALE_NAMES))]
            else:
                given_name = names.RUSSIAN_MALE_NAMES[int(rng.random() * len(names.RUSSIAN_MALE_NAMES))][0]
            father_entry = names.RUSSIAN_MALE_NAMES[int(rng.random() * len(names.RUSSIAN_MALE_NAMES))]
            patronymic = father_entry[2] if female else father_entry[1]
        surname = self._feminine[family.surname] if female else family.surname
        return surname, given_name, patronymic

    def _unique_iin(self, birth_date: dt.date, sex: Sex) -> str:
        rng = self._rng
        prefix = self._iin_prefixes.get((birth_date, sex))
        if prefix is None:
            prefix = self._iin_prefixes[(birth_date, sex)] = _IinPrefix.of(birth_date, sex)
        while True:  # 10,000 serials per day and sex; about 1 in 121 has no check digit
            serial = int(rng.random() * 10_000)
            iin = prefix.iin(serial)
            if iin is not None and iin not in self._used_iins:
                self._used_iins.add(iin)
                return iin


@dataclass(frozen=True, slots=True)
class _IinPrefix:
    """The first 7 digits of an IIN (birth date, century/sex digit) and their weighted sums.

    The same computation as :func:`kiosk.core.iin.make_iin` (whose weights it uses), split so that the
    serial's share of each sum comes from a table: make_iin for every voter would take most of the run.
    The tests check every generated IIN with :func:`kiosk.core.iin.parse_iin`.
    """

    digits: str
    first_sum: int
    second_sum: int

    @classmethod
    def of(cls, birth_date: dt.date, sex: Sex) -> _IinPrefix:
        century_digit = (birth_date.year // 100 - 18) * 2 + (1 if sex == "male" else 2)
        digits = f"{birth_date.year % 100:02d}{birth_date.month:02d}{birth_date.day:02d}{century_digit}"
        values = [int(d) for d in digits]
        return cls(
            digits,
            sum(v * w for v, w in zip(values, FIRST_WEIGHTS[:7], strict=True)),
            sum(v * w for v, w in zip(values, SECOND_WEIGHTS[:7], strict=True)),
        )

    def iin(self, serial: int) -> str | None:
        """The IIN with this serial, or None when no check digit exists for it."""
        check = (self.first_sum + _SERIAL_FIRST_SUMS[serial]) % 11
        if check == 10:
            check = (self.second_sum + _SERIAL_SECOND_SUMS[serial]) % 11
            if check == 10:
                return None
        return f"{self.digits}{serial:04d}{check}"


def _serial_sums(weights: Sequence[int]) -> tuple[int, ...]:
    return tuple(
        sum(int(d) * w for d, w in zip(f"{serial:04d}", weights[7:11], strict=True)) for serial in range(10_000)
    )


_SERIAL_FIRST_SUMS: Final = _serial_sums(FIRST_WEIGHTS)
_SERIAL_SECOND_SUMS: Final = _serial_sums(SECOND_WEIGHTS)


def _cumulative(weights: Sequence[float]) -> list[float]:
    totals: list[float] = []
    running = 0.0
    for weight in weights:
        running += weight
        totals.append(running)
    return totals


def _flat_count(settlement: Settlement, street: Street, street_index: int, house: int) -> int:
    """How many flats a house has (0: a private house). Fixed per house, so a house is one or the other."""
    if settlement.kind == "village":
        return 0
    mix = (street_index * 31 + house * 17) % 10
    apartments = street.kind == "microdistrict" or mix < (7 if settlement.kind == "city" else 3)
    return 20 + (house * 37 + street_index * 11) % 160 if apartments else 0


def _address_text(settlement: Settlement, street: Trilingual, house: int, flat: int) -> tuple[str, str, str]:
    place = settlement.place
    if flat:
        return (
            f"{place.kk}, {street.kk}, {house}-үй, {flat}-пәтер",
            f"{place.ru}, {street.ru}, д. {house}, кв. {flat}",
            f"{house} {street.en}, flat {flat}, {place.en}",
        )
    return (
        f"{place.kk}, {street.kk}, {house}-үй",
        f"{place.ru}, {street.ru}, д. {house}",
        f"{house} {street.en}, {place.en}",
    )


# ---------------------------------------------------------------- writing


def _write_database(
    path: Path,
    seed: int,
    region: Region,
    voting_day: dt.date,
    plan: Sequence[_Station],
    people: _People,
    counts: Mapping[VoterCategory, int],
) -> None:
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        # Bulk load: no journal and no syncs; a failure leaves only the temporary file, which is deleted.
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("PRAGMA cache_size=-131072")
        connection.executescript(SCHEMA)
        connection.execute("BEGIN")
        meta = {
            "region_code": region.code,
            "schema_version": SCHEMA_VERSION,
            "seed": str(seed),
            "voting_day": voting_day.isoformat(),
        }
        connection.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        connection.executemany(
            "INSERT INTO regions VALUES (?, ?, ?, ?)",
            [(r.code, r.name.kk, r.name.ru, r.name.en) for r in REGIONS.values()],
        )
        connection.executemany(
            "INSERT INTO stations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [s.row for s in plan]
        )
        connection.executemany(
            "INSERT INTO ballots VALUES (?, ?, ?, ?, ?, ?, ?)", [b for s in plan for b in s.ballots]
        )
        connection.executemany("INSERT INTO voters VALUES (?, ?, ?, ?, ?, ?, ?, ?)", people.generate(counts))
        connection.executemany("INSERT INTO addresses VALUES (?, ?, ?, ?, ?)", people.address_rows)
        for statement in _INDEXES.strip().splitlines():
            connection.execute(statement)
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode=WAL")  # what the service runs with: readers never block
    finally:
        connection.close()
    with path.open("rb") as written:
        os.fsync(written.fileno())  # on disk before the rename makes it the registry

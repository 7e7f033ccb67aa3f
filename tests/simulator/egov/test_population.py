"""The synthetic registry generator: determinism, valid IINs, exact category counts, schema, bad arguments."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.core.iin import is_valid_iin, parse_iin
from simulator.egov import population
from simulator.egov.population import (
    BALLOT_COLOURS,
    DEFAULT_VOTING_DAY,
    VOTER_CATEGORIES,
    PopulationArgumentError,
    VoterCategory,
    VoterMix,
    category_of,
    generate_population,
    known_region_codes,
    sample_voters,
)

TABLES = ("meta", "regions", "stations", "ballots", "addresses", "voters")
EXPECTED_COLUMNS = {
    "meta": ["key", "value"],
    "regions": ["code", "name_kk", "name_ru", "name_en"],
    "stations": [
        "number", "region_code", "address_kk", "address_ru", "address_en",
        "directions_kk", "directions_ru", "directions_en", "boundary_ref", "opens", "closes",
        "offers_temporary_registration", "commission_desk",
    ],
    "ballots": ["station_number", "position", "kind", "district_kk", "district_ru", "district_en", "colour"],
    "addresses": ["id", "station_number", "text_kk", "text_ru", "text_en"],
    "voters": [
        "iin", "surname", "given_name", "patronymic", "birth_date", "sex", "address_id", "listed_station",
    ],
}
KAZAKH_LETTERS = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
CYRILLIC_NAME = re.compile(r"^[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі-]+$")


def table_digest(path: Path) -> str:
    """SHA-256 over every row of every registry table, in primary-key order."""
    digest = hashlib.sha256()
    with closing(sqlite3.connect(path)) as connection:
        for table in TABLES:
            digest.update(table.encode())
            for row in connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2"):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def classify(row: sqlite3.Row, address_station: int | None, voting_day: dt.date) -> VoterCategory:
    """A voter's category from the raw row, independently of the module's SQL."""
    adult = parse_iin(row["iin"]).age_on(voting_day) >= 18
    if row["address_id"] is None:
        assert row["listed_station"] is None
        return "no_registration"
    if row["listed_station"] is None:
        return "not_listed" if adult else "under_age"
    assert adult
    return "listed_here" if row["listed_station"] == address_station else "listed_elsewhere"


def voter_categories(path: Path) -> dict[str, VoterCategory]:
    with closing(sqlite3.connect(path)) as connection:
        connection.row_factory = sqlite3.Row
        voting_day = dt.date.fromisoformat(
            connection.execute("SELECT value FROM meta WHERE key = 'voting_day'").fetchone()[0]
        )
        rows = connection.execute(
            "SELECT v.*, a.station_number AS address_station FROM voters v LEFT JOIN addresses a ON a.id = v.address_id"
        ).fetchall()
    return {row["iin"]: classify(row, row["address_station"], voting_day) for row in rows}


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("population") / "registry.sqlite"
    generate_population(path, seed=7, voters=3000, stations=25)
    return path


@pytest.fixture
def connection(registry: Path) -> Iterator[sqlite3.Connection]:
    with closing(sqlite3.connect(registry)) as opened:
        opened.row_factory = sqlite3.Row
        yield opened


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_rows(tmp_path: Path) -> None:
    first = tmp_path / "first.sqlite"
    second = tmp_path / "second.sqlite"
    generate_population(first, seed=42, voters=1500, stations=12, region_code="KZ-61")
    generate_population(second, seed=42, voters=1500, stations=12, region_code="KZ-61")
    assert table_digest(first) == table_digest(second)


def test_different_seeds_give_different_rows(tmp_path: Path) -> None:
    digests = set()
    for seed in (1, 2, -1):  # -1 and 1 must differ too (random.Random(int) would take abs())
        path = tmp_path / f"{seed}.sqlite"
        generate_population(path, seed=seed, voters=500, stations=5)
        digests.add(table_digest(path))
    assert len(digests) == 3


# ---------------------------------------------------------------- IINs and people


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(min_value=-(2**63), max_value=2**63),
    voters=st.integers(min_value=1, max_value=400),
    stations=st.integers(min_value=2, max_value=15),
    region_code=st.sampled_from(known_region_codes()),
)
def test_every_iin_is_valid_unique_and_agrees_with_the_person(
    tmp_path: Path, seed: int, voters: int, stations: int, region_code: str
) -> None:
    path = tmp_path / "property.sqlite"
    summary = generate_population(path, seed=seed, voters=voters, stations=stations, region_code=region_code)
    with closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT iin, birth_date, sex FROM voters").fetchall()
    assert len(rows) == voters == summary.voters
    assert len({iin for iin, _, _ in rows}) == voters
    for iin, birth_date, sex in rows:
        assert is_valid_iin(iin)
        parsed = parse_iin(iin)
        assert parsed.birth_date.isoformat() == birth_date
        assert parsed.sex == sex
    assert Counter(voter_categories(path).values()) == {c: n for c, n in summary.category_counts.items() if n}


def test_names_are_cyrillic_with_kazakh_letters_and_gendered_forms(connection: sqlite3.Connection) -> None:
    rows = connection.execute("SELECT surname, given_name, patronymic, sex FROM voters").fetchall()
    for row in rows:
        for name in (row["surname"], row["given_name"], row["patronymic"]):
            assert name is None or CYRILLIC_NAME.match(name), name
        if row["sex"] == "female":
            assert not row["surname"].endswith(("ов", "ев", "ин", "ұлы"))
            assert row["patronymic"] is None or row["patronymic"].endswith(("овна", "евна", "ична", "қызы"))
        else:
            assert not row["surname"].endswith(("ова", "ева", "ина", "қызы"))
            assert row["patronymic"] is None or row["patronymic"].endswith(("ович", "евич", "ич", "ұлы"))
    all_text = "".join(row["surname"] + row["given_name"] for row in rows)
    assert KAZAKH_LETTERS & set(all_text)
    assert any(row["patronymic"] is None for row in rows)  # Серікұлы as surname: no patronymic
    assert any(row["patronymic"] and row["patronymic"].endswith("вич") for row in rows)  # Russian style


def test_under_age_voters_are_under_18_on_voting_day_and_everyone_else_is_of_age(registry: Path) -> None:
    under_age = sample_voters(registry, "under_age", 10_000)
    assert under_age
    for iin in under_age:
        age = parse_iin(iin).age_on(DEFAULT_VOTING_DAY)
        assert 14 <= age < 18
    others = [iin for category in VOTER_CATEGORIES if category != "under_age"
              for iin in sample_voters(registry, category, 10_000)]
    assert all(parse_iin(iin).age_on(DEFAULT_VOTING_DAY) >= 18 for iin in others)


def test_adult_cutoff_handles_a_29_february_voting_day() -> None:
    assert population._adult_cutoff(dt.date(2028, 2, 29)) == dt.date(2010, 2, 28)
    assert population._adult_cutoff(dt.date(2026, 3, 15)) == dt.date(2008, 3, 15)


def test_a_voting_day_on_29_february_still_classifies_by_age(tmp_path: Path) -> None:
    voting_day = dt.date(2028, 2, 29)
    path = tmp_path / "leap.sqlite"
    generate_population(path, seed=3, voters=800, stations=4, voting_day=voting_day)
    for iin in sample_voters(path, "under_age", 1000):
        assert parse_iin(iin).age_on(voting_day) < 18
    for iin in sample_voters(path, "not_listed", 1000) + sample_voters(path, "listed_here", 1000):
        assert parse_iin(iin).age_on(voting_day) >= 18


# ---------------------------------------------------------------- categories


def test_category_counts_are_apportioned_exactly(tmp_path: Path) -> None:
    path = tmp_path / "counts.sqlite"
    summary = generate_population(path, seed=5, voters=1000, stations=10)
    assert summary.category_counts == {
        "listed_here": 880, "listed_elsewhere": 20, "not_listed": 40, "no_registration": 30, "under_age": 30,
    }
    assert Counter(voter_categories(path).values()) == summary.category_counts


def test_custom_mix_and_rounding_still_sum_to_the_voter_count(tmp_path: Path) -> None:
    path = tmp_path / "mix.sqlite"
    mix = VoterMix(listed_elsewhere=0.1, not_listed=0.2, no_registration=0.3, under_age=0.4)
    summary = generate_population(path, seed=5, voters=7, stations=3, mix=mix)
    assert sum(summary.category_counts.values()) == 7
    assert summary.category_counts["listed_here"] == 0
    assert Counter(voter_categories(path).values()) == {c: n for c, n in summary.category_counts.items() if n}


@pytest.mark.parametrize("category", VOTER_CATEGORIES)
def test_sample_voters_returns_only_voters_of_that_category(registry: Path, category: VoterCategory) -> None:
    truth = voter_categories(registry)
    sample = sample_voters(registry, category, 25)
    assert len(sample) == 25
    assert all(truth[iin] == category for iin in sample)
    assert all(category_of(registry, iin) == category for iin in sample)
    assert sample_voters(registry, category, 25) == sample  # stable order


def test_sample_voters_whole_category_matches_the_tables(registry: Path) -> None:
    truth = voter_categories(registry)
    for category in VOTER_CATEGORIES:
        expected = sorted(iin for iin, found in truth.items() if found == category)
        assert sorted(sample_voters(registry, category, len(truth))) == expected


def test_sample_voters_by_station_stays_inside_that_station(connection: sqlite3.Connection) -> None:
    station = 3
    for category in ("listed_here", "listed_elsewhere", "not_listed", "under_age"):
        sample = sample_voters(connection, category, 1000, station=station)
        for iin in sample:
            row = connection.execute(
                "SELECT a.station_number, v.listed_station FROM voters v JOIN addresses a ON a.id = v.address_id"
                " WHERE v.iin = ?", (iin,),
            ).fetchone()
            assert row["station_number"] == station
            if category == "listed_here":
                assert row["listed_station"] == station
            if category == "listed_elsewhere":
                assert row["listed_station"] not in (None, station)
    assert sample_voters(connection, "listed_here", 1000, station=3)


def test_category_of_an_unknown_iin_is_none(registry: Path) -> None:
    assert category_of(registry, "000000000000") is None


def test_listed_elsewhere_voters_are_listed_at_a_real_other_station(connection: sqlite3.Connection) -> None:
    stations = {row[0] for row in connection.execute("SELECT number FROM stations")}
    rows = connection.execute(
        "SELECT v.listed_station, a.station_number FROM voters v JOIN addresses a ON a.id = v.address_id"
        " WHERE v.listed_station IS NOT NULL"
    ).fetchall()
    assert all(listed in stations and home in stations for listed, home in rows)


# ---------------------------------------------------------------- schema, stations, ballots, addresses


def test_schema_has_exactly_the_agreed_tables_and_columns(connection: sqlite3.Connection) -> None:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == set(TABLES)
    for table, columns in EXPECTED_COLUMNS.items():
        assert [row[1] for row in connection.execute(f"PRAGMA table_info({table})")] == columns


def test_meta_and_regions(connection: sqlite3.Connection, registry: Path) -> None:
    meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
    assert meta == {"seed": "7", "voting_day": "2026-03-15", "schema_version": "1", "region_code": "KZ-43"}
    regions = {row["code"]: row for row in connection.execute("SELECT * FROM regions")}
    assert {"KZ-43", "KZ-61", "KZ-75"} <= set(regions)
    assert regions["KZ-43"]["name_kk"] == "Қызылорда облысы"
    assert regions["KZ-75"]["name_en"] == "Almaty City"
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert not list(registry.parent.glob("*.partial*"))


def test_stations(connection: sqlite3.Connection) -> None:
    rows = connection.execute("SELECT * FROM stations ORDER BY number").fetchall()
    assert [row["number"] for row in rows] == list(range(1, 26))
    offering = [row for row in rows if row["offers_temporary_registration"]]
    assert len(offering) == round(0.1 * 25)
    for row in rows:
        assert row["region_code"] == "KZ-43"
        assert re.fullmatch(r"\d\d:\d\d", row["opens"]) and re.fullmatch(r"\d\d:\d\d", row["closes"])
        assert row["opens"] < row["closes"]
        assert row["commission_desk"] >= 1
        assert row["boundary_ref"]
        for column in ("address_kk", "address_ru", "address_en", "directions_kk", "directions_ru", "directions_en"):
            assert row[column]


def test_voting_hours_differ_between_some_stations(tmp_path: Path) -> None:
    path = tmp_path / "hours.sqlite"
    generate_population(path, seed=11, voters=200, stations=120)
    with closing(sqlite3.connect(path)) as connection:
        hours = set(connection.execute("SELECT opens, closes FROM stations").fetchall())
    assert ("07:00", "20:00") in hours and len(hours) > 1


def test_every_station_has_ballots_in_order_with_known_kinds_and_colours(connection: sqlite3.Connection) -> None:
    by_station: dict[int, list[sqlite3.Row]] = {}
    for row in connection.execute("SELECT * FROM ballots ORDER BY station_number, position"):
        by_station.setdefault(row["station_number"], []).append(row)
    assert set(by_station) == set(range(1, 26))
    for ballots in by_station.values():
        assert [b["position"] for b in ballots] == list(range(1, len(ballots) + 1))
        kinds = [b["kind"] for b in ballots]
        assert len(set(kinds)) == len(kinds)
        assert kinds[:3] == ["mazhilis", "mazhilis_single_member", "oblast_maslikhat"]
        for ballot in ballots:
            assert ballot["colour"] == BALLOT_COLOURS[ballot["kind"]]
            assert ballot["district_kk"] and ballot["district_ru"] and ballot["district_en"]


def test_almaty_city_has_a_city_maslikhat_and_no_district_one(tmp_path: Path) -> None:
    path = tmp_path / "almaty.sqlite"
    generate_population(path, seed=1, voters=300, stations=10, region_code="KZ-75")
    with closing(sqlite3.connect(path)) as connection:
        kinds = {row[0] for row in connection.execute("SELECT DISTINCT kind FROM ballots")}
        addresses = [row[0] for row in connection.execute("SELECT text_ru FROM addresses")]
    assert kinds == {"mazhilis", "mazhilis_single_member", "city_maslikhat"}
    assert all(text.startswith("г. Алматы, ") for text in addresses)


def test_addresses_are_trilingual_and_each_belongs_to_one_existing_station(connection: sqlite3.Connection) -> None:
    stations = {row[0] for row in connection.execute("SELECT number FROM stations")}
    rows = connection.execute("SELECT * FROM addresses").fetchall()
    assert rows
    texts = set()
    for row in rows:
        assert row["station_number"] in stations
        assert "-үй" in row["text_kk"] and "д. " in row["text_ru"] and row["text_en"][0].isdigit()
        texts.add(row["text_ru"])
    assert len(texts) == len(rows)  # one row per dwelling
    used = {row[0] for row in connection.execute("SELECT DISTINCT address_id FROM voters WHERE address_id NOT NULL")}
    assert used == {row["id"] for row in rows}


def test_every_station_gets_voters_listed_there(connection: sqlite3.Connection) -> None:
    counts = dict(connection.execute("SELECT listed_station, COUNT(*) FROM voters GROUP BY listed_station"))
    assert all(counts.get(number, 0) > 0 for number in range(1, 26))


def test_at_least_one_station_offers_temporary_registration(tmp_path: Path) -> None:
    path = tmp_path / "one.sqlite"
    summary = generate_population(path, seed=1, voters=10, stations=2)
    assert summary.stations_offering_temporary_registration == 1


def test_single_station_needs_no_listed_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "single.sqlite"
    summary = generate_population(path, seed=1, voters=50, stations=1, mix=VoterMix(listed_elsewhere=0.0))
    assert summary.category_counts["listed_elsewhere"] == 0
    assert summary.stations == 1


# ---------------------------------------------------------------- files


def test_regenerating_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite"
    generate_population(path, seed=1, voters=100, stations=3)
    generate_population(path, seed=2, voters=200, stations=3)
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT COUNT(*) FROM voters").fetchone()[0] == 200
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.sqlite"]


def test_a_failure_midway_leaves_the_previous_database_and_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "kept.sqlite"
    generate_population(path, seed=1, voters=100, stations=3)
    before = table_digest(path)

    def failing_voter(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")  # stands in for any failure while rows are being written

    monkeypatch.setattr(population._People, "_voter", failing_voter)
    with pytest.raises(RuntimeError):
        generate_population(path, seed=2, voters=100, stations=3)
    assert table_digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.sqlite"]


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"voters": 0}, "voters"),
        ({"voters": -5}, "voters"),
        ({"voters": True}, "voters"),
        ({"stations": 0}, "stations"),
        ({"stations": 2.5}, "stations"),
        ({"region_code": "KZ-99"}, "region"),
        ({"mix": VoterMix(not_listed=0.5, no_registration=0.3, under_age=0.3)}, "sum to at most 1"),
        ({"mix": VoterMix(under_age=-0.1)}, "under_age"),
        ({"mix": VoterMix(listed_elsewhere=1.5)}, "listed_elsewhere"),
        ({"stations": 1}, "at least 2 stations"),
        ({"temporary_registration_fraction": 1.5}, "temporary_registration_fraction"),
    ],
)
def test_bad_arguments_are_refused_clearly_and_write_nothing(
    tmp_path: Path, arguments: dict[str, object], message: str
) -> None:
    path = tmp_path / "bad.sqlite"
    options: dict[str, object] = {"seed": 1, "voters": 10, "stations": 3} | arguments
    with pytest.raises(PopulationArgumentError, match=message):
        generate_population(path, **options)  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())


def test_missing_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PopulationArgumentError, match="directory"):
        generate_population(tmp_path / "absent" / "x.sqlite", seed=1, voters=10, stations=3)


def test_sample_voters_refuses_bad_arguments(registry: Path, tmp_path: Path) -> None:
    with pytest.raises(PopulationArgumentError, match="category"):
        sample_voters(registry, "everyone", 3)  # type: ignore[arg-type]
    with pytest.raises(PopulationArgumentError, match="limit"):
        sample_voters(registry, "listed_here", -1)
    with pytest.raises(PopulationArgumentError, match="does not exist"):
        sample_voters(tmp_path / "missing.sqlite", "listed_here", 1)
    assert sample_voters(registry, "listed_here", 0) == []


def test_sampling_by_path_leaves_no_files_behind(tmp_path: Path) -> None:
    path = tmp_path / "sampled.sqlite"
    generate_population(path, seed=1, voters=100, stations=3)
    assert sample_voters(path, "listed_here", 5)
    assert category_of(str(path), sample_voters(path, "not_listed", 1)[0]) == "not_listed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sampled.sqlite"]

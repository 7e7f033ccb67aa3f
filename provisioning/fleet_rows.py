"""The fleet CSV and the shared settings file, turned into one configuration document per station.

The CSV (UTF-8, comma-separated, a header line naming the columns, in any order; docs/station-configuration.md):

  required  station, region, address_kk, address_ru, address_en, boundaries, commission_desk, voting_day,
            opens, closes, services
  optional  time_zone, languages, card_reader, reader_prefix, scanner, printer, serial, valid_from, valid_until

``services`` and ``languages`` are lists separated by ``;``. An empty optional cell takes the default from the
shared settings (``--common FILE``, a JSON object) or, failing that, the built-in one. The shared settings hold
what every station of a fleet has in common: ``service_base_url``, ``service_keys``, ``document_issuer_keys``,
``trust_anchors`` (required) and any of the optional columns' defaults.

A bad row is reported with its line number (the first physical line of the record) and the reason; the others
are produced. A station number used twice is a bad row at its second line.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import zoneinfo
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kiosk.core.station_config import (
    CONFIG_FORMAT,
    MalformedStationConfig,
    StationConfig,
    parse_station_config,
)
from provisioning.init_commands import UsageError

REQUIRED_COLUMNS: Final = (
    "station", "region", "address_kk", "address_ru", "address_en", "boundaries", "commission_desk", "voting_day",
    "opens", "closes", "services",
)
OPTIONAL_COLUMNS: Final = (
    "time_zone", "languages", "card_reader", "reader_prefix", "scanner", "printer", "serial", "valid_from",
    "valid_until",
)
REQUIRED_COMMON: Final = ("service_base_url", "service_keys", "document_issuer_keys", "trust_anchors")
BUILT_IN_DEFAULTS: Final[Mapping[str, str]] = {
    "time_zone": "Asia/Almaty",  # all of Kazakhstan has kept UTC+5 since 1 March 2024
    "languages": "kk;ru;en",
    "card_reader": "pcsc",
    "reader_prefix": "",
    "scanner": "camera",
    "printer": "escpos",
    "serial": "1",
}
# Without valid_from / valid_until: from 60 days before voting day (time to provision) to 2 days after it.
DEFAULT_LEAD_TIME: Final = dt.timedelta(days=60)
DEFAULT_TAIL_TIME: Final = dt.timedelta(days=2)
MAX_CELL_CHARACTERS: Final = 1000


@dataclass(frozen=True, slots=True)
class StationRow:
    """One good row: its line, the configuration document and its parsed form."""

    line: int
    document: dict[str, Any]
    config: StationConfig


@dataclass(frozen=True, slots=True)
class BadRow:
    """One refused row: its line and why (no cell values beyond a station number: addresses stay out of logs)."""

    line: int
    reason: str


def read_common(path: Path) -> dict[str, Any]:
    """The shared settings file; ``UsageError`` when it is unreadable or lacks a required member."""
    try:
        common = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UsageError(f"cannot read the shared settings {path} as JSON") from error
    if not isinstance(common, dict):
        raise UsageError(f"the shared settings {path} must be a JSON object")
    missing = [name for name in REQUIRED_COMMON if name not in common]
    if missing:
        raise UsageError(f"the shared settings {path} lack {', '.join(missing)}")
    unknown = sorted(set(common) - set(REQUIRED_COMMON) - set(OPTIONAL_COLUMNS))
    if unknown:
        raise UsageError(f"the shared settings {path} have an unknown member {unknown[0]!r}")
    return common


def read_rows(path: Path, common: Mapping[str, Any]) -> Iterator[StationRow | BadRow]:
    """Each record of the CSV at ``path``, as a good or a bad row, in file order."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise UsageError(f"cannot read the station list {path}") from error
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as error:
            raise UsageError(f"the station list {path} has no readable header line") from error
        columns = _check_header(header, path)
        seen: dict[int, int] = {}
        while True:
            line = reader.line_num + 1  # where the next record starts (a quoted cell may span lines)
            try:
                cells = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as error:
                yield BadRow(line, f"not a CSV record ({error.__class__.__name__})")
                return  # after a broken record the reader's position cannot be trusted
            if not cells:
                continue  # a blank line
            yield _row(line, columns, cells, common, seen)


def _check_header(header: list[str] | None, path: Path) -> tuple[str, ...]:
    if not header:
        raise UsageError(f"the station list {path} is empty")
    columns = tuple(name.strip() for name in header)
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise UsageError(f"the station list {path} lacks the column(s) {', '.join(missing)}")
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS and name not in OPTIONAL_COLUMNS]
    if unknown:
        raise UsageError(f"the station list {path} has an unknown column {unknown[0][:40]!r}")
    if len(set(columns)) != len(columns):
        raise UsageError(f"the station list {path} names a column twice")
    return columns


def _row(
    line: int, columns: tuple[str, ...], cells: list[str], common: Mapping[str, Any], seen: dict[int, int]
) -> StationRow | BadRow:
    if len(cells) != len(columns):
        return BadRow(line, f"{len(cells)} cells where the header has {len(columns)} columns")
    if any(len(value) > MAX_CELL_CHARACTERS for value in cells):
        return BadRow(line, f"a cell is longer than {MAX_CELL_CHARACTERS} characters")
    try:
        document = build_document({name: value.strip() for name, value in zip(columns, cells, strict=True)}, common)
        config = parse_station_config(document)
    except MalformedStationConfig as error:
        return BadRow(line, _row_reason(error))
    first = seen.setdefault(config.station, line)
    if first != line:
        return BadRow(line, f"station {config.station} is already on line {first}")
    return StationRow(line, document, config)


def _row_reason(error: MalformedStationConfig) -> str:
    return error.message.replace("the station configuration's ", "").replace("the station configuration ", "")


def build_document(cells: Mapping[str, str], common: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration document of one row (not yet validated: ``parse_station_config`` does that)."""

    def cell(name: str) -> str:
        value = cells.get(name, "")
        if value:
            return value
        default = common.get(name, BUILT_IN_DEFAULTS.get(name))
        return "" if default is None else str(default)

    voting_day = _date(cell("voting_day"))
    zone = cell("time_zone")
    return {
        "format": CONFIG_FORMAT,
        "serial": _integer(cell("serial"), "serial"),
        "station": _integer(cell("station"), "station"),
        "region": cell("region"),
        "address": {"kk": cell("address_kk"), "ru": cell("address_ru"), "en": cell("address_en")},
        "boundaries": cell("boundaries"),
        "commission_desk": _integer(cell("commission_desk"), "commission_desk"),
        "voting_day": cell("voting_day"),
        "opens": cell("opens"),
        "closes": cell("closes"),
        "time_zone": zone,
        "services": _list(cell("services")),
        "service_base_url": common["service_base_url"],
        "service_keys": common["service_keys"],
        "document_issuer_keys": common["document_issuer_keys"],
        "trust_anchors": common["trust_anchors"],
        "languages": _list(cell("languages")),
        "devices": {
            "card_reader": {"kind": cell("card_reader"), "reader_prefix": cell("reader_prefix")},
            "scanner": {"kind": cell("scanner")},
            "printer": {"kind": cell("printer")},
        },
        "valid_from": cell("valid_from") or _local_midnight(voting_day - DEFAULT_LEAD_TIME, zone),
        "valid_until": cell("valid_until") or _local_midnight(voting_day + DEFAULT_TAIL_TIME, zone),
    }


def _integer(text: str, name: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 15:
        raise MalformedStationConfig(f"'{name}' must be a whole number", field_name=name)
    return int(text)


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(";") if item.strip()]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise MalformedStationConfig("'voting_day' is not a date (YYYY-MM-DD)", field_name="voting_day") from error


def _local_midnight(day: dt.date, zone: str) -> str:
    try:
        tzinfo = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise MalformedStationConfig("'time_zone' is not a known IANA time zone", field_name="time_zone") from error
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tzinfo).isoformat()

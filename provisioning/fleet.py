"""``kiosk-provision fleet``: signed configurations (and provisioning sheets) for every station of a CSV.

``fleet --csv stations.csv --common fleet.json --out DIR <commission key options> [--sheets] [--workers N]``
writes, per good row, ``DIR/station-NNNNN.json`` (the signed configuration) and with ``--sheets``
``DIR/station-NNNNN.pdf`` (the one-page provisioning sheet), plus ``DIR/manifest.csv`` (line, station, serial,
digest, file) for the commission's records. Columns and shared settings: ``provisioning.fleet_rows``.

Signing happens in this process, one configuration after the other (a token's key cannot be shared with
worker processes, and one signature costs well under a millisecond); sheets, which cost about a quarter of a
second each (fpdf2 loading and subsetting the TTF font), are rendered by a process pool. Bad rows are reported
on stderr by line number and the rest are produced; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

from drivers.errors import DriverError
from drivers.keystore import KeyStore
from kiosk.core.station_config import parse_station_config
from kiosk.station_config_verify import config_digest, sign_station_config, signed_file_bytes
from provisioning.fleet_rows import BadRow, StationRow, read_common, read_rows
from provisioning.fleet_sheet import config_file_name, render_sheet, sheet_file_name
from provisioning.fleet_signer import add_commission_key_arguments, commission_signer
from provisioning.init_commands import EXIT_CODES_HELP, EXIT_FAILURE, EXIT_OK, UsageError, run_reporting_errors

MANIFEST_NAME: Final = "manifest.csv"
MANIFEST_COLUMNS: Final = ("line", "station", "serial", "digest", "file")
SHEETS_PER_TASK: Final = 16  # large enough that the pool's messaging is noise beside one sheet's rendering
PROGRESS_WIDTH: Final = 30


@dataclass
class FleetResult:
    """What a fleet run produced: the stations written (with their digests) and the rows refused."""

    written: list[tuple[int, int, str]] = field(default_factory=list)  # (line, station, digest)
    failed: list[BadRow] = field(default_factory=list)
    sheets: int = 0


class ProgressBar:
    """A one-line text progress bar on a stream, redrawn at most once per percent."""

    def __init__(self, label: str, total: int, stream: TextIO | None) -> None:
        self._label = label
        self._total = max(total, 1)
        self._stream = stream
        self._done = 0
        self._drawn_percent = -1
        self._started = time.perf_counter()

    def advance(self, count: int = 1) -> None:
        """Count ``count`` more items done."""
        self._done += count
        percent = self._done * 100 // self._total
        if percent != self._drawn_percent:
            self._drawn_percent = percent
            self._draw()

    def close(self) -> None:
        """End the bar's line."""
        if self._stream is not None and self._drawn_percent >= 0:
            self._stream.write("\n")
            self._stream.flush()

    def _draw(self) -> None:
        if self._stream is None:
            return
        filled = PROGRESS_WIDTH * self._done // self._total
        elapsed = time.perf_counter() - self._started
        self._stream.write(
            f"\r{self._label} [{'#' * filled}{'.' * (PROGRESS_WIDTH - filled)}] "
            f"{self._done}/{self._total} {elapsed:.1f} s"
        )
        self._stream.flush()


def generate_fleet(
    csv_path: Path,
    common: dict[str, Any],
    out: Path,
    signer: KeyStore,
    *,
    sheets: bool,
    workers: int | None = None,
    progress: TextIO | None = None,
    report: Callable[[BadRow], None] | None = None,
) -> FleetResult:
    """Sign a configuration for every good row of ``csv_path`` into ``out``; render sheets when asked."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the output directory {out}") from error
    rows = list(read_rows(csv_path, common))
    result = FleetResult()
    good: list[StationRow] = []
    for row in rows:
        if isinstance(row, BadRow):
            result.failed.append(row)
            if report is not None:
                report(row)
        else:
            good.append(row)
    bar = ProgressBar("signing", len(good), progress)
    for row in good:
        envelope = sign_station_config(row.document, signer)
        (out / config_file_name(row.config.station)).write_bytes(signed_file_bytes(envelope))
        result.written.append((row.line, row.config.station, config_digest(row.document)))
        bar.advance()
    bar.close()
    _write_manifest(out, good, result)
    if sheets and good:
        result.sheets = _render_sheets(out, good, result, workers, progress, report)
    return result


def _write_manifest(out: Path, good: list[StationRow], result: FleetResult) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for row, (line, station, digest) in zip(good, result.written, strict=True):
        writer.writerow((line, station, row.config.serial, digest, config_file_name(station)))
    (out / MANIFEST_NAME).write_text(text.getvalue(), encoding="utf-8")


SheetTask = tuple[int, dict[str, Any], str]  # (line, configuration document, digest)


def _render_sheets(
    out: Path,
    good: list[StationRow],
    result: FleetResult,
    workers: int | None,
    progress: TextIO | None,
    report: Callable[[BadRow], None] | None,
) -> int:
    tasks: list[SheetTask] = [
        (row.line, row.document, digest) for row, (_, _, digest) in zip(good, result.written, strict=True)
    ]
    batches = [tasks[start:start + SHEETS_PER_TASK] for start in range(0, len(tasks), SHEETS_PER_TASK)]
    count = workers or os.cpu_count() or 1
    bar = ProgressBar("sheets", len(tasks), progress)
    rendered = 0
    failures: list[BadRow] = []
    if count == 1 or len(batches) == 1:
        outcomes = (render_sheet_batch(out, batch) for batch in batches)
        rendered, failures = _collect(outcomes, bar)
    else:
        with ProcessPoolExecutor(max_workers=min(count, len(batches))) as pool:
            rendered, failures = _collect(pool.map(render_sheet_batch, [out] * len(batches), batches), bar)
    bar.close()
    for failure in failures:
        result.failed.append(failure)
        if report is not None:
            report(failure)
    result.failed.sort(key=lambda row: row.line)
    return rendered


def _collect(outcomes: Any, bar: ProgressBar) -> tuple[int, list[BadRow]]:
    rendered = 0
    failures: list[BadRow] = []
    for done, failed in outcomes:
        rendered += done
        failures.extend(failed)
        bar.advance(done + len(failed))
    return rendered, failures


def render_sheet_batch(out: Path, batch: list[SheetTask]) -> tuple[int, list[BadRow]]:
    """Render and write the sheets of ``batch`` (run in a worker process); how many, and the failures."""
    done = 0
    failed: list[BadRow] = []
    for line, document, digest in batch:
        config = parse_station_config(document)
        try:
            (out / sheet_file_name(config.station)).write_bytes(render_sheet(config, digest))
        except (DriverError, OSError, ValueError) as error:
            failed.append(BadRow(line, f"the provisioning sheet cannot be made ({error.__class__.__name__}: {error})"))
        else:
            done += 1
    return done, failed


def _fleet(args: argparse.Namespace) -> int:
    def report(row: BadRow) -> None:
        print(f"kiosk-provision: {args.csv} line {row.line}: {row.reason}", file=sys.stderr)

    def action() -> int:
        if args.workers is not None and args.workers < 1:
            raise UsageError("--workers must be at least 1")
        common = read_common(args.common)
        with commission_signer(args) as signer:
            result = generate_fleet(
                args.csv, common, args.out, signer, sheets=args.sheets, workers=args.workers,
                progress=None if args.quiet else sys.stderr, report=report,
            )
        if args.json:
            print(json.dumps({
                "out": str(args.out),
                "written": len(result.written),
                "sheets": result.sheets,
                "failed": [{"line": row.line, "reason": row.reason} for row in result.failed],
            }))
        else:
            sheets = f", {result.sheets} sheets" if args.sheets else ""
            print(f"{len(result.written)} signed station configurations{sheets} written to {args.out}; "
                  f"{len(result.failed)} row(s) refused")
        return EXIT_FAILURE if result.failed else EXIT_OK

    return run_reporting_errors(args, action)


def register(areas: Any) -> None:
    """Add ``fleet`` to the ``kiosk-provision`` sub-commands."""
    parser = areas.add_parser(
        "fleet", help="sign a station configuration (and a provisioning sheet) for every station of a CSV",
        description="Produce one signed station configuration per CSV row, and with --sheets a one-page "
        "provisioning sheet (PDF). Bad rows are reported by line number; the rest are produced (exit 1).",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--csv", type=Path, required=True, metavar="FILE", help="the station list (see the docs)")
    parser.add_argument("--common", type=Path, required=True, metavar="FILE",
                        help="JSON settings shared by every station (service URL and keys, trust anchors)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where to write the files")
    parser.add_argument("--sheets", action="store_true", help="also render a provisioning sheet (PDF) per station")
    parser.add_argument("--workers", type=int, metavar="N", help="processes rendering sheets (default: CPU count)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    add_commission_key_arguments(parser)
    parser.set_defaults(handler=_fleet)

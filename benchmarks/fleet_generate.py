"""Benchmark: sign a fleet's station configurations (and optionally render their provisioning sheets).

    .venv/bin/python benchmarks/fleet_generate.py [--stations 5000] [--runs 3] [--sheets N] [--workers W]

Builds a CSV of synthetic stations and a commission key (encrypted PKCS#8 file), then times
``provisioning.fleet.generate_fleet`` end to end (reading the CSV, validating, signing with deterministic
ECDSA P-256, writing the files and the manifest): median seconds over the runs and milliseconds per station.
``--sheets N`` also times rendering N provisioning sheets (PDF) with the process pool, reported per sheet.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from support.commission import PASSPHRASE, common_settings, make_commission

from provisioning.fleet import generate_fleet
from provisioning.fleet_signer import DeterministicFileSigner

HEADER = "station,region,address_kk,address_ru,address_en,boundaries,commission_desk,voting_day,opens,closes,services\n"


def write_csv(path: Path, stations: int) -> None:
    """A station list of ``stations`` rows, hours and services varying as in a real region."""
    lines = [HEADER]
    for number in range(1, stations + 1):
        opens, closes = ("07:00", "20:00") if number % 7 else ("08:00", "22:00")
        services = "registration_check;temporary_registration" if number % 20 == 0 else "registration_check"
        lines.append(
            f'{number},KZ-43,"Қызылорда қ., Әйтеке би көшесі, {number}","г. Кызылорда, ул. Айтеке би, {number}",'
            f'"Kyzylorda, Aiteke bi St {number}",KZ-43/2026/PS-{number:04d},{1 + number % 3},2026-03-15,'
            f"{opens},{closes},{services}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")


def main() -> int:
    """Run the benchmark and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sheets", type=int, default=0, help="also render this many sheets (0: none)")
    parser.add_argument("--workers", type=int, default=None, help="sheet-rendering processes (default: CPUs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        commission = make_commission(root / "commission")
        signer = DeterministicFileSigner.open(commission.key_path, PASSPHRASE)
        stations_csv = root / "stations.csv"
        write_csv(stations_csv, args.stations)
        common = json.loads(json.dumps(common_settings()))
        timings = []
        for run in range(args.runs):
            started = time.perf_counter()
            result = generate_fleet(stations_csv, common, root / f"out-{run}", signer, sheets=False)
            timings.append(time.perf_counter() - started)
            assert len(result.written) == args.stations and not result.failed
        median = statistics.median(timings)
        print(f"configurations: {args.stations} stations, median of {args.runs} runs: {median:.2f} s "
              f"({1000 * median / args.stations:.3f} ms per station)")
        if args.sheets:
            sheets_csv = root / "sheets.csv"
            write_csv(sheets_csv, args.sheets)
            started = time.perf_counter()
            result = generate_fleet(sheets_csv, common, root / "sheets", signer, sheets=True, workers=args.workers)
            elapsed = time.perf_counter() - started
            assert result.sheets == args.sheets
            print(f"with sheets: {args.sheets} stations in {elapsed:.2f} s ({1000 * elapsed / args.sheets:.1f} ms per "
                  f"station, sheet included; 5000 would take about {5000 * elapsed / args.sheets / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

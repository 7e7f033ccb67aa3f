"""A whole fleet on voting day: 4,000 simulated kiosks against the simulated service (issue 7, item 5).

Starts ``kiosk-sim egov serve --workers 2`` on 127.0.0.1 over a region-sized registry (500,000 voters),
enrols one key per kiosk directly in the registry (in batches), then lets every kiosk ask signed
registration checks at a fixed rate for ``--seconds`` (5 minutes by default) and verify every answer
(``simulator.egov.load``: one asynchronous client per kiosk, each with its own key and its own keep-alive
TLS connection). Reports throughput, errors by kind, p50/p99 latency, and the memory and file descriptors
used. All traffic stays on 127.0.0.1; the run stops itself; the server is stopped by its PID.

The realistic rate (``--mode voting-day``), derived from these assumptions (constants below):
  a region has about 1,000,000 voters in about 700 polling stations (~1,430 voters each); 65 % turn out;
  1 in 10 of them checks at the board; polls are open 12 hours; the busiest hour is 3x the average.
  Per station at peak: 1,430 x 0.65 x 0.10 x 3 / 43,200 s = 0.0065 checks/s (about 23 an hour),
  i.e. ~4.5 checks/s for a whole region. With one kiosk per station, 4,000 kiosks offer ~26 checks/s.
``--mode stress`` offers ``STRESS_FACTOR`` (20) times that (~520 checks/s with 4,000 kiosks).

File descriptors: every kiosk holds one TLS connection, and the server process (its 2 workers inherit the
limit) holds the other end, so the soft RLIMIT_NOFILE is raised to ``kiosks + 1,024`` (within the hard
limit) before the server starts; the run refuses to start if the hard limit is too low. Every kiosk first
connects and asks once before the clock starts (``run_load``'s warm-up): 4,000 TLS handshakes and signed
checks take a few minutes on a busy 2-CPU machine. Memory: ~400 MB for the 4,000 clients, ~200 MB server.

    .venv/bin/python benchmarks/load_fleet.py [--kiosks 4000] [--seconds 300] [--mode voting-day|stress]
        [--voters 500000] [--stations 700] [--home DIR (reuse a generated registry)]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from kiosk.config import load_config
from kiosk.egov.signatures import PublicKeys
from simulator.dock.processes import stop_process
from simulator.egov.load import SimulatedKiosk, enroll_fleet, run_load
from simulator.egov.population import generate_population
from simulator.egov.registry import Registry
from simulator.egov.world import prepare

# --- the voting-day rate (see the module docstring) -------------------------------------------------------
REGION_VOTERS = 1_000_000
REGION_STATIONS = 700
TURNOUT = 0.65
SHARE_CHECKING_AT_BOARD = 0.10
POLLING_SECONDS = 12 * 3600
PEAK_FACTOR = 3.0
PEAK_CHECKS_PER_STATION = (REGION_VOTERS / REGION_STATIONS) * TURNOUT * SHARE_CHECKING_AT_BOARD * PEAK_FACTOR \
    / POLLING_SECONDS
STRESS_FACTOR = 20.0

ENROLL_BATCH = 500
VOTERS_PER_STATION = 40
FD_MARGIN = 1024
START_TIMEOUT = 600.0
REQUEST_TIMEOUT = 15.0  # the kiosk client's deadline (kiosk.egov.client.RetryPolicy)


def raise_file_limit(kiosks: int) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE for ``kiosks`` connections (inherited by the server); return (soft, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = kiosks + FD_MARGIN
    if hard != resource.RLIM_INFINITY and hard < needed:
        raise SystemExit(f"{kiosks} kiosks need {needed} file descriptors; the hard limit is {hard}")
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def voters_by_station(database: Path, stations: list[int]) -> dict[int, list[str]]:
    """Up to VOTERS_PER_STATION voters whose address lies in each station's area (all answers mixed)."""
    wanted = set(stations)
    found: dict[int, list[str]] = {number: [] for number in stations}
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT a.station_number, v.iin FROM voters v JOIN addresses a ON a.id = v.address_id ORDER BY v.rowid"
        )
        for station, iin in rows:
            if station in wanted and len(found[station]) < VOTERS_PER_STATION:
                found[station].append(iin)
    finally:
        connection.close()
    return {number: iins for number, iins in found.items() if iins}


def start_server(root: Path, station: int, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    """``kiosk-sim egov serve`` on a free loopback port; wait for its ready file."""
    ready = root / "ready"
    ready.unlink(missing_ok=True)
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "--home", str(root), "egov", "serve", "--port", "0",
         "--station", str(station), "--ready-file", str(ready), "--workers", str(workers)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while not (ready.exists() and ready.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_process(process, timeout=30)
            raise SystemExit(f"the simulated service did not start (see {root / 'server.log'})")
        time.sleep(0.1)
    return process, ready.read_text()


def resident_megabytes(pid: int) -> float:
    """Resident memory of a process and its direct children (the server's workers), from /proc."""
    total_kb = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if status.parent.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            total_kb += int(fields.get("VmRSS", "0 kB").split()[0])
    return round(total_kb / 1024, 1)


def open_descriptors(pid: int) -> int:
    """File descriptors a process holds now."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kiosks", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--mode", choices=("voting-day", "stress"), default="voting-day")
    parser.add_argument("--rate", type=float, default=None, help="total offered checks/s (overrides --mode)")
    parser.add_argument("--voters", type=int, default=500_000)
    parser.add_argument("--stations", type=int, default=REGION_STATIONS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--home", type=Path, default=None, help="state directory (a registry there is reused)")
    args = parser.parse_args()

    soft, hard = raise_file_limit(args.kiosks)
    root = args.home or Path(tempfile.mkdtemp(prefix="kiosk-fleet-"))
    root.mkdir(parents=True, exist_ok=True)
    database = root / "registry.sqlite"
    started = time.perf_counter()
    if not database.exists():
        generate_population(database, seed=2026, voters=args.voters, stations=args.stations)
        print(f"population: {args.voters} voters, {args.stations} stations in {time.perf_counter() - started:.1f} s")
    paths, station = prepare(root)
    registry = Registry(paths.database)
    try:
        numbers = registry.station_numbers()
    finally:
        registry.close()
    by_station = voters_by_station(paths.database, numbers)
    stations = sorted(by_station)
    started = time.perf_counter()
    fleet = []
    for first in range(0, args.kiosks, ENROLL_BATCH):
        count = min(ENROLL_BATCH, args.kiosks - first)
        # Kiosk i stands at station i mod N: with more kiosks than stations some stations have two.
        batch_stations = [stations[(first + index) % len(stations)] for index in range(count)]
        fleet += enroll_fleet(paths.database, count, batch_stations)
    print(f"enrolled {len(fleet)} kiosk keys over {len(set(s for _, s in fleet))} stations "
          f"in {time.perf_counter() - started:.1f} s (batches of {ENROLL_BATCH}); RLIMIT_NOFILE {soft}/{hard}")

    if args.rate is not None:
        offered = args.rate
    else:
        offered = args.kiosks * PEAK_CHECKS_PER_STATION * (STRESS_FACTOR if args.mode == "stress" else 1.0)
    per_kiosk = offered / args.kiosks
    process, base_url = start_server(root, station, args.workers)
    try:
        config = load_config(paths.kiosk_config)
        context = ssl.create_default_context(cafile=str(paths.ca))  # one context shared by every kiosk
        keys = PublicKeys(config.service.service_keys)
        kiosks = [
            SimulatedKiosk(key=key, station=kiosk_station, base_url=base_url, ssl_context=context,
                           service_keys=keys, timeout=REQUEST_TIMEOUT)
            for key, kiosk_station in fleet
        ]
        print(f"{args.mode if args.rate is None else 'custom'} load: {offered:.1f} checks/s offered "
              f"({per_kiosk * 3600:.1f} per kiosk per hour) for {args.seconds:g} s by {len(kiosks)} kiosks")
        report = uvloop.run(run_load(kiosks, by_station, rate_per_kiosk=per_kiosk, duration=args.seconds))
        summary = {
            "mode": args.mode if args.rate is None else "custom",
            "kiosks": len(kiosks),
            "voters": args.voters,
            "server_workers": args.workers,
            "offered_per_second": round(offered, 2),
            **report.summary(),
            "requests": len(report.outcomes),
            "client_max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "server_rss_mb": resident_megabytes(process.pid),
            "client_open_fds_after_run": open_descriptors(os.getpid()),
        }
        print(json.dumps(summary))
    finally:
        stop_process(process, timeout=30)
    answered_share = summary["checks"] / max(summary["requests"], 1)
    print(f"{summary['kiosks']} kiosks: {summary['checks_per_second']} checks/s verified "
          f"({answered_share:.2%} of requests answered), p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms, "
          f"errors {summary['errors'] or 'none'}")


if __name__ == "__main__":
    main()

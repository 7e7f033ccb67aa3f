"""Signed registration checks per second, with p50/p99 latency, against a 500,000-voter simulated registry.

Starts the real ``kiosk-sim egov serve`` on 127.0.0.1 in a child process, enrols one key per simulated
kiosk, and drives 1, 10 and 100 concurrent kiosks (asynchronous clients that sign every request and
verify every answer). Two loads per level:
  - open: each kiosk asks at a fixed rate (the total offered rate is --rate); latency counts from the
    scheduled time, so queueing shows. The budget (>= 500 checks/s at 100 kiosks, p99 <= 100 ms) is read here.
  - closed: each kiosk asks again as soon as it is answered: the saturation throughput.

    .venv/bin/python benchmarks/service_load.py [--voters 500000] [--seconds 10] [--rate 500]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

from kiosk.config import load_config
from kiosk.egov.signatures import PublicKeys
from simulator.egov.load import SimulatedKiosk, enroll_fleet, run_load
from simulator.egov.population import generate_population, sample_voters
from simulator.egov.registry import Registry
from simulator.egov.world import prepare

BUDGET_RATE = 500.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its worker children, from /proc."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total
BUDGET_P99_MS = 100.0


def start_server(root: Path, station: int, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    ready = root / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "--home", str(root), "egov", "serve", "--port", "0",
         "--station", str(station), "--ready-file", str(ready), "--workers", str(workers)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not (ready.exists() and ready.read_text()):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the simulated service did not start")
        time.sleep(0.05)
    return process, ready.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=500_000)
    parser.add_argument("--stations", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=BUDGET_RATE, help="total offered checks/s in the open load")
    parser.add_argument("--levels", default="1,10,100")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--verify-every", type=int, default=1,
                        help="the load generator verifies 1 answer in N (the service's work is the same)")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="kiosk-bench-"))
    started = time.perf_counter()
    generate_population(root / "registry.sqlite", seed=2026, voters=args.voters, stations=args.stations)
    print(f"population: {args.voters} voters, {args.stations} stations generated in "
          f"{time.perf_counter() - started:.1f} s")
    paths, station = prepare(root)
    registry = Registry(paths.database)
    stations = registry.station_numbers()[:50]
    registry.close()
    voters = {
        number: [iin for category in ("listed_here", "listed_elsewhere", "not_listed", "under_age")
                 for iin in sample_voters(paths.database, category, 50, station=number)]
        for number in stations
    }
    levels = [int(level) for level in args.levels.split(",")]
    fleet = enroll_fleet(paths.database, max(levels), stations)
    process, base_url = start_server(root, station, args.workers)
    try:
        config = load_config(paths.kiosk_config)
        context = ssl.create_default_context(cafile=str(paths.ca))
        keys = PublicKeys(config.service.service_keys)
        results = []
        print(f"load generator verifies 1 answer in {args.verify_every}")
        for level in levels:
            for mode in ("open", "closed"):
                kiosks = [
                    SimulatedKiosk(key=key, station=kiosk_station, base_url=base_url, ssl_context=context,
                                   service_keys=keys, timeout=10.0, verify_every=args.verify_every)
                    for key, kiosk_station in fleet[:level]
                ]
                rate = args.rate / level if mode == "open" else None
                if mode == "open" and level == 1:
                    rate = min(args.rate, 50.0)  # one kiosk asking 500 times a second is not a kiosk
                server_before, client_before = process_cpu_seconds(process.pid), time.process_time()
                report = uvloop.run(run_load(kiosks, voters, rate_per_kiosk=rate, duration=args.seconds))
                server_cpu = process_cpu_seconds(process.pid) - server_before
                client_cpu = time.process_time() - client_before
                summary = {"mode": mode, "offered_per_second": round(rate * level, 1) if rate else None,
                           **report.summary(),
                           "server_cpu_ms_per_check": round(1000 * server_cpu / max(report.completed, 1), 3),
                           "client_cpu_ms_per_check": round(1000 * client_cpu / max(report.completed, 1), 3)}
                results.append(summary)
                print(json.dumps(summary))
        at_100 = next((r for r in results if r["clients"] == 100 and r["mode"] == "open"), None)
        if at_100 is not None:
            print(
                f"budget at 100 kiosks (open load, {at_100['offered_per_second']}/s offered): "
                f"{at_100['checks_per_second']} checks/s (ratio to {BUDGET_RATE:.0f}: "
                f"{at_100['checks_per_second'] / BUDGET_RATE:.2f}), p99 {at_100['p99_ms']} ms "
                f"(ratio to {BUDGET_P99_MS:.0f} ms: {at_100['p99_ms'] / BUDGET_P99_MS:.2f}), errors {at_100['errors']}"
            )
    finally:
        os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


if __name__ == "__main__":
    main()

"""Crash test (issue 7): the kiosk process killed with SIGKILL at random points during 200 temporary
registrations against the real simulated service; afterwards the service and the journal agree."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.egov import start_service

from kiosk.config import load_config
from kiosk.journal.verify import verify
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters

REGISTRATIONS = 200
KILLS = 10
VOTERS = 8000  # 3 % have no registration anywhere: 240 candidates, enough for 200
DRIVER = Path(__file__).with_name("crash_driver.py")
ROOT = Path(__file__).resolve().parents[3]


def _start_driver(config: Path, state: Path, voters_file: Path, log: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, str(DRIVER), str(config), str(state), str(voters_file)],
            stdout=output,
            stderr=subprocess.STDOUT,
            env=environment,
        )


@pytest.mark.slow
def test_kills_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    service = start_service(tmp_path / "egov", voters=VOTERS)
    try:
        voters = sample_voters(service.paths.database, "no_registration", REGISTRATIONS)
        assert len(voters) == REGISTRATIONS, "the population is too small for the crash test"
        voters_file = tmp_path / "voters.txt"
        voters_file.write_text("\n".join(voters))
        state = tmp_path / "kiosk"
        log = tmp_path / "driver.log"
        config = service.paths.kiosk_config
        rng = random.Random(7)
        kills = 0
        for _ in range(KILLS):
            driver = _start_driver(config, state, voters_file, log)
            time.sleep(rng.uniform(0.3, 0.9))
            if driver.poll() is not None:
                break
            os.kill(driver.pid, signal.SIGKILL)
            driver.wait()
            kills += 1
        final = _start_driver(config, state, voters_file, log)
        assert final.wait(timeout=60) == 0, log.read_text()[-2000:]

        registry = sqlite3.connect(service.paths.database)
        try:
            placeholders = ",".join("?" * len(voters))
            rows = registry.execute(
                f"SELECT iin, COUNT(*) FROM temporary_registrations WHERE iin IN ({placeholders}) GROUP BY iin",
                voters,
            ).fetchall()
            keys = registry.execute(
                "SELECT COUNT(*) FROM idempotent_answers WHERE endpoint = 'temporary_registration'"
            ).fetchone()[0]
        finally:
            registry.close()
        registered = {iin: count for iin, count in rows}
        lost = [iin for iin in voters if iin not in registered]
        duplicated = [iin for iin, count in registered.items() if count != 1]

        journal_path = state / "journal" / "journal.sqlite3"
        device_key = open_device_key(load_config(config))
        report = verify(journal_path, device_key.public_key())
        journal = sqlite3.connect(journal_path)
        try:
            states = dict(journal.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())
            confirmed = journal.execute(
                "SELECT COUNT(DISTINCT local_reference) FROM journal WHERE kind = 'temporary_registration_confirmed'"
            ).fetchone()[0]
            references = journal.execute(
                "SELECT COUNT(DISTINCT reference), COUNT(*) FROM journal"
                " WHERE kind = 'temporary_registration_confirmed'"
            ).fetchone()
            sent = journal.execute(
                "SELECT COUNT(*) FROM journal WHERE kind = 'temporary_registration_sent'"
            ).fetchone()[0]
        finally:
            journal.close()
        print(
            f"kill points tried: {kills}; registrations lost: {len(lost)}; duplicated: {len(duplicated)};"
            f" attempts: {sent} for {REGISTRATIONS} registrations"
        )
        assert kills >= 5, "the driver finished before enough kills were made"
        assert lost == [] and duplicated == []
        assert keys == REGISTRATIONS  # one idempotency key per registration: no item was queued twice
        assert states == {"confirmed": REGISTRATIONS}
        assert confirmed == REGISTRATIONS and tuple(references) == (REGISTRATIONS, REGISTRATIONS)
        assert report.ok, report.problems
    finally:
        service.stop()

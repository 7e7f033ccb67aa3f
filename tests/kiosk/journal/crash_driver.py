"""The kiosk side of the crash test, run as a child process: drive temporary registrations through the outbox.

Usage: crash_driver.py KIOSK_CONFIG STATE_DIR VOTERS_FILE. On start it resends whatever a previous (killed)
run left pending, then queues and sends each voter from VOTERS_FILE that is not in the outbox yet. Prints
"done" when every item is final. Not a test module: tests/kiosk/journal/test_crash.py starts and kills it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

from kiosk.config import load_config
from kiosk.core.iin import parse_iin
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import Outbox, TemporaryRegistrationRequest
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import Backoff, OutboxSender
from kiosk.wiring import open_device_key

POLICY = RetryPolicy(attempts=2, connect_timeout=2.0, read_timeout=4.0, deadline=8.0, backoff=0.05)


def main(config_path: str, state: str, voters_file: str) -> int:
    """Run until every voter in ``voters_file`` has a final outbox item."""
    config = load_config(Path(config_path))
    state_dir = Path(state)
    device_key = open_device_key(config)
    secret = load_or_create_secret(state_dir / "secrets" / "station-secret")
    journal = Journal.open(state_dir / "journal" / "journal.sqlite3", signer=device_key, secret=secret)
    evidence = ResponseEvidence()
    client = EgovClient(
        base_url=config.service.base_url,
        signer=device_key,
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=POLICY,
        session=evidence.install(requests.Session()),
    )
    outbox = Outbox(journal)
    sender = OutboxSender(outbox, client, evidence=evidence, backoff=Backoff(initial=0.05, maximum=0.5))
    while sender.send_due():  # resend what a killed run left behind, before anything new
        pass
    with journal.read() as connection:
        queued = {row[0] for row in connection.execute("SELECT subject FROM outbox")}
    for line in Path(voters_file).read_text().split():
        iin = parse_iin(line)
        if journal.subject(iin) in queued:
            continue
        sender.submit(TemporaryRegistrationRequest(iin, "id_card", "N" + line[-8:]), budget=5.0)
    while any(status.state == "pending" for status in outbox.statuses()):
        if not sender.send_due():
            time.sleep(0.05)
    sender.stop()
    journal.close()
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))

"""Several server processes share one port and one registry: a nonce seen by one is refused by all."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support import rfc9421
from support.egov import RunningService, start_service

from drivers.keystore.keyfile import key_id_for
from kiosk.egov.signatures import REQUEST_TAG
from simulator.egov.population import sample_voters
from simulator.egov.registry import Registry


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    running = start_service(tmp_path_factory.mktemp("workers"), voters=300, stations=3, workers=2)
    yield running
    running.stop()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(pid):
            found.append(int(stat.parent.name))
    return found


def test_two_processes_serve_and_share_the_seen_nonces(two_workers: RunningService) -> None:
    assert len(_children(two_workers.process.pid)) == 1
    private_key = ec.generate_private_key(ec.SECP256R1())
    key_id = key_id_for(private_key.public_key())
    registry = Registry(two_workers.paths.database)
    try:
        registry.enroll_device(private_key.public_key(), key_id, two_workers.station)
    finally:
        registry.close()
    iin = sample_voters(two_workers.paths.database, "listed_here", 1, station=two_workers.station)[0]
    body = json.dumps({"iin": iin, "station": two_workers.station}).encode()
    parts = urlsplit(two_workers.base_url)
    context = ssl.create_default_context(cafile=str(two_workers.paths.ca))
    statuses = []
    for _ in range(6):  # fresh connections land on either process; the same nonce is refused by both
        headers = rfc9421.signed_headers(
            private_key,
            method="POST",
            target_uri=two_workers.base_url + "/v1/registration-check",
            body=body,
            keyid=key_id,
            created=int(time.time()),
            nonce="same-nonce",
            tag=REQUEST_TAG,
        )
        connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, context=context, timeout=10)
        try:
            connection.request("POST", "/v1/registration-check", body=body, headers=headers)
            response = connection.getresponse()
            statuses.append((response.status, json.loads(response.read()).get("error", {}).get("reason")))
        finally:
            connection.close()
    assert statuses[0] == (200, None)
    assert statuses[1:] == [(401, "replayed_nonce")] * 5


def test_stopping_the_parent_stops_every_worker(tmp_path: Path) -> None:
    running = start_service(tmp_path, voters=100, stations=2, workers=3)
    children = _children(running.process.pid)
    assert len(children) == 2
    running.stop()
    for child in children:
        assert not Path(f"/proc/{child}").exists() or "Z" in Path(f"/proc/{child}/stat").read_text().split()[2]

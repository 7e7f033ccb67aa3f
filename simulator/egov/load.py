"""Many simulated kiosks at once: asynchronous clients, each with its own enrolled key and connection.

Each kiosk signs its requests and verifies every answer exactly as the real client does (the same
``kiosk.egov.signatures`` profile); only the HTTP transport is asynchronous (aiohttp), so that one process
can stand in for thousands of kiosks. Used by the load benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import HTTPMessageSignaturesException

from drivers.keystore.keyfile import FileKeyStore
from kiosk.egov.signatures import PublicKeys, sign_request, verify_response
from simulator.egov.registry import Registry


@dataclass
class _Request:
    method: str
    url: str
    headers: dict[str, str]


@dataclass
class _Response:
    status_code: int
    headers: Any
    request: _Request


@dataclass
class Outcome:
    """One request: how long it took from its scheduled start, and how it ended."""

    latency: float
    result: str  # an answer status ("listed_here", ...), or "error:<kind>"


@dataclass
class LoadReport:
    """What a load run measured."""

    clients: int
    duration: float
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def completed(self) -> int:
        """Requests that ended in a verified answer."""
        return sum(1 for outcome in self.outcomes if not outcome.result.startswith("error:"))

    @property
    def errors(self) -> dict[str, int]:
        """Failed requests by kind."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            if outcome.result.startswith("error:"):
                counts[outcome.result] = counts.get(outcome.result, 0) + 1
        return counts

    def percentile(self, fraction: float) -> float:
        """Latency percentile in seconds over verified answers."""
        latencies = sorted(outcome.latency for outcome in self.outcomes if not outcome.result.startswith("error:"))
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))]

    def summary(self) -> dict[str, Any]:
        """The figures a benchmark prints."""
        latencies = [outcome.latency for outcome in self.outcomes if not outcome.result.startswith("error:")]
        return {
            "clients": self.clients,
            "seconds": round(self.duration, 2),
            "checks": self.completed,
            "checks_per_second": round(self.completed / self.duration, 1) if self.duration else 0.0,
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
            "p99_ms": round(self.percentile(0.99) * 1000, 2),
            "errors": self.errors,
        }


class SimulatedKiosk:
    """One kiosk: a key, a station and one keep-alive HTTPS connection."""

    def __init__(self, *, key: FileKeyStore, station: int, base_url: str, ssl_context: ssl.SSLContext,
                 service_keys: PublicKeys, timeout: float, verify_every: int = 1) -> None:
        self.key = key
        # A real kiosk verifies every answer (verify_every=1). A load generator sharing the service's machine
        # may verify 1 answer in N so that its own CPU does not hide the service's capacity.
        self.verify_every = verify_every
        self._answers = 0
        self.station = station
        self.base_url = base_url
        self._ssl = ssl_context
        self._service_keys = service_keys
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Open the kiosk's connection pool (one connection)."""
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=1, ssl=self._ssl), timeout=self._timeout, auto_decompress=False
        )

    async def close(self) -> None:
        """Close the connection."""
        if self._session is not None:
            await self._session.close()

    async def check(self, iin: str) -> str:
        """A signed registration check; the verified answer's status, or ``error:<kind>``."""
        assert self._session is not None
        body = json.dumps({"iin": iin, "station": self.station}).encode()
        request = _Request("POST", self.base_url + "/v1/registration-check", {"Content-Type": "application/json"})
        sign_request(request, signer=self.key, body=body)
        try:
            async with self._session.post(request.url, data=body, headers=request.headers) as response:
                content = await response.read()
                self._answers += 1
                if self._answers % self.verify_every == 0:
                    try:
                        verify_response(
                            _Response(response.status, response.headers, request),
                            service_keys=self._service_keys,
                            body=content,
                        )
                    except HTTPMessageSignaturesException:
                        return "error:untrusted"
                if response.status != 200:
                    return f"error:http_{response.status}"
                return str(json.loads(content)["status"])
        except TimeoutError:
            return "error:timeout"
        except aiohttp.ClientError:
            return "error:connection"


def enroll_fleet(database: Path, count: int, stations: Sequence[int]) -> list[tuple[FileKeyStore, int]]:
    """Generate ``count`` device keys and enrol them directly in the registry, spread over ``stations``."""
    fleet = []
    registry = Registry(database)
    try:
        for index in range(count):
            key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
            station = stations[index % len(stations)]
            registry.enroll_device(key.public_key(), key.key_id, station)
            fleet.append((key, station))
    finally:
        registry.close()
    return fleet


async def run_load(
    kiosks: Sequence[SimulatedKiosk],
    voters_by_station: dict[int, list[str]],
    *,
    rate_per_kiosk: float | None,
    duration: float,
) -> LoadReport:
    """Each kiosk asks about its station's voters for ``duration`` seconds.

    With ``rate_per_kiosk`` (requests per second) the load is open: requests are scheduled at fixed times
    and latency counts from the scheduled time, so a slow server cannot hide its queue. Without it, each
    kiosk asks again as soon as it has its answer (closed loop: the saturation throughput).
    """
    report = LoadReport(clients=len(kiosks), duration=duration)
    for kiosk in kiosks:
        await kiosk.open()
    # Warm up: every kiosk connects (TLS handshake) and asks once before the clock starts, as kiosks that
    # have been standing in their stations since morning would have.
    for start in range(0, len(kiosks), 50):
        await asyncio.gather(*(kiosk.check(voters_by_station[kiosk.station][0]) for kiosk in kiosks[start:start + 50]))
    started = time.perf_counter()
    end = started + duration

    async def drive(index: int, kiosk: SimulatedKiosk) -> None:
        voters = voters_by_station[kiosk.station]
        count = 0
        interval = 1.0 / rate_per_kiosk if rate_per_kiosk else 0.0
        scheduled = started + (index / len(kiosks)) * interval  # spread the first requests over one interval
        while True:
            now = time.perf_counter()
            if interval:
                if scheduled >= end:
                    break
                if scheduled > now:
                    await asyncio.sleep(scheduled - now)
                begin = scheduled
                scheduled += interval
            else:
                if now >= end:
                    break
                begin = now
            result = await kiosk.check(voters[count % len(voters)])
            count += 1
            report.outcomes.append(Outcome(time.perf_counter() - begin, result))

    try:
        await asyncio.gather(*(drive(index, kiosk) for index, kiosk in enumerate(kiosks)))
    finally:
        for kiosk in kiosks:
            await kiosk.close()
    report.duration = max(time.perf_counter() - started, duration)
    return report

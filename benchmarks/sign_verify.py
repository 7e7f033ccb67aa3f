"""Cost of signing and verifying one request and one response with the RFC 9421 profile (median microseconds).

Measures the four steps of a signed exchange on this machine, in-process (no network):
  kiosk signs the request, the service verifies it (signature, digest, freshness, nonce lookup in memory),
  the service signs its answer, the kiosk verifies the answer.
Budget: signing plus verifying one request at most 1 ms.

    .venv/bin/python benchmarks/sign_verify.py [--rounds 2000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.keystore.keyfile import FileKeyStore
from kiosk.egov.signatures import PublicKeys, sign_request, sign_response, verify_response
from simulator.egov.registry import Device
from simulator.egov.server import ServiceKey
from simulator.egov.verification import RequestView, authenticate

BUDGET_US = 1000.0


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    request: Request


class InMemoryDevices:
    """The registry's two calls that verification makes, kept in memory so only signature work is timed."""

    def __init__(self, device: Device) -> None:
        self._device = device
        self._nonces: set[tuple[str, str]] = set()

    def device(self, key_id: str) -> Device | None:
        return self._device if key_id == self._device.key_id else None

    def remember_nonce(self, key_id: str, nonce: str, keep_until: float) -> bool:
        if (key_id, nonce) in self._nonces:
            return False
        self._nonces.add((key_id, nonce))
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    kiosk_key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    service_key = ServiceKey(ec.generate_private_key(ec.SECP256R1()))
    devices: Any = InMemoryDevices(Device(kiosk_key.key_id, kiosk_key.public_key(), 5, revoked=False))
    pinned = PublicKeys({service_key.key_id: service_key.private_key.public_key()})
    body = json.dumps({"iin": "850415300012", "station": 5, "purpose": "voter"}).encode()
    answer = json.dumps({"status": "not_listed", "may_register_temporarily": False}).encode()
    steps: dict[str, list[float]] = {"sign request": [], "verify request": [], "sign response": [],
                                     "verify response": []}
    for round_number in range(args.rounds + 100):
        request = Request("POST", "https://127.0.0.1:8443/v1/registration-check", {"Content-Type": "application/json"})
        t0 = time.perf_counter()
        sign_request(request, signer=kiosk_key, body=body)
        t1 = time.perf_counter()
        authenticate(devices, RequestView(request.method, request.url, request.headers), body)
        t2 = time.perf_counter()
        response = Response(200, {"Content-Type": "application/json"}, request)
        sign_response(response, signer=service_key, body=answer, bound_to_request=True)
        t3 = time.perf_counter()
        verify_response(response, service_keys=pinned, body=answer)
        t4 = time.perf_counter()
        if round_number >= 100:  # the first rounds warm caches up
            for name, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                steps[name].append(seconds * 1e6)
    medians = {name: statistics.median(values) for name, values in steps.items()}
    for name, median in medians.items():
        print(f"{name:16s} median {median:8.1f} us")
    request_pair = medians["sign request"] + medians["verify request"]
    response_pair = medians["sign response"] + medians["verify response"]
    print(f"request  sign + verify: {request_pair:.1f} us (ratio to the {BUDGET_US:.0f} us budget: "
          f"{request_pair / BUDGET_US:.2f})")
    print(f"response sign + verify: {response_pair:.1f} us (ratio: {response_pair / BUDGET_US:.2f})")


if __name__ == "__main__":
    main()

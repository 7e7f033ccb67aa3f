"""Fixtures for the simulated government services (loaded by tests/conftest.py as a plugin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support.egov import RunningService, start_service

from drivers.keystore.keyfile import key_id_for
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.wiring import service_client
from simulator.egov.registry import Registry

QUICK_POLICY = RetryPolicy(attempts=2, connect_timeout=1.0, read_timeout=1.5, deadline=4.0, backoff=0.05)
"""Retries short enough that a fault test fails fast, long enough for the service's ordinary answers."""


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    """One simulated service for the session (1500 voters, 6 stations), stopped by PID at the end."""
    running = start_service(tmp_path_factory.mktemp("egov"))
    yield running
    running.stop()


@pytest.fixture
def enrolled_key(service: RunningService) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A fresh key enrolled for the service's station (the test holds the private key)."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    key_id = key_id_for(private_key.public_key())
    registry = Registry(service.paths.database)
    try:
        registry.enroll_device(private_key.public_key(), key_id, service.station)
    finally:
        registry.close()
    return private_key, key_id


@pytest.fixture
def no_faults(service: RunningService) -> Iterator[None]:
    """The test starts and ends with the service's faults switched off (``pytestmark = usefixtures(...)``)."""
    service.set_faults(clear=True)
    yield
    service.set_faults(clear=True)


@pytest.fixture
def client_policy() -> RetryPolicy:
    """The retry policy of the ``client`` fixture; a module whose answers take longer overrides this."""
    return QUICK_POLICY


@pytest.fixture
def client(service: RunningService, client_policy: RetryPolicy) -> Iterator[EgovClient]:
    """A client wired from the kiosk configuration the service wrote, closed after the test."""
    made = service_client(service.config, policy=client_policy)
    yield made
    made.close()

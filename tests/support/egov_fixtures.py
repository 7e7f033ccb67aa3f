"""Fixtures for the simulated government services (loaded by tests/conftest.py as a plugin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support.egov import RunningService, start_service

from drivers.keystore.keyfile import key_id_for
from simulator.egov.registry import Registry


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

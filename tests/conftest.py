"""Shared fixtures: the pcscd session fixture (started as simulator mode starts it; helpers live in tests/support)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/ has no __init__.py; put it on the path so tests and benchmarks can import ``support.*``.
sys.path.insert(0, str(Path(__file__).parent))

from support.ci import skip_outside_ci

from simulator.dock.processes import PcscdHandle, SimulatorStartError, start_or_reuse_pcscd

pytest_plugins = ["support.egov_fixtures"]


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscdHandle]:
    """pcscd with the vpcd readers for the whole session: reused if running, else started (as root).

    Outside CI a machine without pcscd skips these tests with the reason; in CI (CI=true) that is a failure.
    """
    try:
        service = start_or_reuse_pcscd(tmp_path_factory.mktemp("pcscd"))
    except SimulatorStartError as error:
        skip_outside_ci(f"pcscd unavailable: {error}")
    yield service
    service.stop()

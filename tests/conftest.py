"""Shared fixtures: the pcscd session fixture (helpers live in tests/support)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# tests/ has no __init__.py; put it on the path so tests and benchmarks can import ``support.*``.
sys.path.insert(0, str(Path(__file__).parent))

from support.pcscd import PcscdService, PcscdUnavailableError, start_or_reuse_pcscd

pytest_plugins = ["support.egov_fixtures"]


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscdService]:
    """pcscd with the vpcd readers for the whole session: reused if running, else started (as root).

    Outside CI a machine without pcscd skips these tests with the reason; in CI (CI=true) that is a failure.
    """
    try:
        service = start_or_reuse_pcscd(tmp_path_factory.mktemp("pcscd"))
    except PcscdUnavailableError as error:
        if _running_in_ci():
            pytest.fail(f"pcscd is required in CI: {error}")
        pytest.skip(f"pcscd unavailable: {error}")
    yield service
    service.stop()

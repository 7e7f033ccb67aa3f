"""What a test does when something it needs is missing: skip on a developer's machine, fail in CI.

CI (``CI=true``) installs every tool the suite uses (scripts/setup.sh), so a missing one there is a broken
machine, not a reason to pass quietly.
"""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def running_in_ci() -> bool:
    """True when the ``CI`` environment variable says this run is CI's."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def skip_outside_ci(reason: str) -> NoReturn:
    """Skip the test with ``reason``; in CI, fail it with the same reason instead."""
    if running_in_ci():
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_program(program: str, package: str) -> str:
    """The path of ``program``; when it is not installed the test skips (fails in CI), naming the Debian package."""
    path = shutil.which(program)
    if path is None:
        skip_outside_ci(f"{program} is not installed (apt-get install {package})")
    return path

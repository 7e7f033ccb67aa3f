"""A real SoftHSM2 token in a temporary directory, for the PKCS#11 key store tests.

Each token gets its own ``softhsm2.conf`` and token directory, so tests never see each other's keys or the
machine's. SoftHSM2 reads ``SOFTHSM2_CONF`` in ``C_Initialize``, and python-pkcs11 keeps one initialised
library per path for the whole process, so activating a token sets the variable and then finalises and
initialises the library again; the teardown finalises it, so whatever runs next starts from its own
configuration.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest
from support.ci import skip_outside_ci

SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN_LABEL = "kiosk-test"
USER_PIN = "246810"
SO_PIN = "13579bdf"


class SoftHsmUnavailable(Exception):
    """softhsm2-util or the SoftHSM2 module is not installed."""


@dataclass(frozen=True)
class SoftHsmToken:
    """An initialised token and what is needed to open it."""

    module: Path
    config: Path
    label: str
    pin: str
    so_pin: str

    def write_pin_file(self, path: Path, pin: str | None = None) -> Path:
        """Write the PIN (or another one) to ``path``, newline-terminated as an editor would, mode 0600."""
        path.write_text((pin if pin is not None else self.pin) + "\n")
        path.chmod(0o600)
        return path


def _softhsm_util() -> str:
    found = shutil.which("softhsm2-util")
    if found is None or not SOFTHSM_MODULE.is_file():
        raise SoftHsmUnavailable("softhsm2 is not installed (apt-get install softhsm2)")
    return found


def create_token(root: Path, *, label: str = TOKEN_LABEL, pin: str = USER_PIN, so_pin: str = SO_PIN) -> SoftHsmToken:
    """Write a private configuration under ``root`` and initialise one token in it."""
    util = _softhsm_util()
    tokens = root / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = root / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    add_token(config, label=label, pin=pin, so_pin=so_pin, util=util)
    return SoftHsmToken(SOFTHSM_MODULE, config, label, pin, so_pin)


def add_token(config: Path, *, label: str, pin: str, so_pin: str = SO_PIN, util: str | None = None) -> None:
    """Initialise one more token in the configuration ``config`` (the first free slot)."""
    command = [util or _softhsm_util(), "--init-token", "--free", "--label", label, "--so-pin", so_pin, "--pin", pin]
    completed = subprocess.run(
        command, env={**os.environ, "SOFTHSM2_CONF": str(config)}, capture_output=True, text=True, check=False,
        timeout=30,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"softhsm2-util --init-token failed: {completed.stderr.strip() or completed.stdout.strip()}")


def reload_library(module: Path = SOFTHSM_MODULE) -> None:
    """Make the process's SoftHSM2 library read ``SOFTHSM2_CONF`` again (finalise, then initialise)."""
    library = pkcs11.lib(str(module))
    library.reinitialize()


def finalize_library(module: Path = SOFTHSM_MODULE) -> None:
    """Finalise the library if it is loaded, closing every session; the next ``pkcs11.lib`` initialises it."""
    library = pkcs11._loaded.get(str(module))
    if library is not None and library.initialized:
        library.finalize()


def softhsm_token(root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHsmToken]:
    """Body of a fixture: a fresh token under ``root``, active for this process and its children.

    Skips when SoftHSM2 is missing, except in CI (``CI=true``), where that is a failure.
    """
    try:
        token = create_token(root)
    except SoftHsmUnavailable as error:
        skip_outside_ci(f"SoftHSM2: {error}")
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.config))
    reload_library(token.module)
    try:
        yield token
    finally:
        finalize_library(token.module)

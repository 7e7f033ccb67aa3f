"""A real Kivy window for the UI tests: offscreen SDL (no display needed), one window and one app per session.

Kivy makes one window per process, so a session fixture builds the app once and each test starts a fresh voter
session on it (``VoterApp.start_session``) and drives the event loop frame by frame (``EventLoop.idle``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
os.environ.update({"KIVY_NO_ARGS": "1", "KIVY_NO_CONSOLELOG": "1", "KIVY_NO_FILELOG": "1", "KIVY_NO_CONFIG": "1",
                   "KIVY_HOME": _KIVY_HOME, "MESA_SHADER_CACHE_DISABLE": "true",
                   "LP_NUM_THREADS": os.environ.get("LP_NUM_THREADS", "0")})
sys.path.insert(0, str(Path(__file__).parent.parent / "runtime"))  # runtime_world, shared with those tests

from kivy.config import Config  # noqa: E402  (the environment must be set first)

Config.set("graphics", "width", "1280")
Config.set("graphics", "height", "800")
Config.set("graphics", "resizable", "0")

from runtime_world import VoterWorld, voter_world  # noqa: E402
from support.egov import RunningService  # noqa: E402
from ui_driver import UiDriver  # noqa: E402


def screenshot_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$KIOSK_SCREENSHOTS when set, else a temporary directory."""
    configured = os.environ.get("KIOSK_SCREENSHOTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def ui_world(service: RunningService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[VoterWorld]:
    with voter_world(service, tmp_path_factory.mktemp("ui-kiosk")) as world:
        yield world


@pytest.fixture(scope="session")
def ui_session(ui_world: VoterWorld, tmp_path_factory: pytest.TempPathFactory) -> Iterator[UiDriver]:
    driver = UiDriver.open(ui_world, screenshot_directory(tmp_path_factory))
    yield driver
    driver.close()


@pytest.fixture
def ui(ui_session: UiDriver, service: RunningService) -> Iterator[UiDriver]:
    """The app with a fresh voter session, no card in the reader, no faults, normal mode."""
    service.set_faults(clear=True)
    ui_session.reset()
    yield ui_session
    service.set_faults(clear=True)
    ui_session.world.reader.remove()

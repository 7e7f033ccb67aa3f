"""Drives the commission app in the UI tests' one window: touches on real widgets, frames, screenshots.

Kivy has one window per process and the voter UI tests may hold it with their app. The commission app is built
once (kept here) and, for each test, put into the window in place of whatever is there (:meth:`attach`), then
taken out again and the earlier content put back (:meth:`detach`), so both sets of tests run in one process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from commission_world import PIN, CommissionWorld, commission_world
from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from kivy.uix.widget import Widget
from runtime_world import ManualClock
from support.egov import RunningService
from ui_driver import walk

from kiosk.core.registration import Language
from kiosk.runtime.commission import CommissionParts, CommissionRuntime
from kiosk.ui.commission.app import CommissionApp
from kiosk.ui.commission.widgets import DeskButton, DeskToggle

_BUILT: list[CommissionApp] = []


class CommissionDriver:
    """The commission app, the world behind it, and the hands and eyes of a test."""

    def __init__(self, app: CommissionApp, world: CommissionWorld, screenshots: Path) -> None:
        self.app = app
        self.world = world
        self.screenshots = screenshots
        self._others: list[Widget] = []
        self.clock = ManualClock()

    @classmethod
    def open(cls, world: CommissionWorld, screenshots: Path) -> CommissionDriver:
        """The commission app on ``world`` (built once per process), not yet in the window."""
        if not _BUILT:
            app = CommissionApp(world.parts, production=True)
            EventLoop.ensure_window()
            others = list(Window.children)
            app._run_prepare()  # builds, adds its root to the window and starts a runtime
            EventLoop.start()
            Window.remove_widget(app.root)
            for widget in others:
                if widget.parent is None:
                    Window.add_widget(widget)
            _BUILT.append(app)
        return cls(_BUILT[0], world, screenshots)

    def attach(self, parts: CommissionParts | None = None) -> None:
        """Put the commission app in the window (alone) with a fresh runtime on ``parts`` and a fresh station
        clock, in Russian."""
        self._others = [widget for widget in Window.children if widget is not self.app.root]
        for widget in self._others:
            Window.remove_widget(widget)
        if self.app.root.parent is None:
            Window.add_widget(self.app.root)
        self.world.member_reader.remove()
        self.world.voter_reader.remove()
        self.clock = ManualClock()
        self.app.start_session(replace(parts or self.world.parts, clock=self.clock))
        self.app.set_language("ru")
        self.frames(3)

    def detach(self) -> None:
        """Stop the runtime, take the app out of the window and put back what was there."""
        if self.app.runtime is not None:
            self.app.runtime.stop()
        self.world.member_reader.remove()
        self.world.voter_reader.remove()
        self.frames(1)
        Window.remove_widget(self.app.root)
        for widget in reversed(self._others):
            if widget.parent is None:
                Window.add_widget(widget)
        self._others = []

    @property
    def runtime(self) -> CommissionRuntime:
        """The running commission runtime."""
        assert self.app.runtime is not None
        return self.app.runtime

    @property
    def screen_name(self) -> str:
        """The screen the window shows."""
        return self.app.screen

    @property
    def screen(self) -> Widget:
        """The Screen widget showing."""
        return self.app.screens[self.screen_name]  # type: ignore[no-any-return]

    # --- time and frames --------------------------------------------------------------------------------

    def frames(self, count: int = 1) -> None:
        """Let ``count`` frames pass."""
        for _ in range(count):
            EventLoop.idle()

    def until(self, condition: Callable[[], bool], timeout: float = 20.0) -> None:
        """Run frames until ``condition`` holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out on screen {self.screen_name}: {self.shown()[:400]}")
            EventLoop.idle()
        self.frames(2)

    def until_screen(self, name: str, timeout: float = 20.0) -> None:
        """Run frames until the window shows screen ``name``."""
        self.until(lambda: self.screen_name == name, timeout)

    def advance_clock(self, seconds: float) -> None:
        """Move the station clock on and let the runtime see the time pass."""
        self.clock.advance(seconds)
        self.runtime.tick()
        self.frames(2)

    # --- hands ------------------------------------------------------------------------------------------

    def tap_widget(self, widget: Widget) -> None:
        """Touch the centre of ``widget`` and lift the finger."""
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.frames(2)

    def button(self, action: str) -> DeskButton:
        """The enabled, visible button ``action`` of the screen showing (or of the bar)."""
        places: list[Widget] = [self.screen, self.app.root.ids.bar]
        for place in places:
            for widget in walk(place):
                if isinstance(widget, DeskButton) and widget.action == action and not widget.disabled \
                        and widget.opacity > 0:
                    return widget
        raise AssertionError(f"no button {action} on {self.screen_name}")

    def has_button(self, action: str) -> bool:
        """True when the screen offers button ``action``."""
        try:
            self.button(action)
        except AssertionError:
            return False
        return True

    def tap(self, action: str) -> None:
        """Touch button ``action``."""
        self.tap_widget(self.button(action))

    def toggle(self, value: str) -> None:
        """Touch the choice ``value`` on the screen (a reason or a language)."""
        for widget in walk(self.screen):
            if isinstance(widget, DeskToggle) and widget.value == value:
                self.tap_widget(widget)
                return
        raise AssertionError(f"no choice {value} on {self.screen_name}")

    def type_digits(self, digits: str) -> None:
        """Touch the keypad's digits one by one."""
        for digit in digits:
            self.tap(f"digit_{digit}")

    def insert_member_card(self) -> None:
        """Put a member card in the member reader and wait for the PIN screen."""
        self.world.insert_member_card()
        self.until_screen("pin")

    def log_in(self) -> None:
        """Insert the member card, type the right PIN, wait for the home screen."""
        self.insert_member_card()
        self.type_digits(PIN)
        self.tap("enter")
        self.until_screen("home")

    def language(self, language: Language) -> None:
        """Switch the member's language."""
        self.app.set_language(language)
        self.frames(2)

    # --- eyes -------------------------------------------------------------------------------------------

    def shown(self) -> str:
        """Everything the window shows, as one string."""
        return "\n".join(widget.text for widget in walk(Window)
                         if isinstance(widget, Label) and widget.text and widget.opacity > 0)

    def screenshot(self, name: str) -> Path:
        """Save the window as ``<name>.png`` in the screenshot directory."""
        self.frames(2)
        saved = Path(Window.screenshot(name=str(self.screenshots / f"{name}.png")))
        target = self.screenshots / f"{name}.png"
        saved.replace(target)
        return target


def screenshot_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$KIOSK_SCREENSHOTS when set, else a temporary directory."""
    configured = os.environ.get("KIOSK_SCREENSHOTS")
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("commission-screenshots")


@pytest.fixture(scope="module")
def desk_world(service: RunningService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommissionWorld]:
    """A commission desk's world for the module's tests."""
    with commission_world(service, tmp_path_factory.mktemp("commission-ui")) as world:
        yield world


@pytest.fixture
def desk(desk_world: CommissionWorld, service: RunningService,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommissionDriver]:
    """The commission app in the window with a fresh runtime, no card in either reader, no faults."""
    service.set_faults(clear=True)
    driver = CommissionDriver.open(desk_world, screenshot_directory(tmp_path_factory))
    driver.attach()
    yield driver
    driver.detach()
    service.set_faults(clear=True)

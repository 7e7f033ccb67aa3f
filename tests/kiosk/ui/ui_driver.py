"""Drives the voter app in the test's window: touches on real widgets, key presses, frames, screenshots."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.label import Label
from kivy.uix.widget import Widget
from runtime_world import VoterWorld

from kiosk.runtime.parts import VoterParts
from kiosk.runtime.voter import VoterRuntime
from kiosk.ui.app import VoterApp


class UiDriver:
    """The app, the world behind it, and the hands and eyes of a test."""

    def __init__(self, app: VoterApp, world: VoterWorld, screenshots: Path) -> None:
        self.app = app
        self.world = world
        self.screenshots = screenshots

    @classmethod
    def open(cls, world: VoterWorld, screenshots: Path) -> UiDriver:
        """Build the app on ``world`` and show its first frame."""
        app = VoterApp(world.parts, production=True)
        app._run_prepare()
        EventLoop.start()
        driver = cls(app, world, screenshots)
        driver.frames(3)
        return driver

    def close(self) -> None:
        """Stop the app."""
        self.app.stop()
        EventLoop.close()

    def reset(self, parts: VoterParts | None = None) -> None:
        """A fresh voter session on ``parts`` (the world's by default), normal display mode."""
        self.world.reader.remove()
        self.app.theme.mode = "normal"
        self.app.start_session(parts or self.world.parts)
        self.world.speaker.clear()
        self.frames(2)

    @property
    def runtime(self) -> VoterRuntime:
        """The running voter runtime."""
        assert self.app.runtime is not None
        return self.app.runtime

    @property
    def screen_name(self) -> str:
        """The screen the window shows."""
        return str(self.app.root.ids.screens.current)

    # --- time and frames --------------------------------------------------------------------------------

    def frames(self, count: int = 1) -> None:
        """Let ``count`` frames pass."""
        for _ in range(count):
            EventLoop.idle()

    def until(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        """Run frames until ``condition`` holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out on screen {self.screen_name}")
            EventLoop.idle()
        self.frames(2)

    def until_screen(self, name: str, timeout: float = 15.0) -> None:
        """Run frames until the window shows screen ``name``."""
        self.until(lambda: self.screen_name == name, timeout)

    def advance_clock(self, seconds: float) -> None:
        """Move the station clock on and deliver a Tick."""
        from kiosk.core.voter_session_events import Tick  # noqa: PLC0415

        self.world.clock.advance(seconds)
        self.runtime.send(Tick())
        self.frames(2)

    # --- hands ------------------------------------------------------------------------------------------

    def tap_widget(self, widget: Widget) -> None:
        """Touch the centre of ``widget`` and lift the finger."""
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.frames(2)

    def tap(self, control_name: str) -> None:
        """Touch the button of control ``control_name`` (it must be on offer and visible)."""
        widgets = self.app.control_widgets()
        offered = [control.name for control in self.app.offered_controls]
        assert control_name in widgets, f"{control_name} not on {self.screen_name}: {offered}"
        self.tap_widget(widgets[control_name])

    def key(self, key: int, codepoint: str | None = None) -> None:
        """Press a key of the tactile keypad."""
        Window.dispatch("on_key_down", key, 0, codepoint, [])
        Window.dispatch("on_key_up", key, 0)
        self.frames(2)

    # --- eyes -------------------------------------------------------------------------------------------

    def texts(self, root: Widget | None = None) -> list[str]:
        """The text of every label and button under ``root`` (the window by default)."""
        return [widget.text for widget in walk(root or Window) if isinstance(widget, Label) and widget.text]

    def shown(self) -> str:
        """Everything the window shows, as one string."""
        return "\n".join(self.texts())

    def screenshot(self, name: str) -> Path:
        """Save the window as ``<name>.png`` in the screenshot directory."""
        self.frames(2)
        saved = Path(Window.screenshot(name=str(self.screenshots / f"{name}.png")))
        target = self.screenshots / f"{name}.png"
        saved.replace(target)
        return target

    def said(self) -> str:
        """Everything the speaker said so far, waiting for the queue to empty first."""
        self.runtime.wait_until_quiet()
        return "\n".join(list(self.world.speaker.spoken_texts))

    def with_parts(self, **changes: object) -> VoterParts:
        """The world's parts with ``changes``."""
        return replace(self.world.parts, **changes)  # type: ignore[arg-type]


def walk(root: Widget) -> Iterator[Widget]:
    """Every widget under ``root``, the window's children included."""
    stack = list(root.children)
    while stack:
        widget = stack.pop()
        yield widget
        stack.extend(widget.children)


def widget_property_leftovers(root: Widget, needles: tuple[str, ...]) -> list[str]:
    """``Class.property`` of every widget under ``root`` whose value (or an item of it) holds a needle."""
    found = []
    for widget in [root, *walk(root)]:
        for name in widget.properties():
            try:
                value = getattr(widget, name)
            except Exception:  # a property that cannot be read holds nothing we look for
                continue
            if _holds(value, needles):
                found.append(f"{type(widget).__name__}.{name}")
    return found


def _holds(value: object, needles: tuple[str, ...], depth: int = 0) -> bool:
    if isinstance(value, str):
        return any(needle in value for needle in needles)
    if depth < 3 and isinstance(value, list | tuple | dict):
        items = value.values() if isinstance(value, dict) else value
        return any(_holds(item, needles, depth + 1) for item in items)
    return False

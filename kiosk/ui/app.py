"""The voter's touchscreen application: a ScreenManager of the voter screens, driven by ``VoterRuntime``.

Touches on control buttons and keys of a tactile keypad become session events: arrows move the focus along the
session's focusable controls (each focus change spoken), Enter selects, Escape goes back, F1 or "?" repeats the
prompt, digits type on the keypad screen. Escape never closes the app, and in production nothing closes it (no
way out to the desktop, DESIGN.md section 7).

Given the signed station configuration, the app keeps to the station's voting hours: while the station is closed
it shows the "closed" screen (hours and next opening, in every language of the station) and runs no voter
session; it polls the station's clock and starts a session at opening time by itself. At closing time a voter
in the middle of a session finishes; the closed screen comes at the session's next return to attract.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from kivy.app import App
from kivy.clock import Clock
from kivy.config import Config
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.core.station_config import StationConfig, is_open
from kiosk.core.voter_session import Control, Transition, VoterSession, focusable_controls
from kiosk.core.voter_session_events import Activity, Back, DigitErased, DigitTyped, Help
from kiosk.core.voter_session_states import Attract, KeypadEntry
from kiosk.runtime.parts import VoterParts
from kiosk.runtime.voter import VoterRuntime
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import KioskButton, control_buttons

# Escape is the keypad's Back key, never "close the app" (Kivy's default).
Config.set("kivy", "exit_on_escape", "0")

UI_DIRECTORY = Path(__file__).parent

# Kivy key codes (kivy/core/window/__init__.py, Keyboard.keycodes).
KEY_BACKSPACE: Final = 8
KEY_TAB: Final = 9
KEY_ENTER: Final = 13
KEY_ESCAPE: Final = 27
KEY_SPACE: Final = 32
KEY_UP: Final = 273
KEY_DOWN: Final = 274
KEY_RIGHT: Final = 275
KEY_LEFT: Final = 276
KEY_NUMPAD_ENTER: Final = 271
KEY_F1: Final = 282
HOURS_POLL_SECONDS: Final = 5.0  # how soon after opening time the kiosk opens by itself
CLOSED_SCREEN_NAME: Final = "closed"  # kiosk.ui.screens.closed loads after the Window is configured
PREVIOUS_KEYS: Final = frozenset({KEY_UP, KEY_LEFT})
NEXT_KEYS: Final = frozenset({KEY_DOWN, KEY_RIGHT, KEY_TAB})
SELECT_KEYS: Final = frozenset({KEY_ENTER, KEY_NUMPAD_ENTER, KEY_SPACE})


class VoterRoot(BoxLayout):
    """The screens above, the always-visible accessibility and language bar below."""


class BottomBar(BoxLayout):
    """Display modes, languages and "repeat": on every screen, within reach from a seated position."""


class VoterApp(App):
    """The voter's touchscreen. ``production`` refuses every request to close the window."""

    tr = ObjectProperty(None)
    theme = ObjectProperty(None)
    language = StringProperty("kk")
    station_number = NumericProperty(0)
    attract_showing = BooleanProperty(True)
    closed_showing = BooleanProperty(False)

    def __init__(self, parts: VoterParts, *, production: bool = True, fullscreen: bool = False,
                 station_config: StationConfig | None = None, hours_poll_seconds: float = HOURS_POLL_SECONDS,
                 **kwargs: Any) -> None:
        self.theme = Theme()
        super().__init__(**kwargs)
        self.use_kivy_settings = False
        self.production = production
        self.fullscreen = fullscreen
        self._parts = parts
        self.tr = parts.translator(parts.default_language)
        self.language = parts.default_language
        self.station_number = parts.station.number
        self.runtime: VoterRuntime | None = None
        self.screens: dict[str, Any] = {}
        self._controls: tuple[Control, ...] = ()
        self._focus = -1
        self._screen_name = ""
        self.station_config = station_config
        self._hours_poll_seconds = hours_poll_seconds
        self._hours_poll: Any = None

    # --- building -----------------------------------------------------------------------------------------

    def build(self) -> VoterRoot:
        """Load the kv files and the screens; the screen manager holds one screen per session screen."""
        from kiosk.ui import screens as _screens  # noqa: F401, PLC0415  (after the Window configuration)
        from kiosk.ui.more_time import MoreTimeOverlay  # noqa: PLC0415
        from kiosk.ui.screen_table import screen_classes  # noqa: PLC0415

        for kv in ("widgets.kv", "app.kv"):
            path = str(UI_DIRECTORY / kv)
            if path not in Builder.files:
                Builder.load_file(path)
        root = VoterRoot()
        manager: ScreenManager = root.ids.screens
        manager.transition = NoTransition()
        for name, screen_class in screen_classes().items():
            screen = screen_class(name=name)
            self.screens[name] = screen
            manager.add_widget(screen)
        from kiosk.ui.screens.closed import ClosedScreen  # noqa: PLC0415

        # Kept with the session's screens (every wipe clears it too), though no session state shows it.
        self.screens[CLOSED_SCREEN_NAME] = ClosedScreen(name=CLOSED_SCREEN_NAME)
        manager.add_widget(self.screens[CLOSED_SCREEN_NAME])
        self.overlay = MoreTimeOverlay()
        for button in control_buttons(root.ids.bottom):
            button.bind(on_release=self._pressed)
        for screen in self.screens.values():
            for button in control_buttons(screen):
                button.bind(on_release=self._pressed)
        for button in control_buttons(self.overlay):
            button.bind(on_release=self._pressed)
        return root

    def on_start(self) -> None:
        """Listen to keys and touches, go full screen if asked, start the session."""
        from kivy.core.window import Window  # noqa: PLC0415

        Window.bind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)
        Window.bind(on_touch_down=self._on_any_touch)
        if self.fullscreen:
            Window.borderless = True
            Window.fullscreen = "auto"
        if self.station_config is not None and not is_open(self.station_config, self._parts.clock()):
            self.show_closed()
        else:
            self.start_session(self._parts)
        self.watch_hours(self.station_config, self._hours_poll_seconds)

    def on_stop(self) -> None:
        """Stop the runtime's threads and the hours poll."""
        if self._hours_poll is not None:
            self._hours_poll.cancel()
        if self.runtime is not None:
            self.runtime.stop()

    def open_settings(self, *_args: object) -> bool:
        """Kivy's settings panel (F1 by default) must never open on a voter screen."""
        return False

    def start_session(self, parts: VoterParts) -> VoterRuntime:
        """Start a fresh runtime on ``parts`` (stopping the previous one): the app's start, and a test's."""
        if self.runtime is not None:
            self.runtime.stop()
        self._parts = parts
        self.closed_showing = False
        self.station_number = parts.station.number
        runtime = VoterRuntime(parts, self.post)
        self.runtime = runtime
        runtime.add_listener(lambda transition: self._on_transition(runtime, transition))
        runtime.start()
        self._screen_name = ""
        self.render(runtime.session)
        return runtime

    # --- voting hours -----------------------------------------------------------------------------------

    def watch_hours(self, station_config: StationConfig | None, poll_seconds: float = HOURS_POLL_SECONDS) -> None:
        """Keep to ``station_config``'s voting hours (None: always open), checking every ``poll_seconds``."""
        if self._hours_poll is not None:
            self._hours_poll.cancel()
            self._hours_poll = None
        self.station_config = station_config
        self._hours_poll_seconds = poll_seconds
        if station_config is not None:
            self._hours_poll = Clock.schedule_interval(lambda _delta: self.check_hours(), poll_seconds)
        self.check_hours()

    def check_hours(self) -> None:
        """Open at opening time; close when the station is closed and no voter is in a session."""
        station_config = self.station_config
        now = self._parts.clock()
        if station_config is None or is_open(station_config, now):
            if self.closed_showing:
                self.start_session(self._parts)
            return
        runtime = self.runtime
        if self.closed_showing:
            self.closed_screen.show_hours(station_config, now, self._parts.translator)  # the next opening moves
        elif runtime is None or (isinstance(runtime.session.screen, Attract) and runtime.session.more_time is None):
            self.show_closed()

    def show_closed(self) -> None:
        """Stop the voter session (nothing personal is on it: it is at attract or was never started) and show
        the station's hours instead."""
        assert self.station_config is not None
        if self.runtime is not None:
            self.runtime.stop()
            self.runtime = None
        for name, screen in self.screens.items():
            if name != CLOSED_SCREEN_NAME:
                screen.clear()
        self.overlay.prompt = ""
        if self.overlay.parent is not None:
            self.overlay.dismiss(animation=False)
        self.closed_showing = True
        self._set_focus(-1, speak=False)
        self._controls = ()
        self.closed_screen.show_hours(self.station_config, self._parts.clock(), self._parts.translator)
        self.attract_showing = True  # no language or session control on the bar
        self.root.ids.screens.current = self.closed_screen.name

    @property
    def closed_screen(self) -> Any:
        """The "closed" screen (a ``kiosk.ui.screens.closed.ClosedScreen``)."""
        return self.screens[CLOSED_SCREEN_NAME]

    @staticmethod
    def post(callback: Any) -> None:
        """Run ``callback`` on the UI thread at the next frame (safe from any thread)."""
        Clock.schedule_once(lambda _delta: callback(), 0)

    # --- showing the session ----------------------------------------------------------------------------

    def _on_transition(self, runtime: VoterRuntime, transition: Transition) -> None:
        if runtime is self.runtime:  # a stopped runtime's late reports are not shown
            self.render(transition.state)

    def render(self, session: VoterSession) -> None:
        """Show ``session``: its screen, its texts in its language, the "more time?" question, its controls."""
        assert self.runtime is not None
        if session.language != self.language or self.tr.language != session.language:
            self.tr = self.runtime.translator()
            self.language = session.language
        name = session.screen.name
        screen = self.screens[name]
        changed = name != self._screen_name
        if isinstance(session.screen, Attract):
            for other in self.screens.values():
                other.clear()
            self.overlay.prompt = ""
        screen.show(session, self.tr)
        manager: ScreenManager = self.root.ids.screens
        if manager.current != name:
            manager.current = name
        self._screen_name = name
        self.attract_showing = isinstance(session.screen, Attract)
        self._show_more_time(session)
        controls = focusable_controls(session)
        bottom = {button.control_name for button in control_buttons(self.root.ids.bottom) if not button.disabled}
        screen.place_actions(controls, bottom, self.tr, self.press)
        if changed or controls != self._controls or (session.more_time is not None and self._focus >= len(controls)):
            self._set_focus(-1, speak=False)
        self._controls = controls

    def _show_more_time(self, session: VoterSession) -> None:
        from kiosk.ui.screens.base import prompt_text  # noqa: PLC0415

        if session.more_time is None:
            if self.overlay.parent is not None:
                self.overlay.dismiss(animation=False)
            self.overlay.prompt = ""
            return
        self.overlay.prompt = prompt_text(session, self.tr)
        if self.overlay.parent is None:
            self.overlay.open(animation=False)

    # --- controls and focus -------------------------------------------------------------------------------

    def control_widgets(self) -> dict[str, KioskButton]:
        """The widget standing for each control now on offer: the overlay's, the screen's, then the bar's."""
        if self.closed_showing:
            return {}
        places = [self.overlay] if self.overlay.parent is not None else [self.screens[self._screen_name],
                                                                           self.root.ids.bottom]
        found: dict[str, KioskButton] = {}
        for place in places:
            for button in control_buttons(place):
                if not button.disabled and button.control_name not in found:
                    found[button.control_name] = button
        return {control.name: found[control.name] for control in self._controls if control.name in found}

    def press(self, control_name: str) -> None:
        """The voter selected ``control_name`` (touch or Enter): send its event."""
        for control in self._controls:
            if control.name == control_name and self.runtime is not None:
                self.runtime.send(control.event)
                return

    def _pressed(self, button: KioskButton) -> None:
        self.press(button.control_name)

    def _set_focus(self, index: int, *, speak: bool) -> None:
        for button in self.control_widgets().values():
            button.focused = False
        for screen in self.screens.values():
            for button in control_buttons(screen):
                button.focused = False
        self._focus = index
        if not 0 <= index < len(self._controls):
            return
        control = self._controls[index]
        widget = self.control_widgets().get(control.name)
        if widget is not None:
            widget.focused = True
        if speak and self.runtime is not None:
            self.runtime.say(control.label_key)

    def move_focus(self, step: int) -> None:
        """Move the focus ``step`` controls along (wrapping), and say the newly focused control."""
        if not self._controls:
            return
        start = self._focus if self._focus >= 0 else (-1 if step > 0 else 0)
        self._set_focus((start + step) % len(self._controls), speak=True)

    @property
    def offered_controls(self) -> tuple[Control, ...]:
        """The controls of the current state, in focus order."""
        return self._controls

    @property
    def focused_control(self) -> Control | None:
        """The control holding the keypad focus, if any."""
        return self._controls[self._focus] if 0 <= self._focus < len(self._controls) else None

    # --- keys and touches -------------------------------------------------------------------------------

    def _on_key_down(self, _window: object, key: int, _scancode: int, codepoint: str | None,
                     _modifiers: list[str]) -> bool:
        runtime = self.runtime
        if runtime is None:
            return True
        if key == KEY_ESCAPE:
            runtime.send(Back())
        elif key in PREVIOUS_KEYS:
            runtime.send(Activity())
            self.move_focus(-1)
        elif key in NEXT_KEYS:
            runtime.send(Activity())
            self.move_focus(1)
        elif key in SELECT_KEYS:
            control = self.focused_control
            if control is None:
                runtime.send(Help())  # nothing focused yet: tell the voter where they are and which keys work
            else:
                runtime.send(control.event)
        elif key == KEY_F1 or codepoint == "?":
            runtime.send(Help())
        elif codepoint is not None and codepoint.isascii() and codepoint.isdigit() \
                and isinstance(runtime.session.screen, KeypadEntry):
            runtime.send(DigitTyped(codepoint))
        elif key == KEY_BACKSPACE and isinstance(runtime.session.screen, KeypadEntry):
            runtime.send(DigitErased())
        else:
            runtime.send(Activity())
        return True  # every key is the kiosk's: none reaches Kivy's defaults (Escape closing the app)

    def _on_any_touch(self, _window: object, _touch: object) -> bool:
        if self.runtime is not None:
            self.runtime.send(Activity())
        return False  # the touch goes on to the widget under it

    def _on_request_close(self, *_args: object, **_kwargs: object) -> bool:
        return self.production  # True keeps the window open


def run_voter_app(parts: VoterParts, *, fullscreen: bool, station_config: StationConfig | None = None) -> None:
    """Run the voter's touchscreen on ``parts`` until the process ends (full screen and borderless if asked);
    with ``station_config``, only during its voting hours (the closed screen otherwise)."""
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
    VoterApp(parts, production=True, fullscreen=fullscreen, station_config=station_config).run()

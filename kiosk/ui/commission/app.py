"""The commission member's touchscreen: a ScreenManager of the commission screens, driven by ``CommissionRuntime``.

A separate app from the voter's (``kiosk.ui.app``): it is started on its own by :func:`run_commission_app`, and no
voter screen can reach it or anything it shows. Every touch restarts the inactivity timer; the bar at the bottom
switches the member's language and locks the kiosk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.config import Config
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.core.commission_auth import LoggedIn
from kiosk.core.registration import Language, Station
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionParts, CommissionRuntime, CommissionView, screen_name
from kiosk.ui.commission.look import LOOK

Config.set("kivy", "exit_on_escape", "0")

COMMISSION_DIRECTORY = Path(__file__).parent


class CommissionRoot(BoxLayout):
    """The screens above, the language and lock bar below; ``desk`` is the app."""

    desk = ObjectProperty(None, allownone=True)
    logged_in = BooleanProperty(False)
    station_label = StringProperty("")


class CommissionApp(App):
    """The commission desk's touchscreen over a :class:`CommissionRuntime`."""

    language = StringProperty("ru")
    logged_in = BooleanProperty(False)
    station_label = StringProperty("")

    def __init__(self, parts: CommissionParts, *, production: bool = True, fullscreen: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.use_kivy_settings = False
        self.production = production
        self.fullscreen = fullscreen
        self._parts = parts
        self.station: Station = parts.station
        self.runtime: CommissionRuntime | None = None
        self.screens: dict[str, Any] = {}
        self.set_language(parts.default_language)

    # --- building -----------------------------------------------------------------------------------------

    def build(self) -> CommissionRoot:
        """Load the kv files and one screen per commission screen."""
        from kiosk.ui.commission.screen_table import SCREEN_CLASSES  # noqa: PLC0415  (after the Window is set up)

        path = str(COMMISSION_DIRECTORY / "app.kv")
        if path not in Builder.files:
            Builder.load_file(path)
        root = CommissionRoot()
        root.desk = self
        root.station_label = self.station_label
        self.bind(logged_in=root.setter("logged_in"), station_label=root.setter("station_label"))
        manager: ScreenManager = root.ids.screens
        manager.transition = NoTransition()
        for name, screen_class in SCREEN_CLASSES.items():
            screen = screen_class(name=name, desk=self)
            self.screens[name] = screen
            manager.add_widget(screen)
        return root

    def on_start(self) -> None:
        """Listen to touches, go full screen if asked, start the runtime."""
        from kivy.core.window import Window  # noqa: PLC0415

        Window.bind(on_touch_down=self._on_any_touch, on_request_close=self._on_request_close)
        if self.fullscreen:
            Window.borderless = True
            Window.fullscreen = "auto"
        self.start_session(self._parts)

    def on_stop(self) -> None:
        """Stop the runtime's threads."""
        if self.runtime is not None:
            self.runtime.stop()

    def open_settings(self, *_args: object) -> bool:
        """Kivy's settings panel never opens."""
        return False

    def start_session(self, parts: CommissionParts) -> CommissionRuntime:
        """A fresh runtime on ``parts`` (stopping the previous one): the app's start, and a test's."""
        if self.runtime is not None:
            self.runtime.stop()
        self._parts = parts
        self.station = parts.station
        runtime = CommissionRuntime(parts, self.post)
        self.runtime = runtime
        runtime.add_listener(lambda view: self._on_view(runtime, view))
        for screen in self.screens.values():
            screen.clear()
        runtime.start()
        self.render(runtime.view)
        return runtime

    @staticmethod
    def post(callback: Any) -> None:
        """Run ``callback`` on the UI thread at the next frame (safe from any thread)."""
        Clock.schedule_once(lambda _delta: callback(), 0)

    # --- showing ----------------------------------------------------------------------------------------

    def set_language(self, language: Language) -> None:
        """Show every text in ``language``."""
        self.language = language
        LOOK.language = language
        LOOK.tr = self._parts.translator(language)
        self.station_label = LOOK.tr.gettext("commission.ui.station", station=self.station.number)
        if self.runtime is not None:
            self.render(self.runtime.view)

    def _on_view(self, runtime: CommissionRuntime, view: CommissionView) -> None:
        if runtime is self.runtime:
            self.render(view)

    def render(self, view: CommissionView) -> None:
        """Show ``view``: its screen, in the member's language; a lock forgets every screen's content."""
        assert self.runtime is not None
        was_logged_in = self.logged_in
        self.logged_in = isinstance(view.auth, LoggedIn)
        if was_logged_in and not self.logged_in:
            for screen in self.screens.values():
                screen.clear()
        name = screen_name(view)
        self.screens[name].show(view, LOOK.tr, self.runtime.now())
        if self.root is not None:
            manager: ScreenManager = self.root.ids.screens
            if manager.current != name:
                manager.current = name

    def parts_translator(self, language: Language) -> Translator:
        """The translator of ``language`` the app was handed."""
        return self._parts.translator(language)

    @property
    def screen(self) -> str:
        """The screen the window shows."""
        return str(self.root.ids.screens.current)

    def _on_any_touch(self, _window: object, _touch: object) -> bool:
        if self.runtime is not None:
            self.runtime.touched()
        return False

    def _on_request_close(self, *_args: object, **_kwargs: object) -> bool:
        return self.production


def run_commission_app(parts: CommissionParts, fullscreen: bool) -> None:
    """Run the commission's touchscreen on ``parts`` until the process ends (full screen if asked)."""
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
    CommissionApp(parts, production=True, fullscreen=fullscreen).run()

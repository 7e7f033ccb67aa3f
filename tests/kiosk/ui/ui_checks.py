"""Checks shared by the UI tests: nothing personal left after a return to attract."""

from __future__ import annotations

from kivy.core.window import Window
from runtime_world import personal_data_paths
from ui_driver import UiDriver, widget_property_leftovers

from kiosk.core.voter_session_states import Attract

# The devices the runtime was handed keep their own history (what the speaker said, what was printed).
DEVICES = frozenset({"_parts", "_speaker"})


def personal_needles(ui: UiDriver) -> tuple[str, ...]:
    """The IIN and names of the voter the current screen holds (call on a screen holding an identity)."""
    identity = getattr(ui.runtime.session.screen, "identity", None)
    assert identity is not None, f"screen {ui.screen_name} holds no identity"
    return tuple(value for value in (identity.iin.value, identity.surname, identity.given_names) if value)


def assert_nothing_personal_left(ui: UiDriver, needles: tuple[str, ...]) -> None:
    """After a return to attract: no widget, Kivy property, app, runtime or session object holds a needle."""
    ui.until_screen("attract")
    assert isinstance(ui.runtime.session.screen, Attract)
    screens = list(ui.app.screens.values())
    widgets = [Window, ui.app.overlay, *screens]
    leftovers = [where for root in widgets for where in widget_property_leftovers(root, needles)]
    assert leftovers == [], leftovers
    runtime_leftovers = personal_data_paths(ui.runtime, needles, skip=DEVICES)
    assert runtime_leftovers == [], runtime_leftovers
    assert personal_data_paths(ui.runtime.session, needles) == []
    assert personal_data_paths(ui.app, needles, skip=frozenset({"_parts", "runtime", "root", "overlay", "screens",
                                                                "_app_window"})) == []

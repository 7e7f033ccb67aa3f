"""Widgets of the commission screens: buttons, texts, the numeric keypad for the PIN and the IIN."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.button import Button
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.togglebutton import ToggleButton


class DeskButton(Button):
    """A large button of the commission screens; ``action`` names it for tests and the keypad focus."""

    action = StringProperty("")
    danger = BooleanProperty(False)


class DeskToggle(ToggleButton):
    """A choice among several (decision, reason, language); ``value`` is what choosing it means."""

    value = StringProperty("")


class DeskText(Label):
    """A wrapping block of text as tall as its content."""


class DeskTitle(Label):
    """A screen's title line."""


class DigitPad(GridLayout):
    """A 3x4 numeric keypad: dispatches ``on_digit`` with "0".."9", ``on_erase`` and ``on_enter``."""

    __events__ = ("on_digit", "on_erase", "on_enter")

    def on_digit(self, *_args: Any) -> None:
        """A digit was pressed (handled by the owning screen)."""

    def on_erase(self, *_args: Any) -> None:
        """The erase key was pressed."""

    def on_enter(self, *_args: Any) -> None:
        """The OK key was pressed."""


def load_kv(module_file: str) -> None:
    """Load the .kv file beside ``module_file`` once (one .kv per screen)."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


load_kv(__file__)

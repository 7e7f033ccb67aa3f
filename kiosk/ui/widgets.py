"""Widgets every voter screen shares: buttons that can hold the keypad focus, text blocks, the action row."""

from __future__ import annotations

from collections.abc import Iterator

from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.widget import Widget


class KioskButton(Button):
    """A large button; ``control_name`` ties it to a control of the voter session (empty: a UI-only button)."""

    control_name = StringProperty("")
    focused = BooleanProperty(False)
    selected = BooleanProperty(False)


class BodyText(Label):
    """A wrapping block of text as tall as its content."""


class Headline(Label):
    """A short, large line (an answer, a desk number)."""


class ColourSwatch(Widget):
    """A square of a ballot's paper colour, outlined so white paper shows on a white screen."""

    swatch = ColorProperty((1, 1, 1, 1))


class ActionRow(BoxLayout):
    """The row of action buttons at the bottom of a screen, filled from the session's controls."""


def control_buttons(root: Widget) -> Iterator[KioskButton]:
    """Every button under ``root`` that stands for a session control."""
    for widget in root.walk(restrict=True):
        if isinstance(widget, KioskButton) and widget.control_name:
            yield widget


# Paper colours the service names (simulator and service use these words), as RGBA.
BALLOT_COLOURS: dict[str, tuple[float, float, float, float]] = {
    "white": (1, 1, 1, 1),
    "blue": (0.35, 0.55, 0.9, 1),
    "light_blue": (0.6, 0.8, 1, 1),
    "green": (0.45, 0.8, 0.45, 1),
    "yellow": (1, 0.9, 0.3, 1),
    "pink": (1, 0.7, 0.8, 1),
    "orange": (1, 0.65, 0.3, 1),
    "grey": (0.7, 0.7, 0.7, 1),
    "red": (0.9, 0.35, 0.35, 1),
    "purple": (0.7, 0.55, 0.9, 1),
}
UNKNOWN_COLOUR = (0.5, 0.5, 0.5, 1)


def ballot_colour(name: str) -> tuple[float, float, float, float]:
    """The RGBA of a ballot paper colour name (grey when the name is unknown)."""
    return BALLOT_COLOURS.get(name.strip().lower().replace(" ", "_"), UNKNOWN_COLOUR)


class ProgressSweep(Widget):
    """A bar with a block sweeping along it (``sweep`` 0..1): work is going on, without pretending to know how
    much is left."""

    sweep = NumericProperty(0.0)


class CardPicture(Widget):
    """A drawing of an ID card going into the reader (decoration)."""


class CodePicture(Widget):
    """A drawing of a phone showing a QR code (decoration)."""

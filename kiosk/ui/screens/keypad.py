"""Typing the IIN on the on-screen numeric keypad, with check-digit feedback as the voter types."""

from __future__ import annotations

from typing import ClassVar

from kivy.properties import OptionProperty, StringProperty

from kiosk.core.iin import IIN_LENGTH
from kiosk.core.voter_session import VoterSession
from kiosk.core.voter_session_states import KeypadEntry
from kiosk.i18n import Translator
from kiosk.ui.screens.base import VoterScreen, load_kv, prompt_text

PLACEHOLDER = "·"
# Group the IIN as it is read: birth date (6), century and sex (1), serial (4), check digit (1).
GROUPS = (6, 1, 4, 1)


def grouped(digits: str) -> str:
    """``digits`` padded with placeholders to 12 and grouped as the IIN is read aloud."""
    padded = digits.ljust(IIN_LENGTH, PLACEHOLDER)
    parts, start = [], 0
    for size in GROUPS:
        parts.append(padded[start:start + size])
        start += size
    return " ".join(parts)


class KeypadScreen(VoterScreen):
    """The digits typed (grouped), what the rules say about them, and a 3x4 keypad."""

    typed = StringProperty(grouped(""))
    feedback = StringProperty("")
    status = OptionProperty("incomplete", options=["incomplete", "invalid", "valid"])
    view_properties: ClassVar[tuple[str, ...]] = ("prompt", "typed", "feedback", "status")

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show the digits and the feedback (the same text the speaker says)."""
        screen = session.screen
        assert isinstance(screen, KeypadEntry)
        self.typed = grouped(screen.digits)
        self.status = screen.feedback.status
        self.feedback = prompt_text(session, translate)
        self.prompt = ""


load_kv(__file__)

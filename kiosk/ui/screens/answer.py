"""The check's answer: listed here (station, address, hours, ballots with colour swatches), listed elsewhere
(that station and how to get there, never the home address), not listed or not eligible (what to do next)."""

from __future__ import annotations

from typing import ClassVar

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import escape_markup

from kiosk.core.registration import Ballot, Language
from kiosk.core.voter_session import VoterSession, spoken_prompt
from kiosk.core.voter_session_prompts import (
    BALLOT_DISTRICT_KEY,
    ballot_colour_text,
    ballot_kind_text,
    ballots_prompt,
)
from kiosk.core.voter_session_states import Answer
from kiosk.i18n import Translator
from kiosk.ui.screens.base import VoterScreen, load_kv
from kiosk.ui.widgets import ballot_colour


def ballot_row_text(ballot: Ballot, language: Language, translate: Translator) -> str:
    """A ballot as two lines of markup: its kind in bold, then its district and paper colour (as spoken)."""
    kind, colour = (translate.gettext(text.translation_key, **dict(text.params))
                    for text in (ballot_kind_text(ballot.kind), ballot_colour_text(ballot.colour)))
    district = translate.gettext(BALLOT_DISTRICT_KEY, district=ballot.district.in_language(language))
    return f"[b]{escape_markup(kind)}[/b]\n{escape_markup(district)} {escape_markup(colour)}"


class AnswerScreen(VoterScreen):
    """``headline`` is the station line (empty when not listed); ``ballots`` are (markup, rgba) rows;
    ``scrolls`` is True while the content is taller than its place (then a hint says the list scrolls)."""

    headline = StringProperty("")
    ballots_title = StringProperty("")
    ballots = ListProperty([])
    scrolls = BooleanProperty(False)
    view_properties: ClassVar[tuple[str, ...]] = ("prompt", "headline", "ballots_title", "ballots")

    def on_kv_post(self, base_widget: object) -> None:
        """Follow the content's and the scroll view's heights to know whether the answer scrolls."""
        trigger = Clock.create_trigger(lambda _delta: self._update_scrolls())
        self.ids.body.bind(height=lambda *_args: trigger())
        self.ids.scroll.bind(height=lambda *_args: trigger())

    def _update_scrolls(self) -> None:
        self.scrolls = self.ids.body.height > self.ids.scroll.height + 1

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show the answer; the ballots as rows with their paper colour."""
        screen = session.screen
        assert isinstance(screen, Answer)
        check = screen.check
        station = check.station
        self.headline = (translate.gettext("voter.ui.station", station=station.number)
                         if station is not None and check.status in ("listed_here", "listed_elsewhere") else "")
        listed_ballots = check.ballots if check.status == "listed_here" else ()
        # The ballots are shown as rows with their paper colour instead of the texts that say them.
        said_as_rows = set(ballots_prompt(listed_ballots, session.language)) if listed_ballots else set()
        self.prompt = "\n\n".join(translate.gettext(text.translation_key, **dict(text.params))
                                   for text in spoken_prompt(session) if text not in said_as_rows)
        rows = [(ballot_row_text(ballot, session.language, translate), ballot_colour(ballot.colour))
                for ballot in listed_ballots]
        self.ballots_title = translate.gettext("voter.ui.ballots") if rows else ""
        self.ballots = rows

    def on_ballots(self, _instance: object, rows: list[tuple[str, tuple[float, ...]]]) -> None:
        """Lay the ballot rows out (the text of a row is the voter's data: rebuilt, never kept elsewhere)."""
        box = self.ids.get("ballot_rows")
        if box is None:
            return
        box.clear_widgets()
        for text, rgba in rows:
            row = BallotRow()
            row.ids.swatch.swatch = rgba
            row.ids.label.text = text
            box.add_widget(row)
        scroll = self.ids.get("scroll")
        if scroll is not None:
            scroll.scroll_y = 1  # a new answer starts at its top


class BallotRow(BoxLayout):
    """One ballot: its colour swatch and its description."""


load_kv(__file__)

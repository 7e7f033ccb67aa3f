"""The check's answer: listed here (station, address, hours, ballots with colour swatches), listed elsewhere
(that station and how to get there, never the home address), not listed or not eligible (what to do next)."""

from __future__ import annotations

from typing import ClassVar, Final

from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.core.voter_session import VoterSession, spoken_prompt
from kiosk.core.voter_session_states import Answer
from kiosk.i18n import Translator
from kiosk.ui.screens.base import VoterScreen, load_kv
from kiosk.ui.widgets import ballot_colour

# Labels of the ballot kinds and paper colours the service names (simulator/egov/population.py).
BALLOT_KIND_KEYS: Final[dict[str, str]] = {
    "mazhilis": "voter.ballot.mazhilis",
    "mazhilis_single_member": "voter.ballot.mazhilis_single_member",
    "oblast_maslikhat": "voter.ballot.oblast_maslikhat",
    "city_maslikhat": "voter.ballot.city_maslikhat",
    "district_maslikhat": "voter.ballot.district_maslikhat",
}
BALLOTS_KEY: Final = "voter.answer.ballots"
BALLOT_COLOUR_KEYS: Final[dict[str, str]] = {
    "white": "voter.colour.white",
    "blue": "voter.colour.blue",
    "green": "voter.colour.green",
    "pink": "voter.colour.pink",
}


class AnswerScreen(VoterScreen):
    """``headline`` is the station line (empty when not listed); ``ballots`` are (text, rgba) rows."""

    headline = StringProperty("")
    ballots_title = StringProperty("")
    ballots = ListProperty([])
    view_properties: ClassVar[tuple[str, ...]] = ("prompt", "headline", "ballots_title", "ballots")

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show the answer; the ballots as rows with their paper colour."""
        screen = session.screen
        assert isinstance(screen, Answer)
        check = screen.check
        station = check.station
        self.headline = (translate.gettext("voter.ui.station", station=station.number)
                         if station is not None and check.status in ("listed_here", "listed_elsewhere") else "")
        # The ballots are shown as rows with their paper colour instead of the spoken sentence listing them.
        self.prompt = "\n\n".join(translate.gettext(text.translation_key, **dict(text.params))
                                   for text in spoken_prompt(session) if text.translation_key != BALLOTS_KEY)
        rows = []
        for ballot in check.ballots if check.status == "listed_here" else ():
            kind = translate.gettext(BALLOT_KIND_KEYS[ballot.kind]) if ballot.kind in BALLOT_KIND_KEYS else ballot.kind
            colour = (translate.gettext(BALLOT_COLOUR_KEYS[ballot.colour]) if ballot.colour in BALLOT_COLOUR_KEYS
                      else ballot.colour)
            rows.append((f"{kind}: {ballot.district.in_language(session.language)} — {colour}",
                         ballot_colour(ballot.colour)))
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


class BallotRow(BoxLayout):
    """One ballot: its colour swatch and its description."""


load_kv(__file__)

"""The "closed" screen: outside voting hours the kiosk shows the station's hours and its next opening in every
language the station offers, and nothing a voter could start (DESIGN.md section 2; issue 6, item 3).

It is not a screen of the voter session: the app shows it instead of the session while the station is closed
(``VoterApp.check_hours``) and starts a fresh session at opening time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Final

from kivy.properties import ListProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from kiosk.core.registration import Language
from kiosk.core.station_config import StationConfig, next_opening
from kiosk.i18n import Translator
from kiosk.ui.screens.base import load_kv

DATE_FORMAT: Final = "%d.%m.%Y"  # the day.month.year form used in Kazakhstan in all three languages
TIME_FORMAT: Final = "%H:%M"


def closed_texts(station_config: StationConfig, now: dt.datetime, translate: Translator) -> tuple[str, str, str]:
    """The title, the hours and the next opening (or "voting has ended") in the translator's language."""
    day = station_config.voting_day.strftime(DATE_FORMAT)
    hours = translate.gettext("voter.closed.hours", day=day, opens=station_config.opens.strftime(TIME_FORMAT),
                              closes=station_config.closes.strftime(TIME_FORMAT))
    opening = next_opening(station_config, now)
    if opening is None:
        upcoming = translate.gettext("voter.closed.over")
    else:
        local = opening.astimezone(station_config.zone)
        upcoming = translate.gettext("voter.closed.opens_at", date=local.strftime(DATE_FORMAT),
                                     time=local.strftime(TIME_FORMAT))
    return translate.gettext("voter.closed.title"), hours, upcoming


class ClosedScreen(Screen):
    """``blocks`` hold one (title, hours, next opening) per language; public station data only."""

    blocks = ListProperty([])

    def show_hours(self, station_config: StationConfig, now: dt.datetime,
                   translator: Callable[[Language], Translator]) -> None:
        """Show the station's hours and next opening at ``now`` in each of the station's languages."""
        self.blocks = [closed_texts(station_config, now, translator(language))
                       for language in station_config.languages]

    def clear(self) -> None:
        """Forget what was shown."""
        self.blocks = []

    def on_blocks(self, _instance: object, blocks: list[tuple[str, str, str]]) -> None:
        """Lay out one block per language."""
        box = self.ids.get("languages")
        if box is None:
            return
        box.clear_widgets()
        for title, hours, upcoming in blocks:
            block = ClosedBlock()
            block.ids.title.text = title
            block.ids.hours.text = hours
            block.ids.upcoming.text = upcoming
            box.add_widget(block)


class ClosedBlock(BoxLayout):
    """The closed notice in one language."""


load_kv(__file__)

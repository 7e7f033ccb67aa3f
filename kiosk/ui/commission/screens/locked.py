"""Locked: no member card in the reader. Insert the card; a card that is not a member card says why."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import StringProperty

from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.widgets import load_kv


class CommissionLockedScreen(CommissionScreen):
    """The invitation to insert the member card, or what was wrong with the card."""

    message = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("message",)

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The card being read, the card's problem, or the invitation."""
        if view.reading_card:
            self.message = translate.gettext("commission.ui.reading_member_card")
        elif view.login_problem is not None:
            self.message = translate.gettext(view.login_problem)
        else:
            self.message = translate.gettext("commission.login.insert_card")


load_kv(__file__)

"""The member's home: today's decisions (number, time, outcome, reason; no names) and the way to the next voter."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.commission_day import DAY_OUTCOME_KEYS, DayDecision
from kiosk.core.commission_auth import may
from kiosk.core.commission_reasons import REFUSAL_REASON_KEYS
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen, member_line
from kiosk.ui.commission.widgets import DeskText, load_kv

DECISION_KEYS: dict[str, str] = {
    "include": "commission.ui.decision.include",
    "refuse": "commission.ui.decision.refuse",
}


def decision_row(item: DayDecision, translate: Translator) -> tuple[str, str, str, str]:
    """(number, time, outcome, reason) of one of the day's decisions, as the list shows them."""
    number = item.decision_number or translate.gettext("commission.ui.home.no_number")
    outcome = translate.gettext(DAY_OUTCOME_KEYS.get(item.outcome, "commission.outcome.queued"))
    outcome = f"{translate.gettext(DECISION_KEYS[item.decision])}: {outcome}"
    reason = "" if item.reason is None else translate.gettext(REFUSAL_REASON_KEYS[item.reason])
    return number, item.time.strftime("%H:%M"), outcome, reason


class CommissionHomeScreen(CommissionScreen):
    """Who is logged in, the day's list, and the buttons: next voter, the day's summary, lock."""

    member = StringProperty("")
    denied = BooleanProperty(False)
    may_summarise = BooleanProperty(False)
    rows = ListProperty([])
    count = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("member", "denied", "may_summarise", "rows", "count")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The member and today's decisions."""
        member = view.member
        self.member = "" if member is None else member_line(member, translate)
        self.denied = view.denied
        self.may_summarise = may(view.auth, "print_day_summary")
        rows = [decision_row(item, translate) for item in reversed(view.day)]
        self.count = translate.gettext("commission.ui.home.count", count=len(rows))
        if rows != self.rows:
            self.rows = rows
            self._fill(translate)

    def _fill(self, translate: Translator) -> None:
        table = self.ids.table
        table.clear_widgets()
        if not self.rows:
            table.add_widget(DeskText(text=translate.gettext("commission.summary.none")))
            return
        for row in self.rows:
            table.add_widget(DeskText(text="   ".join(part for part in row if part)))

    def clear(self) -> None:
        """Forget the list too."""
        super().clear()
        self.ids.table.clear_widgets()


load_kv(__file__)

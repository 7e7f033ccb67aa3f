"""The decision's result, told honestly: sent and answered (included, refusal recorded with its number, already
listed here, listed at another station and where), only queued on this kiosk, or refused by the service."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.commission_reasons import DECISION_PROBLEM_KEYS
from kiosk.core.commission_session import Deciding
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.screens.check_result import voter_lines
from kiosk.ui.commission.widgets import load_kv

OUTCOME_KEYS: dict[str, str] = {
    "included": "commission.ui.result.included",
    "refusal_recorded": "commission.ui.result.refusal_recorded",
    "already_listed_here": "commission.ui.result.already_listed_here",
    "listed_elsewhere": "commission.ui.result.listed_elsewhere",
    "refused": "commission.ui.result.refused",
}
PRINT_KEYS: dict[str, str] = {
    "printing": "commission.ui.result.printing",
    "printed": "commission.ui.result.printed",
    "failed": "commission.ui.result.print_failed",
}


class CommissionResultScreen(CommissionScreen):
    """What became of the decision, the printout's state, and the way on."""

    voter = StringProperty("")
    outcome = StringProperty("")
    printing = StringProperty("")
    problem = StringProperty("")
    good = BooleanProperty(False)
    printable = BooleanProperty(False)
    done = BooleanProperty(False)
    view_properties: ClassVar[tuple[str, ...]] = ("voter", "outcome", "printing", "problem", "good", "printable",
                                                  "done")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The decision on the session's screen."""
        screen = None if view.session is None else view.session.screen
        if not isinstance(screen, Deciding):
            return
        self.voter = voter_lines(screen.checked.identity, translate)
        self.problem = "" if view.session_problem is None else translate.gettext(
            DECISION_PROBLEM_KEYS[view.session_problem])
        self.done = screen.state != "sending"
        self.printable = screen.refusal_printable and screen.print_state != "printing"
        self.printing = translate.gettext(PRINT_KEYS[screen.print_state]) if screen.print_state in PRINT_KEYS else ""
        self.good = screen.state == "answered" and screen.result is not None and screen.result.outcome in (
            "included", "refusal_recorded")
        self.outcome = _outcome(screen, translate)


def _outcome(screen: Deciding, translate: Translator) -> str:
    if screen.state == "sending":
        return translate.gettext("commission.ui.result.sending")
    if screen.state == "queued":
        return translate.gettext("commission.ui.result.queued", reference=screen.local_reference or "")
    if screen.state == "rejected" or screen.result is None:
        return translate.gettext("commission.ui.result.rejected")
    result = screen.result
    station = result.station
    if result.outcome == "listed_elsewhere" and station is not None:
        return translate.gettext("commission.ui.result.listed_at", station=station.number,
                                 address=station.address.in_language(translate.language))
    return translate.gettext(OUTCOME_KEYS[result.outcome], number=result.decision_number or "")


load_kv(__file__)

"""Confirmation: what will be sent to the service and recorded, before it is sent."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.commission_reasons import REFUSAL_REASON_KEYS, REFUSAL_REASONS
from kiosk.core.commission_session import Checked
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.screens.check_result import voter_lines
from kiosk.ui.commission.widgets import load_kv

LANGUAGE_KEYS: dict[str, str] = {"kk": "commission.ui.language.kk", "ru": "commission.ui.language.ru"}


class CommissionConfirmationScreen(CommissionScreen):
    """The voter, the decision, the reason and text, the printout's language; send or go back."""

    voter = StringProperty("")
    decision = StringProperty("")
    details = StringProperty("")
    refusing = BooleanProperty(False)
    view_properties: ClassVar[tuple[str, ...]] = ("voter", "decision", "details", "refusing")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The decision as it will be sent."""
        screen = None if view.session is None else view.session.screen
        if not isinstance(screen, Checked):
            return
        form = view.form
        self.voter = voter_lines(screen.identity, translate)
        self.refusing = form.decision == "refuse"
        if not self.refusing:
            self.decision = translate.gettext("commission.ui.confirm.include", station=self.app.station.number)
            self.details = ""
            return
        self.decision = translate.gettext("commission.ui.confirm.refuse")
        reason = form.reason_code
        reason_text = translate.gettext(REFUSAL_REASON_KEYS[reason]) if reason in REFUSAL_REASONS else ""
        self.details = "\n".join((
            f"{translate.gettext('commission.refusal.reason')}: {reason_text}",
            f"{translate.gettext('commission.refusal.text')}: {form.text.strip()}",
            translate.gettext("commission.ui.confirm.print_language",
                              language=translate.gettext(LANGUAGE_KEYS[form.language])),
        ))


load_kv(__file__)

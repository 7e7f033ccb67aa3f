"""The decision: include, or refuse with a reason from the fixed list and a free text, and the language (kk or ru)
of the voter's printed copy. The form is checked by ``kiosk.core.commission_reasons`` before confirmation."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.commission_reasons import DECISION_PROBLEM_KEYS, REFUSAL_REASON_KEYS, REFUSAL_REASONS
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.widgets import DeskToggle, load_kv

REASON_GROUP = "commission-reason"


class CommissionDecisionScreen(CommissionScreen):
    """The decision's form; everything typed goes to the runtime's form at once."""

    refusing = BooleanProperty(False)
    problem = StringProperty("")
    language = StringProperty("ru")
    view_properties: ClassVar[tuple[str, ...]] = ("refusing", "problem", "language")

    def on_kv_post(self, _base_widget: object) -> None:
        """One toggle per reason of the fixed list."""
        for reason in REFUSAL_REASONS:
            toggle = DeskToggle(value=reason, group=REASON_GROUP, allow_no_selection=False)
            toggle.bind(on_release=lambda pressed: self.chose_reason(pressed.value))
            self.ids.reasons.add_widget(toggle)

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The form as the runtime holds it, and what validation said."""
        form = view.form
        self.refusing = form.decision == "refuse"
        self.language = form.language
        self.problem = "" if form.problem is None else translate.gettext(DECISION_PROBLEM_KEYS[form.problem])
        for toggle in self.ids.reasons.children:
            toggle.text = translate.gettext(REFUSAL_REASON_KEYS[toggle.value])
            toggle.state = "down" if toggle.value == form.reason_code else "normal"
        if self.ids.text.text != form.text:
            self.ids.text.text = form.text

    def chose_reason(self, reason: str) -> None:
        """A reason from the list was touched."""
        self.runtime.touched()
        self.runtime.update_form(reason_code=reason)

    def typed_text(self, text: str) -> None:
        """The free text changed."""
        if self.runtime.view.form.text != text:
            self.runtime.update_form(text=text)

    def clear(self) -> None:
        """Forget the free text too."""
        super().clear()
        self.ids.text.text = ""
        for toggle in self.ids.reasons.children:
            toggle.state = "normal"


load_kv(__file__)

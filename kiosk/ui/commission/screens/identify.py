"""Identify the voter: the digital document's QR code, the IIN typed from the presented document, or (with a second
reader) the voter's ID card. Shows the read and the check under way, and what failed."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.commission_session import (
    CheckingVoter,
    CommissionError,
    Identify,
    ReadingVoterDocument,
    TypingIin,
)
from kiosk.core.iin import IIN_LENGTH
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.widgets import load_kv

READING_KEYS: dict[str, str] = {
    "id_card": "commission.ui.identify.insert_voter_card",
    "digital_document": "commission.ui.identify.show_code",
}


class CommissionIdentifyScreen(CommissionScreen):
    """The methods on offer, the typed IIN with its keypad, and what is going on."""

    typed = StringProperty("")
    status = StringProperty("")
    failed = BooleanProperty(False)
    offers_qr = BooleanProperty(False)
    offers_card = BooleanProperty(False)
    retry = BooleanProperty(False)
    view_properties: ClassVar[tuple[str, ...]] = ("typed", "status", "failed", "retry")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The status line for the session's screen."""
        self.offers_qr = "qr" in view.methods
        self.offers_card = "card" in view.methods
        screen = None if view.session is None else view.session.screen
        self.failed = False
        self.retry = False
        match screen:
            case Identify():
                self.status = translate.gettext("commission.ui.identify.prompt")
            case TypingIin(problem=problem):
                self.failed = problem is not None
                self.status = translate.gettext("commission.ui.identify.prompt") if problem is None \
                    else translate.gettext(f"iin.{problem.value}")
            case ReadingVoterDocument(kind=kind):
                self.status = translate.gettext(READING_KEYS[kind])
            case CheckingVoter():
                self.status = translate.gettext("commission.ui.identify.checking")
                self.typed = ""
            case CommissionError(translation_key=key, retry=retry):
                self.failed = True
                self.retry = retry is not None
                self.status = translate.gettext(key, desk=self.app.station.commission_desk)

    def typed_digit(self, digit: str) -> None:
        """A digit of the IIN typed from the presented document."""
        self.runtime.touched()
        if len(self.typed) < IIN_LENGTH:
            self.typed += digit

    def erased(self) -> None:
        """Take the last digit back."""
        self.typed = self.typed[:-1]

    def submit(self) -> None:
        """Check the voter with the typed IIN (the session refuses an invalid one and says why)."""
        self.runtime.submit_iin(self.typed)


load_kv(__file__)

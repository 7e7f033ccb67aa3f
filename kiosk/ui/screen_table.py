"""Which Screen class shows which screen of the voter session (one per ``ScreenName``)."""

from __future__ import annotations

from typing import get_args

from kiosk.core.voter_session_states import ScreenName
from kiosk.ui.screens.answer import AnswerScreen
from kiosk.ui.screens.ask_commission import AskCommissionScreen
from kiosk.ui.screens.attract import AttractScreen
from kiosk.ui.screens.base import VoterScreen
from kiosk.ui.screens.checking import CheckingScreen
from kiosk.ui.screens.confirmation import ConfirmationScreen
from kiosk.ui.screens.consent import ConsentScreen
from kiosk.ui.screens.error import ErrorScreenView
from kiosk.ui.screens.identify import IdentifyScreen
from kiosk.ui.screens.insert_card import InsertCardScreen
from kiosk.ui.screens.keypad import KeypadScreen
from kiosk.ui.screens.reading_document import ReadingDocumentScreen
from kiosk.ui.screens.receipt import ReceiptScreen
from kiosk.ui.screens.registering import RegisteringScreen
from kiosk.ui.screens.show_code import ShowCodeScreen

SCREEN_CLASSES: dict[ScreenName, type[VoterScreen]] = {
    "attract": AttractScreen,
    "identify": IdentifyScreen,
    "insert_card": InsertCardScreen,
    "show_code": ShowCodeScreen,
    "keypad": KeypadScreen,
    "reading_document": ReadingDocumentScreen,
    "checking": CheckingScreen,
    "answer": AnswerScreen,
    "consent": ConsentScreen,
    "confirmation": ConfirmationScreen,
    "registering": RegisteringScreen,
    "receipt": ReceiptScreen,
    "ask_commission": AskCommissionScreen,
    "error": ErrorScreenView,
}
assert set(SCREEN_CLASSES) == set(get_args(ScreenName)), "every session screen needs its Screen class"


def screen_classes() -> dict[ScreenName, type[VoterScreen]]:
    """The Screen class of every session screen."""
    return dict(SCREEN_CLASSES)

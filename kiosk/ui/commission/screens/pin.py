"""PIN entry: the member's PIN, masked, with the card's tries left, the wait after wrong PINs and the lockout ahead."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import StringProperty

from kiosk.core.commission_auth import AwaitingPin
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen, member_line, seconds_until
from kiosk.ui.commission.widgets import load_kv

MASK = "•"
MAX_PIN_DIGITS = 8


class CommissionPinScreen(CommissionScreen):
    """The member's name and role, the masked PIN, the keypad and what the rules say now."""

    member = StringProperty("")
    masked = StringProperty("")
    message = StringProperty("")
    tries = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("member", "masked", "message", "tries")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._digits = ""  # the PIN as typed: never a Kivy property, never shown, dropped on submit

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The member, the tries and any wait; the typed digits stay as they are."""
        auth = view.auth
        if not isinstance(auth, AwaitingPin):
            return
        self.member = member_line(auth.member, translate)
        left_before_lockout = max(0, self.runtime.policy.lockout_after - auth.throttle.wrong_pins)
        card = "" if auth.card_tries_left is None else translate.gettext(
            "commission.ui.pin.card_tries", count=auth.card_tries_left)
        self.tries = "\n".join(part for part in (
            translate.gettext("commission.ui.pin.tries_before_lockout", count=left_before_lockout), card) if part)
        self.message = _message(view, translate, now)
        self.masked = MASK * len(self._digits)

    def typed_digit(self, digit: str) -> None:
        """A digit of the PIN (at most eight)."""
        self.runtime.touched()
        if len(self._digits) < MAX_PIN_DIGITS:
            self._digits += digit
        self.masked = MASK * len(self._digits)

    def erased(self) -> None:
        """Take the last digit back."""
        self._digits = self._digits[:-1]
        self.masked = MASK * len(self._digits)

    def submit(self) -> None:
        """Give the PIN to the runtime (which asks the card when the rules allow) and forget it here."""
        digits, self._digits = self._digits, ""
        self.masked = ""
        self.runtime.submit_pin(digits)

    def clear(self) -> None:
        """Forget what was typed, too."""
        super().clear()
        self._digits = ""


def _message(view: CommissionView, translate: Translator, now: dt.datetime) -> str:
    auth = view.auth
    assert isinstance(auth, AwaitingPin)
    if view.verifying_pin:
        return translate.gettext("commission.ui.pin.checking")
    if auth.card_blocked:
        return translate.gettext("commission.login.card_blocked")
    next_try = auth.throttle.next_try_at
    if next_try is not None and now < next_try:
        return translate.gettext("commission.ui.pin.wait", seconds=seconds_until(next_try, now))
    if view.login_problem is not None:
        return translate.gettext(view.login_problem)
    if auth.throttle.wrong_pins:
        return translate.gettext("commission.ui.pin.wrong")
    return translate.gettext("commission.ui.pin.prompt")


load_kv(__file__)

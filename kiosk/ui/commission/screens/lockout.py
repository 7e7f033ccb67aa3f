"""Lockout: too many wrong PINs; nobody logs in until the time shown."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import StringProperty

from kiosk.core.commission_auth import LockedOut
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen, clock_time, seconds_until
from kiosk.ui.commission.widgets import load_kv

SECONDS_PER_MINUTE = 60


class CommissionLockoutScreen(CommissionScreen):
    """Until when login is locked, and how long that is from now."""

    until = StringProperty("")
    remaining = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("until", "remaining")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The end of the lockout and the minutes left (rounded up)."""
        auth = view.auth
        if not isinstance(auth, LockedOut):
            return
        self.until = translate.gettext("commission.ui.lockout.until", time=clock_time(auth.until))
        minutes = -(-seconds_until(auth.until, now) // SECONDS_PER_MINUTE)
        self.remaining = translate.gettext("commission.ui.lockout.remaining", minutes=minutes)


load_kv(__file__)

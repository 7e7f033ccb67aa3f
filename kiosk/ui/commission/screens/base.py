"""What every commission screen does: show the runtime's view in the member's language, forget on a lock."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

import kiosk.ui.commission.widgets  # noqa: F401  (the shared kv rules load with it)
from kiosk.core.commission_auth import MemberIdentity, Role
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionRuntime, CommissionView

if TYPE_CHECKING:
    from kiosk.ui.commission.app import CommissionApp


# How each role is named on the screens (kk/ru/en catalogues).
ROLE_KEYS: dict[Role, str] = {
    "member": "commission.role.member",
    "secretary": "commission.role.secretary",
    "deputy_chair": "commission.role.deputy_chair",
    "chair": "commission.role.chair",
    "technician": "commission.role.technician",
}


def member_line(member: MemberIdentity, translate: Translator) -> str:
    """The member's name and role, as the screens show the one logged in."""
    return f"{member.display_name} · {translate.gettext(ROLE_KEYS[member.role])}"


class CommissionScreen(Screen):
    """Base of the commission screens. ``view_properties`` name the Kivy properties that may hold personal data."""

    desk = ObjectProperty(None)
    view_properties: ClassVar[tuple[str, ...]] = ()

    @property
    def app(self) -> CommissionApp:
        """The commission app this screen belongs to."""
        return self.desk

    @property
    def runtime(self) -> CommissionRuntime:
        """The runtime the member's touches go to."""
        runtime = self.app.runtime
        assert runtime is not None
        return runtime

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """Show ``view`` (its screen is this one) in the translator's language at ``now``."""

    def clear(self) -> None:
        """Forget everything shown: every view property back to its default."""
        for name in self.view_properties:
            setattr(self, name, self.property(name).defaultvalue)


def clock_time(moment: dt.datetime) -> str:
    """``HH:MM:SS`` of ``moment``."""
    return moment.strftime("%H:%M:%S")


def seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    """Whole seconds from ``now`` until ``moment`` (rounded up, never negative)."""
    remaining = (moment - now).total_seconds()
    return max(0, int(-(-remaining // 1)))


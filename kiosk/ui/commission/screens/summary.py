"""End of day: counts of today's decisions by outcome and by refusal reason; print it, export the signed CSV."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ClassVar

from kivy.properties import BooleanProperty, StringProperty

from kiosk.commission_day import DAY_OUTCOME_KEYS
from kiosk.core.commission_reasons import REFUSAL_REASON_KEYS
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.widgets import load_kv

DAY_STATUS_KEYS: dict[str, str] = {
    "printing": "commission.ui.summary.printing",
    "printed": "commission.ui.summary.printed",
    "print_failed": "commission.ui.summary.print_failed",
    "exporting": "commission.ui.summary.exporting",
    "exported": "commission.ui.summary.exported",
    "export_failed": "commission.ui.summary.export_failed",
}


class CommissionSummaryScreen(CommissionScreen):
    """The day's counts, and what printing or exporting did."""

    counts = StringProperty("")
    status = StringProperty("")
    ready = BooleanProperty(False)
    view_properties: ClassVar[tuple[str, ...]] = ("counts", "status", "ready")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The summary the runtime computed."""
        summary = view.summary
        self.ready = summary is not None and view.day_status not in ("printing", "exporting")
        if summary is None:
            self.counts = translate.gettext("commission.ui.summary.loading")
        else:
            lines = [
                f"{translate.gettext('commission.summary.station')}: {summary.station}",
                f"{translate.gettext('commission.summary.day')}: {summary.day.strftime('%d.%m.%Y')}",
                f"{translate.gettext('commission.summary.total')}: {summary.total}",
                "",
                translate.gettext("commission.summary.by_outcome"),
                *(f"    {translate.gettext(DAY_OUTCOME_KEYS.get(outcome, 'commission.outcome.queued'))}: {count}"
                  for outcome, count in summary.by_outcome.items()),
                "",
                translate.gettext("commission.summary.by_reason"),
                *(f"    {translate.gettext(REFUSAL_REASON_KEYS[reason])}: {count}"
                  for reason, count in summary.by_reason.items()),
            ]
            self.counts = "\n".join(lines)
        status = DAY_STATUS_KEYS.get(view.day_status)
        names = ", ".join(Path(path).name for path in view.exported)
        self.status = "" if status is None else translate.gettext(status, files=names)
        if view.day_problem is not None and view.day_status.endswith("failed"):
            self.status += "\n" + translate.gettext(view.day_problem, desk=self.app.station.commission_desk)

    def print_summary(self) -> None:
        """Print the summary in the member's language."""
        self.runtime.print_summary(self.app.language)


load_kv(__file__)

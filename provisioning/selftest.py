"""The technician's self-test (DESIGN.md section 2; issue 6, item 4): the report, the runner and its renderings.

Each check measures one part and says ``ok``, ``warn`` or ``fail``, with the value it measured and, when it
is not ok, the part's name and what to do. The checks themselves live in ``provisioning.selftest_devices``
(card reader, scanner, printer, speech, disk, journal) and ``provisioning.selftest_service`` (TLS, signed
ping, clock); this module runs them, bound to their parts by the caller (the command line
builds them from the kiosk configuration, tests from the simulator) and renders the report as aligned text,
as JSON and as a printed receipt. A failed check is a result, not an exception: every check runs.

Nothing personal is measured or shown: reader and printer names, key ids, sizes, times and counts only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from drivers.printer.printout import Block, KeyValue, Paragraph, Printout, Separator, Title

CheckStatus = Literal["ok", "warn", "fail"]
CheckName = Literal[
    "card_reader", "scanner", "printer", "speech", "service_tls", "service_ping", "clock", "disk", "journal"
]

CHECK_TITLES: dict[CheckName, str] = {
    "card_reader": "Card reader",
    "scanner": "Code scanner",
    "printer": "Printer",
    "speech": "Speech",
    "service_tls": "Service TLS",
    "service_ping": "Signed ping",
    "clock": "Clock",
    "disk": "Free disk",
    "journal": "Journal",
}
"""What each check is called on screen and on paper, in the order the checks run."""

STATUS_MARKS: dict[CheckStatus, str] = {"ok": "OK", "warn": "WARN", "fail": "FAIL"}


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check: its status, what it measured, and (when not ok) the part concerned and what to do."""

    name: CheckName
    status: CheckStatus
    value: str
    part: str | None = None
    remedy: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The result as a JSON object."""
        return {"name": self.name, "status": self.status, "value": self.value, "part": self.part,
                "remedy": self.remedy}


def ok(name: CheckName, value: str) -> CheckResult:
    """A passed check."""
    return CheckResult(name, "ok", value)


def warn(name: CheckName, value: str, *, part: str, remedy: str) -> CheckResult:
    """A check that passed with a reservation the technician should act on."""
    return CheckResult(name, "warn", value, part, remedy)


def fail(name: CheckName, value: str, *, part: str, remedy: str) -> CheckResult:
    """A failed check: the kiosk must not open like this."""
    return CheckResult(name, "fail", value, part, remedy)


@dataclass(frozen=True, slots=True)
class SelftestReport:
    """Every check's result, when the test ran, and which kiosk it was."""

    started_at: dt.datetime
    station: int | None
    device_key_id: str | None
    checks: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        """True when no check failed (warnings allowed)."""
        return all(check.status != "fail" for check in self.checks)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        """The failed checks."""
        return tuple(check for check in self.checks if check.status == "fail")

    def result(self, name: CheckName) -> CheckResult:
        """The result of the check called ``name`` (KeyError when it did not run)."""
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON object."""
        return {
            "passed": self.passed,
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "station": self.station,
            "device_key_id": self.device_key_id,
            "checks": [check.as_dict() for check in self.checks],
        }


Check = Callable[[], CheckResult]
"""One check, already bound to the part it tests."""


def run_selftest(
    checks: Sequence[tuple[CheckName, Check]],
    *,
    station: int | None,
    device_key_id: str | None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> SelftestReport:
    """Run every check in order; a check that raises is reported as failed rather than ending the test."""
    started_at = now()
    results: list[CheckResult] = []
    for name, check in checks:
        try:
            results.append(check())
        except Exception as error:  # a self-test reports every fault and goes on
            results.append(fail(name, f"the check itself failed ({type(error).__name__})", part=CHECK_TITLES[name],
                                remedy="Run the self-test again; if this repeats, report it with the kiosk's logs"))
    return SelftestReport(started_at, station, device_key_id, tuple(results))


def render_text(report: SelftestReport) -> str:
    """The report on screen: one aligned line per check, then what to do for each one not ok."""
    width = max(len(title) for title in CHECK_TITLES.values())
    lines = [_heading(report), ""]
    for check in report.checks:
        lines.append(f"{STATUS_MARKS[check.status]:<4}  {CHECK_TITLES[check.name]:<{width}}  {check.value}")
    advice = [check for check in report.checks if check.status != "ok"]
    if advice:
        lines.append("")
        for check in advice:
            lines.append(f"{STATUS_MARKS[check.status]}: {check.part}: {check.remedy}")
    lines.append("")
    lines.append(_verdict(report))
    return "\n".join(lines)


def render_printout(report: SelftestReport) -> Printout:
    """The report as a receipt for the station's file (English: it is the technician's document)."""
    blocks: list[Block] = [Title("Kiosk self-test"), Paragraph(_heading(report), size="small"), Separator()]
    for check in report.checks:
        blocks.append(KeyValue(f"{STATUS_MARKS[check.status]} {CHECK_TITLES[check.name]}", check.value,
                               emphasis=check.status == "fail"))
        if check.status != "ok":
            blocks.append(Paragraph(f"{check.part}: {check.remedy}", size="small"))
    blocks += [Separator(), Paragraph(_verdict(report), emphasis=True, align="center")]
    return Printout(kind="selftest_report", language="en", blocks=tuple(blocks))


def _heading(report: SelftestReport) -> str:
    station = "unknown station" if report.station is None else f"station {report.station}"
    key = "device key unknown" if report.device_key_id is None else f"device key {report.device_key_id}"
    return f"Self-test {report.started_at.isoformat(timespec='seconds')}, {station}, {key}"


def _verdict(report: SelftestReport) -> str:
    warnings = sum(check.status == "warn" for check in report.checks)
    if report.passed:
        return "PASSED" + (f" with {warnings} warning(s)" if warnings else "")
    return f"FAILED: {len(report.failures)} check(s) failed, {warnings} warning(s)"

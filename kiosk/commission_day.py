"""The commission's day: which decision is which, today's list without names, the end-of-day summary.

Every decision goes through the outbox (``kiosk.journal.outbox``), which journals it as ``list_decision_queued``
and then ``list_decision_confirmed`` (with the service's outcome and decision number) or ``_rejected``. The
journal's entries carry no decision (include or refuse) and no refusal reason, so :class:`DecisionRegister`
keeps those codes beside the outbox, in the same SQLite file, keyed by the session's decision id and the
outbox's local reference. It holds codes only: no IIN, no name, no free text.

The day's list and summary join the register with the journal (times, outcomes, decision numbers). The summary
is printed as a ``Printout`` and exported as a CSV with a detached CMS signature by the device key
(``kiosk.commission_documents.sign_detached``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509

from drivers.keystore import KeyStore
from drivers.printer.printout import Block, KeyValue, Paragraph, Printout, Separator, Title
from kiosk.commission_documents import sign_detached
from kiosk.core.commission_reasons import REFUSAL_REASON_KEYS, REFUSAL_REASONS, Decision, RefusalReason
from kiosk.core.registration import Language
from kiosk.journal.journal import Journal
from kiosk.printouts import Translate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS commission_decisions(
    decision_id TEXT PRIMARY KEY,
    local_reference TEXT NOT NULL UNIQUE,
    decision TEXT NOT NULL CHECK (decision IN ('include', 'refuse')),
    reason_code TEXT,
    decided_at TEXT NOT NULL
)
"""

CSV_COLUMNS = ("decision_number", "local_reference", "time", "decision", "outcome", "reason")

# The outcome as the day's list and summary name it: the service's answer, or where the outbox stands.
DAY_OUTCOME_KEYS: dict[str, str] = {
    "included": "commission.outcome.included",
    "refusal_recorded": "commission.outcome.refusal_recorded",
    "already_listed_here": "commission.outcome.already_listed_here",
    "listed_elsewhere": "commission.outcome.listed_elsewhere",
    "refused": "commission.outcome.refused",
    "queued": "commission.outcome.queued",
    "rejected": "commission.outcome.rejected",
}

SUMMARY_KEYS: tuple[str, ...] = (
    "commission.summary.title",
    "commission.summary.station",
    "commission.summary.day",
    "commission.summary.total",
    "commission.summary.by_outcome",
    "commission.summary.by_reason",
    "commission.summary.decisions",
    "commission.summary.none",
)


class DecisionRegister:
    """Decision codes beside the outbox (see the module docstring); one row per decision id, never two."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        with journal.transaction(durable=False) as writer:
            writer.connection.execute(_SCHEMA)

    def local_reference_for(self, decision_id: str) -> str | None:
        """The outbox item of ``decision_id``, or None when that decision was never queued."""
        with self.journal.read() as connection:
            row = connection.execute(
                "SELECT local_reference FROM commission_decisions WHERE decision_id = ?", (decision_id,)
            ).fetchone()
        return None if row is None else str(row[0])

    def record(
        self, decision_id: str, local_reference: str, decision: Decision, reason: RefusalReason | None,
        decided_at: dt.datetime,
    ) -> None:
        """Remember the decision's codes (durably: the day's summary counts on them)."""
        with self.journal.transaction(durable=True) as writer:
            writer.connection.execute(
                "INSERT INTO commission_decisions(decision_id, local_reference, decision, reason_code, decided_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (decision_id, local_reference, decision, reason, decided_at.isoformat(timespec="seconds")),
            )

    def rows(self) -> list[tuple[str, Decision, RefusalReason | None, str]]:
        """(local reference, decision, reason, decided at) of every decision, oldest first."""
        with self.journal.read() as connection:
            rows = connection.execute(
                "SELECT local_reference, decision, reason_code, decided_at FROM commission_decisions"
                " ORDER BY decided_at, rowid"
            ).fetchall()
        return [(row[0], row[1], row[2], row[3]) for row in rows]


@dataclass(frozen=True, slots=True)
class DayDecision:
    """One of the day's decisions, without names: number, time, what was decided, the outcome, the reason."""

    decision_number: str | None
    local_reference: str
    time: dt.datetime
    decision: Decision
    outcome: str
    reason: RefusalReason | None


@dataclass(frozen=True, slots=True)
class DaySummary:
    """Counts of the day's decisions by outcome and by refusal reason."""

    day: dt.date
    station: int
    total: int
    by_outcome: dict[str, int]
    by_reason: dict[RefusalReason, int]


def day_decisions(journal: Journal, register: DecisionRegister, day: dt.date, zone: dt.tzinfo) -> list[DayDecision]:
    """The decisions queued on ``day`` (in ``zone``, the station's time zone), oldest first."""
    queued_at: dict[str, dt.datetime] = {}
    final: dict[str, tuple[str, str | None]] = {}
    for entry in journal.entries():
        content = entry.content
        if content.local_reference is None:
            continue
        if content.kind == "list_decision_queued":
            queued_at[content.local_reference] = _parse_time(content.recorded_at).astimezone(zone)
        elif content.kind == "list_decision_confirmed":
            final[content.local_reference] = (content.outcome or "unknown", content.reference)
        elif content.kind == "list_decision_rejected":
            final[content.local_reference] = ("rejected", None)
    decisions: list[DayDecision] = []
    for local_reference, decision, reason, _decided_at in register.rows():
        moment = queued_at.get(local_reference)
        if moment is None or moment.date() != day:
            continue
        outcome, number = final.get(local_reference, ("queued", None))
        decisions.append(DayDecision(number, local_reference, moment, decision, outcome, reason))
    decisions.sort(key=lambda item: item.time)
    return decisions


def summarise(decisions: Iterable[DayDecision], *, day: dt.date, station: int) -> DaySummary:
    """Counts by outcome and by reason (refusals only) of ``decisions``."""
    listed = list(decisions)
    by_outcome = Counter(item.outcome for item in listed)
    by_reason = Counter(item.reason for item in listed if item.decision == "refuse" and item.reason is not None)
    return DaySummary(
        day=day,
        station=station,
        total=len(listed),
        by_outcome=dict(sorted(by_outcome.items())),
        by_reason={reason: by_reason[reason] for reason in REFUSAL_REASONS if by_reason[reason]},
    )


def summary_printout(
    summary: DaySummary, decisions: Iterable[DayDecision], *, language: Language, translate: Translate
) -> Printout:
    """The end-of-day summary with the list of decisions (no names), laid out for print."""
    blocks: list[Block] = [
        Title(translate("commission.summary.title")),
        KeyValue(translate("commission.summary.station"), str(summary.station), emphasis=True),
        KeyValue(translate("commission.summary.day"), summary.day.strftime("%d.%m.%Y")),
        KeyValue(translate("commission.summary.total"), str(summary.total), emphasis=True),
        Separator(),
        Paragraph(translate("commission.summary.by_outcome"), emphasis=True),
        *(KeyValue(_outcome_text(translate, outcome), str(count)) for outcome, count in summary.by_outcome.items()),
        Paragraph(translate("commission.summary.by_reason"), emphasis=True),
        *(KeyValue(translate(REFUSAL_REASON_KEYS[reason]), str(count)) for reason, count in summary.by_reason.items()),
        Separator(),
        Paragraph(translate("commission.summary.decisions"), emphasis=True),
    ]
    rows = [
        KeyValue(
            f"{item.time.strftime('%H:%M')} {item.decision_number or item.local_reference}",
            _outcome_text(translate, item.outcome)
            + ("" if item.reason is None else f" ({translate(REFUSAL_REASON_KEYS[item.reason])})"),
        )
        for item in decisions
    ]
    blocks += rows or [Paragraph(translate("commission.summary.none"))]
    return Printout(kind="commission_day_summary", language=language, blocks=tuple(blocks))


def summary_csv(decisions: Iterable[DayDecision]) -> bytes:
    """The day's decisions as CSV (UTF-8, RFC 4180 line ends, columns :data:`CSV_COLUMNS`), codes only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for item in decisions:
        writer.writerow([
            item.decision_number or "", item.local_reference, item.time.isoformat(timespec="seconds"),
            item.decision, item.outcome, item.reason or "",
        ])
    return buffer.getvalue().encode("utf-8")


def export_signed_csv(
    decisions: Iterable[DayDecision],
    directory: Path,
    *,
    day: dt.date,
    station: int,
    keystore: KeyStore,
    certificate: asn1_x509.Certificate,
) -> tuple[Path, Path]:
    """Write ``decisions-<station>-<day>.csv`` and its detached signature ``.csv.p7s`` (DER CMS); return both."""
    data = summary_csv(decisions)
    directory.mkdir(parents=True, exist_ok=True)
    csv_path = directory / f"decisions-{station}-{day.isoformat()}.csv"
    signature_path = csv_path.with_name(csv_path.name + ".p7s")
    csv_path.write_bytes(data)
    signature_path.write_bytes(sign_detached(data, keystore, certificate))
    return csv_path, signature_path


def _outcome_text(translate: Translate, outcome: str) -> str:
    key = DAY_OUTCOME_KEYS.get(outcome)
    return outcome if key is None else translate(key)


def _parse_time(recorded_at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00"))

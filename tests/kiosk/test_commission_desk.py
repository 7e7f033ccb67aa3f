"""The commission desk against the real simulated service: check, include, refuse and print, one voter one
list (the service says where), a decision performed twice is queued once, and the day's signed summary."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import secrets
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from asn1crypto import x509 as asn1_x509
from support.egov import RunningService

from drivers.printer.printout import KeyValue
from kiosk.commission_day import (
    DecisionRegister,
    day_decisions,
    export_signed_csv,
    summarise,
    summary_csv,
    summary_printout,
)
from kiosk.commission_desk import CommissionDesk
from kiosk.commission_documents import certificate_pem, self_issued_device_certificate
from kiosk.core.commission_auth import MemberIdentity
from kiosk.core.commission_session import (
    Checked,
    CommissionContext,
    CommissionSession,
    Deciding,
    Transition,
    next_state,
    start_commission_session,
)
from kiosk.core.commission_session_events import (
    CommissionEvent,
    DecisionAnswered,
    DecisionSubmitted,
    IinEntered,
    MethodChosen,
    PrintRefusal,
    RefusalPrintChosen,
    SendDecision,
    StartCheck,
)
from kiosk.core.iin import parse_iin
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.i18n.translator import Translator
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import Outbox
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import Backoff, OutboxSender
from kiosk.journal.verify import verify
from kiosk.wiring import open_device_key
from simulator.egov.population import sample_voters
from simulator.printer import SimPrinter

QUICK = RetryPolicy(attempts=1, connect_timeout=1.0, read_timeout=3.0, deadline=4.0, backoff=0.05)
MEMBER = MemberIdentity(parse_iin("850714400420"), "ИВАНОВА", "АННА", "chair", "PEC 001", "7f3e")
ZONE = dt.UTC


@dataclasses.dataclass
class Desk:
    desk: CommissionDesk
    journal: Journal
    register: DecisionRegister
    sender: OutboxSender
    client: EgovClient
    printer: SimPrinter
    certificate: asn1_x509.Certificate
    context: CommissionContext
    keystore: object


@pytest.fixture
def desk(service: RunningService, tmp_path: Path) -> Iterator[Desk]:
    service.set_faults(clear=True)
    config = service.config
    keystore = open_device_key(config)
    journal = Journal.open(tmp_path / "j" / "journal.sqlite3", signer=keystore,
                           secret=load_or_create_secret(tmp_path / "s" / "secret"))
    evidence = ResponseEvidence()
    client = EgovClient(base_url=config.service.base_url, signer=keystore, service_keys=config.service.service_keys,
                        ca_file=str(config.service.ca_file), station=config.station, policy=QUICK,
                        session=evidence.install(requests.Session()))
    sender = OutboxSender(Outbox(journal), client, evidence=evidence, backoff=Backoff(initial=0.05, maximum=0.2))
    register = DecisionRegister(journal)
    certificate = self_issued_device_certificate(keystore, station=config.station)
    printer = SimPrinter(tmp_path / "printed")
    commission_desk = CommissionDesk(
        service=client, sender=sender, register=register, journal=journal, keystore=keystore,
        certificate=certificate, printer=printer, translator_for=lambda language: Translator(language, strict=True),
        budget=8.0,
    )
    station = client.station_info()
    yield Desk(commission_desk, journal, register, sender, client, printer, certificate,
               CommissionContext(station), keystore)
    sender.stop()
    client.close()
    journal.close()


def voter(service: RunningService, category: str, *, here: bool = True) -> str:
    """A voter of ``category`` (registered inside this station's boundaries when ``here``), picked at random."""
    candidates = sample_voters(service.paths.database, category, 200,  # type: ignore[arg-type]
                               station=service.station if here else None)
    if not here:
        inside = set(sample_voters(service.paths.database, category, 10_000, station=service.station))  # type: ignore[arg-type]
        candidates = [iin for iin in candidates if iin not in inside]
    return random.choice(candidates)


def perform(desk: Desk, transition: Transition) -> Transition:
    """Perform the effects of ``transition`` the way the UI will, feeding the answers back."""
    state = transition
    pending = list(transition.effects)
    while pending:
        effect = pending.pop(0)
        event: CommissionEvent | None = None
        if isinstance(effect, StartCheck):
            event = desk.desk.check(effect)
        elif isinstance(effect, SendDecision):
            event = desk.desk.send_decision(effect)
        elif isinstance(effect, PrintRefusal):
            event = desk.desk.print_refusal(effect)
        if event is not None:
            state = next_state(state.state, event, dt.datetime.now(ZONE))
            pending.extend(state.effects)
    return state


def checked_session(desk: Desk, iin: str) -> CommissionSession:
    session = start_commission_session(desk.context, MEMBER, secrets.token_bytes(16))
    assert isinstance(session, CommissionSession)
    now = dt.datetime.now(ZONE)
    typed = next_state(session, MethodChosen("keypad"), now)
    after = perform(desk, next_state(typed.state, IinEntered(iin), now))
    assert isinstance(after.state.screen, Checked), after.state.screen
    return after.state


def outbox_items(desk: Desk) -> int:
    return len(desk.sender.outbox.statuses())


def test_include_a_voter_registered_inside_the_boundaries(desk: Desk, service: RunningService) -> None:
    iin = voter(service, "not_listed")
    session = checked_session(desk, iin)
    screen = session.screen
    assert isinstance(screen, Checked) and screen.inside_boundaries is True and screen.check.status == "not_listed"
    decided = perform(desk, next_state(session, DecisionSubmitted(iin, "include"), dt.datetime.now(ZONE)))
    result = decided.state.screen
    assert isinstance(result, Deciding) and result.result is not None and result.result.outcome == "included"
    # One voter, one list: now listed here, a second inclusion (a new check, a new decision) says so.
    again = checked_session(desk, iin)
    assert again.screen.check.status == "listed_here"  # type: ignore[union-attr]
    repeat = perform(desk, next_state(again, DecisionSubmitted(iin, "include"), dt.datetime.now(ZONE)))
    assert repeat.state.screen.result.outcome == "already_listed_here"  # type: ignore[union-attr]
    # The check is journalled with codes only, and the journal verifies.
    kinds = [entry.content.kind for entry in desk.journal.entries()]
    assert kinds.count("check") == 2 and kinds.count("list_decision_confirmed") == 2
    assert all(iin not in str(entry.as_dict()) for entry in desk.journal.entries())
    assert verify(desk.journal.path, desk.keystore.public_key()).ok  # type: ignore[attr-defined]


def test_a_voter_listed_elsewhere_cannot_be_included_and_the_answer_says_where(
    desk: Desk, service: RunningService
) -> None:
    iin = voter(service, "listed_elsewhere")
    session = checked_session(desk, iin)
    assert session.screen.check.status == "listed_elsewhere"  # type: ignore[union-attr]
    listed_at = session.screen.check.station  # type: ignore[union-attr]
    decided = perform(desk, next_state(session, DecisionSubmitted(iin, "include"), dt.datetime.now(ZONE)))
    result = decided.state.screen.result  # type: ignore[union-attr]
    assert result is not None and result.outcome == "listed_elsewhere"
    assert result.station is not None and listed_at is not None
    assert result.station.number == listed_at.number != service.station
    assert result.station.address.ru  # the screen can say where


def test_refuse_print_and_nothing_recorded_twice(desk: Desk, service: RunningService) -> None:
    iin = voter(service, "not_listed", here=False)
    session = checked_session(desk, iin)
    assert session.screen.inside_boundaries is False  # type: ignore[union-attr]
    submitted = next_state(session, DecisionSubmitted(iin, "refuse", "address_outside_boundaries",
                                                      "Адрес регистрации вне границ участка"), dt.datetime.now(ZONE))
    (send,) = submitted.effects
    assert isinstance(send, SendDecision)
    decided = perform(desk, submitted)
    assert decided.state.screen.result.outcome == "refusal_recorded"  # type: ignore[union-attr]
    # The same decision performed again (a double tap reaching the desk twice) is not queued again...
    assert outbox_items(desk) == 1
    repeated = desk.desk.send_decision(send)
    assert isinstance(repeated, DecisionAnswered) and repeated.result.outcome == "refusal_recorded"
    assert outbox_items(desk) == 1
    # ...and submitting it again through the session is refused with a reason.
    assert next_state(decided.state, DecisionSubmitted(iin, "refuse", "other", "x"),
                      dt.datetime.now(ZONE)).problem == "already_sent"
    with sqlite3.connect(service.paths.database) as database:
        count = database.execute("SELECT COUNT(*) FROM list_decisions WHERE iin = ?", (iin,)).fetchone()[0]
    assert count == 1
    printed = perform(desk, next_state(decided.state, RefusalPrintChosen("ru"), dt.datetime.now(ZONE)))
    assert printed.state.screen.print_state == "printed"  # type: ignore[union-attr]
    job = desk.printer.last_job
    assert job is not None and job.kind == "commission_refusal" and job.pdf_path.read_bytes().startswith(b"%PDF")


def test_the_day_list_summary_and_signed_csv(desk: Desk, service: RunningService, tmp_path: Path) -> None:
    inside = voter(service, "not_listed")
    outside = voter(service, "not_listed", here=False)
    for iin, decision, reason, text in ((inside, "include", None, None),
                                        (outside, "refuse", "address_outside_boundaries", "Вне участка")):
        session = checked_session(desk, iin)
        perform(desk, next_state(session, DecisionSubmitted(iin, decision, reason, text), dt.datetime.now(ZONE)))
    today = dt.datetime.now(ZONE).date()
    decisions = day_decisions(desk.journal, desk.register, today, ZONE)
    assert [(item.decision, item.outcome, item.reason) for item in decisions] == [
        ("include", "included", None), ("refuse", "refusal_recorded", "address_outside_boundaries"),
    ]
    assert all(item.decision_number and item.decision_number.startswith("LD-") for item in decisions)
    assert day_decisions(desk.journal, desk.register, today - dt.timedelta(days=1), ZONE) == []
    summary = summarise(decisions, day=today, station=service.station)
    assert summary.total == 2 and summary.by_outcome == {"included": 1, "refusal_recorded": 1}
    assert summary.by_reason == {"address_outside_boundaries": 1}
    printout = summary_printout(summary, decisions, language="kk", translate=Translator("kk", strict=True))
    desk.printer.print(printout)
    assert KeyValue("Барлық шешім", "2", emphasis=True) in printout.blocks
    csv_bytes = summary_csv(decisions)
    for iin in (inside, outside):
        assert iin.encode() not in csv_bytes  # without names or IINs
    csv_path, signature_path = export_signed_csv(decisions, tmp_path / "export", day=today, station=service.station,
                                                 keystore=desk.keystore, certificate=desk.certificate)  # type: ignore[arg-type]
    trust = tmp_path / "device.pem"
    trust.write_bytes(certificate_pem(desk.certificate))
    verified = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature_path), "-content",
         str(csv_path), "-CAfile", str(trust), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, check=False,
    )
    assert verified.returncode == 0, verified.stderr
    assert csv_path.read_bytes().splitlines()[0] == b"decision_number,local_reference,time,decision,outcome,reason"

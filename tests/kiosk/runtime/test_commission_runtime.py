"""The commission runtime against the real simulated service, an in-process member reader and the simulated
devices: login, the PIN rules, the locks, a check and a decision with its effects, nothing recorded twice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from commission_world import PIN, POLICY, CommissionWorld, commission_world
from runtime_world import ManualClock, QueuedPoster
from support.egov import RunningService
from test_digital_document_payload import issue_code

from kiosk.core.commission_auth import AwaitingPin, Locked, LockedOut, LoggedIn
from kiosk.core.commission_session import Checked, CommissionError, Deciding
from kiosk.runtime.commission import CommissionParts, CommissionRuntime, screen_name


@pytest.fixture(scope="module")
def world(service: RunningService, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommissionWorld]:
    with commission_world(service, tmp_path_factory.mktemp("commission")) as built:
        yield built


class Desk:
    """A runtime with a queued poster: the test's thread owns it."""

    def __init__(self, world: CommissionWorld, parts: CommissionParts | None = None) -> None:
        self.world = world
        self.poster = QueuedPoster()
        self.clock = ManualClock()  # each desk starts at the real time (digital documents expire by it)
        self.runtime = CommissionRuntime(replace(parts or world.parts, clock=self.clock), self.poster)
        self.runtime.start(ticking=False)

    def until(self, condition: object, timeout: float = 15.0) -> None:
        self.poster.run_until(condition, timeout)  # type: ignore[arg-type]

    def log_in(self) -> None:
        self.world.insert_member_card()
        self.until(lambda: isinstance(self.runtime.view.auth, AwaitingPin))
        self.runtime.submit_pin(PIN)
        self.until(lambda: isinstance(self.runtime.view.auth, LoggedIn))

    def check(self, iin: str) -> Checked:
        self.runtime.new_voter()
        self.runtime.submit_iin(iin)
        self.until(lambda: isinstance(self.screen, Checked | CommissionError))
        assert isinstance(self.screen, Checked), self.screen
        return self.screen

    @property
    def screen(self) -> object:
        session = self.runtime.view.session
        return None if session is None else session.screen

    def close(self) -> None:
        self.runtime.stop()
        self.world.member_reader.remove()
        self.world.voter_reader.remove()


@pytest.fixture
def desk(world: CommissionWorld, service: RunningService) -> Iterator[Desk]:
    service.set_faults(clear=True)
    built = Desk(world)
    yield built
    built.close()


def test_login_with_the_right_pin_then_card_removal_locks(desk: Desk) -> None:
    assert screen_name(desk.runtime.view) == "locked"
    desk.log_in()
    view = desk.runtime.view
    assert screen_name(view) == "home" and view.member is not None and view.member.role == "chair"
    assert view.session is not None and not view.denied
    desk.world.member_reader.remove()
    desk.until(lambda: isinstance(desk.runtime.view.auth, Locked))
    assert desk.runtime.view.session is None and screen_name(desk.runtime.view) == "locked"


def test_wrong_pins_grow_the_delay_and_lock_out(desk: Desk) -> None:
    desk.world.insert_member_card()
    desk.until(lambda: isinstance(desk.runtime.view.auth, AwaitingPin))
    runtime = desk.runtime
    runtime.submit_pin("0000")
    desk.until(lambda: not runtime.view.verifying_pin and isinstance(runtime.view.auth, AwaitingPin)
               and runtime.view.auth.throttle.wrong_pins == 1)
    runtime.submit_pin("0000")  # the first delay is zero: allowed at once
    desk.until(lambda: isinstance(runtime.view.auth, AwaitingPin) and runtime.view.auth.throttle.wrong_pins == 2)
    runtime.submit_pin(PIN)  # too early: 2 s must pass, the card is not even asked
    assert runtime.view.pin_refusal is not None and runtime.view.pin_refusal.reason == "delay"
    assert isinstance(runtime.view.auth, AwaitingPin) and runtime.view.auth.card_tries_left == 8
    desk.clock.advance(2)
    for wrong in (3, 4):
        runtime.submit_pin("9999")
        desk.until(lambda wrong=wrong: isinstance(runtime.view.auth, LockedOut) or (
            isinstance(runtime.view.auth, AwaitingPin) and runtime.view.auth.throttle.wrong_pins == wrong))
        desk.clock.advance(5)
    assert isinstance(runtime.view.auth, LockedOut) and screen_name(runtime.view) == "lockout"
    runtime.submit_pin(PIN)  # nothing reaches the card during the lockout
    assert isinstance(runtime.view.auth, LockedOut)
    desk.clock.advance(POLICY.lockout_duration.total_seconds())
    runtime.tick()
    assert isinstance(runtime.view.auth, AwaitingPin) and runtime.view.auth.throttle.wrong_pins == 0
    runtime.submit_pin(PIN)
    desk.until(lambda: isinstance(runtime.view.auth, LoggedIn))


def test_inactivity_locks_and_forgets_the_voter(desk: Desk) -> None:
    desk.log_in()
    iin = desk.world.voter("not_listed")
    desk.check(iin)
    desk.clock.advance(POLICY.inactivity_limit.total_seconds() - 1)
    desk.runtime.touched()
    desk.clock.advance(2)
    desk.runtime.tick()
    assert isinstance(desk.runtime.view.auth, LoggedIn)
    desk.clock.advance(POLICY.inactivity_limit.total_seconds())
    desk.runtime.tick()
    assert isinstance(desk.runtime.view.auth, AwaitingPin) and desk.runtime.view.session is None
    assert iin not in repr(desk.runtime.view)


def test_include_then_the_same_decision_is_not_sent_twice(desk: Desk) -> None:
    desk.log_in()
    iin = desk.world.voter("not_listed")
    checked = desk.check(iin)
    assert checked.inside_boundaries is True
    before = desk.world.outbox_items()
    desk.runtime.open_decision("include")
    desk.runtime.review_decision()
    assert screen_name(desk.runtime.view) == "confirmation"
    desk.runtime.send_decision()
    second = desk.runtime.send_decision()  # a double tap
    assert second is not None and second.problem == "already_sent"
    desk.until(lambda: isinstance(desk.screen, Deciding) and desk.screen.state != "sending")
    assert desk.screen.result is not None and desk.screen.result.outcome == "included"  # type: ignore[union-attr]
    assert desk.world.outbox_items() == before + 1
    desk.until(lambda: any(item.outcome == "included" for item in desk.runtime.view.day))
    # The identification method is journalled beside the check.
    reasons = [entry.content.reason for entry in desk.world.journal.entries()
               if entry.content.kind == "session_started"]
    assert "identified_by:typed_iin" in reasons


def test_a_refusal_needs_its_text_and_is_printed_signed(desk: Desk) -> None:
    desk.log_in()
    iin = desk.world.voter("not_listed", here=False)
    assert desk.check(iin).inside_boundaries is False
    runtime = desk.runtime
    runtime.open_decision("refuse")
    runtime.update_form(reason_code="address_outside_boundaries", text="   ", language="kk")
    runtime.review_decision()
    assert runtime.view.form.problem == "text_required" and screen_name(runtime.view) == "decision"
    runtime.update_form(reason_code="no_such_reason", text="Тіркеу мекенжайы учаске шекарасынан тыс")
    runtime.review_decision()
    assert runtime.view.form.problem == "unknown_reason"
    runtime.update_form(reason_code="address_outside_boundaries")
    runtime.review_decision()
    jobs = len(desk.world.printer.jobs)
    runtime.send_decision()
    desk.until(lambda: isinstance(desk.screen, Deciding) and desk.screen.print_state == "printed")
    assert len(desk.world.printer.jobs) == jobs + 1
    assert desk.world.printer.jobs[-1].kind == "commission_refusal"


def test_a_voter_card_needs_the_second_reader(world: CommissionWorld, service: RunningService) -> None:
    without = Desk(world)
    assert "card" not in without.runtime.view.methods
    without.close()
    desk = Desk(world, world.with_voter_reader())
    try:
        assert "card" in desk.runtime.view.methods
        desk.log_in()
        iin = world.voter("listed_elsewhere")
        desk.runtime.new_voter()
        desk.runtime.choose_method("card")
        world.insert_voter_card(iin)
        desk.until(lambda: isinstance(desk.screen, Checked | CommissionError), timeout=20)
        assert isinstance(desk.screen, Checked) and desk.screen.identity.source == "id_card"
        assert desk.screen.check.status == "listed_elsewhere" and desk.screen.check.station is not None
    finally:
        desk.close()


def test_a_digital_document_identifies_the_voter(desk: Desk, service: RunningService) -> None:
    desk.log_in()
    iin = desk.world.voter("not_listed")
    desk.runtime.new_voter()
    desk.runtime.choose_method("qr")
    desk.world.scanner.show(issue_code(service, iin))
    desk.until(lambda: isinstance(desk.screen, Checked | CommissionError))
    assert isinstance(desk.screen, Checked) and desk.screen.identity.source == "digital_document"


def test_the_day_summary_prints_and_exports_a_signed_csv(desk: Desk, tmp_path: Path) -> None:
    desk.log_in()
    desk.runtime.open_summary()
    desk.until(lambda: desk.runtime.view.summary is not None)
    desk.runtime.print_summary("ru")
    desk.until(lambda: desk.runtime.view.day_status in ("printed", "print_failed"))
    assert desk.runtime.view.day_status == "printed"
    desk.runtime.export_summary()
    desk.until(lambda: desk.runtime.view.day_status in ("exported", "export_failed"))
    csv_path, signature_path = (Path(path) for path in desk.runtime.view.exported)
    assert csv_path.read_bytes().startswith(b"decision_number,") and signature_path.stat().st_size > 100
    assert dt.date.today().isoformat()[:4] in csv_path.name

"""The voter runtime against the real simulated service, the in-process card reader and simulated devices."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_world import QueuedPoster, VoterWorld, personal_data_paths, voter_world
from support.egov import RunningService

from kiosk.core.voter_session_events import (
    AskCommissionChosen,
    Confirmed,
    ConsentGiven,
    DigitTyped,
    Finish,
    IinSubmitted,
    LanguageChosen,
    MethodChosen,
    TemporaryRegistrationChosen,
    Tick,
)
from kiosk.core.voter_session_states import (
    Answer,
    AskCommission,
    Attract,
    Checking,
    ErrorScreen,
    RegistrationReceipt,
    Screen,
)
from kiosk.i18n import translator
from kiosk.runtime.voter import VoterRuntime

DEVICES = frozenset({"_parts", "_speaker"})  # devices keep their own history


@pytest.fixture(autouse=True)
def no_faults(service: RunningService) -> Iterator[None]:
    service.set_faults(clear=True)
    yield
    service.set_faults(clear=True)


@pytest.fixture
def world(service: RunningService, tmp_path: Path) -> Iterator[VoterWorld]:
    with voter_world(service, tmp_path) as made:
        yield made


@pytest.fixture
def poster() -> QueuedPoster:
    return QueuedPoster()


@pytest.fixture
def runtime(world: VoterWorld, poster: QueuedPoster) -> Iterator[VoterRuntime]:
    made = VoterRuntime(world.parts, poster)
    made.start(ticking=False)
    yield made
    made.stop()


def wait_for(poster: QueuedPoster, runtime: VoterRuntime, screen: type[Screen], timeout: float = 15.0) -> None:
    poster.run_until(lambda: isinstance(runtime.session.screen, screen), timeout)


def test_card_listed_here_shows_and_says_the_station(world: VoterWorld, runtime: VoterRuntime,
                                                      poster: QueuedPoster) -> None:
    runtime.send(LanguageChosen("en"))
    world.insert_card(world.voter("listed_here"))
    wait_for(poster, runtime, Answer)
    screen = runtime.session.screen
    assert isinstance(screen, Answer)
    assert screen.kind == "listed_here"
    assert screen.identity.source == "id_card"
    assert screen.check.station is not None and screen.check.station.number == world.station.number
    runtime.wait_until_quiet()
    said = " ".join(list(world.speaker.spoken_texts))
    assert "You are on the voter list of this polling station" in said
    assert str(world.station.number) in said


def test_card_inserted_before_choosing_card_is_read(world: VoterWorld, runtime: VoterRuntime,
                                                    poster: QueuedPoster) -> None:
    runtime.send(LanguageChosen("ru"))
    world.insert_card(world.voter("listed_elsewhere"))
    wait_for(poster, runtime, Answer)  # the card itself starts the read, from the identify screen
    assert runtime.session.screen.kind == "listed_elsewhere"  # type: ignore[union-attr]
    runtime.send(Finish())
    assert isinstance(runtime.session.screen, Attract)


def test_temporary_registration_is_confirmed_and_the_receipt_printed(world: VoterWorld, runtime: VoterRuntime,
                                                                     poster: QueuedPoster) -> None:
    iin = world.voter("no_registration", 3)
    runtime.send(LanguageChosen("kk"))
    world.insert_card(iin)
    wait_for(poster, runtime, Answer)
    screen = runtime.session.screen
    assert isinstance(screen, Answer) and screen.temporary_registration_offered
    runtime.send(TemporaryRegistrationChosen())
    runtime.send(ConsentGiven())
    runtime.send(Confirmed())
    poster.run_until(lambda: isinstance(runtime.session.screen, RegistrationReceipt)
                     and runtime.session.screen.print_status == "printed")
    receipt = runtime.session.screen
    assert isinstance(receipt, RegistrationReceipt)
    assert receipt.outcome == "created" and receipt.reference
    job = world.printer.last_job
    assert job is not None and job.kind == "temporary_registration_receipt"
    assert job.printout is not None
    printed = " ".join(job.printout.texts())
    assert receipt.reference in printed and iin not in printed and iin[-4:] in printed


def test_queued_registration_is_said_honestly_and_a_slip_printed(world: VoterWorld, runtime: VoterRuntime,
                                                                 poster: QueuedPoster,
                                                                 service: RunningService) -> None:
    runtime.send(LanguageChosen("en"))
    world.insert_card(world.voter("no_registration", 4))
    wait_for(poster, runtime, Answer)
    runtime.send(TemporaryRegistrationChosen())
    runtime.send(ConsentGiven())
    service.set_faults(drop=1.0)
    runtime.send(Confirmed())
    poster.run_until(lambda: isinstance(runtime.session.screen, RegistrationReceipt)
                     and runtime.session.screen.print_status in ("printed", "failed"), timeout=20)
    receipt = runtime.session.screen
    assert isinstance(receipt, RegistrationReceipt) and receipt.outcome == "queued" and receipt.reference is None
    job = world.printer.last_job
    assert job is not None and job.kind == "ask_commission_slip"
    runtime.wait_until_quiet()
    assert any("not been confirmed" in text or "not yet confirmed" in text or "saved" in text
               for text in list(world.speaker.spoken_texts)), list(world.speaker.spoken_texts)


def test_typed_iin_not_listed_sends_to_the_commission_with_a_slip(world: VoterWorld, runtime: VoterRuntime,
                                                                  poster: QueuedPoster) -> None:
    runtime.send(LanguageChosen("ru"))
    runtime.send(MethodChosen("keypad"))
    for digit in world.voter("no_registration", 5):
        runtime.send(DigitTyped(digit))
    runtime.send(IinSubmitted())
    wait_for(poster, runtime, Answer)
    screen = runtime.session.screen
    assert isinstance(screen, Answer) and screen.kind == "not_listed" and not screen.temporary_registration_offered
    runtime.send(AskCommissionChosen())
    poster.run_until(lambda: isinstance(runtime.session.screen, AskCommission)
                     and runtime.session.screen.print_status == "printed")
    job = world.printer.last_job
    assert job is not None and job.kind == "ask_commission_slip" and job.printout is not None
    assert job.printout.language == "ru"


def test_digital_document_by_qr(world: VoterWorld, runtime: VoterRuntime, poster: QueuedPoster) -> None:
    from test_digital_document_payload import issue_code  # noqa: PLC0415  (shared with the UI tests)

    runtime.send(LanguageChosen("en"))
    runtime.send(MethodChosen("qr"))
    world.scanner.show(issue_code(world.service, world.voter("listed_here", 2)))
    wait_for(poster, runtime, Answer)
    screen = runtime.session.screen
    assert isinstance(screen, Answer) and screen.identity.source == "digital_document"


def test_card_removed_mid_read(world: VoterWorld, runtime: VoterRuntime, poster: QueuedPoster) -> None:
    runtime.send(LanguageChosen("en"))
    world.insert_card(world.voter("listed_here", 1), faults=("removed-after-2",))
    wait_for(poster, runtime, ErrorScreen)
    screen = runtime.session.screen
    assert isinstance(screen, ErrorScreen) and screen.kind == "card_removed"


def test_unreadable_card_says_what_to_do(world: VoterWorld, runtime: VoterRuntime, poster: QueuedPoster) -> None:
    runtime.send(LanguageChosen("en"))
    world.insert_card(world.voter("listed_here", 1), faults=("unknown-root",))
    wait_for(poster, runtime, ErrorScreen)
    screen = runtime.session.screen
    assert isinstance(screen, ErrorScreen) and screen.kind == "document_unreadable"
    assert translator("en").has(screen.detail_key)


def test_service_unreachable_becomes_an_error_screen(world: VoterWorld, runtime: VoterRuntime,
                                                     poster: QueuedPoster, service: RunningService) -> None:
    service.set_faults(drop=1.0)
    runtime.send(LanguageChosen("en"))
    world.insert_card(world.voter("listed_here"))
    wait_for(poster, runtime, ErrorScreen, timeout=20)
    screen = runtime.session.screen
    assert isinstance(screen, ErrorScreen) and screen.kind == "service_unreachable"


def test_inactivity_returns_to_attract_and_nothing_personal_is_left(world: VoterWorld, runtime: VoterRuntime,
                                                                    poster: QueuedPoster) -> None:
    iin = world.voter("listed_here", 3)
    runtime.send(LanguageChosen("en"))
    world.insert_card(iin)
    wait_for(poster, runtime, Answer)
    screen = runtime.session.screen
    assert isinstance(screen, Answer)
    needles = tuple(value for value in (iin, screen.identity.surname, screen.identity.given_names) if value)
    assert personal_data_paths(runtime, needles, skip=DEVICES)  # the walker finds them
    world.clock.advance(61)
    runtime.send(Tick())
    assert runtime.session.more_time is not None
    world.clock.advance(31)
    runtime.send(Tick())
    assert isinstance(runtime.session.screen, Attract)
    poster.run_pending()
    assert personal_data_paths(runtime, needles, skip=DEVICES) == []


def test_a_late_answer_never_reaches_the_next_voter(world: VoterWorld, runtime: VoterRuntime,
                                                    poster: QueuedPoster, service: RunningService) -> None:
    service.set_faults(latency_ms=1500)
    runtime.send(LanguageChosen("en"))
    world.insert_card(world.voter("listed_here"))
    wait_for(poster, runtime, Checking)
    runtime.send(Finish())
    assert isinstance(runtime.session.screen, Attract)
    time.sleep(2.0)  # the abandoned check answers meanwhile
    poster.run_pending()
    assert isinstance(runtime.session.screen, Attract)

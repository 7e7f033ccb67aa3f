"""The voter's session walked event by event along every path of issue 4's "Done" list, and its edge cases."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from test_voter_session_world import (
    ALREADY_REGISTERED,
    CARD_IDENTITY,
    CREATED,
    DIGITAL_IDENTITY,
    HOME,
    HOME_WITHOUT_REGISTRATION,
    IIN,
    KEY_SEED,
    LISTED_ELSEWHERE,
    LISTED_HERE,
    NOT_ELIGIBLE,
    NOT_LISTED_MAY_NOT_REGISTER,
    NOT_LISTED_MAY_REGISTER,
    OTHER,
    OTHER_CARD_IDENTITY,
    REFUSED,
    REGISTERED_ELSEWHERE,
    TYPED_IDENTITY,
    Walk,
    commission_only_data_in,
    personal_data_in,
    spoken_keys,
    spoken_params,
    the_effect,
    wiped,
)

from kiosk.core.iin import IinRejection
from kiosk.core.voter_session import next_state
from kiosk.core.voter_session_effects import Print, StartCheck, StartDocumentRead, StartTemporaryRegistration
from kiosk.core.voter_session_events import (
    Activity,
    AskCommissionChosen,
    Back,
    CardInserted,
    CardRemoved,
    CheckAnswered,
    Confirmed,
    ConsentDeclined,
    ConsentGiven,
    DigitErased,
    DigitsCleared,
    DigitTyped,
    DocumentFailed,
    DocumentRead,
    Finish,
    Help,
    IinSubmitted,
    LanguageChosen,
    MethodChosen,
    MoreTimeChosen,
    Printed,
    PrintFailed,
    QrScanned,
    RegistrationAnswered,
    RegistrationQueued,
    ServiceNotReached,
    ServiceRefused,
    TemporaryRegistrationChosen,
    Tick,
    TryAgainChosen,
)
from kiosk.core.voter_session_prompts import focusable_controls
from kiosk.core.voter_session_states import (
    Answer,
    AskCommission,
    Attract,
    Checking,
    ChooseMethod,
    Confirmation,
    Consent,
    ErrorScreen,
    InsertCard,
    KeypadEntry,
    ReadingDocument,
    Registering,
    RegistrationReceipt,
    RetryCheck,
    RetryRead,
    RetryTyping,
    SessionContext,
    ShowCode,
)
from kiosk.core.voter_session_transitions import idempotency_key


def control_names(walk: Walk) -> list[str]:
    return [control.name for control in focusable_controls(walk.state)]


def identified_by_card(walk: Walk, identity: object = CARD_IDENTITY) -> None:
    """Attract -> language -> card -> read -> checking."""
    walk.send(LanguageChosen("ru"))
    walk.send(MethodChosen("card"))
    walk.send(CardInserted())
    assert isinstance(walk.state.screen, ReadingDocument)
    walk.send(DocumentRead(walk.pending, identity))  # type: ignore[arg-type]
    assert isinstance(walk.state.screen, Checking)


def typed(walk: Walk, digits: str) -> None:
    for digit in digits:
        walk.send(DigitTyped(digit))


def answered(walk: Walk, check: object, identity: object = CARD_IDENTITY) -> None:
    identified_by_card(walk, identity)
    walk.send(CheckAnswered(walk.pending, check))  # type: ignore[arg-type]
    assert isinstance(walk.state.screen, Answer)


def registering(walk: Walk) -> str:
    """Up to the registration being sent; returns the idempotency key."""
    answered(walk, NOT_LISTED_MAY_REGISTER)
    walk.send(TemporaryRegistrationChosen())
    walk.send(ConsentGiven())
    walk.send(Confirmed())
    screen = walk.state.screen
    assert isinstance(screen, Registering)
    return screen.idempotency_key


# --- listed here ---------------------------------------------------------------------------------------------


def test_listed_here_by_card_shows_station_hours_and_ballots_then_finish_wipes() -> None:
    walk = Walk()
    assert isinstance(walk.state.screen, Attract)
    assert control_names(walk) == ["language_kk", "language_ru", "language_en", "repeat"]

    walk.send(LanguageChosen("ru"))
    assert isinstance(walk.state.screen, ChooseMethod)
    assert walk.state.language == "ru"
    assert spoken_keys(walk.effects) == ["voter.identify.prompt"]
    assert all(effect.language == "ru" for effect in walk.effects if hasattr(effect, "language"))

    walk.send(MethodChosen("card"))
    assert isinstance(walk.state.screen, InsertCard)
    walk.send(CardInserted())
    assert walk.effects[0] == StartDocumentRead(request_id=1, kind="id_card", code_payload=None)
    assert spoken_keys(walk.effects) == ["voter.reading.id_card"]

    walk.send(DocumentRead(1, CARD_IDENTITY))
    assert walk.effects[0] == StartCheck(request_id=2, identity=CARD_IDENTITY)
    assert spoken_keys(walk.effects) == ["voter.checking.prompt"]

    walk.send(CheckAnswered(2, LISTED_HERE))
    screen = walk.state.screen
    assert isinstance(screen, Answer) and screen.kind == "listed_here"
    assert not screen.temporary_registration_offered
    # Each ballot is said as its kind, its district and its paper colour, each a translated text of its own.
    assert spoken_keys(walk.effects) == ["voter.answer.listed_here", "voter.answer.ballots", "voter.ballot.mazhilis",
                                         "voter.answer.ballot.district", "voter.colour.white"]
    here = spoken_params(walk.effects, "voter.answer.listed_here")
    assert here == {"station": "123", "address": "улица Абая, 1", "opens": "07:00", "closes": "20:00"}
    assert spoken_params(walk.effects, "voter.answer.ballots") == {"count": "1"}
    assert spoken_params(walk.effects, "voter.answer.ballot.district") == {"district": "округ №5"}
    assert control_names(walk) == ["finish", "repeat"]

    walk.send(Finish())
    assert isinstance(walk.state.screen, Attract)
    assert wiped(walk.effects)
    assert walk.state.language == "kk"  # the next voter starts in the station's default language
    assert personal_data_in(walk.state) == []


def test_the_commission_only_registered_address_never_reaches_the_answer() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    assert LISTED_HERE.registration is not None
    assert commission_only_data_in(walk.state) == []
    assert commission_only_data_in(walk.transitions) == []


# --- listed elsewhere ----------------------------------------------------------------------------------------


def test_listed_elsewhere_shows_the_other_station_and_how_to_get_there_never_the_home_address() -> None:
    walk = Walk()
    answered(walk, LISTED_ELSEWHERE)
    screen = walk.state.screen
    assert isinstance(screen, Answer) and screen.kind == "listed_elsewhere"
    assert screen.check.station == OTHER
    assert screen.check.registration is None
    assert spoken_params(walk.effects, "voter.answer.listed_elsewhere") == {
        "station": "456", "address": "улица Бейбитшилик, 7", "directions": "автобус 3"}
    assert commission_only_data_in(walk.transitions) == []
    assert commission_only_data_in(walk.state) == []
    assert control_names(walk) == ["finish", "repeat"]


def test_listed_elsewhere_without_a_station_says_ask_the_commission() -> None:
    walk = Walk()
    answered(walk, dataclasses.replace(LISTED_ELSEWHERE, station=None))
    assert spoken_params(walk.effects, "voter.answer.listed_elsewhere.no_station") == {"desk": "2"}


# --- not listed, with temporary registration ----------------------------------------------------------------


@pytest.mark.parametrize("identity", [CARD_IDENTITY, DIGITAL_IDENTITY])
def test_not_listed_identified_by_a_document_registers_temporarily_and_prints_a_receipt(identity: object) -> None:
    walk = Walk()
    answered(walk, NOT_LISTED_MAY_REGISTER, identity)
    screen = walk.state.screen
    assert isinstance(screen, Answer) and screen.temporary_registration_offered
    assert spoken_keys(walk.effects) == ["voter.answer.not_listed.temporary_registration"]
    assert control_names(walk) == ["register_temporarily", "ask_commission", "finish", "repeat"]

    walk.send(TemporaryRegistrationChosen())
    assert isinstance(walk.state.screen, Consent)
    assert spoken_params(walk.effects, "voter.consent.prompt") == {"station": "123", "address": "улица Абая, 1"}
    assert control_names(walk) == ["consent", "decline", "back", "repeat"]

    walk.send(ConsentGiven())
    confirmation = walk.state.screen
    assert isinstance(confirmation, Confirmation)
    assert confirmation.idempotency_key == idempotency_key(KEY_SEED, walk.state.request_counter)
    assert spoken_params(walk.effects, "voter.confirmation.prompt")["masked_iin"] == "••••••••0012"
    assert IIN.value not in repr(walk.state)

    walk.send(Confirmed())
    registering_screen = walk.state.screen
    assert isinstance(registering_screen, Registering)
    start = walk.effects[0]
    assert start == StartTemporaryRegistration(registering_screen.request_id, identity,
                                               confirmation.idempotency_key)
    assert control_names(walk) == ["repeat"]

    walk.send(RegistrationAnswered(walk.pending, CREATED))
    receipt = walk.state.screen
    assert isinstance(receipt, RegistrationReceipt)
    assert (receipt.outcome, receipt.reference, receipt.station, receipt.print_status) == (
        "created", "TR-2024-000123", HOME, "printing")
    printing = the_effect(walk.effects, Print)
    assert isinstance(printing, Print)
    job = printing.job
    assert (job.kind, job.language, job.station_number, job.reference, job.masked_iin, job.outcome) == (
        "temporary_registration_receipt", "ru", 123, "TR-2024-000123", "••••••••0012", "created")
    assert spoken_keys(walk.effects) == ["voter.receipt.created", "voter.print.printing"]

    walk.send(Printed(printing.request_id))
    assert walk.state.screen == dataclasses.replace(receipt, print_status="printed")
    assert spoken_keys(walk.effects) == ["voter.print.printed"]

    walk.send(Finish())
    assert isinstance(walk.state.screen, Attract) and wiped(walk.effects)
    assert personal_data_in(walk.state) == []


def test_each_consent_makes_one_idempotency_key_and_the_registration_uses_it() -> None:
    walk = Walk()
    answered(walk, NOT_LISTED_MAY_REGISTER)
    walk.send(TemporaryRegistrationChosen())
    walk.send(ConsentGiven())
    first = walk.state.screen
    assert isinstance(first, Confirmation)
    walk.send(Back())
    assert isinstance(walk.state.screen, Consent)
    walk.send(ConsentGiven())
    second = walk.state.screen
    assert isinstance(second, Confirmation)
    assert first.idempotency_key != second.idempotency_key  # a new consent, a new key
    walk.send(Confirmed())
    registration = walk.effects[0]
    assert isinstance(registration, StartTemporaryRegistration)
    assert registration.idempotency_key == second.idempotency_key
    # Pure: the same state and event give the same key.
    again = next_state(walk.transitions[-2].state, Confirmed(), walk.now)
    assert again.effects == walk.effects


def test_idempotency_keys_come_from_the_injected_seed() -> None:
    assert idempotency_key(KEY_SEED, 1) == idempotency_key(KEY_SEED, 1)
    assert idempotency_key(KEY_SEED, 1) != idempotency_key(KEY_SEED, 2)
    assert idempotency_key(KEY_SEED, 1) != idempotency_key(bytes(32), 1)
    assert len(idempotency_key(KEY_SEED, 1)) == 36


def test_declining_consent_returns_to_the_answer() -> None:
    walk = Walk()
    answered(walk, NOT_LISTED_MAY_REGISTER)
    walk.send(TemporaryRegistrationChosen())
    walk.send(ConsentDeclined())
    screen = walk.state.screen
    assert isinstance(screen, Answer) and screen.temporary_registration_offered


@pytest.mark.parametrize(("result", "outcome", "station"), [
    (ALREADY_REGISTERED, "already_registered", OTHER),
    (REGISTERED_ELSEWHERE, "listed_elsewhere", OTHER),
    (REFUSED, "refused", None),
])
def test_registration_answers_that_register_nothing_print_nothing(result: object, outcome: str,
                                                                  station: object) -> None:
    walk = Walk()
    registering(walk)
    walk.send(RegistrationAnswered(walk.pending, result))  # type: ignore[arg-type]
    receipt = walk.state.screen
    assert isinstance(receipt, RegistrationReceipt)
    assert (receipt.outcome, receipt.station, receipt.print_status) == (outcome, station, "none")
    assert not any(isinstance(effect, Print) for effect in walk.effects)
    assert spoken_keys(walk.effects) == [f"voter.receipt.{outcome}"]


def test_a_refused_registration_sends_the_voter_to_the_commission_with_a_slip() -> None:
    walk = Walk()
    registering(walk)
    walk.send(RegistrationAnswered(walk.pending, REFUSED))
    assert control_names(walk) == ["ask_commission", "finish", "repeat"]
    walk.send(AskCommissionChosen())
    screen = walk.state.screen
    assert isinstance(screen, AskCommission)
    assert (screen.reason, screen.desk) == ("registration_refused", 2)
    slip = the_effect(walk.effects, Print)
    assert isinstance(slip, Print) and slip.job.kind == "commission_slip" and slip.job.desk == 2


@pytest.mark.parametrize("event_kind", ["queued", "unreachable"])
def test_a_registration_held_by_the_outbox_is_shown_queued_with_a_receipt(event_kind: str) -> None:
    walk = Walk()
    registering(walk)
    request_id = walk.pending
    walk.send(RegistrationQueued(request_id) if event_kind == "queued" else ServiceNotReached(request_id))
    receipt = walk.state.screen
    assert isinstance(receipt, RegistrationReceipt)
    assert (receipt.outcome, receipt.reference, receipt.print_status) == ("queued", None, "printing")
    printing = the_effect(walk.effects, Print)
    assert isinstance(printing, Print) and printing.job.outcome == "queued" and printing.job.reference is None
    assert spoken_params(walk.effects, "voter.receipt.queued") == {"desk": "2"}
    assert "ask_commission" in control_names(walk)


def test_a_registration_the_service_refuses_to_take_is_an_error_with_what_to_do() -> None:
    walk = Walk()
    registering(walk)
    walk.send(ServiceRefused(walk.pending, "service.rejected"))
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen)
    assert (screen.kind, screen.detail_key, screen.retry) == ("service_refused", "service.rejected", None)
    assert spoken_keys(walk.effects) == ["voter.error.service_refused", "voter.error.service_refused.next"]
    assert control_names(walk) == ["ask_commission", "finish", "repeat"]


def test_leaving_is_not_possible_while_the_registration_is_sent() -> None:
    walk = Walk()
    registering(walk)
    before = walk.state
    for event in (Finish(), Back()):
        transition = walk.send(event)
        assert transition.state == before
        assert spoken_keys(transition.effects) == ["voter.registering.wait"]


def test_a_failed_print_says_so_and_offers_the_commission() -> None:
    walk = Walk()
    registering(walk)
    walk.send(RegistrationAnswered(walk.pending, CREATED))
    walk.send(PrintFailed(walk.pending, "printer.paper_out"))
    screen = walk.state.screen
    assert isinstance(screen, RegistrationReceipt) and screen.print_status == "failed"
    assert spoken_params(walk.effects, "voter.print.failed") == {"desk": "2"}
    walk.send(AskCommissionChosen())
    commission = walk.state.screen
    assert isinstance(commission, AskCommission) and commission.reason == "receipt_not_printed"


# --- not listed, without temporary registration ---------------------------------------------------------------


def test_not_listed_after_a_typed_iin_is_never_offered_registration() -> None:
    walk = Walk()
    walk.send(LanguageChosen("en"))
    walk.send(MethodChosen("keypad"))
    typed(walk, IIN.value)
    walk.send(IinSubmitted())
    checking = walk.state.screen
    assert isinstance(checking, Checking) and checking.identity == TYPED_IDENTITY
    walk.send(CheckAnswered(walk.pending, NOT_LISTED_MAY_REGISTER))
    screen = walk.state.screen
    assert isinstance(screen, Answer) and not screen.temporary_registration_offered
    assert spoken_params(walk.effects, "voter.answer.not_listed.ask_commission") == {"desk": "2"}
    assert control_names(walk) == ["ask_commission", "finish", "repeat"]
    assert walk.send(TemporaryRegistrationChosen()).ignored
    assert walk.send(ConsentGiven()).ignored

    walk.send(AskCommissionChosen())
    commission = walk.state.screen
    assert isinstance(commission, AskCommission) and (commission.reason, commission.desk) == ("not_listed", 2)
    slip = the_effect(walk.effects, Print)
    assert isinstance(slip, Print)
    assert (slip.job.kind, slip.job.language, slip.job.masked_iin, slip.job.desk) == (
        "commission_slip", "en", "••••••••0012", 2)
    assert spoken_keys(walk.effects) == ["voter.ask_commission.prompt", "voter.print.printing"]
    walk.send(Printed(slip.request_id))
    assert spoken_keys(walk.effects) == ["voter.print.printed"]


def test_not_listed_at_a_station_without_temporary_registration_sends_to_the_commission() -> None:
    walk = Walk(HOME_WITHOUT_REGISTRATION)
    answered(walk, NOT_LISTED_MAY_REGISTER)
    screen = walk.state.screen
    assert isinstance(screen, Answer) and not screen.temporary_registration_offered
    assert "register_temporarily" not in control_names(walk)


def test_not_listed_when_the_service_does_not_allow_temporary_registration() -> None:
    walk = Walk()
    answered(walk, NOT_LISTED_MAY_NOT_REGISTER)
    screen = walk.state.screen
    assert isinstance(screen, Answer) and not screen.temporary_registration_offered


def test_not_eligible_sends_to_the_commission() -> None:
    walk = Walk()
    answered(walk, NOT_ELIGIBLE)
    assert spoken_params(walk.effects, "voter.answer.not_eligible") == {"desk": "2"}
    walk.send(AskCommissionChosen())
    screen = walk.state.screen
    assert isinstance(screen, AskCommission) and screen.reason == "not_eligible"


def test_a_document_reader_returning_a_typed_identity_is_refused() -> None:
    walk = Walk()
    walk.send(CardInserted())
    walk.send(DocumentRead(walk.pending, TYPED_IDENTITY))
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen) and screen.kind == "document_unreadable"
    assert screen.detail_key == "voter.error.not_a_document"


# --- the keypad and an invalid IIN -------------------------------------------------------------------------------


def test_an_invalid_iin_typed_is_flagged_as_typed_and_explained_when_submitted() -> None:
    walk = Walk()
    walk.send(MethodChosen("keypad"))
    assert spoken_keys(walk.effects) == ["voter.keypad.prompt"]
    typed(walk, "85041530001")
    keypad = walk.state.screen
    assert isinstance(keypad, KeypadEntry) and keypad.feedback.status == "incomplete"
    assert spoken_params(walk.effects, "voter.keypad.typed") == {"digit": "1", "count": "11"}

    walk.send(DigitTyped("3"))  # the check digit is 2
    keypad = walk.state.screen
    assert isinstance(keypad, KeypadEntry)
    assert (keypad.feedback.status, keypad.feedback.reason) == ("invalid", IinRejection.CHECK_DIGIT_MISMATCH)
    assert spoken_keys(walk.effects) == ["voter.keypad.typed", "voter.keypad.invalid.check_digit_mismatch"]

    walk.send(DigitTyped("4"))
    assert spoken_keys(walk.effects) == ["voter.keypad.full"]

    walk.send(IinSubmitted())
    error = walk.state.screen
    assert isinstance(error, ErrorScreen)
    assert (error.kind, error.detail_key, error.retry) == (
        "invalid_iin", "iin.check_digit_mismatch", RetryTyping("850415300013"))
    assert spoken_keys(walk.effects) == [
        "voter.error.invalid_iin", "voter.keypad.invalid.check_digit_mismatch", "voter.error.invalid_iin.next"]
    assert control_names(walk) == ["try_again", "other_method", "ask_commission", "finish", "repeat"]

    walk.send(TryAgainChosen())
    assert walk.state.screen == KeypadEntry("850415300013", keypad.feedback)
    walk.send(DigitErased())
    assert spoken_params(walk.effects, "voter.keypad.erased") == {"count": "11"}
    walk.send(DigitTyped("2"))
    assert spoken_keys(walk.effects) == ["voter.keypad.typed", "voter.keypad.valid"]
    walk.send(IinSubmitted())
    assert isinstance(walk.state.screen, Checking)


def test_a_mistyped_month_is_flagged_at_the_fourth_digit() -> None:
    walk = Walk()
    walk.send(MethodChosen("keypad"))
    typed(walk, "851")
    assert spoken_keys(walk.effects) == ["voter.keypad.typed"]
    walk.send(DigitTyped("3"))
    keypad = walk.state.screen
    assert isinstance(keypad, KeypadEntry) and keypad.feedback.reason == IinRejection.BAD_DATE
    assert spoken_keys(walk.effects) == ["voter.keypad.typed", "voter.keypad.invalid.bad_date"]


def test_submitting_too_few_digits_says_how_many_are_missing() -> None:
    walk = Walk()
    walk.send(MethodChosen("keypad"))
    typed(walk, "8504")
    walk.send(IinSubmitted())
    assert isinstance(walk.state.screen, KeypadEntry)
    assert spoken_params(walk.effects, "voter.keypad.incomplete") == {"typed": "4", "remaining": "8"}


def test_keypad_erase_clear_and_stray_keys() -> None:
    walk = Walk()
    walk.send(MethodChosen("keypad"))
    assert walk.send(DigitErased()).ignored
    assert walk.send(DigitsCleared()).ignored
    assert walk.send(DigitTyped("x")).ignored
    assert walk.send(DigitTyped("12")).ignored
    assert walk.send(DigitTyped("٣")).ignored  # an Arabic-Indic digit is not an IIN digit
    typed(walk, "85")
    walk.send(DigitsCleared())
    assert walk.state.screen == KeypadEntry("", walk.state.screen.feedback)  # type: ignore[union-attr]
    assert wiped(walk.effects)  # the typed digits are personal data
    assert spoken_keys(walk.effects) == ["voter.keypad.cleared"]
    walk.send(Back())
    assert isinstance(walk.state.screen, ChooseMethod)


# --- card removed mid-read ----------------------------------------------------------------------------------------


def test_card_removed_mid_read_says_what_to_do_and_ignores_the_late_result() -> None:
    walk = Walk()
    walk.send(LanguageChosen("kk"))
    walk.send(MethodChosen("card"))
    walk.send(CardInserted())
    abandoned = walk.pending
    walk.send(CardRemoved())
    error = walk.state.screen
    assert isinstance(error, ErrorScreen)
    assert (error.kind, error.detail_key, error.retry) == ("card_removed", "card.removed", RetryRead("id_card"))
    assert error.next_step_key == "voter.error.card_removed.next"
    assert spoken_keys(walk.effects) == ["voter.error.card_removed", "voter.error.card_removed.next"]
    assert control_names(walk) == ["try_again", "other_method", "ask_commission", "finish", "repeat"]

    assert walk.send(DocumentRead(abandoned, CARD_IDENTITY)).ignored
    assert walk.send(DocumentFailed(abandoned, "card.removed")).ignored

    walk.send(TryAgainChosen())
    assert isinstance(walk.state.screen, InsertCard)
    walk.send(CardInserted())
    reading = walk.state.screen
    assert isinstance(reading, ReadingDocument) and reading.request_id != abandoned


def test_card_removed_reported_by_the_reader_is_the_same_screen() -> None:
    walk = Walk()
    walk.send(CardInserted())
    walk.send(DocumentFailed(walk.pending, "card.removed"))
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen) and screen.kind == "card_removed"


def test_an_unreadable_card_keeps_the_readers_reason_and_offers_another_way() -> None:
    walk = Walk()
    walk.send(CardInserted())
    walk.send(DocumentFailed(walk.pending, "document.card.security_status"))
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen)
    assert (screen.kind, screen.detail_key) == ("document_unreadable", "document.card.security_status")
    walk.send(Back())
    assert isinstance(walk.state.screen, ChooseMethod)


def test_removing_the_card_after_it_was_read_is_normal() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    transition = walk.send(CardRemoved())
    assert transition.ignored and isinstance(walk.state.screen, Answer)


# --- digital document (QR) ---------------------------------------------------------------------------------------


def test_a_digital_document_is_read_from_the_scanned_code() -> None:
    walk = Walk()
    walk.send(MethodChosen("qr"))
    assert isinstance(walk.state.screen, ShowCode)
    walk.send(QrScanned("KZDD1:short-lived-code"))
    assert walk.effects[0] == StartDocumentRead(1, "digital_document", "KZDD1:short-lived-code")
    assert "short-lived-code" not in repr(walk.effects)
    assert spoken_keys(walk.effects) == ["voter.reading.digital_document"]
    walk.send(ServiceNotReached(walk.pending, "service.timeout"))
    error = walk.state.screen
    assert isinstance(error, ErrorScreen) and error.retry == RetryRead("digital_document")
    walk.send(TryAgainChosen())
    assert isinstance(walk.state.screen, ShowCode)
    walk.send(QrScanned("KZDD1:fresh"))
    walk.send(DocumentRead(walk.pending, DIGITAL_IDENTITY))
    assert isinstance(walk.state.screen, Checking)


# --- service unreachable -----------------------------------------------------------------------------------------


def test_service_unreachable_loses_nothing_and_trying_again_repeats_the_check() -> None:
    walk = Walk()
    identified_by_card(walk)
    walk.send(ServiceNotReached(walk.pending, "service.timeout"))
    error = walk.state.screen
    assert isinstance(error, ErrorScreen)
    assert (error.kind, error.detail_key, error.retry) == (
        "service_unreachable", "service.timeout", RetryCheck(CARD_IDENTITY))
    assert spoken_keys(walk.effects) == ["voter.error.service_unreachable", "voter.error.service_unreachable.next"]
    assert spoken_params(walk.effects, "voter.error.service_unreachable.next") == {"desk": "2"}
    assert control_names(walk) == ["try_again", "ask_commission", "finish", "repeat"]

    walk.send(TryAgainChosen())
    retry = walk.effects[0]
    assert isinstance(retry, StartCheck) and retry.identity == CARD_IDENTITY
    walk.send(CheckAnswered(walk.pending, LISTED_HERE))
    assert isinstance(walk.state.screen, Answer)


def test_service_unreachable_then_the_commission_gets_a_slip_with_the_masked_iin() -> None:
    walk = Walk()
    identified_by_card(walk)
    walk.send(ServiceNotReached(walk.pending))
    walk.send(AskCommissionChosen())
    screen = walk.state.screen
    assert isinstance(screen, AskCommission) and screen.reason == "service_unreachable"
    slip = the_effect(walk.effects, Print)
    assert isinstance(slip, Print) and slip.job.masked_iin == "••••••••0012"


def test_a_refused_check_offers_no_retry() -> None:
    walk = Walk()
    identified_by_card(walk)
    walk.send(ServiceRefused(walk.pending, "service.rejected"))
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen) and screen.kind == "service_refused" and screen.retry is None
    assert walk.send(TryAgainChosen()).ignored


def test_a_check_that_never_answers_becomes_service_unreachable_after_the_work_limit() -> None:
    walk = Walk()
    identified_by_card(walk)
    limit = walk.state.context.work_limit.total_seconds()
    assert not walk.send(Tick(), after=limit - 1).effects
    walk.send(Tick(), after=1)
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen)
    assert (screen.kind, screen.detail_key) == ("service_unreachable", "voter.error.no_answer")


@pytest.mark.parametrize(("method", "kind"), [("card", "document_unreadable"), ("qr", "service_unreachable")])
def test_a_read_that_never_ends_becomes_an_error_after_the_work_limit(method: str, kind: str) -> None:
    walk = Walk()
    walk.send(MethodChosen(method))  # type: ignore[arg-type]
    walk.send(CardInserted() if method == "card" else QrScanned("code"))
    walk.send(Tick(), after=walk.state.context.work_limit.total_seconds())
    screen = walk.state.screen
    assert isinstance(screen, ErrorScreen) and (screen.kind, screen.detail_key) == (kind, "voter.error.read_timeout")


def test_a_registration_that_never_answers_is_queued_after_the_work_limit() -> None:
    walk = Walk()
    registering(walk)
    walk.send(Tick(), after=walk.state.context.work_limit.total_seconds())
    screen = walk.state.screen
    assert isinstance(screen, RegistrationReceipt) and screen.outcome == "queued"


def test_a_late_answer_for_an_earlier_voter_is_never_shown_to_the_next() -> None:
    walk = Walk()
    identified_by_card(walk)
    first_voters_check = walk.pending
    walk.send(Finish())
    walk.send(CardInserted())
    walk.send(DocumentRead(walk.pending, OTHER_CARD_IDENTITY))
    assert walk.send(CheckAnswered(first_voters_check, LISTED_HERE)).ignored
    checking = walk.state.screen
    assert isinstance(checking, Checking) and checking.identity == OTHER_CARD_IDENTITY


# --- inactivity and more time -----------------------------------------------------------------------------------


def test_inactivity_on_the_answer_asks_more_time_then_returns_to_attract() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    assert not walk.send(Tick(), after=59).effects
    assert walk.state.more_time is None
    walk.send(Tick(), after=1)
    assert walk.state.more_time is not None
    assert isinstance(walk.state.screen, Answer)  # the question is layered over the answer
    assert spoken_params(walk.effects, "voter.more_time.prompt") == {"seconds": "30"}
    assert control_names(walk) == ["more_time", "finish", "repeat"]
    assert not walk.send(Tick(), after=29).effects
    walk.send(Tick(), after=1)
    assert isinstance(walk.state.screen, Attract)
    assert wiped(walk.effects)
    assert personal_data_in(walk.state) == []


def test_more_time_keeps_the_screen_for_another_full_minute() -> None:
    walk = Walk()
    walk.send(MethodChosen("keypad"))
    typed(walk, "8504")
    walk.send(Tick(), after=60)
    assert walk.state.more_time is not None
    assert walk.send(DigitTyped("1")).ignored  # the question is modal
    assert walk.send(Activity()).ignored  # a stray touch is not an answer
    walk.send(MoreTimeChosen(), after=10)
    assert walk.state.more_time is None
    keypad = walk.state.screen
    assert isinstance(keypad, KeypadEntry) and keypad.digits == "8504"
    assert spoken_params(walk.effects, "voter.keypad.incomplete") == {"typed": "4", "remaining": "8"}
    assert not walk.send(Tick(), after=59).effects
    walk.send(Tick(), after=1)
    assert walk.state.more_time is not None


def test_activity_restarts_the_inactivity_clock() -> None:
    walk = Walk()
    walk.send(MethodChosen("card"))
    walk.send(Activity(), after=50)
    walk.send(Tick(), after=50)
    assert walk.state.more_time is None
    walk.send(Tick(), after=10)
    assert walk.state.more_time is not None


def test_escape_answers_more_time_and_finish_ends_the_session() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    walk.send(Tick(), after=60)
    walk.send(Back())
    assert walk.state.more_time is None and isinstance(walk.state.screen, Answer)
    walk.send(Tick(), after=60)
    walk.send(Finish())
    assert isinstance(walk.state.screen, Attract) and wiped(walk.effects)


def test_a_card_inserted_during_the_question_starts_a_new_read() -> None:
    walk = Walk()
    walk.send(MethodChosen("card"))
    walk.send(Tick(), after=60)
    walk.send(CardInserted())
    assert walk.state.more_time is None and isinstance(walk.state.screen, ReadingDocument)


def test_a_print_job_finishing_during_the_question_is_still_recorded() -> None:
    walk = Walk()
    answered(walk, NOT_ELIGIBLE)
    walk.send(AskCommissionChosen())
    slip = walk.pending
    walk.send(Tick(), after=60)
    walk.send(Printed(slip))
    screen = walk.state.screen
    assert isinstance(screen, AskCommission) and screen.print_status == "printed"
    assert walk.state.more_time is not None


def test_the_attract_screen_has_no_time_limit_and_work_screens_stop_the_voters_clock() -> None:
    walk = Walk()
    assert walk.send(Tick(), after=3600).state.more_time is None
    identified_by_card(walk)
    walk.send(Tick(), after=30)
    assert walk.state.more_time is None and isinstance(walk.state.screen, Checking)


def test_time_running_backwards_changes_nothing() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    before = walk.state
    assert walk.send(Tick(), after=-3600).state == before


# --- language, help, back ---------------------------------------------------------------------------------------


def test_the_language_can_change_on_any_screen_and_the_prompt_is_said_again() -> None:
    walk = Walk()
    answered(walk, LISTED_ELSEWHERE)
    walk.send(LanguageChosen("en"))
    assert walk.state.language == "en" and isinstance(walk.state.screen, Answer)
    params = spoken_params(walk.effects, "voter.answer.listed_elsewhere")
    assert params["address"] == "7 Beibitshilik Street"
    assert all(effect.language == "en" for effect in walk.effects if hasattr(effect, "language"))


def test_help_repeats_the_prompt_and_the_keys() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    walk.send(Help())
    assert spoken_keys(walk.effects) == ["voter.answer.listed_here", "voter.answer.ballots", "voter.ballot.mazhilis",
                                         "voter.answer.ballot.district", "voter.colour.white", "voter.help.keys"]
    walk.send(Tick(), after=60)
    walk.send(Help())
    assert spoken_keys(walk.effects) == ["voter.more_time.prompt", "voter.help.keys"]


@pytest.mark.parametrize(("steps", "expected"), [
    ([LanguageChosen("kk")], Attract),
    ([MethodChosen("card")], ChooseMethod),
    ([MethodChosen("qr")], ChooseMethod),
    ([CardInserted()], ChooseMethod),
])
def test_escape_goes_back_one_step(steps: list[object], expected: type) -> None:
    walk = Walk()
    for step in steps:
        walk.send(step)  # type: ignore[arg-type]
    walk.send(Back())
    assert isinstance(walk.state.screen, expected)


def test_escape_on_the_attract_screen_and_finish_there_do_nothing() -> None:
    walk = Walk()
    assert walk.send(Back()).ignored
    assert walk.send(Finish()).ignored


def test_escape_during_consent_and_confirmation_steps_back() -> None:
    walk = Walk()
    answered(walk, NOT_LISTED_MAY_REGISTER)
    walk.send(TemporaryRegistrationChosen())
    walk.send(ConsentGiven())
    walk.send(Back())
    assert isinstance(walk.state.screen, Consent)
    walk.send(Back())
    assert isinstance(walk.state.screen, Answer)
    walk.send(Back())
    assert isinstance(walk.state.screen, ChooseMethod)
    assert wiped(walk.effects)


def test_a_new_card_on_an_answer_starts_over_for_the_next_voter() -> None:
    walk = Walk()
    answered(walk, LISTED_HERE)
    walk.send(CardInserted())
    assert isinstance(walk.state.screen, ReadingDocument)
    assert wiped(walk.effects)
    assert personal_data_in(walk.state) == []


def test_a_card_inserted_during_consent_is_ignored() -> None:
    walk = Walk()
    answered(walk, NOT_LISTED_MAY_REGISTER)
    walk.send(TemporaryRegistrationChosen())
    assert walk.send(CardInserted()).ignored


def test_the_receipt_and_slip_screens_return_to_attract_on_escape() -> None:
    walk = Walk()
    answered(walk, NOT_ELIGIBLE)
    walk.send(AskCommissionChosen())
    walk.send(Back())
    assert isinstance(walk.state.screen, Attract) and wiped(walk.effects)


# --- configuration -----------------------------------------------------------------------------------------------


def test_no_inactivity_limit_under_60_seconds_can_be_configured() -> None:
    with pytest.raises(ValueError, match="60 s"):
        SessionContext(station=HOME, key_seed=KEY_SEED, inactivity_limit=dt.timedelta(seconds=59))
    with pytest.raises(ValueError, match="positive"):
        SessionContext(station=HOME, key_seed=KEY_SEED, more_time_grace=dt.timedelta(0))
    with pytest.raises(ValueError, match="16 random bytes"):
        SessionContext(station=HOME, key_seed=b"short")


def test_the_key_seed_is_not_shown_in_repr() -> None:
    assert repr(KEY_SEED) not in repr(SessionContext(station=HOME, key_seed=KEY_SEED))

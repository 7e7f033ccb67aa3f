"""The voter's journey screen by screen: what each screen does with each event (DESIGN.md section 2).

Each handler returns a :class:`Transition`, or :func:`ignore` for an event that means nothing on its screen.
Time, "more time?", language, help and finish are handled before these, in :mod:`kiosk.core.voter_session`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from kiosk.core.identity import Identity, typed_iin_identity
from kiosk.core.iin import IIN_LENGTH, masked, parse_iin
from kiosk.core.registration import RegistrationCheck, Station, TemporaryRegistrationResult
from kiosk.core.voter_session_effects import Effect, Print, PrintJob, StartTemporaryRegistration
from kiosk.core.voter_session_events import (
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
    IinSubmitted,
    MethodChosen,
    Printed,
    PrintFailed,
    QrScanned,
    RegistrationAnswered,
    RegistrationQueued,
    ServiceNotReached,
    ServiceRefused,
    TemporaryRegistrationChosen,
    TryAgainChosen,
    VoterEvent,
)
from kiosk.core.voter_session_prompts import spoken_prompt
from kiosk.core.voter_session_states import (
    Answer,
    AskCommission,
    AskReason,
    Attract,
    Checking,
    ChooseMethod,
    Confirmation,
    Consent,
    DocumentKind,
    ErrorKind,
    ErrorScreen,
    IdentifyMethod,
    InsertCard,
    KeypadEntry,
    PrintStatus,
    ReadingDocument,
    ReceiptOutcome,
    Registering,
    RegistrationReceipt,
    RetryCheck,
    RetryRead,
    RetryTyping,
    Screen,
    ShowCode,
    VoterSession,
    keypad_entry,
)
from kiosk.core.voter_session_transitions import (
    Transition,
    ask_commission,
    go,
    idempotency_key,
    ignore,
    new_request,
    say,
    say_key,
    start_check,
    start_read,
    to_attract,
    update,
)

# The card reader's error key for a card pulled out mid-read (drivers/card errors), shown as its own screen.
CARD_REMOVED_KEY = "card.removed"
_DIGITS = frozenset("0123456789")


def handle_screen_event(  # noqa: PLR0912  (one case per screen, exhaustive over the Screen union)
        session: VoterSession, event: VoterEvent, now: dt.datetime) -> Transition:
    """What the current screen does with ``event`` (time, prompts and finishing are handled by the caller)."""
    screen = session.screen
    if isinstance(event, CardInserted | QrScanned) and _accepts_new_document(screen):
        if isinstance(event, CardInserted):
            return start_read(session, "id_card", now)
        return start_read(session, "digital_document", now, code_payload=event.payload)
    match screen:
        case Attract():
            return _on_attract(session, event, now)
        case ChooseMethod() | InsertCard() | ShowCode():
            return _on_waiting_for_document(session, event, now)
        case KeypadEntry():
            return _on_keypad(session, screen, event, now)
        case ReadingDocument():
            return _on_reading(session, screen, event, now)
        case Checking():
            return _on_checking(session, screen, event, now)
        case Answer():
            return _on_answer(session, screen, event, now)
        case Consent():
            return _on_consent(session, screen, event, now)
        case Confirmation():
            return _on_confirmation(session, screen, event, now)
        case Registering():
            return _on_registering(session, screen, event, now)
        case RegistrationReceipt():
            return _on_receipt(session, screen, event, now)
        case AskCommission():
            return _on_ask_commission(session, screen, event, now)
        case ErrorScreen():
            return _on_error(session, screen, event, now)


def _accepts_new_document(screen: Screen) -> bool:
    """A card or code starts a new identification everywhere except mid-work and mid-registration."""
    return not isinstance(screen, ReadingDocument | Checking | Consent | Confirmation | Registering)


def _method_screen(method: IdentifyMethod) -> Screen:
    match method:
        case "card":
            return InsertCard()
        case "qr":
            return ShowCode()
        case "keypad":
            return keypad_entry()


def _on_attract(session: VoterSession, event: VoterEvent, now: dt.datetime) -> Transition:
    if isinstance(event, MethodChosen):
        return go(session, _method_screen(event.method), now)
    return ignore(session)


def _on_waiting_for_document(session: VoterSession, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case MethodChosen(method=method):
            return go(session, _method_screen(method), now)
        case Back():
            if isinstance(session.screen, ChooseMethod):
                return to_attract(session, now)
            return go(session, ChooseMethod(), now)
        case _:
            return ignore(session)


def _on_keypad(session: VoterSession, screen: KeypadEntry, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case DigitTyped(digit=digit):
            if digit not in _DIGITS:
                return ignore(session)
            if len(screen.digits) >= IIN_LENGTH:
                return update(session, screen, now, say_key(session, "voter.keypad.full"))
            typed = keypad_entry(screen.digits + digit)
            return _keypad_edit(session, screen, typed, now, digit=digit, count=len(typed.digits))
        case DigitErased():
            if not screen.digits:
                return ignore(session)
            return _keypad_edit(session, screen, keypad_entry(screen.digits[:-1]), now)
        case DigitsCleared():
            if not screen.digits:
                return ignore(session)
            return _keypad_edit(session, screen, keypad_entry(), now)
        case IinSubmitted():
            return _submit_iin(session, screen, now)
        case MethodChosen(method=method):
            return go(session, _method_screen(method), now)
        case Back():
            return go(session, ChooseMethod(), now)
        case _:
            return ignore(session)


def _keypad_edit(session: VoterSession, before: KeypadEntry, after: KeypadEntry, now: dt.datetime,
                 digit: str | None = None, count: int = 0) -> Transition:
    """Say what the key did, and the feedback when it changed (a blind voter hears a mistake at once)."""
    if digit is not None:
        what_happened = say_key(session, "voter.keypad.typed", digit=digit, count=count)
    elif after.digits:
        what_happened = say_key(session, "voter.keypad.erased", count=len(after.digits))
    else:
        what_happened = say_key(session, "voter.keypad.cleared")
    edited = update(session, after, now)
    feedback_changed = after.feedback != before.feedback and after.feedback.status != "incomplete"
    feedback = say(edited.state, *spoken_prompt(edited.state)) if feedback_changed else ()
    return Transition(edited.state, (*edited.effects, what_happened, *feedback))


def _submit_iin(session: VoterSession, screen: KeypadEntry, now: dt.datetime) -> Transition:
    feedback = screen.feedback
    if feedback.status == "valid":
        return start_check(session, typed_iin_identity(parse_iin(screen.digits)), now)
    if feedback.status == "invalid" and feedback.reason is not None:
        error = ErrorScreen(kind="invalid_iin", detail_key=f"iin.{feedback.reason.value}",
                            retry=RetryTyping(screen.digits), iin_rejection=feedback.reason)
        return go(session, error, now)
    # Incomplete: stay, and say how many digits are still missing.
    return update(session, screen, now, *say(session, *spoken_prompt(session)))


def _on_reading(session: VoterSession, screen: ReadingDocument, event: VoterEvent, now: dt.datetime) -> Transition:
    kind = screen.kind
    match event:
        case DocumentRead(request_id=request_id, identity=identity) if request_id == screen.request_id:
            if not identity.by_document:
                # A reader never returns a typed identity; refusing one keeps typed IINs away from registration.
                return go(session, _read_error(kind, "document_unreadable", "voter.error.not_a_document"), now)
            return start_check(session, identity, now)
        case DocumentFailed(request_id=request_id, translation_key=key) if request_id == screen.request_id:
            removed = kind == "id_card" and key == CARD_REMOVED_KEY
            error_kind: ErrorKind = "card_removed" if removed else "document_unreadable"
            return go(session, _read_error(kind, error_kind, key), now)
        case CardRemoved() if kind == "id_card":
            return go(session, _read_error(kind, "card_removed", CARD_REMOVED_KEY), now)
        case ServiceNotReached(request_id=request_id, translation_key=key) if request_id == screen.request_id:
            return go(session, _read_error(kind, "service_unreachable", key), now)
        case ServiceRefused(request_id=request_id, translation_key=key) if request_id == screen.request_id:
            return go(session, _read_error(kind, "service_refused", key), now)
        case Back():
            return go(session, ChooseMethod(), now)
        case _:
            return ignore(session)


def _read_error(kind: DocumentKind, error_kind: ErrorKind, detail_key: str) -> ErrorScreen:
    return ErrorScreen(error_kind, detail_key, RetryRead(kind))


def read_timed_out(screen: ReadingDocument) -> ErrorScreen:
    """The error screen when a read takes longer than the work limit."""
    error_kind: ErrorKind = "document_unreadable" if screen.kind == "id_card" else "service_unreachable"
    return _read_error(screen.kind, error_kind, "voter.error.read_timeout")


def _on_checking(session: VoterSession, screen: Checking, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case CheckAnswered(request_id=request_id, check=check) if request_id == screen.request_id:
            return go(session, answer_for(screen.identity, check, session.context.station), now)
        case ServiceNotReached(request_id=request_id, translation_key=key) if request_id == screen.request_id:
            return go(session, ErrorScreen("service_unreachable", key, RetryCheck(screen.identity)), now)
        case ServiceRefused(request_id=request_id, translation_key=key) if request_id == screen.request_id:
            return go(session, ErrorScreen("service_refused", key, None), now)
        case Back():
            return go(session, ChooseMethod(), now)
        case _:
            return ignore(session)


def answer_for(identity: Identity, check: RegistrationCheck, home: Station) -> Answer:
    """The answer screen for ``check``, without commission-only data, deciding whether to offer registration."""
    public_check = replace(check, registration=None)  # the registered address is for the commission only
    offered = (public_check.status == "not_listed" and public_check.may_register_temporarily
               and home.offers_temporary_registration and identity.by_document)
    return Answer(identity=identity, check=public_check, temporary_registration_offered=offered)


def _on_answer(session: VoterSession, screen: Answer, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case TemporaryRegistrationChosen() if screen.temporary_registration_offered and screen.identity.by_document:
            return go(session, Consent(screen.identity, screen.check), now)
        case AskCommissionChosen() if screen.check.status in ("not_listed", "not_eligible"):
            reason: AskReason = "not_listed" if screen.check.status == "not_listed" else "not_eligible"
            return ask_commission(session, reason, now, identity=screen.identity)
        case Back():
            return go(session, ChooseMethod(), now)
        case _:
            return ignore(session)


def _on_consent(session: VoterSession, screen: Consent, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case ConsentGiven() if screen.identity.by_document:
            # One idempotency key per consent: a repeated send of this registration can never create a second one.
            counted, consent_number = new_request(session)
            key = idempotency_key(session.context.key_seed, consent_number)
            return go(counted, Confirmation(screen.identity, screen.check, key), now)
        case ConsentDeclined() | Back():
            back = answer_for(screen.identity, screen.check, session.context.station)
            return go(session, back, now)
        case _:
            return ignore(session)


def _on_confirmation(session: VoterSession, screen: Confirmation, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case Confirmed() if screen.identity.by_document:
            counted, request_id = new_request(session)
            registering = Registering(request_id, screen.identity, screen.idempotency_key)
            return go(counted, registering, now,
                      StartTemporaryRegistration(request_id, screen.identity, screen.idempotency_key))
        case Back():
            return go(session, Consent(screen.identity, screen.check), now)
        case _:
            return ignore(session)


def _on_registering(session: VoterSession, screen: Registering, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case RegistrationAnswered(request_id=request_id, result=result) if request_id == screen.request_id:
            return _receipt(session, screen.identity, result, now)
        case RegistrationQueued(request_id=request_id) | ServiceNotReached(request_id=request_id) \
                if request_id == screen.request_id:
            # The outbox wrote the registration before sending it: unanswered means queued, never lost.
            return registration_queued(session, screen, now)
        case ServiceRefused(request_id=request_id, translation_key=key) if request_id == screen.request_id:
            return go(session, ErrorScreen("service_refused", key, None), now)
        case Back():
            return Transition(session, (say_key(session, "voter.registering.wait"),))
        case _:
            return ignore(session)


def registration_queued(session: VoterSession, screen: Registering, now: dt.datetime) -> Transition:
    """The receipt for a registration the outbox holds but the service has not confirmed (no reference yet)."""
    return _printed_receipt(session, screen.identity, "queued", session.context.station, None, now)


def _receipt(session: VoterSession, identity: Identity, result: TemporaryRegistrationResult,
             now: dt.datetime) -> Transition:
    if result.outcome == "created":
        station = result.station or session.context.station
        return _printed_receipt(session, identity, "created", station, result.reference, now)
    # Nothing was registered: show where the voter stands (another station, or why refused); nothing to print.
    receipt = RegistrationReceipt(outcome=result.outcome, station=result.station, reference=None,
                                  reason=result.reason, print_request_id=None, print_status="none")
    return go(session, receipt, now)


def _printed_receipt(session: VoterSession, identity: Identity, outcome: ReceiptOutcome, station: Station,
                     reference: str | None, now: dt.datetime) -> Transition:
    counted, request_id = new_request(session)
    job = PrintJob(kind="temporary_registration_receipt", language=session.language, station_number=station.number,
                   station_address=station.address, issued_at=now, masked_iin=masked(identity.iin.value),
                   reference=reference, outcome=outcome, desk=session.context.station.commission_desk)
    receipt = RegistrationReceipt(outcome=outcome, station=station, reference=reference, reason=None,
                                  print_request_id=request_id, print_status="printing")
    return go(counted, receipt, now, Print(request_id, job))


def _print_report(print_request_id: int | None, event: VoterEvent) -> PrintStatus | None:
    """The new print status when ``event`` reports on this screen's print job, else None."""
    match event:
        case Printed(request_id=request_id) if request_id == print_request_id:
            return "printed"
        case PrintFailed(request_id=request_id) if request_id == print_request_id:
            return "failed"
        case _:
            return None


def _printed(session: VoterSession, screen: RegistrationReceipt | AskCommission,
             status: PrintStatus) -> Transition:
    updated = replace(screen, print_status=status)
    speech: Effect = (say_key(session, "voter.print.printed") if status == "printed" else
                      say_key(session, "voter.print.failed", desk=session.context.station.commission_desk))
    return update(session, updated, None, speech)


def _on_receipt(session: VoterSession, screen: RegistrationReceipt, event: VoterEvent,
                now: dt.datetime) -> Transition:
    status = _print_report(screen.print_request_id, event)
    if status is not None:
        return _printed(session, screen, status)
    match event:
        case AskCommissionChosen() if screen.outcome in ("refused", "queued") or screen.print_status == "failed":
            reason: AskReason = ("registration_refused" if screen.outcome == "refused" else
                                 "registration_queued" if screen.outcome == "queued" else "receipt_not_printed")
            return ask_commission(session, reason, now, reference=screen.reference)
        case Back():
            return to_attract(session, now)
        case _:
            return ignore(session)


def _on_ask_commission(session: VoterSession, screen: AskCommission, event: VoterEvent,
                       now: dt.datetime) -> Transition:
    status = _print_report(screen.print_request_id, event)
    if status is not None:
        return _printed(session, screen, status)
    if isinstance(event, Back):
        return to_attract(session, now)
    return ignore(session)


def _on_error(session: VoterSession, screen: ErrorScreen, event: VoterEvent, now: dt.datetime) -> Transition:
    match event:
        case TryAgainChosen():
            return _retry(session, screen, now)
        case AskCommissionChosen():
            identity = screen.retry.identity if isinstance(screen.retry, RetryCheck) else None
            return ask_commission(session, screen.kind, now, identity=identity)
        case Back():
            return go(session, ChooseMethod(), now)
        case _:
            return ignore(session)


def _retry(session: VoterSession, screen: ErrorScreen, now: dt.datetime) -> Transition:
    match screen.retry:
        case RetryCheck(identity=identity):
            return start_check(session, identity, now)
        case RetryRead(kind="id_card"):
            return go(session, InsertCard(), now)
        case RetryRead(kind="digital_document"):
            return go(session, ShowCode(), now)
        case RetryTyping(digits=digits):
            return go(session, keypad_entry(digits), now)
        case _:
            return ignore(session)

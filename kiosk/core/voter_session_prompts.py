"""What each voter-session state says, and which controls it offers, as data shared by the touch UI and keypad mode.

:func:`spoken_prompt` gives the translation keys (with parameters) that describe a state; the touch screen shows
them and the speaker says them, so a voter without sight hears what others read. :func:`focusable_controls`
gives the controls in focus order for arrow-key navigation, each with the event that selecting it sends.
Every translation key this module or the state machine uses is listed in :data:`VOTER_SESSION_TRANSLATION_KEYS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from kiosk.core.iin import IIN_LENGTH, masked
from kiosk.core.registration import Ballot, Language, Station
from kiosk.core.voter_session_events import (
    AskCommissionChosen,
    Back,
    Confirmed,
    ConsentDeclined,
    ConsentGiven,
    DigitErased,
    DigitsCleared,
    DigitTyped,
    Finish,
    Help,
    IinSubmitted,
    LanguageChosen,
    MethodChosen,
    MoreTimeChosen,
    TemporaryRegistrationChosen,
    TryAgainChosen,
    VoterEvent,
)
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
    PrintStatus,
    ReadingDocument,
    Registering,
    RegistrationReceipt,
    RetryRead,
    Screen,
    ShowCode,
    VoterSession,
)

ControlName = Literal[
    "language_kk", "language_ru", "language_en", "card", "qr", "keypad",
    "digit_0", "digit_1", "digit_2", "digit_3", "digit_4", "digit_5", "digit_6", "digit_7", "digit_8", "digit_9",
    "erase", "clear", "submit", "back", "cancel", "repeat", "finish", "register_temporarily", "ask_commission",
    "consent", "decline", "confirm", "try_again", "other_method", "more_time",
]

# The ballot kinds and paper colours the service names (simulator/egov/population.py), and their labels: a voter
# hears and reads "Mazhilis (party lists)" and "white" in their language, never the service's codes.
BALLOT_KIND_KEYS: Final[dict[str, str]] = {
    "mazhilis": "voter.ballot.mazhilis",
    "mazhilis_single_member": "voter.ballot.mazhilis_single_member",
    "oblast_maslikhat": "voter.ballot.oblast_maslikhat",
    "city_maslikhat": "voter.ballot.city_maslikhat",
    "district_maslikhat": "voter.ballot.district_maslikhat",
}
BALLOT_COLOUR_KEYS: Final[dict[str, str]] = {
    "white": "voter.colour.white",
    "blue": "voter.colour.blue",
    "green": "voter.colour.green",
    "pink": "voter.colour.pink",
}
BALLOTS_KEY: Final = "voter.answer.ballots"
BALLOT_DISTRICT_KEY: Final = "voter.answer.ballot.district"
UNNAMED_KEY: Final = "voter.answer.ballot.unnamed"  # a kind or colour the service added after this release

VOTER_SESSION_TRANSLATION_KEYS: tuple[str, ...] = (
    # prompts, one per screen (and per answer or outcome)
    "voter.attract.prompt",
    "voter.identify.prompt",
    "voter.insert_card.prompt",
    "voter.show_code.prompt",
    "voter.keypad.prompt",
    "voter.keypad.incomplete",
    "voter.keypad.valid",
    "voter.keypad.invalid.wrong_length",
    "voter.keypad.invalid.not_digits",
    "voter.keypad.invalid.bad_century_digit",
    "voter.keypad.invalid.bad_date",
    "voter.keypad.invalid.unassignable",
    "voter.keypad.invalid.check_digit_mismatch",
    "voter.reading.id_card",
    "voter.reading.digital_document",
    "voter.checking.prompt",
    "voter.answer.listed_here",
    "voter.answer.ballots",
    "voter.answer.ballot.district",
    "voter.answer.ballot.unnamed",
    *BALLOT_KIND_KEYS.values(),
    *BALLOT_COLOUR_KEYS.values(),
    "voter.answer.listed_elsewhere",
    "voter.answer.listed_elsewhere.no_station",
    "voter.answer.not_listed.temporary_registration",
    "voter.answer.not_listed.ask_commission",
    "voter.answer.not_eligible",
    "voter.consent.prompt",
    "voter.confirmation.prompt",
    "voter.registering.prompt",
    "voter.receipt.created",
    "voter.receipt.already_registered",
    "voter.receipt.already_registered.no_station",
    "voter.receipt.listed_elsewhere",
    "voter.receipt.listed_elsewhere.no_station",
    "voter.receipt.refused",
    "voter.receipt.queued",
    "voter.ask_commission.prompt",
    "voter.print.printing",
    "voter.print.printed",
    "voter.print.failed",
    "voter.error.service_unreachable",
    "voter.error.service_unreachable.next",
    "voter.error.service_refused",
    "voter.error.service_refused.next",
    "voter.error.document_unreadable",
    "voter.error.document_unreadable.next",
    "voter.error.card_removed",
    "voter.error.card_removed.next",
    "voter.error.invalid_iin",
    "voter.error.invalid_iin.next",
    "voter.more_time.prompt",
    # said in passing by the state machine
    "voter.keypad.typed",
    "voter.keypad.erased",
    "voter.keypad.cleared",
    "voter.keypad.full",
    "voter.registering.wait",
    "voter.help.keys",
    # detail keys the session itself gives an error (others come from the failing part's error)
    "voter.error.read_timeout",
    "voter.error.no_answer",
    "voter.error.not_a_document",
    # control labels
    "voter.control.language_kk",
    "voter.control.language_ru",
    "voter.control.language_en",
    "voter.control.card",
    "voter.control.qr",
    "voter.control.keypad",
    "voter.control.digit_0",
    "voter.control.digit_1",
    "voter.control.digit_2",
    "voter.control.digit_3",
    "voter.control.digit_4",
    "voter.control.digit_5",
    "voter.control.digit_6",
    "voter.control.digit_7",
    "voter.control.digit_8",
    "voter.control.digit_9",
    "voter.control.erase",
    "voter.control.clear",
    "voter.control.submit",
    "voter.control.back",
    "voter.control.cancel",
    "voter.control.repeat",
    "voter.control.finish",
    "voter.control.register_temporarily",
    "voter.control.ask_commission",
    "voter.control.consent",
    "voter.control.decline",
    "voter.control.confirm",
    "voter.control.try_again",
    "voter.control.other_method",
    "voter.control.more_time",
)


@dataclass(frozen=True, slots=True)
class SpokenText:
    """One text to show and say: a translation key and its parameters (already in the voter's language)."""

    translation_key: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Control:
    """A focusable control: its name, its label's translation key, and the event selecting it sends."""

    name: ControlName
    label_key: str
    event: VoterEvent


def params(**values: object) -> tuple[tuple[str, str], ...]:
    """Prompt parameters as sorted (name, text) pairs."""
    return tuple(sorted((name, str(value)) for name, value in values.items()))


def spoken_prompt(session: VoterSession) -> tuple[SpokenText, ...]:
    """What the current state says, in order; the "more time?" question when it is showing."""
    if session.more_time is not None:
        seconds = int(session.context.more_time_grace.total_seconds())
        return (SpokenText("voter.more_time.prompt", params(seconds=seconds)),)
    return _screen_prompt(session.screen, session.context.station, session.language)


def _screen_prompt(  # noqa: PLR0912  (one case per screen, exhaustive over the Screen union)
        screen: Screen, home: Station, language: Language) -> tuple[SpokenText, ...]:
    desk = home.commission_desk
    match screen:
        case Attract():
            return (SpokenText("voter.attract.prompt"),)
        case ChooseMethod():
            return (SpokenText("voter.identify.prompt"),)
        case InsertCard():
            return (SpokenText("voter.insert_card.prompt"),)
        case ShowCode():
            return (SpokenText("voter.show_code.prompt"),)
        case KeypadEntry():
            return (_keypad_prompt(screen),)
        case ReadingDocument(kind=kind):
            return (SpokenText(f"voter.reading.{kind}"),)
        case Checking():
            return (SpokenText("voter.checking.prompt"),)
        case Answer():
            return _answer_prompt(screen, desk, language)
        case Consent():
            return (SpokenText("voter.consent.prompt", _station_params(home, language)),)
        case Confirmation(identity=identity):
            details = _station_params(home, language) + params(masked_iin=masked(identity.iin.value))
            return (SpokenText("voter.confirmation.prompt", tuple(sorted(details))),)
        case Registering():
            return (SpokenText("voter.registering.prompt"),)
        case RegistrationReceipt():
            return _receipt_prompt(screen, desk, language)
        case AskCommission(print_status=print_status):
            return (SpokenText("voter.ask_commission.prompt", params(desk=desk)),
                    *_print_prompt(print_status, desk))
        case ErrorScreen(kind=kind, iin_rejection=iin_rejection):
            cause = (SpokenText(f"voter.keypad.invalid.{iin_rejection.value}"),) if iin_rejection else ()
            return (SpokenText(f"voter.error.{kind}"), *cause,
                    SpokenText(screen.next_step_key, params(desk=desk)))


def _keypad_prompt(screen: KeypadEntry) -> SpokenText:
    feedback = screen.feedback
    if feedback.status == "valid":
        return SpokenText("voter.keypad.valid")
    if feedback.status == "invalid" and feedback.reason is not None:
        return SpokenText(f"voter.keypad.invalid.{feedback.reason.value}")
    if not screen.digits:
        return SpokenText("voter.keypad.prompt")
    typed = len(screen.digits)
    return SpokenText("voter.keypad.incomplete", params(typed=typed, remaining=IIN_LENGTH - typed))


def _station_params(station: Station, language: Language) -> tuple[tuple[str, str], ...]:
    return params(station=station.number, address=station.address.in_language(language))


def _answer_prompt(screen: Answer, desk: int, language: Language) -> tuple[SpokenText, ...]:
    check = screen.check
    station = check.station
    match check.status:
        case "listed_here":
            here = (SpokenText("voter.answer.listed_here", ())
                    if station is None else
                    SpokenText("voter.answer.listed_here", tuple(sorted(
                        _station_params(station, language) + params(opens=station.opens, closes=station.closes)))))
            return here, *ballots_prompt(check.ballots, language)
        case "listed_elsewhere":
            if station is None:
                return (SpokenText("voter.answer.listed_elsewhere.no_station", params(desk=desk)),)
            where = _station_params(station, language) + params(directions=station.directions.in_language(language))
            return (SpokenText("voter.answer.listed_elsewhere", tuple(sorted(where))),)
        case "not_listed":
            if screen.temporary_registration_offered:
                return (SpokenText("voter.answer.not_listed.temporary_registration", params(desk=desk)),)
            return (SpokenText("voter.answer.not_listed.ask_commission", params(desk=desk)),)
        case "not_eligible":
            return (SpokenText("voter.answer.not_eligible", params(desk=desk)),)


def ballot_kind_text(kind: str) -> SpokenText:
    """The label of a ballot kind (the service's code only for a kind this release does not know)."""
    key = BALLOT_KIND_KEYS.get(kind)
    return SpokenText(key) if key is not None else SpokenText(UNNAMED_KEY, params(name=kind))


def ballot_colour_text(colour: str) -> SpokenText:
    """The name of a paper colour (the service's code only for a colour this release does not know)."""
    key = BALLOT_COLOUR_KEYS.get(colour)
    return SpokenText(key) if key is not None else SpokenText(UNNAMED_KEY, params(name=colour))


def ballots_prompt(ballots: Sequence[Ballot], language: Language) -> tuple[SpokenText, ...]:
    """What is said of the ballots: how many, then each one's kind, district and paper colour.

    Kinds and colours are translated texts of their own (one key each), so each ballot takes three short texts
    rather than one sentence with the service's codes in it: "Mazhilis (party lists)", "Nationwide electoral
    district, paper colour:", "white".
    """
    texts = [SpokenText(BALLOTS_KEY, params(count=len(ballots)))]
    for ballot in ballots:
        texts += [ballot_kind_text(ballot.kind),
                  SpokenText(BALLOT_DISTRICT_KEY, params(district=ballot.district.in_language(language))),
                  ballot_colour_text(ballot.colour)]
    return tuple(texts)


def _receipt_prompt(screen: RegistrationReceipt, desk: int, language: Language) -> tuple[SpokenText, ...]:
    station = screen.station
    printing = _print_prompt(screen.print_status, desk)
    match screen.outcome:
        case "created":
            where = _station_params(station, language) if station is not None else ()
            details = tuple(sorted(where + params(reference=screen.reference or "")))
            return (SpokenText("voter.receipt.created", details), *printing)
        case "already_registered" | "listed_elsewhere":
            if station is None:
                return (SpokenText(f"voter.receipt.{screen.outcome}.no_station", params(desk=desk)), *printing)
            return (SpokenText(f"voter.receipt.{screen.outcome}", _station_params(station, language)), *printing)
        case "refused" | "queued":
            return (SpokenText(f"voter.receipt.{screen.outcome}", params(desk=desk)), *printing)


def _print_prompt(print_status: PrintStatus, desk: int) -> tuple[SpokenText, ...]:
    match print_status:
        case "none":
            return ()
        case "printing":
            return (SpokenText("voter.print.printing"),)
        case "printed":
            return (SpokenText("voter.print.printed"),)
        case "failed":
            return (SpokenText("voter.print.failed", params(desk=desk)),)


def _control(name: ControlName, event: VoterEvent) -> Control:
    return Control(name=name, label_key=f"voter.control.{name}", event=event)


_REPEAT = _control("repeat", Help())
_FINISH = _control("finish", Finish())
_BACK = _control("back", Back())
_ASK_COMMISSION = _control("ask_commission", AskCommissionChosen())
_KEYPAD_DIGITS: tuple[ControlName, ...] = (
    "digit_1", "digit_2", "digit_3", "digit_4", "digit_5", "digit_6", "digit_7", "digit_8", "digit_9", "digit_0",
)


def focusable_controls(  # noqa: PLR0912  (one case per screen, exhaustive over the Screen union)
        session: VoterSession) -> tuple[Control, ...]:
    """The controls of the current state in focus order (arrow keys move along it, Enter selects)."""
    if session.more_time is not None:
        return _control("more_time", MoreTimeChosen()), _FINISH, _REPEAT
    screen = session.screen
    match screen:
        case Attract():
            return (_control("language_kk", LanguageChosen("kk")), _control("language_ru", LanguageChosen("ru")),
                    _control("language_en", LanguageChosen("en")), _REPEAT)
        case ChooseMethod():
            return (_control("card", MethodChosen("card")), _control("qr", MethodChosen("qr")),
                    _control("keypad", MethodChosen("keypad")), _BACK, _REPEAT)
        case InsertCard() | ShowCode():
            return _BACK, _REPEAT
        case KeypadEntry():
            digits = tuple(_control(name, DigitTyped(name[-1])) for name in _KEYPAD_DIGITS)
            # Erase and clear appear once there is something to erase; the digit keys keep their places.
            editing = (_control("erase", DigitErased()), _control("clear", DigitsCleared())) if screen.digits else ()
            return *digits, *editing, _control("submit", IinSubmitted()), _BACK, _REPEAT
        case ReadingDocument() | Checking():
            return _control("cancel", Back()), _REPEAT
        case Registering():
            return (_REPEAT,)
        case Answer():
            offer = (_control("register_temporarily", TemporaryRegistrationChosen()),) \
                if screen.temporary_registration_offered else ()
            ask = (_ASK_COMMISSION,) if screen.kind in ("not_listed", "not_eligible") else ()
            return *offer, *ask, _FINISH, _REPEAT
        case Consent():
            return _control("consent", ConsentGiven()), _control("decline", ConsentDeclined()), _BACK, _REPEAT
        case Confirmation():
            return _control("confirm", Confirmed()), _BACK, _REPEAT
        case RegistrationReceipt():
            needs_commission = screen.outcome in ("refused", "queued") or screen.print_status == "failed"
            return *((_ASK_COMMISSION,) if needs_commission else ()), _FINISH, _REPEAT
        case AskCommission():
            return _FINISH, _REPEAT
        case ErrorScreen():
            retry = (_control("try_again", TryAgainChosen()),) if screen.retry is not None else ()
            identifying_failed = isinstance(screen.retry, RetryRead) or screen.kind in (
                "document_unreadable", "card_removed", "invalid_iin")
            other = (_control("other_method", Back()),) if identifying_failed else ()
            return *retry, *other, _ASK_COMMISSION, _FINISH, _REPEAT

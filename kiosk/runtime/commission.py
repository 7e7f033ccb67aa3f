"""Runs the commission member's work: login, the session's effects on worker threads, the locks, the day.

Like ``kiosk.runtime.voter``, nothing here imports Kivy: the commission's touch UI (``kiosk.ui.commission``) and
the tests drive the same :class:`CommissionRuntime`, handing it a ``post`` that runs reports on the thread owning
the runtime. Every decision is made by the pure parts of ``kiosk.core``:

- login is ``kiosk.core.commission_auth.determine_new_auth_status``: the member card in the member reader is read
  and verified (``read_member``, on a worker), the PIN typed on the screen is verified by the card itself
  (``kiosk.commission_card.verify_pin``), asked for only when ``pin_try`` allows it (growing delays, lockout);
  inactivity (the ticker), "lock now" and pulling the card out lock the session;
- the work with a voter is ``kiosk.core.commission_session.next_state``; its effects are done by
  ``kiosk.commission_desk.CommissionDesk`` (check, decision through the outbox, the signed refusal's printing).

With one card reader the member's card stays in it (pulling it locks the kiosk), so the voter is identified by
the digital document's QR code or by the IIN typed from the presented document; a second reader for voters'
cards (``CommissionParts.voter_reader``) adds the card option. How the voter was identified is journalled (a
``session_started`` entry: outcome "commission", reason ``identified_by:<source>``, the IIN only as its keyed
hash) before the check.

What the screen shows is one frozen :class:`CommissionView`; :func:`screen_name` names the screen for it. The view
holds the member and the voter only while a member is logged in; any lock drops the session and the form.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal, TypeVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.card.channel import CardChannel, CardReader
from drivers.errors import DriverError
from drivers.keystore import KeyStore
from drivers.printer.receipt_printer import ReceiptPrinter
from drivers.scanner.code_scanner import CodeScanner
from kiosk.commission_card import PinFormatError, PinResult, read_member_card, verify_pin
from kiosk.commission_day import (
    DayDecision,
    DaySummary,
    DecisionRegister,
    day_decisions,
    export_signed_csv,
    summarise,
    summary_printout,
)
from kiosk.commission_desk import CommissionDesk
from kiosk.core.commission_auth import (
    Activity,
    AuthAction,
    AuthPolicy,
    AuthState,
    AwaitingPin,
    CardInserted,
    CardRemoved,
    InactivityTick,
    Locked,
    LockedOut,
    LockNow,
    LoggedIn,
    MemberIdentity,
    PinBlocked,
    PinCorrect,
    PinIncorrect,
    PinTryRefused,
    determine_new_auth_status,
    logged_in_member,
    may,
    pin_try,
)
from kiosk.core.commission_reasons import Decision, DecisionDraft, DecisionProblem, validate_decision
from kiosk.core.commission_session import (
    Checked,
    CommissionContext,
    CommissionError,
    CommissionSession,
    Deciding,
    Identify,
    ReadingVoterDocument,
    SessionDenied,
    Transition,
    next_state,
    start_commission_session,
)
from kiosk.core.commission_session_events import (
    CheckAnswered,
    CheckFailed,
    CommissionDocumentKind,
    CommissionEffect,
    CommissionEvent,
    CommissionMethod,
    DecisionAnswered,
    DecisionQueued,
    DecisionRejected,
    DecisionSubmitted,
    DocumentFailed,
    DocumentRead,
    IinEntered,
    MethodChosen,
    NextVoter,
    Printed,
    PrintFailed,
    PrintRefusal,
    RefusalLanguage,
    RefusalPrintChosen,
    SendDecision,
    StartCheck,
    StartDocumentRead,
    TryAgain,
    WipeVoterData,
)
from kiosk.core.identity import Identity
from kiosk.core.registration import Language, Station
from kiosk.documents.digital import DigitalDocumentService, read_digital_document
from kiosk.documents.id_card_profile import IdCardProfile
from kiosk.egov.errors import ServiceError
from kiosk.errors import KioskError
from kiosk.i18n import Translator
from kiosk.journal.journal import Journal
from kiosk.runtime.parts import IdentifyCard, Post
from kiosk.runtime.watchers import CardWatcher, ScannerWatcher

log = logging.getLogger(__name__)
_Result = TypeVar("_Result")

WORKER_THREADS = 4
INTERNAL_ERROR_KEY = "error.internal"
CARD_REMOVED_KEY = "card.removed"

ReadMember = Callable[[CardChannel, dt.date], MemberIdentity]
"""Reads and verifies the member card on a channel on the given day (``read_member_card`` with the configured
profile, commission CA and commission bound in: :func:`member_card_reader`)."""

CommissionPage = Literal["home", "voter", "decision", "confirmation", "summary"]
CommissionScreenName = Literal[
    "locked", "pin", "lockout", "home", "identify", "check_result", "decision", "confirmation", "result", "summary"
]
COMMISSION_SCREENS: tuple[CommissionScreenName, ...] = (
    "locked", "pin", "lockout", "home", "identify", "check_result", "decision", "confirmation", "result", "summary"
)
DayStatus = Literal["idle", "printing", "printed", "print_failed", "exporting", "exported", "export_failed"]


def member_card_reader(profile: IdCardProfile, commission_ca: x509.Certificate, commission: str | None) -> ReadMember:
    """``read_member_card`` with the card profile, the territorial commission CA and this station's commission."""
    def read(channel: CardChannel, today: dt.date) -> MemberIdentity:
        return read_member_card(channel, profile, commission_ca, today, commission=commission)

    return read


@dataclass(frozen=True, slots=True)
class CommissionParts:
    """Everything the commission runtime needs, handed in once by the composition root.

    ``voter_reader`` is a second card reader for voters' ID cards (None: the card option is not offered);
    ``scanner`` reads digital documents' QR codes (None: no QR option). ``session_seed`` gives fresh randomness
    for each member session's decision identifiers. ``clock`` is the station's local time (timezone-aware).
    """

    member_reader: CardReader
    read_member: ReadMember
    desk: CommissionDesk
    register: DecisionRegister
    journal: Journal
    summary_printer: ReceiptPrinter
    keystore: KeyStore
    certificate: asn1_x509.Certificate
    export_directory: Path
    station: Station
    translator: Callable[[Language], Translator]
    clock: Callable[[], dt.datetime]
    documents: DigitalDocumentService
    voter_reader: CardReader | None = None
    identify_card: IdentifyCard | None = None
    scanner: CodeScanner | None = None
    document_issuers: Mapping[str, ec.EllipticCurvePublicKey] = field(default_factory=dict)
    session_seed: Callable[[], bytes] = field(default=lambda: secrets.token_bytes(32), repr=False)
    auth_policy: AuthPolicy = field(default_factory=AuthPolicy)
    default_language: Language = "ru"
    tick_seconds: float = 1.0

    def methods(self) -> tuple[CommissionMethod, ...]:
        """How a voter can be identified at this desk: the QR code, the typed IIN, and a card with a second reader."""
        offered: list[CommissionMethod] = []
        if self.scanner is not None:
            offered.append("qr")
        offered.append("keypad")
        if self.voter_reader is not None and self.identify_card is not None:
            offered.append("card")
        return tuple(offered)


@dataclass(frozen=True, slots=True, repr=False)
class DecisionForm:
    """The decision being written: include or refuse, the reason code, the free text, the printout's language.

    ``problem`` is what validation said about it. ``repr`` hides the text (it may name the voter).
    """

    decision: Decision | None = None
    reason_code: str | None = None
    text: str = ""
    language: RefusalLanguage = "ru"
    problem: DecisionProblem | None = None

    def __repr__(self) -> str:
        return f"DecisionForm({self.decision}, reason={self.reason_code}, problem={self.problem})"


@dataclass(frozen=True, slots=True, repr=False)
class CommissionView:
    """Everything the commission screens show, as one value.

    ``login_problem`` and ``pin_refusal`` explain the last failed login step; ``session`` exists while logged in
    (None for a role that may not work with voters: ``denied``); ``day`` is today's decisions (no names).
    """

    auth: AuthState = field(default_factory=Locked)
    methods: tuple[CommissionMethod, ...] = ("keypad",)
    session: CommissionSession | None = None
    denied: bool = False
    page: CommissionPage = "home"
    form: DecisionForm = field(default_factory=DecisionForm)
    session_problem: DecisionProblem | None = None
    login_problem: str | None = None
    pin_refusal: PinTryRefused | None = None
    reading_card: bool = False
    verifying_pin: bool = False
    day: tuple[DayDecision, ...] = ()
    summary: DaySummary | None = None
    day_status: DayStatus = "idle"
    day_problem: str | None = None
    exported: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"CommissionView({screen_name(self)})"

    @property
    def member(self) -> MemberIdentity | None:
        """The logged-in member, if any."""
        return logged_in_member(self.auth)


def screen_name(view: CommissionView) -> CommissionScreenName:
    """Which commission screen shows ``view``."""
    match view.auth:
        case Locked():
            return "locked"
        case AwaitingPin():
            return "pin"
        case LockedOut():
            return "lockout"
    if view.page in ("home", "summary") or view.session is None:
        return "summary" if view.page == "summary" else "home"
    screen = view.session.screen
    if isinstance(screen, Deciding):
        return "result"
    if isinstance(screen, Checked):
        if view.page == "decision":
            return "decision"
        return "confirmation" if view.page == "confirmation" else "check_result"
    return "identify"


Listener = Callable[[CommissionView], None]
# Events that report work done (not the member's input).
_REPORTS = (DocumentRead, DocumentFailed, CheckAnswered, CheckFailed, DecisionAnswered, DecisionQueued,
            DecisionRejected, Printed, PrintFailed)


class CommissionRuntime:
    """The commission desk at work. Build it with the parts and a ``post``; :meth:`start` the devices."""

    def __init__(self, parts: CommissionParts, post: Post) -> None:
        self._parts = parts
        self._post = post
        self._context = CommissionContext(parts.station)
        self._view = CommissionView(methods=parts.methods())
        self._listeners: list[Listener] = []
        self._workers = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="commission-work")
        self._member_insertion = 0  # counts member-card insertions: a read of an earlier card is stale
        self._member_watcher = CardWatcher(parts.member_reader, on_inserted=lambda: self._post_call(
            self._member_card_inserted), on_removed=lambda: self._post_call(self._member_card_removed))
        self._voter_watcher = None if parts.voter_reader is None else CardWatcher(
            parts.voter_reader, on_inserted=lambda: self._post_call(self._voter_card_inserted),
            on_removed=lambda: None)
        self._scanner_watcher = None if parts.scanner is None else ScannerWatcher(
            parts.scanner, lambda payload: self._post_call(lambda: self._code_scanned(payload)))
        self._ticker_stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="commission-ticker", daemon=True)
        self._started = False
        self._stopped = False

    # --- life cycle -------------------------------------------------------------------------------------

    def start(self, *, ticking: bool = True) -> None:
        """Watch the member reader (and the voters' reader and scanner), and with ``ticking`` run the ticker."""
        if self._started:
            return
        self._started = True
        self._member_watcher.start()
        for watcher in (self._voter_watcher, self._scanner_watcher):
            if watcher is not None:
                watcher.start()
        if ticking:
            self._ticker.start()

    def stop(self) -> None:
        """Stop the threads and forget the session; late reports are dropped."""
        self._stopped = True
        self._ticker_stop.set()
        self._member_watcher.stop()
        for watcher in (self._voter_watcher, self._scanner_watcher):
            if watcher is not None:
                watcher.stop()
        self._workers.shutdown(wait=False, cancel_futures=True)
        self._view = CommissionView(methods=self._parts.methods())

    # --- what the screen reads ----------------------------------------------------------------------------

    @property
    def view(self) -> CommissionView:
        """What the screens show now."""
        return self._view

    @property
    def screen(self) -> CommissionScreenName:
        """The screen for the current view."""
        return screen_name(self._view)

    @property
    def policy(self) -> AuthPolicy:
        """The PIN delays, lockout and inactivity limit in force."""
        return self._parts.auth_policy

    def now(self) -> dt.datetime:
        """The station's time now (the injected clock)."""
        return self._parts.clock()

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with the view after every change (and every tick)."""
        self._listeners.append(listener)

    # --- the member's actions (on the owning thread) -------------------------------------------------------

    def touched(self) -> None:
        """The member touched the screen or a key: the inactivity timer starts again."""
        self._auth(Activity(), notify=False)

    def submit_pin(self, pin: str) -> None:
        """Send ``pin`` to the card when the login rules allow a try now; the answer comes back as a report."""
        view = self._view
        if view.verifying_pin or not isinstance(view.auth, AwaitingPin):
            return
        allowed = pin_try(view.auth, self.now())
        if isinstance(allowed, PinTryRefused):
            self._set(pin_refusal=allowed, login_problem=None)
            return
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 8):
            self._set(login_problem=PinFormatError.translation_key, pin_refusal=None)
            return
        channel = self._member_watcher.channel
        if channel is None:
            return
        insertion = self._member_insertion
        self._set(verifying_pin=True, login_problem=None, pin_refusal=None)
        self._run(lambda: _verify(channel, pin), lambda result: self._pin_answered(insertion, result))

    def lock_now(self) -> None:
        """The member locks the kiosk (the card stays in: the PIN is asked again)."""
        self._auth(LockNow())

    def go_home(self) -> None:
        """The member's home: today's decisions. Leaving a voter forgets them."""
        if self._leave_voter():
            self._set(page="home", day_status="idle", day_problem=None)
            self._load_day()

    def new_voter(self) -> None:
        """Start with a new voter: the identification screen."""
        if self._view.session is None or not self._leave_voter():
            return
        self._set(page="voter")

    def open_summary(self) -> None:
        """The end-of-day summary (for a role that may print it)."""
        if may(self._view.auth, "print_day_summary") and self._leave_voter():
            self._set(page="summary", day_status="idle", day_problem=None, exported=())
            self._load_day()

    def choose_method(self, method: CommissionMethod) -> None:
        """Identify the voter by ``method`` (only the methods this desk offers)."""
        if method in self._view.methods:
            self.send(MethodChosen(method))

    def submit_iin(self, text: str) -> None:
        """The IIN typed from the presented document."""
        session = self._view.session
        if session is not None and isinstance(session.screen, Identify | CommissionError):
            self.send(MethodChosen("keypad"))
        self.send(IinEntered(text))

    def try_again(self) -> None:
        """Repeat the failed read or check."""
        self.send(TryAgain())

    def open_decision(self, decision: Decision) -> None:
        """Write a decision about the checked voter (include, or refuse with a reason)."""
        session = self._view.session
        if session is None or not isinstance(session.screen, Checked):
            return
        self._set(page="decision", form=replace(self._view.form, decision=decision, problem=None),
                  session_problem=None)

    def update_form(self, *, reason_code: str | None = None, text: str | None = None,
                    language: RefusalLanguage | None = None) -> None:
        """Change the form's reason, free text or printout language (None leaves a field as it is)."""
        form = self._view.form
        self._set(form=replace(form, reason_code=form.reason_code if reason_code is None else reason_code,
                               text=form.text if text is None else text,
                               language=form.language if language is None else language, problem=None))

    def review_decision(self) -> None:
        """Validate the form; shows the confirmation, or the form again with what is wrong."""
        form = self._view.form
        if self._view.page != "decision" or form.decision is None:
            return
        reason, text = _form_values(form)
        draft = validate_decision(form.decision, reason, text)
        if not isinstance(draft, DecisionDraft):
            self._set(form=replace(form, problem=draft))
            return
        self._set(page="confirmation", form=replace(form, problem=None))

    def back_to_form(self) -> None:
        """From the confirmation back to the form."""
        if self._view.page == "confirmation":
            self._set(page="decision")

    def back_to_check(self) -> None:
        """From the form back to the check's answer."""
        if self._view.page in ("decision", "confirmation"):
            self._set(page="voter", form=DecisionForm(language=self._view.form.language))

    def send_decision(self) -> Transition | None:
        """Submit the confirmed decision (a second submission is refused by the session, nothing sent twice)."""
        session = self._view.session
        form = self._view.form
        if session is None or form.decision is None:
            return None
        screen = session.screen
        identity = screen.identity if isinstance(screen, Checked) else (
            screen.checked.identity if isinstance(screen, Deciding) else None)
        reason, text = _form_values(form)
        return self.send(DecisionSubmitted(identity.iin.value if identity is not None else "", form.decision,
                                           reason, text))

    def print_refusal_again(self) -> None:
        """Print the voter's copy once more (in the language chosen on the form)."""
        self.send(RefusalPrintChosen(self._view.form.language))

    def next_voter(self) -> None:
        """Done with this voter: forget them, identify the next one."""
        if self._leave_voter():
            self._set(page="voter")

    def print_summary(self, language: Language) -> None:
        """Print the end-of-day summary in ``language``."""
        view = self._view
        if view.summary is None or view.day_status in ("printing", "exporting"):
            return
        summary, decisions = view.summary, view.day
        translate = self._parts.translator(language)
        printer = self._parts.summary_printer
        self._set(day_status="printing", day_problem=None)

        def work() -> str | None:
            printer.print(summary_printout(summary, decisions, language=language, translate=translate))
            return None

        self._run(_guarded(work), lambda problem: self._set(
            day_status="printed" if problem is None else "print_failed", day_problem=problem))

    def export_summary(self) -> None:
        """Write the day's decisions as a CSV with its detached CMS signature into the export directory."""
        view = self._view
        if view.summary is None or view.day_status in ("printing", "exporting"):
            return
        parts, summary, decisions = self._parts, view.summary, view.day
        self._set(day_status="exporting", day_problem=None, exported=())
        written: list[str] = []

        def work() -> str | None:
            paths = export_signed_csv(decisions, parts.export_directory, day=summary.day, station=summary.station,
                                      keystore=parts.keystore, certificate=parts.certificate)
            written.extend(str(path) for path in paths)
            return None

        self._run(_guarded(work), lambda problem: self._set(
            day_status="exported" if problem is None else "export_failed", day_problem=problem,
            exported=tuple(written)))

    def send(self, event: CommissionEvent) -> Transition | None:
        """Feed ``event`` to the member's session and perform its effects (None when no session is open)."""
        session = self._view.session
        if session is None:
            return None
        transition = next_state(session, event, self.now())
        if transition.ignored:
            return transition
        changes: dict[str, object] = {"session": transition.state}
        # A refused input's message stays until the member does something else or the screen changes (a report
        # arriving for the same screen must not wipe "already sent" before it is read).
        if transition.problem is not None or type(transition.state.screen) is not type(session.screen) \
                or not isinstance(event, _REPORTS):
            changes["session_problem"] = transition.problem
        if transition.problem is None and isinstance(event, DecisionSubmitted):
            changes["page"] = "voter"
        if any(isinstance(effect, WipeVoterData) for effect in transition.effects):
            changes["form"] = DecisionForm(language=self._view.form.language)
        self._set(**changes)
        for effect in transition.effects:
            self._perform(effect)
        self._print_recorded_refusal()
        return transition

    # --- login -------------------------------------------------------------------------------------------

    def _member_card_inserted(self) -> None:
        self._member_insertion += 1
        insertion = self._member_insertion
        channel = self._member_watcher.channel
        if channel is None:
            return
        today = self.now().date()
        read_member = self._parts.read_member
        self._set(reading_card=True, login_problem=None, pin_refusal=None)

        def work() -> MemberIdentity | str:
            try:
                return read_member(channel, today)
            except (KioskError, DriverError) as error:
                return str(getattr(error, "translation_key", INTERNAL_ERROR_KEY))
            except Exception as error:  # a reader bug must show as a message, not freeze the desk
                log.error("commission runtime: member card read failed unexpectedly (%s)", type(error).__name__)
                return INTERNAL_ERROR_KEY

        self._run(work, lambda result: self._member_read(insertion, result))

    def _member_read(self, insertion: int, result: MemberIdentity | str) -> None:
        if insertion != self._member_insertion:
            return  # that card has left the reader since
        if isinstance(result, str):
            self._set(reading_card=False, login_problem=result)
            return
        self._set(reading_card=False)
        self._auth(CardInserted(result))

    def _member_card_removed(self) -> None:
        self._member_insertion += 1
        self._set(reading_card=False, verifying_pin=False, login_problem=None, pin_refusal=None)
        self._auth(CardRemoved())

    def _pin_answered(self, insertion: int, result: PinResult | str) -> None:
        if insertion != self._member_insertion:
            return
        self._set(verifying_pin=False)
        if isinstance(result, str):
            self._set(login_problem=result)
            return
        action: AuthAction
        if result.outcome == "correct":
            action = PinCorrect()
        elif result.outcome == "blocked":
            action = PinBlocked()
        else:
            action = PinIncorrect(result.tries_left or 0)
        self._auth(action)

    def _auth(self, action: AuthAction, *, notify: bool = True) -> None:
        before = self._view.auth
        after = determine_new_auth_status(before, action, self.now(), self._parts.auth_policy)
        if after == before:
            if notify and isinstance(action, InactivityTick):
                self._notify()
            return
        was_in, now_in = isinstance(before, LoggedIn), isinstance(after, LoggedIn)
        if was_in and now_in:
            self._view = replace(self._view, auth=after)  # an activity: nothing to show anew
            return
        if was_in:
            self._set(auth=after, session=None, denied=False, page="home", form=DecisionForm(), day=(),
                      summary=None, session_problem=None, day_status="idle", day_problem=None, exported=())
            return
        if now_in:
            assert isinstance(after, LoggedIn)
            started = start_commission_session(self._context, after.member, self._parts.session_seed())
            session = None if isinstance(started, SessionDenied) else started
            self._set(auth=after, session=session, denied=isinstance(started, SessionDenied), page="home",
                      login_problem=None, pin_refusal=None)
            self._load_day()
            return
        self._set(auth=after, pin_refusal=None if isinstance(after, Locked) else self._view.pin_refusal)

    # --- the voter's work ---------------------------------------------------------------------------------

    def _leave_voter(self) -> bool:
        """Forget the voter on the screen; False while a decision is still on its way (it must not be lost)."""
        session = self._view.session
        if session is None:
            return isinstance(self._view.auth, LoggedIn)
        if isinstance(session.screen, Identify):
            self._set(form=DecisionForm(language=self._view.form.language), session_problem=None)
            return True
        transition = self.send(NextVoter())
        return transition is not None and transition.problem is None

    def _perform(self, effect: CommissionEffect) -> None:
        desk = self._parts.desk
        match effect:
            case StartDocumentRead(request_id=request_id, kind=kind):
                self._start_read(request_id, kind)
            case StartCheck(request_id=request_id):
                journal = self._parts.journal
                self._run(_guarded_event(lambda: _check(desk, journal, effect),
                                         lambda key: CheckFailed(request_id, key, retryable=True)), self._deliver)
            case SendDecision(request_id=request_id):
                # The outbox could not even store it: nothing is on its way, so this is not "queued".
                self._run(_guarded_event(lambda: desk.send_decision(effect),
                                         lambda key: DecisionRejected(request_id, key)), self._deliver)
            case PrintRefusal(request_id=request_id):
                self._run(_guarded_event(lambda: desk.print_refusal(effect),
                                         lambda key: PrintFailed(request_id, key)), self._deliver)
            case WipeVoterData():
                pass  # the form was cleared with the transition; the session holds nothing of the voter any more

    def _start_read(self, request_id: int, kind: CommissionDocumentKind) -> None:
        if kind == "id_card" and self._voter_watcher is not None and self._voter_watcher.channel is not None:
            self._read_voter_card(request_id)
        # Otherwise the read starts when the voter's card goes into the second reader or a QR code is shown.

    def _voter_card_inserted(self) -> None:
        screen = None if self._view.session is None else self._view.session.screen
        if isinstance(screen, ReadingVoterDocument) and screen.kind == "id_card":
            self._read_voter_card(screen.request_id)

    def _read_voter_card(self, request_id: int) -> None:
        identify = self._parts.identify_card
        channel = None if self._voter_watcher is None else self._voter_watcher.channel
        today = self.now().date()

        def work() -> CommissionEvent:
            if channel is None or identify is None:
                return DocumentFailed(request_id, CARD_REMOVED_KEY)
            return DocumentRead(request_id, identify(channel, today))

        self._run(_guarded_read(work, request_id), self._deliver)

    def _code_scanned(self, payload: str) -> None:
        screen = None if self._view.session is None else self._view.session.screen
        if not (isinstance(screen, ReadingVoterDocument) and screen.kind == "digital_document"):
            return  # a code shown while nobody asked for one is not read
        request_id = screen.request_id
        parts = self._parts
        now = self.now()
        self._run(_guarded_read(lambda: DocumentRead(request_id, read_digital_document(
            payload, parts.documents, parts.document_issuers, now)), request_id), self._deliver)

    def _deliver(self, event: CommissionEvent) -> None:
        transition = self.send(event)
        if transition is not None and not transition.ignored and isinstance(
                event, DecisionAnswered | DecisionQueued | DecisionRejected):
            self._load_day()  # the day's list shows the new decision

    def _print_recorded_refusal(self) -> None:
        """A refusal the service recorded is printed at once, in the language chosen on the form."""
        session = self._view.session
        if session is None:
            return
        screen = session.screen
        if isinstance(screen, Deciding) and screen.refusal_printable and screen.print_state == "none":
            self.send(RefusalPrintChosen(self._view.form.language))

    # --- the day ------------------------------------------------------------------------------------------

    def _load_day(self) -> None:
        if not may(self._view.auth, "view_day_decisions"):
            return
        parts = self._parts
        now = self.now()
        zone = now.tzinfo or dt.UTC

        def work() -> tuple[DayDecision, ...]:
            return tuple(day_decisions(parts.journal, parts.register, now.date(), zone))

        def loaded(decisions: tuple[DayDecision, ...]) -> None:
            if isinstance(self._view.auth, LoggedIn):
                self._set(day=decisions, summary=summarise(decisions, day=now.date(), station=parts.station.number))

        self._run(work, loaded)

    # --- plumbing -----------------------------------------------------------------------------------------

    def _set(self, **changes: object) -> None:
        self._view = replace(self._view, **changes)  # type: ignore[arg-type]
        self._notify()

    def _notify(self) -> None:
        for listener in tuple(self._listeners):
            listener(self._view)

    def _post_call(self, call: Callable[[], None]) -> None:
        def deliver() -> None:
            if not self._stopped:
                call()

        self._post(deliver)

    def _run(self, work: Callable[[], _Result], report: Callable[[_Result], None]) -> None:
        def done() -> None:
            result = work()
            self._post_call(lambda: report(result))

        try:
            self._workers.submit(done)
        except RuntimeError:  # stopped: the work belongs to no session any more
            return

    def _tick_loop(self) -> None:
        while not self._ticker_stop.wait(self._parts.tick_seconds):
            self._post_call(self.tick)

    def tick(self) -> None:
        """Time passed: the inactivity lock, the end of a lockout, countdowns on the screen."""
        self._auth(InactivityTick())


# --- work done on worker threads -------------------------------------------------------------------------------


def _verify(channel: CardChannel, pin: str) -> PinResult | str:
    try:
        return verify_pin(channel, pin)
    except (KioskError, DriverError) as error:
        return str(getattr(error, "translation_key", INTERNAL_ERROR_KEY))
    except Exception as error:
        log.error("commission runtime: PIN verification failed unexpectedly (%s)", type(error).__name__)
        return INTERNAL_ERROR_KEY


def _check(desk: CommissionDesk, journal: Journal, effect: StartCheck) -> CommissionEvent:
    identity: Identity = effect.identity
    # How the voter was identified, beside the check (codes only; the IIN becomes its keyed hash).
    journal.append("session_started", iin=identity.iin, outcome="commission", reason=f"identified_by:{identity.source}")
    return desk.check(effect)


def _guarded_event(work: Callable[[], CommissionEvent],
                   failed: Callable[[str], CommissionEvent]) -> Callable[[], CommissionEvent]:
    """``work``, with a failure the desk did not turn into an event reported as ``failed(translation key)``."""
    def run() -> CommissionEvent:
        try:
            return work()
        except (KioskError, DriverError, ServiceError) as error:
            return failed(str(getattr(error, "translation_key", INTERNAL_ERROR_KEY)))
        except Exception as error:
            log.error("commission runtime: work failed unexpectedly (%s)", type(error).__name__)
            return failed(INTERNAL_ERROR_KEY)

    return run


def _guarded_read(work: Callable[[], CommissionEvent], request_id: int) -> Callable[[], CommissionEvent]:
    def run() -> CommissionEvent:
        try:
            return work()
        except (KioskError, DriverError, ServiceError) as error:
            return DocumentFailed(request_id, str(getattr(error, "translation_key", INTERNAL_ERROR_KEY)))
        except Exception as error:
            log.error("commission runtime: document read failed unexpectedly (%s)", type(error).__name__)
            return DocumentFailed(request_id, INTERNAL_ERROR_KEY)

    return run


def _guarded(work: Callable[[], str | None]) -> Callable[[], str | None]:
    def run() -> str | None:
        try:
            return work()
        except (KioskError, DriverError) as error:
            return str(getattr(error, "translation_key", INTERNAL_ERROR_KEY))
        except Exception as error:
            log.error("commission runtime: day work failed unexpectedly (%s)", type(error).__name__)
            return INTERNAL_ERROR_KEY

    return run


def _form_values(form: DecisionForm) -> tuple[str | None, str | None]:
    """The reason and text the session gets: an inclusion carries neither."""
    if form.decision == "include":
        return None, None
    return form.reason_code, form.text

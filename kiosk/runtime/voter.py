"""Runs the voter's session: events in, effects out, slow work on worker threads, results posted back.

The session (``kiosk.core.voter_session``) is pure; this is the part that touches the world. One thread owns
the session (the UI thread in the app, the test's thread in tests): :meth:`VoterRuntime.send` is called on it
only. Devices, services, the printer and time report from their own threads through the injected ``post``,
which runs the report on the owning thread (the UI passes ``Clock.schedule_once``). A reply to work the session
has abandoned carries an old request number, and the session ignores it.

Personal data lives in the session's screen only. The runtime keeps no identity, answer or typed digit of its
own; on ``WipePersonalData`` it drops the speech not yet said and tells its listeners, which clear the screen.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from kiosk.core.registration import Language
from kiosk.core.voter_session import Transition, next_state
from kiosk.core.voter_session_effects import (
    Effect,
    Print,
    Speak,
    StartCheck,
    StartDocumentRead,
    StartTemporaryRegistration,
    WipePersonalData,
)
from kiosk.core.voter_session_events import CardInserted, CardRemoved, QrScanned, Tick, VoterEvent
from kiosk.core.voter_session_states import InsertCard, SessionContext, VoterSession, start_session
from kiosk.i18n import Translator
from kiosk.runtime import work
from kiosk.runtime.parts import Post, VoterParts
from kiosk.runtime.speech_queue import SpeechQueue
from kiosk.runtime.watchers import CardWatcher, ScannerWatcher

log = logging.getLogger(__name__)

Listener = Callable[[Transition], None]
WORKER_THREADS = 4


class VoterRuntime:
    """The voter session at work. Build it with the parts and a ``post``; :meth:`start` the devices."""

    def __init__(self, parts: VoterParts, post: Post) -> None:
        self._parts = parts
        self._post = post
        context = SessionContext(station=parts.station, key_seed=parts.key_seed,
                                 default_language=parts.default_language, inactivity_limit=parts.inactivity_limit,
                                 more_time_grace=parts.more_time_grace)
        self._session: VoterSession = start_session(context, parts.clock())
        self._listeners: list[Listener] = []
        self._speech = SpeechQueue(parts.speaker)
        self._workers = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="voter-work")
        self._card_watcher = CardWatcher(parts.card_reader, on_inserted=lambda: self.post_event(CardInserted()),
                                         on_removed=lambda: self.post_event(CardRemoved()))
        self._scanner_watcher = (None if parts.scanner is None else
                                 ScannerWatcher(parts.scanner, lambda payload: self.post_event(QrScanned(payload))))
        self._ticker_stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick_loop, name="voter-ticker", daemon=True)
        self._started = False
        self._stopped = False

    # --- life cycle -------------------------------------------------------------------------------------

    def start(self, *, ticking: bool = True) -> None:
        """Start speaking, watching the card slot and scanner, and (with ``ticking``) the periodic Tick."""
        if self._started:
            return
        self._started = True
        self._speech.start()
        self._card_watcher.start()
        if self._scanner_watcher is not None:
            self._scanner_watcher.start()
        if ticking:
            self._ticker.start()

    def stop(self) -> None:
        """Stop the threads; work under way finishes, its reports are dropped by the poster's owner."""
        self._stopped = True
        self._ticker_stop.set()
        self._card_watcher.stop()
        if self._scanner_watcher is not None:
            self._scanner_watcher.stop()
        self._speech.stop()
        self._workers.shutdown(wait=False, cancel_futures=True)

    # --- the owning thread's calls ----------------------------------------------------------------------

    @property
    def session(self) -> VoterSession:
        """The current state of the session."""
        return self._session

    @property
    def language(self) -> Language:
        """The language the voter chose (the default one on the attract screen)."""
        return self._session.language

    def translator(self) -> Translator:
        """The translator of the session's current language."""
        return self._parts.translator(self._session.language)

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with every transition that changed something, after its effects have started."""
        self._listeners.append(listener)

    def send(self, event: VoterEvent) -> Transition:
        """Feed ``event`` to the session (on the owning thread only) and perform the transition's effects."""
        before = self._session
        transition = next_state(before, event, self._parts.clock())
        if transition.ignored:
            return transition
        self._session = transition.state
        screen_changed = (type(before.screen) is not type(transition.state.screen)
                          or (before.more_time is None) != (transition.state.more_time is None))
        if screen_changed:
            self._speech.clear()  # the old screen's prompt is of no use any more
        for effect in transition.effects:
            self._perform(effect)
        if screen_changed and isinstance(transition.state.screen, InsertCard) \
                and self._card_watcher.channel is not None:
            self.post_event(CardInserted())  # the card was in the slot before the voter chose "card"
        for listener in tuple(self._listeners):
            listener(transition)
        return transition

    def say(self, translation_key: str, **params: object) -> None:
        """Say one text in the session's language (the UI's focus changes)."""
        self._speech.say(self.translator().gettext(translation_key, **params), self._session.language)

    def post_event(self, event: VoterEvent) -> None:
        """Send ``event`` later, on the owning thread (safe from any thread)."""
        def deliver() -> None:
            if not self._stopped:  # a report arriving after stop() belongs to no session any more
                self.send(event)

        self._post(deliver)

    def wait_until_quiet(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued has been said (tests, shutdown)."""
        return self._speech.wait_until_idle(timeout)

    # --- effects ------------------------------------------------------------------------------------------

    def _perform(self, effect: Effect) -> None:
        parts = self._parts
        match effect:
            case Speak(translation_key=key, params=params, language=language):
                text = parts.translator(language).gettext(key, **dict(params))
                self._speech.say(text, language)
            case StartDocumentRead(request_id=request_id, kind="id_card"):
                channel = self._card_watcher.channel
                today = parts.clock().date()
                self._run(lambda: work.read_card(request_id, channel, parts.identify_card, today))
            case StartDocumentRead(request_id=request_id, code_payload=payload):
                now = parts.clock()
                self._run(lambda: work.read_code(request_id, payload or "", parts.client, parts.document_issuers,
                                                 now))
            case StartCheck(request_id=request_id, identity=identity):
                self._run(lambda: work.check_registration(request_id, identity, parts.client))
            case StartTemporaryRegistration(request_id=request_id, identity=identity):
                self._run(lambda: work.register_temporarily(request_id, identity, parts.sender,
                                                            parts.registration_budget))
            case Print(request_id=request_id, job=job):
                translate = parts.translator(job.language)
                self._run(lambda: work.print_job(request_id, job, parts.printer, translate, parts.station))
            case WipePersonalData():
                self._speech.clear()

    def _run(self, task: Callable[[], VoterEvent]) -> None:
        def done() -> None:
            self.post_event(task())

        self._workers.submit(done)

    def _tick_loop(self) -> None:
        while not self._ticker_stop.wait(self._parts.tick_seconds):
            self.post_event(Tick())

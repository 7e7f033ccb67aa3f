"""Says texts one after another on a thread of its own, so a slow voice never holds up the screen.

A ``Speaker`` cuts the utterance still playing short when it is given a new one; a prompt of several sentences
(an answer, then the ballots) must be heard whole, so the queue hands the next text over only once the
speaker has finished the last, and :meth:`SpeechQueue.clear` is the one place that cuts speech short.
"""

from __future__ import annotations

import collections
import logging
import threading

from drivers.errors import DriverError
from drivers.speech.speaker import Speaker
from kiosk.core.registration import Language

log = logging.getLogger(__name__)

SPEAKING_POLL_SECONDS = 0.02


class SpeechQueue:
    """A queue of texts in front of a ``Speaker``; :meth:`clear` drops what has not been said yet."""

    def __init__(self, speaker: Speaker) -> None:
        self._speaker = speaker
        self._texts: collections.deque[tuple[str, Language]] = collections.deque()
        self._changed = threading.Condition()
        self._stopping = False
        self._idle = True
        self._generation = 0  # advanced by clear(), so a wait for the old utterance ends at once
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)

    def start(self) -> None:
        """Start the speaking thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop after the text being said."""
        with self._changed:
            self._stopping = True
            self._texts.clear()
            self._changed.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def say(self, text: str, language: Language) -> None:
        """Say ``text`` after what is already queued."""
        with self._changed:
            self._texts.append((text, language))
            self._idle = False
            self._changed.notify_all()

    def clear(self) -> None:
        """Forget what has not been said yet and cut off what is being said (a wipe, or a new screen)."""
        with self._changed:
            self._texts.clear()
            self._generation += 1
            self._changed.notify_all()
        try:
            self._speaker.stop()
        except DriverError as error:
            log.warning("speech: %s while stopping", getattr(error, "translation_key", type(error).__name__))

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until everything queued has been said; True when it has (tests, shutdown)."""
        with self._changed:
            return self._changed.wait_for(lambda: self._idle and not self._texts, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._texts and not self._stopping:
                    self._idle = True
                    self._changed.notify_all()
                    self._changed.wait()
                if self._stopping:
                    return
                text, language = self._texts.popleft()
                generation = self._generation
            try:
                self._speaker.say(text, language)
            except DriverError as error:
                log.warning("speech: %s", getattr(error, "translation_key", type(error).__name__))
                continue
            self._wait_while_speaking(generation)

    def _wait_while_speaking(self, generation: int) -> None:
        with self._changed:
            while self._speaker.is_speaking and generation == self._generation and not self._stopping:
                self._changed.wait(SPEAKING_POLL_SECONDS)

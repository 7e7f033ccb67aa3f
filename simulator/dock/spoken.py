"""A speaker wrapper that remembers what the kiosk said, so the dock can show it whichever speaker speaks."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from typing import Final

from drivers.speech.speaker import Speaker
from kiosk.core.registration import Language

MAX_REMEMBERED: Final = 200


@dataclass(frozen=True, slots=True)
class SpokenLine:
    """One thing the kiosk said, in which language."""

    language: str
    text: str


class SpokenRecorder:
    """Passes every call to ``speaker`` and keeps the last :data:`MAX_REMEMBERED` texts said (thread-safe)."""

    def __init__(self, speaker: Speaker) -> None:
        self._speaker = speaker
        self._lock = threading.Lock()
        self._lines: deque[SpokenLine] = deque(maxlen=MAX_REMEMBERED)

    def say(self, text: str, language: Language) -> None:
        """Remember ``text``, then say it."""
        with self._lock:
            self._lines.append(SpokenLine(language, text))
        self._speaker.say(text, language)

    def stop(self) -> None:
        """Stop the speaker."""
        self._speaker.stop()

    @property
    def is_speaking(self) -> bool:
        """Whether the wrapped speaker is still speaking."""
        return self._speaker.is_speaking

    def history(self) -> list[SpokenLine]:
        """What was said, oldest first."""
        with self._lock:
            return list(self._lines)

"""The simulator's speaker: a ``Speaker`` that records what was said and writes it as WAV files with espeak-ng.

UI tests assert the spoken text through :attr:`SimSpeaker.spoken` (recorded at once, when ``say`` is called,
so a test never races the synthesis); the WAV files let a developer listen to what a blind voter would hear.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from drivers.speech.espeak import EspeakSpeaker
from drivers.speech.speaker import SPEECH_LANGUAGES, SpeechLanguage


@dataclass(frozen=True, slots=True)
class SpokenUtterance:
    """One ``say``: the text, its language, and the WAV file it goes to (None when synthesis is off)."""

    text: str
    language: SpeechLanguage
    wav_path: Path | None


class SimSpeaker:
    """A recording ``Speaker``; with ``synthesize`` (the default) each utterance is also written as a WAV file.

    Turn ``synthesize`` off where espeak-ng is not installed or speed matters more than sound.
    """

    def __init__(self, wav_directory: Path, *, synthesize: bool = True) -> None:
        self._speaker = EspeakSpeaker.to_directory(wav_directory) if synthesize else None
        self._lock = threading.Lock()
        self._spoken: list[SpokenUtterance] = []
        self._stops = 0

    def say(self, text: str, language: SpeechLanguage) -> None:
        """Record ``text`` and start writing it as a WAV file; interrupts the utterance before."""
        if language not in SPEECH_LANGUAGES:
            raise ValueError(f"no voice for language {language!r}")
        wav_path = self._speaker.start(text, language) if self._speaker is not None else None
        if text.strip():
            with self._lock:
                self._spoken.append(SpokenUtterance(text, language, wav_path))

    def stop(self) -> None:
        """Stop the current utterance (counted in :attr:`stops`)."""
        with self._lock:
            self._stops += 1
        if self._speaker is not None:
            self._speaker.stop()

    @property
    def is_speaking(self) -> bool:
        """True while a WAV file is being written."""
        return self._speaker is not None and self._speaker.is_speaking

    # --- controls and inspection ------------------------------------------------------------------

    @property
    def spoken(self) -> tuple[SpokenUtterance, ...]:
        """Everything said so far, oldest first."""
        with self._lock:
            return tuple(self._spoken)

    @property
    def spoken_texts(self) -> tuple[str, ...]:
        """Just the texts of :attr:`spoken`."""
        return tuple(utterance.text for utterance in self.spoken)

    @property
    def last_spoken(self) -> SpokenUtterance | None:
        """The latest utterance, if any."""
        with self._lock:
            return self._spoken[-1] if self._spoken else None

    @property
    def stops(self) -> int:
        """How many times ``stop`` was called."""
        with self._lock:
            return self._stops

    def clear(self) -> None:
        """Forget what was said (the WAV files stay)."""
        with self._lock:
            self._spoken.clear()
            self._stops = 0

    def wait_until_done(self, timeout: float) -> bool:
        """Wait for the latest WAV file to be complete; True when nothing is being written."""
        return self._speaker is None or self._speaker.wait_until_done(timeout)

    def close(self) -> None:
        """Stop and release espeak-ng's private directory."""
        if self._speaker is not None:
            self._speaker.close()

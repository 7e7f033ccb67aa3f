"""The ``Speaker`` interface: says a text aloud in one of the kiosk's languages, without blocking the caller."""

from __future__ import annotations

from typing import Literal, Protocol

SpeechLanguage = Literal["kk", "ru", "en"]
SPEECH_LANGUAGES: tuple[SpeechLanguage, ...] = ("kk", "ru", "en")


class Speaker(Protocol):
    """Spoken output. ``say`` returns at once; a new utterance cuts the one still playing short."""

    def say(self, text: str, language: SpeechLanguage) -> None:
        """Start saying ``text`` in ``language``, interrupting whatever is being said."""
        ...

    def stop(self) -> None:
        """Stop speaking now; harmless when silent."""
        ...

    @property
    def is_speaking(self) -> bool:
        """True while an utterance is being synthesised or played."""
        ...

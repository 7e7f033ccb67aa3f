"""Typed errors of the speech output. Messages name programs and packages, never what was said."""

from __future__ import annotations

from drivers.errors import DriverError


class SpeechError(DriverError):
    """Root of speech errors."""

    translation_key = "speech.error"


class SpeechDependencyMissing(SpeechError):
    """A program speech needs is not installed; ``package`` names what to install."""

    translation_key = "speech.dependency_missing"

    def __init__(self, what: str, package: str) -> None:
        super().__init__(f"speech needs {what}: install the package {package!r}")
        self.what = what
        self.package = package


class SpeechFailed(SpeechError):
    """espeak-ng or the audio player failed on an utterance; ``detail`` is the program's one-line reason."""

    translation_key = "speech.failed"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(f"{message}: {detail}" if detail else message)
        self.detail = detail

"""Speech through espeak-ng: Kazakh, Russian and English voices, played with ``aplay``/``paplay`` or written
to WAV files (tests, the simulator).

``say`` never blocks: each utterance runs in a worker thread that starts espeak-ng (and the player) as
subprocesses; a new utterance, or ``stop``, kills the processes of the one before. espeak-ng writes its
audio with ``-w`` (its ``--stdout`` WAV header is wrong) and gets its text on standard input, UTF-8 (``-b 1``),
so no text is ever read as an option and none shows in the process list. ``XDG_CONFIG_HOME`` points espeak-ng
at a private directory, because it otherwise writes PulseAudio state under the user's ``~/.config``.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from drivers.speech.errors import SpeechDependencyMissing, SpeechError, SpeechFailed
from drivers.speech.speaker import SPEECH_LANGUAGES, SpeechLanguage

ESPEAK_PACKAGE = "espeak-ng"
PLAYERS = (("aplay", "alsa-utils"), ("paplay", "pulseaudio-utils"))
MIN_RATE_WPM, MAX_RATE_WPM = 80, 450  # espeak-ng(1), option -s
MIN_VOLUME, MAX_VOLUME = 0, 200  # espeak-ng(1), option -a (amplitude); 100 is espeak-ng's default
DEFAULT_RATE_WPM = 150  # a little slower than espeak-ng's 175: many listeners are elderly
MAX_TEXT_LENGTH = 4000  # a screen's worth of prompts; more is a caller's mistake
_SYNTHESIS_TIMEOUT_SECONDS = 30
_PLAYBACK_TIMEOUT_SECONDS = 300
# espeak-ng voice names for the kiosk's languages (``espeak-ng --voices``).
VOICES: dict[SpeechLanguage, str] = {"kk": "kk", "ru": "ru", "en": "en"}


@dataclass(frozen=True, slots=True)
class PlayThrough:
    """Play each utterance with an audio player (``aplay`` or ``paplay``), given as an executable path."""

    player: Path


@dataclass(frozen=True, slots=True)
class WriteWavFiles:
    """Write each utterance to ``<directory>/<number>-<language>.wav`` and play nothing."""

    directory: Path


SpeechOutput = PlayThrough | WriteWavFiles


@dataclass(eq=False)
class _Utterance:
    number: int
    text: str
    language: SpeechLanguage
    wav_path: Path
    cancelled: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    process: subprocess.Popen[bytes] | None = None


def find_player() -> PlayThrough:
    """The first audio player installed (aplay, then paplay); raise ``SpeechDependencyMissing`` if none is."""
    for command, _package in PLAYERS:
        found = shutil.which(command)
        if found is not None:
            return PlayThrough(Path(found))
    raise SpeechDependencyMissing("an audio player (aplay or paplay)", " or ".join(p for _, p in PLAYERS))


class EspeakSpeaker:
    """A ``Speaker`` using espeak-ng. Build it with :meth:`for_playback` or :meth:`to_directory`.

    Errors in the background (espeak-ng or the player failing) cannot be raised to the caller of ``say``:
    they are kept in ``last_error`` and passed to ``on_error`` when given.
    """

    def __init__(
        self,
        output: SpeechOutput,
        *,
        rate_wpm: int = DEFAULT_RATE_WPM,
        volume: int = 100,
        config_home: Path | None = None,
        espeak_command: str = "espeak-ng",
        on_error: Callable[[SpeechError], None] | None = None,
    ) -> None:
        found = shutil.which(espeak_command)
        if found is None:
            raise SpeechDependencyMissing("the espeak-ng program", ESPEAK_PACKAGE)
        self._espeak = found
        self._output = output
        self.rate_wpm = rate_wpm
        self.volume = volume
        self._owns_private_directory = config_home is None
        self._private_directory = config_home or Path(tempfile.mkdtemp(prefix="kiosk-espeak-"))
        self._private_directory.mkdir(parents=True, exist_ok=True)
        self._espeak_environment = {**os.environ, "XDG_CONFIG_HOME": str(self._private_directory)}
        self._on_error = on_error
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._current: _Utterance | None = None
        self._last_error: SpeechError | None = None
        self._last_wav: Path | None = None

    @classmethod
    def for_playback(
        cls,
        *,
        rate_wpm: int = DEFAULT_RATE_WPM,
        volume: int = 100,
        on_error: Callable[[SpeechError], None] | None = None,
    ) -> EspeakSpeaker:
        """A speaker playing through the first audio player installed (see :func:`find_player`)."""
        return cls(find_player(), rate_wpm=rate_wpm, volume=volume, on_error=on_error)

    @classmethod
    def to_directory(
        cls,
        directory: Path,
        *,
        rate_wpm: int = DEFAULT_RATE_WPM,
        volume: int = 100,
        on_error: Callable[[SpeechError], None] | None = None,
    ) -> EspeakSpeaker:
        """A speaker writing one WAV file per utterance into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        return cls(WriteWavFiles(directory), rate_wpm=rate_wpm, volume=volume, on_error=on_error)

    # --- settings -----------------------------------------------------------------------------------

    @property
    def rate_wpm(self) -> int:
        """Speaking rate in words per minute (80-450); applies from the next utterance."""
        return self._rate_wpm

    @rate_wpm.setter
    def rate_wpm(self, value: int) -> None:
        if not MIN_RATE_WPM <= value <= MAX_RATE_WPM:
            raise ValueError(f"the speaking rate must be {MIN_RATE_WPM}..{MAX_RATE_WPM} words per minute")
        self._rate_wpm = value

    @property
    def volume(self) -> int:
        """Volume as espeak-ng's amplitude (0-200, 100 normal); applies from the next utterance."""
        return self._volume

    @volume.setter
    def volume(self, value: int) -> None:
        if not MIN_VOLUME <= value <= MAX_VOLUME:
            raise ValueError(f"the volume must be {MIN_VOLUME}..{MAX_VOLUME}")
        self._volume = value

    # --- Speaker --------------------------------------------------------------------------------------

    def say(self, text: str, language: SpeechLanguage) -> None:
        """Start saying ``text`` in ``language``; returns at once."""
        self.start(text, language)

    def start(self, text: str, language: SpeechLanguage) -> Path | None:
        """Like :meth:`say`, returning the WAV file the utterance will be written to (None when played)."""
        if language not in SPEECH_LANGUAGES:
            raise ValueError(f"no voice for language {language!r}")
        if len(text) > MAX_TEXT_LENGTH:
            raise ValueError(f"an utterance is limited to {MAX_TEXT_LENGTH} characters")
        with self._lock:
            self._cancel_locked()
            if not text.strip():
                return None
            number = next(self._numbers)
            if isinstance(self._output, WriteWavFiles):
                wav_path = self._output.directory / f"{number:05d}-{language}.wav"
            else:
                wav_path = self._private_directory / f"utterance-{number}.wav"
            utterance = _Utterance(number, text, language, wav_path)
            self._current = utterance
            worker = threading.Thread(target=self._speak, args=(utterance,), name="espeak-utterance", daemon=True)
            worker.start()
        return wav_path if isinstance(self._output, WriteWavFiles) else None

    def stop(self) -> None:
        """Cut the current utterance short; harmless when silent."""
        with self._lock:
            self._cancel_locked()

    @property
    def is_speaking(self) -> bool:
        """True while the latest utterance is being synthesised or played."""
        with self._lock:
            return self._current is not None and not self._current.done.is_set()

    def wait_until_done(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the latest utterance to finish; True if nothing is playing now."""
        with self._lock:
            current = self._current
        return current is None or current.done.wait(timeout)

    @property
    def last_error(self) -> SpeechError | None:
        """The most recent background failure, if any."""
        with self._lock:
            return self._last_error

    @property
    def last_wav(self) -> Path | None:
        """The WAV file of the most recent utterance completed in WAV mode."""
        with self._lock:
            return self._last_wav

    def close(self) -> None:
        """Stop speaking and remove the private configuration directory if this speaker made it."""
        self.stop()
        self.wait_until_done(5)
        if self._owns_private_directory:
            shutil.rmtree(self._private_directory, ignore_errors=True)

    def missing_languages(self) -> tuple[SpeechLanguage, ...]:
        """The kiosk languages espeak-ng has no voice for (for the self-test); empty when all are there."""
        completed = subprocess.run(  # noqa: S603 - the espeak-ng executable found at construction
            [self._espeak, "--voices"], capture_output=True, timeout=_SYNTHESIS_TIMEOUT_SECONDS, check=False,
            env=self._espeak_environment,
        )
        languages = {line.split()[1] for line in completed.stdout.decode("utf-8", "replace").splitlines()[1:]
                     if len(line.split()) > 1}
        return tuple(
            language for language in SPEECH_LANGUAGES
            if not any(name == VOICES[language] or name.startswith(VOICES[language] + "-") for name in languages)
        )

    # --- the worker -----------------------------------------------------------------------------------

    def _cancel_locked(self) -> None:
        current = self._current
        if current is None:
            return
        current.cancelled.set()
        if current.process is not None:
            with contextlib.suppress(ProcessLookupError):
                current.process.kill()

    def _speak(self, utterance: _Utterance) -> None:
        try:
            synthesis = [
                self._espeak, "-v", VOICES[utterance.language], "-s", str(self._rate_wpm), "-a", str(self._volume),
                "-b", "1", "-w", str(utterance.wav_path), "--stdin",
            ]
            finished = self._run(
                utterance, synthesis, stdin=utterance.text.encode("utf-8"), environment=self._espeak_environment,
                timeout=_SYNTHESIS_TIMEOUT_SECONDS, what="espeak-ng",
            )
            if finished and isinstance(self._output, PlayThrough):
                # The player gets the normal environment: PulseAudio finds its cookie under the user's config.
                self._run(
                    utterance, [str(self._output.player), str(utterance.wav_path)], stdin=None, environment=None,
                    timeout=_PLAYBACK_TIMEOUT_SECONDS, what=self._output.player.name,
                )
            elif finished:
                with self._lock:
                    self._last_wav = utterance.wav_path
            if utterance.cancelled.is_set() and isinstance(self._output, WriteWavFiles):
                utterance.wav_path.unlink(missing_ok=True)  # cut short: no half-written file left for a test to trust
        except SpeechError as error:
            with self._lock:
                self._last_error = error
            if self._on_error is not None:
                self._on_error(error)
        finally:
            if isinstance(self._output, PlayThrough):
                utterance.wav_path.unlink(missing_ok=True)
            utterance.done.set()

    def _run(
        self,
        utterance: _Utterance,
        arguments: list[str],
        *,
        stdin: bytes | None,
        environment: dict[str, str] | None,
        timeout: float,
        what: str,
    ) -> bool:
        """Run one step of an utterance; False when it was cancelled, SpeechFailed when the program failed."""
        with self._lock:
            if utterance.cancelled.is_set():
                return False
            try:
                process = subprocess.Popen(  # noqa: S603 - executables found with which(); text goes on stdin
                    arguments, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment,
                )
            except OSError as error:
                raise SpeechFailed(f"{what} could not be started", detail=error.strerror or "") from error
            utterance.process = process
        try:
            _, errors = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            process.kill()
            process.communicate()
            raise SpeechFailed(f"{what} did not finish in time") from expired
        finally:
            with self._lock:
                utterance.process = None
        if utterance.cancelled.is_set():
            return False
        if process.returncode != 0:
            lines = errors.decode("utf-8", "replace").strip().splitlines()
            raise SpeechFailed(f"{what} failed (exit status {process.returncode})", detail=lines[0] if lines else "")
        return True

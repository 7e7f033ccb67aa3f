"""espeak-ng for real: WAV files in kk, ru and en, settings, interruption, private config, and failures."""

from __future__ import annotations

import shutil
import stat
import time
import wave
from pathlib import Path

import pytest
from support.ci import require_program

from drivers.speech.errors import SpeechDependencyMissing, SpeechFailed
from drivers.speech.espeak import EspeakSpeaker, PlayThrough, find_player
from drivers.speech.speaker import Speaker


@pytest.fixture(autouse=True)
def _espeak_ng() -> None:
    require_program("espeak-ng", "espeak-ng")


PHRASES = {
    "kk": "Сәлеметсіз бе! Жеке куәлігіңізді салыңыз немесе цифрлық құжатыңызды көрсетіңіз.",
    "ru": "Здравствуйте! Вставьте удостоверение личности или покажите цифровой документ.",
    "en": "Welcome. Insert your ID card or show your digital document.",
}


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def _peak(path: Path) -> int:
    with wave.open(str(path), "rb") as audio:
        assert audio.getsampwidth() == 2
        frames = audio.readframes(audio.getnframes())
    samples = memoryview(frames).cast("h")
    return max(abs(sample) for sample in samples)


@pytest.fixture
def speaker(tmp_path: Path) -> EspeakSpeaker:
    return EspeakSpeaker.to_directory(tmp_path / "wav")


def test_it_is_a_speaker(speaker: EspeakSpeaker) -> None:
    as_speaker: Speaker = speaker
    assert not as_speaker.is_speaking


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_each_language_becomes_a_wav_with_sound(speaker: EspeakSpeaker, language: str) -> None:
    wav = speaker.start(PHRASES[language], language)  # type: ignore[arg-type]
    assert wav is not None
    assert speaker.wait_until_done(20)
    assert speaker.last_error is None
    assert speaker.last_wav == wav
    assert wav.name.endswith(f"-{language}.wav")
    assert _seconds(wav) > 1.0
    assert _peak(wav) > 1000


def test_kazakh_letters_are_spoken_not_skipped(speaker: EspeakSpeaker) -> None:
    """With the text read as UTF-8, each Kazakh-only letter adds sound; misread bytes would be dropped or spelled."""
    first = speaker.start("қ", "kk")
    assert speaker.wait_until_done(20)
    second = speaker.start("әғқңөұүһі", "kk")
    assert speaker.wait_until_done(20)
    assert first is not None and second is not None
    assert _seconds(second) > _seconds(first)


def test_say_returns_at_once(speaker: EspeakSpeaker) -> None:
    started = time.monotonic()
    speaker.say(PHRASES["ru"] * 5, "ru")
    assert time.monotonic() - started < 0.1
    assert speaker.is_speaking
    assert speaker.wait_until_done(30)
    assert not speaker.is_speaking


def test_a_new_utterance_interrupts_the_previous(speaker: EspeakSpeaker, tmp_path: Path) -> None:
    first = speaker.start(PHRASES["kk"] * 40, "kk")
    second = speaker.start("Екінші", "kk")
    assert speaker.wait_until_done(20)
    assert first is not None and second is not None
    assert not first.exists()  # cut short: the half-written file was removed
    assert _seconds(second) > 0
    assert speaker.last_wav == second


def test_stop_silences_and_is_harmless_when_silent(speaker: EspeakSpeaker) -> None:
    speaker.stop()
    wav = speaker.start(PHRASES["en"] * 40, "en")
    speaker.stop()
    assert speaker.wait_until_done(10)
    assert not speaker.is_speaking
    assert wav is not None and not wav.exists()


def test_rate_changes_the_length(speaker: EspeakSpeaker) -> None:
    speaker.rate_wpm = 100
    slow = speaker.start(PHRASES["en"], "en")
    assert speaker.wait_until_done(20)
    speaker.rate_wpm = 300
    fast = speaker.start(PHRASES["en"], "en")
    assert speaker.wait_until_done(20)
    assert slow is not None and fast is not None
    assert _seconds(slow) > 1.8 * _seconds(fast)


def test_volume_changes_the_amplitude(speaker: EspeakSpeaker) -> None:
    speaker.volume = 20
    quiet = speaker.start(PHRASES["en"], "en")
    assert speaker.wait_until_done(20)
    speaker.volume = 180
    loud = speaker.start(PHRASES["en"], "en")
    assert speaker.wait_until_done(20)
    assert quiet is not None and loud is not None
    assert _peak(loud) > 3 * _peak(quiet)


@pytest.mark.parametrize(("setting", "value"), [("rate_wpm", 79), ("rate_wpm", 451), ("volume", -1), ("volume", 201)])
def test_settings_out_of_range_are_refused(speaker: EspeakSpeaker, setting: str, value: int) -> None:
    with pytest.raises(ValueError):
        setattr(speaker, setting, value)


def test_bad_requests_are_refused(speaker: EspeakSpeaker) -> None:
    with pytest.raises(ValueError, match="voice"):
        speaker.say("Bonjour", "fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="limited"):
        speaker.say("а" * 4001, "ru")
    assert speaker.start("   ", "en") is None  # nothing to say: silence, no file
    assert not speaker.is_speaking


def test_text_that_looks_like_an_option_is_spoken_as_text(speaker: EspeakSpeaker) -> None:
    wav = speaker.start("--help -w /tmp/evil.wav", "en")
    assert speaker.wait_until_done(20)
    assert speaker.last_error is None
    assert wav is not None and _seconds(wav) > 0.5
    assert not Path("/tmp/evil.wav").exists()


def test_espeak_keeps_its_state_in_the_private_directory(tmp_path: Path) -> None:
    private = tmp_path / "xdg"
    speaker = EspeakSpeaker(PlayThrough(Path(shutil.which("true") or "/bin/true")), config_home=private)
    speaker.say(PHRASES["en"], "en")
    assert speaker.wait_until_done(20)
    assert speaker.last_error is None
    assert (private / "pulse").is_dir()
    speaker.close()
    assert private.is_dir()  # a directory handed in belongs to the caller and is not removed


def test_a_private_directory_it_made_itself_is_removed_on_close(tmp_path: Path) -> None:
    speaker = EspeakSpeaker.to_directory(tmp_path / "wav")
    private = speaker._private_directory
    speaker.say("One", "en")
    speaker.close()
    assert not private.exists()


def test_playback_runs_the_player_on_the_wav_and_cleans_up(tmp_path: Path) -> None:
    """A stand-in player (the audio device cannot exist here) records the WAV it was asked to play."""
    played = tmp_path / "played.wav"
    player = tmp_path / "aplay"
    player.write_text(f'#!/bin/sh\ncp "$1" {played}\n')
    player.chmod(player.stat().st_mode | stat.S_IEXEC)
    speaker = EspeakSpeaker(PlayThrough(player), config_home=tmp_path / "xdg")
    assert speaker.start(PHRASES["kk"], "kk") is None
    assert speaker.wait_until_done(20)
    assert speaker.last_error is None
    assert _seconds(played) > 1.0
    assert list((tmp_path / "xdg").glob("*.wav")) == []  # the temporary WAV is gone


def test_a_failing_player_is_reported_in_the_background(tmp_path: Path) -> None:
    player = tmp_path / "aplay"
    player.write_text("#!/bin/sh\necho 'aplay: main:831: audio open error: No such file or directory' >&2\nexit 1\n")
    player.chmod(player.stat().st_mode | stat.S_IEXEC)
    errors: list[Exception] = []
    speaker = EspeakSpeaker(PlayThrough(player), config_home=tmp_path / "xdg", on_error=errors.append)
    speaker.say("Test", "en")
    assert speaker.wait_until_done(20)
    assert isinstance(speaker.last_error, SpeechFailed)
    assert speaker.last_error.translation_key == "speech.failed"
    assert "audio open error" in speaker.last_error.detail
    assert errors == [speaker.last_error]


def test_all_three_voices_are_installed(speaker: EspeakSpeaker) -> None:
    assert speaker.missing_languages() == ()


def test_a_machine_without_espeak_names_the_package(tmp_path: Path) -> None:
    with pytest.raises(SpeechDependencyMissing) as raised:
        EspeakSpeaker(PlayThrough(Path("/bin/true")), espeak_command=str(tmp_path / "no-espeak"))
    assert raised.value.package == "espeak-ng"


def test_find_player_names_the_packages_when_none_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(SpeechDependencyMissing) as raised:
        find_player()
    assert "alsa-utils" in raised.value.package

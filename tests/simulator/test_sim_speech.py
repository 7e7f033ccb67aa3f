"""The simulator's speaker: records what was said, at once, and writes real WAV files."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from support.ci import require_program

from drivers.speech.speaker import Speaker
from simulator.speech import SimSpeaker, SpokenUtterance


def test_what_was_said_is_recorded_without_synthesis(tmp_path: Path) -> None:
    speaker = SimSpeaker(tmp_path, synthesize=False)
    as_speaker: Speaker = speaker
    as_speaker.say("Тілді таңдаңыз", "kk")
    as_speaker.say("Выберите язык", "ru")
    as_speaker.say("   ", "en")  # silence is not an utterance
    assert speaker.spoken == (
        SpokenUtterance("Тілді таңдаңыз", "kk", None),
        SpokenUtterance("Выберите язык", "ru", None),
    )
    assert speaker.spoken_texts == ("Тілді таңдаңыз", "Выберите язык")
    assert speaker.last_spoken == SpokenUtterance("Выберите язык", "ru", None)
    assert not speaker.is_speaking
    assert speaker.wait_until_done(1)
    assert list(tmp_path.iterdir()) == []


def test_stop_and_clear(tmp_path: Path) -> None:
    speaker = SimSpeaker(tmp_path, synthesize=False)
    speaker.say("Бір", "kk")
    speaker.stop()
    assert speaker.stops == 1
    speaker.clear()
    assert speaker.spoken == ()
    assert speaker.stops == 0
    assert speaker.last_spoken is None


def test_an_unknown_language_is_refused(tmp_path: Path) -> None:
    speaker = SimSpeaker(tmp_path, synthesize=False)
    with pytest.raises(ValueError, match="voice"):
        speaker.say("Hallo", "de")  # type: ignore[arg-type]
    assert speaker.spoken == ()


def test_each_utterance_is_written_as_a_wav(tmp_path: Path) -> None:
    require_program("espeak-ng", "espeak-ng")
    speaker = SimSpeaker(tmp_path / "speech")
    speaker.say("Сіз осы учаскенің тізімінде барсыз. Үстел нөмірі үш.", "kk")
    assert speaker.wait_until_done(20)
    speaker.say("You are on the list of this polling station.", "en")
    assert speaker.wait_until_done(20)
    paths = [utterance.wav_path for utterance in speaker.spoken]
    assert [path.parent for path in paths if path is not None] == [tmp_path / "speech"] * 2
    for path in paths:
        assert path is not None
        with wave.open(str(path), "rb") as audio:
            assert audio.getnframes() / audio.getframerate() > 1.0
    speaker.close()

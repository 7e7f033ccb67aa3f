"""The translator: lookups, placeholders, plural forms, strict and lenient behaviour."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from i18n_support import same_in_all, write_catalogues

from kiosk.i18n import MissingMessageParameter, Translator, UnknownMessageKey, translator
from kiosk.i18n.catalogues import compiled
from kiosk.i18n.translator import STRICT_ENVIRONMENT_VARIABLE, strict_by_default


def test_each_language_has_its_own_text_with_the_desk_filled_in() -> None:
    assert translator("en").gettext("service.unreachable", desk=4) == (
        "The registration service cannot be reached right now. Please go to the commission at desk 4; "
        "nothing you entered was lost.")
    assert "№ 4" in translator("ru").gettext("service.unreachable", desk=4)
    assert "4-үстелдегі" in translator("kk").gettext("service.unreachable", desk=4)


def test_a_translator_is_callable_like_gettext() -> None:
    english = translator("en")
    assert english("printout.iin") == english.gettext("printout.iin") == "IIN"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        translator("de")  # type: ignore[arg-type]


def test_strict_mode_raises_for_an_unknown_key() -> None:
    with pytest.raises(UnknownMessageKey, match=r"no\.such\.key"):
        translator("kk", strict=True).gettext("no.such.key")


def test_strict_mode_raises_for_a_missing_placeholder_value_naming_the_placeholder() -> None:
    with pytest.raises(MissingMessageParameter, match=r"\{desk\}") as raised:
        translator("ru", strict=True).gettext("service.unreachable")
    assert raised.value.placeholder == "desk"


def test_extra_values_are_ignored() -> None:
    assert translator("en").gettext("printout.iin", desk=1) == "IIN"


def test_lenient_mode_falls_back_to_english_and_logs_the_key_only(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    locale = write_catalogues(tmp_path, {
        "en": {"greeting.hello": "Hello, {name}.", "greeting.only_english": "Only in English."},
        "ru": {"greeting.hello": "Здравствуйте, {name}."},
        "kk": {"greeting.hello": "Сәлеметсіз бе, {name}."},
    })
    kazakh = Translator("kk", strict=False, locale_directory=locale)
    with caplog.at_level(logging.WARNING, logger="kiosk.i18n"):
        assert kazakh.gettext("greeting.only_english") == "Only in English."
        assert kazakh.gettext("greeting.absent") == "greeting.absent"
        shown = kazakh.gettext("greeting.hello", surname="Secret-Surname-880101300123")
    assert shown == "Hello, …."
    logged = caplog.text
    assert "greeting.only_english" in logged and "greeting.absent" in logged and "greeting.hello" in logged
    assert "Secret-Surname" not in logged and "880101300123" not in logged


def test_fuzzy_and_empty_entries_count_as_missing(tmp_path: Path) -> None:
    locale = write_catalogues(tmp_path, {
        "en": {"a.fuzzy": "Fuzzy", "a.empty": "Empty"},
        "ru": {"a.fuzzy": "Нечёткий", "a.empty": ""},
        "kk": {"a.fuzzy": "Анық емес", "a.empty": "Бос"},
    }, fuzzy=frozenset({("ru", "a.fuzzy")}))
    russian = Translator("ru", strict=True, locale_directory=locale)
    assert not russian.has("a.fuzzy") and not russian.has("a.empty")
    with pytest.raises(UnknownMessageKey):
        russian.gettext("a.fuzzy")
    assert Translator("ru", strict=False, locale_directory=locale).gettext("a.empty") == "Empty"


@pytest.mark.parametrize(("count", "expected"), [
    (1, "1 бюллетень"), (2, "2 бюллетеня"), (4, "4 бюллетеня"), (5, "5 бюллетеней"), (11, "11 бюллетеней"),
    (21, "21 бюллетень"), (22, "22 бюллетеня"), (0, "0 бюллетеней"),
])
def test_russian_plural_forms_follow_the_count(tmp_path: Path, count: int, expected: str) -> None:
    locale = write_catalogues(tmp_path, {
        "ru": {"ballot.count": ("{count} бюллетень", "{count} бюллетеня", "{count} бюллетеней")},
        "kk": {"ballot.count": ("{count} бюллетень", "{count} бюллетень")},
        "en": {"ballot.count": ("{count} ballot", "{count} ballots")},
    })
    assert Translator("ru", strict=True, locale_directory=locale).ngettext("ballot.count", count) == expected


def test_a_plural_key_is_not_a_singular_key(tmp_path: Path) -> None:
    locale = write_catalogues(tmp_path, same_in_all({"ballot.count": ("{count} a", "{count} b", "{count} c")}))
    english = Translator("en", strict=True, locale_directory=locale)
    with pytest.raises(UnknownMessageKey):
        english.gettext("ballot.count", count=1)


def test_strictness_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STRICT_ENVIRONMENT_VARIABLE, "0")
    assert not strict_by_default()
    assert translator("en").gettext("no.such.key") == "no.such.key"
    monkeypatch.setenv(STRICT_ENVIRONMENT_VARIABLE, "1")
    assert strict_by_default()
    monkeypatch.delenv(STRICT_ENVIRONMENT_VARIABLE)
    assert strict_by_default()  # pytest is running this test
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    assert not strict_by_default()


def test_catalogues_are_compiled_once_per_process() -> None:
    assert compiled("kk") is compiled("kk")

"""The real catalogues against the real source tree: the test that fails when a translation is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from kiosk.i18n import LANGUAGES, translator
from kiosk.i18n.catalogues import LOCALE_DIRECTORY, read_catalogue
from kiosk.i18n.check import REPOSITORY_ROOT, key_uses, report, run_checks, used_keys

KAZAKH_LETTERS = set("әғқңөұүі")  # һ is rare (loanwords); no text here needs it


def test_every_used_key_is_translated_and_every_catalogue_key_is_used() -> None:
    problems = run_checks(REPOSITORY_ROOT, LOCALE_DIRECTORY)
    assert not problems, "\n" + report(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_headers_name_the_language_and_its_plural_forms(language: str) -> None:
    catalogue = read_catalogue(language)  # type: ignore[arg-type]
    assert str(catalogue.locale) == language
    assert catalogue.num_plurals == get_plural(language).num_plurals


def test_kazakh_catalogue_is_written_in_kazakh_cyrillic() -> None:
    kazakh = " ".join(str(message.string) for message in read_catalogue("kk") if message.id)
    assert set(kazakh.lower()) >= KAZAKH_LETTERS, "Kazakh-specific letters are missing: is this Russian?"
    assert "Сіз" in kazakh or "сіз" in kazakh


def test_texts_differ_between_languages() -> None:
    # A catalogue copied from another language passes every structural check; this one does not.
    kk, ru, en = (translator(language) for language in ("kk", "ru", "en"))
    key = "service.unreachable"
    texts = {kk.gettext(key, desk=2), ru.gettext(key, desk=2), en.gettext(key, desk=2)}
    assert len(texts) == 3


def test_pybabel_extract_with_babel_cfg_finds_exactly_the_checked_keys(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPOSITORY_ROOT)
    template = tmp_path / "kiosk.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", "babel.cfg", "--no-location",
                                "-o", str(template), "."])
    with template.open("rb") as handle:
        extracted = {message.id if isinstance(message.id, str) else message.id[0]
                     for message in read_po(handle) if message.id}
    uses, _ = key_uses(REPOSITORY_ROOT)
    used, _ = used_keys(uses)
    assert extracted == set(used.locations)

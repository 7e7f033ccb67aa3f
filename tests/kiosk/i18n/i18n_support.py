"""Helpers for the translation tests: small catalogues and source trees written into a temporary directory."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from kiosk.i18n.catalogues import LANGUAGES, catalogue_path

Entry = str | tuple[str, ...]


def write_catalogues(locale_directory: Path, entries: dict[str, dict[str, Entry]],
                     fuzzy: frozenset[tuple[str, str]] = frozenset()) -> Path:
    """Write kk/ru/en ``.po`` files: ``entries[language][key]`` is a text, or a tuple of plural forms."""
    for language in LANGUAGES:
        catalogue = Catalog(locale=language, domain="kiosk", fuzzy=False)
        for key, text in entries.get(language, {}).items():
            message_id: str | tuple[str, str] = (key, key) if isinstance(text, tuple) else key
            flags = ["fuzzy"] if (language, key) in fuzzy else []
            catalogue.add(message_id, text, flags=flags)
        path = catalogue_path(language, locale_directory)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalogue)
    return locale_directory


def same_in_all(entries: dict[str, Entry]) -> dict[str, dict[str, Entry]]:
    """The same entries for every language (tests that are not about the wording)."""
    return {language: dict(entries) for language in LANGUAGES}


def write_source(root: Path, relative: str, text: str) -> Path:
    """Write one source file of a fake repository."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

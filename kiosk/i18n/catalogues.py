"""The kk/ru/en message catalogues: gettext ``.po`` files compiled in memory on first use.

Only the ``.po`` files are kept in git (``kiosk/i18n/locale/<language>/LC_MESSAGES/kiosk.po``). The first
lookup in a language reads its ``.po`` with Babel, writes the GNU ``.mo`` form into memory and opens it as a
``babel.support.Translations``; the result is cached for the life of the process. Reading and compiling all
three catalogues takes a few milliseconds (docs/translations.md has the measurement), so there is no build
step and no generated file that could fall out of date with its source.

Fuzzy and empty entries are left out of the compiled form, exactly as ``msgfmt`` would leave them out.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from kiosk.core.registration import LANGUAGES, Language

DOMAIN: Final = "kiosk"
LOCALE_DIRECTORY: Final = Path(__file__).resolve().parent / "locale"
FALLBACK_LANGUAGE: Final[Language] = "en"

__all__ = ["DOMAIN", "FALLBACK_LANGUAGE", "LANGUAGES", "LOCALE_DIRECTORY", "CompiledCatalogue", "Language",
           "catalogue_path", "compiled", "read_catalogue"]


@dataclass(frozen=True, slots=True)
class CompiledCatalogue:
    """A language's translations ready for lookups, and which keys (singular or plural) it really has."""

    language: Language
    translations: Translations
    singular_keys: frozenset[str]
    plural_keys: frozenset[str]


def catalogue_path(language: Language, locale_directory: Path = LOCALE_DIRECTORY) -> Path:
    """Where the ``.po`` file of ``language`` lives."""
    return locale_directory / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: Language, locale_directory: Path = LOCALE_DIRECTORY) -> Catalog:
    """The parsed ``.po`` file of ``language`` (raises OSError if it is missing)."""
    with catalogue_path(language, locale_directory).open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN, abort_invalid=True)


@functools.cache
def compiled(language: Language, locale_directory: Path = LOCALE_DIRECTORY) -> CompiledCatalogue:
    """The compiled catalogue of ``language``, built once per process and directory."""
    catalogue = read_catalogue(language, locale_directory)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue, use_fuzzy=False)
    buffer.seek(0)
    translations = Translations(fp=buffer, domain=DOMAIN)
    singular: set[str] = set()
    plural: set[str] = set()
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            if isinstance(message.string, tuple | list) and all(message.string):
                plural.add(message.id[0])
        elif message.string:
            singular.add(message.id)
    return CompiledCatalogue(language, translations, frozenset(singular), frozenset(plural))

"""Turn a message key and named values into the text a voter sees, hears or gets printed.

Two behaviours for a key missing from a catalogue, or a placeholder with no value:

- **strict** (tests): raise :class:`UnknownMessageKey` or :class:`MissingMessageParameter`, so the mistake
  fails the test that made it;
- **lenient** (a station): log a warning naming the key (never the values) and fall back to English, so a
  voter always gets a sentence rather than a crash.

``strict=None`` (the default) decides on every call: the ``KIOSK_I18N_STRICT`` environment variable when set
(``1`` strict, ``0`` lenient), otherwise strict while pytest runs a test (pytest sets ``PYTEST_CURRENT_TEST``)
and lenient everywhere else.
"""

from __future__ import annotations

import logging
import os
import string
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from kiosk.errors import KioskError
from kiosk.i18n.catalogues import FALLBACK_LANGUAGE, LANGUAGES, LOCALE_DIRECTORY, CompiledCatalogue, Language, compiled

_log = logging.getLogger(__name__)

STRICT_ENVIRONMENT_VARIABLE: Final = "KIOSK_I18N_STRICT"
_PYTEST_MARKER: Final = "PYTEST_CURRENT_TEST"  # set by pytest while a test runs
MISSING_VALUE_TEXT: Final = "…"  # stands in for a value the caller forgot, in lenient mode only


class TranslationError(KioskError):
    """Root of translation failures; raised only in strict mode."""

    translation_key = "error.internal"


class UnknownMessageKey(TranslationError):
    """The key is not in the catalogue (or only as an empty or fuzzy entry), or has the wrong number form."""

    def __init__(self, key: str, language: Language) -> None:
        super().__init__(f"message key {key!r} has no translation in the {language} catalogue")
        self.key = key
        self.language = language


class MissingMessageParameter(TranslationError):
    """The text has a placeholder the caller gave no value for. The message names it, never a value."""

    def __init__(self, key: str, language: Language, placeholder: str) -> None:
        super().__init__(f"message {key!r} ({language}) needs a value for {{{placeholder}}}")
        self.key = key
        self.language = language
        self.placeholder = placeholder


def strict_by_default() -> bool:
    """Whether a translator with ``strict=None`` raises right now (see the module docstring)."""
    configured = os.environ.get(STRICT_ENVIRONMENT_VARIABLE)
    if configured is not None:
        return configured.strip() not in {"", "0", "false", "no"}
    return _PYTEST_MARKER in os.environ


class Translator:
    """Texts of one language. Build it with :func:`translator`."""

    def __init__(self, language: Language, *, strict: bool | None = None,
                 locale_directory: Path = LOCALE_DIRECTORY) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
        self.language: Language = language
        self._strict = strict
        self._locale_directory = locale_directory

    @property
    def strict(self) -> bool:
        """True when a missing key or value raises instead of falling back."""
        return strict_by_default() if self._strict is None else self._strict

    def has(self, key: str) -> bool:
        """True when this language has a (non-fuzzy, non-empty) translation of ``key``."""
        catalogue = self._catalogue(self.language)
        return key in catalogue.singular_keys or key in catalogue.plural_keys

    def gettext(self, key: str, /, **params: object) -> str:
        """The text of ``key`` with its ``{placeholders}`` filled from ``params``."""
        return self._render(key, None, params)

    def ngettext(self, key: str, count: int, /, **params: object) -> str:
        """The text of ``key`` in the plural form for ``count``; ``{count}`` is filled with it."""
        return self._render(key, count, {"count": count, **params})

    translate = gettext  # the marker name the kv files use through the UI helper
    __call__ = gettext  # so a translator is itself a ``Translate`` callable (kiosk/printouts.py)

    def _catalogue(self, language: Language) -> CompiledCatalogue:
        return compiled(language, self._locale_directory)

    def _render(self, key: str, count: int | None, params: Mapping[str, object]) -> str:
        strict = self.strict
        template = self._template(self.language, key, count)
        if template is None:
            if strict:
                raise UnknownMessageKey(key, self.language)
            _log.warning("message key %r is missing from the %s catalogue; showing English", key, self.language)
            template = self._template(FALLBACK_LANGUAGE, key, count)
            if template is None:
                _log.warning("message key %r is missing from the English catalogue too; showing the key", key)
                return key
        missing = _missing_placeholder(template, params)
        if missing is None:
            return template.format_map(params)
        if strict:
            raise MissingMessageParameter(key, self.language, missing)
        _log.warning("message %r (%s) got no value for {%s}; showing English", key, self.language, missing)
        english = self._template(FALLBACK_LANGUAGE, key, count) or template
        return english.format_map(_FillMissing(params))

    def _template(self, language: Language, key: str, count: int | None) -> str | None:
        catalogue = self._catalogue(language)
        if count is None:
            return catalogue.translations.gettext(key) if key in catalogue.singular_keys else None
        if key not in catalogue.plural_keys:
            return None
        return catalogue.translations.ngettext(key, key, count)


class _FillMissing(dict[str, object]):
    """Parameters that show :data:`MISSING_VALUE_TEXT` for a placeholder with no value."""

    def __missing__(self, name: str) -> object:
        return MISSING_VALUE_TEXT


def _missing_placeholder(template: str, params: Mapping[str, object]) -> str | None:
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None and field not in params:
            return field
    return None


def translator(language: Language, *, strict: bool | None = None) -> Translator:
    """The translator of ``language`` (one of :data:`LANGUAGES`) over the kiosk's own catalogues."""
    return Translator(language, strict=strict)

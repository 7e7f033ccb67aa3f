"""Every text a voter sees, hears or gets printed, in Kazakh, Russian and English (gettext catalogues, Babel).

Texts are looked up by stable keys (``"service.unreachable"``), never by English text, because the same key is
shown on screen, spoken and printed. ``translator("kk").gettext("service.unreachable", desk=3)``.
docs/translations.md explains how to add a text, update the catalogues and run the check.
"""

from __future__ import annotations

from kiosk.i18n.catalogues import LANGUAGES, Language
from kiosk.i18n.markers import N_
from kiosk.i18n.translator import (
    MissingMessageParameter,
    TranslationError,
    Translator,
    UnknownMessageKey,
    translator,
)

__all__ = [
    "LANGUAGES",
    "N_",
    "Language",
    "MissingMessageParameter",
    "TranslationError",
    "Translator",
    "UnknownMessageKey",
    "translator",
]

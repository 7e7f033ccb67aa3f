"""How code marks a string as a message key, so the checker and ``pybabel extract`` can find it.

A key is *used* when it appears, as a string literal, in one of these places (see docs/translations.md):

- the value of a ``translation_key`` class attribute, assignment or keyword argument (errors);
- the key argument of a call to one of :data:`MARKER_FUNCTIONS`, in Python or in a ``.kv`` rule
  (``translator.gettext("receipt.title")``, ``_("attract.title")``, ``N_("voice.help")``);
- an element (or dict value) of a module-level constant whose name ends in :data:`KEY_TUPLE_SUFFIX`
  (``SCREEN_KEYS = ("attract.title", ...)``), for keys chosen by data rather than by a call.

Keys built at run time (``f"iin.{reason.value}"``) must belong to a family declared in
:mod:`kiosk.i18n.families`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

# Calls that take a message key, and the position of the key among their positional arguments. ``say_key``
# is the voter session's "speak this key" effect (kiosk/core/voter_session_transitions.py). ``ngettext`` marks
# a key with plural forms.
MARKER_FUNCTIONS: Final[Mapping[str, int]] = MappingProxyType(
    {"_": 0, "N_": 0, "gettext": 0, "ngettext": 0, "translate": 0, "say_key": 1}
)
PLURAL_MARKER_FUNCTIONS: Final = frozenset({"ngettext"})
KEY_ATTRIBUTE: Final = "translation_key"
KEY_TUPLE_SUFFIX: Final = "_KEYS"

# Lower-case dotted words: "error.service.unreachable". Stable ids, never English text.
KEY_PATTERN: Final = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+")


def N_(key: str) -> str:  # noqa: N802  (the gettext convention for "mark, translate later")
    """Mark ``key`` as a message key without translating it; returns the key unchanged."""
    return key

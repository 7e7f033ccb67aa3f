"""Extractors for ``pybabel extract`` (named in babel.cfg), built on the same key finder as the checker.

Babel calls each with an open binary file and expects ``(line, function name, message, comments)`` tuples. The
function name is None because the messages are keys found by their own rules, not by Babel's keyword list.
A key with plural forms is given as ``(key, key)``: its msgid and msgid_plural are both the key.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from kiosk.i18n.families import FAMILIES
from kiosk.i18n.keys import KeyUse, expression_key_uses, python_key_uses
from kiosk.i18n.kv_source import kv_properties

ExtractedMessage = tuple[int, str | None, str | tuple[str, str], list[str]]


def _message(use: KeyUse) -> ExtractedMessage:
    message: str | tuple[str, str] = (use.key, use.key) if use.plural else use.key
    return use.line, None, message, [use.comment] if use.comment else []


def extract_python(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                   options: Mapping[str, Any]) -> Iterator[ExtractedMessage]:
    """The static keys of a Python file (keys built at run time come from :func:`extract_families`)."""
    source = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    for use in python_key_uses(source, getattr(fileobj, "name", "<source>")):
        if not use.dynamic:
            yield _message(use)


def extract_kv(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
               options: Mapping[str, Any]) -> Iterator[ExtractedMessage]:
    """The keys marked in a Kivy ``.kv`` file."""
    text = fileobj.read().decode(str(options.get("encoding", "utf-8")))
    for kv_property in kv_properties(text):
        if kv_property.expression is None:
            continue
        for use in expression_key_uses(kv_property.expression, kv_property.line):
            if not use.dynamic:
                yield _message(use)


def extract_families(fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str],
                     options: Mapping[str, Any]) -> Iterator[ExtractedMessage]:
    """Every member of every family declared in :mod:`kiosk.i18n.families` (map this to that file only)."""
    for family in FAMILIES:
        for key in sorted(family.keys()):
            yield 0, None, key, [f"built at run time by {family.source}"]

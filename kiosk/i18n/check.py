"""The catalogue check: every key the code uses is translated in kk, ru and en, and nothing else is there.

Run it as ``python -m kiosk.i18n.check`` (exit status 1 and a list of problems when something is wrong) or
through ``tests/kiosk/i18n/test_catalogues.py``. What it checks, and how keys are found, is described in
docs/translations.md; in short:

(a) every used key is present, non-empty and not fuzzy in all three catalogues, with plural forms where the
    code passes a count; (b) every catalogue key is used, statically or as a member of a declared family;
(c) the ``{placeholders}`` are the same in all three languages, and error texts use only ``{desk}``;
(d) no visible text in ``kiosk/ui`` (``text:`` in ``.kv``, ``text=`` in ``.py``) is a bare literal.
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

from babel.messages.catalog import Catalog, Message
from babel.messages.plurals import get_plural
from babel.messages.pofile import PoFileError

from kiosk.i18n.catalogues import LANGUAGES, LOCALE_DIRECTORY, Language, catalogue_path, read_catalogue
from kiosk.i18n.families import FAMILIES, KeyFamily
from kiosk.i18n.keys import KeyUse, callee_name, expression_key_uses, is_marker_call, python_key_uses
from kiosk.i18n.kv_source import kv_properties
from kiosk.i18n.markers import KEY_PATTERN

REPOSITORY_ROOT: Final = Path(__file__).resolve().parents[2]
SOURCE_DIRECTORIES: Final = ("kiosk", "drivers", "simulator", "provisioning")
UI_DIRECTORY: Final = Path("kiosk", "ui")
# Properties and keyword arguments that put text on the screen (Label, Button, TextInput, Popup).
VISIBLE_TEXT_PROPERTIES: Final = frozenset({"text", "hint_text", "title"})
# Calls whose first argument is spoken aloud.
SPOKEN_TEXT_FUNCTIONS: Final = frozenset({"say", "speak"})
# The screen that shows an error always passes these values; an error's text may use no other placeholder.
ERROR_PLACEHOLDERS: Final = frozenset({"desk"})

ProblemKind = Literal[
    "unreadable", "bad_key", "undeclared_family", "missing", "empty", "fuzzy", "plural", "unused",
    "obsolete", "placeholders", "header", "unmarked",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong, with where it is and what to do about it."""

    kind: ProblemKind
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.detail}"


@dataclass(frozen=True, slots=True)
class SourceKeyUse:
    """A key use and the file (relative to the repository root) it was found in."""

    path: str
    use: KeyUse

    @property
    def where(self) -> str:
        """``path:line``."""
        return f"{self.path}:{self.use.line}"


@dataclass(slots=True)
class UsedKeys:
    """What the code uses: static keys, family members, which need plural forms, which are error texts."""

    locations: dict[str, list[str]] = field(default_factory=dict)
    plural: set[str] = field(default_factory=set)
    errors: set[str] = field(default_factory=set)

    def add(self, key: str, where: str, *, plural: bool = False, error: bool = False) -> None:
        """Record one use of ``key``."""
        self.locations.setdefault(key, []).append(where)
        if plural:
            self.plural.add(key)
        if error:
            self.errors.add(key)


# --- finding keys in the source tree ---------------------------------------------------------------------


def source_files(root: Path, suffix: str) -> Iterator[Path]:
    """The project's files with ``suffix`` under the scanned directories, in a stable order."""
    for directory in SOURCE_DIRECTORIES:
        yield from sorted((root / directory).rglob(f"*{suffix}"))


def key_uses(root: Path) -> tuple[list[SourceKeyUse], list[Problem]]:
    """Every key use in the ``.py`` and ``.kv`` files of the tree, and the files that could not be read."""
    uses: list[SourceKeyUse] = []
    problems: list[Problem] = []
    for path in source_files(root, ".py"):
        relative = path.relative_to(root).as_posix()
        try:
            found = python_key_uses(path.read_text(encoding="utf-8"), relative)
        except (SyntaxError, UnicodeDecodeError) as error:
            problems.append(Problem("unreadable", relative, f"cannot parse: {error}"))
            continue
        uses.extend(SourceKeyUse(relative, use) for use in found)
    for path in source_files(root, ".kv"):
        relative = path.relative_to(root).as_posix()
        for kv_property in kv_properties(path.read_text(encoding="utf-8")):
            if kv_property.expression is None:
                problems.append(Problem("unreadable", f"{relative}:{kv_property.line}",
                                        f"cannot parse the value of {kv_property.name!r}"))
                continue
            found = expression_key_uses(kv_property.expression, kv_property.line)
            uses.extend(SourceKeyUse(relative, use) for use in found)
    return uses, problems


def used_keys(uses: Iterable[SourceKeyUse], families: Sequence[KeyFamily] = FAMILIES) -> tuple[UsedKeys, list[Problem]]:
    """Resolve uses to keys: static keys as they are, dynamic ones through their declared family."""
    used = UsedKeys()
    problems: list[Problem] = []
    expanded: dict[str, frozenset[str]] = {}
    for source_use in uses:
        use = source_use.use
        error = use.kind == "translation_key"
        if not use.dynamic:
            if not KEY_PATTERN.fullmatch(use.key):
                problems.append(Problem("bad_key", source_use.where,
                                        f"{use.key!r} is not a key (lower-case dotted words, e.g. 'card.removed')"))
                continue
            used.add(use.key, source_use.where, plural=use.plural, error=error)
            continue
        family = next((family for family in families if family.prefix == use.key), None)
        if family is None:
            problems.append(Problem(
                "undeclared_family", source_use.where,
                f"a key is built at run time from the prefix {use.key!r}; declare that family in "
                "kiosk/i18n/families.py so its members can be checked"))
            continue
        if family.prefix not in expanded:
            expanded[family.prefix] = family.keys()
        for key in expanded[family.prefix]:
            used.add(key, f"{source_use.where} (family {family.prefix}*)", plural=use.plural, error=error)
    return used, problems


# --- reading the catalogues ------------------------------------------------------------------------------


def _messages(catalogue: Catalog) -> dict[str, Message]:
    return {_message_key(message): message for message in catalogue if message.id}


def _message_key(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple | list) else message.id)


def _forms(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple | list):
        return tuple(str(form or "") for form in message.string)
    return (str(message.string or ""),)


def placeholders(text: str) -> frozenset[str] | None:
    """The ``{names}`` in ``text``, or None when it is not a valid format string."""
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)
    except ValueError:
        return None


# --- the checks --------------------------------------------------------------------------------------------


def check_catalogues(used: UsedKeys, locale_directory: Path = LOCALE_DIRECTORY) -> list[Problem]:
    """(a), (b) and (c): compare the used keys with the three catalogues and the catalogues with each other."""
    problems: list[Problem] = []
    catalogues: dict[Language, dict[str, Message]] = {}
    for language in LANGUAGES:
        where = str(catalogue_path(language, locale_directory))
        try:
            catalogue = read_catalogue(language, locale_directory)
        except (OSError, ValueError, PoFileError) as error:  # reported with the rest, not raised
            problems.append(Problem("unreadable", where, f"cannot read the catalogue: {error}"))
            continue
        problems.extend(_check_header(catalogue, language, where))
        problems.extend(Problem("obsolete", where, f"{_message_key(message)!r} is obsolete (#~): delete it")
                        for message in catalogue.obsolete.values())
        catalogues[language] = _messages(catalogue)
    for language, messages in catalogues.items():
        problems.extend(_check_one_catalogue(language, messages, used, locale_directory))
    problems.extend(_check_placeholders(catalogues, used))
    return problems


def _check_header(catalogue: Catalog, language: Language, where: str) -> Iterator[Problem]:
    if str(catalogue.locale) != language:
        yield Problem("header", where, f"the Language header says {catalogue.locale!s}, expected {language}")
    expected = get_plural(language)
    if catalogue.num_plurals != expected.num_plurals:
        yield Problem("header", where, f"Plural-Forms gives {catalogue.num_plurals} forms; {language} has "
                                       f"{expected.num_plurals} ({expected.plural_forms})")


def _check_one_catalogue(language: Language, messages: dict[str, Message], used: UsedKeys,
                         locale_directory: Path) -> Iterator[Problem]:
    where_catalogue = str(catalogue_path(language, locale_directory))
    for key in sorted(used.locations):
        first_use = used.locations[key][0]
        message = messages.get(key)
        if message is None:
            yield Problem("missing", f"{language} {key}", f"not in {where_catalogue} (used at {first_use})")
            continue
        if message.fuzzy:
            yield Problem("fuzzy", f"{language} {key}", "marked fuzzy: check the text and remove the flag")
        if not all(form.strip() for form in _forms(message)):
            yield Problem("empty", f"{language} {key}",
                          "has no translation (an empty msgstr, or an empty or absent plural form)")
        wants_plural = key in used.plural
        if wants_plural != message.pluralizable:
            needed = "plural forms (msgid_plural)" if wants_plural else "a single form (no msgid_plural)"
            yield Problem("plural", f"{language} {key}", f"the code needs {needed} (used at {first_use})")
        elif message.pluralizable and len(_forms(message)) != get_plural(language).num_plurals:
            yield Problem("plural", f"{language} {key}",
                          f"has {len(_forms(message))} plural forms, {language} needs "
                          f"{get_plural(language).num_plurals}")
    for key in sorted(set(messages) - set(used.locations)):
        yield Problem("unused", f"{language} {key}",
                      "no code uses this key: delete it, or declare the family that builds it at run time")


def _check_placeholders(catalogues: dict[Language, dict[str, Message]], used: UsedKeys) -> Iterator[Problem]:
    keys = sorted(set().union(*(set(messages) for messages in catalogues.values())))
    for key in keys:
        found: dict[str, frozenset[str]] = {}
        for language, messages in catalogues.items():
            message = messages.get(key)
            if message is None:
                continue
            forms = [placeholders(form) for form in _forms(message)]
            if any(names is None for names in forms):
                yield Problem("placeholders", f"{language} {key}", "not a valid text template (unmatched { or })")
                continue
            names = frozenset().union(*(names for names in forms if names is not None))
            bad = sorted(name for name in names if not name.isidentifier())
            if bad:
                yield Problem("placeholders", f"{language} {key}",
                              f"placeholders must be plain names like {{desk}}, found {bad}")
            found[language] = names
        distinct = set(found.values())
        if len(distinct) > 1:
            listing = ", ".join(f"{language}: {sorted(names)}" for language, names in found.items())
            yield Problem("placeholders", key, f"the languages use different placeholders ({listing})")
        if key in used.errors:
            extra = sorted(set().union(*found.values()) - ERROR_PLACEHOLDERS) if found else []
            if extra:
                yield Problem("placeholders", key, f"an error text may use only {sorted(ERROR_PLACEHOLDERS)}, "
                                                   f"found {extra}: the screen showing an error has no other value")


# --- (d) unmarked visible text -----------------------------------------------------------------------------


def unmarked_ui_texts(root: Path) -> list[Problem]:
    """Literal text with letters given to a visible property in ``kiosk/ui`` without going through a marker."""
    ui_root = root / UI_DIRECTORY
    problems: list[Problem] = []
    for path in sorted(ui_root.rglob("*.kv")):
        relative = path.relative_to(root).as_posix()
        for kv_property in kv_properties(path.read_text(encoding="utf-8")):
            if kv_property.name in VISIBLE_TEXT_PROPERTIES and kv_property.expression is not None:
                for literal in unmarked_literals(kv_property.expression):
                    problems.append(Problem("unmarked", f"{relative}:{kv_property.line}",
                                            f"{kv_property.name}: {literal!r} is shown untranslated; "
                                            "use _(\"<key>\") and add the key to the catalogues"))
    for path in sorted(ui_root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=relative)
        except SyntaxError:
            continue  # reported by key_uses
        for line, what, literal in _unmarked_in_python(tree):
            problems.append(Problem("unmarked", f"{relative}:{line}",
                                    f"{what}: {literal!r} is shown or spoken untranslated; use the translator "
                                    "(translator.gettext(\"<key>\")) and add the key to the catalogues"))
    return problems


def unmarked_literals(node: ast.AST) -> list[str]:
    """String literals with a letter in them that are not inside a marker call."""
    if is_marker_call(node):
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if any(character.isalpha() for character in node.value) else []
    if isinstance(node, ast.JoinedStr):
        text = "".join(part.value for part in node.values
                       if isinstance(part, ast.Constant) and isinstance(part.value, str))
        if any(character.isalpha() for character in text):
            return [text]
    found: list[str] = []
    for child in ast.iter_child_nodes(node):
        found.extend(unmarked_literals(child))
    return found


def _unmarked_in_python(tree: ast.AST) -> Iterator[tuple[int, str, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg in VISIBLE_TEXT_PROPERTIES:
                    for literal in unmarked_literals(keyword.value):
                        yield node.lineno, f"{keyword.arg}=", literal
            if callee_name(node) in SPOKEN_TEXT_FUNCTIONS and node.args:
                for literal in unmarked_literals(node.args[0]):
                    yield node.lineno, f"{callee_name(node)}()", literal
        elif isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(target, ast.Attribute) and target.attr in VISIBLE_TEXT_PROPERTIES
                   for target in targets):
                for literal in unmarked_literals(node.value):
                    yield node.lineno, ".text =", literal


# --- putting it together -----------------------------------------------------------------------------------


def run_checks(root: Path = REPOSITORY_ROOT, locale_directory: Path = LOCALE_DIRECTORY,
               families: Sequence[KeyFamily] = FAMILIES) -> list[Problem]:
    """Every problem found in the tree at ``root`` against the catalogues in ``locale_directory``."""
    uses, problems = key_uses(root)
    used, resolve_problems = used_keys(uses, families)
    problems.extend(resolve_problems)
    problems.extend(check_catalogues(used, locale_directory))
    problems.extend(unmarked_ui_texts(root))
    return problems


def report(problems: Sequence[Problem]) -> str:
    """A readable report, grouped by kind, ending with a count."""
    if not problems:
        return "translations: all keys present in kk, ru and en; nothing unused; nothing unmarked"
    lines = [str(problem) for problem in sorted(problems, key=lambda problem: (problem.kind, problem.where))]
    lines.append(f"{len(problems)} translation problem(s); docs/translations.md says how to fix each kind")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kiosk.i18n.check``: print the problems; exit 1 if there are any."""
    parser = argparse.ArgumentParser(prog="python -m kiosk.i18n.check",
                                     description="Check the kk/ru/en message catalogues.")
    parser.add_argument("--root", type=Path, default=REPOSITORY_ROOT, help="the repository to check")
    parser.add_argument("--list-keys", action="store_true", help="print every used key and exit")
    args = parser.parse_args(argv)
    if args.list_keys:
        uses, _ = key_uses(args.root)
        used, _ = used_keys(uses)
        print("\n".join(sorted(used.locations)))
        return 0
    problems = run_checks(args.root, args.root / "kiosk" / "i18n" / "locale")
    print(report(problems), file=sys.stderr if problems else sys.stdout)
    return 1 if problems else 0


__all__ = ["Problem", "main", "placeholders", "report", "run_checks", "unmarked_literals"]

if __name__ == "__main__":
    sys.exit(main())

"""Find the message keys a source file uses, by reading its syntax tree (never by importing it).

Used by the catalogue checker (:mod:`kiosk.i18n.check`) and by the ``pybabel extract`` extractors
(:mod:`kiosk.i18n.extract`), so both see exactly the same keys. The rules are in :mod:`kiosk.i18n.markers`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from kiosk.i18n.markers import KEY_ATTRIBUTE, KEY_TUPLE_SUFFIX, MARKER_FUNCTIONS, PLURAL_MARKER_FUNCTIONS

UseKind = Literal["translation_key", "call", "plural_call", "key_tuple"]


@dataclass(frozen=True, slots=True)
class KeyUse:
    """One place a key is used. ``dynamic`` uses are built at run time; ``key`` is then their fixed prefix."""

    key: str
    line: int
    kind: UseKind
    dynamic: bool = False
    comment: str | None = None  # context for translators (the error class and its docstring)

    @property
    def plural(self) -> bool:
        """True when the key is looked up with a count and needs plural forms."""
        return self.kind == "plural_call"


def python_key_uses(source: str, filename: str = "<source>") -> list[KeyUse]:
    """Every key use in a Python source text; raises SyntaxError if it does not parse."""
    tree = ast.parse(source, filename=filename)
    collector = _Collector()
    collector.visit(tree)
    for statement in tree.body:
        collector.module_constant(statement)
    return collector.uses


def expression_key_uses(expression: ast.AST, line: int) -> list[KeyUse]:
    """Key uses inside one expression (a ``.kv`` property value), with ``line`` as their line."""
    collector = _Collector()
    collector.visit(expression)
    return [KeyUse(use.key, line, use.kind, use.dynamic, use.comment) for use in collector.uses]


def callee_name(call: ast.Call) -> str | None:
    """The name a call is made through: ``f`` for ``f(...)``, ``g`` for ``x.y.g(...)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def is_marker_call(node: ast.AST) -> bool:
    """True for a call to one of the marker functions."""
    return isinstance(node, ast.Call) and callee_name(node) in MARKER_FUNCTIONS


def _literal_or_prefix(node: ast.expr) -> tuple[str, bool] | None:
    """(key, False) for a string literal; (fixed prefix, True) for an f-string or ``"prefix" + x``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value, False
    if isinstance(node, ast.JoinedStr):
        prefix = ""
        for part in node.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            prefix += part.value
        return prefix, True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _literal_or_prefix(node.left)
        if left is not None:
            return left[0], True
    return None


class _Collector(ast.NodeVisitor):
    def __init__(self) -> None:
        self.uses: list[KeyUse] = []
        self._class_comments: list[str] = []

    def _add(self, node: ast.expr, kind: UseKind, comment: str | None = None) -> None:
        found = _literal_or_prefix(node)
        if found is not None:
            key, dynamic = found
            self.uses.append(KeyUse(key, node.lineno, kind, dynamic, comment))

    def _comment(self) -> str | None:
        return self._class_comments[-1] if self._class_comments else None

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        docstring = ast.get_docstring(node) or ""
        first_line = docstring.strip().splitlines()[0] if docstring.strip() else ""
        self._class_comments.append(f"{node.name}: {first_line}" if first_line else node.name)
        self.generic_visit(node)
        self._class_comments.pop()

    def visit_Assign(self, node: ast.Assign) -> None:
        if any(_names_key_attribute(target) for target in node.targets):
            self._add(node.value, "translation_key", self._comment())
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and _names_key_attribute(node.target):
            self._add(node.value, "translation_key", self._comment())
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = callee_name(node)
        if name is not None and name in MARKER_FUNCTIONS and len(node.args) > MARKER_FUNCTIONS[name]:
            kind: UseKind = "plural_call" if name in PLURAL_MARKER_FUNCTIONS else "call"
            self._add(node.args[MARKER_FUNCTIONS[name]], kind)
        for keyword in node.keywords:
            if keyword.arg == KEY_ATTRIBUTE:
                self._add(keyword.value, "translation_key", self._comment())
        self.generic_visit(node)

    def module_constant(self, statement: ast.stmt) -> None:
        """Collect the keys of a module-level ``..._KEYS`` constant (tuple, list, set or dict values)."""
        if isinstance(statement, ast.Assign):
            targets, value = statement.targets, statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        else:
            return
        if not any(isinstance(target, ast.Name) and target.id.endswith(KEY_TUPLE_SUFFIX) for target in targets):
            return
        for element in _elements(value):
            self._add(element, "key_tuple")


def _names_key_attribute(target: ast.expr) -> bool:
    return (isinstance(target, ast.Name) and target.id == KEY_ATTRIBUTE) or (
        isinstance(target, ast.Attribute) and target.attr == KEY_ATTRIBUTE
    )


def _elements(value: ast.expr) -> Iterator[ast.expr]:
    """The members of a literal collection, looking through ``frozenset(...)``/``tuple(...)`` wrappers."""
    if isinstance(value, ast.Tuple | ast.List | ast.Set):
        for element in value.elts:
            if isinstance(element, ast.Tuple | ast.List | ast.Set | ast.Dict | ast.Call):
                yield from _elements(element)
            else:
                yield element
    elif isinstance(value, ast.Dict):
        for element in value.values:
            yield from _elements(element) if isinstance(element, ast.Tuple | ast.List | ast.Dict) else [element]
    elif isinstance(value, ast.Call) and len(value.args) == 1:
        yield from _elements(value.args[0])

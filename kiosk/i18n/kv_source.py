"""Read Kivy ``.kv`` files just enough to see their property values as Python expressions.

A kv rule line is ``name: expression``; the expression may continue on more-indented lines. Widget and rule
headers (``<Attract>:``, ``BoxLayout:``, ``canvas:``) have no value and directives (``#:import``) are skipped.
Nothing here imports Kivy: the checker must run where no display exists.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

# Lower-case blocks whose children are canvas instructions, not a value.
_BLOCKS = frozenset({"canvas"})
_PROPERTY = re.compile(r"^(?P<indent>\s*)(?P<name>[a-z_][A-Za-z0-9_]*)\s*:\s*(?P<value>.*)$")


@dataclass(frozen=True, slots=True)
class KvProperty:
    """One property of a kv rule: name, line number and parsed value (None when it does not parse)."""

    name: str
    line: int
    source: str
    expression: ast.AST | None


def kv_properties(text: str) -> list[KvProperty]:
    """Every ``name: value`` property in a kv file, with its value parsed as Python."""
    lines = text.splitlines()
    properties: list[KvProperty] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _PROPERTY.match(line)
        index += 1
        if match is None or line.lstrip().startswith("#") or match["name"] in _BLOCKS:
            continue
        indent = len(match["indent"])
        value_lines = [match["value"]] if match["value"].strip() else []
        start = index
        # A value continues on the following lines indented deeper than its name (a handler may start there).
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
            if value_lines and _parse("\n".join(value_lines)) is not None and _PROPERTY.match(lines[index]):
                break
            if lines[index].strip():
                value_lines.append(lines[index].strip())
            index += 1
        if not value_lines:
            continue  # a rule or widget header: its children follow
        source = "\n".join(value_lines)
        properties.append(KvProperty(match["name"], start, source, _parse(source)))
    return properties


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _parse(source: str) -> ast.AST | None:
    """The value as an expression (also when split over lines), or as statements (``on_press`` handlers)."""
    for candidate, mode in ((source, "eval"), (f"(\n{source}\n)", "eval"), (source, "exec")):
        try:
            tree = ast.parse(candidate, mode=mode)
        except SyntaxError:
            continue
        return tree.body if isinstance(tree, ast.Expression) else tree
    return None



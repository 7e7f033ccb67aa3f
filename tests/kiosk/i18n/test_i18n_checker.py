"""The catalogue checker on small fake repositories: each kind of problem is found and reported clearly."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from pathlib import Path

from i18n_support import same_in_all, write_catalogues, write_source

from kiosk.i18n.check import Problem, main, report, run_checks, unmarked_literals
from kiosk.i18n.families import KeyFamily
from kiosk.i18n.keys import python_key_uses
from kiosk.i18n.kv_source import kv_properties

ERRORS_PY = '''
class NoPaper(Exception):
    """The printer has no paper."""

    translation_key = "printer.paper_out"


def fail(reason: str) -> None:
    raise NoPaper("x", translation_key=f"thing.{reason}")
'''

FAMILY = KeyFamily("thing.", lambda: ("first", "second"), "test family")


def good_entries() -> dict[str, dict[str, str | tuple[str, ...]]]:
    return {
        "en": {"printer.paper_out": "No paper. Go to desk {desk}.", "thing.first": "One", "thing.second": "Two"},
        "ru": {"printer.paper_out": "Нет бумаги. Стол № {desk}.", "thing.first": "Один", "thing.second": "Два"},
        "kk": {"printer.paper_out": "Қағаз жоқ. {desk}-үстел.", "thing.first": "Бір", "thing.second": "Екі"},
    }


def check(tmp_path: Path, entries: dict[str, dict[str, str | tuple[str, ...]]],
          sources: dict[str, str] | None = None, families: Iterable[KeyFamily] = (FAMILY,),
          fuzzy: frozenset[tuple[str, str]] = frozenset()) -> list[Problem]:
    root = tmp_path / "repo"
    for relative, text in {"kiosk/errors_example.py": ERRORS_PY, **(sources or {})}.items():
        write_source(root, relative, text)
    locale = write_catalogues(tmp_path / "locale", entries, fuzzy)
    return run_checks(root, locale, tuple(families))


def kinds(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(problem.kind, problem.where) for problem in problems}


def test_a_complete_tree_has_no_problems(tmp_path: Path) -> None:
    assert check(tmp_path, good_entries()) == []


def test_a_key_missing_from_one_catalogue_is_reported_with_where_it_is_used(tmp_path: Path) -> None:
    entries = good_entries()
    del entries["kk"]["printer.paper_out"]
    problems = check(tmp_path, entries)
    assert kinds(problems) == {("missing", "kk printer.paper_out")}
    assert "kiosk/errors_example.py:5" in problems[0].detail


def test_a_family_member_missing_is_reported(tmp_path: Path) -> None:
    entries = good_entries()
    del entries["ru"]["thing.second"]
    assert kinds(check(tmp_path, entries)) == {("missing", "ru thing.second")}


def test_an_undeclared_family_is_reported(tmp_path: Path) -> None:
    entries = good_entries()
    for language in entries:
        del entries[language]["thing.first"], entries[language]["thing.second"]
    problems = check(tmp_path, entries, families=())
    assert [problem.kind for problem in problems] == ["undeclared_family"]
    assert "'thing.'" in problems[0].detail and "families.py" in problems[0].detail


def test_empty_and_fuzzy_entries_are_reported(tmp_path: Path) -> None:
    entries = good_entries()
    entries["en"]["thing.first"] = ""
    problems = check(tmp_path, entries, fuzzy=frozenset({("kk", "thing.second")}))
    assert kinds(problems) == {("empty", "en thing.first"), ("fuzzy", "kk thing.second")}


def test_an_unused_catalogue_key_is_reported(tmp_path: Path) -> None:
    entries = good_entries()
    for language in entries:
        entries[language]["old.text"] = "Old"
    assert kinds(check(tmp_path, entries)) == {("unused", f"{language} old.text") for language in entries}


def test_placeholders_must_match_across_languages(tmp_path: Path) -> None:
    entries = good_entries()
    entries["ru"]["printer.paper_out"] = "Нет бумаги. Стол № {stol}."
    problems = check(tmp_path, entries)
    assert {problem.kind for problem in problems} == {"placeholders"}
    assert any("different placeholders" in problem.detail for problem in problems)


def test_error_texts_may_only_use_the_desk(tmp_path: Path) -> None:
    entries = good_entries()
    for language in entries:
        entries[language]["printer.paper_out"] = f"{entries[language]['printer.paper_out']} {{station}}"
    problems = check(tmp_path, entries)
    assert kinds(problems) == {("placeholders", "printer.paper_out")}
    assert "['station']" in problems[0].detail


def test_broken_templates_and_attribute_placeholders_are_reported(tmp_path: Path) -> None:
    entries = good_entries()
    entries["en"]["thing.first"] = "One {"
    entries["kk"]["thing.second"] = "{a.b}"
    problems = check(tmp_path, entries)
    assert ("placeholders", "en thing.first") in kinds(problems)
    assert ("placeholders", "kk thing.second") in kinds(problems)


def test_plural_use_needs_plural_forms_of_the_right_number(tmp_path: Path) -> None:
    source = 'def show(t, n):\n    return t.ngettext("ballot.count", n)\n'
    entries = good_entries()
    entries["en"]["ballot.count"] = ("{count} ballot", "{count} ballots")
    entries["ru"]["ballot.count"] = ("{count} бюллетень", "{count} бюллетеня")  # Russian needs three
    entries["kk"]["ballot.count"] = "{count} бюллетень"  # not a plural entry at all
    problems = check(tmp_path, entries, {"kiosk/ui/ballots.py": source})
    # Babel reads the absent third Russian form as an empty one.
    assert kinds(problems) == {("empty", "ru ballot.count"), ("plural", "kk ballot.count")}


def test_a_key_that_is_not_a_dotted_id_is_reported(tmp_path: Path) -> None:
    problems = check(tmp_path, good_entries(), {"kiosk/labels.py": 'TITLE_KEYS = ("Welcome to the kiosk",)\n'})
    assert [problem.kind for problem in problems] == ["bad_key"]


def test_unmarked_visible_text_in_kv_and_python_is_reported(tmp_path: Path) -> None:
    kv = (
        "<Attract>:\n"
        "    Label:\n"
        '        text: "Welcome"\n'
        "    Label:\n"
        '        text: _("printer.paper_out", desk=root.desk)\n'
        "    Label:\n"
        '        text: "12:30"\n'
        "    Button:\n"
        "        text: root.label\n"
        '        on_press: root.go("screen_name")\n'
    )
    python = (
        "def build(Label, translator, speaker, label):\n"
        '    Label(text="Insert your card")\n'
        '    Label(text=translator.gettext("thing.first"))\n'
        '    label.text = f"Station {label}"\n'
        '    label.text = ""\n'
        '    speaker.say("Hello")\n'
    )
    problems = check(tmp_path, good_entries(), {"kiosk/ui/attract.kv": kv, "kiosk/ui/attract_screen.py": python})
    assert kinds(problems) == {
        ("unmarked", "kiosk/ui/attract.kv:3"),
        ("unmarked", "kiosk/ui/attract_screen.py:2"),
        ("unmarked", "kiosk/ui/attract_screen.py:4"),
        ("unmarked", "kiosk/ui/attract_screen.py:6"),
    }
    assert "'Welcome'" in report(problems)


def test_keys_marked_in_kv_files_count_as_used(tmp_path: Path) -> None:
    kv = "<Attract>:\n    Label:\n        text:\n            _('kv.only')\n"
    entries = good_entries()
    del entries["kk"]["thing.first"]
    problems = check(tmp_path, {language: {**texts, "kv.only": "x"} for language, texts in entries.items()},
                     {"kiosk/ui/only.kv": kv})
    assert kinds(problems) == {("missing", "kk thing.first")}


def test_report_lists_every_problem_and_the_count() -> None:
    problems = [Problem("missing", "kk a.b", "not in x"), Problem("unused", "en c.d", "no code uses this key")]
    text = report(problems)
    assert "[missing] kk a.b: not in x" in text and "[unused] en c.d" in text and "2 translation problem(s)" in text
    assert "all keys present" in report([])


def test_the_command_line_exits_non_zero_on_problems(tmp_path: Path, capsys: object) -> None:
    root = tmp_path / "repo"
    write_source(root, "kiosk/errors_example.py", 'translation_key = "lonely.key"\n')
    write_catalogues(root / "kiosk" / "i18n" / "locale", same_in_all({}))
    assert main(["--root", str(root)]) == 1
    write_catalogues(root / "kiosk" / "i18n" / "locale", same_in_all({"lonely.key": "Text"}))
    assert main(["--root", str(root)]) == 0


# --- the key finder and the kv reader ------------------------------------------------------------------


def keys_of(source: str) -> list[tuple[str, str, bool]]:
    return [(use.key, use.kind, use.dynamic) for use in python_key_uses(source)]


def test_key_finder_reads_every_documented_form() -> None:
    source = '''
from typing import Final
class E:
    translation_key: str = "a.annotated"
    other = "not.a.key"
def f(self, t, session):
    self.translation_key = f"b.{self.x}"
    raise E("m", translation_key="c.keyword")
    t.gettext("d.call"); _("e.underscore"); N_("f.deferred"); t.ngettext("g.plural", 2)
    say_key(session, "h.said", count=1)
    t.gettext(variable)
SCREEN_KEYS: Final = ("i.one", "i.two")
VOICE_KEYS = {"attract": "j.value"}
NOT_A_LIST = ("k.ignored",)
'''
    assert keys_of(source) == [
        ("a.annotated", "translation_key", False),
        ("b.", "translation_key", True),
        ("c.keyword", "translation_key", False),
        ("d.call", "call", False),
        ("e.underscore", "call", False),
        ("f.deferred", "call", False),
        ("g.plural", "plural_call", False),
        ("h.said", "call", False),
        ("i.one", "key_tuple", False),
        ("i.two", "key_tuple", False),
        ("j.value", "key_tuple", False),
    ]


def test_key_finder_attaches_the_error_class_as_translator_context() -> None:
    (use,) = python_key_uses('class PaperOut:\n    """No paper left."""\n    translation_key = "p.out"\n')
    assert use.comment == "PaperOut: No paper left."


def test_kv_reader_joins_continued_values_and_skips_rule_headers() -> None:
    kv = (
        "#:import x kivy.x\n"
        "<Screen>:\n"
        "    BoxLayout:\n"
        "        text: _('a.b') +\\\n"
        "            _('c.d')\n"
        "        on_press: root.one(); root.two()\n"
        "        size_hint: 1, None\n"
    )
    properties = kv_properties(kv)
    assert [(item.name, item.line) for item in properties] == [("text", 4), ("on_press", 6), ("size_hint", 7)]
    assert all(item.expression is not None for item in properties)


def test_unmarked_literals_ignore_text_without_letters_and_text_inside_markers() -> None:
    def literals(source: str) -> list[str]:
        return unmarked_literals(ast.parse(source, mode="eval").body)

    assert literals('"0"') == []
    assert literals('_("x.y") + " • "') == []
    assert literals('root.value or "None"') == ["None"]


def test_family_keys_come_from_the_members_function() -> None:
    members: Callable[[], Iterable[str]] = lambda: ("x", "y")  # noqa: E731
    assert KeyFamily("p.", members, "test").keys() == frozenset({"p.x", "p.y"})

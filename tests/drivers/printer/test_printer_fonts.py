"""The printing font: found at run time, covering every Kazakh and Russian letter, loudly missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

from drivers.printer.errors import PrinterDependencyMissing
from drivers.printer.fonts import FONT_DIRECTORY_VARIABLE, font_path

KAZAKH_LETTERS = "ӘәҒғҚқҢңӨөҰұҮүҺһІі"
RUSSIAN_LETTERS = "".join(chr(code) for code in range(ord("А"), ord("я") + 1)) + "Ёё"
PRINTED_SIGNS = "№•\u202f\u00a0«»—"


@pytest.mark.parametrize("weight", ["regular", "bold"])
def test_the_font_covers_kazakh_russian_and_the_signs_printouts_use(weight: str) -> None:
    cmap = TTFont(font_path(weight)).getBestCmap()  # type: ignore[arg-type]
    missing = [letter for letter in KAZAKH_LETTERS + RUSSIAN_LETTERS + PRINTED_SIGNS if ord(letter) not in cmap]
    assert missing == []


def test_a_configured_directory_is_searched_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "DejaVuSans.ttf").write_bytes(font_path("regular").read_bytes())
    monkeypatch.setenv(FONT_DIRECTORY_VARIABLE, str(tmp_path))
    assert font_path("regular") == tmp_path / "DejaVuSans.ttf"


def test_a_missing_font_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("drivers.printer.fonts._SEARCH_DIRECTORIES", (tmp_path / "nowhere",))
    monkeypatch.delenv(FONT_DIRECTORY_VARIABLE, raising=False)
    with pytest.raises(PrinterDependencyMissing) as raised:
        font_path("bold")
    assert raised.value.package == "fonts-dejavu-core"
    assert raised.value.translation_key == "printer.dependency_missing"
    assert "DejaVuSans-Bold.ttf" in str(raised.value)

"""The answer screen at 1280x800: four ballots fit without scrolling in normal mode in kk, ru and en, under the
title bar and above the controls; in large-text mode the list may scroll, and then says so."""

from __future__ import annotations

import pytest
from kivy.core.window import Window
from ui_driver import UiDriver

from kiosk.core.registration import Language

pytestmark = pytest.mark.ui

HINTS = {"kk": "Тізім жылжиды", "ru": "Список прокручивается", "en": "The list scrolls"}


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_four_ballots_fit_in_normal_mode_and_large_text_says_it_scrolls(ui: UiDriver, language: Language) -> None:
    assert (Window.width, Window.height) == (1280, 800)
    ui.tap(f"language_{language}")
    ui.world.insert_card(ui.world.voter("listed_here", 17))
    ui.until_screen("answer")
    ui.frames(5)
    screen = ui.app.screens["answer"]
    rows = screen.ids.ballot_rows.children
    assert len(rows) == 4
    scroll = screen.ids.scroll
    _, scroll_bottom = scroll.to_window(scroll.x, scroll.y)
    _, scroll_top = scroll.to_window(scroll.x, scroll.top)
    assert scroll_top >= Window.height * 0.85  # the answer starts just under the title bar
    for row in rows:
        _, bottom = row.to_window(row.x, row.y)
        _, top = row.to_window(row.x, row.top)
        assert scroll_bottom <= bottom and top <= scroll_top, "a ballot is cut off"
    assert not screen.scrolls and screen.ids.scroll_hint.text == ""
    finish = ui.app.control_widgets()["finish"]
    _, finish_top = finish.to_window(finish.x, finish.top)
    assert finish_top <= min(scroll_bottom, Window.height * 2 / 3)  # controls below the content, within reach
    for code in ("mazhilis", "maslikhat", "white", "pink"):
        assert code not in ui.shown() or language == "en"

    ui.app.theme.mode = "large_text"
    ui.frames(5)
    assert screen.scrolls
    assert HINTS[language] in screen.ids.scroll_hint.text and screen.ids.scroll_hint.opacity == 1
    ui.app.theme.mode = "normal"
    ui.frames(5)
    assert not screen.scrolls
    ui.tap("finish")
    ui.until_screen("attract")

"""First look: the app starts on the attract screen and a card leads to an answer (touch)."""

from __future__ import annotations

import pytest
from ui_driver import UiDriver

pytestmark = pytest.mark.ui


def test_attract_then_card_listed_here(ui: UiDriver) -> None:
    assert ui.screen_name == "attract"
    ui.screenshot("smoke-attract-kk")
    ui.tap("language_en")
    ui.until_screen("identify")
    ui.screenshot("smoke-identify-en")
    ui.world.insert_card(ui.world.voter("listed_here"))
    ui.until_screen("answer")
    ui.screenshot("smoke-answer-en")
    assert str(ui.world.station.number) in ui.shown()

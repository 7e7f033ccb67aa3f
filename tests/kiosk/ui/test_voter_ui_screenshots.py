"""A screenshot of every voter screen in kk, ru and en (and the display modes), checked for what matters."""

from __future__ import annotations

import pytest
from kivy.core.window import Window
from support.egov import RunningService
from test_digital_document_payload import issue_code
from ui_driver import UiDriver

from kiosk.core.registration import Language
from kiosk.ui.screen_table import SCREEN_CLASSES

pytestmark = pytest.mark.ui


def assert_actions_low(ui: UiDriver) -> None:
    """Every control the voter can touch lies in the lower two thirds of the window (seated reach)."""
    for name, widget in ui.app.control_widgets().items():
        _, top = widget.to_window(widget.x, widget.top)
        assert top <= Window.height * 2 / 3 + 1, f"{name} reaches into the top third on {ui.screen_name}"
        assert widget.height >= ui.app.theme.minimum_target


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_screen_in_every_language(ui: UiDriver, service: RunningService, language: Language) -> None:
    shots: set[str] = set()

    def shot(label: str) -> None:
        assert_actions_low(ui)
        ui.screenshot(f"{language}-{label}")
        shots.add(ui.screen_name)

    shot("attract")
    ui.tap(f"language_{language}")
    ui.until_screen("identify")
    shot("identify")
    ui.tap("qr")
    ui.until_screen("show_code")
    shot("show_code")
    service.set_faults(latency_ms=1200)
    ui.world.scanner.show(issue_code(service, ui.world.voter("no_registration", 10 + len(shots) % 3)))
    ui.until_screen("reading_document")
    shot("reading_document")
    ui.until_screen("checking")
    shot("checking")
    ui.until_screen("answer")
    shot("answer-not-listed")
    ui.tap("register_temporarily")
    ui.until_screen("consent")
    shot("consent")
    ui.tap("consent")
    ui.until_screen("confirmation")
    shot("confirmation")
    ui.tap("confirm")
    ui.until_screen("registering")
    shot("registering")
    ui.until(lambda: ui.screen_name == "receipt" and ui.runtime.session.screen.print_status == "printed")
    shot("receipt")
    service.set_faults(clear=True)
    ui.tap("finish")
    ui.until_screen("attract")

    ui.tap(f"language_{language}")
    ui.tap("card")
    ui.until_screen("insert_card")
    shot("insert_card")
    ui.tap("back")
    ui.tap("keypad")
    ui.until_screen("keypad")
    for digit in "8504153":
        ui.tap(f"digit_{digit}")
    shot("keypad")
    for digit in "00013":  # 850415300013: the check digit does not match
        ui.tap(f"digit_{digit}")
    shot("keypad-invalid")
    ui.tap("submit")
    ui.until_screen("error")
    shot("error")
    ui.tap("ask_commission")
    ui.until_screen("ask_commission")
    shot("ask_commission")
    ui.tap("finish")

    ui.tap(f"language_{language}")
    ui.world.insert_card(ui.world.voter("listed_here", 17))
    ui.until_screen("answer")
    shot("answer-listed-here")
    ui.advance_clock(61)
    shot("more-time")
    ui.tap("more_time")
    ui.app.theme.mode = "high_contrast"
    shot("answer-listed-here-high-contrast")
    ui.app.theme.mode = "large_text"
    shot("answer-listed-here-large-text")
    ui.app.theme.mode = "normal"
    ui.world.reader.remove()
    ui.frames(10)
    ui.world.insert_card(ui.world.voter("listed_elsewhere", 3))  # a new card starts a new identification
    ui.until(lambda: ui.screen_name == "answer" and ui.runtime.session.screen.kind == "listed_elsewhere")
    shot("answer-listed-elsewhere")
    assert shots == set(SCREEN_CLASSES)

"""Every path by touch, on the real widgets, with what each screen shows; nothing personal left afterwards."""

from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from support.egov import RunningService
from test_digital_document_payload import issue_code
from ui_checks import assert_nothing_personal_left, personal_needles
from ui_driver import UiDriver

from kiosk.core.iin import IIN_LENGTH
from kiosk.core.voter_session_states import Answer

pytestmark = pytest.mark.ui


def home_address(service: RunningService, iin: str) -> str:
    """The voter's registered address in English (commission-only data)."""
    with sqlite3.connect(service.paths.database) as connection:
        row = connection.execute("SELECT a.text_en FROM voters v JOIN addresses a ON a.id = v.address_id "
                                 "WHERE v.iin = ?", (iin,)).fetchone()
    return str(row[0])


def test_listed_here_by_card(ui: UiDriver) -> None:
    ui.tap("language_en")
    ui.until_screen("identify")
    ui.tap("card")
    ui.until_screen("insert_card")
    ui.world.insert_card(ui.world.voter("listed_here", 5))
    ui.until_screen("answer")
    shown = ui.shown()
    station = ui.world.station
    assert f"Polling station No. {station.number}" in shown
    assert station.address.en in shown and station.opens in shown and station.closes in shown
    assert "Ballots you will receive:" in shown
    answer = ui.runtime.session.screen
    assert isinstance(answer, Answer)
    for ballot in answer.check.ballots:
        assert ballot.district.en in shown
    needles = personal_needles(ui)
    ui.tap("finish")
    assert_nothing_personal_left(ui, needles)


def test_listed_elsewhere_by_qr_never_shows_the_home_address(ui: UiDriver, service: RunningService) -> None:
    iin = ui.world.voter("listed_elsewhere", 1)
    ui.tap("language_en")
    ui.tap("qr")
    ui.until_screen("show_code")
    ui.world.scanner.show(issue_code(service, iin))
    ui.until_screen("answer")
    answer = ui.runtime.session.screen
    assert isinstance(answer, Answer) and answer.check.station is not None
    other = answer.check.station
    shown = ui.shown()
    assert other.number != ui.world.station.number
    assert f"Polling station No. {other.number}" in shown
    assert other.address.en in shown and other.directions.en in shown
    assert home_address(service, iin) not in shown
    needles = (*personal_needles(ui), other.address.en, other.directions.en)
    ui.tap("finish")
    assert_nothing_personal_left(ui, needles)


def test_not_listed_with_temporary_registration(ui: UiDriver) -> None:
    ui.tap("language_kk")
    ui.world.insert_card(ui.world.voter("no_registration", 6))
    ui.until_screen("answer")
    assert "register_temporarily" in ui.app.control_widgets()
    needles = personal_needles(ui)
    ui.tap("register_temporarily")
    ui.until_screen("consent")
    assert str(ui.world.station.number) in ui.shown()
    ui.tap("consent")
    ui.until_screen("confirmation")
    assert needles[0][-4:] in ui.shown() and needles[0] not in ui.shown()  # the IIN only masked
    ui.tap("confirm")
    ui.until(lambda: ui.screen_name == "receipt" and ui.runtime.session.screen.print_status == "printed")
    receipt = ui.runtime.session.screen
    assert receipt.reference and receipt.reference in ui.shown()  # type: ignore[union-attr]
    job = ui.world.printer.last_job
    assert job is not None and job.kind == "temporary_registration_receipt"
    ui.tap("finish")
    assert_nothing_personal_left(ui, (*needles, receipt.reference))  # type: ignore[union-attr]


def test_not_listed_without_temporary_registration_sends_to_the_desk(ui: UiDriver) -> None:
    ui.reset(replace(ui.world.without_temporary_registration()))
    ui.tap("language_ru")
    ui.world.insert_card(ui.world.voter("no_registration", 7))
    ui.until_screen("answer")
    controls = ui.app.control_widgets()
    assert "register_temporarily" not in controls and "ask_commission" in controls
    desk = ui.world.station.commission_desk
    assert f"столом № {desk}" in ui.shown()
    needles = personal_needles(ui)
    ui.tap("ask_commission")
    ui.until(lambda: ui.screen_name == "ask_commission" and ui.runtime.session.screen.print_status == "printed")
    assert f"Стол № {desk}" in ui.shown()
    assert ui.world.printer.last_job is not None and ui.world.printer.last_job.kind == "ask_commission_slip"
    ui.tap("finish")
    assert_nothing_personal_left(ui, needles)


def test_invalid_iin_typed_shows_feedback_while_typing(ui: UiDriver) -> None:
    ui.tap("language_en")
    ui.tap("keypad")
    ui.until_screen("keypad")
    valid = ui.world.voter("listed_here", 8)
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    for digit in wrong[:IIN_LENGTH - 1]:
        ui.tap(f"digit_{digit}")
    assert "digits" in ui.shown()  # still incomplete: how many are missing
    ui.tap(f"digit_{wrong[-1]}")
    keypad = ui.app.screens["keypad"]
    assert keypad.status == "invalid"
    assert wrong[:6] in keypad.typed.replace(" ", "")
    ui.tap("submit")
    ui.until_screen("error")
    assert "try_again" in ui.app.control_widgets()
    ui.tap("try_again")
    ui.until_screen("keypad")
    ui.tap("erase")
    ui.tap(f"digit_{valid[-1]}")
    assert keypad.status == "valid"
    ui.tap("back")
    ui.until_screen("identify")
    ui.tap("back")
    assert_nothing_personal_left(ui, (wrong, valid))


def test_card_removed_mid_read(ui: UiDriver) -> None:
    ui.tap("language_en")
    ui.world.insert_card(ui.world.voter("listed_here", 9), faults=("removed-after-2",))
    ui.until_screen("error")
    shown = ui.shown()
    assert "card" in shown.lower()
    assert {"try_again", "other_method", "ask_commission", "finish"} <= set(ui.app.control_widgets())
    ui.tap("finish")
    ui.until_screen("attract")


def test_service_unreachable_says_what_to_do(ui: UiDriver, service: RunningService) -> None:
    service.set_faults(drop=1.0)
    ui.tap("language_en")
    ui.world.insert_card(ui.world.voter("listed_here", 10))
    ui.until_screen("error", timeout=20)
    shown = ui.shown()
    assert f"desk {ui.world.station.commission_desk}" in shown
    needles = personal_needles(ui) if getattr(ui.runtime.session.screen, "identity", None) else ()
    ui.tap("ask_commission")
    ui.until_screen("ask_commission")
    ui.tap("finish")
    if needles:
        assert_nothing_personal_left(ui, needles)


def test_inactivity_asks_for_more_time_then_wipes(ui: UiDriver) -> None:
    ui.tap("language_en")
    ui.world.insert_card(ui.world.voter("listed_here", 11))
    ui.until_screen("answer")
    needles = personal_needles(ui)
    ui.advance_clock(61)
    assert ui.app.overlay.parent is not None
    assert "more_time" in ui.app.control_widgets()
    ui.tap("more_time")
    assert ui.app.overlay.parent is None and ui.screen_name == "answer"
    ui.advance_clock(61)
    assert ui.app.overlay.parent is not None
    ui.advance_clock(31)
    assert ui.app.overlay.parent is None
    assert_nothing_personal_left(ui, needles)


def test_display_modes_switch_on_every_screen(ui: UiDriver) -> None:
    bar = ui.app.root.ids.bottom
    mode_buttons = [button for button in bar.children if not button.control_name]
    assert len(mode_buttons) == 3
    ui.tap_widget(mode_buttons[0])  # the rightmost of the three (children are listed last first)
    assert ui.app.theme.mode == "high_contrast"
    ui.tap("language_en")
    ui.until_screen("identify")
    ui.tap_widget(mode_buttons[1])
    assert ui.app.theme.mode == "large_text"
    assert ui.app.theme.body_font > 24
    for button in ui.app.control_widgets().values():
        assert button.height >= ui.app.theme.minimum_target

"""The main paths again by the tactile keypad alone (arrows, Enter, Escape, help, digits), hearing every step."""

from __future__ import annotations

import pytest
from support.egov import RunningService
from ui_checks import assert_nothing_personal_left, personal_needles
from ui_driver import UiDriver

from kiosk.core.voter_session_states import Answer, RegistrationReceipt
from kiosk.i18n import translator
from kiosk.ui.app import KEY_DOWN, KEY_ENTER, KEY_ESCAPE, KEY_F1, KEY_UP

pytestmark = pytest.mark.ui


def choose(ui: UiDriver, control_name: str) -> None:
    """Move the focus with the arrow keys to ``control_name`` (hearing each control), then press Enter."""
    names = [control.name for control in ui.app.offered_controls]
    assert control_name in names, f"{control_name} not offered on {ui.screen_name}: {names}"
    ui.world.speaker.clear()
    for _ in range(len(names) + 1):
        ui.key(KEY_DOWN)
        focused = ui.app.focused_control
        assert focused is not None
        label = translator(ui.runtime.language).gettext(focused.label_key)
        assert label in ui.said()  # each focus change is spoken
        if focused.name == control_name:
            break
    assert ui.app.control_widgets()[control_name].focused
    ui.key(KEY_ENTER)


def type_digits(ui: UiDriver, digits: str) -> None:
    for digit in digits:
        ui.key(ord(digit), digit)


def heard(ui: UiDriver, key: str, **params: object) -> bool:
    return translator(ui.runtime.language).gettext(key, **params) in ui.said()


def test_listed_here_by_keypad_and_card(ui: UiDriver) -> None:
    choose(ui, "language_en")
    ui.until_screen("identify")
    assert heard(ui, "voter.identify.prompt")
    choose(ui, "card")
    ui.until_screen("insert_card")
    assert heard(ui, "voter.insert_card.prompt")
    ui.world.insert_card(ui.world.voter("listed_here", 12))
    ui.until_screen("answer")
    station = ui.world.station
    said = ui.said()
    assert "You are on the voter list of this polling station" in said and station.address.en in said
    ui.world.speaker.clear()
    ui.key(KEY_F1)  # help repeats the answer and says which keys do what
    assert station.address.en in ui.said() and heard(ui, "voter.help.keys")
    ui.world.speaker.clear()
    ui.key(0, "?")
    assert station.address.en in ui.said()
    needles = personal_needles(ui)
    choose(ui, "finish")
    assert heard(ui, "voter.attract.prompt")
    assert_nothing_personal_left(ui, needles)


def test_listed_elsewhere_by_typed_iin(ui: UiDriver) -> None:
    choose(ui, "language_ru")
    choose(ui, "keypad")
    ui.until_screen("keypad")
    type_digits(ui, ui.world.voter("listed_elsewhere", 2))
    assert heard(ui, "voter.keypad.valid")
    choose(ui, "submit")
    ui.until_screen("answer")
    answer = ui.runtime.session.screen
    assert isinstance(answer, Answer) and answer.check.station is not None
    said = ui.said()
    assert answer.check.station.address.ru in said and answer.check.station.directions.ru in said
    needles = personal_needles(ui)
    ui.key(KEY_ESCAPE)  # back: to the choice of method, the answer gone
    ui.until_screen("identify")
    ui.key(KEY_ESCAPE)
    assert_nothing_personal_left(ui, needles)
    assert ui.app.root in ui.app.root.get_root_window().children  # Escape never closes the app


def test_not_listed_with_temporary_registration_by_keypad(ui: UiDriver) -> None:
    choose(ui, "language_kk")
    ui.world.insert_card(ui.world.voter("no_registration", 8))
    ui.until_screen("answer")
    assert heard(ui, "voter.answer.not_listed.temporary_registration", desk=ui.world.station.commission_desk)
    choose(ui, "register_temporarily")
    ui.until_screen("consent")
    choose(ui, "consent")
    ui.until_screen("confirmation")
    choose(ui, "confirm")
    ui.until(lambda: ui.screen_name == "receipt" and ui.runtime.session.screen.print_status == "printed")
    receipt = ui.runtime.session.screen
    assert isinstance(receipt, RegistrationReceipt) and receipt.reference
    assert receipt.reference in ui.said() and heard(ui, "voter.print.printed")
    choose(ui, "finish")
    ui.until_screen("attract")


def test_not_listed_typed_iin_is_sent_to_the_desk(ui: UiDriver) -> None:
    desk = ui.world.station.commission_desk
    choose(ui, "language_en")
    choose(ui, "keypad")
    type_digits(ui, ui.world.voter("no_registration", 9))
    choose(ui, "submit")
    ui.until_screen("answer")
    assert heard(ui, "voter.answer.not_listed.ask_commission", desk=desk)  # never offered for a typed IIN
    choose(ui, "ask_commission")
    ui.until(lambda: ui.screen_name == "ask_commission" and ui.runtime.session.screen.print_status == "printed")
    assert heard(ui, "voter.ask_commission.prompt", desk=desk)


def test_invalid_iin_is_heard_while_typing(ui: UiDriver) -> None:
    choose(ui, "language_en")
    choose(ui, "keypad")
    valid = ui.world.voter("listed_here", 13)
    type_digits(ui, valid[:-1] + str((int(valid[-1]) + 1) % 10))
    assert heard(ui, "voter.keypad.invalid.check_digit_mismatch")
    ui.key(8)  # backspace erases the last digit
    assert heard(ui, "voter.keypad.erased", count=11)
    type_digits(ui, valid[-1])
    assert heard(ui, "voter.keypad.valid")
    ui.key(KEY_UP)  # the focus wraps around to the last control
    assert ui.app.focused_control is not None and ui.app.focused_control.name == "repeat"


def test_card_removed_mid_read_is_heard(ui: UiDriver) -> None:
    choose(ui, "language_en")
    ui.world.insert_card(ui.world.voter("listed_here", 14), faults=("removed-after-2",))
    ui.until_screen("error")
    assert heard(ui, "voter.error.card_removed")
    assert heard(ui, "voter.error.card_removed.next", desk=ui.world.station.commission_desk)


def test_service_unreachable_is_heard(ui: UiDriver, service: RunningService) -> None:
    service.set_faults(drop=1.0)
    choose(ui, "language_ru")
    ui.world.insert_card(ui.world.voter("listed_here", 15))
    ui.until_screen("error", timeout=20)
    assert heard(ui, "voter.error.service_unreachable")
    assert heard(ui, "voter.error.service_unreachable.next", desk=ui.world.station.commission_desk)


def test_inactivity_question_is_heard_and_answered_by_keys(ui: UiDriver) -> None:
    choose(ui, "language_en")
    ui.world.insert_card(ui.world.voter("listed_here", 16))
    ui.until_screen("answer")
    needles = personal_needles(ui)
    ui.world.speaker.clear()
    ui.advance_clock(61)
    assert heard(ui, "voter.more_time.prompt", seconds=30)
    ui.key(KEY_ESCAPE)  # Escape answers "more time"
    assert ui.app.overlay.parent is None and ui.screen_name == "answer"
    ui.advance_clock(61)
    choose(ui, "finish")
    assert_nothing_personal_left(ui, needles)

"""The commission member's screens in a real window: login (right PIN, wrong PINs to lockout, card pulled), a check
and an inclusion, a refusal printed as a signed PDF, a voter listed elsewhere, bad input, nothing sent twice."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import commission_driver
import pytest
from commission_driver import CommissionDriver
from commission_world import PIN, POLICY
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from kiosk.core.commission_auth import LoggedIn
from kiosk.core.commission_session import Deciding

pytestmark = pytest.mark.ui

# The fixtures live with the driver; naming them here makes pytest find them for this module.
desk_world = commission_driver.desk_world
desk = commission_driver.desk


def check_voter(desk: CommissionDriver, iin: str) -> None:
    """From home: the voter's request, the IIN typed from the document, the check's answer."""
    desk.tap("new_voter")
    desk.until_screen("identify")
    desk.type_digits(iin)
    desk.tap("enter")
    desk.until_screen("check_result")


def test_login_with_the_right_pin_then_pulling_the_card_locks(desk: CommissionDriver) -> None:
    assert desk.screen_name == "locked"
    assert "Вставьте карту члена комиссии" in desk.shown()
    desk.insert_member_card()
    assert "ЖҰМАБАЕВА ӘСЕЛ · Председатель комиссии" in desk.shown()
    desk.type_digits(PIN)
    assert desk.screen.masked == "••••" and PIN not in desk.shown()  # masked, never the digits
    desk.tap("enter")
    desk.until_screen("home")
    assert "Решений сегодня: " in desk.shown() and desk.has_button("lock")
    desk.world.member_reader.remove()
    desk.until_screen("locked")
    assert desk.runtime.view.session is None
    assert "ЖҰМАБАЕВА" not in desk.shown() and desk.app.screens["home"].member == ""


def test_wrong_pins_grow_the_delay_then_lock_out(desk: CommissionDriver) -> None:
    desk.insert_member_card()
    desk.type_digits("0000")
    desk.tap("enter")
    desk.until(lambda: "Неверный PIN-код" in desk.screen.message)
    assert "Попыток до блокировки входа: 3" in desk.shown() and "Осталось попыток на карте: 9" in desk.shown()
    desk.type_digits("0000")
    desk.tap("enter")
    desk.until(lambda: "через 2 с" in desk.screen.message)  # the second wrong PIN: wait 2 s
    desk.type_digits(PIN)
    desk.tap("enter")  # too early: refused without asking the card
    assert desk.screen_name == "pin" and "через 2 с" in desk.screen.message
    assert not isinstance(desk.runtime.view.auth, LoggedIn)
    desk.advance_clock(1)
    assert "через 1 с" in desk.screen.message  # the countdown follows the (injected) clock
    desk.advance_clock(1)
    for _ in range(2):
        desk.type_digits("1111")
        desk.tap("enter")
        desk.until(lambda: not desk.runtime.view.verifying_pin)
        desk.advance_clock(5)
    desk.until_screen("lockout")
    until = desk.runtime.view.auth.until  # type: ignore[union-attr]
    assert f"Вход закрыт до {until.strftime('%H:%M:%S')}" in desk.shown()
    assert "Осталось: 15 мин" in desk.shown() or "Осталось: 14 мин" in desk.shown()
    desk.advance_clock(POLICY.lockout_duration.total_seconds())
    desk.until_screen("pin")
    desk.type_digits(PIN)
    desk.tap("enter")
    desk.until_screen("home")


def test_inactivity_locks_the_session(desk: CommissionDriver) -> None:
    desk.log_in()
    desk.advance_clock(POLICY.inactivity_limit.total_seconds() + 1)
    desk.until_screen("pin")  # the card is still in: the PIN is asked again
    assert desk.runtime.view.session is None


def test_a_voter_inside_the_boundaries_is_included_once(desk: CommissionDriver) -> None:
    desk.log_in()
    iin = desk.world.voter("not_listed")
    check_voter(desk, iin)
    shown = desk.shown()
    assert f"ИИН: {iin}" in shown and "ИИН набран с документа" in shown and "Ни в одном списке не значится" in shown
    assert f"Адрес в границах участка № {desk.world.service.station}" in shown
    assert "Адрес постоянной регистрации: " in shown
    desk.tap("include")
    desk.until_screen("decision")
    desk.tap("review")
    desk.until_screen("confirmation")
    assert f"Включить в список участка № {desk.world.service.station}" in desk.shown()
    items = desk.world.outbox_items()
    rows = len(desk.world.register.rows())
    desk.tap("send")
    desk.until_screen("result")
    second = desk.runtime.send_decision()  # the same decision sent again (a double tap that got through)
    assert second is not None and second.problem == "already_sent"
    desk.frames(2)
    assert "Это решение уже отправлено" in desk.shown()
    desk.until(lambda: "Избиратель включён в список. Решение №" in desk.shown())
    assert desk.world.outbox_items() == items + 1 and len(desk.world.register.rows()) == rows + 1
    desk.tap("home")
    desk.until(lambda: "Включить в список: Включён" in desk.shown())
    assert iin not in desk.shown()  # the day's list has no names and no IINs


def test_a_voter_outside_the_boundaries_is_refused_with_a_signed_printout(
        desk: CommissionDriver, tmp_path: Path) -> None:
    desk.log_in()
    iin = desk.world.voter("not_listed", here=False)
    check_voter(desk, iin)
    assert f"Адрес вне границ участка № {desk.world.service.station}" in desk.shown()
    desk.tap("refuse")
    desk.until_screen("decision")
    desk.toggle("address_outside_boundaries")
    desk.screen.ids.text.text = "   "  # bad input: no grounds
    desk.tap("review")
    assert desk.screen_name == "decision" and "Напишите обоснование отказа." in desk.shown()
    desk.screen.ids.text.text = "Адрес регистрации заявителя находится вне границ участка."
    desk.toggle("kk")
    desk.tap("review")
    desk.until_screen("confirmation")
    assert "Язык печати: Казахский" in desk.shown()
    jobs = len(desk.world.printer.jobs)
    desk.tap("send")
    desk.until(lambda: desk.screen_name == "result" and "Экземпляр для избирателя напечатан" in desk.shown())
    screen = desk.runtime.view.session.screen  # type: ignore[union-attr]
    assert isinstance(screen, Deciding) and screen.result is not None
    number = screen.result.decision_number
    assert f"Отказ зарегистрирован. Решение № {number}" in desk.shown()
    assert len(desk.world.printer.jobs) == jobs + 1
    job = desk.world.printer.jobs[-1]
    assert job.kind == "commission_refusal"
    pdf = job.pdf_path.read_bytes()
    # Signed by the device key: pyHanko's validator, trusting the device certificate only.
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=[desk.world.certificate]))
    assert status.intact and status.valid and status.trusted and status.bottom_line
    # In Kazakh, as chosen, with the number, the voter's IIN and the grounds (poppler's text, not our layout).
    text = subprocess.run(["pdftotext", "-layout", str(job.pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert str(number) in text and iin in text and "шекарасынан тыс" in text and "вне границ участка" in text
    # Rendered to PNG for a person to look at (saved beside the screenshots).
    target = desk.screenshots / "refusal-kk"
    subprocess.run(["pdftoppm", "-png", "-r", "90", "-singlefile", str(job.pdf_path), str(target)], check=True)
    with Image.open(target.with_suffix(".png")) as image:
        assert image.size[1] > image.size[0]  # A5 portrait
    desk.screenshot("ru-result-refusal")


def test_a_voter_listed_at_another_station_cannot_be_included(desk: CommissionDriver) -> None:
    desk.log_in()
    iin = desk.world.voter("listed_elsewhere")
    check_voter(desk, iin)
    screen = desk.runtime.view.session.screen  # type: ignore[union-attr]
    elsewhere = screen.check.station  # type: ignore[union-attr]
    assert elsewhere is not None and elsewhere.number != desk.world.service.station
    assert f"В списке участка № {elsewhere.number}: {elsewhere.address.ru}" in desk.shown()
    desk.tap("include")
    desk.tap("review")
    desk.tap("send")
    desk.until(lambda: "Включить нельзя" in desk.shown())
    assert f"Включить нельзя: избиратель в списке участка № {elsewhere.number}" in desk.shown()
    desk.screenshot("ru-result-listed-elsewhere")


def test_bad_input_is_refused_with_a_clear_message(desk: CommissionDriver) -> None:
    desk.log_in()
    desk.tap("new_voter")
    desk.until_screen("identify")
    desk.type_digits("850415300013")  # the check digit does not match
    desk.tap("enter")
    assert desk.screen_name == "identify" and desk.screen.failed
    assert desk.runtime.view.session is not None and desk.runtime.view.session.request_counter == 0  # nothing asked
    desk.runtime.send_decision()  # no check on the screen: the session refuses, nothing is sent
    items = desk.world.outbox_items()
    from kiosk.core.commission_session_events import DecisionSubmitted  # noqa: PLC0415

    refused = desk.runtime.send(DecisionSubmitted("850415300013", "include"))
    assert refused is not None and refused.problem == "not_checked" and desk.world.outbox_items() == items

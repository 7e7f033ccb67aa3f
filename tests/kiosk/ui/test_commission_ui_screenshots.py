"""A screenshot of every commission screen in kk, ru and en, each checked for the text that matters."""

from __future__ import annotations

import commission_driver
import pytest
from commission_driver import CommissionDriver
from commission_world import PIN, POLICY

from kiosk.core.registration import Language
from kiosk.runtime.commission import COMMISSION_SCREENS

pytestmark = pytest.mark.ui

# The fixtures live with the driver; naming them here makes pytest find them for this module.
desk_world = commission_driver.desk_world
desk = commission_driver.desk


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_commission_screen_in_every_language(desk: CommissionDriver, language: Language) -> None:
    desk.language(language)
    tr = desk.app.parts_translator(language)
    shots: set[str] = set()

    def shot(label: str, expected: str) -> None:
        assert expected in desk.shown(), (label, expected)
        desk.screenshot(f"commission-{language}-{label}")
        shots.add(desk.screen_name)

    shot("locked", tr.gettext("commission.login.insert_card"))
    desk.insert_member_card()
    for delay in POLICY.delays:  # wrong PINs 1..3, each after the wait the previous one set
        desk.advance_clock(delay.total_seconds())
        desk.type_digits("0000")
        desk.tap("enter")
        desk.until(lambda: not desk.runtime.view.verifying_pin)
    shot("pin-wait", tr.gettext("commission.ui.pin.wait", seconds=5))
    desk.advance_clock(5)
    desk.type_digits("0000")
    desk.tap("enter")
    desk.until_screen("lockout")
    shot("lockout", tr.gettext("commission.ui.lockout.title"))
    desk.advance_clock(POLICY.lockout_duration.total_seconds())
    desk.until_screen("pin")
    desk.type_digits(PIN[:2])
    shot("pin", "••")
    desk.type_digits(PIN[2:])
    desk.tap("enter")
    desk.until_screen("home")
    shot("home", tr.gettext("commission.ui.home.title"))
    desk.tap("new_voter")
    desk.until_screen("identify")
    iin = desk.world.voter("not_listed", here=False)
    desk.type_digits(iin[:7])
    shot("identify", tr.gettext("commission.ui.identify.prompt"))
    desk.type_digits(iin[7:])
    desk.tap("enter")
    desk.until_screen("check_result")
    shot("check-result", tr.gettext("commission.ui.check.outside", station=desk.world.service.station))
    desk.tap("refuse")
    desk.toggle("address_outside_boundaries")
    desk.screen.ids.text.text = {"kk": "Тіркеу мекенжайы учаске шекарасынан тыс.",
                                 "ru": "Адрес регистрации вне границ участка.",
                                 "en": "The registered address is outside the boundaries."}[language]
    desk.toggle("ru")
    shot("decision", tr.gettext("commission.ui.decision.refuse_title"))
    desk.tap("review")
    desk.until_screen("confirmation")
    shot("confirmation", tr.gettext("commission.ui.confirm.refuse"))
    desk.tap("send")
    desk.until(lambda: desk.screen_name == "result" and tr.gettext("commission.ui.result.printed") in desk.shown())
    shot("result", tr.gettext("commission.ui.result.printed"))
    desk.tap("home")
    desk.until_screen("home")
    desk.until(lambda: bool(desk.runtime.view.day))
    shot("home-with-decisions", tr.gettext("commission.outcome.refusal_recorded"))
    desk.tap("summary")
    desk.until(lambda: desk.screen_name == "summary" and desk.runtime.view.summary is not None)
    desk.tap("export_summary")
    desk.until(lambda: desk.runtime.view.day_status == "exported")
    shot("summary", tr.gettext("commission.summary.by_reason"))
    desk.tap("lock")
    desk.until_screen("pin")
    assert iin not in desk.shown()
    assert shots == set(COMMISSION_SCREENS), set(COMMISSION_SCREENS) - shots

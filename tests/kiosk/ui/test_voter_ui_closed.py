"""Outside voting hours the kiosk shows the "closed" screen (hours and next opening in kk, ru and en), takes no
voter, and opens by itself at opening time; at closing time a voter in a session finishes first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from support.commission import sample_document
from ui_driver import UiDriver

from kiosk.core.station_config import StationConfig, parse_station_config
from kiosk.ui.app import KEY_ENTER, KEY_ESCAPE

pytestmark = pytest.mark.ui

POLL_SECONDS = 0.05


def station_hours(day: dt.date, opens: str, closes: str) -> StationConfig:
    """A station open on ``day`` from ``opens`` to ``closes`` (Almaty time, as the test world's clock)."""
    document: dict[str, Any] = sample_document(voting_day=day.isoformat(), opens=opens, closes=closes,
                                               valid_from="2020-01-01T00:00:00+05:00",
                                               valid_until="2099-01-01T00:00:00+05:00")
    return parse_station_config(document)


class StationClock:
    """The station's clock for these tests alone (the world's clock stays in step with the service)."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock(ui: UiDriver) -> Iterator[StationClock]:
    """A station clock at the next local noon, driving the app; hours watching off and the world's parts back
    afterwards."""
    now = ui.world.clock()
    station_clock = StationClock((now + dt.timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0))
    ui.reset(ui.with_parts(clock=station_clock))
    try:
        yield station_clock
    finally:
        ui.app.watch_hours(None)
        ui.reset()


def test_before_opening_the_closed_screen_shows_the_hours_then_opens_by_itself(
        ui: UiDriver, clock: StationClock) -> None:
    hours = station_hours(clock.now.date(), "12:30", "20:00")
    ui.app.watch_hours(hours, POLL_SECONDS)
    ui.until_screen("closed")
    shown = ui.shown()
    day = clock.now.strftime("%d.%m.%Y")
    for expected in ("Сайлау учаскесі қазір жабық", f"Дауыс беру күні: {day}, уақыты: 12:30–20:00.",
                     f"Ашылатын уақыты: {day}, 12:30.",
                     "Избирательный участок сейчас закрыт", f"День голосования: {day}, с 12:30 до 20:00.",
                     f"Участок откроется {day} в 12:30.",
                     "The polling station is closed now", f"Voting day: {day}, from 12:30 to 20:00.",
                     f"The station opens on {day} at 12:30."):
        assert expected in shown
    assert ui.app.runtime is None  # no session: a card or a key reaches nothing
    assert ui.app.control_widgets() == {}
    ui.key(KEY_ENTER)
    ui.key(KEY_ESCAPE)
    ui.world.insert_card(ui.world.voter("listed_here", 2))
    ui.frames(10)
    assert ui.screen_name == "closed"
    ui.world.reader.remove()
    ui.screenshot("closed")
    ui.app.theme.mode = "high_contrast"
    ui.screenshot("closed-high-contrast")
    ui.app.theme.mode = "large_text"
    ui.screenshot("closed-large-text")
    ui.app.theme.mode = "normal"

    clock.advance(29 * 60)  # 12:29: still closed
    ui.frames(10)
    assert ui.screen_name == "closed"
    clock.advance(60)  # 12:30: open
    ui.until_screen("attract")
    ui.tap("language_ru")
    ui.until_screen("identify")


def test_after_closing_time_the_screen_says_voting_has_ended(ui: UiDriver, clock: StationClock) -> None:
    ui.app.watch_hours(station_hours(clock.now.date(), "07:00", "11:00"), POLL_SECONDS)
    ui.until_screen("closed")
    shown = ui.shown()
    assert "Voting at this station has ended." in shown
    assert "Голосование на этом участке завершено." in shown
    assert "Бұл учаскеде дауыс беру аяқталды." in shown
    assert "opens on" not in shown
    ui.screenshot("closed-ended")


def test_at_closing_time_a_voter_in_a_session_finishes_first(ui: UiDriver, clock: StationClock) -> None:
    ui.app.watch_hours(station_hours(clock.now.date(), "07:00", "12:01"), POLL_SECONDS)
    ui.frames(5)
    assert ui.screen_name == "attract"
    ui.tap("language_en")
    ui.until_screen("identify")
    clock.advance(90)  # 12:01:30: closed, but the voter is choosing how to identify
    ui.frames(10)
    assert ui.screen_name == "identify"
    ui.key(KEY_ESCAPE)  # back to attract: nobody is in a session any more
    ui.until_screen("closed")
    assert ui.app.runtime is None

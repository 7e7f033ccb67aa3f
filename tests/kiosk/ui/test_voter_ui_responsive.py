"""Slow work never runs on the UI thread: frames keep coming while a slow registration check runs."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

import pytest
from kivy.clock import Clock
from support.egov import RunningService
from ui_driver import UiDriver

from kiosk.core.iin import Iin
from kiosk.core.registration import RegistrationCheck
from kiosk.egov.client import EgovClient

pytestmark = pytest.mark.ui

LATENCY_MS = 1500


class TimedClient:
    """The real client, noting on which thread and when each registration check ran."""

    def __init__(self, client: EgovClient) -> None:
        self._client = client
        self.calls: list[tuple[int, float, float]] = []

    def registration_check(self, iin: Iin, **kwargs: Any) -> RegistrationCheck:
        started = time.monotonic()
        try:
            return self._client.registration_check(iin, **kwargs)
        finally:
            self.calls.append((threading.get_ident(), started, time.monotonic()))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_frames_keep_coming_during_a_slow_check(ui: UiDriver, service: RunningService) -> None:
    client = TimedClient(ui.world.client)
    ui.reset(replace(ui.world.parts, client=client))
    service.set_faults(latency_ms=LATENCY_MS)
    frame_times: list[float] = []
    counter = Clock.schedule_interval(lambda _delta: frame_times.append(time.monotonic()), 0)
    try:
        ui.tap("language_en")
        ui.world.insert_card(ui.world.voter("listed_here", 18))
        ui.until_screen("checking")
        ui.until_screen("answer", timeout=20)
    finally:
        counter.cancel()
    (thread, started, ended), = client.calls
    assert thread != threading.main_thread().ident  # the check ran on a worker thread
    assert ended - started >= LATENCY_MS / 1000 * 0.9  # and really was slow
    during = [moment for moment in frame_times if started <= moment <= ended]
    # The UI thread drew frames all along: at 1.5 s even a loaded software renderer draws dozens.
    assert len(during) >= 15, len(during)
    assert ui.app.screens["checking"].elapsed >= 1  # the visible progress moved

"""Base of the screens on which the kiosk works while the voter waits: a moving progress bar and the seconds."""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock, ClockEvent
from kivy.properties import NumericProperty

from kiosk.ui.screens.base import VoterScreen

FRAME_SECONDS = 1 / 30
SWEEP_SECONDS = 1.6  # one pass of the bar from left to right


class WorkScreen(VoterScreen):
    """Shows that something is happening: ``sweep`` runs 0..1 repeatedly, ``elapsed`` counts whole seconds.

    Both move on the UI thread's clock, so they keep moving only while the UI thread is free: the work itself
    runs elsewhere (``kiosk.runtime``).
    """

    sweep = NumericProperty(0.0)
    elapsed = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._ticker: ClockEvent | None = None
        self._started = 0.0

    def on_enter(self, *_args: object) -> None:
        """Start the animation."""
        self._started = time.monotonic()
        self.sweep = 0.0
        self.elapsed = 0
        if self._ticker is None:
            self._ticker = Clock.schedule_interval(self._advance, FRAME_SECONDS)

    def on_leave(self, *_args: object) -> None:
        """Stop the animation."""
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None

    def _advance(self, _delta: float) -> None:
        running = time.monotonic() - self._started
        self.sweep = (running % SWEEP_SECONDS) / SWEEP_SECONDS
        self.elapsed = int(running)

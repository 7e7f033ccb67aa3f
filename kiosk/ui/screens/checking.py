"""The registration check is under way, with visible progress."""

from __future__ import annotations

from kiosk.ui.screens.base import load_kv
from kiosk.ui.screens.work_screen import WorkScreen


class CheckingScreen(WorkScreen):
    """The registration check is under way, with visible progress."""


load_kv(__file__)

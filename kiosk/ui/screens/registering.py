"""The temporary registration is being sent."""

from __future__ import annotations

from kiosk.ui.screens.base import load_kv
from kiosk.ui.screens.work_screen import WorkScreen


class RegisteringScreen(WorkScreen):
    """The temporary registration is being sent."""


load_kv(__file__)

"""Confirm the temporary registration (the IIN shown masked)."""

from __future__ import annotations

from kiosk.ui.screens.base import VoterScreen, load_kv


class ConfirmationScreen(VoterScreen):
    """Confirm the temporary registration (the IIN shown masked)."""


load_kv(__file__)

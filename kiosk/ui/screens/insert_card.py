"""Waiting for the ID card in the reader."""

from __future__ import annotations

from kiosk.ui.screens.base import VoterScreen, load_kv


class InsertCardScreen(VoterScreen):
    """Waiting for the ID card in the reader."""


load_kv(__file__)

"""Consent to temporary registration at this station's address."""

from __future__ import annotations

from kiosk.ui.screens.base import VoterScreen, load_kv


class ConsentScreen(VoterScreen):
    """Consent to temporary registration at this station's address."""


load_kv(__file__)

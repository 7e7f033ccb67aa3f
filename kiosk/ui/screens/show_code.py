"""Waiting for the digital document's QR code in front of the camera."""

from __future__ import annotations

from kiosk.ui.screens.base import VoterScreen, load_kv


class ShowCodeScreen(VoterScreen):
    """Waiting for the digital document's QR code in front of the camera."""


load_kv(__file__)

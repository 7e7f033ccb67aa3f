"""Identify: the ID card, a digital document's QR code, or typing the IIN."""

from __future__ import annotations

from kiosk.ui.screens.base import VoterScreen, load_kv


class IdentifyScreen(VoterScreen):
    """Identify: the ID card, a digital document's QR code, or typing the IIN."""


load_kv(__file__)

"""The attract screen: choose a language; insert the ID card or show the digital document's QR code."""

from __future__ import annotations

from kiosk.ui.screens.base import VoterScreen, load_kv


class AttractScreen(VoterScreen):
    """The attract screen: choose a language; insert the ID card or show the digital document's QR code."""


load_kv(__file__)

"""A document is being read: keep the card in the reader."""

from __future__ import annotations

from kiosk.ui.screens.base import load_kv
from kiosk.ui.screens.work_screen import WorkScreen


class ReadingDocumentScreen(WorkScreen):
    """A document is being read: keep the card in the reader."""


load_kv(__file__)

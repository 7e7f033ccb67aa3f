"""The "more time?" question laid over any screen after 60 s without a touch (DESIGN.md section 2)."""

from __future__ import annotations

from pathlib import Path

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView


class MoreTimeOverlay(ModalView):
    """Modal: "more time" keeps the session, "finish" ends it; only these (and repeat) can be touched."""

    prompt = StringProperty("")


Builder.load_file(str(Path(__file__).with_suffix(".kv")))

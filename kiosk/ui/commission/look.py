"""The commission screens' shared look: the translator of the member's language and the theme.

The commission's kv rules bind to :data:`LOOK` (imported in kv with ``#:import``) rather than to Kivy's global
``app``, so the commission app never depends on which app Kivy thinks is running; its texts follow a change of
language because ``tr`` is a Kivy property.
"""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.properties import ObjectProperty, OptionProperty

from kiosk.ui.theme import Theme


class CommissionLook(EventDispatcher):
    """The member's language (``tr``, ``language``) and the sizes and colours (``theme``)."""

    tr = ObjectProperty(None, allownone=True)
    language = OptionProperty("ru", options=["kk", "ru", "en"])
    theme = ObjectProperty(None)

    def __init__(self) -> None:
        super().__init__()
        self.theme = Theme()


LOOK = CommissionLook()
"""The one look of the commission app in this process."""

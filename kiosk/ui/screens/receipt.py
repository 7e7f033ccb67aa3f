"""The temporary registration's result: the reference when the service confirmed it, and honestly "saved, not
yet confirmed" when the outbox holds it; whether the receipt came out of the printer."""

from __future__ import annotations

from typing import ClassVar

from kivy.properties import StringProperty

from kiosk.core.voter_session import VoterSession
from kiosk.core.voter_session_states import RegistrationReceipt
from kiosk.i18n import Translator
from kiosk.ui.screens.base import VoterScreen, load_kv, prompt_text


class ReceiptScreen(VoterScreen):
    """``headline`` is the reference (empty when there is none)."""

    headline = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("prompt", "headline")

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show the outcome and the print status."""
        screen = session.screen
        assert isinstance(screen, RegistrationReceipt)
        self.headline = translate.gettext("voter.ui.reference", reference=screen.reference) if screen.reference else ""
        self.prompt = prompt_text(session, translate)


load_kv(__file__)

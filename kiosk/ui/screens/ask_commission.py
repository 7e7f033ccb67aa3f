"""Go to the commission: the desk number large, why, and whether the slip came out of the printer."""

from __future__ import annotations

from typing import ClassVar

from kivy.properties import StringProperty

from kiosk.core.voter_session import VoterSession
from kiosk.core.voter_session_states import AskCommission
from kiosk.i18n import Translator
from kiosk.ui.screens.base import VoterScreen, load_kv, prompt_text


class AskCommissionScreen(VoterScreen):
    """``headline`` names the desk."""

    headline = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("prompt", "headline")

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show the desk and the prompt."""
        screen = session.screen
        assert isinstance(screen, AskCommission)
        self.headline = translate.gettext("voter.ui.desk", desk=screen.desk)
        self.prompt = prompt_text(session, translate)


load_kv(__file__)

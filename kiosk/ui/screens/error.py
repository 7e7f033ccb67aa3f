"""Something went wrong: what happened, in plain words, and always what to do next."""

from __future__ import annotations

from typing import ClassVar

from kivy.properties import StringProperty

from kiosk.core.voter_session import VoterSession
from kiosk.core.voter_session_states import ErrorScreen
from kiosk.i18n import Translator
from kiosk.ui.screens.base import VoterScreen, load_kv, prompt_text


class ErrorScreenView(VoterScreen):
    """``prompt`` says what happened and what to do next; ``detail`` is the failing part's own message."""

    detail = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("prompt", "detail")

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show the error and the next step."""
        screen = session.screen
        assert isinstance(screen, ErrorScreen)
        self.prompt = prompt_text(session, translate)
        # Error texts may use {desk} only (docs/translations.md); the cause is shown under the next step.
        self.detail = translate.gettext(screen.detail_key, desk=session.context.station.commission_desk)


load_kv(__file__)

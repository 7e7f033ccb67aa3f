"""What every voter screen does: show the session's prompt, lay out its controls, forget on a wipe."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from kivy.lang import Builder
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.core.voter_session import Control, VoterSession, spoken_prompt
from kiosk.i18n import Translator
from kiosk.ui.widgets import ActionRow, KioskButton, control_buttons

SCREEN_DIRECTORY = Path(__file__).parent


def load_kv(module_file: str) -> None:
    """Load the .kv file beside ``module_file`` once (one .kv per screen)."""
    path = str(Path(module_file).with_suffix(".kv"))
    if path not in Builder.files:
        Builder.load_file(path)


def prompt_text(session: VoterSession, translate: Translator) -> str:
    """The session's prompt as the voter reads it: the same texts the speaker says, one paragraph each."""
    return "\n\n".join(translate.gettext(text.translation_key, **dict(text.params))
                       for text in spoken_prompt(session))


class VoterScreen(Screen):
    """Base of the voter screens. ``view_properties`` name the Kivy properties that may hold personal data."""

    prompt = StringProperty("")
    view_properties: ClassVar[tuple[str, ...]] = ("prompt",)

    def show(self, session: VoterSession, translate: Translator) -> None:
        """Show ``session`` (its screen is this one) in the translator's language."""
        self.prompt = prompt_text(session, translate)

    def clear(self) -> None:
        """Forget everything shown (a return to attract): every view property back to its default."""
        for name in self.view_properties:
            setattr(self, name, self.property(name).defaultvalue)

    def own_control_names(self) -> set[str]:
        """Controls this screen lays out itself (outside the action row)."""
        return {button.control_name for button in control_buttons(self) if not isinstance(button.parent, ActionRow)}

    def place_actions(self, controls: Iterable[Control], elsewhere: set[str], translate: Translator,
                      press: Callable[[str], None]) -> None:
        """Fill the action row with a button for each control not laid out by this screen or ``elsewhere``."""
        row: ActionRow | None = self.ids.get("actions")
        if row is None:
            return
        own = self.own_control_names()
        wanted = [control for control in controls if control.name not in own and control.name not in elsewhere]
        present = [button.control_name for button in row.children[::-1]]
        if present != [control.name for control in wanted]:
            row.clear_widgets()
            for control in wanted:
                button = KioskButton(control_name=control.name)
                button.bind(on_release=lambda pressed: press(pressed.control_name))
                row.add_widget(button)
        labels = {control.name: control.label_key for control in wanted}
        for button in row.children:
            button.text = translate.gettext(labels[button.control_name])

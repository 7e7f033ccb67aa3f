"""The check's answer for the commission: where the voter is listed, the registered address and whether it lies
inside this station's boundaries; then include, refuse, or the next voter."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from kivy.properties import BooleanProperty, StringProperty

from kiosk.core.commission_session import Checked
from kiosk.core.identity import Identity
from kiosk.core.registration import Language, RegistrationCheck
from kiosk.i18n import Translator
from kiosk.runtime.commission import CommissionView
from kiosk.ui.commission.screens.base import CommissionScreen
from kiosk.ui.commission.widgets import load_kv

SOURCE_KEYS: dict[str, str] = {
    "id_card": "commission.ui.source.id_card",
    "emrtd": "commission.ui.source.emrtd",
    "digital_document": "commission.ui.source.digital_document",
    "typed_iin": "commission.ui.source.typed_iin",
}
STATUS_KEYS: dict[str, str] = {
    "listed_here": "commission.ui.check.listed_here",
    "listed_elsewhere": "commission.ui.check.listed_elsewhere",
    "not_listed": "commission.ui.check.not_listed",
    "not_eligible": "commission.ui.check.not_eligible",
}

BOUNDARY_KEYS: dict[bool, str] = {
    True: "commission.ui.check.inside",
    False: "commission.ui.check.outside",
}


def voter_lines(identity: Identity, translate: Translator) -> str:
    """The voter the member looked up: IIN, name (from a document), and how they were identified."""
    name = " ".join(part for part in (identity.surname, identity.given_names, identity.patronymic) if part)
    lines = [translate.gettext("commission.ui.check.iin", iin=identity.iin.value)]
    if name:
        lines.append(name)
    lines.append(translate.gettext(SOURCE_KEYS[identity.source]))
    return "\n".join(lines)


def listing_text(check: RegistrationCheck, translate: Translator, language: Language) -> str:
    """Where the voter is listed (another station: its number and address)."""
    station = check.station
    if check.status == "listed_elsewhere" and station is not None:
        return translate.gettext("commission.ui.check.listed_at", station=station.number,
                                 address=station.address.in_language(language))
    return translate.gettext(STATUS_KEYS[check.status])


class CommissionCheckResultScreen(CommissionScreen):
    """The voter, where they are listed, their registered address and the boundaries."""

    voter = StringProperty("")
    listing = StringProperty("")
    address = StringProperty("")
    boundaries = StringProperty("")
    inside = BooleanProperty(False)
    view_properties: ClassVar[tuple[str, ...]] = ("voter", "listing", "address", "boundaries", "inside")

    def show(self, view: CommissionView, translate: Translator, now: dt.datetime) -> None:
        """The check on the session's screen."""
        screen = None if view.session is None else view.session.screen
        if not isinstance(screen, Checked):
            return
        language = translate.language
        self.voter = voter_lines(screen.identity, translate)
        self.listing = listing_text(screen.check, translate, language)
        registration = screen.check.registration
        if registration is None:
            self.address = translate.gettext("commission.ui.check.no_registration")
            self.boundaries = ""
            self.inside = False
            return
        self.address = translate.gettext("commission.ui.check.address",
                                         address=registration.address.in_language(language))
        self.inside = registration.inside_boundaries
        self.boundaries = translate.gettext(BOUNDARY_KEYS[registration.inside_boundaries],
                                            station=self.app.station.number)


load_kv(__file__)

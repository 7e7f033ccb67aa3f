"""The voter's printouts, laid out as ``Printout`` documents (pure: no I/O, no printer).

Two documents: the receipt for a temporary registration at the station's address, and the slip that sends
a voter to the commission's desk. Both are written in the voter's language through a translator handed in
by the caller, and show the IIN only masked (last 4 digits).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol

from babel.dates import format_date, format_time

from drivers.printer.printout import Block, Code, KeyValue, Paragraph, Printout, Separator, Title
from kiosk.core.iin import masked
from kiosk.core.registration import Language, Station

SlipReason = Literal["not_listed", "not_eligible", "service_unavailable"]
"""Why the voter is sent to the commission: not on any list (and no self-service registration here), not
eligible according to the service, or the service could not be reached."""

PRINT_KEYS: tuple[str, ...] = (
    "printout.station",
    "printout.address",
    "printout.printed_at",
    "printout.iin",
    "printout.reference",
    "printout.desk",
    "receipt.title",
    "receipt.registered",
    "receipt.next_step",
    "receipt.keep",
    "slip.title",
    "slip.reason.not_listed",
    "slip.reason.not_eligible",
    "slip.reason.service_unavailable",
    "slip.next_step",
)
"""Every translation key the printouts use; the catalogues must hold each of them in kk, ru and en."""


class Translate(Protocol):
    """A translator bound to one language: the message for ``key`` with ``params`` filled in."""

    def __call__(self, key: str, /, **params: object) -> str:
        """The translated message."""
        ...


def temporary_registration_receipt(
    *,
    translate: Translate,
    language: Language,
    station: Station,
    iin: str,
    reference: str,
    printed_at: dt.datetime,
) -> Printout:
    """The receipt for a temporary registration at ``station``: the reference as text and as a QR code."""
    if not reference:
        raise ValueError("a temporary registration receipt needs the service's reference")
    blocks: list[Block] = [
        Title(translate("receipt.title")),
        Paragraph(translate("receipt.registered", station=station.number), align="center"),
        Separator(),
        *_station_rows(translate, language, station),
        KeyValue(translate("printout.printed_at"), _when(printed_at, language)),
        KeyValue(translate("printout.iin"), masked(iin)),
        KeyValue(translate("printout.reference"), reference, emphasis=True),
        Code(reference, symbology="qr", caption=reference),
        Separator(),
        Paragraph(translate("receipt.next_step", desk=station.commission_desk), emphasis=True),
        Paragraph(translate("receipt.keep"), size="small"),
    ]
    return Printout(kind="temporary_registration_receipt", language=language, blocks=tuple(blocks))


def ask_commission_slip(
    *,
    translate: Translate,
    language: Language,
    station: Station,
    iin: str,
    reason: SlipReason,
    printed_at: dt.datetime,
    reference: str | None = None,
) -> Printout:
    """The slip sending the voter to the commission's desk; ``reference`` (of the check) is printed if given."""
    blocks: list[Block] = [
        Title(translate("slip.title")),
        Paragraph(translate(f"slip.reason.{reason}"), align="center"),
        Separator(),
        *_station_rows(translate, language, station),
        KeyValue(translate("printout.printed_at"), _when(printed_at, language)),
        KeyValue(translate("printout.iin"), masked(iin)),
    ]
    if reference:
        blocks += [
            KeyValue(translate("printout.reference"), reference, emphasis=True),
            Code(reference, symbology="qr", caption=reference),
        ]
    blocks += [
        Separator(),
        Paragraph(translate("slip.next_step", desk=station.commission_desk), emphasis=True, size="large"),
    ]
    return Printout(kind="ask_commission_slip", language=language, blocks=tuple(blocks))


def _station_rows(translate: Translate, language: Language, station: Station) -> list[Block]:
    return [
        KeyValue(translate("printout.station"), str(station.number), emphasis=True),
        KeyValue(translate("printout.address"), station.address.in_language(language)),
        KeyValue(translate("printout.desk"), str(station.commission_desk), emphasis=True),
    ]


def _when(moment: dt.datetime, language: Language) -> str:
    """Date and time as people in ``language`` write them (CLDR through Babel), in the moment's own time zone."""
    return f"{format_date(moment, format='long', locale=language)}, {format_time(moment, 'HH:mm', locale=language)}"

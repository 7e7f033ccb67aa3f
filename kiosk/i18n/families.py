"""Families of keys that code builds at run time, declared so the checker knows every member.

Code such as ``translation_key=f"iin.{reason.value}"`` cannot be read for its keys. Each such prefix is declared
here once, with a function that lists the members *from the code that produces them* (an enum, a Literal, a
table), so adding a member there without a translation fails the catalogue check. The checker also fails when
code builds a key from a prefix that no family declares. See docs/translations.md, "Keys built at run time".

This module imports the producing modules; only the checker and the extractor load it, never the translator.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import get_args


@dataclass(frozen=True, slots=True)
class KeyFamily:
    """Keys ``prefix + member`` for every member ``members()`` lists; ``source`` says who builds them."""

    prefix: str
    members: Callable[[], Iterable[str]]
    source: str

    def keys(self) -> frozenset[str]:
        """Every key of the family."""
        return frozenset(self.prefix + member for member in self.members())


def _iin_rejections() -> Iterable[str]:
    from kiosk.core.iin import IinRejection  # noqa: PLC0415  (loaded only when the family is expanded)

    return (rejection.value for rejection in IinRejection)


def _foreign_qr_kinds() -> Iterable[str]:
    from kiosk.documents.qr_payload import ForeignKind  # noqa: PLC0415

    return get_args(ForeignKind)


def _secure_messaging_failures() -> Iterable[str]:
    from kiosk.documents.icao.errors import SecureMessagingFailure  # noqa: PLC0415

    return get_args(SecureMessagingFailure)


def _digital_code_refusals() -> Iterable[str]:
    from kiosk.documents.digital import CodeRefusal  # noqa: PLC0415

    return get_args(CodeRefusal)


def _emrtd_file_failures() -> Iterable[str]:
    from kiosk.documents.emrtd import FileFailure  # noqa: PLC0415

    return get_args(FileFailure)


def _slip_reasons() -> Iterable[str]:
    from kiosk.printouts import SlipReason  # noqa: PLC0415

    return get_args(SlipReason)


# ISO/IEC 7816-4 section 5.1.3: interindustry status words have SW1 '61'..'6F' or '90'..'9F'; every other
# value falls to the table's "unknown" entry, which this range reaches too.
_STATUS_WORD_FIRST_BYTES = (*range(0x60, 0x70), *range(0x90, 0xA0))


def _status_word_keys() -> Iterable[str]:
    from kiosk.documents.apdu import describe_status  # noqa: PLC0415

    prefix = "document.card."
    for first in _STATUS_WORD_FIRST_BYTES:
        for second in range(0x100):
            key = describe_status(first << 8 | second).translation_key
            if key.startswith(prefix):
                yield key.removeprefix(prefix)


FAMILIES: tuple[KeyFamily, ...] = (
    KeyFamily("iin.", _iin_rejections, "kiosk/core/iin.py: InvalidIin, one key per IinRejection value"),
    KeyFamily("document.qr.foreign.", _foreign_qr_kinds, "kiosk/documents/qr_payload.py: ForeignQrCode kinds"),
    KeyFamily(
        "document.icao.secure_messaging.",
        _secure_messaging_failures,
        "kiosk/documents/icao/errors.py: SecureMessagingError reasons",
    ),
    KeyFamily("document.digital.", _digital_code_refusals,
              "kiosk/documents/digital.py: DigitalDocumentCodeRefused, one key per CodeRefusal"),
    KeyFamily("document.emrtd.file_", _emrtd_file_failures,
              "kiosk/documents/emrtd.py: EmrtdFileError, one key per FileFailure"),
    KeyFamily("slip.reason.", _slip_reasons, "kiosk/printouts.py: ask_commission_slip, one key per SlipReason"),
    KeyFamily("document.card.", _status_word_keys, "kiosk/documents/apdu.py: the status-word table"),
)


def family_for(prefix: str) -> KeyFamily | None:
    """The family declared for exactly this prefix, if any."""
    return next((family for family in FAMILIES if family.prefix == prefix), None)

"""The meaning of status words (ISO/IEC 7816-4 section 5.6), and the check that turns an unexpected one into a
typed error. The APDU model itself (encoding and parsing, byte-exact) lives in drivers.card.apdu, the layer
that carries the bytes; it is re-exported here for the document readers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from drivers.card.apdu import (
    EXTENDED_MAX_DATA,
    EXTENDED_MAX_LE,
    SHORT_MAX_DATA,
    SHORT_MAX_LE,
    SW_SUCCESS,
    CommandApdu,
    ResponseApdu,
    parse_command_apdu,
    parse_response_apdu,
)
from kiosk.documents.errors import DocumentError

StatusCategory = Literal["normal", "warning", "execution_error", "checking_error", "unknown"]

__all__ = [
    "EXTENDED_MAX_DATA",
    "EXTENDED_MAX_LE",
    "SHORT_MAX_DATA",
    "SHORT_MAX_LE",
    "SW_SUCCESS",
    "CardStatusError",
    "CommandApdu",
    "ResponseApdu",
    "StatusWordMeaning",
    "check",
    "describe_status",
    "parse_command_apdu",
    "parse_response_apdu",
]

@dataclass(frozen=True, slots=True)
class StatusWordMeaning:
    """What a status word means; ``parameter`` is the variable part (xx of 61xx and 6Cxx, x of 63Cx)."""

    sw: int
    category: StatusCategory
    meaning: str
    translation_key: str
    parameter: int | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    value: int
    mask: int  # bits of the status word that must equal ``value``; the rest is the parameter
    category: StatusCategory
    meaning: str
    key: str  # tail of the translation key, after "document.card."
    has_parameter: bool = False  # the bits outside ``mask`` are a count (61xx, 63Cx, 6Cxx)


_EXACT = 0xFFFF
_ANY_SW2 = 0xFF00
_LOW_NIBBLE = 0xFFF0

# ISO/IEC 7816-4 section 5.1.3, tables 5 and 6 ("SW1-SW2"), and ICAO 9303 Part 11 section 9.8.6 for the
# secure-messaging errors. Exact entries come before the ranges that contain them; the first match wins.
_STATUS_WORDS: tuple[_Entry, ...] = (
    _Entry(0x9000, _EXACT, "normal", "normal processing", "ok"),
    _Entry(0x6100, _ANY_SW2, "normal", "more response bytes available", "more_data", True),
    _Entry(0x6200, _EXACT, "warning", "no information given, memory unchanged", "warning"),
    _Entry(0x6281, _EXACT, "warning", "part of returned data may be corrupted", "data_corrupted"),
    _Entry(0x6282, _EXACT, "warning", "end of file or record reached before reading Ne bytes", "end_of_file"),
    _Entry(0x6283, _EXACT, "warning", "selected file deactivated", "file_deactivated"),
    _Entry(0x6284, _EXACT, "warning", "file control information not formatted", "fci_not_formatted"),
    _Entry(0x6300, _EXACT, "warning", "no information given, memory changed (often: verification failed)",
           "verification_failed"),
    _Entry(0x6381, _EXACT, "warning", "file filled up by the last write", "file_full"),
    _Entry(0x63C0, _LOW_NIBBLE, "warning", "verification failed, counter gives the remaining tries",
           "remaining_tries", True),
    _Entry(0x6400, _EXACT, "execution_error", "execution error, memory unchanged", "execution_error"),
    _Entry(0x6581, _EXACT, "execution_error", "memory failure", "memory_failure"),
    _Entry(0x6700, _EXACT, "checking_error", "wrong length", "wrong_length"),
    _Entry(0x6881, _EXACT, "checking_error", "logical channel not supported", "channel_not_supported"),
    _Entry(0x6882, _EXACT, "checking_error", "secure messaging not supported", "sm_not_supported"),
    _Entry(0x6883, _EXACT, "checking_error", "last command of the chain expected", "chain_last_expected"),
    _Entry(0x6884, _EXACT, "checking_error", "command chaining not supported", "chaining_not_supported"),
    _Entry(0x6981, _EXACT, "checking_error", "command incompatible with file structure", "incompatible_file"),
    _Entry(0x6982, _EXACT, "checking_error", "security status not satisfied", "security_status"),
    _Entry(0x6983, _EXACT, "checking_error", "authentication method blocked", "auth_blocked"),
    _Entry(0x6984, _EXACT, "checking_error", "reference data not usable", "reference_data_unusable"),
    _Entry(0x6985, _EXACT, "checking_error", "conditions of use not satisfied", "conditions_not_satisfied"),
    _Entry(0x6986, _EXACT, "checking_error", "command not allowed (no current EF)", "command_not_allowed"),
    _Entry(0x6987, _EXACT, "checking_error", "expected secure messaging data objects missing",
           "sm_objects_missing"),
    _Entry(0x6988, _EXACT, "checking_error", "incorrect secure messaging data objects",
           "sm_objects_incorrect"),
    _Entry(0x6A80, _EXACT, "checking_error", "incorrect parameters in the command data field",
           "incorrect_data"),
    _Entry(0x6A81, _EXACT, "checking_error", "function not supported", "function_not_supported"),
    _Entry(0x6A82, _EXACT, "checking_error", "file or application not found", "file_not_found"),
    _Entry(0x6A83, _EXACT, "checking_error", "record not found", "record_not_found"),
    _Entry(0x6A84, _EXACT, "checking_error", "not enough memory space in the file", "not_enough_memory"),
    _Entry(0x6A86, _EXACT, "checking_error", "incorrect parameters P1-P2", "incorrect_p1_p2"),
    _Entry(0x6A87, _EXACT, "checking_error", "Nc inconsistent with parameters P1-P2", "nc_inconsistent"),
    _Entry(0x6A88, _EXACT, "checking_error", "referenced data or reference data not found",
           "reference_data_not_found"),
    _Entry(0x6B00, _EXACT, "checking_error", "wrong parameters P1-P2 (offset outside the file)",
           "wrong_offset"),
    _Entry(0x6C00, _ANY_SW2, "checking_error", "wrong Le field, SW2 gives the exact length", "wrong_le",
           True),
    _Entry(0x6D00, _EXACT, "checking_error", "instruction code not supported or invalid",
           "instruction_not_supported"),
    _Entry(0x6E00, _EXACT, "checking_error", "class not supported", "class_not_supported"),
    _Entry(0x6F00, _EXACT, "checking_error", "no precise diagnosis", "no_diagnosis"),
    # Ranges of the categories, for status words with no entry of their own.
    _Entry(0x6200, _ANY_SW2, "warning", "warning, memory unchanged", "warning"),
    _Entry(0x6300, _ANY_SW2, "warning", "warning, memory changed", "warning"),
    _Entry(0x6400, _ANY_SW2, "execution_error", "execution error, memory unchanged", "execution_error"),
    _Entry(0x6500, _ANY_SW2, "execution_error", "execution error, memory changed", "execution_error"),
    _Entry(0x6600, _ANY_SW2, "execution_error", "security-related issue", "execution_error"),
    _Entry(0x6800, _ANY_SW2, "checking_error", "functions in CLA not supported",
           "cla_function_not_supported"),
    _Entry(0x6900, _ANY_SW2, "checking_error", "command not allowed", "command_not_allowed"),
    _Entry(0x6A00, _ANY_SW2, "checking_error", "wrong parameters P1-P2", "incorrect_p1_p2"),
)

_UNKNOWN_KEY = "unknown_status"


def describe_status(sw: int) -> StatusWordMeaning:
    """The meaning of status word ``sw`` from the table (an "unknown" meaning when nothing matches)."""
    for entry in _STATUS_WORDS:
        if sw & entry.mask == entry.value:
            parameter = sw & ~entry.mask & 0xFFFF if entry.has_parameter else None
            return StatusWordMeaning(
                sw=sw,
                category=entry.category,
                meaning=entry.meaning,
                translation_key=f"document.card.{entry.key}",
                parameter=parameter,
            )
    return StatusWordMeaning(
        sw=sw,
        category="unknown",
        meaning="status word not defined by ISO/IEC 7816-4",
        translation_key=f"document.card.{_UNKNOWN_KEY}",
    )


class CardStatusError(DocumentError):
    """The card answered a command with a status word other than the one expected."""

    translation_key = "document.card.unknown_status"

    def __init__(self, sw: int) -> None:
        status = describe_status(sw)
        super().__init__(f"card returned status {sw:04X}: {status.meaning}",
                         translation_key=status.translation_key)
        self.sw = sw
        self.meaning = status.meaning
        self.status = status


def check(response: ResponseApdu, *, also_accept: Collection[int] = ()) -> ResponseApdu:
    """Return ``response`` if its status is 9000 (or in ``also_accept``); raise CardStatusError otherwise."""
    if response.is_success or response.sw in also_accept:
        return response
    raise CardStatusError(response.sw)

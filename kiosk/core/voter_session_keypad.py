"""Feedback on an IIN while the voter types it, digit by digit, on the on-screen or tactile keypad.

A prefix is reported invalid as soon as no completion of it can be a valid IIN, so the voter hears of a mistyped
month or century digit at once rather than after twelve digits. The rules are those of :mod:`kiosk.core.iin`;
this module only decides which of them a prefix can already break.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from typing import Literal

from kiosk.core.iin import IIN_LENGTH, IinRejection, check_digit, rejection

KeypadStatus = Literal["incomplete", "invalid", "valid"]

_DATE_DIGITS = 6  # YYMMDD
_CENTURY_POSITION = 7  # the 7th digit fixes the century, so from here on the full date rules apply
_LEAP_YEAR = 2000  # a year in which every (month, day) pair that can ever exist does exist
_LEAP_DAY = "0229"
# Every MMDD that exists in some year, in a leap year's order.
_MONTH_DAYS: tuple[str, ...] = tuple(
    f"{month:02d}{day:02d}" for month in range(1, 13) for day in range(1, calendar.monthrange(_LEAP_YEAR, month)[1] + 1)
)


@dataclass(frozen=True, slots=True)
class KeypadFeedback:
    """What the keypad says about the digits typed so far; ``reason`` only when ``status`` is invalid."""

    status: KeypadStatus
    reason: IinRejection | None = None


def keypad_feedback(digits: str) -> KeypadFeedback:
    """The feedback for ``digits`` (0 to 12 ASCII digits): incomplete, invalid (with the rule broken) or valid.

    Invalid is only reported when every completion of ``digits`` is rejected by :func:`kiosk.core.iin.rejection`.
    """
    if digits and not (digits.isascii() and digits.isdigit()):
        return KeypadFeedback("invalid", IinRejection.NOT_DIGITS)
    if len(digits) > IIN_LENGTH:
        return KeypadFeedback("invalid", IinRejection.WRONG_LENGTH)
    if len(digits) == IIN_LENGTH:
        reason = rejection(digits)
        return KeypadFeedback("valid") if reason is None else KeypadFeedback("invalid", reason)
    if len(digits) >= _CENTURY_POSITION:
        # Century and date depend on the first 7 digits only, so any padding gives the exact verdict on them.
        reason = rejection(digits.ljust(IIN_LENGTH, "0"))
        if reason in (IinRejection.BAD_CENTURY_DIGIT, IinRejection.BAD_DATE):
            return KeypadFeedback("invalid", reason)
        if len(digits) == IIN_LENGTH - 1 and check_digit(digits) is None:
            return KeypadFeedback("invalid", IinRejection.UNASSIGNABLE)
        return KeypadFeedback("incomplete")
    if not _date_prefix_possible(digits):
        return KeypadFeedback("invalid", IinRejection.BAD_DATE)
    return KeypadFeedback("incomplete")


def _date_prefix_possible(digits: str) -> bool:
    """True when some YYMMDD date (in some century the IIN can encode) starts with ``digits`` (under 7 digits)."""
    month_day_typed = digits[2:_DATE_DIGITS]
    # 29 February needs a leap year: YY divisible by 4 is leap in some IIN century (00 in 2000).
    leap_possible = len(digits) < 2 or int(digits[:2]) % 4 == 0
    return any(month_day.startswith(month_day_typed) and (leap_possible or month_day != _LEAP_DAY)
               for month_day in _MONTH_DAYS)

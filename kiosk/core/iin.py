"""The individual identification number (IIN) of a citizen of Kazakhstan.

Layout (12 digits): YYMMDD birth date, one century/sex digit (1-6), a 4-digit serial, one check digit.
Century/sex digit: 1/2 born in the 19th century, 3/4 in the 20th, 5/6 in the 21st; odd is male, even female.
Check digit: sum of the first 11 digits weighted 1..11, mod 11. If that gives 10, weigh again with
3,4,5,6,7,8,9,10,11,1,2; if that also gives 10 the number is never issued (invalid).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Literal

from kiosk.errors import KioskError

IIN_LENGTH = 12
FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
_CENTURY_START = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}

Sex = Literal["male", "female"]


class IinRejection(enum.Enum):
    """Why a string is not a valid IIN; each value is also the tail of its translation key."""

    WRONG_LENGTH = "wrong_length"
    NOT_DIGITS = "not_digits"
    BAD_CENTURY_DIGIT = "bad_century_digit"
    BAD_DATE = "bad_date"
    UNASSIGNABLE = "unassignable"  # the check digit computes to 10 with both weight sets
    CHECK_DIGIT_MISMATCH = "check_digit_mismatch"


_REJECTION_TEXT = {
    IinRejection.WRONG_LENGTH: "an IIN has exactly 12 digits",
    IinRejection.NOT_DIGITS: "an IIN contains digits only",
    IinRejection.BAD_CENTURY_DIGIT: "the 7th digit (century and sex) must be 1 to 6",
    IinRejection.BAD_DATE: "the first 6 digits are not a real date of birth",
    IinRejection.UNASSIGNABLE: "no IIN is issued with these first 11 digits",
    IinRejection.CHECK_DIGIT_MISMATCH: "the last digit does not match (a digit is mistyped)",
}


class InvalidIin(KioskError):
    """The text is not a valid IIN; ``reason`` says which rule it breaks."""

    def __init__(self, reason: IinRejection) -> None:
        super().__init__(f"invalid IIN: {_REJECTION_TEXT[reason]}", translation_key=f"iin.{reason.value}")
        self.reason = reason


def check_digit(first_eleven: str) -> int | None:
    """The check digit for 11 leading digits, or None when both weight sets give 10 (never issued)."""
    digits = [int(c) for c in first_eleven]
    for weights in (FIRST_WEIGHTS, SECOND_WEIGHTS):
        value = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if value != 10:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Iin:
    """A valid IIN. Build it with :func:`parse_iin` or :func:`make_iin`; ``str()`` never reveals it."""

    value: str
    birth_date: dt.date
    sex: Sex

    def __str__(self) -> str:
        return masked(self.value)

    def __repr__(self) -> str:
        return f"Iin({masked(self.value)})"

    def age_on(self, day: dt.date) -> int:
        """Full years of age on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


def masked(value: str) -> str:
    """The IIN with all but the last 4 digits hidden, as printed on receipts."""
    return "•" * max(len(value) - 4, 0) + value[-4:]


def rejection(text: str) -> IinRejection | None:
    """The first rule ``text`` breaks, or None if it is a valid IIN. Rules are checked in a fixed order."""
    if len(text) != IIN_LENGTH:
        return IinRejection.WRONG_LENGTH
    if not (text.isascii() and text.isdigit()):
        return IinRejection.NOT_DIGITS
    century_digit = int(text[6])
    if century_digit not in _CENTURY_START:
        return IinRejection.BAD_CENTURY_DIGIT
    if _birth_date(text) is None:
        return IinRejection.BAD_DATE
    expected = check_digit(text[:11])
    if expected is None:
        return IinRejection.UNASSIGNABLE
    if expected != int(text[11]):
        return IinRejection.CHECK_DIGIT_MISMATCH
    return None


def parse_iin(text: str) -> Iin:
    """Validate ``text`` and return the IIN, or raise :class:`InvalidIin` with the reason."""
    reason = rejection(text)
    if reason is not None:
        raise InvalidIin(reason)
    birth = _birth_date(text)
    assert birth is not None  # rejection() has checked it
    return Iin(value=text, birth_date=birth, sex="male" if int(text[6]) % 2 else "female")


def is_valid_iin(text: str) -> bool:
    """True when ``text`` is a valid IIN."""
    return rejection(text) is None


def make_iin(birth_date: dt.date, sex: Sex, serial: int) -> Iin | None:
    """The IIN for a birth date, sex and 4-digit serial, or None if that serial cannot be issued."""
    if not 0 <= serial <= 9999:
        raise ValueError("serial must be 0..9999")
    century = (birth_date.year // 100) * 100
    base_digit = {1800: 1, 1900: 3, 2000: 5}.get(century)
    if base_digit is None:
        raise ValueError("birth year must be 1800..2099")
    century_digit = base_digit if sex == "male" else base_digit + 1
    first_eleven = f"{birth_date:%y%m%d}{century_digit}{serial:04d}"
    check = check_digit(first_eleven)
    if check is None:
        return None
    return parse_iin(first_eleven + str(check))


def _birth_date(text: str) -> dt.date | None:
    year = _CENTURY_START[int(text[6])] + int(text[0:2])
    try:
        return dt.date(year, int(text[2:4]), int(text[4:6]))
    except ValueError:
        return None

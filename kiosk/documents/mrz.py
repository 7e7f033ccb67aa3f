"""Machine readable zones of ICAO Doc 9303: TD1 identity cards (Part 5) and TD3 passports (Part 4).

Parsing is strict: the layout, the characters of every field and every check digit (Part 3 section 4.9) are
verified, the composite check digit included, before any field is interpreted, so a tampered digit is reported
as a check-digit failure. Each failure is a :class:`MrzError` subclass naming the field; messages never carry
the MRZ's content.

Two-digit years (Part 3 section 4.6 writes dates as YYMMDD) are resolved against ``today``, which the caller
passes in:

- a birth date is the latest date with those digits that is not after ``today`` (a person is never born in
  the future, and ages above 100 are rarer than documents of babies);
- an expiry date is the date with those digits whose year lies from ``today.year - 49`` to
  ``today.year + 50``: documents are valid for ten years at most, so this window keeps long-expired and
  far-future dates apart for the next decades.

Birth dates with unknown day or month (written with '<' in Part 3 section 4.6) are rejected: the kiosk needs
the full date to match it against the IIN.

The Kazakh identity card is a TD1 document whose optional data in line 1, positions 16-27, holds the holder's
IIN (:func:`iin_from_td1`).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from kiosk.core.iin import IIN_LENGTH, Iin, IinRejection, InvalidIin, parse_iin
from kiosk.documents.errors import DocumentError

FILLER = "<"  # Part 3 section 4.3: the filler character
# Part 3 section 4.9: check digit weights repeat 7, 3, 1; digits count as themselves, A-Z as 10-35, '<' as 0.
CHECK_DIGIT_WEIGHTS = (7, 3, 1)
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CHARACTER_VALUES = {character: value for value, character in enumerate(_ALPHABET)} | {FILLER: 0}
MRZ_CHARACTERS = frozenset(_CHARACTER_VALUES)

TD1_LINES, TD1_LINE_LENGTH = 3, 30  # Part 5 section 4.2
TD3_LINES, TD3_LINE_LENGTH = 2, 44  # Part 4 section 4.2
DOCUMENT_NUMBER_LENGTH = 9  # Part 4 and 5: the principal document number field
DATE_LENGTH = 6  # YYMMDD
BIRTH_CENTURY_YEARS = 100
EXPIRY_WINDOW_PAST_YEARS = 49  # see the module docstring

MrzFormat = Literal["TD1", "TD3"]
Sex = Literal["male", "female", "unspecified"]
# Part 3 section 4.4.1 (sex): 'F', 'M', or '<' (8th edition also 'X') for unspecified.
_SEX_CODES: dict[str, Sex] = {"M": "male", "F": "female", FILLER: "unspecified", "X": "unspecified"}
_DIGITS = re.compile(r"[0-9]+")
_CODE = re.compile(r"[A-Z<]+")  # states, nationalities and names: letters and fillers only
_ALPHANUMERIC = re.compile(r"[A-Z0-9<]+")


class MrzField(enum.Enum):
    """The part of an MRZ an error is about; the value is also used in messages."""

    LAYOUT = "layout"
    CHARACTERS = "characters"
    DOCUMENT_TYPE = "document_type"
    ISSUING_STATE = "issuing_state"
    DOCUMENT_NUMBER = "document_number"
    BIRTH_DATE = "birth_date"
    SEX = "sex"
    EXPIRY_DATE = "expiry_date"
    NATIONALITY = "nationality"
    NAMES = "names"
    OPTIONAL_DATA = "optional_data"
    COMPOSITE = "composite"
    IIN = "iin"


class MrzError(DocumentError):
    """The MRZ could not be parsed or did not verify; ``field`` names the part at fault."""

    translation_key = "document.mrz.invalid"

    def __init__(self, field: MrzField, message: str) -> None:
        super().__init__(message)
        self.field = field


class MrzLayoutError(MrzError):
    """Wrong number of lines, wrong line length, or characters outside A-Z, 0-9 and '<'."""

    translation_key = "document.mrz.layout"


class MrzFieldError(MrzError):
    """A field holds something its definition does not allow (a letter in a date, February 30, ...)."""

    translation_key = "document.mrz.field"


class MrzCheckDigitError(MrzError):
    """A check digit (or the composite check digit) does not match its field: misread or tampered."""

    translation_key = "document.mrz.check_digit"


class MrzIinMissingError(MrzError):
    """The TD1 optional data does not hold an IIN where the Kazakh identity card puts it."""

    translation_key = "document.mrz.iin_missing"


class MrzIinInvalidError(MrzError):
    """Twelve digits stand where the IIN belongs but they are not a valid IIN; ``reason`` says why."""

    translation_key = "document.mrz.iin_invalid"

    def __init__(self, reason: IinRejection) -> None:
        super().__init__(MrzField.IIN, f"the IIN in the MRZ is invalid ({reason.value})")
        self.reason = reason


@dataclass(frozen=True, slots=True, repr=False)
class Mrz:
    """A parsed and verified MRZ. Codes and names have their fillers removed; ``lines`` keeps the raw text.

    ``optional_data`` is TD3's personal number or TD1's line-1 optional data (after any document-number
    extension); ``optional_data_2`` is TD1's line-2 optional data ("" for TD3). ``repr`` shows no personal
    data.
    """

    format: MrzFormat
    document_type: str
    issuing_state: str
    document_number: str
    birth_date: dt.date
    sex: Sex
    expiry_date: dt.date
    nationality: str
    surname: str
    given_names: str
    optional_data: str
    optional_data_2: str
    lines: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Mrz({self.format}, {self.document_type}, <personal data hidden>)"

    @property
    def mrz_information(self) -> str:
        """The BAC key seed string of this document (see :func:`mrz_information`)."""
        return mrz_information(self.document_number, self.birth_date, self.expiry_date)


def check_digit(field: str) -> int:
    """The check digit of ``field`` (Part 3 section 4.9); MrzLayoutError for characters outside the MRZ set."""
    total = 0
    for index, character in enumerate(field):
        value = _CHARACTER_VALUES.get(character)
        if value is None:
            raise MrzLayoutError(MrzField.CHARACTERS, "a character outside A-Z, 0-9 and '<'")
        total += value * CHECK_DIGIT_WEIGHTS[index % len(CHECK_DIGIT_WEIGHTS)]
    return total % 10


def parse_mrz(text: str | Sequence[str], *, today: dt.date) -> Mrz:
    """Parse a TD1 (3 x 30) or TD3 (2 x 44) MRZ given as lines or as text with line breaks.

    Text with no line break is accepted as one run of 90 (TD1) or 88 (TD3) characters, the way some
    scanners send it. Surrounding white space is ignored.
    """
    lines = _split_lines(text)
    if len(lines) == TD1_LINES and all(len(line) == TD1_LINE_LENGTH for line in lines):
        return parse_td1(lines, today=today)
    if len(lines) == TD3_LINES and all(len(line) == TD3_LINE_LENGTH for line in lines):
        return parse_td3(lines, today=today)
    raise MrzLayoutError(MrzField.LAYOUT, "neither 3 lines of 30 characters (TD1) nor 2 lines of 44 (TD3)")


def parse_td1(lines: Sequence[str], *, today: dt.date) -> Mrz:
    """Parse a TD1 MRZ (Part 5 section 4.2.2), including the long document number rule."""
    line1, line2, line3 = _check_layout(lines, TD1_LINES, TD1_LINE_LENGTH)
    number_field, number_check = line1[5:14], line1[14]
    optional_1 = line1[15:30]
    birth_field, birth_check = line2[0:6], line2[6]
    expiry_field, expiry_check = line2[8:14], line2[14]
    optional_2 = line2[18:29]

    if number_check == FILLER:
        # Part 5 section 4.2.4 note j: a number longer than 9 characters continues in the optional data,
        # followed by its check digit and a filler; the check digit position in line 1 holds '<'.
        extension = optional_1.split(FILLER, 1)[0]
        if len(extension) < 2:
            raise MrzFieldError(MrzField.DOCUMENT_NUMBER, "document number extension without its check digit")
        number_field, number_check = number_field + extension[:-1], extension[-1]
        optional_1 = optional_1[len(extension):].removeprefix(FILLER)
    _verify(MrzField.DOCUMENT_NUMBER, number_field, number_check)
    _verify(MrzField.BIRTH_DATE, birth_field, birth_check)
    _verify(MrzField.EXPIRY_DATE, expiry_field, expiry_check)
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    _verify(MrzField.COMPOSITE, composite, line2[29])

    document_type = _document_type(line1[0:2], allowed_first="ACI")
    surname, given_names = _names(line3)
    return Mrz(
        format="TD1",
        document_type=document_type,
        issuing_state=_code(MrzField.ISSUING_STATE, line1[2:5]),
        document_number=_document_number(number_field),
        birth_date=birth_date_from_mrz(birth_field, today=today),
        sex=_sex(line2[7]),
        expiry_date=expiry_date_from_mrz(expiry_field, today=today),
        nationality=_code(MrzField.NATIONALITY, line2[15:18]),
        surname=surname,
        given_names=given_names,
        optional_data=optional_1.rstrip(FILLER),
        optional_data_2=optional_2.rstrip(FILLER),
        lines=(line1, line2, line3),
    )


def parse_td3(lines: Sequence[str], *, today: dt.date) -> Mrz:
    """Parse a TD3 (passport) MRZ (Part 4 section 4.2.2)."""
    line1, line2 = _check_layout(lines, TD3_LINES, TD3_LINE_LENGTH)
    number_field = line2[0:9]
    birth_field = line2[13:19]
    expiry_field = line2[21:27]
    personal_number, personal_check = line2[28:42], line2[42]

    _verify(MrzField.DOCUMENT_NUMBER, number_field, line2[9])
    _verify(MrzField.BIRTH_DATE, birth_field, line2[19])
    _verify(MrzField.EXPIRY_DATE, expiry_field, line2[27])
    # Part 4 section 4.2.2.2 note: an unused personal number may have '<' as its check digit.
    if not (personal_check == FILLER and set(personal_number) == {FILLER}):
        _verify(MrzField.OPTIONAL_DATA, personal_number, personal_check)
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    _verify(MrzField.COMPOSITE, composite, line2[43])

    surname, given_names = _names(line1[5:44])
    return Mrz(
        format="TD3",
        document_type=_document_type(line1[0:2], allowed_first="P"),
        issuing_state=_code(MrzField.ISSUING_STATE, line1[2:5]),
        document_number=_document_number(number_field),
        birth_date=birth_date_from_mrz(birth_field, today=today),
        sex=_sex(line2[20]),
        expiry_date=expiry_date_from_mrz(expiry_field, today=today),
        nationality=_code(MrzField.NATIONALITY, line2[10:13]),
        surname=surname,
        given_names=given_names,
        optional_data=personal_number.rstrip(FILLER),
        optional_data_2="",
        lines=(line1, line2),
    )


def iin_from_td1(mrz: Mrz) -> Iin:
    """The IIN of a Kazakh identity card: line 1, positions 16-27 (the start of the optional data)."""
    if mrz.format != "TD1":
        raise MrzIinMissingError(MrzField.IIN, "only a TD1 identity card carries the IIN in its MRZ")
    line1 = mrz.lines[0]
    candidate = line1[15:15 + IIN_LENGTH]
    # A '<' in position 15 means a long document number runs on into the optional data: no IIN there.
    if line1[14] == FILLER or not _DIGITS.fullmatch(candidate):
        raise MrzIinMissingError(MrzField.IIN, "no 12-digit IIN in line 1, positions 16-27")
    try:
        return parse_iin(candidate)
    except InvalidIin as error:
        raise MrzIinInvalidError(error.reason) from None


def mrz_information(document_number: str, birth_date: str | dt.date, expiry_date: str | dt.date) -> str:
    """The BAC "MRZ information" (Part 11 section 4.3.2, Part 3 section 4.9).

    Document number padded with '<' to at least 9 characters, birth date and expiry date as YYMMDD, each
    followed by its check digit. A longer document number is used whole. Dates are ``datetime.date`` or
    YYMMDD text; the document number goes through :func:`normalize_document_number`.
    """
    number = normalize_document_number(document_number).ljust(DOCUMENT_NUMBER_LENGTH, FILLER)
    birth = _yymmdd(MrzField.BIRTH_DATE, birth_date)
    expiry = _yymmdd(MrzField.EXPIRY_DATE, expiry_date)
    return "".join(field + str(check_digit(field)) for field in (number, birth, expiry))


def normalize_document_number(text: str) -> str:
    """A document number as typed (any case, spaces or dashes) in MRZ form; MrzFieldError if impossible."""
    number = re.sub(r"[\s\-]", "", text).upper().rstrip(FILLER)
    if not number or not _ALPHANUMERIC.fullmatch(number) or FILLER in number:
        raise MrzFieldError(MrzField.DOCUMENT_NUMBER, "a document number has letters A-Z and digits only")
    return number


def parse_typed_date(text: str, *, field: MrzField) -> dt.date:
    """A full date as typed: DD.MM.YYYY (the local habit), YYYY-MM-DD, or DDMMYYYY; MrzFieldError otherwise.

    ``field`` (birth or expiry date) is named in the error. Six-digit MRZ dates are ambiguous about the
    century; use :func:`birth_date_from_mrz` or :func:`expiry_date_from_mrz` for them.
    """
    cleaned = text.strip()
    patterns = (
        (r"(\d{2})[./](\d{2})[./](\d{4})", (3, 2, 1)),
        (r"(\d{4})-(\d{2})-(\d{2})", (1, 2, 3)),
        (r"(\d{2})(\d{2})(\d{4})", (3, 2, 1)),
    )
    for pattern, (year_group, month_group, day_group) in patterns:
        match = re.fullmatch(pattern, cleaned, flags=re.ASCII)
        if match is None:
            continue
        try:
            return dt.date(int(match[year_group]), int(match[month_group]), int(match[day_group]))
        except ValueError:
            break
    raise MrzFieldError(field, f"{field.value} is not a real date typed as DD.MM.YYYY")


def birth_date_from_mrz(field: str, *, today: dt.date) -> dt.date:
    """A YYMMDD birth date: the latest such date not after ``today`` (see the module docstring)."""
    year_in_century, month, day = _date_parts(MrzField.BIRTH_DATE, field)
    latest_year = today.year - (today.year - year_in_century) % BIRTH_CENTURY_YEARS
    for year in (latest_year, latest_year - BIRTH_CENTURY_YEARS):
        candidate = _date_or_none(year, month, day)
        if candidate is not None and candidate <= today:
            return candidate
    raise MrzFieldError(MrzField.BIRTH_DATE, "the birth date is not a real date")


def expiry_date_from_mrz(field: str, *, today: dt.date) -> dt.date:
    """A YYMMDD expiry date, its year taken from today.year - 49 to today.year + 50 (module docstring)."""
    year_in_century, month, day = _date_parts(MrzField.EXPIRY_DATE, field)
    earliest = today.year - EXPIRY_WINDOW_PAST_YEARS
    year = earliest + (year_in_century - earliest) % BIRTH_CENTURY_YEARS
    candidate = _date_or_none(year, month, day)
    if candidate is None:
        raise MrzFieldError(MrzField.EXPIRY_DATE, "the expiry date is not a real date")
    return candidate


def compose_td1(
    *,
    document_type: str,
    issuing_state: str,
    document_number: str,
    birth_date: str,
    sex: str,
    expiry_date: str,
    nationality: str,
    names: str,
    optional_data_1: str = "",
    optional_data_2: str = "",
) -> tuple[str, str, str]:
    """Build TD1 lines with every check digit from fields in MRZ form (used by the simulator and tests).

    ``names`` is the name field as written ('SURNAME<<GIVEN<NAMES'); dates are YYMMDD; ``sex`` is M, F or
    '<'. A document number longer than 9 characters is written with the extension rule of Part 5.
    """
    number_check = str(check_digit(document_number.ljust(DOCUMENT_NUMBER_LENGTH, FILLER)))
    if len(document_number) > DOCUMENT_NUMBER_LENGTH:
        principal = document_number[:DOCUMENT_NUMBER_LENGTH]
        extension = document_number[DOCUMENT_NUMBER_LENGTH:] + number_check + FILLER
        number_part = principal + FILLER + extension + optional_data_1
    else:
        number_part = document_number.ljust(DOCUMENT_NUMBER_LENGTH, FILLER) + number_check + optional_data_1
    line1 = _fit(document_type, 2) + _fit(issuing_state, 3) + _fit(number_part, 25)
    line2_start = (birth_date + str(check_digit(birth_date)) + sex + expiry_date
                   + str(check_digit(expiry_date)) + _fit(nationality, 3) + _fit(optional_data_2, 11))
    composite = line1[5:30] + line2_start[0:7] + line2_start[8:15] + line2_start[18:29]
    line2 = line2_start + str(check_digit(composite))
    return line1, line2, _fit(names, TD1_LINE_LENGTH)


def compose_td3(
    *,
    document_type: str,
    issuing_state: str,
    document_number: str,
    birth_date: str,
    sex: str,
    expiry_date: str,
    nationality: str,
    names: str,
    personal_number: str = "",
) -> tuple[str, str]:
    """Build TD3 lines with every check digit from fields in MRZ form (see :func:`compose_td1`)."""
    line1 = _fit(document_type, 2) + _fit(issuing_state, 3) + _fit(names, 39)
    number = _fit(document_number, DOCUMENT_NUMBER_LENGTH)
    personal = _fit(personal_number, 14)
    line2_start = (number + str(check_digit(number)) + _fit(nationality, 3) + birth_date
                   + str(check_digit(birth_date)) + sex + expiry_date + str(check_digit(expiry_date))
                   + personal + str(check_digit(personal)))
    composite = line2_start[0:10] + line2_start[13:20] + line2_start[21:43]
    return line1, line2_start + str(check_digit(composite))


def _fit(text: str, length: int) -> str:
    if len(text) > length:
        raise ValueError(f"field longer than {length} characters")
    return text.ljust(length, FILLER)


def _split_lines(text: str | Sequence[str]) -> list[str]:
    if not isinstance(text, str):
        return [line.strip() for line in text]
    lines = text.split()
    if len(lines) == 1:
        run = lines[0]
        if len(run) == TD1_LINES * TD1_LINE_LENGTH:
            return [run[i:i + TD1_LINE_LENGTH] for i in range(0, len(run), TD1_LINE_LENGTH)]
        if len(run) == TD3_LINES * TD3_LINE_LENGTH:
            return [run[i:i + TD3_LINE_LENGTH] for i in range(0, len(run), TD3_LINE_LENGTH)]
    return lines


def _check_layout(lines: Sequence[str], count: int, length: int) -> list[str]:
    if len(lines) != count or any(len(line) != length for line in lines):
        raise MrzLayoutError(MrzField.LAYOUT, f"expected {count} lines of {length} characters")
    for line in lines:
        if not set(line) <= MRZ_CHARACTERS:
            raise MrzLayoutError(MrzField.CHARACTERS, "a character outside A-Z, 0-9 and '<'")
    return list(lines)


def _verify(field: MrzField, value: str, check: str) -> None:
    if len(check) != 1 or check not in "0123456789":
        raise MrzCheckDigitError(field, f"the check digit of {field.value} is not a digit")
    if check_digit(value) != int(check):
        raise MrzCheckDigitError(field, f"the check digit of {field.value} does not match")


def _document_type(code: str, *, allowed_first: str) -> str:
    # Part 4 section 4.2.2.1 and Part 5 section 4.2.2.1: P for passports; A, C or I for identity cards.
    if code[0] not in allowed_first or not _CODE.fullmatch(code):
        raise MrzFieldError(MrzField.DOCUMENT_TYPE, "document code not allowed in this format")
    return code.rstrip(FILLER)


def _code(field: MrzField, text: str) -> str:
    # Part 3 section 5: three-letter codes, shorter ones (D for Germany) padded with fillers.
    code = text.rstrip(FILLER)
    if not code or not _CODE.fullmatch(text) or FILLER in code:
        raise MrzFieldError(field, f"{field.value} is not a three-letter code")
    return code


def _document_number(field: str) -> str:
    number = field.rstrip(FILLER)
    if not number:
        raise MrzFieldError(MrzField.DOCUMENT_NUMBER, "the document number is empty")
    return number


def _sex(code: str) -> Sex:
    sex = _SEX_CODES.get(code)
    if sex is None:
        raise MrzFieldError(MrzField.SEX, "sex is not M, F, X or '<'")
    return sex


def _names(field: str) -> tuple[str, str]:
    # Part 3 section 4.6: primary identifier, '<<', secondary identifier; '<' separates name components.
    if not _CODE.fullmatch(field):
        raise MrzFieldError(MrzField.NAMES, "the name field holds letters and fillers only")
    primary, _, secondary = field.rstrip(FILLER).partition(FILLER * 2)
    if not primary or primary.startswith(FILLER):
        raise MrzFieldError(MrzField.NAMES, "the primary identifier (surname) is missing")
    return _words(primary), _words(secondary)


def _words(component: str) -> str:
    return " ".join(word for word in component.split(FILLER) if word)


def _date_parts(field: MrzField, text: str) -> tuple[int, int, int]:
    if len(text) != DATE_LENGTH or not _DIGITS.fullmatch(text):
        raise MrzFieldError(field, f"{field.value} is not six digits YYMMDD")
    return int(text[0:2]), int(text[2:4]), int(text[4:6])


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _yymmdd(field: MrzField, value: str | dt.date) -> str:
    if isinstance(value, dt.date):
        return f"{value:%y%m%d}"
    year, month, day = _date_parts(field, value)
    # Only month and day are checked here (the century is unknown); 2000 is a leap year, so 29 February passes
    # for years 00, 04, ... and fails for the others, as it does in both the 1900s and the 2000s (1900 aside).
    if _date_or_none(2000 + year, month, day) is None:
        raise MrzFieldError(field, f"{field.value} is not a real date")
    return value

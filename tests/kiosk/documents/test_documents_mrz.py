"""MRZ parsing (ICAO Doc 9303 Parts 3, 4 and 5), the Kazakh IIN in TD1, and the BAC MRZ information."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.iin import IinRejection, make_iin
from kiosk.documents.errors import DocumentError
from kiosk.documents.mrz import (
    MRZ_CHARACTERS,
    Mrz,
    MrzCheckDigitError,
    MrzError,
    MrzField,
    MrzFieldError,
    MrzIinInvalidError,
    MrzIinMissingError,
    MrzLayoutError,
    birth_date_from_mrz,
    check_digit,
    compose_td1,
    compose_td3,
    expiry_date_from_mrz,
    iin_from_td1,
    mrz_information,
    normalize_document_number,
    parse_mrz,
    parse_td1,
    parse_td3,
    parse_typed_date,
)

VECTORS = json.loads((Path(__file__).parents[2] / "vectors" / "icao9303.json").read_text())
TD1_SPECIMEN: list[str] = VECTORS["mrz_specimens"]["td1"]
# ICAO Doc 9303 Part 4 specimen name line, built here because the vectors give only line 2.
TD3_LINE1 = "P<UTOERIKSSON<<ANNA<MARIA".ljust(44, "<")
TD3_SPECIMEN = [TD3_LINE1, VECTORS["mrz_specimens"]["td3_line2"]]
TD3_BAC_EXAMPLE = [TD3_LINE1, VECTORS["mrz_specimens"]["td3_line2_bac_example"]]
TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("field", "digit"),
    [("D23145890", 7), ("740812", 2), ("120415", 9), ("L898902C3", 6), ("L898902C<", 3),
     ("ZE184226B<<<<<", 1), ("<<<<<<<<<", 0), ("", 0)],
)
def test_check_digit(field: str, digit: int) -> None:
    assert check_digit(field) == digit


def test_check_digit_rejects_characters_outside_the_mrz_set() -> None:
    with pytest.raises(MrzLayoutError):
        check_digit("l898902c")


def test_td1_specimen() -> None:
    mrz = parse_mrz(TD1_SPECIMEN, today=TODAY)
    assert mrz.format == "TD1"
    assert mrz.document_type == "I"
    assert mrz.issuing_state == "UTO"
    assert mrz.document_number == "D23145890"
    assert mrz.birth_date == dt.date(1974, 8, 12)
    assert mrz.sex == "female"
    assert mrz.expiry_date == dt.date(2012, 4, 15)
    assert mrz.nationality == "UTO"
    assert mrz.surname == "ERIKSSON"
    assert mrz.given_names == "ANNA MARIA"
    assert mrz.optional_data == ""
    assert mrz.optional_data_2 == ""
    assert mrz.lines == tuple(TD1_SPECIMEN)
    assert parse_td1(TD1_SPECIMEN, today=TODAY) == mrz


def test_td3_specimen() -> None:
    mrz = parse_mrz(TD3_SPECIMEN, today=TODAY)
    assert mrz.format == "TD3"
    assert mrz.document_type == "P"
    assert mrz.issuing_state == "UTO"
    assert mrz.document_number == "L898902C3"
    assert mrz.nationality == "UTO"
    assert mrz.birth_date == dt.date(1974, 8, 12)
    assert mrz.sex == "female"
    assert mrz.expiry_date == dt.date(2012, 4, 15)
    assert mrz.optional_data == "ZE184226B"
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert parse_td3(TD3_SPECIMEN, today=TODAY) == mrz


def test_td3_bac_example_gives_the_vector_mrz_information() -> None:
    mrz = parse_mrz(TD3_BAC_EXAMPLE, today=TODAY)
    assert mrz.document_number == "L898902C"
    assert mrz.birth_date == dt.date(1969, 8, 6)
    assert mrz.expiry_date == dt.date(1994, 6, 23)
    assert mrz.mrz_information == VECTORS["bac"]["mrz_information"]


def test_mrz_information_vector() -> None:
    expected = VECTORS["bac"]["mrz_information"]
    assert mrz_information("L898902C", "690806", "940623") == expected
    assert mrz_information("l898902c", dt.date(1969, 8, 6), dt.date(1994, 6, 23)) == expected
    assert mrz_information("L898902C<", "690806", "940623") == expected


def test_mrz_information_keeps_long_document_numbers_whole() -> None:
    number = "D23145890734"
    assert mrz_information(number, "740812", "120415") == (
        number + str(check_digit(number)) + "7408122" + "1204159"
    )


@pytest.mark.parametrize(("number", "birth", "expiry"), [
    ("", "690806", "940623"),
    ("L89-8902C!", "690806", "940623"),
    ("L898<902C", "690806", "940623"),
    ("L898902C", "691306", "940623"),
    ("L898902C", "6908", "940623"),
    ("L898902C", "690806", "94062A"),
    ("L898902C", "690806", "940231"),
])
def test_mrz_information_rejects_bad_fields(number: str, birth: str, expiry: str) -> None:
    with pytest.raises(MrzFieldError):
        mrz_information(number, birth, expiry)


def test_normalize_document_number() -> None:
    assert normalize_document_number(" l 898-902c ") == "L898902C"
    assert normalize_document_number("N12345678<<") == "N12345678"


def test_parse_text_forms() -> None:
    expected = parse_mrz(TD1_SPECIMEN, today=TODAY)
    assert parse_mrz("\n".join(TD1_SPECIMEN) + "\n", today=TODAY) == expected
    assert parse_mrz("".join(TD1_SPECIMEN), today=TODAY) == expected
    assert parse_mrz("  " + "\r\n".join(TD3_SPECIMEN), today=TODAY) == parse_mrz(TD3_SPECIMEN, today=TODAY)
    assert parse_mrz("".join(TD3_SPECIMEN), today=TODAY).format == "TD3"


def test_long_document_number_in_td1() -> None:
    number = "D23145890734"
    line1 = "I<UTO" + number[:9] + "<" + number[9:] + str(check_digit(number)) + "<"
    line1 = line1.ljust(30, "<")
    line2_start = "7408122F1204159UTO<<<<<<<<<<<"[:29]
    composite = line1[5:30] + line2_start[0:7] + line2_start[8:15] + line2_start[18:29]
    lines = [line1, line2_start + str(check_digit(composite)), TD1_SPECIMEN[2]]
    mrz = parse_mrz(lines, today=TODAY)
    assert mrz.document_number == number
    assert mrz.optional_data == ""
    assert mrz.mrz_information.startswith(number + str(check_digit(number)))
    assert tuple(lines) == compose_td1(
        document_type="I", issuing_state="UTO", document_number=number, birth_date="740812", sex="F",
        expiry_date="120415", nationality="UTO", names="ERIKSSON<<ANNA<MARIA",
    )


def test_long_document_number_with_optional_data_after_it() -> None:
    lines = compose_td1(
        document_type="ID", issuing_state="UTO", document_number="AB1234567890", birth_date="740812",
        sex="M", expiry_date="320415", nationality="UTO", names="DOE<<JOHN", optional_data_1="XY12",
        optional_data_2="ZZ9",
    )
    mrz = parse_mrz(lines, today=TODAY)
    assert mrz.document_number == "AB1234567890"
    assert (mrz.optional_data, mrz.optional_data_2) == ("XY12", "ZZ9")


@pytest.mark.parametrize("extension", ["<", "7<"])
def test_long_document_number_without_check_digit_is_rejected(extension: str) -> None:
    # '<' in the check-digit position but at most one character of extension: no room for a check digit.
    line1 = ("I<UTOD23145890<" + extension).ljust(30, "<")
    line2_start = "7408122F1204159UTO<<<<<<<<<<<"[:29]
    composite = line1[5:30] + line2_start[0:7] + line2_start[8:15] + line2_start[18:29]
    lines = [line1, line2_start + str(check_digit(composite)), TD1_SPECIMEN[2]]
    with pytest.raises(MrzError) as caught:
        parse_mrz(lines, today=TODAY)
    assert caught.value.field == MrzField.DOCUMENT_NUMBER


def kazakh_id(iin: str, document_number: str = "043456789") -> tuple[str, str, str]:
    """A Kazakh identity card MRZ: the IIN starts the line-1 optional data."""
    return compose_td1(
        document_type="ID", issuing_state="KAZ", document_number=document_number, birth_date="900115",
        sex="M", expiry_date="300115", nationality="KAZ", names="ABAIULY<<ARMAN", optional_data_1=iin,
    )


def test_iin_from_kazakh_id_card() -> None:
    iin = make_iin(dt.date(1990, 1, 15), "male", 1234)
    assert iin is not None
    mrz = parse_mrz(kazakh_id(iin.value), today=TODAY)
    assert mrz.issuing_state == "KAZ"
    assert mrz.document_type == "ID"
    assert mrz.optional_data == iin.value
    assert iin_from_td1(mrz) == iin
    assert mrz.lines[0][15:27] == iin.value  # positions 16-27, 1-based


def test_iin_absent() -> None:
    with pytest.raises(MrzIinMissingError) as caught:
        iin_from_td1(parse_mrz(TD1_SPECIMEN, today=TODAY))
    assert caught.value.field == MrzField.IIN
    assert caught.value.translation_key == "document.mrz.iin_missing"
    with pytest.raises(MrzIinMissingError):
        iin_from_td1(parse_mrz(TD3_SPECIMEN, today=TODAY))
    with pytest.raises(MrzIinMissingError):
        iin_from_td1(parse_mrz(kazakh_id("90011530123"), today=TODAY))  # 11 digits only


def test_iin_missing_when_a_long_document_number_fills_the_optional_data() -> None:
    with pytest.raises(MrzIinMissingError):
        iin_from_td1(parse_mrz(kazakh_id("", document_number="1234567890123456789012"), today=TODAY))


def test_iin_invalid_check_digit() -> None:
    iin = make_iin(dt.date(1990, 1, 15), "male", 1234)
    assert iin is not None
    wrong = iin.value[:11] + str((int(iin.value[11]) + 1) % 10)
    with pytest.raises(MrzIinInvalidError) as caught:
        iin_from_td1(parse_mrz(kazakh_id(wrong), today=TODAY))
    assert caught.value.reason == IinRejection.CHECK_DIGIT_MISMATCH
    assert caught.value.translation_key == "document.mrz.iin_invalid"
    assert wrong not in caught.value.message
    assert isinstance(caught.value, DocumentError)


@pytest.mark.parametrize(
    "lines",
    [
        [],
        TD1_SPECIMEN[:2],
        [*TD1_SPECIMEN, TD1_SPECIMEN[2]],
        [TD1_SPECIMEN[0] + "<", *TD1_SPECIMEN[1:]],
        [TD3_SPECIMEN[0], TD3_SPECIMEN[1][:-1]],
        [TD1_SPECIMEN[0].lower(), *TD1_SPECIMEN[1:]],
        [TD1_SPECIMEN[0].replace("UTO", "ÜTO"), *TD1_SPECIMEN[1:]],
        [TD1_SPECIMEN[0].replace("UTO", "U O"), *TD1_SPECIMEN[1:]],
    ],
)
def test_layout_errors(lines: list[str]) -> None:
    with pytest.raises(MrzLayoutError):
        parse_mrz(lines, today=TODAY)


def _replace(line: str, position: int, character: str) -> str:
    """``line`` with the character at 1-based ``position`` replaced."""
    return line[: position - 1] + character + line[position:]


@pytest.mark.parametrize(
    ("line_index", "position", "character", "field"),
    [
        (0, 15, "8", MrzField.DOCUMENT_NUMBER),  # document number check digit
        (0, 6, "E", MrzField.DOCUMENT_NUMBER),
        (1, 7, "3", MrzField.BIRTH_DATE),
        (1, 1, "8", MrzField.BIRTH_DATE),
        (1, 15, "0", MrzField.EXPIRY_DATE),
        (1, 12, "5", MrzField.EXPIRY_DATE),
        (1, 30, "7", MrzField.COMPOSITE),
        (1, 20, "B", MrzField.COMPOSITE),  # optional data 2 is covered by the composite only
        (0, 20, "1", MrzField.COMPOSITE),  # and so is optional data 1
        (1, 7, "<", MrzField.BIRTH_DATE),  # a check digit must be a digit
    ],
)
def test_td1_tampering_names_the_field(line_index: int, position: int, character: str, field: MrzField) -> None:
    lines = list(TD1_SPECIMEN)
    lines[line_index] = _replace(lines[line_index], position, character)
    with pytest.raises(MrzCheckDigitError) as caught:
        parse_mrz(lines, today=TODAY)
    error = caught.value
    assert error.field == field
    assert error.translation_key == "document.mrz.check_digit"
    assert field.value in error.message
    for personal in ("ERIKSSON", "D23145890", "740812", "120415"):
        assert personal not in error.message


@pytest.mark.parametrize(
    ("position", "character", "field"),
    [
        (10, "7", MrzField.DOCUMENT_NUMBER),
        (20, "9", MrzField.BIRTH_DATE),
        (28, "1", MrzField.EXPIRY_DATE),
        (43, "2", MrzField.OPTIONAL_DATA),
        (30, "F", MrzField.OPTIONAL_DATA),
        (44, "1", MrzField.COMPOSITE),
    ],
)
def test_td3_tampering_names_the_field(position: int, character: str, field: MrzField) -> None:
    lines = [TD3_SPECIMEN[0], _replace(TD3_SPECIMEN[1], position, character)]
    with pytest.raises(MrzCheckDigitError) as caught:
        parse_mrz(lines, today=TODAY)
    assert caught.value.field == field


def test_td3_empty_personal_number_may_have_filler_check_digit() -> None:
    line1, line2 = compose_td3(
        document_type="P", issuing_state="KAZ", document_number="N12345678", birth_date="900115", sex="<",
        expiry_date="300115", nationality="KAZ", names="ABAIULY<<ARMAN",
    )
    assert line2[42] == "0"
    assert parse_mrz([line1, line2], today=TODAY).sex == "unspecified"
    # Part 4 lets an unused personal number carry '<' as its check digit; the composite then counts it as 0.
    assert parse_mrz([line1, _replace(line2, 43, "<")], today=TODAY).optional_data == ""
    # ... but not when the personal number is used.
    used = compose_td3(
        document_type="P", issuing_state="KAZ", document_number="N12345678", birth_date="900115", sex="M",
        expiry_date="300115", nationality="KAZ", names="ABAIULY<<ARMAN", personal_number="900115301234",
    )
    with pytest.raises(MrzCheckDigitError):
        parse_mrz([used[0], _replace(used[1], 43, "<")], today=TODAY)


def _td1(**changes: str) -> tuple[str, str, str]:
    fields = {
        "document_type": "I", "issuing_state": "UTO", "document_number": "D23145890", "birth_date": "740812",
        "sex": "F", "expiry_date": "120415", "nationality": "UTO", "names": "ERIKSSON<<ANNA<MARIA",
    } | changes
    return compose_td1(**fields)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"document_type": "P"}, MrzField.DOCUMENT_TYPE),
        ({"document_type": "V"}, MrzField.DOCUMENT_TYPE),
        ({"document_type": "I1"}, MrzField.DOCUMENT_TYPE),
        ({"issuing_state": "U1O"}, MrzField.ISSUING_STATE),
        ({"issuing_state": "<<<"}, MrzField.ISSUING_STATE),
        ({"issuing_state": "U<O"}, MrzField.ISSUING_STATE),
        ({"nationality": "12<"}, MrzField.NATIONALITY),
        ({"sex": "Q"}, MrzField.SEX),
        ({"birth_date": "741332"}, MrzField.BIRTH_DATE),
        ({"birth_date": "7408<<"}, MrzField.BIRTH_DATE),
        ({"expiry_date": "120231"}, MrzField.EXPIRY_DATE),
        ({"names": "<<ANNA"}, MrzField.NAMES),
        ({"names": ""}, MrzField.NAMES),
        ({"names": "ERIK5SON<<ANNA"}, MrzField.NAMES),
        ({"document_number": "<<<<<<<<<"}, MrzField.DOCUMENT_NUMBER),
    ],
)
def test_field_errors(changes: dict[str, str], field: MrzField) -> None:
    with pytest.raises(MrzFieldError) as caught:
        parse_mrz(_td1(**changes), today=TODAY)
    assert caught.value.field == field
    assert caught.value.translation_key == "document.mrz.field"


def test_td3_rejects_identity_card_document_code() -> None:
    line1, line2 = TD3_SPECIMEN
    with pytest.raises(MrzFieldError) as caught:
        parse_mrz(["I" + line1[1:], line2], today=TODAY)
    assert caught.value.field == MrzField.DOCUMENT_TYPE


def test_names_with_several_components() -> None:
    mrz = parse_mrz(_td1(names="VAN<DER<BERG<<JAN<<PIETER"), today=TODAY)
    assert mrz.surname == "VAN DER BERG"
    assert mrz.given_names == "JAN PIETER"
    assert parse_mrz(_td1(names="MADONNA"), today=TODAY).given_names == ""


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("250601", dt.date(2025, 6, 1)),  # born today
        ("250602", dt.date(1925, 6, 2)),  # tomorrow's date in this century is in the future: last century
        ("740812", dt.date(1974, 8, 12)),
        ("000229", dt.date(2000, 2, 29)),
        ("991231", dt.date(1999, 12, 31)),
    ],
)
def test_birth_dates_resolve_to_the_past(field: str, expected: dt.date) -> None:
    assert birth_date_from_mrz(field, today=TODAY) == expected


def test_birth_date_of_29_february_falls_back_a_century_when_needed() -> None:
    assert birth_date_from_mrz("240229", today=dt.date(2024, 2, 28)) == dt.date(1924, 2, 29)
    with pytest.raises(MrzFieldError):
        birth_date_from_mrz("010229", today=TODAY)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("120415", dt.date(2012, 4, 15)),
        ("350101", dt.date(2035, 1, 1)),
        ("750101", dt.date(2075, 1, 1)),  # today.year + 50
        ("760101", dt.date(1976, 1, 1)),  # today.year - 49
        ("991231", dt.date(1999, 12, 31)),
    ],
)
def test_expiry_dates_use_the_window(field: str, expected: dt.date) -> None:
    assert expiry_date_from_mrz(field, today=TODAY) == expected


@pytest.mark.parametrize("text", ["06.08.1969", "06/08/1969", "1969-08-06", "06081969", " 06.08.1969 "])
def test_parse_typed_date(text: str) -> None:
    assert parse_typed_date(text, field=MrzField.BIRTH_DATE) == dt.date(1969, 8, 6)


@pytest.mark.parametrize("text", ["", "31.02.2020", "6.8.1969", "690806", "1969-8-6", "٠٦.٠٨.١٩٦٩", "abc"])
def test_parse_typed_date_rejects(text: str) -> None:
    with pytest.raises(MrzFieldError) as caught:
        parse_typed_date(text, field=MrzField.EXPIRY_DATE)
    assert caught.value.field == MrzField.EXPIRY_DATE


def test_repr_hides_personal_data() -> None:
    mrz = parse_mrz(TD1_SPECIMEN, today=TODAY)
    text = repr(mrz) + str(mrz)
    for personal in ("ERIKSSON", "ANNA", "D23145890", "1974"):
        assert personal not in text


def test_huge_input_is_rejected_quickly() -> None:
    with pytest.raises(MrzLayoutError):
        parse_mrz("<" * 1_000_000, today=TODAY)
    with pytest.raises(MrzLayoutError):
        parse_mrz(["A" * 1_000_000] * 3, today=TODAY)


# Checked fields: (line index, 0-based start, end) of every field a check digit covers, the digit included.
_TD1_CHECKED = [(0, 5, 15), (1, 0, 7), (1, 8, 15), (1, 29, 30)]
_TD3_CHECKED = [(1, 0, 10), (1, 13, 20), (1, 21, 28), (1, 28, 44)]


@pytest.mark.parametrize(
    ("specimen", "checked"),
    [(TD1_SPECIMEN, _TD1_CHECKED), (TD3_SPECIMEN, _TD3_CHECKED), (TD3_BAC_EXAMPLE, _TD3_CHECKED)],
)
def test_every_digit_substitution_in_a_checked_field_is_detected(
    specimen: list[str], checked: list[tuple[int, int, int]]
) -> None:
    # 7, 3 and 1 are prime to 10, so changing one digit for another always changes the check digit.
    substitutions = 0
    for line_index, start, end in checked:
        for position in range(start, end):
            original = specimen[line_index][position]
            if not original.isdigit():
                continue
            for digit in "0123456789".replace(original, ""):
                lines = list(specimen)
                lines[line_index] = _replace(lines[line_index], position + 1, digit)
                with pytest.raises(MrzCheckDigitError):
                    parse_mrz(lines, today=TODAY)
                substitutions += 1
    assert substitutions > 200


def test_check_digits_cannot_tell_characters_ten_apart() -> None:
    # A limit of Part 3 section 4.9, not of this code: values 10 apart ('<'/0, 'A', 'K', 'U') weigh the same
    # modulo 10, so such a substitution passes. Only digit-for-digit substitutions are always caught.
    assert check_digit("ZE184226B<<<<<") == check_digit("ZE184226BA<<<<") == check_digit("ZE184226B0<<<<")


_letters = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
_dates = st.dates(min_value=dt.date(1926, 6, 2), max_value=dt.date(2025, 6, 1))
_expiry_dates = st.dates(min_value=dt.date(1976, 1, 1), max_value=dt.date(2075, 12, 31))
_numbers = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=9)


@settings(max_examples=200, deadline=None)
@given(
    number=_numbers,
    birth=_dates,
    expiry=_expiry_dates,
    sex=st.sampled_from("MF<"),
    surname=_letters,
    given_name=_letters,
    td1=st.booleans(),
)
def test_compose_parse_round_trip(
    number: str, birth: dt.date, expiry: dt.date, sex: str, surname: str, given_name: str, td1: bool
) -> None:
    fields = {
        "document_type": "ID" if td1 else "P", "issuing_state": "KAZ", "document_number": number,
        "birth_date": f"{birth:%y%m%d}", "sex": sex, "expiry_date": f"{expiry:%y%m%d}",
        "nationality": "KAZ", "names": f"{surname}<<{given_name}",
    }
    lines = compose_td1(**fields) if td1 else compose_td3(**fields)
    mrz = parse_mrz(list(lines), today=TODAY)
    assert (mrz.document_number, mrz.birth_date, mrz.expiry_date) == (number, birth, expiry)
    assert (mrz.surname, mrz.given_names) == (surname, given_name)
    assert mrz.mrz_information == mrz_information(number, birth, expiry)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_only_raises_mrz_error(text: str) -> None:
    with contextlib.suppress(MrzError):
        parse_mrz(text, today=TODAY)


_mrz_alphabet = st.sampled_from(sorted(MRZ_CHARACTERS))


@settings(max_examples=200, deadline=None)
@given(st.one_of(
    st.lists(st.text(_mrz_alphabet, min_size=30, max_size=30), min_size=3, max_size=3),
    st.lists(st.text(_mrz_alphabet, min_size=44, max_size=44), min_size=2, max_size=2),
))
def test_random_well_shaped_lines_only_raise_mrz_error(lines: list[str]) -> None:
    try:
        mrz = parse_mrz(lines, today=TODAY)
    except MrzError:
        return
    assert isinstance(mrz, Mrz)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([TD1_SPECIMEN, TD3_SPECIMEN, TD3_BAC_EXAMPLE]), st.data())
def test_mutated_specimens_only_raise_mrz_error(specimen: list[str], data: st.DataObject) -> None:
    lines = list(specimen)
    line_index = data.draw(st.integers(0, len(lines) - 1))
    position = data.draw(st.integers(1, len(lines[line_index])))
    character = data.draw(st.one_of(_mrz_alphabet, st.characters()))
    lines[line_index] = _replace(lines[line_index], position, character)
    try:
        mrz = parse_mrz(lines, today=TODAY)
    except MrzError:
        return
    if mrz.format == "TD1":
        with contextlib.suppress(MrzError):
            iin_from_td1(mrz)

"""Keypad feedback while an IIN is typed: each rule as soon as a prefix breaks it, never a false alarm."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.iin import IinRejection, Sex, make_iin, rejection
from kiosk.core.voter_session_keypad import KeypadFeedback, keypad_feedback

INCOMPLETE = KeypadFeedback("incomplete")


@pytest.mark.parametrize(("digits", "expected"), [
    ("", INCOMPLETE),
    ("8", INCOMPLETE),
    ("851", INCOMPLETE),  # month 10, 11 or 12
    ("852", KeypadFeedback("invalid", IinRejection.BAD_DATE)),  # no month 2x
    ("8513", KeypadFeedback("invalid", IinRejection.BAD_DATE)),
    ("8500", KeypadFeedback("invalid", IinRejection.BAD_DATE)),
    ("85044", KeypadFeedback("invalid", IinRejection.BAD_DATE)),  # no day 4x
    ("850431", KeypadFeedback("invalid", IinRejection.BAD_DATE)),  # 31 April
    ("850230", KeypadFeedback("invalid", IinRejection.BAD_DATE)),
    ("850229", KeypadFeedback("invalid", IinRejection.BAD_DATE)),  # 85 is no leap year in any century
    ("840229", INCOMPLETE),
    ("0002295", INCOMPLETE),  # 29 February 2000
    ("0002293", KeypadFeedback("invalid", IinRejection.BAD_DATE)),  # 1900 was not a leap year
    ("8504150", KeypadFeedback("invalid", IinRejection.BAD_CENTURY_DIGIT)),
    ("8504157", KeypadFeedback("invalid", IinRejection.BAD_CENTURY_DIGIT)),
    ("8504153", INCOMPLETE),
    ("85041530034", KeypadFeedback("invalid", IinRejection.UNASSIGNABLE)),
    ("85041530001", INCOMPLETE),
    ("850415300012", KeypadFeedback("valid")),
    ("850415300013", KeypadFeedback("invalid", IinRejection.CHECK_DIGIT_MISMATCH)),
    ("850415300302", KeypadFeedback("valid")),  # second weight set
])
def test_feedback_for_prefixes(digits: str, expected: KeypadFeedback) -> None:
    assert keypad_feedback(digits) == expected


@pytest.mark.parametrize(("digits", "reason"), [
    ("85a4", IinRejection.NOT_DIGITS),
    ("٣", IinRejection.NOT_DIGITS),
    (" 85", IinRejection.NOT_DIGITS),
    ("8504153000123", IinRejection.WRONG_LENGTH),
    ("9" * 1000, IinRejection.WRONG_LENGTH),
])
def test_malformed_and_oversized_input_is_invalid(digits: str, reason: IinRejection) -> None:
    assert keypad_feedback(digits) == KeypadFeedback("invalid", reason)


@st.composite
def valid_iins(draw: st.DrawFn) -> str:
    birth = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)))
    sex: Sex = draw(st.sampled_from(["male", "female"]))
    serial = draw(st.integers(0, 9999))
    iin = make_iin(birth, sex, serial)
    if iin is None:
        return "850415300012"
    return iin.value


@settings(max_examples=200, deadline=None)
@given(valid_iins())
def test_no_prefix_of_a_valid_iin_is_ever_flagged(iin: str) -> None:
    for length in range(12):
        assert keypad_feedback(iin[:length]).status == "incomplete"
    assert keypad_feedback(iin).status == "valid"


digit_strings = st.text(alphabet="0123456789", max_size=12)


@settings(max_examples=200, deadline=None)
@given(digit_strings, st.lists(st.text(alphabet="0123456789", min_size=12, max_size=12), min_size=1, max_size=20))
def test_a_flagged_prefix_has_no_valid_completion(prefix: str, tails: list[str]) -> None:
    feedback = keypad_feedback(prefix)
    if feedback.status != "invalid":
        return
    for tail in tails:
        assert rejection((prefix + tail)[:12]) is not None


@settings(max_examples=200, deadline=None)
@given(digit_strings, st.text(alphabet="0123456789", max_size=12))
def test_once_flagged_every_longer_prefix_stays_flagged(prefix: str, more: str) -> None:
    longer = (prefix + more)[:12]
    if keypad_feedback(prefix).status == "invalid":
        assert keypad_feedback(longer).status == "invalid"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_twelve_digits_agree_with_the_iin_rules(digits: str) -> None:
    reason = rejection(digits)
    expected = KeypadFeedback("valid") if reason is None else KeypadFeedback("invalid", reason)
    assert keypad_feedback(digits) == expected


def _iin_date_prefixes() -> frozenset[str]:
    possible: set[str] = set()
    for century_start in (1800, 1900, 2000):
        day = dt.date(century_start, 1, 1)
        while day.year < century_start + 100:
            possible.add(day.strftime("%y%m%d"))
            day += dt.timedelta(days=1)
    return frozenset(date[:length] for date in possible for length in range(1, 7))


IIN_DATE_PREFIXES = _iin_date_prefixes()


def test_every_short_date_prefix_is_decided_exactly() -> None:
    """Exhaustive over every 1..4-digit prefix: flagged exactly when no IIN date starts with it."""
    for length in range(1, 5):
        for number in range(10 ** length):
            digits = f"{number:0{length}d}"
            assert (keypad_feedback(digits).status == "incomplete") == (digits in IIN_DATE_PREFIXES), digits


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=5, max_size=6))
def test_longer_date_prefixes_are_decided_exactly(digits: str) -> None:
    assert (keypad_feedback(digits).status == "incomplete") == (digits in IIN_DATE_PREFIXES)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(p for p in IIN_DATE_PREFIXES if len(p) == 6)))
def test_every_possible_date_is_accepted(digits: str) -> None:
    assert keypad_feedback(digits).status == "incomplete"

"""The voter's printouts: content, language, masking, and the translation keys they use."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.printout_texts import STATION, TEXTS, translator

from drivers.printer.printout import Code, KeyValue, Printout, Title
from kiosk.core.iin import Iin, make_iin, masked
from kiosk.core.registration import LANGUAGES, Language
from kiosk.printouts import PRINT_KEYS, SlipReason, ask_commission_slip, temporary_registration_receipt

ALMATY_TIME = dt.timezone(dt.timedelta(hours=5))
PRINTED_AT = dt.datetime(2024, 3, 17, 14, 5, tzinfo=ALMATY_TIME)
_MADE_IIN = make_iin(dt.date(1985, 4, 12), "female", 123)
assert _MADE_IIN is not None
IIN: Iin = _MADE_IIN
REASONS: tuple[SlipReason, ...] = ("not_listed", "not_eligible", "service_unavailable")


def _receipt(language: Language, translate: Callable[..., str] | None = None, iin: str = IIN.value) -> Printout:
    return temporary_registration_receipt(
        translate=translate or translator(language), language=language, station=STATION, iin=iin,
        reference="TR-412-7Q9K2M", printed_at=PRINTED_AT,
    )


def _slip(language: Language, reason: SlipReason = "not_listed", reference: str | None = None,
          translate: Callable[..., str] | None = None, iin: str = IIN.value) -> Printout:
    return ask_commission_slip(
        translate=translate or translator(language), language=language, station=STATION, iin=iin, reason=reason,
        printed_at=PRINTED_AT, reference=reference,
    )


def _row(printout: Printout, label: str) -> str:
    values = [block.value for block in printout.blocks if isinstance(block, KeyValue) and block.key == label]
    assert len(values) == 1, f"expected one row labelled {label!r}"
    return values[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_receipt_shows_station_desk_time_reference_and_the_masked_iin(language: Language) -> None:
    receipt = _receipt(language)
    texts = TEXTS
    assert receipt.kind == "temporary_registration_receipt"
    assert receipt.language == language
    assert receipt.blocks[0] == Title(texts["receipt.title"][language])
    assert _row(receipt, texts["printout.station"][language]) == "412"
    assert _row(receipt, texts["printout.address"][language]) == STATION.address.in_language(language)
    assert _row(receipt, texts["printout.desk"][language]) == "3"
    assert _row(receipt, texts["printout.iin"][language]) == "••••••••" + IIN.value[-4:]
    assert _row(receipt, texts["printout.reference"][language]) == "TR-412-7Q9K2M"
    codes = [block for block in receipt.blocks if isinstance(block, Code)]
    assert codes == [Code("TR-412-7Q9K2M", symbology="qr", caption="TR-412-7Q9K2M")]
    assert texts["receipt.next_step"][language].format(desk=3) in receipt.texts()


def test_dates_are_written_the_way_each_language_writes_them() -> None:
    # CLDR puts a narrow no-break space before the year mark, so "2024 ж." never breaks across lines.
    assert _row(_receipt("kk"), "Басып шығарылды") == "2024\u202fж. 17 наурыз, 14:05"
    assert _row(_receipt("ru"), "Дата и время") == "17 марта 2024\u202fг., 14:05"
    assert _row(_receipt("en"), "Printed") == "March 17, 2024, 14:05"


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_slip_says_why_and_where_to_go(language: Language, reason: SlipReason) -> None:
    slip = _slip(language, reason)
    assert slip.kind == "ask_commission_slip"
    texts = slip.texts()
    assert TEXTS[f"slip.reason.{reason}"][language] in texts
    assert TEXTS["slip.next_step"][language].format(desk=3) in texts
    assert _row(slip, TEXTS["printout.iin"][language]) == masked(IIN.value)
    assert not any(isinstance(block, Code) for block in slip.blocks)  # no reference given, no code


def test_the_slip_prints_a_reference_as_text_and_qr_when_given() -> None:
    slip = _slip("ru", "service_unavailable", reference="CHK-99")
    assert _row(slip, "Номер регистрации") == "CHK-99"
    assert [block for block in slip.blocks if isinstance(block, Code)] == [Code("CHK-99", caption="CHK-99")]


def test_a_receipt_without_a_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="reference"):
        temporary_registration_receipt(
            translate=translator("en"), language="en", station=STATION, iin=IIN.value, reference="",
            printed_at=PRINTED_AT,
        )


def test_the_printouts_use_exactly_the_keys_in_print_keys() -> None:
    used: set[str] = set()

    def recording(key: str, /, **params: object) -> str:
        used.add(key)
        return key

    _receipt("en", recording)
    for reason in REASONS:
        _slip("en", reason, reference="R-1", translate=recording)
    assert used == set(PRINT_KEYS)
    assert len(PRINT_KEYS) == len(set(PRINT_KEYS))


@settings(max_examples=200, deadline=None)
@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2010, 12, 31)),
    sex=st.sampled_from(["male", "female"]),
    serial=st.integers(0, 9999),
    language=st.sampled_from(LANGUAGES),
)
def test_no_printout_ever_carries_more_than_the_last_four_digits(
    birth: dt.date, sex: str, serial: int, language: Language
) -> None:
    iin = make_iin(birth, sex, serial)  # type: ignore[arg-type]
    if iin is None:
        return
    for printout in (_receipt(language, iin=iin.value), _slip(language, "not_listed", "REF-7", iin=iin.value)):
        everything = " ".join(printout.texts()) + " ".join(
            block.payload for block in printout.blocks if isinstance(block, Code)
        )
        assert iin.value not in everything
        assert iin.value[:8] not in everything
        assert masked(iin.value) in everything

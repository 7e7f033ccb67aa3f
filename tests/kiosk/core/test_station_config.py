"""The station configuration as plain data: parsing, refusals by field, applicability, opening hours."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.commission import sample_document

from kiosk.core.station_config import (
    MalformedStationConfig,
    StationConfigExpired,
    StationConfigForOtherStation,
    StationConfigNotYetValid,
    check_applicable,
    config_document,
    is_open,
    next_opening,
    parse_station_config,
)

ALMATY = dt.timezone(dt.timedelta(hours=5))


def test_a_valid_document_parses_and_round_trips() -> None:
    config = parse_station_config(sample_document())
    assert config.station == 101
    assert config.address.in_language("kk").startswith("Қызылорда")
    assert config.opens == dt.time(7, 0) and config.closes == dt.time(20, 0)
    assert config.offers("temporary_registration")
    assert config.devices.scanner == "camera"
    assert config.trust_anchors["national_ca_intermediates"] == ()
    assert config.opening == dt.datetime(2026, 3, 15, 7, 0, tzinfo=ALMATY)
    assert parse_station_config(config_document(config)) == config
    assert config_document(config) == sample_document()


def _without(path: str) -> dict[str, Any]:
    document = sample_document()
    *parents, last = path.split(".")
    target = document
    for name in parents:
        target = target[name]
    del target[last]
    return document


@pytest.mark.parametrize("path", ["station", "address.ru", "devices.printer", "trust_anchors.csca_certificates",
                                  "valid_until", "time_zone", "format"])
def test_a_missing_field_is_named(path: str) -> None:
    with pytest.raises(MalformedStationConfig, match=f"lacks '{path}'") as refused:
        parse_station_config(_without(path))
    assert refused.value.field_name == path
    assert refused.value.translation_key == "station_config.malformed"


def test_an_unknown_field_is_refused_even_nested() -> None:
    with pytest.raises(MalformedStationConfig, match="unknown field 'debug_shell'"):
        parse_station_config(sample_document(debug_shell=True))
    document = sample_document()
    document["devices"]["scanner"]["device"] = "/dev/video0"
    with pytest.raises(MalformedStationConfig, match=r"unknown field 'devices\.scanner\.device'"):
        parse_station_config(document)


@pytest.mark.parametrize(("overrides", "field_name"), [
    ({"format": "kz-station-config/2"}, "format"),
    ({"station": "101"}, "station"),
    ({"station": True}, "station"),
    ({"station": 0}, "station"),
    ({"serial": 2**53}, "serial"),
    ({"commission_desk": 100}, "commission_desk"),
    ({"region": "  "}, "region"),
    ({"region": "x" * 401}, "region"),
    ({"voting_day": "20260315"}, "voting_day"),
    ({"voting_day": "2026-02-30"}, "voting_day"),
    ({"opens": "7:00"}, "opens"),
    ({"closes": "24:00"}, "closes"),
    ({"opens": "20:00", "closes": "08:00"}, "closes"),
    ({"time_zone": "Asia/Nowhere"}, "time_zone"),
    ({"time_zone": "../../etc/passwd"}, "time_zone"),
    ({"services": []}, "services"),
    ({"services": ["registration_check", "registration_check"]}, "services"),
    ({"services": ["vote_online"]}, "services"),
    ({"service_base_url": "http://egov.example.kz"}, "service_base_url"),
    ({"service_keys": {}}, "service_keys"),
    ({"service_keys": {"svc 1": "-----BEGIN PUBLIC KEY-----"}}, "service_keys"),
    ({"document_issuer_keys": {"egov": "not a key"}}, "document_issuer_keys.egov"),
    ({"languages": ["kk", "en"]}, "languages"),
    ({"languages": ["kk", "ru", "de"]}, "languages"),
    ({"valid_from": "2026-01-15T00:00:00"}, "valid_from"),
    ({"valid_until": "2026-01-01T00:00:00+05:00"}, "valid_until"),
])
def test_a_wrong_value_is_refused_naming_its_field(overrides: dict[str, Any], field_name: str) -> None:
    with pytest.raises(MalformedStationConfig) as refused:
        parse_station_config(sample_document(**overrides))
    assert refused.value.field_name == field_name
    assert field_name.split(".", maxsplit=1)[0] in refused.value.message


def test_wrong_device_and_trust_values_are_refused() -> None:
    document = sample_document()
    document["devices"]["printer"]["kind"] = "laser"
    with pytest.raises(MalformedStationConfig, match=r"devices\.printer\.kind"):
        parse_station_config(document)
    document = sample_document()
    document["trust_anchors"]["national_ca_roots"] = ["sha1:" + "ab" * 20]
    with pytest.raises(MalformedStationConfig, match=r"trust_anchors\.national_ca_roots"):
        parse_station_config(document)


@pytest.mark.parametrize("document", [None, [], "config", 3])
def test_a_document_that_is_not_an_object_is_refused(document: Any) -> None:
    with pytest.raises(MalformedStationConfig, match="must be a JSON object"):
        parse_station_config(document)


def test_applicability_other_station_expired_and_not_yet_valid_are_distinct() -> None:
    config = parse_station_config(sample_document())
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    check_applicable(config, enrolled_station=101, now=now)
    with pytest.raises(StationConfigForOtherStation, match="for station 101, but this kiosk is enrolled for station 7"):
        check_applicable(config, enrolled_station=7, now=now)
    with pytest.raises(StationConfigExpired, match="expired") as expired:
        check_applicable(config, enrolled_station=101, now=dt.datetime(2026, 3, 16, 19, 0, tzinfo=dt.UTC))
    assert expired.value.translation_key == "station_config.expired"
    with pytest.raises(StationConfigNotYetValid, match="valid only from") as early:
        check_applicable(config, enrolled_station=101, now=dt.datetime(2026, 1, 14, 18, 59, tzinfo=dt.UTC))
    assert early.value.translation_key == "station_config.not_yet_valid"
    with pytest.raises(ValueError, match="timezone-aware"):
        check_applicable(config, enrolled_station=101, now=dt.datetime(2026, 3, 1))


def test_open_only_on_voting_day_between_opening_and_closing_in_the_station_zone() -> None:
    config = parse_station_config(sample_document(opens="08:00", closes="20:00"))
    # 02:59 UTC is 07:59 in Almaty (UTC+5): not yet open.
    assert not is_open(config, dt.datetime(2026, 3, 15, 2, 59, tzinfo=dt.UTC))
    assert is_open(config, dt.datetime(2026, 3, 15, 3, 0, tzinfo=dt.UTC))
    assert is_open(config, dt.datetime(2026, 3, 15, 19, 59, 59, tzinfo=ALMATY))
    assert not is_open(config, dt.datetime(2026, 3, 15, 20, 0, tzinfo=ALMATY))
    assert not is_open(config, dt.datetime(2026, 3, 14, 12, 0, tzinfo=ALMATY))
    assert next_opening(config, dt.datetime(2026, 3, 14, 12, 0, tzinfo=ALMATY)) == dt.datetime(
        2026, 3, 15, 8, 0, tzinfo=ALMATY
    )
    assert next_opening(config, dt.datetime(2026, 3, 15, 9, 0, tzinfo=ALMATY)) is None
    assert next_opening(config, dt.datetime(2026, 3, 15, 21, 0, tzinfo=ALMATY)) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_any_json_value_is_a_config_or_a_malformed_refusal(value: Any) -> None:
    with contextlib.suppress(MalformedStationConfig):
        parse_station_config(value)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(sample_document())), json_values)
def test_replacing_any_member_with_junk_never_escapes_the_typed_refusal(name: str, junk: Any) -> None:
    document = copy.deepcopy(sample_document())
    document[name] = junk
    try:
        config = parse_station_config(document)
    except MalformedStationConfig:
        return
    assert json.loads(json.dumps(config_document(config)))  # whatever was accepted serialises back

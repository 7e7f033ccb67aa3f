"""The station sections of the kiosk configuration: shapes, defaults, and a ConfigError naming the field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config_sections import (
    DEFAULT_PRINTER,
    CameraScannerConfig,
    ConfigError,
    CupsPrinterConfig,
    EscposFilePrinter,
    EscposNetworkPrinter,
    EscposUsbPrinter,
    EspeakSpeechConfig,
    HidScannerConfig,
    MetricsConfig,
    NoScannerConfig,
    NoSpeechConfig,
    parse_journal,
    parse_metrics,
    parse_printer,
    parse_scanner,
    parse_speech,
    parse_station_config_files,
)

HERE = Path("/etc/polling-kiosk")


@pytest.mark.parametrize(("section", "expected"), [
    (None, EscposFilePrinter(Path("/dev/usb/lp0"), "TM-T20II")),
    ({"kind": "escpos", "transport": "usb", "vendor_id": "0x04b8", "product_id": 3605},
     EscposUsbPrinter(0x04B8, 0x0E15)),
    ({"kind": "escpos", "transport": "network", "host": "192.0.2.10", "profile": "TM-T88V"},
     EscposNetworkPrinter("192.0.2.10", 9100, "TM-T88V")),
    ({"kind": "escpos", "transport": "network", "host": "printer.local", "port": 9101},
     EscposNetworkPrinter("printer.local", 9101)),
    ({"kind": "escpos", "transport": "file", "path": "lp"}, EscposFilePrinter(HERE / "lp")),
    ({"kind": "cups", "queue": "receipts", "paper": "A4"}, CupsPrinterConfig("receipts", "A4")),
    ({"kind": "cups"}, CupsPrinterConfig(None, "A5")),
])
def test_printer_shapes(section: Any, expected: object) -> None:
    assert parse_printer(section, HERE) == expected


@pytest.mark.parametrize(("section", "message"), [
    ([], "'printer' must be a dict"),
    ({}, "'printer.kind' is missing"),
    ({"kind": "laser"}, "'printer.kind' must be one of escpos, cups"),
    ({"kind": "escpos"}, "'printer.transport' is missing"),
    ({"kind": "escpos", "transport": "serial"}, "'printer.transport' must be one of usb, network, file"),
    ({"kind": "escpos", "transport": "usb", "product_id": 1}, "'printer.vendor_id' must be an integer"),
    ({"kind": "escpos", "transport": "usb", "vendor_id": "0xZZ", "product_id": 1},
     "'printer.vendor_id' must be an integer or a 0x hex text"),
    ({"kind": "escpos", "transport": "usb", "vendor_id": 1, "product_id": 0x10000},
     "'printer.product_id' must be between 0 and 65535"),
    ({"kind": "escpos", "transport": "usb", "vendor_id": True, "product_id": 1}, "'printer.vendor_id'"),
    ({"kind": "escpos", "transport": "network", "host": ""}, "'printer.host' must be a host name"),
    ({"kind": "escpos", "transport": "network", "host": "h", "port": 0}, "'printer.port' must be between 1"),
    ({"kind": "escpos", "transport": "network", "host": "h", "port": "9100"}, "'printer.port' must be a int"),
    ({"kind": "escpos", "transport": "file"}, "'printer.path' is missing"),
    ({"kind": "escpos", "transport": "file", "path": ""}, "'printer.path' must be a path"),
    ({"kind": "escpos", "transport": "file", "path": "x", "profile": 5}, "'printer.profile' must be a str"),
    ({"kind": "cups", "paper": "Letter"}, "'printer.paper' must be one of A4, A5"),
])
def test_printer_mistakes_name_the_field(section: Any, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_printer(section, HERE)
    assert message in str(raised.value)


def test_scanner_shapes_and_mistakes() -> None:
    assert parse_scanner(None, HERE) == NoScannerConfig()
    assert parse_scanner({"kind": "none"}, HERE) == NoScannerConfig()
    assert parse_scanner({"kind": "camera"}, HERE) == CameraScannerConfig(0)
    assert parse_scanner({"kind": "camera", "device": 2}, HERE) == CameraScannerConfig(2)
    assert parse_scanner({"kind": "hid", "path": "/dev/ttyACM0"}, HERE) == HidScannerConfig(Path("/dev/ttyACM0"))
    for section, message in [({"kind": "camera", "device": -1}, "'scanner.device'"),
                             ({"kind": "camera", "device": True}, "'scanner.device'"),
                             ({"kind": "hid"}, "'scanner.path' is missing"),
                             ({"kind": "barcode"}, "'scanner.kind' must be one of camera, hid, none"),
                             ("camera", "'scanner' must be a dict")]:
        with pytest.raises(ConfigError, match=re.escape(message)):
            parse_scanner(section, HERE)


def test_speech_shapes_and_mistakes() -> None:
    assert parse_speech(None) == EspeakSpeechConfig()
    assert parse_speech({"kind": "none"}) == NoSpeechConfig()
    assert parse_speech({"kind": "espeak", "rate_wpm": 120, "volume": 150}) == EspeakSpeechConfig(120, 150)
    for section, message in [({"kind": "espeak", "rate_wpm": 20}, "'speech.rate_wpm' must be between 80 and 450"),
                             ({"kind": "espeak", "volume": 300}, "'speech.volume' must be between 0 and 200"),
                             ({"kind": "festival"}, "'speech.kind' must be one of espeak, none")]:
        with pytest.raises(ConfigError, match=re.escape(message)):
            parse_speech(section)


def test_metrics_are_off_by_default_and_on_loopback_unless_allowed() -> None:
    assert parse_metrics(None) == MetricsConfig(enabled=False)
    assert parse_metrics({}) == MetricsConfig(enabled=True, host="127.0.0.1", port=9464)
    assert parse_metrics({"enabled": False, "host": "10.1.2.3"}).enabled is False
    assert parse_metrics({"host": "10.1.2.3", "allow_remote": True}).host == "10.1.2.3"
    with pytest.raises(ConfigError, match=re.escape("'metrics.host' is not a loopback address")):
        parse_metrics({"host": "0.0.0.0"})
    with pytest.raises(ConfigError, match=re.escape("'metrics.port' must be between 0 and 65535")):
        parse_metrics({"port": 70000})
    with pytest.raises(ConfigError, match=re.escape("'metrics.enabled' must be a bool")):
        parse_metrics({"enabled": "yes"})


def test_file_defaults_are_where_the_journal_and_provisioning_put_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path))
    from kiosk.config import kiosk_home  # noqa: PLC0415
    from kiosk.journal.journal import default_journal_path, default_secret_path  # noqa: PLC0415
    from provisioning.config_commands import (  # noqa: PLC0415
        default_commission_certificates,
        installed_config_path,
    )

    journal = parse_journal(None, HERE, kiosk_home())
    assert (journal.path, journal.secret_path) == (default_journal_path(), default_secret_path())
    files = parse_station_config_files(None, HERE, kiosk_home())
    assert (files.path, files.commission_certificates) == (installed_config_path(),
                                                           default_commission_certificates())
    moved = parse_station_config_files({"path": "station.json", "commission_certificates": "/pki/tc.pem"}, HERE,
                                       kiosk_home())
    assert (moved.path, moved.commission_certificates) == (HERE / "station.json", Path("/pki/tc.pem"))
    with pytest.raises(ConfigError, match=re.escape("'journal.path' must be a str")):
        parse_journal({"path": 3}, HERE, kiosk_home())


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 70000) | st.text(max_size=8),
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(
                        st.sampled_from(["kind", "transport", "path", "host", "port", "vendor_id", "product_id",
                                         "queue", "paper", "device", "rate_wpm", "volume", "enabled"]),
                        children, max_size=5), max_leaves=12)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["escpos", "cups", "camera", "hid", "none", "espeak"]), JSON)
def test_any_section_parses_or_names_what_is_wrong(kind: str, section: Any) -> None:
    if isinstance(section, dict):
        section = {"kind": kind, **section} if "kind" not in section else section
    for parse in (lambda: parse_printer(section, HERE), lambda: parse_scanner(section, HERE),
                  lambda: parse_speech(section), lambda: parse_metrics(section)):
        try:
            parse()
        except ConfigError as error:
            assert str(error).startswith("configuration: '")


def test_a_configuration_without_the_sections_gets_the_defaults() -> None:
    from kiosk.config import KioskConfig  # noqa: PLC0415

    assert KioskConfig.__dataclass_fields__["printer"].default == DEFAULT_PRINTER

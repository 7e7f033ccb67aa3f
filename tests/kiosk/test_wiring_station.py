"""The composition of a real station (``kiosk.wiring.start_station``) from files on disk: verified first, then
the configured parts, the station taken from the signed configuration, the metrics endpoint when enabled."""

from __future__ import annotations

import contextlib
import datetime as dt
import urllib.request
from pathlib import Path

import pytest
from support.commission import ISSUER_KEY_PEM, SERVICE_KEY_PEM
from support.station_files import StationFiles, provision

from drivers.printer.escpos_printer import EscposPrinter
from kiosk.config import ConfigError, load_config, parse_public_key
from kiosk.config_sections import CameraScannerConfig, CupsPrinterConfig, EscposFilePrinter
from kiosk.core.station_config import StationConfigMissing, StationConfigTampered
from kiosk.wiring import (
    MeteredService,
    SilentSpeaker,
    check_local_files,
    open_printer,
    open_scanner,
    start_station,
    verify_station_config,
    with_station_config,
)


@pytest.fixture
def station(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> StationFiles:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path / "home"))
    return provision(tmp_path)


def test_a_verified_station_gets_its_parts_from_the_signed_configuration(station: StationFiles) -> None:
    station.install(commission_desk=4, services=["registration_check"])
    station.write_config(metrics={"enabled": True, "port": 0})
    config = load_config(station.config_path)
    with contextlib.ExitStack() as stack:
        running = start_station(config, stack)
        parts = running.parts
        # The station the voters see is the one the commission signed, not an answer of the service.
        assert parts.station.number == 101
        assert parts.station.commission_desk == 4
        assert parts.station.opens == "07:00" and parts.station.closes == "20:00"
        assert not parts.station.offers_temporary_registration
        assert parts.station.address.ru == "г. Кызылорда, ул. Айтеке би, 12, школа № 5"
        # The service address and pinned keys come from the signed configuration too.
        assert running.config.service.base_url == "https://egov.example.kz"
        assert set(running.config.service.service_keys) == {"svc-1"}
        assert set(running.config.document_issuers) == {"egov-mobile"}
        assert isinstance(parts.printer, EscposPrinter)
        assert isinstance(parts.speaker, SilentSpeaker)
        assert parts.scanner is None
        assert isinstance(parts.client, MeteredService)
        assert parts.clock().utcoffset() == dt.timedelta(hours=5)  # the station's zone (Asia/Almaty)
        assert running.warnings == [
            "no code scanner is configured (the station configuration chooses camera): voters can use the card "
            "or the keypad only"]
        assert (station.home / "journal" / "journal.sqlite3").exists()
        assert running.metrics_url is not None
        with urllib.request.urlopen(running.metrics_url, timeout=5) as response:
            scraped = response.read().decode()
        assert 'kiosk_station_info{station="101"} 1.0' in scraped
        assert "kiosk_outbox_pending_items 0.0" in scraped
    with pytest.raises(OSError), urllib.request.urlopen(running.metrics_url, timeout=2):
        pass  # closed with the stack


def test_nothing_is_opened_before_the_configuration_verifies(station: StationFiles) -> None:
    station.install()
    envelope = station.installed.read_text().replace('"commission_desk": 2', '"commission_desk": 3')
    station.installed.write_text(envelope)
    (station.config_path.parent / "device-passphrase").unlink()  # opening the key would fail differently
    config = load_config(station.config_path)
    with contextlib.ExitStack() as stack, pytest.raises(StationConfigTampered):
        start_station(config, stack)
    assert not (station.home / "journal").exists()


def test_the_configuration_is_looked_for_before_the_certificates(station: StationFiles) -> None:
    (station.home / "commission-certs.pem").unlink()
    with pytest.raises(StationConfigMissing):
        verify_station_config(load_config(station.config_path), dt.datetime.now(dt.UTC))


def test_signed_keys_replace_the_local_ones(station: StationFiles) -> None:
    station.install()
    config = load_config(station.config_path)
    replaced = with_station_config(config, verify_station_config(config, dt.datetime.now(dt.UTC)))
    service_key = replaced.service.service_keys["svc-1"]
    assert service_key.public_numbers() == parse_public_key(SERVICE_KEY_PEM, "svc-1").public_numbers()
    issuer_key = replaced.document_issuers["egov-mobile"]
    assert issuer_key.public_numbers() == parse_public_key(ISSUER_KEY_PEM, "egov-mobile").public_numbers()
    assert "local-only" not in replaced.service.service_keys
    assert replaced.service.ca_file == config.service.ca_file


def test_devices_that_contradict_the_signed_choice_are_refused(station: StationFiles) -> None:
    station.install()
    verified = verify_station_config(load_config(station.config_path), dt.datetime.now(dt.UTC))
    cups = load_config(station.write_config(printer={"kind": "cups", "queue": "receipts"}))
    with pytest.raises(ConfigError, match=r"'printer\.kind' is cups, but the station configuration chooses escpos"):
        check_local_files(cups, verified)
    hid = load_config(station.write_config(scanner={"kind": "hid", "path": "/dev/ttyACM0"}))
    with pytest.raises(ConfigError, match=r"'scanner\.kind' is hid, but the station configuration chooses camera"):
        check_local_files(hid, verified)
    camera = load_config(station.write_config(scanner={"kind": "camera", "device": "/dev/video0"}))
    assert check_local_files(camera, verified) == []
    assert camera.scanner == CameraScannerConfig("/dev/video0")


def test_the_configured_printer_and_scanner_are_opened(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    target.touch()
    assert isinstance(open_printer(EscposFilePrinter(target)), EscposPrinter)
    from drivers.printer.cups_printer import CupsPrinter  # noqa: PLC0415

    assert isinstance(open_printer(CupsPrinterConfig(queue="receipts")), CupsPrinter)
    from kiosk.config_sections import HidScannerConfig, NoScannerConfig  # noqa: PLC0415

    assert open_scanner(NoScannerConfig()) is None
    read_end = tmp_path / "scanner"
    read_end.write_bytes(b"")
    scanner = open_scanner(HidScannerConfig(read_end))
    assert scanner is not None
    scanner.close()

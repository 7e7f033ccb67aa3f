"""The self-test against the simulator: it passes with every part present, and names the part taken away
(the reader: wrong prefix, no pcscd; the printer: offline; the service: stopped, wrong CA, unknown device,
unpinned key; the clock: skewed). Also the command line, with JSON, text and the printed receipt."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import socket
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pytest_mock import MockerFixture
from support.egov import RunningService, start_service

from drivers.card.pcsc import PcscCardReader
from drivers.keystore.keyfile import FileKeyStore
from kiosk.config import KeyFileConfig, KioskConfig
from kiosk.journal.journal import Journal
from kiosk.journal.secret import load_or_create_secret
from kiosk.wiring import open_device_key, service_client
from provisioning.cli import main
from provisioning.selftest import SelftestReport
from provisioning.selftest_commands import SELFTEST_POLICY, SelftestParts, run
from provisioning.selftest_service import check_clock, probe_service
from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.virtual import FileSystemCard
from simulator.cards.vpcd import VpcdCardClient
from simulator.dock.processes import PcscdHandle
from simulator.egov.tls import write_test_pki
from simulator.printer import SimPrinter
from simulator.scanner import SimCodeScanner

SECOND_SLOT_PREFIX = "Virtual PCD 00 01"
SECOND_SLOT_PORT = 35964
SCARD_E_NO_SERVICE = 0x8010001D  # pcsclite.h: pcscd is not running


pytestmark = pytest.mark.usefixtures("no_faults")


@pytest.fixture
def printer(tmp_path: Path) -> SimPrinter:
    return SimPrinter(tmp_path / "printer")


@pytest.fixture
def reader_with_card() -> InProcessCardReader:
    reader = InProcessCardReader()
    reader.insert(FileSystemCard())
    return reader


@pytest.fixture
def journal_path(service: RunningService, tmp_path: Path) -> Path:
    """A genuine journal signed by the simulated kiosk's device key."""
    path = tmp_path / "journal" / "journal.sqlite3"
    journal = Journal.open(path, signer=open_device_key(service.config), secret=load_or_create_secret(tmp_path / "s"))
    journal.append("service_error", reason="timeout")
    journal.close()
    return path


def parts_for(
    config: KioskConfig, reader: object, printer: SimPrinter, journal_path: Path
) -> SelftestParts:
    return SelftestParts(
        config=config,
        card_reader=lambda: reader,  # type: ignore[arg-type,return-value]
        scanner=SimCodeScanner,
        printer=lambda: printer,
        journal_path=journal_path,
    )


def statuses(report: SelftestReport) -> dict[str, str]:
    return {check.name: check.status for check in report.checks}


def with_service(config: KioskConfig, **changes: object) -> KioskConfig:
    return dataclasses.replace(config, service=dataclasses.replace(config.service, **changes))


def test_passes_against_the_simulator(
    service: RunningService, reader_with_card: InProcessCardReader, printer: SimPrinter, journal_path: Path
) -> None:
    report = run(parts_for(service.config, reader_with_card, printer, journal_path))
    assert report.passed, [check for check in report.checks if check.status != "ok"]
    assert set(statuses(report).values()) == {"ok"}
    assert report.station == service.station
    assert report.device_key_id == open_device_key(service.config).key_id
    assert "device recognised" in report.result("service_ping").value
    assert "2 entries verified" in report.result("journal").value


def test_printer_offline_is_named(
    service: RunningService, reader_with_card: InProcessCardReader, printer: SimPrinter, journal_path: Path
) -> None:
    printer.set_online(False)
    report = run(parts_for(service.config, reader_with_card, printer, journal_path))
    assert not report.passed
    assert [(check.name, check.part) for check in report.failures] == [("printer", "printer")]


def test_service_stopped_is_named(
    service: RunningService, reader_with_card: InProcessCardReader, printer: SimPrinter, journal_path: Path,
    tmp_path: Path,
) -> None:
    stopped = start_service(tmp_path / "stopped", voters=200, stations=2, seed=3)
    config = stopped.config
    stopped.stop()
    report = run(parts_for(config, reader_with_card, printer, journal_path))
    assert not report.passed
    tls, ping = report.result("service_tls"), report.result("service_ping")
    assert (tls.status, tls.part) == ("fail", "network link to the service")
    assert "connection refused" in tls.value
    assert (ping.status, ping.part) == ("fail", "network link to the service")
    assert report.result("clock").status == "warn"  # nothing to compare with: said, not guessed
    assert statuses(report)["printer"] == "ok"


def test_wrong_ca_is_named(
    service: RunningService, reader_with_card: InProcessCardReader, printer: SimPrinter, journal_path: Path,
    tmp_path: Path,
) -> None:
    other_ca, _certificate, _key = write_test_pki(tmp_path / "other-pki")
    config = with_service(service.config, ca_file=other_ca)
    report = run(parts_for(config, reader_with_card, printer, journal_path))
    tls = report.result("service_tls")
    assert (tls.status, tls.part) == ("fail", "government service")
    assert "does not chain to the configured CA" in tls.value
    assert "service.ca_file" in (tls.remedy or "")
    assert report.result("service_ping").status == "fail"


def test_unknown_device_is_told_to_enroll(service: RunningService, tmp_path: Path) -> None:
    stranger = FileKeyStore.create(tmp_path / "stranger.pem", b"passphrase")
    (tmp_path / "stranger.pass").write_bytes(b"passphrase")
    config = dataclasses.replace(
        service.config, device_key=KeyFileConfig(tmp_path / "stranger.pem", tmp_path / "stranger.pass")
    )
    probe = probe_service(base_url=config.service.base_url, ca_file=str(config.service.ca_file),
                          open_client=lambda: service_client(config, policy=SELFTEST_POLICY))
    assert probe.tls.status == "ok"
    assert (probe.ping.status, probe.ping.part) == ("fail", "device key")
    assert "unknown_key" in probe.ping.value
    assert probe.ping.remedy == "Enroll the device: kiosk-provision enroll"
    assert stranger.key_id not in probe.ping.value
    assert probe.clock is not None and probe.clock.source == "unsigned"  # the clock is still measured


def test_unpinned_service_key_is_not_trusted(service: RunningService) -> None:
    impostor = ec.generate_private_key(ec.SECP256R1()).public_key()
    config = with_service(service.config, service_keys={"svc-impostor": impostor})
    probe = probe_service(base_url=config.service.base_url, ca_file=str(config.service.ca_file),
                          open_client=lambda: service_client(config, policy=SELFTEST_POLICY))
    assert (probe.ping.status, probe.ping.part) == ("fail", "government service")
    assert "not signed by the pinned service key" in probe.ping.value


@pytest.mark.parametrize(("skew", "status"), [(10, "warn"), (-45, "fail")])
def test_skewed_clock_against_the_real_service(service: RunningService, skew: int, status: str) -> None:
    config = service.config
    probe = probe_service(
        base_url=config.service.base_url, ca_file=str(config.service.ca_file),
        open_client=lambda: service_client(config, policy=SELFTEST_POLICY),
        now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=skew),
    )
    assert probe.ping.status == "ok"
    assert probe.clock is not None and probe.clock.source == "signed"
    result = check_clock(probe.clock)
    assert result.status == status, result.value
    assert ("ahead of" if skew > 0 else "behind") in result.value


# --- the PC/SC reader ---------------------------------------------------------------------------------------


def test_pcsc_reader_with_a_virtual_card(
    pcscd: PcscdHandle, service: RunningService, printer: SimPrinter, journal_path: Path
) -> None:
    client = VpcdCardClient(port=SECOND_SLOT_PORT)
    reader = PcscCardReader(SECOND_SLOT_PREFIX)
    try:
        client.insert(FileSystemCard())
        assert client.wait_until_connected(5.0)
        reader.wait_for_card(5.0).close()
        report = run(parts_for(service.config, reader, printer, journal_path))
    finally:
        client.close()
        reader.close()
    card = report.result("card_reader")
    assert card.status == "ok", card.value
    assert card.value.startswith(SECOND_SLOT_PREFIX)
    assert report.passed


def test_pcsc_reader_with_a_wrong_prefix(
    pcscd: PcscdHandle, service: RunningService, printer: SimPrinter, journal_path: Path
) -> None:
    report = run(parts_for(service.config, PcscCardReader("Acme Reader 9000"), printer, journal_path))
    card = report.result("card_reader")
    assert (card.status, card.part) == ("fail", "card reader")
    assert "Acme Reader 9000" in card.value
    assert "Virtual PCD 00 00" in card.value  # what is connected instead
    assert "reader_prefix" in (card.remedy or "")
    assert [check.name for check in report.failures] == ["card_reader"]


def test_no_pcscd(
    mocker: MockerFixture, service: RunningService, printer: SimPrinter, journal_path: Path
) -> None:
    # pcscd is shared by the whole test session and cannot be stopped here: the native call says it is gone.
    mocker.patch("smartcard.scard.SCardEstablishContext", return_value=[SCARD_E_NO_SERVICE, 0])
    report = run(parts_for(service.config, PcscCardReader(SECOND_SLOT_PREFIX), printer, journal_path))
    card = report.result("card_reader")
    assert (card.status, card.part) == ("fail", "card reader")
    assert "pcscd" in card.value
    assert "systemctl start pcscd.socket" in (card.remedy or "")


# --- the command line ---------------------------------------------------------------------------------------


@pytest.fixture
def kiosk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("KIOSK_HOME", str(home))
    return home


def test_command_line_json_and_receipt(
    pcscd: PcscdHandle, service: RunningService, kiosk_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["selftest", "--config", str(service.paths.kiosk_config), "--simulator", "--json", "--print"])
    document = json.loads(capsys.readouterr().out)
    names = [check["name"] for check in document["checks"]]
    assert names == ["card_reader", "scanner", "printer", "speech", "service_tls", "service_ping", "clock", "disk",
                     "journal"]
    assert document["printed"] is True
    by_name = {check["name"]: check for check in document["checks"]}
    for name in ("scanner", "printer", "service_tls", "service_ping", "journal"):
        assert by_name[name]["status"] == "ok", by_name[name]
    # The configured vpcd slot may hold another test's card or none: the reader is there either way.
    assert by_name["card_reader"]["status"] in ("ok", "warn")
    assert status == (0 if document["passed"] else 1)
    printed = list((kiosk_home / "sim" / "printer").glob("*-selftest_report.pdf"))
    assert len(printed) == 1


def test_command_line_service_away_exits_1(
    service: RunningService, kiosk_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    document = json.loads(service.paths.kiosk_config.read_text())
    document["service"]["base_url"] = f"https://127.0.0.1:{port}"
    config = service.paths.root / f"selftest-away-{port}.json"  # beside the original: relative paths still hold
    config.write_text(json.dumps(document))
    try:
        status = main(["selftest", "--config", str(config), "--simulator"])
    finally:
        config.unlink()
    out = capsys.readouterr().out
    assert status == 1
    assert re.search(r"^FAIL  Service TLS +cannot connect to 127\.0\.0\.1:\d+ \(connection refused\)$", out, re.M)
    assert "FAIL: network link to the service: Check the network cable" in out
    assert out.rstrip().splitlines()[-1].startswith("FAILED: 2 check(s) failed")


def test_command_line_without_configuration(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["selftest", "--config", str(tmp_path / "missing.json")])
    assert status == 2
    assert "no configuration at" in capsys.readouterr().err

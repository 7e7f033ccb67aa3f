"""The Prometheus endpoint, scraped over real HTTP and parsed with prometheus-client's own parser: health,
outbox depth from a real journal, service latency and errors from real calls to the simulated service, card
reads; no personal data in any label."""

from __future__ import annotations

import datetime as dt
import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client.parser import text_string_to_metric_families
from support.egov import RunningService

from drivers.keystore import KeyStore
from drivers.keystore.keyfile import FileKeyStore
from kiosk.core.iin import Iin, make_iin
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.egov.errors import (
    MalformedResponse,
    ResponseNotTrusted,
    ServiceError,
    ServiceRejected,
    ServiceTimeout,
    ServiceUnavailable,
    ServiceUnreachable,
)
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import Outbox, TemporaryRegistrationRequest
from kiosk.journal.secret import load_or_create_secret
from kiosk.metrics import (
    CARD_READ_OUTCOMES,
    SERVICE_OPERATIONS,
    KioskMetrics,
    MetricsServer,
    MetricsSettings,
    ServiceCallMeter,
    count_pending_outbox_items,
    error_kind,
    start_metrics_server,
)
from kiosk.wiring import open_device_key

QUICK = RetryPolicy(attempts=1, connect_timeout=1.0, read_timeout=2.0, deadline=3.0, backoff=0.05)
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(server: MetricsServer) -> Samples:
    """GET /metrics over HTTP and parse the exposition text into {(sample name, labels): value}."""
    with urllib.request.urlopen(server.url, timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode("utf-8")
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def raw_scrape(server: MetricsServer) -> str:
    with urllib.request.urlopen(server.url, timeout=5) as response:
        return response.read().decode("utf-8")


@pytest.fixture
def served() -> Iterator[tuple[KioskMetrics, MetricsServer]]:
    metrics = KioskMetrics(station=101)
    server = start_metrics_server(metrics, MetricsSettings(port=0))
    yield metrics, server
    server.close()


def client_for(service: RunningService, signer: KeyStore, *, base_url: str | None = None) -> EgovClient:
    config = service.config
    return EgovClient(
        base_url=base_url or config.service.base_url,
        signer=signer,
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=QUICK,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def a_voter_iin() -> Iin:
    iin = make_iin(dt.date(1987, 4, 12), "female", 1234)
    assert iin is not None
    return iin


def test_fresh_endpoint_serves_every_series_on_loopback(served: tuple[KioskMetrics, MetricsServer]) -> None:
    _metrics, server = served
    assert server.server.server_address[0] == "127.0.0.1"
    samples = scrape(server)
    assert samples[("kiosk_service_up", ())] == 0
    assert samples[("kiosk_service_last_successful_ping_timestamp_seconds", ())] == 0
    assert samples[("kiosk_station_info", (("station", "101"),))] == 1
    for operation in SERVICE_OPERATIONS:
        assert samples[("kiosk_service_request_duration_seconds_count", (("operation", operation),))] == 0
    for outcome in CARD_READ_OUTCOMES:
        assert samples[("kiosk_card_reads_total", (("outcome", outcome),))] == 0
    assert not any(name.startswith("kiosk_outbox") for name, _ in samples)  # no outbox given


def test_latency_lands_in_the_right_bucket(served: tuple[KioskMetrics, MetricsServer]) -> None:
    metrics, server = served
    ticks = iter([10.0, 10.3, 20.0, 27.0])
    meter = ServiceCallMeter(metrics, clock=lambda: next(ticks))
    assert meter.call("station_info", lambda: "answer") == "answer"
    with pytest.raises(ServiceTimeout), meter.measure("registration_check"):
        raise ServiceTimeout("no answer within the time allowed")
    samples = scrape(server)
    station_info = (("operation", "station_info"),)
    assert samples[("kiosk_service_request_duration_seconds_count", station_info)] == 1
    assert samples[("kiosk_service_request_duration_seconds_sum", station_info)] == pytest.approx(0.3)
    assert samples[("kiosk_service_request_duration_seconds_bucket", (("le", "0.25"), *station_info))] == 0
    assert samples[("kiosk_service_request_duration_seconds_bucket", (("le", "0.5"), *station_info))] == 1
    check = (("le", "5.0"), ("operation", "registration_check"))
    assert samples[("kiosk_service_request_duration_seconds_bucket", check)] == 0
    assert samples[("kiosk_service_request_duration_seconds_bucket", (("le", "10.0"), check[1]))] == 1
    assert samples[("kiosk_service_errors_total", (("kind", "timeout"), ("operation", "registration_check")))] == 1
    assert samples[("kiosk_service_up", ())] == 0


def test_signed_ping_against_the_simulated_service(
    service: RunningService, served: tuple[KioskMetrics, MetricsServer]
) -> None:
    metrics, server = served
    meter = ServiceCallMeter(metrics)
    client = client_for(service, open_device_key(service.config))
    before = time.time()
    try:
        assert meter.ping(client) is True
    finally:
        client.close()
    samples = scrape(server)
    assert samples[("kiosk_service_up", ())] == 1
    assert before <= samples[("kiosk_service_last_successful_ping_timestamp_seconds", ())] <= time.time()
    assert samples[("kiosk_service_request_duration_seconds_count", (("operation", "health"),))] == 1


def test_unreachable_service_counts_an_error_and_goes_down(
    service: RunningService, served: tuple[KioskMetrics, MetricsServer]
) -> None:
    metrics, server = served
    meter = ServiceCallMeter(metrics)
    metrics.service_up.set(1)
    client = client_for(service, open_device_key(service.config), base_url=f"https://127.0.0.1:{closed_port()}")
    try:
        assert meter.ping(client) is False
    finally:
        client.close()
    samples = scrape(server)
    assert samples[("kiosk_service_up", ())] == 0
    assert samples[("kiosk_service_errors_total", (("kind", "unreachable"), ("operation", "health")))] == 1
    assert samples[("kiosk_service_last_successful_ping_timestamp_seconds", ())] == 0


def test_unenrolled_device_is_a_refusal_and_the_service_stays_up(
    service: RunningService, served: tuple[KioskMetrics, MetricsServer]
) -> None:
    metrics, server = served
    meter = ServiceCallMeter(metrics)
    stranger = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    client = client_for(service, stranger)
    try:
        assert meter.ping(client) is False
        with pytest.raises(ServiceRejected):
            meter.call("registration_check", client.registration_check, a_voter_iin())
    finally:
        client.close()
    samples = scrape(server)
    assert samples[("kiosk_service_up", ())] == 1
    assert samples[("kiosk_service_errors_total", (("kind", "rejected"), ("operation", "health")))] == 1
    assert samples[("kiosk_service_errors_total", (("kind", "rejected"), ("operation", "registration_check")))] == 1


def test_no_personal_data_reaches_the_endpoint(
    service: RunningService, served: tuple[KioskMetrics, MetricsServer]
) -> None:
    metrics, server = served
    meter = ServiceCallMeter(metrics)
    client = client_for(service, open_device_key(service.config))
    iin = a_voter_iin()
    try:
        meter.call("registration_check", client.registration_check, iin)
    finally:
        client.close()
    metrics.record_card_read("ok")
    text = raw_scrape(server)
    assert iin.value not in text
    assert 'kiosk_card_reads_total{outcome="ok"} 1.0' in text
    with pytest.raises(ValueError, match="not a known card read outcome"):
        metrics.record_card_read(iin.value)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not a known service operation"):
        metrics.record_service_success("lookup " + iin.value, 0.1)  # type: ignore[arg-type]
    assert iin.value not in raw_scrape(server)


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ServiceTimeout("t"), "timeout"),
        (ServiceUnreachable("u"), "unreachable"),
        (ServiceUnavailable("s", http_status=503), "unavailable"),
        (ResponseNotTrusted("n", reason="bad_signature"), "not_trusted"),
        (ServiceRejected("r", http_status=409, reason="already_listed"), "rejected"),
        (MalformedResponse("m"), "malformed"),
        (ServiceError("e"), "other"),
    ],
)
def test_error_kinds_come_from_the_typed_errors(error: ServiceError, kind: str) -> None:
    assert error_kind(error) == kind


def test_outbox_depth_is_read_at_scrape_time(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal" / "journal.sqlite3"
    metrics = KioskMetrics(outbox_depth=lambda: count_pending_outbox_items(journal_path))
    server = start_metrics_server(metrics, MetricsSettings(port=0))
    try:
        samples = scrape(server)  # no journal yet
        assert samples[("kiosk_outbox_readable", ())] == 0
        assert ("kiosk_outbox_pending_items", ()) not in samples

        key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
        journal = Journal.open(journal_path, signer=key, secret=load_or_create_secret(tmp_path / "secret"))
        try:
            outbox = Outbox(journal)
            samples = scrape(server)
            assert samples[("kiosk_outbox_readable", ())] == 1
            assert samples[("kiosk_outbox_pending_items", ())] == 0
            iin = a_voter_iin()
            for number in ("N01", "N02", "N03"):
                outbox.enqueue(TemporaryRegistrationRequest(iin, "id_card", number))
            assert scrape(server)[("kiosk_outbox_pending_items", ())] == 3
            assert iin.value not in raw_scrape(server)
        finally:
            journal.close()
    finally:
        server.close()


def test_counting_does_not_write_to_the_journal(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    key = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    journal = Journal.open(journal_path, signer=key, secret=load_or_create_secret(tmp_path / "secret"))
    Outbox(journal).enqueue(TemporaryRegistrationRequest(a_voter_iin(), "id_card", "N01"))
    journal.close()
    journal_path.chmod(0o444)
    before = journal_path.read_bytes()
    assert count_pending_outbox_items(journal_path) == 1
    assert journal_path.read_bytes() == before


def test_a_damaged_journal_is_reported_not_raised(tmp_path: Path) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    journal_path.write_bytes(b"this is not a database" * 100)
    metrics = KioskMetrics(outbox_depth=lambda: count_pending_outbox_items(journal_path))
    server = start_metrics_server(metrics, MetricsSettings(port=0))
    try:
        assert scrape(server)[("kiosk_outbox_readable", ())] == 0
    finally:
        server.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "kiosk.example"])
def test_only_loopback_unless_asked(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        MetricsSettings(host=host)
    assert MetricsSettings(host=host, allow_remote=True).host == host


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.53"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    assert MetricsSettings(host=host).host == host


@pytest.mark.parametrize("port", [-1, 65536])
def test_port_out_of_range(port: int) -> None:
    with pytest.raises(ValueError, match="port"):
        MetricsSettings(port=port)


def test_two_kiosks_in_one_process_keep_their_own_numbers() -> None:
    first, second = KioskMetrics(), KioskMetrics()
    first.record_card_read("removed")
    assert b'kiosk_card_reads_total{outcome="removed"} 1.0' in first.exposition()
    assert b'kiosk_card_reads_total{outcome="removed"} 0.0' in second.exposition()

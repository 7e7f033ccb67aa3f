"""The kiosk's Prometheus endpoint: health, outbox depth, service latency and errors, card reads.

A regional operator scrapes every kiosk with the monitoring they already run (issue 6, item 6). Every label
value comes from a closed set declared here (an operation name, an error kind, a card-read outcome), so no
IIN, name, address or reference can ever reach a label: an unknown value is a programming error
(``ValueError``), not a new time series.

The service client is not edited for this: :class:`ServiceCallMeter` wraps the caller's calls
(``meter.call("registration_check", client.registration_check, iin)``) and records how long each took and,
on failure, the kind of the typed error. The outbox depth is read at scrape time, read-only, from the
journal file (:func:`count_pending_outbox_items`).

The endpoint listens on loopback by default (:data:`DEFAULT_METRICS_HOST`, :data:`DEFAULT_METRICS_PORT`); a
station publishes it further only through a deliberate choice (``allow_remote=True``), e.g. behind the
regional VPN.
"""

from __future__ import annotations

import ipaddress
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar, get_args
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kiosk.egov.client import Health
from kiosk.egov.errors import (
    MalformedResponse,
    ResponseNotTrusted,
    ServiceError,
    ServiceRejected,
    ServiceTimeout,
    ServiceUnavailable,
    ServiceUnreachable,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Label = TypeVar("Label", bound=str)

DEFAULT_METRICS_HOST = "127.0.0.1"
DEFAULT_METRICS_PORT = 9464
"""The kiosk's default scrape port; configurable, and only on loopback unless the station says otherwise."""

ServiceOperation = Literal[
    "health",
    "registration_check",
    "temporary_registration",
    "list_decision",
    "digital_document",
    "station_info",
]
"""The service calls that are measured (``EgovClient``'s public methods)."""

ServiceErrorKind = Literal["timeout", "unreachable", "unavailable", "not_trusted", "rejected", "malformed", "other"]
"""What went wrong with a service call, from the client's typed errors (``kiosk.egov.errors``)."""

CardReadOutcome = Literal["ok", "no_card", "removed", "unreadable", "not_verified", "reader_error"]
"""How a document read ended: read and verified; no card; pulled out mid-read; the card's data could not be
read; read but a verification (chain, signature, hashes) failed; the reader or its service failed."""

SERVICE_OPERATIONS: tuple[ServiceOperation, ...] = get_args(ServiceOperation)
SERVICE_ERROR_KINDS: tuple[ServiceErrorKind, ...] = get_args(ServiceErrorKind)
CARD_READ_OUTCOMES: tuple[CardReadOutcome, ...] = get_args(CardReadOutcome)

# Service round trips on loopback take milliseconds; over a station's uplink up to the client's 15 s deadline.
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)

# The most specific class first: ServiceTimeout is a ServiceUnreachable.
_ERROR_KINDS: tuple[tuple[type[ServiceError], ServiceErrorKind], ...] = (
    (ServiceTimeout, "timeout"),
    (ServiceUnreachable, "unreachable"),
    (ServiceUnavailable, "unavailable"),
    (ResponseNotTrusted, "not_trusted"),
    (ServiceRejected, "rejected"),
    (MalformedResponse, "malformed"),
)

# A refusal is a trusted, signed answer: the service is up, it only said no.
_KINDS_THAT_KEEP_UP: frozenset[ServiceErrorKind] = frozenset({"rejected"})


def error_kind(error: ServiceError) -> ServiceErrorKind:
    """The label value for a typed service error."""
    for error_class, kind in _ERROR_KINDS:
        if isinstance(error, error_class):
            return kind
    return "other"


def _checked(value: Label, allowed: tuple[Label, ...], what: str) -> Label:
    if value not in allowed:
        raise ValueError(f"{value!r} is not a known {what} ({', '.join(allowed)})")
    return value


def count_pending_outbox_items(journal_path: Path) -> int:
    """How many outbox items wait to be sent, read from the journal file without writing to it.

    ``sqlite3.Error`` or ``OSError`` propagate: the caller decides what an unreadable file means.
    """
    if not journal_path.exists():
        raise FileNotFoundError(journal_path)
    connection = sqlite3.connect(f"file:{journal_path}?mode=ro", uri=True, isolation_level=None, timeout=2.0)
    try:
        row = connection.execute("SELECT COUNT(*) FROM outbox WHERE state = 'pending'").fetchone()
    finally:
        connection.close()
    return int(row[0])


class _OutboxCollector(Collector):
    """Reads the outbox depth at scrape time; an unreadable journal shows as ``kiosk_outbox_readable 0``."""

    def __init__(self, depth: Callable[[], int]) -> None:
        self._depth = depth

    def collect(self) -> Iterable[Metric]:
        try:
            depth: int | None = self._depth()
        except (sqlite3.Error, OSError) as error:
            log.warning("the outbox depth cannot be read (%s)", type(error).__name__)
            depth = None
        readable = GaugeMetricFamily("kiosk_outbox_readable", "1 when the outbox could be read for this scrape")
        readable.add_metric([], 0.0 if depth is None else 1.0)
        yield readable
        if depth is not None:
            yield GaugeMetricFamily(
                "kiosk_outbox_pending_items",
                "Registrations and decisions written to the outbox and not yet confirmed by the service",
                value=float(depth),
            )


class KioskMetrics:
    """The kiosk's metrics in their own registry (so several kiosks can live in one test process).

    ``outbox_depth`` is called at each scrape (e.g. ``lambda: count_pending_outbox_items(path)``); None leaves
    the outbox metrics out.
    """

    def __init__(self, *, outbox_depth: Callable[[], int] | None = None, station: int | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.service_up = Gauge(
            "kiosk_service_up",
            "1 when the last call to the service got a trusted answer, 0 when it did not",
            registry=self.registry,
        )
        self.last_successful_ping = Gauge(
            "kiosk_service_last_successful_ping_timestamp_seconds",
            "When a signed ping last succeeded with this device recognised (Unix time)",
            registry=self.registry,
        )
        self.service_latency = Histogram(
            "kiosk_service_request_duration_seconds",
            "Time for one call to the service, retries included, by operation",
            labelnames=("operation",),
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.service_errors = Counter(
            "kiosk_service_errors",
            "Calls to the service that ended without a usable answer, by operation and kind of error",
            labelnames=("operation", "kind"),
            registry=self.registry,
        )
        self.card_reads = Counter(
            "kiosk_card_reads",
            "Identity document reads from the card reader, by outcome",
            labelnames=("outcome",),
            registry=self.registry,
        )
        if station is not None:
            # The station number is public (it is printed on the door), and lets one dashboard group kiosks.
            info = Gauge("kiosk_station_info", "The station this kiosk serves", ("station",), registry=self.registry)
            info.labels(station=str(int(station))).set(1)
        for operation in SERVICE_OPERATIONS:  # every series exists from the start, at zero
            self.service_latency.labels(operation=operation)
        for outcome in CARD_READ_OUTCOMES:
            self.card_reads.labels(outcome=outcome)
        if outbox_depth is not None:
            self.registry.register(_OutboxCollector(outbox_depth))

    def record_service_success(self, operation: ServiceOperation, seconds: float) -> None:
        """A call that got a trusted, usable answer after ``seconds``."""
        operation = _checked(operation, SERVICE_OPERATIONS, "service operation")
        self.service_latency.labels(operation=operation).observe(seconds)
        self.service_up.set(1)
        if operation == "health":
            self.last_successful_ping.set(time.time())

    def record_service_error(self, operation: ServiceOperation, kind: ServiceErrorKind, seconds: float) -> None:
        """A call that failed with an error of ``kind`` after ``seconds``."""
        operation = _checked(operation, SERVICE_OPERATIONS, "service operation")
        kind = _checked(kind, SERVICE_ERROR_KINDS, "service error kind")
        self.service_latency.labels(operation=operation).observe(seconds)
        self.service_errors.labels(operation=operation, kind=kind).inc()
        self.service_up.set(1 if kind in _KINDS_THAT_KEEP_UP else 0)

    def record_card_read(self, outcome: CardReadOutcome) -> None:
        """One document read from the card reader ended with ``outcome``."""
        self.card_reads.labels(outcome=_checked(outcome, CARD_READ_OUTCOMES, "card read outcome")).inc()

    def exposition(self) -> bytes:
        """The current metrics in the Prometheus text format (what a scrape returns)."""
        return generate_latest(self.registry)


class PingableService(Protocol):
    """What :meth:`ServiceCallMeter.ping` needs: ``EgovClient.health``."""

    def health(self) -> Health:
        """A signed ping."""
        ...


class ServiceCallMeter:
    """The hook the service client's caller measures calls with; the client itself stays as it is.

    ``call`` runs a client method and records its latency and outcome; a :class:`ServiceError` is recorded
    by kind and raised again unchanged. A signed ping with the device not recognised counts as a failed
    ping (the service is up, the ping time is not advanced).
    """

    def __init__(self, metrics: KioskMetrics, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.metrics = metrics
        self._clock = clock

    @contextmanager
    def measure(self, operation: ServiceOperation) -> Iterator[None]:
        """Measure the block as one call of ``operation``."""
        started = self._clock()
        try:
            yield
        except ServiceError as error:
            self.metrics.record_service_error(operation, error_kind(error), self._clock() - started)
            raise
        self.metrics.record_service_success(operation, self._clock() - started)

    def call(self, operation: ServiceOperation, function: Callable[..., T], *args: object, **kwargs: object) -> T:
        """``function(*args, **kwargs)`` measured as one call of ``operation``."""
        with self.measure(operation):
            return function(*args, **kwargs)

    def ping(self, client: PingableService) -> bool:
        """A signed ping through ``client.health()``; True when the service answered and knew this device."""
        started = self._clock()
        try:
            health = client.health()
        except ServiceError as error:
            self.metrics.record_service_error("health", error_kind(error), self._clock() - started)
            return False
        if not health.device_recognised:
            self.metrics.record_service_error("health", "rejected", self._clock() - started)
            return False
        self.metrics.record_service_success("health", self._clock() - started)
        return True


@dataclass(frozen=True, slots=True)
class MetricsSettings:
    """Where the endpoint listens; anything but loopback needs ``allow_remote``."""

    host: str = DEFAULT_METRICS_HOST
    port: int = DEFAULT_METRICS_PORT
    allow_remote: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ValueError("the metrics port must be between 0 and 65535")
        if not self.allow_remote and not _is_loopback(self.host):
            raise ValueError("the metrics endpoint listens on loopback unless allow_remote is set")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class MetricsServer:
    """A running endpoint (prometheus-client's HTTP server in a daemon thread); ``close`` stops it."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        """The port it listens on (the chosen one when port 0 was asked for)."""
        return int(self.server.server_port)

    @property
    def url(self) -> str:
        """The scrape URL."""
        host = str(self.server.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and wait for the thread (idempotent)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_metrics_server(metrics: KioskMetrics, settings: MetricsSettings | None = None) -> MetricsServer:
    """Serve ``metrics`` at ``/metrics`` on the configured address (loopback, port 9464, by default)."""
    settings = settings or MetricsSettings()
    server, thread = start_http_server(settings.port, addr=settings.host, registry=metrics.registry)
    return MetricsServer(server, thread)

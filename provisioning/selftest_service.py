"""Self-test checks of the link to the government service: TLS, the signed ping, and the clock.

- TLS: a handshake with the service whose certificate must chain to the configured CA file (not the system
  store), and an unsigned ``GET /v1/health`` over it for the service's time, used only as a fallback clock
  reading when the signed ping is refused (a skewed clock is one reason it would be).
- Signed ping: ``EgovClient.health()``, signed with the device key and answered with the pinned service
  key's signature; the service must recognise the device.
- Clock: the kiosk's clock against the service's (DESIGN.md section 6: a request whose ``created`` is more
  than ``CREATED_WINDOW`` from the service's clock is refused).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from drivers.errors import DriverError
from kiosk.egov.client import EgovClient
from kiosk.egov.errors import ResponseNotTrusted, ServiceError, ServiceRejected, ServiceUnreachable
from kiosk.egov.signatures import CREATED_WINDOW
from kiosk.errors import KioskError
from provisioning.selftest import CheckResult, fail, ok, warn

CLOCK_WARN_SECONDS = 5.0
CLOCK_FAIL_SECONDS = CREATED_WINDOW.total_seconds()  # beyond it every signed request is refused
SERVICE_TIME_RESOLUTION = 1.0  # the service states its time in whole seconds
TLS_TIMEOUT = 5.0
CERTIFICATE_WARN_DAYS = 14
MAX_HEALTH_BYTES = 16 * 1024

PART_NETWORK = "network link to the service"
PART_SERVICE = "government service"
PART_DEVICE_KEY = "device key"
PART_CLOCK = "clock"

ClockSource = Literal["signed", "unsigned"]


@dataclass(frozen=True, slots=True)
class ClockReading:
    """The service's time and the kiosk's own time at the middle of the exchange that brought it."""

    service_time: dt.datetime
    local_time: dt.datetime
    source: ClockSource


@dataclass(frozen=True, slots=True)
class ServiceProbe:
    """What the service checks found: their results and the best clock reading (signed if possible)."""

    tls: CheckResult
    ping: CheckResult
    clock: ClockReading | None


def probe_service(
    *,
    base_url: str,
    ca_file: str,
    open_client: Callable[[], EgovClient],
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> ServiceProbe:
    """Check TLS, then the signed ping; keep a clock reading from whichever gave one (the signed first)."""
    tls, unsigned_clock = check_tls(base_url, ca_file, now=now)
    ping, signed_clock = check_signed_ping(open_client, now=now)
    return ServiceProbe(tls, ping, signed_clock or unsigned_clock)


def check_tls(
    base_url: str, ca_file: str, *, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
) -> tuple[CheckResult, ClockReading | None]:
    """A TLS handshake verified against ``ca_file`` only, and the service's (unsigned) time."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "", parts.port or 443
    where = f"{host}:{port}"
    try:
        context = ssl.create_default_context(cafile=ca_file)
    except (OSError, ssl.SSLError):
        return fail("service_tls", f"the configured CA file cannot be read ({ca_file})", part=PART_SERVICE,
                    remedy="Check 'service.ca_file' in the kiosk configuration"), None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    connection = http.client.HTTPSConnection(host, port, context=context, timeout=TLS_TIMEOUT)
    try:
        before = now()
        connection.request("GET", "/v1/health", headers={"Accept": "application/json"})
        response = connection.getresponse()
        body = response.read(MAX_HEALTH_BYTES)
        after = now()
        tls_socket = connection.sock
        version = tls_socket.version() if isinstance(tls_socket, ssl.SSLSocket) else None
        certificate = tls_socket.getpeercert() if isinstance(tls_socket, ssl.SSLSocket) else None
    except ssl.SSLCertVerificationError as error:
        return fail("service_tls", f"{where}: the certificate does not chain to the configured CA "
                    f"({error.verify_message})", part=PART_SERVICE,
                    remedy="Check 'service.ca_file' and 'service.base_url'; a network that intercepts TLS "
                           "must not be used"), None
    except ssl.SSLError as error:
        return fail("service_tls", f"{where}: TLS failed ({error.reason or type(error).__name__})",
                    part=PART_SERVICE, remedy="Check 'service.base_url' points at the service's HTTPS port"), None
    except (OSError, http.client.HTTPException) as error:
        return fail("service_tls", f"cannot connect to {where} ({_network_reason(error)})", part=PART_NETWORK,
                    remedy="Check the network cable or modem and that 'service.base_url' is right"), None
    finally:
        connection.close()
    expiry = _certificate_expiry(certificate)
    clock = _unsigned_clock(body, before, after)
    value = f"{version or 'TLS'} to {where}, certificate chains to the configured CA"
    if expiry is not None:
        days = (expiry - after).days
        value += f", valid until {expiry.date().isoformat()}"
        if days < CERTIFICATE_WARN_DAYS:
            return warn("service_tls", value, part=PART_SERVICE,
                        remedy=f"The service's certificate expires in {days} day(s): tell the service operator"), clock
    return ok("service_tls", value), clock


def check_signed_ping(
    open_client: Callable[[], EgovClient], *, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
) -> tuple[CheckResult, ClockReading | None]:
    """``health()`` signed with the device key, answered and signed by the pinned service key, device known."""
    try:
        client = open_client()
    except (KioskError, DriverError) as error:
        message = error.message if isinstance(error, KioskError) else str(error)
        return fail("service_ping", f"the device key cannot be used ({message})", part=PART_DEVICE_KEY,
                    remedy="Check 'device_key' in the configuration (token present, PIN file readable), or run "
                           "kiosk-provision init"), None
    try:
        before, started = now(), time.monotonic()
        try:
            health = client.health()
        finally:
            elapsed, after = time.monotonic() - started, now()
    except ServiceRejected as error:
        return _refused(error), None
    except ResponseNotTrusted:
        return fail("service_ping", "the answer is not signed by the pinned service key", part=PART_SERVICE,
                    remedy="Check 'service.service_keys' in the configuration against the service's published "
                           "keys; never accept an unsigned service"), None
    except ServiceUnreachable as error:
        return fail("service_ping", f"no answer ({error.message})", part=PART_NETWORK,
                    remedy="Check the network link and that the service is running"), None
    except ServiceError as error:
        return fail("service_ping", error.message, part=PART_SERVICE,
                    remedy="Try again in a minute; if it repeats, tell the service operator"), None
    finally:
        client.close()
    service_time = _parse_time(health.service_time)
    clock = None if service_time is None else ClockReading(service_time, before + (after - before) / 2, "signed")
    if not health.device_recognised:
        return fail("service_ping", "the service answered but did not recognise this device", part=PART_DEVICE_KEY,
                    remedy="Enroll the device: kiosk-provision enroll"), clock
    return ok("service_ping", f"signed ping answered in {elapsed * 1000:.0f} ms, device recognised"), clock


def check_clock(reading: ClockReading | None) -> CheckResult:
    """The kiosk's clock against the service's: warn beyond 5 s, fail beyond the signature window (30 s)."""
    if reading is None:
        return warn("clock", "not checked: the service gave no time", part=PART_CLOCK,
                    remedy="Fix the link to the service, then run the self-test again")
    # The service's whole-second time stands for the second that follows it: compare with its middle.
    middle = reading.service_time + dt.timedelta(seconds=SERVICE_TIME_RESOLUTION / 2)
    skew = (reading.local_time - middle).total_seconds()
    direction = "ahead of" if skew > 0 else "behind"
    value = f"kiosk clock {abs(skew):.1f} s {direction} the service"
    if reading.source == "unsigned":
        value += " (from an unsigned answer)"
    remedy = (f"Set the clock: turn on time synchronisation (timedatectl set-ntp true); signed requests more than "
              f"{CLOCK_FAIL_SECONDS:.0f} s off are refused")
    if abs(skew) > CLOCK_FAIL_SECONDS:
        return fail("clock", value, part=PART_CLOCK, remedy=remedy)
    if abs(skew) > CLOCK_WARN_SECONDS:
        return warn("clock", value, part=PART_CLOCK, remedy=remedy)
    return ok("clock", value)


def _refused(error: ServiceRejected) -> CheckResult:
    if error.reason in ("unknown_key", "revoked_key"):
        return fail("service_ping", f"the service does not accept this device's key ({error.reason})",
                    part=PART_DEVICE_KEY, remedy="Enroll the device: kiosk-provision enroll")
    if error.reason == "stale_created":
        return fail("service_ping", "the service refused the request's time (stale_created)", part=PART_CLOCK,
                    remedy="Set the clock (see the clock check), then run the self-test again")
    return fail("service_ping", f"the service refused the signed ping ({error.http_status}, {error.reason})",
                part=PART_SERVICE, remedy="Check the device key and the configuration; tell the service operator")


def _parse_time(text: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _unsigned_clock(body: bytes, before: dt.datetime, after: dt.datetime) -> ClockReading | None:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    text = data.get("time") if isinstance(data, dict) else None
    service_time = _parse_time(text) if isinstance(text, str) else None
    return None if service_time is None else ClockReading(service_time, before + (after - before) / 2, "unsigned")


def _certificate_expiry(certificate: object) -> dt.datetime | None:
    not_after = certificate.get("notAfter") if isinstance(certificate, dict) else None
    if not isinstance(not_after, str):
        return None
    return dt.datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), dt.UTC)


def _network_reason(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, socket.timeout | TimeoutError):
        return "timed out"
    if isinstance(error, socket.gaierror):
        return "name not found"
    return type(error).__name__

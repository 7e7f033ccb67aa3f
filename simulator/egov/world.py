"""The simulated service's state directory, and running the server.

``prepare`` makes, once, everything the simulated service and a simulated kiosk need: a test CA and server
certificate, the service's signing key, the card issuers (``simulator.cards.world``: the simulator national PKI
and the eMRTD issuer, whose certificates the kiosk configuration trusts), a seeded population, a kiosk device
key enrolled for a station, and a control token. ``serve`` runs the HTTPS server and then writes the kiosk
configuration that points at it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from drivers.keystore.keyfile import FileKeyStore
from kiosk.documents.id_card_profile import SIMULATOR_PROFILE
from simulator.cards.vpcd import VPCD_READER_PREFIX
from simulator.cards.world import CardIssuerPaths, prepare_card_issuers
from simulator.egov.digital_documents import DocumentIssuerKey
from simulator.egov.population import generate_population
from simulator.egov.registry import Registry
from simulator.egov.server import ServiceKey, ServiceState, make_app, server_ssl_context
from simulator.egov.tls import write_test_pki

log = logging.getLogger(__name__)

DEFAULT_SEED = 2026
DEFAULT_VOTERS = 5000
DEFAULT_STATIONS = 40


@dataclass(frozen=True, slots=True)
class SimulatorPaths:
    """The files of one simulated world, all under ``root``."""

    root: Path

    @property
    def tls(self) -> Path:
        """Directory of the test CA and the server certificate."""
        return self.root / "tls"

    @property
    def ca(self) -> Path:
        """The test CA certificate the kiosk trusts."""
        return self.tls / "ca.pem"

    @property
    def service_key(self) -> Path:
        """The service's response-signing key."""
        return self.root / "service-key.pem"

    @property
    def document_issuer_key(self) -> Path:
        """The digital-documents issuer's signing key (separate from the service key)."""
        return self.root / "document-issuer-key.pem"

    @property
    def database(self) -> Path:
        """The registry (SQLite)."""
        return self.root / "registry.sqlite"

    @property
    def device_key(self) -> Path:
        """The simulated kiosk's device key (encrypted PKCS#8)."""
        return self.root / "device-key.pem"

    @property
    def device_passphrase(self) -> Path:
        """The passphrase of the simulated kiosk's key (simulator only)."""
        return self.root / "device-key.pass"

    @property
    def control_token(self) -> Path:
        """The token that unlocks the fault-injection endpoint."""
        return self.root / "control-token"

    @property
    def kiosk_config(self) -> Path:
        """The kiosk configuration written once the server listens."""
        return self.root / "kiosk.json"


def prepare(
    root: Path,
    *,
    seed: int = DEFAULT_SEED,
    voters: int = DEFAULT_VOTERS,
    stations: int = DEFAULT_STATIONS,
    station: int | None = None,
) -> tuple[SimulatorPaths, int]:
    """Create what is missing under ``root``; return the paths and the kiosk's station number."""
    paths = SimulatorPaths(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    if not paths.ca.exists():
        write_test_pki(paths.tls)
    ServiceKey.load_or_create(paths.service_key)
    DocumentIssuerKey.load_or_create(paths.document_issuer_key)
    prepare_card_issuers(root)
    if not paths.database.exists():
        log.info("generating a population of %d voters at %d stations (seed %d)", voters, stations, seed)
        generate_population(paths.database, seed=seed, voters=voters, stations=stations)
    if not paths.control_token.exists():
        paths.control_token.write_text(secrets.token_urlsafe(24))
        paths.control_token.chmod(0o600)
    if not paths.device_passphrase.exists():
        paths.device_passphrase.write_text(secrets.token_urlsafe(24))
        paths.device_passphrase.chmod(0o600)
    passphrase = paths.device_passphrase.read_bytes().strip()
    if paths.device_key.exists():
        device = FileKeyStore.open(paths.device_key, passphrase)
    else:
        device = FileKeyStore.create(paths.device_key, passphrase)
    registry = Registry(paths.database)
    try:
        chosen = station if station is not None else registry.station_numbers()[0]
        if registry.station(chosen) is None:
            raise ValueError(f"station {chosen} is not in the population")
        registry.enroll_device(device.public_key(), device.key_id, chosen)
    finally:
        registry.close()
    return paths, chosen


def write_kiosk_config(paths: SimulatorPaths, *, base_url: str, station: int) -> None:
    """Write the kiosk configuration for the running server (atomically)."""
    service_key = ServiceKey.load_or_create(paths.service_key)
    issuer = DocumentIssuerKey.load_or_create(paths.document_issuer_key)
    card_issuers = CardIssuerPaths(paths.root)
    config = {
        "station": station,
        "service": {
            "base_url": base_url,
            "ca_file": str(paths.ca.relative_to(paths.root)),
            "service_keys": {service_key.key_id: service_key.public_pem()},
        },
        "device_key": {
            "kind": "keyfile",
            "path": paths.device_key.name,
            "passphrase_file": paths.device_passphrase.name,
        },
        "document_issuers": {issuer.key_id: issuer.public_pem()},
        "trust": {
            "national_ca_roots": _relative(card_issuers.national_ca_roots, paths.root),
            "national_ca_intermediates": _relative(card_issuers.national_ca_intermediates, paths.root),
            "csca_certificates": _relative(card_issuers.csca_certificates, paths.root),
        },
        "id_card_profile": {"name": SIMULATOR_PROFILE.name},
        "card_reader": {"kind": "pcsc", "reader_prefix": VPCD_READER_PREFIX},
    }
    temporary = paths.kiosk_config.with_suffix(".tmp")
    temporary.write_text(json.dumps(config, indent=2))
    temporary.replace(paths.kiosk_config)


def _relative(files: tuple[Path, ...], root: Path) -> list[str]:
    return [str(path.relative_to(root)) for path in files]


def listening_socket(host: str, port: int) -> socket.socket:
    """A bound, listening TCP socket on loopback (``port`` 0 picks a free one)."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("the simulated service listens on loopback only")
    family = socket.AF_INET6 if host == "::1" else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(1024)
    return listener


def serve(
    paths: SimulatorPaths,
    *,
    station: int,
    host: str = "127.0.0.1",
    port: int = 8443,
    workers: int = 1,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM with ``workers`` processes sharing one listening socket.

    Each worker has its own event loop and database connection; SQLite (WAL) keeps nonces, registrations
    and decisions consistent between them. Injected faults are per worker: use one worker for fault tests.
    """
    import uvloop  # noqa: PLC0415  (a faster event loop for the simulated service)

    listener = listening_socket(host, port)
    base_url = f"https://{host}:{listener.getsockname()[1]}"
    children = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:  # a worker: serve, then leave without running the parent's clean-up
            try:
                uvloop.run(_serve_socket(paths, listener, on_listening=None))
            finally:
                os._exit(0)
        children.append(pid)

    def listening() -> None:
        write_kiosk_config(paths, base_url=base_url, station=station)
        if on_ready is not None:
            on_ready(base_url)

    try:
        uvloop.run(_serve_socket(paths, listener, on_listening=listening))
    finally:
        for pid in children:
            os.kill(pid, signal.SIGTERM)
        for pid in children:
            os.waitpid(pid, 0)
        listener.close()


async def _serve_socket(
    paths: SimulatorPaths, listener: socket.socket, *, on_listening: Callable[[], None] | None
) -> None:
    registry = Registry(paths.database)
    state = ServiceState(
        registry=registry,
        service_key=ServiceKey.load_or_create(paths.service_key),
        control_token=paths.control_token.read_text().strip(),
        document_issuer=DocumentIssuerKey.load_or_create(paths.document_issuer_key),
    )
    runner = web.AppRunner(make_app(state), access_log=None)
    await runner.setup()
    site = web.SockSite(
        runner, listener, ssl_context=server_ssl_context(paths.tls / "server.pem", paths.tls / "server-key.pem")
    )
    await site.start()
    if on_listening is not None:
        on_listening()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signal_number, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        registry.close()

"""The composition root: builds the kiosk's parts from its configuration.

:func:`build_voter_parts` is the one builder of the voter runtime's parts, for a real station
(:func:`start_station`, behind ``kiosk run``) and for simulator mode (``kiosk.simulator_mode``, which hands it
the simulated devices). :func:`start_station` verifies the signed station configuration before it opens
anything, then opens the configured printer, scanner, speech and (when enabled) the metrics endpoint.

With ``kiosk.simulator_mode``, the only module of ``kiosk`` that may import ``simulator``, and only when simulator
mode is asked for; this one never does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.card.channel import CardChannel, CardReader
from drivers.keystore import KeyStore, KeyStoreError
from drivers.keystore.keyfile import FileKeyStore
from drivers.printer.receipt_printer import ReceiptPrinter
from drivers.scanner.code_scanner import CodeScanner
from drivers.speech.speaker import Speaker, SpeechLanguage
from kiosk.config import (
    ConfigError,
    KioskConfig,
    Pkcs11KeyConfig,
    ServiceConfig,
    parse_public_key,
)
from kiosk.config_sections import (
    CameraScannerConfig,
    CupsPrinterConfig,
    EscposFilePrinter,
    EscposNetworkPrinter,
    EscposUsbPrinter,
    HidScannerConfig,
    JournalFiles,
    NoScannerConfig,
    NoSpeechConfig,
    PrinterConfig,
    ScannerConfig,
    SpeechConfig,
)
from kiosk.core.identity import Identity
from kiosk.core.iin import Iin
from kiosk.core.registration import Localized, RegistrationCheck, Station
from kiosk.core.station_config import TRUST_LISTS, MalformedStationConfig, StationConfig, StationConfigMissing
from kiosk.documents.digital import SignedDigitalDocument
from kiosk.documents.identify import identify_card
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.i18n import translator
from kiosk.journal.evidence import ResponseEvidence
from kiosk.journal.journal import Journal
from kiosk.journal.outbox import Outbox
from kiosk.journal.secret import load_or_create_secret
from kiosk.journal.sender import OutboxSender
from kiosk.runtime.parts import VoterParts
from kiosk.station_config_verify import (
    CommissionCertificatesUnavailable,
    commission_keys_from_certificates,
    load_commission_certificates,
    load_station_config,
)

if TYPE_CHECKING:  # prometheus-client loads only where metrics are enabled
    from kiosk.metrics import ServiceCallMeter

# PKCS#11 logs in an application, not a session, and a second login in one process is refused: each token key
# is opened once and kept open for the life of the process (the token and the key store, by configuration).
_pkcs11_keys: dict[Pkcs11KeyConfig, KeyStore] = {}
_pkcs11_lock = threading.Lock()


def open_device_key(config: KioskConfig) -> KeyStore:
    """Unlock the device key named by the configuration (a key file, or a key inside a PKCS#11 token)."""
    device_key = config.device_key
    if isinstance(device_key, Pkcs11KeyConfig):
        return _open_pkcs11_key(device_key)
    try:
        passphrase = device_key.passphrase_file.read_bytes().strip()
    except OSError as error:
        raise KeyStoreError(
            "cannot read the device key's passphrase file", translation_key="keystore.missing"
        ) from error
    return FileKeyStore.open(device_key.path, passphrase)


def _open_pkcs11_key(device_key: Pkcs11KeyConfig) -> KeyStore:
    from drivers.keystore.pkcs11 import open_key_store  # noqa: PLC0415  (loads the PKCS#11 binding when used)

    with _pkcs11_lock:
        opened = _pkcs11_keys.get(device_key)
        if opened is not None:
            return opened
        pin = _read_pin(device_key.pin_file)
        _token, key_store = open_key_store(
            token_label=device_key.token_label, pin=pin, key_label=device_key.key_label, module=device_key.module
        )
        _pkcs11_keys[device_key] = key_store
        return key_store


def _read_pin(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyStoreError("cannot read the device key's PIN file", translation_key="keystore.missing") from error


def service_client(config: KioskConfig, *, policy: RetryPolicy | None = None) -> EgovClient:
    """A signed, verifying client for the configured service and station."""
    return EgovClient(
        base_url=config.service.base_url,
        signer=open_device_key(config),
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=policy,
    )


def card_reader(config: KioskConfig, *, in_process: CardReader | None = None) -> CardReader:
    """The configured card reader: a PC/SC reader by name prefix, or the simulator's in-process slot.

    The in-process slot lives inside ``kiosk run --simulator``, which passes it as ``in_process``; any other
    caller configured for it gets a :class:`ConfigError` saying so.
    """
    reader_config = config.card_reader
    if reader_config.kind == "in_process":
        if in_process is None:
            raise ConfigError(
                "configuration: 'card_reader.kind' is 'in_process', which exists only inside kiosk run --simulator"
            )
        return in_process
    from drivers.card.pcsc import PcscCardReader  # noqa: PLC0415  (loads pyscard only when a reader is used)

    return PcscCardReader(reader_config.reader_prefix)


# --- the voter's parts (one builder for a station and for simulator mode) -----------------------------------


class MeteredService:
    """The voter runtime's service calls, each measured for the metrics endpoint (``ServiceCallMeter``)."""

    def __init__(self, client: EgovClient, meter: ServiceCallMeter) -> None:
        self._client = client
        self._meter = meter

    def registration_check(self, iin: Iin, *, purpose: str = "voter", member_id: str | None = None
                           ) -> RegistrationCheck:
        """``EgovClient.registration_check``, measured."""
        return self._meter.call("registration_check", self._client.registration_check, iin, purpose=purpose,
                                member_id=member_id)

    def digital_document(self, code: str) -> SignedDigitalDocument:
        """``EgovClient.digital_document``, measured."""
        return self._meter.call("digital_document", self._client.digital_document, code)


def build_voter_parts(
    config: KioskConfig,
    *,
    stack: contextlib.ExitStack,
    journal_files: JournalFiles,
    card_reader: CardReader,
    scanner: CodeScanner | None,
    printer: ReceiptPrinter,
    speaker: Speaker,
    station: Station | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    meter: ServiceCallMeter | None = None,
) -> VoterParts:
    """The voter runtime's parts over the configured service, with the journal and outbox in ``journal_files``.

    ``station`` None asks the service for it (simulator mode); a station passes the one its signed
    configuration describes. ``clock`` None is the machine's local time. Every close is registered on ``stack``.
    """
    evidence = ResponseEvidence()
    client = EgovClient(
        base_url=config.service.base_url, signer=open_device_key(config), service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file), station=config.station,
        session=evidence.install(requests.Session()),
    )
    stack.callback(client.close)
    journal = Journal.open(journal_files.path, signer=open_device_key(config),
                           secret=load_or_create_secret(journal_files.secret_path))
    stack.callback(journal.close)
    sender = OutboxSender(Outbox(journal), client, evidence=evidence)
    sender.start()  # resend what an earlier run left queued
    stack.callback(sender.stop)
    trust = config.document_trust()

    def read_card(channel: CardChannel, today: dt.date) -> Identity:
        return identify_card(channel, trust, today=today)

    return VoterParts(
        client=client if meter is None else MeteredService(client, meter),
        card_reader=card_reader,
        identify_card=read_card,
        scanner=scanner,
        sender=sender,
        printer=printer,
        speaker=speaker,
        translator=functools.cache(translator),
        station=station if station is not None else client.station_info(),
        clock=clock or (lambda: dt.datetime.now().astimezone()),
        key_seed=secrets.token_bytes(32),
        document_issuers=config.document_issuers,
    )


# --- a real station ------------------------------------------------------------------------------------------


def verify_station_config(config: KioskConfig, now: dt.datetime) -> StationConfig:
    """The installed station configuration, verified against the pinned commission certificates for the station
    this kiosk is enrolled for (``config.station``) at ``now``: the first thing a station does.

    Raises the typed refusals of ``kiosk.station_config_verify.load_station_config``, and
    :class:`CommissionCertificatesUnavailable` when no pinned certificate may sign now.
    """
    files = config.station_files
    if not files.path.exists():  # said first: "not installed" is the technician's next step, whatever else lacks
        raise StationConfigMissing(f"no station configuration is installed at {files.path}")
    keys = commission_keys_from_certificates(load_commission_certificates(files.commission_certificates), now)
    if not keys:
        raise CommissionCertificatesUnavailable(
            f"none of the commission certificates in {files.commission_certificates} may sign a configuration now"
        )
    return load_station_config(files.path, keys, config.station, now)


def with_station_config(config: KioskConfig, station_config: StationConfig) -> KioskConfig:
    """``config`` with what the commission signed in place of the local file's: the service's address, its pinned
    keys and the digital-document issuer keys. The local CA file and trust files stay (they are checked)."""
    def keys(pinned: Mapping[str, str], where: str) -> dict[str, ec.EllipticCurvePublicKey]:
        found = {}
        for key_id, pem in pinned.items():
            try:
                found[key_id] = parse_public_key(pem, f"{where}.{key_id}")
            except ConfigError as error:
                raise MalformedStationConfig(
                    f"the station configuration's '{where}.{key_id}' is not an EC public key",
                    field_name=f"{where}.{key_id}",
                ) from error
        return found

    service = ServiceConfig(base_url=station_config.service_base_url, ca_file=config.service.ca_file,
                            service_keys=keys(station_config.service_keys, "service_keys"))
    return dataclasses.replace(config, service=service,
                               document_issuers=keys(station_config.document_issuer_keys, "document_issuer_keys"))


def check_local_files(config: KioskConfig, station_config: StationConfig) -> list[str]:
    """Refuse local files that contradict the signed configuration; return warnings to print.

    The trust files must hold exactly the certificates whose fingerprints the commission pinned, and the printer
    and scanner kinds must be the ones it chose (a local ``"none"`` scanner is allowed, with a warning: the
    voters then use the card or the keypad). :class:`ConfigError` names the field.
    """
    warnings = []
    trust = config.document_trust()
    for name in TRUST_LISTS:
        local = {"sha256:" + certificate.fingerprint(hashes.SHA256()).hex() for certificate in getattr(trust, name)}
        if local != set(station_config.trust_anchors[name]):
            raise ConfigError(
                f"configuration: 'trust.{name}' does not hold the certificates the station configuration pins"
            )
    printer_kind = "cups" if isinstance(config.printer, CupsPrinterConfig) else "escpos"
    if printer_kind != station_config.devices.printer:
        raise ConfigError(f"configuration: 'printer.kind' is {printer_kind}, but the station configuration "
                          f"chooses {station_config.devices.printer}")
    match config.scanner:
        case NoScannerConfig():
            warnings.append(f"no code scanner is configured (the station configuration chooses "
                            f"{station_config.devices.scanner}): voters can use the card or the keypad only")
        case CameraScannerConfig() | HidScannerConfig() as scanner:
            kind = "camera" if isinstance(scanner, CameraScannerConfig) else "hid"
            if kind != station_config.devices.scanner:
                raise ConfigError(f"configuration: 'scanner.kind' is {kind}, but the station configuration "
                                  f"chooses {station_config.devices.scanner}")
    return warnings


def station_from_config(station_config: StationConfig) -> Station:
    """The station as the voter screens show it, from the signed configuration (no service call needed)."""
    return Station(
        number=station_config.station,
        region=station_config.region,
        address=station_config.address,
        directions=Localized("", "", ""),  # said only of another station, never of this one
        opens=station_config.opens.strftime("%H:%M"),
        closes=station_config.closes.strftime("%H:%M"),
        offers_temporary_registration=station_config.offers("temporary_registration"),
        commission_desk=station_config.commission_desk,
    )


def open_printer(printer: PrinterConfig) -> ReceiptPrinter:
    """The configured receipt printer (it connects on first use)."""
    if isinstance(printer, CupsPrinterConfig):
        from drivers.printer.cups_printer import CupsPrinter  # noqa: PLC0415  (each backend loads when chosen)

        return CupsPrinter(printer.queue, paper=printer.paper)
    from drivers.printer.escpos_printer import (  # noqa: PLC0415
        EscposPrinter,
        EscposTransport,
        FileTransport,
        NetworkTransport,
        UsbTransport,
    )

    transport: EscposTransport
    match printer:
        case EscposUsbPrinter(vendor_id=vendor_id, product_id=product_id):
            transport = UsbTransport(vendor_id, product_id)
        case EscposNetworkPrinter(host=host, port=port):
            transport = NetworkTransport(host, port)
        case EscposFilePrinter(path=path):
            transport = FileTransport(path)
    return EscposPrinter.from_transport(transport, profile=printer.profile)


def open_scanner(scanner: ScannerConfig) -> CodeScanner | None:
    """The configured code scanner, or None when the station has none."""
    match scanner:
        case CameraScannerConfig(device=device):
            from drivers.scanner.camera import CameraCodeScanner  # noqa: PLC0415  (loads OpenCV)

            return CameraCodeScanner(device)
        case HidScannerConfig(path=path):
            from drivers.scanner.hid import HidCodeScanner  # noqa: PLC0415

            return HidCodeScanner.open(path)
    return None


class SilentSpeaker:
    """The ``Speaker`` of a station configured without speech: it says nothing."""

    def say(self, text: str, language: SpeechLanguage) -> None:
        """Say nothing."""

    def stop(self) -> None:
        """Nothing to stop."""

    @property
    def is_speaking(self) -> bool:
        """Never speaking."""
        return False


def open_speaker(speech: SpeechConfig, stack: contextlib.ExitStack) -> Speaker:
    """The configured speaker: espeak-ng through an audio player, or silence."""
    if isinstance(speech, NoSpeechConfig):
        return SilentSpeaker()
    from drivers.speech.espeak import DEFAULT_RATE_WPM, EspeakSpeaker  # noqa: PLC0415

    speaker = EspeakSpeaker.for_playback(rate_wpm=speech.rate_wpm or DEFAULT_RATE_WPM, volume=speech.volume)
    stack.callback(speaker.close)
    return speaker


@dataclass
class RunningStation:
    """A station's parts, ready for the app: the verified configuration, the voter parts, what to warn about."""

    config: KioskConfig
    station_config: StationConfig
    parts: VoterParts
    warnings: list[str] = field(default_factory=list)
    metrics_url: str | None = None


def start_station(config: KioskConfig, stack: contextlib.ExitStack,
                  *, clock: Callable[[], dt.datetime] | None = None) -> RunningStation:
    """Verify the station configuration, then open every configured part (each close registered on ``stack``).

    The verification comes first and opens nothing: a refused configuration raises its
    :class:`StationConfigError` before any device, key or window is touched. ``clock`` None is the station's
    local time in the signed configuration's time zone.
    """
    station_config = verify_station_config(config, (clock or (lambda: dt.datetime.now(dt.UTC)))())
    warnings = check_local_files(config, station_config)
    zone = station_config.zone
    station_clock = clock or (lambda: dt.datetime.now(zone))
    effective = with_station_config(config, station_config)
    reader = card_reader(effective)
    close_reader = getattr(reader, "close", None)
    if close_reader is not None:
        stack.callback(close_reader)
    scanner = open_scanner(config.scanner)
    if scanner is not None:
        stack.callback(scanner.close)
    printer = open_printer(config.printer)
    speaker = open_speaker(config.speech, stack)
    meter = metrics_url = None
    if config.metrics.enabled:
        from kiosk.metrics import (  # noqa: PLC0415  (prometheus-client loads only when asked for)
            KioskMetrics,
            MetricsSettings,
            ServiceCallMeter,
            count_pending_outbox_items,
            start_metrics_server,
        )

        journal_path = config.journal.path
        metrics = KioskMetrics(outbox_depth=lambda: count_pending_outbox_items(journal_path),
                               station=station_config.station)
        server = start_metrics_server(metrics, MetricsSettings(
            host=config.metrics.host, port=config.metrics.port, allow_remote=config.metrics.allow_remote))
        stack.callback(server.close)
        meter, metrics_url = ServiceCallMeter(metrics), server.url
    parts = build_voter_parts(effective, stack=stack, journal_files=config.journal, card_reader=reader,
                              scanner=scanner, printer=printer, speaker=speaker,
                              station=station_from_config(station_config), clock=station_clock, meter=meter)
    return RunningStation(config=effective, station_config=station_config, parts=parts, warnings=warnings,
                          metrics_url=metrics_url)

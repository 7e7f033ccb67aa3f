"""The sections of the kiosk configuration a real station needs: printer, scanner, speech, metrics, journal and
the station-configuration files (the shapes and defaults are listed in ``kiosk.config``'s docstring).

Each parser takes the section as read from JSON (None when absent) and returns a small frozen dataclass, or
raises :class:`ConfigError` naming the field. Nothing here opens a device: ``kiosk.wiring`` does, from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from kiosk.errors import KioskError

ESCPOS_DEFAULT_PROFILE: Final = "TM-T20II"  # drivers.printer.escpos_printer.DEFAULT_PROFILE (not imported: slow)
ESCPOS_DEFAULT_DEVICE: Final = Path("/dev/usb/lp0")  # the usblp driver's first printer (deploy/ udev rule)
RAW_PRINTING_PORT: Final = 9100  # JetDirect raw port, by convention
USB_ID_MAX: Final = 0xFFFF
PORT_MAX: Final = 65535
SPEECH_RATE_RANGE: Final = (80, 450)  # espeak-ng(1), option -s
SPEECH_VOLUME_RANGE: Final = (0, 200)  # espeak-ng(1), option -a
DEFAULT_METRICS_HOST: Final = "127.0.0.1"  # kiosk.metrics.DEFAULT_METRICS_HOST
DEFAULT_METRICS_PORT: Final = 9464  # kiosk.metrics.DEFAULT_METRICS_PORT
STATION_CONFIG_NAME: Final = "station-config.json"  # where kiosk-provision config apply installs it
COMMISSION_CERTIFICATES_NAME: Final = "commission-certs.pem"

PaperSize = Literal["A4", "A5"]


class ConfigError(KioskError):
    """The configuration file is missing, unreadable or wrong; the message names the field."""

    translation_key = "config.invalid"


@dataclass(frozen=True, slots=True)
class EscposUsbPrinter:
    """An ESC/POS printer on USB, by vendor and product id."""

    vendor_id: int
    product_id: int
    profile: str = ESCPOS_DEFAULT_PROFILE


@dataclass(frozen=True, slots=True)
class EscposNetworkPrinter:
    """An ESC/POS printer's raw network port."""

    host: str
    port: int = RAW_PRINTING_PORT
    profile: str = ESCPOS_DEFAULT_PROFILE


@dataclass(frozen=True, slots=True)
class EscposFilePrinter:
    """An ESC/POS printer behind a device file (``/dev/usb/lp0``)."""

    path: Path
    profile: str = ESCPOS_DEFAULT_PROFILE


@dataclass(frozen=True, slots=True)
class CupsPrinterConfig:
    """A CUPS queue (None: the default queue) and its paper size."""

    queue: str | None
    paper: PaperSize = "A5"


PrinterConfig = EscposUsbPrinter | EscposNetworkPrinter | EscposFilePrinter | CupsPrinterConfig
DEFAULT_PRINTER: Final[PrinterConfig] = EscposFilePrinter(ESCPOS_DEFAULT_DEVICE)


@dataclass(frozen=True, slots=True)
class CameraScannerConfig:
    """A web camera reading QR codes: an OpenCV device index or a device path."""

    device: int | str = 0


@dataclass(frozen=True, slots=True)
class HidScannerConfig:
    """A scanner that types its codes into a device file (``/dev/ttyACM0``)."""

    path: Path


@dataclass(frozen=True, slots=True)
class NoScannerConfig:
    """The station has no code scanner: voters use the card or the keypad."""


ScannerConfig = CameraScannerConfig | HidScannerConfig | NoScannerConfig
DEFAULT_SCANNER: Final[ScannerConfig] = NoScannerConfig()


@dataclass(frozen=True, slots=True)
class EspeakSpeechConfig:
    """espeak-ng played through aplay or paplay; ``rate_wpm`` None keeps the driver's default."""

    rate_wpm: int | None = None
    volume: int = 100


@dataclass(frozen=True, slots=True)
class NoSpeechConfig:
    """No spoken prompts (a station without a speaker)."""


SpeechConfig = EspeakSpeechConfig | NoSpeechConfig
DEFAULT_SPEECH: Final[SpeechConfig] = EspeakSpeechConfig()


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    """The Prometheus endpoint: off unless ``enabled``; anything but loopback needs ``allow_remote``."""

    enabled: bool = False
    host: str = DEFAULT_METRICS_HOST
    port: int = DEFAULT_METRICS_PORT
    allow_remote: bool = False


@dataclass(frozen=True, slots=True)
class JournalFiles:
    """Where the journal (with its outbox) and the station secret live."""

    path: Path
    secret_path: Path


@dataclass(frozen=True, slots=True)
class StationConfigFiles:
    """The installed signed station configuration and the pinned commission certificates."""

    path: Path
    commission_certificates: Path


def require_field(data: Any, name: str, kind: type, where: str) -> Any:
    """``data[name]`` of type ``kind``; :class:`ConfigError` naming ``where + name`` when missing or wrong."""
    if not isinstance(data, dict) or name not in data:
        raise ConfigError(f"configuration: '{where}{name}' is missing")
    value = data[name]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ConfigError(f"configuration: '{where}{name}' must be a {kind.__name__}")
    return value


def _optional(data: dict[str, Any], name: str, kind: type, where: str, default: Any) -> Any:
    if data.get(name) is None:
        return default
    return require_field(data, name, kind, where)


def _section(section: Any, name: str) -> dict[str, Any] | None:
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(f"configuration: '{name}' must be a dict")
    return section


def _kind(section: dict[str, Any], where: str, allowed: tuple[str, ...]) -> str:
    kind = require_field(section, "kind", str, where)
    if kind not in allowed:
        raise ConfigError(f"configuration: '{where}kind' must be one of {', '.join(allowed)}")
    return str(kind)


def _in_range(value: int, lowest: int, highest: int, field_name: str) -> int:
    if not lowest <= value <= highest:
        raise ConfigError(f"configuration: '{field_name}' must be between {lowest} and {highest}")
    return value


def _usb_id(section: dict[str, Any], name: str) -> int:
    value = section.get(name)
    if isinstance(value, str):
        try:
            value = int(value, 16) if value.lower().startswith("0x") else int(value)
        except ValueError:
            value = None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"configuration: 'printer.{name}' must be an integer or a 0x hex text")
    return _in_range(value, 0, USB_ID_MAX, f"printer.{name}")


def _path(section: dict[str, Any], name: str, where: str, relative_to: Path) -> Path:
    text = require_field(section, name, str, where)
    if not text:
        raise ConfigError(f"configuration: '{where}{name}' must be a path")
    return relative_to / text


def parse_printer(section: Any, relative_to: Path) -> PrinterConfig:
    """The ``printer`` section (default: ESC/POS on ``/dev/usb/lp0``)."""
    fields = _section(section, "printer")
    if fields is None:
        return DEFAULT_PRINTER
    kind = _kind(fields, "printer.", ("escpos", "cups"))
    if kind == "cups":
        queue = _optional(fields, "queue", str, "printer.", None)
        paper = _optional(fields, "paper", str, "printer.", "A5")
        if paper not in ("A4", "A5"):
            raise ConfigError("configuration: 'printer.paper' must be one of A4, A5")
        return CupsPrinterConfig(queue=queue or None, paper=paper)
    profile = _optional(fields, "profile", str, "printer.", ESCPOS_DEFAULT_PROFILE)
    transport = require_field(fields, "transport", str, "printer.")
    if transport == "usb":
        return EscposUsbPrinter(_usb_id(fields, "vendor_id"), _usb_id(fields, "product_id"), profile)
    if transport == "network":
        host = require_field(fields, "host", str, "printer.")
        if not host:
            raise ConfigError("configuration: 'printer.host' must be a host name or address")
        port = _in_range(_optional(fields, "port", int, "printer.", RAW_PRINTING_PORT), 1, PORT_MAX, "printer.port")
        return EscposNetworkPrinter(host, port, profile)
    if transport == "file":
        return EscposFilePrinter(_path(fields, "path", "printer.", relative_to), profile)
    raise ConfigError("configuration: 'printer.transport' must be one of usb, network, file")


def parse_scanner(section: Any, relative_to: Path) -> ScannerConfig:
    """The ``scanner`` section (default: none)."""
    fields = _section(section, "scanner")
    if fields is None:
        return DEFAULT_SCANNER
    kind = _kind(fields, "scanner.", ("camera", "hid", "none"))
    if kind == "camera":
        device = fields.get("device", 0)
        if isinstance(device, bool) or not isinstance(device, int | str) or device == "" \
                or (isinstance(device, int) and device < 0):
            raise ConfigError("configuration: 'scanner.device' must be a camera index (0, 1, ...) or a device path")
        return CameraScannerConfig(device)
    if kind == "hid":
        return HidScannerConfig(_path(fields, "path", "scanner.", relative_to))
    return NoScannerConfig()


def parse_speech(section: Any) -> SpeechConfig:
    """The ``speech`` section (default: espeak-ng with the driver's rate)."""
    fields = _section(section, "speech")
    if fields is None:
        return DEFAULT_SPEECH
    if _kind(fields, "speech.", ("espeak", "none")) == "none":
        return NoSpeechConfig()
    rate = _optional(fields, "rate_wpm", int, "speech.", None)
    if rate is not None:
        _in_range(rate, *SPEECH_RATE_RANGE, "speech.rate_wpm")
    volume = _in_range(_optional(fields, "volume", int, "speech.", 100), *SPEECH_VOLUME_RANGE, "speech.volume")
    return EspeakSpeechConfig(rate_wpm=rate, volume=volume)


def parse_metrics(section: Any) -> MetricsConfig:
    """The ``metrics`` section (default: off; on, loopback port 9464)."""
    fields = _section(section, "metrics")
    if fields is None:
        return MetricsConfig()
    enabled = _optional(fields, "enabled", bool, "metrics.", True)
    host = _optional(fields, "host", str, "metrics.", DEFAULT_METRICS_HOST)
    port = _in_range(_optional(fields, "port", int, "metrics.", DEFAULT_METRICS_PORT), 0, PORT_MAX, "metrics.port")
    allow_remote = _optional(fields, "allow_remote", bool, "metrics.", False)
    if not host:
        raise ConfigError("configuration: 'metrics.host' must be an address")
    if enabled and not allow_remote and not _is_loopback(host):
        raise ConfigError(
            "configuration: 'metrics.host' is not a loopback address; set 'metrics.allow_remote' to publish it"
        )
    return MetricsConfig(enabled=enabled, host=host, port=port, allow_remote=allow_remote)


def _is_loopback(host: str) -> bool:
    import ipaddress  # noqa: PLC0415  (only a metrics section needs it)

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_journal(section: Any, relative_to: Path, home: Path) -> JournalFiles:
    """The ``journal`` section (default: the paths ``kiosk.journal.journal`` uses under ``home``)."""
    fields = _section(section, "journal") or {}
    return JournalFiles(
        path=_path(fields, "path", "journal.", relative_to) if "path" in fields
        else home / "journal" / "journal.sqlite3",
        secret_path=_path(fields, "secret_path", "journal.", relative_to) if "secret_path" in fields
        else home / "secrets" / "station-secret",
    )


def parse_station_config_files(section: Any, relative_to: Path, home: Path) -> StationConfigFiles:
    """The ``station_config`` section (default: where ``kiosk-provision config apply`` installs under ``home``)."""
    fields = _section(section, "station_config") or {}
    return StationConfigFiles(
        path=_path(fields, "path", "station_config.", relative_to) if "path" in fields
        else home / STATION_CONFIG_NAME,
        commission_certificates=(
            _path(fields, "commission_certificates", "station_config.", relative_to)
            if "commission_certificates" in fields else home / COMMISSION_CERTIFICATES_NAME
        ),
    )

"""The station configuration signed by the territorial commission, as plain data (docs/station-configuration.md).

This module is pure: it turns an already-parsed JSON document into a :class:`StationConfig` or refuses it with a
typed error, says whether a configuration applies to a station at a moment, and whether the station is open.
Checking the commission's signature is ``kiosk.station_config_verify``'s job.

Every refusal is a :class:`StationConfigError` subclass with its own translation key. Messages name fields and
station numbers only (a station number is public), never a person.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar, get_args

from kiosk.core.registration import LANGUAGES, Language, Localized
from kiosk.errors import KioskError

CONFIG_FORMAT: Final = "kz-station-config/1"
SIGNED_FORMAT: Final = "kz-station-config-signed/1"
SIGNATURE_ALGORITHM: Final = "ecdsa-p256-sha256"
# RFC 8785 section 3.2.2.3: integers beyond 2^53 - 1 do not survive an IEEE 754 double; none is allowed.
MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_STATION_NUMBER: Final = 99_999
MAX_DESK_NUMBER: Final = 99
MAX_TEXT_CHARACTERS: Final = 400
# Key ids and fingerprints are ASCII, so JCS's UTF-16 key order equals Python's sort order (RFC 8785 3.2.3).
KEY_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9._-]{1,64}")
FINGERPRINT_PATTERN: Final = re.compile(r"sha256:[0-9a-f]{64}")
HOURS_PATTERN: Final = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
REQUIRED_LANGUAGES: Final[tuple[Language, ...]] = ("kk", "ru")  # every screen exists in both (DESIGN.md 1)

StationService = Literal["registration_check", "temporary_registration"]
CardReaderChoice = Literal["pcsc"]
ScannerChoice = Literal["camera", "hid"]
PrinterChoice = Literal["escpos", "cups"]
TrustList = Literal["national_ca_roots", "national_ca_intermediates", "csca_certificates"]

STATION_SERVICES: Final[tuple[StationService, ...]] = get_args(StationService)
TRUST_LISTS: Final[tuple[TrustList, ...]] = get_args(TrustList)
CONFIG_FIELDS: Final = (
    "format", "serial", "station", "region", "address", "boundaries", "commission_desk", "voting_day", "opens",
    "closes", "time_zone", "services", "service_base_url", "service_keys", "document_issuer_keys",
    "trust_anchors", "languages", "devices", "valid_from", "valid_until",
)
SIGNED_FIELDS: Final = ("format", "config", "signature")
SIGNATURE_FIELDS: Final = ("algorithm", "key_id", "value")

_Choice = TypeVar("_Choice", bound=str)


class StationConfigError(KioskError):
    """Root of every refusal of a station configuration."""

    translation_key = "station_config.error"


class StationConfigMissing(StationConfigError):
    """No station configuration is installed (or it cannot be read)."""

    translation_key = "station_config.missing"


class MalformedStationConfig(StationConfigError):
    """The document is not a station configuration: bad JSON, a missing, unknown or wrongly typed field."""

    translation_key = "station_config.malformed"

    def __init__(self, message: str, *, field_name: str | None = None) -> None:
        super().__init__(message)
        self.field_name = field_name


class StationConfigUnsigned(StationConfigError):
    """The configuration carries no signature by the territorial commission."""

    translation_key = "station_config.unsigned"


class StationConfigUnknownSigner(StationConfigError):
    """The signature names a key that is not among the pinned commission certificates."""

    translation_key = "station_config.unknown_signer"

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"the station configuration is signed by key {key_id[:64]!r}, which is not a pinned commission key"
        )
        self.key_id = key_id


class StationConfigTampered(StationConfigError):
    """The commission's signature does not verify: the configuration was changed after it was signed."""

    translation_key = "station_config.tampered"


class StationConfigExpired(StationConfigError):
    """The configuration's validity period is over."""

    translation_key = "station_config.expired"


class StationConfigNotYetValid(StationConfigError):
    """The configuration's validity period has not begun (or the kiosk's clock is wrong)."""

    translation_key = "station_config.not_yet_valid"


class StationConfigForOtherStation(StationConfigError):
    """The configuration is for a station other than the one this kiosk is enrolled for."""

    translation_key = "station_config.other_station"

    def __init__(self, configured: int, enrolled: int) -> None:
        super().__init__(
            f"the station configuration is for station {configured}, but this kiosk is enrolled for station {enrolled}"
        )
        self.configured = configured
        self.enrolled = enrolled


class StationConfigOlderSerial(StationConfigError):
    """The configuration is not newer than the installed one (a replay of a superseded configuration)."""

    translation_key = "station_config.older_serial"

    def __init__(self, offered: int, installed: int) -> None:
        super().__init__(
            f"the station configuration has serial {offered}, not newer than the installed serial {installed}"
        )
        self.offered = offered
        self.installed = installed


@dataclass(frozen=True, slots=True)
class DeviceChoice:
    """Which kinds of card reader, code scanner and printer the station uses (paths stay in the local config)."""

    card_reader: CardReaderChoice
    reader_prefix: str
    scanner: ScannerChoice
    printer: PrinterChoice


@dataclass(frozen=True, slots=True)
class StationConfig:
    """One station's configuration as the territorial commission signed it.

    Keys are kept as the PEM text that was signed; ``trust_anchors`` maps each trust list to the SHA-256
    fingerprints (``sha256:<hex>``) of the certificates the kiosk's local files must hold.
    """

    serial: int
    station: int
    region: str
    address: Localized
    boundaries: str
    commission_desk: int
    voting_day: dt.date
    opens: dt.time
    closes: dt.time
    time_zone: str
    services: frozenset[StationService]
    service_base_url: str
    service_keys: Mapping[str, str]
    document_issuer_keys: Mapping[str, str]
    trust_anchors: Mapping[TrustList, tuple[str, ...]]
    languages: tuple[Language, ...]
    devices: DeviceChoice
    valid_from: dt.datetime
    valid_until: dt.datetime

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The station's time zone."""
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def opening(self) -> dt.datetime:
        """When the station opens on voting day (aware, in the station's zone)."""
        return dt.datetime.combine(self.voting_day, self.opens, tzinfo=self.zone)

    @property
    def closing(self) -> dt.datetime:
        """When the station closes on voting day (aware, in the station's zone)."""
        return dt.datetime.combine(self.voting_day, self.closes, tzinfo=self.zone)

    def offers(self, service: StationService) -> bool:
        """True when the station offers ``service``."""
        return service in self.services


def parse_station_config(document: Any) -> StationConfig:
    """Validate the ``config`` object of a signed configuration; :class:`MalformedStationConfig` names the field."""
    fields = _object(document, "", CONFIG_FIELDS)
    if fields["format"] != CONFIG_FORMAT:
        raise MalformedStationConfig(f"the station configuration's format is not {CONFIG_FORMAT}", field_name="format")
    opens = _hours(fields["opens"], "opens")
    closes = _hours(fields["closes"], "closes")
    if closes <= opens:
        raise MalformedStationConfig("the station configuration's 'closes' is not after 'opens'", field_name="closes")
    valid_from = _instant(fields["valid_from"], "valid_from")
    valid_until = _instant(fields["valid_until"], "valid_until")
    if valid_until <= valid_from:
        raise MalformedStationConfig(
            "the station configuration's 'valid_until' is not after 'valid_from'", field_name="valid_until"
        )
    base_url = _text(fields["service_base_url"], "service_base_url")
    if not base_url.startswith("https://") or len(base_url) <= len("https://"):
        raise MalformedStationConfig(
            "the station configuration's 'service_base_url' must be an https:// URL", field_name="service_base_url"
        )
    service_keys = _pinned_keys(fields["service_keys"], "service_keys")
    if not service_keys:
        raise MalformedStationConfig(
            "the station configuration's 'service_keys' pins no key", field_name="service_keys"
        )
    return StationConfig(
        serial=_integer(fields["serial"], "serial", 1, MAX_SAFE_INTEGER),
        station=_integer(fields["station"], "station", 1, MAX_STATION_NUMBER),
        region=_text(fields["region"], "region"),
        address=_localized(fields["address"], "address"),
        boundaries=_text(fields["boundaries"], "boundaries"),
        commission_desk=_integer(fields["commission_desk"], "commission_desk", 1, MAX_DESK_NUMBER),
        voting_day=_date(fields["voting_day"], "voting_day"),
        opens=opens,
        closes=closes,
        time_zone=_time_zone(fields["time_zone"]),
        services=frozenset(_choices(fields["services"], "services", STATION_SERVICES)),
        service_base_url=base_url,
        service_keys=service_keys,
        document_issuer_keys=_pinned_keys(fields["document_issuer_keys"], "document_issuer_keys"),
        trust_anchors=_trust_anchors(fields["trust_anchors"]),
        languages=_languages(fields["languages"]),
        devices=_devices(fields["devices"]),
        valid_from=valid_from,
        valid_until=valid_until,
    )


def config_document(config: StationConfig) -> dict[str, Any]:
    """The JSON object of ``config``: ``parse_station_config(config_document(c)) == c``."""
    return {
        "format": CONFIG_FORMAT,
        "serial": config.serial,
        "station": config.station,
        "region": config.region,
        "address": {"kk": config.address.kk, "ru": config.address.ru, "en": config.address.en},
        "boundaries": config.boundaries,
        "commission_desk": config.commission_desk,
        "voting_day": config.voting_day.isoformat(),
        "opens": config.opens.strftime("%H:%M"),
        "closes": config.closes.strftime("%H:%M"),
        "time_zone": config.time_zone,
        "services": sorted(config.services),
        "service_base_url": config.service_base_url,
        "service_keys": dict(config.service_keys),
        "document_issuer_keys": dict(config.document_issuer_keys),
        "trust_anchors": {name: list(config.trust_anchors[name]) for name in TRUST_LISTS},
        "languages": list(config.languages),
        "devices": {
            "card_reader": {"kind": config.devices.card_reader, "reader_prefix": config.devices.reader_prefix},
            "scanner": {"kind": config.devices.scanner},
            "printer": {"kind": config.devices.printer},
        },
        "valid_from": config.valid_from.isoformat(),
        "valid_until": config.valid_until.isoformat(),
    }


def check_applicable(config: StationConfig, *, enrolled_station: int, now: dt.datetime) -> None:
    """Refuse a configuration for another station or outside its validity period (``now`` timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if config.station != enrolled_station:
        raise StationConfigForOtherStation(config.station, enrolled_station)
    if now < config.valid_from:
        raise StationConfigNotYetValid(
            f"the station configuration is valid only from {config.valid_from.isoformat()}; check the clock"
        )
    if now >= config.valid_until:
        raise StationConfigExpired(f"the station configuration expired at {config.valid_until.isoformat()}")


def is_open(config: StationConfig, now: dt.datetime) -> bool:
    """True while the station is open: on voting day, from ``opens`` (included) to ``closes`` (excluded)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return config.opening <= now < config.closing


def next_opening(config: StationConfig, now: dt.datetime) -> dt.datetime | None:
    """When the station next opens, in its zone: the voting-day opening if still ahead, else None."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return config.opening if now < config.opening else None


# ------------------------------------------------------------------------------------------------ field parsers


def _object(value: Any, where: str, names: tuple[str, ...]) -> dict[str, Any]:
    """A JSON object with exactly ``names``: a missing or unknown member is refused, naming it."""
    label = where or "the station configuration"
    if not isinstance(value, dict):
        raise MalformedStationConfig(f"{label} must be a JSON object", field_name=where or None)
    for name in names:
        if name not in value:
            raise MalformedStationConfig(f"the station configuration lacks '{where}{name}'", field_name=where + name)
    unknown = sorted(str(name) for name in value if name not in names)
    if unknown:
        raise MalformedStationConfig(
            f"the station configuration has an unknown field '{where}{unknown[0][:40]}'", field_name=where + unknown[0]
        )
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARACTERS:
        raise MalformedStationConfig(
            f"the station configuration's '{name}' must be a non-empty text of at most "
            f"{MAX_TEXT_CHARACTERS} characters",
            field_name=name,
        )
    return value


def _integer(value: Any, name: str, lowest: int, highest: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= highest:
        raise MalformedStationConfig(
            f"the station configuration's '{name}' must be an integer from {lowest} to {highest}", field_name=name
        )
    return value


def _date(value: Any, name: str) -> dt.date:
    text = _text(value, name)
    try:
        # fromisoformat alone would also take "20260315"; the format is the extended form only.
        if len(text) != len("YYYY-MM-DD"):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise MalformedStationConfig(
            f"the station configuration's '{name}' is not a date (YYYY-MM-DD)", field_name=name
        ) from error


def _hours(value: Any, name: str) -> dt.time:
    if not isinstance(value, str) or HOURS_PATTERN.fullmatch(value) is None:
        raise MalformedStationConfig(f"the station configuration's '{name}' must be a time HH:MM", field_name=name)
    return dt.time.fromisoformat(value)


def _instant(value: Any, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(_text(value, name))
    except ValueError as error:
        raise MalformedStationConfig(
            f"the station configuration's '{name}' is not an ISO 8601 date and time", field_name=name
        ) from error
    if moment.tzinfo is None:
        raise MalformedStationConfig(f"the station configuration's '{name}' has no time zone", field_name=name)
    return moment


def _time_zone(value: Any) -> str:
    name = _text(value, "time_zone")
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise MalformedStationConfig(
            "the station configuration's 'time_zone' is not a known IANA time zone", field_name="time_zone"
        ) from error
    return name


def _localized(value: Any, name: str) -> Localized:
    fields = _object(value, f"{name}.", LANGUAGES)
    return Localized(**{language: _text(fields[language], f"{name}.{language}") for language in LANGUAGES})


def _choices(value: Any, name: str, allowed: tuple[_Choice, ...]) -> tuple[_Choice, ...]:
    """A non-empty list of distinct members of ``allowed``, kept in the document's order."""
    if not isinstance(value, list) or not value:
        raise MalformedStationConfig(f"the station configuration's '{name}' must be a non-empty list", field_name=name)
    chosen: list[_Choice] = []
    for item in value:
        match = next((option for option in allowed if option == item), None)
        if match is None:
            raise MalformedStationConfig(
                f"the station configuration's '{name}' may hold only {', '.join(allowed)}", field_name=name
            )
        if match in chosen:
            raise MalformedStationConfig(f"the station configuration's '{name}' repeats {match}", field_name=name)
        chosen.append(match)
    return tuple(chosen)


def _languages(value: Any) -> tuple[Language, ...]:
    languages = _choices(value, "languages", LANGUAGES)
    for required in REQUIRED_LANGUAGES:
        if required not in languages:
            raise MalformedStationConfig(
                f"the station configuration's 'languages' must include {required}", field_name="languages"
            )
    return languages


def _pinned_keys(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise MalformedStationConfig(f"the station configuration's '{name}' must be a JSON object", field_name=name)
    keys: dict[str, str] = {}
    for key_id, pem in value.items():
        if KEY_ID_PATTERN.fullmatch(key_id) is None:
            raise MalformedStationConfig(
                f"the station configuration's '{name}' has a key id that is not 1-64 of A-Z a-z 0-9 . _ -",
                field_name=name,
            )
        if not isinstance(pem, str) or not pem.startswith("-----BEGIN PUBLIC KEY-----"):
            raise MalformedStationConfig(
                f"the station configuration's '{name}.{key_id}' is not a PEM public key", field_name=f"{name}.{key_id}"
            )
        keys[key_id] = pem
    return keys


def _trust_anchors(value: Any) -> dict[TrustList, tuple[str, ...]]:
    fields = _object(value, "trust_anchors.", TRUST_LISTS)
    anchors: dict[TrustList, tuple[str, ...]] = {}
    for name in TRUST_LISTS:
        where = f"trust_anchors.{name}"
        items = fields[name]
        if not isinstance(items, list) or not all(
            isinstance(item, str) and FINGERPRINT_PATTERN.fullmatch(item) for item in items
        ):
            raise MalformedStationConfig(
                f"the station configuration's '{where}' must be a list of sha256:<64 hex digits>", field_name=where
            )
        anchors[name] = tuple(items)
    return anchors


def _devices(value: Any) -> DeviceChoice:
    fields = _object(value, "devices.", ("card_reader", "scanner", "printer"))
    reader = _object(fields["card_reader"], "devices.card_reader.", ("kind", "reader_prefix"))
    scanner = _object(fields["scanner"], "devices.scanner.", ("kind",))
    printer = _object(fields["printer"], "devices.printer.", ("kind",))
    prefix = reader["reader_prefix"]
    if not isinstance(prefix, str) or len(prefix) > MAX_TEXT_CHARACTERS:
        raise MalformedStationConfig(
            "the station configuration's 'devices.card_reader.reader_prefix' must be a text",
            field_name="devices.card_reader.reader_prefix",
        )
    return DeviceChoice(
        card_reader=_choice(reader["kind"], "devices.card_reader.kind", get_args(CardReaderChoice)),
        reader_prefix=prefix,
        scanner=_choice(scanner["kind"], "devices.scanner.kind", get_args(ScannerChoice)),
        printer=_choice(printer["kind"], "devices.printer.kind", get_args(PrinterChoice)),
    )


def _choice(value: Any, name: str, allowed: tuple[_Choice, ...]) -> _Choice:
    for option in allowed:
        if option == value:
            return option
    raise MalformedStationConfig(
        f"the station configuration's '{name}' must be one of {', '.join(allowed)}", field_name=name
    )

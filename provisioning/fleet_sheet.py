"""The one-page provisioning sheet of a station: what the technician takes to the station with the signed file.

It names the station, its address in the three languages, the voting day and hours, the enrolment steps, and
a QR code of the configuration's digest, which the technician compares with what ``kiosk-provision config
apply`` prints. The sheet is a ``Printout`` laid out on A4 by the printer driver's PDF backend (fpdf2, DejaVu
Sans embedded, so Kazakh letters print), the same layout every other printout of the project uses.

Labels are trilingual (kk / ru / en); the steps are commands, the same in every language.
"""

from __future__ import annotations

from typing import Final

from drivers.printer.pdf import render_pdf
from drivers.printer.printout import Block, Code, KeyValue, Paragraph, Printout, Separator, Title
from kiosk.core.station_config import StationConfig

SHEET_KIND: Final = "provisioning_sheet"
# The QR's payload: a fixed prefix, the station, the serial and the digest, so a scan tells all four at once.
DIGEST_CODE_PREFIX: Final = "kz-station-config"
SERVICE_LABELS: Final = {
    "registration_check": "тексеру / проверка / registration check",
    "temporary_registration": "уақытша тіркеу / временная регистрация / temporary registration",
}


def digest_code(config: StationConfig, digest: str) -> str:
    """The QR payload: ``kz-station-config:<station>:<serial>:sha256:<hex digest>``."""
    return f"{DIGEST_CODE_PREFIX}:{config.station}:{config.serial}:sha256:{digest}"


def config_file_name(station: int) -> str:
    """The signed configuration's file name in a fleet directory."""
    return f"station-{station:05d}.json"


def sheet_file_name(station: int) -> str:
    """The provisioning sheet's file name in a fleet directory."""
    return f"station-{station:05d}.pdf"


def provisioning_sheet(config: StationConfig, digest: str) -> Printout:
    """The sheet of ``config`` (signed configuration digest ``digest``) as a printout."""
    address = "\n".join((config.address.kk, config.address.ru, config.address.en))
    services = "\n".join(SERVICE_LABELS[name] for name in sorted(config.services))
    grouped_digest = " ".join(digest[index:index + 8] for index in range(0, len(digest), 8))
    name = config_file_name(config.station)
    blocks: tuple[Block, ...] = (
        Title(f"Сайлау учаскесі / Избирательный участок / Polling station № {config.station}"),
        Paragraph("Дайындау парағы / Лист подготовки терминала / Kiosk provisioning sheet", align="center"),
        Separator(),
        KeyValue("Өңір / Регион / Region", config.region),
        KeyValue("Мекенжай / Адрес / Address", address, emphasis=True),
        KeyValue("Шекаралар / Границы / Boundaries", config.boundaries),
        KeyValue("Сайлау күні / День голосования / Voting day", config.voting_day.isoformat(), emphasis=True),
        KeyValue("Уақыты / Часы работы / Hours",
                 f"{config.opens:%H:%M}–{config.closes:%H:%M} ({config.time_zone})"),
        KeyValue("Комиссия үстелі / Стол комиссии / Commission desk", str(config.commission_desk)),
        KeyValue("Қызметтер / Услуги / Services", services),
        KeyValue("Конфигурация / Configuration", f"{name}, serial {config.serial}"),
        KeyValue("Жарамды / Действует / Valid",
                 f"{config.valid_from:%Y-%m-%d %H:%M %z} – {config.valid_until:%Y-%m-%d %H:%M %z}"),
        Separator(),
        Paragraph("Қадамдар / Порядок действий / Steps", emphasis=True),
        Paragraph("1. kiosk-provision init --token LABEL --pin-file FILE"),
        Paragraph(f"2. kiosk-provision enroll --station {config.station} --code CODE ... (CODE from the commission)"),
        Paragraph(f"3. kiosk-provision config apply {name} --station {config.station}"),
        Paragraph("4. Compare the digest printed by step 3 with the digest below / Сверьте дайджест / "
                  "Дайджестті салыстырыңыз"),
        Paragraph("5. kiosk-provision selftest; print the report and sign it"),
        Separator(),
        Code(digest_code(config, digest), caption=f"SHA-256 {grouped_digest}"),
        Paragraph("Техник / Техник / Technician: ____________________   Күні / Дата / Date: ____________"),
    )
    return Printout(kind=SHEET_KIND, language="ru", blocks=blocks)


def render_sheet(config: StationConfig, digest: str) -> bytes:
    """The sheet as A4 PDF bytes (the same configuration and digest always give the same bytes)."""
    return render_pdf(provisioning_sheet(config, digest), paper="A4")

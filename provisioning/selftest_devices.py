"""Self-test checks of the kiosk's own parts: card reader, code scanner, printer, speech, free disk, journal.

Each ``check_*`` function opens its part through the function it is given, measures, closes, and returns a
:class:`~provisioning.selftest.CheckResult`; the part's typed errors become failures naming what to do.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from drivers.card.channel import CardReader
from drivers.card.errors import (
    CardError,
    CardRemovedError,
    CardServiceUnavailableError,
    NoCardError,
    ReaderBusyError,
    ReaderNotFoundError,
)
from drivers.errors import DriverError
from drivers.printer.errors import PrinterDependencyMissing, PrinterError
from drivers.printer.receipt_printer import ReceiptPrinter
from drivers.scanner.code_scanner import CodeScanner
from drivers.scanner.errors import CameraUnavailable, ScannerDependencyMissing, ScannerDisconnected, ScannerError
from drivers.speech.errors import SpeechDependencyMissing
from drivers.speech.espeak import EspeakSpeaker
from drivers.speech.speaker import SPEECH_LANGUAGES, SpeechLanguage
from kiosk.errors import KioskError
from kiosk.journal.errors import JournalError
from kiosk.journal.verify import verify
from provisioning.selftest import CheckResult, fail, ok, warn

# ISO/IEC 7816-4 section 11.2.2 SELECT: P1 00 selects by file identifier, P2 0C asks for no response data;
# 3F00 is the master file (section 7.1.1). Every ISO card answers it with some status word.
SELECT_MASTER_FILE = bytes.fromhex("00A4000C023F00")
CARD_CONNECT_TIMEOUT = 3.0

SPEECH_SAMPLE: dict[SpeechLanguage, str] = {"kk": "Сәлеметсіз бе", "ru": "Здравствуйте", "en": "Hello"}
SPEECH_TIMEOUT = 20.0
# RIFF header (12 bytes) and the smallest "fmt " chunk (24 bytes): a WAV shorter than this holds no sound.
MIN_WAV_BYTES = 44

# A day's journal is a few megabytes; SQLite needs room beside it to checkpoint its write-ahead log.
DISK_FAIL_BELOW = 200 * 1024 * 1024
DISK_WARN_BELOW = 1024 * 1024 * 1024

PART_READER = "card reader"
PART_SCANNER = "code scanner"
PART_PRINTER = "printer"
PART_SPEECH = "speech (espeak-ng)"
PART_DISK = "disk"
PART_JOURNAL = "audit journal"


def check_card_reader(open_reader: Callable[[], CardReader] | None) -> CheckResult:
    """The reader is there (by its configured name prefix) and, if a card is inserted, the card answers."""
    if open_reader is None:
        return fail("card_reader", "no card reader configured", part=PART_READER,
                    remedy="Add a 'card_reader' section to the kiosk configuration")
    reader: CardReader | None = None
    try:
        reader = open_reader()
        name = reader.name
        if not reader.card_present():
            return warn("card_reader", f"{name}: connected, no card inserted", part=PART_READER,
                        remedy="Insert any ID card and run the self-test again to check that a card answers")
        with reader.wait_for_card(CARD_CONNECT_TIMEOUT) as channel:
            atr = channel.atr()
            response = channel.transmit(SELECT_MASTER_FILE)
        status_word = response[-2:].hex().upper()
        return ok("card_reader", f"{name}: card answered (ATR {len(atr)} bytes, SELECT MF status {status_word})")
    except ReaderNotFoundError as error:
        seen = ", ".join(error.available) or "none"
        return fail("card_reader", f"no reader named '{error.reader_prefix}...' (readers: {seen})", part=PART_READER,
                    remedy="Connect the card reader's USB cable; if another reader is fitted, set "
                           "'card_reader.reader_prefix' in the configuration to its name")
    except CardServiceUnavailableError:
        return fail("card_reader", "the smart-card service (pcscd) is not running", part=PART_READER,
                    remedy="Start the smart-card service: systemctl start pcscd.socket (install pcscd if missing)")
    except CardRemovedError:
        return warn("card_reader", "the card was taken out during the test", part=PART_READER,
                    remedy="Leave the card in the reader until the self-test ends, and run it again")
    except ReaderBusyError:
        return fail("card_reader", "another program holds the card reader", part=PART_READER,
                    remedy="Stop the kiosk app (systemctl stop polling-kiosk) before the self-test")
    except NoCardError:
        return fail("card_reader", "a card is inserted but gives no answer-to-reset", part=PART_READER,
                    remedy="Try another card; if no card answers, clean or replace the reader")
    except CardError as error:
        return fail("card_reader", f"the card does not answer ({error})", part=PART_READER,
                    remedy="Try another card; if no card answers, replace the reader")
    except (DriverError, KioskError) as error:
        return fail("card_reader", _message(error), part=PART_READER,
                    remedy="Check the 'card_reader' section of the configuration and the reader's cable")
    finally:
        close = getattr(reader, "close", None)
        if callable(close):
            close()


def check_scanner(open_scanner: Callable[[], CodeScanner] | None) -> CheckResult:
    """The code scanner opens and delivers (a camera frame, or an open HID stream) without an error."""
    if open_scanner is None:
        return fail("scanner", "no code scanner configured", part=PART_SCANNER,
                    remedy="Add the code scanner (camera or HID) to the kiosk configuration")
    scanner: CodeScanner | None = None
    try:
        scanner = open_scanner()
        scanner.read(0.2)  # whatever is in front of it is not looked at: only that reading works
        return ok("scanner", f"{type(scanner).__name__} opened and read")
    except ScannerDependencyMissing as error:
        return fail("scanner", _message(error), part=PART_SCANNER,
                    remedy=f"Install the Python package '{error.package}' into the kiosk's virtualenv")
    except CameraUnavailable as error:
        return fail("scanner", _message(error), part=PART_SCANNER,
                    remedy="Connect the web camera's USB cable and check that no other program uses it")
    except ScannerDisconnected as error:
        return fail("scanner", _message(error), part=PART_SCANNER, remedy="Reconnect the scanner's USB cable")
    except (ScannerError, DriverError, KioskError, OSError) as error:
        return fail("scanner", _message(error), part=PART_SCANNER,
                    remedy="Check the scanner's cable and its device in the kiosk configuration")
    finally:
        if scanner is not None:
            scanner.close()


def check_printer(open_printer: Callable[[], ReceiptPrinter] | None) -> CheckResult:
    """The printer answers and has paper."""
    if open_printer is None:
        return fail("printer", "no printer configured", part=PART_PRINTER,
                    remedy="Add the receipt printer to the kiosk configuration")
    try:
        printer = open_printer()
        status = printer.status()
    except PrinterDependencyMissing as error:
        return fail("printer", _message(error), part=PART_PRINTER,
                    remedy=f"Install the package '{error.package}'")
    except (PrinterError, DriverError, KioskError, OSError) as error:
        return fail("printer", _message(error), part=PART_PRINTER,
                    remedy="Check the printer's cable and its entry in the kiosk configuration")
    name = type(printer).__name__
    if status == "ready":
        return ok("printer", f"{name}: ready")
    if status == "paper_low":
        return warn("printer", f"{name}: paper low", part=PART_PRINTER, remedy="Put in a new paper roll soon")
    if status == "paper_out":
        return fail("printer", f"{name}: out of paper", part=PART_PRINTER, remedy="Put in a new paper roll")
    if status == "offline":
        return fail("printer", f"{name}: offline", part=PART_PRINTER,
                    remedy="Switch the printer on, connect its cable and close its cover")
    return warn("printer", f"{name}: cannot report its status", part=PART_PRINTER,
                remedy="Print this report (selftest --print) to see that the printer works")


def check_speech(
    open_speaker: Callable[[Path], EspeakSpeaker] = EspeakSpeaker.to_directory,
    *,
    work_directory: Path | None = None,
    timeout: float = SPEECH_TIMEOUT,
) -> CheckResult:
    """espeak-ng has a voice for kk, ru and en, and the speech driver writes a WAV file in each.

    ``open_speaker`` makes a speaker writing WAV files into the directory it is given (a temporary one).
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=work_directory) as directory:
        try:
            speaker = open_speaker(Path(directory))
        except SpeechDependencyMissing as error:
            return fail("speech", f"{error.what} is not installed", part=PART_SPEECH,
                        remedy=f"Install it: apt-get install {error.package}")
        try:
            missing = speaker.missing_languages()
            if missing:
                return fail("speech", f"no espeak-ng voice for {', '.join(missing)}", part=PART_SPEECH,
                            remedy="Install the voices: apt-get install --reinstall espeak-ng-data")
            for language in SPEECH_LANGUAGES:
                wav = speaker.start(SPEECH_SAMPLE[language], language)
                finished = speaker.wait_until_done(timeout)
                if not finished or speaker.last_error is not None or wav is None or not _looks_like_wav(wav):
                    return fail("speech", f"espeak-ng could not synthesise {language} to a WAV file",
                                part=PART_SPEECH,
                                remedy="Reinstall espeak-ng and espeak-ng-data; check free space in /tmp")
        finally:
            speaker.close()
    elapsed = (time.monotonic() - started) * 1000
    return ok("speech", f"voices {', '.join(SPEECH_LANGUAGES)}; {len(SPEECH_LANGUAGES)} WAV files in {elapsed:.0f} ms")


def _looks_like_wav(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            header = handle.read(12)
        size = path.stat().st_size
    except OSError:
        return False
    return header[:4] == b"RIFF" and header[8:12] == b"WAVE" and size > MIN_WAV_BYTES


def check_disk(path: Path, *, fail_below: int = DISK_FAIL_BELOW, warn_below: int = DISK_WARN_BELOW) -> CheckResult:
    """Free space on the disk that holds ``path`` (the journal's directory, or its nearest existing parent)."""
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        usage = shutil.disk_usage(existing)
    except OSError as error:
        return fail("disk", f"cannot measure free space at {existing} ({error.strerror})", part=PART_DISK,
                    remedy="Check that the kiosk's state directory exists and is readable")
    value = f"{_size(usage.free)} free of {_size(usage.total)} at {existing}"
    if usage.free < fail_below:
        return fail("disk", value, part=PART_DISK,
                    remedy=f"Free at least {_size(warn_below)}: remove old exports or logs (never the journal)")
    if usage.free < warn_below:
        return warn("disk", value, part=PART_DISK,
                    remedy=f"Free space below {_size(warn_below)}: remove old exports or logs (never the journal)")
    return ok("disk", value)


def check_journal(
    journal_path: Path, public_key: Callable[[], ec.EllipticCurvePublicKey], *, head_path: Path | None = None
) -> CheckResult:
    """The journal's chain, signatures and head verify (``kiosk.journal.verify``), when a journal exists."""
    if not journal_path.exists():
        return ok("journal", f"no journal yet at {journal_path}")
    try:
        key = public_key()
    except (KioskError, DriverError) as error:
        return warn("journal", f"not checked: the device key cannot be opened ({_message(error)})",
                    part=PART_JOURNAL, remedy="Fix the device key (see the signed ping), then run the self-test again")
    try:
        report = verify(journal_path, key, head_path=head_path)
    except JournalError as error:
        return fail("journal", _message(error), part=PART_JOURNAL,
                    remedy="Do not delete anything; call the territorial commission's technician")
    if report.ok:
        return ok("journal", f"{report.entries} entries verified (head at {report.head_sequence})")
    kinds = sorted({problem.kind for problem in report.problems})
    return fail("journal", f"{len(report.problems)} problem(s): {', '.join(kinds)}", part=PART_JOURNAL,
                remedy="Do not delete or repair anything: export the journal (kiosk-provision journal export) "
                       "and report it to the territorial commission")


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def _message(error: BaseException) -> str:
    if isinstance(error, KioskError):
        return error.message
    return str(error) or type(error).__name__

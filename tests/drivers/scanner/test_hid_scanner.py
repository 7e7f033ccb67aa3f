"""The HID keyboard-wedge scanner over a real pipe: Enter-terminated scans, timeouts and limits."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pytest

from drivers.scanner.errors import ScannerClosed, ScannerDisconnected, ScanTooLong, UndecodableScan
from drivers.scanner.hid import HidCodeScanner

PAYLOAD = "KZDD1:q3Vh0m2c1yq8oJ9l3kYgq1m3x3Vb2mS3Q4f7h9J0a1c"


@pytest.fixture
def pipe() -> Iterator[tuple[HidCodeScanner, BinaryIO]]:
    read_fd, write_fd = os.pipe()
    reader = os.fdopen(read_fd, "rb", buffering=0)
    writer = os.fdopen(write_fd, "wb", buffering=0)
    scanner = HidCodeScanner(reader, max_length=100)
    yield scanner, writer
    scanner.close()
    if not writer.closed:
        writer.close()


def test_scans_end_with_cr_lf_or_crlf(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write(f"{PAYLOAD}\r\nsecond\rthird\n".encode())
    assert scanner.read(timeout=1.0) == PAYLOAD
    assert scanner.read(timeout=1.0) == "second"
    assert scanner.read(timeout=1.0) == "third"
    assert scanner.read(timeout=0.05) is None


def test_kazakh_text_arrives_whole(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write("Қазақстан\r".encode())
    assert scanner.read(timeout=1.0) == "Қазақстан"


def test_a_scan_typed_slowly_is_assembled_across_reads(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write(PAYLOAD[:10].encode())
    assert scanner.read(timeout=0.05) is None  # no Enter yet: nothing, and nothing lost

    def type_the_rest() -> None:
        time.sleep(0.05)
        writer.write(PAYLOAD[10:].encode() + b"\n")

    typist = threading.Thread(target=type_the_rest)
    typist.start()
    assert scanner.read(timeout=2.0) == PAYLOAD
    typist.join()


def test_the_timeout_is_kept(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, _ = pipe
    started = time.monotonic()
    assert scanner.read(timeout=0.2) is None
    assert 0.15 <= time.monotonic() - started < 1.0


def test_an_overlong_scan_is_discarded_whole_and_the_next_one_read(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write(b"X" * 250)  # no Enter yet: over the limit already
    with pytest.raises(ScanTooLong) as raised:
        scanner.read(timeout=1.0)
    assert raised.value.translation_key == "scanner.scan_too_long"
    writer.write(b"Y" * 300 + b"\r" + PAYLOAD.encode() + b"\r")
    assert scanner.read(timeout=1.0) == PAYLOAD  # the tail of the long scan never appears as a scan


def test_an_overlong_scan_arriving_with_its_enter_is_refused(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write(b"Z" * 101 + b"\n" + b"ok\n")
    with pytest.raises(ScanTooLong):
        scanner.read(timeout=1.0)
    assert scanner.read(timeout=1.0) == "ok"


def test_bytes_that_are_not_utf8_are_a_typed_error(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write(b"\xff\xfe\xfd\r" + b"next\r")
    with pytest.raises(UndecodableScan):
        scanner.read(timeout=1.0)
    assert scanner.read(timeout=1.0) == "next"


def test_an_unplugged_scanner_is_reported(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, writer = pipe
    writer.write(b"half a sc")
    writer.close()
    with pytest.raises(ScannerDisconnected) as raised:
        scanner.read(timeout=1.0)
    assert raised.value.translation_key == "scanner.disconnected"


def test_closed_scanner_refuses_to_read(pipe: tuple[HidCodeScanner, BinaryIO]) -> None:
    scanner, _ = pipe
    scanner.close()
    with pytest.raises(ScannerClosed):
        scanner.read(timeout=0.1)


def test_open_a_device_path(tmp_path: Path) -> None:
    device = os.path.join(tmp_path, "ttyACM0")
    with open(device, "wb") as file:
        file.write(PAYLOAD.encode() + b"\r\n")
    scanner = HidCodeScanner.open(Path(device))
    try:
        assert scanner.read(timeout=1.0) == PAYLOAD
        with pytest.raises(ScannerDisconnected):  # end of file: the device is gone
            scanner.read(timeout=1.0)
    finally:
        scanner.close()
    with pytest.raises(ScannerDisconnected):
        HidCodeScanner.open(Path(device + "-missing"))

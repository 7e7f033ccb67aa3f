"""The simulator's scanner: rendered with segno, read back through the camera backend's zxing-cpp decoding."""

from __future__ import annotations

import threading
import time

import pytest
from PIL import Image

from drivers.scanner.errors import ScannerClosed
from kiosk.documents.qr_payload import (
    ForeignQrCode,
    MalformedQrPayload,
    QrPayloadBinary,
    QrPayloadTooLong,
    parse_qr_payload,
)
from simulator.scanner import SimCodeScanner, render_qr

PAYLOAD = "KZDD1:q3Vh0m2c1yq8oJ9l3kYgq1m3x3Vb2mS3Q4f7h9J0a1c"


def test_shown_payloads_are_read_in_order() -> None:
    scanner = SimCodeScanner()
    scanner.show(PAYLOAD)
    scanner.show("Сәлем")
    assert scanner.waiting == 2
    assert scanner.read(timeout=1.0) == PAYLOAD
    assert scanner.read(timeout=1.0) == "Сәлем"
    assert scanner.read(timeout=0.05) is None


def test_read_waits_for_a_payload_shown_later() -> None:
    scanner = SimCodeScanner()
    showing = threading.Timer(0.05, scanner.show, args=(PAYLOAD,))
    showing.start()
    assert scanner.read(timeout=2.0) == PAYLOAD
    showing.join()


def test_a_picture_without_a_code_reads_as_nothing() -> None:
    scanner = SimCodeScanner()
    scanner.show_image(Image.new("RGB", (200, 200), "white"))
    assert scanner.read(timeout=1.0) is None


def test_malformed_foreign_and_binary_payloads_reach_the_parser_and_are_refused() -> None:
    scanner = SimCodeScanner()
    scanner.show(PAYLOAD[:-3])
    scanner.show("WIFI:T:WPA;S:Station;P:pass;;")
    scanner.show(bytes([0x00, 0x9F, 0xFF]) * 10)
    for expected in (MalformedQrPayload, ForeignQrCode, QrPayloadBinary):
        text = scanner.read(timeout=1.0)
        assert text is not None
        with pytest.raises(expected):
            parse_qr_payload(text)


def test_an_oversized_payload_is_read_and_refused_by_the_parser_or_cannot_be_drawn() -> None:
    scanner = SimCodeScanner()
    scanner.show("KZDD1:" + "A" * 1500)
    text = scanner.read(timeout=2.0)
    assert text is not None and len(text) == 1506
    with pytest.raises(QrPayloadTooLong):
        parse_qr_payload(text)
    with pytest.raises(ValueError):
        render_qr("x" * 5000)  # more than the largest QR code holds


def test_close_wakes_a_waiting_read() -> None:
    scanner = SimCodeScanner()
    threading.Timer(0.05, scanner.close).start()
    started = time.monotonic()
    with pytest.raises(ScannerClosed):
        scanner.read(timeout=5.0)
    assert time.monotonic() - started < 2.0

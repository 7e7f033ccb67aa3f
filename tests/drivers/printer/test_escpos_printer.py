"""The ESC/POS backend: exact bytes through escpos's Dummy, status queries, and real TCP and file transports."""

from __future__ import annotations

import importlib.util
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from escpos.printer import Dummy
from PIL import Image

from drivers.printer.errors import PaperOut, PrinterDependencyMissing, PrinterOffline, PrinterUnsupported
from drivers.printer.escpos_printer import (
    EscposPrinter,
    FileTransport,
    NetworkTransport,
    UsbTransport,
    open_escpos_device,
)
from drivers.printer.printout import Code, KeyValue, Paragraph, Printout, Separator, Title
from drivers.printer.raster import render_raster

# ESC/POS command reference (Epson "ESC/POS Application Programming Guide"):
ESC_INIT = b"\x1b@"  # ESC @  initialise printer
GS_V0 = b"\x1dv0"  # GS v 0  print raster bit image
FEED_6_LINES = b"\x1bd\x06"  # ESC d n  print and feed n lines
FULL_CUT = b"\x1dV\x00"  # GS V 0  full cut
STATUS_PRINTER = b"\x10\x04\x01"  # DLE EOT 1  transmit printer status
STATUS_PAPER = b"\x10\x04\x04"  # DLE EOT 4  transmit roll paper sensor status
# Status bytes: bits 1 and 4 are always set; DLE EOT 1 bit 3 = offline; DLE EOT 4 bits 2,3 = near end, 5,6 = end.
ONLINE, OFFLINE = 0x12, 0x1A
PAPER_PRESENT, PAPER_NEAR_END, PAPER_END = 0x12, 0x1E, 0x72

SMALL = Printout(kind="receipt", language="kk", blocks=(Title("Қабылданды"), KeyValue("ЖСН", "••••1239")))


def raster_command(image: Image.Image) -> bytes:
    """GS v 0 for ``image``, packed from the spec: 1 bit per dot, MSB leftmost, 1 = black, rows padded to bytes."""
    grey = image.convert("L")
    width_bytes = (grey.width + 7) // 8
    data = bytearray()
    for y in range(grey.height):
        for column in range(width_bytes):
            byte = 0
            for bit in range(8):
                x = column * 8 + bit
                if x < grey.width and grey.getpixel((x, y)) == 0:
                    byte |= 0x80 >> bit
            data.append(byte)
    header = GS_V0 + bytes([0]) + width_bytes.to_bytes(2, "little") + grey.height.to_bytes(2, "little")
    return header + bytes(data)


class StatusDummy(Dummy):
    """escpos's Dummy printer that also answers the real-time status queries, like a device would."""

    def __init__(self, printer_status: int = ONLINE, paper_status: int = PAPER_PRESENT, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.answers = {STATUS_PRINTER: bytes([printer_status]), STATUS_PAPER: bytes([paper_status])}
        self.closed = 0

    def _read(self) -> bytes:
        return self.answers[self._output_list[-1]]

    def close(self) -> None:
        self.closed += 1


def test_a_printout_is_init_then_one_raster_image_then_feed_and_cut_byte_for_byte() -> None:
    device = Dummy(profile="TM-T20II")
    printer = EscposPrinter(device, can_query_status=False)
    job = printer.print(SMALL)
    expected_image = render_raster(SMALL, width_dots=576, dpi=203)
    assert expected_image.height < 960  # one fragment
    assert device.output == ESC_INIT + raster_command(expected_image) + FEED_6_LINES + FULL_CUT
    assert job.kind == "receipt"
    assert job.job_id == "1"
    assert printer.print(SMALL).job_id == "2"


def test_a_tall_printout_is_sent_in_fragments_that_add_up_to_the_image() -> None:
    tall = Printout(kind="receipt", language="ru", blocks=tuple(Paragraph(f"Строка {n} — Әә Өө") for n in range(60)))
    device = Dummy(profile="TM-T20II")
    EscposPrinter(device, can_query_status=False).print(tall)
    image = render_raster(tall, width_dots=576)
    output = device.output
    assert output.startswith(ESC_INIT)
    assert output.endswith(FEED_6_LINES + FULL_CUT)
    heights = []
    position = len(ESC_INIT)
    while output[position:position + 3] == GS_V0:
        width_bytes = int.from_bytes(output[position + 4:position + 6], "little")
        height = int.from_bytes(output[position + 6:position + 8], "little")
        assert width_bytes == 72
        heights.append(height)
        position += 8 + width_bytes * height
    assert output[position:] == FEED_6_LINES + FULL_CUT
    assert len(heights) > 1
    assert sum(heights) == image.height
    assert max(heights) <= 960


def test_the_profile_sets_the_paper_width() -> None:
    device = Dummy(profile="NT-5890K")  # a 58 mm printer, 384 dots
    printer = EscposPrinter(device, can_query_status=False)
    assert printer.width_dots == 384
    printer.print(SMALL)
    assert device.output[len(ESC_INIT) + 4:len(ESC_INIT) + 6] == (384 // 8).to_bytes(2, "little")


def test_a_profile_without_a_paper_width_is_refused_loudly() -> None:
    with pytest.raises(PrinterUnsupported, match="paper width"):
        EscposPrinter(Dummy(), can_query_status=False)


def test_a_profile_without_raster_images_is_refused() -> None:
    with pytest.raises(PrinterUnsupported, match="raster"):
        EscposPrinter(Dummy(profile="TM-U220"), can_query_status=False)


@pytest.mark.parametrize(
    ("printer_status", "paper_status", "expected"),
    [
        (ONLINE, PAPER_PRESENT, "ready"),
        (ONLINE, PAPER_NEAR_END, "paper_low"),
        (ONLINE, PAPER_END, "paper_out"),
        (OFFLINE, PAPER_PRESENT, "offline"),
    ],
)
def test_status_comes_from_the_real_time_status_bytes(printer_status: int, paper_status: int, expected: str) -> None:
    device = StatusDummy(printer_status, paper_status, profile="TM-T20II")
    assert EscposPrinter(device, can_query_status=True).status() == expected
    assert device.closed >= 1  # the connection is not held between queries


def test_a_transport_that_cannot_read_reports_unknown() -> None:
    assert EscposPrinter(Dummy(profile="TM-T20II"), can_query_status=False).status() == "unknown"


def test_paper_out_is_refused_before_anything_is_printed() -> None:
    device = StatusDummy(ONLINE, PAPER_END, profile="TM-T20II")
    with pytest.raises(PaperOut) as raised:
        EscposPrinter(device, can_query_status=True).print(SMALL)
    assert raised.value.translation_key == "printer.paper_out"
    assert device.output == STATUS_PRINTER + STATUS_PAPER  # only the questions, no print data


def test_an_offline_printer_is_refused_before_anything_is_printed() -> None:
    device = StatusDummy(OFFLINE, PAPER_PRESENT, profile="TM-T20II")
    with pytest.raises(PrinterOffline):
        EscposPrinter(device, can_query_status=True).print(SMALL)
    assert device.output == STATUS_PRINTER


def test_paper_low_still_prints() -> None:
    device = StatusDummy(ONLINE, PAPER_NEAR_END, profile="TM-T20II")
    EscposPrinter(device, can_query_status=True).print(SMALL)
    assert device.output.startswith(STATUS_PRINTER + STATUS_PAPER + ESC_INIT)
    assert device.output.endswith(FULL_CUT)


class FakeNetworkPrinter:
    """A raw-port printer on 127.0.0.1: records what it receives and answers DLE EOT queries."""

    def __init__(self, paper_status: int = PAPER_PRESENT) -> None:
        self.paper_status = paper_status
        self.received: list[bytes] = []
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            with connection:
                buffer = b""
                while chunk := connection.recv(65536):
                    buffer += chunk
                    if buffer.endswith(STATUS_PRINTER):
                        connection.sendall(bytes([ONLINE]))
                    elif buffer.endswith(STATUS_PAPER):
                        connection.sendall(bytes([self.paper_status]))
                self.received.append(buffer)

    def close(self) -> None:
        self._server.close()


@pytest.fixture
def network_printer() -> Iterator[FakeNetworkPrinter]:
    printer = FakeNetworkPrinter()
    yield printer
    printer.close()


def test_printing_over_the_network_sends_the_same_bytes(network_printer: FakeNetworkPrinter) -> None:
    printer = EscposPrinter.from_transport(NetworkTransport("127.0.0.1", network_printer.port, timeout_seconds=5))
    assert printer.status() == "ready"
    printer.print(SMALL)
    for _ in range(200):
        if len(network_printer.received) >= 3:
            break
        threading.Event().wait(0.01)
    expected = ESC_INIT + raster_command(render_raster(SMALL)) + FEED_6_LINES + FULL_CUT
    # one connection per question and one per job: a printer switched off and on is simply reconnected
    assert network_printer.received == [STATUS_PRINTER + STATUS_PAPER, STATUS_PRINTER + STATUS_PAPER, expected]


def test_paper_out_over_the_network(network_printer: FakeNetworkPrinter) -> None:
    network_printer.paper_status = PAPER_END
    printer = EscposPrinter.from_transport(NetworkTransport("127.0.0.1", network_printer.port, timeout_seconds=5))
    with pytest.raises(PaperOut):
        printer.print(SMALL)


def test_nobody_listening_is_offline() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    printer = EscposPrinter.from_transport(NetworkTransport("127.0.0.1", free_port, timeout_seconds=1))
    assert printer.status() == "offline"
    with pytest.raises(PrinterOffline) as raised:
        printer.print(SMALL)
    assert raised.value.translation_key == "printer.offline"


def test_a_device_file_receives_the_job_and_cannot_be_asked_for_status(tmp_path: Path) -> None:
    device_file = tmp_path / "lp0"
    printer = EscposPrinter.from_transport(FileTransport(device_file))
    assert printer.status() == "unknown"
    printer.print(SMALL)
    assert device_file.read_bytes() == ESC_INIT + raster_command(render_raster(SMALL)) + FEED_6_LINES + FULL_CUT


def test_a_device_file_that_cannot_be_opened_is_offline(tmp_path: Path) -> None:
    printer = EscposPrinter.from_transport(FileTransport(tmp_path / "missing-dir" / "lp0"))
    with pytest.raises(PrinterOffline):
        printer.print(SMALL)


@pytest.mark.skipif(importlib.util.find_spec("usb") is not None, reason="pyusb is installed here")
def test_usb_without_pyusb_names_the_package() -> None:
    with pytest.raises(PrinterDependencyMissing) as raised:
        open_escpos_device(UsbTransport(0x04B8, 0x0202))
    assert raised.value.package == "pyusb"


def test_codes_and_separators_reach_the_printer_as_dots() -> None:
    printout = Printout(kind="receipt", language="en", blocks=(Code("REF-1"), Separator()))
    device = Dummy(profile="TM-T20II")
    EscposPrinter(device, can_query_status=False).print(printout)
    assert device.output == ESC_INIT + raster_command(render_raster(printout)) + FEED_6_LINES + FULL_CUT

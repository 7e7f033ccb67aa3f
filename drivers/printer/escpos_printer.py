"""The ESC/POS receipt printer (python-escpos), over USB, the network (raw port 9100) or a device file.

Each printout is drawn as one raster image (``drivers.printer.raster``) and sent with GS v 0, because the
printers' code pages have no Kazakh letters. python-escpos builds the command bytes; the transport only
carries them, so tests compare exact bytes through escpos's ``Dummy`` printer.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drivers.printer.errors import PaperOut, PrinterDependencyMissing, PrinterOffline, PrinterUnsupported
from drivers.printer.printout import Printout
from drivers.printer.raster import REFERENCE_DPI, render_raster
from drivers.printer.receipt_printer import PrinterStatus, PrintJob


def _keep_escpos_capabilities_cache() -> None:
    """python-escpos parses its printer database (about 1.3 s) on every import unless its pickle survives; by
    default it pickles into a fresh temporary directory each time, so point it at a lasting cache directory."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "polling-kiosk" / "escpos"
    with contextlib.suppress(OSError):
        cache.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(cache))


_keep_escpos_capabilities_cache()

from escpos.escpos import Escpos  # noqa: E402 - the cache directory must be set before escpos loads
from escpos.exceptions import DeviceNotFoundError, ImageWidthError  # noqa: E402

DEFAULT_PROFILE = "TM-T20II"  # a common 80 mm, 203 dpi printer with a cutter; profiles carry the paper width

# python-escpos paper_status() results, from DLE EOT 4 (ESC/POS "transmit real-time status", n=4, roll paper
# sensor): 0 paper end, 1 paper near end, 2 paper present.
_PAPER_STATUS: dict[int, PrinterStatus] = {0: "paper_out", 1: "paper_low", 2: "ready"}


@dataclass(frozen=True, slots=True)
class UsbTransport:
    """A USB printer, found by its vendor and product id (needs the ``pyusb`` package and libusb)."""

    vendor_id: int
    product_id: int
    timeout_ms: int = 5000
    in_endpoint: int = 0x82
    out_endpoint: int = 0x01


@dataclass(frozen=True, slots=True)
class NetworkTransport:
    """A network printer's raw port (JetDirect, 9100 by convention)."""

    host: str
    port: int = 9100
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class FileTransport:
    """A device file such as ``/dev/usb/lp0`` (write-only: the printer cannot be asked for its status)."""

    path: Path


EscposTransport = UsbTransport | NetworkTransport | FileTransport


def open_escpos_device(transport: EscposTransport, *, profile: str = DEFAULT_PROFILE) -> Escpos:
    """The python-escpos printer object for ``transport``; it connects on first use."""
    match transport:
        case UsbTransport():
            from escpos.printer import Usb  # noqa: PLC0415 - pyusb is needed only when USB is configured

            if not Usb.is_usable():
                raise PrinterDependencyMissing("USB access for the receipt printer", "pyusb")
            return Usb(
                transport.vendor_id, transport.product_id, timeout=transport.timeout_ms,
                in_ep=transport.in_endpoint, out_ep=transport.out_endpoint, profile=profile,
            )
        case NetworkTransport():
            from escpos.printer import Network  # noqa: PLC0415

            return Network(transport.host, transport.port, timeout=transport.timeout_seconds, profile=profile)
        case FileTransport():
            from escpos.printer import File  # noqa: PLC0415

            return File(str(transport.path), profile=profile)
    raise PrinterUnsupported(f"unknown printer transport {type(transport).__name__}")


class EscposPrinter:
    """A ``ReceiptPrinter`` driving an ESC/POS printer through a python-escpos printer object.

    ``can_query_status`` says whether the transport can read the printer's answers (USB and network can,
    a device file cannot). The connection is closed after every job and query, so a printer that was
    switched off and on again is simply reconnected next time.
    """

    def __init__(self, device: Escpos, *, can_query_status: bool) -> None:
        width = _profile_value(device, "width", "pixels")
        if not isinstance(width, int):
            raise PrinterUnsupported("the printer profile lacks the paper width in dots; choose a named profile")
        if not device.profile.supports("bitImageRaster"):
            raise PrinterUnsupported("the printer profile does not support raster images (GS v 0)")
        dpi = _profile_value(device, "dpi")
        self._device = device
        self._can_query_status = can_query_status
        self._width_dots = width
        self._dpi = dpi if isinstance(dpi, int) else REFERENCE_DPI
        self._job_numbers = itertools.count(1)

    @classmethod
    def from_transport(cls, transport: EscposTransport, *, profile: str = DEFAULT_PROFILE) -> EscposPrinter:
        """The printer on ``transport``, with the paper width and resolution of the escpos ``profile``."""
        return cls(
            open_escpos_device(transport, profile=profile),
            can_query_status=not isinstance(transport, FileTransport),
        )

    @property
    def width_dots(self) -> int:
        """The printable width in dots, from the printer profile."""
        return self._width_dots

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, then DLE EOT 4); "unknown" when the transport cannot read answers."""
        if not self._can_query_status:
            return "unknown"
        try:
            if not self._device.is_online():
                return "offline"
            return _PAPER_STATUS.get(self._device.paper_status(), "unknown")
        except NotImplementedError:
            return "unknown"
        except (DeviceNotFoundError, OSError):
            return "offline"
        finally:
            self._close()

    def print(self, printout: Printout) -> PrintJob:
        """Print ``printout`` and cut; check the printer first where it can be asked."""
        status = self.status()
        if status == "offline":
            raise PrinterOffline("the receipt printer is offline or cannot be reached")
        if status == "paper_out":
            raise PaperOut("the receipt printer is out of paper")
        image = render_raster(printout, width_dots=self._width_dots, dpi=self._dpi)
        try:
            self._device.hw("INIT")  # ESC @: forget any mode a previous, interrupted job left behind
            self._device.image(image, impl="bitImageRaster", center=False)
            self._device.cut()
        except ImageWidthError as error:
            raise PrinterUnsupported("the printout is wider than the paper") from error
        except (DeviceNotFoundError, OSError) as error:
            raise PrinterOffline("the receipt printer stopped answering while printing") from error
        finally:
            self._close()
        return PrintJob(job_id=str(next(self._job_numbers)), kind=printout.kind)

    def _close(self) -> None:
        with contextlib.suppress(OSError):  # the connection is already gone, which is what closing wanted
            self._device.close()
        # python-escpos leaves ``device`` as None after a failed connect and then never retries; False is its
        # documented "not connected yet" state, so the next job connects afresh.
        self._device.device = False


def _profile_value(device: Escpos, *path: str) -> Any:
    value: Any = device.profile.profile_data.get("media", {})
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value

"""Typed errors of the code scanners. Messages name devices and packages, never what was scanned."""

from __future__ import annotations

from drivers.errors import DriverError


class ScannerError(DriverError):
    """Root of code scanner errors."""

    translation_key = "scanner.error"


class ScannerDependencyMissing(ScannerError):
    """A library the chosen backend needs is not installed; ``package`` names what to install."""

    translation_key = "scanner.dependency_missing"

    def __init__(self, package: str, module: str) -> None:
        super().__init__(f"the camera scanner needs the Python package {package!r} (module {module!r} is missing)")
        self.package = package
        self.module = module


class CameraUnavailable(ScannerError):
    """The camera cannot be opened, or stopped delivering frames."""

    translation_key = "scanner.camera_unavailable"


class ScannerDisconnected(ScannerError):
    """The scanner's input ended (the HID device was unplugged or its stream closed)."""

    translation_key = "scanner.disconnected"


class ScannerClosed(ScannerError):
    """``read`` was called after ``close``."""

    translation_key = "scanner.closed"


class ScanTooLong(ScannerError):
    """A scan went on past the length limit without its Enter; it was thrown away whole."""

    translation_key = "scanner.scan_too_long"

    def __init__(self, limit: int) -> None:
        super().__init__(f"a scan was longer than {limit} characters and was discarded")
        self.limit = limit


class UndecodableScan(ScannerError):
    """A HID scan's bytes are not UTF-8 (a misconfigured scanner or keyboard layout)."""

    translation_key = "scanner.undecodable"

    def __init__(self) -> None:
        super().__init__("the scanner sent bytes that are not UTF-8 text")

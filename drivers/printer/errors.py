"""Typed errors of the printers. Messages name devices, queues and packages, never what was printed."""

from __future__ import annotations

from drivers.errors import DriverError


class PrinterError(DriverError):
    """Root of printer errors."""

    translation_key = "printer.error"


class PrinterOffline(PrinterError):
    """The printer cannot be reached, or says it is offline (cover open, error state, unplugged)."""

    translation_key = "printer.offline"


class PaperOut(PrinterError):
    """The printer has no paper left."""

    translation_key = "printer.paper_out"


class PrinterUnsupported(PrinterError):
    """The printer cannot print this (a code too large for the paper, a paper size it does not take)."""

    translation_key = "printer.unsupported"


class PrintJobFailed(PrinterError):
    """The print system refused or lost the job; ``detail`` is its own one-line reason."""

    translation_key = "printer.job_failed"

    def __init__(self, message: str, *, detail: str = "") -> None:
        super().__init__(f"{message}: {detail}" if detail else message)
        self.detail = detail


class PrinterDependencyMissing(PrinterError):
    """Something the backend needs is not installed; ``package`` names what to install."""

    translation_key = "printer.dependency_missing"

    def __init__(self, what: str, package: str) -> None:
        super().__init__(f"the printer needs {what}: install the package {package!r}")
        self.what = what
        self.package = package

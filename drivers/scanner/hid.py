"""A HID scanner as a code scanner: the characters it types, up to Enter, read from a stream.

Scanners in USB serial mode (``/dev/ttyACM0``) and keyboard wedges whose keystrokes reach a terminal or pipe
both deliver the code as text followed by Enter (CR, LF or CR LF). The stream is read through its file
descriptor with ``select``, so ``read`` never blocks past its timeout, and Python's own buffering cannot hide
a complete scan from ``select``. A scan longer than ``max_length`` bytes is thrown away whole, never cut.
"""

from __future__ import annotations

import os
import select
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from drivers.scanner.errors import ScannerClosed, ScannerDisconnected, ScanTooLong, UndecodableScan

DEFAULT_MAX_LENGTH = 2048
READ_CHUNK = 4096
_TERMINATORS = (b"\r", b"\n")


class FileDescriptorStream(Protocol):
    """Any open stream with a file descriptor (a file object, a pipe end, a serial device)."""

    def fileno(self) -> int:
        """The file descriptor."""
        ...

    def close(self) -> None:
        """Close the stream."""
        ...


class HidCodeScanner:
    """Reads Enter-terminated scans from ``stream``; ``owns_stream`` closes it on :meth:`close`."""

    def __init__(
        self,
        stream: FileDescriptorStream,
        *,
        max_length: int = DEFAULT_MAX_LENGTH,
        owns_stream: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_length < 1:
            raise ValueError("max_length must be at least 1")
        self._stream = stream
        self._fd = stream.fileno()
        self._max_length = max_length
        self._owns_stream = owns_stream
        self._clock = clock
        self._buffer = bytearray()
        self._discarding = False  # inside a scan that already went past the limit
        self._closed = False

    @classmethod
    def open(cls, path: Path, *, max_length: int = DEFAULT_MAX_LENGTH) -> HidCodeScanner:
        """Open a scanner device (for example a USB serial scanner at ``/dev/ttyACM0``)."""
        try:
            stream = path.open("rb", buffering=0)
        except OSError as error:
            raise ScannerDisconnected(f"cannot open the scanner device {path}") from error
        return cls(stream, max_length=max_length)

    def read(self, timeout: float) -> str | None:
        """The next scan typed within ``timeout`` seconds (without its Enter), or None."""
        if self._closed:
            raise ScannerClosed("the HID scanner is closed")
        deadline = self._clock() + timeout
        while True:
            scan = self._take_scan()
            if scan is not None:
                return scan
            remaining = deadline - self._clock()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._fd], [], [], remaining)
            if not ready:
                return None
            try:
                chunk = os.read(self._fd, READ_CHUNK)
            except OSError as error:
                raise ScannerDisconnected("the scanner's input failed") from error
            if not chunk:
                raise ScannerDisconnected("the scanner's input ended")
            self._buffer += chunk

    def close(self) -> None:
        """Stop reading; close the stream if this scanner owns it."""
        if not self._closed:
            self._closed = True
            if self._owns_stream:
                self._stream.close()

    def _take_scan(self) -> str | None:
        """A complete, non-empty scan from the buffer, or None (raising for one too long or not UTF-8)."""
        while True:
            end = _first_terminator(self._buffer)
            if end is None:
                if len(self._buffer) > self._max_length:
                    self._buffer.clear()
                    if not self._discarding:
                        self._discarding = True
                        raise ScanTooLong(self._max_length)
                return None
            line = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._discarding:
                self._discarding = False  # the Enter that ends the overlong scan
                continue
            if not line:
                continue  # CR LF, or a stray Enter
            if len(line) > self._max_length:
                raise ScanTooLong(self._max_length)
            try:
                return line.decode("utf-8")
            except UnicodeDecodeError as error:
                raise UndecodableScan() from error


def _first_terminator(buffer: bytearray) -> int | None:
    positions = [position for position in (buffer.find(mark) for mark in _TERMINATORS) if position >= 0]
    return min(positions) if positions else None

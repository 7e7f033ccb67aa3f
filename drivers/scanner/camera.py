"""A web camera as a code scanner: frames from OpenCV's ``VideoCapture``, decoded by zxing-cpp.

OpenCV (``opencv-python-headless``) is imported only when a camera scanner is made, so a kiosk with a HID
scanner does not need it; when it is missing, :class:`ScannerDependencyMissing` says which package to install.

A code held in front of the camera stays in view for many frames: the same text is returned once, and again
only after it has been out of view for ``repeat_after`` seconds, so one showing is one scan.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any

from drivers.scanner.decoding import decode_qr
from drivers.scanner.errors import CameraUnavailable, ScannerClosed, ScannerDependencyMissing

OPENCV_PACKAGE = "opencv-python-headless"
MAX_FAILED_FRAMES = 10  # a few dropped frames are normal for USB cameras; this many in a row is a dead camera


def load_opencv() -> Any:
    """The ``cv2`` module, or :class:`ScannerDependencyMissing` naming the package to install."""
    try:
        return importlib.import_module("cv2")
    except ImportError as error:
        missing = error.name or "cv2"
        package = OPENCV_PACKAGE if missing == "cv2" else missing
        raise ScannerDependencyMissing(package, missing) from error


class CameraCodeScanner:
    """Reads QR codes from a camera (an OpenCV device index or path, e.g. ``0`` or ``/dev/video0``)."""

    def __init__(
        self,
        device: int | str = 0,
        *,
        repeat_after: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        cv2 = load_opencv()
        self._native_error: type[BaseException] = getattr(cv2, "error", RuntimeError)
        try:
            self._capture = cv2.VideoCapture(device)
            opened = bool(self._capture.isOpened())
        except self._native_error as error:
            raise CameraUnavailable("the camera could not be opened") from error
        if not opened:
            self._capture.release()
            raise CameraUnavailable("the camera could not be opened (missing, busy or not permitted)")
        self._repeat_after = repeat_after
        self._clock = clock
        self._closed = False
        self._last_text: str | None = None
        self._last_seen = float("-inf")

    def read(self, timeout: float) -> str | None:
        """The next new code seen within ``timeout`` seconds, or None."""
        if self._closed:
            raise ScannerClosed("the camera scanner is closed")
        deadline = self._clock() + timeout
        failed = 0
        while True:
            frame = self._next_frame()
            if frame is None:
                failed += 1
                if failed >= MAX_FAILED_FRAMES:
                    raise CameraUnavailable("the camera stopped delivering frames")
            else:
                failed = 0
                text = decode_qr(frame)
                if text is not None and self._is_new(text):
                    return text
            if self._clock() >= deadline:
                return None

    def close(self) -> None:
        """Release the camera."""
        if not self._closed:
            self._closed = True
            self._capture.release()

    def _next_frame(self) -> Any:
        try:
            ok, frame = self._capture.read()
        except self._native_error as error:
            raise CameraUnavailable("the camera failed while delivering a frame") from error
        return frame if ok else None

    def _is_new(self, text: str) -> bool:
        now = self._clock()
        repeated = text == self._last_text and now - self._last_seen < self._repeat_after
        self._last_text, self._last_seen = text, now
        return not repeated

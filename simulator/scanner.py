"""The simulator's code scanner: payloads shown to it are drawn as QR images with segno and read back through
the same zxing-cpp decoding the camera backend uses (``drivers.scanner.decoding.decode_qr``).

Another thread (a test, the simulator's controls) shows payloads or arbitrary images; ``read`` waits for
the next one, like a camera waiting for someone to hold up their phone.
"""

from __future__ import annotations

import collections
import io
import threading
import time

import segno
from PIL import Image

from drivers.scanner.decoding import decode_qr
from drivers.scanner.errors import ScannerClosed

DEFAULT_SCALE = 4  # pixels per module: about what a phone screen gives a camera at arm's length
QUIET_ZONE_MODULES = 4  # ISO/IEC 18004 section 7.3.7: the quiet zone is 4 modules wide


def render_qr(payload: str | bytes, *, scale: int = DEFAULT_SCALE, error: str = "m") -> Image.Image:
    """A QR image of ``payload`` (RGB), the way an app would show it; ValueError if no QR can hold it."""
    try:
        code = segno.make_qr(payload, error=error, boost_error=False)
    except segno.DataOverflowError as overflow:
        raise ValueError("the payload does not fit in any QR code") from overflow
    png = io.BytesIO()
    code.save(png, kind="png", scale=scale, border=QUIET_ZONE_MODULES)
    png.seek(0)
    with Image.open(png) as image:
        return image.convert("RGB")


def as_bgr_frame(image: Image.Image) -> memoryview:
    """``image`` as a camera frame: the ``(height, width, 3)`` BGR bytes OpenCV's ``VideoCapture`` delivers."""
    red, green, blue = image.convert("RGB").split()
    bgr = Image.merge("RGB", (blue, green, red))
    return memoryview(bgr.tobytes()).cast("B", (image.height, image.width, 3))


class SimCodeScanner:
    """A ``CodeScanner`` fed by :meth:`show` (payloads) and :meth:`show_image` (any picture)."""

    def __init__(self, *, scale: int = DEFAULT_SCALE) -> None:
        self._scale = scale
        self._images: collections.deque[Image.Image] = collections.deque()
        self._changed = threading.Condition()
        self._closed = False

    def show(self, payload: str | bytes) -> None:
        """Hold up a QR code carrying ``payload``."""
        self.show_image(render_qr(payload, scale=self._scale))

    def show_image(self, image: Image.Image) -> None:
        """Hold up any picture (a damaged code, a photo with no code at all)."""
        with self._changed:
            self._images.append(image)
            self._changed.notify_all()

    @property
    def waiting(self) -> int:
        """How many shown images have not been read yet."""
        with self._changed:
            return len(self._images)

    def read(self, timeout: float) -> str | None:
        """Decode the next shown image; None if nothing was shown within ``timeout`` or it holds no QR code."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not self._images and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)
            if self._closed:
                raise ScannerClosed("the simulated scanner is closed")
            image = self._images.popleft()
        return decode_qr(as_bgr_frame(image))

    def close(self) -> None:
        """Stop; a waiting ``read`` raises ``ScannerClosed``."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

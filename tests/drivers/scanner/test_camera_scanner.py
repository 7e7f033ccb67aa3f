"""The camera scanner with OpenCV's native capture replaced (no camera here): real frames holding real QR
codes go through the real zxing-cpp decoding."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PIL import Image
from pytest_mock import MockerFixture

from drivers.errors import DriverError
from drivers.scanner.camera import MAX_FAILED_FRAMES, CameraCodeScanner
from drivers.scanner.errors import CameraUnavailable, ScannerClosed, ScannerDependencyMissing
from simulator.scanner import as_bgr_frame, render_qr

PAYLOAD = "KZDD1:q3Vh0m2c1yq8oJ9l3kYgq1m3x3Vb2mS3Q4f7h9J0a1c"


class NativeCameraError(Exception):
    """Stands for ``cv2.error``."""


class Clock:
    """A clock that moves one tick per reading, so timeouts are exact and tests fast."""

    def __init__(self, tick: float = 0.04) -> None:
        self.now = 0.0
        self.tick = tick

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


def fake_opencv(mocker: MockerFixture, frames: list[Any], *, opened: bool = True) -> Any:
    """Install a stand-in ``cv2`` whose VideoCapture delivers ``frames`` (a frame of None is a failed read)."""
    cv2 = mocker.MagicMock(name="cv2")
    cv2.error = NativeCameraError
    capture = cv2.VideoCapture.return_value
    capture.isOpened.return_value = opened
    capture.read.side_effect = [(frame is not None, frame) for frame in frames]
    mocker.patch.dict(sys.modules, {"cv2": cv2})
    return cv2


def blank_frame() -> memoryview:
    return as_bgr_frame(Image.new("RGB", (320, 240), "white"))


def qr_frame(text: str = PAYLOAD) -> memoryview:
    picture = Image.new("RGB", (320, 240), "white")
    picture.paste(render_qr(text, scale=2), (40, 20))
    return as_bgr_frame(picture)


def test_reads_a_code_after_some_empty_frames(mocker: MockerFixture) -> None:
    cv2 = fake_opencv(mocker, [blank_frame(), blank_frame(), qr_frame()])
    scanner = CameraCodeScanner("/dev/video0", clock=Clock())
    assert scanner.read(timeout=5.0) == PAYLOAD
    cv2.VideoCapture.assert_called_once_with("/dev/video0")
    scanner.close()
    scanner.close()
    cv2.VideoCapture.return_value.release.assert_called_once()
    with pytest.raises(ScannerClosed):
        scanner.read(timeout=0.1)


def test_times_out_with_none_when_no_code_is_shown(mocker: MockerFixture) -> None:
    fake_opencv(mocker, [blank_frame()] * 50)
    assert CameraCodeScanner(clock=Clock(tick=0.1)).read(timeout=1.0) is None


def test_the_same_code_held_up_is_one_scan(mocker: MockerFixture) -> None:
    other = PAYLOAD[:-1] + "A"
    frames = [qr_frame()] * 5 + [qr_frame(other)] + [blank_frame()] * 60 + [qr_frame()]
    fake_opencv(mocker, frames)
    scanner = CameraCodeScanner(repeat_after=2.0, clock=Clock(tick=0.05))
    assert scanner.read(timeout=10.0) == PAYLOAD
    assert scanner.read(timeout=10.0) == other  # the first code's repeats in view were not scans
    assert scanner.read(timeout=10.0) == PAYLOAD  # shown again after it was out of view long enough


def test_foreign_and_binary_codes_are_passed_on_for_the_parser_to_refuse(mocker: MockerFixture) -> None:
    fake_opencv(mocker, [qr_frame("WIFI:T:WPA;S:x;P:y;;")])
    assert CameraCodeScanner(clock=Clock()).read(timeout=1.0) == "WIFI:T:WPA;S:x;P:y;;"


def test_a_camera_that_does_not_open_is_a_typed_error(mocker: MockerFixture) -> None:
    cv2 = fake_opencv(mocker, [], opened=False)
    with pytest.raises(CameraUnavailable) as raised:
        CameraCodeScanner(3)
    assert raised.value.translation_key == "scanner.camera_unavailable"
    cv2.VideoCapture.return_value.release.assert_called_once()


def test_a_camera_that_stops_delivering_frames_is_a_typed_error(mocker: MockerFixture) -> None:
    fake_opencv(mocker, [blank_frame()] + [None] * MAX_FAILED_FRAMES)
    with pytest.raises(CameraUnavailable):
        CameraCodeScanner(clock=Clock()).read(timeout=60.0)


def test_a_few_dropped_frames_are_tolerated(mocker: MockerFixture) -> None:
    fake_opencv(mocker, [None] * (MAX_FAILED_FRAMES - 1) + [qr_frame()])
    assert CameraCodeScanner(clock=Clock()).read(timeout=60.0) == PAYLOAD


def test_native_errors_become_typed_errors(mocker: MockerFixture) -> None:
    cv2 = fake_opencv(mocker, [])
    cv2.VideoCapture.return_value.read.side_effect = NativeCameraError("V4L2: select timeout")
    with pytest.raises(CameraUnavailable) as raised:
        CameraCodeScanner(clock=Clock()).read(timeout=1.0)
    assert isinstance(raised.value, DriverError)


def test_missing_opencv_names_the_package(mocker: MockerFixture) -> None:
    mocker.patch.dict(sys.modules, {"cv2": None})  # makes ``import cv2`` raise ImportError
    with pytest.raises(ScannerDependencyMissing) as raised:
        CameraCodeScanner()
    assert raised.value.package == "opencv-python-headless"
    assert "opencv-python-headless" in str(raised.value)
    assert raised.value.translation_key == "scanner.dependency_missing"

"""zxing-cpp decoding of real segno QR images, in every frame form a backend hands over."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from drivers.scanner.decoding import decode_qr
from simulator.scanner import as_bgr_frame, render_qr

PAYLOAD = "KZDD1:" + "q3Vh0m2c1yq8oJ9l3kYgq1m3x3Vb2mS3Q4f7h9J0a1c"


@pytest.mark.parametrize("text", [PAYLOAD, "Сәлем, әлем! Қазақстан", "https://egov.kz"])
def test_text_codes_decode_from_pil_bgr_and_grayscale_frames(text: str) -> None:
    image = render_qr(text)
    gray = image.convert("L")
    assert decode_qr(image) == text
    assert decode_qr(as_bgr_frame(image)) == text
    assert decode_qr(memoryview(gray.tobytes()).cast("B", (gray.height, gray.width))) == text


def test_a_frame_without_a_code_gives_none() -> None:
    assert decode_qr(Image.new("RGB", (320, 240), "white")) is None
    noise = Image.effect_noise((320, 240), 90).convert("RGB")
    assert decode_qr(as_bgr_frame(noise)) is None


def test_a_damaged_code_gives_none() -> None:
    image = render_qr(PAYLOAD)
    ImageDraw.Draw(image).rectangle((0, 0, image.width // 2, image.height // 2), fill="black")
    assert decode_qr(image) is None


def test_binary_content_comes_out_with_its_control_bytes_visible() -> None:
    text = decode_qr(render_qr(bytes([0, 1, 2, 0xFF, 0xFE]) + b"KZDD"))
    assert text is not None
    assert "\x00" in text or "\ufffd" in text  # never a clean-looking text


def test_a_code_in_a_larger_camera_picture_is_found() -> None:
    picture = Image.new("RGB", (640, 480), (200, 190, 180))
    picture.paste(render_qr(PAYLOAD, scale=3), (250, 120))
    assert decode_qr(as_bgr_frame(picture)) == PAYLOAD

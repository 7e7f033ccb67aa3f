"""Code scanners: the ``CodeScanner`` interface, a camera backend (OpenCV + zxing-cpp) and a HID keyboard wedge."""

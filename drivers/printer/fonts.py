"""Where the printing font lives. ESC/POS code pages have no Kazakh letters (ә ғ қ ң ө ұ ү һ і), so every
backend draws text itself with DejaVu Sans, which covers Cyrillic including Kazakh, and embeds it in PDFs.

The font is looked up on the file system at run time; a missing font is a loud, typed error naming the
Debian package, never a silent fall-back to a font that prints empty boxes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from drivers.printer.errors import PrinterDependencyMissing

FontWeight = Literal["regular", "bold"]

FONT_PACKAGE = "fonts-dejavu-core"
FONT_DIRECTORY_VARIABLE = "KIOSK_FONT_DIR"  # lets a non-Debian machine point at its own DejaVu copy
_FILE_NAMES: dict[FontWeight, str] = {"regular": "DejaVuSans.ttf", "bold": "DejaVuSans-Bold.ttf"}
_SEARCH_DIRECTORIES = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu-sans-fonts"),  # Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
    Path("/usr/share/fonts/dejavu"),
)


def font_path(weight: FontWeight = "regular") -> Path:
    """The DejaVu Sans file of ``weight``; raise ``PrinterDependencyMissing`` naming the package if absent."""
    file_name = _FILE_NAMES[weight]
    directories: list[Path] = []
    configured = os.environ.get(FONT_DIRECTORY_VARIABLE)
    if configured:
        directories.append(Path(configured))
    directories.extend(_SEARCH_DIRECTORIES)
    for directory in directories:
        candidate = directory / file_name
        if candidate.is_file():
            return candidate
    raise PrinterDependencyMissing(f"the font {file_name} (DejaVu Sans, for Kazakh letters)", FONT_PACKAGE)

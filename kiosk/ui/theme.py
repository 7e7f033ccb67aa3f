"""Sizes and colours of the voter screens: normal, large-text and high-contrast modes (DESIGN.md section 2).

The voter switches modes with the always-visible buttons at the bottom of every screen. Every touch target is
at least :data:`MINIMUM_TOUCH_TARGET_DP` high; everything the voter acts on sits in the lower two thirds.
"""

from __future__ import annotations

from typing import Final, Literal

from kivy.event import EventDispatcher
from kivy.metrics import dp
from kivy.properties import ColorProperty, NumericProperty, OptionProperty

ThemeMode = Literal["normal", "large_text", "high_contrast"]
THEME_MODES: Final[tuple[ThemeMode, ...]] = ("normal", "large_text", "high_contrast")

MINIMUM_TOUCH_TARGET_DP: Final = 48  # WCAG 2.2 target size guidance, and the floor
BUTTON_HEIGHT_DP: Final = 72
LARGE_TEXT_SCALE: Final = 1.35

Rgba = tuple[float, float, float, float]

# (background, text, muted text, button, button text, accent, focus, danger, success)
_PALETTES: Final[dict[str, tuple[Rgba, ...]]] = {
    "normal": (
        (0.96, 0.97, 0.98, 1), (0.08, 0.12, 0.2, 1), (0.3, 0.35, 0.45, 1), (0.06, 0.33, 0.6, 1), (1, 1, 1, 1),
        (0.0, 0.45, 0.7, 1), (0.95, 0.6, 0.0, 1), (0.72, 0.1, 0.1, 1), (0.05, 0.5, 0.2, 1),
    ),
    "high_contrast": (
        (0, 0, 0, 1), (1, 1, 1, 1), (1, 1, 0.6, 1), (1, 1, 0, 1), (0, 0, 0, 1),
        (0, 1, 1, 1), (0, 1, 1, 1), (1, 0.4, 0.4, 1), (0.4, 1, 0.4, 1),
    ),
}


class Theme(EventDispatcher):
    """The current mode and what it means for sizes and colours; kv binds to these properties."""

    mode = OptionProperty("normal", options=list(THEME_MODES))
    text_scale = NumericProperty(1.0)
    body_font = NumericProperty(dp(24))
    title_font = NumericProperty(dp(30))
    headline_font = NumericProperty(dp(36))
    button_font = NumericProperty(dp(24))
    button_height = NumericProperty(dp(BUTTON_HEIGHT_DP))
    minimum_target = NumericProperty(dp(MINIMUM_TOUCH_TARGET_DP))
    focus_width = NumericProperty(dp(4))
    background = ColorProperty(_PALETTES["normal"][0])
    text = ColorProperty(_PALETTES["normal"][1])
    muted = ColorProperty(_PALETTES["normal"][2])
    button = ColorProperty(_PALETTES["normal"][3])
    button_text = ColorProperty(_PALETTES["normal"][4])
    accent = ColorProperty(_PALETTES["normal"][5])
    focus = ColorProperty(_PALETTES["normal"][6])
    danger = ColorProperty(_PALETTES["normal"][7])
    success = ColorProperty(_PALETTES["normal"][8])

    def on_mode(self, _instance: object, mode: str) -> None:
        """Recompute sizes and colours for ``mode``."""
        palette = _PALETTES["high_contrast" if mode == "high_contrast" else "normal"]
        (self.background, self.text, self.muted, self.button, self.button_text, self.accent, self.focus,
         self.danger, self.success) = palette
        # High contrast also enlarges the text a little: people who need one often need the other.
        self.text_scale = {"normal": 1.0, "large_text": LARGE_TEXT_SCALE, "high_contrast": 1.15}[mode]
        self.focus_width = dp(6) if mode == "high_contrast" else dp(4)

    def on_text_scale(self, _instance: object, scale: float) -> None:
        """Scale every font and the button height."""
        self.body_font = dp(24) * scale
        self.title_font = dp(30) * scale
        self.headline_font = dp(36) * scale
        self.button_font = dp(24) * scale
        self.button_height = max(dp(BUTTON_HEIGHT_DP) * min(scale, 1.2), dp(MINIMUM_TOUCH_TARGET_DP))

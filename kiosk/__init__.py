"""Firmware for the interactive board (kiosk) in Kazakh polling stations."""

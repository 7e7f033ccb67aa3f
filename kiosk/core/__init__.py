"""Pure domain logic: no kivy, no pyscard, no requests, nothing of the project outside kiosk.core."""

"""One Screen class and one .kv file per screen of the voter session (``ScreenName`` in kiosk.core)."""

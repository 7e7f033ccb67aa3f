"""One Screen class and one .kv file per commission screen (``CommissionScreenName`` in kiosk.runtime.commission)."""

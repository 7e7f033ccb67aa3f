"""The developer dock of ``kiosk run --simulator``: a control panel that inserts and removes virtual cards for
chosen voters, shows digital-document QR codes to the simulated scanner, switches service faults, shows what was
printed and spoken, and switches the printer offline or out of paper, while the real kiosk app runs.

It is served by the kiosk process itself on 127.0.0.1, behind a random token in the URL (``server``); the actions
live in ``controls`` and act on the same simulated parts the app was handed. ``processes`` starts and stops, by
PID, what simulator mode needs beside the app (the simulated service, pcscd, Xvfb).
"""

"""The voter's touchscreen (Kivy): the only package of the kiosk that imports kivy (DESIGN.md section 3).

Screens show the voter session's state and send the voter's touches and keys to ``kiosk.runtime.voter``; they
hold view state only. ``kiosk.ui.app.run_voter_app`` starts it.
"""

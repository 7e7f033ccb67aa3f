"""The commission member's touchscreen: its own Kivy app, apart from the voter app (DESIGN.md section 2).

No voter screen imports anything from here, and nothing here is reachable from the voter app: the commission
app runs on its own (``kiosk run --simulator --commission``) over ``kiosk.runtime.commission``.
"""

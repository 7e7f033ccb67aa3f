"""Runs the kiosk's sessions: feeds events to the pure state machines and performs their effects on threads.

Nothing here imports Kivy: the touch UI (``kiosk.ui``) and the tests drive the same runtime, handing it a
``post`` function that brings results back to the thread that owns the session.
"""

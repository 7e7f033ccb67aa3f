"""The dock's one error: a request it cannot carry out, with the HTTP status and reason it answers with."""

from __future__ import annotations


class DockRequestError(ValueError):
    """A dock request that cannot be carried out (unknown voter, bad fault, service down); the message says why.

    ``status`` is the HTTP status the dock answers with, ``reason`` a short machine-readable code. The dock is a
    developer tool: its messages are English only and may name the synthetic voter's IIN.
    """

    translation_key = "simulator.dock.request"

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message

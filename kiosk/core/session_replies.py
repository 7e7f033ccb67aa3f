"""Replies to work a session started (a document read, a registration check, a print job), for both sessions.

The voter session and the commission session each ask their caller to read a document, run a check or print,
and the caller answers with one of these. Each carries the ``request_id`` of the effect that started the work;
a reply whose number is not the one the current screen waits for is ignored, so a late answer about one voter
never reaches the next voter's screen. Both ``voter_session_events`` and ``commission_session_events`` export
these names, so each session's event union lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core.identity import Identity
from kiosk.core.registration import RegistrationCheck


@dataclass(frozen=True, slots=True)
class DocumentRead:
    """The document reader returned a verified identity for request ``request_id``."""

    request_id: int
    identity: Identity


@dataclass(frozen=True, slots=True)
class DocumentFailed:
    """The document could not be read or did not verify (request ``request_id``); ``translation_key`` says why."""

    request_id: int
    translation_key: str


@dataclass(frozen=True, slots=True)
class CheckAnswered:
    """The service's verified answer to the registration check of request ``request_id``."""

    request_id: int
    check: RegistrationCheck


@dataclass(frozen=True, slots=True)
class Printed:
    """Print job ``request_id`` came out of the printer."""

    request_id: int


@dataclass(frozen=True, slots=True)
class PrintFailed:
    """Print job ``request_id`` failed; ``translation_key`` is the printer error's key."""

    request_id: int
    translation_key: str

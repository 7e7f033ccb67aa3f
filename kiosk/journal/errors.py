"""Typed errors of the journal and the outbox. Messages never carry personal data."""

from __future__ import annotations

from kiosk.errors import KioskError


class JournalError(KioskError):
    """Root of journal and outbox errors."""

    translation_key = "journal.error"


class JournalUnavailable(JournalError):
    """The journal file, its head record or the station secret cannot be opened, read or written."""

    translation_key = "journal.unavailable"


class JournalTampered(JournalError):
    """The journal does not match its signed head: entries were removed or changed since the last write."""

    translation_key = "journal.tampered"


class InvalidEntry(JournalError):
    """An entry was refused before writing: a field is not a short code (it might carry personal data)."""

    translation_key = "journal.invalid_entry"


class UnknownItem(JournalError):
    """No outbox item has this local reference."""

    translation_key = "journal.unknown_item"


class InvalidExport(JournalError):
    """An export or its detached signature cannot be read (missing, malformed or oversized)."""

    translation_key = "journal.invalid_export"

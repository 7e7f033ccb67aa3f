"""Background threads that watch the devices: the card slot and the code scanner.

Each reports what it sees through a callback that must only post the event to the session's thread. The card
watcher keeps the open channel of the card in the slot, so the read the session asks for uses the card the
voter inserted; it closes the channel once the card is gone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from drivers.card.channel import CardChannel, CardReader
from drivers.card.errors import CardError, CardTimeoutError
from drivers.scanner.code_scanner import CodeScanner
from drivers.scanner.errors import ScannerClosed, ScannerError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.2  # how often a watcher looks up from a wait to see whether it must stop
RECOVERY_SECONDS = 1.0  # pause after a device failure before trying again


class CardWatcher:
    """Waits for a card, reports it, waits for its removal, reports that; until stopped."""

    def __init__(self, reader: CardReader, on_inserted: Callable[[], None], on_removed: Callable[[], None]) -> None:
        self._reader = reader
        self._on_inserted = on_inserted
        self._on_removed = on_removed
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._channel: CardChannel | None = None
        self._thread = threading.Thread(target=self._run, name="card-watcher", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and close any open channel."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._close_channel()

    @property
    def channel(self) -> CardChannel | None:
        """The channel to the card in the slot, None when the slot is empty."""
        with self._lock:
            return self._channel

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                channel = self._reader.wait_for_card(POLL_SECONDS)
            except CardTimeoutError:
                continue
            except CardError as error:
                log.warning("card watcher: %s", error.translation_key)
                self._stopping.wait(RECOVERY_SECONDS)
                continue
            with self._lock:
                self._channel = channel
            self._on_inserted()
            self._wait_for_removal()
            self._close_channel()
            if not self._stopping.is_set():
                self._on_removed()

    def _wait_for_removal(self) -> None:
        while not self._stopping.is_set():
            try:
                if self._reader.wait_for_removal(POLL_SECONDS):
                    return
            except CardError as error:
                log.warning("card watcher: %s while waiting for removal", error.translation_key)
                return

    def _close_channel(self) -> None:
        with self._lock:
            channel, self._channel = self._channel, None
        if channel is not None:
            try:
                channel.close()
            except CardError as error:
                log.warning("card watcher: %s while closing the channel", error.translation_key)


class ScannerWatcher:
    """Reads codes from the scanner and reports each payload; until stopped or the scanner closes."""

    def __init__(self, scanner: CodeScanner, on_code: Callable[[str], None]) -> None:
        self._scanner = scanner
        self._on_code = on_code
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scanner-watcher", daemon=True)

    def start(self) -> None:
        """Start watching."""
        self._thread.start()

    def stop(self) -> None:
        """Stop watching (the scanner itself belongs to the caller)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                payload = self._scanner.read(POLL_SECONDS)
            except ScannerClosed:
                return
            except ScannerError as error:
                log.warning("scanner watcher: %s", error.translation_key)
                self._stopping.wait(RECOVERY_SECONDS)
                continue
            if payload is not None and not self._stopping.is_set():
                self._on_code(payload)

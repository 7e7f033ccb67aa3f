"""A card reader and channel inside the kiosk process, serving a ``VirtualCard`` directly.

``kiosk run --simulator`` uses it where pcscd cannot be started, and the channel contract tests run against it
and against PC/SC. APDUs go through the same ``exchange_apdu`` helper as PC/SC, and a card taken out (by
``remove`` or by the ``remove_after_apdus`` fault) raises the same ``CardRemovedError``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import partial

from drivers.card.channel import exchange_apdu, select_reader_name
from drivers.card.errors import (
    CardCommunicationError,
    CardRemovedError,
    CardTimeoutError,
    ReaderBusyError,
)
from drivers.closing import ClosesOnExit
from simulator.cards.virtual import VirtualCard

DEFAULT_READER_NAME = "In-process Virtual Reader 00"


class InProcessCardReader:
    """One virtual slot with controls: ``insert``, ``remove`` and the mid-read removal fault.

    Like a PC/SC reader opened exclusively, it serves one channel at a time: a second ``wait_for_card``
    while a channel is open raises ``ReaderBusyError``.
    """

    def __init__(self, name: str = DEFAULT_READER_NAME) -> None:
        self._name = name
        self._condition = threading.Condition()
        self._card: VirtualCard | None = None
        self._insertion = 0  # counts insertions and removals, so a channel notices its card has gone
        self._apdus_until_removal: int | None = None
        self._open_channel: InProcessCardChannel | None = None

    @property
    def name(self) -> str:
        """The slot's name."""
        return self._name

    # --- controls ----------------------------------------------------------------------------------

    def insert(self, card: VirtualCard) -> None:
        """Put ``card`` into the slot (taking out any card already there) and power it up."""
        with self._condition:
            if self._card is not None:
                self._take_out()
            card.power_on()
            self._card = card
            self._insertion += 1
            self._condition.notify_all()

    def remove(self) -> None:
        """Take the card out; an open channel then raises ``CardRemovedError``."""
        with self._condition:
            if self._card is not None:
                self._take_out()
            self._condition.notify_all()

    def remove_after_apdus(self, count: int | None) -> None:
        """Fault: the card is pulled out when the reader has passed ``count`` more APDUs (None: off)."""
        with self._condition:
            self._apdus_until_removal = count

    def _take_out(self) -> None:
        assert self._card is not None
        self._card.power_off()
        self._card = None
        self._insertion += 1
        self._apdus_until_removal = None

    # --- CardReader ---------------------------------------------------------------------------------

    def wait_for_card(self, timeout: float) -> InProcessCardChannel:
        """Wait for a card, then return a channel to it (see ``drivers.card.channel.CardReader``)."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._card is not None, timeout):
                raise CardTimeoutError(f"no card inserted into {self._name!r} within {timeout:.1f} s")
            if self._open_channel is not None and not self._open_channel.closed:
                raise ReaderBusyError(f"a channel to the card in {self._name!r} is already open")
            assert self._card is not None
            channel = InProcessCardChannel(self, self._insertion, self._card.atr)
            self._open_channel = channel
            return channel

    def wait_for_removal(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the slot to be empty; True when it is."""
        with self._condition:
            return self._condition.wait_for(lambda: self._card is None, timeout)

    def card_present(self) -> bool:
        """True when a card is in the slot."""
        with self._condition:
            return self._card is not None

    def transmit_raw(self, insertion: int, apdu: bytes) -> bytes:
        """Pass one APDU to the card inserted as ``insertion``; used by ``InProcessCardChannel``."""
        with self._condition:
            if self._card is None or insertion != self._insertion:
                raise CardRemovedError(f"the card left {self._name!r} during the exchange")
            if self._apdus_until_removal is not None:
                if self._apdus_until_removal <= 0:
                    self._take_out()
                    self._condition.notify_all()
                    raise CardRemovedError(f"the card left {self._name!r} during the exchange")
                self._apdus_until_removal -= 1
            return self._card.process(apdu)


class InProcessCardChannel(ClosesOnExit):
    """A ``CardChannel`` to the card in an ``InProcessCardReader``."""

    def __init__(self, reader: InProcessCardReader, insertion: int, atr: bytes) -> None:
        self._send = partial(reader.transmit_raw, insertion)
        self._atr = atr
        self.closed = False

    def atr(self) -> bytes:
        """The card's answer-to-reset."""
        return self._atr

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU; the response is complete (``61xx``/``6Cxx`` handled)."""
        if self.closed:
            raise CardCommunicationError("the card channel is closed")
        return exchange_apdu(self._send, apdu)

    def close(self) -> None:
        """Release the card (idempotent)."""
        self.closed = True



def select_in_process_reader(
    readers: Iterable[InProcessCardReader], reader_prefix: str
) -> InProcessCardReader:
    """The first reader whose name starts with ``reader_prefix``; ``ReaderNotFoundError`` otherwise."""
    by_name = {reader.name: reader for reader in readers}
    return by_name[select_reader_name(by_name, reader_prefix)]

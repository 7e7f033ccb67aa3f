"""The PC/SC backend: ``PcscCardReader`` and ``PcscCardChannel`` over pyscard's native ``scard`` layer.

The native layer gives the exact PC/SC return codes, which are translated into ``drivers.card.errors`` by one
table at this edge. Insertion and removal come from ``SCardGetStatusChange``, the blocking event call that
pyscard's ``CardMonitor`` polls underneath, so a waiting kiosk learns of a card as soon as pcscd does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from smartcard import scard

from drivers.card.channel import exchange_apdu, select_reader_name
from drivers.card.errors import (
    CardCommunicationError,
    CardError,
    CardRemovedError,
    CardServiceUnavailableError,
    CardTimeoutError,
    NoCardError,
    ReaderBusyError,
    ReaderNotFoundError,
)
from drivers.closing import ClosesOnExit

ShareMode = Literal["exclusive", "shared"]

_SHARE_MODES: dict[ShareMode, int] = {
    "exclusive": scard.SCARD_SHARE_EXCLUSIVE,
    "shared": scard.SCARD_SHARE_SHARED,
}

# PC/SC return codes (pcsc-lite pcsclite.h, the same values as WinSCard) and what each means to the kiosk.
_ERROR_TABLE: dict[int, type[CardError]] = {
    scard.SCARD_E_NO_SERVICE: CardServiceUnavailableError,  # 0x8010001D: pcscd is not running
    scard.SCARD_E_SERVICE_STOPPED: CardServiceUnavailableError,  # 0x8010001E: pcscd went away
    scard.SCARD_E_NO_SMARTCARD: NoCardError,  # 0x8010000C
    scard.SCARD_W_UNRESPONSIVE_CARD: NoCardError,  # 0x80100066: mute card, no ATR
    scard.SCARD_W_REMOVED_CARD: CardRemovedError,  # 0x80100069
    scard.SCARD_W_RESET_CARD: CardRemovedError,  # 0x80100068: reset under us, its state is gone
    scard.SCARD_W_UNPOWERED_CARD: CardRemovedError,  # 0x80100067
    scard.SCARD_E_SHARING_VIOLATION: ReaderBusyError,  # 0x8010000B
    scard.SCARD_E_TIMEOUT: CardTimeoutError,  # 0x8010000A
}

# Return codes that, in the middle of an exchange, usually mean the card has gone: ask before blaming the link.
_MAYBE_REMOVED = frozenset(
    {
        scard.SCARD_E_NOT_TRANSACTED,
        scard.SCARD_F_COMM_ERROR,
        scard.SCARD_E_COMM_DATA_LOST,
        scard.SCARD_E_READER_UNAVAILABLE,
        scard.SCARD_E_INVALID_HANDLE,
    }
)

_READER_GONE = frozenset(
    {
        scard.SCARD_E_UNKNOWN_READER,
        scard.SCARD_E_READER_UNAVAILABLE,
        scard.SCARD_E_NO_READERS_AVAILABLE,
    }
)

_DEFAULT_READER_PREFIX = "Virtual PCD 00 00"

REMOVAL_SETTLE_SECONDS = 1.0
"""How long a failed exchange waits for pcscd to notice a removal; pcscd polls some readers every 0.4 s."""


def pcsc_error(code: int, action: str) -> CardError:
    """The typed error for PC/SC return ``code`` met while doing ``action`` (a short English phrase)."""
    code &= 0xFFFFFFFF
    error_class = _ERROR_TABLE.get(code)
    message = f"{action} failed: PC/SC error 0x{code:08X}"
    if error_class is None:
        return CardCommunicationError(message, code=code)
    return error_class(message)


def _check(result: int, action: str) -> None:
    if result != scard.SCARD_S_SUCCESS:
        raise pcsc_error(result, action)


def _establish_context() -> int:
    result, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    _check(result, "connecting to the PC/SC service")
    return int(context)


def _release_context(context: int) -> None:
    scard.SCardReleaseContext(context)


class PcscCardReader(ClosesOnExit):
    """A PC/SC reader chosen by name prefix (names carry slot numbers that vary between machines).

    ``share_mode="exclusive"`` (the default) keeps other applications off the voter's card while the kiosk
    reads it; a second connection then raises ``ReaderBusyError``.
    """

    def __init__(self, reader_prefix: str = _DEFAULT_READER_PREFIX, share_mode: ShareMode = "exclusive") -> None:
        self._reader_prefix = reader_prefix
        self._share_mode = share_mode
        self._context: int | None = None
        self._reader_name: str | None = None

    @property
    def name(self) -> str:
        """The full PC/SC name of the matching reader (looked up on first use)."""
        return self._find_reader()

    def _call(self, operation: Callable[[int], Any]) -> Any:
        """Run ``operation`` on the reader's context, re-establishing it once if pcscd was restarted."""
        if self._context is None:
            self._context = _establish_context()
        result = operation(self._context)
        code = (result if isinstance(result, int) else result[0]) & 0xFFFFFFFF
        if code in (scard.SCARD_E_SERVICE_STOPPED, scard.SCARD_E_INVALID_HANDLE, scard.SCARD_E_NO_SERVICE):
            _release_context(self._context)
            self._context = None
            self._reader_name = None
            self._context = _establish_context()
            result = operation(self._context)
        return result

    def _find_reader(self) -> str:
        result, names = self._call(lambda context: scard.SCardListReaders(context, []))
        result &= 0xFFFFFFFF
        if result == scard.SCARD_E_NO_READERS_AVAILABLE:
            raise ReaderNotFoundError(self._reader_prefix)
        _check(result, "listing card readers")
        self._reader_name = select_reader_name(names, self._reader_prefix)
        return self._reader_name

    def _status_change(self, known_state: int, timeout: float) -> tuple[int, bytes]:
        """Block until the reader's state differs from ``known_state`` or ``timeout`` passes.

        Returns the new state (without the CHANGED flag, so it can be passed back as known) and the ATR.
        """
        reader_name = self._reader_name or self._find_reader()
        milliseconds = max(0, int(timeout * 1000))
        result, states = self._call(
            lambda context: scard.SCardGetStatusChange(context, milliseconds, [(reader_name, known_state)])
        )
        result &= 0xFFFFFFFF
        if result in _READER_GONE:
            self._reader_name = None
            raise ReaderNotFoundError(self._reader_prefix)
        _check(result, "waiting for a card")
        _, event_state, atr = states[0]
        if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            self._reader_name = None
            raise ReaderNotFoundError(self._reader_prefix)
        return event_state & ~scard.SCARD_STATE_CHANGED, bytes(atr)

    def _wait_for_state(self, wanted: Callable[[int], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        state, _ = self._status_change(scard.SCARD_STATE_UNAWARE, 0)
        while not wanted(state):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                state, _ = self._status_change(state, remaining)
            except CardTimeoutError:
                return False
        return True

    def wait_for_card(self, timeout: float) -> PcscCardChannel:
        """Wait up to ``timeout`` seconds for a card that answers, connect with T=1 and return the channel."""
        if not self._wait_for_state(_card_ready, timeout):
            raise CardTimeoutError(f"no card inserted within {timeout:.1f} s")
        return self.connect()

    def connect(self) -> PcscCardChannel:
        """Connect to the card present now (``NoCardError`` when there is none)."""
        reader_name = self._reader_name or self._find_reader()
        context = _establish_context()
        try:
            result, handle, protocol = scard.SCardConnect(
                context, reader_name, _SHARE_MODES[self._share_mode], scard.SCARD_PROTOCOL_T1
            )
            _check(result, "connecting to the card")
        except BaseException:
            _release_context(context)
            raise
        return PcscCardChannel(context, handle, protocol)

    def wait_for_removal(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the slot to be empty; True when it is."""
        return self._wait_for_state(lambda state: bool(state & scard.SCARD_STATE_EMPTY), timeout)

    def card_present(self) -> bool:
        """True when a card sits in the reader right now."""
        state, _ = self._status_change(scard.SCARD_STATE_UNAWARE, 0)
        return bool(state & scard.SCARD_STATE_PRESENT)

    def close(self) -> None:
        """Release the PC/SC context (idempotent)."""
        if self._context is not None:
            _release_context(self._context)
            self._context = None



def _card_ready(state: int) -> bool:
    """A card is present and gave an ATR (a mute card stays PRESENT|MUTE and cannot be used)."""
    return bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE


class PcscCardChannel(ClosesOnExit):
    """A ``CardChannel`` over one PC/SC card handle; owns its own context, released by ``close``."""

    def __init__(self, context: int, handle: int, protocol: int) -> None:
        self._context: int | None = context
        self._handle = handle
        self._protocol_header = scard.SCARD_PCI_T1 if protocol == scard.SCARD_PROTOCOL_T1 else scard.SCARD_PCI_T0
        result, reader_name, _state, _protocol, atr = scard.SCardStatus(handle)
        if result != scard.SCARD_S_SUCCESS:
            self.close()
            raise pcsc_error(result, "reading the card status")
        self._atr = bytes(atr)
        self._reader_name = str(reader_name)
        # pcsc-lite counts card insertions and removals in the upper 16 bits of the reader state.
        state = self._reader_event_state(scard.SCARD_STATE_UNAWARE, 0) or 0
        self._insertion_count = state >> 16

    def atr(self) -> bytes:
        """The card's answer-to-reset."""
        return self._atr

    def transmit(self, apdu: bytes) -> bytes:
        """Send one APDU; the response is complete (``61xx``/``6Cxx`` handled by ``exchange_apdu``)."""
        if self._context is None:
            raise CardCommunicationError("the card channel is closed")
        return exchange_apdu(self._transmit_raw, apdu)

    def _transmit_raw(self, apdu: bytes) -> bytes:
        result, response = scard.SCardTransmit(self._handle, self._protocol_header, list(apdu))
        result &= 0xFFFFFFFF
        # A card pulled out mid-exchange shows as an empty "successful" response or as NOT_TRANSACTED, while
        # pcscd may still list the card for one polling interval: ask the reader before blaming the link.
        if (result == scard.SCARD_S_SUCCESS and not response) or result in _MAYBE_REMOVED:
            if self._removed_during_exchange():
                raise CardRemovedError(f"the card was removed during the exchange (PC/SC 0x{result:08X})")
            raise CardCommunicationError("the card gave no response", code=result)
        if result != scard.SCARD_S_SUCCESS:
            raise pcsc_error(result, "exchanging an APDU")
        return bytes(response)

    def _reader_event_state(self, known_state: int, timeout: float) -> int | None:
        """The reader's state once it differs from ``known_state``; None when ``timeout`` passes first."""
        milliseconds = max(0, int(timeout * 1000))
        result, states = scard.SCardGetStatusChange(
            self._context, milliseconds, [(self._reader_name, known_state)]
        )
        result &= 0xFFFFFFFF
        if result == scard.SCARD_E_TIMEOUT:
            return None
        if result != scard.SCARD_S_SUCCESS:
            return scard.SCARD_STATE_EMPTY  # the reader itself is gone: so is the card
        return int(states[0][1]) & ~scard.SCARD_STATE_CHANGED

    def _removed_during_exchange(self) -> bool:
        """True when the slot empties, or sees a new card, within ``REMOVAL_SETTLE_SECONDS``."""
        deadline = time.monotonic() + REMOVAL_SETTLE_SECONDS
        known_state = scard.SCARD_STATE_UNAWARE
        while True:
            state = self._reader_event_state(known_state, max(0.0, deadline - time.monotonic()))
            if state is None:
                return False
            if state & scard.SCARD_STATE_EMPTY or state >> 16 != self._insertion_count:
                return True
            if time.monotonic() >= deadline:
                return False
            known_state = state

    def close(self) -> None:
        """Reset the card (so no session outlives the voter) and release the handle (idempotent)."""
        if self._context is None:
            return
        scard.SCardDisconnect(self._handle, scard.SCARD_RESET_CARD)  # fails harmlessly on a removed card
        _release_context(self._context)
        self._context = None


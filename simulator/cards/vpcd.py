"""A virtual card that plugs into pcscd through the ``vsmartcard-vpcd`` reader driver.

vpcd listens on TCP (``Virtual PCD 00 00`` on port 35963, ``00 01`` on 35964, PLATFORM.md) and treats a
connected client as an inserted card. Every message either way is a 2-byte big-endian length and a payload;
one-byte messages from vpcd are control codes, longer ones are command APDUs answered with a response APDU.
Connecting is an insertion, closing the socket a removal. The client runs in its own thread and reconnects
while a card is inserted, so a pcscd restart does not lose the card.

vpcd listens on every interface: it belongs on test and simulator machines only, never on a station.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading

from drivers.closing import ClosesOnExit
from simulator.cards.virtual import SW_NO_PRECISE_DIAGNOSIS, VirtualCard

logger = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963  # reader "Virtual PCD 00 00"; "Virtual PCD 00 01" is 35964
VPCD_READER_PREFIX = "Virtual PCD 00 00"

# vpcd control messages (vsmartcard vpcd protocol): one byte each; only GET_ATR is answered.
VPCD_POWER_OFF = 0x00
VPCD_POWER_ON = 0x01
VPCD_RESET = 0x02
VPCD_GET_ATR = 0x04

LENGTH_PREFIX_SIZE = 2
RECONNECT_INTERVAL_SECONDS = 0.05
CONNECT_TIMEOUT_SECONDS = 1.0


class VpcdCardClient(ClosesOnExit):
    """Serves one ``VirtualCard`` to a vpcd reader slot, with insert/remove controls and a removal fault."""

    def __init__(self, host: str = VPCD_HOST, port: int = VPCD_PORT) -> None:
        self._address = (host, port)
        self._condition = threading.Condition()
        self._card: VirtualCard | None = None
        self._socket: socket.socket | None = None
        self._apdus_until_drop: int | None = None
        self._stopping = False
        self.apdu_count = 0
        self.connections = 0
        self._thread = threading.Thread(target=self._run, name=f"vpcd-client-{port}", daemon=True)
        self._thread.start()

    # --- controls ----------------------------------------------------------------------------------

    def insert(self, card: VirtualCard) -> None:
        """Insert ``card``: connect to vpcd (replacing a card already inserted)."""
        with self._condition:
            if self._card is not None:
                self._disconnect()
            self._card = card
            self._condition.notify_all()

    def remove(self) -> None:
        """Remove the card: close the connection, so pcscd reports the slot empty."""
        with self._condition:
            self._card = None
            self._apdus_until_drop = None
            self._disconnect()
            self._condition.notify_all()

    def drop_after_apdus(self, count: int | None) -> None:
        """Fault: after answering ``count`` more APDUs, drop the connection instead of answering the next.

        That is a card pulled out mid-read; the card stays removed until inserted again. None turns it off.
        """
        with self._condition:
            self._apdus_until_drop = count

    def wait_until_connected(self, timeout: float) -> bool:
        """Wait until the card's connection to vpcd is up; True when it is."""
        with self._condition:
            return self._condition.wait_for(lambda: self._socket is not None, timeout)

    @property
    def inserted(self) -> bool:
        """True while a card is inserted (connected, or reconnecting after a pcscd restart)."""
        with self._condition:
            return self._card is not None

    def close(self) -> None:
        """Remove the card and stop the client thread."""
        with self._condition:
            self._stopping = True
            self._card = None
            self._disconnect()
            self._condition.notify_all()
        self._thread.join(timeout=5)

    def _disconnect(self) -> None:
        """End the live connection (caller holds the condition); the serving thread sees EOF and closes it."""
        if self._socket is not None:
            with contextlib.suppress(OSError):  # the peer may have closed it already
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket = None

    # --- the client thread -----------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._condition:
                self._condition.wait_for(lambda: self._stopping or self._card is not None)
                if self._stopping:
                    return
                card = self._card
            assert card is not None
            connection = self._connect()
            if connection is None:
                with self._condition:  # vpcd not listening (pcscd down or restarting): try again shortly
                    self._condition.wait(RECONNECT_INTERVAL_SECONDS)
                continue
            with self._condition:
                if self._card is not card or self._stopping:
                    connection.close()
                    continue
                self._socket = connection
                self.connections += 1
                self._condition.notify_all()
            try:
                self._serve(connection, card)
            except OSError as error:
                logger.debug("vpcd connection ended: %s", error)
            finally:
                with self._condition:
                    if self._socket is connection:
                        self._socket = None
                    connection.close()

    def _connect(self) -> socket.socket | None:
        try:
            connection = socket.create_connection(self._address, timeout=CONNECT_TIMEOUT_SECONDS)
        except OSError:
            return None
        connection.settimeout(None)
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection

    def _serve(self, connection: socket.socket, card: VirtualCard) -> None:
        """Answer vpcd until it closes the connection or the card is removed."""
        while True:
            message = _receive_message(connection)
            if message is None:
                return
            if len(message) == 1:
                reply = self._control(card, message[0])
            else:
                with self._condition:
                    if self._apdus_until_drop is not None:
                        if self._apdus_until_drop <= 0:
                            self._card = None
                            self._apdus_until_drop = None
                            self._disconnect()
                            return
                        self._apdus_until_drop -= 1
                    self.apdu_count += 1
                reply = _answer(card, message)
            if reply is not None:
                connection.sendall(len(reply).to_bytes(LENGTH_PREFIX_SIZE, "big") + reply)

    @staticmethod
    def _control(card: VirtualCard, code: int) -> bytes | None:
        if code == VPCD_POWER_OFF:
            card.power_off()
        elif code == VPCD_POWER_ON:
            card.power_on()
        elif code == VPCD_RESET:
            card.power_off()
            card.power_on()
        elif code == VPCD_GET_ATR:
            return card.atr
        else:
            logger.warning("unknown vpcd control byte %02X", code)
        return None


def _answer(card: VirtualCard, apdu: bytes) -> bytes:
    """The card's response; a card model that fails or answers nothing gives 6F00, never zero bytes."""
    try:
        response = card.process(apdu)
    except Exception:
        logger.exception("virtual card failed to process an APDU")
        response = b""
    if len(response) < 2:
        return SW_NO_PRECISE_DIAGNOSIS.to_bytes(2, "big")
    return response


def _receive_exactly(connection: socket.socket, size: int) -> bytes | None:
    """``size`` bytes from the peer, or None at end of stream."""
    received = bytearray()
    while len(received) < size:
        # Delayed ACKs stall each APDU round trip by ~40 ms; Linux clears QUICKACK after use, so set it
        # before every receive (PLATFORM.md).
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        chunk = connection.recv(size - len(received))
        if not chunk:
            return None
        received += chunk
    return bytes(received)


def _receive_message(connection: socket.socket) -> bytes | None:
    header = _receive_exactly(connection, LENGTH_PREFIX_SIZE)
    if header is None:
        return None
    return _receive_exactly(connection, int.from_bytes(header, "big"))

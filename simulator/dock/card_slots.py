"""Where the dock puts a card: the in-process virtual reader, or the vpcd slot pcscd serves.

Both take a ``simulator.cards.world.SimulatedCard`` and apply its ``removed-after-N`` fault with the slot's own
control (the in-process reader's ``remove_after_apdus``, the vpcd client's ``drop_after_apdus``), so a card
pulled out mid-read looks the same to the kiosk either way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal, Protocol

from simulator.cards.inprocess import InProcessCardReader
from simulator.cards.vpcd import VPCD_READER_PREFIX, VpcdCardClient

if TYPE_CHECKING:  # the card world (certificates, chips) loads when the first card is made
    from simulator.cards.world import SimulatedCard

SlotKind = Literal["in_process", "vpcd"]
VPCD_CONNECT_TIMEOUT_SECONDS: Final = 3.0


class CardSlot(Protocol):
    """A card slot the dock controls."""

    @property
    def kind(self) -> SlotKind:
        """Which transport the kiosk reads the card through."""
        ...

    @property
    def reader_name(self) -> str:
        """The reader name the kiosk sees (a PC/SC name prefix or the in-process slot's name)."""
        ...

    def insert(self, simulated: SimulatedCard) -> None:
        """Put the card in (replacing any card there), with its removal fault."""
        ...

    def remove(self) -> None:
        """Take the card out."""
        ...

    def card_present(self) -> bool:
        """True while a card sits in the slot (False once a removal fault has pulled it out)."""
        ...


class InProcessCardSlot:
    """The in-process reader the kiosk app was handed."""

    def __init__(self, reader: InProcessCardReader) -> None:
        self._reader = reader

    @property
    def kind(self) -> SlotKind:
        """Always "in_process"."""
        return "in_process"

    @property
    def reader_name(self) -> str:
        """The virtual slot's name."""
        return self._reader.name

    def insert(self, simulated: SimulatedCard) -> None:
        """Insert into the in-process reader, arming ``removed-after-N`` if asked for."""
        from simulator.cards.world import insert_in_process  # noqa: PLC0415  (see the TYPE_CHECKING import)

        insert_in_process(self._reader, simulated)

    def remove(self) -> None:
        """Take the card out of the in-process reader."""
        self._reader.remove()

    def card_present(self) -> bool:
        """True while the reader holds a card."""
        return self._reader.card_present()


class VpcdCardSlot:
    """The ``Virtual PCD 00 00`` slot of pcscd: the card connects to vpcd from this process."""

    def __init__(self, client: VpcdCardClient, reader_prefix: str = VPCD_READER_PREFIX) -> None:
        self._client = client
        self._reader_prefix = reader_prefix

    @property
    def kind(self) -> SlotKind:
        """Always "vpcd"."""
        return "vpcd"

    @property
    def reader_name(self) -> str:
        """The PC/SC reader name prefix the kiosk opens."""
        return self._reader_prefix

    def insert(self, simulated: SimulatedCard) -> None:
        """Connect the card to vpcd; ``removed-after-N`` drops the connection after N APDUs.

        The fault is armed before the card connects, so pcscd's first commands already count.
        """
        self._client.remove()
        self._client.drop_after_apdus(simulated.remove_after_apdus)
        self._client.insert(simulated.card)
        self._client.wait_until_connected(VPCD_CONNECT_TIMEOUT_SECONDS)

    def remove(self) -> None:
        """Disconnect the card from vpcd: pcscd reports the slot empty."""
        self._client.remove()

    def card_present(self) -> bool:
        """True while the card is inserted (connected, or reconnecting after a pcscd restart)."""
        return self._client.inserted

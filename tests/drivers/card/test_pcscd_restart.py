"""A pcscd restart: the virtual card reconnects to vpcd and the reader re-establishes its context."""

from __future__ import annotations

import pytest
from support.ci import skip_outside_ci

from drivers.card.pcsc import PcscCardReader
from simulator.cards.virtual import Application, ElementaryFile, FileSystemCard
from simulator.cards.vpcd import VPCD_READER_PREFIX, VpcdCardClient
from simulator.dock.processes import PcscdHandle

AID = bytes.fromhex("A0000002471001")


@pytest.mark.pcscd
@pytest.mark.slow
def test_card_and_reader_survive_a_pcscd_restart(pcscd: PcscdHandle) -> None:
    if not pcscd.started_here:
        skip_outside_ci("pcscd was already running when the tests started, so it is not ours to restart")
    card = FileSystemCard(applications=(Application(AID, (ElementaryFile(0x0101, b"data"),)),))
    with PcscCardReader(VPCD_READER_PREFIX) as reader, VpcdCardClient() as client:
        assert reader.wait_for_removal(5.0)
        client.insert(card)
        with reader.wait_for_card(5.0) as channel:
            assert channel.transmit(bytes.fromhex("00A4040C07") + AID) == bytes.fromhex("9000")
        connections_before = client.connections

        pcscd.restart()

        with reader.wait_for_card(5.0) as channel:
            assert channel.transmit(bytes.fromhex("00A4040C07") + AID) == bytes.fromhex("9000")
        assert client.connections > connections_before
        client.remove()
        assert reader.wait_for_removal(5.0)

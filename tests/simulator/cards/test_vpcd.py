"""The vpcd client against a stand-in vpcd listener on a real loopback socket (no pcscd needed)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from simulator.cards.virtual import Application, ElementaryFile, FileSystemCard
from simulator.cards.vpcd import VpcdCardClient

AID = bytes.fromhex("A0000002471001")
WAIT = 5.0


class FakeVpcd:
    """The reader side of the vpcd protocol: accepts the card and speaks length-prefixed messages."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(WAIT)
        self.port = self.listener.getsockname()[1]
        self.connection: socket.socket | None = None

    def accept(self) -> None:
        self.connection, _ = self.listener.accept()
        self.connection.settimeout(WAIT)

    def send(self, payload: bytes) -> None:
        assert self.connection is not None
        self.connection.sendall(len(payload).to_bytes(2, "big") + payload)

    def receive(self) -> bytes:
        assert self.connection is not None
        header = self._exactly(2)
        return self._exactly(int.from_bytes(header, "big"))

    def _exactly(self, size: int) -> bytes:
        assert self.connection is not None
        data = b""
        while len(data) < size:
            chunk = self.connection.recv(size - len(data))
            if not chunk:
                raise ConnectionError("card closed the connection")
            data += chunk
        return data

    def exchange(self, apdu: str) -> str:
        self.send(bytes.fromhex(apdu))
        return self.receive().hex().upper()

    def closed_by_card(self) -> bool:
        assert self.connection is not None
        try:
            return self.connection.recv(1) == b""
        except ConnectionResetError:
            return True

    def drop(self) -> None:
        assert self.connection is not None
        self.connection.close()
        self.connection = None

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.listener.close()


class BrokenCard(FileSystemCard):
    """A card model that answers nothing, or fails outright."""

    def process(self, apdu: bytes) -> bytes:
        if apdu[1] == 0xEE:
            raise RuntimeError("model bug")
        return b""


def make_card() -> FileSystemCard:
    return FileSystemCard(applications=(Application(AID, (ElementaryFile(0x0101, b"hello"),)),))


@pytest.fixture
def vpcd() -> Iterator[FakeVpcd]:
    fake = FakeVpcd()
    yield fake
    fake.close()


@pytest.fixture
def client(vpcd: FakeVpcd) -> Iterator[VpcdCardClient]:
    card_client = VpcdCardClient(port=vpcd.port)
    yield card_client
    card_client.close()


def test_control_messages_and_apdus(vpcd: FakeVpcd, client: VpcdCardClient) -> None:
    card = make_card()
    client.insert(card)
    vpcd.accept()
    vpcd.send(b"\x04")
    assert vpcd.receive() == bytes.fromhex("3B80800101")
    vpcd.send(b"\x01")  # power on: no reply
    assert vpcd.exchange(f"00A4040C07{AID.hex()}") == "9000"
    assert card.powered
    assert vpcd.exchange("00A4020C020101") == "9000"
    assert vpcd.exchange("00B0000005") == b"hello".hex().upper() + "9000"
    vpcd.send(b"\x02")  # reset: no reply, selection forgotten
    assert vpcd.exchange("00B0000005") == "6986"
    vpcd.send(b"\x00")
    vpcd.send(b"\x04")  # the reply proves the power-off got no reply of its own
    assert vpcd.receive() == bytes.fromhex("3B80800101")
    assert not card.powered
    assert client.apdu_count == 4


def test_never_replies_with_zero_bytes(vpcd: FakeVpcd) -> None:
    with VpcdCardClient(port=vpcd.port) as client:
        client.insert(BrokenCard())
        vpcd.accept()
        assert vpcd.exchange("00B0000005") == "6F00"
        assert vpcd.exchange("00EE000005") == "6F00"


def test_remove_closes_and_insert_reconnects(vpcd: FakeVpcd, client: VpcdCardClient) -> None:
    client.insert(make_card())
    vpcd.accept()
    assert client.wait_until_connected(WAIT)
    client.remove()
    assert vpcd.closed_by_card()
    assert not client.inserted
    client.insert(make_card())
    vpcd.accept()
    assert vpcd.exchange(f"00A4040C07{AID.hex()}") == "9000"
    assert client.connections == 2


def test_reconnects_when_the_reader_side_restarts(vpcd: FakeVpcd, client: VpcdCardClient) -> None:
    client.insert(make_card())
    vpcd.accept()
    vpcd.drop()  # pcscd went away; the card is still inserted
    vpcd.accept()
    assert vpcd.exchange(f"00A4040C07{AID.hex()}") == "9000"
    assert client.inserted and client.connections == 2


def test_reconnects_when_the_listener_comes_back_later() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on the port yet: connection refused
    with VpcdCardClient(port=port) as client:
        client.insert(make_card())
        assert not client.wait_until_connected(0.2)
        listener = socket.create_server(("127.0.0.1", port))
        listener.settimeout(WAIT)
        try:
            connection, _ = listener.accept()
            connection.close()
        finally:
            listener.close()


def test_drop_after_apdus_removes_the_card_mid_read(vpcd: FakeVpcd, client: VpcdCardClient) -> None:
    client.insert(make_card())
    vpcd.accept()
    client.drop_after_apdus(2)
    assert vpcd.exchange(f"00A4040C07{AID.hex()}") == "9000"
    vpcd.send(b"\x04")  # control messages do not count
    vpcd.receive()
    assert vpcd.exchange("00A4020C020101") == "9000"
    vpcd.send(bytes.fromhex("00B0000005"))
    assert vpcd.closed_by_card()
    assert not client.inserted
    with pytest.raises(socket.timeout):
        vpcd.listener.settimeout(0.3)
        vpcd.listener.accept()  # a pulled card does not come back by itself


def test_insert_replaces_a_card(vpcd: FakeVpcd, client: VpcdCardClient) -> None:
    client.insert(make_card())
    vpcd.accept()
    first = vpcd.connection
    assert client.wait_until_connected(WAIT)
    other = FileSystemCard(atr_bytes=bytes.fromhex("3B81800181" "00"))
    client.insert(other)
    assert first is not None and first.recv(1) == b""
    vpcd.accept()
    vpcd.send(b"\x04")
    assert vpcd.receive() == other.atr

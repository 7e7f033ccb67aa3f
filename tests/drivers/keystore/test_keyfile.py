"""The encrypted key file: created once, opened with the right passphrase only, signs in RFC 9421 form."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from drivers.keystore import KeyStoreError
from drivers.keystore.keyfile import FileKeyStore


def test_create_open_and_sign(tmp_path: Path) -> None:
    path = tmp_path / "device.pem"
    created = FileKeyStore.create(path, b"correct horse")
    assert path.stat().st_mode & 0o777 == 0o600
    assert b"ENCRYPTED" in path.read_bytes()
    opened = FileKeyStore.open(path, b"correct horse")
    assert opened.key_id == created.key_id and opened.key_id.startswith("dev-")
    signature = opened.sign(b"data")
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    opened.public_key().verify(der, b"data", ec.ECDSA(hashes.SHA256()))


def test_wrong_passphrase_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "device.pem"
    FileKeyStore.create(path, b"right")
    with pytest.raises(KeyStoreError) as raised:
        FileKeyStore.open(path, b"wrong")
    assert raised.value.translation_key == "keystore.locked"


def test_never_overwrites_an_existing_key(tmp_path: Path) -> None:
    path = tmp_path / "device.pem"
    FileKeyStore.create(path, b"one")
    with pytest.raises(KeyStoreError):
        FileKeyStore.create(path, b"two")
    assert FileKeyStore.open(path, b"one")


@pytest.mark.parametrize("content", [b"", b"-----BEGIN PRIVATE KEY-----\ngarbage\n", b"\x00" * 100])
def test_damaged_files_are_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "device.pem"
    path.write_bytes(content)
    with pytest.raises(KeyStoreError):
        FileKeyStore.open(path, b"any")


def test_missing_file_and_empty_passphrase(tmp_path: Path) -> None:
    with pytest.raises(KeyStoreError):
        FileKeyStore.open(tmp_path / "absent.pem", b"x")
    with pytest.raises(KeyStoreError):
        FileKeyStore.create(tmp_path / "new.pem", b"")


def test_only_p256_keys_are_accepted() -> None:
    with pytest.raises(KeyStoreError):
        FileKeyStore(ec.generate_private_key(ec.SECP384R1()))

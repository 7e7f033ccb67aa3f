"""The block-cipher primitives of BAC and its secure messaging (ICAO 9303 Part 11 sections 9.7 and 9.8).

- Encryption: two-key 3DES (keys K1||K2, 16 bytes) in CBC mode with a zero IV (Part 11 section 9.8.6.1).
- MAC: the retail MAC, ISO/IEC 9797-1 MAC algorithm 3 with DES and padding method 2 (Part 11 section 9.8.6.2):
  single-DES CBC under K1 over every block, then the last block decrypted under K2 and encrypted under K1.

3DES and DES are legacy ciphers; ICAO 9303 prescribes them for BAC, so they are used here and nowhere else.
``cryptography`` keeps them in its ``decrepit`` package and deprecates 8- and 16-byte keys, so keys are given
to it in the 24-byte form: K1||K2||K1 for two-key 3DES, and K||K||K for single DES (EDE with one key is DES).
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from kiosk.documents.icao.errors import SecureMessagingError

BLOCK_SIZE = 8  # DES block size in bytes
KEY_SIZE = 16  # two-key 3DES: K1 || K2
MAC_SIZE = 8  # Part 11 section 9.8.6.2: the full 8-byte MAC is used
_ZERO_IV = bytes(BLOCK_SIZE)  # Part 11 section 9.8.6.1: IV = '00 00 00 00 00 00 00 00'
_PADDING_START = 0x80  # ISO/IEC 9797-1 padding method 2: one '80' byte, then '00' up to the block size


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append '80' and then '00' bytes up to a multiple of 8 bytes."""
    padded = bytes(data) + bytes([_PADDING_START])
    return padded + bytes(-len(padded) % BLOCK_SIZE)


def unpad(data: bytes) -> bytes:
    """Remove padding method 2; :class:`SecureMessagingError` ("bad_padding") if it is not there."""
    if not data or len(data) % BLOCK_SIZE:
        raise SecureMessagingError("bad_padding", "padded data is not a whole number of blocks")
    stripped = data.rstrip(b"\x00")
    # At most one block of padding: '80' must sit within the last 8 bytes.
    if not stripped or stripped[-1] != _PADDING_START or len(data) - len(stripped) >= BLOCK_SIZE:
        raise SecureMessagingError("bad_padding", "padding method 2 marker not found")
    return stripped[:-1]


def encrypt(key: bytes, data: bytes) -> bytes:
    """3DES-CBC encryption with a zero IV; ``data`` must already be padded to whole blocks."""
    _check_key(key)
    encryptor = Cipher(TripleDES(_three_key(key)), modes.CBC(_ZERO_IV)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def decrypt(key: bytes, data: bytes) -> bytes:
    """3DES-CBC decryption with a zero IV; ``data`` must be whole blocks (the padding is left on)."""
    _check_key(key)
    decryptor = Cipher(TripleDES(_three_key(key)), modes.CBC(_ZERO_IV)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def retail_mac(key: bytes, data: bytes) -> bytes:
    """The 8-byte retail MAC of ``data`` (padded here with method 2) under the 16-byte key K1||K2."""
    _check_key(key)
    first_key, second_key = key[:BLOCK_SIZE], key[BLOCK_SIZE:]
    single_des_cbc = Cipher(_single_des(first_key), modes.CBC(_ZERO_IV)).encryptor()
    chained = single_des_cbc.update(pad(data)) + single_des_cbc.finalize()
    last_block = chained[-BLOCK_SIZE:]
    # Output transformation of MAC algorithm 3: decrypt under K2, encrypt under K1 (one block each, so the
    # zero-IV CBC used here is the same as ECB).
    second = Cipher(_single_des(second_key), modes.CBC(_ZERO_IV)).decryptor()
    last_block = second.update(last_block) + second.finalize()
    first = Cipher(_single_des(first_key), modes.CBC(_ZERO_IV)).encryptor()
    return first.update(last_block) + first.finalize()


def _check_key(key: bytes) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError(f"a BAC key is {KEY_SIZE} bytes, not {len(key)}")


def _three_key(key: bytes) -> bytes:
    return key + key[:BLOCK_SIZE]


def _single_des(key: bytes) -> TripleDES:
    return TripleDES(key * 3)

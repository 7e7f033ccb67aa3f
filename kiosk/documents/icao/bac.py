"""Basic Access Control (ICAO 9303 Part 11 sections 4.3 and 9.7), both the reader's and the card's side.

The document access keys come from the MRZ information (document number, date of birth, date of expiry, each
with its check digit). The reader (IFD) and the chip (IC) then prove to each other that they hold those keys
and agree session keys for secure messaging:

1. the reader asks GET CHALLENGE and receives RND.IC (8 bytes);
2. the reader sends EXTERNAL AUTHENTICATE (ISO/IEC 7816-4 "MUTUAL AUTHENTICATE") with E_IFD || M_IFD, where
   E_IFD = 3DES(K_enc, RND.IFD || RND.IC || K.IFD) and M_IFD = MAC(K_mac, E_IFD);
3. the chip checks it and answers E_IC || M_IC, with E_IC = 3DES(K_enc, RND.IC || RND.IFD || K.IC);
4. both derive KS_enc and KS_mac from K.IFD xor K.IC, and the send sequence counter from the challenges.

Randomness is a parameter (``random_bytes``) so that tests can replay the worked example of Part 11.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.documents.apdu import CommandApdu
from kiosk.documents.icao import cipher
from kiosk.documents.icao.errors import BacAuthenticationError, BacError

RandomBytes = Callable[[int], bytes]
"""A source of random bytes, ``os.urandom`` in production; tests inject fixed values."""

# Part 11 section 9.7.1: counter values of the key derivation function.
ENCRYPTION_KEY_COUNTER = 1
MAC_KEY_COUNTER = 2
SEED_SIZE = 16  # Part 11 section 9.7.1.1 / 4.3.2: K_seed is the 16 most significant bytes of SHA-1
CHALLENGE_SIZE = 8  # RND.IC and RND.IFD (Part 11 section 4.3.3.1)
KEY_MATERIAL_SIZE = 16  # K.IFD and K.IC (Part 11 section 4.3.3.1)
CRYPTOGRAM_SIZE = 2 * CHALLENGE_SIZE + KEY_MATERIAL_SIZE  # 32 bytes, encrypted as E_IFD or E_IC
AUTHENTICATION_DATA_SIZE = CRYPTOGRAM_SIZE + cipher.MAC_SIZE  # 40 bytes ('28'): command data and answer
_SSC_HALF = 4  # Part 11 section 9.8.2: SSC = the 4 least significant bytes of RND.IC || of RND.IFD

# ISO/IEC 7816-4 instruction bytes used by BAC (Part 11 section 4.3.3).
INS_GET_CHALLENGE = 0x84
INS_MUTUAL_AUTHENTICATE = 0x82  # EXTERNAL AUTHENTICATE used as MUTUAL AUTHENTICATE


@dataclass(frozen=True, slots=True)
class BacKeys:
    """The document basic access keys K_enc and K_mac (16 bytes each, DES parity adjusted)."""

    encryption_key: bytes
    mac_key: bytes

    def __repr__(self) -> str:
        return "BacKeys(<secret>)"  # the keys derive from the MRZ: keep them out of logs


@dataclass(frozen=True, slots=True)
class SessionKeys:
    """The secure-messaging keys KS_enc, KS_mac and the initial send sequence counter (8 bytes, as int)."""

    encryption_key: bytes
    mac_key: bytes
    send_sequence_counter: int

    def __repr__(self) -> str:
        return "SessionKeys(<secret>)"


@dataclass(frozen=True, slots=True)
class IfdAuthentication:
    """The reader's half of a mutual authentication in progress: what it sent and what it must remember."""

    rnd_ic: bytes
    rnd_ifd: bytes
    key_material: bytes  # K.IFD
    command_data: bytes  # E_IFD || M_IFD, the data field of MUTUAL AUTHENTICATE

    def __repr__(self) -> str:
        return "IfdAuthentication(<secret>)"


def key_seed(mrz_information: str) -> bytes:
    """K_seed: the first 16 bytes of SHA-1 over the MRZ information (Part 11 section 4.3.2)."""
    try:
        encoded = mrz_information.encode("ascii")
    except UnicodeEncodeError as error:
        raise ValueError("MRZ information is ASCII (A-Z, 0-9 and '<')") from error
    # SHA-1 is what Part 11 section 4.3.2 prescribes for the BAC seed; it is not used for a signature here.
    return hashlib.sha1(encoded, usedforsecurity=False).digest()[:SEED_SIZE]


def adjust_parity(key: bytes) -> bytes:
    """Set the least significant bit of each byte so that every byte has odd parity (DES key parity)."""
    return bytes((byte & 0xFE) | ((bin(byte >> 1).count("1") + 1) & 1) for byte in key)


def derive_key(seed: bytes, counter: int) -> bytes:
    """The 3DES key for ``counter`` from a 16-byte seed (Part 11 section 9.7.1, KDF with SHA-1)."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big"), usedforsecurity=False).digest()
    return adjust_parity(digest[:cipher.KEY_SIZE])


def document_keys(mrz_information: str) -> BacKeys:
    """K_enc and K_mac of a document from its MRZ information (Part 11 section 4.3.2)."""
    seed = key_seed(mrz_information)
    return BacKeys(derive_key(seed, ENCRYPTION_KEY_COUNTER), derive_key(seed, MAC_KEY_COUNTER))


def session_keys(
    ifd_key_material: bytes, ic_key_material: bytes, rnd_ic: bytes, rnd_ifd: bytes
) -> SessionKeys:
    """KS_enc, KS_mac and the SSC after a mutual authentication (Part 11 sections 4.3.3.3 and 9.8.2)."""
    seed = bytes(a ^ b for a, b in zip(ifd_key_material, ic_key_material, strict=True))
    counter = rnd_ic[-_SSC_HALF:] + rnd_ifd[-_SSC_HALF:]
    return SessionKeys(
        encryption_key=derive_key(seed, ENCRYPTION_KEY_COUNTER),
        mac_key=derive_key(seed, MAC_KEY_COUNTER),
        send_sequence_counter=int.from_bytes(counter, "big"),
    )


def start_mutual_authentication(
    keys: BacKeys, rnd_ic: bytes, *, random_bytes: RandomBytes = os.urandom
) -> IfdAuthentication:
    """The reader's step 2: choose RND.IFD and K.IFD and build E_IFD || M_IFD for the card's challenge."""
    if len(rnd_ic) != CHALLENGE_SIZE:
        raise BacError(f"the card's challenge must be {CHALLENGE_SIZE} bytes, got {len(rnd_ic)}")
    rnd_ifd = _random(random_bytes, CHALLENGE_SIZE)
    key_material = _random(random_bytes, KEY_MATERIAL_SIZE)
    data = _seal(keys, rnd_ifd + rnd_ic + key_material)
    return IfdAuthentication(rnd_ic=rnd_ic, rnd_ifd=rnd_ifd, key_material=key_material, command_data=data)


def finish_mutual_authentication(
    keys: BacKeys, authentication: IfdAuthentication, response_data: bytes
) -> SessionKeys:
    """The reader's step 4: check the card's E_IC || M_IC and derive the session keys.

    Raises :class:`BacAuthenticationError` when the MAC is wrong or the card did not echo our challenge:
    the card does not know the keys derived from the MRZ (with a genuine card: the MRZ was mistyped).
    """
    plain = _open(keys, response_data)
    rnd_ic, rnd_ifd, ic_key_material = _split(plain)
    if not hmac.compare_digest(rnd_ifd, authentication.rnd_ifd) or not hmac.compare_digest(
        rnd_ic, authentication.rnd_ic
    ):
        raise BacAuthenticationError("the card's cryptogram does not answer our challenge")
    return session_keys(authentication.key_material, ic_key_material, authentication.rnd_ic,
                        authentication.rnd_ifd)


def answer_mutual_authentication(
    keys: BacKeys, rnd_ic: bytes, command_data: bytes, *, random_bytes: RandomBytes = os.urandom
) -> tuple[bytes, SessionKeys]:
    """The card's step 3: check E_IFD || M_IFD against the challenge it gave; answer E_IC || M_IC.

    Returns the response data and the session keys. Raises :class:`BacAuthenticationError` when the reader
    does not hold the document keys (a card answers that with '63 00', Part 11 section 4.3.3.2).
    """
    plain = _open(keys, command_data)
    rnd_ifd, echoed_rnd_ic, ifd_key_material = _split(plain)
    if not hmac.compare_digest(echoed_rnd_ic, rnd_ic):
        raise BacAuthenticationError("the reader's cryptogram does not answer the card's challenge")
    ic_key_material = _random(random_bytes, KEY_MATERIAL_SIZE)
    response = _seal(keys, rnd_ic + rnd_ifd + ic_key_material)
    return response, session_keys(ifd_key_material, ic_key_material, rnd_ic, rnd_ifd)


def get_challenge_command() -> CommandApdu:
    """GET CHALLENGE for the 8-byte RND.IC (Part 11 section 4.3.3.1)."""
    return CommandApdu(cla=0x00, ins=INS_GET_CHALLENGE, p1=0x00, p2=0x00, le=CHALLENGE_SIZE)


def mutual_authenticate_command(authentication: IfdAuthentication) -> CommandApdu:
    """EXTERNAL AUTHENTICATE carrying E_IFD || M_IFD, expecting E_IC || M_IC (Part 11 section 4.3.3.1)."""
    return CommandApdu(cla=0x00, ins=INS_MUTUAL_AUTHENTICATE, p1=0x00, p2=0x00,
                       data=authentication.command_data, le=AUTHENTICATION_DATA_SIZE)


def _seal(keys: BacKeys, plain: bytes) -> bytes:
    # Part 11 section 4.3.3: the 32-byte cryptogram is encrypted without padding (it is 4 whole blocks);
    # the MAC is computed over it with padding method 2.
    encrypted = cipher.encrypt(keys.encryption_key, plain)
    return encrypted + cipher.retail_mac(keys.mac_key, encrypted)


def _open(keys: BacKeys, data: bytes) -> bytes:
    if len(data) != AUTHENTICATION_DATA_SIZE:
        raise BacError(f"mutual authentication data is {AUTHENTICATION_DATA_SIZE} bytes, got {len(data)}")
    encrypted, mac = data[:CRYPTOGRAM_SIZE], data[CRYPTOGRAM_SIZE:]
    if not hmac.compare_digest(cipher.retail_mac(keys.mac_key, encrypted), mac):
        raise BacAuthenticationError("the mutual authentication cryptogram has a wrong MAC")
    return cipher.decrypt(keys.encryption_key, encrypted)


def _split(plain: bytes) -> tuple[bytes, bytes, bytes]:
    return plain[:CHALLENGE_SIZE], plain[CHALLENGE_SIZE:2 * CHALLENGE_SIZE], plain[2 * CHALLENGE_SIZE:]


def _random(random_bytes: RandomBytes, size: int) -> bytes:
    value = random_bytes(size)
    if len(value) != size:
        raise ValueError(f"random source returned {len(value)} bytes, {size} asked")
    return value

"""BAC, secure messaging and passive authentication end to end: the reader's side against the card's side.

The card here is the least that answers the reader through the card-side functions of the package (the
simulator's virtual eMRTD is the full one); APDUs pass as bytes, as they would through a channel.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.documents import tlv
from kiosk.documents.apdu import (
    CardStatusError,
    CommandApdu,
    ResponseApdu,
    check,
    parse_command_apdu,
    parse_response_apdu,
)
from kiosk.documents.icao import bac
from kiosk.documents.icao.errors import BacAuthenticationError, DataGroupHashMismatchError
from kiosk.documents.icao.passive_auth import verify_sod
from kiosk.documents.icao.secure_messaging import CardSecureMessaging, SecureMessaging
from kiosk.documents.mrz import mrz_information
from simulator.cards.emrtd_pki import build_ef_sod, make_csca, make_document_signer

TD3_MRZ = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)
DG1 = tlv.encode_tlv(0x61, tlv.encode_tlv(0x5F1F, TD3_MRZ.encode()))
FILE_DG1 = 0x0101  # Part 10 section 4.6.1 (vectors "files")
FILE_SOD = 0x011D
CSCA = make_csca()


class MinimalEmrtd:
    """BAC, then SELECT and READ BINARY under secure messaging, over a dict of files."""

    def __init__(self, access_key: str, files: dict[int, bytes]) -> None:
        self._keys = bac.document_keys(access_key)
        self._files = files
        self._challenge = b""
        self._session: CardSecureMessaging | None = None
        self._selected = b""

    def transmit(self, raw: bytes) -> bytes:
        command = parse_command_apdu(raw)
        if self._session is None:
            return self._authenticate(command).encode()
        plain = self._session.unwrap_command(command)
        return self._session.wrap_response(self._serve(plain)).encode()

    def _authenticate(self, command: CommandApdu) -> ResponseApdu:
        if command.ins == bac.INS_GET_CHALLENGE:
            self._challenge = bytes(range(8))
            return ResponseApdu(self._challenge, 0x9000)
        try:
            answer, keys = bac.answer_mutual_authentication(self._keys, self._challenge, command.data)
        except BacAuthenticationError:
            return ResponseApdu(b"", 0x6300)
        self._session = CardSecureMessaging(keys)
        return ResponseApdu(answer, 0x9000)

    def _serve(self, command: CommandApdu) -> ResponseApdu:
        if command.ins == 0xA4:
            identifier = int.from_bytes(command.data, "big")
            if identifier not in self._files:
                return ResponseApdu(b"", 0x6A82)
            self._selected = self._files[identifier]
            return ResponseApdu(b"", 0x9000)
        offset = (command.p1 << 8) | command.p2
        return ResponseApdu(self._selected[offset:offset + (command.le or 0)], 0x9000)


def reader_session(card: MinimalEmrtd, access_key: str) -> SecureMessaging:
    keys = bac.document_keys(access_key)
    challenge = check(parse_response_apdu(card.transmit(bac.get_challenge_command().encode()))).data
    authentication = bac.start_mutual_authentication(keys, challenge)
    answer = check(parse_response_apdu(card.transmit(bac.mutual_authenticate_command(authentication).encode())))
    return SecureMessaging(bac.finish_mutual_authentication(keys, authentication, answer.data))


def read_file(card: MinimalEmrtd, session: SecureMessaging, identifier: int, chunk: int = 200) -> bytes:
    def exchange(command: CommandApdu) -> ResponseApdu:
        raw = card.transmit(session.wrap_command(command).encode())
        return check(session.unwrap_response(parse_response_apdu(raw)))

    exchange(CommandApdu(0x00, 0xA4, 0x02, 0x0C, data=identifier.to_bytes(2, "big")))
    head = exchange(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4)).data
    total = _total_length(head)
    content = head
    while len(content) < total:
        size = min(chunk, total - len(content))
        offset = len(content)
        content += exchange(CommandApdu(0x00, 0xB0, offset >> 8, offset & 0xFF, le=size)).data
    return content


def _total_length(head: bytes) -> int:
    """Tag, length field and value length of a file from its first 4 bytes (one-byte tag)."""
    first = head[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    return 2 + count + int.from_bytes(head[2:2 + count], "big")


def test_reader_reads_and_verifies_dg1_from_the_card() -> None:
    access_key = mrz_information("L898902C3", "740812", "120415")
    sod = build_ef_sod({1: DG1}, make_document_signer(CSCA))
    card = MinimalEmrtd(access_key, {FILE_DG1: DG1, FILE_SOD: sod})
    session = reader_session(card, access_key)
    dg1 = read_file(card, session, FILE_DG1)
    ef_sod = read_file(card, session, FILE_SOD)
    assert dg1 == DG1
    result = verify_sod(ef_sod, {1: dg1}, [CSCA.certificate], dt.datetime.now(dt.UTC).date())
    assert result.verified_data_groups == (1,)


def test_wrong_mrz_is_refused_by_the_card() -> None:
    card = MinimalEmrtd(mrz_information("L898902C3", "740812", "120415"), {})
    with pytest.raises(CardStatusError) as raised:
        reader_session(card, mrz_information("L898902C3", "740812", "120416"))
    assert raised.value.sw == 0x6300


def test_card_serving_altered_dg1_fails_passive_authentication() -> None:
    access_key = mrz_information("L898902C3", "740812", "120415")
    altered = DG1.replace(b"ERIKSSON", b"ERIKSSEN")
    sod = build_ef_sod({1: DG1}, make_document_signer(CSCA))  # signed over the genuine DG1
    card = MinimalEmrtd(access_key, {FILE_DG1: altered, FILE_SOD: sod})
    session = reader_session(card, access_key)
    dg1 = read_file(card, session, FILE_DG1)
    ef_sod = read_file(card, session, FILE_SOD)
    with pytest.raises(DataGroupHashMismatchError):
        verify_sod(ef_sod, {1: dg1}, [CSCA.certificate], dt.datetime.now(dt.UTC).date())

"""Reading an ICAO 9303 eMRTD (a Kazakh TD1 identity card or a TD3 passport) into a verified ``Identity``.

The sequence (ICAO 9303 Part 11 sections 4.3 and 5.1; files: Part 10 section 4):

1. SELECT the LDS1 application by its AID;
2. Basic Access Control with the access key from the MRZ (typed fields or a scanned MRZ): GET CHALLENGE,
   MUTUAL AUTHENTICATE; every later command is protected by secure messaging;
3. READ BINARY of EF.COM, DG1 and EF.SOD (DG2 only when asked) by short file identifier, so no SELECT is
   needed. The first read of a file asks for as many bytes as one protected response can carry; its TLV
   header gives the file's length, and the rest (if any) follows in maximal reads. With extended length (when
   the ATR's card capabilities announce it) every file here fits in that first read: one APDU per file;
4. passive authentication of DG1 (and DG2 if read) against EF.SOD and the configured CSCA certificates,
   before anything in DG1 is believed;
5. the MRZ from DG1, every check digit verified; the IIN from a TD1 card's line 1 (positions 16-27) or a
   passport's personal number. A genuine passport without an IIN raises :class:`PassportWithoutIinError`:
   the voter must then type the IIN or use the identity card.

``EmrtdReading`` reports the APDUs used and the minimum the file sizes allow (three for selection and BAC,
plus, per file, its size over the most one protected response can carry). Every failure is a typed
``DocumentError`` whose message carries no personal data.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509

from drivers.card.channel import CardChannel
from drivers.card.errors import CardError, CardRemovedError, MalformedApduError
from kiosk.core.identity import Check, Identity
from kiosk.core.iin import IIN_LENGTH, Iin, InvalidIin, parse_iin
from kiosk.documents import tlv
from kiosk.documents.apdu import (
    EXTENDED_MAX_LE,
    SHORT_MAX_LE,
    CommandApdu,
    ResponseApdu,
    check,
    parse_response_apdu,
)
from kiosk.documents.atr import offers_extended_length
from kiosk.documents.errors import DocumentError
from kiosk.documents.icao import bac
from kiosk.documents.icao.errors import BacAuthenticationError, BacError
from kiosk.documents.icao.passive_auth import PassiveAuthenticationResult, verify_sod
from kiosk.documents.icao.secure_messaging import SecureMessaging
from kiosk.documents.mrz import (
    Mrz,
    MrzField,
    MrzIinInvalidError,
    iin_from_td1,
    mrz_information,
    parse_mrz,
    parse_typed_date,
)

# ICAO 9303 Part 10 section 3.3: the LDS1 eMRTD application and the short file identifiers of its EFs.
LDS1_AID = bytes.fromhex("A0000002471001")
EF_COM_SFI = 0x1E
EF_SOD_SFI = 0x1D
DG1_SFI = 0x01
DG2_SFI = 0x02
# Part 10 sections 4.6 and 4.7: the tag each file starts with, and the data elements read here.
TAG_EF_COM = 0x60
TAG_DG1 = 0x61
TAG_DG2 = 0x75
TAG_EF_SOD = 0x77
TAG_MRZ = 0x5F1F
TAG_TAG_LIST = 0x5C
TAG_BIOMETRIC_GROUP = 0x7F61
TAG_BIOMETRIC_TEMPLATE = 0x7F60
BIOMETRIC_DATA_TAGS = (0x5F2E, 0x7F2E)  # Part 10 section 4.7.2.2: plain or enciphered biometric data block

# ISO/IEC 7816-4 section 11.2.2 and 11.3.3: SELECT by DF name with no response data, READ BINARY.
INS_SELECT = 0xA4
SELECT_BY_DF_NAME = 0x04
SELECT_NO_RESPONSE_DATA = 0x0C
INS_READ_BINARY = 0xB0
READ_BY_SHORT_FILE_ID = 0x80  # P1 b8 = 1: b5-b1 are a short EF identifier, P2 the offset (Table 71)
MAX_EVEN_INS_OFFSET = 0x7FFF  # P1 b8 = 0: the offset is 15 bits
MAX_FILE_SIZE = 0x8000  # larger files need READ BINARY with odd INS; none of the files read here is that big

SW_END_OF_FILE = 0x6282  # fewer bytes than asked: the end of the file came first (ISO/IEC 7816-4 Table 5)
SW_FILE_NOT_FOUND = 0x6A82
# Part 11 section 4.3.3.2: a chip refuses a wrong MUTUAL AUTHENTICATE with 6300 (some with 6982).
BAC_REFUSED_STATUS_WORDS = frozenset({0x6300, 0x6982})
# Part 11 section 9.8: a protected response is DO'87' (tag, length, '01', cryptogram), DO'99' and DO'8E'.
_STATUS_OBJECT_SIZE = 4
_CHECKSUM_OBJECT_SIZE = 10
_BLOCK_SIZE = 8

# ISO/IEC 19794-5 section 5: record header and per-image block sizes, to find the image inside DG2.
_FACIAL_RECORD_HEADER_SIZE = 14
_FACIAL_INFORMATION_SIZE = 20
_FEATURE_POINT_SIZE = 8
_IMAGE_INFORMATION_SIZE = 12
_FACIAL_RECORD_FORMAT = b"FAC\x00"

FileName = Literal["EF.COM", "DG1", "DG2", "EF.SOD"]
FileFailure = Literal["malformed", "truncated", "too_large", "missing"]
_DIGITS = re.compile(r"[0-9]+")


# --- errors -------------------------------------------------------------------------------------------


class EmrtdError(DocumentError):
    """Root of the eMRTD reader's own errors (protocol errors come from ``kiosk.documents.icao.errors``)."""

    translation_key = "document.emrtd.error"


class NoEmrtdApplicationError(EmrtdError):
    """The card has no LDS1 eMRTD application: it is not a passport or ICAO identity card."""

    translation_key = "document.emrtd.no_application"


class EmrtdFileError(EmrtdError):
    """A file read from the chip is malformed, truncated, too large, or missing; ``file`` names it."""

    def __init__(self, file: FileName, failure: FileFailure, message: str) -> None:
        super().__init__(f"{file}: {message}", translation_key=f"document.emrtd.file_{failure}")
        self.file: FileName = file
        self.failure: FileFailure = failure


class EmrtdCardRemovedError(EmrtdError):
    """The document was taken off the reader before it was read completely."""

    translation_key = "document.emrtd.card_removed"


class EmrtdCommunicationError(EmrtdError):
    """The reader or the chip failed to exchange a command (not a removal)."""

    translation_key = "document.emrtd.communication"


class AccessKeyMismatchError(EmrtdError):
    """The chip opened with the access key but its DG1 holds a different MRZ: the chip is not this document."""

    translation_key = "document.emrtd.access_key_mismatch"


class PassportWithoutIinError(EmrtdError):
    """A genuine passport that carries no IIN: the voter must type the IIN or use the identity card."""

    translation_key = "document.emrtd.passport_without_iin"


class IinBirthDateMismatchError(EmrtdError):
    """The IIN in the MRZ encodes another birth date than the MRZ's own birth date field."""

    translation_key = "document.emrtd.iin_birth_date_mismatch"


# --- the access key -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class AccessKey:
    """The BAC access key: the MRZ information (document number, birth and expiry date with check digits)."""

    mrz_information: str

    def __repr__(self) -> str:
        return "AccessKey(<secret>)"

    @classmethod
    def from_typed(cls, document_number: str, birth_date: str | dt.date, expiry_date: str | dt.date) -> AccessKey:
        """From fields typed on the keypad: dates as ``date``, DD.MM.YYYY, YYYY-MM-DD or YYMMDD.

        Raises ``MrzFieldError`` for a document number or date that cannot be written in an MRZ.
        """
        return cls(mrz_information(document_number, _typed_date(birth_date, MrzField.BIRTH_DATE),
                                   _typed_date(expiry_date, MrzField.EXPIRY_DATE)))

    @classmethod
    def from_mrz(cls, mrz: str | Sequence[str] | Mrz, *, today: dt.date) -> AccessKey:
        """From a scanned MRZ (text or lines, every check digit verified) or an already parsed one."""
        parsed = mrz if isinstance(mrz, Mrz) else parse_mrz(mrz, today=today)
        return cls(parsed.mrz_information)


def _typed_date(value: str | dt.date, field: MrzField) -> str | dt.date:
    if isinstance(value, dt.date):
        return value
    text = value.strip()
    if len(text) == 6 and _DIGITS.fullmatch(text):
        return text  # already YYMMDD, as printed in the MRZ
    return parse_typed_date(text, field=field)


# --- the result ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class EmrtdReading:
    """Everything a read produced: the identity, the verified MRZ, passive authentication and the APDU tally."""

    identity: Identity
    mrz: Mrz
    passive_authentication: PassiveAuthenticationResult
    file_sizes: dict[FileName, int]
    apdus_used: int
    apdus_minimum: int
    extended_length: bool
    dg2: bytes | None = None

    def __repr__(self) -> str:
        return f"EmrtdReading({self.mrz.format}, apdus={self.apdus_used}/{self.apdus_minimum})"


def read_emrtd(
    channel: CardChannel,
    access_key: AccessKey,
    csca_certificates: Sequence[x509.Certificate],
    today: dt.date,
) -> Identity:
    """Read and verify the eMRTD on ``channel``; its identity, or a typed ``DocumentError``."""
    return read_emrtd_document(channel, access_key, csca_certificates, today).identity


def read_emrtd_document(
    channel: CardChannel,
    access_key: AccessKey,
    csca_certificates: Sequence[x509.Certificate],
    today: dt.date,
    *,
    read_face: bool = False,
    extended_length: bool | None = None,
    random_bytes: bac.RandomBytes = os.urandom,
) -> EmrtdReading:
    """Read and verify the eMRTD on ``channel`` (see the module docstring for the sequence).

    ``read_face`` also reads DG2 and verifies its hash. ``extended_length`` None takes it from the ATR.
    Raises :class:`BacAuthenticationError` for a wrong access key, the ``PassiveAuthenticationError``
    subclasses (tampered data group, unknown CSCA, expired certificate, bad signature, malformed EF.SOD),
    ``MrzError`` subclasses, :class:`EmrtdFileError`, :class:`EmrtdCardRemovedError` and the other
    errors of this module.
    """
    extended = offers_extended_length(channel.atr()) if extended_length is None else extended_length
    link = _Link(channel, max_read_length(extended=extended))
    try:
        link.select_application()
        link.authenticate(access_key, random_bytes)
        files: dict[FileName, bytes] = {"EF.COM": link.read_file("EF.COM", EF_COM_SFI),
                                        "DG1": link.read_file("DG1", DG1_SFI)}
        if read_face:
            files["DG2"] = link.read_file("DG2", DG2_SFI)
        files["EF.SOD"] = link.read_file("EF.SOD", EF_SOD_SFI)
    except CardRemovedError as error:
        raise EmrtdCardRemovedError("the document left the reader during the read") from error
    except (CardError, MalformedApduError) as error:
        raise EmrtdCommunicationError(f"exchange with the chip failed ({type(error).__name__})") from error

    data_groups = _listed_data_groups(files["EF.COM"])
    if 1 not in data_groups:
        raise EmrtdFileError("EF.COM", "missing", "EF.COM does not list DG1")
    to_verify = {1: files["DG1"]} | ({2: files["DG2"]} if "DG2" in files else {})
    passive = verify_sod(files["EF.SOD"], to_verify, csca_certificates, today)
    mrz = _mrz_from_dg1(files["DG1"], today)
    if mrz.mrz_information != access_key.mrz_information:
        raise AccessKeyMismatchError("the MRZ in DG1 does not give the access key the chip opened with")
    iin = _iin_of(mrz)
    if iin.birth_date != mrz.birth_date:
        raise IinBirthDateMismatchError("the birth date in the IIN differs from the MRZ's birth date")

    checks: set[Check] = {"basic_access_control", "passive_authentication", "data_group_hashes",
                          "mrz_check_digits", "iin_check_digit", "certificate_chain", "certificate_validity"}
    if mrz.expiry_date >= today:
        checks.add("document_not_expired")
    identity = Identity(
        iin=iin,
        source="emrtd",
        checks_passed=frozenset(checks),
        surname=mrz.surname,
        given_names=mrz.given_names or None,
        document_number=mrz.document_number,
        document_expiry=mrz.expiry_date,
    )
    sizes = {name: len(content) for name, content in files.items()}
    return EmrtdReading(
        identity=identity,
        mrz=mrz,
        passive_authentication=passive,
        file_sizes=sizes,
        apdus_used=link.apdu_count,
        apdus_minimum=minimum_apdus(sizes.values(), extended=extended),
        extended_length=extended,
        dg2=files.get("DG2"),
    )


# --- the content of the files -------------------------------------------------------------------------


def _listed_data_groups(ef_com: bytes) -> frozenset[int]:
    """The data-group numbers EF.COM's tag list names (Part 10 section 4.6.1: '5C' holds their tags)."""
    try:
        (element,) = tlv.parse_all(ef_com)
        tag_list = tlv.find(element.children(), TAG_TAG_LIST) if element.tag == TAG_EF_COM else None
    except (tlv.TlvError, ValueError) as error:
        raise EmrtdFileError("EF.COM", "malformed", "EF.COM is not the data object Part 10 describes") from error
    if tag_list is None:
        raise EmrtdFileError("EF.COM", "malformed", "EF.COM has no tag list")
    return frozenset(_DATA_GROUP_NUMBERS[tag] for tag in tag_list.value if tag in _DATA_GROUP_NUMBERS)


# Part 10 section 4.6.1, Table 35 (LDS1 data groups and their tags), for the tags read here.
_DATA_GROUP_NUMBERS = {TAG_DG1: 1, TAG_DG2: 2}


def _mrz_from_dg1(dg1: bytes, today: dt.date) -> Mrz:
    """The MRZ in DG1 ('61' holding '5F1F'), parsed with every check digit verified."""
    try:
        (element,) = tlv.parse_all(dg1)
        mrz_object = tlv.find(element.children(), TAG_MRZ) if element.tag == TAG_DG1 else None
    except (tlv.TlvError, ValueError) as error:
        raise EmrtdFileError("DG1", "malformed", "DG1 is not the data object Part 10 describes") from error
    if mrz_object is None:
        raise EmrtdFileError("DG1", "malformed", "DG1 holds no MRZ data element")
    try:
        text = mrz_object.value.decode("ascii")
    except UnicodeDecodeError as error:
        raise EmrtdFileError("DG1", "malformed", "the MRZ in DG1 is not ASCII") from error
    # DG1 holds the MRZ as one run of 90 (TD1) or 88 (TD3) characters, never with line breaks.
    if not text or any(character.isspace() for character in text):
        raise EmrtdFileError("DG1", "malformed", "the MRZ in DG1 is empty or holds white space")
    return parse_mrz(text, today=today)


def _iin_of(mrz: Mrz) -> Iin:
    """The IIN of a TD1 Kazakh identity card, or of a passport whose personal number is an IIN."""
    if mrz.format == "TD1":
        return iin_from_td1(mrz)
    candidate = mrz.optional_data
    if len(candidate) != IIN_LENGTH or not _DIGITS.fullmatch(candidate):
        raise PassportWithoutIinError("this passport carries no IIN: type the IIN or use the identity card")
    try:
        return parse_iin(candidate)
    except InvalidIin as error:
        raise MrzIinInvalidError(error.reason) from None


def face_image(dg2: bytes) -> bytes:
    """The image (JPEG or JPEG 2000) of the first face in DG2 (Part 10 section 4.7.2, ISO/IEC 19794-5)."""
    try:
        (group,) = tlv.parse_all(dg2)
        if group.tag != TAG_DG2:
            raise EmrtdFileError("DG2", "malformed", "DG2 does not start with its tag")
        information = tlv.find(group.children(), TAG_BIOMETRIC_GROUP)
        template = tlv.find(information.children(), TAG_BIOMETRIC_TEMPLATE) if information else None
        blocks = template.children() if template else []
    except (tlv.TlvError, ValueError) as error:
        raise EmrtdFileError("DG2", "malformed", "DG2 is not the data object Part 10 describes") from error
    record = next((block.value for block in blocks if block.tag in BIOMETRIC_DATA_TAGS), None)
    minimum_size = _FACIAL_RECORD_HEADER_SIZE + _FACIAL_INFORMATION_SIZE
    if record is None or len(record) < minimum_size or record[:4] != _FACIAL_RECORD_FORMAT:
        raise EmrtdFileError("DG2", "malformed", "DG2 holds no ISO/IEC 19794-5 facial record")
    information_start = _FACIAL_RECORD_HEADER_SIZE
    feature_points = int.from_bytes(record[information_start + 4:information_start + 6], "big")
    image_start = (information_start + _FACIAL_INFORMATION_SIZE + feature_points * _FEATURE_POINT_SIZE
                   + _IMAGE_INFORMATION_SIZE)
    block_length = int.from_bytes(record[information_start:information_start + 4], "big")
    image_end = information_start + block_length
    if image_start >= image_end or image_end > len(record):
        raise EmrtdFileError("DG2", "malformed", "the facial record's lengths do not fit its data")
    return record[image_start:image_end]


# --- APDU budget --------------------------------------------------------------------------------------

SELECT_AND_BAC_APDUS = 3  # SELECT application, GET CHALLENGE, MUTUAL AUTHENTICATE


def max_read_length(*, extended: bool) -> int:
    """The most plain bytes one READ BINARY can return under secure messaging (Part 11 section 9.8).

    The protected response (DO'87' with '01' and the padded cryptogram, DO'99', DO'8E') must fit in 256
    bytes, or 65536 with extended length: 231 and 65511 bytes of file.
    """
    limit = EXTENDED_MAX_LE if extended else SHORT_MAX_LE
    length = limit
    while _protected_response_size(length) > limit:
        length -= 1
    return length


def _protected_response_size(plain_length: int) -> int:
    padded = (plain_length // _BLOCK_SIZE + 1) * _BLOCK_SIZE  # padding method 2 always adds a byte
    value = 1 + padded
    return 1 + len(tlv.encode_length(value)) + value + _STATUS_OBJECT_SIZE + _CHECKSUM_OBJECT_SIZE


def minimum_apdus(file_sizes: Iterable[int], *, extended: bool) -> int:
    """The fewest APDUs that select, authenticate and read files of these sizes (each read maximal)."""
    chunk = max_read_length(extended=extended)
    return SELECT_AND_BAC_APDUS + sum(max(1, -(-size // chunk)) for size in file_sizes)


# --- the exchange -------------------------------------------------------------------------------------


class _Link:
    """The channel with a count of the APDUs sent and, after BAC, the secure-messaging session."""

    def __init__(self, channel: CardChannel, read_length: int) -> None:
        self._channel = channel
        self._read_length = read_length
        self._session: SecureMessaging | None = None
        self.apdu_count = 0

    def _send(self, command: CommandApdu) -> ResponseApdu:
        self.apdu_count += 1
        return parse_response_apdu(self._channel.transmit(command.encode()))

    def _send_protected(self, command: CommandApdu) -> ResponseApdu:
        assert self._session is not None  # authenticate() has run
        return self._session.unwrap_response(self._send(self._session.wrap_command(command)))

    def select_application(self) -> None:
        response = self._send(CommandApdu(0x00, INS_SELECT, SELECT_BY_DF_NAME, SELECT_NO_RESPONSE_DATA,
                                          data=LDS1_AID))
        if response.sw == SW_FILE_NOT_FOUND:
            raise NoEmrtdApplicationError("the card has no eMRTD application")
        check(response)

    def authenticate(self, access_key: AccessKey, random_bytes: bac.RandomBytes) -> None:
        keys = bac.document_keys(access_key.mrz_information)
        challenge = check(self._send(bac.get_challenge_command())).data
        if len(challenge) != bac.CHALLENGE_SIZE:
            raise BacError(f"the chip's challenge is {len(challenge)} bytes, not {bac.CHALLENGE_SIZE}")
        authentication = bac.start_mutual_authentication(keys, challenge, random_bytes=random_bytes)
        response = self._send(bac.mutual_authenticate_command(authentication))
        if response.sw in BAC_REFUSED_STATUS_WORDS:
            raise BacAuthenticationError("the chip refused the access key (document number or dates are wrong)")
        check(response)
        self._session = SecureMessaging(bac.finish_mutual_authentication(keys, authentication, response.data))

    def _read(self, command: CommandApdu) -> tuple[bytes, bool]:
        """The data of one READ BINARY and whether the chip said the file ended before ``le`` bytes."""
        response = check(self._send_protected(command), also_accept=(SW_END_OF_FILE,))
        short = response.sw == SW_END_OF_FILE or len(response.data) < (command.le or 0)
        return response.data, short

    def read_file(self, name: FileName, short_file_id: int) -> bytes:
        """A whole file: a maximal first read by short file identifier, then maximal reads of the rest."""
        first = CommandApdu(0x00, INS_READ_BINARY, READ_BY_SHORT_FILE_ID | short_file_id, 0x00,
                            le=self._read_length)
        content, ended = self._read(first)
        total = _declared_size(name, content, ended)
        while len(content) < total:
            if ended:
                raise EmrtdFileError(name, "truncated", "the file ends before the length its header gives")
            offset = len(content)
            if offset > MAX_EVEN_INS_OFFSET:
                raise EmrtdFileError(name, "too_large", "the file is too large to read")
            chunk, ended = self._read(CommandApdu(0x00, INS_READ_BINARY, offset >> 8, offset & 0xFF,
                                                  le=min(self._read_length, total - offset)))
            if not chunk:
                ended = True
            content += chunk
        return content[:total]


_FILE_TAGS: dict[FileName, int] = {"EF.COM": TAG_EF_COM, "DG1": TAG_DG1, "DG2": TAG_DG2, "EF.SOD": TAG_EF_SOD}
_LONG_FORM = 0x80  # X.690 section 8.1.3.5: bit 8 of the first length byte selects the long form
_MAX_LENGTH_BYTES = 3  # lengths up to 16 MiB; MAX_FILE_SIZE is far below


def _declared_size(name: FileName, head: bytes, ended: bool) -> int:
    """The full size of a file (tag, length and value) from its first bytes.

    Every LDS file is one data object with a one-byte tag (Part 10 section 4), so its header is the tag and
    a BER length (short form, or '81'..'83' and the length bytes).
    """
    if not head:
        raise EmrtdFileError(name, "truncated" if ended else "malformed", "the file is empty")
    if head[0] != _FILE_TAGS[name]:
        raise EmrtdFileError(name, "malformed", "the file does not start with its tag")
    if len(head) < 2:
        raise EmrtdFileError(name, "truncated", "the file ends inside its header")
    first = head[1]
    if first < _LONG_FORM:
        header_size, value_size = 2, first
    else:
        count = first & ~_LONG_FORM
        if not 1 <= count <= _MAX_LENGTH_BYTES:
            raise EmrtdFileError(name, "malformed", "the file's length field is not a definite BER length")
        if len(head) < 2 + count:
            raise EmrtdFileError(name, "truncated", "the file ends inside its header")
        header_size, value_size = 2 + count, int.from_bytes(head[2:2 + count], "big")
    total = header_size + value_size
    if total > MAX_FILE_SIZE:
        raise EmrtdFileError(name, "too_large", "the file announces more bytes than an LDS file may hold")
    return total

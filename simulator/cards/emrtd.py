"""The simulator's ICAO 9303 eMRTD: a TD1 Kazakh identity card or a TD3 passport with BAC and secure messaging.

The chip holds the LDS1 application (Part 10 section 4.1) with EF.COM, DG1 (the MRZ), DG2 (a small face
image) and EF.SOD, signed by a simulator document signer under a simulator CSCA (``emrtd_pki``). Files are
read with READ BINARY only after Basic Access Control (GET CHALLENGE, MUTUAL AUTHENTICATE with the keys from
the MRZ, Part 11 section 4.3), and every command after it must be protected by secure messaging (Part 11
section 9.8); the card-side halves of both protocols come from ``kiosk.documents.icao``.

:func:`make_emrtd` makes a card for a person and builds in the faults a broken or forged document shows:
truncated or corrupted files, a bad SOD signature, DG1 changed after signing, an expired document signer, a
document signed under a CSCA the kiosk does not know, and (set on the card at any time) a wrong status word
answered to a chosen instruction. A card pulled out mid-read is a control of the reader it sits in
(``InProcessCardReader.remove_after_apdus``, ``VpcdCardClient.drop_after_apdus``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from PIL import Image

from drivers.card.apdu import SW_SUCCESS, CommandApdu, ResponseApdu
from kiosk.core.iin import make_iin, parse_iin
from kiosk.documents import tlv
from kiosk.documents.icao import bac
from kiosk.documents.icao.errors import BacAuthenticationError, BacError, SecureMessagingError
from kiosk.documents.icao.secure_messaging import SM_CLA_BITS, CardSecureMessaging
from kiosk.documents.mrz import compose_td1, compose_td3, mrz_information
from simulator.cards.emrtd_pki import IssuedCertificate, SodFault, build_ef_sod, make_csca, make_document_signer
from simulator.cards.national_pki import load_credential_files, save_credential
from simulator.cards.virtual import (
    INS_READ_BINARY,
    INS_SELECT,
    SW_CLA_NOT_SUPPORTED,
    SW_WRONG_LENGTH,
    Application,
    ElementaryFile,
    FileSystemCard,
    Instruction,
    build_t1_atr,
)

# ICAO 9303 Part 10 section 3.3: the LDS1 eMRTD application identifier.
LDS1_AID = bytes.fromhex("A0000002471001")

# Part 10 section 3.3 (Table of LDS1 files): file identifier and short file identifier of each EF.
EF_COM_ID, EF_COM_SFI = 0x011E, 0x1E
EF_SOD_ID, EF_SOD_SFI = 0x011D, 0x1D
DG1_ID, DG1_SFI = 0x0101, 0x01
DG2_ID, DG2_SFI = 0x0102, 0x02

# Part 10 section 4.6 and 4.7: the tags the files start with.
TAG_EF_COM = 0x60
TAG_DG1 = 0x61
TAG_DG2 = 0x75
TAG_MRZ = 0x5F1F  # DG1: the MRZ data elements
TAG_LDS_VERSION = 0x5F01  # EF.COM: LDS version "aabb"
TAG_UNICODE_VERSION = 0x5F36  # EF.COM: Unicode version "aabbcc"
TAG_TAG_LIST = 0x5C  # EF.COM: the tags of the data groups present
# Part 10 section 4.7.2 (DG2) and ISO/IEC 7816-11: the biometric templates.
TAG_BIOMETRIC_GROUP = 0x7F61
TAG_BIOMETRIC_COUNT = 0x02
TAG_BIOMETRIC_TEMPLATE = 0x7F60
TAG_BIOMETRIC_HEADER = 0xA1
TAG_HEADER_VERSION = 0x80
TAG_BIOMETRIC_TYPE = 0x81
TAG_FORMAT_OWNER = 0x87
TAG_FORMAT_TYPE = 0x88
TAG_BIOMETRIC_DATA = 0x5F2E
BIOMETRIC_TYPE_FACE = 0x02  # ISO/IEC 19785-3 (CBEFF): facial features
FORMAT_OWNER_SC37 = 0x0101  # ISO/IEC JTC 1/SC 37
FORMAT_TYPE_FACE_IMAGE = 0x0008  # ISO/IEC 19794-5 face image

# ISO/IEC 7816-4 instruction bytes of BAC (Part 11 section 4.3.3).
INS_GET_CHALLENGE = bac.INS_GET_CHALLENGE
INS_MUTUAL_AUTHENTICATE = bac.INS_MUTUAL_AUTHENTICATE

# Status words (ISO/IEC 7816-4 Table 6; Part 11 sections 4.3.3.2 and 9.8.6.3).
SW_AUTHENTICATION_FAILED = 0x6300
SW_SECURITY_STATUS_NOT_SATISFIED = 0x6982
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_SM_OBJECTS_MISSING = 0x6987
SW_SM_OBJECTS_INCORRECT = 0x6988

# ISO/IEC 7816-4 section 12.1.1.11, Table 118: card capabilities (historical bytes, COMPACT-TLV tag '7').
_CAPABILITIES_SELECTION = 0x94  # DF selection by full DF name and by file identifier; short EF identifiers
_CAPABILITIES_DATA_CODING = 0x01  # data unit of one byte
_CAPABILITY_EXTENDED_LENGTH = 0x40  # third byte, b7: extended Lc and Le fields
_CATEGORY_COMPACT_TLV = 0x80  # historical bytes category indicator: COMPACT-TLV objects follow
_TAG_CARD_CAPABILITIES = 0x73  # COMPACT-TLV: tag 7, length 3

DocumentForm = Literal["TD1", "TD3"]
Sex = Literal["M", "F"]
FileName = Literal["EF.COM", "DG1", "DG2", "EF.SOD"]
FILE_IDS: dict[FileName, int] = {"EF.COM": EF_COM_ID, "DG1": DG1_ID, "DG2": DG2_ID, "EF.SOD": EF_SOD_ID}


def emrtd_atr(*, extended_length: bool) -> bytes:
    """The ATR: T=1 with card capabilities that announce (or not) extended Lc and Le fields."""
    third = _CAPABILITY_EXTENDED_LENGTH if extended_length else 0x00
    historical = bytes((_CATEGORY_COMPACT_TLV, _TAG_CARD_CAPABILITIES, _CAPABILITIES_SELECTION,
                        _CAPABILITIES_DATA_CODING, third))
    return build_t1_atr(historical)


@dataclass(kw_only=True)
class SimEmrtd(FileSystemCard):
    """A virtual eMRTD chip: the LDS1 application behind BAC and secure messaging.

    ``access_key`` is the MRZ information the BAC keys are derived from. ``status_word_faults`` maps an
    instruction byte to a status word the card answers instead of running it (inside secure messaging once
    a session is up, as a card answers an error to a command it could verify); change it at any time.
    """

    access_key: str
    status_word_faults: dict[int, int] = field(default_factory=dict)
    random_bytes: bac.RandomBytes = os.urandom
    _keys: bac.BacKeys | None = field(default=None, init=False, repr=False)
    _challenge: bytes = field(default=b"", init=False, repr=False)
    _session: CardSecureMessaging | None = field(default=None, init=False, repr=False)

    def __repr__(self) -> str:
        return "SimEmrtd(<personal data hidden>)"

    @property
    def session_open(self) -> bool:
        """True while a secure-messaging session established by BAC is in force."""
        return self._session is not None

    def power_on(self) -> None:
        """Cold reset: no application selected, no challenge, no session."""
        super().power_on()
        self._end_session()

    def power_off(self) -> None:
        """Power cut: the session keys are gone."""
        super().power_off()
        self._end_session()

    def _end_session(self) -> None:
        self._challenge = b""
        self._session = None

    @property
    def instructions(self) -> dict[int, Instruction]:
        """SELECT and READ BINARY of the file system, and the two BAC instructions."""
        return {
            INS_SELECT: self.select,
            INS_READ_BINARY: self._read_protected_file,
            INS_GET_CHALLENGE: self._get_challenge,
            INS_MUTUAL_AUTHENTICATE: self._mutual_authenticate,
        }

    def handle(self, command: CommandApdu) -> ResponseApdu:
        """Unwrap protected commands, run them, wrap the answers; a plain command ends a session."""
        if command.cla & 0xE0:
            return ResponseApdu(b"", SW_CLA_NOT_SUPPORTED)
        fault = self.status_word_faults.get(command.ins)
        if not command.cla & SM_CLA_BITS:
            # Part 11 section 9.8.6.3: a command without secure messaging aborts the session.
            self._session = None
            return ResponseApdu(b"", fault) if fault is not None else self.execute(command)
        session = self._session
        if session is None:
            return ResponseApdu(b"", SW_SECURITY_STATUS_NOT_SATISFIED)
        try:
            plain = session.unwrap_command(command)
        except SecureMessagingError as error:
            self._end_session()
            missing = error.reason in ("missing_mac", "missing_status")
            return ResponseApdu(b"", SW_SM_OBJECTS_MISSING if missing else SW_SM_OBJECTS_INCORRECT)
        response = ResponseApdu(b"", fault) if fault is not None else self.execute(plain)
        return session.wrap_response(response)

    # --- BAC ---------------------------------------------------------------------------------------

    def _get_challenge(self, command: CommandApdu) -> ResponseApdu:
        if command.le != bac.CHALLENGE_SIZE or command.data:
            return ResponseApdu(b"", SW_WRONG_LENGTH)
        self._challenge = self.random_bytes(bac.CHALLENGE_SIZE)
        return ResponseApdu(self._challenge, SW_SUCCESS)

    def _mutual_authenticate(self, command: CommandApdu) -> ResponseApdu:
        challenge, self._challenge = self._challenge, b""  # one attempt per challenge: no replay
        if self._selection.application is None or not challenge:
            return ResponseApdu(b"", SW_CONDITIONS_NOT_SATISFIED)
        if self._keys is None:
            self._keys = bac.document_keys(self.access_key)
        try:
            answer, keys = bac.answer_mutual_authentication(
                self._keys, challenge, command.data, random_bytes=self.random_bytes)
        except BacAuthenticationError:
            return ResponseApdu(b"", SW_AUTHENTICATION_FAILED)
        except BacError:
            return ResponseApdu(b"", SW_WRONG_LENGTH)
        self._session = CardSecureMessaging(keys)
        return ResponseApdu(answer, SW_SUCCESS)

    def _read_protected_file(self, command: CommandApdu) -> ResponseApdu:
        # Part 11 section 4.3: the LDS files are readable only through a session opened by BAC.
        if self._session is None:
            return ResponseApdu(b"", SW_SECURITY_STATUS_NOT_SATISFIED)
        return self.read_binary(command)


# --- the card's content -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, repr=False)
class EmrtdHolder:
    """The person a simulated document is issued to. Names may be Cyrillic (Kazakh or Russian) or Latin.

    ``birth_date`` and ``sex`` default to what the IIN encodes.
    """

    surname: str
    given_names: str
    iin: str
    document_number: str
    expiry_date: dt.date
    birth_date: dt.date | None = None
    sex: Sex | None = None
    nationality: str = "KAZ"

    def __repr__(self) -> str:
        return "EmrtdHolder(<personal data hidden>)"

    def resolved_birth_date(self) -> dt.date:
        """The birth date written in the MRZ."""
        return self.birth_date if self.birth_date is not None else parse_iin(self.iin).birth_date

    def resolved_sex(self) -> Sex:
        """The sex written in the MRZ ('M' or 'F')."""
        if self.sex is not None:
            return self.sex
        return "M" if parse_iin(self.iin).sex == "male" else "F"


@dataclass(frozen=True, slots=True)
class EmrtdIssuer:
    """The simulated issuing state: its CSCA and the document signer it currently uses."""

    csca: IssuedCertificate
    document_signer: IssuedCertificate

    def save(self, directory: Path) -> None:
        """Write ``csca.pem``, ``document-signer.pem`` and their keys (``*-key.pem``, 0600) into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        for stem, issued in (("csca", self.csca), ("document-signer", self.document_signer)):
            save_credential(directory, stem, issued.certificate, issued.private_key)

    @classmethod
    def load(cls, directory: Path) -> EmrtdIssuer:
        """The issuer :meth:`save` wrote."""
        issued: list[IssuedCertificate] = []
        for stem in ("csca", "document-signer"):
            certificate, key = load_credential_files(directory, stem)
            if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
                raise ValueError(f"{stem}-key.pem is neither an EC nor an RSA key")
            issued.append(IssuedCertificate(certificate, key))
        return cls(csca=issued[0], document_signer=issued[1])


def make_emrtd_issuer() -> EmrtdIssuer:
    """A fresh simulator CSCA and a document signer under it."""
    csca = make_csca()
    return EmrtdIssuer(csca=csca, document_signer=make_document_signer(csca))


@dataclass(frozen=True, slots=True)
class EmrtdFaults:
    """Faults built into a card's files when it is made (see :func:`make_emrtd`).

    ``truncated_files`` keeps only the first N bytes of a file; ``corrupted_files`` flips every bit of the
    byte at an offset. Both are applied after EF.SOD is signed, as damage on the chip would be.
    """

    truncated_files: Mapping[FileName, int] = field(default_factory=dict)
    corrupted_files: Mapping[FileName, int] = field(default_factory=dict)
    bad_sod_signature: bool = False  # EF.SOD signed with a key other than the certified one
    tampered_dg1: bool = False  # DG1 rewritten after signing (a changed name)
    expired_document_signer: bool = False  # the document signer certificate ended yesterday
    unknown_csca: bool = False  # signed under a CSCA the kiosk is not configured with


@dataclass(frozen=True, slots=True, repr=False)
class EmrtdContent:
    """What goes on a chip: the MRZ lines and the files by name (for tests that compare bytes)."""

    mrz_lines: tuple[str, ...]
    access_key: str
    files: Mapping[FileName, bytes]


def make_emrtd(
    holder: EmrtdHolder,
    *,
    form: DocumentForm,
    issuer: EmrtdIssuer,
    faults: EmrtdFaults | None = None,
    include_face: bool = True,
    passport_carries_iin: bool = True,
    extended_length: bool = True,
    atr_bytes: bytes | None = None,
) -> SimEmrtd:
    """A virtual eMRTD for ``holder``: a TD1 Kazakh ID card (IIN in line 1, positions 16-27) or a TD3 passport.

    A passport carries the IIN as its personal number unless ``passport_carries_iin`` is False.
    ``extended_length`` decides whether the card accepts (and its ATR announces) extended APDUs.
    """
    content = emrtd_content(holder, form=form, issuer=issuer, faults=faults, include_face=include_face,
                            passport_carries_iin=passport_carries_iin)
    return card_from_content(content, extended_length=extended_length, atr_bytes=atr_bytes)


def card_from_content(
    content: EmrtdContent, *, extended_length: bool = True, atr_bytes: bytes | None = None
) -> SimEmrtd:
    """A virtual eMRTD serving ``content`` as it is (tests use it to serve files altered byte by byte)."""
    files = tuple(
        ElementaryFile(FILE_IDS[name], data, short_file_id=_SHORT_FILE_IDS[name])
        for name, data in content.files.items()
    )
    return SimEmrtd(
        applications=(Application(LDS1_AID, files),),
        atr_bytes=atr_bytes if atr_bytes is not None else emrtd_atr(extended_length=extended_length),
        extended_length=extended_length,
        access_key=content.access_key,
    )


_SHORT_FILE_IDS: dict[FileName, int] = {"EF.COM": EF_COM_SFI, "DG1": DG1_SFI, "DG2": DG2_SFI,
                                        "EF.SOD": EF_SOD_SFI}


def emrtd_content(
    holder: EmrtdHolder,
    *,
    form: DocumentForm,
    issuer: EmrtdIssuer,
    faults: EmrtdFaults | None = None,
    include_face: bool = True,
    passport_carries_iin: bool = True,
) -> EmrtdContent:
    """The MRZ and the files of a document for ``holder``, faults applied (see :func:`make_emrtd`)."""
    faults = faults if faults is not None else EmrtdFaults()
    lines = compose_mrz(holder, form=form, passport_carries_iin=passport_carries_iin)
    dg1 = encode_dg1(lines)
    data_groups = {1: dg1}
    if include_face:
        data_groups[2] = encode_dg2(face_jpeg())
    signer = issuer.document_signer
    if faults.unknown_csca:
        signer = make_document_signer(make_csca(common_name="Unknown CSCA"), expired=faults.expired_document_signer)
    elif faults.expired_document_signer:
        signer = make_document_signer(issuer.csca, expired=True)
    sod_faults: tuple[SodFault, ...] = ("wrong_signer_key",) if faults.bad_sod_signature else ()
    files: dict[FileName, bytes] = {
        "EF.COM": encode_ef_com(sorted(data_groups)),
        "DG1": dg1,
        "EF.SOD": build_ef_sod(data_groups, signer, faults=sod_faults),
    }
    if include_face:
        files["DG2"] = data_groups[2]
    if faults.tampered_dg1:
        files["DG1"] = encode_dg1(_tampered_lines(lines))
    for name, length in faults.truncated_files.items():
        files[name] = files[name][:length]
    for name, offset in faults.corrupted_files.items():
        data = bytearray(files[name])
        data[offset] ^= 0xFF
        files[name] = bytes(data)
    access_key = mrz_information(holder.document_number, holder.resolved_birth_date(), holder.expiry_date)
    return EmrtdContent(mrz_lines=lines, access_key=access_key, files=files)


def compose_mrz(holder: EmrtdHolder, *, form: DocumentForm, passport_carries_iin: bool = True) -> tuple[str, ...]:
    """The holder's MRZ lines: TD1 'ID' card with the IIN as line-1 optional data, or TD3 'P' passport."""
    names = mrz_name_field(holder.surname, holder.given_names)
    common = {
        "issuing_state": "KAZ",
        "document_number": holder.document_number,
        "birth_date": f"{holder.resolved_birth_date():%y%m%d}",
        "sex": holder.resolved_sex(),
        "expiry_date": f"{holder.expiry_date:%y%m%d}",
        "nationality": holder.nationality,
    }
    if form == "TD1":
        return compose_td1(document_type="ID", names=names[:30], optional_data_1=holder.iin, **common)
    return compose_td3(document_type="P", names=names[:39],
                       personal_number=holder.iin if passport_carries_iin else "", **common)


def encode_dg1(lines: tuple[str, ...]) -> bytes:
    """DG1 (Part 10 section 4.7.1): template '61' holding the MRZ as one run of characters in '5F1F'."""
    return tlv.encode_tlv(TAG_DG1, tlv.encode_tlv(TAG_MRZ, "".join(lines).encode("ascii")))


def encode_ef_com(data_groups: list[int]) -> bytes:
    """EF.COM (Part 10 section 4.6.1): LDS version 1.7, Unicode 4.0.0, the tag list of the data groups."""
    data_group_tags = {1: TAG_DG1, 2: TAG_DG2}
    return tlv.encode_tlv(TAG_EF_COM, (
        tlv.encode_tlv(TAG_LDS_VERSION, b"0107")
        + tlv.encode_tlv(TAG_UNICODE_VERSION, b"040000")
        + tlv.encode_tlv(TAG_TAG_LIST, bytes(data_group_tags[number] for number in data_groups))
    ))


def face_jpeg(size: tuple[int, int] = (24, 32)) -> bytes:
    """A tiny JPEG 'portrait' (a grey oval on white) for DG2."""
    image = Image.new("L", size, 255)
    width, height = size
    pixels = image.load()
    assert pixels is not None
    for y in range(height):
        for x in range(width):
            inside = ((x - width / 2) / (width / 2.6)) ** 2 + ((y - height / 2) / (height / 2.4)) ** 2 <= 1
            pixels[x, y] = 110 if inside else 255
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=60)
    return buffer.getvalue()


def encode_dg2(jpeg: bytes, size: tuple[int, int] = (24, 32)) -> bytes:
    """DG2 (Part 10 section 4.7.2): one biometric template with an ISO/IEC 19794-5 facial record."""
    header = tlv.encode_tlv(TAG_BIOMETRIC_HEADER, (
        tlv.encode_tlv(TAG_HEADER_VERSION, b"\x01\x01")
        + tlv.encode_tlv(TAG_BIOMETRIC_TYPE, bytes((BIOMETRIC_TYPE_FACE,)))
        + tlv.encode_tlv(TAG_FORMAT_OWNER, FORMAT_OWNER_SC37.to_bytes(2, "big"))
        + tlv.encode_tlv(TAG_FORMAT_TYPE, FORMAT_TYPE_FACE_IMAGE.to_bytes(2, "big"))
    ))
    template = tlv.encode_tlv(TAG_BIOMETRIC_TEMPLATE, header + tlv.encode_tlv(TAG_BIOMETRIC_DATA,
                                                                               facial_record(jpeg, size)))
    group = tlv.encode_tlv(TAG_BIOMETRIC_GROUP, tlv.encode_tlv(TAG_BIOMETRIC_COUNT, b"\x01") + template)
    return tlv.encode_tlv(TAG_DG2, group)


# ISO/IEC 19794-5:2005 section 5: record header (14 bytes), facial information (20), image information (12).
FACIAL_RECORD_HEADER_SIZE = 14
FACIAL_INFORMATION_SIZE = 20
IMAGE_INFORMATION_SIZE = 12
IMAGE_DATA_TYPE_JPEG = 0x00
FACE_IMAGE_TYPE_FULL_FRONTAL = 0x01


def facial_record(jpeg: bytes, size: tuple[int, int]) -> bytes:
    """An ISO/IEC 19794-5 facial record holding one JPEG image and no feature points."""
    width, height = size
    block_length = FACIAL_INFORMATION_SIZE + IMAGE_INFORMATION_SIZE + len(jpeg)
    record_length = FACIAL_RECORD_HEADER_SIZE + block_length
    header = b"FAC\x00" + b"010\x00" + struct.pack(">IH", record_length, 1)
    facial_information = struct.pack(
        ">IHBBB3sH3s3s", block_length, 0, 0, 0, 0, bytes(3), 0, bytes(3), bytes(3))
    image_information = struct.pack(
        ">BBHHBBHH", FACE_IMAGE_TYPE_FULL_FRONTAL, IMAGE_DATA_TYPE_JPEG, width, height, 0, 0, 0, 0)
    return header + facial_information + image_information + jpeg


# --- names in the MRZ -----------------------------------------------------------------------------

# ICAO 9303 Part 3 section 6 (transliteration of Cyrillic), with the Kazakh letters as Kazakh documents
# write them (no ICAO table covers them).
_CYRILLIC_TO_LATIN = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH", "З": "Z", "И": "I",
    "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T",
    "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ъ": "IE", "Ы": "Y",
    "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
    "Ә": "A", "Ғ": "G", "Қ": "K", "Ң": "N", "Ө": "O", "Ұ": "U", "Ү": "U", "Һ": "H", "І": "I",
}


def mrz_name_component(name: str) -> str:
    """A name in MRZ characters: transliterated, upper case, spaces and hyphens as '<', others dropped."""
    latin = "".join(_CYRILLIC_TO_LATIN.get(character, character) for character in name.upper())
    kept = "".join(character if character.isascii() and character.isalpha() else
                   "<" if character in " -" else "" for character in latin)
    return "<".join(part for part in kept.split("<") if part)


def mrz_name_field(surname: str, given_names: str) -> str:
    """The name field 'SURNAME<<GIVEN<NAMES' (Part 3 section 4.6), before truncation to the line."""
    return f"{mrz_name_component(surname)}<<{mrz_name_component(given_names)}"


def _tampered_lines(lines: tuple[str, ...]) -> tuple[str, ...]:
    # The name field carries no check digit: a forger changes the name and the MRZ still parses.
    last = lines[-1] if len(lines) == 3 else lines[0]
    position = last.index("<<") - 1 if "<<" in last else len(last) - 1
    replacement = "X" if last[position] != "X" else "Y"
    changed = last[:position] + replacement + last[position + 1:]
    return (*lines[:-1], changed) if len(lines) == 3 else (changed, lines[1])


def default_holder(*, today: dt.date | None = None) -> EmrtdHolder:
    """A sample holder for demonstrations and benchmarks (valid IIN, document valid for five more years)."""
    day = today if today is not None else dt.date.today()
    iin = make_iin(dt.date(1990, 1, 1), "male", 1)
    assert iin is not None  # serial 1 of that day is assignable
    return EmrtdHolder(surname="Серікбаев", given_names="Асқар", iin=iin.value, document_number="N12345678",
                       expiry_date=dt.date(day.year + 5, day.month, min(day.day, 28)))

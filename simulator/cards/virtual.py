"""Virtual smart cards: the ``VirtualCard`` protocol and a generic ISO/IEC 7816-4 file-system card.

A virtual card is served to the kiosk by ``simulator.cards.inprocess`` (directly) or by
``simulator.cards.vpcd`` (through pcscd), so a card model is written once. ``FileSystemCard`` implements
SELECT and READ BINARY over transparent files in a master file and in applications selected by AID; the
ID-card and eMRTD profiles build on it, adding their own instructions (``instructions``) or wrapping
``handle`` for secure messaging. Two transport behaviours can be switched on to test the channel layer:
answering long responses in ``61xx`` chunks (as T=0 cards do) and insisting on the exact Le with ``6Cxx``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Protocol

from drivers.card.apdu import (
    EXTENDED_MAX_LE,
    INS_GET_RESPONSE,
    SHORT_MAX_LE,
    SW_SUCCESS,
    CommandApdu,
    ResponseApdu,
    parse_command_apdu,
)
from drivers.card.errors import MalformedApduError

# Status words (ISO/IEC 7816-4:2020 5.6, Tables 5-6).
SW_END_OF_FILE = 0x6282  # end of file reached before reading Ne bytes
SW_WRONG_LENGTH = 0x6700
SW_SM_NOT_SUPPORTED = 0x6882
SW_NO_CURRENT_EF = 0x6986  # command not allowed: no current EF
SW_FUNCTION_NOT_SUPPORTED = 0x6A81
SW_FILE_NOT_FOUND = 0x6A82
SW_INCORRECT_P1_P2 = 0x6A86
SW_WRONG_P1_P2 = 0x6B00  # wrong parameters, e.g. offset outside the EF
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00
SW_NO_PRECISE_DIAGNOSIS = 0x6F00
SW1_MORE_DATA = 0x61
SW1_WRONG_LE = 0x6C

INS_SELECT = 0xA4  # ISO/IEC 7816-4:2020 11.2.2
INS_READ_BINARY = 0xB0  # ISO/IEC 7816-4:2020 11.3.3

# SELECT P1 (ISO/IEC 7816-4:2020 Table 63)
SELECT_BY_FILE_ID = 0x00
SELECT_EF_UNDER_CURRENT_DF = 0x02
SELECT_BY_DF_NAME = 0x04
SELECT_PATH_FROM_MF = 0x08
# SELECT P2 b4-b3 (Table 64): what the response carries
SELECT_RETURN_FCP = 0x04
SELECT_RETURN_NOTHING = 0x0C
SELECT_P2_RESPONSE_MASK = 0x0C

MASTER_FILE_ID = 0x3F00  # ISO/IEC 7816-4:2020 7.2.1

DEFAULT_ATR = bytes.fromhex("3B80800101")
"""T=1 only (TD1 = 80, TD2 = 01), no historical bytes: pcscd picks T=1 (PLATFORM.md)."""

MAX_HISTORICAL_BYTES = 15


def build_t1_atr(historical_bytes: bytes = b"") -> bytes:
    """An ATR offering T=1 only with the given historical bytes and its TCK (ISO/IEC 7816-3:2006 8.2).

    TS = 3B (direct convention); T0 = 8K announces TD1 and K historical bytes; TD1 = 80 announces TD2 and
    T=0-free negotiation; TD2 = 01 announces T=1; TCK makes the XOR of T0..TCK zero.
    """
    if len(historical_bytes) > MAX_HISTORICAL_BYTES:
        raise ValueError(f"an ATR carries at most {MAX_HISTORICAL_BYTES} historical bytes")
    body = bytes((0x80 | len(historical_bytes), 0x80, 0x01)) + historical_bytes
    check = reduce(lambda accumulated, byte: accumulated ^ byte, body, 0)
    return b"\x3b" + body + bytes((check,))


class VirtualCard(Protocol):
    """A card model the simulator can insert into a virtual reader."""

    @property
    def atr(self) -> bytes:
        """The answer-to-reset sent when the card powers up."""
        ...

    def power_on(self) -> None:
        """Cold reset: the card forgets its volatile state (selection, sessions)."""
        ...

    def power_off(self) -> None:
        """The reader cut the power."""
        ...

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU with a response APDU (data + SW1 SW2, never empty)."""
        ...


@dataclass(frozen=True, slots=True)
class ElementaryFile:
    """A transparent EF: its file identifier, optional short file identifier (1..30) and content."""

    file_id: int
    content: bytes
    short_file_id: int | None = None


@dataclass(frozen=True, slots=True)
class Application:
    """A DF selected by its application identifier, holding transparent EFs."""

    aid: bytes
    files: tuple[ElementaryFile, ...]
    file_id: int | None = None


@dataclass(slots=True)
class _Selection:
    application: Application | None = None  # None: the master file is the current DF
    current_file: ElementaryFile | None = None


Instruction = Callable[[CommandApdu], ResponseApdu]


def _status(sw: int) -> ResponseApdu:
    return ResponseApdu(b"", sw)


@dataclass
class FileSystemCard:
    """A generic ISO/IEC 7816-4 card with transparent files in the MF and in applications.

    ``get_response_chunk``: answer any response longer than this many bytes with the first chunk and
    ``61xx``, the rest through GET RESPONSE. ``exact_le``: answer a short-Le command whose Le differs from the
    available length with ``6Cxx`` (as some T=0 cards do). ``extended_length``: accept extended APDUs.
    """

    master_files: tuple[ElementaryFile, ...] = ()
    applications: tuple[Application, ...] = ()
    atr_bytes: bytes = DEFAULT_ATR
    extended_length: bool = True
    get_response_chunk: int | None = None
    exact_le: bool = False
    powered: bool = field(default=False, init=False)
    _selection: _Selection = field(default_factory=_Selection, init=False, repr=False)
    _pending_response: bytes = field(default=b"", init=False, repr=False)
    _pending_final_sw: int = field(default=SW_SUCCESS, init=False, repr=False)

    @property
    def atr(self) -> bytes:
        """The answer-to-reset."""
        return self.atr_bytes

    def power_on(self) -> None:
        """Cold reset: the MF becomes current, nothing is selected, pending data is dropped."""
        self.powered = True
        self._selection = _Selection()
        self._pending_response = b""

    def power_off(self) -> None:
        """Power cut: volatile state is gone."""
        self.powered = False
        self._selection = _Selection()
        self._pending_response = b""

    @property
    def instructions(self) -> dict[int, Instruction]:
        """The instructions this card understands, by INS; profiles extend this table."""
        return {INS_SELECT: self.select, INS_READ_BINARY: self.read_binary}

    def process(self, apdu: bytes) -> bytes:
        """Answer one command APDU, applying the configured transport behaviour."""
        try:
            command = parse_command_apdu(apdu)
        except MalformedApduError:
            return SW_WRONG_LENGTH.to_bytes(2, "big")
        if command.is_extended and not self.extended_length:
            return SW_WRONG_LENGTH.to_bytes(2, "big")
        if command.ins == INS_GET_RESPONSE and self._pending_response:
            return self._next_chunk(command.le or SHORT_MAX_LE)
        self._pending_response = b""
        response = self.handle(command)
        return self._shape_for_transport(command, response)

    def handle(self, command: CommandApdu) -> ResponseApdu:
        """Check the class byte and run the instruction; secure-messaging profiles wrap this."""
        if command.cla & 0x0C:
            return _status(SW_SM_NOT_SUPPORTED)
        if command.cla & 0xE0 != 0x00:
            return _status(SW_CLA_NOT_SUPPORTED)
        return self.execute(command)

    def execute(self, command: CommandApdu) -> ResponseApdu:
        """Run a plain (unwrapped) command through the instruction table."""
        instruction = self.instructions.get(command.ins)
        if instruction is None:
            return _status(SW_INS_NOT_SUPPORTED)
        return instruction(command)

    # --- transport behaviour ---------------------------------------------------------------------

    def _shape_for_transport(self, command: CommandApdu, response: ResponseApdu) -> bytes:
        data = response.data
        if (
            self.exact_le
            and data
            and command.le is not None
            and not command.is_extended
            and command.le != len(data)
            and len(data) <= SHORT_MAX_LE
        ):
            # ISO/IEC 7816-4 Table 6: 6Cxx, xx = exact number of available bytes (00 = 256).
            return bytes((SW1_WRONG_LE, len(data) % SHORT_MAX_LE))
        if self.get_response_chunk is not None and len(data) > self.get_response_chunk:
            first, self._pending_response = data[: self.get_response_chunk], data[self.get_response_chunk :]
            self._pending_final_sw = response.sw
            return first + self._more_data_sw()
        return response.encode()

    def _more_data_sw(self) -> bytes:
        remaining = len(self._pending_response)
        return bytes((SW1_MORE_DATA, min(remaining, SHORT_MAX_LE) % SHORT_MAX_LE))

    def _next_chunk(self, le: int) -> bytes:
        size = min(le, self.get_response_chunk or le)
        chunk, self._pending_response = self._pending_response[:size], self._pending_response[size:]
        if self._pending_response:
            return chunk + self._more_data_sw()
        return chunk + self._pending_final_sw.to_bytes(2, "big")

    # --- SELECT --------------------------------------------------------------------------------

    def _files_of_current_df(self) -> tuple[ElementaryFile, ...]:
        application = self._selection.application
        return application.files if application is not None else self.master_files

    def select(self, command: CommandApdu) -> ResponseApdu:
        """SELECT by DF name (AID), by file identifier, or by path from the MF (ISO/IEC 7816-4 11.2.2)."""
        if command.p2 & ~SELECT_P2_RESPONSE_MASK & 0xFF:
            return _status(SW_INCORRECT_P1_P2)  # only "first or only occurrence" is supported
        if command.p1 == SELECT_BY_DF_NAME:
            return self._select_application(command)
        if command.p1 in (SELECT_BY_FILE_ID, SELECT_EF_UNDER_CURRENT_DF):
            return self._select_file_id(command)
        if command.p1 == SELECT_PATH_FROM_MF:
            return self._select_path(command)
        return _status(SW_INCORRECT_P1_P2)

    def _select_application(self, command: CommandApdu) -> ResponseApdu:
        for application in self.applications:
            if application.aid == command.data:
                self._selection = _Selection(application=application)
                return self._select_response(command, self._dedicated_file_fcp(application))
        return _status(SW_FILE_NOT_FOUND)

    def _select_file_id(self, command: CommandApdu) -> ResponseApdu:
        if command.p1 == SELECT_BY_FILE_ID and command.data in (b"", b"\x3f\x00"):
            self._selection = _Selection()
            return self._select_response(command, self._master_fcp())
        if len(command.data) != 2:
            return _status(SW_WRONG_LENGTH)
        file_id = int.from_bytes(command.data, "big")
        if command.p1 == SELECT_BY_FILE_ID:
            for application in self.applications:
                if application.file_id == file_id:
                    self._selection = _Selection(application=application)
                    return self._select_response(command, self._dedicated_file_fcp(application))
        for elementary in self._files_of_current_df():
            if elementary.file_id == file_id:
                self._selection.current_file = elementary
                return self._select_response(command, self._elementary_fcp(elementary))
        return _status(SW_FILE_NOT_FOUND)

    def _select_path(self, command: CommandApdu) -> ResponseApdu:
        if not command.data or len(command.data) % 2:
            return _status(SW_WRONG_LENGTH)
        file_ids = [int.from_bytes(command.data[i : i + 2], "big") for i in range(0, len(command.data), 2)]
        if file_ids[0] == MASTER_FILE_ID:
            file_ids = file_ids[1:]
        selection = _Selection()
        fcp = self._master_fcp()
        for position, file_id in enumerate(file_ids):
            last = position == len(file_ids) - 1
            application = next((a for a in self.applications if a.file_id == file_id), None)
            if application is not None and selection.application is None and selection.current_file is None:
                selection = _Selection(application=application)
                fcp = self._dedicated_file_fcp(application)
                continue
            files = selection.application.files if selection.application else self.master_files
            elementary = next((f for f in files if f.file_id == file_id), None)
            if elementary is None or not last:
                return _status(SW_FILE_NOT_FOUND)
            selection.current_file = elementary
            fcp = self._elementary_fcp(elementary)
        self._selection = selection
        return self._select_response(command, fcp)

    @staticmethod
    def _select_response(command: CommandApdu, fcp: bytes) -> ResponseApdu:
        wants_fcp = command.p2 & SELECT_P2_RESPONSE_MASK != SELECT_RETURN_NOTHING
        if wants_fcp and command.le is not None:
            return ResponseApdu(fcp[: command.le], SW_SUCCESS)
        return _status(SW_SUCCESS)

    @staticmethod
    def _elementary_fcp(elementary: ElementaryFile) -> bytes:
        # ISO/IEC 7816-4:2020 7.4.3, Table 12: 80 file size, 82 descriptor (01 = transparent EF), 83 file id.
        body = (
            b"\x80\x02" + len(elementary.content).to_bytes(2, "big")
            + b"\x82\x01\x01"
            + b"\x83\x02" + elementary.file_id.to_bytes(2, "big")
        )
        if elementary.short_file_id is not None:
            body += b"\x88\x01" + bytes((elementary.short_file_id << 3,))  # 88: SFI in b8-b4
        return b"\x62" + bytes((len(body),)) + body

    @staticmethod
    def _dedicated_file_fcp(application: Application) -> bytes:
        # 82 38: DF descriptor; 84: DF name.
        body = b"\x82\x01\x38" + b"\x84" + bytes((len(application.aid),)) + application.aid
        return b"\x62" + bytes((len(body),)) + body

    @staticmethod
    def _master_fcp() -> bytes:
        body = b"\x82\x01\x38\x83\x02" + MASTER_FILE_ID.to_bytes(2, "big")
        return b"\x62" + bytes((len(body),)) + body

    # --- READ BINARY ---------------------------------------------------------------------------

    def read_binary(self, command: CommandApdu) -> ResponseApdu:
        """READ BINARY with even INS (ISO/IEC 7816-4:2020 11.3.3): by current EF or short file identifier."""
        target = self._read_target(command)
        if isinstance(target, ResponseApdu):
            return target
        elementary, offset = target
        if command.le is None or command.data:
            return _status(SW_WRONG_LENGTH)
        if offset > len(elementary.content):
            return _status(SW_WRONG_P1_P2)
        data = elementary.content[offset : offset + command.le]
        asked_for_maximum = command.le in (SHORT_MAX_LE, EXTENDED_MAX_LE)
        if len(data) < command.le and not asked_for_maximum:
            return ResponseApdu(data, SW_END_OF_FILE)
        return ResponseApdu(data, SW_SUCCESS)

    def _read_target(self, command: CommandApdu) -> tuple[ElementaryFile, int] | ResponseApdu:
        """The EF and offset a READ BINARY addresses, or the status word refusing it."""
        if not command.p1 & 0x80:
            if self._selection.current_file is None:
                return _status(SW_NO_CURRENT_EF)
            return self._selection.current_file, (command.p1 << 8) | command.p2
        # P1 = 100xxxxx: xxxxx is a short file identifier, P2 the offset (Table 71); it becomes current.
        if command.p1 & 0x60:
            return _status(SW_INCORRECT_P1_P2)
        short_file_id = command.p1 & 0x1F
        for elementary in self._files_of_current_df():
            if elementary.short_file_id == short_file_id:
                self._selection.current_file = elementary
                return elementary, command.p2
        return _status(SW_FILE_NOT_FOUND)

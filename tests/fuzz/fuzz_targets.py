"""Fuzz targets: every parser of untrusted input, fed raw bytes, with the errors each is allowed to raise.

Shared by the short hypothesis run in the test suite (``tests/fuzz/test_parsers_fuzz.py``) and the long run
(``benchmarks/fuzz_long.py``, atheris when installed). A target turns the bytes into what its parser takes
(text, JSON, HTTP headers) and calls it; anything it raises that is not in ``expected`` is a crash.
``seeds`` are valid inputs, so that mutations reach past the first check. Building the targets generates
keys and certificates, so it is done once (``build_targets``).

Expected errors are the typed roots of each package (``KioskError`` subclasses such as ``DocumentError``,
``ServiceError``, ``ConfigError``; ``DriverError`` subclasses), the simulator's ``Rejection``, the
signature library's ``HTTPMessageSignaturesException`` (which the client turns into ``ResponseNotTrusted``),
and, where the API documents it, ``ValueError`` (``tlv.parse_one`` for a negative offset only: never here).
"""

from __future__ import annotations

import atexit
import base64
import datetime as dt
import json
import shutil
import signal
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from http_message_signatures import HTTPMessageSignaturesException

from drivers.card.apdu import CommandApdu, ResponseApdu, parse_command_apdu, parse_response_apdu
from drivers.errors import DriverError
from drivers.keystore.keyfile import FileKeyStore, key_id_for
from kiosk.config import ConfigError, load_config, parse_config
from kiosk.core.iin import InvalidIin, make_iin, parse_iin
from kiosk.documents import emrtd, id_card, tlv
from kiosk.documents.apdu import check
from kiosk.documents.errors import DocumentError
from kiosk.documents.icao.passive_auth import parse_sod
from kiosk.documents.mrz import compose_td1, compose_td3, iin_from_td1, parse_mrz
from kiosk.documents.qr_payload import format_qr_payload, parse_qr_payload
from kiosk.egov import models
from kiosk.egov.errors import MalformedResponse
from kiosk.egov.signatures import PublicKeys, sign_request, sign_response, verify_response
from kiosk.errors import KioskError
from simulator.cards.emrtd_pki import build_ef_sod, make_csca, make_document_signer
from simulator.egov.registry import Registry
from simulator.egov.verification import Rejection, RequestView, authenticate

TODAY = dt.date(2026, 3, 1)
# A parser that takes longer than this on one input of at most a few kilobytes is treated as hanging.
PER_INPUT_SECONDS = 2.0
FIELD_SEPARATOR = b"\n\x00"  # splits one fuzz input into several header values


class Hang(Exception):
    """A parser did not return within ``PER_INPUT_SECONDS``."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread if the block runs longer than ``seconds`` (SIGALRM)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"no result within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class FuzzTarget:
    """One parser: how to feed it bytes, which errors are its contract, and valid inputs to mutate."""

    name: str
    call: Callable[[bytes], object]
    expected: tuple[type[BaseException], ...]
    seeds: tuple[bytes, ...]


@dataclass(frozen=True)
class Verdict:
    """What one input did: ``crash`` names an unexpected exception (type and message), else None."""

    crash: str | None
    seconds: float


def run_one(target: FuzzTarget, data: bytes) -> Verdict:
    """Feed ``data`` to ``target`` under the time limit; an error outside its contract is a crash."""
    started = time.perf_counter()
    try:
        with time_limit(PER_INPUT_SECONDS):
            target.call(data)
    except target.expected:
        pass
    except Hang as hang:
        return Verdict(f"Hang: {hang}", time.perf_counter() - started)
    except Exception as error:
        return Verdict(f"{type(error).__name__}: {error}"[:300], time.perf_counter() - started)
    return Verdict(None, time.perf_counter() - started)


def text(data: bytes) -> str:
    """Bytes as the text a scanner, an OCR or a JSON decoder would hand over."""
    return data.decode("utf-8", errors="replace")


def json_value(data: bytes) -> Any:
    """Bytes as JSON when they are JSON (the client refuses non-JSON before parsing), else as a JSON string."""
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return text(data)


def split_fields(data: bytes, count: int) -> list[str]:
    """``count`` header values cut out of one input (missing ones empty), as latin-1 text like HTTP headers."""
    parts = data.split(FIELD_SEPARATOR, count - 1)
    parts += [b""] * (count - len(parts))
    return [part.decode("latin-1") for part in parts]


def join_fields(*values: str) -> bytes:
    """The inverse of :func:`split_fields`, for seeds."""
    return FIELD_SEPARATOR.join(value.encode("latin-1") for value in values)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


# --- parsers of the card and document world ----------------------------------------------------------------


def _iin_text(sex: Any, serial: int) -> str:
    made = make_iin(dt.date(1990, 1, 15), sex, serial)
    assert made is not None
    return made.value


def _iin_target() -> FuzzTarget:
    seeds = tuple(_iin_text(sex, serial).encode() for sex, serial in
                  (("male", 1234), ("female", 42)))

    def call(data: bytes) -> object:
        return parse_iin(text(data))

    return FuzzTarget("iin", call, (InvalidIin,), (*seeds, b"900115300018", b""))


def _tlv_target() -> FuzzTarget:
    seeds = (tlv.encode_tlv(0x77, tlv.encode_tlv(0x5F01, b"0107") + tlv.encode_tlv(0x5C, b"\x61\x75")),
             tlv.encode_tlv(0x5F1F, b"X" * 300), bytes.fromhex("7F2182010A"))

    def call(data: bytes) -> object:
        elements = tlv.parse_all(data)
        for element in elements:  # walk constructed objects too: children() parses their value
            if element.constructed:
                for child in element.children():
                    child.to_bytes()
        return elements

    return FuzzTarget("tlv", call, (tlv.TlvError,), seeds)


def _command_apdu_target() -> FuzzTarget:
    seeds = (CommandApdu(0x00, 0xA4, 0x04, 0x0C, b"\xa0\x00\x00\x02\x47\x10\x01").encode(),
             CommandApdu(0x00, 0xB0, 0x00, 0x00, le=256).encode(),
             CommandApdu(0x00, 0xB0, 0x00, 0x00, b"\x01" * 300, le=65536).encode(extended=True))

    def call(data: bytes) -> object:
        command = parse_command_apdu(data)
        return command.encode(extended=command.is_extended)

    return FuzzTarget("command_apdu", call, (DriverError,), seeds)


def _response_apdu_target() -> FuzzTarget:
    seeds = (ResponseApdu(b"\x01\x02", 0x9000).encode(), b"\x6a\x82", b"\x62\x82", b"\x63\xc2", b"\x6c\x10")

    def call(data: bytes) -> object:
        return check(parse_response_apdu(data))

    return FuzzTarget("response_apdu", call, (DriverError, DocumentError), seeds)


def _mrz_target() -> FuzzTarget:
    iin = _iin_text("male", 1234)
    td1 = compose_td1(document_type="ID", issuing_state="KAZ", document_number="N12345678", birth_date="900115",
                      sex="M", expiry_date="300115", nationality="KAZ", names="ABAIULY<<ARMAN", optional_data_1=iin)
    td3 = compose_td3(document_type="P", issuing_state="KAZ", document_number="N1234567", birth_date="900115",
                      sex="F", expiry_date="300115", nationality="KAZ", names="ABAIKYZY<<ARUZHAN",
                      personal_number=iin)
    seeds = ("\n".join(td1).encode(), "\n".join(td3).encode(), "".join(td1).encode())

    def call(data: bytes) -> object:
        mrz = parse_mrz(text(data), today=TODAY)
        if mrz.format == "TD1":
            iin_from_td1(mrz)
        return mrz

    return FuzzTarget("mrz", call, (DocumentError,), seeds)


def _emrtd_files_target() -> FuzzTarget:
    """EF.COM, DG1 and DG2 as the eMRTD reader takes them apart (first byte picks the file)."""
    td3 = compose_td3(document_type="P", issuing_state="KAZ", document_number="N1234567", birth_date="900115",
                      sex="F", expiry_date="300115", nationality="KAZ", names="ABAIKYZY<<ARUZHAN")
    dg1 = tlv.encode_tlv(0x61, tlv.encode_tlv(0x5F1F, "".join(td3).encode()))
    ef_com = tlv.encode_tlv(0x60, tlv.encode_tlv(0x5F01, b"0107") + tlv.encode_tlv(0x5C, b"\x61\x75"))

    def call(data: bytes) -> object:
        selector, content = (data[0] if data else 0) % 3, data[1:]
        if selector == 0:
            return emrtd._listed_data_groups(content)
        if selector == 1:
            return emrtd._mrz_from_dg1(content, TODAY)
        return emrtd.face_image(content)

    return FuzzTarget("emrtd_files", call, (DocumentError,), (b"\x00" + ef_com, b"\x01" + dg1, b"\x02\x75\x00"))


def _qr_target() -> FuzzTarget:
    seeds = (format_qr_payload(bytes(range(32))).encode(), b"https://egov.kz/", b"KZDD9:abc")

    def call(data: bytes) -> object:
        parse_qr_payload(data)
        return parse_qr_payload(text(data))

    return FuzzTarget("qr_payload", call, (DocumentError,), seeds)


def _self_signed_certificate() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fuzz CA"),
                      x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN900115300018")])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(7).not_valid_before(now).not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.DER)


def _certificate_target() -> FuzzTarget:
    """The ID card reader's certificate handling: the DER length of the file's head, then the certificate."""
    seed = _self_signed_certificate()

    def call(data: bytes) -> object:
        total = id_card.der_length(data[:8], 4096)
        return id_card._load_certificate(data[:total])

    return FuzzTarget("id_card_certificate", call, (DocumentError,), (seed,))


def _sod_target() -> FuzzTarget:
    csca = make_csca()
    signer = make_document_signer(csca)
    seed = build_ef_sod({1: b"\x61\x03\x5f\x1f\x00", 2: b"\x75\x00"}, signer)

    def call(data: bytes) -> object:
        return parse_sod(data)

    return FuzzTarget("ef_sod", call, (DocumentError,), (seed,))


# --- parsers of the service and the configuration -----------------------------------------------------------


def _localized(word: str) -> dict[str, str]:
    return {"kk": word + " kk", "ru": word + " ru", "en": word}


STATION = {
    "number": 4, "region": "Астана", "address": _localized("School 5"), "directions": _localized("Hall"),
    "hours": {"opens": "07:00", "closes": "20:00"}, "offers_temporary_registration": True, "commission_desk": 1,
}
SERVICE_ANSWERS: dict[str, list[Any]] = {
    "registration_check": [
        {"status": "listed_here", "station": STATION,
         "ballots": [{"kind": "mazhilis", "district": _localized("D1"), "colour": "white"}]},
        {"status": "listed_elsewhere", "station": STATION},
        {"status": "not_listed", "may_register_temporarily": True,
         "registration": {"address": _localized("Street 1"), "inside_boundaries": False}},
        {"status": "not_eligible", "reason": "under_age"},
    ],
    "temporary_registration": [
        {"outcome": "created", "reference": "TR-4-00001", "station": STATION},
        {"outcome": "refused", "reason": "under_age"},
        {"outcome": "already_registered", "station": STATION},
    ],
    "list_decision": [
        {"outcome": "included", "decision_number": "LD-4-00001"},
        {"outcome": "refused", "reason": "not_eligible"},
        {"outcome": "listed_elsewhere", "station": STATION},
        {"outcome": "already_listed_here"},
    ],
    "digital_document": [
        {"document": {"format": "KZDD1", "iin": "900115300018", "surname": None},
         "signature": {"key_id": "issuer-1", "algorithm": "ecdsa-p256-sha256", "value": "AAEC_-8"}},
    ],
    "station": [STATION],
}


def _service_answer_target(kind: str) -> FuzzTarget:
    parse = getattr(models, kind)

    def call(data: bytes) -> object:
        return parse(json_value(data))

    seeds = tuple(_dumps(answer) for answer in SERVICE_ANSWERS[kind])
    return FuzzTarget(f"service_{kind}", call, (MalformedResponse,), seeds)


class _FuzzSigner:
    """A RawSigner over a fixed key (the simulated kiosk's and the service's, for seeds)."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, key_id: str) -> None:
        self.key_id = key_id
        self._store = FileKeyStore(key)

    def sign(self, data: bytes) -> bytes:
        return self._store.sign(data)


@dataclass
class _Message:
    method: str
    url: str
    headers: dict[str, str]


@dataclass
class _Response:
    status_code: int
    headers: dict[str, str]
    request: _Message


RESPONSE_HEADERS = ("Content-Digest", "Signature-Input", "Signature", "Content-Type")


def _response_signature_target() -> FuzzTarget:
    """The client's check of a response's signature headers (a failure must be the library's typed error)."""
    service_key = ec.generate_private_key(ec.SECP256R1())
    service = _FuzzSigner(service_key, key_id_for(service_key.public_key(), prefix="egov"))
    kiosk_key = ec.generate_private_key(ec.SECP256R1())
    request = _Message("POST", "https://127.0.0.1:8443/v1/registration-check", {"Content-Type": "application/json"})
    sign_request(request, signer=_FuzzSigner(kiosk_key, key_id_for(kiosk_key.public_key())), body=b"{}")
    body = b'{"status":"not_eligible","reason":"under_age"}'
    response = _Response(200, {"Content-Type": "application/json"}, request)
    sign_response(response, signer=service, body=body, bound_to_request=True)
    keys = PublicKeys({service.key_id: service_key.public_key()})

    def call(data: bytes) -> object:
        *values, content = split_fields(data, len(RESPONSE_HEADERS) + 1)
        headers = {name: value for name, value in zip(RESPONSE_HEADERS, values, strict=True) if value}
        return verify_response(_Response(200, headers, request), service_keys=keys, body=content.encode("latin-1"))

    seed = join_fields(*(response.headers.get(name, "") for name in RESPONSE_HEADERS), body.decode("latin-1"))
    return FuzzTarget("service_response_signature", call, (HTTPMessageSignaturesException,), (seed,))


REQUEST_HEADERS = ("Content-Digest", "Signature-Input", "Signature", "Content-Type")


def _request_verification_target(workspace: Path) -> FuzzTarget:
    """The simulated service's check of a kiosk's request headers: every failure a ``Rejection``."""
    database = workspace / "registry.sqlite"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)")
    connection.execute("INSERT OR REPLACE INTO meta VALUES ('voting_day', '2026-03-15')")
    connection.commit()
    connection.close()
    registry = Registry(database)
    kiosk_key = ec.generate_private_key(ec.SECP256R1())
    signer = _FuzzSigner(kiosk_key, key_id_for(kiosk_key.public_key()))
    registry.enroll_device(kiosk_key.public_key(), signer.key_id, 4)
    url = "https://127.0.0.1:8443/v1/registration-check"
    body = b'{"iin":"900115300018","station":4}'
    request = _Message("POST", url, {"Content-Type": "application/json"})
    sign_request(request, signer=signer, body=body)
    signed_at = time.time()

    def call(data: bytes) -> object:
        *values, content = split_fields(data, len(REQUEST_HEADERS) + 1)
        headers = {name: value for name, value in zip(REQUEST_HEADERS, values, strict=True) if value}
        # The seed's own nonce may be accepted once; after that it is a replay, also a Rejection.
        return authenticate(registry, RequestView("POST", url, headers), content.encode("latin-1"), now=signed_at)

    seed = join_fields(*(request.headers.get(name, "") for name in REQUEST_HEADERS), body.decode("latin-1"))
    return FuzzTarget("service_request_headers", call, (Rejection,), (seed,))


def _config_target(workspace: Path) -> FuzzTarget:
    """The station configuration, as JSON handed to ``parse_config`` and as a file given to ``load_config``."""
    service_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = service_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    document = {
        "station": 4,
        "service": {"base_url": "https://127.0.0.1:8443", "ca_file": "ca.pem",
                    "service_keys": {"egov-1": pem.decode("ascii")}},
        "device_key": {"kind": "keyfile", "path": "device-key.pem", "passphrase_file": "device-key.pass"},
        "document_issuers": {"issuer-1": pem.decode("ascii")},
        "card_reader": {"kind": "in_process"},
    }
    config_file = workspace / "kiosk.json"

    def call(data: bytes) -> object:
        if data[:1] == b"F":  # the file path: bytes on disk, any encoding
            config_file.write_bytes(data[1:])
            return load_config(config_file)
        return parse_config(json_value(data), relative_to=workspace)

    seeds = (_dumps(document), b"F" + _dumps(document), _dumps({**document, "trust": {"csca": ["ca.pem"]}}))
    return FuzzTarget("configuration", call, (ConfigError,), seeds)


def build_targets(workspace: Path | None = None) -> list[FuzzTarget]:
    """Every target; ``workspace`` holds the few files some need (a temporary directory by default)."""
    place = workspace
    if place is None:
        place = Path(tempfile.mkdtemp(prefix="kiosk-fuzz-"))
        atexit.register(shutil.rmtree, place, ignore_errors=True)
    place.mkdir(parents=True, exist_ok=True)
    targets = [
        _iin_target(), _tlv_target(), _command_apdu_target(), _response_apdu_target(), _mrz_target(),
        _emrtd_files_target(), _qr_target(), _certificate_target(), _sod_target(),
        *(_service_answer_target(kind) for kind in SERVICE_ANSWERS),
        _response_signature_target(), _request_verification_target(place), _config_target(place),
    ]
    for target in targets:  # a typed error root must be among the expected ones for every target
        assert any(issubclass(kind, (KioskError, DriverError, Rejection, HTTPMessageSignaturesException))
                   for kind in target.expected), target.name
    return targets


def seed_check(targets: list[FuzzTarget]) -> dict[str, list[str]]:
    """Run every seed once: valid inputs must pass (or fail typed) too. Returns crashes by target."""
    return {target.name: [verdict.crash for seed in target.seeds if (verdict := run_one(target, seed)).crash]
            for target in targets}


MUTATIONS = ("flip", "insert", "delete", "truncate", "duplicate", "boundary")
BOUNDARY_BYTES = (0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xFF)


def mutate(seed: bytes, steps: list[tuple[str, int, int]]) -> bytes:
    """Apply ``steps`` (operation, position, amount) to ``seed``: the same mutations for hypothesis and the
    long run's fallback. Positions and amounts are taken modulo what fits, so any integers work."""
    data = bytearray(seed)
    for operation, position, amount in steps:
        where = position % (len(data) + 1)
        if operation == "flip" and data:
            data[where % len(data)] ^= 1 << (amount % 8)
        elif operation == "insert":
            data[where:where] = bytes([amount % 256]) * (1 + amount % 7)
        elif operation == "delete":
            del data[where:where + 1 + amount % 16]
        elif operation == "truncate":
            del data[where:]
        elif operation == "duplicate":
            data[where:where] = data[where:where + 1 + amount % 64]
        elif operation == "boundary" and data:
            data[where % len(data)] = BOUNDARY_BYTES[amount % len(BOUNDARY_BYTES)]
    return bytes(data)


def b64(data: bytes) -> str:
    """Base64 of a failing input, for a report that can be replayed."""
    return base64.b64encode(data).decode("ascii")

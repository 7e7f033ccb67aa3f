"""The device key in a real SoftHSM2 token: generated inside, signs, rotates, never leaves, clear errors."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pkcs11
import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from pkcs11 import Attribute, KeyType, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters
from support.egov import RunningService
from support.softhsm import SoftHsmToken, add_token, reload_library, softhsm_token

from drivers.keystore import KeyStore, KeyStoreError
from drivers.keystore.keyfile import key_id_for
from drivers.keystore.pkcs11 import (
    DuplicateKey,
    KeyMissing,
    PinLocked,
    Pkcs11KeyStore,
    Pkcs11Token,
    TokenFailure,
    TokenNotFound,
    WrongPin,
    open_key_store,
    translate_token_error,
)
from kiosk.core.iin import parse_iin
from kiosk.egov.client import EgovClient
from kiosk.egov.signatures import sign_request
from simulator.egov.population import sample_voters
from simulator.egov.registry import Registry


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHsmToken]:
    yield from softhsm_token(tmp_path / "softhsm", monkeypatch)


@pytest.fixture
def token(softhsm: SoftHsmToken) -> Iterator[Pkcs11Token]:
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as opened:
        yield opened


def _verify(key: Pkcs11KeyStore, signature: bytes, data: bytes) -> None:
    assert len(signature) == 64
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.public_key().verify(der, data, ec.ECDSA(hashes.SHA256()))


def _raw_session(softhsm: SoftHsmToken) -> pkcs11.Session:
    """A session opened with python-pkcs11 alone, to look at the token without our code in between.

    It rides on the login of the open ``token`` fixture (PKCS#11 logs in the application, not the session),
    so it is opened without a PIN and closing it does not log the fixture out.
    """
    return pkcs11.lib(str(softhsm.module)).get_token(token_label=softhsm.label).open(rw=True)


def test_generate_then_open_by_label_and_sign(token: Pkcs11Token, softhsm: SoftHsmToken) -> None:
    created = token.generate_key("device")
    assert isinstance(created.public_key().curve, ec.SECP256R1)
    assert created.key_id == key_id_for(created.public_key()) and created.key_id.startswith("dev-")
    assert token.key_labels() == ["device"]
    token.close()

    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as reopened:
        key = reopened.key("device")
        assert key.key_id == created.key_id
        for data in (b"", b"data", bytes(range(256)) * 40):
            _verify(key, key.sign(data), data)
        signature = key.sign(b"tampered?")
        with pytest.raises(InvalidSignature):
            _verify(key, signature, b"tampered!")


def test_signatures_are_fresh_and_verify_under_the_protocol(token: Pkcs11Token) -> None:
    key: KeyStore = token.generate_key()
    first, second = key.sign(b"same"), key.sign(b"same")
    assert first != second  # ECDSA draws a new nonce each time; equal signatures would mean a broken RNG


def test_the_private_key_cannot_be_exported(token: Pkcs11Token, softhsm: SoftHsmToken) -> None:
    token.generate_key("device")
    session = _raw_session(softhsm)
    try:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="device")
        assert private[Attribute.SENSITIVE] is True
        assert private[Attribute.EXTRACTABLE] is False
        assert private[Attribute.NEVER_EXTRACTABLE] is True
        assert private[Attribute.ALWAYS_SENSITIVE] is True
        assert private[Attribute.LOCAL] is True  # generated inside the token, not imported
        assert private[Attribute.TOKEN] is True
        with pytest.raises(pkcs11.AttributeSensitive):
            private[Attribute.VALUE]
        # Neither flag can be turned back (PKCS#11 v2.40 section 4.9: both are one-way).
        with pytest.raises(pkcs11.PKCS11Error):
            private[Attribute.SENSITIVE] = False
        with pytest.raises(pkcs11.PKCS11Error):
            private[Attribute.EXTRACTABLE] = True
        assert private[Attribute.SENSITIVE] is True and private[Attribute.EXTRACTABLE] is False
        # Wrapping it out under a key we would know is refused too.
        wrapping: Any = session.generate_key(KeyType.AES, 256, label="wrap", capabilities=pkcs11.MechanismFlag.WRAP)
        with pytest.raises(pkcs11.KeyUnextractable):
            wrapping.wrap_key(private, mechanism=pkcs11.Mechanism.AES_KEY_WRAP_PAD)
    finally:
        session.close()


def test_rotation_keeps_the_old_key_until_completed(token: Pkcs11Token) -> None:
    old = token.generate_key("device-1")
    rotation = token.begin_rotation("device-1", "device-2")
    assert rotation.old.key_id == old.key_id and rotation.new.key_id != old.key_id
    assert token.key_labels() == ["device-1", "device-2"]
    _verify(rotation.old, rotation.old.sign(b"still works"), b"still works")  # until the new one is enrolled
    current = rotation.complete()
    assert current.key_id == rotation.new.key_id
    assert token.key_labels() == ["device-2"]
    with pytest.raises(KeyMissing):
        token.key("device-1")
    _verify(token.key("device-2"), token.key("device-2").sign(b"x"), b"x")


def test_an_abandoned_rotation_keeps_the_old_key(token: Pkcs11Token) -> None:
    old = token.generate_key("device-1")
    kept = token.begin_rotation("device-1", "device-2").abandon()
    assert kept.key_id == old.key_id
    assert token.key_labels() == ["device-1"]


def test_rotation_needs_an_existing_key_and_a_new_label(token: Pkcs11Token) -> None:
    with pytest.raises(KeyMissing):
        token.begin_rotation("absent", "device-2")
    token.generate_key("device-1")
    with pytest.raises(DuplicateKey):
        token.begin_rotation("device-1", "device-1")
    assert token.key_labels() == ["device-1"]


def test_generate_refuses_a_label_in_use(token: Pkcs11Token) -> None:
    first = token.generate_key("device")
    with pytest.raises(DuplicateKey) as raised:
        token.generate_key("device")
    assert raised.value.translation_key == "keystore.duplicate_key"
    assert token.key("device").key_id == first.key_id


def test_duplicate_labels_made_elsewhere_are_refused_clearly(token: Pkcs11Token, softhsm: SoftHsmToken) -> None:
    session = _raw_session(softhsm)
    try:
        parameters = session.create_domain_parameters(
            KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
        )
        for _ in range(2):
            parameters.generate_keypair(store=True, label="twice")
    finally:
        session.close()
    with pytest.raises(DuplicateKey, match="2 keys are labelled 'twice'") as raised:
        token.key("twice")
    assert raised.value.translation_key == "keystore.duplicate_key"
    with pytest.raises(DuplicateKey):
        token.destroy_key("twice")
    assert token.key_labels() == ["twice", "twice"]


def test_missing_key_and_missing_public_half(token: Pkcs11Token, softhsm: SoftHsmToken) -> None:
    with pytest.raises(KeyMissing) as raised:
        token.key("absent")
    assert raised.value.translation_key == "keystore.key_missing"
    token.generate_key("half")
    session = _raw_session(softhsm)
    try:
        session.get_key(object_class=ObjectClass.PUBLIC_KEY, label="half").destroy()
    finally:
        session.close()
    with pytest.raises(KeyMissing, match="public half"):
        token.key("half")


def test_wrong_pin(softhsm: SoftHsmToken) -> None:
    with pytest.raises(WrongPin) as raised:
        Pkcs11Token.open(label=softhsm.label, pin="000000", module=softhsm.module)
    assert raised.value.translation_key == "keystore.wrong_pin"
    assert raised.value.final_try is False  # SoftHSM2 never counts down to a lock
    assert "000000" not in str(raised.value)
    with pytest.raises(WrongPin):
        Pkcs11Token.open(label=softhsm.label, pin="", module=softhsm.module)
    # The right PIN still works afterwards.
    Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module).close()


def test_a_second_open_in_one_process_is_refused_and_the_first_keeps_working(token: Pkcs11Token,
                                                                            softhsm: SoftHsmToken) -> None:
    key = token.generate_key()
    with pytest.raises(TokenFailure) as raised:
        Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module)
    assert raised.value.translation_key == "keystore.token_busy"
    _verify(key, key.sign(b"still logged in"), b"still logged in")


def test_token_not_found_and_module_missing(softhsm: SoftHsmToken, tmp_path: Path) -> None:
    with pytest.raises(TokenNotFound) as raised:
        Pkcs11Token.open(label="no-such-token", pin=softhsm.pin, module=softhsm.module)
    assert raised.value.translation_key == "keystore.token_not_found"
    with pytest.raises(TokenNotFound) as missing:
        Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=tmp_path / "absent.so")
    assert missing.value.translation_key == "keystore.module_missing"
    not_a_library = tmp_path / "garbage.so"
    not_a_library.write_bytes(b"\x7fELF garbage")
    with pytest.raises(TokenNotFound) as garbage:
        Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=not_a_library)
    assert garbage.value.translation_key == "keystore.module_missing"


def test_two_tokens_with_one_label_are_ambiguous(softhsm: SoftHsmToken) -> None:
    add_token(softhsm.config, label=softhsm.label, pin=softhsm.pin)
    reload_library(softhsm.module)  # SoftHSM2 reads its token directory in C_Initialize
    with pytest.raises(TokenNotFound) as raised:
        Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module)
    assert raised.value.translation_key == "keystore.token_ambiguous"


@pytest.mark.parametrize("label", ["", "x" * 65, "tab\there"])
def test_bad_labels_are_refused_before_the_token_is_asked(token: Pkcs11Token, label: str) -> None:
    with pytest.raises(KeyStoreError) as raised:
        token.generate_key(label)
    assert raised.value.translation_key == "keystore.bad_label"


@pytest.mark.parametrize(
    ("library_error", "ours", "translation_key"),
    [
        (pkcs11.PinIncorrect(), WrongPin, "keystore.wrong_pin"),
        (pkcs11.PinLenRange(), WrongPin, "keystore.wrong_pin"),
        (pkcs11.PinLocked(), PinLocked, "keystore.pin_locked"),
        (pkcs11.PinExpired(), PinLocked, "keystore.pin_expired"),
        (pkcs11.TokenNotPresent(), TokenNotFound, "keystore.token_removed"),
        (pkcs11.DeviceRemoved(), TokenNotFound, "keystore.token_removed"),
        (pkcs11.UserPinNotInitialized(), TokenFailure, "keystore.token_not_initialised"),
        (pkcs11.DeviceError(), TokenFailure, "keystore.token_failure"),
        (pkcs11.GeneralError(), TokenFailure, "keystore.token_failure"),
    ],
)
def test_library_errors_become_typed_errors(
    library_error: pkcs11.PKCS11Error, ours: type[KeyStoreError], translation_key: str
) -> None:
    # SoftHSM2 never locks a PIN, so the locked and removed cases are checked at the translation table.
    translated = translate_token_error(library_error, "logging in")
    assert type(translated) is ours
    assert translated.translation_key == translation_key
    assert str(translated)


def test_open_key_store_closes_the_token_when_the_key_is_missing(softhsm: SoftHsmToken) -> None:
    with pytest.raises(KeyMissing):
        open_key_store(token_label=softhsm.label, pin=softhsm.pin, key_label="absent", module=softhsm.module)
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        token.generate_key("device")
    opened, key = open_key_store(token_label=softhsm.label, pin=softhsm.pin, key_label="device", module=softhsm.module)
    try:
        _verify(key, key.sign(b"ok"), b"ok")
    finally:
        opened.close()


def test_concurrent_signing_through_one_session(token: Pkcs11Token) -> None:
    key = token.generate_key()
    failures: list[BaseException] = []

    def sign_many() -> None:
        try:
            for index in range(50):
                data = f"message {index}".encode()
                _verify(key, key.sign(data), data)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=sign_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


def test_digest_is_sha256_of_the_data(token: Pkcs11Token) -> None:
    # The token signs the SHA-256 digest with plain ECDSA: verifying the signature as a prehashed digest
    # must succeed, which pins the hashing down to SHA-256 (not, say, the data truncated to 32 bytes).
    key = token.generate_key()
    data = b"a" * 100
    signature = key.sign(data)
    der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
    key.public_key().verify(der, hashlib.sha256(data).digest(), ec.ECDSA(Prehashed(hashes.SHA256())))


@dataclass
class _Message:
    method: str
    url: str
    headers: dict[str, str]


def test_signs_requests_the_service_accepts(token: Pkcs11Token, service: RunningService) -> None:
    """A registration check signed by a token key enrolled for the station is answered by the real service."""
    key = token.generate_key()
    registry = Registry(service.paths.database)
    try:
        registry.enroll_device(key.public_key(), key.key_id, service.station)
    finally:
        registry.close()
    # The bare signing step on its own (what EgovClient does inside), sent without the client.
    message = _Message("GET", service.base_url + "/v1/health", {})
    sign_request(message, signer=key, body=b"")
    assert f'keyid="{key.key_id}"' in message.headers["Signature-Input"]
    response = requests.get(message.url, headers=message.headers, verify=str(service.paths.ca), timeout=10)
    assert response.status_code == 200 and response.json()["device"] == key.key_id
    # And a whole signed, verified conversation.
    (iin,) = sample_voters(service.paths.database, "listed_here", 1, station=service.station)
    config = service.config
    client = EgovClient(
        base_url=service.base_url,
        signer=key,
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=service.station,
    )
    try:
        assert client.health().device_recognised
        assert client.registration_check(parse_iin(iin)).status == "listed_here"
    finally:
        client.close()

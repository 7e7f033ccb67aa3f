"""The composition root: builds the kiosk's parts from its configuration.

The only module of ``kiosk`` that may import ``simulator``, and only when simulator mode is asked for.
"""

from __future__ import annotations

import threading
from pathlib import Path

from drivers.card.channel import CardReader
from drivers.keystore import KeyStore, KeyStoreError
from drivers.keystore.keyfile import FileKeyStore
from kiosk.config import ConfigError, KioskConfig, Pkcs11KeyConfig
from kiosk.egov.client import EgovClient, RetryPolicy

# PKCS#11 logs in an application, not a session, and a second login in one process is refused: each token key
# is opened once and kept open for the life of the process (the token and the key store, by configuration).
_pkcs11_keys: dict[Pkcs11KeyConfig, KeyStore] = {}
_pkcs11_lock = threading.Lock()


def open_device_key(config: KioskConfig) -> KeyStore:
    """Unlock the device key named by the configuration (a key file, or a key inside a PKCS#11 token)."""
    device_key = config.device_key
    if isinstance(device_key, Pkcs11KeyConfig):
        return _open_pkcs11_key(device_key)
    try:
        passphrase = device_key.passphrase_file.read_bytes().strip()
    except OSError as error:
        raise KeyStoreError(
            "cannot read the device key's passphrase file", translation_key="keystore.missing"
        ) from error
    return FileKeyStore.open(device_key.path, passphrase)


def _open_pkcs11_key(device_key: Pkcs11KeyConfig) -> KeyStore:
    from drivers.keystore.pkcs11 import open_key_store  # noqa: PLC0415  (loads the PKCS#11 binding when used)

    with _pkcs11_lock:
        opened = _pkcs11_keys.get(device_key)
        if opened is not None:
            return opened
        pin = _read_pin(device_key.pin_file)
        _token, key_store = open_key_store(
            token_label=device_key.token_label, pin=pin, key_label=device_key.key_label, module=device_key.module
        )
        _pkcs11_keys[device_key] = key_store
        return key_store


def _read_pin(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise KeyStoreError("cannot read the device key's PIN file", translation_key="keystore.missing") from error


def service_client(config: KioskConfig, *, policy: RetryPolicy | None = None) -> EgovClient:
    """A signed, verifying client for the configured service and station."""
    return EgovClient(
        base_url=config.service.base_url,
        signer=open_device_key(config),
        service_keys=config.service.service_keys,
        ca_file=str(config.service.ca_file),
        station=config.station,
        policy=policy,
    )


def card_reader(config: KioskConfig, *, in_process: CardReader | None = None) -> CardReader:
    """The configured card reader: a PC/SC reader by name prefix, or the simulator's in-process slot.

    The in-process slot lives inside ``kiosk run --simulator``, which passes it as ``in_process``; any other
    caller configured for it gets a :class:`ConfigError` saying so.
    """
    reader_config = config.card_reader
    if reader_config.kind == "in_process":
        if in_process is None:
            raise ConfigError(
                "configuration: 'card_reader.kind' is 'in_process', which exists only inside kiosk run --simulator"
            )
        return in_process
    from drivers.card.pcsc import PcscCardReader  # noqa: PLC0415  (loads pyscard only when a reader is used)

    return PcscCardReader(reader_config.reader_prefix)

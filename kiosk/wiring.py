"""The composition root: builds the kiosk's parts from its configuration.

The only module of ``kiosk`` that may import ``simulator``, and only when simulator mode is asked for.
"""

from __future__ import annotations

from drivers.keystore import KeyStoreError
from drivers.keystore.keyfile import FileKeyStore
from kiosk.config import KioskConfig
from kiosk.egov.client import EgovClient, RetryPolicy


def open_device_key(config: KioskConfig) -> FileKeyStore:
    """Unlock the device key named by the configuration."""
    try:
        passphrase = config.device_key.passphrase_file.read_bytes().strip()
    except OSError as error:
        raise KeyStoreError(
            "cannot read the device key's passphrase file", translation_key="keystore.missing"
        ) from error
    return FileKeyStore.open(config.device_key.path, passphrase)


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

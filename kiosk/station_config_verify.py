"""Signing and verifying the station configuration (docs/station-configuration.md).

A signed configuration is one JSON file::

    {"format": "kz-station-config-signed/1",
     "config": {...},
     "signature": {"algorithm": "ecdsa-p256-sha256", "key_id": "tc-<16 hex>", "value": "<base64url r||s>"}}

The commission signs ``SIGNING_CONTEXT`` followed by the ``config`` object in RFC 8785 (JCS) form, with ECDSA
P-256 / SHA-256 (FIPS 186-4); the value is the raw 64-byte r || s, base64url without padding (RFC 4648 section 5).
The canonical encoding is the project's one (``kiosk.core.canonical_json``), which digital documents use too.

Nothing in ``config`` is looked at before its signature verifies, except that it is a JSON object. The file
itself is read strictly: UTF-8, at most ``MAX_DOCUMENT_BYTES``, no duplicate member names (the signed value and
what a person reads must be the same), no floating-point numbers (JCS and the format need none).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from drivers.keystore import KeyStore
from drivers.keystore.keyfile import key_id_for
from kiosk.core.canonical_json import canonical_json_bytes
from kiosk.core.station_config import (
    CONFIG_FORMAT,
    SIGNATURE_ALGORITHM,
    SIGNATURE_FIELDS,
    SIGNED_FIELDS,
    SIGNED_FORMAT,
    MalformedStationConfig,
    StationConfig,
    StationConfigError,
    StationConfigMissing,
    StationConfigTampered,
    StationConfigUnknownSigner,
    StationConfigUnsigned,
    check_applicable,
    parse_station_config,
)

# Domain separation: the commission key signs these bytes and nothing that could be mistaken for them.
SIGNING_CONTEXT: Final = b"kz-station-config-v1\n"
COMMISSION_KEY_PREFIX: Final = "tc"  # key ids "tc-<16 hex of SHA-256(SubjectPublicKeyInfo)>"
MAX_DOCUMENT_BYTES: Final = 256 * 1024
P256_COORDINATE_BYTES: Final = 32
BASE64URL_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,200}")  # RFC 4648 section 5, unpadded


class CommissionCertificatesUnavailable(StationConfigError):
    """The pinned commission certificates cannot be read, or none of them may sign a configuration now."""

    translation_key = "station_config.no_commission_certificates"


@dataclass(frozen=True, slots=True)
class VerifiedStationConfig:
    """A configuration whose commission signature verified: the parsed form, the signed object and its digest."""

    config: StationConfig
    document: Mapping[str, Any]
    key_id: str
    digest: str


def canonical_config_bytes(document: Mapping[str, Any]) -> bytes:
    """What the commission signs: ``SIGNING_CONTEXT`` and the ``config`` object in RFC 8785 form."""
    return SIGNING_CONTEXT + canonical_json_bytes(document)


def config_digest(document: Mapping[str, Any]) -> str:
    """The configuration's digest: SHA-256 of its signed bytes, lower-case hex (printed on provisioning sheets)."""
    return hashlib.sha256(canonical_config_bytes(document)).hexdigest()


def commission_key_id(public_key: ec.EllipticCurvePublicKey) -> str:
    """The key id a commission signature carries for ``public_key``."""
    return key_id_for(public_key, COMMISSION_KEY_PREFIX)


def sign_station_config(document: Mapping[str, Any], signer: KeyStore) -> dict[str, Any]:
    """The signed envelope of ``document`` (validated first: nothing malformed is ever signed)."""
    parse_station_config(document)
    raw = signer.sign(canonical_config_bytes(document))
    return {
        "format": SIGNED_FORMAT,
        "config": dict(document),
        "signature": {
            "algorithm": SIGNATURE_ALGORITHM,
            "key_id": commission_key_id(signer.public_key()),
            "value": base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii"),
        },
    }


def signed_file_bytes(envelope: Mapping[str, Any]) -> bytes:
    """The file form of a signed envelope: indented UTF-8 JSON with a final newline (same input, same bytes)."""
    return (json.dumps(envelope, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def load_commission_certificates(path: Path) -> tuple[x509.Certificate, ...]:
    """The pinned commission certificates in the PEM file at ``path`` (one or more)."""
    try:
        pem = path.read_bytes()
    except OSError as error:
        raise CommissionCertificatesUnavailable(f"cannot read the commission certificates at {path}") from error
    try:
        return tuple(x509.load_pem_x509_certificates(pem))
    except ValueError as error:
        raise CommissionCertificatesUnavailable(f"{path} is not a PEM certificate file") from error


def commission_keys_from_certificates(
    certificates: Iterable[x509.Certificate], now: dt.datetime
) -> dict[str, ec.EllipticCurvePublicKey]:
    """The keys that may sign a configuration at ``now``: EC P-256 keys of certificates valid then.

    A certificate outside its validity period or whose key usage excludes digitalSignature (RFC 5280 section
    4.2.1.3) is left out, so a pinned file may hold an old and a new commission certificate during a rollover.
    """
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for certificate in certificates:
        public_key = certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
            continue
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            continue
        try:
            usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
        except x509.ExtensionNotFound:
            usage = None
        if usage is not None and not usage.digital_signature:
            continue
        keys[commission_key_id(public_key)] = public_key
    return keys


def read_json_strictly(data: bytes) -> Any:
    """Parse a configuration file's bytes; :class:`MalformedStationConfig` for anything not plain strict JSON."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise MalformedStationConfig(f"the station configuration is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        return json.loads(
            text, object_pairs_hook=_unique_members, parse_float=_no_float, parse_constant=_no_float
        )
    except UnicodeDecodeError as error:
        raise MalformedStationConfig("the station configuration is not UTF-8 text") from error
    except json.JSONDecodeError as error:
        raise MalformedStationConfig(f"the station configuration is not valid JSON (line {error.lineno})") from error
    except RecursionError as error:
        raise MalformedStationConfig("the station configuration is nested too deeply") from error


def verify_signed_config(
    data: bytes, commission_keys: Mapping[str, ec.EllipticCurvePublicKey]
) -> VerifiedStationConfig:
    """Check the file's form and the commission's signature, then parse the configuration.

    Raises :class:`MalformedStationConfig`, :class:`StationConfigUnsigned`, :class:`StationConfigUnknownSigner`
    or :class:`StationConfigTampered`. Whether it applies to this station now is :func:`check_applicable`'s call.
    """
    envelope = read_json_strictly(data)
    if not isinstance(envelope, dict):
        raise MalformedStationConfig("the station configuration must be a JSON object")
    if envelope.get("format") == CONFIG_FORMAT:
        raise StationConfigUnsigned("the station configuration is a bare document with no commission signature")
    if envelope.get("format") != SIGNED_FORMAT:
        raise MalformedStationConfig(f"the signed station configuration's format is not {SIGNED_FORMAT}")
    if envelope.get("signature") is None:
        raise StationConfigUnsigned("the station configuration carries no commission signature")
    unknown = sorted(str(name) for name in envelope if name not in SIGNED_FIELDS)
    if unknown or "config" not in envelope:
        what = f"an unknown field '{unknown[0][:40]}'" if unknown else "no 'config'"
        raise MalformedStationConfig(f"the signed station configuration has {what}")
    document = envelope["config"]
    if not isinstance(document, dict):
        raise MalformedStationConfig("the signed station configuration's 'config' must be a JSON object")
    key_id = _verify_signature(envelope["signature"], document, commission_keys)
    return VerifiedStationConfig(
        config=parse_station_config(document), document=document, key_id=key_id, digest=config_digest(document)
    )


def load_station_config(
    path: Path,
    commission_keys: Mapping[str, ec.EllipticCurvePublicKey],
    enrolled_station: int,
    now: dt.datetime,
) -> StationConfig:
    """The installed configuration at ``path``, verified and checked for this station at ``now``.

    Raises the typed refusals: :class:`StationConfigMissing`, :class:`MalformedStationConfig`,
    :class:`StationConfigUnsigned`, :class:`StationConfigUnknownSigner`, :class:`StationConfigTampered`,
    :class:`StationConfigForOtherStation`, :class:`StationConfigExpired`, :class:`StationConfigNotYetValid`.
    """
    verified = verify_signed_config(read_config_file(path), commission_keys)
    check_applicable(verified.config, enrolled_station=enrolled_station, now=now)
    return verified.config


def read_config_file(path: Path) -> bytes:
    """The bytes of a configuration file, at most ``MAX_DOCUMENT_BYTES`` of them read."""
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except FileNotFoundError as error:
        raise StationConfigMissing(f"no station configuration is installed at {path}") from error
    except OSError as error:
        raise StationConfigMissing(f"the station configuration at {path} cannot be read") from error


def _verify_signature(
    block: Any, document: Mapping[str, Any], commission_keys: Mapping[str, ec.EllipticCurvePublicKey]
) -> str:
    if not isinstance(block, dict) or sorted(block) != sorted(SIGNATURE_FIELDS):
        raise MalformedStationConfig(
            f"the station configuration's 'signature' must have exactly {', '.join(SIGNATURE_FIELDS)}"
        )
    key_id, algorithm, value = block["key_id"], block["algorithm"], block["value"]
    if not isinstance(key_id, str) or not isinstance(algorithm, str) or not isinstance(value, str):
        raise MalformedStationConfig("the station configuration's signature fields must be texts")
    if algorithm != SIGNATURE_ALGORITHM:
        raise StationConfigTampered(
            f"the station configuration is signed with an unsupported algorithm, not {SIGNATURE_ALGORITHM}"
        )
    key = commission_keys.get(key_id)
    if key is None:
        raise StationConfigUnknownSigner(key_id)
    raw = _base64url(value)
    if raw is None or len(raw) != 2 * P256_COORDINATE_BYTES:
        raise StationConfigTampered("the station configuration's signature is not a 64-byte ECDSA P-256 value")
    r = int.from_bytes(raw[:P256_COORDINATE_BYTES], "big")
    s = int.from_bytes(raw[P256_COORDINATE_BYTES:], "big")
    try:
        signed = canonical_config_bytes(document)
    except ValueError as error:
        raise MalformedStationConfig("the station configuration cannot be put in canonical form") from error
    try:
        key.verify(encode_dss_signature(r, s), signed, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError) as error:
        raise StationConfigTampered(
            "the station configuration's commission signature does not verify: it was changed after signing"
        ) from error
    return key_id


def _base64url(text: str) -> bytes | None:
    if BASE64URL_PATTERN.fullmatch(text) is None:
        return None
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            raise MalformedStationConfig(f"the station configuration repeats the member '{name[:40]}'")
        members[name] = value
    return members


def _no_float(text: str) -> Any:
    raise MalformedStationConfig("the station configuration holds a non-integer number, which the format never uses")

"""How the simulated service checks a kiosk's signed request (RFC 9421 + RFC 9530), with one reason per failure."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import http_sf
from http_message_signatures import HTTPMessageVerifier, InvalidSignature

from kiosk.egov.signatures import (
    ALGORITHM,
    CREATED_WINDOW,
    REQUEST_COMPONENTS,
    REQUEST_LABEL,
    REQUEST_TAG,
    PublicKeys,
)
from simulator.egov.registry import Device, Registry

REQUIRED_PARAMETERS = ("created", "keyid", "nonce", "alg")
MAX_NONCE_LENGTH = 64


class Rejection(Exception):
    """A request the service refuses: HTTP ``status`` and a machine-readable ``reason``."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass
class RequestView:
    """The parts of an HTTP request that RFC 9421 covers."""

    method: str
    url: str
    headers: Any


def _header(headers: Any, name: str) -> str | None:
    values = [value for key, value in headers.items() if key.lower() == name]
    return ", ".join(values) if values else None


def _signature_parameters(headers: Any) -> dict[str, Any]:
    raw_input = _header(headers, "signature-input")
    raw_signature = _header(headers, "signature")
    if raw_input is None or raw_signature is None:
        raise Rejection(401, "missing_signature", "the request carries no Signature-Input and Signature")
    try:
        parsed_input: Any = http_sf.parse(raw_input.encode("latin-1"), tltype="dictionary")
        parsed_signature: Any = http_sf.parse(raw_signature.encode("latin-1"), tltype="dictionary")
    except (ValueError, TypeError) as error:
        raise Rejection(401, "malformed_signature", "the signature fields are not valid structured fields") from error
    if REQUEST_LABEL not in parsed_input or REQUEST_LABEL not in parsed_signature:
        raise Rejection(401, "missing_signature", f"no signature labelled '{REQUEST_LABEL}'")
    components, parameters = parsed_input[REQUEST_LABEL]
    if not isinstance(components, list):
        raise Rejection(401, "malformed_signature", "the signature input is not an inner list")
    missing = [name for name in REQUIRED_PARAMETERS if name not in parameters]
    if missing:
        raise Rejection(401, "missing_parameter", f"the signature lacks parameter(s): {', '.join(missing)}")
    covered = {value for value, component_parameters in components if not component_parameters}
    uncovered = [name for name in REQUEST_COMPONENTS if name not in covered]
    if uncovered:
        raise Rejection(401, "insufficient_coverage", f"the signature does not cover: {', '.join(uncovered)}")
    return dict(parameters)


def authenticate(
    registry: Registry,
    view: RequestView,
    body: bytes,
    *,
    now: float | None = None,
    resolve_device: Callable[[str], Device | None] | None = None,
) -> Device:
    """Verify the request's signature, digest, freshness and nonce; return the enrolled device that signed it.

    Each failure raises :class:`Rejection` with its own reason: missing_signature, malformed_signature,
    missing_parameter, insufficient_coverage, wrong_algorithm, unknown_key, revoked_key, stale_created,
    bad_signature, missing_digest, digest_mismatch, replayed_nonce. ``resolve_device`` replaces the lookup of
    enrolled keys (enrolment itself checks the request against the key being enrolled).
    """
    parameters = _signature_parameters(view.headers)
    if parameters["alg"] != ALGORITHM.algorithm_id:
        raise Rejection(401, "wrong_algorithm", f"the service accepts only {ALGORITHM.algorithm_id}")
    key_id, created, nonce = parameters["keyid"], parameters["created"], parameters["nonce"]
    if not isinstance(key_id, str) or not isinstance(nonce, str) or not isinstance(created, int):
        raise Rejection(401, "malformed_signature", "keyid and nonce must be strings, created an integer")
    if not 0 < len(nonce) <= MAX_NONCE_LENGTH:
        raise Rejection(401, "malformed_signature", "the nonce is empty or too long")
    device = (resolve_device or registry.device)(key_id)
    if device is None:
        raise Rejection(401, "unknown_key", "the signing key is not enrolled")
    if device.revoked:
        raise Rejection(401, "revoked_key", "the signing key has been revoked")
    current = time.time() if now is None else now
    window = CREATED_WINDOW.total_seconds()
    if abs(current - created) > window:
        raise Rejection(401, "stale_created", f"'created' is more than {int(window)} s from the service clock")
    verifier = HTTPMessageVerifier(signature_algorithm=ALGORITHM, key_resolver=PublicKeys({key_id: device.public_key}))
    verifier.max_clock_skew = CREATED_WINDOW
    try:
        results = verifier.verify(
            view,
            expect_tag=REQUEST_TAG,
            expect_label=REQUEST_LABEL,
            require_components=REQUEST_COMPONENTS,
            max_age=CREATED_WINDOW,
        )
    except InvalidSignature as error:
        raise Rejection(401, "bad_signature", "the signature does not verify") from error
    if _header(view.headers, "content-digest") is None:
        raise Rejection(400, "missing_digest", "the request carries no Content-Digest")
    try:
        verifier.verify_body(view, results, body)
    except InvalidSignature as error:
        raise Rejection(400, "digest_mismatch", "the body does not match its Content-Digest") from error
    if not registry.remember_nonce(key_id, nonce, keep_until=current + 2 * window):
        raise Rejection(401, "replayed_nonce", "this nonce has been used before")
    return device

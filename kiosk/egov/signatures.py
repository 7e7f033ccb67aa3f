"""The signature profile both sides of the service contract use (DESIGN.md section 6).

Requests: RFC 9421 HTTP Message Signatures, label ``kiosk``, algorithm ``ecdsa-p256-sha256``, covering
``@method``, ``@target-uri``, ``content-digest`` (RFC 9530, SHA-256; always present, also for an empty
body) and ``content-type`` when there is one, with the parameters ``created``, ``keyid``, ``nonce``,
``alg`` and ``tag``.

Responses: label ``egov``, covering ``@status``, ``content-digest``, ``content-type`` and the request's own
signature (``"signature";req;key="kiosk"``), so a reply cannot be moved to another request.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    VerifyResult,
    algorithms,
)

ALGORITHM = algorithms.ECDSA_P256_SHA256
REQUEST_LABEL = "kiosk"
REQUEST_TAG = "kz-election-kiosk-request"
RESPONSE_LABEL = "egov"
RESPONSE_TAG = "kz-election-egov-response"
REQUEST_COMPONENTS = ("@method", "@target-uri", "content-digest")
REQUEST_SIGNATURE_COMPONENT = f'"signature";req;key="{REQUEST_LABEL}"'
RESPONSE_COMPONENTS = ("@status", "content-digest", "content-type", REQUEST_SIGNATURE_COMPONENT)
# How far a request's `created` may be from the verifier's clock, either way.
CREATED_WINDOW = dt.timedelta(seconds=30)
NONCE_BYTES = 16


class RawSigner(Protocol):
    """Anything that signs bytes with an ECDSA P-256 key and returns r || s (a KeyStore does)."""

    @property
    def key_id(self) -> str:
        """The key's identifier."""
        ...

    def sign(self, data: bytes) -> bytes:
        """The raw r || s signature of ``data``."""
        ...


class PublicKeys(HTTPSignatureKeyResolver):
    """Resolves key identifiers to public keys from a mapping (pinned or enrolled keys)."""

    def __init__(self, keys: Mapping[str, ec.EllipticCurvePublicKey]) -> None:
        self._keys = keys

    def resolve_public_key(self, key_id: str) -> ec.EllipticCurvePublicKey:
        """The key for ``key_id``; KeyError when it is not known."""
        return self._keys[key_id]

    def resolve_private_key(self, key_id: str) -> Any:
        """Never: this resolver holds public keys only."""
        raise KeyError(key_id)


def new_nonce() -> str:
    """A fresh random nonce (16 bytes, base64url without padding)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(NONCE_BYTES)).rstrip(b"=").decode("ascii")


def _sign(
    message: Any,
    *,
    signer: RawSigner,
    label: str,
    tag: str,
    components: tuple[str, ...],
    body: bytes,
    nonce: str | None,
    created: dt.datetime | None,
) -> None:
    prepared = HTTPMessageSigner(signature_algorithm=ALGORITHM).prepare(
        message,
        key_id=signer.key_id,
        created=created,
        nonce=nonce,
        label=label,
        tag=tag,
        covered_component_ids=components,
        body=body,
    )
    # The library's apply() rebuilds the whole signature base to check that the message did not change
    # since prepare(); nothing runs in between here, so write the two fields directly (RFC 9421 4.1, 4.2):
    # a Dictionary member ``label=<inner list>`` and ``label=:<base64 signature>:``.
    signature = base64.b64encode(signer.sign(prepared.signature_base)).decode("ascii")
    message.headers["Signature-Input"] = f"{prepared.label}={prepared.signature_params}"
    message.headers["Signature"] = f"{prepared.label}=:{signature}:"


def sign_request(
    request: Any,
    *,
    signer: RawSigner,
    body: bytes,
    nonce: str | None = None,
    created: dt.datetime | None = None,
) -> None:
    """Add Content-Digest, Signature-Input and Signature to a request (method, url, headers) in place."""
    components = REQUEST_COMPONENTS + (("content-type",) if _has_header(request.headers, "content-type") else ())
    _sign(
        request,
        signer=signer,
        label=REQUEST_LABEL,
        tag=REQUEST_TAG,
        components=components,
        body=body,
        nonce=nonce or new_nonce(),
        created=created,
    )


def sign_response(response: Any, *, signer: RawSigner, body: bytes, bound_to_request: bool) -> None:
    """Sign a response (status_code, headers, request) in place; bind it to the request's signature if any."""
    components = RESPONSE_COMPONENTS if bound_to_request else RESPONSE_COMPONENTS[:-1]
    _sign(
        response,
        signer=signer,
        label=RESPONSE_LABEL,
        tag=RESPONSE_TAG,
        components=components,
        body=body,
        nonce=None,
        created=None,
    )


def verify_response(response: Any, *, service_keys: PublicKeys, body: bytes) -> VerifyResult:
    """Verify a response's ``egov`` signature, its digest, and that it covers our request's signature.

    Raises ``http_message_signatures.InvalidSignature`` on any failure.
    """
    verifier = HTTPMessageVerifier(signature_algorithm=ALGORITHM, key_resolver=service_keys)
    verifier.max_clock_skew = CREATED_WINDOW
    (result,) = verifier.verify(
        response,
        expect_tag=RESPONSE_TAG,
        expect_label=RESPONSE_LABEL,
        require_components=RESPONSE_COMPONENTS,
        max_age=CREATED_WINDOW,
        body=body,
    )
    return result


def _has_header(headers: Any, name: str) -> bool:
    return any(key.lower() == name for key in headers)

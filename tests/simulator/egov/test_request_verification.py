"""The service accepts a request signed by an independent RFC 9421 signer and rejects every tampering,
each with its own reason; bad input gets a 4xx with a reason and the server keeps serving."""

from __future__ import annotations

import http.client
import json
import secrets
import ssl
import time
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from support import rfc9421
from support.egov import RunningService

from kiosk.egov.signatures import REQUEST_TAG
from simulator.egov.population import sample_voters

PATH = "/v1/registration-check"


def _send(service: RunningService, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    parts = urlsplit(service.base_url)
    context = ssl.create_default_context(cafile=str(service.paths.ca))
    connection = http.client.HTTPSConnection(parts.hostname or "", parts.port, context=context, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def _signed(
    service: RunningService,
    key: tuple[ec.EllipticCurvePrivateKey, str],
    payload: bytes,
    *,
    path: str = PATH,
    created: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    private_key, key_id = key
    return rfc9421.signed_headers(
        private_key,
        method="POST",
        target_uri=service.base_url + path,
        body=payload,
        keyid=key_id,
        created=int(time.time()) if created is None else created,
        nonce=nonce or secrets.token_urlsafe(16),
        tag=REQUEST_TAG,
    )


def _payload(service: RunningService, category: str = "listed_here") -> bytes:
    iin = sample_voters(service.paths.database, category, 1, station=service.station)[0]  # type: ignore[arg-type]
    return json.dumps({"iin": iin, "station": service.station}).encode()


def _reason(answer: Any) -> str:
    return str(answer["error"]["reason"])


def test_a_request_from_an_independent_signer_is_accepted(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    status, answer = _send(service, "POST", PATH, payload, _signed(service, enrolled_key, payload))
    assert status == 200
    assert answer["status"] == "listed_here"
    assert answer["station"]["number"] == service.station


def test_tampered_body_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload)
    tampered = payload.replace(b'"station": ', b'"station":  ')
    status, answer = _send(service, "POST", PATH, tampered, headers)
    assert (status, _reason(answer)) == (400, "digest_mismatch")


def test_tampered_digest_header_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload)
    tampered = payload.replace(b'"station": ', b'"station":  ')
    headers["Content-Digest"] = rfc9421.content_digest(tampered)
    status, answer = _send(service, "POST", PATH, tampered, headers)
    assert (status, _reason(answer)) == (401, "bad_signature")


def test_tampered_path_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload, path="/v1/list-decisions")
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "bad_signature")


def test_tampered_covered_header_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload)
    headers["Content-Type"] = "application/json; charset=utf-8"
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "bad_signature")


def test_replayed_nonce_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload)
    first, _ = _send(service, "POST", PATH, payload, headers)
    second, answer = _send(service, "POST", PATH, payload, headers)
    assert first == 200
    assert (second, _reason(answer)) == (401, "replayed_nonce")


@pytest.mark.parametrize("offset", [-120, 120])
def test_created_outside_the_window_is_rejected(service: RunningService, enrolled_key: Any, offset: int) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload, created=int(time.time()) + offset)
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "stale_created")


def test_unknown_key_is_rejected(service: RunningService) -> None:
    stranger = ec.generate_private_key(ec.SECP256R1())
    payload = _payload(service)
    headers = _signed(service, (stranger, "dev-0000000000000000"), payload)
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "unknown_key")


def test_enrolled_key_id_with_another_key_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    impostor = ec.generate_private_key(ec.SECP256R1())
    payload = _payload(service)
    headers = _signed(service, (impostor, enrolled_key[1]), payload)
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "bad_signature")


def test_missing_signature_headers_are_rejected(service: RunningService) -> None:
    payload = _payload(service)
    status, answer = _send(service, "POST", PATH, payload, {"Content-Type": "application/json"})
    assert (status, _reason(answer)) == (401, "missing_signature")


def test_garbage_signature_input_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    payload = _payload(service)
    headers = _signed(service, enrolled_key, payload)
    headers["Signature-Input"] = "kiosk=(((not a structured field"
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "malformed_signature")


def test_signature_not_covering_the_digest_is_rejected(service: RunningService, enrolled_key: Any) -> None:
    private_key, key_id = enrolled_key
    payload = _payload(service)
    values = {"@method": "POST", "@target-uri": service.base_url + PATH}
    params = rfc9421.signature_params(
        list(values), created=int(time.time()), keyid=key_id, nonce=secrets.token_urlsafe(16), tag=REQUEST_TAG
    )
    headers = {
        "Content-Type": "application/json",
        "Signature-Input": f"kiosk={params}",
        "Signature": f"kiosk=:{rfc9421.sign(private_key, rfc9421.signature_base(values, params))}:",
    }
    status, answer = _send(service, "POST", PATH, payload, headers)
    assert (status, _reason(answer)) == (401, "insufficient_coverage")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (b'{"iin": "85041530', "application/json", 400, "malformed_json"),
        (b"[1, 2, 3]", "application/json", 400, "malformed_json"),
        (b'{"iin": "\xff\xfe"}', "application/json", 400, "invalid_utf8"),
        (b"iin=850415300012", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b'{"station": 1}', "application/json", 422, "missing_field"),
        (b'{"iin": 850415300012, "station": 1}', "application/json", 422, "invalid_field"),
        (b'{"iin": "850415300013", "station": 1}', "application/json", 422, "invalid_iin"),
        (b'{"iin": "8504153000", "station": 1}', "application/json", 422, "invalid_iin"),
    ],
)
def test_bad_input_gets_a_reason_and_the_server_keeps_serving(
    service: RunningService, enrolled_key: Any, body: bytes, content_type: str, status: int, reason: str
) -> None:
    headers = _signed(service, enrolled_key, body)
    if content_type != "application/json":
        # re-sign with the other content type so that only the media type is wrong
        private_key, key_id = enrolled_key
        headers = rfc9421.signed_headers(
            private_key,
            method="POST",
            target_uri=service.base_url + PATH,
            body=body,
            keyid=key_id,
            created=int(time.time()),
            nonce=secrets.token_urlsafe(16),
            tag=REQUEST_TAG,
            content_type=content_type,
        )
    got_status, answer = _send(service, "POST", PATH, body, headers)
    assert (got_status, _reason(answer)) == (status, reason)
    health_status, health = _send(service, "GET", "/v1/health", b"", {})
    assert health_status == 200 and health["status"] == "ok"


def test_oversized_body_is_refused_before_it_is_read(service: RunningService, enrolled_key: Any) -> None:
    body = b'{"iin": "' + b"9" * 20_000 + b'"}'
    status, answer = _send(service, "POST", PATH, body, _signed(service, enrolled_key, body))
    assert (status, _reason(answer)) == (413, "body_too_large")


def test_request_for_another_station_is_refused(service: RunningService, enrolled_key: Any) -> None:
    iin = sample_voters(service.paths.database, "listed_here", 1, station=service.station)[0]
    other = service.station + 1 if service.station < 6 else 1
    body = json.dumps({"iin": iin, "station": other}).encode()
    status, answer = _send(service, "POST", PATH, body, _signed(service, enrolled_key, body))
    assert (status, _reason(answer)) == (403, "wrong_station")

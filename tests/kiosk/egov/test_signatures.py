"""The signature profile without a network: what a response must cover, and tampering of each part."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import HTTPMessageSignaturesException

from drivers.keystore.keyfile import FileKeyStore
from kiosk.egov.signatures import PublicKeys, sign_request, sign_response, verify_response
from simulator.egov.server import ServiceKey


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    status_code: int
    headers: dict[str, str]
    request: Request


BODY = json.dumps({"status": "not_listed", "may_register_temporarily": False}).encode()


@pytest.fixture
def service_key() -> ServiceKey:
    return ServiceKey(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def signed_exchange(service_key: ServiceKey) -> tuple[Request, Response]:
    device = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
    request = Request("POST", "https://127.0.0.1:8443/v1/registration-check", {"Content-Type": "application/json"})
    sign_request(request, signer=device, body=b'{"iin": "850415300012", "station": 5}')
    response = Response(200, {"Content-Type": "application/json"}, request)
    sign_response(response, signer=service_key, body=BODY, bound_to_request=True)
    return request, response


def _keys(service_key: ServiceKey) -> PublicKeys:
    return PublicKeys({service_key.key_id: service_key.private_key.public_key()})


def test_request_signature_covers_method_uri_digest_and_type(signed_exchange: tuple[Request, Response]) -> None:
    request, _ = signed_exchange
    signature_input = request.headers["Signature-Input"]
    for component in ('"@method"', '"@target-uri"', '"content-digest"', '"content-type"'):
        assert component in signature_input
    for parameter in ("created=", "keyid=", "nonce=", 'alg="ecdsa-p256-sha256"'):
        assert parameter in signature_input


def test_a_genuine_response_verifies(service_key: ServiceKey, signed_exchange: tuple[Request, Response]) -> None:
    _, response = signed_exchange
    result = verify_response(response, service_keys=_keys(service_key), body=BODY)
    assert result.body == BODY


def test_tampered_body_fails(service_key: ServiceKey, signed_exchange: tuple[Request, Response]) -> None:
    _, response = signed_exchange
    with pytest.raises(HTTPMessageSignaturesException):
        verify_response(response, service_keys=_keys(service_key), body=BODY.replace(b"false", b"true "))


def test_changed_status_fails(service_key: ServiceKey, signed_exchange: tuple[Request, Response]) -> None:
    _, response = signed_exchange
    response.status_code = 201
    with pytest.raises(HTTPMessageSignaturesException):
        verify_response(response, service_keys=_keys(service_key), body=BODY)


def test_a_response_to_another_request_fails(
    service_key: ServiceKey, signed_exchange: tuple[Request, Response]
) -> None:
    _, response = signed_exchange
    other = Request("POST", "https://127.0.0.1:8443/v1/registration-check", {"Content-Type": "application/json"})
    sign_request(other, signer=FileKeyStore(ec.generate_private_key(ec.SECP256R1())), body=b"{}")
    moved = Response(response.status_code, response.headers, other)
    with pytest.raises(HTTPMessageSignaturesException):
        verify_response(moved, service_keys=_keys(service_key), body=BODY)


def test_a_response_not_bound_to_the_request_fails(
    service_key: ServiceKey, signed_exchange: tuple[Request, Response]
) -> None:
    request, _ = signed_exchange
    unbound = Response(200, {"Content-Type": "application/json"}, request)
    sign_response(unbound, signer=service_key, body=BODY, bound_to_request=False)
    with pytest.raises(HTTPMessageSignaturesException):
        verify_response(unbound, service_keys=_keys(service_key), body=BODY)


def test_a_response_signed_by_an_unpinned_key_fails(signed_exchange: tuple[Request, Response]) -> None:
    _, response = signed_exchange
    stranger = ServiceKey(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(HTTPMessageSignaturesException):
        verify_response(response, service_keys=_keys(stranger), body=BODY)


def test_unsigned_response_fails(service_key: ServiceKey, signed_exchange: tuple[Request, Response]) -> None:
    request, _ = signed_exchange
    with pytest.raises(HTTPMessageSignaturesException):
        verify_response(Response(200, {}, request), service_keys=_keys(service_key), body=BODY)

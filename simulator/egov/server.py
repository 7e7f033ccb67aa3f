"""The simulated government services: a real HTTPS server (aiohttp) on 127.0.0.1 speaking the ``/v1`` contract.

Every request to a business endpoint must be signed by an enrolled kiosk key (see ``verification``);
every answer is signed with the service key and bound to the request's signature. Bad input gets a 4xx
with a machine-readable reason and the server keeps serving.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import random
import secrets
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

from aiohttp import web
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import HTTPMessageSignaturesException

from drivers.keystore.keyfile import key_id_for, raw_signature
from kiosk.core.iin import InvalidIin, parse_iin
from kiosk.documents.qr_payload import is_well_formed_code
from kiosk.egov.signatures import sign_response
from simulator.egov import digital_documents
from simulator.egov.digital_documents import DocumentIssuerKey
from simulator.egov.faults import Faults, InvalidFaults
from simulator.egov.registry import Answer, Device, IdempotencyConflict, Registry
from simulator.egov.signing_key import SimSigningKey
from simulator.egov.verification import Rejection, RequestView, authenticate

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
CONTROL_HEADER = "X-Sim-Control"
DOCUMENT_KINDS = ("id_card", "passport", "digital_document")
MAX_TEXT = 500

Handler = Callable[["ServiceState", web.Request, Device, dict[str, Any]], Awaitable[tuple[int, Answer]]]


class ServiceKey(SimSigningKey):
    """The service's response-signing key (ECDSA P-256), a RawSigner; key ids start with ``egov``."""

    key_id_prefix: ClassVar[str] = "egov"


class _ImpostorKey:
    """Signs with a random key but claims the real service key's id: the 'bad_signature' fault."""

    def __init__(self, key_id: str) -> None:
        self.key_id = key_id
        self._key = ec.generate_private_key(ec.SECP256R1())

    def sign(self, data: bytes) -> bytes:
        return raw_signature(self._key.sign(data, ec.ECDSA(hashes.SHA256())))


@dataclass
class ServiceState:
    """Everything one server process holds."""

    registry: Registry
    service_key: ServiceKey
    control_token: str
    faults: Faults = field(default_factory=Faults)
    rng: random.Random = field(default_factory=random.Random)
    last_answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    document_issuer: DocumentIssuerKey = field(default_factory=DocumentIssuerKey.ephemeral)


@dataclass
class _ResponseMessage:
    status_code: int
    headers: dict[str, str]
    request: RequestView


STATE_KEY = web.AppKey("state", ServiceState)


def _json_bytes(payload: Answer) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _signed(state: ServiceState, view: RequestView, status: int, payload: Answer, *, fault: str | None) -> web.Response:
    """Build the signed answer (with a fault applied if one was drawn)."""
    body = _json_bytes(payload)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    bound = any(key.lower() == "signature" for key in view.headers)
    if fault != "unsigned":
        signer = _ImpostorKey(state.service_key.key_id) if fault == "bad_signature" else state.service_key
        message = _ResponseMessage(status, headers, view)
        try:
            sign_response(message, signer=signer, body=body, bound_to_request=bound)
        except HTTPMessageSignaturesException:  # a malformed request signature cannot be covered: bind to nothing
            headers = {"Content-Type": "application/json; charset=utf-8"}
            sign_response(_ResponseMessage(status, headers, view), signer=signer, body=body, bound_to_request=False)
    return web.Response(status=status, body=body, headers=headers)


def _error(reason: str, message: str) -> Answer:
    return {"error": {"reason": reason, "message": message}}


def _view(request: web.Request) -> RequestView:
    return RequestView(method=request.method, url=str(request.url), headers=request.headers)


# --- payload validation -----------------------------------------------------------------------------


def _field(payload: dict[str, Any], name: str, kind: type, *, optional: bool = False) -> Any:
    value = payload.get(name)
    if value is None and optional:
        return None
    if value is None:
        raise Rejection(422, "missing_field", f"the field '{name}' is required")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Rejection(422, "invalid_field", f"the field '{name}' must be of type {kind.__name__}")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise Rejection(422, "invalid_field", f"the field '{name}' is too long")
    return value


def _iin(payload: dict[str, Any]) -> str:
    text = _field(payload, "iin", str)
    try:
        return parse_iin(text).value
    except InvalidIin as error:
        raise Rejection(422, "invalid_iin", f"{error.message} ({error.reason.value})") from error


def _station(state: ServiceState, payload: dict[str, Any], device: Device) -> int:
    number = _field(payload, "station", int)
    if state.registry.station(number) is None:
        raise Rejection(422, "unknown_station", "there is no such polling station")
    if number != device.station_number:
        raise Rejection(403, "wrong_station", "this kiosk is enrolled for another station")
    return int(number)


def _idempotency_key(payload: dict[str, Any]) -> str:
    key = _field(payload, "idempotency_key", str)
    if not 16 <= len(key) <= 64 or not key.isascii():
        raise Rejection(422, "invalid_field", "idempotency_key must be 16..64 ASCII characters")
    return str(key)


# --- business endpoints --------------------------------------------------------------------------------


async def registration_check(
    state: ServiceState, request: web.Request, device: Device, payload: dict[str, Any]
) -> tuple[int, Answer]:
    """POST /v1/registration-check: where is this IIN listed, seen from this station."""
    iin = _iin(payload)
    station = _station(state, payload, device)
    purpose = _field(payload, "purpose", str, optional=True) or "voter"
    if purpose not in ("voter", "commission"):
        raise Rejection(422, "invalid_field", "purpose must be 'voter' or 'commission'")
    if purpose == "commission":
        # A member's credential (issue: commission mode) is required to see a registered address.
        _field(payload, "member_id", str)
    return 200, state.registry.registration_check(iin, station, for_commission=purpose == "commission")


async def temporary_registration(
    state: ServiceState, request: web.Request, device: Device, payload: dict[str, Any]
) -> tuple[int, Answer]:
    """POST /v1/temporary-registrations: register at the station's address, idempotent by key."""
    iin = _iin(payload)
    station = _station(state, payload, device)
    document = _field(payload, "document", dict)
    kind = _field(document, "kind", str)
    if kind not in DOCUMENT_KINDS:
        raise Rejection(422, "invalid_field", f"document.kind must be one of {', '.join(DOCUMENT_KINDS)}")
    number = _field(document, "number", str)
    key = _idempotency_key(payload)
    try:
        answer = state.registry.temporary_registration(
            iin=iin, station_number=station, document_kind=kind, document_number=number,
            idempotency_key=key, device_key_id=device.key_id,
        )
    except IdempotencyConflict as error:
        raise Rejection(422, "idempotency_key_reused", "this idempotency key was used for another request") from error
    return 200, answer


async def list_decision(
    state: ServiceState, request: web.Request, device: Device, payload: dict[str, Any]
) -> tuple[int, Answer]:
    """POST /v1/list-decisions: a commission's decision to include or refuse; one voter, one list."""
    iin = _iin(payload)
    station = _station(state, payload, device)
    decision = _field(payload, "decision", str)
    if decision not in ("include", "refuse"):
        raise Rejection(422, "invalid_field", "decision must be 'include' or 'refuse'")
    reason_code = _field(payload, "reason_code", str, optional=True)
    reason_text = _field(payload, "reason_text", str, optional=True)
    if decision == "refuse" and not (reason_code and reason_text and reason_text.strip()):
        raise Rejection(422, "missing_field", "a refusal needs a reason_code and a reason_text")
    member_id = _field(payload, "member_id", str)
    key = _idempotency_key(payload)
    try:
        answer = state.registry.list_decision(
            iin=iin, station_number=station, decision=decision, reason_code=reason_code,
            reason_text=reason_text, member_id=member_id, idempotency_key=key, device_key_id=device.key_id,
        )
    except IdempotencyConflict as error:
        raise Rejection(422, "idempotency_key_reused", "this idempotency key was used for another request") from error
    return 200, answer


_CODE_REFUSALS = {
    "unknown": (404, "unknown_code", "no digital-document code like this was issued"),
    "used": (410, "code_used", "this digital-document code was already used"),
    "expired": (410, "code_expired", "this digital-document code has expired"),
}


async def digital_document(
    state: ServiceState, request: web.Request, device: Device, payload: dict[str, Any]
) -> tuple[int, Answer]:
    """POST /v1/digital-documents: exchange a one-time code for the issuer-signed document."""
    code = _field(payload, "code", str)
    if not is_well_formed_code(code):
        raise Rejection(422, "invalid_code", "the code is not 43 characters of base64url")
    use = state.registry.use_digital_document_code(code)
    if use.outcome != "valid":
        raise Rejection(*_CODE_REFUSALS[use.outcome])
    assert use.iin is not None  # a valid code always names its person
    person = state.registry.person(use.iin)
    if person is None:
        raise Rejection(404, "unknown_code", "the code's person is no longer in the registry")
    now = dt.datetime.now(dt.UTC)
    return 200, digital_documents.signed_document(person, state.document_issuer, now=now, expiry=use.document_expiry)


async def station_info(
    state: ServiceState, request: web.Request, device: Device, payload: dict[str, Any]
) -> tuple[int, Answer]:
    """POST /v1/station-info: the public description of the kiosk's own station (address, hours, desk, services)."""
    station = _station(state, payload, device)
    return 200, {"station": state.registry.station(station)}


BUSINESS_ENDPOINTS: dict[str, Handler] = {
    "/v1/station-info": station_info,
    "/v1/registration-check": registration_check,
    "/v1/temporary-registrations": temporary_registration,
    "/v1/list-decisions": list_decision,
    "/v1/digital-documents": digital_document,
}


async def _read_json(request: web.Request, body: bytes) -> dict[str, Any]:
    content_type = request.headers.get("Content-Type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise Rejection(415, "unsupported_media_type", "the body must be application/json")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Rejection(400, "invalid_utf8", "the body is not valid UTF-8") from error
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        raise Rejection(400, "malformed_json", "the body is not valid JSON") from error
    if not isinstance(payload, dict):
        raise Rejection(400, "malformed_json", "the body must be a JSON object")
    return payload


async def _read_body(request: web.Request) -> bytes:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise Rejection(413, "body_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes")
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge as error:
        raise Rejection(413, "body_too_large", f"the body is larger than {MAX_BODY_BYTES} bytes") from error


async def _business(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    view = _view(request)
    fault = state.faults.draw(state.rng)
    if state.faults.latency_ms:
        await asyncio.sleep(state.faults.latency_ms / 1000)
    if fault == "drop":
        if request.transport is not None:
            request.transport.abort()
        raise ConnectionResetError("fault injected: connection dropped")
    if fault == "error":
        return _signed(state, view, 503, _error("unavailable", "fault injected: service unavailable"), fault=None)
    if fault == "replay" and request.path in state.last_answers:
        status, headers, body = state.last_answers[request.path]
        return web.Response(status=status, body=body, headers=headers)
    try:
        body = await _read_body(request)
        device = authenticate(state.registry, view, body)
        payload = await _read_json(request, body)
        status, answer = await BUSINESS_ENDPOINTS[request.path](state, request, device, payload)
    except Rejection as rejection:
        log.info("rejected %s: %s", request.path, rejection.reason)
        return _signed(state, view, rejection.status, _error(rejection.reason, rejection.message), fault=fault)
    response = _signed(state, view, status, answer, fault=fault)
    state.last_answers[request.path] = (status, dict(response.headers), bytes(response.body))  # type: ignore[arg-type]
    return response


async def _health(request: web.Request) -> web.StreamResponse:
    """GET /v1/health: alive, the service clock, and (for a signed request) which device was recognised."""
    state = request.app[STATE_KEY]
    view = _view(request)
    answer: Answer = {"status": "ok", "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if "Signature" in request.headers:
        try:
            device = authenticate(state.registry, view, await _read_body(request))
        except Rejection as rejection:
            return _signed(state, view, rejection.status, _error(rejection.reason, rejection.message), fault=None)
        answer["device"] = device.key_id
    return _signed(state, view, 200, answer, fault=None)


async def _service_keys(request: web.Request) -> web.StreamResponse:
    """GET /v1/service-keys: the public keys the service signs its answers with."""
    state = request.app[STATE_KEY]
    answer = {"keys": [{"key_id": state.service_key.key_id, "public_key_pem": state.service_key.public_pem()}]}
    return _signed(state, _view(request), 200, answer, fault=None)


async def _enroll(request: web.Request) -> web.StreamResponse:
    """POST /v1/devices: enrol a kiosk key with a one-time code; the request is signed by the new key itself."""
    state = request.app[STATE_KEY]
    view = _view(request)
    try:
        body = await _read_body(request)
        payload = await _read_json(request, body)
        pem = _field(payload, "public_key_pem", str)
        station = _field(payload, "station", int)
        code = _field(payload, "enrollment_code", str)
        try:
            public_key = serialization.load_pem_public_key(pem.encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise Rejection(422, "invalid_field", "public_key_pem is not a PEM public key") from error
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, ec.SECP256R1):
            raise Rejection(422, "invalid_field", "the device key must be EC P-256")
        key_id = key_id_for(public_key)
        # Proof of possession: the enrolment request must verify under the key being enrolled.
        candidate = Device(key_id, public_key, station, revoked=False)
        authenticate(state.registry, view, body, resolve_device=lambda wanted: candidate if wanted == key_id else None)
        if not state.registry.use_enrollment_code(code, station):
            raise Rejection(403, "bad_enrollment_code", "the enrolment code is wrong, used or expired")
        state.registry.enroll_device(public_key, key_id, station)
    except Rejection as rejection:
        return _signed(state, view, rejection.status, _error(rejection.reason, rejection.message), fault=None)
    return _signed(state, view, 201, {"key_id": key_id, "station": station}, fault=None)


async def _openapi(request: web.Request) -> web.StreamResponse:
    """GET /v1/openapi.json: the contract."""
    text = resources.files("simulator.egov").joinpath("openapi.json").read_text(encoding="utf-8")
    return _signed(request.app[STATE_KEY], _view(request), 200, json.loads(text), fault=None)


async def _control_faults(request: web.Request) -> web.StreamResponse:
    """GET/POST /_sim/faults: read or change the injected faults (needs the control token)."""
    state = request.app[STATE_KEY]
    if not secrets.compare_digest(request.headers.get(CONTROL_HEADER, ""), state.control_token):
        return web.json_response(_error("forbidden", "wrong or missing control token"), status=403)
    if request.method == "POST":
        try:
            settings = await request.json()
            if not isinstance(settings, dict):
                raise InvalidFaults("send a JSON object")
            if settings.pop("clear", False):
                state.faults.clear()
            state.faults.update(settings)
        except (InvalidFaults, json.JSONDecodeError, UnicodeDecodeError) as error:
            return web.json_response(_error("invalid_faults", str(error)), status=400)
    return web.json_response(state.faults.as_dict())


async def _control_digital_documents(request: web.Request) -> web.StreamResponse:
    """POST /_sim/digital-documents {iin, valid_for_seconds?, document_expiry?}: a code as a phone app shows it."""
    state = request.app[STATE_KEY]
    if not secrets.compare_digest(request.headers.get(CONTROL_HEADER, ""), state.control_token):
        return web.json_response(_error("forbidden", "wrong or missing control token"), status=403)
    try:
        payload = await _read_json(request, await _read_body(request))
        iin = _iin(payload)
        seconds = _field(payload, "valid_for_seconds", int, optional=True)
        lifetime = digital_documents.CODE_LIFETIME if seconds is None else dt.timedelta(seconds=seconds)
        if not dt.timedelta(0) < lifetime <= digital_documents.MAX_CODE_LIFETIME:
            raise Rejection(422, "invalid_field", "valid_for_seconds must be 1..3600")
        expiry_text = _field(payload, "document_expiry", str, optional=True)
        try:
            expiry = None if expiry_text is None else dt.date.fromisoformat(expiry_text)
        except ValueError as error:
            raise Rejection(422, "invalid_field", "document_expiry must be an ISO date") from error
        if state.registry.person(iin) is None:
            raise Rejection(404, "unknown_person", "there is no such person in the registry")
    except Rejection as rejection:
        return web.json_response(_error(rejection.reason, rejection.message), status=rejection.status)
    issued = digital_documents.new_code(lifetime)
    state.registry.add_digital_document_code(issued.code, iin, issued.expires_at.timestamp(), expiry)
    return web.json_response(issued.as_answer(), status=201)


def make_app(state: ServiceState) -> web.Application:
    """The aiohttp application for ``state``."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[STATE_KEY] = state
    for path in BUSINESS_ENDPOINTS:
        app.router.add_post(path, _business)
    app.router.add_get("/v1/health", _health)
    app.router.add_get("/v1/service-keys", _service_keys)
    app.router.add_get("/v1/openapi.json", _openapi)
    app.router.add_post("/v1/devices", _enroll)
    app.router.add_route("*", "/_sim/faults", _control_faults)
    app.router.add_post("/_sim/digital-documents", _control_digital_documents)
    return app


def server_ssl_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """TLS 1.2+ server context for the test certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context

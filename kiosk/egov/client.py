"""The kiosk's client for the government services.

Every request is signed with the device key (RFC 9421, ``kiosk.egov.signatures``); every answer must carry
the pinned service key's signature over its status, body digest and *our* request's signature, or it is
thrown away. Only requests that are safe to repeat are retried: the registration check (it changes nothing)
and changes carrying an idempotency key. Failures are typed errors, never a guessed answer.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import HTTPMessageSignaturesException

from kiosk.core.iin import Iin
from kiosk.core.registration import ListDecisionResult, RegistrationCheck, Station, TemporaryRegistrationResult
from kiosk.egov import models
from kiosk.egov.errors import (
    MalformedResponse,
    ResponseNotTrusted,
    ServiceError,
    ServiceRejected,
    ServiceTimeout,
    ServiceUnavailable,
    ServiceUnreachable,
)
from kiosk.egov.signatures import PublicKeys, RawSigner, sign_request, verify_response

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 256 * 1024
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait and how often to try again.

    ``deadline`` bounds the whole call, retries included, so a voter is never kept waiting longer.
    """

    attempts: int = 3
    connect_timeout: float = 3.0
    read_timeout: float = 6.0
    deadline: float = 15.0
    backoff: float = 0.25


@dataclass(frozen=True, slots=True)
class Health:
    """The service's answer to a (signed) ping."""

    service_time: str
    device_recognised: bool


class _SignRequest(requests.auth.AuthBase):
    def __init__(self, signer: RawSigner) -> None:
        self.signer = signer

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        sign_request(request, signer=self.signer, body=body)
        return request


class EgovClient:
    """Signed, verified conversation with the registration services for one station."""

    def __init__(
        self,
        *,
        base_url: str,
        signer: RawSigner,
        service_keys: Mapping[str, ec.EllipticCurvePublicKey],
        ca_file: str,
        station: int,
        policy: RetryPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not base_url.startswith("https://"):
            raise ValueError("the service must be reached over HTTPS")
        self.base_url = base_url.rstrip("/")
        self.station = station
        self.policy = policy or RetryPolicy()
        self._service_keys = PublicKeys(dict(service_keys))
        self._auth = _SignRequest(signer)
        self._session = session or requests.Session()
        self._session.verify = ca_file
        self._session.trust_env = False  # never route through a proxy from the environment
        self._session.headers.update({"Accept": "application/json", "Accept-Encoding": "identity"})
        self._sleep = sleep

    def close(self) -> None:
        """Close pooled connections."""
        self._session.close()

    # --- the questions ------------------------------------------------------------------------------

    def registration_check(
        self, iin: Iin, *, purpose: str = "voter", member_id: str | None = None
    ) -> RegistrationCheck:
        """Where the voter with ``iin`` is listed, seen from this station."""
        payload: dict[str, Any] = {"iin": iin.value, "station": self.station, "purpose": purpose}
        if member_id is not None:
            payload["member_id"] = member_id
        return self._call("POST", "/v1/registration-check", payload, models.registration_check)

    def temporary_registration(
        self, iin: Iin, *, document_kind: str, document_number: str, idempotency_key: str
    ) -> TemporaryRegistrationResult:
        """Register the voter at this station's address; repeating ``idempotency_key`` repeats the answer."""
        payload = {
            "iin": iin.value,
            "station": self.station,
            "document": {"kind": document_kind, "number": document_number},
            "idempotency_key": idempotency_key,
        }
        return self._call("POST", "/v1/temporary-registrations", payload, models.temporary_registration)

    def list_decision(
        self,
        iin: Iin,
        *,
        decision: str,
        member_id: str,
        idempotency_key: str,
        reason_code: str | None = None,
        reason_text: str | None = None,
    ) -> ListDecisionResult:
        """Send a commission's decision; repeating ``idempotency_key`` repeats the answer."""
        payload = {
            "iin": iin.value,
            "station": self.station,
            "decision": decision,
            "member_id": member_id,
            "idempotency_key": idempotency_key,
            "reason_code": reason_code,
            "reason_text": reason_text,
        }
        return self._call("POST", "/v1/list-decisions", payload, models.list_decision)

    def digital_document(self, code: str) -> models.SignedDigitalDocument:
        """Exchange a one-time code from a digital-document QR for the document (issuer signature not yet checked).

        The code is consumed by the first request that reaches the service, so a retry after a lost answer is
        refused as ``code_used`` (a ``ServiceRejected``); the voter then shows a fresh code.
        """
        return self._call("POST", "/v1/digital-documents", {"code": code}, models.digital_document)

    def station_info(self) -> Station:
        """The public description of this kiosk's station, as the service holds it."""
        return self._call(
            "POST",
            "/v1/station-info",
            {"station": self.station},
            lambda data: models.station(models._get(data, "station", dict)),
        )

    def health(self) -> Health:
        """A signed ping: the service's clock and whether it recognised this kiosk's key."""

        def parse(data: Any) -> Health:
            return Health(models._get(data, "time", str), isinstance(data.get("device"), str))

        return self._call("GET", "/v1/health", None, parse)

    # --- the exchange ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, payload: Mapping[str, Any] | None, parse: Callable[[Any], T]) -> T:
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        started = time.monotonic()
        last_error: ServiceError | None = None
        for attempt in range(self.policy.attempts):
            remaining = self.policy.deadline - (time.monotonic() - started)
            if remaining <= 0:
                break
            try:
                status, data = self._exchange(method, path, body, remaining)
            except (ServiceUnreachable, ServiceUnavailable, ResponseNotTrusted) as error:
                log.warning("%s %s: attempt %d failed: %s", method, path, attempt + 1, error.message)
                last_error = error
                pause = self.policy.backoff * (2**attempt)
                if time.monotonic() - started + pause >= self.policy.deadline:
                    break
                self._sleep(pause)
                continue
            if status >= 400:
                error_info = data.get("error") if isinstance(data, dict) else None
                reason = error_info.get("reason") if isinstance(error_info, dict) else None
                raise ServiceRejected(
                    f"the service refused the request ({status}, {reason or 'no reason given'})",
                    http_status=status,
                    reason=str(reason or "unknown"),
                )
            return parse(data)
        if last_error is None:
            last_error = ServiceTimeout("no answer within the time allowed")
        raise last_error

    def _exchange(self, method: str, path: str, body: bytes, remaining: float) -> tuple[int, Any]:
        read_timeout = max(0.1, min(self.policy.read_timeout, remaining))
        headers = {"Content-Type": "application/json"} if body else {}
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                data=body if body else None,
                headers=headers,
                auth=self._auth,
                timeout=(min(self.policy.connect_timeout, read_timeout), read_timeout),
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.Timeout as error:
            raise ServiceTimeout("the service did not answer in time") from error
        except requests.exceptions.SSLError as error:
            raise ServiceUnreachable("the service's TLS certificate was not accepted") from error
        except requests.exceptions.RequestException as error:
            raise ServiceUnreachable(f"cannot reach the service ({type(error).__name__})") from error
        with response:
            content = self._read_limited(response)
            try:
                verify_response(response, service_keys=self._service_keys, body=content)
            except HTTPMessageSignaturesException as error:
                raise ResponseNotTrusted(
                    "the answer is not signed by the service for this request", reason=_signature_reason(response)
                ) from error
            if response.status_code >= 500:
                raise ServiceUnavailable(
                    f"the service answered with a server error ({response.status_code})",
                    http_status=response.status_code,
                )
            content_type = response.headers.get("Content-Type", "")
            if not content_type.startswith("application/json"):
                raise MalformedResponse("the answer is not JSON")
            try:
                return response.status_code, json.loads(content.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise MalformedResponse("the answer is not valid JSON") from error

    @staticmethod
    def _read_limited(response: requests.Response) -> bytes:
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_RESPONSE_BYTES:
            raise MalformedResponse("the answer is larger than allowed")
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(chunk_size=65536):
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise MalformedResponse("the answer is larger than allowed")
                chunks.append(chunk)
        except requests.exceptions.RequestException as error:
            raise ServiceUnreachable("the connection broke while reading the answer") from error
        return b"".join(chunks)


def _signature_reason(response: requests.Response) -> str:
    if "Signature" not in response.headers:
        return "unsigned"
    return "bad_signature"

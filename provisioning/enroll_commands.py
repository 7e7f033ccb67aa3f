"""``kiosk-provision enroll``: register the device key with the service for one station.

The technician brings a one-time enrolment code issued for the station (the technician's credential). The
request ``POST /v1/devices`` carries the public key, the station and the code, and is signed (RFC 9421) by
the very key being enrolled, which proves the kiosk holds it. Afterwards the service accepts that key's
signatures for the station; the code cannot be used again.

The service's signing keys are fetched first from ``/v1/service-keys`` over TLS checked against ``--ca``
(the only trust anchor a new kiosk has), and the enrolment answer must carry a signature by one of them,
bound to our request.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from http_message_signatures import HTTPMessageSignaturesException

from drivers.keystore import KeyStore
from kiosk.egov.errors import MalformedResponse, ResponseNotTrusted, ServiceError, ServiceRejected, ServiceUnreachable
from kiosk.egov.signatures import PublicKeys, sign_request, verify_response
from provisioning.init_commands import (
    EXIT_CODES_HELP,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_UNREACHABLE,
    EXIT_UNTRUSTED,
    UsageError,
    add_key_arguments,
    fail,
    key_choice,
    opened_key,
    run_reporting_errors,
)

ENROLL_PATH = "/v1/devices"
SERVICE_KEYS_PATH = "/v1/service-keys"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Enrollment:
    """The service's confirmation: this key is enrolled for this station; signed by these service keys."""

    key_id: str
    station: int
    service_keys: dict[str, ec.EllipticCurvePublicKey]

    def as_json(self) -> dict[str, Any]:
        """The result as a JSON object (service keys as PEM, ready to pin in the kiosk configuration)."""
        return {
            "key_id": self.key_id,
            "station": self.station,
            "service_keys": {
                key_id: key.public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                ).decode("ascii")
                for key_id, key in self.service_keys.items()
            },
        }


def _session(ca_file: str) -> requests.Session:
    session = requests.Session()
    session.verify = ca_file
    session.trust_env = False  # never through a proxy from the environment
    session.headers.update({"Accept": "application/json", "Accept-Encoding": "identity"})
    return session


def _send(session: requests.Session, prepared: requests.PreparedRequest) -> tuple[requests.Response, bytes]:
    try:
        response = session.send(prepared, stream=True, timeout=(CONNECT_TIMEOUT, READ_TIMEOUT), allow_redirects=False)
        with response:
            content = response.raw.read(MAX_ANSWER_BYTES + 1, decode_content=False)
    except requests.exceptions.SSLError as error:
        raise ServiceUnreachable("the service's TLS certificate is not signed by the given CA") from error
    except (requests.exceptions.RequestException, OSError) as error:
        raise ServiceUnreachable(f"cannot reach the service ({type(error).__name__})") from error
    if len(content) > MAX_ANSWER_BYTES:
        raise MalformedResponse("the answer is larger than allowed")
    return response, content


def _json(content: bytes) -> Any:
    try:
        return json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedResponse("the answer is not valid JSON") from error


def fetch_service_keys(session: requests.Session, base_url: str) -> dict[str, ec.EllipticCurvePublicKey]:
    """The service's response-signing keys, trusted through the TLS connection to the pinned CA."""
    response, content = _send(session, session.prepare_request(requests.Request("GET", base_url + SERVICE_KEYS_PATH)))
    if response.status_code != 200:
        raise ServiceRejected(f"the service would not list its keys ({response.status_code})",
                              http_status=response.status_code, reason="service_keys")
    answer = _json(content)
    listed = answer.get("keys") if isinstance(answer, dict) else None
    if not isinstance(listed, list) or not listed:
        raise MalformedResponse("the service listed no signing keys")
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for entry in listed:
        if not isinstance(entry, dict) or not isinstance(entry.get("key_id"), str):
            raise MalformedResponse("a service key entry has no key_id")
        try:
            key = serialization.load_pem_public_key(str(entry.get("public_key_pem", "")).encode("ascii"))
        except (ValueError, UnicodeEncodeError) as error:
            raise MalformedResponse("a service key is not a PEM public key") from error
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise MalformedResponse("a service key is not an EC key")
        keys[entry["key_id"]] = key
    return keys


def enroll_device(key: KeyStore, *, base_url: str, ca_file: str, station: int, code: str) -> Enrollment:
    """Enrol ``key`` for ``station`` with the one-time ``code``; raises a ServiceError subclass when refused."""
    base_url = base_url.rstrip("/")
    if not base_url.startswith("https://"):
        raise UsageError("the service must be reached over https://")
    session = _session(ca_file)
    try:
        service_keys = fetch_service_keys(session, base_url)
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")
        body = json.dumps({"public_key_pem": public_pem, "station": station, "enrollment_code": code}).encode()
        prepared = session.prepare_request(
            requests.Request("POST", base_url + ENROLL_PATH, data=body, headers={"Content-Type": "application/json"})
        )
        # Signed as prepared, so the covered @target-uri and headers are exactly what is sent.
        sign_request(prepared, signer=key, body=body)
        response, content = _send(session, prepared)
    finally:
        session.close()
    try:
        verify_response(response, service_keys=PublicKeys(service_keys), body=content)
    except HTTPMessageSignaturesException as error:
        raise ResponseNotTrusted("the enrolment answer is not signed by the service for this request",
                                 reason="bad_signature" if "Signature" in response.headers else "unsigned") from error
    answer = _json(content)
    if response.status_code >= 400:
        details = answer.get("error") if isinstance(answer, dict) else None
        reason = str(details.get("reason", "unknown")) if isinstance(details, dict) else "unknown"
        message = str(details.get("message", "")) if isinstance(details, dict) else ""
        raise ServiceRejected(f"the service refused the enrolment ({reason}: {message or response.status_code})",
                              http_status=response.status_code, reason=reason)
    if not isinstance(answer, dict) or answer.get("key_id") != key.key_id or answer.get("station") != station:
        raise MalformedResponse("the enrolment answer names another key or station")
    return Enrollment(key_id=key.key_id, station=station, service_keys=service_keys)


def _enroll(args: argparse.Namespace) -> int:
    def action() -> int:
        choice = key_choice(args)
        try:
            with opened_key(choice, create=False) as key:
                enrollment = enroll_device(key, base_url=args.service, ca_file=str(args.ca), station=args.station,
                                           code=args.code)
        except ServiceUnreachable as error:
            return fail(f"the service cannot be reached: {error.message}", EXIT_UNREACHABLE, as_json=args.json,
                        reason=error.translation_key)
        except ResponseNotTrusted as error:
            return fail(f"{error.message} ({error.reason})", EXIT_UNTRUSTED, as_json=args.json,
                        reason=error.translation_key)
        except ServiceRejected as error:
            return fail(error.message, EXIT_FAILURE, as_json=args.json, reason=f"rejected.{error.reason}")
        except ServiceError as error:
            return fail(error.message, EXIT_FAILURE, as_json=args.json, reason=error.translation_key)
        print(json.dumps(enrollment.as_json()) if args.json else enrollment.key_id)
        return EXIT_OK

    return run_reporting_errors(args, action)


def register(areas: Any) -> None:
    """Add ``enroll`` to the ``kiosk-provision`` sub-commands (``areas`` is argparse's subparsers object)."""
    parser = areas.add_parser(
        "enroll",
        help="enrol the device key with the service for a station (one-time code); prints the key id",
        description="Register the device key with the service for one station, authorised by a one-time "
        "enrolment code; the request is signed by the key being enrolled. Prints the key id.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--service", required=True, metavar="URL", help="base URL of the service (https://...)")
    parser.add_argument("--ca", required=True, metavar="FILE", help="CA certificate the service's TLS must chain to")
    parser.add_argument("--station", required=True, type=int, metavar="N", help="polling station number")
    parser.add_argument("--code", required=True, help="the one-time enrolment code for the station")
    add_key_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=_enroll)

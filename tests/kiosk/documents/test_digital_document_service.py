"""Digital documents end to end against the real simulated HTTPS service: a code issued by the simulator, shown
as a segno QR, scanned by SimCodeScanner through zxing-cpp, exchanged with a signed request and verified."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import ssl
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from support.egov import RunningService

from drivers.scanner.decoding import decode_qr
from kiosk.core.iin import make_iin
from kiosk.documents.digital import (
    BadIssuerSignature,
    DigitalDocumentCodeRefused,
    DigitalDocumentExpired,
    PresentationExpired,
    UnknownDocumentIssuer,
    read_digital_document,
    verify_digital_document,
)
from kiosk.documents.qr_payload import encode_code, parse_qr_payload
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.egov.errors import ServiceRejected
from simulator.cli import main as kiosk_sim
from simulator.egov.digital_documents import DocumentIssuerKey
from simulator.egov.population import sample_voters
from simulator.egov.registry import Registry
from simulator.scanner import SimCodeScanner

QUICK = RetryPolicy(attempts=2, connect_timeout=1.0, read_timeout=3.0, deadline=6.0, backoff=0.05)


@pytest.fixture
def client_policy() -> RetryPolicy:
    """Exchanging a code signs and verifies a document: more time than a registration check."""
    return QUICK


pytestmark = pytest.mark.usefixtures("no_faults")


def control(service: RunningService, payload: dict[str, Any], *, token: str | None = None) -> dict[str, Any]:
    """POST /_sim/digital-documents; HTTP errors come back as {"status", "reason"}."""
    request = urllib.request.Request(
        service.base_url + "/_sim/digital-documents",
        method="POST",
        data=json.dumps(payload).encode(),
        headers={
            "X-Sim-Control": service.paths.control_token.read_text().strip() if token is None else token,
            "Content-Type": "application/json",
        },
    )
    context = ssl.create_default_context(cafile=str(service.paths.ca))
    try:
        with urllib.request.urlopen(request, context=context, timeout=5) as response:
            return {"status": response.status, **json.loads(response.read())}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "reason": json.loads(error.read())["error"]["reason"]}


def voter(service: RunningService, index: int = 0) -> str:
    return sample_voters(service.paths.database, "listed_here", index + 1)[index]


def person(service: RunningService, iin: str) -> dict[str, Any]:
    registry = Registry(service.paths.database)
    try:
        found = registry.person(iin)
    finally:
        registry.close()
    assert found is not None
    return found


def outsider(service: RunningService) -> str:
    """A valid IIN of nobody in the registry."""
    registry = Registry(service.paths.database)
    try:
        for serial in range(10_000):
            iin = make_iin(dt.date(1961, 7, 19), "female", serial)
            if iin is not None and registry.person(iin.value) is None:
                return iin.value
    finally:
        registry.close()
    raise AssertionError("every serial is taken")


def scan(payload: str) -> str:
    scanner = SimCodeScanner()
    scanner.show(payload)
    text = scanner.read(timeout=2.0)
    scanner.close()
    assert text is not None
    return text


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_a_shown_code_gives_a_verified_identity(service: RunningService, client: EgovClient) -> None:
    iin = voter(service)
    issued = control(service, {"iin": iin})
    assert issued["status"] == 201
    assert iin not in issued["qr_payload"]  # nothing personal in the QR
    identity = read_digital_document(scan(issued["qr_payload"]), client, service.config.document_issuers, now())
    expected = person(service, iin)
    assert identity.iin.value == iin
    assert identity.source == "digital_document" and identity.by_document
    assert identity.checks_passed == {"issuer_signature", "document_not_expired", "iin_check_digit"}
    assert (identity.surname, identity.given_names) == (expected["surname"], expected["given_name"])
    assert identity.patronymic == (expected["patronymic"] or None)
    assert identity.document_expiry is not None and identity.document_expiry > now().date()


def test_a_code_is_good_once(service: RunningService, client: EgovClient) -> None:
    payload = scan(control(service, {"iin": voter(service, 1)})["qr_payload"])
    issuers = service.config.document_issuers
    read_digital_document(payload, client, issuers, now())
    with pytest.raises(DigitalDocumentCodeRefused) as raised:
        read_digital_document(payload, client, issuers, now())
    assert raised.value.reason == "code_used"
    assert raised.value.translation_key == "document.digital.code_used"


def test_an_expired_code_is_refused(service: RunningService, client: EgovClient) -> None:
    payload = scan(control(service, {"iin": voter(service, 2), "valid_for_seconds": 1})["qr_payload"])
    time.sleep(1.2)
    with pytest.raises(DigitalDocumentCodeRefused) as raised:
        read_digital_document(payload, client, service.config.document_issuers, now())
    assert raised.value.reason == "code_expired"


def test_a_code_never_issued_is_refused(service: RunningService, client: EgovClient) -> None:
    with pytest.raises(DigitalDocumentCodeRefused) as raised:
        read_digital_document("KZDD1:" + encode_code(bytes(range(32))), client, service.config.document_issuers,
                              now())
    assert raised.value.reason == "unknown_code"


def test_a_malformed_code_is_refused_by_the_service_too(client: EgovClient) -> None:
    with pytest.raises(ServiceRejected) as raised:
        client.digital_document("not-a-code")
    assert raised.value.reason == "invalid_code"


def test_a_tampered_document_fails_the_issuer_signature(service: RunningService, client: EgovClient) -> None:
    code = parse_qr_payload(scan(control(service, {"iin": voter(service, 3)})["qr_payload"])).code
    signed = client.digital_document(code)
    issuers = service.config.document_issuers
    verify_digital_document(signed, issuers, now())  # as received it verifies
    surname = signed.document["surname"]
    assert surname
    flipped = chr(ord(surname[0]) ^ 1) + surname[1:]
    tampered = dataclasses.replace(signed, document={**signed.document, "surname": flipped})
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(tampered, issuers, now())


def test_an_unpinned_issuer_is_refused(service: RunningService, client: EgovClient) -> None:
    payload = scan(control(service, {"iin": voter(service, 4)})["qr_payload"])
    other = DocumentIssuerKey.ephemeral()
    with pytest.raises(UnknownDocumentIssuer):
        read_digital_document(payload, client, {other.key_id: other.private_key.public_key()}, now())


def test_the_service_key_is_not_an_issuer_key(service: RunningService, client: EgovClient) -> None:
    config = service.config
    assert set(config.document_issuers).isdisjoint(config.service.service_keys)
    payload = scan(control(service, {"iin": voter(service, 5)})["qr_payload"])
    with pytest.raises(UnknownDocumentIssuer):
        read_digital_document(payload, client, config.service.service_keys, now())


def test_an_expired_document_and_an_expired_presentation(service: RunningService, client: EgovClient) -> None:
    issuers = service.config.document_issuers
    yesterday = (now() - dt.timedelta(days=1)).date().isoformat()
    expired = scan(control(service, {"iin": voter(service, 6), "document_expiry": yesterday})["qr_payload"])
    with pytest.raises(DigitalDocumentExpired):
        read_digital_document(expired, client, issuers, now())
    late = scan(control(service, {"iin": voter(service, 7)})["qr_payload"])
    with pytest.raises(PresentationExpired):
        read_digital_document(late, client, issuers, now() + dt.timedelta(minutes=6))


def test_the_control_endpoint_checks_its_token_and_input(service: RunningService) -> None:
    assert control(service, {"iin": voter(service)}, token="wrong")["status"] == 403
    assert control(service, {"iin": "123"})["reason"] == "invalid_iin"
    assert control(service, {"iin": voter(service), "valid_for_seconds": 0})["reason"] == "invalid_field"
    assert control(service, {"iin": voter(service), "document_expiry": "soon"})["reason"] == "invalid_field"
    assert control(service, {"iin": outsider(service)})["reason"] == "unknown_person"


def test_kiosk_sim_qr_issue_prints_a_payload_and_renders_it(
    service: RunningService, client: EgovClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "code.png"
    assert kiosk_sim(["--home", str(service.paths.root), "qr", "issue", voter(service, 8), "--png", str(png)]) == 0
    payload = capsys.readouterr().out.strip()
    with Image.open(png) as image:
        assert decode_qr(image) == payload
    identity = read_digital_document(payload, client, service.config.document_issuers, now())
    assert identity.iin.value == voter(service, 8)
    assert kiosk_sim(["--home", str(service.paths.root), "qr", "issue", "123456789012"]) == 2
    assert kiosk_sim(["--home", str(tmp_path), "qr", "issue", voter(service)]) == 1

"""Issuing a digital-document code the way a phone app shows it (the service's control endpoint)."""

from __future__ import annotations

import json
import ssl
import urllib.request

from support.egov import RunningService

from kiosk.documents.qr_payload import parse_qr_payload


def issue_code(service: RunningService, iin: str) -> str:
    """A fresh one-time QR payload for the person with ``iin``."""
    request = urllib.request.Request(
        service.base_url + "/_sim/digital-documents", method="POST", data=json.dumps({"iin": iin}).encode(),
        headers={"X-Sim-Control": service.paths.control_token.read_text().strip(),
                 "Content-Type": "application/json"})
    context = ssl.create_default_context(cafile=str(service.paths.ca))
    with urllib.request.urlopen(request, context=context, timeout=5) as response:
        return str(json.loads(response.read())["qr_payload"])


def test_issued_payload_is_a_digital_document_code(service: RunningService) -> None:
    from simulator.egov.population import sample_voters  # noqa: PLC0415

    iin = sample_voters(service.paths.database, "listed_here", 1)[0]
    payload = issue_code(service, iin)
    assert iin not in payload
    assert parse_qr_payload(payload).code

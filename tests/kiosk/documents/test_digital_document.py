"""Verifying a digital document: signature, issuer pinning, expiry and the IIN, with documents signed here by a
test issuer key through the simulator's real signing code."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.core.iin import IinRejection
from kiosk.documents.digital import (
    BadIssuerSignature,
    DigitalDocumentCodeRefused,
    DigitalDocumentError,
    DigitalDocumentExpired,
    DigitalDocumentIinInvalid,
    MalformedDigitalDocument,
    PresentationExpired,
    PresentationNotYetValid,
    UnknownDocumentIssuer,
    canonical_document_bytes,
    read_digital_document,
    verify_digital_document,
)
from kiosk.documents.qr_payload import MalformedQrPayload, format_qr_payload
from kiosk.egov import models
from kiosk.egov.errors import MalformedResponse, ServiceRejected
from simulator.egov.digital_documents import DocumentIssuerKey, signed_document

NOW = dt.datetime(2026, 3, 15, 8, 0, tzinfo=dt.UTC)
PERSON = {"iin": "900101300304", "surname": "Сейтқали", "given_name": "Әсел", "patronymic": None}
ISSUER = DocumentIssuerKey.ephemeral()
PINNED = {ISSUER.key_id: ISSUER.private_key.public_key()}


def signed(person: dict[str, Any] = PERSON, *, now: dt.datetime = NOW, expiry: dt.date | None = None,
           issuer: DocumentIssuerKey = ISSUER) -> models.SignedDigitalDocument:
    """A document as the service would send it, parsed by the client's parser."""
    return models.digital_document(signed_document(person, issuer, now=now, expiry=expiry))


def resigned(document: dict[str, str | None], issuer: DocumentIssuerKey = ISSUER) -> models.SignedDigitalDocument:
    return models.SignedDigitalDocument(document, issuer.key_id, "ecdsa-p256-sha256",
                                        issuer.sign(canonical_document_bytes(document)))


def test_a_good_document_gives_a_verified_identity() -> None:
    identity = verify_digital_document(signed(), PINNED, NOW + dt.timedelta(minutes=1))
    assert identity.source == "digital_document"
    assert identity.iin.value == PERSON["iin"]
    assert identity.surname == "Сейтқали" and identity.given_names == "Әсел" and identity.patronymic is None
    assert identity.checks_passed == {"issuer_signature", "document_not_expired", "iin_check_digit"}
    assert identity.document_number is not None and len(identity.document_number) == 9
    assert identity.document_expiry is not None and identity.document_expiry > NOW.date()
    assert PERSON["iin"] not in repr(identity) and "Сейтқали" not in repr(identity)


@pytest.mark.parametrize("field", ["surname", "iin", "document_expiry", "presentation_expires_at", "patronymic"])
def test_any_changed_field_breaks_the_signature(field: str) -> None:
    original = signed()
    document = dict(original.document)
    document[field] = "900101300314" if field == "iin" else "2099-01-01" if "expir" in field else "Иванов"
    with pytest.raises(BadIssuerSignature) as raised:
        verify_digital_document(dataclasses.replace(original, document=document), PINNED, NOW)
    assert raised.value.translation_key == "document.digital.bad_signature"


def test_an_added_field_or_a_flipped_signature_bit_breaks_the_signature() -> None:
    original = signed()
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(dataclasses.replace(original, document={**original.document, "extra": "x"}),
                                PINNED, NOW)
    flipped = bytes([original.signature[0] ^ 1]) + original.signature[1:]
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(dataclasses.replace(original, signature=flipped), PINNED, NOW)
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(dataclasses.replace(original, signature=original.signature[:-1]), PINNED, NOW)
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(dataclasses.replace(original, algorithm="ecdsa-p384-sha384"), PINNED, NOW)


def test_an_unpinned_issuer_is_refused_even_with_a_valid_signature() -> None:
    stranger = DocumentIssuerKey.ephemeral()
    with pytest.raises(UnknownDocumentIssuer) as raised:
        verify_digital_document(signed(issuer=stranger), PINNED, NOW)
    assert raised.value.translation_key == "document.digital.unknown_issuer"
    with pytest.raises(UnknownDocumentIssuer):
        verify_digital_document(signed(), {}, NOW)  # a configuration that pins no issuer


def test_a_key_id_borrowed_from_a_pinned_issuer_does_not_help() -> None:
    stranger = DocumentIssuerKey.ephemeral()
    forged = signed(issuer=stranger)
    forged = dataclasses.replace(forged, key_id=ISSUER.key_id)
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(forged, PINNED, NOW)
    renamed = dict(forged.document, issuer=ISSUER.key_id)
    with pytest.raises(BadIssuerSignature):
        verify_digital_document(resigned(renamed, stranger), {ISSUER.key_id: ISSUER.private_key.public_key(),
                                                             stranger.key_id: stranger.private_key.public_key()}, NOW)


def test_an_expired_presentation_is_refused() -> None:
    with pytest.raises(PresentationExpired) as raised:
        verify_digital_document(signed(), PINNED, NOW + dt.timedelta(minutes=5))
    assert raised.value.translation_key == "document.digital.presentation_expired"


def test_a_presentation_from_the_future_is_refused() -> None:
    with pytest.raises(PresentationNotYetValid):
        verify_digital_document(signed(now=NOW + dt.timedelta(minutes=10)), PINNED, NOW)
    verify_digital_document(signed(now=NOW + dt.timedelta(minutes=1)), PINNED, NOW)  # small skew is fine


def test_an_expired_document_is_refused_but_one_expiring_today_is_not() -> None:
    with pytest.raises(DigitalDocumentExpired) as raised:
        verify_digital_document(signed(expiry=NOW.date() - dt.timedelta(days=1)), PINNED, NOW)
    assert raised.value.translation_key == "document.digital.document_expired"
    assert verify_digital_document(signed(expiry=NOW.date()), PINNED, NOW).document_expiry == NOW.date()


def test_an_iin_failing_its_check_digit_is_refused() -> None:
    bad = dict(PERSON, iin="900101300305")
    with pytest.raises(DigitalDocumentIinInvalid) as raised:
        verify_digital_document(signed(bad), PINNED, NOW)
    assert raised.value.reason is IinRejection.CHECK_DIGIT_MISMATCH
    assert raised.value.translation_key == "document.digital.iin_invalid"
    assert "900101300305" not in raised.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [("format", "kz-digital-document/2"), ("surname", ""), ("given_names", None), ("issued_at", "yesterday"),
     ("presentation_expires_at", "2026-03-15T08:05:00"), ("document_expiry", "15.03.2030"), ("iin", None)],
)
def test_signed_but_malformed_documents_are_refused(field: str, value: str | None) -> None:
    document = dict(signed().document)
    document[field] = value
    with pytest.raises(MalformedDigitalDocument):
        verify_digital_document(resigned(document), PINNED, NOW)


def test_now_must_carry_a_time_zone() -> None:
    with pytest.raises(ValueError):
        verify_digital_document(signed(), PINNED, NOW.replace(tzinfo=None))


class OneDocumentService:
    """A DigitalDocumentService answering from a fixed document or refusal (the real one is tested against the
    simulated HTTPS service in test_digital_document_service.py)."""

    def __init__(self, answer: models.SignedDigitalDocument | ServiceRejected) -> None:
        self.answer = answer
        self.codes: list[str] = []

    def digital_document(self, code: str) -> models.SignedDigitalDocument:
        self.codes.append(code)
        if isinstance(self.answer, ServiceRejected):
            raise self.answer
        return self.answer


def test_read_parses_the_payload_before_asking_the_service() -> None:
    service = OneDocumentService(signed())
    with pytest.raises(MalformedQrPayload):
        read_digital_document("KZDD1:short", service, PINNED, NOW)
    assert service.codes == []
    payload = format_qr_payload(bytes(32))
    assert read_digital_document(payload, service, PINNED, NOW).iin.value == PERSON["iin"]
    assert service.codes == [payload[6:]]


@pytest.mark.parametrize("reason", ["unknown_code", "code_used", "code_expired"])
def test_code_refusals_become_document_errors_with_their_reason(reason: str) -> None:
    service = OneDocumentService(ServiceRejected("refused", http_status=410, reason=reason))
    with pytest.raises(DigitalDocumentCodeRefused) as raised:
        read_digital_document(format_qr_payload(bytes(32)), service, PINNED, NOW)
    assert raised.value.reason == reason
    assert raised.value.translation_key == f"document.digital.{reason}"


def test_other_service_refusals_pass_through() -> None:
    service = OneDocumentService(ServiceRejected("refused", http_status=401, reason="unknown_key"))
    with pytest.raises(ServiceRejected):
        read_digital_document(format_qr_payload(bytes(32)), service, PINNED, NOW)


@pytest.mark.parametrize(
    "answer",
    [None, [], {"document": {}}, {"document": {"a": 1}, "signature": {}}, {"document": {"a": "x" * 501}},
     {"document": {str(n): "x" for n in range(40)}},
     {"document": {}, "signature": {"key_id": "k", "algorithm": "a", "value": "é"}},
     {"document": {}, "signature": {"key_id": "k", "algorithm": "a", "value": "A" * 300}}],
)
def test_the_client_parser_refuses_answers_outside_the_contract(answer: Any) -> None:
    with pytest.raises(MalformedResponse):
        models.digital_document(answer)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["format", "issuer", "iin", "surname", "given_names", "document_kind",
                                        "document_number", "document_expiry", "issued_at",
                                        "presentation_expires_at", "patronymic", "other"]),
                       st.one_of(st.none(), st.text(max_size=40))))
def test_any_signed_document_is_an_identity_or_a_typed_refusal(document: dict[str, str | None]) -> None:
    document = {**document, "issuer": ISSUER.key_id}
    try:
        candidate = resigned(document)
    except ValueError:
        return  # lone surrogates cannot be signed at all
    with contextlib.suppress(DigitalDocumentError):
        verify_digital_document(candidate, PINNED, NOW)


def test_issuer_key_is_p256() -> None:
    assert isinstance(ISSUER.private_key.curve, ec.SECP256R1)

"""The commission's signed documents: the reasoned refusal as an A5 PDF (PAdES), and detached CMS signatures.

The refusal states the station, the member, the time, the voter's name and IIN (the document is the voter's
own copy and is meant to carry them), the reason from the fixed list, the commission's free text and the
decision number, in Kazakh or Russian as the voter chooses. It is laid out as a ``Printout`` (rendered on A5 by
``drivers.printer.pdf``) and signed with the device key as a PAdES baseline signature (ETSI EN 319 142-1,
SubFilter ETSI.CAdES.detached) by pyHanko through :class:`KeyStoreSigner`, whose raw signature comes from
``KeyStore.sign`` (ECDSA P-256 / SHA-256, raw ``r || s``, turned into the DER ``ECDSA-Sig-Value`` of RFC 3279
section 2.2.3 that CMS carries).

Other files (the end-of-day CSV) get a detached CMS SignedData (RFC 5652 section 5) built with asn1crypto and
signed by the same key: :func:`sign_detached`; ``openssl cms -verify -binary -content FILE`` verifies it.

The device certificate is passed in: on a station it is the one issued at enrollment; the simulator and the
tests use :func:`self_issued_device_certificate`, a certificate the device key signs for itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from typing import Any

from asn1crypto import algos, cms, keys, pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import Signer

from drivers.keystore import KeyStore
from drivers.printer.pdf import render_pdf
from drivers.printer.printout import Block, KeyValue, Paragraph, Printout, Separator, Title
from kiosk.core.commission_reasons import REFUSAL_REASON_KEYS
from kiosk.core.commission_session_events import RefusalLanguage, RefusalRecord
from kiosk.errors import KioskError
from kiosk.printouts import Translate

P256_COORDINATE_BYTES = 32
SIGNATURE_FIELD = "DeviceSignature"
DEVICE_CERTIFICATE_VALIDITY = dt.timedelta(days=2 * 365)

DOCUMENT_KEYS: tuple[str, ...] = (
    "commission.refusal.title",
    "commission.refusal.intro",
    "commission.refusal.decision_number",
    "commission.refusal.station",
    "commission.refusal.member",
    "commission.refusal.decided_at",
    "commission.refusal.voter",
    "commission.refusal.iin",
    "commission.refusal.reason",
    "commission.refusal.text",
    "commission.refusal.signed",
)
"""Every translation key the refusal document uses (the reasons' keys are in REFUSAL_REASON_KEYS)."""


class SigningError(KioskError):
    """The device key did not give a usable signature for a document."""

    translation_key = "commission.document.signing_failed"


def raw_to_der_signature(raw: bytes) -> bytes:
    """``r || s`` (64 bytes for P-256) as the DER ``ECDSA-Sig-Value`` (RFC 3279 section 2.2.3)."""
    if len(raw) != 2 * P256_COORDINATE_BYTES:
        raise SigningError("the device key's signature is not 64 bytes of r || s")
    r = int.from_bytes(raw[:P256_COORDINATE_BYTES], "big")
    s = int.from_bytes(raw[P256_COORDINATE_BYTES:], "big")
    return encode_dss_signature(r, s)


# --- the device certificate ---------------------------------------------------------------------------------


def self_issued_device_certificate(
    keystore: KeyStore, *, station: int, now: dt.datetime | None = None
) -> asn1_x509.Certificate:
    """A certificate for the device key, signed by that key itself (simulator and tests; see the module doc).

    Subject and issuer: CN "Polling kiosk <key id>", O "Station <number>". ECDSA with SHA-256.
    """
    moment = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    name = asn1_x509.Name.build({
        "common_name": f"Polling kiosk {keystore.key_id}",
        "organization_name": f"Station {station}",
        "country_name": "KZ",
    })
    public_key = keys.PublicKeyInfo.load(
        keystore.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    key_identifier = hashlib.sha1(public_key["public_key"].contents).digest()  # noqa: S324  (RFC 5280 4.2.1.2 method 1)
    signature_algorithm = algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    tbs = asn1_x509.TbsCertificate({
        "version": "v3",
        "serial_number": int.from_bytes(secrets.token_bytes(16), "big") >> 1,
        "signature": signature_algorithm,
        "issuer": name,
        "validity": {
            "not_before": asn1_x509.Time({"utc_time": moment - dt.timedelta(days=1)}),
            "not_after": asn1_x509.Time({"utc_time": moment + DEVICE_CERTIFICATE_VALIDITY}),
        },
        "subject": name,
        "subject_public_key_info": public_key,
        "extensions": [
            {"extn_id": "basic_constraints", "critical": True, "extn_value": {"ca": True}},
            {"extn_id": "key_usage", "critical": True,
             "extn_value": {"digital_signature", "non_repudiation", "key_cert_sign"}},
            {"extn_id": "key_identifier", "critical": False, "extn_value": key_identifier},
        ],
    })
    signature = raw_to_der_signature(keystore.sign(tbs.dump()))
    return asn1_x509.Certificate({
        "tbs_certificate": tbs, "signature_algorithm": signature_algorithm, "signature_value": signature
    })


# --- PAdES through pyHanko -------------------------------------------------------------------------------------


class KeyStoreSigner(Signer):
    """A pyHanko signer whose private-key operation is ``KeyStore.sign`` (ECDSA P-256 / SHA-256 only)."""

    def __init__(self, keystore: KeyStore, certificate: asn1_x509.Certificate) -> None:
        super().__init__(
            signing_cert=certificate,
            signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        )
        self._keystore = keystore

    async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run: bool = False) -> bytes:
        """Sign ``data`` (the DER signed attributes); KeyStore hashes with SHA-256 itself."""
        if digest_algorithm.lower() != "sha256":
            raise SigningError("the device key signs with SHA-256 only")
        if dry_run:
            # pyHanko asks for a placeholder of the right size first: a DER signature is at most 72 bytes.
            return bytes(72)
        return raw_to_der_signature(self._keystore.sign(data))


def sign_pdf(pdf: bytes, keystore: KeyStore, certificate: asn1_x509.Certificate, *, reason: str) -> bytes:
    """``pdf`` with a PAdES B-B signature by the device key in an invisible field :data:`SIGNATURE_FIELD`."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
    )
    output = signers.sign_pdf(writer, metadata, signer=KeyStoreSigner(keystore, certificate))
    return output.getvalue()


# --- the refusal ---------------------------------------------------------------------------------------------


def refusal_printout(record: RefusalRecord, *, language: RefusalLanguage, translate: Translate) -> Printout:
    """The reasoned refusal, laid out for A5 in ``language`` (the voter's choice: Kazakh or Russian)."""
    voter = record.voter
    voter_name = " ".join(part for part in (voter.surname, voter.given_names, voter.patronymic) if part) or "—"
    station = record.station
    blocks: list[Block] = [
        Title(translate("commission.refusal.title")),
        Paragraph(translate("commission.refusal.intro", station=station.number), align="center"),
        Separator(),
        KeyValue(translate("commission.refusal.decision_number"), record.decision_number, emphasis=True),
        KeyValue(translate("commission.refusal.station"), f"{station.number}, {station.address.in_language(language)}"),
        KeyValue(translate("commission.refusal.member"), f"{record.member.display_name} ({record.member.commission})"),
        KeyValue(translate("commission.refusal.decided_at"), _when(record.decided_at_iso)),
        KeyValue(translate("commission.refusal.voter"), voter_name),
        KeyValue(translate("commission.refusal.iin"), voter.iin.value),
        Separator(),
        KeyValue(translate("commission.refusal.reason"), translate(REFUSAL_REASON_KEYS[record.reason]), emphasis=True),
        KeyValue(translate("commission.refusal.text"), record.text),
        Separator(),
        Paragraph(translate("commission.refusal.signed"), size="small"),
    ]
    return Printout(kind="commission_refusal", language=language, blocks=tuple(blocks))


def refusal_document(
    record: RefusalRecord,
    *,
    language: RefusalLanguage,
    translate: Translate,
    keystore: KeyStore,
    certificate: asn1_x509.Certificate,
) -> bytes:
    """The signed A5 PDF of the refusal in ``language``."""
    pdf = render_pdf(refusal_printout(record, language=language, translate=translate), paper="A5")
    return sign_pdf(pdf, keystore, certificate, reason=f"Decision {record.decision_number}")


def _when(iso_moment: str) -> str:
    moment = dt.datetime.fromisoformat(iso_moment)
    return moment.strftime("%d.%m.%Y %H:%M") + (f" (UTC{moment.strftime('%z')[:3]})" if moment.tzinfo else "")


# --- detached CMS --------------------------------------------------------------------------------------------------


def sign_detached(data: bytes, keystore: KeyStore, certificate: asn1_x509.Certificate, *,
                  signing_time: dt.datetime | None = None) -> bytes:
    """A DER CMS SignedData (RFC 5652) over ``data``, detached, signed by the device key, with its certificate.

    Signed attributes: content type, message digest (SHA-256) and signing time (RFC 5652 section 11).
    """
    moment = (signing_time or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    signed_attributes = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(data).digest()]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": moment})]}),
    ])
    # RFC 5652 section 5.4: the signature covers the DER of the attributes with an explicit SET OF tag.
    signature = raw_to_der_signature(keystore.sign(signed_attributes.dump()))
    signer_info: dict[str, Any] = {
        "version": "v1",
        "sid": cms.SignerIdentifier({
            "issuer_and_serial_number": cms.IssuerAndSerialNumber({
                "issuer": certificate.issuer, "serial_number": certificate.serial_number,
            })
        }),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signed_attrs": signed_attributes,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        "signature": signature,
    }
    signed_data = cms.SignedData({
        "version": "v1",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "data"},
        "certificates": [certificate],
        "signer_infos": [cms.SignerInfo(signer_info)],
    })
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def certificate_pem(certificate: asn1_x509.Certificate) -> bytes:
    """The certificate in PEM (for a verifier's trust file)."""
    return bytes(pem.armor("CERTIFICATE", certificate.dump()))

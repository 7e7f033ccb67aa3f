"""The signed refusal (PAdES, verified by pyHanko's validator) and detached CMS (verified by openssl cms)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from drivers.keystore.keyfile import FileKeyStore
from kiosk.commission_documents import (
    SIGNATURE_FIELD,
    SigningError,
    certificate_pem,
    raw_to_der_signature,
    refusal_document,
    refusal_printout,
    self_issued_device_certificate,
    sign_detached,
)
from kiosk.core.commission_auth import MemberIdentity
from kiosk.core.commission_session_events import RefusalRecord
from kiosk.core.identity import REQUIRED_CHECKS, Identity
from kiosk.core.iin import parse_iin
from kiosk.core.registration import Localized, Station
from kiosk.i18n.translator import Translator

STATION = Station(
    number=101, region="Қызылорда облысы",
    address=Localized("Қызылорда қ., Әйтеке би к-сі, 12", "г. Кызылорда, ул. Айтеке би, 12", "12 Aiteke bi St"),
    directions=Localized("", "", ""), opens="07:00", closes="20:00", offers_temporary_registration=False,
    commission_desk=2,
)
VOTER = Identity(iin=parse_iin("900101301233"), source="id_card", checks_passed=REQUIRED_CHECKS["id_card"],
                 surname="СЕЙТҚАЛИЕВ", given_names="ӘЛИХАН", patronymic="БАУЫРЖАНҰЛЫ")
MEMBER = MemberIdentity(parse_iin("850714400420"), "ИВАНОВА", "АННА", "secretary", "PEC 101", "1a2b")
RECORD = RefusalRecord(
    station=STATION, member=MEMBER, decided_at_iso="2024-03-17T10:42:00+05:00", voter=VOTER,
    reason="address_outside_boundaries",
    text="Тіркелген мекенжайы №117 учаскенің шекарасында. Адрес регистрации в границах участка № 117.",
    decision_number="LD-101-00007",
)


@pytest.fixture(scope="module")
def keystore() -> FileKeyStore:
    return FileKeyStore(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="module")
def certificate(keystore: FileKeyStore) -> asn1_x509.Certificate:
    return self_issued_device_certificate(keystore, station=101)


def validate(pdf: bytes, trust: asn1_x509.Certificate):  # type: ignore[no-untyped-def]
    reader = PdfFileReader(io.BytesIO(pdf))
    (signature,) = reader.embedded_signatures
    assert signature.field_name == SIGNATURE_FIELD
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[trust]))


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_refusal_pdf_is_signed_and_renders(
    language: str, keystore: FileKeyStore, certificate: asn1_x509.Certificate, tmp_path: Path
) -> None:
    translate = Translator(language, strict=True)  # type: ignore[arg-type]
    pdf = refusal_document(RECORD, language=language, translate=translate, keystore=keystore,  # type: ignore[arg-type]
                           certificate=certificate)
    status = validate(pdf, certificate)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert status.md_algorithm == "sha256"
    # The document says what it must (text extraction through poppler, independent of our layout code).
    pdf_path = tmp_path / f"refusal-{language}.pdf"
    pdf_path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, check=True).stdout
    extracted = text.decode("utf-8")
    for expected in ("LD-101-00007", "900101301233", "СЕЙТҚАЛИЕВ", "ИВАНОВА", "17.03.2024 10:42", "101",
                     translate("commission.reason.address_outside_boundaries"), "№117"):
        assert expected in extracted, expected
    # A5 and rendered: pdftoppm gives a PNG of 148 x 210 mm.
    subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf_path), str(tmp_path / language)],
                   check=True)
    with Image.open(tmp_path / f"{language}.png") as image:
        width, height = image.size
    assert abs(width - 583) <= 2 and abs(height - 827) <= 2  # 148 x 210 mm at 100 dpi
    keep = Path("/tmp/commission-refusal-previews")
    keep.mkdir(exist_ok=True)
    shutil.copy(tmp_path / f"{language}.png", keep / f"{language}.png")


def test_refusal_printout_holds_every_field() -> None:
    printout = refusal_printout(RECORD, language="ru", translate=Translator("ru", strict=True))
    texts = " ".join(printout.texts())
    assert "Мотивированное решение" in texts and "Адрес регистрации за пределами границ участка" in texts
    assert printout.kind == "commission_refusal" and printout.language == "ru"


def test_a_changed_pdf_no_longer_verifies(keystore: FileKeyStore, certificate: asn1_x509.Certificate) -> None:
    pdf = refusal_document(RECORD, language="ru", translate=Translator("ru", strict=True), keystore=keystore,
                           certificate=certificate)
    position = pdf.index(b"/MediaBox")  # inside the signed byte range
    tampered = pdf[:position] + b"/MediaBoy" + pdf[position + len(b"/MediaBox"):]
    assert not validate(tampered, certificate).intact


def test_another_trust_root_is_not_trusted(keystore: FileKeyStore, certificate: asn1_x509.Certificate) -> None:
    pdf = refusal_document(RECORD, language="kk", translate=Translator("kk", strict=True), keystore=keystore,
                           certificate=certificate)
    stranger = self_issued_device_certificate(FileKeyStore(ec.generate_private_key(ec.SECP256R1())), station=101)
    status = validate(pdf, stranger)
    assert status.intact and not status.trusted and not status.bottom_line


def openssl_verify(data: Path, signature: Path, trust: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(signature), "-content", str(data),
         "-CAfile", str(trust), "-purpose", "any", "-out", "/dev/null"],
        capture_output=True, check=False,
    )


def test_detached_cms_verifies_with_openssl(
    keystore: FileKeyStore, certificate: asn1_x509.Certificate, tmp_path: Path
) -> None:
    data = b"decision_number,outcome\r\nLD-101-00007,refusal_recorded\r\n"
    (tmp_path / "data.csv").write_bytes(data)
    (tmp_path / "data.csv.p7s").write_bytes(sign_detached(data, keystore, certificate))
    (tmp_path / "device.pem").write_bytes(certificate_pem(certificate))
    result = openssl_verify(tmp_path / "data.csv", tmp_path / "data.csv.p7s", tmp_path / "device.pem")
    assert result.returncode == 0, result.stderr
    (tmp_path / "data.csv").write_bytes(data.replace(b"refusal_recorded", b"included"))
    assert openssl_verify(tmp_path / "data.csv", tmp_path / "data.csv.p7s", tmp_path / "device.pem").returncode != 0


def test_raw_signature_conversion_refuses_a_wrong_length() -> None:
    with pytest.raises(SigningError):
        raw_to_der_signature(b"\x01" * 63)
    assert raw_to_der_signature(b"\x00" * 31 + b"\x01" + b"\x00" * 31 + b"\x02") == bytes.fromhex("3006020101020102")


def test_the_device_certificate_is_self_issued_for_the_key(
    keystore: FileKeyStore, certificate: asn1_x509.Certificate
) -> None:
    loaded = x509.load_der_x509_certificate(certificate.dump())
    loaded.verify_directly_issued_by(loaded)
    assert loaded.public_key() == keystore.public_key()
    later = self_issued_device_certificate(keystore, station=101, now=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert later.serial_number != certificate.serial_number
    assert dataclasses.is_dataclass(RECORD)

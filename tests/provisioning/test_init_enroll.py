"""kiosk-provision init and enroll against a real SoftHSM2 token and the running simulated service."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from support.egov import RunningService
from support.softhsm import SoftHsmToken, softhsm_token

from drivers.keystore import KeyStore, KeyStoreError
from drivers.keystore.keyfile import FileKeyStore
from drivers.keystore.pkcs11 import Pkcs11Token
from kiosk.core.iin import parse_iin
from kiosk.egov.client import EgovClient, RetryPolicy
from kiosk.egov.errors import ServiceRejected
from provisioning import cli as provisioning_cli
from provisioning.enroll_commands import enroll_device
from provisioning.init_commands import EXIT_KEY, EXIT_OK, EXIT_UNREACHABLE, EXIT_USAGE, build_csr
from simulator import cli as simulator_cli
from simulator.egov.population import sample_voters
from simulator.egov.registry import Registry

EXIT_FAILURE = 1


@pytest.fixture
def softhsm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SoftHsmToken]:
    yield from softhsm_token(tmp_path / "softhsm", monkeypatch)


@pytest.fixture
def pin_file(softhsm: SoftHsmToken, tmp_path: Path) -> Path:
    return softhsm.write_pin_file(tmp_path / "pin")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    """Run kiosk-provision in this process; the exit code, stdout parsed as JSON (or text), stderr."""
    code = provisioning_cli.main(list(argv))
    captured = capsys.readouterr()
    try:
        output: Any = json.loads(captured.out)
    except json.JSONDecodeError:
        output = captured.out
    return code, output, captured.err


def _token_options(softhsm: SoftHsmToken, pin_file: Path, *extra: str) -> list[str]:
    return ["--token", softhsm.label, "--pin-file", str(pin_file), "--module", str(softhsm.module), *extra]


def _init(capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
          key_label: str = "kiosk-device") -> dict[str, Any]:
    code, output, error = _run(capsys, "init", *_token_options(softhsm, pin_file, "--key-label", key_label),
                               "--csr", str(tmp_path / f"{key_label}.csr.pem"), "--json")
    assert code == EXIT_OK, error
    assert isinstance(output, dict)
    return output


def _enrollment_code(capsys: pytest.CaptureFixture[str], service: RunningService, station: int) -> str:
    assert simulator_cli.main(["--home", str(service.paths.root), "egov", "enrollment-code", "--station",
                               str(station)]) == 0
    return capsys.readouterr().out.strip()


def _enroll_options(service: RunningService, code: str, station: int | None = None) -> list[str]:
    return ["enroll", "--service", service.base_url, "--ca", str(service.paths.ca), "--station",
            str(service.station if station is None else station), "--code", code]


def _client(service: RunningService, key: KeyStore) -> EgovClient:
    config = service.config
    return EgovClient(base_url=service.base_url, signer=key, service_keys=config.service.service_keys,
                      ca_file=str(config.service.ca_file), station=service.station,
                      policy=RetryPolicy(attempts=1))


def _listed_here(service: RunningService) -> str:
    (iin,) = sample_voters(service.paths.database, "listed_here", 1, station=service.station)
    return str(iin)


# --- init ------------------------------------------------------------------------------------------------


def test_init_creates_the_key_in_the_token_and_a_csr_signed_by_it(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path
) -> None:
    result = _init(capsys, softhsm, pin_file, tmp_path)
    assert result["store"] == "pkcs11" and result["token"] == softhsm.label and result["key_label"] == "kiosk-device"
    csr = x509.load_pem_x509_csr(Path(result["csr_path"]).read_bytes())
    assert csr.is_signature_valid
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == result["key_id"]
    key_usage = csr.extensions.get_extension_for_class(x509.KeyUsage)
    assert key_usage.critical and key_usage.value.digital_signature and not key_usage.value.key_cert_sign
    assert csr.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        key = token.key("kiosk-device")
        assert key.key_id == result["key_id"]
        assert csr.public_key() == key.public_key()
        assert result["public_key_pem"] == key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()


def test_init_refuses_a_second_key_under_the_same_label(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path
) -> None:
    first = _init(capsys, softhsm, pin_file, tmp_path)
    code, output, error = _run(capsys, "init", *_token_options(softhsm, pin_file), "--csr",
                               str(tmp_path / "again.pem"), "--json")
    assert code == EXIT_KEY
    assert output["error"]["reason"] == "keystore.duplicate_key"
    assert error.count("\n") == 1 and "already in the token" in error
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        assert token.key_labels() == ["kiosk-device"]
        assert token.key().key_id == first["key_id"]


def test_init_plain_text_output(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path
) -> None:
    code, output, _ = _run(capsys, "init", *_token_options(softhsm, pin_file), "--csr", str(tmp_path / "d.pem"))
    assert code == EXIT_OK
    assert output.startswith("device key dev-") and output.count("\n") == 1


@pytest.mark.parametrize(
    ("case", "expected_code", "expected_reason"),
    [
        ("wrong_pin", EXIT_KEY, "keystore.wrong_pin"),
        ("unknown_token", EXIT_KEY, "keystore.token_not_found"),
        ("missing_module", EXIT_KEY, "keystore.module_missing"),
        ("missing_pin_file", EXIT_USAGE, "usage"),
        ("empty_pin_file", EXIT_USAGE, "usage"),
        ("no_token_option", EXIT_USAGE, "usage"),
        ("key_file_without_no_token", EXIT_USAGE, "usage"),
        ("no_token_with_token", EXIT_USAGE, "usage"),
        ("no_token_without_passphrase", EXIT_USAGE, "usage"),
    ],
)
def test_init_failures_have_a_code_and_one_line(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    case: str, expected_code: int, expected_reason: str,
) -> None:
    wrong = softhsm.write_pin_file(tmp_path / "wrong-pin", "999999")
    empty = tmp_path / "empty"
    empty.write_text("\n")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")
    arguments = {
        "wrong_pin": _token_options(softhsm, wrong),
        "unknown_token": ["--token", "nope", "--pin-file", str(pin_file), "--module", str(softhsm.module)],
        "missing_module": [*_token_options(softhsm, pin_file)[:-2], "--module", str(tmp_path / "none.so")],
        "missing_pin_file": _token_options(softhsm, tmp_path / "absent"),
        "empty_pin_file": _token_options(softhsm, empty),
        "no_token_option": [],
        "key_file_without_no_token": ["--key-file", str(tmp_path / "k.pem"), "--passphrase-file", str(passphrase)],
        "no_token_with_token": ["--no-token", *_token_options(softhsm, pin_file), "--key-file", str(tmp_path / "k")],
        "no_token_without_passphrase": ["--no-token", "--key-file", str(tmp_path / "k.pem")],
    }[case]
    code, output, error = _run(capsys, "init", *arguments, "--csr", str(tmp_path / "x.pem"), "--json")
    assert code == expected_code
    assert output["error"]["reason"] == expected_reason
    assert error.startswith("kiosk-provision: ") and error.count("\n") == 1
    assert softhsm.pin not in error and "999999" not in error
    assert not (tmp_path / "x.pem").exists()


def test_init_with_a_key_file_only_when_asked(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")
    key_file = tmp_path / "device.pem"
    code, output, error = _run(capsys, "init", "--no-token", "--key-file", str(key_file), "--passphrase-file",
                               str(passphrase), "--csr", str(tmp_path / "csr.pem"), "--json")
    assert code == EXIT_OK, error
    assert output["store"] == "keyfile" and output["token"] is None
    assert b"ENCRYPTED PRIVATE KEY" in key_file.read_bytes()
    key = FileKeyStore.open(key_file, b"correct horse")
    assert key.key_id == output["key_id"]
    csr = x509.load_pem_x509_csr(Path(output["csr_path"]).read_bytes())
    assert csr.is_signature_valid and csr.public_key() == key.public_key()
    # Never overwrites an existing key file.
    code, output, _ = _run(capsys, "init", "--no-token", "--key-file", str(key_file), "--passphrase-file",
                           str(passphrase), "--csr", str(tmp_path / "csr2.pem"), "--json")
    assert code == EXIT_KEY and output["error"]["reason"] == "keystore.exists"


def test_build_csr_rejects_a_signer_that_signs_wrongly() -> None:
    class WrongSigner:
        """Signs with a key other than the one it claims."""

        def __init__(self) -> None:
            self._claimed = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
            self._actual = FileKeyStore(ec.generate_private_key(ec.SECP256R1()))
            self.key_id = self._claimed.key_id

        def public_key(self) -> ec.EllipticCurvePublicKey:
            return self._claimed.public_key()

        def sign(self, data: bytes) -> bytes:
            return self._actual.sign(data)

    with pytest.raises(KeyStoreError) as raised:
        build_csr(WrongSigner())
    assert raised.value.translation_key == "provisioning.csr_invalid"


# --- enroll, end to end -------------------------------------------------------------------------------------


def test_init_enroll_then_the_service_accepts_the_token_key_only(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    service: RunningService,
) -> None:
    initialised = _init(capsys, softhsm, pin_file, tmp_path)
    code_text = _enrollment_code(capsys, service, service.station)

    exit_code, output, error = _run(capsys, *_enroll_options(service, code_text),
                                    *_token_options(softhsm, pin_file), "--json")
    assert exit_code == EXIT_OK, error
    assert output["key_id"] == initialised["key_id"] and output["station"] == service.station
    assert set(output["service_keys"]) == set(service.config.service.service_keys)

    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        client = _client(service, token.key())
        try:
            assert client.registration_check(parse_iin(_listed_here(service))).status == "listed_here"
            assert client.health().device_recognised
        finally:
            client.close()
        # Another key in the same token, never enrolled: refused as unknown.
        stranger = token.generate_key("not-enrolled")
        client = _client(service, stranger)
        try:
            with pytest.raises(ServiceRejected) as refused:
                client.registration_check(parse_iin(_listed_here(service)))
            assert refused.value.reason == "unknown_key" and refused.value.http_status == 401
        finally:
            client.close()

    # The code is spent: a second enrolment with it is refused, for this key or any other.
    exit_code, output, error = _run(capsys, *_enroll_options(service, code_text),
                                    *_token_options(softhsm, pin_file, "--key-label", "not-enrolled"), "--json")
    assert exit_code == EXIT_FAILURE
    assert output["error"]["reason"] == "rejected.bad_enrollment_code"
    assert error.count("\n") == 1 and code_text not in error


def test_enroll_prints_the_key_id(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    service: RunningService,
) -> None:
    initialised = _init(capsys, softhsm, pin_file, tmp_path)
    code_text = _enrollment_code(capsys, service, service.station)
    exit_code, output, _ = _run(capsys, *_enroll_options(service, code_text), *_token_options(softhsm, pin_file))
    assert exit_code == EXIT_OK
    assert output == initialised["key_id"] + "\n"


def test_a_code_for_another_station_or_a_made_up_code_is_refused(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    service: RunningService,
) -> None:
    _init(capsys, softhsm, pin_file, tmp_path)
    other_station = next(number for number in _stations(service) if number != service.station)
    code_text = _enrollment_code(capsys, service, other_station)
    for code in (code_text, "NOT-A-CODE"):
        exit_code, output, _ = _run(capsys, *_enroll_options(service, code), *_token_options(softhsm, pin_file),
                                    "--json")
        assert exit_code == EXIT_FAILURE
        assert output["error"]["reason"] == "rejected.bad_enrollment_code"
    # The other station's code is still good for that station.
    exit_code, output, _ = _run(capsys, *_enroll_options(service, code_text, other_station),
                                *_token_options(softhsm, pin_file), "--json")
    assert exit_code == EXIT_OK and output["station"] == other_station


def _stations(service: RunningService) -> list[int]:
    registry = Registry(service.paths.database)
    try:
        return registry.station_numbers()
    finally:
        registry.close()


def test_enroll_with_a_missing_key_or_wrong_pin(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    service: RunningService,
) -> None:
    code_text = _enrollment_code(capsys, service, service.station)
    exit_code, output, _ = _run(capsys, *_enroll_options(service, code_text), *_token_options(softhsm, pin_file),
                                "--json")
    assert exit_code == EXIT_KEY and output["error"]["reason"] == "keystore.key_missing"
    wrong = softhsm.write_pin_file(tmp_path / "wrong", "135791")
    exit_code, output, _ = _run(capsys, *_enroll_options(service, code_text), *_token_options(softhsm, wrong),
                                "--json")
    assert exit_code == EXIT_KEY and output["error"]["reason"] == "keystore.wrong_pin"


def test_enroll_refuses_a_service_outside_the_given_ca(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    service: RunningService,
) -> None:
    _init(capsys, softhsm, pin_file, tmp_path)
    code_text = _enrollment_code(capsys, service, service.station)
    other_ca = tmp_path / "other-ca.pem"
    other_ca.write_bytes(_self_signed_ca().public_bytes(serialization.Encoding.PEM))
    arguments = _enroll_options(service, code_text)
    arguments[arguments.index("--ca") + 1] = str(other_ca)
    exit_code, output, error = _run(capsys, *arguments, *_token_options(softhsm, pin_file), "--json")
    assert exit_code == EXIT_UNREACHABLE
    assert output["error"]["reason"] == "service.unreachable" and "TLS" in error
    # Plain http is refused before anything is sent.
    arguments = _enroll_options(service, code_text)
    arguments[arguments.index("--service") + 1] = service.base_url.replace("https://", "http://")
    exit_code, _, _ = _run(capsys, *arguments, *_token_options(softhsm, pin_file), "--json")
    assert exit_code == EXIT_USAGE
    # The code was never consumed.
    exit_code, _, _ = _run(capsys, *_enroll_options(service, code_text), *_token_options(softhsm, pin_file))
    assert exit_code == EXIT_OK


def _self_signed_ca() -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Not the simulator's CA")])
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def test_rotation_enrols_the_new_key_then_destroys_the_old(
    capsys: pytest.CaptureFixture[str], softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path,
    service: RunningService,
) -> None:
    _init(capsys, softhsm, pin_file, tmp_path, key_label="device-1")
    assert _run(capsys, *_enroll_options(service, _enrollment_code(capsys, service, service.station)),
                *_token_options(softhsm, pin_file, "--key-label", "device-1"))[0] == EXIT_OK
    second_code = _enrollment_code(capsys, service, service.station)
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        rotation = token.begin_rotation("device-1", "device-2")
        enrollment = enroll_device(rotation.new, base_url=service.base_url, ca_file=str(service.paths.ca),
                                   station=service.station, code=second_code)
        assert enrollment.key_id == rotation.new.key_id
        current = rotation.complete()
        assert token.key_labels() == ["device-2"]
        client = _client(service, current)
        try:
            assert client.registration_check(parse_iin(_listed_here(service))).status == "listed_here"
        finally:
            client.close()


def test_the_installed_command_runs_in_its_own_process(
    softhsm: SoftHsmToken, pin_file: Path, tmp_path: Path
) -> None:
    # The same path a technician takes: a fresh process that loads SoftHSM2 from SOFTHSM2_CONF itself.
    completed = subprocess.run(
        [sys.executable, "-c", "import sys; from provisioning.cli import main; sys.exit(main())", "init",
         *_token_options(softhsm, pin_file), "--csr", str(tmp_path / "csr.pem"), "--json"],
        capture_output=True, text=True, timeout=60, env={**os.environ}, check=False,
    )
    assert completed.returncode == EXIT_OK, completed.stderr
    key_id = json.loads(completed.stdout)["key_id"]
    with Pkcs11Token.open(label=softhsm.label, pin=softhsm.pin, module=softhsm.module) as token:
        assert token.key().key_id == key_id

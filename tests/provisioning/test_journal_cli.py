"""``kiosk-provision journal verify | export | verify-export`` on a real journal signed by the simulated device key."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from support.egov import RunningService

from kiosk.journal.journal import Journal
from kiosk.journal.secret import load_or_create_secret
from kiosk.wiring import open_device_key
from provisioning.cli import main


@pytest.fixture
def journal_file(service: RunningService, tmp_path: Path) -> Path:
    key = open_device_key(service.config)
    path = tmp_path / "journal.sqlite3"
    journal = Journal.open(path, signer=key, secret=load_or_create_secret(tmp_path / "secret"))
    for index in range(4):
        journal.append("temporary_registration_queued", local_reference=f"Q-CLI{index}")
    journal.close()
    return path


@pytest.fixture
def public_key_file(service: RunningService, tmp_path: Path) -> Path:
    pem = open_device_key(service.config).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = tmp_path / "device.pem"
    path.write_bytes(pem)
    return path


def test_verify_ok_then_names_the_edited_entry(
    journal_file: Path, public_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["journal", "verify", "--journal", str(journal_file), "--public-key", str(public_key_file)]) == 0
    assert "OK" in capsys.readouterr().out
    connection = sqlite3.connect(journal_file)
    connection.execute("DROP TRIGGER journal_refuses_update")
    connection.execute("UPDATE journal SET local_reference = 'Q-FORGED' WHERE sequence = 3")
    connection.commit()
    connection.close()
    status = main(["journal", "verify", "--journal", str(journal_file), "--public-key", str(public_key_file),
                   "--json"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1 and report["problems"] == [
        {"kind": "edited", "sequence": 3, "message": "entry 3 was changed after it was signed"}]


def test_export_then_verify_export(
    service: RunningService, journal_file: Path, public_key_file: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    output = tmp_path / "export.jsonl"
    status = main(["journal", "export", "--journal", str(journal_file), "--output", str(output),
                   "--config", str(service.paths.kiosk_config), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert status == 0 and result["ok"] and result["entries"] == 5
    assert Path(result["signature"]).exists()
    assert main(["journal", "verify-export", str(output), "--public-key", str(public_key_file)]) == 0
    output.write_bytes(output.read_bytes().replace(b"Q-CLI2", b"Q-CLI9"))
    assert main(["journal", "verify-export", str(output), "--public-key", str(public_key_file)]) == 1
    assert "edited at 4" in capsys.readouterr().out


def test_missing_journal_is_a_one_line_failure(
    tmp_path: Path, public_key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["journal", "verify", "--journal", str(tmp_path / "absent"), "--public-key", str(public_key_file)])
    error = capsys.readouterr().err
    assert status == 2 and error.count("\n") == 1 and "does not exist" in error


def test_help_lists_the_journal_actions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["journal", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "verify" in out and "export" in out and "verify-export" in out

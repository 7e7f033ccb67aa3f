"""``kiosk-provision config sign | apply | show`` through the real command line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from support.commission import Commission, make_commission, sample_document

from kiosk.station_config_verify import sign_station_config, signed_file_bytes
from provisioning import config_commands
from provisioning.cli import main

# The sample configuration is valid from 2026-01-15 to 2026-03-17: apply and show run "now", so tests that
# install build a document valid around the real clock.


def _current_document(**overrides: Any) -> dict[str, Any]:
    return sample_document(valid_from="2020-01-01T00:00:00+05:00", valid_until="2099-01-01T00:00:00+05:00",
                           **overrides)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    return tmp_path / "home"


@pytest.fixture
def commission(tmp_path: Path, home: Path) -> Commission:
    made = make_commission(tmp_path / "commission")
    home.mkdir(parents=True, exist_ok=True)
    (home / "commission-certs.pem").write_bytes(made.certificate_path.read_bytes())
    return made


def _key_options(commission: Commission) -> list[str]:
    return ["--commission-key", str(commission.key_path), "--passphrase-file", str(commission.passphrase_path)]


def _signed_file(path: Path, commission: Commission, **overrides: Any) -> Path:
    path.write_bytes(signed_file_bytes(sign_station_config(_current_document(**overrides), commission.signer)))
    return path


def test_sign_writes_a_file_that_apply_installs_and_show_reports(
    tmp_path: Path, home: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(_current_document()), encoding="utf-8")
    signed = tmp_path / "signed.json"
    assert main(["config", "sign", str(unsigned), "--out", str(signed), *_key_options(commission)]) == 0
    assert main(["config", "apply", str(signed), "--station", "101"]) == 0
    installed = home / "station-config.json"
    assert installed.read_bytes() == signed.read_bytes()
    assert "installed at" in capsys.readouterr().out
    assert main(["config", "show", "--station", "101", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["config"]["station"] == 101 and len(shown["digest"]) == 64
    assert main(["config", "apply", str(signed), "--station", "101"]) == 0  # the same file again: nothing changes
    assert "already installed" in capsys.readouterr().out


def test_sign_to_stdout_and_refusing_to_sign_a_malformed_document(
    tmp_path: Path, commission: Commission, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    unsigned = tmp_path / "unsigned.json"
    unsigned.write_text(json.dumps(_current_document()), encoding="utf-8")
    assert main(["config", "sign", str(unsigned), *_key_options(commission)]) == 0
    assert json.loads(capsysbinary.readouterr().out)["signature"]["algorithm"] == "ecdsa-p256-sha256"
    unsigned.write_text(json.dumps(_current_document(opens="25:00")), encoding="utf-8")
    assert main(["config", "sign", str(unsigned), *_key_options(commission)]) == 1
    assert b"'opens' must be a time HH:MM" in capsysbinary.readouterr().err


@pytest.mark.parametrize(("name", "arguments", "reason", "message"), [
    ("other", ["--station", "7"], "station_config.other_station", "enrolled for station 7"),
    ("absent", ["--station", "101"], "station_config.missing", "no station configuration"),
])
def test_apply_refuses_with_the_reason_and_installs_nothing(
    tmp_path: Path, home: Path, commission: Commission, capsys: pytest.CaptureFixture[str],
    name: str, arguments: list[str], reason: str, message: str,
) -> None:
    source = _signed_file(tmp_path / "signed.json", commission) if name != "absent" else tmp_path / "nowhere.json"
    assert main(["config", "apply", str(source), *arguments, "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["reason"] == reason
    assert message in captured.err and captured.err.count("\n") == 1
    assert not (home / "station-config.json").exists()


def test_apply_keeps_the_installed_file_when_the_new_one_is_refused(
    tmp_path: Path, home: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _signed_file(tmp_path / "serial2.json", commission, serial=2)
    assert main(["config", "apply", str(first), "--station", "101"]) == 0
    tampered = json.loads(first.read_text(encoding="utf-8"))
    tampered["config"]["closes"] = "23:00"
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered), encoding="utf-8")
    assert main(["config", "apply", str(bad), "--station", "101"]) == 1
    assert "changed after signing" in capsys.readouterr().err
    older = _signed_file(tmp_path / "serial1.json", commission, serial=1)
    assert main(["config", "apply", str(older), "--station", "101"]) == 1
    assert "serial 1, not newer than the installed serial 2" in capsys.readouterr().err
    assert (home / "station-config.json").read_bytes() == first.read_bytes()
    newer = _signed_file(tmp_path / "serial3.json", commission, serial=3)
    assert main(["config", "apply", str(newer), "--station", "101"]) == 0
    assert (home / "station-config.json").read_bytes() == newer.read_bytes()
    assert main(["config", "apply", str(older), "--station", "101", "--allow-older"]) == 0
    assert sorted(path.name for path in home.iterdir()) == ["commission-certs.pem", "station-config.json"]


def test_apply_is_atomic_when_the_rename_fails(
    tmp_path: Path, home: Path, commission: Commission, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _signed_file(tmp_path / "serial1.json", commission, serial=1)
    assert main(["config", "apply", str(first), "--station", "101"]) == 0
    second = _signed_file(tmp_path / "serial2.json", commission, serial=2)

    def failing_replace(source: Any, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(config_commands.os, "replace", failing_replace)
    with pytest.raises(OSError, match="No space left"):
        config_commands.write_atomically(home / "station-config.json", second.read_bytes())
    assert (home / "station-config.json").read_bytes() == first.read_bytes()
    assert sorted(path.name for path in home.iterdir()) == ["commission-certs.pem", "station-config.json"]


def test_written_file_is_complete_and_world_readable(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "station-config.json"
    config_commands.write_atomically(target, b"x" * 100_000)
    assert target.read_bytes() == b"x" * 100_000
    assert os.stat(target).st_mode & 0o777 == 0o644


def test_show_refuses_a_configuration_signed_by_a_commission_not_pinned(
    tmp_path: Path, home: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = make_commission(tmp_path / "stranger")
    source = _signed_file(tmp_path / "foreign.json", stranger)
    assert main(["config", "show", str(source), "--station", "101"]) == 1
    assert "not a pinned commission key" in capsys.readouterr().err


def test_missing_commission_certificates_are_a_clear_refusal(
    tmp_path: Path, home: Path, commission: Commission, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _signed_file(tmp_path / "signed.json", commission)
    assert main(["config", "apply", str(source), "--station", "101",
                 "--commission-certs", str(tmp_path / "none.pem")]) == 1
    assert "cannot read the commission certificates" in capsys.readouterr().err


@pytest.mark.parametrize(("arguments", "message"), [
    (["config", "sign", "doc.json"], "give either --commission-key"),
    (["config", "sign", "doc.json", "--commission-key", "k.pem", "--commission-token", "t"], "give either"),
    (["config", "sign", "doc.json", "--commission-key", "k.pem"], "go together"),
    (["config", "apply", "signed.json"], "give --station N"),
])
def test_bad_arguments_exit_2_with_one_line(
    tmp_path: Path, home: Path, commission: Commission, capsys: pytest.CaptureFixture[str],
    arguments: list[str], message: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "doc.json").write_text(json.dumps(_current_document()), encoding="utf-8")
    _signed_file(tmp_path / "signed.json", commission)
    monkeypatch.setenv("KIOSK_CONFIG", str(tmp_path / "no-local-config.json"))
    assert main(arguments) == 2
    error = capsys.readouterr().err
    assert message in error and error.count("\n") == 1


def test_unknown_action_and_missing_file_argument_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for arguments in (["config"], ["config", "burn"], ["config", "apply"], ["config", "apply", "f", "--station", "x"]):
        with pytest.raises(SystemExit) as stopped:
            main(arguments)
        assert stopped.value.code == 2
    assert "usage:" in capsys.readouterr().err

"""The systemd unit: parsed with configparser for the settings that matter (start on boot, restart on a crash
with a start limit, a dedicated user, hardening), and checked by ``systemd-analyze verify`` where it exists."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support.ci import require_program

REPOSITORY = Path(__file__).resolve().parents[2]
UNIT = REPOSITORY / "deploy" / "systemd" / "polling-kiosk.service"
SESSION = REPOSITORY / "deploy" / "kiosk-session" / "kiosk-session"


def parse_unit(path: Path) -> configparser.ConfigParser:
    # systemd repeats some keys (DeviceAllow=, ReadWritePaths=): strict=False keeps the last; they are read
    # separately by all_values(). Keys are case sensitive in systemd.
    parser = configparser.ConfigParser(strict=False, interpolation=None, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def all_values(path: Path, key: str) -> list[str]:
    """Every value of a key that may repeat."""
    pattern = re.compile(rf"^{re.escape(key)}=(.*)$")
    return [match.group(1).strip() for line in path.read_text().splitlines() if (match := pattern.match(line))]


@pytest.fixture(scope="module")
def unit() -> configparser.ConfigParser:
    return parse_unit(UNIT)


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|min)?", value)
    assert match, f"not a time span systemd reads: {value}"
    factor = {"ms": 0.001, "s": 1.0, None: 1.0, "min": 60.0}[match.group(2)]
    return float(match.group(1)) * factor


def test_sections(unit: configparser.ConfigParser) -> None:
    assert unit.sections() == ["Unit", "Service", "Install"]


def test_starts_on_boot_in_the_graphical_target(unit: configparser.ConfigParser) -> None:
    assert unit["Install"]["WantedBy"] == "graphical.target"
    assert "getty@tty1.service" in unit["Unit"]["Conflicts"].split()
    assert "pcscd.socket" in unit["Unit"]["Wants"].split()
    after = " ".join(all_values(UNIT, "After")).split()
    assert {"network-online.target", "pcscd.socket", "systemd-logind.service", "getty@tty1.service"} <= set(after)


def test_restarts_on_a_crash_with_a_start_limit(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["Restart"] == "always"
    restart_delay = seconds(service["RestartSec"])
    assert 1 <= restart_delay <= 10
    interval = seconds(unit["Unit"]["StartLimitIntervalSec"])
    burst = int(unit["Unit"]["StartLimitBurst"])
    # The limit must be reachable: enough restarts must fit in the interval for a real crash loop to stop.
    assert burst >= 3
    assert burst * restart_delay < interval


def test_runs_as_a_dedicated_user_in_its_own_session(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["User"] == "kiosk"
    assert service["Group"] == "kiosk"
    assert service["PAMName"] == "polling-kiosk"
    assert service["TTYPath"] == "/dev/tty1"
    assert "SupplementaryGroups" not in service  # seat access comes from logind, not from groups


def test_runs_only_the_kiosk_session_in_cage(unit: configparser.ConfigParser) -> None:
    command = unit["Service"]["ExecStart"].split()
    assert command[0] == "/usr/bin/cage"
    assert "-s" not in command  # -s would allow switching to another virtual terminal
    assert command[command.index("--") + 1] == "/usr/local/lib/polling-kiosk/kiosk-session"


def test_hardening(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome", "ProtectKernelTunables", "ProtectKernelModules",
                "ProtectControlGroups", "ProtectClock", "RestrictSUIDSGID", "LockPersonality", "RestrictNamespaces"):
        assert service[key] == "yes", key
    assert service["ProtectSystem"] == "strict"
    assert service["CapabilityBoundingSet"] == ""
    assert service["DevicePolicy"] == "closed"
    assert service["UMask"] == "0077"
    assert service["SystemCallArchitectures"] == "native"


def test_only_the_state_directory_is_writable(unit: configparser.ConfigParser) -> None:
    service = unit["Service"]
    assert service["StateDirectory"] == "polling-kiosk"
    assert service["StateDirectoryMode"] == "0700"
    writable = all_values(UNIT, "ReadWritePaths")
    assert writable == ["/var/lib/polling-kiosk", "-/run/user"]
    environment = dict(value.split("=", 1) for value in all_values(UNIT, "Environment"))
    assert environment["KIOSK_HOME"] == "/var/lib/polling-kiosk"
    for name in ("XDG_CONFIG_HOME", "KIVY_HOME"):
        assert environment[name].startswith("/var/lib/polling-kiosk/"), name


def test_devices_are_listed_one_by_one(unit: configparser.ConfigParser) -> None:
    allowed = {value.split()[0] for value in all_values(UNIT, "DeviceAllow")}
    assert {"/dev/tty1", "char-drm", "char-input", "char-video4linux", "char-alsa"} <= allowed
    assert not any(value.startswith("/dev/sd") or value == "block-sd" for value in allowed)


def test_session_script_starts_only_the_kiosk() -> None:
    assert SESSION.stat().st_mode & 0o111, "the session script must be executable"
    text = SESSION.read_text()
    commands = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1].startswith('exec "$KIOSK_VENV/bin/kiosk" run')
    assert "KCFG_KIVY_EXIT_ON_ESCAPE=0" in text  # Escape is a keypad key, not a way out
    assert not re.search(r"\b(xterm|bash|x-terminal-emulator|gnome-terminal|weston-terminal)\b", text)
    sh = shutil.which("sh")
    if sh is not None:
        subprocess.run([sh, "-n", str(SESSION)], check=True)


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    tool = require_program("systemd-analyze", "systemd")  # the configparser checks above run without it
    text = UNIT.read_text()
    if not Path("/usr/bin/cage").exists():
        # verify insists that ExecStart's program exists; the rest of the unit is still checked as written.
        text = text.replace("ExecStart=/usr/bin/cage ", "ExecStart=/usr/bin/true ", 1)
    copy = tmp_path / UNIT.name
    copy.write_text(text)
    result = subprocess.run(
        [tool, "verify", "--man=no", "--generators=no", str(copy)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    # Unknown keys and unparsable values are only warnings ("..., ignoring"): count them as failures too.
    output = (result.stdout + result.stderr).splitlines()
    complaints = [line for line in output if str(copy) in line or "ignoring" in line]
    assert result.returncode == 0, result.stderr
    assert complaints == []


def test_install_script_installs_every_session_file() -> None:
    script = REPOSITORY / "deploy" / "install.sh"
    text = script.read_text()
    session_files = [path for path in (REPOSITORY / "deploy" / "kiosk-session").rglob("*") if path.is_file()]
    assert session_files
    for path in session_files:
        assert f"$SOURCE/{path.relative_to(REPOSITORY / 'deploy')}" in text, path
    assert "$SOURCE/systemd/polling-kiosk.service" in text
    assert "systemctl enable polling-kiosk.service" in text
    assert "--shell /usr/sbin/nologin" in text
    sh = shutil.which("sh")
    if sh is not None:
        subprocess.run([sh, "-n", str(script)], check=True)

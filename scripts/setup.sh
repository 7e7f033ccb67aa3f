#!/usr/bin/env bash
# Installs everything the kiosk and its tests need on a fresh Debian 12 machine, idempotently:
# the apt packages, a virtual environment in .venv at the repository root, and the pip packages.
# A second run installs nothing and takes about a second.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

APT_PACKAGES=(
  xvfb libgl1-mesa-dri libgl1 libegl1 libmtdev1 xclip     # Kivy in a real window
  libpcsclite-dev pcscd vsmartcard-vpcd pcsc-tools opensc  # PC/SC and the virtual reader
  softhsm2                                                 # PKCS#11 token for the device key
  espeak-ng sox                                            # speech
  poppler-utils fonts-dejavu-core                          # PDF to PNG; the receipt font with Kazakh letters
  openssl ca-certificates gcc util-linux systemd               # systemd-analyze checks the unit file
)

log() { printf 'setup: %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    log "installing system packages needs root; run as root (or with sudo)"
    exit 1
  fi
}

# --- apt packages ---------------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  need_root
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Python 3.11 with venv --------------------------------------------------------------------
python_bin="$(command -v python3.11 || command -v python3 || true)"
if [ -z "$python_bin" ]; then
  log "Python 3.11 is required and was not found"
  exit 1
fi
if ! "$python_bin" -c 'import sys; assert sys.version_info[:2] >= (3, 11)' 2>/dev/null; then
  log "$python_bin is older than Python 3.11"
  exit 1
fi
if ! "$python_bin" -c 'import venv, ensurepip' 2>/dev/null; then
  need_root
  log "apt-get install python3-venv"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv python3-dev >/dev/null
fi

# --- virtual environment and pip packages ------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$python_bin" -m venv .venv
fi
stamp=.venv/.installed-from
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c 'import kiosk' 2>/dev/null; then
  log "installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi

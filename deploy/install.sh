#!/bin/sh
# Install the kiosk's service and session files on a station (Debian 12), as root, from a checkout of the
# repository at /opt/polling-kiosk with its virtualenv in /opt/polling-kiosk/.venv. Safe to run again.
# What each step does and why: docs/deployment.md.
set -eu

SOURCE="$(cd "$(dirname "$0")" && pwd)"

if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: run as root" >&2
    exit 2
fi
for program in cage systemctl useradd install; do
    if ! command -v "$program" >/dev/null 2>&1; then
        echo "install.sh: $program is missing (apt-get install cage pcscd espeak-ng)" >&2
        exit 2
    fi
done

# The dedicated user: no password, no shell, its home is the state directory.
if ! id kiosk >/dev/null 2>&1; then
    useradd --system --user-group --home-dir /var/lib/polling-kiosk --no-create-home \
        --shell /usr/sbin/nologin --comment "Polling-station kiosk" kiosk
fi

# The configuration directory: the kiosk may read it (its PIN file too), nobody else, and only root writes.
install -d -o root -g kiosk -m 0750 /etc/polling-kiosk

install -D -m 0755 "$SOURCE/kiosk-session/kiosk-session" /usr/local/lib/polling-kiosk/kiosk-session
install -D -m 0644 "$SOURCE/kiosk-session/pam.d/polling-kiosk" /etc/pam.d/polling-kiosk
install -D -m 0644 "$SOURCE/kiosk-session/logind.conf.d/polling-kiosk.conf" \
    /etc/systemd/logind.conf.d/polling-kiosk.conf
install -D -m 0644 "$SOURCE/kiosk-session/sysctl.d/90-polling-kiosk.conf" /etc/sysctl.d/90-polling-kiosk.conf
install -D -m 0644 "$SOURCE/kiosk-session/udev/70-polling-kiosk-printer.rules" \
    /etc/udev/rules.d/70-polling-kiosk-printer.rules
install -D -m 0644 "$SOURCE/systemd/polling-kiosk.service" /etc/systemd/system/polling-kiosk.service

# Nothing else may take the screen or answer Ctrl+Alt+Del.
systemctl mask ctrl-alt-del.target
systemctl disable getty@tty1.service 2>/dev/null || true
systemctl set-default graphical.target
systemctl daemon-reload
systemctl enable polling-kiosk.service
echo "installed; put the station configuration in /etc/polling-kiosk/kiosk.json, run"
echo "'kiosk-provision selftest --print', then reboot"

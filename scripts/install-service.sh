#!/usr/bin/env bash
# Installs the hub as a systemd service (docs/ARCHITECTURE.md, "Running as a service"): a release build of vitals,
# the device profiles and the web UI, the example configuration (only if none is there yet), the unit, the udev
# rules, and the system user and group openvitals. Run as root from the repository: `sudo make install`.
# PREFIX (default /usr/local) and DESTDIR (a staging root, for packaging) may be set; with DESTDIR set, no user is
# created and systemd and udev are not reloaded.
set -euo pipefail

PREFIX="${PREFIX:-/usr/local}"
DESTDIR="${DESTDIR:-}"
SWIFT="${SWIFT:-swift}"
cd "$(dirname "$0")/.."

if [ -z "$DESTDIR" ] && [ "$(id -u)" -ne 0 ]; then
    echo "install-service.sh: run as root (sudo make install), or set DESTDIR to stage the files" >&2
    exit 1
fi

"$SWIFT" build -c release --product vitals
bin="$("$SWIFT" build -c release --show-bin-path)/vitals"

install -d -m 0755 "$DESTDIR$PREFIX/bin" "$DESTDIR$PREFIX/share/openvitals" "$DESTDIR$PREFIX/share/doc/openvitals" \
    "$DESTDIR/etc/systemd/system" "$DESTDIR/etc/udev/rules.d"
install -m 0755 "$bin" "$DESTDIR$PREFIX/bin/vitals"
rm -rf "$DESTDIR$PREFIX/share/openvitals/device-profiles" "$DESTDIR$PREFIX/share/openvitals/web"
install -d -m 0755 "$DESTDIR$PREFIX/share/openvitals/device-profiles"
install -m 0644 device-profiles/*.json "$DESTDIR$PREFIX/share/openvitals/device-profiles/"
cp -R web "$DESTDIR$PREFIX/share/openvitals/web"
chmod -R u=rwX,go=rX "$DESTDIR$PREFIX/share/openvitals/web"
install -m 0644 docs/ARCHITECTURE.md packaging/vitals.toml "$DESTDIR$PREFIX/share/doc/openvitals/"

# The unit and the rules name /usr/local; another PREFIX is written into the installed copies.
sed "s|/usr/local|$PREFIX|g" packaging/openvitals.service > "$DESTDIR/etc/systemd/system/openvitals.service"
chmod 0644 "$DESTDIR/etc/systemd/system/openvitals.service"
install -m 0644 packaging/60-openvitals.rules "$DESTDIR/etc/udev/rules.d/60-openvitals.rules"

if [ -z "$DESTDIR" ]; then
    getent group openvitals >/dev/null || groupadd --system openvitals
    getent passwd openvitals >/dev/null ||
        useradd --system --gid openvitals --home-dir /var/lib/openvitals --no-create-home --shell /usr/sbin/nologin \
            --comment "OpenVitals hub" openvitals
fi

# /etc/openvitals: the configuration (kept if present) and the secrets (token, uplink password), readable by the
# service's user only.
install -d -m 0750 "$DESTDIR/etc/openvitals"
if [ ! -e "$DESTDIR/etc/openvitals/vitals.toml" ]; then
    sed "s|/usr/local|$PREFIX|g" packaging/vitals.toml > "$DESTDIR/etc/openvitals/vitals.toml"
    chmod 0640 "$DESTDIR/etc/openvitals/vitals.toml"
fi
if [ -z "$DESTDIR" ]; then
    chown root:openvitals /etc/openvitals /etc/openvitals/vitals.toml
    udevadm control --reload 2>/dev/null && udevadm trigger --subsystem-match=usb 2>/dev/null || true
    systemctl daemon-reload 2>/dev/null || true
    echo "installed. Edit /etc/openvitals/vitals.toml, then:"
    echo "  sudo -u openvitals $PREFIX/bin/vitals doctor --config /etc/openvitals/vitals.toml"
    echo "  systemctl enable --now openvitals"
fi

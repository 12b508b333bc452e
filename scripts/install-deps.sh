#!/usr/bin/env bash
# Installs the Debian packages OpenVitals builds against, if any are missing.
# As root it runs apt-get; otherwise it prints the exact command and stops.
set -euo pipefail

# python3-venv: scripts/fhir-check.sh, browser-test.sh, api-check.sh and nightscout-check.sh make venvs for the PyPI
# packages they pin. chromium, chromium-driver: the browser tier drives headless Chromium. iproute2 and curl:
# scripts/remote-token-check.sh (ip netns, veth) and its requests. postgresql: PostgreSQL 15 (initdb, pg_ctl, psql)
# for the uplink tier of make test and make bench-uplink (scripts/pg-server.sh).
PACKAGES=(libbluetooth-dev libusb-1.0-0-dev libsqlite3-dev pkg-config python3-venv chromium chromium-driver iproute2 curl postgresql)

missing=()
for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing ${missing[*]} and apt-get is not available; install them with your package manager" >&2
    exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing system packages: ${missing[*]}" >&2
    echo "run:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"

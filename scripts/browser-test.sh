#!/usr/bin/env bash
# make test, browser tier: the dashboard and the kiosk screen in headless Chromium against the real hub and
# firmware-sim (scripts/browser-test.py says what each test does and must fail on).
#
#   scripts/browser-test.sh [BIN_DIR] [hub] [kiosk]   BIN_DIR holds vitals and firmware-sim (default: swift build --show-bin-path)
#
# Chromium and its driver are Debian's (chromium, chromium-driver: scripts/install-deps.sh); selenium and its
# dependencies come from PyPI, pinned in scripts/browser-requirements.txt, into a venv under the build folder
# (BROWSER_VENV, default .build/browser-venv). Selenium is pointed at /usr/bin/chromedriver and downloads nothing.
# Screenshots (and the kiosk's printed result as PDF) go to BROWSER_OUT, default the build folder's browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$(swift build --show-bin-path)}"
shift || true
VENV="${BROWSER_VENV:-.build/browser-venv}"
OUT="${BROWSER_OUT:-$(cd "$(realpath "$BIN")/../.." && pwd)/browser}"
REQ=scripts/browser-requirements.txt

for tool in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x "$tool" ] || { echo "browser-test: $tool is missing (make deps installs Debian's chromium and chromium-driver)" >&2; exit 1; }
done
if ! "$VENV/bin/python" -c "import selenium, sys; sys.exit(selenium.__version__ != '$(sed -n 's/^selenium==//p' "$REQ")')" 2>/dev/null; then
    echo "== browser-test: installing $REQ into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
fi
mkdir -p "$OUT"
rm -f "$OUT"/*.png "$OUT"/*.pdf
exec "$VENV/bin/python" scripts/browser-test.py --bin "$BIN" --out "$OUT" "$@"

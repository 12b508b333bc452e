#!/usr/bin/env bash
# make test, Nightscout tier: a real Nightscout client from PyPI (py-nightscout, the asyncio client Home Assistant's
# Nightscout integration uses) follows a person's CGM on the hub through `vitals serve`. The hub plays a CGM and a
# meter with a LOW into one person; the client reads entries, treatments and status with the api-secret it hashes
# from the token, and what it gets must equal what the hub's own API says. A wrong secret must be refused.
#
#   scripts/nightscout-check.sh [BIN_DIR]     BIN_DIR holds vitals and firmware-sim (default: swift build --show-bin-path)
#
# The client and its dependencies are pinned in a venv under the build folder (NIGHTSCOUT_VENV, default
# .build/nightscout-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${NIGHTSCOUT_VENV:-.build/nightscout-venv}"
BIN="${1:-$(swift build --show-bin-path)}"
PINS=(py-nightscout==1.3.3 aiohttp==3.9.5 python-dateutil==2.9.0.post0 pytz==2024.1)

if ! "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('py-nightscout') == '1.3.3' and m.version('aiohttp') == '3.9.5'" 2>/dev/null; then
    echo "== nightscout-check: installing ${PINS[*]} into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PINS[@]}"
fi

DIR="$(mktemp -d)"
chmod 700 "$DIR"
SIM="" SERVER=""
cleanup() {
    [ -n "$SIM" ] && kill "$SIM" 2>/dev/null
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$DIR"
}
trap cleanup EXIT

# A CGM (eleven good records, one with a bad CRC) and a meter whose last result is LOW, both filed under "ida".
for scenario in cgm-bad-crc meter-low; do
    echo "== nightscout-check: firmware-sim run $scenario → vitals run --subject ida"
    "$BIN/firmware-sim" run "$scenario" --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
    SIM=$!
    "$BIN/vitals" run --sim "$DIR/sim.sock" --db "$DIR/vitals.sqlite" --subject ida --exit-when-done >"$DIR/hub.log" 2>&1 || { cat "$DIR/hub.log" >&2; exit 1; }
    wait "$SIM"
    SIM=""
done

TOKEN="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
(umask 077; printf '%s\n' "$TOKEN" >"$DIR/token")
"$BIN/vitals" serve --db "$DIR/vitals.sqlite" --port 0 --token-file "$DIR/token" >"$DIR/serve.log" 2>&1 &
SERVER=$!
URL=""
for _ in $(seq 1 100); do
    URL="$(sed -n 's|^api  *\(http://[^ ]*\)/api/v1 .*|\1|p' "$DIR/serve.log" | head -1)"
    [ -n "$URL" ] && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$DIR/serve.log" >&2; exit 1; }
    sleep 0.1
done
[ -n "$URL" ] || { echo "nightscout-check: vitals serve did not say where it listens" >&2; cat "$DIR/serve.log" >&2; exit 1; }
echo "== nightscout-check: py-nightscout against $URL/nightscout/ida"
VITALS_URL="$URL" VITALS_TOKEN="$TOKEN" "$VENV/bin/python" scripts/nightscout-check.py

#!/usr/bin/env bash
# make demo: firmware-sim plays a BP cuff (with a crisis-level reading) and a glucose meter (with a level-2
# hypo); the hub discovers, connects, stores and alerts, then exits when the scenario is done.
set -euo pipefail
DIR="${1:-$PWD/demo-output}"
mkdir -p "$DIR"
chmod 700 "$DIR"
DB="$DIR/vitals.sqlite"
SOCK="$DIR/sim.sock"
rm -f "$DB" "$DB-wal" "$DB-shm"

BIN="$(swift build --show-bin-path)"
"$BIN/firmware-sim" run demo --socket "$SOCK" &
SIM=$!
trap 'kill $SIM 2>/dev/null || true' EXIT

echo "== hub: vitals run --sim $SOCK"
"$BIN/vitals" run --sim "$SOCK" --db "$DB" --exit-when-done
wait $SIM
trap - EXIT

echo
echo "== stored alerts: vitals alerts --db $DB"
"$BIN/vitals" alerts --db "$DB"
echo
echo "database: $DB"
echo
# Nothing is left running: the last lines say how to serve the dashboard over this database.
echo "== dashboard: serve the API and web UI over the demo database (Ctrl-C stops it), then open the URL"
echo "   $BIN/vitals serve --db $DB --port 8080"
echo "dashboard: http://127.0.0.1:8080/"

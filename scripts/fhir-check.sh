#!/usr/bin/env bash
# make test, FHIR tier: runs the demo scenario (and a few more) into a temporary database, exports it with `vitals export fhir`,
# and parses every resource of the Bundle with fhir.resources (FHIR R4 4.0.1 models). The checker's self-test
# and a deliberately broken copy of the export must fail, so a checker that accepts anything fails this script.
#
#   scripts/fhir-check.sh [BIN_DIR]     BIN_DIR holds vitals and firmware-sim (default: swift build --show-bin-path)
#
# fhir.resources and pydantic are installed into a venv under the build folder (FHIR_VENV, default .build/fhir-venv)
# the first time. Versions are pinned: fhir.resources 6.1.0 is the last line whose default models are FHIR 4.0.1
# (R4); 6.2 onwards default to R4B (4.3.0) and 7 onwards to R5, with only R4B and STU3 as subpackages. 6.1.0 needs
# pydantic 1.x, pinned beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
FHIR_RESOURCES_VERSION=6.1.0
PYDANTIC_VERSION=1.10.21
VENV="${FHIR_VENV:-.build/fhir-venv}"
BIN="${1:-$(swift build --show-bin-path)}"

if ! "$VENV/bin/python" -c "import fhir.resources, pydantic; assert fhir.resources.__version__ == '$FHIR_RESOURCES_VERSION' and pydantic.VERSION == '$PYDANTIC_VERSION'" 2>/dev/null; then
    echo "== fhir-check: installing fhir.resources==$FHIR_RESOURCES_VERSION pydantic==$PYDANTIC_VERSION into $VENV"
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "fhir.resources==$FHIR_RESOURCES_VERSION" "pydantic==$PYDANTIC_VERSION"
fi
PY="$VENV/bin/python"

echo "== fhir-check: checker self-test"
"$PY" scripts/fhir-check.py --self-test

DIR="$(mktemp -d)"
chmod 700 "$DIR"
SIM="" RECEIVER=""
cleanup() { [ -n "$SIM" ] && kill "$SIM" 2>/dev/null; [ -n "$RECEIVER" ] && kill "$RECEIVER" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT

# demo (cuff, meter) first, as make demo plays it; then the scenarios with the other kinds: SpO2 and heart rate,
# 60 s of ECG blocks (SampledData), a meter LOW, and the IEEE 11073 agents (scale, thermometer, USB system ids).
for scenario in ${FHIR_SCENARIOS:-demo wearables vm-wearables meter-low usb-agents}; do
    echo "== fhir-check: firmware-sim run $scenario → vitals run --db $DIR/vitals.sqlite"
    "$BIN/firmware-sim" run "$scenario" --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
    SIM=$!
    "$BIN/vitals" run --sim "$DIR/sim.sock" --db "$DIR/vitals.sqlite" --exit-when-done >"$DIR/hub.log" 2>&1 || { cat "$DIR/hub.log" >&2; exit 1; }
    wait "$SIM"
    SIM=""
done

echo "== fhir-check: vitals export fhir --db … --out …"
"$BIN/vitals" export fhir --db "$DIR/vitals.sqlite" --out "$DIR/bundle.json"
mode=$(stat -c %a "$DIR/bundle.json")
[ "$mode" = 600 ] || { echo "fhir-check: export file mode is $mode, not 600" >&2; exit 1; }
"$PY" scripts/fhir-check.py "$DIR/bundle.json"

echo "== fhir-check: a broken copy must fail"
"$PY" - "$DIR/bundle.json" "$DIR/broken.json" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))
obs = next(e for e in b["entry"] if e["resource"]["resourceType"] == "Observation")
del obs["resource"]["status"]
json.dump(b, open(sys.argv[2], "w"))
PY
if "$PY" scripts/fhir-check.py "$DIR/broken.json" 2>"$DIR/broken.err"; then
    echo "fhir-check: an Observation without status was accepted" >&2
    exit 1
fi
grep -q "entry .* (Observation" "$DIR/broken.err" || { echo "fhir-check: the failure did not name the entry:" >&2; cat "$DIR/broken.err" >&2; exit 1; }
echo "fhir-check: ok (the broken copy was refused: $(head -1 "$DIR/broken.err" | cut -c1-120)…)"

# Push: the same Bundle POSTed as a transaction to a receiver that checks it with fhir.resources and answers as a
# server does to conditional creates (scripts/fhir-receiver.py). The first push creates every entry; a second one
# creates nothing (every conditional create matches); a server that does not answer makes vitals exit non-zero.
echo "== fhir-check: vitals export fhir --push (twice) to a receiver that checks every resource"
"$PY" scripts/fhir-receiver.py "$DIR/receiver.port" 2>"$DIR/receiver.log" &
RECEIVER=$!
for _ in $(seq 1 50); do [ -s "$DIR/receiver.port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$DIR/receiver.port")/fhir"
ENTRIES=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entry"]))' "$DIR/bundle.json")
"$BIN/vitals" export fhir --db "$DIR/vitals.sqlite" --push "$URL" 2>"$DIR/push1.log" || { cat "$DIR/push1.log" "$DIR/receiver.log" >&2; exit 1; }
"$BIN/vitals" export fhir --db "$DIR/vitals.sqlite" --push "$URL" 2>"$DIR/push2.log" || { cat "$DIR/push2.log" >&2; exit 1; }
STATS=$("$PY" -c 'import json,urllib.request,sys; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))))' "$URL")
"$PY" - "$STATS" "$ENTRIES" <<'PY'
import json, sys
s, n = json.loads(sys.argv[1]), int(sys.argv[2])
ok = s["posts"] == 2 and s["refused"] == 0 and s["created"] == n and s["matched"] == n
print(f"fhir-check: push {'ok' if ok else 'FAILED'} ({s}; {n} entries per Bundle)")
sys.exit(0 if ok else 1)
PY
grep -q "created" "$DIR/push1.log" && cat "$DIR/push1.log" "$DIR/push2.log"
kill "$RECEIVER"; RECEIVER=""
if "$BIN/vitals" export fhir --db "$DIR/vitals.sqlite" --push "$URL" 2>"$DIR/push3.log"; then
    echo "fhir-check: a push to a server that does not answer succeeded" >&2
    exit 1
fi
echo "fhir-check: a push to a server that is down fails: $(head -1 "$DIR/push3.log")"

# The hub's own FHIR uplink (vitals run --fhir-push): it drains the outbox to the server as transactions and
# acknowledges a batch only once the server answered every entry. First the server is down while the demo plays:
# nothing can be sent, the hub says so and keeps the backlog. Then the server is up while a second scenario plays:
# the backlog and the new readings arrive. What the server created must be exactly what a full export of the same
# database holds (nothing lost, nothing twice), and pushing that full export afterwards must create nothing new.
echo "== fhir-check: vitals run --fhir-push, server down for the first scenario, up for the second"
PORT=$(cat "$DIR/receiver.port")
LIVE="$DIR/live.sqlite"
rm -f "$DIR/receiver.port"
"$BIN/firmware-sim" run demo --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
SIM=$!
"$BIN/vitals" run --sim "$DIR/sim.sock" --db "$LIVE" --exit-when-done --hub-id fhir-check-hub --fhir-push "$URL" >"$DIR/hub-down.log" 2>&1 || { cat "$DIR/hub-down.log" >&2; exit 1; }
wait "$SIM"; SIM=""
grep "the last pass before stopping did not finish" "$DIR/hub-down.log" | grep -q "uplink.pending=[1-9]" || { echo "fhir-check: the hub did not say the FHIR server was unreachable" >&2; cat "$DIR/hub-down.log" >&2; exit 1; }
"$PY" scripts/fhir-receiver.py "$DIR/receiver.port" "$PORT" 2>"$DIR/receiver.log" &
RECEIVER=$!
for _ in $(seq 1 50); do [ -s "$DIR/receiver.port" ] && break; sleep 0.1; done
"$BIN/firmware-sim" run meter-low --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
SIM=$!
"$BIN/vitals" run --sim "$DIR/sim.sock" --db "$LIVE" --exit-when-done --hub-id fhir-check-hub --fhir-push "$URL" >"$DIR/hub-up.log" 2>&1 || { cat "$DIR/hub-up.log" >&2; exit 1; }
wait "$SIM"; SIM=""
"$BIN/vitals" export fhir --db "$LIVE" --gateway-id fhir-check-hub --out "$DIR/live.json"
LIVE_ENTRIES=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["entry"]))' "$DIR/live.json")
"$BIN/vitals" export fhir --db "$LIVE" --gateway-id fhir-check-hub --push "$URL" 2>"$DIR/push4.log" || { cat "$DIR/push4.log" >&2; exit 1; }
STATS=$("$PY" -c 'import json,urllib.request,sys; print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))))' "$URL")
"$PY" - "$STATS" "$LIVE_ENTRIES" <<'PY'
import json, sys
s, n = json.loads(sys.argv[1]), int(sys.argv[2])
# The hub's batches created every resource once; the full export pushed afterwards matched all n of them.
ok = s["refused"] == 0 and s["created"] == n and s["matched"] >= n and s["posts"] >= 2
print(f"fhir-check: hub uplink {'ok' if ok else 'FAILED'} ({s}; a full export of the hub's database has {n} entries)")
sys.exit(0 if ok else 1)
PY
grep -E "uplink (started|reconnected|batch committed)" "$DIR/hub-up.log" | head -3 | cut -c1-160

#!/usr/bin/env bash
# make test, crash tier: the hub is killed with SIGKILL at random points while firmware-sim's cuffs deliver their
# stored readings, and started again on the same database, several times; then it runs to the end. A cuff deletes a
# reading only when the hub confirms its indication, and the hub confirms only once the reading is durable, so if
# any confirmed reading had not been stored it would be gone for good. At the end the store must hold every reading
# exactly once: 0 lost, 0 duplicated (counted per device and device time stamp).
#
#   scripts/crash-test.sh [BIN_DIR] [DEVICES] [READINGS_PER_DEVICE] [KILLS]   (default 20 × 5000 = 100,000, 8 kills)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$(swift build --show-bin-path)}"
DEVICES="${2:-20}"
PER="${3:-5000}"
KILLS="${4:-8}"
# Every CRISIS_EVERY-th reading of each cuff is a hypertensive crisis: each must have exactly one alert at the end,
# however the kills fell between storing a reading and storing its alert.
CRISIS_EVERY=97
DIR="$(mktemp -d)"
chmod 700 "$DIR"
SIM="" HUB=""
cleanup() {
    set +e  # every step runs, even when the hub had already died
    if [ -n "$HUB" ]; then kill -9 "$HUB" 2>/dev/null; fi
    if [ -n "$SIM" ]; then kill "$SIM" 2>/dev/null; fi
    if [ -n "${KEEP:-}" ]; then echo "kept $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

python3 scripts/cuff-scenario.py "$DIR/scenario.json" "$DEVICES" "$PER" crash 10 "$CRISIS_EVERY"
TOTAL=$((DEVICES * PER))
echo "== crash-test: $DEVICES cuffs × $PER readings = $TOTAL; $KILLS SIGKILLs of the hub, then a run to the end"
"$BIN/firmware-sim" run "$DIR/scenario.json" --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
SIM=$!
# Each cuff is its own person, so each crisis reading (followed by normal ones) is an episode of its own: one alert.
ASSIGN=()
for d in $(seq 0 $((DEVICES - 1))); do
    ASSIGN+=(--assign "$(printf 'sim-ble:C0:FF:EE:10:%02X:%02X=cuff-%d' $((d / 256)) $((d % 256)) "$d")")
done
stored() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("select count(*) from readings").fetchone()[0])' "$DIR/vitals.sqlite" 2>/dev/null || echo 0; }
for k in $(seq 1 "$KILLS"); do
    "$BIN/vitals" run --sim "$DIR/sim.sock" --db "$DIR/vitals.sqlite" "${ASSIGN[@]}" --quiet >>"$DIR/hub.log" 2>&1 &
    HUB=$!
    # A random point: 0.5 to 3 s into the run (the hub opens the store, connects, and is mid-transfer).
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 3.0), 2))')"
    kill -9 "$HUB" 2>/dev/null || true
    wait "$HUB" 2>/dev/null || true
    HUB=""
    echo "crash-test: SIGKILL $k: $(stored) readings stored so far"
done
# The rest, unless the cuffs delivered everything already (firmware-sim then ends on its own).
if kill -0 "$SIM" 2>/dev/null; then
    "$BIN/vitals" run --sim "$DIR/sim.sock" --db "$DIR/vitals.sqlite" "${ASSIGN[@]}" --quiet --exit-when-done >>"$DIR/hub.log" 2>&1 || { tail -20 "$DIR/hub.log" >&2; exit 1; }
fi
wait "$SIM" || true
SIM=""
python3 - "$DIR/vitals.sqlite" "$DEVICES" "$PER" <<'PY'
import sqlite3, sys
db, devices, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
total = c.execute("select count(*) from readings").fetchone()[0]
distinct = c.execute("select count(*) from (select distinct device_id, natural_key from readings)").fetchone()[0]
per_device = dict(c.execute("select device_id, count(*) from readings group by device_id").fetchall())
short = {d: n for d, n in per_device.items() if n != per}
ok = total == devices * per and distinct == total and len(per_device) == devices and not short
print(f"crash-test: {'ok' if ok else 'FAILED'}: {total} readings stored of {devices * per} sent, {total - distinct} duplicated, "
      f"{devices * per - distinct} lost" + (f"; devices short: {short}" if short else ""))
# Alerts: every stored crisis reading has its alert (raised live, or recorded from the backlog), and each alert's
# first step is stored once.
crisis = "EXISTS (SELECT 1 FROM observations o WHERE o.reading_id = r.id AND o.metric = 'bp.systolic' AND o.value > 180)"
crises = c.execute(f"SELECT count(*) FROM readings r WHERE {crisis}").fetchone()[0]
unalerted = c.execute(f"""SELECT count(*) FROM readings r WHERE {crisis} AND NOT EXISTS (
    SELECT 1 FROM alerts a WHERE a.evidence_key = r.device_id || '|' || r.kind || '|' || r.natural_key)""").fetchone()[0]
alerts = c.execute("SELECT count(*) FROM alerts WHERE rule_id = 'bp.hypertensive-crisis'").fetchone()[0]
repeated = c.execute("""SELECT count(*) FROM (SELECT alert_id FROM alert_events WHERE transition = 'raised' OR detail LIKE 'backfill:%'
    GROUP BY alert_id HAVING count(*) > 1)""").fetchone()[0]
alerts_ok = crises > 0 and unalerted == 0 and alerts == crises and repeated == 0
print(f"crash-test: {'ok' if alerts_ok else 'FAILED'}: {crises} crisis readings stored, {alerts} crisis alerts, "
      f"{unalerted} without an alert, {repeated} alerts whose first step is stored twice")
sys.exit(0 if ok and alerts_ok else 1)
PY
grep -q "finished" "$DIR/sim.log" && echo "crash-test: $(tail -1 "$DIR/sim.log")"

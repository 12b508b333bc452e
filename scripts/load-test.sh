#!/usr/bin/env bash
# make bench, section "load": many simulated devices on one hub process over the simulator link. firmware-sim plays
# DEVICES blood-pressure cuffs, each holding READINGS stored readings (one a minute going back from the start, so each
# has its own device time stamp, the natural key); one `vitals run --sim --exit-when-done` takes them all. The hub's
# peak resident memory (VmHWM from /proc/PID/status, sampled until it exits) and its wall-clock throughput are
# printed, and the store must hold every reading exactly once: 0 lost, 0 duplicated.
#
#   scripts/load-test.sh [BIN_DIR] [DEVICES] [READINGS_PER_DEVICE]   (default: the release build, 1000 × 20)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${1:-$(swift build -c release --show-bin-path)}"
DEVICES="${2:-1000}"
PER="${3:-20}"
DIR="$(mktemp -d)"
chmod 700 "$DIR"
SIM="" HUB=""
cleanup() {
    [ -n "$HUB" ] && kill "$HUB" 2>/dev/null
    [ -n "$SIM" ] && kill "$SIM" 2>/dev/null
    [ -n "${KEEP:-}" ] && echo "kept $DIR" || rm -rf "$DIR"
}
trap cleanup EXIT

python3 - "$DIR/scenario.json" "$DEVICES" "$PER" <<'PY'
import json, sys
path, devices, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = {"name": "load", "description": "many cuffs, each with stored readings", "devices": []}
for d in range(devices):
    s["devices"].append({
        "type": "bp-cuff", "name": f"OV-SIM-BP-L{d:04d}", "address": f"C0:FF:EE:20:{d // 256:02X}:{d % 256:02X}",
        "readings": [{"systolic": 110 + (j * 7 + d) % 40, "diastolic": 70 + (j * 3) % 15, "pulse": 60 + j % 20, "minutesAgo": per - j}
                     for j in range(per)],
    })
json.dump(s, open(path, "w"))
PY
TOTAL=$((DEVICES * PER))
echo "== load: $DEVICES simulated cuffs × $PER readings = $TOTAL readings, one hub process over the simulator link"
"$BIN/firmware-sim" run "$DIR/scenario.json" --socket "$DIR/sim.sock" >"$DIR/sim.log" 2>&1 &
SIM=$!
# The hub's own open-file limit is what it has; the simulator link is one socket whatever the number of devices.
START=$(date +%s.%N)
"$BIN/vitals" run --sim "$DIR/sim.sock" --db "$DIR/vitals.sqlite" --quiet --exit-when-done >"$DIR/hub.log" 2>&1 &
HUB=$!
HWM=0
THREADS=0
FDS=0
while kill -0 "$HUB" 2>/dev/null; do
    if [ -r "/proc/$HUB/status" ]; then
        v=$(awk '/^VmHWM:/ {print $2}' "/proc/$HUB/status" 2>/dev/null || echo 0)
        t=$(awk '/^Threads:/ {print $2}' "/proc/$HUB/status" 2>/dev/null || echo 0)
        f=$(ls "/proc/$HUB/fd" 2>/dev/null | wc -l || echo 0)
        [ -n "$v" ] && [ "$v" -gt "$HWM" ] && HWM=$v
        [ -n "$t" ] && [ "$t" -gt "$THREADS" ] && THREADS=$t
        [ -n "$f" ] && [ "$f" -gt "$FDS" ] && FDS=$f
    fi
    sleep 0.2
done
set +e
wait "$HUB"
RC=$?
set -e
HUB=""
END=$(date +%s.%N)
if [ "$RC" -ne 0 ]; then
    echo "load: the hub exited with $RC" >&2
    tail -20 "$DIR/hub.log" >&2
    exit 1
fi
wait "$SIM" 2>/dev/null || true
SIM=""
python3 - "$DIR/vitals.sqlite" "$DEVICES" "$PER" "$START" "$END" "$HWM" "$THREADS" "$FDS" <<'PY'
import sqlite3, sys
db, devices, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start, end, hwm, threads, fds = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
c = sqlite3.connect(db)
total = c.execute("select count(*) from readings").fetchone()[0]
obs = c.execute("select count(*) from observations").fetchone()[0]
distinct = c.execute("select count(*) from (select distinct device_id, natural_key from readings)").fetchone()[0]
per_device = dict(c.execute("select device_id, count(*) from readings group by device_id").fetchall())
short = {d: n for d, n in per_device.items() if n != per}
ok = total == devices * per and distinct == total and len(per_device) == devices and not short
secs = end - start
print(f"load: {'ok' if ok else 'FAILED'}: {devices} devices, {total} readings stored of {devices * per} sent "
      f"({total - distinct} duplicated, {devices * per - distinct} lost), {obs} observations"
      + (f"; devices short: {len(short)}" if short else ""))
print(f"load: hub wall time {secs:.1f} s (connect, discover, subscribe, deliver, store at synchronous=FULL, confirm): "
      f"{total / secs:.0f} readings/s, {obs / secs:.0f} observations/s")
print(f"load: hub peak RSS (VmHWM) {hwm / 1024:.1f} MiB for {devices} devices ({hwm / devices:.0f} KiB per device, "
      f"sampled every 0.2 s), up to {threads} threads and {fds} open files")
sys.exit(0 if ok else 1)
PY

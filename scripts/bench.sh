#!/usr/bin/env bash
# make bench: performance figures from a release build, one self-contained section per area (each a
# function): `scripts/bench.sh [ecg] [analytics] [ingest] [load]` (default: all). Speed goals live here, never in timed
# unit tests. Every section prints this machine's figures; the goals are printed beside them, not enforced.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

bench_ecg() {
    # R-peak detection and the waveform codec on a 30-minute MIT-BIH record (650,000 samples).
    "$SWIFT" build -c release --product vitals >&2
    local bin
    bin="$("$SWIFT" build -c release --show-bin-path)/vitals"
    local record=${ECG_RECORD:-../shared/data/mitdb/101}
    echo "== ECG ($record, channel 0, best of 5) =="
    if [ -f "$record.hea" ]; then
        "$bin" ecg bench --record "$record" --repeat 5
    else
        echo "skipped: $record.hea not found"
    fi
}

bench_analytics() {
    echo "== analytics =="
    "$SWIFT" build -c release --product vitals >/dev/null
    local bin
    bin="$("$SWIFT" build -c release --show-bin-path)/vitals"
    # 100 simulated devices (50 CGMs, 50 BP cuffs) through the pure streaming core, then 100 cuffs through the hub's
    # RecordService (group commit at synchronous=FULL) and AnalyticsService: notification -> alert persisted latency,
    # beside this disk's own fdatasync/fsync latency measured in the same run (goal p99 <= 5 ms).
    # The cuffs send about one reading a second each (100 readings/s in all), every other one a crisis.
    "$bin" bench-analytics --devices 100 --readings 2000 --path-readings 20 --interval-ms 1000
}

bench_ingest() {
    echo "== ingest =="
    "$SWIFT" build -c release --product vitals >/dev/null
    local bin
    bin="$("$SWIFT" build -c release --show-bin-path)/vitals"
    # 100 cuffs x 1,000 decoded readings (400,000 observations) through validation and the store as the hub batches
    # them, beside raw SQLite prepared statements inserting the same rows into the same schema; both at synchronous=FULL.
    "$bin" bench-ingest --devices 100 --readings "${INGEST_READINGS:-1000}"
}

bench_load() {
    echo "== load =="
    "$SWIFT" build -c release --product vitals >/dev/null
    "$SWIFT" build -c release --product firmware-sim >/dev/null
    # 1,000 simulated cuffs x 20 stored readings over the simulator link into one hub process: all stored, peak RSS.
    ./scripts/load-test.sh "$("$SWIFT" build -c release --show-bin-path)" "${LOAD_DEVICES:-1000}" "${LOAD_READINGS:-20}"
}

sections=("${@:-ecg analytics ingest load}")
for s in ${sections[@]}; do
    case "$s" in
        ecg) bench_ecg ;;
        analytics) bench_analytics ;;
        ingest) bench_ingest ;;
        load) bench_load ;;
        *) echo "unknown bench section: $s (ecg, analytics, ingest, load)" >&2; exit 2 ;;
    esac
done

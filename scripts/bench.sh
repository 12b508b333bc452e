#!/usr/bin/env bash
# make bench: performance figures from a release build, one self-contained section per area (each a
# function): `scripts/bench.sh [ecg] [analytics]` (default: all). Speed goals live here, never in timed unit tests.
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
    # 100 simulated devices (50 CGMs, 50 BP cuffs) through the pure streaming core, then 100 cuffs through the
    # store (synchronous=FULL) and the analytics service: notification -> alert persisted latency.
    # The cuffs send about one reading a second each (100 readings/s in all), every other one a crisis.
    "$bin" bench-analytics --devices 100 --readings 2000 --path-readings 20 --interval-ms 1000
}

sections=("${@:-ecg analytics}")
for s in ${sections[@]}; do
    case "$s" in
        ecg) bench_ecg ;;
        analytics) bench_analytics ;;
        *) echo "unknown bench section: $s (ecg, analytics)" >&2; exit 2 ;;
    esac
done

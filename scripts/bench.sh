#!/usr/bin/env bash
# make bench: performance figures, one self-contained section per area (each a function).
# Speed goals live here, never in timed unit tests. Release build.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}

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

sections=("${@:-analytics}")
for s in "${sections[@]}"; do
    case "$s" in
        analytics) bench_analytics ;;
        *) echo "unknown bench section: $s" >&2; exit 2 ;;
    esac
done

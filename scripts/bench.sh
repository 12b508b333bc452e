#!/usr/bin/env bash
# make bench: throughput figures from a release build. One section per subsystem; others add theirs below.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product vitals >&2
BIN=$(swift build -c release --show-bin-path)/vitals

# --- ECG: R-peak detection and the waveform codec on a 30-minute MIT-BIH record (650,000 samples) ---
ECG_RECORD=${ECG_RECORD:-../shared/data/mitdb/101}
echo "== ECG ($ECG_RECORD, channel 0, best of 5) =="
if [ -f "$ECG_RECORD.hea" ]; then
    "$BIN" ecg bench --record "$ECG_RECORD" --repeat 5
else
    echo "skipped: $ECG_RECORD.hea not found"
fi

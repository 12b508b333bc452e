#!/usr/bin/env bash
# make eval-ecg: scores our R-peak detector, sleepecg and wfdb XQRS on the same MIT-BIH records under the
# EC57 rules (±150 ms, first 5 minutes excluded, beat labels only, ventricular flutter spans excluded),
# AF episodes on 201 and 203, and the waveform codec against flac -8. Prints one table.
# Data: ../shared/data/mitdb relative to the project root (never copied). Work files: .build-eval/.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${ECG_DATA:-../shared/data/mitdb}
WORK=.build-eval
[ -d "$DATA" ] || { echo "eval-ecg: $DATA not found"; exit 1; }
mkdir -p "$WORK/peers" "$WORK/raw" "$WORK/results"

echo "eval-ecg: building vitals (release)…" >&2
swift build -c release --product vitals >&2
BIN=$(swift build -c release --show-bin-path)/vitals

PEERS=1
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import sleepecg, wfdb" 2>/dev/null; then
    echo "eval-ecg: installing sleepecg and wfdb into $WORK/venv…" >&2
    { python3 -m venv "$WORK/venv" && "$WORK/venv/bin/pip" install -q sleepecg wfdb >&2; } || PEERS=0
fi
FLAC=1
if ! command -v flac >/dev/null; then
    echo "eval-ecg: installing flac (apt-get)…" >&2
    { apt-get install -y -q flac >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q flac >/dev/null 2>&1; }; } || FLAC=0
fi

OUT="$WORK/results/eval.txt"
: > "$OUT"
for hea in "$DATA"/*.hea; do
    rec=${hea%.hea}; name=$(basename "$rec")
    [ -f "$rec.atr" ] || continue
    echo "eval-ecg: $name" >&2
    echo "ours $("$BIN" ecg score --record "$rec")" >> "$OUT"
    if [ "$PEERS" = 1 ]; then
        while read -r det secs; do
            echo "$det $("$BIN" ecg score --record "$rec" --detections "$WORK/peers/${det}_${name}.txt" --seconds "$secs")" >> "$OUT"
        done < <("$WORK/venv/bin/python" scripts/ecg_peers.py "$rec" 0 "$WORK/peers")
    fi
    case $name in 201|203) echo "afrec $name $("$BIN" ecg score --record "$rec" --af | grep '^af ')" >> "$OUT";; esac
    echo "codec $("$BIN" ecg codec --record "$rec" --raw-out "$WORK/raw")" >> "$OUT"
    if [ "$FLAC" = 1 ]; then
        bytes=0
        for raw in "$WORK/raw/${name}"_s*.raw; do
            flac -8 -f -s --force-raw-format --endian=little --sign=signed --channels=1 --bps=16 --sample-rate=360 -o "${raw%.raw}.flac" "$raw"
            bytes=$((bytes + $(stat -c %s "${raw%.raw}.flac")))
        done
        echo "flac $name $bytes" >> "$OUT"
    fi
done
python3 scripts/ecg_table.py "$OUT"

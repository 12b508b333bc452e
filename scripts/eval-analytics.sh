#!/usr/bin/env bash
# make eval-analytics: runs `vitals analyze glucose` and `vitals analyze bp` on ../shared/data's sets and prints one table.
set -euo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
DATA=${DATA:-../shared/data}
[ -d "$DATA" ] || { echo "no reference data at $DATA" >&2; exit 1; }
"$SWIFT" build --product vitals >/dev/null
BIN="$("$SWIFT" build --show-bin-path)/vitals"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# simglucose has columns Time,CGM: give it the id,time,gl shape the command reads.
for f in adult001 adolescent001; do
    awk -F, -v id="$f" 'NR==1{for(i=1;i<=NF;i++){if($i=="Time")t=i; if($i=="CGM")c=i}; print "id,time,gl"; next} {print id","$t","$c}' \
        "$DATA/cgm/simglucose/$f.csv" > "$TMP/$f.csv"
done
{
    for f in "$DATA/cgm/iglu_example_data_5_subject.csv" "$DATA/cgm/Dubosson2018_processed.csv" "$DATA/cgm/Hall2018_processed.csv" "$TMP/adult001.csv" "$TMP/adolescent001.csv"; do
        "$BIN" analyze glucose --csv "$f" > "$TMP/g.json"
        python3 - "$TMP/g.json" "$(basename "$f")" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
n = len(rows); r = sum(x["readings"] for x in rows)
def avg(k): 
    v = [x[k] for x in rows if x[k] is not None]
    return sum(v) / len(v) if v else float("nan")
h1 = sum(x["hypo_episodes"]["level1"] for x in rows); h2 = sum(x["hypo_episodes"]["level2"] for x in rows)
agp = sum(1 for x in rows if len(x.get("agp", [])) == 24)
print(f"glucose | {sys.argv[2]:<34} | {n:>3} ids | {r:>7} readings | TIR {avg('tir_pct'):5.1f} % | TBR70 {avg('tbr70_pct'):4.1f} % | CV {avg('cv_pct'):4.1f} % | GMI {avg('gmi_pct'):4.2f} % | hypo episodes L1 {h1:>4} L2 {h2:>4} | AGP 24 h for {agp}/{n}")
PY
    done
    "$BIN" analyze bp --csv "$DATA/bp/bp_jhs.csv" --columns time=DateTime,sys=Sys.mmHg.,dia=Dias.mmHg.,pulse=Pulse.bpm. > "$TMP/jhs.json"
    "$BIN" analyze bp --csv "$DATA/bp/bp_hypnos.csv" --columns time=DATE.TIME,sys=SYST,dia=DIAST,pulse=HR > "$TMP/hypnos.json"
    for f in jhs hypnos; do
        python3 - "$TMP/$f.json" "bp_$f.csv" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); h = d["home_protocol"]
ms = h["mean_sys"]; md = h["mean_dia"]
print(f"bp      | {sys.argv[2]:<34} | {len(d['readings']):>4} readings | crises {len(d['crises']):>3} | kiosk sittings {len(d['kiosk_sittings']):>3} | home protocol {h['readings']} readings, mean {ms}/{md}, home hypertension {h['home_hypertension']}, sufficient {h['sufficient']}")
PY
    done
} | column -t -s '|'

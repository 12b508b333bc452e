#!/usr/bin/env bash
# libFuzzer over the wire decoders (fuzz/FuzzTargets.swift): every BLE characteristic, ATT, advertising and HCI
# reports, BlueZ management packets, IEEE 11073-20601 APDUs and scan/config reports, ASTM frames and messages, USB
# descriptors, USB/IP, simulator frames, and WFDB headers, signals and annotations.
#
#   scripts/fuzz.sh [RUNS] [TARGET...]     RUNS per target (default 20000); default: every target
#
# Built outside SwiftPM with swiftc -sanitize=fuzzer,address (AddressSanitizer and libFuzzer's coverage) into
# .build-fuzz: VitalsCore, VitalsWire and VitalsECG as static libraries, then the fuzz binary. Seeds: every hex
# vector in Tests/VitalsWireTests (the spec vectors the decoders are tested against) and fuzz/regressions/<target>;
# what a run learns is kept in .build-fuzz/corpus/<target>. A crash is written to .build-fuzz/crashes/<target>/ and
# fails the run: once fixed, copy it to fuzz/regressions/<target>/, which every run (make test's too) replays first.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20000}"
shift || true
OUT=.build-fuzz
FLAGS=(-sanitize=fuzzer,address -parse-as-library -O -g -suppress-warnings)
mkdir -p "$OUT"

stamp() { find "$@" -name '*.swift' -newer "$OUT/fuzz" 2>/dev/null | head -1; }
if [ ! -x "$OUT/fuzz" ] || [ -n "$(stamp Sources/VitalsCore Sources/VitalsWire Sources/VitalsECG fuzz)" ]; then
    echo "== fuzz: building (swiftc ${FLAGS[*]})"
    for m in VitalsCore VitalsWire VitalsECG; do
        swiftc "${FLAGS[@]}" -I "$OUT" -emit-library -static -emit-module -module-name "$m" \
            $(find "Sources/$m" -name '*.swift' | sort) -emit-module-path "$OUT/$m.swiftmodule" -o "$OUT/lib$m.a"
    done
    swiftc "${FLAGS[@]}" -I "$OUT" -L "$OUT" -lVitalsECG -lVitalsWire -lVitalsCore fuzz/FuzzTargets.swift -o "$OUT/fuzz" 2>&1 \
        | grep -v "Cannot export local symbol" || true
    [ -x "$OUT/fuzz" ] || { echo "fuzz: the build failed" >&2; exit 1; }
fi

# The spec vectors: each Hex.parse("…") literal of the wire tests becomes a seed file.
SEEDS="$OUT/seeds"
rm -rf "$SEEDS" && mkdir -p "$SEEDS"
python3 - "$SEEDS" <<'PY'
import glob, hashlib, os, re, sys
n = 0
for f in glob.glob("Tests/VitalsWireTests/*.swift"):
    for h in re.findall(r'Hex\.parse\("([0-9A-Fa-f ]+)"\)', open(f).read()):
        b = bytes.fromhex(h.replace(" ", ""))
        open(os.path.join(sys.argv[1], hashlib.sha1(b).hexdigest()), "wb").write(b)
        n += 1
print(f"== fuzz: {n} spec vectors from Tests/VitalsWireTests as seeds")
PY

TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(characteristic att advertising mgmt phd-apdu phd-scan-report astm-frame astm-message usb-descriptors usbip sim-frame wfdb-header wfdb-signal wfdb-annotations)
status=0
for t in "${TARGETS[@]}"; do
    mkdir -p "$OUT/corpus/$t" "$OUT/crashes/$t" "fuzz/regressions/$t"
    if FUZZ_TARGET="$t" "$OUT/fuzz" -runs="$RUNS" -max_len=2048 -timeout=10 -artifact_prefix="$OUT/crashes/$t/" \
        "$OUT/corpus/$t" "$SEEDS" "fuzz/regressions/$t" >"$OUT/$t.log" 2>&1; then
        echo "fuzz $t: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second\(s\)' "$OUT/$t.log" | tail -1), corpus $(ls "$OUT/corpus/$t" | wc -l) inputs"
    else
        echo "fuzz $t: FAILED — $(grep -E 'ERROR|Fatal error|SUMMARY' "$OUT/$t.log" | head -2 | tr '\n' ' ')" >&2
        ls "$OUT/crashes/$t" >&2
        status=1
    fi
done
exit $status

#!/usr/bin/env bash
# make vm-test-mutant: shows that the real-kernel tier catches a broken driver. It copies the sources,
# breaks one thing in the copy (by default the BLE driver writes its notification subscription to the
# handle after the CCCD, the "wrong CCCD handle" bug), builds the copy in .build-mutant/, and runs
# vm-test with those binaries. It succeeds only if vm-test FAILS, and prints which line caught it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$ROOT/.build-mutant"
MUTANT="${MUTANT:-cccd}"
mkdir -p "$WORK/src"
rm -rf "$WORK/src.new" && mkdir -p "$WORK/src.new"
(cd "$ROOT" && tar --exclude='./.build*' --exclude='./.git' --exclude='./demo-output' -cf - .) | tar -xf - -C "$WORK/src.new"
# Keep the copy's own .build between runs (incremental), replace everything else.
[ -d "$WORK/src/.build" ] && mv "$WORK/src/.build" "$WORK/src.new/.build"
rm -rf "$WORK/src" && mv "$WORK/src.new" "$WORK/src"
case "$MUTANT" in
    cccd)
        FILE=Sources/VitalsDrivers/BLEDeviceSession.swift
        FROM='ATTHandleValue(handle: c.cccdHandle!, value: sub.cccdValue)'
        TO='ATTHandleValue(handle: c.cccdHandle! + 1, value: sub.cccdValue)'
        ;;
    phd-ack)
        # The 11073 manager acknowledges a measurement report with the wrong invoke-id.
        FILE=Sources/VitalsDrivers/PHDManagerSession.swift
        FROM='PHDAPDU.data(DataAPDU(invokeID: invokeID, message: .eventReportResult('
        TO='PHDAPDU.data(DataAPDU(invokeID: invokeID &+ 1, message: .eventReportResult('
        ;;
    pairing)
        # The hub answers no pairing request (as if nobody listened on the management socket).
        FILE=Sources/vitals/Run.swift
        FROM='let agent = pairing && !noPairingAgent'
        TO='let agent = false'
        ;;
    *) echo "vm-test-mutant: unknown MUTANT=$MUTANT (cccd, phd-ack, pairing)"; exit 2 ;;
esac
python3 - "$WORK/src/$FILE" "$FROM" "$TO" <<'PY' || { echo "vm-test-mutant: the line to break is not in $FILE any more; update this script"; exit 2; }
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if old not in text:
    sys.exit(1)
open(path, "w").write(text.replace(old, new, 1))
print(f"vm-test-mutant: {path.split('/src/', 1)[1]} now has: {new}")
PY
(cd "$WORK/src" && swift build)
BIN="$(cd "$WORK/src" && swift build --show-bin-path)"
set +e
VM_TEST_BIN="$BIN" VM_TEST_REQUIRED=1 "$ROOT/scripts/vm-test.sh" > "$WORK/vm-test.out" 2>&1
RC=$?
set -e
grep -E '^vm-test (usb|ble):' "$WORK/vm-test.out" || true
if [ $RC -ne 0 ]; then
    echo "vm-test-mutant: caught: vm-test failed with the $MUTANT mutant, as it must"
    exit 0
fi
echo "vm-test-mutant: NOT caught: vm-test passed with a broken driver"
exit 1

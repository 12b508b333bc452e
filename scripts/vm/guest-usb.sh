#!/bin/bash
# USB path of vm-test, inside the guest: firmware-sim exports its PHDC loopback device over USB/IP on the
# guest's loopback; `usbip attach` plugs it into the real kernel through vhci-hcd; the hub's libusb transport
# (vitals usb-probe) finds it, claims it and does N bulk round trips.
set -u
W=$VMTEST_WORK BIN=$VMTEST_BIN
N=20
say() { echo "vm-guest: $*"; }
result() { echo "$1" > "$W/usb.result"; }
fail() { say "usb: $1"; result "fail: vm-test usb: $1"; }

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
modprobe vhci-hcd || { fail "cannot load vhci-hcd"; exit 0; }
"$BIN/firmware-sim" usbip --device loopback --host 127.0.0.1 --port 3240 --busid 1-1 --log-level info \
    > "$W/usbip-sim.out" 2> "$W/usbip-sim.log" &
SIM=$!
for i in $(seq 1 100); do grep -qs listening "$W/usbip-sim.out" && break; sleep 0.2; done
grep -qs listening "$W/usbip-sim.out" || { fail "firmware-sim usbip did not start"; kill $SIM 2>/dev/null; exit 0; }
usbip list -r 127.0.0.1 > "$W/usbip.txt" 2>&1
if ! usbip attach -r 127.0.0.1 -b 1-1 >> "$W/usbip.txt" 2>&1; then
    fail "usbip attach failed: $(tail -1 "$W/usbip.txt")"
    kill $SIM 2>/dev/null
    exit 0
fi
say "usb: attached at $(cut -d' ' -f1 /proc/uptime) s"
"$BIN/vitals" usb-probe --count $N --wait 30 --log-level info > "$W/usb-probe.out" 2> "$W/usb-probe.log"
RC=$?
"$BIN/vitals" scan --usb > "$W/usb-scan.out" 2>&1
usbip port >> "$W/usbip.txt" 2>&1
usbip detach -p 0 >> "$W/usbip.txt" 2>&1
sleep 0.5
kill $SIM 2>/dev/null
wait $SIM 2>/dev/null
dmesg | grep -iE "usb|vhci" | tail -30 > "$W/usb-dmesg.log"
line=$(sed -n 's/^usb-probe: \(loopback .*\)/\1/p' "$W/usb-probe.out")
if [ $RC -eq 0 ] && grep -q "^loopback $N/$N " <<< "$line"; then
    result "ok: vm-test usb: $line"
else
    fail "${line:-no round trips} (usb-probe exit $RC: $(grep FAILED "$W/usb-probe.out" | head -1))"
fi
say "usb: done at $(cut -d' ' -f1 /proc/uptime) s"

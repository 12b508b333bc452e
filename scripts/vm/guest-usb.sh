#!/bin/bash
# USB path of vm-test, inside the guest. firmware-sim exports simulated USB devices over USB/IP on the
# guest's loopback; `usbip attach` plugs them into the real kernel through vhci-hcd; the hub reads them
# through libusb. First a PHDC loopback device (vitals usb-probe: bulk round trips), then IEEE 11073-20601
# agents (a BP monitor and a glucose meter) that the hub associates with, stores and releases, beside an
# ASTM E1381/E1394 glucose meter (Contour-style) that the hub wakes and reads.
set -u
W=$VMTEST_WORK BIN=$VMTEST_BIN ROOT=$VMTEST_ROOT
N=20
DB=/run/usb.sqlite
say() { echo "vm-guest: $*"; }
result() { echo "$1" > "$W/usb.result"; }
fail() { say "usb: $1"; result "fail: vm-test usb: $1"; }

ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
modprobe vhci-hcd || { fail "cannot load vhci-hcd"; exit 0; }

# serve NAME PORT ARGS…: one USB/IP server per device, waited for until it listens.
serve() {
    local name=$1 port=$2; shift 2
    "$BIN/firmware-sim" usbip "$@" --host 127.0.0.1 --port "$port" --busid 1-1 --imports 1 --log-level info \
        > "$W/usbip-$name.out" 2> "$W/usbip-$name.log" &
    for i in $(seq 1 100); do grep -qs listening "$W/usbip-$name.out" && return 0; sleep 0.2; done
    return 1
}
attach() {  # attach PORT: retried, since vhci can be briefly busy (e.g. just after a detach) under emulation;
    # then waits until the kernel lists the device, so the next attach does not find vhci mid-enumeration.
    local before=$(usbip port 2>/dev/null | grep -c "Port in Use")
    for try in 1 2 3 4 5 6; do
        if usbip --tcp-port "$1" attach -r 127.0.0.1 -b 1-1 >> "$W/usbip.txt" 2>&1; then
            for i in $(seq 1 50); do
                [ "$(usbip port 2>/dev/null | grep -c "Port in Use")" -gt "$before" ] && return 0
                sleep 0.2
            done
            return 0
        fi
        echo "attach to port $1 failed (try $try), retrying" >> "$W/usbip.txt"
        sleep 1
    done
    return 1
}

# 1. The transport alone: bulk round trips with the loopback device.
serve loopback 3240 --device loopback || { fail "firmware-sim usbip did not start"; exit 0; }
attach 3240 || { fail "usbip attach failed: $(tail -1 "$W/usbip.txt")"; exit 0; }
say "usb: loopback attached at $(cut -d' ' -f1 /proc/uptime) s"
"$BIN/vitals" usb-probe --count $N --wait 30 --log-level info > "$W/usb-probe.out" 2> "$W/usb-probe.log"
PROBE_RC=$?
usbip port >> "$W/usbip.txt" 2>&1
usbip detach -p 0 >> "$W/usbip.txt" 2>&1
probe=$(sed -n 's/^usb-probe: \(loopback .*\)/\1/p' "$W/usb-probe.out")
if [ $PROBE_RC -ne 0 ] || ! grep -q "^loopback $N/$N " <<< "$probe"; then
    fail "${probe:-no round trips} (usb-probe exit $PROBE_RC: $(grep FAILED "$W/usb-probe.out" | head -1))"
    exit 0
fi

# 2. IEEE 11073-20601 agents and an ASTM meter: plugged in, then the hub runs until all are done. The hub
# runs as a device lab's rig (--accept-simulated-devices), so firmware-sim's devices get their own profiles.
serve bp 3241 --device phd-bp || { fail "phd-bp did not start"; exit 0; }
serve glucose 3242 --device phd-glucose || { fail "phd-glucose did not start"; exit 0; }
serve astm 3243 --device astm-meter --astm-bad-checksum-frame 3 || { fail "astm-meter did not start"; exit 0; }
attach 3241 && attach 3242 && attach 3243 || { fail "usbip attach of the devices failed: $(tail -1 "$W/usbip.txt")"; exit 0; }
say "usb: agents attached at $(cut -d' ' -f1 /proc/uptime) s"
"$BIN/vitals" scan --usb --profiles "$ROOT/device-profiles" > "$W/usb-scan.out" 2>&1
"$BIN/vitals" run --usb --exit-when-idle 2 --accept-simulated-devices --db "$DB" --profiles "$ROOT/device-profiles" --log-level info > "$W/usb-hub.out" 2> "$W/usb-hub.log" &
HUB=$!
deadline=$(( $(cut -d. -f1 /proc/uptime) + 120 ))
while kill -0 $HUB 2>/dev/null; do
    [ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ] || { say "usb hub did not finish in time"; kill -TERM $HUB; break; }
    sleep 0.5
done
wait $HUB; HUBRC=$?
usbip port >> "$W/usbip.txt" 2>&1
usbip detach -p 0 >> "$W/usbip.txt" 2>&1
usbip detach -p 1 >> "$W/usbip.txt" 2>&1
usbip detach -p 2 >> "$W/usbip.txt" 2>&1
sleep 0.5
kill %1 %2 %3 %4 2>/dev/null
wait 2>/dev/null
dmesg | grep -iE "usb|vhci" | tail -30 > "$W/usb-dmesg.log"

"$BIN/vitals" readings --db "$DB" --json > "$W/usb-readings.json" 2>>"$W/usb-hub.log"
"$BIN/vitals" alerts --db "$DB" --json > "$W/usb-alerts.json" 2>>"$W/usb-hub.log"
python3 - "$W" "$HUBRC" "$probe" <<'PY'
import json, sys
w, hubrc, probe = sys.argv[1], sys.argv[2], sys.argv[3]
readings = json.load(open(f"{w}/usb-readings.json"))
alerts = json.load(open(f"{w}/usb-alerts.json"))
# usb-agents: the BP monitor's 2 and the glucose agent's 3 measurements; the ASTM demo meter's 7 results.
sent = {"blood-pressure": 2, "glucose": 3 + 7}
astm = sum(1 for r in readings if r["deviceID"].startswith("sim-usb:1209:7100"))
keys = [(r["deviceID"], r["kind"], r["naturalKey"]) for r in readings]
once = len(keys) == len(set(keys))
by_kind = {k: sum(1 for r in readings if r["kind"] == k) for k in sent}
acks = [open(f"{w}/usbip-{n}.out").read() for n in ("bp", "glucose")]
released = all("released" in a for a in acks)
scan = open(f"{w}/usb-scan.out").read()
matched = sum(1 for l in scan.splitlines() if "PHDC 11073-20601" in l and "match: generic-phd" in l)
rules = sorted(f'{a["ruleID"]}:{a["severity"]}' + (":historical" if a.get("historical") else "") for a in alerts)
clean = hubrc == "0"
# The ASTM meter's `<20` result (LOW, censored) is a level-2 hypoglycaemia too: recorded as a historical event, since
# the meter's records are old. On the lab rig the simulated devices match their (medical) sim profiles: critical alerts. (scan --usb, without
# the rig flag, shows the agents as unprofiled PHDC devices: generic-phd.)
ok = clean and once and by_kind == sent and astm == 7 and released and matched == 2 and rules == ["bp.hypertensive-crisis:critical", "glucose.hypoglycaemia-level-2:critical", "glucose.hypoglycaemia-level-2:critical:historical"]
line = (f"vm-test usb: sent {sum(sent.values())} readings from 2 IEEE 11073 agents and an ASTM meter ({sent['blood-pressure']} blood pressure, {sent['glucose']} glucose, {astm} of them ASTM), "
        f"stored exactly once {len(set(keys)) if once else 'NOT exactly once'} ({by_kind}); scan --usb matched {matched}/2 to generic-phd; agents {'released' if released else 'NOT released'}; "
        f"alerts {rules}; hub shutdown {'clean' if clean else 'exit ' + hubrc}; {probe}")
print(line)
open(f"{w}/usb.result", "w").write(("ok: " if ok else "fail: ") + line + "\n")
PY
say "usb: done at $(cut -d' ' -f1 /proc/uptime) s"

#!/bin/bash
# BLE path of vm-test, inside the guest: two virtual LE controllers linked by btvirt; firmware-sim plays a
# BP cuff, then a glucose meter, on hci0 through the real kernel; the hub is the central on hci1.
set -u
W=$VMTEST_WORK BIN=$VMTEST_BIN ROOT=$VMTEST_ROOT
# SQLite's WAL needs shared memory that a 9p share does not give: keep the database on the guest's tmpfs.
DB=/run/vm.sqlite
say() { echo "vm-guest: $*"; }
result() { echo "$1" > "$W/ble.result"; }

modprobe bluetooth; modprobe hci_vhci
[ -e /dev/vhci ] || { say "no /dev/vhci"; result "fail: no /dev/vhci"; exit 0; }
# The management interface sees a controller only once the kernel's first (automatic) power-on has run
# its setup. Under emulation that setup's HCI Reset can time out (-110), and the controller then stays in
# setup for good, invisible to management: start btvirt afresh (it creates new controllers) until both
# have come through.
mgmt_sees() { btmgmt --index "$1" info 2>/dev/null | grep -q "current settings:"; }
BTVIRT=
for attempt in $(seq 1 5); do
    seen=$(dmesg | wc -l)
    btvirt -L -l2 >> "$W/btvirt.log" 2>&1 &
    BTVIRT=$!
    ready=no
    for t in $(seq 1 20); do
        if mgmt_sees 0 && mgmt_sees 1; then ready=yes; break; fi
        # A setup command that timed out (e.g. "Opcode 0x0c03 failed: -110") will not recover: restart now.
        dmesg | tail -n +$((seen + 1)) | grep -q "failed: -110" && break
        sleep 1
    done
    [ $ready = yes ] && break
    say "controllers not through setup (attempt $attempt); restarting btvirt"
    kill $BTVIRT; wait $BTVIRT 2>/dev/null; sleep 1
done
[ $ready = yes ] || { say "controllers did not come up"; result "fail: hci0/hci1 did not come through setup"; exit 0; }
# An HCI trace of every controller, for reading a failure without rerunning.
btmon > "$W/btmon.txt" 2>&1 &
BTMON=$!
# Power on through the management interface, not `hciconfig up`: the kernel registers its SMP (pairing)
# channel only when a management client powers the controller on (hci_powered_update_sync); a controller
# brought up over raw HCI has no SMP, and every BT_SECURITY request is refused with "security requested
# but not available".
for i in 0 1; do
    up=no
    for try in $(seq 1 10); do
        btmgmt --index "$i" le on >/dev/null 2>&1
        btmgmt --index "$i" bondable on >/dev/null 2>&1
        btmgmt --index "$i" power on >/dev/null 2>&1
        if btmgmt --index "$i" info 2>/dev/null | grep -q "current settings:.*powered"; then up=yes; break; fi
        sleep 1
    done
    [ $up = yes ] || { say "hci$i did not power on"; btmgmt --index "$i" info >> "$W/btvirt.log" 2>&1; result "fail: hci$i did not power on"; exit 0; }
done
say "controllers up at $(cut -d' ' -f1 /proc/uptime) s: $(hciconfig | grep -c '^hci') adapters"

"$BIN/vitals" run --ble --adapter 1 --accept-simulated-devices --db "$DB" --profiles "$ROOT/device-profiles" --log-level info > "$W/hub.out" 2> "$W/hub.log" &
HUB=$!

# Play one device at a time on hci0: btvirt mixes up connection handles when one central holds links to
# two emulated peripherals at once (the second peripheral answers "Unknown Connection Identifier").
play() {  # play DEVICE-NAME LOG [SCENARIO]
    "$BIN/firmware-sim" run "${3:-demo}" --hci 0 --device "$1" --hubs 3 --log-level info > "$W/$2" 2>&1 &
    local sim=$! deadline=$(( $(cut -d. -f1 /proc/uptime) + 60 ))
    # Wait on the process, not a fixed sleep: it exits when the device has delivered everything.
    while kill -0 $sim 2>/dev/null; do
        [ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ] || { say "$1 did not finish in time"; kill $sim; break; }
        sleep 1
    done
    wait $sim
}
play OV-SIM-BP-01 sim-bp.log; RC1=$?
play OV-SIM-GLU-01 sim-glu.log; RC2=$?
play OV-SIM-HR-01 sim-hr.log vm-wearables; RC3=$?
play OV-SIM-ECG-02 sim-ecg.log vm-wearables; RC4=$?
kill -TERM $HUB 2>/dev/null
# Wait for a clean shutdown, but not forever: a hub that hangs is reported (exit 137), not left to the
# QEMU timeout.
deadline=$(( $(cut -d. -f1 /proc/uptime) + 30 ))
while kill -0 $HUB 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt $deadline ]; do sleep 0.5; done
kill -0 $HUB 2>/dev/null && { say "hub did not stop within 30 s of SIGTERM"; kill -KILL $HUB; }
wait $HUB; HUBRC=$?
kill $BTVIRT $BTMON 2>/dev/null
dmesg > "$W/dmesg.log"
say "firmware-sim exits $RC1 $RC2 $RC3 $RC4, hub exit $HUBRC"

"$BIN/vitals" readings --db "$DB" --json > "$W/readings.json" 2>>"$W/hub.log"
"$BIN/vitals" alerts --db "$DB" --json > "$W/alerts.json" 2>>"$W/hub.log"
KEYS_MODE=$(stat -c %a "$DB.ble-keys.json" 2>/dev/null || echo none)
python3 - "$W" "$HUBRC" "$KEYS_MODE" "$DB.ble-keys.json" <<'PY'
import json, sys, os
w = sys.argv[1]
readings = json.load(open(f"{w}/readings.json"))
alerts = json.load(open(f"{w}/alerts.json"))
# The demo scenario's cuff and meter (glucose records from its RACP store), then vm-wearables' strap.
sent = {"blood-pressure": 2, "glucose": 5, "heart-rate": 10}
import re
m = re.search(r"(\d+) waveform samples stored", open(f"{w}/hub.out").read())
ecg = int(m.group(1)) if m else 0   # vm-wearables' ECG strap: 60 s at 130 Hz
keys = [(r["deviceID"], r["kind"], r["naturalKey"]) for r in readings]
once = len(keys) == len(set(keys))
by_kind = {k: sum(1 for r in readings if r["kind"] == k) for k in sent}
rules = sorted(a["ruleID"] for a in alerts)
clean = sys.argv[2] == "0"
# Pairing: the glucose meter refuses writes on an unencrypted link (Glucose Profile security), so its
# records arrive only if the hub paired; the hub's agent accepted Just Works and kept the bond key (0600).
hub_log = open(f"{w}/hub.log").read()
accepted = hub_log.count("pairing accepted (Just Works)")
bonded = len(set(l.split("device=")[1].split(" ")[0] for l in hub_log.splitlines() if "] bonded" in l and "device=" in l))
encrypted = hub_log.count("] link encrypted")
meter_encrypted = "link encrypted" in open(f"{w}/sim-glu.log").read()
keys_mode = sys.argv[3]
bond_keys = json.load(open(sys.argv[4])) if os.path.exists(sys.argv[4]) else {}
kept = sum(len(v) for v in bond_keys.get("adapters", {}).values())
# The hub's agent loads Identity Resolving Keys (none) at start; only then does the kernel's SMP ask the device
# for its identity key: the hub's Pairing Request must list IdKey in the responder's key distribution.
btmon = open(f"{w}/btmon.txt", errors="replace").read()
asks_irk = re.search(r"SMP: Pairing Request \(0x01\)[^\n]*(?:\n[^\n]*){0,8}?\n\s*Responder key distribution:[^\n]*IdKey", btmon) is not None
paired = accepted >= 1 and bonded >= 1 and meter_encrypted and keys_mode == "600" and kept >= 1 and asks_irk
ok = paired and clean and once and by_kind == sent and ecg == 7800 and rules == ["bp.hypertensive-crisis", "glucose.hypoglycaemia-level-2"]
line = (f"vm-test ble: sent {sum(sent.values())} readings ({sent['blood-pressure']} blood pressure, {sent['glucose']} glucose, {sent['heart-rate']} heart rate) "
        f"and 7800 ECG samples, stored exactly once {len(set(keys)) if once else 'NOT exactly once'} ({by_kind}) and {ecg} ECG samples; "
        f"alerts {rules}; paired (Just Works) {accepted}x, bonded with {bonded} device(s), {encrypted} encrypted link(s), "
        f"meter link encrypted {'yes' if meter_encrypted else 'NO'}, {kept} bond key(s) kept (file mode {keys_mode}), "
        f"identity key {'requested' if asks_irk else 'NOT requested'} in the pairing; "
        f"hub shutdown {'clean' if clean else 'exit ' + sys.argv[2]}")
print(line)
open(f"{w}/ble.result", "w").write(("ok: " if ok else "fail: ") + line + "\n")
PY

#!/usr/bin/env python3
"""A firmware-sim scenario of blood-pressure cuffs with many stored readings, for the crash and disk tiers.

    cuff-scenario.py OUT DEVICES PER NAME ADDRESS_BYTE

Cuff d is named OV-SIM-BP-<NAME initial><d> at C0:FF:EE:<ADDRESS_BYTE>:<d high>:<d low> and holds PER readings, one a
minute going back from the start: distinct device time stamps, the natural key a reading is stored once by.
"""
import json
import sys

path, devices, per, name, byte = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
s = {"name": name, "description": "cuffs with many stored readings", "devices": []}
for d in range(devices):
    s["devices"].append({
        "type": "bp-cuff", "name": f"OV-SIM-BP-{name[0].upper()}{d:02d}", "address": f"C0:FF:EE:{byte}:{d // 256:02X}:{d % 256:02X}",
        "readings": [{"systolic": 110 + (j * 7) % 40, "diastolic": 70 + (j * 3) % 15, "pulse": 60 + j % 20, "minutesAgo": per - j}
                     for j in range(per)],
    })
json.dump(s, open(path, "w"))

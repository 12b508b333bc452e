#!/usr/bin/env python3
"""A firmware-sim scenario of blood-pressure cuffs with many stored readings, for the crash and disk tiers.

    cuff-scenario.py OUT DEVICES PER NAME ADDRESS_BYTE [CRISIS_EVERY]

Cuff d is named OV-SIM-BP-<NAME initial><d> at C0:FF:EE:<ADDRESS_BYTE>:<d high>:<d low> and holds PER readings, one a
minute going back from the start: distinct device time stamps, the natural key a reading is stored once by. With
CRISIS_EVERY n, every n-th reading of each cuff is 186/124 mmHg (a hypertensive crisis: one alert each).
"""
import json
import sys

path, devices, per, name, byte = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
crisis_every = int(sys.argv[6]) if len(sys.argv) > 6 else 0


def reading(j):
    if crisis_every and j % crisis_every == crisis_every - 1:
        return {"systolic": 186, "diastolic": 124, "pulse": 90, "minutesAgo": per - j}
    return {"systolic": 110 + (j * 7) % 40, "diastolic": 70 + (j * 3) % 15, "pulse": 60 + j % 20, "minutesAgo": per - j}


s = {"name": name, "description": "cuffs with many stored readings", "devices": []}
for d in range(devices):
    s["devices"].append({
        "type": "bp-cuff", "name": f"OV-SIM-BP-{name[0].upper()}{d:02d}", "address": f"C0:FF:EE:{byte}:{d // 256:02X}:{d % 256:02X}",
        "readings": [reading(j) for j in range(per)],
    })
json.dump(s, open(path, "w"))

#!/usr/bin/env python3
"""Formats the lines written by scripts/eval-ecg.sh as one table (per record and pooled)."""
import sys
from collections import defaultdict

score = defaultdict(dict)   # detector -> record -> (ref, tp, fn, fp, secs, latency)
codec, flac, af = {}, {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if not f:
        continue
    if f[0] in ("ours", "sleepecg", "xqrs"):
        rec, ref, tp, fn, fp = f[1], *map(int, f[2:6])
        score[f[0]][rec] = (ref, tp, fn, fp, float(f[8]), float(f[9]))
    elif f[0] == "codec":
        codec[f[1]] = (int(f[2]), int(f[3]))
    elif f[0] == "flac":
        flac[f[1]] = int(f[2])
    elif f[0] == "afrec":
        af[f[1]] = tuple(map(float, f[3:6]))

dets = [d for d in ("ours", "sleepecg", "xqrs") if d in score]
recs = sorted(score["ours"])
def pct(a, b):
    return 100.0 * a / b if b else 100.0
hdr = f"{'record':>6} " + " ".join(f"{d+' Se':>12} {'+P':>7} {'FN':>4} {'FP':>4} {'ms':>7}" for d in dets)
hdr += f" {'codec b/s':>9} {'flac-8 b/s':>10}"
print(hdr)
print("-" * len(hdr))
tot = {d: [0, 0, 0, 0, 0.0] for d in dets}
cb = cs = fb = 0
for r in recs:
    row = f"{r:>6} "
    cells = []
    for d in dets:
        if r not in score[d]:
            cells.append(f"{'n/a':>12} {'':>7} {'':>4} {'':>4} {'':>7}")
            continue
        ref, tp, fn, fp, s, _ = score[d][r]
        t = tot[d]; t[0] += tp; t[1] += fn; t[2] += fp; t[3] += 1; t[4] += s
        cells.append(f"{pct(tp, tp + fn):12.2f} {pct(tp, tp + fp):7.2f} {fn:4d} {fp:4d} {1000 * s:7.1f}")
    row += " ".join(cells)
    if r in codec:
        n, b = codec[r]; cb += b; cs += n
        row += f" {8 * b / n:9.3f}"
        if r in flac:
            fb += flac[r]; row += f" {8 * flac[r] / n:10.3f}"
    print(row)
print("-" * len(hdr))
row = f"{'pooled':>6} "
row += " ".join(f"{pct(t[0], t[0] + t[1]):12.3f} {pct(t[0], t[0] + t[2]):7.3f} {t[1]:4d} {t[2]:4d} {1000 * t[4] / max(1, t[3]):7.1f}" for t in tot.values())
if cs:
    row += f" {8 * cb / cs:9.3f}" + (f" {8 * fb / cs:10.3f}" if fb else "")
print(row)
print(f"(ms = detection time per 30-min record; ours: release build, streaming in 4096-sample blocks; peers: their Python API on the same channel-0 samples)")
lat = max((v[5] for v in score["ours"].values()), default=0)
print(f"ours: max detection latency {lat:.3f} s")
for r, (ref, det, ov) in sorted(af.items()):
    print(f"AF {r}: reference {ref:.0f} s, detected {det:.0f} s, overlap {ov:.0f} s -> duration Se {pct(ov, ref):.1f} %, PPV {pct(ov, det):.1f} %")
if af:
    ref = sum(v[0] for v in af.values()); det = sum(v[1] for v in af.values()); ov = sum(v[2] for v in af.values())
    print(f"AF 201+203: duration Se {pct(ov, ref):.1f} %, PPV {pct(ov, det):.1f} %")

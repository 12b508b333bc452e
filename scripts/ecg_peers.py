#!/usr/bin/env python3
"""Runs the peer QRS detectors (sleepecg, wfdb XQRS) on one WFDB record channel and writes their R-peak
sample indices, one per line, to OUT_DIR/<detector>_<record>.txt; prints `<detector> <seconds>` per
detector. Scoring is not done here: `vitals ecg score --detections` scores every detector the same way."""
import sys
import time

import numpy as np


def main() -> None:
    record, channel, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    import wfdb
    rec = wfdb.rdrecord(record, channels=[channel])
    sig = rec.p_signal[:, 0].astype(np.float64)
    fs = float(rec.fs)
    name = record.rstrip("/").split("/")[-1]

    import sleepecg
    t0 = time.perf_counter()
    peaks = sleepecg.detect_heartbeats(sig, fs)
    t = time.perf_counter() - t0
    np.savetxt(f"{out_dir}/sleepecg_{name}.txt", np.asarray(peaks, dtype=np.int64), fmt="%d")
    print(f"sleepecg {t:.4f}")

    from wfdb import processing
    t0 = time.perf_counter()
    xq = processing.XQRS(sig=sig, fs=fs)
    xq.detect(verbose=False)
    t = time.perf_counter() - t0
    np.savetxt(f"{out_dir}/xqrs_{name}.txt", np.asarray(xq.qrs_inds, dtype=np.int64), fmt="%d")
    print(f"xqrs {t:.4f}")


if __name__ == "__main__":
    main()

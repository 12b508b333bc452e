// Charts drawn as SVG by hand: the AGP (percentile bands), the blood-pressure trend with ACC/AHA 2017 bands,
// and an ECG strip with its detected beats.
"use strict";

const Charts = (() => {
  const { el, clear } = OV;
  const W = 640, H = 150, L = 40, R = 8, T = 8, B = 20;

  function frame(container, label) {
    clear(container);
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": label, preserveAspectRatio: "none" });
    container.append(svg);
    return svg;
  }
  function empty(container, text) { clear(container); container.append(el("p", { class: "empty" }, text)); }

  function scale(d0, d1, r0, r1) { return (v) => r0 + (v - d0) / (d1 - d0) * (r1 - r0); }
  function yAxis(svg, y, ticks, fmt = String) {
    for (const t of ticks) {
      svg.append(el("line", { x1: L, x2: W - R, y1: y(t), y2: y(t), class: "grid" }));
      svg.append(el("text", { x: L - 4, y: y(t) + 3, class: "tick", "text-anchor": "end" }, fmt(t)));
    }
  }

  // AGP: hourly bins {minuteOfDay, p5, p25, p50, p75, p95} over a 24-hour day; target range 70–180 mg/dL.
  function agp(container, bins) {
    const used = (bins || []).filter((b) => b.count > 0).sort((a, b) => a.minuteOfDay - b.minuteOfDay);
    if (used.length < 2) return empty(container, "Not enough glucose readings for an AGP.");
    const svg = frame(container, "Ambulatory glucose profile");
    const x = scale(0, 1440, L, W - R), y = scale(0, 350, H - B, T);
    svg.append(el("rect", { x: L, width: W - R - L, y: y(180), height: y(70) - y(180), class: "target" }));
    yAxis(svg, y, [54, 70, 180, 250]);
    for (let h = 0; h <= 24; h += 3) svg.append(el("text", { x: x(h * 60), y: H - 5, class: "tick", "text-anchor": "middle" }, String(h).padStart(2, "0") + ":00"));
    // Each bin is drawn at its middle (an hourly bin spans 60 minutes).
    const mid = (b) => x(b.minuteOfDay + 30);
    const band = (lo, hi, cls) => {
      const top = used.map((b) => `${mid(b).toFixed(1)},${y(b[hi]).toFixed(1)}`);
      const bottom = used.slice().reverse().map((b) => `${mid(b).toFixed(1)},${y(b[lo]).toFixed(1)}`);
      svg.append(el("polygon", { points: top.concat(bottom).join(" "), class: cls }));
    };
    band("p5", "p95", "band-outer");
    band("p25", "p75", "band-inner");
    svg.append(el("polyline", { points: used.map((b) => `${mid(b).toFixed(1)},${y(b.p50).toFixed(1)}`).join(" "), class: "median" }));
  }

  // ACC/AHA 2017 categories by systolic pressure (diastolic thresholds drawn as dashed lines).
  const ACC_BANDS = [
    [0, 120, "bp-normal", "normal"], [120, 130, "bp-elevated", "elevated"], [130, 140, "bp-stage1", "stage 1"],
    [140, 180, "bp-stage2", "stage 2"], [180, 240, "bp-crisis", "crisis"],
  ];

  // points: [{at, sys, dia}] in time order.
  function bpTrend(container, points) {
    if (!points.length) return empty(container, "No blood-pressure readings.");
    const svg = frame(container, "Blood pressure trend with ACC/AHA 2017 categories");
    const times = points.map((p) => new Date(p.at).getTime());
    let t0 = Math.min(...times), t1 = Math.max(...times);
    if (t1 - t0 < 60000) { t0 -= 30000; t1 += 30000; }
    const x = scale(t0, t1, L + 6, W - R - 6), y = scale(40, 220, H - B, T);
    for (const [lo, hi, cls, name] of ACC_BANDS) {
      const top = y(Math.min(hi, 220)), bottom = y(Math.max(lo, 40));
      svg.append(el("rect", { x: L, width: W - R - L, y: top, height: bottom - top, class: "band " + cls }));
      if (bottom - top >= 12) svg.append(el("text", { x: W - R - 4, y: top + 11, class: "band-label", "text-anchor": "end" }, name));
    }
    for (const d of [80, 90, 120]) svg.append(el("line", { x1: L, x2: W - R, y1: y(d), y2: y(d), class: "dia-line" }));
    yAxis(svg, y, [60, 80, 120, 140, 180]);
    const line = (key, cls) => svg.append(el("polyline", { points: points.map((p, i) => `${x(times[i]).toFixed(1)},${y(p[key]).toFixed(1)}`).join(" "), class: cls }));
    line("sys", "sys-line");
    line("dia", "dia-series");
    points.forEach((p, i) => {
      svg.append(el("circle", { cx: x(times[i]), cy: y(p.sys), r: 3.5, class: "sys-dot" }));
      svg.append(el("circle", { cx: x(times[i]), cy: y(p.dia), r: 3, class: "dia-dot" }));
    });
    svg.append(el("text", { x: L + 4, y: H - 5, class: "tick" }, OV.dateTime(points[0].at)));
    svg.append(el("text", { x: W - R, y: H - 5, class: "tick", "text-anchor": "end" }, OV.dateTime(points[points.length - 1].at)));
  }

  // strip: {samples (mV), sampleRate, beats: [{sample}], heartRate}
  function ecg(container, strip) {
    if (!strip || !strip.samples || strip.samples.length < 2) return empty(container, "No ECG strip stored.");
    const svg = frame(container, "ECG strip with detected beats");
    const n = strip.samples.length;
    let lo = Math.min(...strip.samples), hi = Math.max(...strip.samples);
    if (hi - lo < 0.5) { const m = (hi + lo) / 2; lo = m - 0.25; hi = m + 0.25; }
    const x = scale(0, n - 1, L, W - R), y = scale(lo - 0.1 * (hi - lo), hi + 0.15 * (hi - lo), H - B, T);
    // Paper grid: a line every 0.2 s.
    for (let s = 0; s < n / strip.sampleRate; s += 0.2) {
      const gx = x(s * strip.sampleRate);
      svg.append(el("line", { x1: gx, x2: gx, y1: T, y2: H - B, class: Math.abs(s - Math.round(s)) < 1e-6 ? "ecg-grid-major" : "ecg-grid" }));
      if (Math.abs(s - Math.round(s)) < 1e-6) svg.append(el("text", { x: gx + 2, y: H - 5, class: "tick" }, Math.round(s) + " s"));
    }
    const step = Math.max(1, Math.floor(n / 2000));
    const pts = [];
    for (let i = 0; i < n; i += step) pts.push(`${x(i).toFixed(1)},${y(strip.samples[i]).toFixed(1)}`);
    svg.append(el("polyline", { points: pts.join(" "), class: "ecg-line" }));
    for (const b of strip.beats || []) {
      const bx = x(b.sample);
      svg.append(el("line", { x1: bx, x2: bx, y1: T, y2: T + 8, class: "beat-mark" }));
      svg.append(el("circle", { cx: bx, cy: y(strip.samples[b.sample]), r: 2.5, class: "beat-dot" }));
    }
  }

  return { agp, bpTrend, ecg };
})();

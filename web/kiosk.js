// The kiosk screen: one walk-in patient at a time, following GET /api/v1/kiosk (polled every second).
// Everything shown comes from the current session's view; when the session ends, the screen is wiped and the
// page reloaded, so the next patient sees nothing of the last. It sends no token: a kiosk serves its API on
// loopback without one.
"use strict";

(() => {
  const { el, clear, clock, num } = OV;
  const $ = (id) => document.getElementById(id);
  const call = (path, opts = {}) => OV.api(path, { ...opts, useToken: false });
  let view = null;        // the current session's view, or null
  let busy = false;       // an action is on its way
  let poller = null;
  let ticker = null;

  const TESTS = {
    "blood-pressure": { name: "Blood pressure", what: "Your blood pressure will be measured three times with an upper-arm cuff, about one minute apart, after a few minutes of sitting still. The result is the average of the last two readings." },
    "glucose": { name: "Blood sugar (glucose)", what: "Your blood sugar will be measured from one drop of blood from a fingertip with a glucose meter." },
    "ecg": { name: "Heart rhythm (ECG)", what: "Your heart's electrical signal will be recorded for 30 seconds while you rest your fingers on the device's electrodes. It shows your heart rate and whether the rhythm looks regular." },
  };

  function status(text, state) { const s = $("kiosk-status"); s.textContent = text; s.dataset.state = state; }

  async function act(path, body) {
    if (busy) return;
    busy = true;
    try {
      const r = await call(path, { method: "POST", body });
      if (r && Object.prototype.hasOwnProperty.call(r, "session")) view = r.session; else view = r;
    } catch (e) {
      if (e.status === 401) status("This screen needs the hub's API on loopback without a token.", "unauthorized");
      await refresh();
    } finally {
      busy = false;
    }
    render();
  }

  async function refresh() {
    try {
      const r = await call("/api/v1/kiosk");
      status("", "live");
      const before = view && view.id;
      view = r.session;
      if (before && (!view || view.id !== before)) return wipe();
    } catch (e) {
      status(e.status === 401 ? "This screen needs the hub's API on loopback without a token." : "Waiting for the hub…", e.status === 401 ? "unauthorized" : "connecting");
      return;
    }
    render();
  }

  // The session is over: nothing of it stays on the screen, in this page's memory or in its history.
  function wipe() {
    view = null;
    clear($("screen"));
    clearInterval(poller);
    clearInterval(ticker);
    location.replace("/kiosk");
  }

  async function finish() {
    if (!view) return wipe();
    const id = view.id;
    try { await call("/api/v1/kiosk/sessions/" + encodeURIComponent(id) + "/end", { method: "POST" }); } catch (_) { /* already ended */ }
    wipe();
  }

  const big = (label, onclick, cls = "") => el("button", { type: "button", class: "big " + cls, onclick }, label);
  const endButton = () => big("Stop and clear the screen", finish, "secondary");

  function countdown(untilISO) {
    const s = Math.max(0, Math.ceil((new Date(untilISO).getTime() - Date.now()) / 1000));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function notices() {
    if (!view || !view.notices.length) return null;
    const n = view.notices[view.notices.length - 1];
    return el("p", { class: "notice notice-" + n.kind, role: "alert" }, n.text);
  }

  function render() {
    const screen = $("screen");
    clear(screen);
    clearInterval(ticker);
    if (!view) return screen.append(chooseScreen());
    const t = TESTS[view.test];
    screen.dataset.step = view.step.name;
    switch (view.step.name) {
      case "consent":
        screen.append(el("section", { class: "step consent" },
          el("h2", {}, t.name + ": before we start"),
          el("p", {}, t.what),
          el("p", {}, "Your result is stored in this pharmacy's system under a random session number, not your name, so the pharmacist can help you with it."),
          el("p", { class: "strong" }, "This is a screening, not a diagnosis. Only a doctor can diagnose a condition."),
          el("p", {}, "You can stop at any time."),
          el("div", { class: "actions" },
            big("I agree, start", () => act(`/api/v1/kiosk/sessions/${view.id}/consent`, { given: true }), "primary"),
            big("No, cancel", () => act(`/api/v1/kiosk/sessions/${view.id}/consent`, { given: false }).then(wipe), "secondary"))));
        break;
      case "meal-context":
        screen.append(el("section", { class: "step meal" },
          el("h2", {}, "When did you last eat?"),
          el("div", { class: "actions column" },
            big("Nothing for 8 hours or more (fasting)", () => act(`/api/v1/kiosk/sessions/${view.id}/meal`, { meal: "fasting" })),
            big("About 2 hours after a meal", () => act(`/api/v1/kiosk/sessions/${view.id}/meal`, { meal: "after-meal" })),
            big("Some other time", () => act(`/api/v1/kiosk/sessions/${view.id}/meal`, { meal: "random" }))),
          endButton()));
        break;
      case "resting": {
        const c = el("p", { class: "countdown", id: "countdown" }, countdown(view.step.until));
        screen.append(el("section", { class: "step resting" },
          el("h2", {}, "Sit still and rest"),
          el("p", {}, "Sit with your back supported, feet flat on the floor, legs uncrossed, the cuff on your bare upper arm at heart level. Do not talk."),
          c, el("p", {}, "The first measurement starts when the time is up."), notices(), endButton()));
        ticker = setInterval(() => { c.textContent = countdown(view.step.until); }, 250);
        break;
      }
      case "measure": {
        const wait = view.step.until && new Date(view.step.until).getTime() > Date.now();
        const bp = view.test === "blood-pressure";
        const c = el("p", { class: "countdown", id: "countdown" }, wait ? countdown(view.step.until) : "");
        const prompt = el("p", { class: "prompt", id: "prompt" }, wait ? "Please wait, stay seated and relaxed." : bp ? "Measure now: press START on the cuff." : "Measure now: apply a drop of blood to the test strip.");
        screen.append(el("section", { class: "step measure" },
          el("h2", {}, bp ? `Reading ${view.step.number} of ${view.step.of}` : "Glucose test"),
          prompt, c,
          bp && view.counted.length ? el("ol", { class: "counted" }, view.counted.map((r) => el("li", {}, `${num(r["bp.systolic"])}/${num(r["bp.diastolic"])} mmHg`))) : null,
          notices(), endButton()));
        if (wait) ticker = setInterval(() => {
          const left = new Date(view.step.until).getTime() - Date.now();
          c.textContent = left > 0 ? countdown(view.step.until) : "";
          if (left <= 0) { prompt.textContent = "Measure now: press START on the cuff."; clearInterval(ticker); }
        }, 250);
        break;
      }
      case "recording":
        screen.append(el("section", { class: "step recording" },
          el("h2", {}, "Recording your ECG"),
          el("p", { class: "prompt" }, `Rest your fingers on the electrodes and keep still for ${Math.round(view.step.seconds)} seconds.`),
          notices(), endButton()));
        break;
      case "result":
        screen.append(resultScreen());
        break;
      default:
        screen.append(el("p", {}, "Please wait…"));
    }
  }

  function chooseScreen() {
    const start = (test) => act("/api/v1/kiosk/sessions", { test });
    return el("section", { class: "step choose" },
      el("h2", {}, "Choose a test"),
      el("div", { class: "actions column" },
        Object.entries(TESTS).map(([k, t]) => big(t.name, () => start(k), "primary"))),
      el("p", { class: "small" }, "Free screening. Ask the pharmacist if you need help."));
  }

  function resultScreen() {
    const sec = el("section", { class: "step result", id: "result" });
    const printed = new Date();
    sec.append(el("p", { class: "print-only" }, "Pharmacy health check — " + printed.toLocaleString()));
    const list = (items, cls) => el("ul", { class: cls }, items.map((x) => el("li", {}, x)));
    if (view.bloodPressure) {
      const r = view.bloodPressure;
      sec.append(
        el("h2", { class: "headline" + (r.crisis ? " urgent" : "") }, "Blood pressure: " + r.headline),
        el("dl", { class: "facts" },
          el("dt", {}, "Result (mean of the last two readings)"), el("dd", {}, `${num(r.systolic)}/${num(r.diastolic)} mmHg` + (r.pulse ? `, pulse ${num(r.pulse)}/min` : "")),
          el("dt", {}, "ACC/AHA 2017 category"), el("dd", {}, r.accAHA2017),
          el("dt", {}, "ESH 2023 grade"), el("dd", {}, r.esh2023)),
        el("ol", { class: "readings" }, r.readings.map((m, i) => el("li", {}, `${clock(m.at)}  ${num(m.systolic)}/${num(m.diastolic)} mmHg${m.pulse ? ", pulse " + num(m.pulse) : ""}${i < r.readings.length - 2 ? " (not counted: first reading)" : ""}`))),
        list(r.advice, "advice"), el("h3", {}, "Guidelines"), list(r.citations, "citations"));
    } else if (view.glucose) {
      const r = view.glucose;
      sec.append(
        el("h2", { class: "headline" + (r.urgent ? " urgent" : "") }, "Blood sugar: " + r.headline),
        el("dl", { class: "facts" }, el("dt", {}, "When you last ate"), el("dd", {}, { fasting: "fasting", "after-meal": "about 2 hours after a meal", random: "some other time" }[r.meal]),
          el("dt", {}, "Category"), el("dd", {}, r.category)),
        list(r.advice, "advice"), el("h3", {}, "Guidelines"), list(r.citations, "citations"));
    } else if (view.ecg) {
      const r = view.ecg;
      sec.append(
        el("h2", { class: "headline" }, "Heart rhythm: " + r.headline),
        el("dl", { class: "facts" }, el("dt", {}, "Heart rate"), el("dd", {}, r.heartRate ? num(r.heartRate) + " per minute" : "—"),
          el("dt", {}, "Rhythm"), el("dd", {}, r.rhythm), el("dt", {}, "Usable signal"), el("dd", {}, `${num(r.usableSeconds)} of ${num(r.seconds)} s`)),
        list(r.advice, "advice"), el("h3", {}, "Guidelines"), list(r.citations, "citations"));
    }
    sec.append(el("p", { class: "print-only" }, "A screening, not a diagnosis. Bring this page to your doctor or pharmacist."));
    sec.append(el("div", { class: "actions no-print" },
      big("Print", () => window.print(), "secondary"),
      big("Done / next patient", finish, "primary")));
    return sec;
  }

  document.addEventListener("DOMContentLoaded", () => {
    render();
    refresh();
    poller = setInterval(() => { if (!busy) refresh(); }, 1000);
  });
})();

// The hub dashboard: live alerts and readings over server-sent events, acknowledgement, and the charts.
"use strict";

(() => {
  const { el, clear, api, token, clock, dateTime, num } = OV;
  const $ = (id) => document.getElementById(id);
  const alerts = new Map();       // alert id → {alert, via, ack}
  const readings = [];            // newest first, at most 30
  let subject = null;
  let stopEvents = null;
  let refreshTimer = null;

  const SEVERITY = { critical: 0, urgent: 1, advisory: 2 };

  function askToken(message) {
    $("token-button").hidden = false;
    $("token-error").hidden = !message;
    $("token-error").textContent = message || "";
    if (!$("token-dialog").open) $("token-dialog").showModal();
  }

  async function call(path, opts) {
    try {
      return await api(path, opts);
    } catch (e) {
      if (e.status === 401) askToken(token.get() ? "The token was refused." : null);
      throw e;
    }
  }

  function setLive(state) {
    const l = $("live");
    l.dataset.state = state;
    l.textContent = state === "live" ? "live" : state === "unauthorized" ? "token needed" : "connecting…";
    if (state === "unauthorized") askToken(token.get() ? "The token was refused." : null);
  }

  // ---- alerts ----
  function renderAlerts() {
    const list = $("alert-list");
    clear(list);
    const items = [...alerts.values()].sort((a, b) =>
      (a.alert.state === "acknowledged") - (b.alert.state === "acknowledged") ||
      SEVERITY[a.alert.severity] - SEVERITY[b.alert.severity] || b.alert.raisedAt.localeCompare(a.alert.raisedAt));
    for (const item of items) list.append(alertItem(item));
    $("alerts-empty").hidden = items.length > 0;
  }

  function alertItem({ alert, via, ack }) {
    const acked = alert.state === "acknowledged";
    const li = el("li", { class: "alert sev-" + alert.severity, "data-alert-id": alert.id, "data-rule": alert.ruleID, "data-state": alert.state, "data-via": via });
    li.append(
      el("div", { class: "alert-head" },
        el("span", { class: "severity" }, alert.severity.toUpperCase()),
        el("span", { class: "who" }, alert.subject),
        el("time", { datetime: alert.effectiveAt }, dateTime(alert.effectiveAt))),
      el("p", { class: "message" }, alert.message),
      el("p", { class: "citation" }, alert.citation));
    if (acked) {
      li.append(el("p", { class: "acked" }, "Acknowledged" + (ack ? " by " + ack.by + " at " + clock(ack.at) : "")));
    } else {
      li.append(el("button", { type: "button", class: "ack", onclick: () => acknowledge(alert.id) }, "Acknowledge"));
    }
    return li;
  }

  async function acknowledge(id) {
    const by = $("ack-by").value.trim();
    if (!by) { $("ack-by").focus(); $("ack-by").classList.add("needed"); return; }
    $("ack-by").classList.remove("needed");
    sessionStorage.setItem("openvitals.by", by);
    try {
      const r = await call("/api/v1/alerts/" + encodeURIComponent(id) + "/acknowledge", { method: "POST", body: { by } });
      const item = alerts.get(id) || { via: "load" };
      alerts.set(id, { ...item, alert: r.alert, ack: r.acknowledgement });
    } catch (e) {
      if (e.status === 409) {
        const item = alerts.get(id);
        if (item) alerts.set(id, { ...item, alert: { ...item.alert, state: "acknowledged" } });
      }
    }
    renderAlerts();
  }

  function onAlertEvent(ev) {
    if (ev.alert.historical || ev.kind === "recorded") return;
    const prev = alerts.get(ev.alert.id);
    if (ev.kind === "resolved") { alerts.delete(ev.alert.id); renderAlerts(); return; }
    alerts.set(ev.alert.id, {
      alert: ev.alert, via: prev ? prev.via : "live",
      ack: ev.kind === "acknowledged" ? { by: ev.by, at: ev.at } : prev && prev.ack,
    });
    renderAlerts();
  }

  // ---- readings ----
  function describe(r) {
    const v = Object.fromEntries(r.values.map((o) => [o.metric, o]));
    const val = (k, d = 0) => v[k] ? (v[k].state === "-inf" ? "LOW" : v[k].state === "+inf" ? "HIGH" : num(v[k].value, d)) : "—";
    switch (r.kind) {
      case "blood-pressure": return `${val("bp.systolic")}/${val("bp.diastolic")} mmHg` + (v["bp.pulse"] ? `, pulse ${val("bp.pulse")}` : "");
      case "glucose": { const g = r.values[0]; return g ? `glucose ${g.state === "-inf" ? "LOW" : g.state === "+inf" ? "HIGH" : num(g.value)} mg/dL` : "glucose"; }
      case "spo2": return `SpO₂ ${val("spo2")} %`;
      case "heart-rate": return `heart rate ${val("hr")}/min`;
      default: return r.kind + " " + r.values.map((o) => num(o.value, 1) + " " + o.unit).join(", ");
    }
  }

  function fromStored(r) {
    return { subject: r.subject, kind: r.kind, effectiveAt: r.effectiveAt, flags: r.flags,
      values: r.observations.map((o) => ({ metric: o.metric, value: o.value, state: o.state, unit: o.unit })) };
  }

  function renderReadings() {
    const list = $("reading-list");
    clear(list);
    for (const { r, via } of readings) {
      list.append(el("li", { class: "reading kind-" + r.kind, "data-via": via },
        el("span", { class: "what" }, describe(r)),
        el("span", { class: "who" }, r.subject),
        el("time", { datetime: r.effectiveAt }, dateTime(r.effectiveAt))));
    }
  }

  function onReadingEvent(r) {
    readings.unshift({ r, via: "live" });
    readings.length = Math.min(readings.length, 30);
    renderReadings();
    if (![...$("subject").options].some((o) => o.value === r.subject)) $("subject").append(el("option", { value: r.subject }, r.subject));
    if (!subject) { subject = r.subject; $("subject").value = subject; }
    if (r.subject === subject) scheduleCharts();
  }

  // ---- charts ----
  // At most one redraw per 1.5 s while readings stream in (a CGM download sends hundreds).
  function scheduleCharts() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => { refreshTimer = null; loadCharts(); }, 1500);
  }

  async function loadCharts() {
    if (!subject) return;
    const from = new Date(Date.now() - 14 * 86400e3).toISOString();
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    try {
      const a = await call(`/api/v1/analytics?subject=${encodeURIComponent(subject)}&from=${encodeURIComponent(from)}&timeZone=${encodeURIComponent(zone)}`);
      Charts.agp($("agp-chart"), a.glucose.agp);
      $("agp-stats").textContent = a.glucose.readings ? `TIR ${num(a.glucose.tirPct)} % · mean ${num(a.glucose.meanMgdl)} mg/dL · GMI ${num(a.glucose.gmiPct, 1)} %` : "";
      const l = a.bloodPressure.latest;
      $("bp-stats").textContent = l ? `latest ${l.systolic}/${l.diastolic}: ${l.accAha2017}, ESH ${l.esh2023}` : "";
    } catch (_) { /* shown by the token dialog or left as it was */ }
    try {
      const page = await call(`/api/v1/readings?subject=${encodeURIComponent(subject)}&kind=blood-pressure&limit=200`);
      const pts = page.readings.map((r) => {
        const o = Object.fromEntries(r.observations.map((x) => [x.metric, x.value]));
        return { at: r.effectiveAt, sys: o["bp.systolic"], dia: o["bp.diastolic"] };
      }).filter((p) => p.sys != null && p.dia != null).reverse();
      Charts.bpTrend($("bp-chart"), pts);
    } catch (_) {}
    try {
      const s = await call("/api/v1/waveforms");
      Charts.ecg($("ecg-chart"), s);
      $("ecg-stats").textContent = `${s.device} · ${s.beats.length} beats` + (s.heartRate ? ` · ${num(s.heartRate)}/min` : "");
    } catch (e) {
      if (e.status === 404) Charts.ecg($("ecg-chart"), null);
    }
  }

  // ---- start ----
  async function load() {
    try {
      const [subs, open, latest] = await Promise.all([
        call("/api/v1/subjects"), call("/api/v1/alerts?state=open"), call("/api/v1/readings?limit=30"),
      ]);
      const sel = $("subject");
      clear(sel);
      for (const s of subs.subjects) sel.append(el("option", { value: s.id }, s.displayName ? `${s.displayName} (${s.id})` : s.id));
      for (const a of open.alerts) if (!a.historical && !alerts.has(a.id)) alerts.set(a.id, { alert: a, via: "load" });
      renderAlerts();
      readings.length = 0;
      for (const r of latest.readings) readings.push({ r: fromStored(r), via: "load" });
      renderReadings();
      subject = subject || (latest.readings[0] && latest.readings[0].subject) || (subs.subjects[0] && subs.subjects[0].id) || null;
      if (subject) sel.value = subject;
      loadCharts();
    } catch (_) {}
    if (stopEvents) stopEvents();
    stopEvents = OV.events("/api/v1/events", {
      onState: setLive,
      onEvent: (name, data) => { if (name === "alert") onAlertEvent(data); else if (name === "reading") onReadingEvent(data); },
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("ack-by").value = sessionStorage.getItem("openvitals.by") || "";
    $("subject").addEventListener("change", (e) => { subject = e.target.value; loadCharts(); });
    $("token-button").addEventListener("click", () => askToken(null));
    $("token-form").addEventListener("submit", () => {
      token.set($("token-input").value.trim());
      $("token-input").value = "";
      load();
    });
    load();
  });
})();

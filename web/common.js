// OpenVitals web UI: what the dashboard and the kiosk screen share. Plain JavaScript, no libraries.
"use strict";

const OV = (() => {
  const TOKEN_KEY = "openvitals.token";

  // Makes an element: el("div", {class: "x", onclick: f}, "text", child, ...). Text is always set as text.
  function el(tag, attrs, ...children) {
    const svg = ["svg", "g", "path", "rect", "line", "text", "circle", "polyline", "polygon"].includes(tag);
    const e = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  // The bearer token: asked for once, kept in sessionStorage (gone when the tab closes). Hub dashboard only.
  const token = {
    get: () => sessionStorage.getItem(TOKEN_KEY),
    set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
    clear: () => sessionStorage.removeItem(TOKEN_KEY),
  };

  class HTTPError extends Error {
    constructor(status, body) { super((body && body.error) || ("HTTP " + status)); this.status = status; this.body = body; }
  }

  // A JSON API call. useToken: send the stored token (the dashboard); the kiosk sends none.
  async function api(path, { method = "GET", body, useToken = true } = {}) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const t = useToken ? token.get() : null;
    if (t) headers["Authorization"] = "Bearer " + t;
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
    let data = null;
    try { data = await r.json(); } catch (_) { data = null; }
    if (!r.ok) throw new HTTPError(r.status, data);
    return data;
  }

  // Server-sent events read with fetch (EventSource cannot send an Authorization header). Calls
  // onEvent(name, data) per event and onState("live" | "connecting" | "unauthorized") as the link changes;
  // reconnects after a drop. Returns a function that stops it.
  function events(path, { onEvent, onState, useToken = true }) {
    let stopped = false, controller = null, retryMs = 3000;
    async function run() {
      while (!stopped) {
        onState("connecting");
        controller = new AbortController();
        try {
          const headers = { "Accept": "text/event-stream" };
          const t = useToken ? token.get() : null;
          if (t) headers["Authorization"] = "Bearer " + t;
          const r = await fetch(path, { headers, signal: controller.signal, cache: "no-store" });
          if (r.status === 401) { onState("unauthorized"); return; }
          if (!r.ok || !r.body) throw new Error("HTTP " + r.status);
          const reader = r.body.getReader();
          const decoder = new TextDecoder();
          let buffer = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let i;
            while ((i = buffer.indexOf("\n\n")) >= 0) {
              const block = buffer.slice(0, i);
              buffer = buffer.slice(i + 2);
              let name = "message", data = [];
              for (const line of block.split("\n")) {
                if (line.startsWith(":")) continue;               // a comment: the heartbeat
                const c = line.indexOf(":");
                const field = c < 0 ? line : line.slice(0, c);
                const val = c < 0 ? "" : line.slice(c + 1).replace(/^ /, "");
                if (field === "event") name = val;
                else if (field === "data") data.push(val);
                else if (field === "retry" && /^\d+$/.test(val)) retryMs = Number(val);
              }
              if (data.length === 0) continue;
              if (name === "hello") onState("live");
              let parsed = null;
              try { parsed = JSON.parse(data.join("\n")); } catch (_) { continue; }
              onEvent(name, parsed);
            }
          }
        } catch (e) {
          if (stopped) return;
        }
        if (!stopped) await new Promise((res) => setTimeout(res, retryMs));
      }
    }
    run();
    return () => { stopped = true; if (controller) controller.abort(); };
  }

  const pad = (n) => String(n).padStart(2, "0");
  function clock(iso) {
    const d = new Date(iso);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function dateTime(iso) {
    const d = new Date(iso);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function num(v, digits = 0) { return v === null || v === undefined ? "—" : Number(v).toFixed(digits); }

  return { el, clear, token, api, events, HTTPError, clock, dateTime, num };
})();

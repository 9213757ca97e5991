// The pipeline's live dashboard: the session list, and one session's live view fed by Server-Sent Events read
// through fetch (so the API key travels as a header, never in a URL). No build step: plain script, uPlot for charts.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const QUALITY_ORDER = ["flat", "railed", "line-noise", "excessive-amplitude"];
  const CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"];
  const state = {
    key: sessionStorage.getItem("pipeline.key") || "",
    list: null, controllable: false, current: null, feed: null, hello: null,
    scope: null, values: null, latency: [], commands: [], cues: [], events: [], vad: null, segments: [],
    quality: null, histogram: null, gain: 1, scopeDirty: false, lastTime: NaN,
  };
  window.pipelineDashboard = state; // for the browser tests and for curious users in the console

  // A key in the fragment (#key=...) is taken once, kept in this tab only, and removed from the address bar.
  function readFragment() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.has("key")) {
      state.key = params.get("key");
      sessionStorage.setItem("pipeline.key", state.key);
      params.delete("key");
      history.replaceState(null, "", location.pathname + (params.toString() ? "#" + params.toString() : ""));
    }
    return params.get("session");
  }

  function headers() { return state.key ? { "X-Api-Key": state.key } : {}; }

  async function api(path, options = {}) {
    const res = await fetch(path, { ...options, headers: { ...headers(), ...(options.headers || {}) }, cache: "no-store" });
    if (res.status === 401) { showLogin(state.key ? "That key was refused." : ""); throw new Error("unauthorized"); }
    return res;
  }

  function showLogin(message) {
    $("login").hidden = false;
    $("sessions-view").hidden = true;
    $("live-view").hidden = true;
    $("login-error").textContent = message || "";
    $("key-input").focus();
  }

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.key = $("key-input").value;
    sessionStorage.setItem("pipeline.key", state.key);
    $("key-input").value = "";
    $("login").hidden = true;
    route();
  });
  $("key-button").addEventListener("click", () => showLogin(""));

  // ---- session list -------------------------------------------------------------------------------------------
  async function refreshList() {
    try {
      const res = await api("/api/sessions");
      const body = await res.json();
      state.list = body.sessions;
      state.controllable = body.controllable;
      $("title").textContent = body.title;
      document.title = body.title + " — live";
      $("sessions-error").textContent = "";
      $("key-button").hidden = !state.key;
      renderList();
      if (state.current) renderHeader(state.list.find((s) => s.id === state.current));
    } catch (e) {
      if (e.message !== "unauthorized") $("sessions-error").textContent = "The pipeline does not answer (" + e.message + ").";
    }
  }

  function fmt(v, digits = 1) { return v === null || v === undefined || Number.isNaN(v) ? "–" : Number(v).toFixed(digits); }

  function qualityText(q) {
    if (!q || q.length === 0) return "all good";
    return q.map((c) => c.channel + " " + c.flags.join("+")).join(", ");
  }

  // Rows are kept and updated in place, so a button under the mouse stays the same element between refreshes.
  function renderList() {
    const body = $("sessions").tBodies[0];
    const seen = new Set();
    for (const s of state.list) {
      seen.add(s.id);
      let tr = body.querySelector(`tr[data-id="${CSS.escape(s.id)}"]`);
      if (!tr) tr = createRow(body, s);
      tr.dataset.state = s.state;
      const cells = tr.cells;
      cells[0].textContent = s.id;
      const badge = cells[1].firstChild;
      badge.className = "state state-" + s.state;
      badge.textContent = s.state;
      badge.title = s.reason || "";
      const texts = [s.kind || "", s.source || "", s.model || "", fmt(s.inputRateHz, 0) + " / " + fmt(s.nominalRateHz, 0),
        s.windows, s.commands, s.drops, s.skipped, s.gaps, fmt(s.latencyP50Ms, 1) + " / " + fmt(s.latencyP99Ms, 1), qualityText(s.quality)];
      texts.forEach((text, i) => { cells[i + 2].textContent = String(text); });
      cells[12].className = s.quality && s.quality.length ? "q q-" + s.quality[0].flags[0] : "";
      const start = tr.querySelector("button.action-start"), stop = tr.querySelector("button.action-stop");
      if (start) start.disabled = ["running", "starting", "stopping"].includes(s.state);
      if (stop) stop.disabled = !["running", "starting"].includes(s.state);
    }
    for (const tr of [...body.rows]) if (!seen.has(tr.dataset.id)) tr.remove();
  }

  function createRow(body, s) {
    const tr = document.createElement("tr");
    tr.dataset.id = s.id;
    for (let i = 0; i < 14; i++) tr.append(document.createElement("td"));
    const badge = document.createElement("span");
    tr.cells[1].append(badge);
    if (s.controllable) {
      for (const action of ["start", "stop"]) {
        const b = document.createElement("button");
        b.type = "button";
        b.textContent = action;
        b.className = "action-" + action;
        b.addEventListener("click", (e) => { e.stopPropagation(); control(s.id, action); });
        tr.cells[13].append(b, " ");
      }
    }
    tr.addEventListener("click", () => { location.hash = "session=" + encodeURIComponent(s.id); });
    body.append(tr);
    return tr;
  }

  async function control(id, action) {
    try {
      const res = await api("/sessions/" + encodeURIComponent(id) + "/" + action, { method: "POST" });
      if (!res.ok && res.status !== 202) {
        const body = await res.json().catch(() => ({}));
        $("sessions-error").textContent = body.error || (action + " failed: HTTP " + res.status);
      }
    } catch (e) { if (e.message !== "unauthorized") $("sessions-error").textContent = e.message; }
    refreshList();
  }

  // ---- live view -----------------------------------------------------------------------------------------------
  function renderHeader(s) {
    if (!s) return;
    const badge = $("live-state");
    badge.textContent = s.state;
    badge.className = "state state-" + s.state;
    badge.title = s.reason || "";
    $("c-windows").textContent = s.windows;
    $("c-commands").textContent = s.commands;
    $("c-drops").textContent = s.drops;
    $("c-skipped").textContent = s.skipped;
    $("c-gaps").textContent = s.gaps;
    $("c-rate").textContent = fmt(s.inputRateHz, 0);
    $("c-p50").textContent = fmt(s.latencyP50Ms, 1);
    $("c-p99").textContent = fmt(s.latencyP99Ms, 1);
  }

  function resetLive(hello) {
    state.hello = hello;
    const channels = hello.channels || [];
    state.scope = { t: [], v: channels.map(() => []), frames: 0 };
    state.values = { t: [], v: (hello.values || []).map(() => []) };
    state.vad = { t: [], v: [[]] };
    state.latency = [];
    state.commands = [];
    state.cues = [];
    state.events = [];
    state.segments = [];
    state.quality = null;
    state.histogram = null;
    state.lastTime = NaN;
    $("live-title").textContent = hello.id;
    $("live-model").textContent = hello.model ? "model " + hello.model : (hello.kind === "bandpower" ? "band power (no model)" : "");
    $("live-processing").textContent = hello.processing || "";
    $("commands").replaceChildren();
    $("events").replaceChildren();
    $("events-none").hidden = false;
    $("segments").replaceChildren();
    $("scope-panel").hidden = channels.length === 0;
    $("quality-panel").hidden = channels.length === 0;
    $("speech-panel").hidden = !hello.speech;
    $("values-title").textContent = hello.valueKind === "bandpower" ? "Band power per channel (log10)" : "Class probabilities";
    buildValuesChart(hello.values || [], hello.valueKind);
    if (hello.speech) buildVadChart();
    renderQuality();
  }

  function trim(series, keepSeconds) {
    const t = series.t;
    if (t.length === 0) return;
    const cutoff = t[t.length - 1] - keepSeconds;
    let i = 0;
    while (i < t.length && t[i] < cutoff) i++;
    if (i > 0) { t.splice(0, i); for (const v of series.v) v.splice(0, i); }
  }

  function append(series, frames, keepSeconds) {
    if (!frames) return 0;
    for (const x of frames.t) series.t.push(x);
    frames.v.forEach((values, c) => { for (const x of values) series.v[c].push(x); });
    trim(series, keepSeconds);
    return frames.t.length;
  }

  function onTick(d) {
    if (!state.hello || !state.hello.running) return;
    if (d.scope) {
      state.scope.frames += append(state.scope, d.scope, state.hello.scopeSeconds || 20);
      state.lastTime = state.scope.t[state.scope.t.length - 1];
      state.scopeDirty = true;
    }
    if (d.values) {
      append(state.values, d.values, 60);
      const el = $("probabilities");
      el.dataset.points = String(Number(el.dataset.points) + d.values.t.length);
      el.dataset.last = JSON.stringify(state.values.v.map((v) => v[v.length - 1]));
      if (!(state.lastTime >= state.values.t[state.values.t.length - 1])) state.lastTime = state.values.t[state.values.t.length - 1];
      updateValuesChart();
    }
    if (d.latency) for (const ms of d.latency.v[0]) state.latency.push(ms);
    if (state.latency.length > 2000) state.latency.splice(0, state.latency.length - 2000);
    if (d.commands) for (const c of d.commands) addCommand(c);
    if (d.markers) for (const m of d.markers) { state.cues.push(m); if (state.cues.length > 200) state.cues.shift(); }
    if (d.gaps) for (const g of d.gaps) addEvent("gap", `gap of ${fmt(g.seconds, 3)} s (${g.frames} frames missing)`, g.time);
    if (d.vad) {
      append(state.vad, d.vad, 30);
      const el = $("vad");
      el.dataset.points = String(Number(el.dataset.points) + d.vad.t.length);
      if (!(state.lastTime >= state.vad.t[state.vad.t.length - 1])) state.lastTime = state.vad.t[state.vad.t.length - 1];
      updateVadChart();
    }
    if (d.speech) for (const s of d.speech) addSegment(s);
    if (d.missed) $("connection").title = `live connection (${d.missed} frames skipped to keep up)`;
  }

  function onStatus(d) {
    if (d.session) renderHeader(d.session);
    if (d.quality) { state.quality = d.quality; renderQuality(); }
    if (d.histogram) { state.histogram = d.histogram; drawHistogram(); }
    if (d.session) {
      const s = d.session;
      const prev = state.prevCounters || {};
      if (prev.drops !== undefined && s.drops > prev.drops) addEvent("drop", `${s.drops - prev.drops} window(s) dropped (inference behind)`, state.lastTime);
      if (prev.skipped !== undefined && s.skipped > prev.skipped) addEvent("skip", `${s.skipped - prev.skipped} window(s) skipped (NaN/Inf samples)`, state.lastTime);
      state.prevCounters = { drops: s.drops, skipped: s.skipped };
    }
  }

  function addCommand(c) {
    state.commands.push(c);
    const li = document.createElement("li");
    li.dataset.name = c.name;
    const name = document.createElement("span");
    name.className = "cmd-name";
    name.textContent = c.name;
    li.append(name, ` p=${fmt(c.confidence, 2)} · latency ${fmt(c.latencyMs, 1)} ms · t=${fmt(c.time, 2)} s`);
    const list = $("commands");
    list.prepend(li);
    while (list.children.length > 100) list.lastChild.remove();
  }

  function addEvent(kind, text, time) {
    const li = document.createElement("li");
    li.className = "event-" + kind;
    li.textContent = (Number.isFinite(time) ? `t=${fmt(time, 2)} s · ` : "") + text;
    const list = $("events");
    $("events-none").hidden = true;
    list.prepend(li);
    while (list.children.length > 100) list.lastChild.remove();
  }

  function addSegment(s) {
    state.segments.push(s);
    const li = document.createElement("li");
    li.dataset.label = s.label;
    const name = document.createElement("span");
    name.className = "cmd-name";
    name.textContent = s.command || s.label;
    li.append(name, ` ${s.command ? "" : "(no command) "}p=${fmt(s.confidence, 2)} · speech ${fmt(s.start, 2)}–${fmt(s.end, 2)} s · latency ${fmt(s.latencyMs, 0)} ms`);
    $("segments").prepend(li);
    if (s.command) addCommand({ name: s.command, class: s.label, confidence: s.confidence, latencyMs: s.latencyMs, time: s.end });
    updateVadChart();
  }

  function qualityClass(q) {
    if (!q || q.stdUv === null || q.stdUv === undefined) return "unknown";
    for (const f of QUALITY_ORDER) if (q.flags.includes(f)) return f;
    return "good";
  }

  function renderQuality() {
    const body = $("quality").tBodies[0];
    body.replaceChildren();
    const channels = (state.hello && state.hello.channels) || [];
    channels.forEach((ch, i) => {
      const q = state.quality && state.quality[i];
      const cls = qualityClass(q);
      const tr = document.createElement("tr");
      tr.dataset.channel = ch;
      tr.dataset.quality = cls;
      const cells = [ch, q ? (q.flags.length ? q.flags.join(", ") : "good") : "measuring…",
        q ? fmt(q.stdUv, 1) : "–", q && q.lineRatio !== null && q.lineRatio !== undefined ? `${fmt(q.lineRatio * 100, 0)} % @${q.lineHz}` : "–", q ? fmt(q.peakUv, 0) : "–"];
      cells.forEach((text, k) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (k <= 1) td.className = "q q-" + cls;
        tr.append(td);
      });
      body.append(tr);
    });
    state.scopeDirty = true;
  }

  // ---- scope: stacked channels on a canvas, each with its own scale ----------------------------------------------
  function drawScope() {
    const canvas = $("scope");
    const s = state.scope;
    if (!s || !state.hello || !state.hello.channels) return;
    const dpr = window.devicePixelRatio || 1;
    const cssWidth = canvas.clientWidth || 800;
    const channels = state.hello.channels;
    const cssHeight = Math.max(200, Math.min(900, channels.length * 22));
    if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
      canvas.width = Math.round(cssWidth * dpr);
      canvas.height = Math.round(cssHeight * dpr);
      canvas.style.height = cssHeight + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, cssWidth, cssHeight);
    const left = 64, right = 70, plotW = cssWidth - left - right;
    const span = Number($("scope-span").value);
    const end = s.t.length ? s.t[s.t.length - 1] : 0;
    const start = end - span;
    const rowH = cssHeight / channels.length;
    let first = 0;
    while (first < s.t.length && s.t[first] < start) first++;
    // Grid: one line a second.
    ctx.strokeStyle = "#eef0f3";
    ctx.lineWidth = 1;
    for (let g = Math.ceil(start); g <= end; g++) {
      const x = left + ((g - start) / span) * plotW;
      ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, cssHeight); ctx.stroke();
    }
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    let drawn = 0;
    channels.forEach((label, c) => {
      const mid = rowH * (c + 0.5);
      const q = state.quality && state.quality[c];
      const cls = qualityClass(q);
      const color = getComputedStyle(document.documentElement).getPropertyValue("--" + (cls === "excessive-amplitude" ? "excessive" : cls)).trim() || "#333";
      ctx.fillStyle = color;
      ctx.fillRect(4, mid - 5, 10, 10);
      ctx.fillStyle = "#1d2330";
      ctx.fillText(label, 18, mid);
      const v = s.v[c];
      // Per-channel scale: 3 standard deviations of what is on screen fill half a row, times the user's gain.
      let sum = 0, sum2 = 0, n = 0;
      for (let i = first; i < v.length; i++) { const x = v[i]; if (x !== null) { sum += x; sum2 += x * x; n++; } }
      const mean = n ? sum / n : 0;
      const sd = n ? Math.sqrt(Math.max(0, sum2 / n - mean * mean)) : 0;
      const halfRange = Math.max(1e-6, 3 * sd) / state.gain;
      ctx.fillStyle = "#6b7280";
      ctx.fillText(sd < 1e-3 ? "flat" : "±" + (halfRange >= 10 ? halfRange.toFixed(0) : halfRange.toPrecision(2)), cssWidth - right + 6, mid);
      ctx.strokeStyle = cls === "good" || cls === "unknown" ? "#1f3b73" : color;
      ctx.beginPath();
      let pen = false;
      for (let i = first; i < v.length; i++) {
        if (v[i] === null) { pen = false; continue; }
        const x = left + ((s.t[i] - start) / span) * plotW;
        const y = mid - Math.max(-1, Math.min(1, (v[i] - mean) / halfRange)) * (rowH * 0.48);
        if (pen) ctx.lineTo(x, y); else ctx.moveTo(x, y);
        pen = true;
        drawn++;
      }
      ctx.stroke();
    });
    canvas.dataset.frames = String(s.frames);
    canvas.dataset.points = String(drawn);
    canvas.dataset.draws = String(Number(canvas.dataset.draws || 0) + 1);
  }

  function animate() {
    if (state.scopeDirty && !$("scope-freeze").checked && !$("live-view").hidden) { state.scopeDirty = false; drawScope(); }
    requestAnimationFrame(animate);
  }

  $("gain-up").addEventListener("click", () => { state.gain *= 2; $("gain").textContent = state.gain + "×"; state.scopeDirty = true; });
  $("gain-down").addEventListener("click", () => { state.gain /= 2; $("gain").textContent = state.gain + "×"; state.scopeDirty = true; });
  $("scope-span").addEventListener("change", () => { state.scopeDirty = true; });

  // ---- class probabilities (uPlot) -------------------------------------------------------------------------------
  let valuesChart = null, vadChart = null;

  function chartWidth(el) { return Math.max(300, el.clientWidth || el.parentElement.clientWidth || 600); }

  function buildValuesChart(names, kind) {
    const el = $("probabilities");
    el.replaceChildren();
    el.dataset.points = "0";
    if (valuesChart) { valuesChart.destroy(); valuesChart = null; }
    if (!names.length || typeof uPlot === "undefined") return;
    // Speech has one probability vector per segment: points, not lines between utterances.
    const speech = state.hello && state.hello.speech;
    const series = [{ label: "s" }].concat(names.map((n, i) => speech
      ? { label: n, stroke: CLASS_COLORS[i % CLASS_COLORS.length], paths: () => null, points: { show: true, size: 7, fill: CLASS_COLORS[i % CLASS_COLORS.length] } }
      : { label: n, stroke: CLASS_COLORS[i % CLASS_COLORS.length], width: 2, points: { show: false } }));
    valuesChart = new uPlot({
      width: chartWidth(el), height: 220, series,
      scales: { x: { time: false }, y: kind === "bandpower" ? { auto: true } : { range: [0, 1] } },
      axes: [{ label: "seconds before now" }, { label: kind === "bandpower" ? "log10 power" : "probability" }],
      legend: { live: false },
      hooks: { draw: [drawCommandMarks] },
    }, [[], ...names.map(() => [])], el);
  }

  // Commands as labelled ticks on the probability chart.
  function drawCommandMarks(u) {
    const ctx = u.ctx, end = state.lastTime;
    if (!Number.isFinite(end)) return;
    const dpr = devicePixelRatio, names = state.hello.values || [];
    ctx.save();
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    // Cues: dashed lines with their text along the bottom.
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    for (const m of state.cues.slice(-40)) {
      const x = u.valToPos(m.time - end, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.strokeStyle = "#9aa3ad";
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + u.bbox.height); ctx.stroke();
      ctx.fillStyle = "#6b7280";
      ctx.fillText("cue " + m.text, x + 3, u.bbox.top + u.bbox.height - 4 * dpr);
    }
    ctx.setLineDash([]);
    // Commands: a tick at the top in the class's colour, labelled where there is room.
    let lastLabel = -Infinity;
    for (const c of state.commands.slice(-80)) {
      const x = u.valToPos(c.time - end, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.strokeStyle = ctx.fillStyle = CLASS_COLORS[Math.max(0, names.indexOf(c.class)) % CLASS_COLORS.length];
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath(); ctx.moveTo(x, u.bbox.top); ctx.lineTo(x, u.bbox.top + 8 * dpr); ctx.stroke();
      if (x - lastLabel > 60 * dpr) { ctx.fillText(c.name, x + 2, u.bbox.top + 18 * dpr); lastLabel = x; }
    }
    ctx.restore();
  }

  function updateValuesChart() {
    if (!valuesChart) return;
    const end = state.lastTime;
    const x = state.values.t.map((t) => +(t - end).toFixed(3));
    valuesChart.setData([x, ...state.values.v]);
  }

  function buildVadChart() {
    const el = $("vad");
    el.replaceChildren();
    if (vadChart) { vadChart.destroy(); vadChart = null; }
    if (typeof uPlot === "undefined") return;
    vadChart = new uPlot({
      width: chartWidth(el), height: 160,
      series: [{ label: "s" }, { label: "speech probability", stroke: "#2ca02c", width: 1.5, fill: "rgba(44,160,44,.12)", points: { show: false } }],
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [{ label: "seconds before now" }, { label: "speech probability" }],
      legend: { show: false },
      hooks: { draw: [drawSegments] },
    }, [[], []], el);
  }

  function drawSegments(u) {
    const ctx = u.ctx, end = state.lastTime;
    if (!Number.isFinite(end)) return;
    ctx.save();
    ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    for (const s of state.segments.slice(-30)) {
      const x0 = u.valToPos(s.start - end, "x", true), x1 = u.valToPos(s.end - end, "x", true);
      if (x1 < u.bbox.left) continue;
      ctx.fillStyle = "rgba(31,119,180,.15)";
      ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
      ctx.fillStyle = "#1f3b73";
      ctx.fillText(s.command || s.label, x0 + 2, u.bbox.top + 12 * devicePixelRatio);
    }
    ctx.restore();
  }

  function updateVadChart() {
    if (!vadChart) return;
    const end = state.lastTime;
    vadChart.setData([state.vad.t.map((t) => +(t - end).toFixed(3)), state.vad.v[0] || []]);
  }

  // ---- latency histogram (whole session, from the server's cumulative counts) --------------------------------------
  function drawHistogram() {
    const canvas = $("histogram");
    const h = state.histogram, bounds = (state.hello && state.hello.histogramBounds) || [];
    if (!h) return;
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth || 400, height = 180;
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(height * dpr);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, w, height);
    const counts = h.counts, max = Math.max(1, ...counts);
    const barW = (w - 20) / counts.length;
    ctx.font = "10px system-ui, sans-serif";
    ctx.textAlign = "center";
    counts.forEach((c, i) => {
      const bh = (c / max) * (height - 40);
      ctx.fillStyle = "#1f77b4";
      ctx.fillRect(10 + i * barW + 2, height - 24 - bh, barW - 4, bh);
      ctx.fillStyle = "#1d2330";
      if (c > 0) ctx.fillText(String(c), 10 + (i + 0.5) * barW, height - 28 - bh);
      ctx.fillStyle = "#6b7280";
      const label = i < bounds.length ? "≤" + (bounds[i] < 1 ? bounds[i] * 1000 + "ms" : bounds[i] + "s") : ">" + (bounds[bounds.length - 1] || "") + "s";
      ctx.fillText(label, 10 + (i + 0.5) * barW, height - 10);
    });
    canvas.dataset.count = String(h.count);
    const mean = h.count ? (h.sumSeconds / h.count) * 1000 : NaN;
    $("latency-text").textContent = `${h.count} windows · mean ${fmt(mean, 1)} ms · p50 ${$("c-p50").textContent} ms · p99 ${$("c-p99").textContent} ms (last windows)`;
  }

  // ---- the live feed: SSE over fetch ------------------------------------------------------------------------------
  function closeFeed() { if (state.feed) { state.feed.abort(); state.feed = null; } }

  async function openFeed(id) {
    closeFeed();
    const controller = new AbortController();
    state.feed = controller;
    while (!controller.signal.aborted) {
      try {
        const res = await api("/api/sessions/" + encodeURIComponent(id) + "/live", { signal: controller.signal });
        if (!res.ok) throw new Error("HTTP " + res.status);
        setConnected(true);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let at;
          while ((at = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + 2);
            let name = "message", data = "";
            for (const line of block.split("\n")) {
              if (line.startsWith("event: ")) name = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            const payload = JSON.parse(data);
            if (name === "hello") resetLive(payload);
            else if (name === "tick") onTick(payload);
            else if (name === "status") onStatus(payload);
          }
        }
      } catch (e) {
        if (controller.signal.aborted || e.message === "unauthorized") break;
      }
      setConnected(false);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  function setConnected(on) {
    const el = $("connection");
    el.textContent = on ? "live" : "offline";
    el.className = on ? "conn-on" : "conn-off";
  }

  // ---- routing: #session=ID opens a live view, nothing lists the sessions ---------------------------------------
  let listTimer = null;
  async function route() {
    const session = readFragment();
    $("login").hidden = true;
    if (listTimer) clearInterval(listTimer);
    await refreshList();
    if (!$("login").hidden) return;
    // A CLI session has one session: open it directly.
    const listAsked = location.hash === "#list";
    const target = session || (!listAsked && state.list && state.list.length === 1 && !state.controllable ? state.list[0].id : null);
    // The list polls once a second; a live view gets its row from the feed's status events and polls rarely.
    listTimer = setInterval(refreshList, target ? 10000 : 1000);
    if (target) {
      state.current = target;
      $("sessions-view").hidden = true;
      $("live-title").textContent = target; // at once, not only when the feed's hello arrives
      $("live-view").hidden = false;
      renderHeader(state.list && state.list.find((s) => s.id === target));
      openFeed(target);
    } else {
      state.current = null;
      closeFeed();
      setConnected(true);
      $("live-view").hidden = true;
      $("sessions-view").hidden = false;
    }
  }

  $("back").addEventListener("click", (e) => { e.preventDefault(); history.pushState(null, "", location.pathname + "#list"); route(); });
  window.addEventListener("hashchange", route);
  window.addEventListener("resize", () => {
    state.scopeDirty = true;
    if (valuesChart) valuesChart.setSize({ width: chartWidth($("probabilities")), height: 220 });
    if (vadChart) vadChart.setSize({ width: chartWidth($("vad")), height: 160 });
    drawHistogram();
  });
  requestAnimationFrame(animate);
  route();
})();

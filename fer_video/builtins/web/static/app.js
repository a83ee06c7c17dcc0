// fer-video live view: draws the annotated stream, keeps per-face emotion bars and a rolling
// timeline chart, and sends the controls. Each frame arrives over the WebSocket as
// [u32 header length][JSON header][JPEG]; the page acknowledges every frame, with the
// capture-to-display latency it measured, so the server never sends more than it can show.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const rules = window.ferLiveRules;  // live_rules.js
  const KINDS = ["detector", "classifier", "smoother", "annotator"];
  const EMOTION_COLOURS = {
    angry: "#e6194b", disgust: "#3cb44b", fear: "#b05ee0", happy: "#ffd21f",
    sad: "#4f8cff", surprise: "#f58231", neutral: "#a9b0bd",
  };
  // the annotator's palette (BGR there), so a card has its box's colour
  const FACE_COLOURS = ["#f58742", "#4bb43c", "#3232e6", "#3082f5", "#b41e91",
                        "#f0f046", "#e632f0", "#3cf5d2", "#808000", "#286eaa"];

  let emotions = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"];
  let historyS = 60;
  let stateVersion = -1;
  let fetchingState = false;
  let ws = null;
  let failures = 0;  // connections in a row that ended before a frame came
  let busy = false;
  let pending = null;
  let frames = 0;
  let latestT = 0;
  let analysedPerS = 0;
  let ticks = 0;
  const shownAt = [];
  const latencies = [];
  const faces = new Map();
  const canvas = $("video");
  const context = canvas.getContext("2d");

  // --- state and controls -------------------------------------------------------------------

  async function fetchState() {
    if (fetchingState) return;
    fetchingState = true;
    try {
      const response = await fetch("/api/state", { cache: "no-store" });
      if (response.ok) applyState(await response.json());
    } catch (error) {
      // the server is gone; the WebSocket's reconnect loop reports it
    } finally {
      fetchingState = false;
    }
  }

  function applyState(state) {
    emotions = state.emotions || emotions;
    historyS = state.history_s || historyS;
    $("viewers").textContent = state.viewers;
    if (state.source) {
      $("source").textContent = `${state.source.name} ${state.source.width}×${state.source.height} @ ${state.source.fps} fps`;
    }
    buildLegend();
    const controls = state.controls;
    if (!controls) {
      $("pause").disabled = true;
      for (const kind of KINDS) fillSelect(kind, [], kind === "detector" ? state.detector : "", null, true);
      return;
    }
    stateVersion = controls.version;
    const pause = $("pause");
    pause.disabled = false;
    pause.textContent = controls.paused ? "Resume" : "Pause";
    pause.dataset.paused = controls.paused ? "true" : "false";
    document.body.classList.toggle("paused", controls.paused);
    for (const kind of KINDS) {
      fillSelect(kind, controls.choices[kind], controls.stages[kind], controls.switching[kind], false);
    }
    const switching = Object.entries(controls.switching);
    if (controls.paused) setStatus("paused", "paused");
    else if (switching.length) setStatus(`switching the ${switching[0][0]} to ${switching[0][1]}…`, "");
    else if (ws && ws.readyState === WebSocket.OPEN) setStatus("live", "live");
    showError(controls.error);
  }

  function fillSelect(kind, choices, current, switching, off) {
    const select = $(kind);
    const names = choices.length ? choices : (current ? [current] : []);
    if (select.dataset.names !== names.join(",")) {
      select.replaceChildren(...names.map((name) => new Option(name, name)));
      select.dataset.names = names.join(",");
    }
    select.value = switching || current || "";
    select.dataset.current = current || "";
    select.disabled = off || Boolean(switching);
  }

  async function control(body) {
    try {
      const response = await fetch("/api/control", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const data = await response.json();
      if (response.ok) applyState(data);
      else {
        showError(data.error || `the server answered ${response.status}`);
        fetchState();
      }
    } catch (error) {
      showError(`the server cannot be reached (${error.message})`);
    }
  }

  function showError(message) {
    $("error").hidden = !message;
    $("error-text").textContent = message || "";
  }

  function setStatus(text, kind) {
    const badge = $("status");
    badge.textContent = text;
    badge.className = `badge ${kind}`;
  }

  $("pause").addEventListener("click", () => {
    control({ action: $("pause").dataset.paused === "true" ? "resume" : "pause" });
  });
  for (const kind of KINDS) {
    $(kind).addEventListener("change", (event) => control({ action: "switch", kind, name: event.target.value }));
  }
  $("error-close").addEventListener("click", () => showError(null));

  // --- frames -------------------------------------------------------------------------------

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    ws = new WebSocket(`${scheme}://${location.host}/ws`);
    ws.binaryType = "arraybuffer";
    ws.onopen = () => { setStatus("live", "live"); fetchState(); };
    ws.onmessage = (event) => {
      if (failures) showError(null);  // in again: what kept it out is over
      failures = 0;
      const frame = parse(event.data);
      if (pending) acknowledge(pending.header.seq, null); // skipped: newer one already here
      pending = frame;
      if (!busy) showFrames();
    };
    ws.onclose = (event) => {
      failures += 1;
      const delay = rules.reconnectDelay(failures, event.code);
      const again = `retrying in ${Math.round(delay / 1000)} s`;
      if (event.code === rules.VIEWER_LIMIT_CODE) {  // "viewer limit reached (8 watching); try again later"
        setStatus(`viewer limit reached, ${again}`, "down");
        showError(`${event.reason || "viewer limit reached"}; ${again}`);
      } else {
        setStatus(event.reason ? `disconnected: ${event.reason}; ${again}` : `disconnected, ${again}…`, "down");
      }
      pending = null;
      setTimeout(connect, delay);
    };
  }

  function parse(buffer) {
    const length = new DataView(buffer).getUint32(0);
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
    return { header, jpeg: new Uint8Array(buffer, 4 + length) };
  }

  function acknowledge(seq, latency) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(latency === null ? { ack: seq } : { ack: seq, latency_ms: latency }));
    }
  }

  async function showFrames() {
    busy = true;
    while (pending) {
      const { header, jpeg } = pending;
      pending = null;
      let drawn = false;
      try {
        const bitmap = await createImageBitmap(new Blob([jpeg], { type: "image/jpeg" }));
        if (canvas.width !== bitmap.width || canvas.height !== bitmap.height) {
          canvas.width = bitmap.width;
          canvas.height = bitmap.height;
        }
        context.drawImage(bitmap, 0, 0);
        bitmap.close();
        drawn = true;
      } catch (error) {
        // a frame that does not decode is skipped; the next one replaces it
      }
      const latency = Math.round((Date.now() - header.captured) * 10) / 10;
      acknowledge(header.seq, drawn ? latency : null);
      if (drawn) update(header, latency);
    }
    busy = false;
  }

  function update(header, latency) {
    const now = performance.now();
    frames += 1;
    shownAt.push(now);
    while (shownAt.length && now - shownAt[0] > 2000) shownAt.shift();
    latencies.push(latency);
    if (latencies.length > 30) latencies.shift();
    analysedPerS = header.analysed_per_s;
    canvas.dataset.frame = header.index;
    canvas.dataset.faces = header.faces.length;
    if (header.version !== stateVersion && stateVersion !== -1) fetchState();
    latestT = header.captured / 1000;
    if (header.analysed) {
      for (const face of header.faces) addPoint(face, latestT, header.index);
    }
    const panel = rules.panelFaces([...faces].map(([id, entry]) => ({ id, lastT: entry.lastT })), latestT);
    const absent = new Set(panel.absent);
    for (const [id, entry] of faces) {
      if (entry.absent !== absent.has(id)) {
        entry.absent = absent.has(id);
        entry.card.classList.toggle("absent", entry.absent);
        entry.card.style.order = entry.absent ? "1" : "0";  // faces in view first
      }
    }
    for (const id of panel.leave) {
      const entry = faces.get(id);
      entry.chart.destroy();
      entry.card.remove();
      faces.delete(id);
    }
    $("no-faces").hidden = faces.size > 0;
  }

  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  function median(values) {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] || 0;
  }

  // --- faces: bars and timeline ---------------------------------------------------------------

  function buildLegend() {
    const legend = $("legend");
    if (legend.childElementCount) return;
    for (const name of emotions) {
      const item = document.createElement("span");
      const swatch = document.createElement("i");
      swatch.style.background = EMOTION_COLOURS[name] || "#ccc";
      item.append(swatch, name);
      legend.append(item);
    }
  }

  function card(id) {
    let entry = faces.get(id);
    if (entry) return entry;
    const article = document.createElement("article");
    article.className = "face";
    article.dataset.faceId = id;
    article.style.setProperty("--face", FACE_COLOURS[Math.abs(id) % FACE_COLOURS.length]);
    const title = document.createElement("h2");
    const label = document.createElement("span");
    label.textContent = `face #${id}`;
    const top = document.createElement("span");
    top.className = "top";
    title.append(label, top);
    const bars = document.createElement("div");
    bars.className = "bars";
    const fills = {};
    const values = {};
    for (const name of emotions) {
      const row = document.createElement("div");
      row.className = "bar";
      row.dataset.emotion = name;
      const label_ = document.createElement("span");
      label_.className = "name";
      label_.textContent = name;
      const track = document.createElement("span");
      track.className = "track";
      const fill = document.createElement("span");
      fill.className = "fill";
      fill.style.background = EMOTION_COLOURS[name] || "#ccc";
      track.append(fill);
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = "–";
      row.append(label_, track, value);
      bars.append(row);
      fills[name] = fill;
      values[name] = value;
    }
    const chartBox = document.createElement("div");
    chartBox.className = "chart";
    article.append(title, bars, chartBox);
    insertSorted(article, id);
    const data = [[], ...emotions.map(() => [])];
    const width = Math.max(260, article.clientWidth - 24);
    const chart = new uPlot({
      width, height: 130,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false }, y: { range: [0, 1] } },
      axes: [
        { stroke: "#9aa3b2", grid: { stroke: "#2b3140" }, ticks: { stroke: "#2b3140" },
          values: (u, splits) => splits.map((t) => `${Math.round(t - latestT)}s`) },
        { stroke: "#9aa3b2", grid: { stroke: "#2b3140" }, ticks: { stroke: "#2b3140" }, size: 50,
          values: (u, splits) => splits.map((v) => `${Math.round(v * 100)}%`) },
      ],
      series: [{}, ...emotions.map((name) => ({ label: name, stroke: EMOTION_COLOURS[name], width: 1.5 }))],
    }, data, chartBox);
    entry = {
      card: article, top, fills, values, chart, data,
      lastT: -Infinity, dirty: true, updates: 0, barsAt: 0, face: null, absent: false,
    };
    faces.set(id, entry);
    return entry;
  }

  function insertSorted(article, id) {  // newest ids first: a face that just came into view is on top
    const container = $("faces");
    const after = [...container.querySelectorAll(".face")].find((el) => Number(el.dataset.faceId) < id);
    container.insertBefore(article, after || null);
  }

  function addPoint(face, t, index) {
    const entry = card(face.id);
    const { data } = entry;
    if (t - entry.lastT > 1 && data[0].length) {  // the face was away: break the lines
      data[0].push(entry.lastT + 0.01);
      for (let i = 1; i < data.length; i += 1) data[i].push(null);
    }
    data[0].push(t);
    emotions.forEach((name, i) => data[i + 1].push(face.scores[i]));
    while (data[0].length && data[0][0] < t - historyS) data.forEach((column) => column.shift());
    entry.lastT = t;
    entry.updates += 1;
    entry.card.dataset.frame = index;
    entry.card.dataset.updates = entry.updates;
    entry.dirty = true;
    entry.face = face;
    if (performance.now() - entry.barsAt >= 80) drawBars(entry);  // ~12 Hz reads as live, spares the CPU
  }

  function drawBars(entry) {
    const { face } = entry;
    entry.barsAt = performance.now();
    entry.face = null;
    emotions.forEach((name, i) => {  // transforms and unchanged texts need no layout
      entry.fills[name].style.transform = `scaleX(${face.scores[i].toFixed(3)})`;
      setText(entry.values[name], `${Math.round(face.scores[i] * 100)}%`);
    });
    setText(entry.top, `${face.emotion} ${Math.round(face.confidence * 100)}%`);
  }

  function redrawCharts() {  // 4 times a second for faces in view, once a second for the others
    ticks += 1;
    $("frames").textContent = frames;  // text changes cost a layout: not on every frame
    $("fps").textContent = (shownAt.length / 2).toFixed(1);
    $("analysis-fps").textContent = analysedPerS.toFixed(1);
    $("latency").textContent = Math.round(median(latencies));
    if (!latestT) return;
    for (const entry of faces.values()) {
      if (entry.face) drawBars(entry);
      if (!entry.dirty && ticks % 4) continue;
      if (entry.dirty) entry.chart.setData(entry.data, false);
      entry.dirty = false;
      entry.chart.setScale("x", { min: latestT - historyS, max: latestT });
    }
  }

  async function loadHistory() {
    try {
      const response = await fetch(`/api/history?seconds=${historyS}`, { cache: "no-store" });
      if (!response.ok) return;
      const history = await response.json();
      for (const [id, columns] of Object.entries(history.faces)) {
        columns.t.forEach((t, row) => {
          const scores = history.emotions.map((name) => columns[name][row]);
          const best = scores.indexOf(Math.max(...scores));
          latestT = Math.max(latestT, t);
          addPoint({ id: Number(id), scores, emotion: history.emotions[best], confidence: scores[best] }, t, -1);
        });
      }
      redrawCharts();
    } catch (error) {
      // no history: the charts fill from the live stream
    }
  }

  window.addEventListener("resize", () => {
    for (const entry of faces.values()) {
      entry.chart.setSize({ width: Math.max(260, entry.card.clientWidth - 24), height: 130 });
    }
  });

  fetchState().then(loadHistory).then(connect);
  setInterval(fetchState, 3000);
  setInterval(redrawCharts, 250);
})();

// Runs the live page's app.js in Node over a small stand-in for the browser (elements, WebSocket,
// fetch, timers, uPlot), feeds it what a `fer-video serve` would send, and prints what a user would
// see as JSON. Usage: node live_page_in_node.js STATIC_DIR SCENARIO (tests/unit/test_live_page_rules.py).
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [staticDir, scenario] = process.argv.slice(2);

class Element {
  constructor(tag, id = "") {
    this.tagName = tag;
    this.id = id;
    this.children = [];
    this.parent = null;
    this.dataset = {};
    this.style = { setProperty() {} };
    this.className = "";
    this.textContent = "";
    this.hidden = false;
    this.disabled = false;
    this.clientWidth = 300;
    const classes = new Set();
    this.classList = {
      toggle: (name, on) => (on ? classes.add(name) : classes.delete(name)),
      add: (name) => classes.add(name),
      contains: (name) => classes.has(name),
    };
  }

  get childElementCount() { return this.children.length; }

  append(...items) {
    for (const item of items) {
      if (typeof item === "object") {
        item.parent = this;
        this.children.push(item);
      }
    }
  }

  insertBefore(item, before) {
    item.parent = this;
    const at = before ? this.children.indexOf(before) : -1;
    if (at < 0) this.children.push(item);
    else this.children.splice(at, 0, item);
  }

  replaceChildren(...items) { this.children = []; this.append(...items); }

  remove() {
    if (this.parent) this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }

  querySelectorAll(selector) {  // the page asks only for ".face"
    const found = [];
    const walk = (element) => element.children.forEach((child) => {
      if (`.${child.className}` === selector) found.push(child);
      walk(child);
    });
    walk(this);
    return found;
  }

  addEventListener() {}

  getContext() { return { drawImage() {} }; }
}

const elements = new Map();
const document = {
  body: new Element("body"),
  getElementById(id) {
    if (!elements.has(id)) elements.set(id, new Element("div", id));
    return elements.get(id);
  },
  createElement: (tag) => new Element(tag),
};

const timers = [];  // [milliseconds, callback]: run by the scenario, not by time
const sockets = [];
class FakeSocket {
  constructor(url) { this.url = url; this.readyState = 0; this.sent = []; sockets.push(this); }
  send(data) { this.sent.push(data); }
}
FakeSocket.OPEN = 1;

class FakeChart {
  constructor() { this.destroyed = false; }
  setData() {}
  setScale() {}
  setSize() {}
  destroy() { this.destroyed = true; }
}

const state = { emotions: ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"], history_s: 60,
                viewers: 1, max_viewers: 8, controls: null, detector: "haar", source: null };
const context = {
  window: { addEventListener() {} },
  document,
  location: { protocol: "http:", host: "127.0.0.1:8000" },
  WebSocket: FakeSocket,
  fetch: async (url) => (url.startsWith("/api/state") ? { ok: true, json: async () => state } : { ok: false }),
  setTimeout: (callback, ms) => timers.push([ms, callback]),
  setInterval: () => 0,
  performance: { now: () => 0 },
  createImageBitmap: async () => ({ width: 640, height: 480, close() {} }),
  Blob: class {},
  Option: class extends Element { constructor(text, value) { super("option"); this.textContent = text; this.value = value; } },
  uPlot: FakeChart,
  TextDecoder, DataView, Uint8Array, ArrayBuffer, JSON, Math, Map, Set, Number, Promise, console, Date,
};
context.window.document = document;
context.globalThis = context;
vm.createContext(context);
for (const name of ["live_rules.js", "app.js"]) {  // as index.html loads them (an older page had no rules)
  const file = path.join(staticDir, name);
  if (fs.existsSync(file)) vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: name });
  if (name === "live_rules.js" && context.ferLiveRules) context.window.ferLiveRules = context.ferLiveRules;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function packet(seq, seconds, ids) {
  const header = new TextEncoder().encode(JSON.stringify({
    seq, captured: seconds * 1000, index: seq, time_s: seconds, width: 640, height: 480, analysed: true,
    analysed_per_s: 10, version: 0,
    faces: ids.map((id) => ({ id, box: [0, 0, 10, 10], emotion: "happy", confidence: 0.9,
                              scores: [0, 0, 0, 0.9, 0, 0, 0.1] })),
  }));
  const data = new Uint8Array(4 + header.length + 2);
  new DataView(data.buffer).setUint32(0, header.length);
  data.set(header, 4);
  data.set([0xff, 0xd8], 4 + header.length);
  return data.buffer;
}

const cards = () => document.getElementById("faces").querySelectorAll(".face");

async function main() {
  for (let i = 0; i < 5; i += 1) await settle();  // fetchState, loadHistory, connect
  const socket = sockets[sockets.length - 1];
  socket.readyState = 1;
  socket.onopen();
  if (scenario === "viewer-limit") {
    const tries = [];
    for (let n = 0; n < 3; n += 1) {
      const current = sockets[sockets.length - 1];
      current.readyState = 3;
      current.onclose({ code: 1013, reason: "viewer limit reached (8 watching); try again later" });
      const [ms, again] = timers.pop();
      tries.push({ wait_ms: ms, status: document.getElementById("status").textContent,
                   error: document.getElementById("error").hidden ? null : document.getElementById("error-text").textContent });
      again();
    }
    return { tries };
  }
  if (scenario === "looping-file") {  // a 10 s file looping for 90 s at 10 fps: two new face ids each loop
    const counts = [];
    for (let tenth = 0; tenth <= 900; tenth += 1) {
      const loop = Math.floor(tenth / 100);
      socket.onmessage({ data: packet(tenth + 1, 1000 + tenth / 10, [2 * loop + 1, 2 * loop + 2]) });
      await settle();
      counts.push(cards().length);
    }
    return { most_cards: Math.max(...counts), cards_at_end: cards().map((card) => Number(card.dataset.faceId)) };
  }
  throw new Error(`no scenario ${scenario}`);
}

main().then((result) => process.stdout.write(JSON.stringify(result)), (error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});

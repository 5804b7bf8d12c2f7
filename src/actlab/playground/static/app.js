// actlab playground: draws what the server's session sends; trains nothing itself.
"use strict";

const BLUE = [8, 119, 189], ORANGE = [245, 147, 34], WHITE = [255, 255, 255];
const TRAIN_COLOR = "#1b5e8c", TEST_COLOR = "#d9660b";
const MAX_ACTS = 4;

const $ = (sel) => document.querySelector(sel);
const form = $("#setup");
const state = { socket: null, setup: null, data: null, frame: null, running: false, frames: 0,
                laneKey: "", lanes: [], choices: null };
window.playground = state; // read by the browser test

// --- the connection ------------------------------------------------------------------------
function connect() {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + location.host + "/ws");
  state.socket = ws;
  ws.onopen = () => { $("#conn").textContent = ""; send({ op: "hello", query: location.search }); };
  ws.onmessage = (ev) => receive(JSON.parse(ev.data));
  ws.onclose = () => {
    $("#conn").textContent = "disconnected: is `actlab playground` still running?";
    setRunning(false);
  };
}

function send(msg) {
  if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(msg));
}

function receive(msg) {
  if (msg.type === "hello") { state.choices = msg.choices; fillChoices(msg.choices); }
  else if (msg.type === "setup") onSetup(msg);
  else if (msg.type === "frame") onFrame(msg);
  else if (msg.type === "state") setRunning(msg.running);
  else if (msg.type === "error") { say(msg.message, "error"); }
  else if (msg.type === "exported") {
    say("saved: " + msg.path + " (report.html inside; `actlab report` and actlab.load read it)", "info");
  }
}

function say(text, kind) {
  const box = $("#message");
  box.textContent = text;
  box.className = kind === "info" ? "info" : "";
  box.hidden = !text;
}

// --- controls ----------------------------------------------------------------------------------
function fillChoices(c) {
  const options = (select, values) => {
    select.innerHTML = "";
    for (const v of values) select.add(new Option(v, v));
  };
  options(form.elements.data, c.datasets);
  options(form.elements.opt, c.optimizers);
  $("#act-names").innerHTML = c.activations.map((a) => `<option value="${a}">`).join("");
  $("#init-names").innerHTML = c.inits.map((a) => `<option value="${a}">`).join("");
}

function actRow(value) {
  const row = document.createElement("span");
  row.className = "act-row";
  const input = document.createElement("input");
  input.name = "act";
  input.value = value;
  input.setAttribute("list", "act-names");
  input.spellcheck = false;
  const remove = document.createElement("button");
  remove.type = "button";
  remove.textContent = "\u00d7";
  remove.title = "remove";
  remove.onclick = () => {
    if ($("#act-rows").children.length > 1) { row.remove(); submit(); }
  };
  row.append(input, remove);
  return row;
}

function showSetup(setup) {
  const f = form.elements;
  f.data.value = setup.dataset;
  f.noise.value = setup.noise;
  f.ratio.value = setup.train_ratio;
  f.n.value = setup.n_samples;
  f.dseed.value = setup.data_seed;
  f.hidden.value = setup.hidden.join(",");
  f.init.value = setup.init;
  f.opt.value = setup.optimizer;
  f.lr.value = setup.lr;
  f.batch.value = setup.batch_size;
  f.l2.value = setup.l2;
  f.seeds.value = setup.seeds;
  f.view.value = setup.view;
  f.epf.value = String(setup.epochs_per_frame);
  f.follow.value = setup.follow;
  const rows = $("#act-rows");
  rows.innerHTML = "";
  for (const a of setup.activations) rows.append(actRow(a));
  $("#add-act").disabled = setup.activations.length >= MAX_ACTS;
}

function query() {
  const params = new URLSearchParams();
  for (const el of form.elements) {
    if (el.name && !el.disabled && el.value.trim() !== "") params.append(el.name, el.value.trim());
    else if (el.name === "hidden" && el.value.trim() === "") params.append("hidden", "");
  }
  return params.toString();
}

function submit() { say(""); send({ op: "setup", query: query() }); }

form.addEventListener("change", (ev) => {
  if (ev.target.name === "hidden") form.elements.follow.value = ""; // its unit may be gone
  submit();
});
form.addEventListener("submit", (ev) => { ev.preventDefault(); submit(); });
$("#add-act").onclick = () => {
  const used = new Set([...form.querySelectorAll("input[name=act]")].map((i) => i.value));
  const next = ["sigmoid", "tanh", "relu", "elu", "swish", "leaky_relu:0.1"].find((a) => !used.has(a)) || "relu";
  $("#act-rows").append(actRow(next));
  submit();
};
$("#play").onclick = () => { say(""); send({ op: state.running ? "pause" : "play" }); };
$("#step").onclick = () => { say(""); send({ op: "step" }); };
$("#reset").onclick = () => { say(""); send({ op: "reset" }); };
$("#export").onclick = () => { say("saving ...", "info"); send({ op: "export" }); };

function setRunning(running) {
  state.running = running;
  $("#play").innerHTML = running ? "&#10074;&#10074; pause" : "&#9654; play";
}

function onSetup(msg) {
  state.setup = msg.setup;
  if (msg.data) state.data = msg.data;
  showSetup(msg.setup);
  setRunning(msg.running);
  if (location.search.slice(1) !== msg.query) history.replaceState(null, "", "?" + msg.query);
}

// --- lanes ---------------------------------------------------------------------------------
function el(tag, cls, parent) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (parent) parent.append(e);
  return e;
}

function canvas(cls, w, h, parent) {
  const c = el("canvas", cls, parent);
  const ratio = window.devicePixelRatio || 1;
  c.width = w * ratio; c.height = h * ratio;
  c.style.width = w + "px"; c.style.height = h + "px";
  c.getContext("2d").scale(ratio, ratio);
  c.logical = { w, h };
  return c;
}

function buildLanes(frame) {
  const main = $("#lanes");
  main.innerHTML = "";
  state.lanes = frame.lanes.map((lane) => {
    const box = el("section", "lane", main);
    const title = el("h2", "", box);
    const name = el("span", "name", title);
    name.textContent = lane.activation;
    name.title = lane.activation; // the whole name when it is cut
    const acc = el("span", "acc", title);
    el("h3", "", box).textContent = "decision boundary";
    const boundary = canvas("boundary", 256, 256, box);
    el("h3", "", box).textContent = "loss (band: spread over seeds)";
    const curves = canvas("curves", 256, 120, box);
    el("h3", "", box).textContent = "neurons (seed 0)";
    const neurons = el("div", "neurons", box);
    const thumbs = lane.neurons.map((units, l) => {
      const row = el("div", "layer", neurons);
      el("span", "", row).textContent = "L" + (l + 1);
      return units.map((_, j) => {
        const c = el("canvas", "", row);
        c.width = c.height = frame.neuron_size;
        c.onclick = () => { form.elements.follow.value = `${l + 1}.${j + 1}`; submit(); };
        return c;
      });
    });
    el("h3", "", box).textContent = "inside: saturated, inactive, |dL/dW|";
    const nRows = lane.layers.saturation.length * 2 + lane.layers.grad_W_norm.length;
    const bars = canvas("bars", 256, 14 * nRows + 8, box);
    const pathTitle = el("h3", "", box);
    const path = canvas("path", 256, 170, box);
    return { box, acc, boundary, curves, thumbs, bars, path, pathTitle };
  });
}

function onFrame(frame) {
  state.frame = frame;
  state.frames += 1;
  const key = JSON.stringify(frame.lanes.map((l) => [l.activation, l.neurons.map((u) => u.length),
                                                     l.layers.grad_W_norm.length]));
  if (key !== state.laneKey) { state.laneKey = key; buildLanes(frame); }
  $("#epoch").textContent = "epoch " + frame.epoch;
  $("#fps").textContent = frame.fps ? frame.fps.toFixed(1) + " frames/s" : "";
  setRunning(frame.running);
  frame.lanes.forEach((lane, i) => drawLane(state.lanes[i], lane, frame));
}

function drawLane(view, lane, frame) {
  const fmt = (v) => (v === null || v === undefined ? "n/a" : v.toFixed(3));
  const diverged = lane.status.filter((s) => s !== "ok").length;
  view.acc.innerHTML = `train acc ${fmt(lane.train_acc)} &middot; test acc ${fmt(lane.test_acc)}` +
    (diverged ? ` <span class="diverged">${diverged} of ${lane.status.length} seeds diverged</span>` : "");
  drawBoundary(view.boundary, decode(lane.boundary), frame.boundary_size);
  drawCurves(view.curves, lane.curves);
  lane.neurons.forEach((units, l) => units.forEach((u, j) => {
    const c = view.thumbs[l][j];
    drawNeuron(c, decode(u.img), frame.neuron_size);
    c.title = `layer ${l + 1}, unit ${j + 1}: output from ${u.min.toPrecision(3)} to ${u.max.toPrecision(3)} (|max|); click: follow its weights`;
    c.classList.toggle("followed", lane.path.layer === l + 1 && lane.path.unit === j + 1);
  }));
  drawBars(view.bars, lane.layers);
  const p = lane.path;
  view.pathTitle.textContent = `zig-zag: layer ${p.layer}, unit ${p.unit}, weights from inputs ${p.inputs.join(" and ")}`;
  drawPath(view.path, p.points);
}

function decode(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function mix(a, b, t) { return [0, 1, 2].map((k) => Math.round(a[k] + (b[k] - a[k]) * t)); }

// p(class 1) in 0..255 -> orange (class 0) .. white .. blue (class 1)
function probColor(code) {
  const t = code / 255 * 2 - 1;
  return mix(WHITE, t < 0 ? ORANGE : BLUE, Math.min(1, Math.abs(t)) * 0.75);
}

function paintGrid(codes, size, color) {
  const off = document.createElement("canvas");
  off.width = off.height = size;
  const ctx = off.getContext("2d");
  const img = ctx.createImageData(size, size);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const rgb = color(codes[r * size + c]);
      const o = ((size - 1 - r) * size + c) * 4; // row 0 is the lowest x2: draw it at the bottom
      img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return off;
}

function drawBoundary(cv, codes, size) {
  const ctx = cv.getContext("2d"), { w, h } = cv.logical;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(paintGrid(codes, size, probColor), 0, 0, w, h);
  if (!state.data) return;
  const [lo, hi] = state.data.extent;
  const px = (x) => (x - lo) / (hi - lo) * w, py = (y) => h - (y - lo) / (hi - lo) * h;
  const dot = (p, test) => {
    ctx.beginPath();
    ctx.arc(px(p[0]), py(p[1]), test ? 3.2 : 2.6, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${(p[2] ? BLUE : ORANGE).join(",")})`;
    ctx.fill();
    ctx.lineWidth = test ? 1.4 : 0.8;
    ctx.strokeStyle = test ? "#000" : "#fff";
    ctx.stroke();
  };
  for (const p of state.data.train) dot(p, false);
  for (const p of state.data.test) dot(p, true);
}

function drawNeuron(cv, codes, size) {
  const ctx = cv.getContext("2d");
  ctx.drawImage(paintGrid(codes, size, (code) => {
    const t = (code - 128) / 127;
    return mix(WHITE, t < 0 ? ORANGE : BLUE, Math.min(1, Math.abs(t)));
  }), 0, 0);
}

function drawCurves(cv, curves) {
  const ctx = cv.getContext("2d"), { w, h } = cv.logical;
  const pad = { l: 34, r: 6, t: 6, b: 16 };
  ctx.clearRect(0, 0, w, h);
  const series = [["train", curves.train_loss, TRAIN_COLOR], ["test", curves.test_loss, TEST_COLOR]];
  const values = series.flatMap(([, c]) => c.hi.concat(c.mean)).filter((v) => v !== null && isFinite(v));
  const last = curves.train_loss.epochs.at(-1) || 0;
  const ymax = values.length ? Math.max(...values) * 1.05 : 1;
  const X = (e) => pad.l + (last > 1 ? (e - 1) / (last - 1) : 1) * (w - pad.l - pad.r);
  const Y = (v) => pad.t + (1 - Math.min(v, ymax) / ymax) * (h - pad.t - pad.b);
  ctx.strokeStyle = "#ccc"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(pad.l, pad.t); ctx.lineTo(pad.l, h - pad.b); ctx.lineTo(w - pad.r, h - pad.b); ctx.stroke();
  ctx.fillStyle = "#666"; ctx.font = "10px system-ui, sans-serif";
  ctx.textAlign = "right";
  ctx.fillText(ymax.toPrecision(2), pad.l - 3, pad.t + 8);
  ctx.fillText("0", pad.l - 3, h - pad.b);
  ctx.textAlign = "left";
  ctx.fillText("epoch " + last, w - pad.r - 52, h - 4);
  series.forEach(([name, c, color], k) => {
    const pts = c.epochs.map((e, i) => [e, c.mean[i], c.lo[i], c.hi[i]]).filter((p) => p[1] !== null);
    if (!pts.length) return;
    ctx.globalAlpha = 0.2; ctx.fillStyle = color;
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[3])) : ctx.moveTo(X(p[0]), Y(p[3]))));
    for (let i = pts.length - 1; i >= 0; i--) ctx.lineTo(X(pts[i][0]), Y(pts[i][2]));
    ctx.closePath(); ctx.fill();
    ctx.globalAlpha = 1; ctx.strokeStyle = color; ctx.lineWidth = 1.6;
    ctx.beginPath();
    pts.forEach((p, i) => (i ? ctx.lineTo(X(p[0]), Y(p[1])) : ctx.moveTo(X(p[0]), Y(p[1]))));
    ctx.stroke();
    ctx.fillStyle = color;
    ctx.fillText(`${name} ${pts.at(-1)[1].toFixed(3)}`, pad.l + 6 + k * 92, pad.t + 9);
  });
}

function drawBars(cv, layers) {
  const ctx = cv.getContext("2d"), { w, h } = cv.logical;
  ctx.clearRect(0, 0, w, h);
  ctx.font = "10px system-ui, sans-serif";
  const x0 = 92, span = w - x0 - 40;
  let y = 4;
  const bar = (label, frac, color, text) => {
    ctx.fillStyle = "#444"; ctx.textAlign = "left"; ctx.fillText(label, 0, y + 9);
    ctx.fillStyle = "#eee"; ctx.fillRect(x0, y + 1, span, 10);
    ctx.fillStyle = color; ctx.fillRect(x0, y + 1, Math.max(0, Math.min(1, frac)) * span, 10);
    ctx.fillStyle = "#444"; ctx.fillText(text, x0 + span + 4, y + 9);
    y += 14;
  };
  layers.saturation.forEach((s, l) => {
    bar(`L${l + 1} saturated`, s ?? 0, "#c0392b", s === null ? "n/a" : Math.round(s * 100) + "%");
    const d = layers.dead[l];
    bar(`L${l + 1} inactive`, d ?? 0, "#7f8c8d", d === null ? "n/a" : Math.round(d * 100) + "%");
  });
  layers.grad_W_norm.forEach((g, l) => {
    // log scale: 1e-6 .. 10
    const frac = g ? (Math.log10(g) + 6) / 7 : 0;
    bar(`W${l + 1} |dL/dW|`, frac, "#27ae60", g === null ? "n/a" : g.toExponential(1));
  });
}

function drawPath(cv, points) {
  const ctx = cv.getContext("2d"), { w, h } = cv.logical;
  ctx.clearRect(0, 0, w, h);
  if (points.length < 1) return;
  const pad = 14;
  let [xmin, xmax, ymin, ymax] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const [a, b] of points) {
    if (!isFinite(a) || !isFinite(b)) continue;
    xmin = Math.min(xmin, a); xmax = Math.max(xmax, a); ymin = Math.min(ymin, b); ymax = Math.max(ymax, b);
  }
  if (!isFinite(xmin)) return;
  const sx = Math.max(xmax - xmin, 1e-9), sy = Math.max(ymax - ymin, 1e-9), s = Math.max(sx, sy);
  const cx = (xmin + xmax) / 2, cy = (ymin + ymax) / 2;
  const X = (a) => w / 2 + (a - cx) / s * (Math.min(w, h) - 2 * pad);
  const Y = (b) => h / 2 - (b - cy) / s * (Math.min(w, h) - 2 * pad);
  ctx.strokeStyle = "#eee"; ctx.strokeRect(0.5, 0.5, w - 1, h - 1);
  ctx.lineWidth = 1.2;
  for (let i = 1; i < points.length; i++) {
    const t = i / points.length;
    ctx.strokeStyle = `rgba(40, 60, 120, ${0.15 + 0.85 * t})`;
    ctx.beginPath(); ctx.moveTo(X(points[i - 1][0]), Y(points[i - 1][1]));
    ctx.lineTo(X(points[i][0]), Y(points[i][1])); ctx.stroke();
  }
  ctx.strokeStyle = "#888"; ctx.lineWidth = 1;  // where the shown updates start
  ctx.beginPath(); ctx.arc(X(points[0][0]), Y(points[0][1]), 3.5, 0, 2 * Math.PI); ctx.stroke();
  ctx.fillStyle = "#999"; ctx.font = "10px system-ui, sans-serif";
  ctx.fillText("w from input 1 \u2192", w - 84, h - 16);
  ctx.save(); ctx.translate(11, h - 22); ctx.rotate(-Math.PI / 2);
  ctx.fillText("w from input 2 \u2192", 0, 0); ctx.restore();
  const [a, b] = points.at(-1);
  ctx.fillStyle = "#c0392b"; ctx.beginPath(); ctx.arc(X(a), Y(b), 3.5, 0, 2 * Math.PI); ctx.fill();
  ctx.fillStyle = "#666"; ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(`w = (${a.toFixed(3)}, ${b.toFixed(3)}); last ${points.length} updates`, 4, h - 4);
}

connect();

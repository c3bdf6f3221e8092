"""The status page itself: one self-contained HTML document (style and script inline, no network).

Kept as a Python string so the package needs no data files. The server replaces ``__NONCE__``
with a fresh value per response and names it in the Content-Security-Policy, so only this
page's own script and style run. The script polls ``/api/status`` every second and builds
the DOM with ``textContent`` only (titles come from users' file names), draws the current
piece from its ``paths.json`` on a canvas (done strokes in ink, the rest faint), and sends the
buttons' actions with the token taken from ``?token=`` and kept in ``sessionStorage``.
"""

from __future__ import annotations

PAGE_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>plotter gallery</title>
<style nonce="__NONCE__">
  :root {
    --bg: #e4e1da; --card: #fbfaf7; --ink: #24262a; --muted: #6d7077; --line: rgba(0,0,0,.08);
    --paper: #fffdf8; --accent: #2d6cdf; --good: #2f8f4e; --warn: #c07b12; --bad: #c23b3b;
  }
  * { box-sizing: border-box; }
  [hidden] { display: none !important; }
  body {
    margin: 0; background: var(--bg); color: var(--ink);
    font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  }
  header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 14px; padding: 14px 18px 4px; }
  header h1 { font-size: 17px; font-weight: 600; margin: 0; letter-spacing: .01em; }
  .pill {
    display: inline-block; padding: 2px 11px; border-radius: 999px; font-size: 12.5px; font-weight: 600;
    background: rgba(0,0,0,.08); color: var(--ink); text-transform: lowercase;
  }
  .pill.drawing { background: rgba(47,143,78,.15); color: var(--good); }
  .pill.paused, .pill.waiting { background: rgba(192,123,18,.16); color: var(--warn); }
  .pill.making { background: rgba(45,108,223,.13); color: var(--accent); }
  .pill.stopped, .pill.offline { background: rgba(194,59,59,.14); color: var(--bad); }
  #since { color: var(--muted); font-size: 12.5px; margin-left: auto; }
  #message { margin: 0; padding: 0 18px 10px; color: var(--muted); min-height: 1.45em; word-break: break-word; }
  main {
    display: grid; gap: 14px; padding: 0 18px 24px;
    grid-template-columns: minmax(0, 1fr) 320px; grid-template-areas: "now side" "history history";
  }
  @media (max-width: 820px) {
    main { grid-template-columns: minmax(0, 1fr); grid-template-areas: "now" "side" "history"; padding: 0 10px 20px; }
    header { padding: 12px 12px 4px; } #message { padding: 0 12px 8px; }
  }
  .card { background: var(--card); border-radius: 12px; padding: 16px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
  .card { min-width: 0; }
  #now { grid-area: now; } #side { grid-area: side; display: flex; flex-direction: column; gap: 14px; }
  #history-card { grid-area: history; }
  h2 { font-size: 11px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); font-weight: 600; }
  h2 { margin: 0 0 10px; }
  .clip { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  #title { font-size: 18px; font-weight: 600; margin: 0; word-break: break-word; }
  #meta { color: var(--muted); font-size: 12.5px; margin: 2px 0 12px; font-variant-numeric: tabular-nums; }
  #stage { display: flex; justify-content: center; }
  #sheet {
    position: relative; background: var(--paper); width: 100%; aspect-ratio: 297 / 210;
    box-shadow: 0 1px 2px rgba(0,0,0,.12), 0 6px 22px rgba(40,35,25,.16);
  }
  #sheet canvas, #sheet img { position: absolute; inset: 0; width: 100%; height: 100%; }
  #empty { position: absolute; inset: 0; display: grid; place-items: center; color: var(--muted); }
  .bar { height: 8px; border-radius: 4px; background: rgba(0,0,0,.09); overflow: hidden; margin: 16px 0 10px; }
  .bar span { display: block; height: 100%; width: 0; background: var(--ink); transition: width .6s ease; }
  dl { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 4px 12px; margin: 0; }
  @media (max-width: 520px) { dl { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
  dt { color: var(--muted); font-size: 11.5px; }
  dd { margin: 0 0 6px; font-size: 17px; font-variant-numeric: tabular-nums; }
  .buttons { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; }
  button {
    font: inherit; font-weight: 600; border: 0; border-radius: 9px; padding: 11px 8px; cursor: pointer;
    background: rgba(0,0,0,.07); color: var(--ink);
  }
  button:hover { background: rgba(0,0,0,.12); }
  button.primary { background: var(--ink); color: #fff; }
  button:disabled { opacity: .5; cursor: progress; }
  #feedback { min-height: 1.45em; margin: 10px 0 0; font-size: 13px; color: var(--muted); word-break: break-word; }
  #feedback.refused { color: var(--bad); font-weight: 600; }
  .kv { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; margin: 0; }
  .kv dt { font-size: 13px; } .kv dd { font-size: 13px; margin: 0; text-align: right; word-break: break-word; }
  ol, ul { list-style: none; margin: 0; padding: 0; }
  #next li { display: flex; gap: 10px; padding: 5px 0; border-top: 1px solid var(--line); }
  #next li:first-child { border-top: 0; }
  .num { font-weight: 600; min-width: 3.2em; } .muted { color: var(--muted); }
  #history { display: grid; grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); gap: 14px; }
  #history li { min-width: 0; }
  .thumb {
    display: block; width: 100%; aspect-ratio: 4 / 3; object-fit: contain; background: var(--paper);
    border-radius: 6px; box-shadow: inset 0 0 0 1px var(--line);
  }
  .hname { font-weight: 600; margin-top: 6px; }
  .hmeta { color: var(--muted); font-size: 12px; font-variant-numeric: tabular-nums; }
  .badge { font-size: 11px; font-weight: 600; padding: 0 6px; border-radius: 4px; background: rgba(0,0,0,.07); }
  .badge.done { background: rgba(47,143,78,.14); color: var(--good); }
  .badge.aborted, .badge.skipped { background: rgba(194,59,59,.12); color: var(--bad); }
  .badge.drawing { background: rgba(45,108,223,.12); color: var(--accent); }
  .none { color: var(--muted); }
</style>
</head>
<body>
<header>
  <h1>plotter gallery</h1>
  <span id="state" class="pill">connecting</span>
  <span id="since"></span>
</header>
<p id="message"></p>
<main>
  <section id="now" class="card">
    <h2>on the plotter</h2>
    <p id="title">nothing yet</p>
    <p id="meta"></p>
    <div id="stage"><div id="sheet"><img id="preview" alt="" hidden><canvas id="canvas"></canvas>
      <div id="empty">no piece in progress</div></div></div>
    <div class="bar"><span id="bar"></span></div>
    <dl>
      <div><dt>strokes</dt><dd id="strokes" class="clip">—</dd></div>
      <div><dt>done</dt><dd id="percent" class="clip">—</dd></div>
      <div><dt>time left</dt><dd id="eta" class="clip">—</dd></div>
      <div><dt>ink drawn</dt><dd id="drawn" class="clip">—</dd></div>
    </dl>
  </section>
  <div id="side">
    <section class="card">
      <h2>controls</h2>
      <div class="buttons">
        <button type="button" data-action="pause">pause</button>
        <button type="button" data-action="resume">resume</button>
        <button type="button" data-action="skip">skip</button>
        <button type="button" data-action="paper">paper changed</button>
      </div>
      <p id="feedback"></p>
    </section>
    <section class="card">
      <h2>machine</h2>
      <dl class="kv">
        <dt>name</dt><dd id="m-name">—</dd>
        <dt>port</dt><dd id="m-port">—</dd>
        <dt>state</dt><dd id="m-state">—</dd>
      </dl>
    </section>
    <section class="card">
      <h2>next</h2>
      <ol id="next"></ol>
    </section>
  </div>
  <section id="history-card" class="card">
    <h2>history</h2>
    <ul id="history"></ul>
  </section>
</main>
<script nonce="__NONCE__">
"use strict";
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = "plotter-gallery-token";
const INK = "#1d1f22";

// Values from the snapshot are checked before use: the page must survive missing keys and nulls.
const obj = (v) => (v !== null && typeof v === "object" && !Array.isArray(v) ? v : {});
const arr = (v) => (Array.isArray(v) ? v : []);
const num = (v) => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v, fallback = "") =>
  typeof v === "string" ? v : num(v) !== null ? String(v) : fallback;

function el(tag, cls, content) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (content !== undefined && content !== null) node.textContent = content;  // text, not markup
  return node;
}

function clock(seconds) {
  const s = num(seconds);
  if (s === null || s < 0) return "—";
  const t = Math.round(s), h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), x = t % 60;
  return h + ":" + String(m).padStart(2, "0") + ":" + String(x).padStart(2, "0");
}

function fileUrl(path) {
  if (typeof path !== "string" || path === "") return null;
  return "/files/" + path.split("/").map(encodeURIComponent).join("/");
}

function pieceLabel(p) {
  const bits = [];
  if (num(p.number) !== null) bits.push("#" + p.number);
  if (str(p.painter)) bits.push(str(p.painter));
  if (num(p.seed) !== null) bits.push("seed " + p.seed);
  return bits.join(" · ");
}

// --- the token: taken from ?token= once, kept for this tab, removed from the address bar ---
let memoryToken = "";
const token = (() => {
  const url = new URL(location.href);
  const given = url.searchParams.get("token");
  if (given !== null) {
    memoryToken = given;
    try { sessionStorage.setItem(TOKEN_KEY, given); } catch (e) { /* private mode: keep it in memory */ }
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  try { return sessionStorage.getItem(TOKEN_KEY) || memoryToken; } catch (e) { return memoryToken; }
})();

// --- the sheet: strokes from paths.json, done ones in ink, the rest faint ---
const canvas = $("canvas"), sheet = $("sheet");
const drawing = { source: null, doc: null, pens: null, done: 0, painted: -1, failed: false, previewUrl: null };

function validDoc(doc) {
  const page = arr(obj(doc).page_mm);
  return page.length === 2 && num(page[0]) > 0 && num(page[1]) > 0 && Array.isArray(doc.strokes);
}

// Each stroke's pen colour and tip width, from the layers' stroke counts (plot order).
function strokePens(doc) {
  const colors = [], widths = [];
  for (const layer of arr(doc.layers)) {
    const l = obj(layer), n = num(l.strokes) || 0, width = num(l.width_mm) || 0.3;
    const color = /^#[0-9a-fA-F]{6}$/.test(str(l.color)) ? l.color : INK;
    for (let i = 0; i < n; i++) { colors.push(color); widths.push(width); }
  }
  return { colors, widths };
}

async function loadPaths(source) {
  drawing.source = source; drawing.doc = null; drawing.failed = false; drawing.painted = -1;
  try {
    const response = await fetch(fileUrl(source), { cache: "no-cache" });
    const doc = response.ok ? await response.json() : null;
    if (drawing.source !== source) return;
    if (!validDoc(doc)) throw new Error("unusable paths.json");
    drawing.doc = doc; drawing.pens = strokePens(doc);
    sheet.style.aspectRatio = doc.page_mm[0] + " / " + doc.page_mm[1];
    fitSheet();
  } catch (e) {
    if (drawing.source === source) drawing.failed = true;
  }
  paint();
}

function fitSheet() {
  const doc = drawing.doc;
  if (!doc) return;
  const ratio = doc.page_mm[0] / doc.page_mm[1];
  sheet.style.width = "min(100%, calc(70vh * " + ratio.toFixed(4) + "))";
}

function traceStrokes(ctx, strokes, from, to, scale, alpha) {
  const { colors, widths } = drawing.pens, thinnest = Math.max(1, (window.devicePixelRatio || 1) * 0.9);
  ctx.globalAlpha = alpha;
  for (let i = from; i < to; i++) {
    const points = arr(strokes[i]);
    if (points.length === 0) continue;
    ctx.strokeStyle = colors[i] || INK;
    ctx.lineWidth = Math.max(thinnest, (widths[i] || 0.3) * scale);
    ctx.beginPath();
    const first = arr(points[0]);
    ctx.moveTo(first[0] * scale, first[1] * scale);
    if (points.length === 1) ctx.lineTo(first[0] * scale, first[1] * scale);  // a dot
    for (let k = 1; k < points.length; k++) ctx.lineTo(points[k][0] * scale, points[k][1] * scale);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
}

function paint() {
  const doc = drawing.doc;
  $("preview").hidden = !(drawing.failed && drawing.previewUrl);
  if (drawing.failed && drawing.previewUrl && $("preview").getAttribute("src") !== drawing.previewUrl) {
    $("preview").src = drawing.previewUrl;
  }
  $("empty").hidden = Boolean(doc) || (drawing.failed && Boolean(drawing.previewUrl));
  canvas.hidden = !doc;
  if (!doc) return;
  const strokes = doc.strokes, total = strokes.length;
  const done = Math.max(0, Math.min(total, drawing.done));
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(sheet.clientWidth * ratio));
  const height = Math.max(1, Math.round(sheet.clientHeight * ratio));
  const scale = width / doc.page_mm[0];
  const ctx = canvas.getContext("2d");
  ctx.lineCap = "round"; ctx.lineJoin = "round";
  if (canvas.width !== width || canvas.height !== height || done < drawing.painted || drawing.painted < 0) {
    canvas.width = width; canvas.height = height;  // also clears it
    ctx.lineCap = "round"; ctx.lineJoin = "round";
    traceStrokes(ctx, strokes, 0, total, scale, 0.16);
    traceStrokes(ctx, strokes, 0, done, scale, 1);
  } else if (done > drawing.painted) {
    traceStrokes(ctx, strokes, drawing.painted, done, scale, 1);  // only what was drawn since the last poll
  }
  drawing.painted = done;
}

new ResizeObserver(() => { drawing.painted = -1; paint(); }).observe(sheet);

// --- the snapshot ---
let lastNext = null, lastHistory = null;

function showState(state, online) {
  const pill = $("state");
  pill.textContent = online ? state || "unknown" : "offline";
  const word = online ? (state || "").split(" ")[0] : "offline";
  pill.className = "pill " + word.replace(/[^a-z]/g, "");
  for (const button of document.querySelectorAll("button[data-action]")) {
    const wanted = { paused: "resume", drawing: "pause", waiting: "paper" }[word];
    button.classList.toggle("primary", online && button.dataset.action === wanted);
  }
}

function showCurrent(current) {
  const c = obj(current), has = current !== null && typeof current === "object";
  $("title").textContent = has ? str(c.title, "untitled") : "nothing on the plotter";
  $("meta").textContent = has ? pieceLabel(c) : "";
  const done = num(c.strokes_done), total = num(c.strokes_total);
  const fraction = done !== null && total ? Math.max(0, Math.min(1, done / total)) : 0;
  $("bar").style.width = (fraction * 100).toFixed(2) + "%";
  $("strokes").textContent = done !== null && total !== null ? done + " / " + total : "—";
  $("percent").textContent = has && total ? Math.floor(fraction * 100) + " %" : "—";
  $("eta").textContent = has ? clock(c.eta_s) : "—";
  const drawn = num(c.drawn_mm);
  $("drawn").textContent =
    drawn === null ? "—" : drawn >= 1000 ? (drawn / 1000).toFixed(2) + " m" : Math.round(drawn) + " mm";
  drawing.previewUrl = has ? fileUrl(c.preview) : null;
  drawing.done = done || 0;
  const source = has && typeof c.paths === "string" ? c.paths : null;
  if (source !== drawing.source) {
    if (source) loadPaths(source);
    else { drawing.source = null; drawing.doc = null; drawing.failed = Boolean(drawing.previewUrl); }
  }
  paint();
}

function showNext(next) {
  const key = JSON.stringify(next);
  if (key === lastNext) return;
  lastNext = key;
  const list = $("next");
  list.replaceChildren();
  for (const item of arr(next)) {
    const p = obj(item), li = el("li");
    li.append(el("span", "num", num(p.number) !== null ? "#" + p.number : "—"), el("span", "", str(p.painter, "?")),
      el("span", "muted", num(p.seed) !== null ? "seed " + p.seed : ""));
    list.append(li);
  }
  if (!list.children.length) list.append(el("li", "none", "nothing queued"));
}

function showHistory(history) {
  const key = JSON.stringify(history);
  if (key === lastHistory) return;  // rebuild only on change, so thumbnails are not fetched every second
  lastHistory = key;
  const items = arr(history).map(obj).slice();
  items.sort((a, b) => (num(b.number) ?? -Infinity) - (num(a.number) ?? -Infinity));
  const list = $("history");
  list.replaceChildren();
  for (const p of items) {
    const li = el("li"), src = fileUrl(p.thumbnail);
    if (src) {
      const img = el("img", "thumb");
      img.loading = "lazy"; img.alt = str(p.title); img.src = src;
      li.append(img);
    } else {
      li.append(el("div", "thumb"));
    }
    li.append(el("div", "hname clip", str(p.title, "untitled")));
    const meta = el("div", "hmeta clip");
    const status = str(p.status);
    if (status) meta.append(el("span", "badge " + status.replace(/[^a-z]/g, ""), status), " ");
    meta.append(pieceLabel(p));
    li.append(meta);
    const when = [str(p.started_at), str(p.ended_at)].filter(Boolean).join(" → ");
    if (when) li.append(el("div", "hmeta clip", when));
    list.append(li);
  }
  if (!items.length) list.append(el("li", "none", "no pieces yet"));
}

function show(snapshot) {
  const s = obj(snapshot), state = str(s.state), machine = obj(s.machine);
  showState(state, true);
  $("message").textContent = str(s.message);
  const done = num(s.pieces_done), since = str(s.started_at);
  $("since").textContent = (done !== null ? done + " pieces" : "") + (since ? " since " + since : "");
  $("m-name").textContent = str(machine.name, "—");
  $("m-port").textContent = str(machine.port, "—");
  $("m-state").textContent = str(machine.state, "—");
  document.title = (state ? state + " · " : "") + "plotter gallery";
  showCurrent(s.current ?? null);
  showNext(s.next);
  showHistory(s.history);
}

async function poll() {
  try {
    const response = await fetch("/api/status", { cache: "no-store" });
    if (!response.ok) throw new Error("status " + response.status);
    show(await response.json());
  } catch (e) {
    showState("", false);
  }
  setTimeout(poll, 1000);
}

// --- the buttons ---
async function act(action) {
  const feedback = $("feedback"), buttons = document.querySelectorAll("button[data-action]");
  feedback.className = ""; feedback.textContent = "…";
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const response = await fetch("/api/" + action, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: token }),
    });
    const answer = obj(await response.json().catch(() => null));
    if (response.status === 403) {
      feedback.className = "refused";
      feedback.textContent = "refused: open the address printed when the gallery started (it ends in ?token=…)";
    } else {
      feedback.textContent = str(answer.message, response.ok ? "done" : "failed (" + response.status + ")");
    }
  } catch (e) {
    feedback.textContent = "could not reach the gallery";
  }
  buttons.forEach((b) => { b.disabled = false; });
}

for (const button of document.querySelectorAll("button[data-action]")) {
  button.addEventListener("click", () => act(button.dataset.action));
}
poll();
</script>
</body>
</html>
"""

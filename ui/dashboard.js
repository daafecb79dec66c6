// The dashboard: one card per account, kept up to date in place. A `state` event from
// the app changes only what changed: keyboard focus, open "Details" and the chosen
// chart range stay; only real changes (a level, a new problem) are announced; charts
// are read again only when the history changed.
"use strict";
let last = null;
const cards = new Map(); // account name -> { root, parts, card }

// Sets a node's text only when it differs, so an unchanged line is not touched
// (nor re-read by a screen reader).
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}
function show(node, yes) {
  if (node.hidden === !!yes) node.hidden = !yes;
}
function setClass(node, cls) {
  if (node.className !== cls) node.className = cls;
}

function announce(text) {
  const live = document.getElementById("announce");
  live.textContent = "";
  // A fresh text node makes screen readers speak even a repeated message.
  setTimeout(() => { live.textContent = text; }, 50);
}

function updatedText(card) {
  // An account no longer watched: what it last had, not "showing the last good figures".
  if (card.last_seen) return card.last_seen.charAt(0).toUpperCase() + card.last_seen.slice(1);
  const updated = card.fetched_at ? `Updated ${ago(card.fetched_at)}` : card.error ? "Never updated" : "Updating…";
  return card.stale ? `${updated} — showing the last good figures` : updated;
}

function nextText(card) {
  return card.next_check_at ? ` · next check ${until(card.next_check_at)}${card.polling ? ` (automatic: ${card.polling})` : ""}` : "";
}

function makeCard(name) {
  const p = {
    name: el("span", { class: "name" }, name),
    // A status (not a live region: changes are announced once, below), so assistive
    // technology lists the card's state.
    badge: el("span", { class: "badge", role: "status", "aria-live": "off" }),
    headline: el("div", { class: "headline" }),
    buys: el("div", { class: "buys" }),
    what: el("div", { class: "what" }),
    pool: el("div", { class: "pool-line" }),
    details: el("ul", { class: "details" }),
    forecast: el("div", { class: "forecast" }),
    key: el("div", { class: "key-line" }),
    spend: el("div", { class: "spend muted" }),
    updated: el("span", {}),
    next: el("span", { class: "next-check muted" }),
    problemAction: el("strong", {}),
    problemFix: el("button", { type: "button", class: "fix", onclick: () => invoke("open_window", { page: "settings", account: name }) }, "Open Settings"),
    problemMessage: el("span", {}),
    history: chartBlock(name),
  };
  p.problemDetails = el("details", {}, el("summary", {}, "Details"), p.problemMessage);
  p.problem = el("div", { class: "problem" }, p.problemAction, el("div", {}, p.problemFix), p.problemDetails);
  const root = el("article", { class: "card", "data-account": name, tabindex: "-1" },
    el("div", { class: "card-head" }, p.name, p.badge),
    p.headline, p.buys, p.what, p.pool, p.details, p.forecast, p.key, p.spend,
    el("div", { class: "updated" }, p.updated, p.next),
    p.problem, p.history.root);
  return { root, parts: p, card: null };
}

function updateCard(entry, card) {
  const p = entry.parts, before = entry.card;
  // The state and its words come from the core, as the icon's colour does.
  setClass(entry.root, `card ${card.state === "stale" ? card.level : card.state}${card.stale ? " stale" : ""}${card.group ? " grouped" : ""}`);
  entry.root.setAttribute("aria-label", `${card.name}: ${card.headline}`);
  setClass(p.badge, `badge ${card.state}`);
  setText(p.badge, card.badge);
  p.badge.setAttribute("aria-label", `State: ${card.badge}`);
  setText(p.headline, card.headline);
  setText(p.what, card.what || "");
  show(p.what, card.what);
  setText(p.buys, card.buys || "");
  show(p.buys, card.buys);
  // One of a HeyGen user's two pools (API wallet, web plan): which tools spend it.
  const pool = card.group ? `One of ${card.group}'s pools, ${card.spent_by || "spent apart from the others"}; credits in one do not pay for another.` : "";
  setText(p.pool, pool);
  show(p.pool, pool);
  const details = card.details.join("\n");
  if (!before || before.details.join("\n") !== details) p.details.replaceChildren(...card.details.map((d) => el("li", {}, d)));
  show(p.details, card.details.length > 0);
  setText(p.forecast, card.forecast ? `Forecast: ${card.forecast}` : "");
  setClass(p.forecast, "forecast" + (card.days_left !== null && card.days_left <= 3 ? " soon" : ""));
  show(p.forecast, card.forecast);
  setText(p.key, card.key || "");
  setClass(p.key, "key-line" + (card.key_warning ? " soon" : ""));
  show(p.key, card.key);
  const spent = (last && last.spend && last.spend[card.name]) || "";
  setText(p.spend, spent);
  show(p.spend, spent);
  setText(p.updated, updatedText(card));
  setText(p.next, nextText(card));
  show(p.problem, card.error);
  if (card.error) {
    setText(p.problemAction, card.error.action);
    show(p.problemFix.parentNode, card.error.fix_in_settings);
    const message = card.error.message + (card.error.request_id ? ` (request id ${card.error.request_id})` : "");
    if (p.problemMessage.dataset.text !== message) {
      p.problemMessage.dataset.text = message;
      p.problemMessage.replaceChildren(...linkify(message));
    }
  }
  // Say what changed, once: a new level or a new problem, not every poll.
  if (before) {
    if (card.error && (!before.error || before.error.action !== card.error.action)) announce(`${card.name}: ${card.error.action}`);
    else if (!card.error && before.level !== card.level) announce(`${card.name} is now ${card.level}: ${card.headline}`);
    else if (!card.error && before.error) announce(`${card.name}: ${card.headline}`);
  }
  entry.card = card;
}

// --- history chart: a small hand-written SVG with a time axis, the value under the
// pointer and a summary in words; top-ups marked ------------------------------------
const ranges = {}; // account -> "24h" | "7d" | "30d"
const RANGE_WORDS = { "24h": "the last 24 hours", "7d": "the last 7 days", "30d": "the last 30 days" };
const SPAN = { "24h": 864e5, "7d": 6048e5, "30d": 2592e6 };
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, ...children) {
  const n = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  n.append(...children);
  return n;
}

// Chart data by "account|range", with the history revision it was read at: the page
// asks again only for charts whose history changed since, all of them in one round.
const charts = {};
const chartKey = (account, range) => `${account}|${range}`;

function chartBlock(name) {
  const box = el("div", { class: "chart", role: "img" });
  const readout = el("div", { class: "chart-readout muted", "aria-hidden": "true" });
  const buttons = ["24h", "7d", "30d"].map((r) => el("button", {
    type: "button", class: "range", "data-range": r, "aria-pressed": "false",
    onclick: () => { ranges[name] = r; showRange(block); fetchCharts(last); },
  }, r));
  const tabs = el("div", { class: "ranges", role: "group", "aria-label": `Chart range for ${name}` }, buttons);
  const block = { name, box, readout, buttons, root: el("div", { class: "history" }, tabs, box, readout) };
  showRange(block);
  return block;
}

function showRange(block) {
  const range = ranges[block.name] || "7d";
  for (const b of block.buttons) {
    const on = b.dataset.range === range;
    setClass(b, on ? "range active" : "range");
    b.setAttribute("aria-pressed", String(on));
  }
  block.box.dataset.key = chartKey(block.name, range);
  block.box.dataset.range = range;
  const known = charts[block.box.dataset.key];
  if (known) drawChart(block, known.data, range);
  else {
    block.box.setAttribute("role", "img");
    block.box.setAttribute("aria-label", `Balance history of ${block.name}, ${RANGE_WORDS[range]}: loading`);
  }
}

// A request that fails (the app busy, its history held by another process) is asked
// again with a growing pause, so a chart never stays "loading" while the figures are
// steady; a reply older than one already drawn is dropped.
let chartRetry = null, chartPause = 1000;
async function fetchCharts(state) {
  if (!state) return;
  const rev = state.history_rev;
  const wanted = state.accounts.map((c) => ({ account: c.name, range: ranges[c.name] || "7d" }))
    .filter((w) => { const k = charts[chartKey(w.account, w.range)]; return !k || k.rev !== rev; });
  if (wanted.length === 0) return;
  let got;
  try { got = await invoke("get_charts", { charts: wanted }); } catch (_) {
    if (!chartRetry) chartRetry = setTimeout(() => { chartRetry = null; fetchCharts(last); }, chartPause);
    chartPause = Math.min(chartPause * 2, 30000);
    return;
  }
  chartPause = 1000;
  wanted.forEach((w, i) => {
    const key = chartKey(w.account, w.range);
    if (charts[key] && charts[key].rev > rev) return;
    charts[key] = { rev, data: got[i] };
    const entry = cards.get(w.account);
    if (entry && entry.parts.history.box.dataset.key === key) drawChart(entry.parts.history, got[i], w.range);
  });
}

function axisLabel(t, range) {
  const d = new Date(t);
  return range === "24h" ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : d.toLocaleDateString([], { day: "numeric", month: "short" });
}

function drawChart(block, h, range) {
  const { box, readout } = block;
  const pts = h.points;
  const fmt = (v) => h.unit === "usd" ? `$${v.toFixed(2)}` : `${Math.round(v)} credits`;
  if (pts.length < 2) {
    // Words, not a picture: outside role="img", whose content assistive technology
    // may or may not read (WebKit exposed it in one process and not in another).
    box.removeAttribute("role");
    box.removeAttribute("aria-label");
    box.replaceChildren(el("p", { class: "muted" }, "Not enough history yet for a chart."));
    readout.textContent = "";
    return;
  }
  const W = 300, H = 90, P = 6;
  const span = SPAN[range];
  const t1 = Date.now(), t0 = t1 - span;
  const vals = pts.map((p) => p.remaining);
  let lo = Math.min(0, ...vals), hi = Math.max(...vals);
  if (hi === lo) hi = lo + 1;
  const x = (t) => P + ((Date.parse(t) - t0) / span) * (W - 2 * P);
  const y = (v) => H - P - ((v - lo) / (hi - lo)) * (H - 2 * P);
  const line = pts.map((p) => `${x(p.at).toFixed(1)},${y(p.remaining).toFixed(1)}`).join(" ");
  const topups = pts.filter((p) => p.added > 0);
  const marks = topups.map((p) =>
    svg("g", { class: "topup" },
      svg("title", {}, `Top-up +${fmt(p.added)} on ${new Date(p.at).toLocaleString()}`),
      svg("path", { d: `M${x(p.at).toFixed(1)},${(y(p.remaining) - 9).toFixed(1)} l-4,6 h8 z` })));
  const cursor = svg("line", { class: "cursor", x1: 0, x2: 0, y1: P, y2: H - P, visibility: "hidden" });
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", preserveAspectRatio: "none" },
    svg("line", { x1: P, x2: W - P, y1: y(0), y2: y(0), class: "zero" }),
    svg("polyline", { points: line, class: "line" }),
    ...marks, cursor);
  // The value under the pointer: the nearest point in time.
  chart.addEventListener("pointermove", (e) => {
    const r = chart.getBoundingClientRect();
    const t = t0 + ((e.clientX - r.left) / r.width * W - P) / (W - 2 * P) * span;
    let best = pts[0];
    for (const p of pts) if (Math.abs(Date.parse(p.at) - t) < Math.abs(Date.parse(best.at) - t)) best = p;
    cursor.setAttribute("x1", x(best.at).toFixed(1));
    cursor.setAttribute("x2", x(best.at).toFixed(1));
    cursor.setAttribute("visibility", "visible");
    readout.textContent = `${new Date(best.at).toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" })}: ${fmt(best.remaining)}`;
  });
  chart.addEventListener("pointerleave", () => { cursor.setAttribute("visibility", "hidden"); readout.textContent = legend; });
  const axis = el("div", { class: "chart-axis muted", "aria-hidden": "true" },
    el("span", {}, axisLabel(t0, range)), el("span", {}, axisLabel(t0 + span / 2, range)), el("span", {}, "now"));
  const first = pts[0].remaining, lastV = pts[pts.length - 1].remaining;
  const legend = `${fmt(Math.min(...vals))} – ${fmt(Math.max(...vals))}${topups.length ? ` · ▲ top-up${topups.length > 1 ? "s" : ""}` : ""}`;
  box.replaceChildren(chart, axis);
  readout.textContent = legend;
  box.setAttribute("role", "img");
  box.setAttribute("aria-label", `Balance history of ${block.name}, ${RANGE_WORDS[range]}: from ${fmt(first)} to ${fmt(lastV)}, ` +
    `lowest ${fmt(Math.min(...vals))}, highest ${fmt(Math.max(...vals))}` +
    (topups.length ? `, ${topups.length} top-up${topups.length > 1 ? "s" : ""} (${fmt(topups.reduce((s, p) => s + p.added, 0))})` : "") + ".");
}

function render(state) {
  if (!state) return;
  last = state;
  const list = document.getElementById("accounts");
  const empty = document.getElementById("empty");
  show(empty, state.accounts.length === 0);
  const names = new Set(state.accounts.map((c) => c.name));
  for (const [name, entry] of cards) {
    if (!names.has(name)) { entry.root.remove(); cards.delete(name); }
  }
  state.accounts.forEach((card, i) => {
    let entry = cards.get(card.name);
    if (!entry) { entry = makeCard(card.name); cards.set(card.name, entry); }
    updateCard(entry, card);
    // In the settings' order, moving a card only when it is out of place.
    if (list.children[i] !== entry.root) list.insertBefore(entry.root, list.children[i] || null);
  });
  fetchCharts(state);
  renderOverview(state.accounts);
  const paused = document.getElementById("paused");
  show(paused, state.paused_until || !state.notifications);
  setText(paused, !state.notifications ? "Notifications are off (Settings)."
    : state.paused_until ? `Alerts paused until ${new Date(state.paused_until).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })}.` : "");
  show(document.getElementById("demo"), state.demo);
  const all = document.getElementById("spend-all");
  const allText = (state.spend_all || []).map((l) => `All accounts — ${l}`).join("\n");
  setText(all, allText);
  show(all, allText);
  // Without a tray icon this window is the app: it offers Quit, and says why.
  show(document.getElementById("quit"), !state.tray_host);
  show(document.getElementById("no-tray"), !state.tray_host);
}

// One compact line per account at the top, in the cards' order (the neediest first):
// its name, figure and level in the level's colour; a click goes to its card.
function renderOverview(accounts) {
  const nav = document.getElementById("overview");
  show(nav, accounts.length > 1);
  const text = accounts.map((c) => `${c.name}|${c.headline}|${c.state}|${c.badge}`).join("\n");
  if (nav.dataset.text === text) return;
  nav.dataset.text = text;
  nav.replaceChildren(...accounts.map((c) => el("button", {
    type: "button", class: `glance ${c.state === "stale" ? c.level : c.state}`,
    onclick: () => {
      const entry = cards.get(c.name);
      if (!entry) return;
      entry.root.scrollIntoView({ block: "start" });
      entry.root.focus({ preventScroll: true });
    },
  }, el("span", { class: "name" }, c.name), ` ${c.headline} · `, el("span", { class: "word" }, c.badge))));
}

// Keeps "updated N min ago" and "next check in …" true without asking the app.
function tick() {
  for (const entry of cards.values()) {
    if (!entry.card) continue;
    setText(entry.parts.updated, updatedText(entry.card));
    setText(entry.parts.next, nextText(entry.card));
  }
}

document.getElementById("refresh").addEventListener("click", async (e) => {
  e.target.disabled = true;
  await invoke("refresh", {});
  setTimeout(() => { e.target.disabled = false; }, 1500);
});
document.getElementById("settings").addEventListener("click", () => invoke("open_window", { page: "settings" }));
document.getElementById("add").addEventListener("click", () => invoke("open_window", { page: "settings" }));
document.getElementById("billing").addEventListener("click", (e) => { e.preventDefault(); invoke("open_link", { target: "billing" }); });
document.getElementById("quit").addEventListener("click", () => invoke("quit"));

listen("state", (e) => render(e.payload));
invoke("get_dashboard").then((s) => { if (s && !last) render(s); });
setInterval(tick, 30000);

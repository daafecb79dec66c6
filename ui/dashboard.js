// The dashboard: one card per account, redrawn on every `state` event from the app.
"use strict";
let last = null;

function badge(card) {
  if (card.error && !card.stale) return el("span", { class: "badge error" }, "error");
  const level = card.level;
  return el("span", { class: `badge ${level}` }, card.stale ? `${level} · stale` : level);
}

function renderCard(card) {
  const cls = card.error && !card.stale ? "error" : card.level;
  const updated = card.fetched_at ? `Updated ${ago(card.fetched_at)}` : card.error ? "Never updated" : "Updating…";
  const problem = card.error && el("div", { class: "problem", role: "alert" },
    el("strong", {}, card.error.action),
    card.error.fix_in_settings && el("div", {}, el("button", { type: "button", class: "fix", onclick: () => invoke("open_window", { page: "settings" }) }, "Open Settings")),
    el("details", {}, el("summary", {}, "Details"), card.error.message,
      card.error.request_id ? ` (request id ${card.error.request_id})` : ""));
  return el("article", { class: `card ${cls}${card.stale ? " stale" : ""}`, "data-account": card.name, "aria-label": `${card.name}: ${card.headline}` },
    el("div", { class: "card-head" }, el("span", { class: "name" }, card.name), badge(card)),
    el("div", { class: "headline" }, card.headline),
    card.what && el("div", { class: "what" }, card.what),
    card.details.length > 0 && el("ul", { class: "details" }, card.details.map((d) => el("li", {}, d))),
    card.forecast && el("div", { class: "forecast" + (card.days_left !== null && card.days_left <= 3 ? " soon" : "") }, `Forecast: ${card.forecast}`),
    card.key && el("div", { class: "key-line" + (card.key_warning ? " soon" : "") }, card.key),
    el("div", { class: "updated" }, card.stale ? `${updated} — showing the last good figures` : updated,
      card.next_check_at && el("span", { class: "next-check muted" }, ` · next check ${until(card.next_check_at)}${card.polling ? ` (automatic: ${card.polling})` : ""}`)),
    problem,
    chartBlock(card));
}

// --- history chart: a small hand-written SVG, top-ups marked -------------------------
const ranges = {}; // account -> "24h" | "7d" | "30d"
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

function chartBlock(card) {
  const range = ranges[card.name] || "7d";
  const box = el("div", { class: "chart", "data-range": range, "data-key": chartKey(card.name, range), role: "img", "aria-label": `Balance history of ${card.name}, last ${range}` });
  const tabs = el("div", { class: "ranges", role: "group", "aria-label": "Chart range" },
    ["24h", "7d", "30d"].map((r) => el("button", {
      type: "button", class: r === range ? "range active" : "range", "aria-pressed": String(r === range),
      onclick: () => { ranges[card.name] = r; render(last); },
    }, r)));
  const known = charts[chartKey(card.name, range)];
  if (known) drawChart(box, known.data, range);
  return el("div", { class: "history" }, tabs, box);
}

async function fetchCharts(state) {
  const rev = state.history_rev;
  const wanted = state.accounts.map((c) => ({ account: c.name, range: ranges[c.name] || "7d" }))
    .filter((w) => { const k = charts[chartKey(w.account, w.range)]; return !k || k.rev !== rev; });
  if (wanted.length === 0) return;
  let got;
  try { got = await invoke("get_charts", { charts: wanted }); } catch (_) { return; }
  wanted.forEach((w, i) => {
    const key = chartKey(w.account, w.range);
    charts[key] = { rev, data: got[i] };
    for (const box of document.querySelectorAll(".chart[data-key]")) {
      if (box.dataset.key === key) drawChart(box, got[i], w.range);
    }
  });
}

function drawChart(box, h, range) {
  const pts = h.points;
  if (pts.length < 2) {
    box.replaceChildren(el("p", { class: "muted" }, "Not enough history yet for a chart."));
    return;
  }
  const W = 300, H = 90, P = 6;
  const span = { "24h": 864e5, "7d": 6048e5, "30d": 2592e6 }[range];
  const t1 = Date.now(), t0 = t1 - span;
  const vals = pts.map((p) => p.remaining);
  let lo = Math.min(0, ...vals), hi = Math.max(...vals);
  if (hi === lo) hi = lo + 1;
  const x = (t) => P + ((Date.parse(t) - t0) / span) * (W - 2 * P);
  const y = (v) => H - P - ((v - lo) / (hi - lo)) * (H - 2 * P);
  const line = pts.map((p) => `${x(p.at).toFixed(1)},${y(p.remaining).toFixed(1)}`).join(" ");
  const fmt = (v) => h.unit === "usd" ? `$${v.toFixed(2)}` : `${Math.round(v)} credits`;
  const marks = pts.filter((p) => p.added > 0).map((p) =>
    svg("g", { class: "topup" },
      svg("title", {}, `Top-up +${fmt(p.added)} on ${new Date(p.at).toLocaleString()}`),
      svg("path", { d: `M${x(p.at).toFixed(1)},${(y(p.remaining) - 9).toFixed(1)} l-4,6 h8 z` })));
  box.replaceChildren(svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "spark", preserveAspectRatio: "none" },
    svg("line", { x1: P, x2: W - P, y1: y(0), y2: y(0), class: "zero" }),
    svg("polyline", { points: line, class: "line" }),
    ...marks),
    el("div", { class: "chart-legend muted" }, `${fmt(Math.min(...vals))} – ${fmt(Math.max(...vals))}`,
      marks.length ? ` · ▲ top-up${marks.length > 1 ? "s" : ""}` : ""));
}

function render(state) {
  if (!state) return;
  last = state;
  const list = document.getElementById("accounts");
  list.replaceChildren();
  if (state.accounts.length === 0) {
    list.append(el("div", { class: "empty" },
      el("p", {}, "No HeyGen account yet."),
      el("button", { type: "button", class: "primary", onclick: () => invoke("open_window", { page: "settings" }) }, "Add an account in Settings")));
  }
  for (const card of state.accounts) list.append(renderCard(card));
  fetchCharts(state);
  const paused = document.getElementById("paused");
  paused.hidden = !state.paused_until && state.notifications;
  paused.textContent = !state.notifications ? "Notifications are off (Settings)."
    : state.paused_until ? `Alerts paused until ${new Date(state.paused_until).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })}.` : "";
  document.getElementById("demo").hidden = !state.demo;
}

document.getElementById("refresh").addEventListener("click", async (e) => {
  e.target.disabled = true;
  await invoke("refresh", {});
  setTimeout(() => { e.target.disabled = false; }, 1500);
});
document.getElementById("settings").addEventListener("click", () => invoke("open_window", { page: "settings" }));
document.getElementById("billing").addEventListener("click", (e) => { e.preventDefault(); invoke("open_link", { target: "billing" }); });

listen("state", (e) => render(e.payload));
invoke("get_dashboard").then((s) => { if (s && !last) render(s); });
// Keep "updated N min ago" true without asking the app.
setInterval(() => { if (last) render(last); }, 30000);

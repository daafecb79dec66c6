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
    el("div", { class: "updated" }, card.stale ? `${updated} — showing the last good figures` : updated),
    problem);
}

function render(state) {
  last = state;
  const list = document.getElementById("accounts");
  list.replaceChildren();
  if (state.accounts.length === 0) {
    list.append(el("div", { class: "empty" },
      el("p", {}, "No HeyGen account yet."),
      el("button", { type: "button", class: "primary", onclick: () => invoke("open_window", { page: "settings" }) }, "Add an account in Settings")));
  }
  for (const card of state.accounts) list.append(renderCard(card));
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
invoke("get_dashboard").then(render);
// Keep "updated N min ago" true without asking the app.
setInterval(() => { if (last) render(last); }, 30000);

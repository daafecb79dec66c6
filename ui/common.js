// Shared by both windows: the Tauri bridge and small formatting helpers.
"use strict";
const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args || {});
const listen = (event, cb) => window.__TAURI__.event.listen(event, cb);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function ago(iso) {
  if (!iso) return null;
  const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172800) { const h = Math.floor(s / 3600); return `${h} hour${h === 1 ? "" : "s"} ago`; }
  return `${Math.floor(s / 86400)} days ago`;
}

function until(iso) {
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  if (s <= 0) return "now";
  if (s < 30) return "in a few seconds";
  if (s < 90) return "in a minute";
  if (s < 5400) return `in ${Math.round(s / 60)} min`;
  return `in ${Math.round(s / 3600)} hours`;
}

function errorText(e) { return typeof e === "string" ? e : (e && e.message) || String(e); }

// Escape and Ctrl+W (Cmd+W) close the window, as in any desktop app. A page that uses
// Escape itself (closing an open editor first) calls preventDefault.
document.addEventListener("keydown", (e) => {
  const closeKey = (e.key === "Escape" && !e.defaultPrevented) || ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "w");
  if (!closeKey) return;
  e.preventDefault();
  window.__TAURI__.window.getCurrentWindow().close();
});

// HeyGen's own pages named in a message become links (opened through the app's
// allow-list of targets); everything else stays text.
const LINKS = [
  ["https://app.heygen.com/settings?nav=API", "api_keys"],
  ["https://app.heygen.com/billing", "billing"],
  ["https://developers.heygen.com/cli", "heygen_cli"],
];
function linkify(text) {
  const out = [];
  let rest = text;
  for (;;) {
    let hit = null;
    for (const [url, target] of LINKS) {
      const i = rest.indexOf(url);
      if (i >= 0 && (!hit || i < hit.i)) hit = { i, url, target };
    }
    if (!hit) break;
    if (hit.i > 0) out.push(rest.slice(0, hit.i));
    out.push(el("a", { href: "#", onclick: (e) => { e.preventDefault(); invoke("open_link", { target: hit.target }); } }, hit.url));
    rest = rest.slice(hit.i + hit.url.length);
  }
  if (rest) out.push(rest);
  return out;
}

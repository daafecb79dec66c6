// Settings: accounts (the key field is write-only; keys never come back), thresholds,
// preferences and the HeyGen CLI import.
"use strict";
const $ = (id) => document.getElementById(id);
let editing = null; // name of the account being edited, or null when adding

function status(id, text, good) {
  const s = $(id);
  s.textContent = text || "";
  s.className = "status" + (text ? (good ? " good" : " bad") : "");
  // The answer is where the eye is: scrolled into view beside what asked for it.
  if (text && s.scrollIntoView) s.scrollIntoView({ block: "nearest" });
}

function numberOrNull(v) { return v === "" ? null : Number(v); }

function accountRow(a) {
  const who = [a.auth === "oauth" ? "OAuth token" : "API key", a.key_mask || "key unreadable", a.username, a.billing_type && a.billing_type.replace("_", "-")]
    .filter(Boolean).join(" · ");
  const limits = a.low === null && a.critical === null ? "default thresholds"
    : `low at ${a.low ?? "default"}, critical at ${a.critical ?? "default"}`;
  const confirm = el("div", { class: "confirm actions", hidden: true },
    el("span", {}, `Remove "${a.name}" and its key from the keyring?`),
    el("button", { type: "button", class: "danger", onclick: () => remove(a.name) }, "Remove"),
    el("button", { type: "button", onclick: () => { confirm.hidden = true; } }, "Keep"));
  return el("div", { class: "card", "data-account": a.name },
    el("div", { class: "account-row" },
      el("div", {}, el("div", { class: "name" }, a.name, a.enabled ? "" : " (not watched)"),
        el("div", { class: "muted" }, who), el("div", { class: "muted" }, limits),
        a.linked && el("div", { class: "muted link-note" }, `Follows HeyGen's CLI sign-in (${a.linked})`),
        el("div", { class: "status bad link-problem", hidden: !a.link_note }, a.link_note || ""),
        el("div", { class: a.key_warning ? "status bad key-note" : "muted key-note", hidden: !a.key }, a.key || ""),
        el("div", { class: "muted reload-note", hidden: !a.auto_reload }, a.auto_reload || ""),
        el("div", { class: "status bad problem-note", hidden: !a.problem }, ...linkify(a.problem || "")),
        a.key_error && el("div", { class: "status bad" }, a.key_error)),
      el("div", { class: "actions" },
        el("button", { type: "button", onclick: () => edit(a), "aria-label": `Edit ${a.name}` }, "Edit"),
        el("button", { type: "button", class: "danger", onclick: () => { confirm.hidden = false; }, "aria-label": `Remove ${a.name}` }, "Remove"))),
    confirm);
}

// Reads the settings again. The preferences' fields are filled on the first read only:
// afterwards this window is where they change (each change is saved at once), and a
// later read must never put back a value whose save is still on its way.
let prefsShown = false;
let firstRun = false;
function hookRow(h) {
  const said = el("div", { class: h.failure ? "status bad" : "status", role: "status" }, h.failure ? `Last run failed: ${h.failure}` : "");
  const run = el("button", { type: "button", "aria-label": `Run a test ${h.event} event` }, "Run a test event");
  run.addEventListener("click", async () => {
    run.disabled = true;
    status(said.id = `hook-${h.event}`, "Running…", true);
    try { status(said.id, await invoke("test_hook", { event: h.event }), true); } catch (e) { status(said.id, errorText(e), false); }
    run.disabled = false;
  });
  return el("div", { class: "card", "data-hook": h.event },
    el("div", { class: "account-row" },
      el("div", {}, el("div", { class: "name" }, h.event), el("div", { class: "muted" }, el("code", {}, h.command))),
      el("div", { class: "actions" }, run)),
    said);
}

async function load() {
  const s = await invoke("get_settings");
  $("notice").hidden = !s.notice;
  $("notice").textContent = s.notice || "";
  $("demo").hidden = !s.demo;
  const list = $("accounts");
  list.replaceChildren(...s.accounts.map(accountRow));
  if (s.accounts.length === 0) list.append(el("p", { class: "muted" }, "No account yet. Add one with an API key from HeyGen."));
  const pinned = $("tray-account");
  const pinnedNow = prefsShown ? pinned.value : s.tray_account || "";
  pinned.replaceChildren(el("option", { value: "" }, "the account that needs attention most"),
    ...s.accounts.map((a) => el("option", { value: a.name }, a.name)));
  pinned.value = s.accounts.some((a) => a.name === pinnedNow) ? pinnedNow : "";
  if (!prefsShown) {
    prefsShown = true;
    $("interval").value = s.poll_interval_minutes;
    $("polling").value = s.poll_automatic ? "automatic" : "fixed";
    $("interval-row").hidden = s.poll_automatic;
    $("notifications").checked = s.notifications;
    $("autostart").checked = s.start_at_login;
    $("forecast-days").value = s.forecast_alert_days;
    $("forecast-alerts").checked = s.forecast_alerts;
    $("tray-display").value = s.tray_display;
    $("spike-alerts").checked = s.spike_alerts;
    $("reset-reminder").checked = s.reset_reminder;
    $("reset-days").value = s.reset_reminder_days;
    $("local-api").checked = !!s.local_api;
    $("video-engine").replaceChildren(...s.engines.map((e) =>
      el("option", { value: e.engine }, `${e.name} ($${e.usd_per_second.toFixed(4)}/s${e.overridden ? ", your price" : ""})`)));
    $("video-engine").value = s.video_engine;
    $("engine-hint").textContent = `"≈ 14 min of …" on dollar balances. Prices from ${s.prices_source}; override them in the settings file ("prices").`;
  }
  // Where the API listens while it is on; the token itself never reaches this page.
  $("local-api-hint").textContent = s.local_api
    ? `HTTP on ${s.local_api}: GET /v1/status and /metrics (Prometheus). Each request needs the token that \`heygen-tray token\` prints (\`heygen-tray token --path\`: its file, for Prometheus).`
    : "An HTTP API on 127.0.0.1:9877 for status bars and Prometheus, with a token; off by default.";
  $("hooks").replaceChildren(...(s.hooks.length ? s.hooks.map(hookRow) : [el("p", { class: "muted" }, "No hooks set.")]));
  // First run: one welcome step instead of an empty list and an open form.
  firstRun = s.accounts.length === 0 && !s.demo;
  $("welcome").hidden = !firstRun || !$("editor").hidden;
  $("accounts-panel").hidden = firstRun && $("editor").hidden;
  $("welcome-import").disabled = !s.heygen_cli_found;
  $("welcome-import").title = s.heygen_cli_found ? "" : "HeyGen's CLI is not signed in on this computer";
  // "Open Settings" on an error card: that account's editor, the key field focused,
  // the error beside it.
  const wanted = s.edit && s.accounts.find((a) => a.name === s.edit);
  if (wanted) {
    openEditor(wanted);
    if (wanted.problem || wanted.key_error) {
      const f = $("form-status");
      f.replaceChildren(...linkify(wanted.problem || wanted.key_error));
      f.className = "status bad";
    }
    $("editor").scrollIntoView({ block: "nearest" });
    $("key").focus();
  }
}

// Opened again from elsewhere (an error card): see whether an editor was asked for.
window.addEventListener("focus", () => { load(); });

function openEditor(account) {
  editing = account ? account.name : null;
  $("editor").hidden = false;
  $("welcome").hidden = true;
  $("accounts-panel").hidden = false;
  $("add").hidden = true; // the form is open: no second "Add account"
  $("editor-title").textContent = account ? `Edit "${account.name}"` : "Add account";
  $("name").value = account ? account.name : "";
  $("name").readOnly = !!account;
  $("kind").value = account ? account.auth : "api_key";
  showKeyType(account && account.auth === "api_key" ? account.billing_type : null);
  $("key").value = "";
  $("key").placeholder = account ? "leave empty to keep the current key" : "";
  $("link-hint").hidden = !(account && account.linked);
  $("link-hint").replaceChildren(...(account && account.linked ? [
    `This account follows ${account.linked}: signing in again with HeyGen's CLI (heygen auth login) renews it here. A key pasted here replaces it and ends the link. `,
    el("a", { href: "#", onclick: (e) => { e.preventDefault(); invoke("open_link", { target: "heygen_cli" }); } }, "About HeyGen's CLI"),
  ] : []));
  $("low").value = account && account.low !== null ? account.low : "";
  $("critical").value = account && account.critical !== null ? account.critical : "";
  $("enabled").checked = account ? account.enabled : true;
  $("oauth-hint").hidden = $("kind").value !== "oauth";
  status("form-status", "");
  (account ? $("key") : $("name")).focus();
}

function edit(a) { openEditor(a); }

// A focused field is never under the sticky Test/Save/Cancel bar: WebKitGTK's own
// scrolling on focus stops at the window's edge and ignores scroll-margin.
function clearOfBar(field) {
  const bar = document.querySelector("#editor .actions").getBoundingClientRect();
  const r = field.getBoundingClientRect();
  if (r.bottom > bar.top || r.top < 0) field.scrollIntoView({ block: "center" });
}
$("editor").addEventListener("focusin", (e) => {
  if (e.target.closest(".actions")) return;
  clearOfBar(e.target);
  requestAnimationFrame(() => clearOfBar(e.target));
});

function closeEditor() {
  $("key").value = "";
  $("editor").hidden = true;
  $("add").hidden = false;
  editing = null;
  // Back to the welcome step when there is still no account.
  $("welcome").hidden = !firstRun;
  $("accounts-panel").hidden = firstRun;
}

// Escape first closes an open editor (the window closes on the next one).
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("editor").hidden) {
    e.preventDefault();
    closeEditor();
  }
}, true);

$("add").addEventListener("click", () => openEditor(null));
$("kind").addEventListener("change", () => { $("oauth-hint").hidden = $("kind").value !== "oauth"; });
$("welcome-key").addEventListener("click", () => { openEditor(null); $("name").value = "work"; $("key").focus(); });
$("welcome-import").addEventListener("click", async () => {
  status("welcome-status", "Importing…", true);
  try {
    status("welcome-status", await invoke("import_heygen_cli", { name: "heygen-cli" }), true);
    await load();
  } catch (err) {
    status("welcome-status", errorText(err), false);
  }
});
$("welcome-demo").addEventListener("click", async () => {
  status("welcome-status", "Starting the demo…", true);
  try { status("welcome-status", await invoke("start_demo"), true); } catch (err) { status("welcome-status", errorText(err), false); }
});
for (const a of document.querySelectorAll(".api-keys-link")) {
  a.addEventListener("click", (e) => { e.preventDefault(); invoke("open_link", { target: "api_keys" }); });
}
$("cancel").addEventListener("click", closeEditor);
$("api-keys").addEventListener("click", (e) => { e.preventDefault(); invoke("open_link", { target: "api_keys" }); });

// The key-type line says which pool the key spends, as HeyGen reported it.
const POOLS = { wallet: "API wallet", usage_based: "usage-based plan", subscription: "web plan" };
function showKeyType(billingType) {
  $("kind").options[0].textContent = `API key (${POOLS[billingType] || "API wallet"})`;
}

$("test").addEventListener("click", async () => {
  status("form-status", "Checking with HeyGen…", true);
  try {
    const t = await invoke("test_key", { key: $("key").value, oauth: $("kind").value === "oauth" });
    if ($("kind").value === "api_key") showKeyType(t.billing_type);
    status("form-status", `Key works: ${t.username} — ${(t.billing_type || "unknown").replace("_", "-")} billing, ${t.headline}`, true);
  } catch (e) {
    status("form-status", errorText(e), false);
  }
});

$("account-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const key = $("key").value;
  status("form-status", key ? "Checking with HeyGen and saving…" : "Saving…", true);
  $("save").disabled = true;
  try {
    const msg = await invoke("save_account", {
      name: $("name").value, key: key || null, oauth: $("kind").value === "oauth",
      low: numberOrNull($("low").value), critical: numberOrNull($("critical").value),
      enabled: $("enabled").checked, isNew: editing === null,
    });
    const name = $("name").value;
    closeEditor();
    status("prefs-status", "");
    await load();
    status("import-status", "");
    // The word goes beside what it is about: the saved account's row, brought into view.
    const card = document.querySelector(`#accounts .card[data-account="${CSS.escape(name)}"]`) || $("accounts");
    card.append(el("p", { class: "status good saved-note", role: "status" }, msg));
    card.scrollIntoView({ block: "nearest" });
  } catch (err) {
    // A rejected key stays in the field, so a typo can be fixed.
    status("form-status", errorText(err), false);
    $("key").focus();
  } finally {
    $("save").disabled = false;
  }
});

async function remove(name) {
  try {
    await invoke("remove_account", { name });
    if (editing === name) closeEditor();
    await load();
  } catch (e) {
    $("accounts").prepend(el("p", { class: "status bad", role: "alert" }, errorText(e)));
  }
}

$("polling").addEventListener("change", () => { $("interval-row").hidden = $("polling").value === "automatic"; });

// Preferences apply as soon as they change; the word "Saved" (or what is wrong)
// appears beside the control that changed.
function prefs() {
  return {
    pollAutomatic: $("polling").value === "automatic",
    pollIntervalMinutes: Number($("interval").value), notifications: $("notifications").checked, startAtLogin: $("autostart").checked,
    forecastAlerts: $("forecast-alerts").checked, forecastAlertDays: Number($("forecast-days").value),
    trayDisplay: $("tray-display").value, trayAccount: $("tray-account").value || null,
    spikeAlerts: $("spike-alerts").checked,
    resetReminder: $("reset-reminder").checked, resetReminderDays: Number($("reset-days").value),
    videoEngine: $("video-engine").value || null,
    localApi: $("local-api").checked,
  };
}

// One save at a time, each with the form as it is when its turn comes: quick changes
// never land out of order.
let saving = Promise.resolve();
function savePrefs(control) {
  const row = control.closest(".row") || $("prefs-form");
  row.append($("prefs-status"));
  if (control.validity && !control.validity.valid) {
    status("prefs-status", control.validationMessage || "Check this value.", false);
    return saving;
  }
  status("prefs-status", "");
  saving = saving.then(async () => {
    try {
      await invoke("save_preferences", { prefs: prefs() });
      status("prefs-status", "Saved.", true);
      // Where the API now listens (or why it could not), as the app says.
      if (control.id === "local-api") await load();
    } catch (err) {
      status("prefs-status", errorText(err), false);
    }
  });
  return saving;
}

for (const control of $("prefs-form").querySelectorAll("input, select")) {
  control.addEventListener("change", () => savePrefs(control));
}
$("prefs-form").addEventListener("submit", (e) => {
  e.preventDefault();
  if (document.activeElement && $("prefs-form").contains(document.activeElement)) savePrefs(document.activeElement);
});

$("import-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  status("import-status", "Importing…", true);
  try {
    status("import-status", await invoke("import_heygen_cli", { name: $("import-name").value }), true);
    await load();
  } catch (err) {
    status("import-status", errorText(err), false);
  }
});

// New figures can change what the list explains (auto-reload, the key's expiry): update those lines only.
listen("state", async () => {
  for (const n of await invoke("account_notes")) {
    const card = document.querySelector(`#accounts .card[data-account="${CSS.escape(n.name)}"]`);
    if (!card) continue;
    const reload = card.querySelector(".reload-note"), key = card.querySelector(".key-note");
    reload.textContent = n.auto_reload || "";
    reload.hidden = !n.auto_reload;
    key.textContent = n.key || "";
    key.hidden = !n.key;
    const problem = card.querySelector(".problem-note");
    problem.replaceChildren(...linkify(n.problem || ""));
    problem.hidden = !n.problem;
    const link = card.querySelector(".link-problem");
    link.textContent = n.link_note || "";
    link.hidden = !n.link_note;
    key.className = n.key_warning ? "status bad key-note" : "muted key-note";
  }
});

load();

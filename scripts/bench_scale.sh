#!/usr/bin/env bash
# Scale benchmark (figures printed, not asserted): a heavy user's year. For 1, 10 and
# 50 accounts, each with a year of raw 5-minute history (the 10-account case is the
# 1,051,200 rows of a year unmerged), in a private headless session with the release
# build: launch -> first figure on the tray (its Title), the tray process's PSS after
# start, after an idle period and after the dashboard was open (split into the app's
# own memory and mapped files), dashboard open -> its first paint (the page has drawn
# its cards and asks for their charts), and `history --csv` time and peak memory.
# Side by side, one case a column. BENCH_TRACE=1 prints memory every 10 s while idle.
# Usage: scripts/bench_scale.sh [--idle-seconds 600] [--cases 1,10,50]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
IDLE=600 CASES=1,10,50
while [ $# -gt 0 ]; do
  case $1 in
    --idle-seconds) IDLE=$2; shift 2 ;;
    --cases) CASES=$2; shift 2 ;;
    *) echo "usage: $0 [--idle-seconds N] [--cases 1,10,50]" >&2; exit 64 ;;
  esac
done
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  "$ROOT/scripts/install-system-deps.sh"
  (cd "$ROOT" && cargo build --release --locked --quiet --workspace --bins)
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" --idle-seconds "$IDLE" --cases "$CASES"
fi
cd "$ROOT"
source scripts/session.sh
start_session
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/heygen-tray"
exec /usr/bin/python3 - "$BIN" "$IDLE" "$CASES" <<'PY'
import json, os, re, sqlite3, subprocess, sys, tempfile, time, urllib.request

binary, idle = sys.argv[1], int(sys.argv[2])
CASES = [int(n) for n in sys.argv[3].split(",")]
YEAR_STEPS = 365 * 24 * 12  # a raw row every 5 minutes

def wait(what, seconds, check, every=0.005):
    """Polls `check` until it gives a value; after `seconds` says what it waited for."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        v = check()
        if v:
            return v
        time.sleep(every)
    sys.exit(f"bench_scale: gave up after {seconds} s waiting for {what}")

def smaps(pid):
    """PSS of the process in KiB: total, its own (anonymous) memory, mapped files."""
    text = open(f"/proc/{pid}/smaps_rollup").read()
    field = lambda k: int(re.search(rf"^{k}:\s+(\d+)", text, re.M).group(1))
    return field("Pss"), field("Pss_Anon"), field("Pss_File") + field("Pss_Shmem")

def sni(pid):
    out = subprocess.run(["busctl", "--user", "list"], capture_output=True, text=True).stdout
    m = re.search(rf"org\.kde\.StatusNotifierItem-{pid}-\d+", out)
    return m.group(0) if m else None

def prop(name, p):
    return subprocess.run(["busctl", "--user", "get-property", name, "/StatusNotifierItem", "org.kde.StatusNotifierItem", p],
                          capture_output=True, text=True).stdout

sim = subprocess.Popen([binary, "simulator", "--port", "0"], stdout=subprocess.PIPE, text=True)
base = sim.stdout.readline().split()[-1]

def sim_account(name, key):
    body = json.dumps({"name": name, "key": key, "auth": "api_key",
                       "data": {"username": "bench", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 42.5}}})
    urllib.request.urlopen(urllib.request.Request(f"{base}/_sim/accounts", data=body.encode(), method="POST",
                                                  headers={"content-type": "application/json"})).read()

def year_of_history(db, names):
    """A year of raw rows per account, a slow drain with a top-up a month, ending now."""
    con = sqlite3.connect(db)
    now = int(time.time()) - 600
    for name in names:
        rows, v = [], 500.0
        for i in range(YEAR_STEPS, 0, -1):
            before = v
            v -= 0.01
            if i % 8640 == 0:
                v += 300.0
            d = v - before
            rows.append((name, now - i * 300, round(v, 2), "usd", max(-d, 0), max(d, 0)))
        con.executemany("INSERT INTO samples (account, at, remaining, unit, spent, added, resolution) VALUES (?, ?, ?, ?, ?, ?, 0)", rows)
    con.commit()
    count = con.execute("SELECT COUNT(*) FROM samples").fetchone()[0]
    con.close()
    return count

results = {}
for n in CASES:
    home = tempfile.mkdtemp(prefix=f"heygen-tray-scale-{n}-")
    env = dict(os.environ, HEYGEN_API_BASE=base, XDG_CONFIG_HOME=f"{home}/config", XDG_DATA_HOME=f"{home}/data",
               HEYGEN_TRAY_LOG="heygen_tray=debug", DBUS_SYSTEM_BUS_ADDRESS="unix:path=/nonexistent")
    names = [f"scale{n}-{i:02}" for i in range(n)]
    for i, name in enumerate(names):
        sim_account(name, f"bench-{n}-{i}")
        subprocess.run([binary, "accounts", "add", name, "--no-verify"], input=f"bench-{n}-{i}", env=env, check=True, capture_output=True, text=True)
    # `status` creates the history (and its schema) as the app would; then a year of it.
    subprocess.run([binary, "status", "--fresh"], env=env, capture_output=True)
    t = time.monotonic()
    rows = year_of_history(f"{home}/data/heygen-tray/history.sqlite3", names)
    print(f"[{n} accounts] {rows:,} rows of history made in {time.monotonic() - t:.0f} s", flush=True)
    r = {"rows": rows}

    t = time.monotonic()
    csv = subprocess.run(["/usr/bin/time", "-f", "%e %M", binary, "history", "--csv"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    secs, kib = csv.stderr.strip().splitlines()[-1].split()
    r["csv"] = (float(secs), int(kib) / 1024)

    log_path = f"{home}/app.log"
    log = open(log_path, "w")
    t0 = time.monotonic()
    app = subprocess.Popen([binary], env=env, stderr=log)
    name = wait("the tray item", 30, lambda: sni(app.pid))
    wait("the first figure on the tray", 30, lambda: "$42.50" in prop(name, "Title"))
    r["first"] = (time.monotonic() - t0) * 1000
    wait("every account's figure in the tooltip", 60, lambda: prop(name, "ToolTip").count("$42.50") >= n, 0.05)
    r["all"] = (time.monotonic() - t0) * 1000
    time.sleep(5)
    r["pss_start"] = smaps(app.pid)
    # Idle: nothing but the polls, the key checks and the compaction a minute in.
    trace = []
    for _ in range(max(1, idle // 10)):
        time.sleep(min(10, idle))
        trace.append(smaps(app.pid)[0] // 1024)
    if os.environ.get("BENCH_TRACE"):
        print(f"[{n} accounts] PSS every 10 s while idle (MiB): {trace}", flush=True)
    r["pss_idle"] = smaps(app.pid)

    seen = open(log_path).read().count("charts asked")
    t1 = time.monotonic()
    subprocess.run(["busctl", "--user", "call", name, "/StatusNotifierItem", "org.kde.StatusNotifierItem", "Activate", "ii", "0", "0"], check=True)
    wait("the dashboard's first paint", 30, lambda: open(log_path).read().count("charts asked") > seen)
    r["paint"] = (time.monotonic() - t1) * 1000
    time.sleep(3)
    # Close it: end the window process (the tray process reaps it).
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            ppid = int(open(f"/proc/{d}/stat").read().rsplit(")", 1)[1].split()[1])
            if ppid == app.pid and b"--window" in open(f"/proc/{d}/cmdline", "rb").read():
                os.kill(int(d), 15)
        except OSError:
            pass
    time.sleep(10)
    r["pss_dash"] = smaps(app.pid)
    compacted = re.findall(r"history compacted: (\d+) old rows merged in ([\d.]+) s", open(log_path).read())
    r["compacted"] = compacted[-1] if compacted else None
    app.terminate(); app.wait()
    results[n] = r
    print(f"[{n} accounts] done", flush=True)
sim.terminate()

mib = lambda k: f"{k / 1024:.1f}"
cols = [f"{n} account{'s' if n > 1 else ''}" for n in CASES]
def row(label, f):
    print(f"{label:<44}" + "".join(f"{f(results[n]):>16}" for n in CASES))
print(f"\n{'':<44}" + "".join(f"{c:>16}" for c in cols))
row("history rows (a year, raw)", lambda r: f"{r['rows']:,}")
row("launch -> first figure on the tray (ms)", lambda r: f"{r['first']:.0f}")
row("launch -> every account's figure (ms)", lambda r: f"{r['all']:.0f}")
row("tray PSS after start (MiB)", lambda r: mib(r["pss_start"][0]))
row("  of which its own memory / mapped files", lambda r: f"{mib(r['pss_start'][1])} / {mib(r['pss_start'][2])}")
row(f"tray PSS after {idle} s idle (MiB)", lambda r: mib(r["pss_idle"][0]))
row("  of which its own memory / mapped files", lambda r: f"{mib(r['pss_idle'][1])} / {mib(r['pss_idle'][2])}")
row("dashboard open -> first paint (ms)", lambda r: f"{r['paint']:.0f}")
row("tray PSS after the dashboard closed (MiB)", lambda r: mib(r["pss_dash"][0]))
row("  of which its own memory / mapped files", lambda r: f"{mib(r['pss_dash'][1])} / {mib(r['pss_dash'][2])}")
row("history --csv: time (s)", lambda r: f"{r['csv'][0]:.2f}")
row("history --csv: peak memory (MiB)", lambda r: f"{r['csv'][1]:.1f}")
row("compaction while idle (rows merged, s)", lambda r: f"{int(r['compacted'][0]):,}, {float(r['compacted'][1]):.0f}" if r["compacted"] else "none")
PY

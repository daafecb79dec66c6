#!/usr/bin/python3
"""`heygen-tray watch` benchmark (figures printed, not asserted): for 1 and 50 accounts
against the simulator, with no display and no session bus (a render server), the watch's
PSS after its first round, whether GTK or WebKitGTK is mapped, the latency of a /metrics
scrape (median and p90 of 50) and its CPU time and wake-ups (context switches of all its
threads) over an idle spell. Release build.
Usage: scripts/bench_watch.py [--idle-seconds 120] [--cases 1,50]"""
import argparse, json, os, re, statistics, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("--idle-seconds", type=int, default=120)
ap.add_argument("--cases", default="1,50")
args = ap.parse_args()
subprocess.run(["cargo", "build", "--release", "--locked", "--quiet", "-p", "heygen-tray-cli"], cwd=ROOT, check=True)
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "heygen-tray")

def wait(what, seconds, check):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        v = check()
        if v:
            return v
        time.sleep(0.02)
    sys.exit(f"bench_watch: gave up after {seconds} s waiting for {what}")

def pss(pid):
    text = open(f"/proc/{pid}/smaps_rollup").read()
    return int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))

def switches(pid):
    total = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        for line in open(f"/proc/{pid}/task/{t}/status"):
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                total += int(line.split()[1])
    return total

def cpu_ms(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) * 1000 / os.sysconf("SC_CLK_TCK")

sim = subprocess.Popen([BIN, "simulator", "--port", "0"], stdout=subprocess.PIPE, text=True)
base = sim.stdout.readline().split()[-1]
rows = []
for n in [int(c) for c in args.cases.split(",")]:
    home = tempfile.mkdtemp(prefix="bench-watch-")
    creds, run = os.path.join(home, "credentials"), os.path.join(home, "run")
    os.makedirs(creds, mode=0o700)
    os.makedirs(run, mode=0o700)
    for i in range(n):
        name, key = f"render-{n}-{i}", f"bench-watch-{n}-{i}"
        body = json.dumps({"name": name, "key": key, "auth": "api_key",
                           "data": {"username": "bench", "billing_type": "wallet", "wallet": {"currency": "usd", "remaining_balance": 42.5}}})
        urllib.request.urlopen(urllib.request.Request(f"{base}/_sim/accounts", data=body.encode(), method="POST",
                                                      headers={"content-type": "application/json"})).read()
        with open(os.path.join(creds, name), "w") as f:
            f.write(key)
    env = {"PATH": os.environ["PATH"], "HOME": home, "XDG_CONFIG_HOME": f"{home}/config", "XDG_DATA_HOME": f"{home}/data",
           "XDG_STATE_HOME": f"{home}/state", "XDG_RUNTIME_DIR": run, "CREDENTIALS_DIRECTORY": creds, "HEYGEN_API_BASE": base}
    log = open(os.path.join(home, "watch.log"), "w+")
    w = subprocess.Popen([BIN, "watch", "--listen", "127.0.0.1:0"], env=env, stderr=log, stdout=subprocess.DEVNULL)
    text = lambda: open(log.name).read()
    wait(f"{n} first figures", 60, lambda: text().count("left · ok") >= n)
    addr = re.search(r"local API on http://(\S+)", text()).group(1)
    token = subprocess.run([BIN, "token"], env=env, capture_output=True, text=True, check=True).stdout.strip()
    time.sleep(2)
    mem = pss(w.pid)
    maps = open(f"/proc/{w.pid}/maps").read()
    gui = sorted({m for m in re.findall(r"(libgtk[^/\s]*|libwebkit[^/\s]*|libgdk[^/\s]*)", maps)})
    lat = []
    for _ in range(50):
        req = urllib.request.Request(f"http://{addr}/metrics", headers={"Authorization": f"Bearer {token}"})
        t = time.perf_counter()
        body = urllib.request.urlopen(req).read()
        lat.append((time.perf_counter() - t) * 1000)
    assert body.count(b"heygen_remaining{") == n, body[:200]
    lat.sort()
    s0, c0 = switches(w.pid), cpu_ms(w.pid)
    time.sleep(args.idle_seconds)
    s1, c1 = switches(w.pid), cpu_ms(w.pid)
    threads = len(os.listdir(f"/proc/{w.pid}/task"))
    w.terminate()
    code = w.wait(10)
    rows.append((n, mem / 1024, ", ".join(gui) or "none", statistics.median(lat), lat[int(len(lat) * 0.9)], c1 - c0, s1 - s0, threads, code))
sim.terminate()
print(f"\n| accounts | PSS | GTK/WebKit mapped | /metrics median | p90 | idle {args.idle_seconds} s: CPU | wake-ups | threads | exit on SIGTERM |")
print("|---|---|---|---|---|---|---|---|---|")
for n, mem, gui, med, p90, cpu, wake, threads, code in rows:
    print(f"| {n} | {mem:.1f} MiB | {gui} | {med:.2f} ms | {p90:.2f} ms | {cpu:.0f} ms | {wake} | {threads} | {code} |")

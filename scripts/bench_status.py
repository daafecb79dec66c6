#!/usr/bin/env python3
"""Times `heygen-tray status --json` against the API simulator, beside curl doing the
same request, and prints both with each one's own peak memory, their ratio and the
goal (within 2x curl's time, at most 20 MiB peak). A benchmark: it asserts nothing.

Usage: scripts/bench_status.py [--runs N] [--binary PATH]
Builds the release binary first when no --binary is given.
"""
import argparse, os, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd, env, runs):
    """Wall time of each run, and the peak RSS (KiB) of this command's own processes."""
    samples, rss = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        samples.append((time.perf_counter() - t) * 1000)
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1, 2):
            sys.exit(f"{cmd[0]} failed ({code}): {p.stderr.read().decode()}")
        p.stderr.close()
        p.returncode = code
        rss = max(rss, usage.ru_maxrss)
    return samples, rss


def show(name, samples, rss):
    s = sorted(samples)
    p90 = s[int(len(s) * 0.9) - 1]
    print(f"{name:<28} median {statistics.median(s):7.2f} ms   p90 {p90:7.2f} ms   min {s[0]:7.2f} ms   max RSS {rss / 1024:6.1f} MiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--binary")
    args = ap.parse_args()
    binary = args.binary
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--workspace", "--bins"], cwd=ROOT, check=True)
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        binary = os.path.join(target, "release", "heygen-tray")
    sim = subprocess.Popen([binary, "simulator", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        first = sim.stdout.readline().strip()
        base = first.rsplit(" ", 1)[-1]
        env = dict(os.environ, HEYGEN_API_BASE=base, HEYGEN_API_KEY="sim-wallet-key",
                   XDG_CONFIG_HOME="/nonexistent-bench-config")
        url = base + "/v3/users/me"
        curl = ["curl", "-sS", "--fail", "-H", "X-Api-Key: sim-wallet-key", url]
        subprocess.run(curl, check=True, capture_output=True)  # warm-up
        subprocess.run([binary, "status", "--json"], env=env, capture_output=True)
        print(f"simulator {base}, {args.runs} runs each, binary {binary}")
        ours, our_rss = timed([binary, "status", "--json"], env, args.runs)
        theirs, their_rss = timed(curl, env, args.runs)
        show("heygen-tray status --json", ours, our_rss)
        show("curl (same request)", theirs, their_rss)
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"time ratio (median) {ratio:.2f}x curl  [goal <= 2x: {'met' if ratio <= 2 else 'NOT met'}]   "
              f"peak {our_rss / 1024:.1f} MiB  [goal <= 20 MiB: {'met' if our_rss <= 20 * 1024 else 'NOT met'}]")
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()

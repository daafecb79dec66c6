#!/usr/bin/env python3
"""Times `heygen-tray status --json` against the API simulator, beside curl doing the
same request, and prints both. A benchmark, not a test: it asserts nothing.

Usage: scripts/bench_status.py [--runs N] [--binary PATH]
Builds the release binary first when no --binary is given.
"""
import argparse, os, resource, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(cmd, env, runs):
    samples, rss = [], 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        out = subprocess.run(cmd, env=env, capture_output=True)
        samples.append((time.perf_counter() - t) * 1000)
        if out.returncode not in (0, 1, 2):
            sys.exit(f"{cmd[0]} failed ({out.returncode}): {out.stderr.decode()}")
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
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
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
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
        show("heygen-tray status --json", *timed([binary, "status", "--json"], env, args.runs))
        show("curl (same request)", *timed(curl, env, args.runs))
    finally:
        sim.terminate()
        sim.wait()


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Benchmark (figures printed, not asserted): `heygen-tray status --json` while the tray
# app runs — read from the app's socket — beside `--fresh` (a request to HeyGen: the
# simulator), one configured account whose key is in the session's gnome-keyring.
# Prints the median of each, the peak RSS of any run and the requests the simulator saw.
# Usage: scripts/bench_live_status.sh [--runs 40]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=40
[ "${1:-}" = "--runs" ] && RUNS=$2
if [ -z "${HEYGEN_TRAY_IN_SESSION:-}" ]; then
  "$ROOT/scripts/install-system-deps.sh"
  (cd "$ROOT" && cargo build --release --locked --quiet --workspace --bins)
  exec dbus-run-session -- env HEYGEN_TRAY_IN_SESSION=1 "$0" "$@"
fi
cd "$ROOT"
source scripts/session.sh
start_session
B="${CARGO_TARGET_DIR:-$ROOT/target}/release"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$B/heygen-tray" simulator --port "$PORT" > /dev/null 2>&1 &
export HEYGEN_API_BASE=http://127.0.0.1:$PORT
wait_for "the simulator on port $PORT" 10 curl -sf "$HEYGEN_API_BASE/_sim/state"
echo sim-wallet-key | "$B/heygen-tray" accounts add work > /dev/null
"$B/heygen-tray-app" > "$SESSION_TMP/app.log" 2>&1 &
wait_for "the app's first figures over its socket" 20 sh -c "'$B/heygen-tray' status --json | grep -q '\"source\":\"app\",\"stale\":false'"
before=$(curl -sf "$HEYGEN_API_BASE/_sim/state" | python3 -c 'import json,sys; print(sum(a["hits"] for a in json.load(sys.stdin)["accounts"]))')
RUNS=$RUNS B=$B python3 - <<'PY'
import os, resource, statistics, subprocess, time
runs, cli = int(os.environ["RUNS"]), os.environ["B"] + "/heygen-tray"
for args in ([], ["--fresh"]):
    times, source = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([cli, "status", "--json", *args], capture_output=True, text=True)
        times.append((time.perf_counter() - t) * 1000)
        source = "app" if '"source":"app"' in out.stdout else "api"
    print(f"status --json {' '.join(args):8} source={source}  median {statistics.median(times):6.2f} ms  p90 {statistics.quantiles(times, n=10)[-1]:6.2f} ms")
print(f"peak RSS of any run: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f} MiB")
PY
after=$(curl -sf "$HEYGEN_API_BASE/_sim/state" | python3 -c 'import json,sys; print(sum(a["hits"] for a in json.load(sys.stdin)["accounts"]))')
echo "requests to the simulator during the runs: $((after - before)) (the --fresh runs: $RUNS)"

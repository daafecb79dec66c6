#!/usr/bin/env python3
"""Whether this machine itself is slower after an idle spell, apart from the app: times a
start of the app binary (`--version`, no toolkit), a read of cached WebKitGTK, a touch of
memory this script holds, a CPU loop and `/bin/true`, twice now and twice after IDLE
seconds of nothing. Usage: scripts/bench_idle_machine.py [IDLE_SECONDS] (default 600)."""
import time, subprocess, os, mmap, sys
LIB = subprocess.run("ldconfig -p | awk '/libwebkit2gtk-4.1.so.0 /{print $NF; exit}'", shell=True, capture_output=True, text=True).stdout.strip()
APP = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.dirname(__file__), "..", "target")), "release", "heygen-tray-app")
buf = bytearray(256 * 1024 * 1024)  # anonymous memory held across the idle spell
for i in range(0, len(buf), 4096): buf[i] = 1
def ms(f):
    t = time.perf_counter(); f(); return (time.perf_counter() - t) * 1000
def readlib():
    with open(LIB, 'rb') as fh:
        while fh.read(1 << 20): pass
def touch():
    for i in range(0, len(buf), 4096): buf[i] = (buf[i] + 1) & 255
def cpu():
    s = 0
    for i in range(3_000_000): s += i
def execapp():
    subprocess.run([APP, "--version"], capture_output=True)
def exectrue():
    subprocess.run(["/bin/true"])
def round(label):
    r = {k: ms(f) for k, f in [("exec app --version", execapp), ("read libwebkit (cached)", readlib), ("touch held 256MiB", touch), ("cpu loop", cpu), ("exec /bin/true", exectrue)]}
    print(label, " · ".join(f"{k} {v:.1f} ms" for k, v in r.items()), flush=True)
round("warm-1"); round("warm-2")
time.sleep(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
round("after-idle-1"); round("after-idle-2")

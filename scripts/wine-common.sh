# Sourced by cross-wine.sh and cross-installer.sh (inside scripts/cross.sh's sid root):
# the shared Wine prefix, the processes to end on exit, messages under a tag of the
# caller's (WINE_TAG), and bounded waits that say what they waited for.
export WINEPREFIX=/var/cache/wine-run WINEDEBUG=-all
# Debian keeps wineserver off PATH.
WINESERVER=$(command -v wineserver || ls /usr/lib/*/wine/wineserver | head -n1)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  timeout 20 "$WINESERVER" -k 2>/dev/null || true
}
trap cleanup EXIT
say() { printf '[%s] %s\n' "$WINE_TAG" "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }
# runs PID WORD: process PID is live and its command line holds WORD (an ended process
# lingers as a zombie with an empty command line until it is reaped: not counted).
runs() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | grep -q -- "$2"; }
export -f runs
# wait_for SECS WHAT CMD…: polls CMD every half second until it succeeds.
wait_for() {
  local secs=$1 what=$2 end; shift 2
  end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || fail "gave up after ${secs}s waiting for: $what"
    sleep 0.5
  done
}

# Sourced by the scripts: runs long steps so that a first run, with cold
# caches, never sits silent. Usage:
#
#   progress "building the app" "~70 s the first time on 2 cores, seconds later" go build -o app .
#
# says what is running and how long it usually takes once the command has
# run for PROGRESS_QUIET seconds (default 2: steps that are quick when
# caches are warm stay quiet), then prints the time elapsed every
# PROGRESS_EVERY seconds (default 15). The command's own output and exit
# status pass through unchanged.
progress() {
  local label="$1" usual="$2"
  shift 2
  local every="${PROGRESS_EVERY:-15}" quiet="${PROGRESS_QUIET:-2}" start=$SECONDS pid ticker rc nap
  "$@" &
  pid=$!
  (
    # sleep in the background so that TERM ends the ticker at once. TERM can
    # come before the first sleep has started: nap is empty then.
    nap=""
    trap 'if [ -n "$nap" ]; then kill "$nap" 2>/dev/null; fi; exit 0' TERM
    nap_for() { sleep "$1" & nap=$!; wait "$nap"; }
    nap_for "$quiet"
    kill -0 "$pid" 2>/dev/null || exit 0
    printf '%s -- usually %s ...\n' "$label" "$usual" >&2
    while :; do
      nap_for "$every"
      kill -0 "$pid" 2>/dev/null || exit 0
      printf '  ... still %s: %d s so far\n' "$label" $((SECONDS - start)) >&2
    done
  ) &
  ticker=$!
  rc=0
  wait "$pid" || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  if [ $((SECONDS - start)) -ge "$((quiet + 1))" ]; then
    printf '  done: %s in %d s\n' "$label" $((SECONDS - start)) >&2
  fi
  return "$rc"
}

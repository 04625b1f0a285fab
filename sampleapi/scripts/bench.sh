#!/usr/bin/env bash
# Measurements for the sample API, all on this machine over loopback:
#   1. size of the stripped static binary
#   2. startup-to-ready time (process start -> first 200 on /readyz), median
#      of N runs, on a freshly migrated database and on one already in use
#   3. throughput/latency of GET /products with wrk
#
#   bash sampleapi/scripts/bench.sh            # BENCH_RUNS=5 BENCH_PORT=18080
#   WRK_ARGS="-t2 -c32 -d10s" bash sampleapi/scripts/bench.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS="${BENCH_RUNS:-5}"
PORT="${BENCH_PORT:-18080}"
WRK_ARGS="${WRK_ARGS:--t2 -c32 -d10s}"
WORK="${TMPDIR:-/tmp}/sampleapi-bench"
BIN="$WORK/sampleapi"
DBNAME=sampleapi_bench
mkdir -p "$WORK"

eval "$(bash scripts/testdb.sh)"
ADMIN_URL="$SAMPLEAPI_TEST_DATABASE_URL"
# postgres://user@host:port/db?... -> host and port for the service's env
hostport="${ADMIN_URL#*@}"; hostport="${hostport%%/*}"

echo "== 1. binary size"
echo "\$ CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o $BIN ."
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "$BIN" .
size=$(stat -c %s "$BIN")
awk -v b="$size" 'BEGIN { printf "size: %d bytes (%.2f MiB)\n", b, b/1048576 }'
file "$BIN" || true
ldd "$BIN" 2>&1 || true

go build -o "$WORK/readytime" ./scripts/readytime

export PORT="$PORT" DB_HOST="${hostport%:*}" DB_PORT="${hostport##*:}" DB_NAME="$DBNAME" \
  DB_USERNAME=postgres DB_PASSWORD=unused-trust-auth DB_SSLMODE=disable

echo
echo "== 2. startup-to-ready ($RUNS runs each)"
echo "-- fresh database each run (created, then \`sampleapi migrate\` untimed)"
"$WORK/readytime" -bin "$BIN" -url "http://127.0.0.1:$PORT/readyz" -n "$RUNS" \
  -fresh -admin "$ADMIN_URL" -db "$DBNAME"
echo "-- the same database again"
"$WORK/readytime" -bin "$BIN" -url "http://127.0.0.1:$PORT/readyz" -n "$RUNS"

echo
echo "== 3. load: GET /products (pool DB_MAX_CONNS=${DB_MAX_CONNS:-10}, $(nproc) cores shared by wrk, service and PostgreSQL)"
if ! command -v wrk >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]]; then
    echo "installing wrk" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2 ||
      { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2; }
  else
    echo "wrk not installed (apt-get install wrk); skipping load test" >&2
    exit 0
  fi
fi
"$BIN" >"$WORK/service.log" 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  sleep 0.05
done
curl -fsS "http://127.0.0.1:$PORT/products" >/dev/null
wrk -t1 -c8 -d2s "http://127.0.0.1:$PORT/products" >/dev/null # warm-up
echo "\$ wrk $WRK_ARGS --latency http://127.0.0.1:$PORT/products"
# shellcheck disable=SC2086
wrk $WRK_ARGS --latency "http://127.0.0.1:$PORT/products"
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT
errors=$(grep -c '"status":5' "$WORK/service.log" || true)
echo "service log: $(wc -l <"$WORK/service.log") lines, ${errors} 5xx responses"

#!/usr/bin/env bash
# Ensure a throwaway PostgreSQL server for the sampleapi tests is running on
# 127.0.0.1 and print the matching export lines on stdout:
#
#   eval "$(bash sampleapi/scripts/testdb.sh)"
#
# Each checkout gets its own server: its data directory and port derive from
# a hash of the checkout's path, so two clones never share or fight over one.
# A server this script started earlier for this checkout is reused; anything
# else listening on the port is never used (the script stops with a message).
# The export lines include SAMPLEAPI_TESTDB_STARTED=1 when this call started
# the server, so a caller can stop it when done (scripts/test.sh does, unless
# SAMPLEAPI_KEEP_DB=1). Installs Debian's `postgresql` package when the
# server binaries are missing (root only). Trust authentication, loopback
# only: never use this for anything but tests.
#
#   testdb.sh          start (or reuse this checkout's) and print the exports
#   testdb.sh stop     stop the server, keep its data
#   testdb.sh destroy  stop the server and delete its data directory
#
# Settings (environment): SAMPLEAPI_PG_PORT (default 40000-59999, from the
# hash), SAMPLEAPI_PG_DIR (default /tmp/sampleapi-pg-HASH: under /tmp so that
# the postgres user can enter it even when the checkout is in a directory it
# cannot, such as /root).
set -euo pipefail

checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
hash="$(printf '%s' "$checkout" | sha256sum | cut -c1-8)"
PORT="${SAMPLEAPI_PG_PORT:-$((40000 + 16#$hash % 20000))}"
BASE="${SAMPLEAPI_PG_DIR:-/tmp/sampleapi-pg-$hash}"
DATA="$BASE/data"
LOG="$BASE/postgres.log"
SUPERUSER=postgres

say() { echo "testdb: $*" >&2; }
die() { say "error: $*"; exit 1; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
      echo "$d"
      return 0
    fi
  done
  return 1
}

BINDIR="$(find_bindir || true)"
if [[ -z "$BINDIR" && "${1:-start}" == start ]]; then
  if [[ "$(id -u)" -ne 0 ]]; then
    die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin; install them with 'sudo apt-get install -y postgresql' (not root, so not installing)"
  fi
  say "PostgreSQL server not found; installing Debian package 'postgresql'"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2 || die "apt-get update failed"
  apt-get install -y -o DPkg::Lock::Timeout=300 postgresql >&2 || die "apt-get install postgresql failed"
  BINDIR="$(find_bindir)" || die "postgresql installed but no server binaries in /usr/lib/postgresql/*/bin"
fi

# Run a command as the owner of the cluster: the postgres OS user when root
# (initdb and postgres refuse to run as root), else the current user. From /,
# because the postgres user may not be allowed into the current directory.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    id "$SUPERUSER" >/dev/null 2>&1 || die "OS user '$SUPERUSER' missing (is the postgresql package installed?)"
    (cd / && runuser -u "$SUPERUSER" -- "$@")
  else
    "$@"
  fi
}

# Whether anything accepts TCP connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

is_running() {
  [[ -n "$BINDIR" && -f "$DATA/PG_VERSION" ]] && as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

case "${1:-start}" in
  start) ;;
  stop|destroy)
    if is_running; then
      say "stopping server in $DATA"
      as_owner "$BINDIR/pg_ctl" -D "$DATA" -m fast -w stop >&2
    fi
    if [[ "$1" == destroy ]]; then
      say "removing $BASE"
      rm -rf "$BASE"
    fi
    exit 0
    ;;
  *) die "usage: $0 [start|stop|destroy]" ;;
esac

started=0
if is_running; then
  grep -q "^port = $PORT\$" "$DATA/postgresql.conf" ||
    die "this checkout's server in $DATA runs on another port than $PORT; run '$0 destroy' first"
  say "reusing this checkout's server in $DATA (port $PORT), started earlier by this script"
else
  if port_in_use; then
    die "127.0.0.1:$PORT is in use by a server this script did not start; set SAMPLEAPI_PG_PORT to a free port, or SAMPLEAPI_TEST_DATABASE_URL to use that server on purpose"
  fi
  mkdir -p "$BASE"
  if [[ "$(id -u)" -eq 0 ]]; then
    chown "$SUPERUSER:" "$BASE"
    chmod 700 "$BASE"
    runuser -u "$SUPERUSER" -- test -w "$BASE" ||
      die "$BASE is not writable by the '$SUPERUSER' user (a parent directory is not accessible?); set SAMPLEAPI_PG_DIR"
  fi

  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    say "initialising cluster in $DATA with $BINDIR"
    rm -rf "$DATA"
    as_owner "$BINDIR/initdb" -D "$DATA" -U "$SUPERUSER" -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=trust >"$BASE/initdb.log" 2>&1 ||
      { cat "$BASE/initdb.log" >&2; die "initdb failed"; }
    # Loopback only, socket inside the data dir (no /var/run permissions
    # needed), durability traded for speed: this data is disposable.
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<CONF

# --- sampleapi test settings ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
log_min_messages = warning
CONF
    as_owner tee "$DATA/pg_hba.conf" >/dev/null <<HBA
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
HBA
  elif ! grep -q "^port = $PORT\$" "$DATA/postgresql.conf"; then
    die "existing cluster in $DATA is configured for another port; run '$0 destroy' first"
  fi

  say "starting server on 127.0.0.1:$PORT (log: $LOG)"
  if ! as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >&2; then
    tail -n 30 "$LOG" >&2 || true
    die "could not start PostgreSQL on port $PORT"
  fi
  started=1
fi

for _ in $(seq 1 100); do
  if as_owner "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U "$SUPERUSER"; then
    echo "export SAMPLEAPI_TEST_DATABASE_URL='postgres://$SUPERUSER@127.0.0.1:$PORT/postgres?sslmode=disable'"
    echo "export SAMPLEAPI_TESTDB_STARTED=$started SAMPLEAPI_TESTDB_PORT=$PORT"
    exit 0
  fi
  sleep 0.1
done
die "server on 127.0.0.1:$PORT did not become ready; see $LOG"

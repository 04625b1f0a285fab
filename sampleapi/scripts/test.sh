#!/usr/bin/env bash
# Run every check of the sample API: gofmt, go vet and all tests (unit and
# integration, with the race detector) against a throwaway PostgreSQL that
# scripts/testdb.sh starts for this checkout (installing it if needed) and
# that this script stops again when it exits.
#
#   bash sampleapi/scripts/test.sh                    # from the repository root
#   SAMPLEAPI_NO_RACE=1 bash sampleapi/scripts/test.sh  # skip -race (faster)
#   SAMPLEAPI_KEEP_DB=1 bash sampleapi/scripts/test.sh  # leave the server running
#   SAMPLEAPI_TEST_DATABASE_URL=postgres://... bash sampleapi/scripts/test.sh  # your server
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ -f ../scripts/progress.sh ]]; then
  source ../scripts/progress.sh
else
  progress() { printf '%s (usually %s)\n' "$1" "$2" >&2; shift 2; "$@"; }
fi

if [[ -z "${SAMPLEAPI_TEST_DATABASE_URL:-}" ]]; then
  eval "$(bash scripts/testdb.sh)"
  if [[ "${SAMPLEAPI_TESTDB_STARTED:-0}" == 1 && "${SAMPLEAPI_KEEP_DB:-}" != 1 ]]; then
    trap 'bash scripts/testdb.sh stop' EXIT
  fi
fi
export SAMPLEAPI_TEST_DATABASE_URL

unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
  echo "gofmt: these files need formatting:" >&2
  echo "$unformatted" >&2
  exit 1
fi

progress "sampleapi: go vet" "a few seconds; ~30 s with a cold build cache" go vet ./...

race=(-race)
label="sampleapi: go test -race ./..."
usual="~20 s; 1-3 min on 2 cores when the race detector's build of every package is not cached yet"
if [[ -n "${SAMPLEAPI_NO_RACE:-}" ]] || ! command -v gcc >/dev/null 2>&1; then
  race=()
  label="sampleapi: go test ./..."
  usual="~15 s"
fi
progress "$label" "$usual" go test "${race[@]}" -count=1 -timeout 10m ./...

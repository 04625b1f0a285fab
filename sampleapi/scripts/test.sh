#!/usr/bin/env bash
# Run every check of the sample API: gofmt, go vet and all tests (unit and
# integration, with the race detector) against a throwaway PostgreSQL that
# scripts/testdb.sh starts (installing it if needed).
#
#   bash sampleapi/scripts/test.sh            # from the repository root
#   SAMPLEAPI_NO_RACE=1 bash scripts/test.sh  # skip -race (faster)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z "${SAMPLEAPI_TEST_DATABASE_URL:-}" ]]; then
  eval "$(bash scripts/testdb.sh)"
fi
export SAMPLEAPI_TEST_DATABASE_URL

unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
  echo "gofmt: these files need formatting:" >&2
  echo "$unformatted" >&2
  exit 1
fi

go vet ./...

race=(-race)
if [[ -n "${SAMPLEAPI_NO_RACE:-}" ]] || ! command -v gcc >/dev/null 2>&1; then
  race=()
fi
go test "${race[@]}" -count=1 -timeout 10m ./...

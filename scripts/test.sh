#!/usr/bin/env bash
# Runs every test: the CDK app's (config validation and CloudFormation
# assertions on one synthesis of the app) and the sample API's (unit tests
# and integration tests against a throwaway local PostgreSQL, which
# sampleapi/scripts/testdb.sh installs and starts when needed).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/node-env.sh
source scripts/progress.sh

unformatted="$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))"
if [ -n "$unformatted" ]; then
  printf 'gofmt: these files need formatting:\n%s\n' "$unformatted" >&2
  exit 1
fi
progress "test: go vet ./..." "~10 s; the first run compiles the CDK's Go bindings: ~2 min on 2 cores" go vet ./...
# A temporary directory of its own, to see that every test binary removes
# the jsii runtime it unpacks there (cdktest.Main).
scratch="$(mktemp -d)"
progress "test: go test ./... of the CDK app: 4 deployments synthesized, then the assertions" "~13 s, ~30 s when the test binaries are new" \
  env TMPDIR="$scratch" go test -count=1 ./...
if ls -d "$scratch"/jsii-runtime.* >/dev/null 2>&1; then
  echo "test: a test binary left a jsii-runtime.* directory behind in $scratch (its TestMain should call cdktest.Main)" >&2
  exit 1
fi
rm -rf "$scratch"
# The GitHub Actions workflows: actionlint and the promises workflows/ holds
# (pins, permissions per job, deploy environments). A module of its own;
# -count=1 because go test's cache does not see the workflow files change.
(cd workflows && progress "test: workflows: go vet, go test, actionlint" "~5 s; ~30 s the first time (builds actionlint)" \
  bash -c 'go vet ./... && go test -count=1 ./... && go tool actionlint -shellcheck= -pyflakes= ../.github/workflows/*.yml')
bash sampleapi/scripts/test.sh
# The sample API's script ends by stopping its PostgreSQL; say how it all went.
echo "test: all passed (gofmt, go vet, go test ./... of the CDK app, the sample API's tests)"

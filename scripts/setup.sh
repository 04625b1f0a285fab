#!/usr/bin/env bash
# Installs what synth and the tests need, from the npm registry and the Go
# module proxy only: the pinned CDK CLI and Node.js (package-lock.json) and
# the Go modules. scripts/synth.sh and scripts/test.sh run it first; it does
# nothing when everything is in place, and says what it is doing otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/progress.sh

for tool in go node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool is not on PATH; install it first (see README.md, Prerequisites)" >&2; exit 1; }
done

# npm records what it installed in node_modules/.package-lock.json.
if [ ! -x node_modules/.bin/node ] || [ ! -x node_modules/.bin/cdk ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  PROGRESS_QUIET=0 progress "setup: npm ci: the pinned CDK CLI and Node.js 24 (package-lock.json) into node_modules/" \
    "~15 s, a ~50 MB download" npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

progress "setup: go mod download: the CDK's Go modules" "a ~100 MB download the first time (aws-cdk-go alone is 82 MB), instant later" go mod download
(cd sampleapi && progress "setup: go mod download (sampleapi)" "seconds" go mod download)

#!/usr/bin/env bash
# Installs what synth and the tests need, from the npm registry and the Go
# module proxy only: the pinned CDK CLI (package-lock.json), a Node.js 22
# binary when the machine's node is older, and the Go modules.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

for tool in go node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "setup: $tool is not on PATH; install it first (see README.md, Prerequisites)" >&2; exit 1; }
done

npm ci --no-audit --no-fund --loglevel=error

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" -lt 22 ] && [ ! -x .tools/node22/node_modules/.bin/node ]; then
  echo "setup: node $(node --version) is older than 22; installing node@22 into .tools/node22" >&2
  mkdir -p .tools/node22
  npm install --no-audit --no-fund --loglevel=error --prefix .tools/node22 node@22 >/dev/null
fi

go mod download
(cd sampleapi && go mod download)

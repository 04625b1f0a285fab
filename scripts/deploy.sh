#!/usr/bin/env bash
# Deploys every stack of one profile with the pinned CDK CLI, then writes the
# stacks' outputs (invoke URL, dashboard, ...) as a Markdown table to the
# GitHub job summary, or to stdout outside GitHub Actions. It uses the
# caller's credentials: in CI the environment's OIDC role, which may only
# assume the CDK bootstrap roles (docs/delivery.md).
#
#   bash scripts/deploy.sh dev|prod [-c app:key=value ...]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
profile=${1:-}
case "$profile" in
  dev | prod) shift ;;
  *) echo "deploy: the first argument is the profile, dev or prod; got '$profile'" >&2; exit 2 ;;
esac
bash scripts/setup.sh
source scripts/node-env.sh
export CDK_DISABLE_CLI_TELEMETRY=true

outputs=$(mktemp)
trap 'rm -f "$outputs"' EXIT
npx --no-install cdk deploy --all --ci --require-approval never --no-notices \
  -c app:profile="$profile" "$@" --outputs-file "$outputs"

node -e '
const outputs = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const lines = [`## ${process.argv[2]}: stack outputs`, "", "| Stack | Output | Value |", "| --- | --- | --- |"];
for (const [stack, values] of Object.entries(outputs)) {
  for (const [key, value] of Object.entries(values)) {
    // ExportsOutput... are cross-stack plumbing, not for people.
    if (!key.startsWith("ExportsOutput")) lines.push(`| ${stack} | ${key} | ${value} |`);
  }
}
console.log(lines.join("\n"));
' "$outputs" "$profile" >> "${GITHUB_STEP_SUMMARY:-/dev/stdout}"

#!/usr/bin/env bash
# Synthesizes the stacks into cdk.out/ offline: the same templates as
# `npx cdk synth` (CI compares the two), without the CLI's start-up cost.
# cdk-nag and the strict CloudFormation validator run inside the app
# (cdk.json's @aws-cdk/core:annotationsInValidationReport,
# validateAgainstDefaultRules and strictCfnValidateErrors), so findings fail
# this command just as they fail `cdk synth`.
#
#   bash scripts/synth.sh [-c app:key=value ...] [-o DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/node-env.sh
source scripts/progress.sh

{ read -r outdir; read -r context; } < <(node scripts/synth-context.js "$@")
[ -n "${outdir:-}" ] || exit 2

# Rebuild the app only when a Go source or go.mod/go.sum is newer than the
# last build: asking the go command costs ~0.5 s even when nothing changed.
app=.tools/app
stale=$(find . \( -path ./node_modules -o -path ./sampleapi -o -path ./.tools -o -path './cdk.out*' -o -path ./.git \) -prune \
  -o \( -name '*.go' -o -name go.mod -o -name go.sum \) -newer "$app" -print -quit 2>/dev/null || echo missing)
if [ ! -x "$app" ] || [ -n "$stale" ]; then
  mkdir -p .tools
  progress "synth: building the app" "~5 s; the first build compiles the CDK's Go bindings: ~2 min on 2 cores" go build -o "$app" .
fi
progress "synth: synthesizing with cdk-nag and the strict CloudFormation validator" "~4 s" \
  env CDK_OUTDIR="$outdir" CDK_CONTEXT_JSON="$context" "$app"

# With app:account/app:region set, the VPC needs the account's AZs. The CDK
# CLI looks them up with credentials and caches them in cdk.context.json;
# the app alone can only report them missing.
if grep -q '"missing"' "$outdir/manifest.json"; then
  echo "synth: this configuration needs context lookups (availability zones of app:account/app:region); run 'npx cdk synth' once with AWS credentials to cache them in cdk.context.json" >&2
  exit 1
fi
# Count this synthesis's stacks from its manifest: the directory may also
# hold templates of another profile or app:name synthesized there before.
stacks=$(node -e '
  const m = require(require("path").resolve(process.argv[1], "manifest.json"));
  for (const a of Object.values(m.artifacts || {})) if (a.type === "aws:cloudformation:stack") console.log(a.properties.templateFile);
' "$outdir")
n=$(grep -c . <<<"$stacks" || true)
others=0
for t in "$outdir"/*.template.json; do
  [ -e "$t" ] && ! grep -qxF "$(basename "$t")" <<<"$stacks" && others=$((others + 1))
done
echo "Synthesized $n templates to $outdir"
if [ "$others" -gt 0 ]; then
  echo "($outdir also holds $others templates of an earlier synthesis with other settings; not part of this one)"
fi
# The next step, with the same settings.
next=""
while [ $# -gt 0 ]; do
  case "$1" in
    -c | --context) next+=" -c $(printf '%q' "${2:-}")"; shift ;;
    --context=*) next+=" -c $(printf '%q' "${1#--context=}")" ;;
    -o | --output) shift ;;
  esac
  shift
done
# The per-account CI stack (app:ciRepository) is deployed by name, once, not
# with the app's own `deploy --all` (docs/delivery.md).
ci=$(sed -n 's/^\(.*-GitHubCi\)\.template\.json$/\1/p' <<<"$stacks")
if [ -n "$ci" ]; then
  echo "Next (needs AWS credentials; docs/delivery.md): npx cdk deploy $ci$next, once per account; the app's own stacks: npx cdk deploy --all without app:ciRepository"
else
  echo "Next (needs AWS credentials): npx cdk diff$next, then npx cdk deploy --all$next"
fi

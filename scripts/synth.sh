#!/usr/bin/env bash
# Synthesizes the four stacks into cdk.out/ offline, with cdk-nag and the
# strict CloudFormation validator (both configured in cdk.json and app.go).
# Extra arguments go to cdk synth, e.g. -c app:profile=prod.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/node-env.sh
exec npx --no-install cdk synth --quiet "$@"

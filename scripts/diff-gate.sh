#!/usr/bin/env bash
# The destructive-change gate, offline: synthesizes BASE_REF (in a temporary
# git worktree) and the working tree for the dev and prod profiles, diffs
# every stack with the pinned CDK CLI (`cdk diff STACK --exclusively
# --template BASE`, no credentials) and prints one change report. Exits 1
# when a change would replace or delete the database, a secret, a log group,
# the ALB, the HTTP API or the custom domain (cmd/diffgate decides; the
# pull-request label allow-destructive-change, passed as --override, lets it
# through on purpose); 2 when something could not be compared.
#
#   bash scripts/diff-gate.sh [options] BASE_REF [-c app:key=value ...]
#
#   -c app:key=value      a setting for every side this script synthesizes
#                         (the deployment's own settings; both sides get them)
#   --base-out P=DIR      profile P's base is already synthesized in DIR:
#                         BASE_REF is then optional (CI reuses its synths)
#   --head-out P=DIR      profile P's head is already synthesized in DIR
#   --override            report blocking changes, exit 0
#   -o FILE               also write the report (Markdown) to FILE
#
# Profiles: dev and prod, or the ones named by --base-out/--head-out.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

usage() { sed -n '2,/^set /p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
declare -A base_out head_out
base_ref="" override=() report=() settings=() profiles=()
add_profile() { [[ " ${profiles[*]} " == *" $1 "* ]] || profiles+=("$1"); }
while [ $# -gt 0 ]; do
  case "$1" in
    --base-out | --head-out)
      [[ "${2:-}" == ?*=?* ]] || { echo "diff-gate: $1 wants PROFILE=DIR, got '${2:-}'" >&2; exit 2; }
      p=${2%%=*} d=${2#*=}
      [ -d "$d" ] || { echo "diff-gate: $1 $2: no directory $d" >&2; exit 2; }
      d=$(cd "$d" && pwd)
      if [ "$1" = --base-out ]; then base_out[$p]=$d; else head_out[$p]=$d; fi
      add_profile "$p"
      shift 2 ;;
    --override) override=(-override); shift ;;
    -o) report=(-o "${2:?-o wants a file}"); shift 2 ;;
    -c | --context) settings+=(-c "${2:?-c wants key=value}"); shift 2 ;;
    -h | --help) usage ;;
    -*) echo "diff-gate: unknown option $1" >&2; usage ;;
    *) [ -z "$base_ref" ] || { echo "diff-gate: one BASE_REF only ('$base_ref', then '$1')" >&2; exit 2; }
       base_ref=$1; shift ;;
  esac
done
[ ${#profiles[@]} -gt 0 ] || profiles=(dev prod)

bash scripts/setup.sh
source scripts/node-env.sh
source scripts/progress.sh
export CDK_DISABLE_CLI_TELEMETRY=true

work=$(mktemp -d "${TMPDIR:-/tmp}/diff-gate.XXXXXX")
cleanup() {
  [ ! -d "$work/base" ] || git worktree remove --force "$work/base" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

need_base=false
for p in "${profiles[@]}"; do [ -n "${base_out[$p]:-}" ] || need_base=true; done
if $need_base; then
  [ -n "$base_ref" ] || { echo "diff-gate: name the base (a git ref such as origin/main), or give --base-out for every profile" >&2; exit 2; }
  commit=$(git rev-parse --verify --quiet "$base_ref^{commit}") || { echo "diff-gate: $base_ref is not a commit here (a shallow clone? fetch it first)" >&2; exit 2; }
  git worktree add --detach --quiet "$work/base" "$commit"
fi

pairs=()
for p in "${profiles[@]}"; do
  base=${base_out[$p]:-} head=${head_out[$p]:-}
  if [ -z "$base" ]; then
    base=$work/base-$p
    # The base synthesizes with this checkout's pinned CLI and its own
    # cdk.json app command, as `npx cdk synth` would on that commit.
    (cd "$work/base" && progress "diff-gate: synthesizing $p at $base_ref" "~20 s (the base app is compiled first)" \
      "$root/node_modules/.bin/cdk" synth --quiet --no-notices -o "$base" -c app:profile="$p" "${settings[@]}" >"$work/base-$p.log" 2>&1) ||
      { cat "$work/base-$p.log" >&2; echo "diff-gate: $base_ref does not synthesize for $p" >&2; exit 2; }
  fi
  if [ -z "$head" ]; then
    head=$work/head-$p
    bash scripts/synth.sh -o "$head" -c app:profile="$p" "${settings[@]}" >/dev/null ||
      { echo "diff-gate: the working tree does not synthesize for $p" >&2; exit 2; }
  fi
  pairs+=("$p=$base,$head")
done

# A built binary rather than `go run`, which adds its own "exit status 1".
mkdir -p .tools && go build -o .tools/diffgate ./cmd/diffgate
.tools/diffgate "${override[@]}" "${report[@]}" "${pairs[@]}"

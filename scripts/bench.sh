#!/usr/bin/env bash
# Measures the CDK module's performance budget and prints the figures:
#   scripts/synth.sh (the README's synth)  <= 1.3 x the app binary's own synth
#   go test ./...                          <= 1.25 x one strict `npx cdk synth`
#                                             of the default app (issue 18; it
#                                             was 0.75, which FLOOR=1 showed
#                                             only an empty test run meets)
# Each figure is the median of RUNS runs (default 7), interleaved so that
# machine noise hits all of them alike. Go build caches should be warm: the
# script builds once before timing. It is a benchmark, not a test: it exits
# non-zero only when it cannot run, and says "over budget" when a ratio is.
#
# FLOOR=1 also times the least any `go test ./...` of this app can cost: a
# copy of the module whose fixture synthesizes only the dev deployment,
# running TestSynthesis alone (one synthesis, one cdk-nag pass, no
# assertion), so that the budget can be compared with what is possible.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
source scripts/node-env.sh
runs="${RUNS:-7}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The binary gets exactly the context scripts/synth.sh passes (cdk.json plus
# the CDK CLI's defaults), so all three write the same templates.
context="$(node scripts/synth-context.js | sed -n 2p)"
go build -o "$work/app" .
go test -count=1 ./... >/dev/null          # warm the test binaries too
if [ "${FLOOR:-}" = 1 ]; then
  floor="$work/floor"
  mkdir -p "$floor"
  git ls-files -z | xargs -0 cp --parents -t "$floor"
  ln -s "$PWD/node_modules" "$floor/node_modules"
  sed -i -E '/^[[:space:]]+\{"(prod|custom|options)", /d' "$floor/stacks/harness_test.go"
  [ "$(grep -cE '^[[:space:]]+\{"[a-z]+", ' "$floor/stacks/harness_test.go")" = 1 ] ||
    { echo "bench: FLOOR=1 could not cut the fixture in harness_test.go down to the dev deployment" >&2; exit 1; }
  (cd "$floor" && go test -count=1 -run '^TestSynthesis$' ./... >/dev/null)
fi
npx --no-install cdk synth --quiet -o "$work/warm" >/dev/null 2>&1

elapsed() { # prints the seconds a command took; its output is discarded
  local start end
  # Let the previous run's jsii kernel finish exiting (and its package-cache
  # indexing), so it does not steal a core from this one.
  sleep 2
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1 || { echo "bench: command failed: $*" >&2; exit 1; }
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
binary_synth() { rm -rf "$work/out"; CDK_CONTEXT_JSON="$context" CDK_OUTDIR="$work/out" "$work/app"; }
readme_synth() { bash scripts/synth.sh -o "$work/readme"; }
cdk_synth() { npx --no-install cdk synth --quiet -o "$work/cli"; }
go_test() { go test -count=1 ./...; }
floor_test() { (cd "$floor" && go test -count=1 -run '^TestSynthesis$' ./...); }

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
declare -a t_bin t_readme t_cli t_test t_floor
for ((i = 0; i < runs; i++)); do
  t_bin+=("$(elapsed binary_synth)")
  t_readme+=("$(elapsed readme_synth)")
  t_cli+=("$(elapsed cdk_synth)")
  t_test+=("$(elapsed go_test)")
  [ "${FLOOR:-}" != 1 ] || t_floor+=("$(elapsed floor_test)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
bin=$(median "${t_bin[@]}"); readme=$(median "${t_readme[@]}"); cli=$(median "${t_cli[@]}"); tst=$(median "${t_test[@]}")

verdict() { awk -v r="$1" -v max="$2" 'BEGIN { print (r <= max ? "within budget" : "OVER BUDGET") }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
r_readme=$(ratio "$readme" "$bin"); r_cli=$(ratio "$cli" "$bin"); r_test=$(ratio "$tst" "$cli")
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf 'machine: %s cores, node %s, go %s, %s runs each (median)\n' "$(nproc)" "$(node --version)" "$(go env GOVERSION)" "$runs"
printf 'app binary synth (validator on):   %6.2f s\n' "$bin"
printf 'scripts/synth.sh (README synth):   %6.2f s  = %.2f x binary     (budget 1.30: %s)\n' "$readme" "$r_readme" "$(verdict "$r_readme" 1.3)"
printf 'npx cdk synth --quiet:             %6.2f s  = %.2f x binary     (CLI start-up and go run; for information)\n' "$cli" "$r_cli"
printf 'go test -count=1 ./...:            %6.2f s  = %.2f x cdk synth  (budget 1.25: %s)\n' "$tst" "$r_test" "$(verdict "$r_test" 1.25)"
if [ "${FLOOR:-}" = 1 ]; then
  flr=$(median "${t_floor[@]}")
  printf 'floor: dev only, TestSynthesis:    %6.2f s  = %.2f x cdk synth  (the least a go test ./... of this app costs)\n' "$flr" "$(ratio "$flr" "$cli")"
fi
printf 'load average (1, 5, 15 min): %s before, %s after' "$load_before" "$load_after"
# The benchmark itself keeps up to 2 processes busy; more than that was
# other work sharing the machine.
if awk -v l="${load_after%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n + 1) }'; then
  printf ' -- other work shared the machine: absolute figures are inflated\n'
else
  printf '\n'
fi

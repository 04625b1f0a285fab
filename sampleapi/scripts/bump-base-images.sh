#!/usr/bin/env bash
# Move every digest pin in the Dockerfile (FROM image:tag@sha256:...) to the
# digest its tag points at now: the multi-platform index, so one pin serves
# amd64 and arm64. Needs network access to the registries and one of
# `crane` (go-containerregistry) or `docker buildx`.
#
#   bash sampleapi/scripts/bump-base-images.sh [Dockerfile]
#
# To move to a new Go patch release or base line, edit the tag first
# (e.g. golang:1.26.9-trixie), then run this to pin it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dockerfile="${1:-Dockerfile}"

digest_of() {
  if command -v crane >/dev/null 2>&1; then
    crane digest "$1"
  elif docker buildx version >/dev/null 2>&1; then
    docker buildx imagetools inspect "$1" --format '{{.Manifest.Digest}}'
  else
    echo "bump-base-images: need crane or docker buildx to resolve $1" >&2
    return 1
  fi
}

changed=0
pins=$(grep -oE '^FROM[[:space:]]+(--platform=[^[:space:]]+[[:space:]]+)?[^[:space:]]+:[^[:space:]@]+@sha256:[0-9a-f]{64}' "$dockerfile" |
  awk '{print $NF}' | sort -u)
[ -n "$pins" ] || { echo "bump-base-images: no FROM image:tag@sha256:... pins in $dockerfile" >&2; exit 1; }
for pinned in $pins; do
  ref=${pinned%@*}
  old=${pinned#*@}
  new=$(digest_of "$ref")
  if ! [[ "$new" =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "bump-base-images: $ref resolved to '$new', not a sha256 digest" >&2
    exit 1
  fi
  if [ "$new" = "$old" ]; then
    echo "unchanged  $ref@$old"
    continue
  fi
  sed -i.bak "s|$ref@$old|$ref@$new|g" "$dockerfile" && rm -f "$dockerfile.bak"
  echo "bumped     $ref: $old -> $new"
  changed=1
done
[ "$changed" = 0 ] || echo "Review the change, then rebuild and test the image (README.md, Docker)."

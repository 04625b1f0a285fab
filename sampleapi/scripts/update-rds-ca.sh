#!/usr/bin/env bash
# Refresh the embedded RDS certificate bundle from AWS (needs internet access):
#
#   bash sampleapi/scripts/update-rds-ca.sh && (cd sampleapi && go test ./internal/rdsca)
#
# AWS's global bundle holds the root CAs of every region. TestBundle then
# checks that the file holds only unexpired, self-signed Amazon RDS roots.
# Record the download date and SHA-256 in internal/rdsca/rdsca.go.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
url=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
curl -fsSL "$url" -o "$tmp"
n="$(grep -c 'BEGIN CERTIFICATE' "$tmp" || true)"
[[ "$n" -gt 0 ]] || { echo "update-rds-ca: $url returned no certificates" >&2; exit 1; }
mv "$tmp" internal/rdsca/rds-ca-roots.pem
trap - EXIT
echo "update-rds-ca: $n certificates, sha256 $(sha256sum internal/rdsca/rds-ca-roots.pem | cut -d' ' -f1)" >&2

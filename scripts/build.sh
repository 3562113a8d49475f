#!/usr/bin/env bash
# Builds bin/pyreqs for this machine, stamped with the version from package.json.
# Usage: scripts/build.sh  (from any directory)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version="$(node -p 'require("./package.json").version')"
if [ -z "$version" ]; then
  echo "build.sh: could not read the version from package.json" >&2
  exit 1
fi

exe="$(go env GOEXE)"  # ".exe" on Windows, empty elsewhere
mkdir -p bin
tmp="$(mktemp "bin/.pyreqs.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cli.Version=${version}" \
  -o "$tmp" ./goplugin
chmod 0755 "$tmp"
mv -f "$tmp" "bin/pyreqs${exe}"
trap - EXIT

echo "built bin/pyreqs${exe} ${version} ($(go env GOOS)/$(go env GOARCH))"

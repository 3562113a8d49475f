#!/usr/bin/env bash
# scripts/demo.sh: THE main job (`npm run demo`). Packages the sample Flask service the way a
# user would: the npm tarball of this repository installed into the service, the real Serverless
# v3 CLI, Flask from the public index. Prints the artifacts with their size and number of entries.
#
# Everything lives in .tools/demo (git-ignored): the tarball, the service copy, and the plugin
# cache (XDG_CACHE_HOME=.tools/demo/cache, kept between runs so a second run shows a cache hit;
# the developer's real cache is never touched). `bash scripts/demo.sh --clean` starts from scratch.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DEMO="$ROOT/.tools/demo"
SERVICE=flask

now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
say() { printf 'demo: %s\n' "$*"; }

if [[ ${1:-} == --clean ]]; then
	rm -rf "$DEMO"
fi

fix_ownership() {
	[[ $(id -u) -eq 0 ]] || return 0
	local owner
	owner=$(stat -c '%u:%g' "$ROOT")
	[[ $owner != "0:0" && -e $ROOT/.tools ]] && chown -R "$owner" "$ROOT/.tools"
	return 0
}
trap fix_ownership EXIT

# 1. Tools and bin/pyreqs (not the lint tools: the demo needs none).
PYREQS_SETUP_SKIP_LINT=1 bash scripts/setup.sh
[[ -x bin/pyreqs ]] || {
	echo "demo: bin/pyreqs was not built (see scripts/setup.sh output above)" >&2
	exit 1
}

# 2. The npm package, as published: the shim without a binary (users get theirs from the
# per-platform package, which `npm run dist` builds); the demo points it at bin/pyreqs with
# PYREQS_BINARY_PATH, as the tests do.
mkdir -p "$DEMO/pack"
rm -f "$DEMO"/pack/*.tgz
start=$(now_ms)
tarball=$(npm pack --silent --pack-destination "$DEMO/pack" 2>/dev/null | tail -n1)
tarball="$DEMO/pack/$(basename "$tarball")"
[[ -f $tarball ]] || {
	echo "demo: npm pack produced no tarball" >&2
	exit 1
}
say "packed $(basename "$tarball") ($(stat -c %s "$tarball") bytes) in $(secs "$start" "$(now_ms)")s"

# 3. A fresh copy of the service with the package installed like a user's devDependency, and
# the pinned Serverless v3 of test/tools linked in (so `npx serverless` works there too).
app="$DEMO/$SERVICE"
rm -rf "$app"
cp -R "testdata/services/$SERVICE" "$app"
cat >"$app/package.json" <<EOF
{
  "name": "pyreqs-demo-$SERVICE",
  "version": "1.0.0",
  "private": true
}
EOF
start=$(now_ms)
(cd "$app" && npm install --silent --no-audit --no-fund --save-dev "$tarball")
ln -s "$ROOT/test/tools/node_modules/serverless" "$app/node_modules/serverless"
mkdir -p "$app/node_modules/.bin"
ln -sf ../serverless/bin/serverless.js "$app/node_modules/.bin/serverless"
say "installed into ${app#"$ROOT"/} in $(secs "$start" "$(now_ms)")s"

# 4. The real `sls package`.
mkdir -p "$DEMO/cache"
say "running: serverless package (service $SERVICE, cache ${DEMO#"$ROOT"/}/cache)"
start=$(now_ms)
(
	cd "$app"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off XDG_CACHE_HOME="$DEMO/cache" \
		PYREQS_BINARY_PATH="$ROOT/bin/pyreqs" \
		"$ROOT/test/tools/node_modules/.bin/serverless" package
)
say "packaged in $(secs "$start" "$(now_ms)")s"

# 5. What came out.
shopt -s nullglob
artifacts=("$app"/.serverless/*.zip)
if ((${#artifacts[@]} == 0)); then
	echo "demo: no artifact in ${app#"$ROOT"/}/.serverless" >&2
	exit 1
fi
python3 - "${artifacts[@]}" <<'EOF'
import os
import sys
import zipfile

for path in sys.argv[1:]:
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    top = sorted({n.split("/", 1)[0] for n in names})
    print("demo: artifact %s: %d bytes, %d entries" % (os.path.relpath(path), os.path.getsize(path), len(names)))
    print("demo:   top level: %s" % ", ".join(top[:12] + (["..."] if len(top) > 12 else [])))
EOF

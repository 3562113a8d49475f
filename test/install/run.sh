#!/usr/bin/env bash
# test/install/run.sh: the install matrix (`npm run test:install`; the `install` tier of
# scripts/test.sh). It tests the packages users install, as they install them:
#
#   1. test/install/tools: `npm ci` of the pinned verdaccio, pnpm 10 and Yarn Berry (skipped when
#      package-lock.json and node are unchanged since the last run);
#   2. go test ./test/install, which runs `npm run dist` (and a second, differently-umasked dist
#      to check the tarballs are byte-identical), serves dist/ from verdaccio on 127.0.0.1,
#      installs serverless-pyreqs into copies of testdata/services/basic with npm, npm
#      --omit=optional, npm --ignore-scripts, npm for another platform, pnpm, Yarn (node-modules)
#      and Yarn PnP, runs the real `sls package` after each, and prints the package sizes and
#      install times.
#
# Needs scripts/setup.sh to have run (test/tools, .tools/venv). Environment: PYREQS_TEST_RUN
# (passed as -run), PYREQS_INSTALL_TIMEOUT (default 20m). Log of step 1: .tools/logs/install-tools.log.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
TOOLS="$ROOT/test/install/tools"
LOG="$ROOT/.tools/logs/install-tools.log"
mkdir -p "$(dirname "$LOG")"

want=$(cat "$TOOLS/package.json" "$TOOLS/package-lock.json" <(node --version) | sha256sum | cut -c1-64)
have=""
[[ -f $TOOLS/node_modules/.pyreqs-stamp ]] && have=$(cat "$TOOLS/node_modules/.pyreqs-stamp")
if [[ $want != "$have" || ! -x $TOOLS/node_modules/.bin/verdaccio ]]; then
	start=$(date +%s)
	if ! (cd "$TOOLS" && npm ci --no-audit --no-fund >"$LOG" 2>&1); then
		echo "test/install: npm ci in test/install/tools failed; last lines of $LOG:" >&2
		tail -n 30 "$LOG" >&2
		exit 1
	fi
	echo "$want" >"$TOOLS/node_modules/.pyreqs-stamp"
	echo "test/install: installed verdaccio, pnpm and yarn in test/install/tools in $(($(date +%s) - start))s"
fi

# -count=1: the test runs npm, go build, verdaccio and serverless, which the test cache cannot see.
exec go test -count=1 -v -timeout "${PYREQS_INSTALL_TIMEOUT:-20m}" \
	${PYREQS_TEST_RUN:+-run "$PYREQS_TEST_RUN"} ./test/install/

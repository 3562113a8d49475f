#!/usr/bin/env bash
# scripts/test.sh: THE test command (`npm test`). Runs every tier and prints a summary:
#
#   setup        scripts/setup.sh (tools; docker too when CI=true or PYREQS_SETUP_DOCKER=1)
#   build        npm run build (bin/pyreqs)
#   vet          gofmt -l, go vet ./..., staticcheck ./..., go mod tidy -diff, and
#                tsc --noEmit --checkJs over npm-shim (test/typecheck/tsconfig.json)
#   go           go test of every package but test/acceptance and test/install (unit and CLI contract tests)
#   race         go test -race of the packages that run things concurrently (those that import
#                sync or errgroup or start goroutines)
#   acceptance   go test ./test/acceptance/... (real Serverless v3, npm-installed plugin, pip, docker)
#   install      test/install/run.sh: `npm run dist`, a local npm registry, installs with npm, pnpm,
#                yarn, then `sls package` (the install matrix; prints package sizes and install times)
#   shim         node --test npm-shim/test/
#
# Exits non-zero when any tier fails. Logs: .tools/logs/test-<tier>.log.
# Environment: PYREQS_TEST_RUN (passed as -run to the Go tiers), PYREQS_ACCEPTANCE_TIMEOUT
# (default 45m).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
LOGS="$ROOT/.tools/logs"
mkdir -p "$LOGS"

now_ms() { date +%s%3N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }
START=$(now_ms)

SUMMARY=()
FAILED=0

# tier NAME CMD...: runs CMD with its output shown and saved to .tools/logs/test-NAME.log,
# then records "NAME STATUS TIME DETAILS" (DETAILS from the details_NAME function if defined).
tier() {
	local name=$1 start end rc log="$LOGS/test-$1.log"
	shift
	printf '\n==== %s: %s\n' "$name" "$*"
	start=$(now_ms)
	"$@" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	end=$(now_ms)
	local details=""
	if declare -F "details_$name" >/dev/null; then details=$("details_$name" "$log"); fi
	if ((rc == 0)); then
		record "$name" PASS "$(secs "$start" "$end")s" "$details"
	else
		record "$name" FAIL "$(secs "$start" "$end")s" "exit $rc${details:+; $details}"
		FAILED=1
	fi
	return "$rc"
}
record() { SUMMARY+=("$(printf '%-11s %-5s %8s  %s' "$1" "$2" "$3" "$4")"); }
skip() {
	printf '\n==== %s: skipped (%s)\n' "$1" "$2"
	record "$1" SKIP "-" "$2"
}

# go test output: "ok <pkg>", "FAIL <pkg>", "--- FAIL: <test>", "--- SKIP: <test>" (with -v only).
go_details() {
	local ok fail nof failed
	ok=$(grep -cE '^ok[[:space:]]' "$1")
	fail=$(grep -cE '^FAIL[[:space:]]' "$1")
	nof=$(grep -cE '^\?[[:space:]].*\[no test files\]' "$1")
	failed=$(grep -oE -- '--- FAIL: [^ ]+' "$1" | awk '{ print $3 }' | head -n 8 | paste -sd, -)
	printf '%d packages ok, %d failed, %d without tests' "$ok" "$fail" "$nof"
	[[ -n $failed ]] && printf '; failed: %s' "$failed"
	return 0
}
details_go() { go_details "$1"; }
details_race() { go_details "$1"; }
details_acceptance() {
	local skipped
	go_details "$1"
	skipped=$(grep -cE -- '--- SKIP: ' "$1")
	((skipped > 0)) && printf '; %d skipped' "$skipped"
	grep -qE '^acceptance: skipping' "$1" && printf ' (%s)' "$(grep -m1 -E '^acceptance: skipping' "$1" | cut -c13-120)"
	return 0
}
details_shim() {
	local pass fail skip
	# TAP ("# pass 3", not a TTY) or spec ("ℹ pass 3") reporter.
	pass=$(grep -oE '^(# |ℹ )pass [0-9]+' "$1" | awk '{ print $NF }' | tail -n1)
	fail=$(grep -oE '^(# |ℹ )fail [0-9]+' "$1" | awk '{ print $NF }' | tail -n1)
	skip=$(grep -oE '^(# |ℹ )skipped [0-9]+' "$1" | awk '{ print $NF }' | tail -n1)
	printf '%s passed, %s failed, %s skipped' "${pass:-?}" "${fail:-?}" "${skip:-0}"
}
details_install() {
	local pass fail skip
	pass=$(grep -cE -- '^ +--- PASS: ' "$1")
	fail=$(grep -cE -- '^ +--- FAIL: ' "$1")
	skip=$(grep -cE -- '^ +--- SKIP: ' "$1")
	printf '%d cases passed, %d failed, %d skipped' "$pass" "$fail" "$skip"
	grep -m1 -E '^npm install +[0-9.]+s' "$1" | awk '{ printf "; npm install %s", $3 }'
	return 0
}
details_vet() {
	local n
	n=$(grep -c '^unformatted: ' "$1")
	((n > 0)) && printf '%d files need gofmt' "$n"
	return 0
}

vet() {
	local rc=0 unformatted
	local files
	files=$(go list -f '{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}} {{end}}{{range .CgoFiles}}{{$d}}/{{.}} {{end}}{{range .TestGoFiles}}{{$d}}/{{.}} {{end}}{{range .XTestGoFiles}}{{$d}}/{{.}} {{end}}{{range .IgnoredGoFiles}}{{$d}}/{{.}} {{end}}' ./...) || return 1
	# shellcheck disable=SC2086
	unformatted=$(gofmt -l $files 2>&1) || rc=1
	if [[ -n $unformatted ]]; then
		sed 's/^/unformatted: /' <<<"$unformatted"
		rc=1
	fi
	go vet ./... || rc=1
	echo "staticcheck ./..."
	"$ROOT/.tools/gobin/staticcheck" ./... || rc=1
	echo "go mod tidy -diff"
	go mod tidy -diff || rc=1
	echo "tsc --noEmit --checkJs (npm-shim)"
	"$ROOT/test/typecheck/node_modules/.bin/tsc" -p test/typecheck/tsconfig.json || rc=1
	return "$rc"
}

# race_packages: the packages (outside test/acceptance and test/install) whose non-test files
# import sync or errgroup or start a goroutine.
race_packages() {
	go list -f '{{.ImportPath}} {{.Dir}} {{join .GoFiles " "}}' ./... | while read -r pkg dir files; do
		[[ $pkg == */test/acceptance || $pkg == */test/install || -z $files ]] && continue
		# shellcheck disable=SC2086
		if (cd "$dir" && grep -qE '"sync"|"golang.org/x/sync/errgroup"|(^|[[:space:]])go (func|[[:alnum:]_.]+\()' $files); then
			echo "$pkg"
		fi
	done
}

go_race() {
	local pkgs
	pkgs=$(race_packages) || return 1
	echo "race: $(tr '\n' ' ' <<<"$pkgs")"
	# shellcheck disable=SC2086
	go test -race -timeout 15m ${PYREQS_TEST_RUN:+-run "$PYREQS_TEST_RUN"} $pkgs
}

go_unit() {
	local pkgs
	pkgs=$(go list ./... | grep -v -e '/test/acceptance' -e '/test/install') || return 1
	# shellcheck disable=SC2086
	go test -timeout 10m ${PYREQS_TEST_RUN:+-run "$PYREQS_TEST_RUN"} $pkgs
}

go_acceptance() {
	# -count=1: these tests run external programs (bin/pyreqs, node, pip) whose changes the Go
	# test cache cannot see. -v: per-test lines (timings, skips) for the log and the summary.
	go test -count=1 -v -timeout "${PYREQS_ACCEPTANCE_TIMEOUT:-45m}" \
		${PYREQS_TEST_RUN:+-run "$PYREQS_TEST_RUN"} ./test/acceptance/...
}

fix_ownership() {
	[[ $(id -u) -eq 0 ]] || return 0
	local owner
	owner=$(stat -c '%u:%g' "$ROOT")
	[[ $owner != "0:0" ]] || return 0
	local p
	for p in "$ROOT/.tools" "$ROOT/bin" "$ROOT/test/tools/node_modules" "$ROOT/test/typecheck/node_modules" "$ROOT/test/install/tools/node_modules" "$ROOT/dist"; do
		[[ -e $p ]] && chown -R "$owner" "$p"
	done
	return 0
}
trap fix_ownership EXIT

if ! tier setup env PYREQS_SETUP_SKIP_BUILD=1 bash scripts/setup.sh; then
	echo "test.sh: setup failed; nothing else can run" >&2
	printf '\n==== summary\n'
	printf '%s\n' "${SUMMARY[@]}"
	exit 1
fi

BUILD_OK=0
if [[ ! -f scripts/build.sh ]]; then
	skip build "scripts/build.sh does not exist"
elif tier build npm run --silent build; then
	BUILD_OK=1
fi

tier vet vet
tier go go_unit
tier race go_race

if ((BUILD_OK)); then
	tier acceptance go_acceptance
else
	skip acceptance "bin/pyreqs was not built"
	FAILED=1
fi

tier install bash test/install/run.sh

if [[ -d npm-shim/test ]]; then
	tier shim node --test npm-shim/test/
else
	skip shim "npm-shim/test does not exist"
fi

printf '\n==== summary (%ss)\n' "$(secs "$START" "$(now_ms)")"
printf '%s\n' "${SUMMARY[@]}"
if ((FAILED)); then
	echo "FAIL"
	exit 1
fi
echo "PASS"

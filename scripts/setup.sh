#!/usr/bin/env bash
# scripts/setup.sh: make this machine ready to build, test and demo serverless-pyreqs.
#
# Idempotent and fast when everything is already in place: each step checks a stamp and prints
# one summary line with its time. Steps:
#   prerequisites  go, node, npm, python3.11 (or $PYREQS_PYTHON), gcc present
#   npm tools      test/tools: `npm ci` of the pinned serverless v3 + serverless-python-requirements
#   osls           test/tools/osls: `npm ci` of the pinned osls (open-source Serverless v4 fork), kept
#                  apart because it also installs `sls` and `serverless`
#   python venv    .tools/venv with the pins of test/tools/requirements.txt; .tools/bin exposes
#                  pipenv, poetry, uv (never python) for the tests
#   lint tools     staticcheck (pinned, from the Go module proxy) into .tools/gobin, and
#                  test/typecheck: `npm ci` of the pinned typescript for `tsc --checkJs` of npm-shim
#   build          `npm run build` (bin/pyreqs), skipped while scripts/build.sh does not exist
#   docker         only when PYREQS_SETUP_DOCKER=1 or CI=true: docker.io, debootstrap,
#                  docker-registry and apache2-utils (htpasswd) from apt,
#                  a running dockerd, and the local image pyreqs-test/python:bookworm
#   chromium       only when PYREQS_SETUP_CHROMIUM=1 or CI=true: Debian's chromium, for the
#                  headless test of the HTML size report
#   bench wheels   only when PYREQS_SETUP_BENCH_WHEELS=1 or CI=true: the pinned wheels of
#                  test/bench/wheels.txt (numpy, pandas, boto3, Flask...) from PyPI into
#                  .tools/bench-wheels, for the assembly differential tests of the bench sets
#
# Environment: PYREQS_PYTHON (interpreter for the venv, default python3.11),
# PYREQS_SETUP_DOCKER=1, PYREQS_SETUP_SKIP_BUILD=1 (test.sh builds on its own terms),
# PYREQS_SETUP_SKIP_LINT=1 (the demo needs no lint tools), CI=true, PYREQS_SETUP_CHROMIUM=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
TOOLS="$ROOT/.tools"
LOGS="$TOOLS/logs"
mkdir -p "$LOGS"

now_ms() { date +%s%3N; }
SETUP_START=$(now_ms)

# step NAME FUNCTION: runs FUNCTION, which sets STEP_STATUS; prints "setup: NAME: STATUS (1.2s)".
step() {
	local name=$1 fn=$2 start end
	start=$(now_ms)
	STEP_STATUS=""
	if ! "$fn"; then
		end=$(now_ms)
		printf 'setup: %-14s FAILED after %ss: %s\n' "$name" "$(secs "$start" "$end")" "$STEP_STATUS" >&2
		exit 1
	fi
	end=$(now_ms)
	printf 'setup: %-14s %s (%ss)\n' "$name" "$STEP_STATUS" "$(secs "$start" "$end")"
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

# run_logged LOGNAME CMD...: runs CMD with its output in .tools/logs/LOGNAME.log; shows the
# log's tail on failure.
run_logged() {
	local log="$LOGS/$1.log"
	shift
	if ! "$@" >"$log" 2>&1; then
		echo "---- last lines of $log ----" >&2
		tail -n 40 "$log" >&2
		echo "----" >&2
		return 1
	fi
}

sha_of() { cat "$@" | sha256sum | cut -c1-64; }

# Files created by this script belong to the owner of the repository, also when it runs as root
# (sudo, CI containers): nothing root-owned is left in the working tree.
fix_ownership() {
	[[ $(id -u) -eq 0 ]] || return 0
	local owner
	owner=$(stat -c '%u:%g' "$ROOT")
	[[ $owner != "0:0" ]] || return 0
	local p
	for p in "$TOOLS" "$ROOT/test/tools/node_modules" "$ROOT/test/typecheck/node_modules" "$ROOT/bin"; do
		[[ -e $p ]] && chown -R "$owner" "$p"
	done
	return 0
}
trap fix_ownership EXIT

PYTHON=${PYREQS_PYTHON:-}
if [[ -z $PYTHON ]]; then
	if command -v python3.11 >/dev/null 2>&1; then PYTHON=python3.11; else PYTHON=python3; fi
fi

prerequisites() {
	local missing=() t
	for t in go node npm "$PYTHON" gcc; do
		command -v "$t" >/dev/null 2>&1 || missing+=("$t")
	done
	if ((${#missing[@]})); then
		STEP_STATUS="missing on PATH: ${missing[*]}"
		return 1
	fi
	local gov pyv
	gov=$(go env GOVERSION)
	pyv=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
	STEP_STATUS="ok ($gov, node $(node --version), npm $(npm --version 2>/dev/null), python $pyv)"
}

npm_tools() {
	local dir="$ROOT/test/tools" want have=""
	want=$(sha_of "$dir/package.json" "$dir/package-lock.json" <(node --version))
	[[ -f $dir/node_modules/.pyreqs-setup-stamp ]] && have=$(cat "$dir/node_modules/.pyreqs-setup-stamp")
	if [[ $want == "$have" && -x $dir/node_modules/.bin/serverless ]]; then
		STEP_STATUS="up to date ($(serverless_version))"
		return 0
	fi
	(cd "$dir" && run_logged npm-ci npm ci --no-audit --no-fund) || {
		STEP_STATUS="npm ci failed (see .tools/logs/npm-ci.log)"
		return 1
	}
	echo "$want" >"$dir/node_modules/.pyreqs-setup-stamp"
	STEP_STATUS="installed ($(serverless_version))"
}
npm_osls() {
	local dir="$ROOT/test/tools/osls" want have=""
	want=$(sha_of "$dir/package.json" "$dir/package-lock.json" <(node --version))
	[[ -f $dir/node_modules/.pyreqs-setup-stamp ]] && have=$(cat "$dir/node_modules/.pyreqs-setup-stamp")
	if [[ $want == "$have" && -x $dir/node_modules/.bin/osls ]]; then
		STEP_STATUS="up to date"
		return 0
	fi
	(cd "$dir" && run_logged npm-ci-osls npm ci --no-audit --no-fund --ignore-scripts) || {
		STEP_STATUS="npm ci failed (see .tools/logs/npm-ci-osls.log)"
		return 1
	}
	echo "$want" >"$dir/node_modules/.pyreqs-setup-stamp"
	STEP_STATUS="installed (osls $(node -p "require('$dir/node_modules/osls/package.json').version"))"
}

serverless_version() {
	printf 'serverless %s, serverless-python-requirements %s' \
		"$(node -p 'require("./test/tools/node_modules/serverless/package.json").version')" \
		"$(node -p 'require("./test/tools/node_modules/serverless-python-requirements/package.json").version')"
}

python_venv() {
	local venv="$TOOLS/venv" pins="$ROOT/test/tools/requirements.txt" want have=""
	want=$(sha_of "$pins" <("$PYTHON" -c 'import sys; print(sys.version, sys.base_prefix)'))
	[[ -f $venv/.pyreqs-setup-stamp ]] && have=$(cat "$venv/.pyreqs-setup-stamp")
	if [[ $want == "$have" && -x $venv/bin/python ]]; then
		STEP_STATUS="up to date ($(venv_summary))"
		return 0
	fi
	rm -rf "$venv"
	run_logged venv "$PYTHON" -m venv "$venv" || {
		STEP_STATUS="python -m venv failed"
		return 1
	}
	run_logged venv-pip "$venv/bin/python" -m pip install --disable-pip-version-check \
		--no-input -r "$pins" || {
		STEP_STATUS="pip install failed (see .tools/logs/venv-pip.log)"
		return 1
	}
	# .tools/bin: only the tools, not the venv's python, so tests that put it on PATH keep the
	# machine's interpreters (python3.11 and its pip) as the plugins would find them.
	rm -rf "$TOOLS/bin"
	mkdir -p "$TOOLS/bin"
	local t
	for t in pipenv poetry uv uvx pyproject-build; do
		ln -s "../venv/bin/$t" "$TOOLS/bin/$t"
	done
	echo "$want" >"$venv/.pyreqs-setup-stamp"
	STEP_STATUS="installed ($(venv_summary))"
}
venv_summary() {
	"$TOOLS/venv/bin/python" - <<'EOF'
import importlib.metadata as m
names = ["pipenv", "poetry", "poetry-plugin-export", "uv", "build", "wheel", "setuptools"]
print(", ".join("%s %s" % (n, m.version(n)) for n in names))
EOF
}

# The pinned version of staticcheck (honnef.co/go/tools); scripts/test.sh runs .tools/gobin/staticcheck.
STATICCHECK_VERSION=v0.8.2

lint_tools() {
	if [[ ${PYREQS_SETUP_SKIP_LINT:-} == 1 ]]; then
		STEP_STATUS="skipped (PYREQS_SETUP_SKIP_LINT=1)"
		return 0
	fi
	local gobin="$TOOLS/gobin" want have=""
	want=$(sha_of <(echo "$STATICCHECK_VERSION") <(go env GOVERSION))
	[[ -f $gobin/.pyreqs-setup-stamp ]] && have=$(cat "$gobin/.pyreqs-setup-stamp")
	if [[ $want != "$have" || ! -x $gobin/staticcheck ]]; then
		mkdir -p "$gobin"
		run_logged staticcheck env GOBIN="$gobin" go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" || {
			STEP_STATUS="go install staticcheck failed (see .tools/logs/staticcheck.log)"
			return 1
		}
		echo "$want" >"$gobin/.pyreqs-setup-stamp"
	fi
	local dir="$ROOT/test/typecheck"
	want=$(sha_of "$dir/package.json" "$dir/package-lock.json" <(node --version))
	have=""
	[[ -f $dir/node_modules/.pyreqs-setup-stamp ]] && have=$(cat "$dir/node_modules/.pyreqs-setup-stamp")
	if [[ $want != "$have" || ! -x $dir/node_modules/.bin/tsc ]]; then
		(cd "$dir" && run_logged npm-ci-typecheck npm ci --no-audit --no-fund) || {
			STEP_STATUS="npm ci in test/typecheck failed (see .tools/logs/npm-ci-typecheck.log)"
			return 1
		}
		echo "$want" >"$dir/node_modules/.pyreqs-setup-stamp"
	fi
	STEP_STATUS="ok (staticcheck $STATICCHECK_VERSION, typescript $(node -p 'require("./test/typecheck/node_modules/typescript/package.json").version'))"
}

build() {
	if [[ ${PYREQS_SETUP_SKIP_BUILD:-} == 1 ]]; then
		STEP_STATUS="skipped (PYREQS_SETUP_SKIP_BUILD=1)"
		return 0
	fi
	if [[ ! -f $ROOT/scripts/build.sh ]]; then
		STEP_STATUS="skipped: scripts/build.sh does not exist yet"
		return 0
	fi
	if [[ -f $ROOT/package.json ]] && node -e 'process.exit(require("./package.json").scripts?.build ? 0 : 1)'; then
		run_logged build npm run build || {
			STEP_STATUS="npm run build failed (see .tools/logs/build.log)"
			return 1
		}
	else
		run_logged build bash scripts/build.sh || {
			STEP_STATUS="scripts/build.sh failed (see .tools/logs/build.log)"
			return 1
		}
	fi
	if [[ -x $ROOT/bin/pyreqs ]]; then
		STEP_STATUS="ok (bin/pyreqs $(stat -c %s "$ROOT/bin/pyreqs") bytes)"
	else
		STEP_STATUS="build finished but bin/pyreqs is missing"
		return 1
	fi
}

docker_packages() {
	local need=()
	command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
	command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
	# A local registry with basic auth for the private-image tests.
	command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
	command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
	if ((${#need[@]} == 0)); then
		STEP_STATUS="present (dockerd, debootstrap, docker-registry, htpasswd)"
		return 0
	fi
	local sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	run_logged apt-get "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive bash -c \
		"apt-get update && apt-get install -y --no-install-recommends ${need[*]}" || {
		STEP_STATUS="apt-get install ${need[*]} failed (see .tools/logs/apt-get.log)"
		return 1
	}
	STEP_STATUS="installed ${need[*]}"
}

chromium_package() {
	if command -v chromium >/dev/null 2>&1; then
		STEP_STATUS="present ($(chromium --version 2>/dev/null | head -n 1))"
		return 0
	fi
	local sudo=()
	[[ $(id -u) -eq 0 ]] || sudo=(sudo)
	run_logged apt-get-chromium "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive bash -c \
		"apt-get update && apt-get install -y --no-install-recommends chromium" || {
		STEP_STATUS="apt-get install chromium failed (see .tools/logs/apt-get-chromium.log)"
		return 1
	}
	STEP_STATUS="installed ($(chromium --version 2>/dev/null | head -n 1))"
}

docker_daemon() {
	if docker info >/dev/null 2>&1; then
		STEP_STATUS="running (server $(docker version --format '{{.Server.Version}}' 2>/dev/null))"
		return 0
	fi
	# As a normal user: started with sudo, and the socket belongs to the user's group, so the
	# tests reach the engine without root.
	local sudo=() args=()
	[[ $(id -u) -eq 0 ]] || { sudo=(sudo); args=(--group "$(id -g)"); }
	# Detached from this script (its own session) so it outlives setup; its log stays in .tools.
	"${sudo[@]}" setsid dockerd "${args[@]}" >>"$TOOLS/dockerd.log" 2>&1 </dev/null &
	local i
	for ((i = 0; i < 120; i++)); do
		if docker info >/dev/null 2>&1; then
			STEP_STATUS="started dockerd (server $(docker version --format '{{.Server.Version}}'), log .tools/dockerd.log)"
			return 0
		fi
		sleep 0.5
	done
	echo "---- last lines of .tools/dockerd.log ----" >&2
	tail -n 30 "$TOOLS/dockerd.log" >&2
	STEP_STATUS="dockerd did not become ready within 60s"
	return 1
}

docker_image() {
	local out
	out=$(bash "$ROOT/scripts/docker-image.sh" 2>"$LOGS/docker-image.log") || {
		echo "---- last lines of .tools/logs/docker-image.log ----" >&2
		tail -n 40 "$LOGS/docker-image.log" >&2
		STEP_STATUS="scripts/docker-image.sh failed"
		return 1
	}
	STEP_STATUS=$out
}

# bench_wheels: the bench's pinned wheels (test/bench -wheels-only keeps a stamp; a no-op when
# they are there).
bench_wheels() {
	run_logged bench-wheels go run ./test/bench -wheels-only || {
		STEP_STATUS="downloading test/bench/wheels.txt failed (see .tools/logs/bench-wheels.log)"
		return 1
	}
	STEP_STATUS="$(find "$TOOLS/bench-wheels" -name '*.whl' | wc -l) wheels in .tools/bench-wheels"
}

step prerequisites prerequisites
step "npm tools" npm_tools
step osls npm_osls
step "python venv" python_venv
step "lint tools" lint_tools
step build build
if [[ ${PYREQS_SETUP_DOCKER:-} == 1 || ${CI:-} == true ]]; then
	step "docker pkgs" docker_packages
	step "docker daemon" docker_daemon
	step "docker image" docker_image
else
	printf 'setup: %-14s %s\n' docker "skipped (set PYREQS_SETUP_DOCKER=1 or CI=true)"
fi
if [[ ${PYREQS_SETUP_CHROMIUM:-} == 1 || ${CI:-} == true ]]; then
	step chromium chromium_package
fi
if [[ ${PYREQS_SETUP_BENCH_WHEELS:-} == 1 || ${CI:-} == true ]]; then
	step "bench wheels" bench_wheels
fi
printf 'setup: %-14s ready in %ss\n' total "$(secs "$SETUP_START" "$(now_ms)")"

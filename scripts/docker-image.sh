#!/usr/bin/env bash
# scripts/docker-image.sh: build the local Docker image the acceptance tests use for dockerizePip,
# pyreqs-test/python:bookworm (Debian bookworm minbase + python3 (3.11) + pip + binutils), with
# debootstrap from this machine's own Debian mirror, so no registry access is needed.
#
#   bash scripts/docker-image.sh [--force]
#
# Prints one summary line on stdout; progress goes to stderr. Needs root (debootstrap) and a
# running docker engine. Skips when the image already exists, unless --force.
# Environment: PYREQS_DEBIAN_MIRROR overrides the mirror read from /etc/apt.
set -euo pipefail

IMAGE=${PYREQS_TEST_IMAGE:-pyreqs-test/python:bookworm}
SUITE=bookworm
FORCE=0
[[ ${1:-} == --force ]] && FORCE=1

if [[ $FORCE == 0 ]] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
	echo "present ($IMAGE, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
	exit 0
fi

# The mirror this machine's apt uses for the suite: deb822 files (/etc/apt/sources.list.d/*.sources,
# "URIs:" of a stanza whose "Suites:" lists the suite) first, then one-line "deb URL SUITE ..."
# entries. Falls back to deb.debian.org.
find_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -f $f ]] || continue
		awk -v suite="$SUITE" '
			BEGIN { RS = ""; FS = "\n" }
			{
				uris = ""; ok = 0; deb = 0
				for (i = 1; i <= NF; i++) {
					line = $i
					if (line ~ /^#/) continue
					if (line ~ /^Types:/ && line ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
					if (line ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", line); split(line, u, /[ \t]+/); uris = u[1] }
					if (line ~ /^Suites:/) {
						sub(/^Suites:[ \t]*/, "", line); n = split(line, s, /[ \t]+/)
						for (j = 1; j <= n; j++) if (s[j] == suite) ok = 1
					}
				}
				if (deb && ok && uris != "") { print uris; exit }
			}' "$f"
	done | head -n1
}
find_mirror_list() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] || continue
		awk -v suite="$SUITE" '
			$1 == "deb" {
				i = 2
				if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
				if ($(i + 1) == suite) { print $i; exit }
			}' "$f"
	done | head -n1
}

MIRROR=${PYREQS_DEBIAN_MIRROR:-}
[[ -n $MIRROR ]] || MIRROR=$(find_mirror)
[[ -n $MIRROR ]] || MIRROR=$(find_mirror_list)
[[ -n $MIRROR ]] || MIRROR=http://deb.debian.org/debian
echo "docker-image: mirror $MIRROR" >&2

SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo)
command -v debootstrap >/dev/null 2>&1 || {
	echo "docker-image: debootstrap is not installed (apt-get install debootstrap)" >&2
	exit 1
}

# The root file system is built outside the repository and removed afterwards: nothing
# root-owned is left in the working tree.
WORK=$(mktemp -d "${TMPDIR:-/var/tmp}/pyreqs-rootfs.XXXXXX")
cleanup() { "${SUDO[@]}" rm -rf "$WORK"; }
trap cleanup EXIT
ROOTFS="$WORK/rootfs"

echo "docker-image: debootstrap $SUITE into $ROOTFS" >&2
"${SUDO[@]}" debootstrap --variant=minbase --include=python3,python3-pip,binutils \
	"$SUITE" "$ROOTFS" "$MIRROR" >&2

# Like the Lambda build images: pip may install anywhere (no PEP 668 marker), no apt caches or docs.
"${SUDO[@]}" rm -f "$ROOTFS"/usr/lib/python3*/EXTERNALLY-MANAGED
"${SUDO[@]}" rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
	"$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/locale/*
"${SUDO[@]}" test -x "$ROOTFS/usr/bin/python3.11" || {
	echo "docker-image: $ROOTFS/usr/bin/python3.11 is missing" >&2
	exit 1
}

echo "docker-image: importing as $IMAGE" >&2
"${SUDO[@]}" tar --numeric-owner -C "$ROOTFS" -c . | docker import \
	--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	--change 'ENV LANG=C.UTF-8' \
	--change 'WORKDIR /var/task' \
	--change 'CMD ["/bin/bash"]' \
	- "$IMAGE" >&2

docker run --rm "$IMAGE" python3.11 -m pip --version >&2
echo "built ($IMAGE, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'), mirror $MIRROR)"

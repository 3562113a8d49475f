package target

import (
	"fmt"
	"strconv"
	"strings"
)

// Host describes the machine that installs: Go's GOOS and GOARCH of the binary (runtime.GOOS,
// runtime.GOARCH, or a pretend host in tests), the version of the Python interpreter that would
// install ("3.11.7"; "" when there is none, e.g. only uv), and the host's glibc ("2.36"; "" when
// unknown or not glibc).
type Host struct {
	GOOS   string
	GOARCH string
	Python string
	Glibc  string
}

// Machine is the host's machine name as wheel tags spell it ("x86_64", "aarch64"), or GOARCH
// itself for other architectures.
func (h Host) Machine() string {
	switch h.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	}
	return h.GOARCH
}

// Match reports whether an install on the host gives files that load on the target, so that no
// cross install is needed; when it does not, reason says why, e.g. "the host is darwin/arm64"
// or "the host's Python is 3.11, the function's runtime is python3.12". The host matches when it
// is Linux on the target's machine with an interpreter of the target's Python version and, when
// its glibc is known, no newer glibc than the target's (pip on a newer glibc picks wheels such as
// manylinux_2_28 that fail on Amazon Linux 2 with "GLIBC_2.28 not found").
func Match(h Host, t Target) (ok bool, reason string) {
	if h.GOOS != "linux" || h.Machine() != t.Machine() {
		return false, fmt.Sprintf("the host is %s/%s, the function runs on linux/%s", h.GOOS, h.Machine(), t.Machine())
	}
	if h.Python == "" {
		return false, "the host has no Python interpreter to install with"
	}
	if mm := majorMinor(h.Python); mm != t.PythonVersion() {
		return false, fmt.Sprintf("the host's Python is %s, the function's runtime is %s", mm, t.Runtime())
	}
	if g, ok := glibcMinor(h.Glibc); ok && g > t.GlibcMinor() {
		return false, fmt.Sprintf("the host's glibc is %s, newer than the 2.%d of %s on %s", h.Glibc, t.GlibcMinor(), t.Runtime(), t.OS())
	}
	return true, ""
}

// majorMinor returns "3.11" for "3.11.7".
func majorMinor(v string) string {
	parts := strings.SplitN(strings.TrimSpace(v), ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// glibcMinor returns 36 for "2.36".
func glibcMinor(v string) (int, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(v), "2.")
	if !ok {
		return 0, false
	}
	rest, _, _ = strings.Cut(rest, ".")
	n, err := strconv.Atoi(rest)
	return n, err == nil
}

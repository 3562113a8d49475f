// Package target describes the Lambda environment a requirements set is installed for (the
// function's runtime and architecture) and turns it into what pip and uv need to install wheels
// for that environment from any host: the Python version, the ABI, the implementation and the
// manylinux platform tags Lambda's glibc accepts.
package target

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// Lambda's architectures as serverless.yml spells them.
const (
	ArchX86 = "x86_64"
	ArchARM = "arm64"
)

// Glibc minor versions of Lambda's base images: Amazon Linux 2 (python3.9 to python3.11) has glibc
// 2.26, Amazon Linux 2023 (python3.12 and newer) has glibc 2.34.
const (
	GlibcAL2     = 26
	GlibcAL2023  = 34
	firstAL2023  = 12 // first Python 3 minor version on Amazon Linux 2023
	minMinor     = 9  // python3.9
	maxMinor     = 13 // python3.13
	implementCP  = "cp"
	manylinuxPfx = "manylinux_2_"
	codeConfig   = diag.CodeConfigInvalid
)

// Target is the Lambda environment of a function: runtime python3.9 … python3.13 and architecture
// x86_64 or arm64. Build one with New; the zero value is not valid.
type Target struct {
	minor int    // 12 for python3.12
	arch  string // ArchX86 or ArchARM
}

// New validates runtime ("python3.12") and arch ("x86_64", "arm64"; "" means x86_64, Lambda's
// default). An unsupported value is a *diag.Error naming provider.runtime or
// provider.architecture (the function-level keys override them).
func New(runtime, arch string) (Target, error) {
	rest, ok := strings.CutPrefix(runtime, "python3.")
	minor, err := strconv.Atoi(rest)
	if !ok || err != nil || strconv.Itoa(minor) != rest || minor < minMinor || minor > maxMinor {
		return Target{}, diag.AtKey(codeConfig, "provider.runtime", "%q is not a Python runtime of AWS Lambda that can be installed for", runtime).
			WithFix("Set provider.runtime (or the function's runtime) to one of python3.%d … python3.%d.", minMinor, maxMinor)
	}
	switch arch {
	case "", ArchX86:
		arch = ArchX86
	case ArchARM:
	default:
		return Target{}, diag.AtKey(codeConfig, "provider.architecture", "%q is not a Lambda architecture", arch).
			WithFix("Set provider.architecture (or the function's architecture) to x86_64 or arm64.")
	}
	return Target{minor: minor, arch: arch}, nil
}

// MustNew is New for values known to be valid (tests, tables); it panics on an error.
func MustNew(runtime, arch string) Target {
	t, err := New(runtime, arch)
	if err != nil {
		panic(err)
	}
	return t
}

// Runtime is the Lambda runtime name, e.g. "python3.12".
func (t Target) Runtime() string { return "python3." + strconv.Itoa(t.minor) }

// Arch is the Lambda architecture: "x86_64" or "arm64".
func (t Target) Arch() string { return t.arch }

// PythonVersion is "3.12" for python3.12.
func (t Target) PythonVersion() string { return "3." + strconv.Itoa(t.minor) }

// Minor is 12 for python3.12.
func (t Target) Minor() int { return t.minor }

// Implementation is the wheel tag's implementation: always "cp" (Lambda runs CPython).
func (t Target) Implementation() string { return implementCP }

// ABI is the CPython ABI tag, e.g. "cp312". pip and uv also accept abi3 and none wheels with it.
func (t Target) ABI() string { return "cp3" + strconv.Itoa(t.minor) }

// Machine is the machine name of the wheel platform tags and of the ELF files: "x86_64" or
// "aarch64".
func (t Target) Machine() string {
	if t.arch == ArchARM {
		return "aarch64"
	}
	return "x86_64"
}

// GlibcMinor is the glibc 2.X of the runtime's base image: 26 (Amazon Linux 2) up to python3.11,
// 34 (Amazon Linux 2023) from python3.12.
func (t Target) GlibcMinor() int {
	if t.minor >= firstAL2023 {
		return GlibcAL2023
	}
	return GlibcAL2
}

// OS is the runtime's base image: "Amazon Linux 2" or "Amazon Linux 2023".
func (t Target) OS() string {
	if t.minor >= firstAL2023 {
		return "Amazon Linux 2023"
	}
	return "Amazon Linux 2"
}

// Platforms returns every wheel platform tag that loads on the target, most preferred first (the
// order pip ranks them in): manylinux_2_X_<machine> for X from the runtime's glibc down to the
// oldest glibc of the machine (2.5 for x86_64, 2.17 for aarch64), each legacy alias (manylinux2014
// = 2.17, manylinux2010 = 2.12, manylinux1 = 2.5) right after its manylinux_2_X. pip matches
// platform tags as plain strings and expands only manylinux2014/2010 to the older aliases, so
// every tag is listed; musllinux and plain linux_* tags are left out (Lambda is glibc-based and
// linux_* wheels promise nothing about the glibc they need).
func (t Target) Platforms() []string {
	m := t.Machine()
	lowest := 17 // manylinux2014 is the first level defined for aarch64
	if m == "x86_64" {
		lowest = 5
	}
	var tags []string
	for x := t.GlibcMinor(); x >= lowest; x-- {
		tags = append(tags, fmt.Sprintf("%s%d_%s", manylinuxPfx, x, m))
		switch x {
		case 17:
			tags = append(tags, "manylinux2014_"+m)
		case 12:
			tags = append(tags, "manylinux2010_"+m)
		case 5:
			tags = append(tags, "manylinux1_"+m)
		}
	}
	return tags
}

// Compatible reports whether a wheel's platform tag (one part of a possibly compressed tag set,
// e.g. "manylinux_2_17_x86_64" or "any") loads on the target.
func (t Target) Compatible(platformTag string) bool {
	if platformTag == "any" {
		return true
	}
	for _, p := range t.Platforms() {
		if p == platformTag {
			return true
		}
	}
	return false
}

// Key is the target's part of a cache key and of the key header: implementation, ABI and the
// highest platform tag, e.g. "cp312-cp312-manylinux_2_34_aarch64".
func (t Target) Key() string {
	return t.ABI() + "-" + t.ABI() + "-" + t.Platforms()[0]
}

// String is e.g. "python3.12 arm64 (Amazon Linux 2023, glibc 2.34)".
func (t Target) String() string {
	return fmt.Sprintf("%s %s (%s, glibc 2.%d)", t.Runtime(), t.arch, t.OS(), t.GlibcMinor())
}

// PipArgs returns the arguments after `python -m pip install` that make pip install wheels for
// the target into dir: one --platform per tag of Platforms, --implementation cp, --python-version,
// --abi, --only-binary=:all: (pip refuses platform options without it) and --target dir. The
// caller adds -r FILE, the index options and the cache options. Any Python 3 with pip runs it; no
// interpreter of the target's version is needed.
func (t Target) PipArgs(dir string) []string {
	var args []string
	for _, p := range t.Platforms() {
		args = append(args, "--platform", p)
	}
	return append(args,
		"--implementation", implementCP,
		"--python-version", t.PythonVersion(),
		"--abi", t.ABI(),
		"--only-binary=:all:",
		"--target", dir,
	)
}

// UvPlatform is uv's --python-platform for the target: "<machine>-manylinux_2_34" for Amazon Linux
// 2023 and "<machine>-manylinux_2_17" for Amazon Linux 2. uv 0.13 offers no level between 2.17
// and 2.28, so on Amazon Linux 2 uv also accepts the manylinux2010/1 wheels but not the rare
// manylinux_2_24/2_26 ones (pip with PipArgs does).
func (t Target) UvPlatform() string {
	level := 17
	if t.GlibcMinor() >= GlibcAL2023 {
		level = GlibcAL2023
	}
	return fmt.Sprintf("%s-%s%d", t.Machine(), manylinuxPfx, level)
}

// UvArgs returns the arguments after `uv pip install` that make uv install for the target into
// dir: --python-platform, --python-version, --only-binary :all: and --target dir. uv needs no
// interpreter of that version (give it any with --python, or none: it then uses its own). The
// caller adds -r FILE, the index options and the cache options.
func (t Target) UvArgs(dir string) []string {
	return []string{
		"--python-platform", t.UvPlatform(),
		"--python-version", t.PythonVersion(),
		"--only-binary", ":all:",
		"--target", dir,
	}
}

// KeyLine is the line of the static cache's key header for an install for the target with tool
// (ToolPip or ToolUv): everything that picks the wheels, so an arm64 and an x86_64 function, or a
// python3.11 and a python3.12 one, with the same requirements get two cache entries, e.g.
// "# target-install: pip python=3.12 impl=cp abi=cp312 platform=manylinux_2_34_aarch64 glibc=2.34\n".
func (t Target) KeyLine(tool string) string {
	platform := t.Platforms()[0]
	if tool == ToolUv {
		platform = t.UvPlatform()
	}
	return fmt.Sprintf("# target-install: %s python=%s impl=%s abi=%s platform=%s glibc=2.%d\n",
		tool, t.PythonVersion(), t.Implementation(), t.ABI(), platform, t.GlibcMinor())
}

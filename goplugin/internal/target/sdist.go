package target

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// CodeNoWheel is the code of the error for packages that have no wheel for the target and cannot
// be built into a pure-Python wheel on the host.
const CodeNoWheel = diag.CodeTargetNoWheel

// DockerWhenNeeded is the proposed dockerizePip value that installs for the target without
// Docker and falls back to Docker only when a package has no wheel for the target and is not
// pure Python.
const DockerWhenNeeded = "when-needed"

// Missing is a package for which a wheels-only resolution for the target found no wheel.
type Missing struct {
	Name        string // normalised project name, e.g. "pyreqs-compiled"
	Requirement string // what to build it from: "name==1.0.0", "name>=1.0", or the name alone
}

var (
	// pip: "ERROR: No matching distribution found for PyReqs_Compiled>=1.0"
	pipNoMatch = regexp.MustCompile(`(?m)^ERROR: No matching distribution found for (\S.*?)\s*$`)
	// uv: "hint: Wheels are required for `pyreqs-compiled` because building from source is disabled"
	uvWheelsRequired = regexp.MustCompile("Wheels are required for `([^`]+)`")
	// uv: "Because pyreqs-compiled==1.0.0 has no usable wheels" / "has no wheels with a matching …"
	uvNoWheels = regexp.MustCompile(`\b([A-Za-z0-9][A-Za-z0-9._-]*)(==\S+?)? has no (?:usable wheels|wheels with a matching)`)
	reqName    = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)`)
	nonCanon   = regexp.MustCompile(`[-_.]+`)
	// ansiEscape matches the colour codes pip (rich) writes when FORCE_COLOR is set, even to 0.
	ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`)
)

// Normalize is the PEP 503 normalisation of a project name ("PyReqs_Compiled" → "pyreqs-compiled").
func Normalize(name string) string { return strings.ToLower(nonCanon.ReplaceAllString(name, "-")) }

// MissingWheels reads the output of a failed `pip install --only-binary=:all:` or `uv pip install
// --only-binary :all:` for the target and returns the packages it found no wheel for, in order of
// appearance, each once. It returns nil when the failure has another cause (a typo in a name,
// a version that does not exist at all, a network error) that pip or uv reported otherwise.
func MissingWheels(output string) []Missing {
	output = ansiEscape.ReplaceAllString(output, "")
	var out []Missing
	seen := map[string]bool{}
	add := func(name, req string) {
		n := Normalize(name)
		if n == "" || seen[n] {
			return
		}
		seen[n] = true
		out = append(out, Missing{Name: n, Requirement: req})
	}
	for _, m := range pipNoMatch.FindAllStringSubmatch(output, -1) {
		req := strings.TrimSpace(m[1])
		if n := reqName.FindStringSubmatch(req); n != nil {
			add(n[1], req)
		}
	}
	versions := map[string]string{}
	for _, m := range uvNoWheels.FindAllStringSubmatch(output, -1) {
		if m[2] != "" {
			versions[Normalize(m[1])] = m[1] + m[2]
		}
	}
	for _, m := range uvWheelsRequired.FindAllStringSubmatch(output, -1) {
		req := m[1]
		if v, ok := versions[Normalize(m[1])]; ok {
			req = v
		}
		add(m[1], req)
	}
	if len(out) == 0 {
		// uv without the hint (older uv, or a package that has wheels for other platforms only).
		for _, m := range uvNoWheels.FindAllStringSubmatch(output, -1) {
			add(m[1], m[1]+m[2])
		}
	}
	return out
}

// IsPureWheel reports whether a wheel file name's tags say it is pure Python for every Python 3
// and platform: python tag py3 (or py2.py3), ABI none, platform any.
func IsPureWheel(filename string) bool {
	base := strings.TrimSuffix(filepath.Base(filename), ".whl")
	parts := strings.Split(base, "-")
	if len(parts) < 5 || base == filepath.Base(filename) {
		return false
	}
	py, abi, plat := parts[len(parts)-3], parts[len(parts)-2], parts[len(parts)-1]
	return (py == "py3" || py == "py2.py3") && abi == "none" && plat == "any"
}

// Compiled is a package that has no wheel for the target and no pure-Python build.
type Compiled struct {
	Name   string // normalised project name
	Reason string // e.g. "on this machine it comes as pyreqs_compiled-1.0.0-cp311-cp311-linux_x86_64.whl, which is not pure Python"
}

// BuildSpec is a host build of one package into a wheel.
type BuildSpec struct {
	Python      string   // an interpreter with pip (any Python 3 version)
	Requirement string   // e.g. "pyreqs-sdistonly==1.0.0"
	Dir         string   // the folder to write the wheel into (must exist)
	Args        []string // index and cache options for pip, e.g. --index-url URL
	Env         []string
	WorkDir     string
}

// BuildWheel builds one package on the host with `python -m pip wheel --no-deps` into s.Dir and
// returns the wheel's path and whether it is pure Python (IsPureWheel). A failed build is a
// *diag.Error with the output's tail.
func BuildWheel(ctx context.Context, r proc.Runner, s BuildSpec) (wheel string, pure bool, err error) {
	tmp, err := os.MkdirTemp(s.Dir, ".build-*")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(tmp)
	args := append([]string{"-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "--no-input",
		"--wheel-dir", tmp}, s.Args...)
	args = append(args, s.Requirement)
	res, err := r.Run(ctx, proc.Cmd{Name: s.Python, Args: args, Env: s.Env, Dir: s.WorkDir})
	if err != nil {
		if ctx.Err() != nil {
			return "", false, ctx.Err()
		}
		return "", false, diag.Errorf(CodeNoWheel, "building %s from source on this machine failed (exit code %d)", s.Requirement, res.ExitCode).
			WithOutput(proc.Tail(res.Output, 15)).Wrap(err)
	}
	wheels, err := filepath.Glob(filepath.Join(tmp, "*.whl"))
	if err != nil {
		return "", false, err
	}
	if len(wheels) != 1 {
		return "", false, fmt.Errorf("pip wheel %s wrote %d wheels, want 1", s.Requirement, len(wheels))
	}
	dst := filepath.Join(s.Dir, filepath.Base(wheels[0]))
	if err := os.Rename(wheels[0], dst); err != nil {
		return "", false, err
	}
	return dst, IsPureWheel(dst), nil
}

// NoWheelError is the error for packages that cannot be installed for t without Docker: it names
// each with its reason and offers the fixes.
func NoWheelError(pkgs []Compiled, t Target) error {
	if len(pkgs) == 0 {
		return nil
	}
	pkgs = slices.Clone(pkgs)
	slices.SortFunc(pkgs, func(a, b Compiled) int { return strings.Compare(a.Name, b.Name) })
	var names []string
	var b strings.Builder
	for _, p := range pkgs {
		names = append(names, p.Name)
		fmt.Fprintf(&b, "\n  %s: %s", p.Name, p.Reason)
	}
	return diag.Errorf(CodeNoWheel, "%s ha%s no wheel for %s and cannot be built for it on this machine:%s",
		strings.Join(names, ", "), map[bool]string{true: "s", false: "ve"}[len(pkgs) == 1], t, b.String()).
		WithFix("Pin a version of %s that publishes a wheel for %s (platform %s, ABI %s), "+
			"or set %s: true to install everything inside a Lambda-like container, "+
			"or dockerizePip: %s to use Docker only for the sets that need it.",
			strings.Join(names, ", "), t.Runtime()+" "+t.Arch(), t.Platforms()[0], t.ABI(), diag.ConfigPath("dockerizePip"), DockerWhenNeeded)
}

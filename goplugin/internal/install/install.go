// Package install runs pip (or uv) on the host to install a requirements file into a folder.
package install

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// Interpreter describes the Python that pip runs under.
type Interpreter struct {
	Bin        string // as configured (pythonBin)
	Version    string // e.g. 3.11.7
	Impl       string // e.g. cpython
	Machine    string // e.g. x86_64
	Platform   string // sys.platform, e.g. linux
	PipVersion string // "" when pip is not installed
}

// MajorMinor returns "3.11" for "3.11.7".
func (i *Interpreter) MajorMinor() string {
	parts := strings.SplitN(i.Version, ".", 3)
	if len(parts) < 2 {
		return i.Version
	}
	return parts[0] + "." + parts[1]
}

// probeScript prints one line: version impl machine platform pip-version. It avoids importing pip
// (slow) and reads pip's version from its metadata.
const probeScript = `import sys, platform
try:
    from importlib.metadata import version
    pv = version("pip")
except Exception:
    pv = "-"
print(platform.python_version(), sys.implementation.name, platform.machine() or "-", sys.platform, pv)`

// Probe runs the interpreter once to learn its version and whether pip is present. Every failure
// is a *diag.Error naming pythonBin.
func Probe(ctx context.Context, r proc.Runner, bin string, env []string) (*Interpreter, error) {
	res, err := r.Run(ctx, proc.Cmd{Name: bin, Args: []string{"-c", probeScript}, Env: env})
	if err != nil {
		var nf *proc.NotFoundError
		if errors.As(err, &nf) {
			return nil, &diag.Error{
				Code: "PYTHON_REQUIREMENTS_PYTHON_NOT_FOUND", Key: diag.ConfigPath("pythonBin"),
				Message: fmt.Sprintf("the Python interpreter %q was not found", bin),
				Hint: "Install that Python version, or set custom.pythonRequirements.pythonBin to an interpreter that exists " +
					"(for example python3 or /usr/bin/python3.12), or set dockerizePip: true to build inside a container.",
			}
		}
		var ee *proc.ExitError
		if errors.As(err, &ee) {
			return nil, &diag.Error{
				Code: "PYTHON_REQUIREMENTS_PYTHON_NOT_FOUND", Key: diag.ConfigPath("pythonBin"),
				Message: fmt.Sprintf("%q does not run as a Python 3 interpreter (exit code %d)", bin, ee.Result.ExitCode),
				Hint:    "Set custom.pythonRequirements.pythonBin to a Python 3 interpreter.",
				Output:  redact.String(proc.Tail(ee.Result.Output, 10)),
			}
		}
		return nil, err
	}
	f := strings.Fields(strings.TrimSpace(string(res.Stdout)))
	if len(f) != 5 {
		return nil, &diag.Error{
			Code: "PYTHON_REQUIREMENTS_PYTHON_NOT_FOUND", Key: diag.ConfigPath("pythonBin"),
			Message: fmt.Sprintf("%q did not answer like a Python 3 interpreter", bin),
			Hint:    "Set custom.pythonRequirements.pythonBin to a Python 3 interpreter.",
			Output:  redact.String(proc.Tail(res.Output, 10)),
		}
	}
	it := &Interpreter{Bin: bin, Version: f[0], Impl: f[1], Machine: f[2], Platform: f[3]}
	if f[4] != "-" {
		it.PipVersion = f[4]
	}
	return it, nil
}

// Spec is one install.
type Spec struct {
	Installer     string // "pip" or "uv"
	Python        *Interpreter
	Requirements  string   // the requirements file to install
	Target        string   // the folder to install into
	ExtraArgs     []string // pipCmdExtraArgs, already split into tokens
	DownloadCache string   // pip/uv --cache-dir; "" disables it
	// LocalPackages are the names of the set's local path requirements: uv rebuilds them
	// (--reinstall-package) instead of reusing its cached wheel of an older source. pip never
	// caches wheels built from a local folder.
	LocalPackages []string
	Env           []string
	Dir           string       // working directory
	OnLine        func(string) // live output (redacted by the caller)
	// TargetRuntime and TargetArch are the Lambda runtime (python3.12) and architecture (x86_64,
	// arm64) the packages are for. The uv installer uses them to pick wheels for Lambda when the
	// interpreter differs (see UvTarget); pip installs for the interpreter.
	TargetRuntime string
	TargetArch    string
}

// UvTarget returns uv's --python-version and --python-platform for installing packages for
// runtime and arch with the interpreter py: each is "" when the interpreter already matches
// (then uv installs exactly what pip would). The platform is the manylinux level of the Lambda
// runtime's glibc: 2.17 (manylinux2014) up to python3.11 on Amazon Linux 2, 2.34 from python3.12
// on Amazon Linux 2023.
func UvTarget(py *Interpreter, runtime, arch string) (version, platform string) {
	rv := strings.TrimPrefix(runtime, "python")
	if rv != runtime && rv != "" && rv != py.MajorMinor() {
		version = rv
	}
	machine := "x86_64"
	if arch == "arm64" || arch == "aarch64" {
		machine = "aarch64"
	}
	host := py.Machine
	if host == "arm64" {
		host = "aarch64"
	}
	if py.Platform != "linux" || host != machine {
		level := "manylinux2014"
		if minor, err := strconv.Atoi(strings.TrimPrefix(rv, "3.")); err == nil && strings.HasPrefix(rv, "3.") && minor >= 12 {
			level = "manylinux_2_34"
		}
		platform = machine + "-" + level
	}
	return version, platform
}

// Args returns the command for s.
func (s Spec) Args() (name string, args []string) {
	if s.Installer == "uv" {
		// uv never compiles bytecode unless asked to.
		args = []string{"pip", "install", "--python", s.Python.Bin, "--target", s.Target, "-r", s.Requirements}
		if s.TargetRuntime != "" {
			version, platform := UvTarget(s.Python, s.TargetRuntime, s.TargetArch)
			if version != "" {
				args = append(args, "--python-version", version)
			}
			if platform != "" {
				args = append(args, "--python-platform", platform)
			}
		}
		if s.DownloadCache != "" {
			args = append(args, "--cache-dir", s.DownloadCache)
		} else {
			args = append(args, "--no-cache")
		}
		for _, n := range s.LocalPackages {
			args = append(args, "--reinstall-package", n)
		}
		return "uv", append(args, s.ExtraArgs...)
	}
	args = []string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-compile",
		"--target", s.Target, "-r", s.Requirements}
	if s.DownloadCache != "" {
		args = append(args, "--cache-dir", s.DownloadCache)
	} else {
		args = append(args, "--no-cache-dir")
	}
	return s.Python.Bin, append(args, s.ExtraArgs...)
}

// UvEnv returns env for `uv pip install`: uv does not read pip's PIP_INDEX_URL and
// PIP_EXTRA_INDEX_URL, so, unless uv's own index variables are set, they are passed on as
// UV_INDEX_URL and UV_EXTRA_INDEX_URL (installer: uv then uses the index pip would).
func UvEnv(env []string) []string {
	get := func(k string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if kk, v, ok := strings.Cut(env[i], "="); ok && kk == k {
				return v, true
			}
		}
		return "", false
	}
	_, uvIndex := get("UV_INDEX_URL")
	_, uvDefault := get("UV_DEFAULT_INDEX")
	_, uvIndexes := get("UV_INDEX")
	_, uvExtra := get("UV_EXTRA_INDEX_URL")
	out := env
	if v, ok := get("PIP_INDEX_URL"); ok && v != "" && !uvIndex && !uvDefault {
		out = append(out[:len(out):len(out)], "UV_INDEX_URL="+v)
	}
	if v, ok := get("PIP_EXTRA_INDEX_URL"); ok && v != "" && !uvExtra && !uvIndexes {
		out = append(out[:len(out):len(out)], "UV_EXTRA_INDEX_URL="+v)
	}
	return out
}

// Run installs. A failure is a *diag.Error carrying the redacted tail of the installer's output.
func Run(ctx context.Context, r proc.Runner, s Spec) error {
	if s.Installer != "uv" && s.Python.PipVersion == "" {
		return &diag.Error{
			Code: "PYTHON_REQUIREMENTS_PIP_NOT_FOUND", Key: diag.ConfigPath("pythonBin"),
			Message: fmt.Sprintf("the interpreter %q (Python %s) has no pip", s.Python.Bin, s.Python.Version),
			Hint: fmt.Sprintf("Install pip for it (%s -m ensurepip --upgrade), set custom.pythonRequirements.pythonBin to an "+
				"interpreter with pip, or use installer: uv.", s.Python.Bin),
		}
	}
	name, args := s.Args()
	secrets := redact.EnvSecrets(s.Env)
	env := s.Env
	if s.Installer == "uv" {
		env = UvEnv(env)
	}
	res, err := r.Run(ctx, proc.Cmd{Name: name, Args: args, Env: env, Dir: s.Dir, OnLine: s.OnLine})
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var nf *proc.NotFoundError
	if errors.As(err, &nf) {
		if name == "uv" {
			return &diag.Error{Code: "PYTHON_REQUIREMENTS_UV_NOT_FOUND", Key: diag.ConfigPath("installer"),
				Message: "uv was not found on PATH",
				Hint:    "Install uv (pip install uv, or see https://docs.astral.sh/uv/), or remove installer: uv to use pip."}
		}
		return &diag.Error{Code: "PYTHON_REQUIREMENTS_PYTHON_NOT_FOUND", Key: diag.ConfigPath("pythonBin"),
			Message: fmt.Sprintf("the Python interpreter %q was not found", name),
			Hint:    "Set custom.pythonRequirements.pythonBin to an interpreter that exists."}
	}
	tool := "pip"
	if name == "uv" {
		tool = "uv pip"
	}
	return &diag.Error{
		Code:    "PYTHON_REQUIREMENTS_INSTALL_FAILED",
		Message: fmt.Sprintf("%s failed to install the requirements in %s (exit code %d)", tool, s.Requirements, res.ExitCode),
		Hint: "Check the package names and versions in your requirements file and the index settings " +
			"(pipCmdExtraArgs, PIP_INDEX_URL). Run with --verbose to see the installer's full output.",
		Output: redact.String(proc.Tail(res.Output, 25), secrets...),
	}
}

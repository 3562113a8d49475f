// Package install runs pip (or uv) on the host to install a requirements file into a folder.
package install

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// Interpreter describes the Python that pip runs under.
type Interpreter struct {
	Bin        string // as configured (pythonBin)
	Exe        string // its sys.executable ("" when the probe did not say)
	Shim       bool   // Bin is a version manager's shim (it lives in a folder named shims)
	Version    string // e.g. 3.11.7
	Impl       string // e.g. cpython
	Machine    string // e.g. x86_64
	Platform   string // sys.platform, e.g. linux
	PipVersion string // "" when pip is not installed
}

// Command is what runs the interpreter after the probe. When Bin is a version manager's shim
// (pyenv, asdf, mise keep theirs in a folder named shims: shell scripts or programs that take
// 0.1-0.2 s to pick the interpreter and only pick it), it is the interpreter the shim picked, its
// sys.executable, so the shim runs once per run instead of once per command. Any other pythonBin
// (a wrapper script that sets up an environment, say) is run as configured, every time.
func (i *Interpreter) Command() string {
	if i.Shim && i.Exe != "" {
		return i.Exe
	}
	return i.Bin
}

// isShim reports whether the command bin, found as the process runner finds it (exec.LookPath),
// lives in a folder named shims.
func isShim(bin string) bool {
	p, err := exec.LookPath(bin)
	return err == nil && filepath.Base(filepath.Dir(p)) == "shims"
}

// MajorMinor returns "3.11" for "3.11.7".
func (i *Interpreter) MajorMinor() string {
	parts := strings.SplitN(i.Version, ".", 3)
	if len(parts) < 2 {
		return i.Version
	}
	return parts[0] + "." + parts[1]
}

// probeScript prints two lines: version impl machine platform pip-version, then sys.executable.
// It avoids importing pip (slow) and reads pip's version from its metadata.
const probeScript = `import sys, platform
try:
    from importlib.metadata import version
    pv = version("pip")
except Exception:
    pv = "-"
print(platform.python_version(), sys.implementation.name, platform.machine() or "-", sys.platform, pv)
print(sys.executable)`

// Probe runs the interpreter once to learn its version and whether pip is present. Every failure
// is a *diag.Error naming pythonBin.
func Probe(ctx context.Context, r proc.Runner, bin string, env []string) (*Interpreter, error) {
	res, err := r.Run(ctx, proc.Cmd{Name: bin, Args: []string{"-c", probeScript}, Env: env})
	if err != nil {
		var nf *proc.NotFoundError
		if errors.As(err, &nf) {
			return nil, diag.AtKey(diag.CodePythonNotFound, "pythonBin", "the Python interpreter %q was not found", bin).
				WithFix("Install that Python version, or set %s to an interpreter that exists "+
					"(for example python3 or /usr/bin/python3.12), or set dockerizePip: true to build inside a container.", diag.ConfigPath("pythonBin"))
		}
		var ee *proc.ExitError
		if errors.As(err, &ee) {
			return nil, diag.AtKey(diag.CodePythonNotFound, "pythonBin", "%q does not run as a Python 3 interpreter (exit code %d)", bin, ee.Result.ExitCode).
				WithFix("Set %s to a Python 3 interpreter.", diag.ConfigPath("pythonBin")).
				WithOutput(proc.Tail(ee.Result.Output, 10))
		}
		return nil, err
	}
	first, exe, _ := strings.Cut(strings.TrimSpace(string(res.Stdout)), "\n")
	f := strings.Fields(first)
	if len(f) != 5 {
		return nil, diag.AtKey(diag.CodePythonNotFound, "pythonBin", "%q did not answer like a Python 3 interpreter", bin).
			WithFix("Set %s to a Python 3 interpreter.", diag.ConfigPath("pythonBin")).
			WithOutput(proc.Tail(res.Output, 10))
	}
	it := &Interpreter{Bin: bin, Exe: strings.TrimSpace(exe), Shim: isShim(bin), Version: f[0], Impl: f[1], Machine: f[2], Platform: f[3]}
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
}

// Args returns the command for s.
func (s Spec) Args() (name string, args []string) {
	if s.Installer == "uv" {
		// uv never compiles bytecode unless asked to.
		args = []string{"pip", "install", "--python", s.Python.Command(), "--target", s.Target, "-r", s.Requirements}
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
	return s.Python.Command(), append(args, s.ExtraArgs...)
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

// Run installs. A failure is a *diag.Error carrying the tail of the installer's output (the
// emitter redacts it).
func Run(ctx context.Context, r proc.Runner, s Spec) error {
	if s.Installer != "uv" && s.Python.PipVersion == "" {
		return diag.AtKey(diag.CodePipNotFound, "pythonBin", "the interpreter %q (Python %s) has no pip", s.Python.Bin, s.Python.Version).
			WithFix("Install pip for it (%s -m ensurepip --upgrade), set %s to an interpreter with pip, or use installer: uv.",
				s.Python.Bin, diag.ConfigPath("pythonBin"))
	}
	name, args := s.Args()
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
			return diag.AtKey(diag.CodeUvNotFound, "installer", "uv was not found on PATH").
				WithFix("Install uv (pip install uv, or see https://docs.astral.sh/uv/), or remove installer: uv to use pip.")
		}
		return diag.AtKey(diag.CodePythonNotFound, "pythonBin", "the Python interpreter %q was not found", name).
			WithFix("Set %s to an interpreter that exists.", diag.ConfigPath("pythonBin"))
	}
	tool := "pip"
	if name == "uv" {
		tool = "uv pip"
	}
	return diag.Errorf(diag.CodeInstallFailed, "%s failed to install the requirements in %s (exit code %d)", tool, s.Requirements, res.ExitCode).
		WithFix("Check the package names and versions in your requirements file and the index settings " +
			"(pipCmdExtraArgs, PIP_INDEX_URL). Run with --verbose to see the installer's full output.").
		WithOutput(proc.Tail(res.Output, 25))
}

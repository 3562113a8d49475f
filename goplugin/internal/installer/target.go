package installer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/target"
)

// targeted installs each set for its Lambda target (runtime and architecture) when the host
// does not match it (another OS, another machine, a host interpreter of another Python version):
// pip with --platform/--abi/--python-version or uv with --python-platform, wheels only, a
// pure-Python sdist built on the host (target.Install). Sets the host matches are delegated to
// the host installer, so the pipeline never asks which one installs a set. The host's glibc is
// not part of the host description: a newer glibc on a matching host keeps the plain install
// (Debian's 2.36 host then picks the same manylinux wheels as the target install).
//
// With dockerizePip: when-needed, a set whose target install fails for lack of a wheel
// (target.CodeNoWheel) is installed by the docker installer instead.
type targeted struct {
	env    Env
	host   *host                // the delegate for matching sets; its interpreter may be nil (uv alone)
	docker Installer            // dockerizePip: when-needed only
	plans  map[string]*plan     // by planKey
	py     *install.Interpreter // the probed interpreter; nil when none was found (uv only)
}

// plan is the decision for one runtime and architecture.
type plan struct {
	target *target.Target // nil: the host matches (or the runtime cannot be targeted): host install
	reason string         // why the host does not match
}

func newTargeted(e Env) Installer { return &targeted{env: e, plans: map[string]*plan{}} }

// Name is "target".
func (t *targeted) Name() string { return "target" }

// StripsInside is false: strip, when on, runs on the host after the install.
func (t *targeted) StripsInside() bool { return false }

func planKey(s Set) string { return s.Runtime + "/" + s.Arch }

// Prepare probes pythonBin (falling back to python3 and python when pythonBin is not set and the
// runtime's pythonX.Y is missing: any Python 3 with pip installs for the target), decides per
// runtime and architecture whether the host matches, and prepares the docker fallback.
func (t *targeted) Prepare(ctx context.Context, sets []Set) error {
	py, probeErr := t.probe(ctx)
	t.py = py
	t.host = &host{env: t.env, py: py}
	h := target.Host{GOOS: t.env.GOOS, GOARCH: t.env.GOARCH}
	if py != nil {
		h.Python = py.Version
		t.env.Events.Verbose(fmt.Sprintf("Using %s (Python %s, %s, pip %s)", py.Bin, py.Version, py.Machine, py.PipVersion))
	}
	var cross []Set
	for _, s := range sets {
		k := planKey(s)
		if p, ok := t.plans[k]; ok {
			if p.target != nil {
				cross = append(cross, s)
			}
			continue
		}
		tg, err := target.New(s.Runtime, s.Arch)
		if err != nil {
			// A runtime this version cannot target (python3.8): install on the host as before.
			t.plans[k] = &plan{}
			continue
		}
		ok, reason := target.Match(h, tg)
		if ok {
			t.plans[k] = &plan{}
			continue
		}
		t.plans[k] = &plan{target: &tg, reason: reason}
		cross = append(cross, s)
		t.env.Events.Info(fmt.Sprintf("Installing requirements for %s without Docker: %s.", tg, reason))
	}
	if probeErr != nil && (len(cross) < len(sets) || t.env.Options.Installer != config.InstallerUv) {
		return probeErr // the host install needs the interpreter, and so does pip
	}
	if len(cross) > 0 && t.env.Options.Installer != config.InstallerUv && py.PipVersion == "" {
		return pipMissing(py)
	}
	if t.env.Options.DockerizePip == config.DockerWhenNeeded && len(cross) > 0 {
		t.docker = newDocker(t.env)
		return t.docker.Prepare(ctx, cross)
	}
	return nil
}

// probe runs pythonBin; when pythonBin is the default and that interpreter is missing, it tries
// python3 and python. It returns the first error when none answers.
func (t *targeted) probe(ctx context.Context) (*install.Interpreter, error) {
	o := t.env.Options
	py, err := install.Probe(ctx, t.env.Runner, o.PythonBin, t.env.Environ)
	if err == nil || o.PythonBinSet {
		return py, err
	}
	for _, alt := range []string{"python3", "python"} {
		if alt == o.PythonBin {
			continue
		}
		if p, e := install.Probe(ctx, t.env.Runner, alt, t.env.Environ); e == nil {
			t.env.Events.Verbose(fmt.Sprintf("%s is not available (%v); using %s to install for the target", o.PythonBin, err, alt))
			return p, nil
		}
	}
	return nil, err
}

// KeyMaterial is the host installer's for a matching set; for a target install, the target line
// (tool, Python version, implementation, ABI, platform, glibc) and pip's version, plus the
// docker installer's lines with dockerizePip: when-needed (a set may fall back to it).
func (t *targeted) KeyMaterial(s Set) KeyMaterial {
	p := t.plans[planKey(s)]
	if p == nil || p.target == nil {
		return t.host.KeyMaterial(s)
	}
	km := KeyMaterial{Lines: p.target.KeyLine(t.tool()), PipVersion: "none"}
	if t.py != nil && t.py.PipVersion != "" {
		km.PipVersion = t.py.PipVersion
	}
	if t.docker != nil {
		km.Lines += "# when-needed " + strings.TrimPrefix(t.docker.KeyMaterial(s).Lines, "# ")
	}
	return km
}

func (t *targeted) tool() string {
	if t.env.Options.Installer == config.InstallerUv {
		return target.ToolUv
	}
	return target.ToolPip
}

// Install installs a matching set on the host, any other for its target.
func (t *targeted) Install(ctx context.Context, s Set, destDir string) error {
	p := t.plans[planKey(s)]
	if p == nil || p.target == nil {
		return t.host.Install(ctx, s, destDir)
	}
	o := t.env.Options
	secrets := redact.EnvSecrets(t.env.Environ)
	spec := target.Spec{
		Target: *p.target, Tool: t.tool(), Requirements: s.Requirements, Dir: destDir,
		Env: t.env.Environ, WorkDir: t.env.Workspace.Dir,
		OnLine: func(l string) { t.env.Events.Debug(redact.String(l, secrets...)) },
	}
	if t.py != nil {
		spec.Python = t.py.Command()
	}
	pipCache := []string{"--no-cache-dir"}
	if s.DownloadCache != "" {
		pipCache = []string{"--cache-dir", s.DownloadCache}
	}
	spec.BuildArgs = append(append([]string{}, pipCache...), o.PipCmdExtraArgs...)
	if spec.Tool == target.ToolUv {
		spec.Env = install.UvEnv(spec.Env)
		uvCache := []string{"--no-cache"}
		if s.DownloadCache != "" {
			uvCache = []string{"--cache-dir", s.DownloadCache}
		}
		spec.InstallArgs = append(uvCache, o.PipCmdExtraArgs...)
	} else {
		spec.InstallArgs = append(append([]string{}, pipCache...), o.PipCmdExtraArgs...)
	}
	t.env.Events.Verbose(fmt.Sprintf("Installing %s for %s with %s", t.env.Workspace.Rel(s.Requirements), p.target, spec.Tool))
	res, err := target.Install(ctx, t.env.Runner, spec)
	for _, w := range res.Built {
		t.env.Events.Info(fmt.Sprintf("Built %s on this machine (pure Python) and installed it for %s", w, p.target.Runtime()+" "+p.target.Arch()))
	}
	var de *diag.Error
	if t.docker != nil && errors.As(err, &de) && de.Code == target.CodeNoWheel {
		t.env.Events.Info(fmt.Sprintf("dockerizePip: when-needed: installing %s in Docker (%s)",
			t.env.Workspace.Rel(s.Requirements), firstLine(de.Message)))
		if err := emptyDir(destDir); err != nil {
			return err
		}
		return t.docker.Install(ctx, s, destDir)
	}
	return err
}

// pipMissing is the error for an interpreter without pip when pip installs for the target.
func pipMissing(py *install.Interpreter) error {
	return diag.AtKey(diag.CodePipNotFound, "pythonBin", "the interpreter %q (Python %s) has no pip", py.Bin, py.Version).
		WithFix("Install pip for it (%s -m ensurepip --upgrade), set %s to any Python 3 with pip "+
			"(installing for the function's runtime does not need that version), or use installer: uv.", py.Bin, diag.ConfigPath("pythonBin"))
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(first, ":")
}

// emptyDir removes everything inside dir (a failed install may leave files behind).
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

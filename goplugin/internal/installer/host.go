package installer

import (
	"context"
	"fmt"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
)

// host installs with pip or uv (installer option) on this machine, under pythonBin.
type host struct {
	env Env
	py  *install.Interpreter // set by Prepare
}

func newHost(e Env) Installer { return &host{env: e} }

func (h *host) Name() string { return "host" }

// StripsInside is false: strip, when on, runs on the host after the install.
func (h *host) StripsInside() bool { return false }

// Prepare probes the interpreter and warns when it is not the Python of a set's runtime (only
// for pip: uv picks wheels for the runtime itself with --python-version).
func (h *host) Prepare(ctx context.Context, sets []Set) error {
	o := h.env.Options
	py, err := install.Probe(ctx, h.env.Runner, o.PythonBin, h.env.Environ)
	if err != nil {
		return err
	}
	h.py = py
	h.env.Events.Verbose(fmt.Sprintf("Using %s (Python %s, %s, pip %s)", py.Bin, py.Version, py.Machine, py.PipVersion))
	for _, s := range sets {
		if rt := s.Runtime; o.Installer != config.InstallerUv && strings.HasPrefix(rt, "python") && strings.TrimPrefix(rt, "python") != py.MajorMinor() {
			h.env.Events.Warn(diag.WarnAtKey(diag.CodePythonVersionDiffers, "pythonBin",
				"The runtime is %s but %s is Python %s: compiled packages may not load on Lambda.", rt, py.Bin, py.Version).
				WithFix("Set %s to a Python %s interpreter, or use dockerizePip.", diag.ConfigPath("pythonBin"), strings.TrimPrefix(rt, "python")))
			break
		}
	}
	return nil
}

// KeyMaterial is the interpreter (implementation, version, platform, machine) and pip's version.
func (h *host) KeyMaterial(Set) KeyMaterial {
	py := h.py
	return KeyMaterial{
		Lines:      fmt.Sprintf("# python: %s %s %s %s\n", py.Impl, py.Version, py.Platform, py.Machine),
		PipVersion: py.PipVersion,
	}
}

// Install runs pip (or uv pip) install --target destDir.
func (h *host) Install(ctx context.Context, s Set, destDir string) error {
	o := h.env.Options
	spec := install.Spec{
		Installer: o.Installer, Python: h.py, Requirements: s.Requirements, Target: destDir,
		ExtraArgs: o.PipCmdExtraArgs, DownloadCache: s.DownloadCache, Env: h.env.Environ, Dir: h.env.Workspace.Dir,
		LocalPackages: s.LocalPackages,
		OnLine:        h.env.Events.Debug,
	}
	name, args := spec.Args()
	h.env.Events.Verbose("Running: " + name + " " + strings.Join(args, " "))
	return install.Run(ctx, h.env.Runner, spec)
}

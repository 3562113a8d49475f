package installer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/assembly"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// PackedInstaller is an Installer that can write a set's packed zip itself, without installing a
// tree and packing it afterwards (the build step checks for it). When InstallPacked reports
// ok=false the set is not one it supports: the caller installs it with Install and packs it as
// for any installer.
type PackedInstaller interface {
	Installer
	// InstallPacked writes the packed zip cache.PackedPath(dir), the dists file
	// <dir>/.pyreqs/dists.json and the same files as a tree in dir (an empty folder).
	InstallPacked(ctx context.Context, s Set, dir string, p PackSpec) (Packed, bool, error)
}

// PackSpec is what the pipeline asks of a packed install beyond the set.
type PackSpec struct {
	// Exclude leaves out the entries (by '/'-separated name) for which it returns true: slim's
	// patterns, the pipeline's own files.
	Exclude func(name string) bool
	// Transform, when set, changes or adds entries: the bytecode compiler.
	Transform assembly.Transformer
}

// Packed describes a packed zip written by a PackedInstaller.
type Packed struct {
	Entries        int
	Bytes, Written int64
}

// assembleApplies: pip installs without Docker, with `assemble` on (the default).
func assembleApplies(e Env) bool {
	o := e.Options
	return o.Assemble && o.Installer == config.InstallerPip && !o.Dockerized(e.GOOS)
}

// assembled is the target installer (targeted) whose host-matching sets are built straight from
// their resolved wheels (package assembly) instead of by `pip install --target` and packing:
// pip resolves (`install --dry-run --report`), sdists and local paths are built into wheels, the
// wheels are fetched in parallel into the download cache, and the packed zip is written from
// their compressed bytes. Sets for another target, and what assembly does not support, take the
// target installer's path, so the result never depends on which path was tried first.
type assembled struct {
	*targeted
}

func newAssembled(e Env) Installer { return &assembled{targeted: newTargeted(e).(*targeted)} }

// Name is "assemble".
func (a *assembled) Name() string { return "assemble" }

// KeyMaterial is the target installer's, plus a line for the sets that are assembled: their
// entries differ from pip's by its bookkeeping files, so the two never share a cache entry.
func (a *assembled) KeyMaterial(s Set) KeyMaterial {
	k := a.targeted.KeyMaterial(s)
	if a.unsupported(s) == "" {
		k.Lines += "# assembled: wheels\n"
	}
	return k
}

// Interpreter is the probed pythonBin (bytecode is compiled with it when its version is the
// set's).
func (a *assembled) Interpreter() (string, string) {
	if a.py == nil {
		return a.env.Options.PythonBin, ""
	}
	return a.py.Bin, a.py.Version
}

// unsupported says why s is installed by the target installer instead; "" when it is assembled.
func (a *assembled) unsupported(s Set) string {
	py := a.py
	if p := a.plans[planKey(s)]; p != nil && p.target != nil {
		return "the set is installed for another platform (" + p.reason + ")"
	}
	switch {
	case py == nil || py.PipVersion == "":
		return "no pip"
	case len(s.LocalPackages) > 0:
		return "local path requirements are installed by pip"
	case strings.HasPrefix(s.Runtime, "python") && strings.TrimPrefix(s.Runtime, "python") != py.MajorMinor():
		return fmt.Sprintf("the runtime is %s but %s is Python %s", s.Runtime, py.Bin, py.Version)
	case s.Arch != "" && !sameArch(s.Arch, py.Machine):
		return fmt.Sprintf("the architecture is %s but %s runs on %s", s.Arch, py.Bin, py.Machine)
	}
	return ""
}

// InstallPacked resolves with pip, fetches the wheels into the download cache and assembles the
// packed zip. It declines (ok=false, with a verbose note) what it does not support, and a set
// whose assembly fails: the target installer then installs it, and reports a failure with pip's
// own output and the catalog's error, as without assembling.
func (a *assembled) InstallPacked(ctx context.Context, s Set, dir string, p PackSpec) (Packed, bool, error) {
	o := a.env.Options
	ev := a.env.Events
	if why := a.unsupported(s); why != "" {
		ev.Verbose("Installing with pip instead of assembling from wheels: " + why)
		return Packed{}, false, nil
	}
	work, err := os.MkdirTemp("", "pyreqs-assemble-")
	if err != nil {
		return Packed{}, false, err
	}
	defer os.RemoveAll(work)
	wheelDir := filepath.Join(work, "wheels")
	if s.DownloadCache != "" {
		wheelDir = filepath.Join(s.DownloadCache, "wheels-sha256")
	}
	secrets := redact.EnvSecrets(a.env.Environ)
	shebang, err := a.shebang(ctx)
	if err != nil {
		return Packed{}, false, err
	}
	ev.Verbose("Assembling requirements from wheels (resolved by " + a.py.Bin + " -m pip install --dry-run --report)")
	res, _, tm, err := assembly.Run(ctx, a.env.Runner, assembly.Spec{
		Python: a.py.Command(), Requirements: s.Requirements, ExtraArgs: o.PipCmdExtraArgs,
		CacheDir: s.DownloadCache, WheelDir: wheelDir, WorkDir: filepath.Join(work, "work"),
		Env: a.env.Environ, Dir: a.env.Workspace.Dir,
		OnLine: func(l string) { ev.Debug(redact.String(l, secrets...)) },
		Dst:    cache.PackedPath(dir),
		Options: assembly.Options{
			Shebang:    shebang,
			Exclude:    p.Exclude,
			Transform:  p.Transform,
			DistsFile:  filepath.Join(dir, cache.MetaDir, "dists.json"),
			ExtractDir: dir,
		},
	})
	if err != nil && ctx.Err() == nil {
		why := "assembling failed: " + err.Error()
		var ue *assembly.UnsupportedError
		if errors.As(err, &ue) {
			why = ue.Error()
		}
		ev.Verbose("Installing with pip instead of assembling from wheels: " + redact.String(why, secrets...))
		if err := emptyDir(dir); err != nil {
			return Packed{}, false, err
		}
		return Packed{}, false, nil
	}
	if err != nil {
		return Packed{}, false, err
	}
	ev.Verbose(fmt.Sprintf("Assembled %d entries from wheels (%d copied compressed, %d transformed): resolve %.1fs, build %.1fs, fetch %.1fs, assemble %.1fs (transform %.1fs, zip %.1fs, tree %.1fs)",
		res.Stats.Entries, res.Raw, res.Transformed, tm.Resolve.Seconds(), tm.Build.Seconds(), tm.Fetch.Seconds(), tm.Assemble.Seconds(),
		res.TransformTime.Seconds(), res.ZipTime.Seconds(), res.ExtractTime.Seconds()))
	return Packed{Entries: res.Stats.Entries, Bytes: res.Stats.Bytes, Written: res.Stats.Written}, true, nil
}

// shebang is the first line pip writes into scripts: "#!" and the interpreter's sys.executable
// (pip writes a /bin/sh trampoline instead for a path with spaces or longer than 127 bytes; then
// the plain pythonBin is used, a documented difference).
func (a *assembled) shebang(ctx context.Context) (string, error) {
	exe := a.py.Exe // the probe's
	if exe == "" {
		res, err := a.env.Runner.Run(ctx, proc.Cmd{Name: a.py.Bin, Args: []string{"-c", "import sys; print(sys.executable)"},
			Env: a.env.Environ, Dir: a.env.Workspace.Dir})
		if err != nil {
			return "", fmt.Errorf("%s: %w", a.py.Bin, err)
		}
		exe = strings.TrimSpace(string(res.Stdout))
	}
	if exe == "" || strings.ContainsAny(exe, " \t") || len(exe)+2 > 127 {
		exe = a.py.Bin
	}
	return "#!" + exe, nil
}

// sameArch reports whether a Lambda architecture (x86_64, arm64) is the machine's.
func sameArch(arch, machine string) bool {
	norm := func(s string) string {
		switch strings.ToLower(s) {
		case "arm64", "aarch64":
			return "arm64"
		case "x86_64", "amd64":
			return "x86_64"
		}
		return strings.ToLower(s)
	}
	return norm(arch) == norm(machine)
}

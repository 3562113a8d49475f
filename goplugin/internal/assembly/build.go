package assembly

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/redact"
)

// BuildSpec says how to build the distributions of a plan that are not wheels.
type BuildSpec struct {
	Python    string   // the interpreter that runs pip
	OutDir    string   // an empty folder for the built wheels (one subfolder per distribution)
	ExtraArgs []string // index options and pipCmdExtraArgs (never target-platform options)
	CacheDir  string   // pip's --cache-dir (its wheel cache reuses earlier builds); "" disables it
	Env       []string
	Dir       string
	OnLine    func(string)
}

// Requirement is the pip requirement that designates d itself: "name @ url", with the commit
// of a VCS checkout and the subdirectory of a project in a subfolder.
func (d Dist) Requirement() string {
	u := d.URL
	if d.Kind == KindVCS {
		u = d.VCS + "+" + u
		if d.VCSCommit != "" {
			u += "@" + d.VCSCommit
		}
	}
	if d.Subdirectory != "" {
		u += "#subdirectory=" + d.Subdirectory
	}
	return d.Name + " @ " + u
}

// Build builds d (an sdist, a VCS checkout or a local project) into a wheel with `pip wheel
// --no-deps`, in the build isolation pip provides (build dependencies come from the same
// indexes), as `pip install` does before installing it. It returns the wheel's path. An editable
// requirement, or a build that fails, gives an *UnsupportedError: pip install then runs the
// classic way and reports its own error if the build fails there too.
func Build(ctx context.Context, r proc.Runner, s BuildSpec, d Dist) (string, error) {
	if d.Kind == KindWheel {
		return "", fmt.Errorf("build %s: it is already a wheel", d.Name)
	}
	if d.Kind == KindEditable {
		return "", unsupported(d.Name, "editable requirements are installed by pip")
	}
	out := filepath.Join(s.OutDir, d.Name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", err
	}
	args := []string{"-m", "pip", "wheel", "--disable-pip-version-check", "--no-input", "--quiet",
		"--no-deps", "--wheel-dir", out}
	if s.CacheDir != "" {
		args = append(args, "--cache-dir", s.CacheDir)
	} else {
		args = append(args, "--no-cache-dir")
	}
	args = append(append(args, s.ExtraArgs...), d.Requirement())
	res, err := r.Run(ctx, proc.Cmd{Name: s.Python, Args: args, Env: s.Env, Dir: s.Dir, OnLine: s.OnLine})
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var ee *proc.ExitError
		if errors.As(err, &ee) {
			return "", unsupported(d.Name, "pip wheel could not build it (exit code %d):\n%s", ee.Result.ExitCode,
				redact.String(proc.Tail(res.Output, 15), redact.EnvSecrets(s.Env)...))
		}
		return "", err
	}
	des, err := os.ReadDir(out)
	if err != nil {
		return "", err
	}
	var whl []string
	for _, de := range des {
		if strings.HasSuffix(de.Name(), ".whl") {
			whl = append(whl, filepath.Join(out, de.Name()))
		}
	}
	if len(whl) != 1 {
		return "", fmt.Errorf("pip wheel built %d wheels for %s, expected 1", len(whl), d.Name)
	}
	return whl[0], nil
}

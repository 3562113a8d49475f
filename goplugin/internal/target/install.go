package target

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// Tools of an install for the target.
const (
	ToolPip = "pip"
	ToolUv  = "uv"
)

// Spec is one install of a requirements file for a Target.
type Spec struct {
	Target Target
	Tool   string // ToolPip or ToolUv
	// Python is any Python 3 interpreter: it runs pip (ToolPip), is uv's --python (ToolUv; "" lets
	// uv choose), and builds source-only packages with `python -m pip wheel` (then it needs pip).
	Python       string
	Uv           string // the uv program (ToolUv); "" means "uv"
	Requirements string // the requirements file
	Dir          string // the folder to install into
	// InstallArgs go to `pip install` or `uv pip install` (index, cache and extra options in the
	// tool's own syntax); BuildArgs go to `pip wheel` when a source-only package is built.
	InstallArgs []string
	BuildArgs   []string
	Env         []string
	WorkDir     string
	OnLine      func(string)
}

// Result says what an install did besides the plain install.
type Result struct {
	// Built lists the wheels built on the host from pure-Python sources and installed for the
	// target (file names, e.g. pyreqs_sdistonly-1.0.0-py3-none-any.whl).
	Built []string
	// Runs is the number of pip/uv install runs (1 when every package had a wheel).
	Runs int
}

// maxRuns bounds the retry loop: each run either succeeds or names a new package.
const maxRuns = 100

// Install installs s.Requirements into s.Dir for s.Target, wheels only. When the resolution fails
// because a package has no wheel for the target, the package is built on the host with `pip
// wheel --no-deps`; a pure-Python wheel (py3-none-any) is offered to the next run through
// --find-links, anything else is collected. The compiled packages found are reported together in
// one *diag.Error naming each (NoWheelError); to find more than the first, a compiled package
// that is a line of the requirements file is left out of the following runs. Any other failure
// is a *diag.Error with the tail of the tool's output.
func Install(ctx context.Context, r proc.Runner, s Spec) (Result, error) {
	var res Result
	links, err := os.MkdirTemp("", "pyreqs-target-wheels-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(links)
	reqs := s.Requirements
	defer func() {
		if reqs != s.Requirements {
			os.Remove(reqs)
		}
	}()
	built := map[string]bool{}
	var compiled []Compiled
	isCompiled := map[string]bool{}
	for res.Runs < maxRuns {
		res.Runs++
		name, args := s.command(reqs, links, len(built) > 0)
		out, err := r.Run(ctx, proc.Cmd{Name: name, Args: args, Env: s.Env, Dir: s.WorkDir, OnLine: s.OnLine})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
		var nf *proc.NotFoundError
		if errors.As(err, &nf) {
			return res, s.notFound(name)
		}
		missing := MissingWheels(string(out.Output))
		if len(missing) == 0 {
			return res, s.failed(out)
		}
		progress := false
		for _, m := range missing {
			if built[m.Name] || isCompiled[m.Name] {
				continue // handled already and still missing: not something a build fixes
			}
			wheel, pure, err := BuildWheel(ctx, r, BuildSpec{Python: s.buildPython(), Requirement: m.Requirement, Dir: links,
				Args: s.BuildArgs, Env: s.Env, WorkDir: s.WorkDir})
			var de *diag.Error
			switch {
			case errors.As(err, &de) && slices.ContainsFunc(MissingWheels(de.Output), func(x Missing) bool { return x.Name == m.Name }):
				// Not on the index for any platform either (a typo, a version that does not
				// exist): the installer's own error says so, with the build's.
				fe := s.failed(out)
				fe.Output += "\n--- building " + m.Requirement + " on this machine ---\n" + de.Output
				return res, fe
			case errors.As(err, &de):
				compiled = append(compiled, Compiled{Name: m.Name, Reason: "its source could not be built on this machine: " +
					lastLine(de.Output)})
			case err != nil:
				return res, err
			case pure:
				built[m.Name] = true
				res.Built = append(res.Built, filepath.Base(wheel))
				progress = true
				continue
			default:
				os.Remove(wheel)
				compiled = append(compiled, Compiled{Name: m.Name, Reason: fmt.Sprintf("on this machine it comes as %s, which is not pure Python",
					filepath.Base(wheel))})
			}
			isCompiled[m.Name] = true
			next, dropped, err := withoutRequirement(reqs, m.Name)
			if err != nil {
				return res, err
			}
			if dropped {
				if reqs != s.Requirements {
					os.Remove(reqs)
				}
				reqs = next
				progress = true
			}
		}
		if !progress {
			if len(compiled) > 0 {
				return res, NoWheelError(compiled, s.Target)
			}
			return res, s.failed(out)
		}
	}
	if len(compiled) > 0 {
		return res, NoWheelError(compiled, s.Target)
	}
	return res, nil
}

// command is the install command for a run.
func (s Spec) command(reqs, links string, withLinks bool) (string, []string) {
	var args []string
	name := s.Python
	if s.Tool == ToolUv {
		name = s.Uv
		if name == "" {
			name = "uv"
		}
		args = []string{"pip", "install"}
		if s.Python != "" {
			args = append(args, "--python", s.Python)
		}
		args = append(args, s.Target.UvArgs(s.Dir)...)
	} else {
		args = append([]string{"-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-compile"},
			s.Target.PipArgs(s.Dir)...)
	}
	args = append(args, "-r", reqs)
	if withLinks {
		args = append(args, "--find-links", links)
	}
	return name, append(args, s.InstallArgs...)
}

func (s Spec) buildPython() string {
	if s.Python == "" {
		return "python3"
	}
	return s.Python
}

func (s Spec) toolName() string {
	if s.Tool == ToolUv {
		return "uv pip"
	}
	return "pip"
}

func (s Spec) failed(out proc.Result) *diag.Error {
	return diag.Errorf(diag.CodeInstallFailed, "%s failed to install the requirements in %s for %s (exit code %d)",
		s.toolName(), s.Requirements, s.Target, out.ExitCode).
		WithFix("Check the package names and versions in your requirements file and the index settings " +
			"(pipCmdExtraArgs, PIP_INDEX_URL). Run with --verbose to see the installer's full output.").
		WithOutput(proc.Tail(out.Output, 25))
}

func (s Spec) notFound(name string) error {
	if s.Tool == ToolUv {
		return diag.AtKey(diag.CodeUvNotFound, "installer", "uv (%s) was not found", name).
			WithFix("Install uv (pip install uv, or see https://docs.astral.sh/uv/), or remove installer: uv to use pip.")
	}
	return diag.AtKey(diag.CodePythonNotFound, "pythonBin", "the Python interpreter %q was not found", name).
		WithFix("Set %s to any Python 3 with pip: installing for the function's runtime "+
			"does not need that Python version on this machine.", diag.ConfigPath("pythonBin"))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// withoutRequirement writes a copy of the requirements file without the lines (logical lines,
// backslash continuations joined) that require the project name, next to the original so
// relative -r/-c includes still resolve. dropped is false, and no file is written, when no line
// names it (then it is a dependency of another package).
func withoutRequirement(file, name string) (next string, dropped bool, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", false, err
	}
	var kept []string
	var logical strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	flush := func() {
		line := logical.String()
		logical.Reset()
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "-") {
			if m := reqName.FindStringSubmatch(t); m != nil && Normalize(m[1]) == name {
				dropped = true
				return
			}
		}
		kept = append(kept, line)
	}
	for sc.Scan() {
		line := sc.Text()
		logical.WriteString(line)
		if strings.HasSuffix(line, `\`) {
			logical.WriteString("\n")
			continue
		}
		flush()
	}
	if err := sc.Err(); err != nil {
		return "", false, err
	}
	if logical.Len() > 0 {
		flush()
	}
	if !dropped {
		return "", false, nil
	}
	f, err := os.CreateTemp(filepath.Dir(file), ".pyreqs-target-*.txt")
	if err != nil {
		return "", false, err
	}
	if _, err := f.WriteString(strings.Join(kept, "\n") + "\n"); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", false, err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return "", false, err
	}
	return f.Name(), true, nil
}

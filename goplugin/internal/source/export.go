package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// Error codes (the original plugin's where it had one); see the catalog in package diag.
const (
	CodePipenvNotFound     = diag.CodePipenvNotFound
	CodePipenvVersion      = diag.CodePipenvVersion
	CodePoetryNotFound     = diag.CodePoetryNotFound
	CodeMissingPoetryLock  = diag.CodePoetryLockMissing
	CodePoetryNoExport     = diag.CodePoetryExportMissing
	CodeUvNotFound         = diag.CodeUvNotFound
	CodeExportFailed       = diag.CodeExportFailed
	tempPattern            = "pyreqs-export-"
	exportedName           = "requirements.txt"
	poetryPluginInstallCmd = "poetry self add poetry-plugin-export"
)

// Logger receives an export's messages (*protocol.Emitter is one). It redacts what it writes.
type Logger interface {
	Log(level, msg string)
	Warn(w *diag.Warning)
}

// Tools runs the exports.
type Tools struct {
	Runner  proc.Runner
	Environ []string
	Log     Logger
	// Rel shows a path in messages (for example relative to the service folder); nil shows it
	// as is.
	Rel func(string) string
}

// Result is the requirements text of a source.
type Result struct {
	// Data is the requirements-file text; nil for a Requirements source (read Path instead, so
	// that its includes and line numbers are its own).
	Data []byte
	// Path is the file the text belongs to: relative paths in it are relative to its folder.
	Path string
}

// Export turns s into requirements-file text. Errors are *diag.Error values naming the option
// that selects the source.
func (t *Tools) Export(ctx context.Context, s *Source, o *config.Options) (*Result, error) {
	switch s.Kind {
	case Requirements:
		return &Result{Path: s.File}, nil
	case PEP621:
		py, err := readPyproject(s.File)
		if err != nil {
			return nil, err
		}
		t.Log.Log("info", fmt.Sprintf("Reading [project].dependencies from %s", t.rel(s.File)))
		var b strings.Builder
		for _, d := range py.dependencies {
			b.WriteString(strings.TrimSpace(d))
			b.WriteByte('\n')
		}
		return &Result{Data: []byte(b.String()), Path: s.File}, nil
	}
	tmp, err := os.MkdirTemp("", tempPattern)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, exportedName)
	var data []byte
	switch s.Kind {
	case Pipenv:
		data, err = t.pipenv(ctx, s)
	case Poetry:
		data, err = t.poetry(ctx, s, o, out)
	case Uv:
		data, err = t.uv(ctx, s, o, out)
	default:
		return nil, fmt.Errorf("source: unknown kind %v", s.Kind)
	}
	if err != nil {
		return nil, err
	}
	// The text belongs to the tool's folder: uv and pipenv write local paths relative to it.
	return &Result{Data: data, Path: filepath.Join(s.Dir, filepath.Base(s.File))}, nil
}

func (t *Tools) rel(p string) string {
	if t.Rel != nil {
		return t.Rel(p)
	}
	return p
}

// folder names a folder in messages: "the service folder" for ".", else the path.
func (t *Tools) folder(dir string) string {
	if r := t.rel(dir); r != "." {
		return r
	}
	return "the service folder"
}

var pipenvVersionRE = regexp.MustCompile(`version\s+v?([0-9]+(?:\.[0-9]+)*)`)

// pipenv exports a Pipfile as the original did (spec D.3), but locks first when Pipfile.lock is
// missing instead of relying on an error text (current pipenv prints only the index line then).
func (t *Tools) pipenv(ctx context.Context, s *Source) ([]byte, error) {
	t.Log.Log("info", "Generating requirements.txt from "+t.rel(s.File))
	environ := t.Environ
	if environ == nil {
		environ = os.Environ()
	}
	env := append(slices.Clip(environ), "PIPENV_PIPFILE="+s.File)
	res, err := t.run(ctx, s, env, "pipenv", "--version")
	if err != nil {
		return nil, t.failed(err, s, "pipenv --version")
	}
	m := pipenvVersionRE.FindStringSubmatch(string(res.Stdout))
	if m == nil {
		return nil, diag.AtKey(CodePipenvVersion, "usePipenv", "Unable to parse pipenv version!").
			WithFix("Check that `pipenv --version` works, or set %s: false to ignore the Pipfile.", diag.ConfigPath("usePipenv")).
			WithOutput(proc.Tail(res.Output, 5))
	}
	t.Log.Log("verbose", "Using pipenv "+m[1])
	if versionLE(m[1], "2022.8.5") {
		res, err = t.run(ctx, s, env, "pipenv", "lock", "--requirements", "--keep-outdated")
		if err != nil {
			return nil, t.failed(err, s, "pipenv lock --requirements --keep-outdated")
		}
		return res.Stdout, nil
	}
	if lock := filepath.Join(filepath.Dir(s.File), "Pipfile.lock"); !isFile(lock) {
		t.Log.Warn(diag.WarnAtFile(diag.CodePipfileLockMissing, t.rel(s.File), "No Pipfile.lock found! Running `pipenv lock` to create %s.", t.rel(lock)).
			WithFix("Commit %s so that every deploy installs the same versions; review https://pipenv.pypa.io/en/latest/pipfile/ for recommendations.", t.rel(lock)))
		if _, err := t.run(ctx, s, env, "pipenv", "lock"); err != nil {
			return nil, t.failed(err, s, "pipenv lock")
		}
	}
	res, err = t.run(ctx, s, env, "pipenv", "requirements")
	if err != nil {
		return nil, t.failed(err, s, "pipenv requirements")
	}
	return res.Stdout, nil
}

// versionLE compares dotted numeric versions.
func versionLE(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			return x < y
		}
	}
	return true
}

// poetryNoExport matches Poetry's answer to an unknown command (Poetry 2 without
// poetry-plugin-export): `The requested command export does not exist.` (2.x) or
// `The command "export" does not exist.` (1.x).
var poetryNoExport = regexp.MustCompile(`(?i)command "?export"? does not exist`)

// poetry exports a Poetry project (spec D.4) into out, a file outside the user's folders.
func (t *Tools) poetry(ctx context.Context, s *Source, o *config.Options, out string) ([]byte, error) {
	lock := filepath.Join(s.Dir, "poetry.lock")
	if isFile(lock) {
		t.Log.Log("info", "Generating requirements.txt from "+t.rel(lock))
	} else {
		if o.RequirePoetryLockFile {
			return nil, diag.AtKey(CodeMissingPoetryLock, "requirePoetryLockFile",
				"poetry.lock file not found - set requirePoetryLockFile to false to disable this error (looked for %s)", t.rel(lock)).
				WithFix("Run `poetry lock` in %s and commit poetry.lock, or set %s: false to let poetry lock at packaging time.",
					t.folder(s.Dir), diag.ConfigPath("requirePoetryLockFile"))
		}
		t.Log.Log("info", "Generating poetry.lock and requirements.txt from "+t.rel(s.File))
	}
	args := []string{"export", "--without-hashes", "-f", "requirements.txt", "-o", out, "--with-credentials"}
	if len(o.PoetryWithGroups) > 0 {
		args = append(args, "--with="+strings.Join(o.PoetryWithGroups, ","))
	}
	if len(o.PoetryWithoutGroups) > 0 {
		args = append(args, "--without="+strings.Join(o.PoetryWithoutGroups, ","))
	}
	if len(o.PoetryOnlyGroups) > 0 {
		args = append(args, "--only="+strings.Join(o.PoetryOnlyGroups, ","))
	}
	res, err := t.run(ctx, s, t.Environ, "poetry", args...)
	if err != nil {
		var ee *proc.ExitError
		if errors.As(err, &ee) && poetryNoExport.Match(ee.Result.Output) {
			version := "Poetry"
			if vr, verr := t.run(ctx, s, t.Environ, "poetry", "--version"); verr == nil {
				version = strings.TrimSpace(string(vr.Stdout))
			}
			return nil, diag.AtKey(CodePoetryNoExport, "usePoetry",
				"%s has no `export` command, which is needed to read %s: since Poetry 2 it comes from the poetry-plugin-export plugin",
				version, t.rel(s.File)).
				WithFix("Install the plugin with `%s` (or `pipx inject poetry poetry-plugin-export`), or set %s: false to ignore the Poetry project.",
					poetryPluginInstallCmd, diag.ConfigPath("usePoetry")).
				WithOutput(proc.Tail(ee.Result.Output, 5))
		}
		return nil, t.failed(err, s, display("poetry", args, out))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, diag.AtKey(CodeExportFailed, "usePoetry", "poetry export wrote no requirements for %s", t.rel(s.File)).
			WithFix("Check that `poetry export -f requirements.txt` works in that folder, or set %s: false.", diag.ConfigPath("usePoetry")).
			WithOutput(proc.Tail(res.Output, 10)).Wrap(err)
	}
	return data, nil
}

// uv exports a uv.lock as Serverless v4 does (spec D.5) into out.
func (t *Tools) uv(ctx context.Context, s *Source, o *config.Options, out string) ([]byte, error) {
	t.Log.Log("info", "Generating requirements.txt from "+t.rel(s.File))
	res, err := t.run(ctx, s, t.Environ, "uv", "--version")
	if err != nil {
		return nil, t.failed(err, s, "uv --version")
	}
	if f := strings.Fields(string(res.Stdout)); len(f) >= 2 {
		t.Log.Log("verbose", "Using uv "+f[1])
	}
	args := []string{"export"}
	// --no-dev is --no-group dev: leave it out when the user asks for the dev group.
	if !slices.Contains(o.UvWithGroups, "dev") && !slices.Contains(o.UvOnlyGroups, "dev") {
		args = append(args, "--no-dev")
	}
	args = append(args, "--frozen", "--no-hashes", "--no-emit-project", "-o", out)
	if s.Package != "" {
		args = append(args, "--package", s.Package)
	}
	for _, x := range o.UvOptionalDependencies {
		args = append(args, "--extra", x)
	}
	for _, g := range o.UvWithGroups {
		args = append(args, "--group", g)
	}
	for _, g := range o.UvWithoutGroups {
		args = append(args, "--no-group", g)
	}
	for _, g := range o.UvOnlyGroups {
		args = append(args, "--only-group", g)
	}
	if _, err := t.run(ctx, s, t.Environ, "uv", args...); err != nil {
		return nil, t.failed(err, s, display("uv", args, out))
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, diag.AtKey(CodeExportFailed, "useUv", "uv export wrote no requirements for %s", t.rel(s.File)).Wrap(err)
	}
	return data, nil
}

// run runs one tool command in the source's folder; its output goes to the debug log (which
// redacts it).
func (t *Tools) run(ctx context.Context, s *Source, env []string, name string, args ...string) (proc.Result, error) {
	t.Log.Log("verbose", "Running: "+proc.Cmd{Name: name, Args: args}.String())
	res, err := t.Runner.Run(ctx, proc.Cmd{Name: name, Args: args, Dir: s.Dir, Env: env,
		OnLine: func(l string) { t.Log.Log("debug", l) }})
	if err != nil && ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, err
}

// display renders a command for an error message, with the temporary output file abbreviated.
func display(name string, args []string, out string) string {
	parts := []string{name}
	for _, a := range args {
		if a == out {
			a = "<temp file>"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// failed turns a tool's failure into a user error naming the option that selects the source.
func (t *Tools) failed(err error, s *Source, cmd string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var nf *proc.NotFoundError
	if errors.As(err, &nf) {
		return t.notFound(s)
	}
	var ee *proc.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	e := diag.Errorf(CodeExportFailed, "`%s` failed in %s (exit code %d)", cmd, t.folder(s.Dir), ee.Result.ExitCode).
		WithOutput(proc.Tail(ee.Result.Output, 20)).Wrap(err)
	switch s.Kind {
	case Pipenv:
		e.WithFix("Check that the Pipfile resolves (`pipenv lock`) with the index settings in use, or set %s: false to ignore the Pipfile.",
			diag.ConfigPath("usePipenv"))
	case Poetry:
		e.WithFix("Check that `poetry lock` and `poetry export` work in that folder and that the groups named in poetryWithGroups, "+
			"poetryWithoutGroups and poetryOnlyGroups exist, or set %s: false to ignore the Poetry project.", diag.ConfigPath("usePoetry"))
	case Uv:
		e.WithFix("Check that uv.lock is up to date (`uv lock`) and that uvOptionalDependencies, uvWithGroups, uvWithoutGroups and uvOnlyGroups "+
			"name extras and groups of the project, or set %s: false to ignore uv.lock.", diag.ConfigPath("useUv"))
	}
	return e
}

func (t *Tools) notFound(s *Source) error {
	switch s.Kind {
	case Pipenv:
		return diag.AtKey(CodePipenvNotFound, "usePipenv", "pipenv not found! It is needed to read %s.", t.rel(s.File)).
			WithFix("Install it according to the pipenv docs (`pip install --user pipenv` or `pipx install pipenv`, https://pipenv.pypa.io/), "+
				"or set %s: false to ignore the Pipfile.", diag.ConfigPath("usePipenv"))
	case Poetry:
		return diag.AtKey(CodePoetryNotFound, "usePoetry", "poetry not found! It is needed to read the Poetry project %s.", t.rel(s.File)).
			WithFix("Install it according to the poetry docs (`pipx install poetry`, then `%s`; https://python-poetry.org/docs/#installation), "+
				"or set %s: false to ignore the Poetry project.", poetryPluginInstallCmd, diag.ConfigPath("usePoetry"))
	default:
		return diag.AtKey(CodeUvNotFound, "useUv", "uv not found! It is needed to read %s.", t.rel(s.File)).
			WithFix("Install it according to the uv docs (`pip install uv`, or https://docs.astral.sh/uv/getting-started/installation/), "+
				"or set %s: false to ignore uv.lock.", diag.ConfigPath("useUv"))
	}
}

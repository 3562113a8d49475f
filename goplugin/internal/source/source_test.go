package source

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/config"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

const (
	poetryProject = "[tool.poetry]\nname = \"svc\"\nversion = \"0.1.0\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n" +
		"\n[build-system]\nrequires = [\"poetry-core>=1.0.0\"]\nbuild-backend = \"poetry.core.masonry.api\"\n"
	poetry2Project = "[project]\nname = \"svc\"\nversion = \"0.1.0\"\ndependencies = [\"pyreqs-pure\"]\n\n[tool.poetry]\npackage-mode = false\n"
	poetryCoreOnly = "[project]\nname = \"svc\"\nversion = \"0.1.0\"\ndependencies = [\"pyreqs-pure\"]\n\n" +
		"[build-system]\nrequires = [\"poetry-core>=2\"]\nbuild-backend = \"poetry.core.masonry.api\"\n"
	pep621Project = "[project]\nname = \"svc\"\nversion = \"0.1.0\"\ndependencies = [\n  \"pyreqs-pure>=1.0\",\n  \"pyreqs-withdeps ; python_version >= '3.8'\",\n]\n\n" +
		"[project.optional-dependencies]\nnative = [\"pyreqs-native\"]\n"
	toolOnlyProject = "[tool.black]\nline-length = 100\n"
)

func defaults(t *testing.T) *config.Options {
	t.Helper()
	o, _, err := config.Parse(nil, config.Host{GOOS: "linux", ProviderRuntime: "python3.11"})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// summary describes a detection as "kind file [ignored...]" with paths relative to root.
func summary(root string, s *Source) string {
	if s == nil {
		return "none"
	}
	rel := func(p string) string {
		r, _ := filepath.Rel(root, p)
		return filepath.ToSlash(r)
	}
	out := s.Kind.String() + " " + rel(s.File)
	if s.Package != "" {
		out += " package=" + s.Package
	}
	if s.Shared {
		out += " shared"
	}
	for _, f := range s.Ignored {
		out += " | " + f.Kind.String() + " " + rel(f.File)
	}
	return out
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name   string
		files  map[string]string
		module string
		opts   func(*config.Options)
		want   string
	}{
		{name: "nothing", files: map[string]string{"handler.py": ""}, want: "none"},
		{name: "requirements file", files: map[string]string{"requirements.txt": "x\n"}, want: "requirements file requirements.txt"},
		{name: "poetry beats requirements.txt (original order)",
			files: map[string]string{"pyproject.toml": poetryProject, "requirements.txt": "x\n"},
			want:  "Poetry project pyproject.toml | requirements file requirements.txt"},
		{name: "Poetry 2 PEP 621 project without build-system is detected by [tool.poetry]",
			files: map[string]string{"pyproject.toml": poetry2Project},
			want:  "Poetry project pyproject.toml"},
		{name: "poetry-core build backend with uv.lock and no poetry.lock is a uv project",
			files: map[string]string{"pyproject.toml": poetryCoreOnly, "uv.lock": "version = 1\n"},
			want:  "uv lock file uv.lock | Poetry project pyproject.toml"},
		{name: "poetry-core build backend with poetry.lock stays Poetry",
			files: map[string]string{"pyproject.toml": poetryCoreOnly, "uv.lock": "version = 1\n", "poetry.lock": ""},
			want:  "Poetry project pyproject.toml | uv lock file uv.lock"},
		{name: "uv.lock beats a Pipfile (G.3 #21: no silent overwrite)",
			files: map[string]string{"uv.lock": "version = 1\n", "Pipfile": "", "requirements.txt": "x\n"},
			want:  "uv lock file uv.lock | Pipfile Pipfile | requirements file requirements.txt"},
		{name: "Pipfile beats requirements.txt (original order)",
			files: map[string]string{"Pipfile": "", "requirements.txt": "x\n"},
			want:  "Pipfile Pipfile | requirements file requirements.txt"},
		{name: "requirements.txt beats PEP 621",
			files: map[string]string{"pyproject.toml": pep621Project, "requirements.txt": "x\n"},
			want:  "requirements file requirements.txt | PEP 621 dependencies pyproject.toml"},
		{name: "PEP 621 alone", files: map[string]string{"pyproject.toml": pep621Project}, want: "PEP 621 dependencies pyproject.toml"},
		{name: "uv project: its own [project] is not listed as ignored",
			files: map[string]string{"pyproject.toml": pep621Project, "uv.lock": "version = 1\n"},
			want:  "uv lock file uv.lock"},
		{name: "pyproject.toml without [project] or poetry is no source",
			files: map[string]string{"pyproject.toml": toolOnlyProject}, want: "none"},
		{name: "useUv false falls through to PEP 621",
			files: map[string]string{"pyproject.toml": pep621Project, "uv.lock": "version = 1\n"},
			opts:  func(o *config.Options) { o.UseUv = false },
			want:  "PEP 621 dependencies pyproject.toml"},
		{name: "usePoetry false reads a Poetry 2 project's [project] dependencies",
			files: map[string]string{"pyproject.toml": poetry2Project},
			opts:  func(o *config.Options) { o.UsePoetry = false },
			want:  "PEP 621 dependencies pyproject.toml"},
		{name: "usePipenv false ignores the Pipfile",
			files: map[string]string{"Pipfile": ""},
			opts:  func(o *config.Options) { o.UsePipenv = false },
			want:  "none"},
		{name: "fileName in a subfolder",
			files: map[string]string{"reqs/prod.txt": "x\n"},
			opts:  func(o *config.Options) { o.FileName = "reqs/prod.txt" },
			want:  "requirements file reqs/prod.txt"},
		{name: "module with a Poetry project of its own",
			files:  map[string]string{"mod_a/pyproject.toml": poetryProject, "Pipfile": "", "pyproject.toml": poetryProject},
			module: "mod_a",
			want:   "Poetry project mod_a/pyproject.toml"},
		{name: "module with its own requirements.txt is not overridden by the root Pipfile (G.3 #21)",
			files:  map[string]string{"mod_a/requirements.txt": "x\n", "Pipfile": ""},
			module: "mod_a",
			want:   "requirements file mod_a/requirements.txt"},
		{name: "module without a source shares the root uv.lock",
			files:  map[string]string{"mod_a/handler.py": "", "uv.lock": "version = 1\n", "Pipfile": ""},
			module: "mod_a",
			want:   "uv lock file uv.lock shared"},
		{name: "module without a source shares the root Pipfile",
			files:  map[string]string{"mod_a/handler.py": "", "Pipfile": "", "requirements.txt": "x\n"},
			module: "mod_a",
			want:   "Pipfile Pipfile shared"},
		{name: "module without a source does not share the root requirements.txt (original)",
			files:  map[string]string{"mod_a/handler.py": "", "requirements.txt": "x\n"},
			module: "mod_a",
			want:   "none"},
		{name: "uv workspace member exports its package from the workspace lock",
			files: map[string]string{
				"uv.lock":                "version = 1\n\n[manifest]\nmembers = [\"Mod_A\", \"root\"]\n",
				"mod_a/pyproject.toml":   "[project]\nname = \"mod-a\"\nversion = \"1\"\ndependencies = [\"x\"]\n",
				"mod_b/pyproject.toml":   "[project]\nname = \"mod-b\"\nversion = \"1\"\ndependencies = [\"y\"]\n",
				"mod_a/requirements.txt": "x\n",
			},
			module: "mod_a",
			want:   "uv lock file uv.lock package=mod-a | requirements file mod_a/requirements.txt"},
		{name: "a module that is not a workspace member reads its own [project]",
			files: map[string]string{
				"uv.lock":              "version = 1\n\n[manifest]\nmembers = [\"mod-a\"]\n",
				"mod_b/pyproject.toml": "[project]\nname = \"mod-b\"\nversion = \"1\"\ndependencies = [\"y\"]\n",
			},
			module: "mod_b",
			want:   "PEP 621 dependencies mod_b/pyproject.toml"},
		{name: "an invalid pyproject.toml is ignored when usePoetry is off and another source exists",
			files: map[string]string{"pyproject.toml": "[project\n", "requirements.txt": "x\n"},
			opts:  func(o *config.Options) { o.UsePoetry = false },
			want:  "requirements file requirements.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			o := defaults(t)
			if tt.opts != nil {
				tt.opts(o)
			}
			dir := root
			if tt.module != "" {
				dir = filepath.Join(root, tt.module)
			}
			s, err := Detect(root, dir, o)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(root, s); got != tt.want {
				t.Errorf("Detect = %q\nwant      %q", got, tt.want)
			}
		})
	}
}

func TestDetectInvalidTOML(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"pyproject.toml":   "[tool.poetry]\nname = \"svc\"\nversion = 0.1.0\"\n",
		"requirements.txt": "x\n",
	})
	_, err := Detect(root, root, defaults(t))
	e, ok := diag.As(err)
	if !ok {
		t.Fatalf("err = %v, want a *diag.Error", err)
	}
	msg := e.Error()
	if e.Code != CodeTOML || !strings.Contains(msg, filepath.Join(root, "pyproject.toml")+": line 3") {
		t.Errorf("error = %s (code %s), want %s naming pyproject.toml line 3", msg, e.Code, CodeTOML)
	}

	writeFiles(t, root, map[string]string{"pyproject.toml": "[project]\nname = \"svc\"\ndependencies = \"pyreqs-pure\"\n"})
	_, err = Detect(root, root, defaults(t))
	if err == nil || !strings.Contains(err.Error(), "project.dependencies must be an array") {
		t.Errorf("err = %v, want project.dependencies must be an array", err)
	}
}

// fakeTools answers poetry, uv and pipenv the way the real tools do.
type fakeTools struct {
	mu   sync.Mutex
	cmds []proc.Cmd
	// answer returns stdout, combined output and an exit code for a command; missing lists
	// programs that do not exist.
	answer  func(c proc.Cmd) (stdout, output string, code int)
	missing []string
	// writes: the content written to the file given with -o.
	writes string
}

func (f *fakeTools) Run(ctx context.Context, c proc.Cmd) (proc.Result, error) {
	f.mu.Lock()
	f.cmds = append(f.cmds, c)
	f.mu.Unlock()
	if slices.Contains(f.missing, c.Name) {
		return proc.Result{}, &proc.NotFoundError{Name: c.Name}
	}
	stdout, output, code := "", "", 0
	if f.answer != nil {
		stdout, output, code = f.answer(c)
	}
	res := proc.Result{Stdout: []byte(stdout), Output: []byte(output + stdout), ExitCode: code}
	if code != 0 {
		return res, &proc.ExitError{Cmd: c, Result: res}
	}
	if i := slices.Index(c.Args, "-o"); i >= 0 {
		if err := os.WriteFile(c.Args[i+1], []byte(f.writes), 0o644); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (f *fakeTools) lines() []string {
	var out []string
	for _, c := range f.cmds {
		out = append(out, c.Name+" "+strings.Join(c.Args, " "))
	}
	return out
}

type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) Log(level, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level+": "+msg)
}

func (l *logRecorder) Warn(w *diag.Warning) { l.Log("warning", w.Message+" ["+w.Code+"] "+w.Fix()) }

func (l *logRecorder) has(prefix string) bool {
	for _, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func newTools(f *fakeTools) (*Tools, *logRecorder) {
	log := &logRecorder{}
	return &Tools{Runner: f, Environ: []string{"PATH=/usr/bin", "PIP_INDEX_URL=https://user:s3cret@idx.example.com/simple"}, Log: log}, log
}

// outArg returns the value of -o in a command line and the line with it replaced by OUT.
func outArg(t *testing.T, c proc.Cmd) (string, string) {
	t.Helper()
	i := slices.Index(c.Args, "-o")
	if i < 0 {
		t.Fatalf("%v has no -o", c.Args)
	}
	args := slices.Clone(c.Args)
	out := args[i+1]
	args[i+1] = "OUT"
	return out, c.Name + " " + strings.Join(args, " ")
}

func TestExportPoetry(t *testing.T) {
	root := t.TempDir()
	mod := filepath.Join(root, "mod_a")
	writeFiles(t, root, map[string]string{
		"mod_a/pyproject.toml":   poetryProject,
		"mod_a/poetry.lock":      "",
		"mod_a/requirements.txt": "user's own file\n",
	})
	o := defaults(t)
	o.PoetryWithGroups = []string{"a", "b"}
	o.PoetryWithoutGroups = []string{"dev"}
	o.PoetryOnlyGroups = []string{"main"}
	s, err := Detect(root, mod, o)
	if err != nil || s.Kind != Poetry {
		t.Fatalf("Detect = %v, %v", s, err)
	}
	export := "--index-url https://user:s3cret@idx.example.com/simple\n\npyreqs-pure==1.0.0 ; python_version >= \"3.11\"\n" +
		"-e git+https://github.com/x/some-egg.git@abc#egg=some-egg\n"
	f := &fakeTools{writes: export}
	tools, log := newTools(f)
	res, err := tools.Export(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.cmds) != 1 {
		t.Fatalf("commands = %v, want one poetry export", f.lines())
	}
	c := f.cmds[0]
	out, line := outArg(t, c)
	want := "poetry export --without-hashes -f requirements.txt -o OUT --with-credentials --with=a,b --without=dev --only=main"
	if line != want {
		t.Errorf("command = %s\nwant      %s", line, want)
	}
	if c.Dir != mod {
		t.Errorf("poetry ran in %s, want the module folder %s", c.Dir, mod)
	}
	if !filepath.IsAbs(out) || strings.HasPrefix(out, root) {
		t.Errorf("-o %s: want an absolute path outside the service folder (G.3 #20)", out)
	}
	if _, err := os.Stat(filepath.Dir(out)); err == nil {
		t.Errorf("the temporary export folder %s was not removed", filepath.Dir(out))
	}
	if got, _ := os.ReadFile(filepath.Join(mod, "requirements.txt")); string(got) != "user's own file\n" {
		t.Errorf("the user's requirements.txt changed: %q", got)
	}
	if string(res.Data) != export || res.Path != filepath.Join(mod, "pyproject.toml") {
		t.Errorf("result = %q at %s", res.Data, res.Path)
	}
	if !log.has("info: Generating requirements.txt from " + filepath.Join(mod, "poetry.lock")) {
		t.Errorf("log = %q, want the original's Generating message", log.lines)
	}
	for _, l := range log.lines {
		if strings.Contains(l, "s3cret") {
			t.Errorf("a log line shows the index password: %s", l)
		}
	}
}

func TestExportPoetryLockAndPlugin(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"pyproject.toml": poetryProject})
	o := defaults(t)
	s, _ := Detect(root, root, o)

	t.Run("requirePoetryLockFile", func(t *testing.T) {
		o := *o
		o.RequirePoetryLockFile = true
		f := &fakeTools{}
		tools, _ := newTools(f)
		_, err := tools.Export(context.Background(), s, &o)
		e, ok := diag.As(err)
		if !ok || e.Code != CodeMissingPoetryLock || e.Key != "custom.pythonRequirements.requirePoetryLockFile" ||
			!strings.Contains(e.Message, "poetry.lock file not found - set requirePoetryLockFile to false to disable this error") {
			t.Errorf("err = %v", err)
		}
		if len(f.cmds) != 0 {
			t.Errorf("ran %v before failing", f.lines())
		}
	})
	t.Run("no lock: poetry locks", func(t *testing.T) {
		f := &fakeTools{writes: "pyreqs-pure==1.0.0\n"}
		tools, log := newTools(f)
		if _, err := tools.Export(context.Background(), s, o); err != nil {
			t.Fatal(err)
		}
		if !log.has("info: Generating poetry.lock and requirements.txt from ") {
			t.Errorf("log = %q", log.lines)
		}
	})
	t.Run("Poetry 2 without poetry-plugin-export", func(t *testing.T) {
		f := &fakeTools{answer: func(c proc.Cmd) (string, string, int) {
			if c.Args[0] == "--version" {
				return "Poetry (version 2.5.1)\n", "", 0
			}
			return "", "\nThe requested command export does not exist.\n\nDocumentation: https://python-poetry.org/docs/cli/\n", 1
		}}
		tools, _ := newTools(f)
		_, err := tools.Export(context.Background(), s, o)
		e, ok := diag.As(err)
		if !ok || e.Code != CodePoetryNoExport || e.Key != "custom.pythonRequirements.usePoetry" ||
			!strings.Contains(e.Message, "Poetry (version 2.5.1) has no `export` command") ||
			!strings.Contains(e.Hint, "poetry self add poetry-plugin-export") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("export fails", func(t *testing.T) {
		f := &fakeTools{answer: func(c proc.Cmd) (string, string, int) {
			return "", "Source (private): https://user:s3cret@idx.example.com/simple failed\nGroup(s) not found: nope\n", 1
		}}
		tools, _ := newTools(f)
		_, err := tools.Export(context.Background(), s, o)
		e, ok := diag.As(err)
		if !ok || e.Code != CodeExportFailed || !strings.Contains(e.Output, "Group(s) not found: nope") ||
			!strings.Contains(e.Hint, "usePoetry: false") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestExportPipenv(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Pipfile": "[packages]\n"})
	o := defaults(t)
	s, _ := Detect(root, root, o)
	version := "pipenv, version 2026.10.3\n"
	answer := func(c proc.Cmd) (string, string, int) {
		switch strings.Join(c.Args, " ") {
		case "--version":
			return version, "", 0
		case "requirements":
			return "-i https://pypi.org/simple\n-e ./localpkg\npyreqs-pure==1.0.0\n", "", 0
		case "lock --requirements --keep-outdated":
			return "legacy==1\n", "", 0
		}
		return "", "", 0
	}

	f := &fakeTools{answer: answer}
	tools, log := newTools(f)
	res, err := tools.Export(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pipenv --version", "pipenv lock", "pipenv requirements"}, f.lines()); diff != "" {
		t.Errorf("without Pipfile.lock (-want +got):\n%s", diff)
	}
	if !log.has("warning: No Pipfile.lock found!") || !strings.Contains(strings.Join(log.lines, "\n"), "["+diag.CodePipfileLockMissing+"] Commit ") {
		t.Errorf("log = %q, want the No Pipfile.lock warning", log.lines)
	}
	for _, c := range f.cmds {
		if c.Dir != root || !slices.Contains(c.Env, "PIPENV_PIPFILE="+filepath.Join(root, "Pipfile")) {
			t.Errorf("%s ran in %s with env %v", c.Name, c.Dir, c.Env)
		}
	}
	if string(res.Data) != "-i https://pypi.org/simple\n-e ./localpkg\npyreqs-pure==1.0.0\n" || filepath.Dir(res.Path) != root {
		t.Errorf("result = %q at %s", res.Data, res.Path)
	}

	writeFiles(t, root, map[string]string{"Pipfile.lock": "{}"})
	f = &fakeTools{answer: answer}
	tools, log = newTools(f)
	if _, err := tools.Export(context.Background(), s, o); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pipenv --version", "pipenv requirements"}, f.lines()); diff != "" || log.has("warning:") {
		t.Errorf("with Pipfile.lock (-want +got):\n%s\nlog %q", diff, log.lines)
	}

	version = "pipenv, version 2022.4.8\n"
	f = &fakeTools{answer: answer}
	tools, _ = newTools(f)
	res, err = tools.Export(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pipenv --version", "pipenv lock --requirements --keep-outdated"}, f.lines()); diff != "" || string(res.Data) != "legacy==1\n" {
		t.Errorf("legacy pipenv (-want +got):\n%s", diff)
	}

	version = "pipenv from the future\n"
	f = &fakeTools{answer: answer}
	tools, _ = newTools(f)
	_, err = tools.Export(context.Background(), s, o)
	if e, ok := diag.As(err); !ok || e.Code != CodePipenvVersion {
		t.Errorf("unparsable version: err = %v", err)
	}
}

func TestExportUv(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"uv.lock": "version = 1\n", "pyproject.toml": pep621Project})
	base := defaults(t)
	s, _ := Detect(root, root, base)
	tests := []struct {
		name string
		opts func(*config.Options)
		src  func(*Source)
		want string
	}{
		{name: "defaults (v4)", want: "uv export --no-dev --frozen --no-hashes --no-emit-project -o OUT"},
		{name: "extras and groups in v4's order",
			opts: func(o *config.Options) {
				o.UvOptionalDependencies = []string{"native", "b"}
				o.UvWithGroups = []string{"g1"}
				o.UvWithoutGroups = []string{"g2"}
				o.UvOnlyGroups = []string{"g3"}
			},
			want: "uv export --no-dev --frozen --no-hashes --no-emit-project -o OUT --extra native --extra b --group g1 --no-group g2 --only-group g3"},
		{name: "asking for the dev group drops --no-dev",
			opts: func(o *config.Options) { o.UvWithGroups = []string{"dev"} },
			want: "uv export --frozen --no-hashes --no-emit-project -o OUT --group dev"},
		{name: "workspace member",
			src:  func(s *Source) { s.Package = "mod-a" },
			want: "uv export --no-dev --frozen --no-hashes --no-emit-project -o OUT --package mod-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, src := *base, *s
			if tt.opts != nil {
				tt.opts(&o)
			}
			if tt.src != nil {
				tt.src(&src)
			}
			f := &fakeTools{writes: "-e ./libs/shared\npyreqs-pure==1.0.0\n", answer: func(c proc.Cmd) (string, string, int) {
				if c.Args[0] == "--version" {
					return "uv 0.13.8 (x86_64-unknown-linux-gnu)\n", "", 0
				}
				return "", "", 0
			}}
			tools, log := newTools(f)
			res, err := tools.Export(context.Background(), &src, &o)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.cmds) != 2 || f.lines()[0] != "uv --version" {
				t.Fatalf("commands = %q", f.lines())
			}
			if _, line := outArg(t, f.cmds[1]); line != tt.want {
				t.Errorf("command = %s\nwant      %s", line, tt.want)
			}
			if f.cmds[1].Dir != root || filepath.Dir(res.Path) != root || string(res.Data) != "-e ./libs/shared\npyreqs-pure==1.0.0\n" {
				t.Errorf("ran in %s, result %q at %s", f.cmds[1].Dir, res.Data, res.Path)
			}
			if !log.has("info: Generating requirements.txt from " + filepath.Join(root, "uv.lock")) {
				t.Errorf("log = %q", log.lines)
			}
		})
	}
}

func TestExportPEP621(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"pyproject.toml": pep621Project})
	o := defaults(t)
	s, _ := Detect(root, root, o)
	f := &fakeTools{}
	tools, _ := newTools(f)
	res, err := tools.Export(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "pyreqs-pure>=1.0\npyreqs-withdeps ; python_version >= '3.8'\n"
	if string(res.Data) != want || len(f.cmds) != 0 {
		t.Errorf("data = %q (commands %q), want %q and no command", res.Data, f.lines(), want)
	}
}

func TestMissingToolNamesTheOption(t *testing.T) {
	for _, tt := range []struct {
		files      map[string]string
		tool, code string
		key        string
	}{
		{map[string]string{"Pipfile": ""}, "pipenv", CodePipenvNotFound, "usePipenv"},
		{map[string]string{"pyproject.toml": poetryProject}, "poetry", CodePoetryNotFound, "usePoetry"},
		{map[string]string{"uv.lock": ""}, "uv", CodeUvNotFound, "useUv"},
	} {
		t.Run(tt.tool, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, tt.files)
			o := defaults(t)
			s, err := Detect(root, root, o)
			if err != nil {
				t.Fatal(err)
			}
			tools, _ := newTools(&fakeTools{missing: []string{tt.tool}})
			_, err = tools.Export(context.Background(), s, o)
			e, ok := diag.As(err)
			if !ok || e.Code != tt.code || e.Key != "custom.pythonRequirements."+tt.key ||
				!strings.Contains(e.Hint, tt.key+": false") || !strings.Contains(e.Message, tt.tool+" not found!") {
				t.Errorf("err = %v (code %v)", err, e)
			}
		})
	}
}

func TestVersionLE(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"2022.8.5", "2022.8.5", true}, {"2022.4.8", "2022.8.5", true}, {"2022.8.13", "2022.8.5", false},
		{"2023.1", "2022.8.5", false}, {"2026.10.3", "2022.8.5", false},
	} {
		if got := versionLE(tt.a, tt.b); got != tt.want {
			t.Errorf("versionLE(%s, %s) = %v", tt.a, tt.b, got)
		}
	}
}

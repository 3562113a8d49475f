package bytecode

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// fakeRunner records the command and answers with a canned result.
type fakeRunner struct {
	got    proc.Cmd
	stdout string
	code   int
	err    error
}

func (f *fakeRunner) Run(_ context.Context, c proc.Cmd) (proc.Result, error) {
	f.got = c
	res := proc.Result{Stdout: []byte(f.stdout), Output: []byte(f.stdout), ExitCode: f.code}
	if f.err != nil {
		return res, f.err
	}
	if f.code != 0 {
		return res, &proc.ExitError{Cmd: c, Result: res}
	}
	return res, nil
}

func TestArgv(t *testing.T) {
	j := Job{Tree: "/build/reqs", DDir: LayerRoot, Version: "3.12", Workers: 4, Paths: []string{"handler.py", "lib"}}
	got := j.Argv("python3")
	want := []string{"python3", "-B", "-s", "-c", Script, "--tree", "/build/reqs", "--ddir", "/opt/python",
		"--workers", "4", "--expect-version", "3.12", "--", "handler.py", "lib"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Argv = %q\nwant %q", got[5:], want[5:])
	}
	if got := (Job{Tree: "t", DDir: "/var/task"}).Argv("py"); len(got) != 11 {
		t.Errorf("Argv without version and paths = %q", got[5:])
	}
}

func TestValidate(t *testing.T) {
	for _, j := range []Job{
		{DDir: "/var/task"},
		{Tree: "t", DDir: "var/task"},
		{Tree: "t", DDir: `C:\task`},
		{Tree: "t", DDir: "/var/task", Version: "python3.11"},
		{Tree: "t", DDir: "/var/task", Paths: []string{"../x.py"}},
		{Tree: "t", DDir: "/var/task", Paths: []string{"/etc/x.py"}},
	} {
		if err := j.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", j)
		}
	}
	if err := (Job{Tree: "t", DDir: "/tmp/sls-py-req", Version: "3.9", Paths: []string{"a/b.py"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestHostCompileFake(t *testing.T) {
	f := &fakeRunner{stdout: "noise\n" + `{"cacheTag": "cpython-311", "compiled": 3, "failed": [{"path": "t/py2.py", "error": "SyntaxError: x"}], "version": "3.11"}` + "\n"}
	h := Host{Runner: f, Python: "python3.11", Environ: []string{"PATH=/bin", "PYTHONHASHSEED=random"}}
	r, err := h.Compile(context.Background(), Job{Tree: "/w", DDir: TaskRoot, Version: "3.11"})
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Compiled: 3, Failed: []Failure{{Path: "t/py2.py", Error: "SyntaxError: x"}}, CacheTag: "cpython-311", Version: "3.11"}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Result = %+v, want %+v", r, want)
	}
	if f.got.Name != "python3.11" || f.got.Args[3] != Script {
		t.Errorf("ran %s %q", f.got.Name, f.got.Args[:2])
	}
	// The fixed seed comes after the user's, so it wins.
	if env := f.got.Env; env[0] != "PATH=/bin" || !strings.Contains(strings.Join(env[2:], " "), "PYTHONHASHSEED=0") {
		t.Errorf("env = %q", env)
	}
}

func TestHostCompileSkip(t *testing.T) {
	f := &fakeRunner{stdout: `{"skip": "interpreter is Python 3.11", "version": "3.11"}`, code: ExitSkip}
	_, err := Host{Runner: f, Python: "python3"}.Compile(context.Background(), Job{Tree: "/w", DDir: TaskRoot, Version: "3.12"})
	var skip *SkipError
	if !errors.As(err, &skip) {
		t.Fatalf("err = %v, want a *SkipError", err)
	}
	if skip.Want != "3.12" || skip.Have != "3.11" {
		t.Errorf("skip = %+v", skip)
	}
	msg := err.Error()
	for _, s := range []string{"Python 3.12", "pythonBin (python3) is Python 3.11", "python3.12 interpreter", "dockerizePip: true"} {
		if !strings.Contains(msg, s) {
			t.Errorf("notice %q does not say %q", msg, s)
		}
	}
	img := (&SkipError{Want: "3.12", Have: "3.10", Image: "my/image"}).Error()
	if !strings.Contains(img, "build image my/image has Python 3.10") || !strings.Contains(img, "dockerImage") {
		t.Errorf("docker notice = %q", img)
	}
}

func TestHostCompileErrors(t *testing.T) {
	h := Host{Runner: &fakeRunner{err: &proc.NotFoundError{Name: "python3.13"}}, Python: "python3.13"}
	_, err := h.Compile(context.Background(), Job{Tree: "/w", DDir: TaskRoot, Version: "3.13"})
	if err == nil || !strings.Contains(err.Error(), "pythonBin") {
		t.Errorf("missing interpreter: %v", err)
	}
	h = Host{Runner: &fakeRunner{stdout: "pyreqs bytecode: --tree is not a folder: /w", code: 2}, Python: "python3"}
	_, err = h.Compile(context.Background(), Job{Tree: "/w", DDir: TaskRoot})
	if err == nil || !strings.Contains(err.Error(), "--tree is not a folder") {
		t.Errorf("usage error: %v", err)
	}
	h = Host{Runner: &fakeRunner{stdout: "Traceback ..."}, Python: "python3"}
	if _, err = h.Compile(context.Background(), Job{Tree: "/w", DDir: TaskRoot}); err == nil {
		t.Error("garbage output: no error")
	}
	if _, err = h.Compile(context.Background(), Job{Tree: "/w", DDir: "rel"}); err == nil {
		t.Error("relative ddir: no error")
	}
}

func TestPycPathAndRuntime(t *testing.T) {
	if got := PycPath("pkg/mod.py", "cpython-311"); got != "pkg/__pycache__/mod.cpython-311.pyc" {
		t.Errorf("PycPath = %q", got)
	}
	if got := PycPath("handler.py", "cpython-312"); got != "__pycache__/handler.cpython-312.pyc" {
		t.Errorf("PycPath = %q", got)
	}
	for rt, want := range map[string]string{"python3.11": "3.11", "python3.9": "3.9", "nodejs20.x": "", "python3": ""} {
		if got, ok := VersionFromRuntime(rt); got != want || ok != (want != "") {
			t.Errorf("VersionFromRuntime(%q) = %q, %v", rt, got, ok)
		}
	}
}

func TestRemoveOrphans(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{
		"pkg/__init__.py", "pkg/__pycache__/__init__.cpython-311.pyc",
		"pkg/__pycache__/__main__.cpython-311.pyc", // its source was slimmed away
		"pkg/__pycache__/keep.cpython-312.pyc",     // another interpreter's: not ours to judge
		"gone/__pycache__/a.cpython-311.pyc",       // the whole package was slimmed except this
	} {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := RemoveOrphans(root, "cpython-311")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"gone/__pycache__", "gone/__pycache__/a.cpython-311.pyc", "pkg/__pycache__/__main__.cpython-311.pyc"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("removed %q, want %q", got, want)
	}
	for _, keep := range []string{"pkg/__pycache__/__init__.cpython-311.pyc", "pkg/__pycache__/keep.cpython-312.pyc"} {
		if _, err := os.Stat(filepath.Join(root, keep)); err != nil {
			t.Errorf("%s was removed", keep)
		}
	}
}

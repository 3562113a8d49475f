package webapp

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// These tests run the embedded adapter under real Python interpreters. Each sample app of
// testdata/webapps is laid out as its artifact would hold it (its files, the adapter and the
// generated handler module that Files returns) and testdata/test_adapter.py sends every event
// fixture of testdata/events through the handler, comparing with a direct call of the app.

const flaskPin = "flask==3.0.3"

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's folder")
		}
		dir = parent
	}
}

func runsPython(py string) (string, bool) {
	out, err := exec.Command(py, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(out)), true
}

// interpreters returns the shared venv's Python (the main one, which also runs Flask) and any
// other CPython 3.9-3.13 found on this machine, by version.
func interpreters(t *testing.T, root string) (main string, others map[string]string) {
	t.Helper()
	others = map[string]string{}
	for _, c := range []string{filepath.Join(root, ".tools", "venv", "bin", "python"), "python3.11", "python3"} {
		if v, ok := runsPython(c); ok {
			main = c
			others[v] = c
			break
		}
	}
	if main == "" {
		t.Skip("no Python interpreter (run scripts/setup.sh to create .tools/venv)")
	}
	home, _ := os.UserHomeDir()
	for minor := 9; minor <= 13; minor++ {
		want := fmt.Sprintf("3.%d", minor)
		if _, ok := others[want]; ok {
			continue
		}
		cands := []string{"python" + want}
		if home != "" {
			g, _ := filepath.Glob(filepath.Join(home, ".pyenv", "versions", want+".*", "bin", "python"+want))
			cands = append(cands, g...)
		}
		for _, c := range cands {
			if v, ok := runsPython(c); ok && v == want {
				others[want] = c
				break
			}
		}
	}
	return main, others
}

// flaskTarget installs Flask with the venv's pip into a folder cached under .tools (built in a
// temporary folder, then renamed into place). Without network it skips, except in CI.
func flaskTarget(t *testing.T, root, py, version string) string {
	t.Helper()
	dir := filepath.Join(root, ".tools", "cache", "webapp-"+strings.ReplaceAll(flaskPin, "==", "-")+"-py"+version)
	if _, err := os.Stat(filepath.Join(dir, "flask", "__init__.py")); err == nil {
		return dir
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".flask-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(py, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
		"--quiet", "--target", tmp, flaskPin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("installing %s for the Flask sample: %v\n%s", flaskPin, err, out)
		}
		t.Skipf("cannot install %s (offline?): %v", flaskPin, err)
	}
	if err := os.Rename(tmp, dir); err != nil && !os.IsExist(err) {
		if _, statErr := os.Stat(filepath.Join(dir, "flask")); statErr != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// layout builds a task root from a sample app and the entries' generated files; it returns the
// handler of the first entry.
func layout(t *testing.T, root, sample string, inputs []EntryInput) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if sample != "" {
		copyTree(t, filepath.Join(root, "testdata", "webapps", sample), dir)
	}
	handler := ""
	files := []File{{Path: AdapterFile, Data: Adapter(), Mode: 0o644}}
	for _, in := range inputs {
		in.ServiceDir = dir
		e, err := ParseEntry(in)
		if err != nil {
			t.Fatalf("ParseEntry(%+v): %v", in, err)
		}
		if handler == "" {
			handler = e.Handler
		}
		files = append(files, e.Files()...)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f.Data, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
	return dir, handler
}

// okRE matches a passed test in unittest's verbose output.
var okRE = regexp.MustCompile(`(?m)(?: \.\.\. |^)ok$`)

func runPythonTests(t *testing.T, py, repo, app, dir, handler, extra string, minRun int) {
	t.Helper()
	cmd := exec.Command(py, "-B", filepath.Join(repo, "goplugin", "internal", "webapp", "testdata", "test_adapter.py"), "-v")
	cmd.Env = append(os.Environ(),
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONNOUSERSITE=1",
		"PYREQS_TEST_APP="+app,
		"PYREQS_TEST_ROOT="+dir,
		"PYREQS_TEST_HANDLER="+handler,
		"PYREQS_TEST_EVENTS="+filepath.Join(repo, "testdata", "events"),
		"PYREQS_TEST_EXTRA="+extra,
	)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s tests failed: %v\n%s", py, app, err, out.String())
	}
	passed := len(okRE.FindAllString(out.String(), -1))
	if passed < minRun {
		t.Fatalf("only %d tests passed (want at least %d):\n%s", passed, minRun, out.String())
	}
	t.Logf("%s: %d tests passed", app, passed)
}

func TestAdapterWithSampleApps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python")
	}
	repo := repoRoot(t)
	main, others := interpreters(t, repo)
	versions := make([]string, 0, len(others))
	for v := range others {
		versions = append(versions, v)
	}
	sort.Strings(versions)

	bad := []EntryInput{
		{Function: "noapp", App: "api/noapp.py"},
		{Function: "notapp", App: "api/notapp.py"},
		{Function: "missingattr", App: "api/noapp.py:web"},
	}
	pure := []struct {
		app, sample string
		inputs      []EntryInput
		min         int
	}{
		{"unit", "", nil, 20},
		{"asgi", "asgi", []EntryInput{{Function: "api", App: "api/index.py"}}, 4},
		{"handler", "handler", []EntryInput{{Function: "vercel-handler", App: "api/index.py"}}, 4},
		{"wsgi", "wsgi-renamed", []EntryInput{{Function: "wsgi", App: "api/index.py", WSGIApplicationName: "application"}}, 4},
		{"bad", "bad", bad, 6},
	}
	for _, v := range versions {
		py := others[v]
		for _, c := range pure {
			t.Run("py"+v+"/"+c.app, func(t *testing.T) {
				dir, handler := layout(t, repo, c.sample, c.inputs)
				runPythonTests(t, py, repo, c.app, dir, handler, "", c.min)
			})
		}
	}
	t.Run("flask", func(t *testing.T) {
		v, _ := runsPython(main)
		target := flaskTarget(t, repo, main, v)
		dir, handler := layout(t, repo, "flask", []EntryInput{{Function: "web", App: "api/index.py:app"}})
		runPythonTests(t, main, repo, "flask", dir, handler, target, 4)
	})
}

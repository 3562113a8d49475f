package pipeline

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// fakeExporters answers poetry, uv and pipenv with fixed exports and passes every other command
// (the interpreter probe, pip) to fakePython.
type fakeExporters struct {
	fakePython
	mu    sync.Mutex
	calls []string
}

func (f *fakeExporters) Run(ctx context.Context, c proc.Cmd) (proc.Result, error) {
	export := ""
	switch c.Name {
	case "poetry":
		export = "--index-url https://user:s3cret@idx.example.com/simple\npyreqs-pure==1.0.0 ; python_version >= \"3.11\"\n" +
			"-e git+https://github.com/x/some-egg.git@abc#egg=some-egg\n"
	case "uv":
		if c.Args[0] == "--version" {
			return proc.Result{Stdout: []byte("uv 0.13.8\n")}, nil
		}
		export = "pyreqs-withdeps==1.0.0\n"
	case "pipenv":
		f.mu.Lock()
		f.calls = append(f.calls, c.Name+" "+strings.Join(c.Args, " "))
		f.mu.Unlock()
		switch c.Args[0] {
		case "--version":
			return proc.Result{Stdout: []byte("pipenv, version 2026.10.3\n")}, nil
		case "requirements":
			return proc.Result{Stdout: []byte("-i https://pypi.org/simple\n-e ./localpkg\npyreqs-native==1.0.0\n")}, nil
		}
		return proc.Result{}, nil
	default:
		return f.fakePython.Run(ctx, c)
	}
	f.mu.Lock()
	f.calls = append(f.calls, c.Name+" "+strings.Join(c.Args, " "))
	f.mu.Unlock()
	if i := slices.Index(c.Args, "-o"); i >= 0 {
		return proc.Result{}, os.WriteFile(c.Args[i+1], []byte(export), 0o644)
	}
	return proc.Result{}, nil
}

func logEvents(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("bad event %q: %v", l, err)
		}
		evs = append(evs, ev)
	}
	return evs
}

func hasLog(evs []map[string]any, level, substr string) bool {
	for _, ev := range evs {
		if ev["type"] == "log" && ev["level"] == level && strings.Contains(ev["message"].(string), substr) {
			return true
		}
	}
	return false
}

func TestPoetryProjectBeatsRequirementsFileAndSaysSo(t *testing.T) {
	s := newSvc(t)
	write(s.dir, "pyproject.toml", "[tool.poetry]\nname = \"svc\"\nversion = \"0.1.0\"\n[build-system]\nrequires = [\"poetry-core\"]\n", 0o644)
	write(s.dir, "poetry.lock", "", 0o644)
	before, _ := os.ReadFile(filepath.Join(s.dir, "requirements.txt"))
	f := &fakeExporters{}
	_, out, err := runPhase(t, s, protocol.PhaseBefore, f)
	if err != nil {
		t.Fatal(err)
	}
	evs := logEvents(t, out)
	if !hasLog(evs, "notice", "Python requirements of the service come from pyproject.toml (Poetry project); ignoring requirements.txt. "+
		"Set custom.pythonRequirements.usePoetry: false to use requirements.txt instead.") {
		t.Errorf("no notice naming the source used and the one ignored:\n%s", out)
	}
	if !hasLog(evs, "info", "Parsed requirements.txt from pyproject.toml in "+filepath.Join(".serverless", "requirements.txt")) {
		t.Errorf("no Parsed message:\n%s", out)
	}
	if strings.Contains(out, "s3cret") {
		t.Errorf("the index password reached the log:\n%s", out)
	}
	got, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", "requirements.txt"))
	if !strings.Contains(string(got), "pyreqs-pure==1.0.0 ; python_version >= \"3.11\"\n") || strings.Contains(string(got), "Flask") {
		t.Errorf(".serverless/requirements.txt:\n%s", got)
	}
	// A git dependency poetry exported as editable: -e stripped, the URL kept whole (G.3 #16).
	if !strings.Contains(string(got), "\ngit+https://github.com/x/some-egg.git@abc#egg=some-egg\n") {
		t.Errorf(".serverless/requirements.txt lacks the git dependency without -e:\n%s", got)
	}
	if after, _ := os.ReadFile(filepath.Join(s.dir, "requirements.txt")); string(after) != string(before) {
		t.Errorf("the user's requirements.txt changed:\n%s", after)
	}
	if len(f.calls) != 1 || !strings.HasPrefix(f.calls[0], "poetry export ") {
		t.Errorf("calls = %q", f.calls)
	}
}

func TestModulesShareTheServicePipfileOnce(t *testing.T) {
	s := newSvc(t)
	os.Remove(filepath.Join(s.dir, "requirements.txt"))
	write(s.dir, "Pipfile", "[packages]\n", 0o644)
	write(s.dir, "Pipfile.lock", "{}", 0o644)
	write(s.dir, "localpkg/pyproject.toml", "[project]\nname = \"localpkg\"\n", 0o644)
	write(s.dir, "mod_a/handler.py", "", 0o644)
	write(s.dir, "mod_b/handler.py", "", 0o644)
	write(s.dir, "mod_c/requirements.txt", "six\n", 0o644)
	s.individual = true
	s.functions = map[string]*protocol.Function{
		"a": {Name: "svc-dev-a", Handler: "handler.a", Module: json.RawMessage(`"mod_a"`)},
		"b": {Name: "svc-dev-b", Handler: "handler.b", Module: json.RawMessage(`"mod_b"`)},
		"c": {Name: "svc-dev-c", Handler: "handler.c", Module: json.RawMessage(`"mod_c"`)},
	}
	f := &fakeExporters{}
	_, out, err := runPhase(t, s, protocol.PhaseBefore, f)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pipenv --version", "pipenv requirements"}; !slices.Equal(f.calls, want) {
		t.Errorf("calls = %q, want %q (one export shared by mod_a and mod_b)", f.calls, want)
	}
	for _, m := range []string{"mod_a", "mod_b"} {
		got, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", m, "requirements.txt"))
		// pipenv's -e is stripped and ./localpkg stays relative to the Pipfile, not the module.
		if !strings.Contains(string(got), "\n"+filepath.Join(s.dir, "localpkg")+"\npyreqs-native==1.0.0\n") || strings.Contains(string(got), "-e ") {
			t.Errorf("%s: requirements.txt:\n%s", m, got)
		}
		if !strings.Contains(out, "Module "+m+" has no requirements source of its own: using Pipfile of the service folder") {
			t.Errorf("%s: no message about the shared Pipfile:\n%s", m, out)
		}
	}
	// mod_c keeps its own requirements.txt (the original gave it the Pipfile's set).
	got, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", "mod_c", "requirements.txt"))
	if !strings.Contains(string(got), "six") || strings.Contains(string(got), "pyreqs-native") {
		t.Errorf("mod_c: requirements.txt:\n%s", got)
	}
}

func TestExplicitFileNameMissingWithOnlyPEP621(t *testing.T) {
	s := newSvc(t)
	os.Remove(filepath.Join(s.dir, "requirements.txt"))
	write(s.dir, "pyproject.toml", "[project]\nname = \"svc\"\ndependencies = [\"six\"]\n", 0o644)
	s.custom["fileName"] = "requirements-prod.txt"
	_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakeExporters{})
	if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.fileName: the requirements file requirements-prod.txt does not exist") {
		t.Errorf("err = %v", err)
	}

	delete(s.custom, "fileName")
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, &fakeExporters{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", "requirements.txt"))
	if !strings.HasSuffix(string(got), "\nsix\n") {
		t.Errorf("PEP 621 requirements:\n%s", got)
	}
}

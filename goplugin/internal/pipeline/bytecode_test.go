package pipeline

import (
	"archive/zip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/cache"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// packedFiles reads the packed zip of the service-root entry: name → content.
func packedFiles(t *testing.T, s *svc) map[string]string {
	t.Helper()
	entry, err := filepath.EvalSymlinks(filepath.Join(s.dir, ".serverless", "requirements"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(cache.PackedPath(entry))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		rc.Close()
		out[f.Name] = string(b)
	}
	return out
}

func keyHeader(t *testing.T, s *svc) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.dir, ".serverless", "requirements.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestBytecodeCompiledAfterInstallBeforeSlim: the stray bytecode of the install is removed, the
// compiler runs on the installed tree with the run-time folder and the runtime's version, its
// .pyc files are packed, and slim's default patterns delete them while
// slimPatternsAppendDefaults: false keeps them (minus the bytecode of the files it deletes).
func TestBytecodeCompiledAfterInstallBeforeSlim(t *testing.T) {
	for _, c := range []struct {
		name   string
		custom map[string]any
		ddir   string
		pyc    bool
	}{
		{"default", nil, "/var/task", true},
		{"zip", map[string]any{"zip": true}, "/tmp/sls-py-req", true},
		{"layer", map[string]any{"layer": true}, "/opt/python", true},
		{"slim", map[string]any{"slim": true, "strip": false}, "/var/task", false},
		{"slim without defaults", map[string]any{"slim": true, "strip": false, "slimPatternsAppendDefaults": false,
			"slimPatterns": []string{"six/__init__.py"}}, "/var/task", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSvc(t)
			for k, v := range c.custom {
				s.custom[k] = v
			}
			fp := &fakePython{compile: true}
			if _, out, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if len(fp.compiled) != 1 || !strings.Contains(fp.compiled[0], "--ddir "+c.ddir+" ") ||
				!strings.Contains(fp.compiled[0], "--expect-version 3.11") {
				t.Fatalf("compiler runs: %q", fp.compiled)
			}
			if h := keyHeader(t, s); !strings.Contains(h, "# bytecode: unchecked-hash ddir="+c.ddir+" skip=tests python=cpython 3.11.7\n") {
				t.Errorf("key header:\n%s", h)
			}
			files := packedFiles(t, s)
			got, ok := files["flask/__pycache__/__init__.cpython-311.pyc"]
			if ok != c.pyc || (ok && got != "ours __init__.py") {
				t.Errorf("flask's bytecode = %q (present %v), want ours present %v", got, ok, c.pyc)
			}
			if _, ok := files["six/__pycache__/__init__.cpython-311.pyc"]; ok && c.name == "slim without defaults" {
				t.Errorf("the bytecode of six, deleted by slimPatterns, is still packed")
			}
		})
	}
}

// TestBytecodeOffAndUnavailable: compileBytecode: false runs no compiler, packs no bytecode and
// changes the cache key; a runtime no interpreter here can compile for gets one notice per run
// and no bytecode.
func TestBytecodeOffAndUnavailable(t *testing.T) {
	s := newSvc(t)
	s.custom["compileBytecode"] = false
	fp := &fakePython{compile: true}
	if _, out, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(fp.compiled) != 0 {
		t.Errorf("compiler ran with compileBytecode: false: %q", fp.compiled)
	}
	if h := keyHeader(t, s); !strings.Contains(h, "# bytecode: off\n") {
		t.Errorf("key header:\n%s", h)
	}
	for name := range packedFiles(t, s) {
		if strings.Contains(name, "__pycache__") {
			t.Errorf("packed %s with compileBytecode: false", name)
		}
	}

	// Two module sets of python3.12 functions (the root set is python3.11, the provider's).
	s = newSvc(t)
	s.individual = true
	for _, m := range []string{"mod", "mod2"} {
		s.functions[m] = &protocol.Function{Name: "svc-dev-" + m, Handler: "h.f", Runtime: "python3.12", Module: json.RawMessage(`"` + m + `"`)}
		write(s.dir, m+"/requirements.txt", "six\n", 0o644)
	}
	fp = &fakePython{compile: true}
	_, out, err := runPhase(t, s, protocol.PhaseBefore, fp)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(out, "PYREQS_BYTECODE_SKIPPED"); n != 1 {
		t.Errorf("%d bytecode notices for two sets, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, "the functions run Python 3.12 but pythonBin") || !strings.Contains(out, "is Python 3.11.7") {
		t.Errorf("notice:\n%s", out)
	}
	if len(fp.compiled) != 1 || !strings.Contains(fp.compiled[0], "--expect-version 3.11") {
		t.Errorf("compiler runs: %q, want only the python3.11 root set", fp.compiled)
	}
	b, err := os.ReadFile(filepath.Join(s.dir, ".serverless", "mod", "requirements.txt"))
	if err != nil || !strings.Contains(string(b), "# bytecode: unavailable (no Python 3.12 interpreter)\n") {
		t.Errorf("key header of mod (%v):\n%s", err, b)
	}
}

// TestCompileFunctionCode: compileFunctionCode compiles the service's own .py files of the
// framework's artifact (not its other files) with the run-time folder /var/task and adds the
// bytecode next to them, in default and zip mode; without it, the artifact gets none.
func TestCompileFunctionCode(t *testing.T) {
	for _, c := range []struct {
		name   string
		custom map[string]any
		own    bool
	}{
		{"default", map[string]any{"compileFunctionCode": true}, true},
		{"zip", map[string]any{"compileFunctionCode": true, "zip": true}, true},
		{"off", nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSvc(t)
			for k, v := range c.custom {
				s.custom[k] = v
			}
			fp := &fakePython{compile: true}
			if _, out, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			art := filepath.Join(s.dir, ".serverless", "svc.zip")
			frameworkZip(t, art, map[string]string{"handler.py": "def hello(e, c): pass\n", "lib/util.py": "X = 1\n", "data.txt": "d"})
			s.functions["hello"].Package = &protocol.Package{Artifact: ".serverless/svc.zip"}
			fp.compiled = nil
			if _, out, err := runPhase(t, s, protocol.PhaseAfter, fp); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			names := zipNames(t, art)
			for _, n := range []string{"__pycache__/handler.cpython-311.pyc", "lib/__pycache__/util.cpython-311.pyc"} {
				if _, ok := names[n]; ok != c.own {
					t.Errorf("%s in the artifact = %v, want %v; has %v", n, ok, c.own, names)
				}
			}
			if c.own && (len(fp.compiled) != 1 || !strings.Contains(fp.compiled[0], "--ddir /var/task ")) {
				t.Errorf("compiler runs: %q", fp.compiled)
			}
			if _, ok := names["data.txt"]; !ok {
				t.Errorf("the artifact lost data.txt: %v", names)
			}
		})
	}
}

package pipeline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/webapp"
)

func appFunc(name, app string) *protocol.Function {
	raw, _ := json.Marshal(app)
	return &protocol.Function{Name: "svc-dev-" + name, App: raw}
}

// TestWebAppSharedArtifact: the before phase sets the handler of an app function, the after phase
// adds the adapter and the function's module to the shared artifact, byte-identically on a rerun.
func TestWebAppSharedArtifact(t *testing.T) {
	s := newSvc(t)
	write(s.dir, "api/index.py", "def app(environ, start_response):\n    return []\n", 0o644)
	s.functions["web"] = appFunc("web", "api/index.py")
	fp := &fakePython{}
	ed, _, err := runPhase(t, s, protocol.PhaseBefore, fp)
	if err != nil {
		t.Fatal(err)
	}
	if got := ed.FunctionHandlers; len(got) != 1 || got["web"] != "_pyreqs_app_web.handler" {
		t.Fatalf("functionHandlers = %v", got)
	}
	art := filepath.Join(s.dir, ".serverless", "svc.zip")
	frameworkZip(t, art, map[string]string{"handler.py": "x", "api/index.py": "def app(e, s): return []\n"})
	if _, _, err := runPhase(t, s, protocol.PhaseAfter, fp); err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, art)
	for _, want := range []string{webapp.AdapterFile, "_pyreqs_app_web.py", "api/index.py", "flask/__init__.py"} {
		if _, ok := names[want]; !ok {
			t.Errorf("artifact lacks %s: %v", want, names)
		}
	}
	first, _ := os.ReadFile(art)
	if _, _, err := runPhase(t, s, protocol.PhaseAfter, fp); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(art); !bytes.Equal(first, again) {
		t.Error("a second after phase changed the artifact")
	}
}

// TestWebAppModuleIndividually: a module function packaged individually gets the adapter at the
// root of its moved-up artifact, and its app path is relative to the module folder.
func TestWebAppModuleIndividually(t *testing.T) {
	s := newSvc(t)
	s.individual = true
	delete(s.functions, "hello")
	write(s.dir, "svc1/requirements.txt", "six\n", 0o644)
	write(s.dir, "svc1/api/index.py", "app = object.__new__\n", 0o644)
	f := appFunc("api", "api/index.py")
	f.Module = json.RawMessage(`"svc1"`)
	s.functions["api"] = f
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	frameworkZip(t, filepath.Join(s.dir, ".serverless", "api.zip"), map[string]string{"svc1/api/index.py": "app = 1\n"})
	ed, _, err := runPhase(t, s, protocol.PhaseAfter, fp)
	if err != nil {
		t.Fatal(err)
	}
	moved := ed.FunctionArtifacts["api"]
	names := zipNames(t, moved)
	for _, want := range []string{webapp.AdapterFile, "_pyreqs_app_api.py", "api/index.py", "six/__init__.py"} {
		if _, ok := names[want]; !ok {
			t.Errorf("%s lacks %s: %v", moved, want, names)
		}
	}
}

// TestWebAppErrors: a missing app file, a handler next to app, and OS packages without Docker.
func TestWebAppErrors(t *testing.T) {
	for _, c := range []struct {
		name        string
		setup       func(s *svc)
		code, where string
	}{
		{"missing file", func(s *svc) { s.functions["web"] = appFunc("web", "api/nope.py") }, diag.CodeConfigInvalid, "functions.web.app"},
		{"handler and app", func(s *svc) {
			write(s.dir, "api/index.py", "app = None\n", 0o644)
			f := appFunc("web", "api/index.py")
			f.Handler = "handler.hello"
			s.functions["web"] = f
		}, diag.CodeConfigInvalid, "functions.web"},
		{"apt without docker", func(s *svc) { write(s.dir, "apt-requirements.txt", "libpq5\n", 0o644) }, diag.CodeOSPackagesNeedDock, "apt-requirements.txt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSvc(t)
			c.setup(s)
			_, _, err := runPhase(t, s, protocol.PhaseBefore, &fakePython{})
			d, ok := diag.As(err)
			if !ok || d.Code != c.code || (d.Key != c.where && d.File != c.where) {
				t.Fatalf("err = %#v, want %s at %s", err, c.code, c.where)
			}
		})
	}
}

// TestWebAppLayerMode: with layer: true nothing is injected into the artifact, but the adapter
// still is.
func TestWebAppLayerMode(t *testing.T) {
	s := newSvc(t)
	s.custom["layer"] = true
	write(s.dir, "api/index.py", "def app(environ, start_response):\n    return []\n", 0o644)
	s.functions = map[string]*protocol.Function{"web": appFunc("web", "api/index.py")}
	fp := &fakePython{}
	if _, _, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
		t.Fatal(err)
	}
	art := filepath.Join(s.dir, ".serverless", "svc.zip")
	frameworkZip(t, art, map[string]string{"api/index.py": "x"})
	if _, _, err := runPhase(t, s, protocol.PhaseAfter, fp); err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, art)
	if _, ok := names["_pyreqs_app_web.py"]; !ok {
		t.Errorf("artifact lacks the handler module: %v", names)
	}
	if _, ok := names["flask/__init__.py"]; ok {
		t.Errorf("layer mode injected the requirements: %v", names)
	}
}

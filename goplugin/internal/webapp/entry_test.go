package webapp

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func service(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if strings.HasSuffix(f, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("app = None\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestParseEntry(t *testing.T) {
	dir := service(t, "api/index.py", "main.py", "pkg/__init__.py", "backend/web/app.py", "outside.py")
	tests := []struct {
		name string
		in   EntryInput
		want Entry
	}{
		{"default names", EntryInput{Function: "web", App: "api/index.py"}, Entry{
			Function: "web", Source: "api/index.py", ArtifactPath: "api/index.py", Module: "api.index",
			Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"named attribute", EntryInput{Function: "web", App: "api/index.py:web"}, Entry{
			Function: "web", Source: "api/index.py", ArtifactPath: "api/index.py", Module: "api.index",
			Attribute: "web", Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"renamed default", EntryInput{Function: "web", App: "main.py", WSGIApplicationName: "application"}, Entry{
			Function: "web", Source: "main.py", ArtifactPath: "main.py", Module: "main",
			Names: []string{"application"}, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"package init", EntryInput{Function: "web", App: "./pkg/__init__.py"}, Entry{
			Function: "web", Source: "pkg/__init__.py", ArtifactPath: "pkg/__init__.py", Module: "pkg",
			Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"backslashes", EntryInput{Function: "web", App: `api\index.py`}, Entry{
			Function: "web", Source: "api/index.py", ArtifactPath: "api/index.py", Module: "api.index",
			Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"module folder, packaged individually", EntryInput{Function: "web", App: "web/app.py", ModuleDir: "backend", ModuleAtRoot: true}, Entry{
			Function: "web", Source: "web/app.py", ArtifactPath: "web/app.py", Module: "web.app",
			Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"module folder, one artifact", EntryInput{Function: "web", App: "web/app.py", ModuleDir: "backend"}, Entry{
			Function: "web", Source: "web/app.py", ArtifactPath: "backend/web/app.py", Module: "backend.web.app",
			Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
		{"dashed function name", EntryInput{Function: "my-web", App: "main.py"}, Entry{
			Function: "my-web", Source: "main.py", ArtifactPath: "main.py", Module: "main",
			Names: DefaultNames, HandlerModule: HandlerModuleName("my-web"), Handler: HandlerModuleName("my-web") + ".handler",
		}},
		{"handler already rewritten", EntryInput{Function: "web", App: "main.py", Handler: "_pyreqs_app_web.handler"}, Entry{
			Function: "web", Source: "main.py", ArtifactPath: "main.py", Module: "main",
			Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.ServiceDir = dir
			got, err := ParseEntry(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseEntryErrors(t *testing.T) {
	dir := service(t, "api/index.py", "my-api/index.py", "api/2fast.py", "api/class.py", "notes.txt",
		"api/dir.py/", "_pyreqs_webapp.py", "backend/web.py")
	tests := []struct {
		name string
		in   EntryInput
		key  string
		want string
	}{
		{"empty", EntryInput{App: " "}, "functions.web.app", "must name a Python file"},
		{"missing file", EntryInput{App: "api/main.py"}, "functions.web.app", "api/main.py does not exist in the service folder"},
		{"missing in module folder", EntryInput{App: "index.py", ModuleDir: "backend", ModuleAtRoot: true}, "functions.web.app", "index.py does not exist in the module folder backend"},
		{"not python", EntryInput{App: "notes.txt"}, "functions.web.app", "notes.txt is not a Python file"},
		{"leaves service", EntryInput{App: "../other/index.py"}, "functions.web.app", "../other/index.py leaves the service folder"},
		{"leaves the module folder", EntryInput{App: "../x.py", ModuleDir: "backend"}, "functions.web.app", "../x.py leaves the module folder backend"},
		{"module folder outside", EntryInput{App: "x.py", ModuleDir: "../elsewhere"}, "functions.web.app", "x.py leaves the service folder (module ../elsewhere)"},
		{"absolute", EntryInput{App: "/srv/api/index.py"}, "functions.web.app", "is an absolute path"},
		{"windows absolute", EntryInput{App: `C:\srv\index.py`}, "functions.web.app", "is an absolute path"},
		{"bad attribute", EntryInput{App: "api/index.py:my-app"}, "functions.web.app", `"my-app" after ':' is not a Python name`},
		{"empty attribute", EntryInput{App: "api/index.py:"}, "functions.web.app", `"" after ':' is not a Python name`},
		{"dashed folder", EntryInput{App: "my-api/index.py"}, "functions.web.app", `"my-api" is not a valid Python module name`},
		{"digit file", EntryInput{App: "api/2fast.py"}, "functions.web.app", "rename the file name"},
		{"keyword file", EntryInput{App: "api/class.py"}, "functions.web.app", `"class" is not a valid Python module name`},
		{"directory", EntryInput{App: "api/dir.py"}, "functions.web.app", "api/dir.py is not a file"},
		{"reserved name", EntryInput{App: "_pyreqs_webapp.py"}, "functions.web.app", "reserved"},
		{"top-level init", EntryInput{App: "__init__.py"}, "functions.web.app", "top-level __init__.py"},
		{"handler and app", EntryInput{App: "api/index.py", Handler: "handler.main"}, "functions.web", "has both handler (handler.main) and app"},
		{"bad default name", EntryInput{App: "api/index.py", WSGIApplicationName: "my app"}, "custom.pythonRequirements.wsgiApplicationName", "is not a Python name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Function = "web"
			tt.in.ServiceDir = dir
			_, err := ParseEntry(tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			d, ok := diag.As(err)
			if !ok {
				t.Fatalf("not a user error: %v", err)
			}
			if d.Key != tt.key || !strings.Contains(d.Message, tt.want) {
				t.Fatalf("got %q (key %s), want key %s and a message with %q", err, d.Key, tt.key, tt.want)
			}
		})
	}
}

func TestHandlerModuleName(t *testing.T) {
	seen := map[string]string{}
	for _, fn := range []string{"web", "my-fn", "my_fn", "my.fn", "Web", "api2", "é"} {
		name := HandlerModuleName(fn)
		if !IsIdentifier(name) || !strings.HasPrefix(name, HandlerModulePrefix) {
			t.Errorf("HandlerModuleName(%q) = %q: not a module name with the prefix", fn, name)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("%q and %q share the module %s", fn, other, name)
		}
		seen[name] = fn
		if HandlerModuleName(fn) != name {
			t.Errorf("HandlerModuleName(%q) is not stable", fn)
		}
	}
	if got := HandlerModuleName("web"); got != "_pyreqs_app_web" {
		t.Errorf("HandlerModuleName(web) = %q", got)
	}
}

func TestFiles(t *testing.T) {
	e := Entry{Function: "web", Source: "api/index.py", Module: "api.index", Attribute: "web",
		Names: DefaultNames, HandlerModule: "_pyreqs_app_web", Handler: "_pyreqs_app_web.handler"}
	files := e.Files()
	if len(files) != 2 || files[0].Path != AdapterFile || files[1].Path != "_pyreqs_app_web.py" {
		t.Fatalf("files: %+v", files)
	}
	if !bytes.Equal(files[0].Data, adapterSource) || files[0].Mode != 0o644 || files[1].Mode != 0o644 {
		t.Fatal("adapter file differs from the embedded source or has a wrong mode")
	}
	want := `# Generated by serverless-pyreqs for functions.web.app; do not edit.
# The function's handler is _pyreqs_app_web.handler; the application is imported once per container.
from _pyreqs_webapp import load

handler = load(
    module="api.index",
    source="api/index.py",
    function="web",
    attribute="web",
    names=("app", "application", "handler",),
)
`
	if got := string(files[1].Data); got != want {
		t.Fatalf("generated module:\n%s\nwant:\n%s", got, want)
	}
	again := e.Files()
	if !bytes.Equal(again[1].Data, files[1].Data) {
		t.Fatal("generated module is not deterministic")
	}
	e.Attribute = ""
	if !strings.Contains(string(e.Files()[1].Data), "attribute=None,") {
		t.Fatal("no attribute must be None")
	}
}

func TestAdapterIsACopy(t *testing.T) {
	a := Adapter()
	a[0] ^= 0xff
	if bytes.Equal(a, Adapter()) {
		t.Fatal("Adapter returns the embedded slice itself")
	}
	if !bytes.Contains(Adapter(), []byte("def load(")) {
		t.Fatal("adapter has no load function")
	}
}

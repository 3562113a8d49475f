package webapp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

func TestCheckWithPython(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Python")
	}
	repo := repoRoot(t)
	py, _ := interpreters(t, repo)
	adapter := filepath.Join(t.TempDir(), AdapterFile)
	if err := os.WriteFile(adapter, Adapter(), 0o644); err != nil {
		t.Fatal(err)
	}
	apps := filepath.Join(repo, "testdata", "webapps")
	tests := []struct {
		sample string
		in     EntryInput
		want   string // "" = no error
	}{
		{"flask", EntryInput{Function: "web", App: "api/index.py"}, ""},
		{"asgi", EntryInput{Function: "web", App: "api/index.py"}, ""},
		{"handler", EntryInput{Function: "web", App: "api/index.py"}, ""},
		{"wsgi-renamed", EntryInput{Function: "web", App: "api/index.py", WSGIApplicationName: "application"}, ""},
		{"bad", EntryInput{Function: "web", App: "api/noapp.py"}, "functions.web.app: api/noapp.py defines none of app, application, handler"},
		{"bad", EntryInput{Function: "web", App: "api/noapp.py:web"}, "functions.web.app: api/noapp.py has no attribute 'web'"},
		{"bad", EntryInput{Function: "web", App: "api/notapp.py"}, "functions.web.app: `app` in api/notapp.py is a constant (int), which is neither a WSGI application"},
		{"asgi", EntryInput{Function: "web", App: "api/index.py", WSGIApplicationName: "application"}, "defines none of application"},
	}
	for _, tt := range tests {
		t.Run(tt.sample+"/"+tt.in.App, func(t *testing.T) {
			tt.in.ServiceDir = filepath.Join(apps, tt.sample)
			e, err := ParseEntry(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			args := e.CheckArgs(adapter, filepath.Join(tt.in.ServiceDir, filepath.FromSlash(e.ArtifactPath)))
			out, err := exec.Command(py, args...).Output()
			if err != nil {
				t.Fatalf("%s %q: %v", py, args, err)
			}
			err = e.ParseCheck(out)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			d, ok := diag.As(err)
			if !ok || d.Key != "functions.web.app" || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want a functions.web.app error with %q", err, tt.want)
			}
		})
	}
}

func TestParseCheckOutput(t *testing.T) {
	e := Entry{Function: "web"}
	if err := e.ParseCheck([]byte("{\"error\": null}\n")); err != nil {
		t.Fatal(err)
	}
	if err := e.ParseCheck([]byte("Traceback...")); err == nil || !strings.Contains(err.Error(), "checking functions.web.app") {
		t.Fatalf("garbage output: %v", err)
	}
	err := e.ParseCheck([]byte(`{"error": "functions.web.app: main.py defines none of app"}`))
	if err == nil || err.Error() != "functions.web.app: main.py defines none of app" {
		t.Fatalf("got %v", err)
	}
}

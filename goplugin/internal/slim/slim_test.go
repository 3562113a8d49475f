package slim

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

func TestRemove(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"pkg/__init__.py", "pkg/__pycache__/a.pyc", "pkg/x.pyc", "pkg-1.0.dist-info/RECORD", "keep.so"} {
		p := filepath.Join(root, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
	}
	m, _ := Compile(DefaultPatterns)
	got, err := Remove(root, m)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pkg-1.0.dist-info", "pkg/__pycache__", "pkg/x.pyc"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("removed %v, want %v", got, want)
	}
	for _, keep := range []string{"pkg/__init__.py", "keep.so"} {
		if _, err := os.Stat(filepath.Join(root, keep)); err != nil {
			t.Errorf("%s was removed", keep)
		}
	}
	libs, _ := SharedLibraries(root)
	if len(libs) != 1 || filepath.Base(libs[0]) != "keep.so" {
		t.Errorf("SharedLibraries = %v", libs)
	}
}

type fakeRunner struct {
	calls [][]string
	err   error
}

func (f *fakeRunner) Run(ctx context.Context, c proc.Cmd) (proc.Result, error) {
	f.calls = append(f.calls, append([]string{c.Name}, c.Args...))
	return proc.Result{}, f.err
}

func TestStrip(t *testing.T) {
	libs := make([]string, 450)
	for i := range libs {
		libs[i] = "/t/lib.so"
	}
	fr := &fakeRunner{}
	if failed, err := Strip(context.Background(), fr, libs, nil); err != nil || failed != "" {
		t.Fatal(failed, err)
	}
	if len(fr.calls) != 3 || fr.calls[0][0] != "strip" || len(fr.calls[2]) != 51 {
		t.Errorf("batches: %d calls", len(fr.calls))
	}
	fr = &fakeRunner{err: &proc.NotFoundError{Name: "strip"}}
	_, err := Strip(context.Background(), fr, libs[:1], nil)
	if err == nil || !strings.Contains(err.Error(), "custom.pythonRequirements.strip") {
		t.Errorf("missing strip error = %v", err)
	}
}

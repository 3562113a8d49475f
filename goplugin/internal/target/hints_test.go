package target

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSpecifierAllows(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		minor int
		allow bool
		ok    bool
	}{
		{">=3.12", 12, true, true},
		{">=3.12", 11, false, true},
		{">=3.9,<3.12", 11, true, true},
		{">=3.9, <3.12", 12, false, true},
		{"~=3.11", 13, true, true},
		{"~=3.11", 10, false, true},
		{"~=3.11.2", 11, true, true},
		{"~=3.11.2", 12, false, true},
		{"==3.12.*", 12, true, true},
		{"==3.12.*", 11, false, true},
		{"!=3.11.*", 11, false, true},
		{"==3.11", 11, true, true},
		{">3.11", 11, true, true}, // 3.11.1 > 3.11
		{"<3.11", 11, false, true},
		{"<=3.11", 11, true, true},
		{">=3.12.0rc1", 12, true, true},
		{">=3.10,!=3.11.*,<4", 11, false, true},
		{"^3.11", 11, false, false}, // Poetry syntax, not PEP 440
		{">=3.*", 11, false, false},
		{"", 11, false, false},
	} {
		allow, ok := specifierAllows(tc.spec, tc.minor)
		if allow != tc.allow || ok != tc.ok {
			t.Errorf("specifierAllows(%q, 3.%d) = %v %v, want %v %v", tc.spec, tc.minor, allow, ok, tc.allow, tc.ok)
		}
	}
}

func TestReadVersionHintsAndWarnings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if hints, err := ReadVersionHints(dir); err != nil || hints != nil {
		t.Fatalf("empty folder: %v %v", hints, err)
	}
	write(".python-version", "# pyenv\n\n3.12.4\n3.11\n")
	write("pyproject.toml", "[project]\nname = \"svc\"\nrequires-python = \">=3.11\"\n")
	write("Pipfile.lock", `{"_meta": {"requires": {"python_version": "3.11"}, "hash": {}}, "default": {}}`)
	hints, err := ReadVersionHints(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []VersionHint{
		{File: ".python-version", Value: "3.12.4"},
		{File: "pyproject.toml", Field: "[project].requires-python", Value: ">=3.11"},
		{File: "Pipfile.lock", Field: "_meta.requires.python_version", Value: "3.11"},
	}
	if diff := cmp.Diff(want, hints); diff != "" {
		t.Fatalf("hints (-want +got):\n%s", diff)
	}

	w := Warnings(hints, MustNew("python3.11", "x86_64"))
	if len(w) != 1 || !strings.HasPrefix(w[0], ".python-version asks for Python 3.12.4, but the function's runtime is python3.11") {
		t.Errorf("python3.11 warnings: %q", w)
	}
	w = Warnings(hints, MustNew("python3.12", "arm64"))
	if len(w) != 1 || !strings.HasPrefix(w[0], "Pipfile.lock _meta.requires.python_version asks for Python 3.11, but the function's runtime is python3.12") {
		t.Errorf("python3.12 warnings: %q", w)
	}
	w = Warnings(hints, MustNew("python3.10", "arm64"))
	if len(w) != 3 || !strings.Contains(w[1], "pyproject.toml [project].requires-python asks for Python >=3.11, but the function's runtime is python3.10") {
		t.Errorf("python3.10 warnings: %q", w)
	}

	// Values that say nothing about CPython 3.X give no warning.
	for _, v := range []string{"system", "pypy3.10", "3"} {
		h := VersionHint{File: ".python-version", Value: v}
		if _, ok := h.Agrees(MustNew("python3.11", "")); ok {
			t.Errorf(".python-version %q understood", v)
		}
	}
	for _, v := range []string{"cpython-3.11.9", "python3.11", "3.11.0rc1", "3.11t"} {
		h := VersionHint{File: ".python-version", Value: v}
		if agrees, ok := h.Agrees(MustNew("python3.11", "")); !ok || !agrees {
			t.Errorf(".python-version %q: agrees %v ok %v", v, agrees, ok)
		}
	}

	write("pyproject.toml", "[project\n")
	if _, err := ReadVersionHints(dir); err == nil || !strings.Contains(err.Error(), "pyproject.toml") {
		t.Errorf("bad pyproject.toml: %v", err)
	}
	write("pyproject.toml", "[tool.x]\n")
	write("Pipfile.lock", "{")
	if _, err := ReadVersionHints(dir); err == nil || !strings.Contains(err.Error(), "Pipfile.lock") {
		t.Errorf("bad Pipfile.lock: %v", err)
	}
}

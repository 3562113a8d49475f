package slim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		patterns []string
		rel      string
		dir      bool
		want     bool
	}{
		{DefaultPatterns, "x.pyc", false, true},
		{DefaultPatterns, "pkg/sub/mod.pyo", false, true},
		{DefaultPatterns, "pkg/mod.py", false, false},
		{DefaultPatterns, "pkg/mod.py|", false, true}, // the original's class also matches '|'
		{DefaultPatterns, "pkg/__pycache__", true, true},
		{DefaultPatterns, "requests-2.31.0.dist-info", true, true},
		{DefaultPatterns, "a/b.dist-info/RECORD", false, false}, // removed with its folder
		{DefaultPatterns, ".hidden/x.pyc", false, false},        // '**' never enters dot folders
		{DefaultPatterns, "pkg/.x.pyc", false, false},           // '*' never matches a leading '.'
		{[]string{"**/.*"}, "pkg/.x.pyc", false, true},
		{[]string{".hidden/**"}, ".hidden/x.pyc", false, true},
		{[]string{".hidden/**"}, ".hidden", true, true}, // '**' also matches no folder
		{[]string{"boto3/**"}, "boto3", true, true},
		{[]string{"boto3/**"}, "x/boto3/s.py", false, false},
		{[]string{"*.txt"}, "pkg/readme.txt", false, false},
		{[]string{"a/**/b"}, "a/b", false, true},
		{[]string{"a/**/b"}, "a/x/y/b", false, true},
		{[]string{"**/*.{json,so}"}, "p/x.so", false, true},
		{[]string{"**/*.{json,so}"}, "p/x.json", false, true},
		{[]string{"**/{a,b/c}.py"}, "x/b/c.py", false, true},
		{[]string{"p/a{b}.py"}, "p/a{b}.py", false, true}, // no comma: literal braces
		{[]string{"**/[^_]*.py"}, "p/_x.py", false, false},
		{[]string{"**/[^_]*.py"}, "p/x.py", false, true},
		{[]string{"**/tests/"}, "p/tests", true, true},
		{[]string{"**/tests/"}, "p/tests", false, false},
		{[]string{"./bin/*"}, "bin/tool", false, true},
		{[]string{"/bin/*"}, "bin/tool", false, true},
	}
	for _, tt := range tests {
		m, err := Compile(tt.patterns)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Match(tt.rel, tt.dir); got != tt.want {
			t.Errorf("%q.Match(%q, dir=%v) = %v, want %v", tt.patterns, tt.rel, tt.dir, got, tt.want)
		}
	}
	for _, bad := range []string{"[unclosed", "**/{a,[b}", ""} {
		_, err := Compile([]string{"**/ok", bad})
		var pe *PatternError
		if !errors.As(err, &pe) || pe.Index != 1 || pe.Pattern != bad {
			t.Errorf("Compile(%q) error = %v, want a PatternError for index 1", bad, err)
		}
	}
}

// slimTree is a tree with the names that tell glob implementations apart.
var slimTree = []string{
	"pkg/__init__.py", "pkg/mod.py", "pkg/mod.pyc", "pkg/mod.pyo", "pkg/odd.py|",
	"pkg/__pycache__/mod.cpython-311.pyc", "__pycache__x", "pkg/tests/test_a.py",
	"pkg/sub/tests/test_b.py", "tests/t.py", "pkg-1.0.dist-info/RECORD", "pkg-1.0.dist-info/METADATA",
	".hidden/x.pyc", ".hidden/sub/y.py", "pkg/.cache/y.pyc", ".dotfile.pyc", "pkg/.env",
	"boto3/session.py", "boto3/data/x.json", "README.txt", "pkg/readme.txt", "pkg/Data.TXT",
	"bin/tool", "pkg/_speed.cpython-311-x86_64-linux-gnu.so", "numpy.libs/libx.so.1",
	"pkg/[br]ack.py", "pkg/a{b}.py", "pkg/a,b.py",
}

var slimPatterns = []string{
	"**/*.py[c|o]", "**/__pycache__*", "**/*.dist-info*", "**/tests/**", "**/tests", "boto3/**",
	"*.txt", "**/*.txt", "**/*.TXT", "pkg/**/test_?.py", "**/*.{json,so}", "**/.*", ".hidden/**",
	"**/[!_]*.py", "**/[^_]*.py", "**/*.so*", "**/tests/", "pkg/a{b}.py", `pkg/\[br\]ack.py`,
	"pkg/{a,b}*.py", "**/__init__.py", "bin/*", "**", "*", "./pkg/*.py", "**/*.dist-info*/RECORD",
	"pkg/a,b.py", "*/",
}

// TestMatchesNodeGlob compares the matcher with the original's own glob (glob-all 3 over
// node-glob 7, from test/tools/node_modules) on slimTree, pattern by pattern.
func TestMatchesNodeGlob(t *testing.T) {
	globAll := findGlobAll(t)
	root := t.TempDir()
	for _, f := range slimTree {
		p := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := `
const glob = require(process.argv[1]);
const root = process.argv[2];
const out = {};
for (const p of JSON.parse(process.argv[3])) {
  out[p] = glob.sync(root + '/' + p).map((f) => f.slice(root.length + 1).replace(/\/$/, '')).sort();
}
process.stdout.write(JSON.stringify(out));
`
	pats, _ := json.Marshal(slimPatterns)
	cmd := exec.Command("node", "-e", script, globAll, root, string(pats))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	want := map[string][]string{}
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for _, p := range slimPatterns {
		m, err := Compile([]string{p})
		if err != nil {
			t.Errorf("Compile(%q): %v", p, err)
			continue
		}
		got := []string{}
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error { //nolint:errcheck
			if err != nil || path == root {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if m.Match(filepath.ToSlash(rel), d.IsDir()) {
				got = append(got, filepath.ToSlash(rel))
			}
			return nil
		})
		sort.Strings(got)
		// The folder itself ("" for "**") is never removed: the original deleted the whole
		// requirements folder for such a pattern.
		w := slices.DeleteFunc(want[p], func(s string) bool { return s == "" })
		sort.Strings(w)
		if !slices.Equal(got, w) {
			t.Errorf("pattern %q:\n ours: %q\n glob: %q", p, got, w)
		}
	}
}

func findGlobAll(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "test", "tools", "node_modules", "glob-all")
	_, err := os.Stat(p)
	if _, lerr := exec.LookPath("node"); err != nil || lerr != nil {
		msg := "node or test/tools/node_modules/glob-all is missing: run `bash scripts/setup.sh`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// TestStripReal strips a real shared library with the real strip: the symbol table goes, and a
// file strip cannot handle is reported for a warning, not as an error.
func TestStripReal(t *testing.T) {
	for _, tool := range []string{"cc", "strip", "readelf"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "x.c")
	os.WriteFile(src, []byte("int double_it(int x) { return 2 * x; }\n"), 0o644)
	lib := filepath.Join(dir, "pkg", "_x.so")
	os.MkdirAll(filepath.Dir(lib), 0o755)
	if out, err := exec.Command("cc", "-g", "-shared", "-fPIC", "-o", lib, src).CombinedOutput(); err != nil {
		t.Skipf("cannot build a shared library: %v\n%s", err, out)
	}
	notELF := filepath.Join(dir, "pkg", "script.so")
	os.WriteFile(notELF, []byte("not an ELF file\n"), 0o644)
	versioned := filepath.Join(dir, "pkg.libs", "liby.so.1")
	os.MkdirAll(filepath.Dir(versioned), 0o755)
	os.WriteFile(versioned, []byte("x"), 0o644)

	libs, err := SharedLibraries(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(libs, []string{lib, notELF}) {
		t.Fatalf("SharedLibraries = %q (versioned libraries are not stripped, as in the original)", libs)
	}
	if !hasSymtab(t, lib) {
		t.Fatal("the test library has no symbol table to begin with")
	}
	failed, err := Strip(context.Background(), proc.Exec{}, libs, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(failed, "script.so") {
		t.Errorf("Strip failure text = %q, want it to name script.so", failed)
	}
	if hasSymtab(t, lib) {
		t.Errorf("%s still has a symbol table after Strip", lib)
	}
}

func hasSymtab(t *testing.T, lib string) bool {
	t.Helper()
	out, err := exec.Command("readelf", "-S", "-W", lib).CombinedOutput()
	if err != nil {
		t.Fatalf("readelf: %v\n%s", err, out)
	}
	return bytes.Contains(out, []byte(".symtab"))
}

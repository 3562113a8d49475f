package bytecode

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/proc"
)

// These tests run the embedded driver with the machine's real python3.11.

var fixture = map[string]string{
	"pkg/__init__.py": "from .mod import VALUE, fail, is_key\n",
	"pkg/mod.py": `VALUE = "compiled"


def is_key(k):
    # A frozenset constant: its marshalled order follows string hashes.
    return k in {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}


def fail():
    raise RuntimeError("boom")
`,
	"pkg/sub/__init__.py":        "",
	"pkg/sub/deep.py":            "import pkg\nANSWER = 42\nNAMES = ('x', 'y', 1.5, b'z')\n",
	"top.py":                     "def f():\n    return [i * 2 for i in range(3)]\n",
	"py2/bad.py":                 "print \"python 2\"\n",
	"pkg-1.0.dist-info/METADATA": "Name: pkg\n",
}

func python311(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3.11")
	if err == nil {
		err = exec.Command(py, "-c", "import sys; assert sys.version_info[:2] == (3, 11)").Run()
	}
	if err != nil {
		t.Skip("python3.11 is not available:", err)
	}
	return py
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func listFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func compileTree(t *testing.T, py, tree string, j Job, env ...string) Result {
	t.Helper()
	j.Tree = tree
	if j.DDir == "" {
		j.DDir = TaskRoot
	}
	h := Host{Runner: proc.Exec{}, Python: py, Environ: append(os.Environ(), env...)}
	r, err := h.Compile(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCompileWritesOnlyUncheckedHashPyc(t *testing.T) {
	py := python311(t)
	tree := writeTree(t, fixture)
	before := listFiles(t, tree)
	r := compileTree(t, py, tree, Job{Version: "3.11", Workers: 2})

	if r.Compiled != 5 || r.CacheTag != "cpython-311" || r.Version != "3.11" || !strings.HasPrefix(r.PythonVersion, "3.11.") {
		t.Errorf("result = %+v", r)
	}
	if len(r.Failed) != 1 || r.Failed[0].Path != "py2/bad.py" || !strings.HasPrefix(r.Failed[0].Error, "SyntaxError") {
		t.Errorf("failed = %+v", r.Failed)
	}
	var added []string
	old := map[string]bool{}
	for _, f := range before {
		old[f] = true
	}
	for _, f := range listFiles(t, tree) {
		if !old[f] {
			added = append(added, f)
		}
	}
	want := []string{PycPath("pkg/__init__.py", r.CacheTag), PycPath("pkg/mod.py", r.CacheTag),
		PycPath("pkg/sub/__init__.py", r.CacheTag), PycPath("pkg/sub/deep.py", r.CacheTag), PycPath("top.py", r.CacheTag)}
	sort.Strings(want)
	if strings.Join(added, "\n") != strings.Join(want, "\n") {
		t.Errorf("new files:\n%s\nwant:\n%s", strings.Join(added, "\n"), strings.Join(want, "\n"))
	}

	// PEP 552 header: magic, flags (bit 0 hash-based = 1, bit 1 check_source = 0), source hash.
	pyc, err := os.ReadFile(filepath.Join(tree, PycPath("pkg/mod.py", r.CacheTag)))
	if err != nil {
		t.Fatal(err)
	}
	if flags := binary.LittleEndian.Uint32(pyc[4:8]); flags != 0b01 {
		t.Errorf("flags word = %#b, want 0b01 (unchecked hash)", flags)
	}
	// Python's own reading of the header, and the source path recorded in the code object.
	check := `import sys, marshal, importlib.util
data = open(sys.argv[1], "rb").read()
assert data[:4] == importlib.util.MAGIC_NUMBER, "magic"
assert data[8:16] == importlib.util.source_hash(open(sys.argv[2], "rb").read()), "source hash"
code = marshal.loads(data[16:])
print(code.co_filename, [c.co_filename for c in code.co_consts if hasattr(c, "co_filename")][0])
`
	out, err := exec.Command(py, "-c", check, filepath.Join(tree, PycPath("pkg/mod.py", r.CacheTag)),
		filepath.Join(tree, "pkg/mod.py")).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "/var/task/pkg/mod.py /var/task/pkg/mod.py" {
		t.Errorf("co_filename = %q, want the run-time path", got)
	}
	if fi, err := os.Stat(filepath.Join(tree, PycPath("top.py", r.CacheTag))); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("mode of top.pyc: %v %v", fi.Mode(), err)
	}
}

// TestBytecodeIsUsedWithoutTheSource proves the .pyc is what Python runs: after compiling, the
// source is edited and dated far in the future, and the import still yields the compiled value.
// (A timestamp .pyc would be rejected; a checked-hash one would be recompiled in memory.)
func TestBytecodeIsUsedWithoutTheSource(t *testing.T) {
	py := python311(t)
	tree := writeTree(t, fixture)
	r := compileTree(t, py, tree, Job{Version: "3.11"})
	editSource(t, tree)

	script := `import os, sys, pkg.mod as m, pkg.sub.deep
print(m.VALUE, os.path.isfile(m.__spec__.cached), m.__cached__ == m.__spec__.cached, m.is_key("eta"))`
	cmd := exec.Command(py, "-B", "-v", "-c", script)
	cmd.Dir = tree
	cmd.Env = append(os.Environ(), "PYTHONPATH="+tree)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if got := strings.TrimSpace(stdout.String()); got != "compiled True True True" {
		t.Errorf("import printed %q, want the compiled value and an existing __spec__.cached", got)
	}
	// python -v names where each code object came from: the .pyc, never the source.
	for _, rel := range []string{"pkg/__init__.py", "pkg/mod.py", "pkg/sub/deep.py"} {
		pyc := filepath.Join(tree, PycPath(rel, r.CacheTag))
		if !strings.Contains(stderr.String(), "code object from '"+pyc+"'") {
			t.Errorf("python -v does not show %s loaded from %s", rel, pyc)
		}
		if strings.Contains(stderr.String(), "code object from "+filepath.Join(tree, rel)) {
			t.Errorf("%s was compiled from source", rel)
		}
	}
}

func editSource(t *testing.T, tree string) {
	t.Helper()
	p := filepath.Join(tree, "pkg/mod.py")
	b, _ := os.ReadFile(p)
	if err := os.WriteFile(p, bytes.Replace(b, []byte(`"compiled"`), []byte(`"edited!!"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Date(2098, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(p, future, future); err != nil {
		t.Fatal(err)
	}
}

// otherPythons finds interpreters of other versions on this machine (on PATH or in pyenv).
func otherPythons() map[string]string {
	found := map[string]string{}
	home, _ := os.UserHomeDir()
	for _, v := range []string{"3.9", "3.10", "3.12", "3.13"} {
		cands, _ := filepath.Glob(filepath.Join(home, ".pyenv/versions", v+".*", "bin", "python"+v))
		if p, err := exec.LookPath("python" + v); err == nil {
			cands = append([]string{p}, cands...)
		}
		for _, p := range cands {
			if exec.Command(p, "-c", "import sys; assert sys.version_info[:2] == ("+strings.Replace(v, ".", ",", 1)+")").Run() == nil {
				found[v] = p
				break
			}
		}
	}
	return found
}

// TestDeterministic compiles the same sources twice, with different worker counts, hash seeds
// and process histories, and file by file in fresh processes: every .pyc must be identical.
// Python 3.9 and 3.10 need the FLAG_REF rewrite of compile.py for this; they run when found.
func TestDeterministic(t *testing.T) {
	pys := otherPythons()
	pys["3.11"] = python311(t)
	for v, py := range pys {
		t.Run(v, func(t *testing.T) { testDeterministic(t, py, v) })
	}
}

func testDeterministic(t *testing.T, py, version string) {
	files := map[string]string{}
	for k, v := range fixture {
		files[k] = v
	}
	// Real code with many shared names and constants: a few stdlib packages.
	out, err := exec.Command(py, "-c", "import json, os; print(os.path.dirname(json.__file__))").Output()
	if err != nil {
		t.Fatal(err)
	}
	stdlib := filepath.Dir(strings.TrimSpace(string(out)))
	for _, pkg := range []string{"json", "email", "asyncio", "importlib"} {
		filepath.WalkDir(filepath.Join(stdlib, pkg), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(p, ".py") {
				rel, _ := filepath.Rel(stdlib, p)
				b, _ := os.ReadFile(p)
				files["lib/"+filepath.ToSlash(rel)] = string(b)
			}
			return err
		})
	}
	a, b, c := writeTree(t, files), writeTree(t, files), writeTree(t, files)
	ra := compileTree(t, py, a, Job{Version: version, Workers: 1}, "PYTHONHASHSEED=random")
	compileTree(t, py, b, Job{Version: version, Workers: 3}, "PYTHONHASHSEED=12345")
	for _, rel := range []string{"pkg/mod.py", "pkg/sub/deep.py", "lib/json/decoder.py", "lib/asyncio/base_events.py"} {
		compileTree(t, py, c, Job{Version: version, Paths: []string{rel}}) // alone in a fresh process
	}
	if len(ra.Failed) != 1 {
		t.Errorf("failed: %+v", ra.Failed)
	}
	if ra.Compiled < 70 {
		t.Fatalf("compiled only %d files", ra.Compiled)
	}
	n := 0
	for rel := range files {
		if !strings.HasSuffix(rel, ".py") || rel == "py2/bad.py" {
			continue
		}
		pa := readFile(t, filepath.Join(a, PycPath(rel, ra.CacheTag)))
		if pb := readFile(t, filepath.Join(b, PycPath(rel, ra.CacheTag))); !bytes.Equal(pa, pb) {
			t.Errorf("%s: the .pyc differs between two runs", rel)
		}
		if pc, err := os.ReadFile(filepath.Join(c, PycPath(rel, ra.CacheTag))); err == nil {
			n++
			if !bytes.Equal(pa, pc) {
				t.Errorf("%s: the .pyc compiled alone differs from the one compiled with the tree", rel)
			}
		}
	}
	if n != 4 {
		t.Errorf("compared %d files compiled alone, want 4", n)
	}
	pycs := 0
	for _, f := range listFiles(t, c) {
		if strings.HasSuffix(f, ".pyc") {
			pycs++
		}
	}
	if pycs != 4 {
		t.Errorf("Paths named 4 files but %d .pyc files were written", pycs)
	}
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVersionMismatchSkips(t *testing.T) {
	py := python311(t)
	tree := writeTree(t, fixture)
	before := listFiles(t, tree)
	_, err := Host{Runner: proc.Exec{}, Python: py}.Compile(context.Background(), Job{Tree: tree, DDir: TaskRoot, Version: "3.12"})
	var skip *SkipError
	if !errors.As(err, &skip) {
		t.Fatalf("err = %v, want a *SkipError", err)
	}
	if skip.Want != "3.12" || skip.Have != "3.11" || !strings.Contains(err.Error(), "pythonBin ("+py+") is Python 3.11") {
		t.Errorf("skip = %+v: %v", skip, err)
	}
	if after := listFiles(t, tree); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("a skipped run wrote files: %v", after)
	}
}

// TestReadOnlyTaskRoot runs the compiled tree the way Lambda does: bind-mounted read-only at
// /var/task in the local build image, network off. It needs docker and pyreqs-test/python:bookworm.
func TestReadOnlyTaskRoot(t *testing.T) {
	py := python311(t)
	const image = "pyreqs-test/python:bookworm"
	if err := exec.Command("docker", "image", "inspect", image).Run(); err != nil {
		t.Skip("docker or the image " + image + " is not available")
	}
	tree := writeTree(t, fixture)
	r := compileTree(t, py, tree, Job{Version: "3.11"})
	editSource(t, tree)
	script := `import os, sys, traceback, pkg
assert sys.version_info[:2] == (3, 11)
m = sys.modules["pkg.mod"]
print(m.VALUE, m.__spec__.cached)
try:
    pkg.fail()
except RuntimeError:
    print(traceback.format_exc().splitlines()[-3].strip())
`
	out, err := exec.Command("docker", "run", "--rm", "--network", "none", "-v", tree+":/var/task:ro",
		"-w", "/var/task", image, "python3", "-c", script).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := "compiled /var/task/" + PycPath("pkg/mod.py", r.CacheTag) + "\n" + `File "/var/task/pkg/mod.py", line 10, in fail`
	if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, want) {
		t.Errorf("in the container:\n%s\nwant:\n%s", got, want)
	}
}

// TestArgvInContainer runs Job.Argv with Env the way a Docker installer does, in the build image,
// and reads the result with ParseOutput; a version mismatch there is a skip too.
func TestArgvInContainer(t *testing.T) {
	const image = "pyreqs-test/python:bookworm"
	if err := exec.Command("docker", "image", "inspect", image).Run(); err != nil {
		t.Skip("docker or the image " + image + " is not available")
	}
	tree := writeTree(t, fixture)
	run := func(j Job) ([]byte, int) {
		args := []string{"run", "--rm", "--network", "none", "-v", tree + ":/work", "-w", "/work"}
		for _, e := range Env() {
			args = append(args, "-e", e)
		}
		cmd := exec.Command("docker", append(append(args, image), j.Argv("python3")...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return stdout.Bytes(), cmd.ProcessState.ExitCode()
	}
	out, code := run(Job{Tree: "/work", DDir: LayerRoot, Version: "3.12"})
	var skip *SkipError
	if _, err := ParseOutput(out, code, "3.12"); !errors.As(err, &skip) || skip.Have != "3.11" {
		t.Errorf("3.12 in a 3.11 image: %v (exit %d, %s)", err, code, out)
	}
	out, code = run(Job{Tree: "/work", DDir: LayerRoot, Version: "3.11", Workers: 2})
	r, err := ParseOutput(out, code, "3.11")
	if err != nil {
		t.Fatalf("%v (exit %d, %s)", err, code, out)
	}
	if r.Compiled != 5 || r.CacheTag != "cpython-311" {
		t.Errorf("result = %+v", r)
	}
	pyc := readFile(t, filepath.Join(tree, PycPath("pkg/mod.py", r.CacheTag)))
	if !bytes.Contains(pyc, []byte("/opt/python/pkg/mod.py")) || binary.LittleEndian.Uint32(pyc[4:8]) != 1 {
		t.Errorf("the container's .pyc does not record /opt/python or is not unchecked-hash")
	}
}

// TestSkipDirs: with SkipDirs the driver enters no folder of that name, at the top or deeper, and
// still compiles a module of that name; Skipped (what the Go side lists the sources with) picks
// exactly the files the driver leaves alone.
func TestSkipDirs(t *testing.T) {
	py := python311(t)
	files := map[string]string{
		"pkg/__init__.py":            "",
		"pkg/tests.py":               "A = 1\n", // a module, not a folder: compiled
		"pkg/tests/__init__.py":      "",
		"pkg/tests/test_mod.py":      "def test_a():\n    assert True\n",
		"pkg/sub/tests/data/case.py": "X = 2\n",
		"tests/test_top.py":          "Y = 3\n",
		"testsuite/keep.py":          "Z = 4\n",
	}
	tree := writeTree(t, files)
	r := compileTree(t, py, tree, Job{Version: "3.11", Workers: 1, SkipDirs: TestDirs})
	var want []string
	for rel := range files {
		if !Skipped(rel, TestDirs) {
			want = append(want, PycPath(rel, r.CacheTag))
		}
	}
	sort.Strings(want)
	var got []string
	for _, f := range listFiles(t, tree) {
		if strings.HasSuffix(f, ".pyc") {
			got = append(got, f)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || r.Compiled != 3 || len(want) != 3 {
		t.Errorf("compiled %d:\n%s\nwant (Skipped):\n%s", r.Compiled, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if !Skipped("pkg/tests/test_mod.py", TestDirs) || Skipped("pkg/tests.py", TestDirs) || Skipped("a/b.py", nil) {
		t.Errorf("Skipped disagrees with its doc")
	}
}

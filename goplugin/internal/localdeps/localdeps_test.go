package localdeps

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	pkg := filepath.Join(dir, "mypkg")
	write(t, filepath.Join(pkg, "pyproject.toml"), "[project]\nname='mypkg'\n")
	whl := filepath.Join(dir, "w-1.0-py3-none-any.whl")
	write(t, whl, "zip")
	lines := []string{
		"requests==2.31.0",
		"--extra-index-url https://example.invalid/simple",
		pkg,
		pkg + "[extra] ; python_version >= '3.8'",
		"-e " + pkg,
		"other @ file://" + filepath.ToSlash(pkg),
		"file://" + filepath.ToSlash(whl) + "#egg=w",
		"gone @ file:///does/not/exist",
		"git+https://example.invalid/x.git#egg=x",
	}
	got := Find(lines)
	if len(got) != 2 || got[0].Path != pkg || got[0].Name != "" || got[1].Path != whl {
		t.Fatalf("Find = %+v", got)
	}
	if got := Find([]string{"named @ file://" + filepath.ToSlash(pkg)}); len(got) != 1 || got[0].Name != "named" {
		t.Fatalf("Find(name @ file) = %+v", got)
	}
}

func TestDigestFollowsSourceNotBuildOutputs(t *testing.T) {
	pkg := t.TempDir()
	write(t, filepath.Join(pkg, "pyproject.toml"), "[project]\nname='mypkg'\n")
	write(t, filepath.Join(pkg, "mypkg", "__init__.py"), "VALUE = 1\n")
	write(t, filepath.Join(pkg, ".gitignore"), "# outputs\n*.log\n/generated/\n")
	d0, err := Digest(pkg)
	if err != nil {
		t.Fatal(err)
	}
	// Build outputs, bytecode, VCS and ignored files change nothing.
	write(t, filepath.Join(pkg, "build", "lib", "mypkg", "__init__.py"), "old")
	write(t, filepath.Join(pkg, "dist", "mypkg-1.0.tar.gz"), "x")
	write(t, filepath.Join(pkg, "mypkg.egg-info", "PKG-INFO"), "x")
	write(t, filepath.Join(pkg, "mypkg", "__pycache__", "__init__.cpython-311.pyc"), "x")
	write(t, filepath.Join(pkg, ".git", "HEAD"), "ref")
	write(t, filepath.Join(pkg, "pip.log"), "x")
	write(t, filepath.Join(pkg, "generated", "x.py"), "x")
	if d, _ := Digest(pkg); d != d0 {
		t.Fatal("digest changed with build outputs / ignored files")
	}
	// A source change, a new file, and an exec bit each change it.
	write(t, filepath.Join(pkg, "mypkg", "__init__.py"), "VALUE = 2\n")
	d1, _ := Digest(pkg)
	if d1 == d0 {
		t.Fatal("digest did not change with the source")
	}
	write(t, filepath.Join(pkg, "mypkg", "extra.py"), "")
	d2, _ := Digest(pkg)
	if d2 == d1 {
		t.Fatal("digest did not change with a new file")
	}
	if err := os.Chmod(filepath.Join(pkg, "mypkg", "extra.py"), 0o755); err != nil {
		t.Fatal(err)
	}
	if d3, _ := Digest(pkg); d3 == d2 {
		t.Fatal("digest did not change with the exec bit")
	}
	// Archives are digested by content.
	whl := filepath.Join(t.TempDir(), "a.whl")
	write(t, whl, "one")
	a, _ := Digest(whl)
	write(t, whl, "two")
	if b, _ := Digest(whl); a == b {
		t.Fatal("archive digest did not change")
	}
}

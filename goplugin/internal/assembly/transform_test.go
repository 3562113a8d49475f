package assembly

import (
	"archive/zip"
	"context"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/archive"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recordingTransformer upper-cases the .so files, adds a .pyc beside every .py and removes one
// selected file, recording what it was given.
type recordingTransformer struct {
	calls int
	names []string
}

func (r *recordingTransformer) Select(name string) bool {
	return strings.HasSuffix(name, ".so") || strings.HasSuffix(name, ".py")
}

func (r *recordingTransformer) Apply(ctx context.Context, dir string, names []string) (Changes, error) {
	r.calls++
	r.names = names
	var ch Changes
	for _, n := range names {
		p := filepath.Join(dir, filepath.FromSlash(n))
		b, err := os.ReadFile(p)
		if err != nil {
			return ch, err
		}
		switch {
		case strings.HasSuffix(n, "drop.py"):
			ch.Removed = append(ch.Removed, n)
		case strings.HasSuffix(n, ".so"):
			if err := os.WriteFile(p, []byte(strings.ToUpper(string(b))), 0o755); err != nil {
				return ch, err
			}
			ch.Modified = append(ch.Modified, n)
		case strings.HasSuffix(n, ".py"):
			pyc := filepath.ToSlash(filepath.Join(filepath.Dir(n), "__pycache__", strings.TrimSuffix(filepath.Base(n), ".py")+".cpython-312.pyc"))
			if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(filepath.FromSlash(pyc))), 0o755); err != nil {
				return ch, err
			}
			if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(pyc)), append([]byte("PYC:"), b...), 0o644); err != nil {
				return ch, err
			}
			ch.Added = append(ch.Added, pyc)
		}
	}
	return ch, nil
}

func TestTransformHook(t *testing.T) {
	dir := t.TempDir()
	w := makeWheel(t, dir, "demo-1.0-py3-none-any.whl", "demo-1.0.dist-info", []wfile{
		{name: "demo/__init__.py", body: "x = 1\n"},
		{name: "demo/drop.py", body: "gone\n"},
		{name: "demo/_speed.so", body: "elf bytes", mode: 0o755},
		{name: "demo/data.txt", body: "raw\n"},
		// A wheel may ship bytecode of its own (numpy does): an added file of the same name
		// replaces it.
		{name: "demo/__pycache__/__init__.cpython-312.pyc", body: "stale\n"},
	})
	tr := &recordingTransformer{}
	dst := filepath.Join(dir, "out.zip")
	res, err := Assemble(context.Background(), []Wheel{{w, "demo"}}, dst, Options{Transform: tr})
	if err != nil {
		t.Fatal(err)
	}
	if tr.calls != 1 || !slices.Equal(tr.names, []string{"demo/__init__.py", "demo/drop.py", "demo/_speed.so"}) || res.Transformed != 3 {
		t.Errorf("Apply called %d times with %v (Transformed %d), want once with the 3 selected entries", tr.calls, tr.names, res.Transformed)
	}
	got := zipFiles(t, dst)
	if f := got["demo/_speed.so"]; string(f.data) != "ELF BYTES" || f.perm != 0o755 {
		t.Errorf("_speed.so = %q %o, want the modified content, executable", f.data, f.perm)
	}
	if string(got["demo/__pycache__/__init__.cpython-312.pyc"].data) != "PYC:x = 1\n" {
		t.Errorf("added pyc missing: %v", keys(got))
	}
	if _, ok := got["demo/drop.py"]; ok {
		t.Error("removed entry demo/drop.py is still there")
	}
	// Unselected and unmodified entries stay raw copies of the wheel's compressed bytes.
	zr, err := zip.OpenReader(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	src, err := zip.OpenReader(w)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	comp := func(r *zip.ReadCloser, name string) uint64 {
		for _, f := range r.File {
			if f.Name == name {
				return f.CompressedSize64
			}
		}
		return 0
	}
	for _, n := range []string{"demo/data.txt", "demo/__init__.py"} {
		if a, b := comp(zr, n), comp(src, n); a == 0 || a != b {
			t.Errorf("%s: %d compressed bytes, wheel has %d: not a raw copy", n, a, b)
		}
	}
}

func TestExcludeAndExtract(t *testing.T) {
	dir := t.TempDir()
	w := makeWheel(t, dir, "demo-1.0-py3-none-any.whl", "demo-1.0.dist-info", []wfile{
		{name: "demo/__init__.py", body: "x = 1\n"},
		{name: "demo/tests/test_x.py", body: "t\n"},
		{name: "demo/tool", body: "#!/bin/sh\n", mode: 0o755},
	})
	dst := filepath.Join(dir, "out.zip")
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	distsFile := filepath.Join(dir, ".pyreqs", "dists.json")
	_, err := Assemble(context.Background(), []Wheel{{w, "demo"}}, dst, Options{
		Exclude:    func(n string) bool { return strings.Contains(n, "/tests/") },
		ExtractDir: tree, DistsFile: distsFile,
	})
	if err != nil {
		t.Fatal(err)
	}
	files := treeFiles(t, tree)
	if _, ok := files["demo/tests/test_x.py"]; ok {
		t.Error("excluded file was written")
	}
	if f := files["demo/tool"]; f.perm != 0o755 || string(f.data) != "#!/bin/sh\n" {
		t.Errorf("demo/tool extracted as %q %o", f.data, f.perm)
	}
	if len(files) != len(zipFiles(t, dst)) {
		t.Errorf("extracted %d files, zip has %d", len(files), len(zipFiles(t, dst)))
	}
	b, err := os.ReadFile(distsFile)
	if err != nil || !strings.Contains(string(b), `"demo/tests/test_x.py"`) {
		t.Errorf("dists file %s (%v) must list every installed file, excluded ones too", b, err)
	}
}

func TestExtractRejectsEscapes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "evil.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("../escaped.txt")
	w.Write([]byte("x"))
	zw.Close()
	f.Close()
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	if _, err := archive.Extract(context.Background(), p, out); err == nil {
		t.Error("Extract wrote an entry outside its folder")
	}
	if _, err := os.Stat(filepath.Join(dir, "escaped.txt")); err == nil {
		t.Error("escaped.txt was written outside the folder")
	}
}

// TestTransformIntoTree: with a tree to extract, the transformed files are written into it once
// (not extracted again), and the tree ends up holding exactly the zip's files, with the same
// bytes: no removed or excluded file of the transform is left behind.
func TestTransformIntoTree(t *testing.T) {
	dir := t.TempDir()
	w := makeWheel(t, dir, "demo-1.0-py3-none-any.whl", "demo-1.0.dist-info", []wfile{
		{name: "demo/__init__.py", body: "x = 1\n"},
		{name: "demo/drop.py", body: "gone\n"},
		{name: "demo/tests/test_x.py", body: "t\n"},
		{name: "demo/_speed.so", body: "elf bytes", mode: 0o755},
		{name: "demo/data.txt", body: "raw\n"},
	})
	dst := filepath.Join(dir, "out.zip")
	tree := filepath.Join(dir, "tree")
	if err := os.Mkdir(tree, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Assemble(context.Background(), []Wheel{{w, "demo"}}, dst, Options{
		Transform:  &recordingTransformer{},
		Exclude:    func(n string) bool { return strings.Contains(n, "/tests/") },
		ExtractDir: tree,
	})
	if err != nil {
		t.Fatal(err)
	}
	files, zipped := treeFiles(t, tree), zipFiles(t, dst)
	for n, z := range zipped {
		if f, ok := files[n]; !ok || string(f.data) != string(z.data) || f.perm != z.perm {
			t.Errorf("%s: tree %q %o, zip %q %o", n, f.data, f.perm, z.data, z.perm)
		}
	}
	for n := range files {
		if _, ok := zipped[n]; !ok {
			t.Errorf("%s is in the tree but not in the zip", n)
		}
	}
	if string(files["demo/_speed.so"].data) != "ELF BYTES" || string(files["demo/__pycache__/__init__.cpython-312.pyc"].data) != "PYC:x = 1\n" {
		t.Errorf("the tree lacks the transformed files: %v", keys(files))
	}
}

package archive

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMergeRawEntries: entries of an open zip are copied raw (same compressed bytes) under new
// names, with the header this package writes (fixed time, normalised mode, no extra fields),
// whatever the source header had.
func TestMergeRawEntries(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	content := bytes.Repeat([]byte("compress me "), 200)
	for _, e := range []struct {
		name   string
		mode   os.FileMode
		method uint16
	}{{"a/x.py", 0o664, zip.Deflate}, {"a/run", 0o775, zip.Deflate}, {"a/stored.bin", 0, zip.Store}} {
		fh := &zip.FileHeader{Name: e.name, Method: e.method, Modified: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)}
		if e.mode != 0 {
			fh.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(content)
	}
	zw.Close()
	if err := os.WriteFile(src, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	raw := []RawEntry{
		{File: zr.File[0], Name: "x.py"},
		{File: zr.File[1], Name: "bin/run", Exec: true},
		{File: zr.File[2], Name: "data/stored.bin"},
	}
	out1, out2 := filepath.Join(dir, "1.zip"), filepath.Join(dir, "2.zip")
	for _, out := range []string{out1, out2} {
		if _, err := Merge(context.Background(), out, []Input{{Raw: raw}}, PackOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	b1, _ := os.ReadFile(out1)
	b2, _ := os.ReadFile(out2)
	if !bytes.Equal(b1, b2) {
		t.Error("merging the same raw entries twice gave different bytes")
	}
	got, err := zip.OpenReader(out1)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	want := map[string]struct {
		mode os.FileMode
		from *zip.File
	}{"bin/run": {0o755, zr.File[1]}, "data/stored.bin": {0o644, zr.File[2]}, "x.py": {0o644, zr.File[0]}}
	if len(got.File) != len(want) {
		t.Fatalf("%d entries, want %d", len(got.File), len(want))
	}
	for _, f := range got.File {
		w := want[f.Name]
		if f.Mode().Perm() != w.mode || !f.Modified.Equal(FixedModTime) || len(f.Extra) != 0 ||
			f.CreatorVersion>>8 != creatorUnix || f.Method != w.from.Method || f.CompressedSize64 != w.from.CompressedSize64 {
			t.Errorf("%s: mode %o time %v extra %d creator %d method %d size %d", f.Name, f.Mode().Perm(), f.Modified,
				len(f.Extra), f.CreatorVersion>>8, f.Method, f.CompressedSize64)
		}
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(b, content) {
			t.Errorf("%s: content differs (%v)", f.Name, err)
		}
	}
}

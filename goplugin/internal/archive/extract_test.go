package archive

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExtractRoundTripsPackTree(t *testing.T) {
	src := t.TempDir()
	files := map[string]struct {
		data string
		mode os.FileMode
	}{
		"pkg/__init__.py":      {"x = 1\n", 0o644},
		"pkg/bin/tool":         {"#!/bin/sh\n", 0o755},
		"pkg/data/big.txt":     {strings.Repeat("data ", 10000), 0o644},
		"top.py":               {"", 0o644},
		"pkg-1.0.dist-info/RE": {"r", 0o644},
	}
	for n, f := range files {
		p := filepath.Join(src, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f.data), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	zp := filepath.Join(t.TempDir(), "packed.zip")
	if _, err := PackTree(context.Background(), src, zp, PackOptions{}); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	n, err := Extract(context.Background(), zp, dst)
	if err != nil || n != len(files) {
		t.Fatalf("Extract = %d, %v", n, err)
	}
	for name, f := range files {
		p := filepath.Join(dst, name)
		b, err := os.ReadFile(p)
		if err != nil || string(b) != f.data {
			t.Errorf("%s: %v", name, err)
			continue
		}
		fi, _ := os.Stat(p)
		if fi.Mode().Perm() != f.mode {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), f.mode)
		}
	}
}

func TestExtractRefusesUnsafeNames(t *testing.T) {
	for _, name := range []string{"../evil.py", "/etc/evil", "a/../../evil"} {
		zp := filepath.Join(t.TempDir(), "bad.zip")
		f, _ := os.Create(zp)
		zw := zip.NewWriter(f)
		w, _ := zw.Create(name)
		w.Write([]byte("x"))
		zw.Close()
		f.Close()
		dst := t.TempDir()
		if _, err := Extract(context.Background(), zp, dst); err == nil || !strings.Contains(err.Error(), "unsafe") {
			t.Errorf("%q: err = %v", name, err)
		}
	}
}

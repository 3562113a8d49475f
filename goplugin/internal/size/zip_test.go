package size

import (
	"archive/zip"
	"compress/flate"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// file is one entry of a test zip: Data, or Zeros bytes of zeros streamed into it.
type file struct {
	Name  string
	Data  string
	Zeros int64
}

// writeZip writes the files as a deflated zip, streaming (nothing large is held in memory).
func writeZip(t testing.TB, path string, files []file) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	zeros := make([]byte, 1<<20)
	for _, fl := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: fl.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, fl.Data); err != nil {
			t.Fatal(err)
		}
		for left := fl.Zeros; left > 0; {
			n := min(left, int64(len(zeros)))
			if _, err := w.Write(zeros[:n]); err != nil {
				t.Fatal(err)
			}
			left -= n
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// dist returns the files of an installed distribution: its files plus a dist-info folder whose
// RECORD lists them (and itself).
func dist(name, version string, files ...file) []file {
	di := strings.ReplaceAll(name, "-", "_") + "-" + version + ".dist-info/"
	var rec strings.Builder
	out := append([]file{}, files...)
	out = append(out, file{Name: di + "METADATA", Data: "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"})
	for _, f := range out {
		rec.WriteString(f.Name + ",sha256=x,1\n")
	}
	rec.WriteString(di + "RECORD,,\n")
	return append(out, file{Name: di + "RECORD", Data: rec.String()})
}

// prefixed puts every file under prefix (a layer's python/).
func prefixed(prefix string, files []file) []file {
	out := make([]file, len(files))
	for i, f := range files {
		f.Name = prefix + f.Name
		out[i] = f
	}
	return out
}

func concat(parts ...[]file) []file {
	var out []file
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// zipSums opens a zip independently of the package and returns its file size, the sum of its
// entries' uncompressed sizes and its file entry count.
func zipSums(t testing.TB, path string) (zipped, unzipped int64, files int) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		unzipped += int64(f.UncompressedSize64)
		files++
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size(), unzipped, files
}

func pkgNames(a *Artifact) []string {
	var out []string
	for _, p := range a.Packages {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

func findPkg(t testing.TB, a *Artifact, name string) Package {
	t.Helper()
	for _, p := range a.Packages {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("%s: no package %q among %v", a.Name, name, pkgNames(a))
	return Package{}
}

func kb(n int) string { return strings.Repeat("x", n*1024) }

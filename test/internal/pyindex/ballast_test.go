package pyindex

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBallastWheelInstalls writes the 1 MiB ballast wheel and installs it with the real pip
// (which verifies the RECORD hashes): the installed file has the declared size of zeros, and
// the wheel is a small fraction of it.
func TestBallastWheelInstalls(t *testing.T) {
	py := toolsPython(t, repoRoot(t))
	dir := t.TempDir()
	w := BallastWheels()[0]
	if err := w.Write(dir); err != nil {
		t.Fatal(err)
	}
	whl := filepath.Join(dir, w.Filename())
	zr, err := zip.OpenReader(whl)
	if err != nil {
		t.Fatal(err)
	}
	var bin uint64
	for _, f := range zr.File {
		if f.Name == "pyreqs_ballast/ballast.bin" {
			bin = f.UncompressedSize64
		}
	}
	zr.Close()
	if bin != uint64(w.Bytes) {
		t.Fatalf("ballast.bin is %d bytes in the wheel, want %d", bin, w.Bytes)
	}
	if fi, _ := os.Stat(whl); fi.Size()*50 > w.Bytes {
		t.Errorf("wheel is %d bytes for %d bytes of zeros: not compressed", fi.Size(), w.Bytes)
	}
	target := filepath.Join(dir, "target")
	cmd := exec.Command(py, "-m", "pip", "install", "--no-deps", "--no-index", "--target", target, whl)
	cmd.Env = isolatedPipEnv(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v\n%s", err, out)
	}
	fi, err := os.Stat(filepath.Join(target, "pyreqs_ballast", "ballast.bin"))
	if err != nil || fi.Size() != w.Bytes {
		t.Fatalf("installed ballast.bin: %v (size %v), want %d bytes", err, fi, w.Bytes)
	}
}

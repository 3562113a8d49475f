package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlatformWheels(t *testing.T) {
	dir := t.TempDir()
	wheels := PlatformWheels()
	if len(wheels) != 12 {
		t.Fatalf("%d platform wheels, want 12 (5 multiarch + 1 liar, for cp311 and cp312)", len(wheels))
	}
	for _, w := range wheels {
		if err := w.Write(dir); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, w.Filename())
		first, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(dir); err != nil {
			t.Fatal(err)
		}
		if again, _ := os.ReadFile(path); !bytes.Equal(first, again) {
			t.Errorf("%s: not reproducible", w.Filename())
		}
		files := readZip(t, path)

		// RECORD lists every other file with its sha256, as pip and uv check.
		info := fmt.Sprintf("%s-%s.dist-info", strings.ReplaceAll(w.Project, "-", "_"), w.Version)
		record := string(files[info+"/RECORD"])
		for name, data := range files {
			if name == info+"/RECORD" {
				continue
			}
			sum := sha256.Sum256(data)
			line := fmt.Sprintf("%s,sha256=%s,%d\n", name, base64.RawURLEncoding.EncodeToString(sum[:]), len(data))
			if !strings.Contains(record, line) {
				t.Errorf("%s: RECORD lacks %q:\n%s", w.Filename(), line, record)
			}
		}
		if !strings.Contains(string(files[info+"/WHEEL"]), "Tag: "+w.Tag()+"\n") {
			t.Errorf("%s: WHEEL = %q", w.Filename(), files[info+"/WHEEL"])
		}

		// The native file is of the kind its Native field says: the tag, except for the liar.
		native := files[w.NativeFile()]
		var got string
		switch {
		case strings.HasPrefix(w.Native, "elf-"):
			f, err := elf.NewFile(bytes.NewReader(native))
			if err != nil {
				t.Fatalf("%s: %v", w.Filename(), err)
			}
			got = map[elf.Machine]string{elf.EM_X86_64: "elf-x86_64", elf.EM_AARCH64: "elf-aarch64"}[f.Machine]
		case strings.HasPrefix(w.Native, "macho-"):
			f, err := macho.NewFile(bytes.NewReader(native))
			if err != nil {
				t.Fatalf("%s: %v", w.Filename(), err)
			}
			got = map[macho.Cpu]string{macho.CpuArm64: "macho-arm64"}[f.Cpu]
		case strings.HasPrefix(w.Native, "pe-"):
			f, err := pe.NewFile(bytes.NewReader(native))
			if err != nil {
				t.Fatalf("%s: %v", w.Filename(), err)
			}
			got = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "pe-x86_64"}[f.Machine]
		}
		if got != w.Native {
			t.Errorf("%s: %s is %q, want %q", w.Filename(), w.NativeFile(), got, w.Native)
		}
		// The tag says what the native file should be; only the liar's disagrees.
		byTag := map[string]string{"manylinux2014_x86_64": "elf-x86_64", "manylinux2014_aarch64": "elf-aarch64",
			"manylinux_2_34_aarch64": "elf-aarch64", "macosx_11_0_arm64": "macho-arm64", "win_amd64": "pe-x86_64"}[w.Platform]
		if liar := w.Project == "pyreqs-liar"; (byTag == w.Native) == liar {
			t.Errorf("%s: native %s, tag %s, liar %v", w.Filename(), w.Native, w.Platform, liar)
		}
	}
}

func readZip(t *testing.T, path string) map[string][]byte {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := map[string][]byte{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}

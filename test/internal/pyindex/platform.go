package pyindex

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/serverless-pyreqs/serverless-pyreqs/test/nativebin"
)

// PlatformWheel is one wheel that Build writes directly (no build backend), so the index holds
// wheels for platforms this machine cannot build for: each carries a header-only native file of
// the kind and machine its tag names (see test/nativebin), or, for a "lying" wheel, of another.
type PlatformWheel struct {
	Project  string // e.g. "pyreqs-multiarch"
	Version  string
	ABI      string // "cp311", "cp312": the tag is <ABI>-<ABI>-<Platform>
	Platform string // e.g. "manylinux2014_aarch64"
	Native   string // the native file's kind: "elf-x86_64", "elf-aarch64", "macho-arm64", "pe-x86_64"
	Requires []string
}

// Filename is the wheel's file name, e.g. pyreqs_multiarch-1.0.0-cp311-cp311-manylinux2014_aarch64.whl.
func (w PlatformWheel) Filename() string {
	return fmt.Sprintf("%s-%s-%s.whl", w.dist(), w.Version, w.Tag())
}

// Tag is the wheel's tag, e.g. cp311-cp311-manylinux2014_aarch64.
func (w PlatformWheel) Tag() string { return w.ABI + "-" + w.ABI + "-" + w.Platform }

func (w PlatformWheel) dist() string { return strings.ReplaceAll(w.Project, "-", "_") }

// PlatformWheels lists the wheels Build writes besides the built distributions:
//
//   - pyreqs-multiarch 1.0.0 (depends on pyreqs-pure) for cp311 and cp312, tagged
//     manylinux2014_x86_64, manylinux2014_aarch64, manylinux_2_34_aarch64, macosx_11_0_arm64 and
//     win_amd64, each with a native file of that platform; its module's TAG says which wheel it is;
//   - pyreqs-liar 1.0.0 for cp311 and cp312, tagged manylinux2014_x86_64 but holding an aarch64
//     .so: only a check of the installed files catches it.
func PlatformWheels() []PlatformWheel {
	var out []PlatformWheel
	for _, abi := range []string{"cp311", "cp312"} {
		for _, p := range []struct{ plat, native string }{
			{"manylinux2014_x86_64", "elf-x86_64"},
			{"manylinux2014_aarch64", "elf-aarch64"},
			{"manylinux_2_34_aarch64", "elf-aarch64"},
			{"macosx_11_0_arm64", "macho-arm64"},
			{"win_amd64", "pe-x86_64"},
		} {
			out = append(out, PlatformWheel{Project: "pyreqs-multiarch", Version: "1.0.0", ABI: abi, Platform: p.plat,
				Native: p.native, Requires: []string{"pyreqs-pure>=1.0"}})
		}
		out = append(out, PlatformWheel{Project: "pyreqs-liar", Version: "1.0.0", ABI: abi,
			Platform: "manylinux2014_x86_64", Native: "elf-aarch64"})
	}
	return out
}

// NativeFile is the path inside the wheel of its native file, e.g.
// pyreqs_multiarch/_native.cpython-311-aarch64-linux-gnu.so or pyreqs_multiarch/_native.cp311-win_amd64.pyd.
func (w PlatformWheel) NativeFile() string {
	v := strings.TrimPrefix(w.ABI, "cp")
	var suffix string
	switch {
	case strings.HasPrefix(w.Platform, "macosx"):
		suffix = ".cpython-" + v + "-darwin.so"
	case strings.HasPrefix(w.Platform, "win"):
		suffix = "." + w.ABI + "-" + w.Platform + ".pyd"
	default:
		machine := "x86_64"
		if strings.HasSuffix(w.Platform, "_aarch64") {
			machine = "aarch64"
		}
		suffix = ".cpython-" + v + "-" + machine + "-linux-gnu.so"
	}
	return w.dist() + "/_native" + suffix
}

func (w PlatformWheel) native() []byte {
	kind, arch, _ := strings.Cut(w.Native, "-")
	switch kind {
	case "elf":
		return nativebin.ELF(arch)
	case "macho":
		return nativebin.MachO(arch)
	case "pe":
		return nativebin.PE(arch)
	}
	panic("pyindex: unknown native kind " + w.Native)
}

// Write writes the wheel into dir: reproducible (sorted entries, 1980-01-01 timestamps) with a
// RECORD of sha256 hashes, as pip and uv verify.
func (w PlatformWheel) Write(dir string) error {
	info := fmt.Sprintf("%s-%s.dist-info", w.dist(), w.Version)
	var meta strings.Builder
	fmt.Fprintf(&meta, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: serverless-pyreqs test wheel for %s\nRequires-Python: >=3.8\n",
		w.Project, w.Version, w.Tag())
	for _, r := range w.Requires {
		fmt.Fprintf(&meta, "Requires-Dist: %s\n", r)
	}
	entries := []struct {
		name string
		data []byte
	}{
		{w.dist() + "/__init__.py", fmt.Appendf(nil, "TAG = %q\n", w.Tag())},
		{w.NativeFile(), w.native()},
		{info + "/METADATA", []byte(meta.String())},
		{info + "/WHEEL", fmt.Appendf(nil, "Wheel-Version: 1.0\nGenerator: pyreqs-pyindex\nRoot-Is-Purelib: false\nTag: %s\n", w.Tag())},
	}
	var record strings.Builder
	for _, e := range entries {
		sum := sha256.Sum256(e.data)
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", e.name, base64.RawURLEncoding.EncodeToString(sum[:]), len(e.data))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", info)
	entries = append(entries, struct {
		name string
		data []byte
	}{info + "/RECORD", []byte(record.String())})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(e.name, ".so") || strings.HasSuffix(e.name, ".pyd") {
			mode = 0o755
		}
		h.SetMode(mode)
		f, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := f.Write(e.data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, w.Filename()), buf.Bytes(), 0o644)
}

package binarycheck

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
	"github.com/serverless-pyreqs/serverless-pyreqs/test/nativebin"
)

func TestIdentify(t *testing.T) {
	javaClass := []byte{0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x41, 0, 0, 0, 0}
	for name, tc := range map[string]struct {
		data []byte
		want string // "" = not native
	}{
		"elf x86_64":      {nativebin.ELF("x86_64"), "ELF 64-bit x86_64"},
		"elf aarch64":     {nativebin.ELF("aarch64"), "ELF 64-bit aarch64"},
		"elf i386":        {nativebin.ELF("i386"), "ELF 32-bit i386"},
		"elf arm":         {nativebin.ELF("arm"), "ELF 32-bit arm"},
		"macho arm64":     {nativebin.MachO("arm64"), "Mach-O 64-bit arm64 (macOS)"},
		"macho x86_64":    {nativebin.MachO("x86_64"), "Mach-O 64-bit x86_64 (macOS)"},
		"fat macho":       {nativebin.FatMachO("x86_64", "arm64"), "Mach-O x86_64+arm64 (macOS)"},
		"pe amd64":        {nativebin.PE("x86_64"), "PE 64-bit x86_64 (Windows)"},
		"pe arm64":        {nativebin.PE("arm64"), "PE 64-bit arm64 (Windows)"},
		"pe i386":         {nativebin.PE("i386"), "PE 32-bit i386 (Windows)"},
		"java class":      {javaClass, ""},
		"text":            {[]byte("import os\n"), ""},
		"empty":           {nil, ""},
		"MZ without PE":   {append([]byte("MZ"), make([]byte, 100)...), ""},
		"truncated ELF":   {[]byte("\x7fELF\x02"), ""},
		"zip (a wheel)":   {[]byte("PK\x03\x04rest of a zip file......"), ""},
		"elf big endian?": {bigEndianELF(), "ELF 64-bit ppc64"},
	} {
		b, ok, err := Identify(bytes.NewReader(tc.data))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		got := ""
		if ok {
			got = b.String()
		}
		if got != tc.want {
			t.Errorf("%s: Identify = %q, want %q", name, got, tc.want)
		}
	}
}

func bigEndianELF() []byte {
	h := nativebin.ELF("x86_64")
	h[5] = 2             // ELFDATA2MSB
	h[18], h[19] = 0, 21 // EM_PPC64, big-endian
	return h
}

// tree writes files (slash paths) under a new folder.
func tree(t *testing.T, files map[string][]byte) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestCheck(t *testing.T) {
	freebsd := nativebin.ELF("x86_64")
	freebsd[7] = 9 // ELFOSABI_FREEBSD
	linuxABI := nativebin.ELF("aarch64")
	linuxABI[7] = 3 // ELFOSABI_LINUX (GNU): loads on Linux
	root := tree(t, map[string][]byte{
		"fastjson/__init__.py":                            []byte("from ._speed import *\n"),
		"fastjson/_speed.cpython-311-x86_64-linux-gnu.so": nativebin.ELF("x86_64"),
		"fastjson/_speed.cpython-311-darwin.so":           nativebin.MachO("arm64"),
		"fastjson-2.0.dist-info/METADATA":                 []byte("Metadata-Version: 2.1\nName: FastJSON\nVersion: 2.0\n\nName: not a header\n"),
		"fastjson-2.0.dist-info/RECORD": []byte("fastjson/__init__.py,sha256=x,1\n" +
			"fastjson/_speed.cpython-311-x86_64-linux-gnu.so,sha256=x,64\n" +
			"\"fastjson/_speed.cpython-311-darwin.so\",sha256=x,32\n" +
			"fastjson-2.0.dist-info/RECORD,,\n"),
		"armlib/_core.abi3.so":                          nativebin.ELF("aarch64"),
		"armlib/_gnu.abi3.so":                           linuxABI,
		"armlib.libs/libz-1234.so.1.2.13":               nativebin.ELF("aarch64"),
		"armlib-1.0.dist-info/RECORD":                   []byte("armlib/_core.abi3.so,,\narmlib.libs/libz-1234.so.1.2.13,,\n"),
		"winpkg/_ext.cp311-win_amd64.pyd":               nativebin.PE("x86_64"),
		"winpkg/helper.dll":                             nativebin.PE("i386"),
		"setuptools/cli-64.exe":                         nativebin.PE("x86_64"), // a launcher stub: data on Linux
		"old32/_m.so":                                   nativebin.ELF("i386"),
		"bsd/_m.so":                                     freebsd,
		"_cffi_backend.cpython-311-x86_64-linux-gnu.so": nativebin.ELF("x86_64"),
		"universal/_u.so":                               nativebin.FatMachO("x86_64", "arm64"),
		"bin/tool":                                      nativebin.ELF("x86_64"),
	})

	got, err := Check(root, "x86_64")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"armlib: armlib.libs/libz-1234.so.1.2.13 is ELF 64-bit aarch64 (built for aarch64, the function runs on x86_64)",
		"armlib: armlib/_core.abi3.so is ELF 64-bit aarch64 (built for aarch64, the function runs on x86_64)",
		"armlib: armlib/_gnu.abi3.so is ELF 64-bit aarch64 (built for aarch64, the function runs on x86_64)",
		"bsd: bsd/_m.so is ELF 64-bit x86_64 (freebsd) (built for freebsd, the function runs on Linux)",
		"FastJSON: fastjson/_speed.cpython-311-darwin.so is Mach-O 64-bit arm64 (macOS) (a macOS binary, the function runs on Linux)",
		"old32: old32/_m.so is ELF 32-bit i386 (built for i386, the function runs on x86_64)",
		"universal: universal/_u.so is Mach-O x86_64+arm64 (macOS) (a macOS binary, the function runs on Linux)",
		"winpkg: winpkg/_ext.cp311-win_amd64.pyd is PE 64-bit x86_64 (Windows) (a Windows binary, the function runs on Linux)",
		"winpkg: winpkg/helper.dll is PE 32-bit i386 (Windows) (a Windows binary, the function runs on Linux)",
	}
	if diff := cmp.Diff(want, strs(got)); diff != "" {
		t.Errorf("Check x86_64 (-want +got):\n%s", diff)
	}

	got, err = Check(root, "aarch64")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range got {
		files = append(files, p.Package+" "+p.File)
	}
	want = []string{
		"_cffi_backend _cffi_backend.cpython-311-x86_64-linux-gnu.so",
		"bin bin/tool",
		"bsd bsd/_m.so",
		"FastJSON fastjson/_speed.cpython-311-darwin.so",
		"FastJSON fastjson/_speed.cpython-311-x86_64-linux-gnu.so",
		"old32 old32/_m.so",
		"universal universal/_u.so",
		"winpkg winpkg/_ext.cp311-win_amd64.pyd",
		"winpkg winpkg/helper.dll",
	}
	if diff := cmp.Diff(want, files); diff != "" {
		t.Errorf("Check aarch64 (-want +got):\n%s", diff)
	}

	clean := tree(t, map[string][]byte{"ok/_m.so": nativebin.ELF("aarch64"), "ok/__init__.py": nil})
	if got, err := Check(clean, "aarch64"); err != nil || got != nil {
		t.Errorf("clean tree: %v, %v", got, err)
	}
	if _, err := Check(filepath.Join(clean, "missing"), "aarch64"); err == nil {
		t.Error("Check of a missing folder: no error")
	}
}

func strs(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestErrAndWarning(t *testing.T) {
	ps := []Problem{{Package: "pyreqs-liar", File: "pyreqs_liar/_native.so", Built: Binary{Format: ELF, Machine: "aarch64", Bits: 64},
		Reason: "built for aarch64, the function runs on x86_64"}}
	if Err(nil, "python3.11 x86_64") != nil {
		t.Error("Err(nil) != nil")
	}
	err := Err(ps, "python3.11 x86_64")
	var de *diag.Error
	if !errors.As(err, &de) || de.Code != CodeWrongPlatform {
		t.Fatalf("Err = %#v", err)
	}
	for _, s := range []string{"python3.11 x86_64", "pyreqs-liar: pyreqs_liar/_native.so is ELF 64-bit aarch64", "dockerizePip: true", "Pin a version"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("Err lacks %q:\n%s", s, err)
		}
	}
	w := Warning(ps, "vendor", "python3.11 x86_64")
	if w.Code != diag.CodeVendorWrongPlatform || w.File != "vendor" {
		t.Errorf("Warning = %+v", w)
	}
	for _, s := range []string{"vendor folder vendor", "pyreqs_liar/_native.so", "python3.11 x86_64"} {
		if !strings.Contains(w.String(), s) {
			t.Errorf("Warning lacks %q:\n%s", s, w)
		}
	}
	if Warning(nil, "vendor", "x") != nil {
		t.Error("Warning(nil) not empty")
	}
}

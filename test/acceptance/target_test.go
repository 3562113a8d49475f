package acceptance

// Installing for the Lambda target without Docker (issue 11), end to end with the real `sls
// package`, real pip and uv and the local index, on this x86_64 host with Python 3.11: the
// index's pyreqs-multiarch has cp311/cp312 wheels for x86_64, aarch64, macOS and Windows, each
// with a native file of its kind; pyreqs-liar's x86_64 wheel holds an aarch64 .so.

import (
	"bytes"
	"debug/elf"
	"path"
	"strings"
	"testing"
)

// soMachine opens the one pyreqs_multiarch/_native*.so in the zip and returns its ELF machine.
func soMachine(t *testing.T, zipPath string) elf.Machine {
	t.Helper()
	var so string
	for name := range ZipEntries(t, zipPath) {
		if strings.HasPrefix(name, "pyreqs_multiarch/_native") {
			if so != "" || path.Ext(name) != ".so" {
				t.Fatalf("%s: unexpected native files %s and %s", zipPath, so, name)
			}
			so = name
		}
	}
	if so == "" {
		t.Fatalf("%s holds no pyreqs_multiarch/_native*.so", zipPath)
	}
	f, err := elf.NewFile(bytes.NewReader(ZipRead(t, zipPath, so)))
	if err != nil {
		t.Fatalf("%s in %s is not an ELF file: %v", so, zipPath, err)
	}
	return f.Machine
}

// multiarchTag is pyreqs_multiarch.TAG of the installed wheel, e.g. cp312-cp312-manylinux2014_x86_64.
func multiarchTag(t *testing.T, zipPath string) string {
	t.Helper()
	src := strings.TrimSpace(string(ZipRead(t, zipPath, "pyreqs_multiarch/__init__.py")))
	return strings.Trim(strings.TrimPrefix(src, "TAG = "), `"`)
}

// TestTargetInstall, for pip and uv: an arm64 function gets the aarch64 wheel (and the pure sdist,
// built on the host), a python3.12 function the cp312 wheel (the runtime's python3.12 is not on
// this host: python3 installs for it); x86_64 and arm64 functions packaged individually get one
// set and one cache entry each; a compiled sdist is an error naming it and the fixes; the lying
// wheel is caught by the binary check.
func TestTargetInstall(t *testing.T) {
	for _, tool := range []string{"pip", "uv"} {
		t.Run(tool, func(t *testing.T) {
			if tool == "uv" {
				RequireTool(t, "uv")
			}
			t.Parallel()
			s := NewService(t, "individually", Ours)
			s.SetConfig("custom.pythonRequirements.installer", tool)
			s.WriteFile("requirements.txt", "pyreqs-multiarch==1.0.0\npyreqs-sdistonly==1.0.0\n")
			s.WriteFile("mod_a/requirements.txt", "pyreqs-multiarch==1.0.0\n")
			s.WriteFile("mod_b/requirements.txt", "pyreqs-multiarch==1.0.0\n")
			s.SetConfig("functions.funcA.architecture", "arm64")
			root := s.Path(".serverless/root.zip")
			modA := s.Path(".serverless/mod_a-individually-dev-funcA.zip")
			modB := s.Path(".serverless/mod_b-individually-dev-funcB.zip")

			// root and funcB are x86_64/python3.11 (the host's: installed on the host), funcA is arm64.
			_, stderr := s.MustSls("package", "--verbose")
			for _, c := range []struct {
				zip, tag string
				machine  elf.Machine
			}{
				{root, "cp311-cp311-manylinux2014_x86_64", elf.EM_X86_64},
				{modA, "cp311-cp311-manylinux2014_aarch64", elf.EM_AARCH64},
				{modB, "cp311-cp311-manylinux2014_x86_64", elf.EM_X86_64},
			} {
				if got := multiarchTag(t, c.zip); got != c.tag {
					t.Errorf("%s: installed %s, want %s", path.Base(c.zip), got, c.tag)
				}
				if got := soMachine(t, c.zip); got != c.machine {
					t.Errorf("%s: the .so is %v, want %v", path.Base(c.zip), got, c.machine)
				}
				assertPackages(t, c.zip, []string{"pyreqs_multiarch", "pyreqs_pure"}, nil)
			}
			if want := "Installing requirements for python3.11 arm64 (Amazon Linux 2, glibc 2.26) without Docker: the host is linux/x86_64, the function runs on linux/aarch64."; !strings.Contains(stderr, want) {
				t.Errorf("the log lacks %q:\n%s", want, tail(stderr, 3000))
			}
			// mod_a and mod_b have the same requirements but not the same target: two entries,
			// plus the root's.
			if n := len(cacheEntries(t, cacheRoot(s))); n != 3 {
				t.Errorf("%d cache entries, want 3 (root, x86_64 module, arm64 module)", n)
			}

			// The whole service on arm64: the pure sdist is built on the host and shipped.
			s.SetConfig("provider.architecture", "arm64")
			_, stderr = s.MustSls("package", "--verbose")
			if got := multiarchTag(t, root); got != "cp311-cp311-manylinux2014_aarch64" {
				t.Errorf("root.zip on arm64: installed %s", got)
			}
			assertPackages(t, root, []string{"pyreqs_multiarch", "pyreqs_pure", "pyreqs_sdistonly"}, nil)
			if want := "Built pyreqs_sdistonly-1.0.0-py3-none-any.whl on this machine (pure Python) and installed it for python3.11 arm64"; !strings.Contains(stderr, want) {
				t.Errorf("the log lacks %q:\n%s", want, tail(stderr, 3000))
			}

			// python3.12 (x86_64): the cp312 wheel, although the host has Python 3.11.
			s.UnsetConfig("provider.architecture")
			s.SetConfig("provider.runtime", "python3.12")
			s.MustSls("package")
			if got := multiarchTag(t, root); got != "cp312-cp312-manylinux2014_x86_64" {
				t.Errorf("root.zip on python3.12: installed %s", got)
			}
			if got := soMachine(t, root); got != elf.EM_X86_64 {
				t.Errorf("root.zip on python3.12: the .so is %v", got)
			}

			// A compiled sdist has no wheel for the target: the error names it and the fixes.
			s.SetConfig("provider.architecture", "arm64")
			s.WriteFile("requirements.txt", "pyreqs-compiled==1.0.0\n")
			stdout, stderr, err := s.Sls("package")
			assertUserError(t, err, stdout, stderr, "pyreqs-compiled has no wheel for python3.12 arm64",
				"dockerizePip: true", "dockerizePip: when-needed")

			// The lying wheel (tagged x86_64, holding an aarch64 .so) is caught by the binary check.
			s.UnsetConfig("provider.architecture")
			s.WriteFile("requirements.txt", "pyreqs-liar==1.0.0\n")
			stdout, stderr, err = s.Sls("package")
			assertUserError(t, err, stdout, stderr, "the requirements installed for python3.12 x86_64 contain 1 native file(s) that cannot load there",
				"pyreqs-liar: pyreqs_liar/_native.cpython-312-x86_64-linux-gnu.so is ELF 64-bit aarch64 (built for aarch64, the function runs on x86_64)")
		})
	}
}

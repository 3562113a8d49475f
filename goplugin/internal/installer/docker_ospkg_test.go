package installer

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/container"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/diag"
)

// TestShipLibraries builds real ELF files with the host's C compiler: an extension that needs
// libdep.so.1, which needs libdeeper.so.2; libunused.so.3 is provided but loaded by nothing.
func TestShipLibraries(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	dest := t.TempDir()
	staging := filepath.Join(dest, osLibsDir)
	build := func(out, src string, args ...string) {
		t.Helper()
		c := filepath.Join(t.TempDir(), "x.c")
		os.WriteFile(c, []byte(src), 0o644)
		cmd := exec.Command(cc, append([]string{"-shared", "-fPIC", "-o", out, c}, args...)...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
	}
	os.MkdirAll(staging, 0o755)
	os.MkdirAll(filepath.Join(dest, "pkg"), 0o755)
	build(filepath.Join(staging, "libdeeper.so.2"), "int deeper(void){return 2;}", "-Wl,-soname,libdeeper.so.2")
	build(filepath.Join(staging, "libdep.so.1"), "int deeper(void); int dep(void){return deeper();}",
		"-Wl,-soname,libdep.so.1", "-L"+staging, "-l:libdeeper.so.2")
	build(filepath.Join(staging, "libunused.so.3"), "int unused(void){return 3;}", "-Wl,-soname,libunused.so.3")
	build(filepath.Join(dest, "pkg", "_ext.cpython-311-x86_64-linux-gnu.so"), "int dep(void); int f(void){return dep();}",
		"-L"+staging, "-l:libdep.so.1")
	os.WriteFile(filepath.Join(dest, "pkg", "notelf.so"), []byte("text"), 0o644)
	list := strings.Join([]string{"/usr/share/doc/libdep1", "/usr/lib/x86_64-linux-gnu/libdep.so.1",
		"/usr/lib/x86_64-linux-gnu/libdeeper.so.2", "/usr/lib/x86_64-linux-gnu/libunused.so.3"}, "\n")
	os.WriteFile(filepath.Join(staging, osLibsList), []byte(list+"\n"), 0o644)

	got, err := shipLibraries(Set{OSPackages: []string{"libdep1"}}, dest)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"libdeeper.so.2", "libdep.so.1"}; !slices.Equal(got, want) {
		t.Errorf("shipped %v, want %v", got, want)
	}
	for _, n := range []string{"libdeeper.so.2", "libdep.so.1"} {
		if _, err := os.Stat(filepath.Join(dest, "lib", n)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(staging); !os.IsNotExist(err) {
		t.Errorf("the staging folder is left: %v", err)
	}
}

// TestWithOSPackages: package names are arguments of fixed scripts, the install command follows.
func TestWithOSPackages(t *testing.T) {
	cmd, err := withOSPackages(Set{OSPackages: []string{"libpq5", "zlib1g"}}, []string{"python3.11", "-m", "pip", "install"})
	if err != nil {
		t.Fatal(err)
	}
	if cmd[0] != "/bin/sh" || cmd[1] != "-c" || !slices.Equal(cmd[4:], []string{"python3.11", "-m", "pip", "install"}) {
		t.Errorf("command = %q", cmd)
	}
	if !strings.Contains(cmd[2], "'libpq5' 'zlib1g'") || !strings.Contains(cmd[2], `"$@"`) {
		t.Errorf("script = %s", cmd[2])
	}
	if _, err := withOSPackages(Set{OSPackages: []string{"-o"}}, nil); err == nil {
		t.Error("an option as a package name is accepted")
	}
	same, _ := withOSPackages(Set{}, []string{"pip"})
	if !slices.Equal(same, []string{"pip"}) {
		t.Errorf("without packages: %q", same)
	}
}

func TestOSPackagesError(t *testing.T) {
	s := Set{OSPackages: []string{"libnope"}, OSPackagesFile: "apt-requirements.txt"}
	err := osPackagesError(s, &container.ExitError{Code: exitOSPackages, Image: "img", Output: "E: Unable to locate package libnope"})
	d, ok := diag.As(err)
	if !ok || d.File != "apt-requirements.txt" || !strings.Contains(d.Message, "libnope") || !strings.Contains(d.Output, "Unable to locate") {
		t.Fatalf("err = %#v", err)
	}
	if osPackagesError(s, &container.ExitError{Code: 1}) != nil || osPackagesError(Set{}, &container.ExitError{Code: exitOSPackages}) != nil {
		t.Error("another failure is reported as the OS packages'")
	}
}

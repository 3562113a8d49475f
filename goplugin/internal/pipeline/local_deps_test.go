package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/install"
	"github.com/serverless-pyreqs/serverless-pyreqs/goplugin/internal/protocol"
)

// TestLocalPackageContentInKey: the cache entry of a set with a local package changes when the
// package's source changes (not when a build output or a .gitignored file does), and the package's
// name (from its pyproject.toml) is what uv is told to rebuild.
func TestLocalPackageContentInKey(t *testing.T) {
	s := newSvc(t)
	write(s.dir, "requirements.txt", "six\n./localpkg\n", 0o644)
	write(s.dir, "localpkg/pyproject.toml", "[project]\nname = \"My_Pkg\"\nversion = \"1\"\n", 0o644)
	write(s.dir, "localpkg/.gitignore", "*.log\n", 0o644)
	write(s.dir, "localpkg/my_pkg/__init__.py", "V = 1\n", 0o644)
	fp := &fakePython{}
	name := func() string {
		t.Helper()
		if _, log, err := runPhase(t, s, protocol.PhaseBefore, fp); err != nil {
			t.Fatalf("%v\n%s", err, log)
		}
		l, _ := os.Readlink(filepath.Join(s.dir, ".serverless", "requirements"))
		return filepath.Base(l)
	}
	first := name()
	hdr, _ := os.ReadFile(filepath.Join(s.dir, ".serverless", "requirements.txt"))
	if !strings.Contains(string(hdr), "# local: "+filepath.Join(s.dir, "localpkg")+" sha256=") {
		t.Errorf("the key header has no line for the local package:\n%s", hdr)
	}
	write(s.dir, "localpkg/build/lib/x.py", "junk\n", 0o644)
	write(s.dir, "localpkg/debug.log", "junk\n", 0o644)
	if got := name(); got != first {
		t.Errorf("a build output or an ignored file changed the key: %s -> %s", first, got)
	}
	write(s.dir, "localpkg/my_pkg/__init__.py", "V = 2\n", 0o644)
	if got := name(); got == first {
		t.Errorf("changing the local package's source kept the key %s", got)
	}
	if fp.installs != 2 {
		t.Errorf("installs = %d, want 2", fp.installs)
	}
	if n := packageName(filepath.Join(s.dir, "localpkg")); n != "My_Pkg" {
		t.Errorf("packageName = %q", n)
	}
	_, args := install.Spec{Installer: "uv", Python: &install.Interpreter{Bin: "python3.11"}, LocalPackages: []string{"my-pkg"}}.Args()
	if i := slices.Index(args, "--reinstall-package"); i < 0 || args[i+1] != "my-pkg" {
		t.Errorf("uv args %v lack --reinstall-package my-pkg", args)
	}
}

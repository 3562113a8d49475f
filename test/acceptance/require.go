package acceptance

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Unavailable skips the test because something it needs (a tool, the Docker engine, the
// network) is not there, or fails it when CI=true: scripts/setup.sh provides all of them in CI,
// where a skip would hide a broken setup.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: a missing tool is a failure, not a skip)", reason)
	}
	t.Skip(reason)
}

// RequireTool checks that the program name (pipenv, poetry, uv, ...) is there for Serverless
// runs: in .tools/bin, which Service.Environ puts first on PATH, or on PATH. Otherwise the
// test is skipped, or fails under CI=true (Unavailable).
func RequireTool(t testing.TB, name string) {
	t.Helper()
	requireHarness(t)
	if fi, err := os.Stat(filepath.Join(h.toolsBin, name)); err == nil && !fi.IsDir() {
		return
	}
	if _, err := exec.LookPath(name); err == nil {
		return
	}
	Unavailable(t, "%s is not installed (not in .tools/bin nor on PATH): run `bash scripts/setup.sh`", name)
}

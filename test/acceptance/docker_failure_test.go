package acceptance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerPipFails: pip failing inside the container gives a clear error with pip's own
// words, leaves no container and no cache entry that looks complete.
func TestDockerPipFails(t *testing.T) {
	RequireDocker(t)
	t.Parallel()
	s := NewService(t, "docker", Ours)
	s.WriteFile("requirements.txt", "pyreqs-pure\npyreqs-does-not-exist==9.9\n")
	out := dockerMustFail(t, s)
	dockerWants(t, out, "pip failed inside the container (the image "+TestImage+", exit code 1) installing .serverless/requirements.txt",
		"No matching distribution found for pyreqs-does-not-exist==9.9")
	if c := containersOf(t, s); c != "" {
		t.Errorf("containers left behind:\n%s", c)
	}
	entries, _ := filepath.Glob(filepath.Join(s.CacheDir, "serverless-python-requirements", "*_slspyc"))
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(e, ".completed_requirements")); err == nil {
			t.Errorf("a failed install left a complete cache entry %s", e)
		}
	}
	if strings.Contains(out, "panic") {
		t.Errorf("the binary crashed:\n%s", tail(out, 3000))
	}
	assertOwnedByMe(t, s.Dir)
	assertOwnedByMe(t, s.CacheDir)
}

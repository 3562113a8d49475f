package acceptance

// Commands: `sls requirements install`, `clean` and `cleanCache`, with the real CLI.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRequirementsCommands runs install, clean and cleanCache in sequence on basic (in zip
// mode, so install also writes .requirements.zip and the helper), with foreign files in the
// cache folder that cleanCache must leave alone.
func TestRequirementsCommands(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.zip", true)
	root := cacheRoot(s)
	foreignFile := filepath.Join(root, "notes.txt")
	foreignDir := filepath.Join(root, "other-tool")
	if err := os.MkdirAll(foreignDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{foreignFile, filepath.Join(foreignDir, "data.bin")} {
		if err := os.WriteFile(p, []byte("not the plugin's\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// install: .serverless/requirements links to a complete cache entry holding the packages.
	s.MustSls("requirements", "install")
	link := s.Path(".serverless/requirements")
	target, err := os.Readlink(link)
	if err != nil {
		t.Fatalf(".serverless/requirements is not a link: %v", err)
	}
	if filepath.Dir(target) != root || !strings.HasSuffix(target, "_x86_64_slspyc") {
		t.Errorf(".serverless/requirements -> %s, want an entry in %s", target, root)
	}
	for _, f := range []string{"pyreqs_pure/__init__.py", "pyreqs_native/__init__.py", "pyreqs_withdeps/__init__.py", "pyreqs_sdistonly/__init__.py", ".completed_requirements"} {
		if _, err := os.Stat(filepath.Join(link, f)); err != nil {
			t.Errorf("after requirements install: %v", err)
		}
	}
	rz := s.Path(".requirements.zip")
	assertHas(t, rz, ZipEntries(t, rz), "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py")
	assertNoPluginMeta(t, rz, ZipEntries(t, rz))
	if _, err := os.Stat(s.Path("unzip_requirements.py")); err != nil {
		t.Errorf("requirements install in zip mode wrote no helper: %v", err)
	}
	entries := cacheEntries(t, root)
	if len(entries) != 1 {
		t.Fatalf("cache entries %v, want one", entries)
	}

	// clean: what the plugin created in the service is gone; the cache and the user's files stay.
	s.MustSls("requirements", "clean")
	for _, p := range []string{".serverless/requirements", ".serverless/requirements.txt", ".requirements.zip", "unzip_requirements.py"} {
		if _, err := os.Lstat(s.Path(p)); err == nil {
			t.Errorf("requirements clean left %s", p)
		}
	}
	for _, p := range []string{"handler.py", "requirements.txt", "serverless.yml"} {
		if _, err := os.Stat(s.Path(p)); err != nil {
			t.Errorf("requirements clean removed the user's %s", p)
		}
	}
	if got := cacheEntries(t, root); len(got) != 1 {
		t.Errorf("requirements clean touched the cache: %v", got)
	}

	// cleanCache: only the plugin's own entries go.
	stdout, stderr := s.MustSls("requirements", "cleanCache", "--verbose")
	if got := cacheEntries(t, root); len(got) != 0 {
		t.Errorf("cleanCache left entries %v", got)
	}
	if _, err := os.Stat(filepath.Join(root, "downloadCacheslspyc")); err == nil {
		t.Errorf("cleanCache left the download cache")
	}
	for _, p := range []string{foreignFile, filepath.Join(foreignDir, "data.bin")} {
		if data, err := os.ReadFile(p); err != nil || string(data) != "not the plugin's\n" {
			t.Errorf("cleanCache removed or changed a foreign file %s: %v", p, err)
		}
	}
	if !strings.Contains(stdout+stderr, "Removing static caches at: "+root) {
		t.Errorf("no cleanCache message:\n%s", tail(stdout+stderr, 2000))
	}
}

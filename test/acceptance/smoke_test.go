package acceptance

import (
	"path/filepath"
	"strings"
	"testing"
)

// packagesBasic packages testdata/services/basic with the plugin and checks that every
// requirement, including the transitive dependency, the C extension and the sdist-only
// package, is in the service artifact.
func packagesBasic(t *testing.T, plugin Plugin) {
	t.Parallel()
	s := NewService(t, "basic", plugin)
	s.MustSls("package")

	zipPath := s.Path(".serverless/basic.zip")
	if zipPath != s.Artifact() {
		t.Errorf("Artifact() = %s, want %s", s.Artifact(), zipPath)
	}
	entries := ZipEntries(t, zipPath)
	for _, name := range []string{
		"handler.py",
		"pyreqs_pure/__init__.py",
		"pyreqs_withdeps/__init__.py",
		"pyreqs_sdistonly/__init__.py",
		"pyreqs_native/__init__.py",
	} {
		if _, ok := entries[name]; !ok {
			t.Errorf("%s: no entry %s", filepath.Base(zipPath), name)
		}
	}
	if got := string(ZipRead(t, zipPath, "pyreqs_pure/_version.py")); !strings.Contains(got, `"1.0.0"`) {
		t.Errorf("pyreqs_pure/_version.py = %q, want version 1.0.0 from the local index", got)
	}
	var native bool
	for name, e := range entries {
		if strings.HasPrefix(name, "pyreqs_native/_speed.") && strings.HasSuffix(name, ".so") && e.Size > 0 {
			native = true
		}
		if strings.HasPrefix(name, "node_modules/") {
			t.Errorf("%s: node_modules leaked into the artifact: %s", filepath.Base(zipPath), name)
			break
		}
	}
	if !native {
		t.Errorf("%s: no compiled pyreqs_native/_speed*.so", filepath.Base(zipPath))
	}
	// The index served the packages: nothing came from anywhere else.
	if dl := Index(t).Downloads(); len(dl) == 0 {
		t.Errorf("the local index served no file")
	}
}

func TestOriginalPluginPackagesBasic(t *testing.T) { packagesBasic(t, Original) }

func TestOursPackagesBasic(t *testing.T) { packagesBasic(t, Ours) }

// TestOriginalPluginDockerizePip checks the docker part of the harness: the original plugin
// installs the requirements of basic inside TestImage, from the local index.
func TestOriginalPluginDockerizePip(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Original)
	s.DockerizePip()
	s.MustSls("package")
	entries := ZipEntries(t, s.Artifact())
	for _, name := range []string{"pyreqs_pure/__init__.py", "pyreqs_sdistonly/__init__.py", "pyreqs_withdeps/__init__.py"} {
		if _, ok := entries[name]; !ok {
			t.Errorf("no entry %s", name)
		}
	}
	// Files written by the container into the cache are chowned back to this user.
	assertOwnedByMe(t, s.CacheDir)
}

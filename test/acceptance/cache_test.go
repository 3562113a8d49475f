package acceptance

// The caches end to end with the real `sls package`: useStaticCache, useDownloadCache,
// cacheLocation, staticCacheMaxVersions and invalidateCaches.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoCaches: useStaticCache: false and useDownloadCache: false install straight into
// .serverless/requirements (a real folder) and never create the cache folder.
func TestNoCaches(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.useStaticCache", false)
	s.SetConfig("custom.pythonRequirements.useDownloadCache", false)
	s.MustSls("package")
	fi, err := os.Lstat(s.Path(".serverless/requirements"))
	if err != nil || !fi.IsDir() {
		t.Errorf(".serverless/requirements is not a real folder: %v %v", fi, err)
	}
	if _, err := os.Stat(cacheRoot(s)); err == nil {
		t.Errorf("the cache folder %s was created with both caches off", cacheRoot(s))
	}
	art := s.Artifact()
	entries := ZipEntries(t, art)
	assertHas(t, art, entries, "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py", "pyreqs_sdistonly/__init__.py")
	assertNoPluginMeta(t, art, entries)
}

// TestCacheLocationMaxVersions: a relative cacheLocation is relative to the service folder
// and holds the static and download caches; staticCacheMaxVersions: 1 keeps only the entry in use.
func TestCacheLocationMaxVersions(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.cacheLocation", ".cache-rel")
	s.SetConfig("custom.pythonRequirements.staticCacheMaxVersions", 1)
	s.SetConfig("package.patterns", []any{"!node_modules/**", "!package.json", "!package-lock.json", "!.cache-rel/**"})
	s.MustSls("package")
	root := s.Path(".cache-rel")
	first := cacheEntries(t, root)
	if len(first) != 1 {
		t.Fatalf("%s holds entries %v, want one", root, first)
	}
	if des, err := os.ReadDir(filepath.Join(root, "downloadCacheslspyc")); err != nil || len(des) == 0 {
		t.Errorf("the download cache in %s is missing or empty (%v)", root, err)
	}
	if _, err := os.Stat(cacheRoot(s)); err == nil {
		t.Errorf("the default cache folder was used despite cacheLocation")
	}

	s.WriteFile("requirements.txt", "pyreqs-pure\n")
	stdout, stderr := s.MustSls("package", "--verbose")
	second := cacheEntries(t, root)
	if len(second) != 1 || second[0] == first[0] {
		t.Errorf("after a requirements change, entries %v (before %v): want only the new one", second, first)
	}
	if !strings.Contains(stdout+stderr, "Removed 1 items from cache because of staticCacheMaxVersions") {
		t.Errorf("no prune message:\n%s", tail(stdout+stderr, 3000))
	}
	if e := ZipEntries(t, s.Artifact()); hasPrefix(e, "pyreqs_native/") || !hasPrefix(e, "pyreqs_pure/") {
		t.Errorf("the artifact does not reflect the new requirements: %v", sortedNames(e))
	}
}

// TestInvalidateCaches: without invalidateCaches a warm run reuses the static cache even
// though the index now serves pyreqs-pure 2.0.0; with it, the cache is emptied and pip runs again.
func TestInvalidateCaches(t *testing.T) {
	t.Parallel()
	v2 := ServeIndex(t, filepath.Join(IndexDir(t), "v2"))
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements.txt", "pyreqs-pure\n")
	version := func() string {
		return string(ZipRead(t, s.Artifact(), "pyreqs_pure/_version.py"))
	}
	s.MustSls("package")
	if v := version(); !strings.Contains(v, `"1.0.0"`) {
		t.Fatalf("first run: %q, want 1.0.0", v)
	}
	s.IndexURL = v2.IndexURL()
	s.MustSls("package")
	if v := version(); !strings.Contains(v, `"1.0.0"`) {
		t.Fatalf("warm run without invalidateCaches: %q, want the cached 1.0.0", v)
	}
	s.SetConfig("custom.pythonRequirements.invalidateCaches", true)
	stdout, stderr := s.MustSls("package", "--verbose")
	if v := version(); !strings.Contains(v, `"2.0.0"`) {
		t.Errorf("with invalidateCaches: %q, want 2.0.0 (pip must run again)", v)
	}
	if out := stdout + stderr; !strings.Contains(out, "invalidateCaches: removed 1 static cache entries") || !strings.Contains(out, "Installed requirements from") {
		t.Errorf("no invalidation/install log lines:\n%s", tail(out, 3000))
	}
	if len(cacheEntries(t, cacheRoot(s))) != 1 {
		t.Errorf("cache entries after the rebuild: %v", cacheEntries(t, cacheRoot(s)))
	}
}

package acceptance

// Issue 2 options end to end with the real `sls package`: fileName, pythonBin (explicit and from
// the runtime), pipCmdExtraArgs, noDeploy, vendor (service and function level), useStaticCache,
// useDownloadCache, cacheLocation, staticCacheMaxVersions, invalidateCaches, and the v4 switches
// enabled: false and a block set to false.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIssue2FileNamePythonBinPipArgs: an explicit fileName is read instead of requirements.txt,
// pip runs through the configured pythonBin (a wrapper that records its arguments), and every
// token of a multi-token pipCmdExtraArgs element reaches pip (--index-url to the index that also
// serves pyreqs-pure 2.0.0, and --no-deps).
func TestIssue2FileNamePythonBinPipArgs(t *testing.T) {
	t.Parallel()
	v2 := ServeIndex(t, filepath.Join(IndexDir(t), "v2"))
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements-prod.txt", "pyreqs-withdeps\npyreqs-pure\n")
	callLog := filepath.Join(t.TempDir(), "python-calls.log")
	wrapper := filepath.Join(t.TempDir(), "mypython")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '"+callLog+"'\nexec python3.11 \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.SetConfig("custom.pythonRequirements.fileName", "requirements-prod.txt")
	s.SetConfig("custom.pythonRequirements.pythonBin", wrapper)
	s.SetConfig("custom.pythonRequirements.pipCmdExtraArgs", []any{"--no-deps --index-url " + v2.IndexURL()})
	s.MustSls("package")

	art := s.Artifact()
	entries := ZipEntries(t, art)
	i2AssertHas(t, art, entries, "pyreqs_withdeps/__init__.py", "pyreqs_pure/__init__.py", "requirements-prod.txt")
	i2AssertNoPrefix(t, art, entries, "pyreqs_native/", "pyreqs_sdistonly/")
	if v := string(ZipRead(t, art, "pyreqs_pure/_version.py")); !strings.Contains(v, `"2.0.0"`) {
		t.Errorf("pyreqs_pure/_version.py = %q: the --index-url of pipCmdExtraArgs was not used", v)
	}
	calls, err := os.ReadFile(callLog)
	if err != nil {
		t.Fatalf("pythonBin %s was never run: %v", wrapper, err)
	}
	var pip string
	for _, l := range strings.Split(string(calls), "\n") {
		if strings.Contains(l, "-m pip install") {
			pip = l
		}
	}
	if pip == "" {
		t.Fatalf("pythonBin did not run pip install; calls:\n%s", calls)
	}
	for _, want := range []string{"--no-deps", "--index-url " + v2.IndexURL(), ".serverless/requirements.txt"} {
		if !strings.Contains(pip, want) {
			t.Errorf("pip install call %q lacks %q", pip, want)
		}
	}
	if hits := v2.Downloads(); len(hits) == 0 {
		t.Errorf("the pipCmdExtraArgs index served nothing")
	}
}

// TestIssue2NoDeployTransitive: noDeploy naming a transitive dependency in another spelling
// (PYREQS.Pure for pyreqs-pure) removes all its files, console script included; pythonBin
// defaults to the runtime's interpreter.
func TestIssue2NoDeployTransitive(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.WriteFile("requirements.txt", "pyreqs-withdeps\n")
	s.SetConfig("custom.pythonRequirements.noDeploy", []any{"PYREQS.Pure"})
	stdout, stderr := s.MustSls("package", "--verbose")
	if out := stdout + stderr; !strings.Contains(out, "Using python3.11 (Python 3.11") {
		t.Errorf("pythonBin did not default to the runtime's python3.11:\n%s", tail(out, 3000))
	}
	art := s.Artifact()
	entries := ZipEntries(t, art)
	i2AssertHas(t, art, entries, "pyreqs_withdeps/__init__.py", "pyreqs_withdeps-1.0.0.dist-info/METADATA")
	i2AssertNoPrefix(t, art, entries, "pyreqs_pure/", "pyreqs_pure-", "bin/pyreqs-pure")
	// It was installed (a dependency of pyreqs-withdeps), just not deployed.
	if _, err := os.Stat(s.Path(".serverless/requirements/pyreqs_pure/__init__.py")); err != nil {
		t.Errorf("pyreqs-pure was not installed at all: %v", err)
	}
}

// TestIssue2VendorServiceLevel: service-level vendor files are added at the artifact root, and a
// change to them shows up on the next (warm) run, since they are never cached.
func TestIssue2VendorServiceLevel(t *testing.T) {
	t.Parallel()
	s := NewService(t, "vendor", Ours)
	s.MustSls("package")
	art := s.Artifact()
	entries := ZipEntries(t, art)
	i2AssertHas(t, art, entries, "vendored_helper/__init__.py", "vendored_single.py", "pyreqs_pure/__init__.py", "handler.py")
	i2AssertNoPrefix(t, art, entries, "vendored/")
	dir := Unzip(t, art)
	if out := i2RunPython(t, dir, "import handler; print(handler.hello({}, None))"); !strings.Contains(out, "HELLO VENDOR FROM PYREQS-PURE 1.0.0!") {
		t.Errorf("handler.hello() printed %q", out)
	}

	s.WriteFile("vendored/vendored_single.py", "SINGLE = 'changed'\n")
	s.MustSls("package")
	if got := string(ZipRead(t, art, "vendored_single.py")); got != "SINGLE = 'changed'\n" {
		t.Errorf("a changed vendor file was not picked up on the warm run: %q", got)
	}
	if _, err := os.Stat(filepath.Join(i2CacheEntryDir(t, s), "vendored_single.py")); err == nil {
		t.Errorf("vendor files were copied into the static cache entry")
	}
}

func i2CacheEntryDir(t testing.TB, s *Service) string {
	t.Helper()
	entries := i2CacheEntries(t, i2CacheRoot(s))
	if len(entries) != 1 {
		t.Fatalf("cache entries %v, want one", entries)
	}
	return filepath.Join(i2CacheRoot(s), entries[0])
}

// TestIssue2VendorFunctionLevel: functions.<f>.vendor of an individually packaged function goes
// into that function's artifact only.
func TestIssue2VendorFunctionLevel(t *testing.T) {
	t.Parallel()
	s := NewService(t, "individually", Ours)
	s.WriteFile("vendor_a/extra_a.py", "EXTRA = 'a'\n")
	s.SetConfig("functions.funcA.vendor", "./vendor_a")
	s.MustSls("package")
	a := s.Path(".serverless/mod_a-individually-dev-funcA.zip")
	i2AssertHas(t, a, ZipEntries(t, a), "extra_a.py", "handler_a.py", "pyreqs_withdeps/__init__.py")
	for _, other := range []string{".serverless/mod_b-individually-dev-funcB.zip", ".serverless/root.zip"} {
		p := s.Path(other)
		if e := ZipEntries(t, p); i2HasPrefix(e, "extra_a.py") {
			t.Errorf("%s received funcA's vendor file", other)
		}
	}
}

// TestIssue2NoCaches: useStaticCache: false and useDownloadCache: false install straight into
// .serverless/requirements (a real folder) and never create the cache folder.
func TestIssue2NoCaches(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.useStaticCache", false)
	s.SetConfig("custom.pythonRequirements.useDownloadCache", false)
	s.MustSls("package")
	fi, err := os.Lstat(s.Path(".serverless/requirements"))
	if err != nil || !fi.IsDir() {
		t.Errorf(".serverless/requirements is not a real folder: %v %v", fi, err)
	}
	if _, err := os.Stat(i2CacheRoot(s)); err == nil {
		t.Errorf("the cache folder %s was created with both caches off", i2CacheRoot(s))
	}
	art := s.Artifact()
	entries := ZipEntries(t, art)
	i2AssertHas(t, art, entries, "pyreqs_pure/__init__.py", "pyreqs_native/__init__.py", "pyreqs_sdistonly/__init__.py")
	i2AssertNoPluginMeta(t, art, entries)
}

// TestIssue2CacheLocationMaxVersions: a relative cacheLocation is relative to the service folder
// and holds the static and download caches; staticCacheMaxVersions: 1 keeps only the entry in use.
func TestIssue2CacheLocationMaxVersions(t *testing.T) {
	t.Parallel()
	s := NewService(t, "basic", Ours)
	s.SetConfig("custom.pythonRequirements.cacheLocation", ".cache-rel")
	s.SetConfig("custom.pythonRequirements.staticCacheMaxVersions", 1)
	s.SetConfig("package.patterns", []any{"!node_modules/**", "!package.json", "!package-lock.json", "!.cache-rel/**"})
	s.MustSls("package")
	root := s.Path(".cache-rel")
	first := i2CacheEntries(t, root)
	if len(first) != 1 {
		t.Fatalf("%s holds entries %v, want one", root, first)
	}
	if des, err := os.ReadDir(filepath.Join(root, "downloadCacheslspyc")); err != nil || len(des) == 0 {
		t.Errorf("the download cache in %s is missing or empty (%v)", root, err)
	}
	if _, err := os.Stat(i2CacheRoot(s)); err == nil {
		t.Errorf("the default cache folder was used despite cacheLocation")
	}

	s.WriteFile("requirements.txt", "pyreqs-pure\n")
	stdout, stderr := s.MustSls("package", "--verbose")
	second := i2CacheEntries(t, root)
	if len(second) != 1 || second[0] == first[0] {
		t.Errorf("after a requirements change, entries %v (before %v): want only the new one", second, first)
	}
	if !strings.Contains(stdout+stderr, "Removed 1 items from cache because of staticCacheMaxVersions") {
		t.Errorf("no prune message:\n%s", tail(stdout+stderr, 3000))
	}
	if e := ZipEntries(t, s.Artifact()); i2HasPrefix(e, "pyreqs_native/") || !i2HasPrefix(e, "pyreqs_pure/") {
		t.Errorf("the artifact does not reflect the new requirements: %v", i2SortedNames(e))
	}
}

// TestIssue2InvalidateCaches: without invalidateCaches a warm run reuses the static cache even
// though the index now serves pyreqs-pure 2.0.0; with it, the cache is emptied and pip runs again.
func TestIssue2InvalidateCaches(t *testing.T) {
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
	if len(i2CacheEntries(t, i2CacheRoot(s))) != 1 {
		t.Errorf("cache entries after the rebuild: %v", i2CacheEntries(t, i2CacheRoot(s)))
	}
}

// TestIssue2Disabled: enabled: false and a block set to false skip requirements packaging, with
// the info message.
func TestIssue2Disabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		value any
	}{
		{"enabled-false", map[string]any{"enabled": false}},
		{"block-false", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewService(t, "basic", Ours)
			s.SetConfig("custom.pythonRequirements", tc.value)
			stdout, stderr := s.MustSls("package", "--verbose")
			if !strings.Contains(stdout+stderr, "Skipping python requirements packaging because custom.pythonRequirements.enabled is set to false.") {
				t.Errorf("no skip message:\n%s", tail(stdout+stderr, 3000))
			}
			art := s.Artifact()
			entries := ZipEntries(t, art)
			i2AssertHas(t, art, entries, "handler.py")
			i2AssertNoPrefix(t, art, entries, "pyreqs_", "bin/")
			for _, p := range []string{".serverless/requirements", ".serverless/requirements.txt"} {
				if _, err := os.Lstat(s.Path(p)); err == nil {
					t.Errorf("%s was created", p)
				}
			}
		})
	}
}
